//! The builder: the typed AST from pest's pairs, folded by the Pratt table ([`super::pratt`]),
//! with names resolved against the [`Context`] and the refusals that need more than the
//! grammar's shapes (ambiguous division and superscripts, partial sums, undeclared names).

use std::cell::Cell;

use pest::iterators::Pair;

use super::Rule;
use super::context::Context;
use super::errors::{describe, partial_sum, too_deep, unknown_function, unreachable_rule};
use super::pratt::{continues_chain, longest_prefix_run, pratt};
use crate::ast::{
    BinaryOp, Case, Condition, Constant, Expr, ExprKind, Formula, Function, Head, IndexRange, Number, Relation, Span,
    Variable,
};
use crate::error::{ErrorKind, ParseError};
use crate::limits::MAX_DEPTH;
use crate::names::{self, FunctionInfo};

/// How an operand was written, for the refusals that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Plain,
    /// `b c` without brackets: on the right of `/` it is ambiguous.
    Juxtaposed,
    /// `x^2`: another superscript is LaTeX's "double superscript".
    Superscripted,
    /// `x(1 - x)`: a letter times a group, written like a call.
    LetterTimesGroup,
}

struct Built {
    expr: Expr,
    shape: Shape,
    depth: usize,
}

type Result<T, E = ParseError> = std::result::Result<T, E>;

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

pub(super) struct Builder<'c> {
    context: &'c Context,
    /// The formula's text, for messages that quote it.
    formula: &'c str,
    /// Current nesting of `expr` calls and prefix operators, bounded by [`MAX_DEPTH`].
    depth: Cell<usize>,
}

impl<'c> Builder<'c> {
    pub(super) fn new(context: &'c Context, formula: &'c str) -> Self {
        Builder { context, formula, depth: Cell::new(0) }
    }

