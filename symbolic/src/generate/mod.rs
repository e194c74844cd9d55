//! Code generation for `define_activation!` and `define_loss!`: from a block of definitions to
//! the Rust items SPEC section 3 lists, with errors that say which part of which definition is
//! wrong. The proc-macro crate only parses its input into [`Definition`]s and turns
//! [`Failure`]s into compile errors; everything here is an ordinary library, tested directly.
//!
//! One module per kind of definition, each saying what is generated for it: `scalar`
//! (activations and gates), `vector` (softmax-like activations) and `loss`. What they share:
//! `kernel`, how a function over slices is emitted (a body generic over the level, run by the
//! runtime's dispatcher); `parameters`, the type holding a definition's parameters; `docs`,
//! rustdoc and the type's `INFO` (formula and derivatives as LaTeX).

mod docs;
mod kernel;
mod loss;
mod parameters;
mod scalar;
mod typed;
mod vector;

use std::collections::HashMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use texgrad_grammar::Context;

use crate::emit::{EmitOptions, identifier};
use crate::error::EngineError;
use crate::lower::{self, Scope};
use crate::program::Bindings;
use crate::{Expression, check};
use texgrad_grammar::names::Length;

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
        if Length::of(name).is_some() {
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
        parameters: Vec::new(),
        body: expression.source().cloned().expect("parsed from text"),
    };
    let options = &EmitOptions { visibility: definition.visibility.clone(), ..options.clone() };
    let vector = !expression.names().1.is_empty();
    let (mut items, kind, derivatives) = match (flavor, vector) {
        (Flavor::Activation, false) => {
            let kind = if definition.inputs.len() == 1 { quote!(Scalar) } else { quote!(Gate) };
            let (items, derivatives) = scalar::items(definition, &expression, &defaults, options)?;
            (items, kind, derivatives)
        }
        (Flavor::Activation, true) => {
            let (items, derivatives) = vector::items(definition, &expression, options)?;
            (items, quote!(Vector), derivatives)
        }
        (Flavor::Loss, true) => {
            let (items, derivatives) = loss::items(definition, &expression, options)?;
            (items, quote!(Loss), derivatives)
        }
        (Flavor::Loss, false) => {
            return Err(at_formula(
                EngineError::new("a loss compares vectors: its inputs must carry an index").with_hint(
                    r"write \frac{1}{n}\sum_i (y_i - \hat{y}_i)^2, or define a scalar function with define_activation!",
                ),
            ));
        }
    };
    items.extend(docs::info_constant(definition, &expression, kind, &derivatives, options));
    Ok((items, lowered))
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
