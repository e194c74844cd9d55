//! The engine's errors: values, with the span of the formula they are about when there is one.

use std::fmt;

use texgrad_grammar::{ParseError, Span};

/// Why the engine refused a formula, a claim or an evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineError {
    /// One line saying what is wrong.
    pub message: String,
    /// The part of the formula it is about, if any.
    pub span: Option<Span>,
    /// How to write it instead, if there is something to say.
    pub hint: Option<String>,
    /// What kind of refusal it is.
    pub kind: Refusal,
}

/// What kind of refusal an [`EngineError`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Refusal {
    /// The formula, a claim or an evaluation is wrong or unsupported; the message says how.
    #[default]
    Invalid,
    /// The formula has no value anywhere: a division by what is always 0 (`\frac{x}{1 - 1}`), a
    /// literal beyond the range of `f64` (`1e400`).
    Undefined,
}

impl EngineError {
    /// An error about the formula as a whole.
    pub fn new(message: impl Into<String>) -> Self {
        EngineError { message: message.into(), span: None, hint: None, kind: Refusal::Invalid }
    }

    /// An error about part of the formula.
    pub fn at(span: Span, message: impl Into<String>) -> Self {
        EngineError { message: message.into(), span: Some(span), hint: None, kind: Refusal::Invalid }
    }

    /// The same error of another kind.
    pub fn of_kind(mut self, kind: Refusal) -> Self {
        self.kind = kind;
        self
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error as a person reads it, with a caret under the formula when it has a span.
    pub fn render(&self, formula: &str) -> String {
        match self.span {
            Some(span) => {
                let as_parse_error = ParseError {
                    kind: texgrad_grammar::ErrorKind::Syntax,
                    span,
                    message: self.message.clone(),
                    hint: self.hint.clone(),
                };
                as_parse_error.render(formula)
            }
            None => match &self.hint {
                Some(hint) => format!("{}\n  help: {hint}", self.message),
                None => self.message.clone(),
            },
        }
    }
}

impl From<ParseError> for EngineError {
    fn from(error: ParseError) -> Self {
        EngineError { message: error.message, span: Some(error.span), hint: error.hint, kind: Refusal::Invalid }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

/// Where in the formula an error found after parsing is: the spans of the AST.
pub mod locate {
    use texgrad_grammar::Span;
    use texgrad_grammar::ast::{Expr, ExprKind};
    use texgrad_grammar::limits::deep;

    /// The first use of `index` that no enclosing sum binds.
    pub fn free_index(expr: &Expr, index: char) -> Option<Span> {
        fn walk(expr: &Expr, index: char, bound: bool) -> Option<Span> {
            deep(|| match &expr.kind {
                ExprKind::Variable(variable) if !bound && variable.indices.contains(&index) => Some(expr.span),
                ExprKind::Sum { index: summed, body, .. } => walk(body, index, bound || *summed == index),
                _ => expr.children().find_map(|child| walk(child, index, bound)),
            })
        }
        walk(expr, index, false)
    }

    /// The first use of the name `name` (with or without indices).
    pub fn name(expr: &Expr, name: &str) -> Option<Span> {
        deep(|| match &expr.kind {
            ExprKind::Variable(variable) if variable.name == name => Some(expr.span),
            _ => expr.children().find_map(|child| self::name(child, name)),
        })
    }

    /// The first use of `name` without an index.
    pub fn unindexed(expr: &Expr, name: &str) -> Option<Span> {
        deep(|| match &expr.kind {
            ExprKind::Variable(variable) if variable.name == name && variable.indices.is_empty() => Some(expr.span),
            _ => expr.children().find_map(|child| unindexed(child, name)),
        })
    }
}
