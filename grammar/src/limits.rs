//! Limits that keep every input, however hostile, from crashing or stalling the parser, and the
//! one lexical pass that enforces the bracket limits and reports unbalanced delimiters before
//! the grammar sees them (so `(a + b]` says which bracket is wrong, not "expected an operator").

use crate::ast::Span;
use crate::error::{ErrorKind, ParseError};

/// Deepest nesting of brackets, braces and environments (`(`, `[`, `{`, `\{`, `\begin`).
pub const MAX_NESTING: usize = 64;

/// Deepest expression tree, counting every operator and function as a level (`-x` is 2), but not
/// the links of a chain of sums or of products (`x + x + ... + x` is 2 levels however long):
/// such a chain is flat as written, and every pass over the tree that follows it down its left
/// spine grows the stack as it goes ([`deep`]).
pub const MAX_DEPTH: usize = 256;

/// `recurse()`, with the stack grown first where little of it is left: for passes that recurse
/// down the tree, whose depth along a long flat chain (`x + x + ...` of ten thousand terms) is
/// its length.
pub fn deep<R>(recurse: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, recurse)
}

/// Most `|` bars in one formula: their nesting cannot be seen before parsing, so their number
/// bounds it.
pub const MAX_BARS: usize = 2 * MAX_NESTING;

/// The grammar's call budget per formula (pest's `set_call_limit`): far above what any real
/// formula needs, low enough that pathological backtracking ends in well under a second.
pub const CALL_LIMIT: usize = 3_000_000;

/// The kinds of delimiters that must pair up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delimiter {
    Paren,
    Bracket,
    Brace,
    EscapedBrace,
    Environment,
}

