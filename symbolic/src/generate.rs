//! Code generation for `define_activation!` and `define_loss!`: from a block of definitions to
//! the Rust items SPEC section 3 lists, with errors that say which part of which definition is
//! wrong. The proc-macro crate only parses its input into [`Definition`]s and turns
//! [`Failure`]s into compile errors; everything here is an ordinary library, tested directly.

use std::collections::HashMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use texgrad_grammar::Context;

use crate::emit::{EmitOptions, identifier};
use crate::error::EngineError;
use crate::eval::Bindings;
use crate::lower::{self, Scope};
use crate::{Expression, check};

/// One definition of a block, as the macro read it.
#[derive(Clone, Debug)]
pub struct Definition {
    /// The function's name (`leaky_relu`).
    pub name: String,
    /// The user's attributes, doc comments included, passed through to every item.
    pub attributes: TokenStream,
    /// The visibility (`pub`), given to every item.
    pub visibility: TokenStream,
    /// Input names, in order.
    pub inputs: Vec<String>,
    /// Parameter names with their default values, in order.
    pub parameters: Vec<(String, f64)>,
    /// The formula.
    pub formula: String,
    /// A claimed derivative, checked against the engine's (`f(x)` is the function itself).
    pub claim: Option<String>,
}

/// Which part of a definition a failure is about, so the macro can point at that token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The formula literal.
    Formula,
    /// The claimed derivative's literal.
    Claim,
    /// The definition's name.
    Name,
    /// The input at this position.
    Input(usize),
    /// The name of the parameter at this position.
    ParameterName(usize),
    /// The default value of the parameter at this position.
    ParameterDefault(usize),
}

/// An error in one definition.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The definition's position in the block.
    pub definition: usize,
    /// Which of its parts.
    pub place: Place,
    /// What is wrong.
    pub error: EngineError,
}

/// Which macro is generating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `define_activation!`.
    Activation,
    /// `define_loss!`.
    Loss,
}

/// The items for a whole block; failed definitions get stubs with the right signatures, so that
/// the user sees their errors and not a cascade of missing functions.
pub fn generate(flavor: Flavor, definitions: &[Definition], options: &EmitOptions) -> (TokenStream, Vec<Failure>) {
    let mut tokens = TokenStream::new();
    let mut failures = Vec::new();
    let mut known: HashMap<String, lower::Definition> = HashMap::new();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (position, definition) in definitions.iter().enumerate() {
        if let Some(first) = names.insert(&definition.name, position) {
            failures.push(Failure {
                definition: position,
                place: Place::Name,
                error: EngineError::new(format!(
                    "`{}` is defined twice in this block (first as definition {})",
                    definition.name,
                    first + 1
                ))
                .with_hint("give each definition its own name"),
            });
            continue;
        }
        match generate_one(flavor, definition, &known, options) {
            Ok((items, lowered)) => {
                tokens.extend(items);
                known.insert(definition.name.to_ascii_lowercase(), lowered);
            }
            Err((place, error)) => {
                failures.push(Failure { definition: position, place, error });
                tokens.extend(stub(definition, options));
            }
        }
    }
    (tokens, failures)
}

type Outcome<T> = Result<T, (Place, EngineError)>;

fn at_formula(error: EngineError) -> (Place, EngineError) {
    (Place::Formula, error)
}