    pub(super) fn formula(&self, pair: Pair<'_, Rule>) -> Result<Formula> {
        let mut head = None;
        let mut forms = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::head => head = Some(self.head(child)?),
                Rule::expr => forms.push(self.expr(child)?.expr),
                Rule::chain_link => {
                    if let Some(approx) = child.into_inner().next() {
                        return Err(ParseError::new(
                            ErrorKind::Approximation,
                            span_of(&approx),
                            r"`\approx` joins an approximation, and a definition needs one exact formula",
                        )
                        .with_hint("define the approximation on its own (as the catalog's gelu_tanh is)"));
                    }
                }
                _ => {}
            }
        }
        Ok(Formula { head, forms })
    }

    fn head(&self, pair: Pair<'_, Rule>) -> Result<Head> {
        let span = span_of(&pair);
        let mut name = String::new();
        let mut primes = 0;
        let mut arguments = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::head_name => {
                    let name_span = span_of(&child);
                    let mut parts = child.into_inner();
                    let base = parts.next().expect("a head name has a base");
                    let (base_name, indices) = self.name_parts(base, parts.next())?;
                    if !indices.is_empty() {
                        return Err(ParseError::new(ErrorKind::BadHead, name_span, "the head's name has an index")
                            .with_hint(r"put the index on the arguments: \text{Softmax}(z_i) ="));
                    }
                    name = base_name;
                }
                Rule::head_prime => primes += 1,
                Rule::head_args => {
                    for argument in child.into_inner() {
                        let built = self.expr(argument)?;
                        match built.expr.kind {
                            ExprKind::Variable(variable) => arguments.push(variable),
                            _ => {
                                return Err(ParseError::new(
                                    ErrorKind::BadHead,
                                    built.expr.span,
                                    "a head's arguments must be the names of the inputs",
                                )
                                .with_hint("write f(x) = ..., naming the input"));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Head { name, primes, arguments, span })
    }

    /// An `expr` pair: a flat sequence folded by the Pratt table.
    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Built> {
        let depth = self.depth.get();
        let longest_prefix_run = longest_prefix_run(pair.clone().into_inner());
        if depth + 1 + longest_prefix_run > MAX_DEPTH {
            return Err(too_deep(span_of(&pair)));
        }
        self.depth.set(depth + 1 + longest_prefix_run);
        let result = pratt()
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, rhs| self.prefix(op, rhs?))
            .map_postfix(|lhs, op| self.superscript(lhs?, op))
            .map_infix(|lhs, op, rhs| self.infix(lhs?, op, rhs?))
            .parse(pair.into_inner());
        self.depth.set(depth);
        result
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Built> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::number => Ok(leaf(ExprKind::Number(Number { text: pair.as_str().replace('E', "e") }), span)),
            Rule::single_digit => Ok(leaf(ExprKind::Number(Number { text: pair.as_str().to_owned() }), span)),
            Rule::single_letter | Rule::greek | Rule::symbol_command | Rule::variable => {
                let mut parts = pair.clone().into_inner();
                let (base, subscript) = match pair.as_rule() {
                    Rule::variable => (parts.next().expect("a variable has a base"), parts.next()),
                    _ => (pair, None),
                };
                self.name_or_constant(base, subscript, span)
            }
            Rule::group_braces => self.expr(inner(pair)).map(|built| grouped(built, span)),
            Rule::group => {
                let mut parts = pair.into_inner();
                let first = parts.next().expect("a group has content");
                if first.as_rule() == Rule::group_braces {
                    return self.expr(inner(first)).map(|built| grouped(built, span));
                }
                let content = parts.next().expect("a delimited group has an expression");
                self.expr(content).map(|built| grouped(built, span))
            }
            Rule::fraction => {
                let mut parts = pair.into_inner().filter(|part| part.as_rule() != Rule::fraction_keyword);
                let numerator = self.primary(parts.next().expect("\\frac has a numerator"))?;
                let denominator = self.primary(parts.next().expect("\\frac has a denominator"))?;
                node(
                    ExprKind::Binary {
                        op: BinaryOp::Divide,
                        lhs: Box::new(numerator.expr),
                        rhs: Box::new(denominator.expr),
                    },
                    span,
                    numerator.depth.max(denominator.depth),
                    Shape::Plain,
                )
            }
            Rule::root => {
                let mut parts = pair.into_inner().filter(|part| part.as_rule() != Rule::sqrt_keyword);
                let degree = self.expr(parts.next().expect("a root has a degree"))?;
                let radicand = self.primary(parts.next().expect("a root has a radicand"))?;
                node(
                    ExprKind::Root { degree: Box::new(degree.expr), radicand: Box::new(radicand.expr) },
                    span,
                    degree.depth.max(radicand.depth),
                    Shape::Plain,
                )
            }
            Rule::absolute => {
                let content =
                    pair.into_inner().find(|part| part.as_rule() == Rule::expr).expect("an absolute value has content");
                let content = self.expr(content)?;
                let depth = content.depth;
                node(ExprKind::Abs(Box::new(content.expr)), span, depth, Shape::Plain)
            }
            Rule::application => {
                let mut parts = pair.into_inner();
                let head = parts.next().expect("an application has a function");
                let arguments = parts.next().expect("an application has arguments");
                let arguments = match arguments.as_rule() {
                    Rule::group_braces => vec![self.expr(inner(arguments))?],
                    _ => arguments
                        .into_inner()
                        .filter(|part| part.as_rule() == Rule::expr)
                        .map(|argument| self.expr(argument))
                        .collect::<Result<Vec<_>>>()?,
                };
                self.apply(head, arguments, span)
            }
            Rule::lone_function => {
                let head = inner(pair);
                let (info, power) = self.function_head(head.clone())?;
                if info.function == Function::Sigmoid && self.context.sigma_is_a_name() {
                    let sigma = leaf(variable("sigma", Vec::new()), span);
                    return self.raise(sigma, power);
                }
                Err(ParseError::new(
                    ErrorKind::WrongArguments,
                    span_of(&head),
                    format!("`{}` needs an argument", head.as_str().trim()),
                )
                .with_hint(format!("write {}(x)", head.as_str().trim())))
            }
            Rule::word_call => self.word_call(pair),
            Rule::letter_call => self.letter_call(pair),
            Rule::cases => self.cases(pair),
            Rule::bad_structural => {
                let command = &pair.as_str()[1..];
                let usage = names::STRUCTURAL.iter().find(|(name, _)| *name == command).map_or("", |(_, usage)| usage);
                Err(ParseError::new(
                    ErrorKind::MalformedCommand,
                    span,
                    format!("`\\{command}` is missing what it applies to"),
                )
                .with_hint(format!("write {usage}")))
            }
            Rule::bad_left_delimiter => Err(ParseError::new(
                ErrorKind::UnbalancedDelimiter,
                span,
                format!("`{}` is not a delimiter texgrad can group with", pair.as_str()),
            )
            .with_hint(r"group with \left( .. \right), \left[ .. \right] or \left\{ .. \right\}")),
            rule => Err(ParseError::new(ErrorKind::Syntax, span, format!("unexpected {}", describe(rule)))),
        }
    }

    fn prefix(&self, op: Pair<'_, Rule>, rhs: Built) -> Result<Built> {
        let span = span_of(&op).to(rhs.expr.span);
        match op.as_rule() {
            Rule::pos => Ok(Built { expr: Expr { kind: rhs.expr.kind, span }, shape: Shape::Plain, depth: rhs.depth }),
            Rule::neg => node(ExprKind::Negate(Box::new(rhs.expr)), span, rhs.depth, Shape::Plain),
            Rule::apply_bare => {
                let head = inner(op);
                self.apply(head, vec![rhs], span)
            }
            Rule::sum => self.sum(inner(op), rhs, span),
            rule => Err(ParseError::new(ErrorKind::Syntax, span, format!("unexpected {}", describe(rule)))),
        }
    }

    fn infix(&self, lhs: Built, op: Pair<'_, Rule>, rhs: Built) -> Result<Built> {
        let span = lhs.expr.span.to(rhs.expr.span);
        let (binary, shape) = match op.as_rule() {
            Rule::add => (BinaryOp::Add, Shape::Plain),
            Rule::sub => (BinaryOp::Subtract, Shape::Plain),
            Rule::mul => (BinaryOp::Multiply, Shape::Plain),
            Rule::juxtapose | Rule::juxtapose_function => (BinaryOp::Multiply, Shape::Juxtaposed),
            Rule::div => {
                if matches!(rhs.shape, Shape::Juxtaposed | Shape::LetterTimesGroup) {
                    return Err(self.ambiguous_division(&lhs.expr, &rhs.expr, span));
                }
                (BinaryOp::Divide, Shape::Plain)
            }
            rule => return Err(ParseError::new(ErrorKind::Syntax, span, format!("unexpected {}", describe(rule)))),
        };
        // A link of a chain (`a + b` + c, `a b` c) adds no level: the chain is flat as written.
        let depth = if continues_chain(&lhs.expr, binary) {
            lhs.depth.saturating_sub(1).max(rhs.depth)
        } else {
            lhs.depth.max(rhs.depth)
        };
        node(ExprKind::Binary { op: binary, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) }, span, depth, shape)
    }

    /// `a / b c`, with the formula's own text in the message and the hint.
    fn ambiguous_division(&self, numerator: &Expr, denominator: &Expr, span: Span) -> ParseError {
        let text = |span: Span| self.formula.get(span.start..span.end).unwrap_or("").trim();
        let (b, c) = match &denominator.kind {
            ExprKind::Binary { lhs, rhs, .. } => (text(lhs.span), text(rhs.span)),
            _ => (text(denominator.span), ""),
        };
        let a = text(numerator.span);
        ParseError::new(
            ErrorKind::AmbiguousDivision,
            span,
            format!("`{}` is ambiguous: it can mean ({a} / {b}) {c} or {a} / ({b} {c})", text(span)),
        )
        .with_hint(format!(r"write \frac{{{a}}}{{{b} {c}}} or ({a} / {b}) {c}"))
    }

    /// `lhs^{..}` for a `superscript` pair.
    fn superscript(&self, lhs: Built, op: Pair<'_, Rule>) -> Result<Built> {
        if lhs.shape == Shape::Superscripted {
            return Err(ParseError::new(
                ErrorKind::DoubleSuperscript,
                span_of(&op),
                "a second superscript: LaTeX refuses `x^a^b`",
            )
            .with_hint("write x^{a b} or {x^a}^b"));
        }
        self.raise(lhs, Some(op))
    }

    /// `base` raised to the exponent of a `superscript` pair, if there is one.
    fn raise(&self, base: Built, superscript: Option<Pair<'_, Rule>>) -> Result<Built> {
        let Some(superscript) = superscript else { return Ok(base) };
        if base.shape == Shape::LetterTimesGroup {
            // `x(1-x)^2` is `x` times `(1-x)^2`: the superscript belongs to the group.
            if let ExprKind::Binary { op: BinaryOp::Multiply, lhs, rhs } = base.expr.kind {
                let group_depth = rhs.depth();
                let group = Built { expr: *rhs, shape: Shape::Plain, depth: group_depth };
                let power = self.raise(group, Some(superscript))?;
                let span = lhs.span.to(power.expr.span);
                let depth = power.depth.max(1);
                return node(
                    ExprKind::Binary { op: BinaryOp::Multiply, lhs, rhs: Box::new(power.expr) },
                    span,
                    depth,
                    Shape::Juxtaposed,
                );
            }
        }
        let span = base.expr.span.to(span_of(&superscript));
        let argument = inner(superscript);
        let argument_span = span_of(&argument);
        let exponent = match argument.as_rule() {
            Rule::bad_superscript_number => {
                let digits = argument.as_str();
                return Err(ParseError::new(
                    ErrorKind::AmbiguousSuperscript,
                    argument_span,
                    format!(
                        "`^{digits}` is ambiguous: LaTeX raises to one token, so this reads as ^{} {}",
                        &digits[..1],
                        &digits[1..]
                    ),
                )
                .with_hint(format!("write ^{{{digits}}}")));
            }
            Rule::bad_superscript_sign => {
                let text = argument.as_str();
                return Err(ParseError::new(
                    ErrorKind::SignedSuperscript,
                    argument_span,
                    format!("`^{text}` is ambiguous: LaTeX raises to the sign alone"),
                )
                .with_hint(format!("write ^{{{}}}", text.split_whitespace().collect::<String>())));
            }
            Rule::superscript_group => self.expr(inner(argument))?,
            _ => self.primary(argument)?,
        };
        let depth = base.depth.max(exponent.depth);
        node(
            ExprKind::Power { base: Box::new(base.expr), exponent: Box::new(exponent.expr) },
            span,
            depth,
            Shape::Superscripted,
        )
    }

    /// A `function_head` pair: the function and its optional power (`\sin^2`).
    fn function_head<'i>(&self, pair: Pair<'i, Rule>) -> Result<(&'static FunctionInfo, Option<Pair<'i, Rule>>)> {
        let mut parts = pair.into_inner();
        let name = parts.next().expect("a function head has a name");
        let power = parts.next();
        let info = match name.as_rule() {
            Rule::function_command => names::function_by_command(&name.as_str()[1..]),
            Rule::function_word => {
                let word = name.clone().into_inner().nth(1).expect("a function word has a name");
                names::function_by_word(word.as_str())
            }
            Rule::log_with_base => {
                let base = inner(name.clone());
                let base_text = base.as_str();
                match base_text {
                    "2" => Some(names::function_info(Function::Log2)),
                    "10" => Some(names::function_info(Function::Log10)),
                    "e" => Some(names::function_info(Function::Ln)),
                    _ => {
                        return Err(ParseError::new(
                            ErrorKind::LogarithmBase,
                            span_of(&base),
                            format!("a logarithm to base {base_text}: texgrad knows bases 2, 10 and e"),
                        )
                        .with_hint(format!(r"write \frac{{\ln x}}{{\ln {base_text}}}")));
                    }
                }
            }
            _ => None,
        };
        let info = info.expect("the grammar's function spellings are all in names::FUNCTIONS");
        Ok((info, power))
    }

    /// A function head applied to its arguments.
    fn apply(&self, head: Pair<'_, Rule>, arguments: Vec<Built>, span: Span) -> Result<Built> {
        let head_span = span_of(&head);
        let head_text = head.as_str().trim().to_owned();
        let (info, power) = self.function_head(head)?;
        if info.function == Function::Sigmoid && self.context.sigma_is_a_name() {
            // A declared `\sigma` times its "argument".
            let sigma = self.raise(leaf(variable("sigma", Vec::new()), head_span), power)?;
            let [argument]: [Built; 1] = arguments.try_into().map_err(|arguments: Vec<Built>| {
                ParseError::new(
                    ErrorKind::WrongArguments,
                    span,
                    format!("`sigma` is a declared name, not a function of {} arguments", arguments.len()),
                )
            })?;
            let depth = sigma.depth.max(argument.depth);
            return node(
                ExprKind::Binary { op: BinaryOp::Multiply, lhs: Box::new(sigma.expr), rhs: Box::new(argument.expr) },
                span,
                depth,
                Shape::Juxtaposed,
            );
        }
        if arguments.len() != info.arity {
            let example = if info.arity == 2 { format!("{head_text}(a, b)") } else { format!("{head_text}(x)") };
            return Err(ParseError::new(
                ErrorKind::WrongArguments,
                span,
                format!(
                    "`{head_text}` takes {} argument{}, not {}",
                    info.arity,
                    if info.arity == 1 { "" } else { "s" },
                    arguments.len()
                ),
            )
            .with_hint(format!("write {example}")));
        }
        let depth = arguments.iter().map(|argument| argument.depth).max().unwrap_or(0);
        let call = node(
            ExprKind::Call {
                function: info.function,
                arguments: arguments.into_iter().map(|argument| argument.expr).collect(),
            },
            span,
            depth,
            Shape::Plain,
        )?;
        let raised = self.raise(call, power)?;
        // `\sin^2 x` is a power of a call, and a further superscript is its own.
        Ok(Built { shape: Shape::Plain, ..raised })
    }

    /// `f(..)`: a call of a known one-letter definition, or a name times a group.
    fn letter_call(&self, pair: Pair<'_, Rule>) -> Result<Built> {
        let span = span_of(&pair);
        let mut parts = pair.into_inner();
        let letter = parts.next().expect("a letter call has a letter");
        let letter_span = span_of(&letter);
        let name = letter.as_str().to_owned();
        let arguments_pair = parts.next().expect("a letter call has arguments");
        let arguments_span = span_of(&arguments_pair);
        let arguments = arguments_pair
            .into_inner()
            .filter(|part| part.as_rule() == Rule::expr)
            .map(|argument| self.expr(argument))
            .collect::<Result<Vec<_>>>()?;
        if self.context.functions.contains(&name) {
            let depth = arguments.iter().map(|argument| argument.depth).max().unwrap_or(0);
            return node(
                ExprKind::Reference { name, arguments: arguments.into_iter().map(|argument| argument.expr).collect() },
                span,
                depth,
                Shape::Plain,
            );
        }
        let [argument]: [Built; 1] =
            arguments.try_into().map_err(|_| unknown_function(&name, letter_span, self.context))?;
        let argument = grouped(argument, arguments_span);
        let factor = self.name_or_constant(letter, None, letter_span)?;
        let depth = factor.depth.max(argument.depth);
        node(
            ExprKind::Binary { op: BinaryOp::Multiply, lhs: Box::new(factor.expr), rhs: Box::new(argument.expr) },
            span,
            depth,
            Shape::LetterTimesGroup,
        )
    }

    /// `\text{word}(..)`: a call of a known definition, or a name times a group.
    fn word_call(&self, pair: Pair<'_, Rule>) -> Result<Built> {
        let span = span_of(&pair);
        let mut parts = pair.into_inner();
        let word_pair = parts.next().expect("a word call has a word");
        let word_span = span_of(&word_pair);
        let command = word_pair.clone().into_inner().next().expect("a text word has a command").as_str().to_owned();
        let word = self.text_word(word_pair)?;
        let arguments = parts
            .next()
            .expect("a word call has arguments")
            .into_inner()
            .filter(|part| part.as_rule() == Rule::expr)
            .map(|argument| self.expr(argument))
            .collect::<Result<Vec<_>>>()?;
        let lower = word.to_ascii_lowercase();
        if self.context.functions.contains(&lower) {
            let depth = arguments.iter().map(|argument| argument.depth).max().unwrap_or(0);
            return node(
                ExprKind::Reference {
                    name: lower,
                    arguments: arguments.into_iter().map(|argument| argument.expr).collect(),
                },
                span,
                depth,
                Shape::Plain,
            );
        }
        if command == r"\operatorname" || arguments.len() != 1 {
            return Err(unknown_function(&word, word_span, self.context));
        }
        let name = self.checked_name(word, word_span)?;
        let argument = arguments.into_iter().next().expect("one argument");
        let depth = argument.depth;
        node(
            ExprKind::Binary {
                op: BinaryOp::Multiply,
                lhs: Box::new(Expr { kind: variable(&name, Vec::new()), span: word_span }),
                rhs: Box::new(argument.expr),
            },
            span,
            depth,
            Shape::Juxtaposed,
        )
    }

    fn sum(&self, head: Pair<'_, Rule>, body: Built, span: Span) -> Result<Built> {
        let head_span = span_of(&head);
        let mut index = None;
        let mut lower = None;
        let mut upper = None;
        for part in head.into_inner() {
            match part.as_rule() {
                Rule::sum_lower => {
                    let mut bounds = part.into_inner();
                    let letter = bounds.next().expect("a lower bound names its index");
                    index = letter.as_str().chars().next();
                    if let Some(start) = bounds.next() {
                        lower = Some(self.expr(start)?.expr);
                    }
                }
                Rule::sum_upper => {
                    let bound = inner(part);
                    upper = Some(match bound.as_rule() {
                        Rule::expr => self.expr(bound)?.expr,
                        _ => self.primary(bound)?.expr,
                    });
                }
                _ => {}
            }
        }
        let Some(index) = index else {
            return Err(ParseError::new(ErrorKind::PartialSum, head_span, "a sum without its index")
                .with_hint(r"name the index: \sum_{i=1}^{n} or \sum_i"));
        };
        let range = match (&lower, &upper) {
            (None, None) => IndexRange::Unwritten,
            (lower, Some(upper)) => {
                whole_range(lower.as_ref(), upper).ok_or_else(|| partial_sum(head_span, index, upper))?
            }
            (Some(_), None) => {
                return Err(ParseError::new(
                    ErrorKind::PartialSum,
                    head_span,
                    "a sum with a lower bound and no upper bound",
                )
                .with_hint(format!(r"sums run over the whole range: write \sum_{{{index}=1}}^{{n}} or \sum_{index}")));
            }
        };
        let depth = body.depth;
        node(ExprKind::Sum { index, range, body: Box::new(body.expr) }, span, depth, Shape::Plain)
    }

    fn cases(&self, pair: Pair<'_, Rule>) -> Result<Built> {
        let span = span_of(&pair);
        let mut cases = Vec::new();
        let mut depth = 0;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::case_row => {
                    let mut row = part.into_inner();
                    let value = self.expr(row.next().expect("a row has a value"))?;
                    let condition = self.condition(row.next().expect("a row has a condition"))?;
                    depth = depth.max(value.depth);
                    cases.push(Case { value: value.expr, condition });
                }
                Rule::row_separator => {
                    if let Some(damaged) = part.into_inner().next() {
                        return Err(ParseError::new(
                            ErrorKind::DamagedRowSeparator,
                            span_of(&damaged),
                            r"`\ ` between cases rows: a backslash was lost (rows are separated by `\\`)",
                        )
                        .with_hint(r"write \\ between the rows"));
                    }
                }
                _ => {}
            }
        }
        node(ExprKind::Cases(cases), span, depth, Shape::Plain)
    }

    fn condition(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let mut first = None;
        let mut rest = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::otherwise => return Ok(Condition::Otherwise),
                Rule::relation_chain => {
                    let mut relation = None;
                    for link in part.into_inner() {
                        match link.as_rule() {
                            Rule::expr => {
                                let operand = self.expr(link)?.expr;
                                match relation.take() {
                                    None => first = Some(operand),
                                    Some(relation) => rest.push((relation, operand)),
                                }
                            }
                            Rule::relation => {
                                relation = Some(match inner(link).as_rule() {
                                    Rule::less_equal => Relation::LessEqual,
                                    Rule::greater_equal => Relation::GreaterEqual,
                                    Rule::not_equal => Relation::NotEqual,
                                    Rule::less => Relation::Less,
                                    Rule::greater => Relation::Greater,
                                    _ => Relation::Equal,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Condition::Chain { first: first.expect("a relation chain has a first operand"), rest })
    }

    /// A name or a constant from a base (`x`, `\alpha`, `\hat{y}`, `\text{scale}`, `\pi`) and an
    /// optional subscript.
    fn name_or_constant(&self, base: Pair<'_, Rule>, subscript: Option<Pair<'_, Rule>>, span: Span) -> Result<Built> {
        let base_span = span_of(&base);
        match (base.as_rule(), base.as_str()) {
            (Rule::single_letter, "e") => {
                if subscript.is_some() {
                    return Err(ParseError::new(
                        ErrorKind::BadSubscript,
                        span,
                        "`e` is Euler's number and takes no subscript",
                    )
                    .with_hint(r"name the variable otherwise, e.g. \epsilon_i"));
                }
                return Ok(leaf(ExprKind::Constant(Constant::E), span));
            }
            (Rule::greek | Rule::symbol_command, command) => {
                if let Some(constant) = names::constant_by_command(&command[1..]) {
                    if subscript.is_some() {
                        return Err(ParseError::new(
                            ErrorKind::BadSubscript,
                            span,
                            format!("`{command}` is a constant and takes no subscript"),
                        ));
                    }
                    return Ok(leaf(ExprKind::Constant(constant), base_span));
                }
            }
            _ => {}
        }
        let (name, indices) = self.name_parts(base, subscript)?;
        let name = self.checked_name(name, span)?;
        Ok(leaf(variable(&name, indices), span))
    }

    /// The identifier and indices of a name: `\hat{y}_i` is `("y_hat", ['i'])`.
    fn name_parts(&self, base: Pair<'_, Rule>, subscript: Option<Pair<'_, Rule>>) -> Result<(String, Vec<char>)> {
        let (mut name, mut indices) = match base.as_rule() {
            Rule::single_letter => (base.as_str().to_owned(), Vec::new()),
            Rule::greek | Rule::symbol_command => (self.greek(&base)?, Vec::new()),
            Rule::text_word => (self.text_word(base)?, Vec::new()),
            Rule::font_letter => {
                let letter = base.into_inner().nth(1).expect("a font command has a letter");
                self.name_parts(letter, None)?
            }
            Rule::decorated => {
                let mut parts = base.into_inner();
                let decoration = parts.next().expect("a decoration");
                let suffix = names::decoration_suffix(&decoration.as_str()[1..])
                    .expect("the grammar's decorations are in the table");
                let mut inner_parts = parts.next().expect("a decorated name").into_inner();
                let letter = inner_parts.next().expect("a decorated letter");
                let (name, indices) = self.name_parts(letter, inner_parts.next())?;
                (format!("{name}_{suffix}"), indices)
            }
            rule => unreachable_rule(rule, span_of(&base))?,
        };
        if let Some(subscript) = subscript {
            let (suffix, more_indices) = self.subscript(subscript)?;
            if let Some(suffix) = suffix {
                name = format!("{name}_{suffix}");
            }
            indices.extend(more_indices);
        }
        Ok((name, indices))
    }

    /// A subscript: a name suffix (`_1`, `_{KL}`) or indices (`_i`, `_{k,i}`).
    fn subscript(&self, pair: Pair<'_, Rule>) -> Result<(Option<String>, Vec<char>)> {
        let content = inner(pair);
        match content.as_rule() {
            Rule::single_digit => Ok((Some(content.as_str().to_owned()), Vec::new())),
            Rule::single_letter => Ok((None, content.as_str().chars().collect())),
            Rule::subscript_content => {
                let detail = inner(content);
                match detail.as_rule() {
                    Rule::index_list => Ok((None, detail.into_inner().filter_map(|letter| letter.as_str().chars().next()).collect())),
                    Rule::subscript_name => Ok((Some(detail.as_str().to_owned()), Vec::new())),
                    Rule::text_word => Ok((Some(self.text_word(detail)?), Vec::new())),
                    _ => Err(ParseError::new(
                        ErrorKind::BadSubscript,
                        span_of(&detail),
                        format!("`{}` in a subscript is neither an index nor part of a name", detail.as_str()),
                    )
                    .with_hint("write one index letter (x_i), indices separated by commas (y_{k,i}), or a name part (x_{0}, D_{KL})")),
                }
            }
            rule => unreachable_rule(rule, span_of(&content)),
        }
    }

    /// A Greek letter's name, or an error for an unknown or misplaced command.
    fn greek(&self, pair: &Pair<'_, Rule>) -> Result<String> {
        let command = &pair.as_str()[1..];
        if names::is_greek(command) {
            return Ok(command.to_owned());
        }
        let span = span_of(pair);
        if let Some((_, usage)) = names::STRUCTURAL.iter().find(|(name, _)| *name == command) {
            return Err(ParseError::new(
                ErrorKind::MalformedCommand,
                span,
                format!("`\\{command}` is not written the way texgrad reads it"),
            )
            .with_hint(format!("write {usage}")));
        }
        let mut error = ParseError::new(ErrorKind::UnknownCommand, span, format!("unknown command `\\{command}`"));
        let words = names::FUNCTIONS.iter().flat_map(|info| info.words.iter().copied());
        let nearest_command = names::nearest(command, names::known_commands());
        let nearest_word = names::nearest(&command.to_ascii_lowercase(), words);
        let score =
            |candidate: Option<&str>| candidate.map_or(0.0, |candidate| strsim::jaro_winkler(command, candidate));
        if nearest_word.is_some() && score(nearest_word) > score(nearest_command) {
            let word = nearest_word.unwrap_or_default();
            error = error.with_hint(format!("did you mean `\\operatorname{{{word}}}`?"));
        } else if let Some(nearest) = nearest_command {
            error = error.with_hint(format!("did you mean `\\{nearest}`?"));
        } else {
            error = error.with_hint(r"write a word as \text{name}, a function as \operatorname{name}(x)");
        }
        Err(error)
    }

    /// The word of `\text{..}`, `\mathrm{..}`, `\operatorname{..}` as an identifier.
    fn text_word(&self, pair: Pair<'_, Rule>) -> Result<String> {
        let span = span_of(&pair);
        let content =
            pair.into_inner().find(|part| part.as_rule() == Rule::text_content).map_or("", |part| part.as_str());
        let word = content.replace(r"\_", "_");
        let word = word.trim();
        let valid = word.chars().next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(ParseError::new(
                ErrorKind::UnknownName,
                span,
                format!("`{word}` is not a name: a word in \\text{{..}} is letters, digits and `\\_`"),
            )
            .with_hint(r"write \text{negative\_slope}"));
        }
        Ok(word.to_owned())
    }

    /// `name`, checked against the declared names when the context declares them.
    fn checked_name(&self, name: String, span: Span) -> Result<String> {
        let Some(declared) = &self.context.declared else { return Ok(name) };
        if declared.contains(&name) || names::Length::of(&name).is_some() {
            return Ok(name);
        }
        let mut error = ParseError::new(ErrorKind::UnknownName, span, format!("`{name}` is not declared"));
        let candidates = declared.iter().map(String::as_str).chain(names::FUNCTIONS.iter().map(|info| info.name));
        if let Some(nearest) = names::nearest(&name, candidates) {
            error = error
                .with_hint(format!("did you mean `{nearest}`? (declare parameters after `;`: fn f(x; {name} = 1.0))"));
        } else {
            error =
                error.with_hint(format!("declare it: inputs first, parameters after `;`, as in fn f(x; {name} = 1.0)"));
        }
        Err(error)
    }
}

/// Whether the bounds run over a whole range: `1..n`, `0..n-1`, `1..m`, `0..m-1`.
fn whole_range(lower: Option<&Expr>, upper: &Expr) -> Option<IndexRange> {
    let number = |expr: &Expr| match &expr.kind {
        ExprKind::Number(number) => Some(number.to_f64()),
        _ => None,
    };
    let length = |expr: &Expr| match &expr.kind {
        ExprKind::Variable(Variable { name, indices }) if indices.is_empty() => match names::Length::of(name)? {
            names::Length::Columns => Some(IndexRange::Columns),
            names::Length::Rows => Some(IndexRange::Rows),
        },
        _ => None,
    };
    match (lower.map(number), &upper.kind) {
        (None | Some(Some(1.0)), _) => length(upper),
        (Some(Some(0.0)), ExprKind::Binary { op: BinaryOp::Subtract, lhs, rhs }) if number(rhs) == Some(1.0) => {
            length(lhs)
        }
        _ => None,
    }
}

fn inner(pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    let span = pair.as_span();
    pair.into_inner().next().unwrap_or_else(|| panic!("grammar invariant: `{}` has an inner rule", span.as_str()))
}

fn variable(name: &str, indices: Vec<char>) -> ExprKind {
    ExprKind::Variable(Variable { name: name.to_owned(), indices })
}

fn leaf(kind: ExprKind, span: Span) -> Built {
    Built { expr: Expr { kind, span }, shape: Shape::Plain, depth: 1 }
}

/// The content of a group: its shape no longer matters, and its span takes in the brackets.
fn grouped(built: Built, span: Span) -> Built {
    Built { expr: Expr { kind: built.expr.kind, span }, shape: Shape::Plain, depth: built.depth }
}

/// A node over children of depth `child_depth`, refused beyond [`MAX_DEPTH`].
fn node(kind: ExprKind, span: Span, child_depth: usize, shape: Shape) -> Result<Built> {
    let depth = child_depth + 1;
    if depth > MAX_DEPTH {
        return Err(too_deep(span));
    }
    Ok(Built { expr: Expr { kind, span }, shape, depth })
}
