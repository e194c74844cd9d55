//! Numeric evaluation of the IR in `f64`, straight from the formulas (no stable rewrites): for
//! checking claimed derivatives and chains, and for `texgrad eval`.

use std::collections::HashMap;

use texgrad_math::dispatch::Scalar;

use texgrad_grammar::names::Length;

use crate::error::EngineError;
use crate::ir::{Constant, Func, Graph, Id, Index, Node};

/// Values for the names of a formula.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    /// Scalar inputs and parameters.
    pub scalars: HashMap<String, f64>,
    /// Vector inputs, and matrices in row-major order.
    pub vectors: HashMap<String, Vec<f64>>,
    /// The row length of matrices (`n`), when a formula has two-index inputs.
    pub columns: Option<usize>,
}

impl Bindings {
    /// Bind a scalar.
    pub fn scalar(mut self, name: &str, value: f64) -> Self {
        self.scalars.insert(name.to_owned(), value);
        self
    }

    /// Bind a vector (or a row-major matrix).
    pub fn vector(mut self, name: &str, values: Vec<f64>) -> Self {
        self.vectors.insert(name.to_owned(), values);
        self
    }

    /// The value of a length: bound by its name, or from the vectors (`n` their length, or the
    /// row length given for matrices; `m` the number of rows).
    pub(crate) fn length(&self, length: Length) -> Option<usize> {
        if let Some(&value) = self.scalars.get(length.name()) {
            return Some(value as usize);
        }
        match length {
            Length::Columns => self.columns.or_else(|| self.vectors.values().next().map(Vec::len)),
            Length::Rows => {
                let columns = self.length(Length::Columns)?;
                self.vectors.values().next().map(|values| values.len() / columns.max(1))
            }
        }
    }
}

/// The value of `id` with `bindings`, and values for the free indices (a vector output's `i`).
pub fn evaluate(
    graph: &Graph,
    id: Id,
    bindings: &Bindings,
    indices: &HashMap<Index, usize>,
) -> Result<f64, EngineError> {
    let mut indices = indices.clone();
    Evaluator { graph, bindings }.value(id, &mut indices)
}

struct Evaluator<'g> {
    graph: &'g Graph,
    bindings: &'g Bindings,
}

