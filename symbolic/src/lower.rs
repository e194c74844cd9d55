//! Lowering: the parser's AST into the IR, where surface sugar disappears (`\frac` and `/`,
//! `e^x` and `\exp x`, `\sqrt` and powers, `\log_2` and `\ln`), `cases` become nested selects,
//! and references to other definitions are expanded in place.

use std::collections::HashMap;

use texgrad_grammar::ast::{self, BinaryOp, Condition, Expr, ExprKind, Relation};

use crate::error::{EngineError, Refusal};
use crate::ir::{Compare, Constant, Func, Graph, Id, Rational};

/// A definition that formulas may call by name: its inputs and its formula.
#[derive(Clone, Debug)]
pub struct Definition {
    /// Input names, in call order.
    pub inputs: Vec<String>,
    /// Parameters and the values a call by name gives them (the catalog's defaults).
    pub parameters: Vec<(String, f64)>,
    /// The defining expression.
    pub body: Expr,
}

/// What names mean while lowering.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Definitions callable by name (lower case).
    pub definitions: HashMap<String, Definition>,
    /// Names bound to already lowered expressions (a definition's inputs, or `f` in a claim).
    pub bindings: HashMap<String, Id>,
    /// Names that stand for a function's own value at its input, as `f` does in a claimed
    /// derivative: `f(x)` and `f` are the value, and `f(u)` for anything but the input is `f`
    /// times `u`, as in `f(1 - f)`.
    pub values: HashMap<String, ValueName>,
}

/// A name for a function's value at its input (see [`Scope::values`]).
#[derive(Clone, Debug)]
pub struct ValueName {
    /// The function's input.
    pub input: String,
    /// The function's value, lowered.
    pub value: Id,
}

/// An `f64` as an exact rational where it is one with a small denominator (`0.25`, `1`), else
/// as the float itself.
fn number(graph: &mut Graph, value: f64) -> Id {
    for shift in 0..=60 {
        let scaled = value * f64::from(2u32).powi(shift);
        if scaled.fract() == 0.0 && scaled.abs() < 2f64.powi(100) {
            return graph.number(crate::ir::Rational::new(scaled as i128, 1i128 << shift));
        }
    }
    graph.float(value)
}

/// Lower `expr` into `graph`.
pub fn lower(graph: &mut Graph, expr: &Expr, scope: &Scope) -> Result<Id, EngineError> {
    lower_at_depth(graph, expr, scope, 0)
}

/// References may call references, but not forever.
const MAX_REFERENCE_DEPTH: usize = 32;

fn lower_at_depth(graph: &mut Graph, expr: &Expr, scope: &Scope, depth: usize) -> Result<Id, EngineError> {
    texgrad_grammar::limits::deep(|| lower_here(graph, expr, scope, depth))
}

