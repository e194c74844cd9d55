//! From pest's parse tree to the typed AST, in four jobs, one module each:
//!
//! - [`context`]: what the surrounding code knows about names (declared inputs and parameters,
//!   definitions callable by name);
//! - [`pratt`]: operator precedence, the one Pratt table, and how deep a chain counts;
//! - [`builder`]: the tree from pest's pairs, names resolved, and the refusals that need more than
//!   the grammar's shapes;
//! - [`errors`]: refusals in a person's words, pest's syntax errors included.
//!
//! pest's `Pair`s never leave these modules.

mod builder;
mod context;
mod errors;
mod pratt;

use std::num::NonZeroUsize;

use pest::Parser;

pub use context::Context;

use crate::ast::{Formula, Span};
use crate::error::{ErrorKind, ParseError};
use crate::limits::{CALL_LIMIT, check_delimiters};

#[derive(pest_derive::Parser)]
#[grammar = "formula.pest"]
struct FormulaParser;

/// Parse a formula, resolving names with `context`.
pub fn parse_formula(formula: &str, context: &Context) -> Result<Formula, ParseError> {
    check_delimiters(formula)?;
    // The limit is process-wide in pest; it only bounds pathological backtracking.
    pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    let mut pairs =
        FormulaParser::parse(Rule::formula, formula).map_err(|error| errors::syntax_error(&error, formula))?;
    let Some(root) = pairs.next() else {
        return Err(ParseError::new(ErrorKind::Syntax, Span::new(0, formula.len()), "empty formula"));
    };
    let parsed = builder::Builder::new(context, formula).formula(root)?;
    match bare_command(formula) {
        Some(error) => Err(error),
        None => Ok(parsed),
    }
}

/// A command of three letters or more written without its backslash, outside words and
/// subscripts (`frac{x}{2}` is the product `f r a c x 2`, `sin x` the product `s i n x`): what
/// its author meant is never that product.
fn bare_command(formula: &str) -> Option<ParseError> {
    let bytes = formula.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let letters = bytes[index..].iter().take_while(|byte| byte.is_ascii_alphabetic()).count();
        if letters == 0 {
            index += formula[index..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        index += letters;
        let word = &formula[start..index];
        let escaped = start > 0 && bytes[start - 1] == b'\\';
        let subscript = formula[..start].trim_end().ends_with('_') || formula[..start].trim_end().ends_with("_{");
        if escaped {
            // A word's argument is a word, not letters (`\text{scale}`, `\operatorname{gelu}`,
            // `\begin{cases}`): skip it.
            if matches!(word, "text" | "textrm" | "mathrm" | "operatorname" | "begin" | "end") {
                let rest = &formula[index..];
                let open = rest.len() - rest.trim_start().len();
                if rest.trim_start().starts_with('{') {
                    index += open + rest[open..].find('}').map_or(rest.len() - open, |close| close + 1);
                }
            }
            continue;
        }
        if word.len() >= 3 && !subscript && crate::names::known_commands().any(|command| command == word) {
            return Some(
                ParseError::new(
                    ErrorKind::BareCommand,
                    Span::new(start, index),
                    format!(
                        "`{word}` without its backslash is the product of the letters {}",
                        word.chars().map(String::from).collect::<Vec<_>>().join(" ")
                    ),
                )
                .with_hint(format!(r"write \{word}")),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::sexpr;

    fn body(formula: &str, context: &Context) -> String {
        let parsed = parse_formula(formula, context).unwrap_or_else(|error| panic!("{}", error.render(formula)));
        sexpr(parsed.body())
    }

    #[test]
    fn declared_names_resolve_and_others_are_refused_with_a_suggestion() {
        let context = Context::declaring(["x", "alpha", "negative_slope"]);
        assert_eq!(body(r"\alpha x + \text{negative\_slope}", &context), "(+ (* alpha x) negative_slope)");
        assert_eq!(body(r"\frac{x}{n}", &context), "(/ x n)");
        let error = parse_formula(r"\text{negative\_slop} x", &context).unwrap_err();
        assert_eq!(error.kind, ErrorKind::UnknownName);
        assert!(error.hint.as_deref().unwrap_or("").contains("negative_slope"), "{:?}", error.hint);
    }

    #[test]
    fn sigma_is_the_sigmoid_unless_declared() {
        assert_eq!(body(r"\sigma(x)", &Context::default()), "(sigmoid x)");
        let context = Context::declaring(["x", "sigma"]);
        assert_eq!(body(r"\sigma(x)", &context), "(* sigma x)");
        assert_eq!(body(r"\sigma x", &context), "(* sigma x)");
        assert_eq!(body(r"\sigma^2", &context), "(^ sigma 2)");
        assert_eq!(body(r"x \sigma", &context), "(* x sigma)");
    }

    #[test]
    fn known_definitions_are_called_by_name() {
        let context = Context::default().with_functions(["GELU", "f"]);
        assert_eq!(body(r"\operatorname{gelu}(a) b", &context), "(* (call gelu a) b)");
        assert_eq!(body(r"\text{GELU}(a)", &context), "(call gelu a)");
        assert_eq!(body(r"1 - f(x)^2", &context), "(- 1 (^ (call f x) 2))");
        assert_eq!(body(r"f(x)(1 - f(x))", &context), "(* (call f x) (- 1 (call f x)))");
        assert_eq!(body(r"1 - f(x)^2", &Context::default()), "(- 1 (* f (^ x 2)))");
    }

    #[test]
    fn free_indices_are_reported() {
        let softmax = parse_formula(r"\frac{e^{z_i}}{\sum_j e^{z_j}}", &Context::default()).unwrap();
        assert_eq!(softmax.body().free_indices(), vec!['i']);
        let mse = parse_formula(r"\frac{1}{n}\sum_i (y_i - \hat{y}_i)^2", &Context::default()).unwrap();
        assert!(mse.body().free_indices().is_empty());
        let unbound = parse_formula(r"\sum_{k=1}^{m} y_{k,i}", &Context::default()).unwrap();
        assert_eq!(unbound.body().free_indices(), vec!['i']);
    }

    #[test]
    fn errors_point_at_line_and_column_in_characters() {
        let formula = "f(x) = \\frac{1}{2}\n  + é^10";
        let error = parse_formula(formula, &Context::default()).unwrap_err();
        assert_eq!(error.line_column(formula), (2, 5));
        let rendered = error.render(formula);
        assert!(rendered.starts_with("line 2, column 5"), "{rendered}");
        assert!(rendered.ends_with("\n    + é^10\n      ^"), "{rendered}");
    }
}
