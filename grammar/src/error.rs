//! Errors as values: what is wrong, where, and how to write it instead.
//!
//! Every refusal of the parser is a [`ParseError`] with a [`ErrorKind`], the byte [`Span`] it
//! is about, a one-line message and a hint. [`ParseError::render`] draws the formula with a
//! caret under the span, the way rustc and pest do.

use std::fmt;

use crate::ast::Span;

/// What kind of mistake a formula has; tests and tools match on it, people read the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not a formula of the language at this point (`x +`, `)`).
    Syntax,
    /// `x^10`: LaTeX reads a one-token superscript, so this is `x^1 0`.
    AmbiguousSuperscript,
    /// `e^-x`: LaTeX reads `e^{-} x`.
    SignedSuperscript,
    /// `x^2^3`: LaTeX refuses a double superscript.
    DoubleSuperscript,
    /// `a / b c`: `(a / b) c` or `a / (b c)`.
    AmbiguousDivision,
    /// `(` closed by `]`, `\left(` closed by `)`, a missing closing delimiter.
    UnbalancedDelimiter,
    /// `\sofplus`: a command the language does not know.
    UnknownCommand,
    /// `\operatorname{sofplus}`: a function word the language does not know.
    UnknownFunction,
    /// A name that is neither declared nor a known function.
    UnknownName,
    /// A function applied to the wrong number of arguments, or to none.
    WrongArguments,
    /// `\frac{1}`: a command whose own structure is broken.
    MalformedCommand,
    /// `\sum_{i=2}^{n}`: a sum over less than the whole range, or with no index.
    PartialSum,
    /// A subscript that is neither an index nor part of a name (`x_{i+1}`).
    BadSubscript,
    /// A `cases` row separated by `\ ` instead of `\\` (a backslash lost in copying).
    DamagedRowSeparator,
    /// `\approx` in a chain of equal forms.
    Approximation,
    /// `\log_3`: a logarithm base other than 2, 10 and e.
    LogarithmBase,
    /// A head whose arguments are not names (`f(2) =`).
    BadHead,
    /// A command written without its backslash (`frac{x}{2}`, `sqrt x`): as written it is a
    /// product of letters.
    BareCommand,
    /// Nesting deeper than the documented limits.
    TooDeep,
    /// A formula too long, or too ambiguous for the parser's backtracking, to parse within the
    /// call budget ([`crate::limits::CALL_LIMIT`]).
    TooComplex,
}

/// A refusal: kind, position, one-line message and a hint on how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What kind of mistake.
    pub kind: ErrorKind,
    /// The bytes of the formula it is about.
    pub span: Span,
    /// One line saying what is wrong.
    pub message: String,
    /// How to write it instead, if there is something to say.
    pub hint: Option<String>,
}

impl ParseError {
    /// An error without a hint.
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        ParseError { kind, span, message: message.into(), hint: None }
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Line and column (both from 1, columns in characters) where the error starts.
    pub fn line_column(&self, formula: &str) -> (usize, usize) {
        let start = clamp_to_char_boundary(formula, self.span.start);
        let before = &formula[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = formula[line_start..start].chars().count() + 1;
        (line, column)
    }

    /// The error as a person reads it: the message with its column, the formula's line with a
    /// caret under the span, and the hint.
    ///
    /// ```text
    /// column 2: `x^10` is ambiguous: LaTeX reads a one-token superscript, so this is x^1 0
    ///   x^10 + 1
    ///    ^^^
    ///   help: write x^{10}
    /// ```
    pub fn render(&self, formula: &str) -> String {
        let (line, column) = self.line_column(formula);
        let start = clamp_to_char_boundary(formula, self.span.start);
        let end = clamp_to_char_boundary(formula, self.span.end.max(self.span.start));
        let line_start = formula[..start].rfind('\n').map_or(0, |newline| newline + 1);
        let line_end = formula[start..].find('\n').map_or(formula.len(), |newline| start + newline);
        let text = &formula[line_start..line_end];
        let caret_offset = formula[line_start..start].chars().count();
        let caret_width = formula[start..end.min(line_end)].chars().count().max(1);
        let position =
            if formula.contains('\n') { format!("line {line}, column {column}") } else { format!("column {column}") };
        let mut rendered = format!(
            "{position}: {}\n  {}\n  {}{}",
            self.message,
            text.replace('\t', " "),
            " ".repeat(caret_offset),
            "^".repeat(caret_width)
        );
        if let Some(hint) = &self.hint {
            rendered.push_str("\n  help: ");
            rendered.push_str(hint);
        }
        rendered
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (bytes {})", self.message, self.span)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// `index` moved back to the nearest character boundary at or before it, within the text.
fn clamp_to_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
