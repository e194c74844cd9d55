//! Refusals in a person's words: pest's syntax errors through [`describe`], and the errors the
//! builder raises in more than one place.

use pest::error::{ErrorVariant, InputLocation};

use super::Rule;
use super::context::Context;
use crate::ast::{Expr, ExprKind, Span, Variable};
use crate::error::{ErrorKind, ParseError};
use crate::limits::{CALL_LIMIT, MAX_DEPTH};
use crate::names;

pub(super) fn unknown_function(word: &str, span: Span, context: &Context) -> ParseError {
    let lower = word.to_ascii_lowercase();
    if let Some((name, what)) = context.not_callable.iter().find(|(name, _)| *name == lower) {
        return ParseError::new(
            ErrorKind::UnknownFunction,
            span,
            format!("`{name}` is the catalog's {what}: it takes vectors, and a formula cannot call it"),
        )
        .with_hint(format!("evaluate it on its own (texgrad eval {name} --at NAME=1,2,3 ...), or write its formula"));
    }
    let words = names::FUNCTIONS.iter().flat_map(|info| info.words.iter().copied());
    let candidates = words.chain(context.functions.iter().map(String::as_str));
    let error = ParseError::new(ErrorKind::UnknownFunction, span, format!("unknown function `{word}`"));
    match names::nearest(&word.to_ascii_lowercase(), candidates) {
        Some(nearest) => error.with_hint(format!("did you mean `{nearest}`?")),
        None => error.with_hint(
            r"define it first in the same block, or write its formula; a name times a group is \text{name} \cdot (x)",
        ),
    }
}

pub(super) fn partial_sum(span: Span, index: char, upper: &Expr) -> ParseError {
    let capital = matches!(&upper.kind, ExprKind::Variable(Variable { name, .. }) if name == "N" || name == "M");
    let hint = if capital {
        format!(r"n is the vector length and m the number of rows: write \sum_{{{index}=1}}^{{n}}")
    } else {
        format!(
            r"texgrad sums over the whole range: write \sum_{{{index}=1}}^{{n}}, \sum_{{{index}=1}}^{{m}} or \sum_{index}"
        )
    };
    ParseError::new(ErrorKind::PartialSum, span, "a sum over part of the index range").with_hint(hint)
}

pub(super) fn too_deep(span: Span) -> ParseError {
    ParseError::new(ErrorKind::TooDeep, span, format!("the formula nests deeper than {MAX_DEPTH} levels"))
        .with_hint("split it into definitions that call each other")
}

pub(super) fn unreachable_rule<T>(rule: Rule, span: Span) -> Result<T, ParseError> {
    Err(ParseError::new(ErrorKind::Syntax, span, format!("unexpected {}", describe(rule))))
}

/// The words a person reads for a grammar rule.
pub(super) fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of formula",
        Rule::expr
        | Rule::number
        | Rule::variable
        | Rule::group
        | Rule::group_braces
        | Rule::fraction
        | Rule::application
        | Rule::cases
        | Rule::absolute
        | Rule::single_digit
        | Rule::single_letter
        | Rule::symbol_command
        | Rule::greek
        | Rule::root
        | Rule::word_call
        | Rule::letter_call
        | Rule::lone_function
        | Rule::neg
        | Rule::pos
        | Rule::sum
        | Rule::sum_head
        | Rule::apply_bare
        | Rule::function_head => "an operand",
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::juxtapose | Rule::juxtapose_function => "an operator",
        Rule::close_delimiter | Rule::close_symbol => "a closing bracket",
        Rule::open_delimiter | Rule::open_symbol | Rule::arguments => "an opening bracket",
        Rule::chain_link => "`=`",
        Rule::head | Rule::head_name => "a head such as f(x) =",
        Rule::relation => r"a relation (<, \le, >, \ge, =, \ne)",
        Rule::condition | Rule::relation_chain => r"a condition (x \ge 0, \text{otherwise})",
        Rule::case_row => r"a cases row (value, & condition)",
        Rule::row_separator => r"`\\` between cases rows",
        Rule::subscript | Rule::subscript_content => "a subscript",
        Rule::text_word | Rule::text_content => r"a word (\text{name})",
        _ => "a token",
    }
}