impl Evaluator<'_> {
    fn value(&self, id: Id, indices: &mut HashMap<Index, usize>) -> Result<f64, EngineError> {
        Ok(match self.graph.node(id) {
            Node::Number(value) => Graph::rational_to_f64(*value),
            Node::Float(bits) => f64::from_bits(*bits),
            Node::Constant(Constant::E) => std::f64::consts::E,
            Node::Constant(Constant::Pi) => std::f64::consts::PI,
            Node::Symbol(name) => match (self.bindings.scalars.get(name), Length::of(name)) {
                (Some(&value), _) => value,
                (None, Some(length)) => self.length(length)? as f64,
                (None, None) => return Err(EngineError::new(format!("no value for `{name}`"))),
            },
            Node::Element(name, element_indices) => {
                let values = self
                    .bindings
                    .vectors
                    .get(name)
                    .ok_or_else(|| EngineError::new(format!("no vector value for `{name}`")))?;
                let position = |index: &Index| {
                    indices.get(index).copied().ok_or_else(|| EngineError::new(format!("index `{index}` has no value")))
                };
                let offset = match element_indices.as_slice() {
                    [column] => position(column)?,
                    [row, column] => position(row)? * self.length(Length::Columns)? + position(column)?,
                    _ => return Err(EngineError::new(format!("`{name}` has more than two indices"))),
                };
                *values.get(offset).ok_or_else(|| EngineError::new(format!("`{name}` has no element {offset}")))?
            }
            Node::Add(terms) => {
                let mut total = 0.0;
                for &term in terms {
                    total += self.value(term, indices)?;
                }
                total
            }
            Node::Mul(factors) => {
                let mut product = 1.0;
                for &factor in factors {
                    product *= self.value(factor, indices)?;
                }
                product
            }
            Node::Pow(base, exponent) => {
                let base = self.value(*base, indices)?;
                match self.graph.rational(*exponent) {
                    Some(value) if value.is_integer() && value.numer().abs() < 1024 => base.powi(*value.numer() as i32),
                    Some(value) if *value.numer() == 1 && *value.denom() == 2 => base.sqrt(),
                    _ => base.powf(self.value(*exponent, indices)?),
                }
            }
            Node::Apply(func, argument) => apply(*func, self.value(*argument, indices)?),
            Node::Max(a, b) => {
                let (a, b) = (self.value(*a, indices)?, self.value(*b, indices)?);
                if a >= b { a } else { b }
            }
            Node::Min(a, b) => {
                let (a, b) = (self.value(*a, indices)?, self.value(*b, indices)?);
                if a <= b { a } else { b }
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (self.value(*a, indices)?, self.value(*b, indices)?);
                f64::from(u8::from(op.holds(&a, &b)))
            }
            Node::And(conditions) => {
                for &condition in conditions {
                    if self.value(condition, indices)? == 0.0 {
                        return Ok(0.0);
                    }
                }
                1.0
            }
            Node::NearZero { argument, series, exact } => {
                if self.value(*argument, indices)?.abs() < 0.1 {
                    self.value(*series, indices)?
                } else {
                    self.value(*exact, indices)?
                }
            }
            Node::ComputedAs { computed, .. } => self.value(*computed, indices)?,
            Node::Select { condition, then, otherwise } => {
                if self.value(*condition, indices)? != 0.0 {
                    self.value(*then, indices)?
                } else {
                    self.value(*otherwise, indices)?
                }
            }
            Node::Sum(index, body) => {
                let length = self.range_of(*index, *body)?;
                let saved = indices.get(index).copied();
                let mut total = 0.0;
                for position in 0..length {
                    indices.insert(*index, position);
                    total += self.value(*body, indices)?;
                }
                match saved {
                    Some(position) => indices.insert(*index, position),
                    None => indices.remove(index),
                };
                total
            }
            Node::LogSumExp(index, exponent) => {
                let length = self.range_of(*index, *exponent)?;
                let saved = indices.get(index).copied();
                let mut values = Vec::with_capacity(length);
                for position in 0..length {
                    indices.insert(*index, position);
                    values.push(self.value(*exponent, indices)?);
                }
                match saved {
                    Some(position) => indices.insert(*index, position),
                    None => indices.remove(index),
                };
                let largest = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if largest.is_infinite() {
                    largest
                } else {
                    largest + values.iter().map(|value| (value - largest).exp()).sum::<f64>().ln()
                }
            }
            Node::XLogY(y, x) => {
                let y = self.value(*y, indices)?;
                if y == 0.0 { 0.0 } else { y * self.value(*x, indices)?.ln() }
            }
            Node::Delta(a, b) => {
                let get = |index: &Index| indices.get(index).copied();
                f64::from(u8::from(get(a).is_some() && get(a) == get(b)))
            }
        })
    }

    /// `n` or `m`.
    fn length(&self, length: Length) -> Result<usize, EngineError> {
        self.bindings
            .length(length)
            .ok_or_else(|| EngineError::new(format!("no vector length `{}`: bind a vector input", length.name())))
    }

    /// How far a sum's index runs: over rows if it is the first of two indices anywhere in the
    /// body, else over columns.
    fn range_of(&self, index: Index, body: Id) -> Result<usize, EngineError> {
        self.length(self.graph.length_of(body, index))
    }
}

/// A unary function in `f64`, as the plain generated functions compute it (the table's
/// [`Func::value`] at the scalar level).
pub fn apply(func: Func, x: f64) -> f64 {
    func.value::<f64, Scalar>(x)
}
