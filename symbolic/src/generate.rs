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
        if crate::emit::is_keyword(name) {
            return Err((
                place,
                EngineError::new(format!(
                    "`{name}` is a Rust keyword, and generated code names its functions and fields after it"
                ))
                .with_hint("choose another name"),
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
    if crate::emit::is_keyword(&definition.name) {
        return Err((
            Place::Name,
            EngineError::new(format!("`{}` is a Rust keyword", definition.name)).with_hint("choose another name"),
        ));
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
    let expression = Expression::parse_with(&definition.formula, &context, &scope).map_err(at_formula)?;
    if let Some(head) = expression.head() {
        for argument in &head.arguments {
            if !definition.inputs.contains(&argument.name) {
                return Err(at_formula(
                    EngineError::at(head.span, format!("the head names `{}`, which is not an input", argument.name))
                        .with_hint(format!("the inputs are: {}", definition.inputs.join(", "))),
                ));
            }
        }
    }
    let defaults =
        definition.parameters.iter().fold(Bindings::default(), |bindings, (name, value)| bindings.scalar(name, *value));
    check::check_cases_cover(&expression, &definition.inputs, &defaults).map_err(at_formula)?;
    let lowered = lower::Definition {
        inputs: definition.inputs.clone(),
        body: expression.source().cloned().expect("parsed from text"),
    };
    let vector = !expression.names().1.is_empty();
    let mut derivatives: Vec<(String, String)> = Vec::new();
    let (mut items, kind) = match (flavor, vector) {
        (Flavor::Activation, false) => {
            let kind = if definition.inputs.len() == 1 { quote!(Scalar) } else { quote!(Gate) };
            (scalar_items(definition, &expression, &defaults, options, &mut derivatives)?, kind)
        }
        (Flavor::Activation, true) => {
            (vector_items(definition, &expression, options, &mut derivatives)?, quote!(Vector))
        }
        (Flavor::Loss, true) => (loss_items(definition, &expression, options, &mut derivatives)?, quote!(Loss)),
        (Flavor::Loss, false) => {
            return Err(at_formula(
                EngineError::new("a loss compares vectors: its inputs must carry an index").with_hint(
                    r"write \frac{1}{n}\sum_i (y_i - \hat{y}_i)^2, or define a scalar function with define_activation!",
                ),
            ));
        }
    };
    items.extend(info_constant(definition, &expression, kind, &derivatives));
    Ok((items, lowered))
}

/// `NAME_INFO`: the definition described for tools (`texgrad::catalog()`).
fn info_constant(
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

/// An identifier's name without `r#`.
fn plain(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
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

/// A usage example: the function called at 0.5 for every input, with the defaults.
fn example(function: &str, definition: &Definition) -> Vec<String> {
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
    derivatives: &mut Vec<(String, String)>,
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
    let used = expression.names().0;
    for argument in &arguments {
        // A declared name the formula does not use has derivative 0; any other failure is an
        // error of its own.
        let derivative = if used.contains(argument) {
            expression.derivative(argument).map_err(at_formula)?
        } else {
            zero(expression)
        };
        partials.push((argument.clone(), derivative));
    }
    for (argument, derivative) in &partials {
        functions.push(Function {
            name: format_ident!("{}_derivative_wrt_{}", name, argument),
            latex: derivative.latex(),
            expression: derivative.clone(),
        });
    }
    // The first derivative, for the fused value-and-derivative function.
    let mut first_derivative = None;
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
            expression: second_derivative,
        });
        first_derivative = Some(first);
    }

    let mut tokens = TokenStream::new();
    let formula_doc = latex_block("Formula", &expression.latex());
    let parameters_doc = parameter_doc(definition);
    for function in functions.iter().skip(1) {
        let label = plain(&function.name).trim_start_matches(name.as_str()).trim_start_matches('_').to_owned();
        // With one input, `derivative_wrt_x` is `derivative`: list it once.
        if single && label == format!("derivative_wrt_{}", definition.inputs[0]) {
            continue;
        }
        derivatives.push((label, function.latex.clone()));
    }
    for function in &functions {
        let mut lines = vec![format!("`{}`, generated by texgrad from `{}`.", function.name, definition.formula)];
        lines.extend(latex_block("Computes", &function.latex));
        if plain(&function.name) != *name {
            lines.extend(formula_doc.clone());
        }
        lines.extend(parameters_doc.clone());
        lines.extend(example(&function.name.to_string(), definition));
        let function_name = plain(&function.name);
        let docs = doc_lines(&lines);
        let code = function.expression.rust_function(&function_name, &arguments, &[], options).map_err(at_formula)?;
        tokens.extend(quote! { #attributes #docs #[inline] #code });
        let constant = format_ident!("{}_LATEX", function_name.to_ascii_uppercase());
        let latex = &function.latex;
        let doc = format!("The LaTeX of [`{}`], simplified.", function.name);
        tokens.extend(quote! { #[doc = #doc] #[allow(dead_code)] #visibility const #constant: &str = #latex; });
    }
    let parameter_idents: Vec<Ident> = definition.parameters.iter().map(|(name, _)| identifier(name)).collect();
    let input_idents: Vec<Ident> = definition.inputs.iter().map(|name| identifier(name)).collect();

    // The fused value and derivative, for `Activation::value_and_derivative`.
    let mut fused_name = None;
    if let Some(first) = &first_derivative {
        let fused = format_ident!("{}_value_and_derivative", name);
        let code = expression.rust_function(&plain(&fused), &arguments, &[first], options).map_err(at_formula)?;
        let doc = format!("`({name}(x), {name}_derivative(x))`, sharing their common subexpressions.");
        tokens.extend(quote! { #attributes #[doc = #doc] #[inline] #code });
        fused_name = Some(fused);
    }

    // The type holding the parameters.
    let (type_tokens, type_use, impl_generics, self_parameters) = parameter_type(definition, expression, options);
    tokens.extend(type_tokens);
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
                    .rust_function(&plain(&function_name), &output_arguments, &[], options)
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

/// The constant 0 over an expression's graph: the derivative with respect to a declared name
/// the formula does not use.
fn zero(expression: &Expression) -> Expression {
    let (graph, _) = expression.graph();
    let mut graph = graph.clone();
    let zero = graph.integer(0);
    Expression::from_graph(graph, zero)
}

/// The signatures of a failed definition, with bodies that never run, so that uses of it do not
/// add errors of their own.
pub fn stub(definition: &Definition, options: &EmitOptions) -> TokenStream {
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let visibility = &definition.visibility;
    let name = &definition.name;
    // A name declared twice is one of the errors being reported: the stub takes it once.
    let mut arguments: Vec<Ident> = Vec::new();
    for argument in definition.inputs.iter().chain(definition.parameters.iter().map(|(name, _)| name)) {
        // A keyword is refused as a name (it is one of the errors reported), and rustc's macro
        // server refuses to make some raw identifiers: the stub leaves it out.
        if crate::emit::is_keyword(argument) {
            continue;
        }
        let argument = identifier(argument);
        if !arguments.contains(&argument) {
            arguments.push(argument);
        }
    }
    let mut names =
        vec![identifier(name), format_ident!("{}_derivative", name), format_ident!("{}_second_derivative", name)];
    names.extend(arguments.iter().map(|argument| format_ident!("{}_derivative_wrt_{}", name, plain(argument))));
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

/// The shape of a definition's vector inputs: every input indexed, all with the same number of
/// indices (1 for vectors, 2 for row-major matrices).
fn vector_rank(definition: &Definition, expression: &Expression) -> Outcome<usize> {
    let (scalars, vectors) = expression.names();
    for input in &definition.inputs {
        if scalars.contains(input) {
            return Err(at_formula(
                EngineError::new(format!("the input `{input}` is used without an index"))
                    .with_hint(format!("index it, as in {input}_i; scalars are parameters, after `;`")),
            ));
        }
    }
    let ranks: Vec<usize> = definition.inputs.iter().filter_map(|input| vectors.get(input).copied()).collect();
    match ranks.as_slice() {
        [first, rest @ ..] if rest.iter().all(|rank| rank == first) && *first <= 2 => Ok(*first),
        [] => Err(at_formula(EngineError::new("the formula uses none of its inputs"))),
        _ => Err(at_formula(EngineError::new(
            "the inputs must all be vectors (one index) or all matrices (two indices)",
        ))),
    }
}

/// The pieces shared by the vector functions: argument lists, length checks, `n` and `m`.
struct VectorSignature {
    /// `z: &[F], ..., alpha: F, ...`.
    parameters: Vec<TokenStream>,
    /// Length checks and the bindings of `n` and `m`.
    prelude: TokenStream,
}

fn vector_signature(
    definition: &Definition,
    rank: usize,
    extra_slices: &[&str],
    options: &EmitOptions,
) -> VectorSignature {
    let float = &options.float_type;
    let name = &definition.name;
    let slices: Vec<String> =
        definition.inputs.iter().cloned().chain(extra_slices.iter().map(|slice| slice.to_string())).collect();
    let mut parameters: Vec<TokenStream> = Vec::new();
    for input in &definition.inputs {
        let ident = identifier(input);
        parameters.push(quote!(#ident: &[#float]));
    }
    for (parameter, _) in &definition.parameters {
        let ident = identifier(parameter);
        parameters.push(quote!(#ident: #float));
    }
    if rank == 2 {
        parameters.push(quote!(n: usize));
    }
    let first = identifier(&slices[0]);
    let checks = slices[1..].iter().map(|slice| {
        let ident = identifier(slice);
        let (first_name, other) = (&slices[0], slice);
        quote! {
            ::core::assert_eq!(
                #first.len(), #ident.len(),
                "{}: `{}` has {} elements but `{}` has {}", #name, #first_name, #first.len(), #other, #ident.len()
            );
        }
    });
    let lengths = if rank == 2 {
        quote! {
            ::core::assert!(
                n > 0 && #first.len() % n == 0,
                "{}: the row length n = {} does not divide the {} elements", #name, n, #first.len()
            );
            let m = #first.len() / n;
        }
    } else {
        quote!(let n = #first.len();)
    };
    VectorSignature { parameters, prelude: quote!(#(#checks)* #lengths) }
}

/// `out[..] = result` over the free indices of a gradient (one for vectors, two for matrices).
fn store_loop(free: &[char], rank: usize, result: &TokenStream, out: &Ident) -> TokenStream {
    match (free, rank) {
        ([index], 1) => {
            let variable = crate::emit::index_variable(*index);
            quote!(for #variable in 0..n { #out[#variable] = #result; })
        }
        ([row, column], 2) => {
            let (row, column) = (crate::emit::index_variable(*row), crate::emit::index_variable(*column));
            quote!(for #row in 0..m { for #column in 0..n { #out[#row * n + #column] = #result; } })
        }
        _ => quote!(::core::compile_error!("texgrad: unexpected indices in a gradient");),
    }
}

/// A generated function over slices: its name, signature and extra arguments, body, return
/// type and docs.
struct LoopFunction<'a> {
    name: &'a Ident,
    signature: &'a VectorSignature,
    extra: &'a [TokenStream],
    body: TokenStream,
    output: TokenStream,
    docs: TokenStream,
}

fn loop_function(function: LoopFunction<'_>, attributes: &TokenStream, options: &EmitOptions) -> TokenStream {
    let LoopFunction { name: function, signature, extra, body, output, docs } = function;
    let (float, float_trait, visibility) = (&options.float_type, &options.float_trait, &options.visibility);
    let parameters = &signature.parameters;
    let prelude = &signature.prelude;
    quote! {
        #attributes
        #docs
        #[allow(unused_parens, unused_variables, clippy::double_parens, clippy::approx_constant, clippy::needless_range_loop)]
        #visibility fn #function<#float: #float_trait>(#(#parameters,)* #(#extra),*) #output {
            #prelude
            #body
        }
    }
}

/// A vector activation: the function into `out`, and its vector-Jacobian product.
fn vector_items(
    definition: &Definition,
    expression: &Expression,
    options: &EmitOptions,
    derivatives: &mut Vec<(String, String)>,
) -> Outcome<TokenStream> {
    let rank = vector_rank(definition, expression)?;
    let free = expression.free_indices();
    if rank != 1 || free.len() != 1 {
        return Err(at_formula(
            EngineError::new("a vector activation maps a vector to a vector: one input index, one free output index")
                .with_hint(r"write it over z_i, as \frac{e^{z_i}}{\sum_j e^{z_j}}"),
        ));
    }
    if definition.inputs.len() != 1 {
        return Err((Place::Input(1), EngineError::new("a vector activation takes one vector input")));
    }
    let name = &definition.name;
    let float = &options.float_type;
    let options = &EmitOptions { visibility: definition.visibility.clone(), ..options.clone() };
    let attributes = &definition.attributes;
    let input = &definition.inputs[0];
    let out = format_ident!("out");
    let mut tokens = TokenStream::new();

    let signature = vector_signature(definition, rank, &["out"], options);
    let body = match normalised_exponential(expression, free[0], options)? {
        Some(body) => body,
        None => {
            let value =
                crate::emit::emit(expression.graph().0, &[expression.graph().1], options).map_err(at_formula)?;
            let (statements, result) = (&value.statements, &value.results[0]);
            let store = store_loop(&free, rank, result, &out);
            quote!(#statements #store)
        }
    };
    let mut lines =
        vec![format!("`{name}`: writes `out_i` for every `i`, generated by texgrad from `{}`.", definition.formula)];
    lines.extend(latex_block("Computes", &expression.latex()));
    lines.extend(parameter_doc(definition));
    lines.push(String::new());
    lines.push("# Panics".to_owned());
    lines.push("If the slices' lengths differ.".to_owned());
    let function = identifier(name);
    let extra = [quote!(#out: &mut [#float])];
    let docs = doc_lines(&lines);
    let item = LoopFunction { name: &function, signature: &signature, extra: &extra, body, output: quote!(), docs };
    tokens.extend(loop_function(item, attributes, options));

    let cotangent = "dy";
    if definition
        .inputs
        .iter()
        .chain(definition.parameters.iter().map(|(name, _)| name))
        .any(|name| name == cotangent || name == "dz")
    {
        return Err((Place::Name, EngineError::new("`dy` and `dz` name the backward pass's slices; rename the input")));
    }
    let vjp = expression.vector_jacobian_product(input, cotangent).map_err(at_formula)?;
    derivatives.push(("derivative".to_owned(), vjp.latex()));
    let vjp_free = vjp.free_indices();
    let emitted = crate::emit::emit(vjp.graph().0, &[vjp.graph().1], options).map_err(at_formula)?;
    let gradient = format_ident!("d{}", input);
    let signature = vector_signature(definition, rank, &[cotangent, &gradient.to_string()], options);
    let dy = identifier(cotangent);
    let (statements, result) = (&emitted.statements, &emitted.results[0]);
    let store = store_loop(&vjp_free, rank, result, &gradient);
    let derivative = format_ident!("{}_derivative", name);
    let mut lines = vec![format!(
        "The vector-Jacobian product of `{name}`: `{gradient}_k = \\sum_i dy_i ∂{name}_i/∂{input}_k`, generated by texgrad."
    )];
    lines.extend(latex_block("Computes", &vjp.latex()));
    let extra = [quote!(#dy: &[#float]), quote!(#gradient: &mut [#float])];
    let body = quote!(#statements #store);
    let docs = doc_lines(&lines);
    let item = LoopFunction { name: &derivative, signature: &signature, extra: &extra, body, output: quote!(), docs };
    tokens.extend(loop_function(item, attributes, options));
    tokens.extend(latex_constants(
        name,
        &[("", expression.latex()), ("_DERIVATIVE", vjp.latex())],
        &definition.visibility,
    ));

    // The type.
    let (type_tokens, type_use, impl_generics, self_parameters) = parameter_type(definition, expression, options);
    tokens.extend(type_tokens);
    let parameter_arguments = &self_parameters;
    tokens.extend(quote! {
        impl #impl_generics ::texgrad::__private::VectorActivation<#float> for #type_use {
            #[inline]
            fn forward(&self, z: &[#float], out: &mut [#float]) {
                #function(z, #(#parameter_arguments,)* out)
            }
            #[inline]
            fn backward(&self, z: &[#float], dy: &[#float], dz: &mut [#float]) {
                #derivative(z, #(#parameter_arguments,)* dy, dz)
            }
        }
    });
    Ok(tokens)
}

/// The body of `out_i = e^{u_i - \operatorname{LSE}_j u_j}` (softmax, softmin, softmax with a
/// temperature) as the three passes written by hand: the maximum, the shifted exponentials
/// stored in `out` and summed, and one scaling, so that each element costs one exponential
/// instead of two. `None` for any other vector activation.
fn normalised_exponential(
    expression: &Expression,
    output_index: char,
    options: &EmitOptions,
) -> Outcome<Option<TokenStream>> {
    use crate::ir::{Func, Node};
    let (graph, root) = expression.graph();
    let Node::Apply(Func::Exp, argument) = graph.node(root).clone() else { return Ok(None) };
    let Node::Add(terms) = graph.node(argument).clone() else { return Ok(None) };
    let mut graph = graph.clone();
    let mut rest = Vec::new();
    let mut normaliser = None;
    for term in terms {
        let (coefficient, inner) = graph.split_coefficient(term);
        match graph.node(inner).clone() {
            Node::LogSumExp(index, exponent)
                if coefficient == crate::ir::Rational::from_integer(-1) && normaliser.is_none() =>
            {
                normaliser = Some((index, exponent));
            }
            _ => rest.push(term),
        }
    }
    let Some((index, exponent)) = normaliser else { return Ok(None) };
    let rest = graph.sum_of(rest);
    if graph.substitute_index(exponent, index, output_index) != rest {
        return Ok(None);
    }
    let emitted = crate::emit::emit(&graph, &[rest], options).map_err(at_formula)?;
    let (statements, value) = (&emitted.statements, &emitted.results[0]);
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let variable = crate::emit::index_variable(output_index);
    Ok(Some(quote! {
        #statements
        let mut largest = -<#float as #float_trait>::infinity();
        for #variable in 0..n {
            let value = #value;
            if value > largest {
                largest = value;
            }
        }
        let mut total = <#float as #float_trait>::zero();
        for #variable in 0..n {
            let shifted = <#float as #float_trait>::exp(#value - largest);
            out[#variable] = shifted;
            total += shifted;
        }
        if largest != <#float as #float_trait>::infinity() && largest != -<#float as #float_trait>::infinity() {
            let scale = <#float as #float_trait>::one() / total;
            for #variable in 0..n {
                out[#variable] *= scale;
            }
        }
    }))
}

/// A loss: its value, and its gradient with respect to every input.
fn loss_items(
    definition: &Definition,
    expression: &Expression,
    options: &EmitOptions,
    derivatives: &mut Vec<(String, String)>,
) -> Outcome<TokenStream> {
    let rank = vector_rank(definition, expression)?;
    if !expression.free_indices().is_empty() {
        return Err(at_formula(
            EngineError::new("a loss is a number: every index must be summed over")
                .with_hint(r"sum over the index: \frac{1}{n}\sum_i ..."),
        ));
    }
    let name = &definition.name;
    let float = &options.float_type;
    let options = &EmitOptions { visibility: definition.visibility.clone(), ..options.clone() };
    let attributes = &definition.attributes;
    let mut tokens = TokenStream::new();

    let value = crate::emit::emit(expression.graph().0, &[expression.graph().1], options).map_err(at_formula)?;
    let signature = vector_signature(definition, rank, &[], options);
    let (statements, result) = (&value.statements, &value.results[0]);
    let mut lines = vec![format!("The loss `{name}`, generated by texgrad from `{}`.", definition.formula)];
    lines.extend(latex_block("Computes", &expression.latex()));
    lines.extend(parameter_doc(definition));
    if rank == 2 {
        lines.push(String::new());
        lines.push("The inputs are row-major matrices with rows of length `n`.".to_owned());
    }
    lines.push(String::new());
    lines.push("# Panics".to_owned());
    lines.push("If the slices' lengths differ.".to_owned());
    let function = identifier(name);
    let body = quote!(#statements #result);
    let docs = doc_lines(&lines);
    let item =
        LoopFunction { name: &function, signature: &signature, extra: &[], body, output: quote!(-> #float), docs };
    tokens.extend(loop_function(item, attributes, options));

    let mut constants = vec![(String::new(), expression.latex())];
    let mut gradient_functions = Vec::new();
    for input in &definition.inputs {
        let gradient = expression.derivative(input).map_err(at_formula)?;
        derivatives.push((format!("derivative_wrt_{input}"), gradient.latex()));
        let free = gradient.free_indices();
        let emitted = crate::emit::emit(gradient.graph().0, &[gradient.graph().1], options).map_err(at_formula)?;
        let out = format_ident!("out");
        let signature = vector_signature(definition, rank, &["out"], options);
        let (statements, result) = (&emitted.statements, &emitted.results[0]);
        let store = store_loop(&free, rank, result, &out);
        let function_name = format_ident!("{}_derivative_wrt_{}", name, input);
        let mut lines = vec![format!(
            "The gradient of the loss `{name}` with respect to `{input}`, into `out`, generated by texgrad."
        )];
        lines.extend(latex_block("Computes, for every element", &gradient.latex()));
        let extra = [quote!(#out: &mut [#float])];
        let body = quote!(#statements #store);
        let docs = doc_lines(&lines);
        let item =
            LoopFunction { name: &function_name, signature: &signature, extra: &extra, body, output: quote!(), docs };
        tokens.extend(loop_function(item, attributes, options));
        constants.push((format!("_DERIVATIVE_WRT_{}", input.to_ascii_uppercase()), gradient.latex()));
        gradient_functions.push(function_name);
    }
    let constants: Vec<(&str, String)> =
        constants.iter().map(|(suffix, latex)| (suffix.as_str(), latex.clone())).collect();
    tokens.extend(latex_constants(name, &constants, &definition.visibility));

    let (type_tokens, type_use, impl_generics, self_parameters) = parameter_type(definition, expression, options);
    tokens.extend(type_tokens);
    if definition.inputs.len() == 2 && rank == 1 {
        let gradient = &gradient_functions[0];
        tokens.extend(quote! {
            impl #impl_generics ::texgrad::__private::Loss<#float> for #type_use {
                #[inline]
                fn value(&self, prediction: &[#float], target: &[#float]) -> #float {
                    #function(prediction, target #(, #self_parameters)*)
                }
                #[inline]
                fn gradient(&self, prediction: &[#float], target: &[#float], gradient: &mut [#float]) {
                    #gradient(prediction, target, #(#self_parameters,)* gradient)
                }
            }
        });
    }
    Ok(tokens)
}

fn latex_constants(name: &str, constants: &[(&str, String)], visibility: &TokenStream) -> TokenStream {
    constants
        .iter()
        .map(|(suffix, latex)| {
            let constant = format_ident!("{}{}_LATEX", name.to_ascii_uppercase(), suffix);
            let doc = format!("The LaTeX of `{name}`{}, simplified.", suffix.to_ascii_lowercase().replace('_', " "));
            quote! { #[doc = #doc] #[allow(dead_code)] #visibility const #constant: &str = #latex; }
        })
        .collect()
}

/// The type holding a definition's parameters: its tokens, how to name it in an impl, the
/// impl's generics, and the parameters as `self.` fields.
fn parameter_type(
    definition: &Definition,
    expression: &Expression,
    options: &EmitOptions,
) -> (TokenStream, TokenStream, TokenStream, Vec<TokenStream>) {
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let name = &definition.name;
    let visibility = &definition.visibility;
    let attributes = &definition.attributes;
    let type_ident = format_ident!("{}", type_name(name));
    let mut lines = vec![format!("`{name}` with its parameters, generated by texgrad.")];
    lines.extend(latex_block("Formula", &expression.latex()));
    lines.extend(parameter_doc(definition));
    let docs = doc_lines(&lines);
    let parameters: Vec<Ident> = definition.parameters.iter().map(|(parameter, _)| identifier(parameter)).collect();
    let self_parameters: Vec<TokenStream> = parameters.iter().map(|ident| quote!(self.#ident)).collect();
    if parameters.is_empty() {
        let tokens = quote! {
            #attributes #docs
            #[derive(Clone, Copy, Debug, Default, PartialEq)]
            #visibility struct #type_ident;
        };
        return (tokens, quote!(#type_ident), quote!(<#float: #float_trait>), self_parameters);
    }
    let fields = parameters.iter().map(|ident| {
        let doc = format!("The parameter `{ident}`.");
        quote!(#[doc = #doc] pub #ident: #float)
    });
    let defaults = definition.parameters.iter().map(|(parameter, value)| {
        let ident = identifier(parameter);
        let literal = crate::emit::float_literal(*value as f32, *value, options);
        quote!(#ident: #literal)
    });
    let tokens = quote! {
        #attributes #docs
        #[derive(Clone, Copy, Debug, PartialEq)]
        #visibility struct #type_ident<#float> { #(#fields),* }

        impl<#float: #float_trait> ::core::default::Default for #type_ident<#float> {
            fn default() -> Self {
                Self { #(#defaults),* }
            }
        }
    };
    (tokens, quote!(#type_ident<#float>), quote!(<#float: #float_trait>), self_parameters)
}