/// Names must be distinct and be Rust identifiers; defaults must be finite.
fn check_names(definition: &Definition) -> Outcome<()> {
    let mut seen: HashMap<&str, Place> = HashMap::new();
    let places =
        definition.inputs.iter().enumerate().map(|(position, name)| (name.as_str(), Place::Input(position))).chain(
            definition
                .parameters
                .iter()
                .enumerate()
                .map(|(position, (name, _))| (name.as_str(), Place::ParameterName(position))),
        );
    for (name, place) in places {
        if seen.insert(name, place).is_some() {
            return Err((
                place,
                EngineError::new(format!("`{name}` is declared twice"))
                    .with_hint("inputs and parameters need distinct names"),
            ));
        }
        if name == "n" || name == "m" {
            return Err((
                place,
                EngineError::new(format!("`{name}` is the vector length in formulas; it cannot be declared"))
                    .with_hint("rename it"),
            ));
        }
    }
    for (position, (name, default)) in definition.parameters.iter().enumerate() {
        if !default.is_finite() {
            return Err((
                Place::ParameterDefault(position),
                EngineError::new(format!("the default of `{name}` is not a finite number")),
            ));
        }
    }
    if definition.inputs.is_empty() {
        return Err((
            Place::Name,
            EngineError::new("a definition needs at least one input").with_hint("fn f(x) = ..."),
        ));
    }
    Ok(())
}

fn generate_one(
    flavor: Flavor,
    definition: &Definition,
    known: &HashMap<String, lower::Definition>,
    options: &EmitOptions,
) -> Outcome<(TokenStream, lower::Definition)> {
    check_names(definition)?;
    let declared: Vec<&String> =
        definition.inputs.iter().chain(definition.parameters.iter().map(|(name, _)| name)).collect();
    let context = Context::declaring(declared).with_functions(known.keys());
    let scope = Scope { definitions: known.clone(), ..Scope::default() };
    let parsed =
        texgrad_grammar::parse_with(&definition.formula, &context).map_err(|error| at_formula(error.into()))?;
    if let Some(head) = &parsed.head {
        for argument in &head.arguments {
            if !definition.inputs.contains(&argument.name) {
                return Err(at_formula(
                    EngineError::at(head.span, format!("the head names `{}`, which is not an input", argument.name))
                        .with_hint(format!("the inputs are: {}", definition.inputs.join(", "))),
                ));
            }
        }
    }
    let expression = Expression::parse_with(&definition.formula, &context, &scope).map_err(at_formula)?;
    let defaults =
        definition.parameters.iter().fold(Bindings::default(), |bindings, (name, value)| bindings.scalar(name, *value));
    check::check_cases_cover(&expression, &definition.inputs, &defaults).map_err(at_formula)?;
    let lowered = lower::Definition {
        inputs: definition.inputs.clone(),
        body: expression.source().cloned().expect("parsed from text"),
    };
    let vector = !expression.names().1.is_empty();
    let items = match (flavor, vector) {
        (_, false) => scalar_items(definition, &expression, &defaults, options)?,
        (Flavor::Activation, true) | (Flavor::Loss, true) => {
            return Err(at_formula(EngineError::new(
                "vector activations and losses are not generated yet: the vector code generator is still being built",
            )));
        }
    };
    Ok((items, lowered))
}