impl Delimiter {
    fn closing(self, sized: bool) -> &'static str {
        match (self, sized) {
            (Delimiter::Paren, false) => ")",
            (Delimiter::Paren, true) => r"\right)",
            (Delimiter::Bracket, false) => "]",
            (Delimiter::Bracket, true) => r"\right]",
            (Delimiter::Brace, _) => "}",
            (Delimiter::EscapedBrace, false) => r"\}",
            (Delimiter::EscapedBrace, true) => r"\right\}",
            (Delimiter::Environment, _) => r"\end{..}",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Open {
    delimiter: Delimiter,
    /// Written with `\left`, so it must close with `\right`.
    left: bool,
    span: Span,
}

/// Check bracket balance and depth, and the number of bars, in one pass over the text.
pub fn check_delimiters(formula: &str) -> Result<(), ParseError> {
    let bytes = formula.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut bars = 0usize;
    // Whether the previous command was `\left` or `\right` (the next delimiter is sized).
    let mut pending_size: Option<(bool, usize)> = None;
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let byte = bytes[index];
        let (token, next) = if byte == b'\\' {
            let name_end = index + 1 + bytes[index + 1..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if name_end == index + 1 {
                // `\{`, `\}`, `\\`, `\,` ...: one character after the backslash.
                let width = formula[index + 1..].chars().next().map_or(0, char::len_utf8);
                (&formula[index..index + 1 + width], index + 1 + width)
            } else {
                (&formula[index..name_end], name_end)
            }
        } else {
            let width = formula[index..].chars().next().map_or(1, char::len_utf8);
            (&formula[index..index + width], index + width)
        };
        index = next;
        if token.trim().is_empty() {
            // `\left (` is `\left(`: white space keeps a pending size.
            continue;
        }
        let span = Span::new(start, next);
        let sized = pending_size.take();
        let opening = match token {
            "(" => Some(Delimiter::Paren),
            "[" => Some(Delimiter::Bracket),
            "{" => Some(Delimiter::Brace),
            r"\{" | r"\lbrace" => Some(Delimiter::EscapedBrace),
            r"\lbrack" => Some(Delimiter::Bracket),
            r"\begin" => Some(Delimiter::Environment),
            _ => None,
        };
        let closing = match token {
            ")" => Some(Delimiter::Paren),
            "]" => Some(Delimiter::Bracket),
            "}" => Some(Delimiter::Brace),
            r"\}" | r"\rbrace" => Some(Delimiter::EscapedBrace),
            r"\rbrack" => Some(Delimiter::Bracket),
            r"\end" => Some(Delimiter::Environment),
            _ => None,
        };
        match (opening, closing) {
            (Some(delimiter), _) => {
                let (left, span) = match sized {
                    Some((true, size_start)) => (true, Span::new(size_start, next)),
                    Some((false, size_start)) => {
                        return Err(ParseError::new(
                            ErrorKind::UnbalancedDelimiter,
                            Span::new(size_start, next),
                            format!("`{}` opens a group; `\\right` only closes one", &formula[size_start..next]),
                        )
                        .with_hint(r"open with \left( and close with \right)"));
                    }
                    None => (false, span),
                };
                if stack.len() >= MAX_NESTING {
                    return Err(ParseError::new(
                        ErrorKind::TooDeep,
                        span,
                        format!("brackets nested deeper than {MAX_NESTING} levels"),
                    )
                    .with_hint("split the formula into definitions that call each other"));
                }
                stack.push(Open { delimiter, left, span });
            }
            (None, Some(delimiter)) => {
                let right = matches!(sized, Some((false, _)));
                let span = match sized {
                    Some((_, size_start)) => Span::new(size_start, next),
                    None => span,
                };
                if matches!(sized, Some((true, _))) {
                    return Err(ParseError::new(
                        ErrorKind::UnbalancedDelimiter,
                        span,
                        format!("`{}` closes a group; `\\left` only opens one", &formula[span.start..span.end]),
                    )
                    .with_hint(r"open with \left( and close with \right)"));
                }
                let Some(open) = stack.pop() else {
                    return Err(ParseError::new(
                        ErrorKind::UnbalancedDelimiter,
                        span,
                        format!("`{}` closes nothing", &formula[span.start..span.end]),
                    )
                    .with_hint("remove it, or add the opening delimiter it belongs to"));
                };
                let expected = open.delimiter.closing(open.left);
                if open.delimiter != delimiter || (open.left != right && open.delimiter != Delimiter::Brace) {
                    let (line, column) = ParseError::new(ErrorKind::Syntax, open.span, "").line_column(formula);
                    let at =
                        if line > 1 { format!("line {line}, column {column}") } else { format!("column {column}") };
                    return Err(ParseError::new(
                        ErrorKind::UnbalancedDelimiter,
                        span,
                        format!(
                            "`{}` at {at} is closed by `{}`",
                            &formula[open.span.start..open.span.end],
                            &formula[span.start..span.end]
                        ),
                    )
                    .with_hint(format!("close it with `{expected}`")));
                }
            }
            (None, None) if sized.is_some() && token == "." => {
                let size_start = sized.map_or(start, |(_, size_start)| size_start);
                return Err(ParseError::new(
                    ErrorKind::UnbalancedDelimiter,
                    Span::new(size_start, next),
                    format!("`{}` is an invisible delimiter, which texgrad cannot pair", &formula[size_start..next]),
                )
                .with_hint(r"group with \left( .. \right), or write a cases for a one-sided bracket"));
            }
            (None, None) => match token {
                r"\left" => pending_size = Some((true, start)),
                r"\right" => pending_size = Some((false, start)),
                "|" => {
                    bars += 1;
                    if bars > MAX_BARS {
                        return Err(ParseError::new(
                            ErrorKind::TooDeep,
                            span,
                            format!("more than {MAX_BARS} `|` bars in one formula"),
                        )
                        .with_hint(r"split the formula into definitions that call each other"));
                    }
                }
                _ => {}
            },
        }
    }
    if let Some(open) = stack.pop() {
        let expected = open.delimiter.closing(open.left);
        return Err(ParseError::new(
            ErrorKind::UnbalancedDelimiter,
            open.span,
            format!("`{}` is never closed", &formula[open.span.start..open.span.end]),
        )
        .with_hint(format!("close it with `{expected}`")));
    }
    Ok(())
}