fn lower_here(graph: &mut Graph, expr: &Expr, scope: &Scope, depth: usize) -> Result<Id, EngineError> {
    let mut recurse = |graph: &mut Graph, expr: &Expr| lower_at_depth(graph, expr, scope, depth);
    Ok(match &expr.kind {
        ExprKind::Number(number) => number_node(graph, &number.text).map_err(|overflows| {
            let message = if overflows {
                format!("the literal `{}` is beyond the range of f64, whose largest number is 1.8e308", number.text)
            } else {
                format!("the literal `{}` rounds to 0 in f64, whose smallest number is 4.9e-324", number.text)
            };
            EngineError::at(expr.span, message)
                .with_hint("write the number within the range of f64, or 0")
                .of_kind(Refusal::Undefined)
        })?,
        ExprKind::Constant(ast::Constant::E) => graph.constant(Constant::E),
        ExprKind::Constant(ast::Constant::Pi) => graph.constant(Constant::Pi),
        ExprKind::Variable(variable) if variable.indices.is_empty() && scope.values.contains_key(&variable.name) => {
            scope.values[&variable.name].value
        }
        ExprKind::Variable(variable) => match scope.bindings.get(&variable.name) {
            Some(&bound) if variable.indices.is_empty() => bound,
            _ if variable.indices.is_empty() => graph.symbol(&variable.name),
            _ => graph.element(&variable.name, variable.indices.clone()),
        },
        ExprKind::Negate(operand) => {
            let operand = recurse(graph, operand)?;
            graph.neg(operand)
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (lhs_id, rhs_id) = (recurse(graph, lhs)?, recurse(graph, rhs)?);
            match op {
                BinaryOp::Add => graph.add(lhs_id, rhs_id),
                BinaryOp::Subtract => graph.sub(lhs_id, rhs_id),
                BinaryOp::Multiply => graph.mul(lhs_id, rhs_id),
                BinaryOp::Divide => {
                    refuse_zero_divisor(graph, lhs_id, rhs_id, rhs)?;
                    graph.div(lhs_id, rhs_id)
                }
            }
        }
        ExprKind::Power { base: base_expr, exponent } => {
            let (base, exponent) = (recurse(graph, base_expr)?, recurse(graph, exponent)?);
            if graph.rational(exponent).is_some_and(|value| *value.numer() < 0) {
                let one = graph.integer(1);
                refuse_zero_divisor(graph, one, base, base_expr)?;
            }
            graph.pow(base, exponent)
        }
        ExprKind::Root { degree, radicand } => {
            let (degree, radicand) = (recurse(graph, degree)?, recurse(graph, radicand)?);
            let one = graph.integer(1);
            let exponent = graph.div(one, degree);
            graph.pow(radicand, exponent)
        }
        ExprKind::Call { function, arguments } => {
            let arguments = arguments.iter().map(|argument| recurse(graph, argument)).collect::<Result<Vec<_>, _>>()?;
            call(graph, *function, &arguments)
        }
        ExprKind::Reference { name, arguments } if scope.values.contains_key(name) => {
            let value_name = &scope.values[name];
            let is_input = |argument: &Expr| matches!(&argument.kind, ExprKind::Variable(variable) if variable.indices.is_empty() && variable.name == value_name.input);
            match arguments.as_slice() {
                [argument] if is_input(argument) => value_name.value,
                [argument] => {
                    let argument = recurse(graph, argument)?;
                    graph.mul(value_name.value, argument)
                }
                _ => return Err(EngineError::at(expr.span, format!("`{name}` takes one argument, its input"))),
            }
        }
        ExprKind::Reference { name, arguments } => {
            let Some(definition) = scope.definitions.get(name) else {
                return Err(EngineError::at(expr.span, format!("`{name}` is not a definition texgrad knows")));
            };
            if arguments.len() != definition.inputs.len() {
                return Err(EngineError::at(
                    expr.span,
                    format!("`{name}` takes {} argument(s), not {}", definition.inputs.len(), arguments.len()),
                ));
            }
            if depth >= MAX_REFERENCE_DEPTH {
                return Err(EngineError::at(expr.span, format!("`{name}` calls itself, or nests too deeply")));
            }
            let mut inner =
                Scope { definitions: scope.definitions.clone(), bindings: HashMap::new(), values: HashMap::new() };
            for (input, argument) in definition.inputs.iter().zip(arguments) {
                let argument = recurse(graph, argument)?;
                inner.bindings.insert(input.clone(), argument);
            }
            for (parameter, value) in &definition.parameters {
                inner.bindings.insert(parameter.clone(), number(graph, *value));
            }
            lower_at_depth(graph, &definition.body, &inner, depth + 1)?
        }
        ExprKind::Abs(operand) => {
            let operand = recurse(graph, operand)?;
            graph.apply(Func::Abs, operand)
        }
        ExprKind::Cases(cases) => {
            // The last row is the fallback; each earlier row selects where its condition holds.
            let mut result = None;
            for case in cases.iter().rev() {
                let value = recurse(graph, &case.value)?;
                result = Some(match result {
                    None => value,
                    Some(otherwise) => {
                        let condition = condition(graph, &case.condition, &mut recurse)?;
                        graph.select(condition, value, otherwise)
                    }
                });
            }
            result.ok_or_else(|| EngineError::at(expr.span, "a cases with no rows"))?
        }
        ExprKind::Sum { index, body, .. } => {
            let body = recurse(graph, body)?;
            graph.sum(*index, body)
        }
    })
}

/// A `cases` row's condition, lowered (1 for `\text{otherwise}`).
pub fn lower_condition(graph: &mut Graph, condition: &Condition, scope: &Scope) -> Result<Id, EngineError> {
    let mut recurse = |graph: &mut Graph, expr: &Expr| lower(graph, expr, scope);
    self::condition(graph, condition, &mut recurse)
}

fn condition(
    graph: &mut Graph,
    condition: &Condition,
    recurse: &mut dyn FnMut(&mut Graph, &Expr) -> Result<Id, EngineError>,
) -> Result<Id, EngineError> {
    match condition {
        Condition::Otherwise => Ok(graph.integer(1)),
        Condition::Chain { first, rest } => {
            let mut left = recurse(graph, first)?;
            let mut comparisons = Vec::new();
            for (relation, operand) in rest {
                let right = recurse(graph, operand)?;
                let op = match relation {
                    Relation::Less => Compare::Less,
                    Relation::LessEqual => Compare::LessEqual,
                    Relation::Greater => Compare::Greater,
                    Relation::GreaterEqual => Compare::GreaterEqual,
                    Relation::Equal => Compare::Equal,
                    Relation::NotEqual => Compare::NotEqual,
                };
                comparisons.push(graph.compare(op, left, right));
                left = right;
            }
            Ok(graph.and(comparisons))
        }
    }
}

