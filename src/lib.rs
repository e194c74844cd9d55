//! texgrad: activation and loss functions written as LaTeX formulas, exactly as they appear in
//! papers and notes, with exact, numerically stable derivatives generated at compile time.
//!
//! This crate is the one users depend on. It re-exports the pipeline's stages:
//! - [`grammar`] (`texgrad-grammar`): the formula language, text to a typed AST with positioned
//!   errors;
//! - [`symbolic`] (`texgrad-symbolic`): the symbolic engine (differentiation, simplification,
//!   numerically stable rewrites, code generation);
//! - [`runtime`] (`texgrad-runtime`): what generated code calls, and the built-in catalog;
//! - the proc-macros of `texgrad-macros`.
//!
//! ```
//! let error = texgrad::parse(r"x^10").unwrap_err();
//! assert_eq!(error.kind, texgrad::ErrorKind::AmbiguousSuperscript);
//!
//! let formula = texgrad::parse(r"f(x) = \frac{1}{1 + e^{-x}}").unwrap();
//! assert_eq!(texgrad::grammar::print::latex(formula.body()), r"\frac{1}{1 + e^{-x}}");
//! ```

#[cfg(feature = "candle")]
pub mod candle;

pub use texgrad_grammar as grammar;
pub use texgrad_grammar::{Context, ErrorKind, Formula, ParseError, parse, parse_with};
pub use texgrad_macros::{define_activation, define_loss};
pub use texgrad_runtime as runtime;
pub use texgrad_runtime::{
    Activation, ActivationFromOutput, Float, Gate, Info, Kind, Loss, RowLoss, TypedActivation, TypedGate, TypedLoss,
    TypedVectorActivation, VectorActivation, VectorActivationFromOutput, activations, catalog, dispatch, losses, math,
};

#[doc(hidden)]
pub use texgrad_runtime::__private;
pub use texgrad_symbolic as symbolic;

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