/// `leaky_relu` → `LeakyRelu`.
pub fn type_name(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A rustdoc block: the user's docs come through their attributes; this adds the formulas.
fn doc_lines(lines: &[String]) -> TokenStream {
    lines.iter().map(|line| quote!(#[doc = #line])).collect()
}

fn latex_block(title: &str, latex: &str) -> Vec<String> {
    vec![String::new(), format!("{title}:"), String::new(), "```text".to_owned(), latex.to_owned(), "```".to_owned()]
}

fn parameter_doc(definition: &Definition) -> Vec<String> {
    if definition.parameters.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), "Parameters (defaults):".to_owned(), String::new()];
    for (name, default) in &definition.parameters {
        lines.push(format!("- `{name}` = {default}"));
    }
    lines
}

struct Function {
    name: Ident,
    latex: String,
    expression: Expression,
}

fn scalar_items(
    definition: &Definition,
    expression: &Expression,
    defaults: &Bindings,
    options: &EmitOptions,
) -> Outcome<TokenStream> {
    let single = definition.inputs.len() == 1;
    let arguments: Vec<String> =
        definition.inputs.iter().cloned().chain(definition.parameters.iter().map(|(name, _)| name.clone())).collect();
    let name = &definition.name;
    let visibility = &definition.visibility;
    let attributes = &definition.attributes;
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let options = &EmitOptions { visibility: visibility.clone(), ..options.clone() };

    if let Some(claim) = &definition.claim {
        if !single {
            return Err((Place::Claim, EngineError::new("a claimed derivative needs a definition with one input")));
        }
        check::check_derivative_claim(expression, &definition.inputs[0], claim, defaults)
            .map_err(|error| (Place::Claim, error))?;
    }

    // The value, and the derivative with respect to every input and parameter.
    let mut functions =
        vec![Function { name: identifier(name), latex: expression.latex(), expression: expression.clone() }];
    let mut partials = Vec::new();
    for argument in &arguments {
        let derivative =
            expression.derivative(argument).or_else(|_| zero_derivative(expression, argument)).map_err(at_formula)?;
        partials.push((argument.clone(), derivative));
    }
    for (argument, derivative) in &partials {
        functions.push(Function {
            name: format_ident!("{}_derivative_wrt_{}", name, argument),
            latex: derivative.latex(),
            expression: derivative.clone(),
        });
    }
    let mut second = None;
    if single {
        let first = partials[0].1.clone();
        let second_derivative = first.derivative(&definition.inputs[0]).map_err(at_formula)?;
        functions.push(Function {
            name: format_ident!("{}_derivative", name),
            latex: first.latex(),
            expression: first.clone(),
        });
        functions.push(Function {
            name: format_ident!("{}_second_derivative", name),
            latex: second_derivative.latex(),
            expression: second_derivative.clone(),
        });
        second = Some((first, second_derivative));
    }

    let mut tokens = TokenStream::new();
    let formula_doc = latex_block("Formula", &expression.latex());
    let parameters_doc = parameter_doc(definition);
    for function in &functions {
        let mut lines = vec![format!("`{}`, generated by texgrad from `{}`.", function.name, definition.formula)];
        lines.extend(latex_block("Computes", &function.latex));
        if function.name != name.as_str() {
            lines.extend(formula_doc.clone());
        }
        lines.extend(parameters_doc.clone());
        let docs = doc_lines(&lines);
        let code = function
            .expression
            .rust_function(&function.name.to_string(), &arguments, &[], options)
            .map_err(at_formula)?;
        tokens.extend(quote! { #attributes #docs #[inline] #code });
        let constant = format_ident!("{}_LATEX", function.name.to_string().to_ascii_uppercase());
        let latex = &function.latex;
        let doc = format!("The LaTeX of [`{}`], simplified.", function.name);
        tokens.extend(quote! { #[doc = #doc] #[allow(dead_code)] #visibility const #constant: &str = #latex; });
    }
    let parameter_idents: Vec<Ident> = definition.parameters.iter().map(|(name, _)| identifier(name)).collect();
    let input_idents: Vec<Ident> = definition.inputs.iter().map(|name| identifier(name)).collect();

    // The fused value and derivative, for `Activation::value_and_derivative`.
    let mut fused_name = None;
    if let Some((first, second_derivative)) = &second {
        let fused = format_ident!("{}_value_and_derivative", name);
        let code = expression.rust_function(&fused.to_string(), &arguments, &[first], options).map_err(at_formula)?;
        let doc = format!("`({name}(x), {name}_derivative(x))`, sharing their common subexpressions.");
        tokens.extend(quote! { #attributes #[doc = #doc] #[inline] #code });
        fused_name = Some(fused);
        let _ = second_derivative;
    }

    // The type holding the parameters.
    let type_ident = format_ident!("{}", type_name(name));
    let defaults_code: Vec<TokenStream> = definition
        .parameters
        .iter()
        .map(|(parameter, value)| {
            let ident = identifier(parameter);
            let (single_literal, double_literal) =
                (proc_macro2::Literal::f32_suffixed(*value as f32), proc_macro2::Literal::f64_suffixed(*value));
            quote!(#ident: <#float as #float_trait>::literal(#single_literal, #double_literal))
        })
        .collect();
    let mut type_lines = vec![format!("`{name}` with its parameters, generated by texgrad.")];
    type_lines.extend(formula_doc.clone());
    type_lines.extend(parameters_doc.clone());
    let type_docs = doc_lines(&type_lines);
    let (struct_generics, impl_generics, type_use) = if parameter_idents.is_empty() {
        (quote!(), quote!(<#float: #float_trait>), quote!(#type_ident))
    } else {
        (quote!(<#float>), quote!(<#float: #float_trait>), quote!(#type_ident<#float>))
    };
    if parameter_idents.is_empty() {
        tokens.extend(quote! {
            #attributes #type_docs
            #[derive(Clone, Copy, Debug, Default, PartialEq)]
            #visibility struct #type_ident;
        });
    } else {
        let fields = parameter_idents.iter().map(|ident| {
            let doc = format!("The parameter `{ident}`.");
            quote!(#[doc = #doc] pub #ident: #float)
        });
        tokens.extend(quote! {
            #attributes #type_docs
            #[derive(Clone, Copy, Debug, PartialEq)]
            #visibility struct #type_ident #struct_generics { #(#fields),* }

            impl #impl_generics ::core::default::Default for #type_use {
                fn default() -> Self {
                    Self { #(#defaults_code),* }
                }
            }
        });
    }
    let self_parameters: Vec<TokenStream> = parameter_idents.iter().map(|ident| quote!(self.#ident)).collect();
    let value_fn = identifier(name);
    if single {
        let x = &input_idents[0];
        let derivative_fn = format_ident!("{}_derivative", name);
        let second_fn = format_ident!("{}_second_derivative", name);
        let fused = fused_name.expect("single-input definitions have a fused function");
        let parameter_names: Vec<&String> = definition.parameters.iter().map(|(parameter, _)| parameter).collect();
        let gradient_fns: Vec<Ident> = definition
            .parameters
            .iter()
            .map(|(parameter, _)| format_ident!("{}_derivative_wrt_{}", name, parameter))
            .collect();
        let count = gradient_fns.len();
        let gradient_calls: Vec<TokenStream> = gradient_fns
            .iter()
            .enumerate()
            .map(|(position, function)| quote!(gradient[#position] = #function(#x #(, #self_parameters)*);))
            .collect();
        tokens.extend(quote! {
            impl #impl_generics ::texgrad::__private::Activation<#float> for #type_use {
                #[inline]
                fn value(&self, #x: #float) -> #float {
                    #value_fn(#x #(, #self_parameters)*)
                }
                #[inline]
                fn derivative(&self, #x: #float) -> #float {
                    #derivative_fn(#x #(, #self_parameters)*)
                }
                #[inline]
                fn second_derivative(&self, #x: #float) -> #float {
                    #second_fn(#x #(, #self_parameters)*)
                }
                #[inline]
                fn value_and_derivative(&self, #x: #float) -> (#float, #float) {
                    #fused(#x #(, #self_parameters)*)
                }
                fn parameter_names(&self) -> &'static [&'static str] {
                    &[#(#parameter_names),*]
                }
                fn derivative_wrt_parameters(&self, #x: #float, gradient: &mut [#float]) {
                    ::core::assert_eq!(gradient.len(), #count, "the gradient has {} elements, but there are {} parameters", gradient.len(), #count);
                    #(#gradient_calls)*
                }
            }
        });
        // The derivative through the output, where it exists.
        if let Some(from_output) = expression.derivative_from_output(&definition.inputs[0], "y") {
            let function_name = format_ident!("{}_derivative_from_output", name);
            let mut output_arguments = vec!["y".to_owned()];
            output_arguments.extend(definition.parameters.iter().map(|(parameter, _)| parameter.clone()));
            if !definition.parameters.iter().any(|(parameter, _)| parameter == "y") && definition.inputs[0] != "y" {
                let code = from_output
                    .rust_function(&function_name.to_string(), &output_arguments, &[], options)
                    .map_err(at_formula)?;
                let mut lines = vec![format!(
                    "`{name}'` at the input whose output is `y`, generated by texgrad. It cancels where `{name}` saturates; prefer `{name}_derivative` when the input is kept."
                )];
                lines.extend(latex_block("Computes", &from_output.latex()));
                let docs = doc_lines(&lines);
                tokens.extend(quote! { #attributes #docs #[inline] #code });
                tokens.extend(quote! {
                    impl #impl_generics ::texgrad::__private::ActivationFromOutput<#float> for #type_use {
                        #[inline]
                        fn derivative_from_output(&self, y: #float) -> #float {
                            #function_name(y #(, #self_parameters)*)
                        }
                    }
                });
            }
        }
    } else {
        let doc = format!("[`{name}`] with this value's parameters.");
        let partial_fns: Vec<Ident> =
            definition.inputs.iter().map(|input| format_ident!("{}_derivative_wrt_{}", name, input)).collect();
        // A unit type has no float parameter of its own: its methods are generic instead.
        let (block_generics, method_generics) = if parameter_idents.is_empty() {
            (quote!(), quote!(<#float: #float_trait>))
        } else {
            (impl_generics.clone(), quote!())
        };
        let signature: Vec<TokenStream> = input_idents.iter().map(|input| quote!(#input: #float)).collect();
        let call_arguments: Vec<TokenStream> =
            input_idents.iter().map(|input| quote!(#input)).chain(self_parameters.iter().cloned()).collect();
        let partial_methods: Vec<TokenStream> = definition
            .inputs
            .iter()
            .zip(&partial_fns)
            .map(|(input, function)| {
                let method = format_ident!("derivative_wrt_{}", input);
                let doc = format!("The derivative with respect to `{input}`.");
                quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method #method_generics(&self, #(#signature),*) -> #float {
                        #function(#(#call_arguments),*)
                    }
                }
            })
            .collect();
        tokens.extend(quote! {
            impl #block_generics #type_use {
                #[doc = #doc]
                #[inline]
                pub fn value #method_generics(&self, #(#signature),*) -> #float {
                    #value_fn(#(#call_arguments),*)
                }
                #(#partial_methods)*
            }
        });
    }
    Ok(tokens)
}

/// The zero derivative of an expression with respect to a declared name it does not use.
fn zero_derivative(expression: &Expression, _name: &str) -> Result<Expression, EngineError> {
    let (graph, _) = expression.graph();
    let mut graph = graph.clone();
    let zero = graph.integer(0);
    Ok(Expression::from_graph(graph, zero))
}

/// The signatures of a failed definition, with bodies that never run, so that uses of it do not
/// add errors of their own.
pub fn stub(definition: &Definition, options: &EmitOptions) -> TokenStream {
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let visibility = &definition.visibility;
    let name = &definition.name;
    let arguments: Vec<Ident> = definition
        .inputs
        .iter()
        .chain(definition.parameters.iter().map(|(name, _)| name))
        .map(|name| identifier(name))
        .collect();
    let mut names =
        vec![identifier(name), format_ident!("{}_derivative", name), format_ident!("{}_second_derivative", name)];
    names.extend(arguments.iter().map(|argument| format_ident!("{}_derivative_wrt_{}", name, argument)));
    let type_ident = Ident::new(&type_name(name), Span::call_site());
    let functions = names.iter().map(|function| {
        quote! {
            #[allow(unused_variables, dead_code)]
            #visibility fn #function<#float: #float_trait>(#(#arguments: #float),*) -> #float {
                ::core::unreachable!("texgrad: this definition did not compile")
            }
        }
    });
    quote! {
        #(#functions)*
        #[allow(dead_code)]
        #visibility struct #type_ident;
    }
}
