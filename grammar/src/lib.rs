//! The texgrad formula language: LaTeX math as people write it in papers, notes and framework
//! docs, parsed into a typed AST.
//!
//! The pipeline of this crate is one pass each:
//! 1. [`limits`]: one lexical pass refuses unbalanced delimiters and nesting beyond the limits;
//! 2. the pest grammar (`formula.pest`) recognises the shapes;
//! 3. `build` folds operators with the one precedence table (pest's `PrattParser`), resolves
//!    names through [`names`] and refuses what LaTeX leaves ambiguous;
//! 4. [`print`](mod@print) writes an AST back as canonical LaTeX or as an s-expression, and
//!    `parse(print(ast)) == ast`.
//!
//! Every refusal is a [`ParseError`] value with a span, a one-line message and a hint; nothing
//! here panics on any input.
//!
//! ```
//! let formula = texgrad_grammar::parse(r"f(x) = \frac{1}{1+e^{-x}}").unwrap();
//! assert_eq!(texgrad_grammar::print::sexpr(formula.body()), "(/ 1 (+ 1 (^ e (neg x))))");
//!
//! let error = texgrad_grammar::parse(r"e^-x").unwrap_err();
//! assert_eq!(error.hint.as_deref(), Some("write ^{-x}"));
//! ```

pub mod ast;
mod build;
pub mod error;
pub mod limits;
pub mod names;
pub mod print;

pub use ast::{Expr, ExprKind, Formula, Span};
pub use build::Context;
pub use error::{ErrorKind, ParseError};

/// Parse a formula with no declared names: every name is accepted, `\sigma` is the logistic
/// function, and only the built-in functions can be called.
pub fn parse(formula: &str) -> Result<Formula, ParseError> {
    build::parse_formula(formula, &Context::default())
}

/// Parse a formula, resolving names with what `context` declares.
pub fn parse_with(formula: &str, context: &Context) -> Result<Formula, ParseError> {
    build::parse_formula(formula, context)
}
