//! What the generated items say about themselves: rustdoc (the formula and each derivative as
//! LaTeX, parameters, an example call), and the type's `INFO` constant (SPEC section 3: the
//! formula and every derivative as LaTeX belong to the definition) that tools list.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Definition, type_name};
use crate::Expression;
use crate::emit::EmitOptions;

/// `Type::INFO`: the definition described for tools (`texgrad::catalog()`) and people: its
/// formula, the form computed and every derivative as LaTeX, its inputs and parameters. An
/// associated constant of the definition's type, so that a module's page lists the functions
/// and types a person calls, not a constant per derivative.
pub fn info_constant(
    definition: &Definition,
    expression: &Expression,
    kind: TokenStream,
    derivatives: &[(String, String)],
    options: &EmitOptions,
) -> TokenStream {
    let name = &definition.name;
    let visibility = &definition.visibility;
    let (formula, latex, inputs) = (&definition.formula, expression.latex(), &definition.inputs);
    let derivatives = derivatives.iter().map(|(label, latex)| quote!((#label, #latex)));
    let parameters = definition.parameters.iter().map(|(parameter, value)| {
        let value = proc_macro2::Literal::f64_suffixed(*value);
        quote!((#parameter, #value))
    });
    let type_ident = format_ident!("{}", type_name(name));
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let (impl_generics, type_use) = if definition.parameters.is_empty() {
        (quote!(), quote!(#type_ident))
    } else {
        (quote!(<#float: #float_trait>), quote!(#type_ident<#float>))
    };
    let doc = format!(
        "`{name}` described: the formula as written, the form computed and every derivative as LaTeX, the inputs and the parameters' defaults."
    );
    quote! {
        impl #impl_generics #type_use {
            #[doc = #doc]
            #[allow(dead_code)]
            #visibility const INFO: ::texgrad::__private::Info = ::texgrad::__private::Info {
                name: #name,
                kind: ::texgrad::__private::Kind::#kind,
                inputs: &[#(#inputs),*],
                formula: #formula,
                latex: #latex,
                derivatives: &[#(#derivatives),*],
                parameters: &[#(#parameters),*],
            };
        }
    }
}

/// A usage example: the function called at 0.5 for every input, with the defaults.
pub fn example(function: &str, definition: &Definition) -> Vec<String> {
    let arguments: Vec<String> = definition
        .inputs
        .iter()
        .map(|_| "0.5f64".to_owned())
        .chain(definition.parameters.iter().map(|(_, value)| format!("{value:?}")))
        .collect();
    vec![
        String::new(),
        "Example:".to_owned(),
        String::new(),
        "```text".to_owned(),
        format!("let value = {function}({});", arguments.join(", ")),
        "```".to_owned(),
    ]
}

/// A rustdoc block: the user's docs come through their attributes; this adds the formulas.
pub fn doc_lines(lines: &[String]) -> TokenStream {
    lines.iter().map(|line| quote!(#[doc = #line])).collect()
}

/// A formula under a title, as a ```` ```math ```` block: KaTeX renders it where the docs load
/// `docs/katex-header.html` (docs.rs does), and it reads as LaTeX everywhere else. A code block,
/// because rustdoc's Markdown would take the `_` and `\\` of inline `$..$` as emphasis and escapes.
pub fn latex_block(title: &str, latex: &str) -> Vec<String> {
    vec![String::new(), format!("{title}:"), String::new(), "```math".to_owned(), latex.to_owned(), "```".to_owned()]
}

pub fn parameter_doc(definition: &Definition) -> Vec<String> {
    if definition.parameters.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), "Parameters (defaults):".to_owned(), String::new()];
    for (name, default) in &definition.parameters {
        lines.push(format!("- `{name}` = {default}"));
    }
    lines
}