/// pest's error, in the words of [`describe`].
pub(super) fn syntax_error(error: &pest::error::Error<Rule>, formula: &str) -> ParseError {
    let position = match error.location {
        InputLocation::Pos(position) => position,
        InputLocation::Span((start, _)) => start,
    };
    if formula.trim().is_empty() {
        return ParseError::new(ErrorKind::Syntax, Span::new(0, formula.len()), "the formula is empty")
            .with_hint(r"write a formula, such as f(x) = \frac{1}{1+e^{-x}}");
    }
    let found = formula[position.min(formula.len())..].chars().next();
    let width = found.map_or(0, char::len_utf8);
    let span = Span::new(position, position + width);
    match &error.variant {
        ErrorVariant::CustomError { message } if message.contains("call limit") => ParseError::new(
            ErrorKind::TooComplex,
            Span::new(0, formula.len()),
            format!("the formula is too long or too ambiguous to parse within {CALL_LIMIT} grammar steps"),
        )
        .with_hint("split it into definitions that call each other"),
        ErrorVariant::CustomError { message } => ParseError::new(ErrorKind::Syntax, span, message.clone()),
        ErrorVariant::ParsingError { positives, .. } => {
            // Superscripts, subscripts and a call's brackets could follow almost anything; naming
            // them only hides the alternatives that matter.
            let mut expected: Vec<&str> = positives
                .iter()
                .filter(|rule| {
                    !matches!(rule, Rule::superscript | Rule::subscript | Rule::arguments | Rule::open_delimiter)
                })
                .map(|rule| describe(*rule))
                .filter(|words| *words != "a token")
                .collect();
            expected.sort_unstable();
            expected.dedup();
            let found = match found {
                None => "the formula ends".to_owned(),
                Some(c) if c.is_whitespace() => "white space".to_owned(),
                Some(_) => {
                    let token_end = formula[position..]
                        .char_indices()
                        .skip(1)
                        .find(|(_, c)| !c.is_ascii_alphabetic())
                        .map_or(formula.len(), |(offset, _)| position + offset);
                    let rest = &formula[position..];
                    let token = match rest.strip_prefix('\\').and_then(|after| after.chars().next()) {
                        Some(next) if next.is_ascii_alphabetic() => &formula[position..token_end],
                        Some(next) => &rest[..1 + next.len_utf8()],
                        None => &rest[..width],
                    };
                    format!("`{token}`")
                }
            };
            let span = match found.strip_prefix('`').and_then(|token| token.strip_suffix('`')) {
                Some(token) => Span::new(position, position + token.len()),
                None => span,
            };
            let message = match expected.as_slice() {
                [] => format!("{found} is not expected here"),
                [only] => {
                    format!("expected {only}, but {found}{}", if found.starts_with('`') { " is here" } else { "" })
                }
                [init @ .., last] => format!(
                    "expected {} or {last}, but {found}{}",
                    init.join(", "),
                    if found.starts_with('`') { " is here" } else { "" }
                ),
            };
            let hint = match found.as_str() {
                "`&`" => r"`&` separates a cases row's value from its condition, inside \begin{cases}",
                "`\\\\`" => r"`\\` separates cases rows, inside \begin{cases}; each row is `value, & condition`",
                "`\\ `" => r"`\ ` is not part of the language: remove it (cases rows are separated by `\\`)",
                "`,`" => "a comma separates the arguments of a function such as \\max(a, b)",
                "the formula ends" => "the formula is incomplete",
                _ => "",
            };
            let error = ParseError::new(ErrorKind::Syntax, span, message);
            if hint.is_empty() { error } else { error.with_hint(hint) }
        }
    }
}
