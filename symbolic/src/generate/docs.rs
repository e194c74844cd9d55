//! What the generated items say about themselves: rustdoc (the formula and each derivative as
//! LaTeX, parameters, an example call), the LaTeX constants, and the `NAME_INFO` description
//! that tools list.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Definition;
use crate::Expression;

/// `NAME_INFO`: the definition described for tools (`texgrad::catalog()`).
pub fn info_constant(
    definition: &Definition,
    expression: &Expression,
    kind: TokenStream,
    derivatives: &[(String, String)],
) -> TokenStream {
    let name = &definition.name;
    let constant = format_ident!("{}_INFO", name.to_ascii_uppercase());
    let visibility = &definition.visibility;
    let (formula, latex, inputs) = (&definition.formula, expression.latex(), &definition.inputs);
    let derivatives = derivatives.iter().map(|(label, latex)| quote!((#label, #latex)));
    let parameters = definition.parameters.iter().map(|(parameter, value)| {
        let value = proc_macro2::Literal::f64_suffixed(*value);
        quote!((#parameter, #value))
    });
    let doc = format!("`{name}` described: formula, derivatives as LaTeX, parameters.");
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #visibility const #constant: ::texgrad::__private::Info = ::texgrad::__private::Info {
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

pub fn latex_block(title: &str, latex: &str) -> Vec<String> {
    vec![String::new(), format!("{title}:"), String::new(), "```text".to_owned(), latex.to_owned(), "```".to_owned()]
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

/// `NAME_SUFFIX_LATEX` constants.
pub fn latex_constants(name: &str, constants: &[(&str, String)], visibility: &TokenStream) -> TokenStream {
    constants
        .iter()
        .map(|(suffix, latex)| {
            let constant = format_ident!("{}{}_LATEX", name.to_ascii_uppercase(), suffix);
            let doc = format!("The LaTeX of `{name}`{}, simplified.", suffix.to_ascii_lowercase().replace('_', " "));
            quote! { #[doc = #doc] #[allow(dead_code)] #visibility const #constant: &str = #latex; }
        })
        .collect()
}