fn call(graph: &mut Graph, function: ast::Function, arguments: &[Id]) -> Id {
    use ast::Function as F;
    let x = arguments[0];
    let unary = |graph: &mut Graph, func| graph.apply(func, x);
    match function {
        F::Exp => unary(graph, Func::Exp),
        F::Ln => unary(graph, Func::Ln),
        F::Log2 | F::Log10 => {
            let base = graph.integer(if function == F::Log2 { 2 } else { 10 });
            let ln_x = graph.apply(Func::Ln, x);
            let ln_base = graph.apply(Func::Ln, base);
            graph.div(ln_x, ln_base)
        }
        F::Sqrt => {
            let half = graph.number(Rational::new(1, 2));
            graph.pow(x, half)
        }
        F::Sin => unary(graph, Func::Sin),
        F::Cos => unary(graph, Func::Cos),
        F::Tan => unary(graph, Func::Tan),
        F::Sinh => unary(graph, Func::Sinh),
        F::Cosh => unary(graph, Func::Cosh),
        F::Tanh => unary(graph, Func::Tanh),
        F::Arctan => unary(graph, Func::Arctan),
        F::Arcsin => unary(graph, Func::Arcsin),
        F::Arccos => unary(graph, Func::Arccos),
        F::Erf => unary(graph, Func::Erf),
        F::Erfc => unary(graph, Func::Erfc),
        F::Phi => unary(graph, Func::Phi),
        F::Sigmoid => unary(graph, Func::Sigmoid),
        F::Softplus => unary(graph, Func::Softplus),
        F::Sign => unary(graph, Func::Sign),
        F::Max => graph.max(x, arguments[1]),
        F::Min => graph.min(x, arguments[1]),
    }
}

/// A decimal literal as an exact rational (`0.044715` is 44715/1000000), or as the nearest
/// `f64` when it does not fit; for a literal beyond the range of `f64`, whether it overflows
/// (`1e400`) or would round to 0 (`1e-400`).
fn number_node(graph: &mut Graph, text: &str) -> Result<Id, bool> {
    if let Some(value) = exact_decimal(text) {
        return Ok(graph.number(value));
    }
    let value: f64 = text.parse().map_err(|_| true)?;
    if !value.is_finite() {
        return Err(true);
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    if value == 0.0 && mantissa.chars().any(|digit| matches!(digit, '1'..='9')) {
        return Err(false);
    }
    Ok(graph.float(value))
}

/// Whether an expression is always 0.
fn always_zero(graph: &Graph, id: Id) -> bool {
    graph.rational(id).is_some_and(|value| *value.numer() == 0)
        || crate::constant::fold(graph, id).is_some_and(|value| value.to_f64() == 0.0)
}

/// A division by what is always 0 (`\frac{x}{1-1}`, `\frac{0}{0}`, `\frac{x - x}{x - x}`) has
/// no value anywhere: an error at the divisor, not a formula that is NaN or infinite
/// everywhere.
fn refuse_zero_divisor(graph: &Graph, dividend: Id, divisor: Id, written: &Expr) -> Result<(), EngineError> {
    if !always_zero(graph, divisor) {
        return Ok(());
    }
    let message = if always_zero(graph, dividend) {
        "`0/0` has no value: the numerator and this denominator are always 0"
    } else {
        "a division by zero: this denominator is always 0"
    };
    Err(EngineError::at(written.span, message)
        .with_hint("divide only by what can be non-zero")
        .of_kind(Refusal::Undefined))
}

fn exact_decimal(text: &str) -> Option<Rational> {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let numerator: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    let scale = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
    let power = 10i128.checked_pow(scale.unsigned_abs())?;
    Some(if scale >= 0 {
        Rational::from_integer(numerator.checked_mul(power)?)
    } else {
        Rational::new(numerator, power)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(exact_decimal("0.044715"), Some(Rational::new(44715, 1_000_000)));
        assert_eq!(exact_decimal("1e-3"), Some(Rational::new(1, 1000)));
        assert_eq!(exact_decimal("2.5e+4"), Some(Rational::from_integer(25_000)));
        assert_eq!(exact_decimal(".5"), Some(Rational::new(1, 2)));
        assert_eq!(exact_decimal("1e300"), None);
    }
}
