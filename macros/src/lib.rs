//! texgrad's proc-macros, `define_activation!` and `define_loss!`.
//!
//! A thin shim: parse the macro input with `syn` (`input.rs`), hand it to the engine's code
//! generator (`texgrad_symbolic::generate`), and turn its failures into `syn::Error`s on the
//! token they are about. A failed definition still gets its signatures (stubs), so that the
//! user sees one error per mistake. The macros never panic.

use proc_macro::TokenStream;
use quote::quote;
use texgrad_symbolic::emit::EmitOptions;
use texgrad_symbolic::generate::{self, Definition, Flavor, Place};

mod input;

/// Define activation functions from LaTeX formulas (see the `texgrad` crate's documentation).
///
/// ```text
/// texgrad::define_activation! {
///     /// Leaky ReLU.
///     pub fn leaky_relu(x; a = 0.01) = r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}";
/// }
/// ```
#[proc_macro]
pub fn define_activation(tokens: TokenStream) -> TokenStream {
    expand(Flavor::Activation, tokens)
}

/// Define loss functions from LaTeX formulas (see the `texgrad` crate's documentation).
#[proc_macro]
pub fn define_loss(tokens: TokenStream) -> TokenStream {
    expand(Flavor::Loss, tokens)
}

fn expand(flavor: Flavor, tokens: TokenStream) -> TokenStream {
    let block = match syn::parse::<input::Block>(tokens) {
        Ok(block) => block,
        Err(error) => return error.to_compile_error().into(),
    };
    let definitions: Vec<Definition> = block
        .definitions
        .iter()
        .map(|definition| Definition {
            name: definition.name.to_string(),
            attributes: definition.attribute_tokens(),
            visibility: quote::ToTokens::to_token_stream(&definition.visibility),
            inputs: definition.inputs.iter().map(ToString::to_string).collect(),
            parameters: definition
                .parameters
                .iter()
                .map(|parameter| (parameter.name.to_string(), parameter.default))
                .collect(),
            formula: definition.formula.value(),
            claim: definition.claim.as_ref().map(syn::LitStr::value),
        })
        .collect();
    let options = EmitOptions {
        float_trait: quote!(::texgrad::__private::Float),
        float_type: quote!(F),
        visibility: quote!(pub),
        runtime: quote!(::texgrad::__private),
        arch: quote!(::texgrad::__private::Scalar),
        // The built-in catalog (texgrad-runtime) is not searched at every build of every user:
        // its forms are the stabiliser's, checked against 50-digit references by
        // tests/accuracy.rs, and a search of all of them costs seconds, more in a debug build of
        // this macro. A user's definitions are searched.
        search: if std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == "texgrad-runtime") {
            None
        } else {
            Some(texgrad_symbolic::search::Budget::default())
        },
    };
    let (mut output, failures) = generate::generate(flavor, &definitions, &options);
    let mut errors: Option<syn::Error> = None;
    for failure in failures {
        let definition = &block.definitions[failure.definition];
        let (span, text) = match failure.place {
            Place::Formula => (definition.formula.span(), definition.formula.value()),
            Place::Claim => match &definition.claim {
                Some(claim) => (claim.span(), claim.value()),
                None => (definition.formula.span(), definition.formula.value()),
            },
            Place::Name => (definition.name.span(), String::new()),
            Place::Input(position) => (definition.inputs[position].span(), String::new()),
            Place::ParameterName(position) => (definition.parameters[position].name.span(), String::new()),
            Place::ParameterDefault(position) => (definition.parameters[position].default_span, String::new()),
        };
        let message = if text.is_empty() {
            match &failure.error.hint {
                Some(hint) => format!("{}\n  help: {hint}", failure.error.message),
                None => failure.error.message.clone(),
            }
        } else {
            failure.error.render(&text)
        };
        let error = syn::Error::new(span, format!("texgrad: {message}"));
        match &mut errors {
            Some(all) => all.combine(error),
            None => errors = Some(error),
        }
    }
    if let Some(errors) = errors {
        output.extend(errors.to_compile_error());
    }
    output.into()
}
