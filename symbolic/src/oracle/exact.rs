//! The exact value of an expression: the IR evaluated in [`Precise`] (256 bits), the reference a
//! candidate form's `f32` and `f64` errors are measured against.

use std::collections::HashMap;

use crate::error::EngineError;
use crate::eval::Bindings;
use crate::ir::{Constant, Graph, Id, Index, Node, Rational};
use crate::precise::{Precise, pi};

/// The value of `id` at `bindings` (and the free indices' values), or `None` where this
/// evaluator has none to 256 bits (a trigonometric function of an argument beyond `2^60`).
pub fn exact(
    graph: &Graph,
    id: Id,
    bindings: &Bindings,
    indices: &HashMap<Index, usize>,
) -> Result<Option<Precise>, EngineError> {
    Exact::new(graph).at(id, bindings, indices)
}

/// The exact evaluator of one graph, for values at many points.
pub struct Exact<'g> {
    graph: &'g Graph,
    index_free: Vec<bool>,
}

impl<'g> Exact<'g> {
    /// The evaluator of `graph`.
    pub fn new(graph: &'g Graph) -> Self {
        Exact { graph, index_free: index_free(graph) }
    }

    /// The value of `id` at `bindings` and the free indices' values; see [`exact`].
    pub fn at(
        &self,
        id: Id,
        bindings: &Bindings,
        indices: &HashMap<Index, usize>,
    ) -> Result<Option<Precise>, EngineError> {
        let mut indices = indices.clone();
        let mut evaluator =
            Evaluator { graph: self.graph, bindings, memo: HashMap::new(), index_free: &self.index_free, input: None };
        evaluator.value(id, &mut indices)
    }

    /// The value of `id` with `input` at `value`, which may lie far beyond `f64`'s range
    /// (`2^{2^{40}}`, where an analysis tells a slow growth from a limit), the other names bound
    /// by `bindings`.
    pub fn at_input(&self, id: Id, bindings: &Bindings, input: &str, value: Precise) -> Option<Precise> {
        let mut evaluator = Evaluator {
            graph: self.graph,
            bindings,
            memo: HashMap::new(),
            index_free: &self.index_free,
            input: Some((input, value)),
        };
        evaluator.value(id, &mut HashMap::new()).ok().flatten()
    }
}

struct Evaluator<'g> {
    graph: &'g Graph,
    bindings: &'g Bindings,
    /// Values of nodes that depend on no index, computed once.
    memo: HashMap<Id, Option<Precise>>,
    /// Whether each node (by arena position) depends on no index.
    index_free: &'g [bool],
    /// An input bound to a value that need not be an `f64`.
    input: Option<(&'g str, Precise)>,
}

/// Whether each node depends on no index: no element, delta or sum below it.
fn index_free(graph: &Graph) -> Vec<bool> {
    let mut free = Vec::with_capacity(graph.len());
    for index in 0..graph.len() {
        let id = graph.id_at(index);
        let own = match graph.node(id) {
            Node::Element(..) | Node::Delta(..) | Node::Sum(..) | Node::LogSumExp(..) => false,
            _ => graph.children(id).iter().all(|child| free[child.index()]),
        };
        free.push(own);
    }
    free
}

fn rational(value: Rational) -> Precise {
    let (numerator, denominator) = (*value.numer(), *value.denom());
    let part = |n: i128| -> Precise {
        // Exactly, in two 64-bit halves.
        let magnitude = n.unsigned_abs();
        let high = Precise::from_u64((magnitude >> 64) as u64).scale(64);
        let value = high.add(&Precise::from_u64(magnitude as u64));
        if n < 0 { value.neg() } else { value }
    };
    part(numerator).div(&part(denominator))
}

fn truth(holds: bool) -> Precise {
    if holds { Precise::one() } else { Precise::ZERO }
}

impl Evaluator<'_> {
    fn value(&mut self, id: Id, indices: &mut HashMap<Index, usize>) -> Result<Option<Precise>, EngineError> {
        let cacheable = self.index_free[id.index()];
        if cacheable && let Some(value) = self.memo.get(&id) {
            return Ok(*value);
        }
        let value = self.compute(id, indices)?;
        if cacheable {
            self.memo.insert(id, value);
        }
        Ok(value)
    }

    fn compute(&mut self, id: Id, indices: &mut HashMap<Index, usize>) -> Result<Option<Precise>, EngineError> {
        let graph = self.graph;
        let get =
            |evaluator: &mut Self, child: Id, indices: &mut HashMap<Index, usize>| evaluator.value(child, indices);
        Ok(Some(match graph.node(id).clone() {
            Node::Number(value) => rational(value),
            Node::Float(bits) => Precise::from_f64(f64::from_bits(bits)),
            Node::Constant(Constant::Pi) => pi(),
            Node::Constant(Constant::E) => Precise::one().exp(),
            Node::Symbol(name) if self.input.is_some_and(|(input, _)| input == name) => {
                self.input.map_or(Precise::NAN, |(_, value)| value)
            }
            Node::Symbol(name) => match self.bindings.scalars.get(&name) {
                Some(&value) => Precise::from_f64(value),
                None => {
                    // n and m: the lengths, as the f64 evaluator binds them.
                    let value = crate::eval::evaluate(graph, id, self.bindings, indices)?;
                    Precise::from_f64(value)
                }
            },
            Node::Element(..) | Node::Delta(..) => {
                // Inputs are exact floats; the f64 evaluator reads them.
                Precise::from_f64(crate::eval::evaluate(graph, id, self.bindings, indices)?)
            }
            Node::Add(terms) => {
                let mut total = Precise::ZERO;
                for term in terms {
                    let Some(value) = get(self, term, indices)? else { return Ok(None) };
                    total = total.add(&value);
                }
                total
            }
            Node::Mul(factors) => {
                let mut product = Precise::one();
                for factor in factors {
                    let Some(value) = get(self, factor, indices)? else { return Ok(None) };
                    product = product.mul(&value);
                }
                product
            }
            Node::Pow(base, exponent) => {
                let Some(base_value) = get(self, base, indices)? else { return Ok(None) };
                match graph.rational(exponent) {
                    Some(value) if value.is_integer() && value.numer().abs() < 1 << 20 => {
                        base_value.powi(*value.numer() as i64)
                    }
                    Some(value) if *value.denom() == 2 => {
                        let root = base_value.sqrt();
                        root.powi(*value.numer() as i64)
                    }
                    _ => {
                        let Some(exponent) = get(self, exponent, indices)? else { return Ok(None) };
                        base_value.powf(&exponent)
                    }
                }
            }
            Node::Apply(func, argument) => {
                let Some(argument) = get(self, argument, indices)? else { return Ok(None) };
                return Ok(func.exact(&argument));
            }
            Node::Max(a, b) | Node::Min(a, b) => {
                let (Some(a_value), Some(b_value)) = (get(self, a, indices)?, get(self, b, indices)?) else {
                    return Ok(None);
                };
                let a_first = match graph.node(id) {
                    Node::Max(..) => a_value.compare(&b_value).is_some_and(|order| order.is_ge()),
                    _ => a_value.compare(&b_value).is_some_and(|order| order.is_le()),
                };
                if a_first || a_value.is_nan() { a_value } else { b_value }
            }
            Node::Compare(op, a, b) => {
                let (Some(a), Some(b)) = (get(self, a, indices)?, get(self, b, indices)?) else { return Ok(None) };
                truth(op.holds(&a, &b))
            }
            Node::And(conditions) => {
                for condition in conditions {
                    let Some(value) = get(self, condition, indices)? else { return Ok(None) };
                    if value.is_zero() {
                        return Ok(Some(Precise::ZERO));
                    }
                }
                Precise::one()
            }
            // Mathematically the exact form, which cancels: `x - \tanh x` loses `2 log2(1/x)`
            // bits, all 256 below 2^-128. Below 2^-26 the series' truncation (its first omitted
            // term is `x^{13}` against `x^3`) is under 2^-260, and it is taken instead.
            Node::NearZero { argument, series, exact } => {
                let Some(argument) = get(self, argument, indices)? else { return Ok(None) };
                let small = argument.abs().compare(&Precise::one().scale(-26)).is_some_and(|order| order.is_lt());
                return get(self, if small { series } else { exact }, indices);
            }
            // The computed form is the one written not to cancel (a conjugate): at 256 bits too it
            // keeps digits the exact one loses (`\sqrt{x^2 + 1} - x` at 10^{100}).
            Node::ComputedAs { computed, .. } => return get(self, computed, indices),
            Node::Select { condition, then, otherwise } => {
                let Some(condition) = get(self, condition, indices)? else { return Ok(None) };
                return get(self, if condition.is_zero() { otherwise } else { then }, indices);
            }
            Node::Sum(index, body) => {
                let length = self.length(index, body)?;
                let saved = indices.get(&index).copied();
                let mut total = Precise::ZERO;
                for position in 0..length {
                    indices.insert(index, position);
                    let Some(value) = get(self, body, indices)? else { return Ok(None) };
                    total = total.add(&value);
                }
                restore(indices, index, saved);
                total
            }
            Node::LogSumExp(index, exponent) => {
                let length = self.length(index, exponent)?;
                let saved = indices.get(&index).copied();
                let mut total = Precise::ZERO;
                for position in 0..length {
                    indices.insert(index, position);
                    let Some(value) = get(self, exponent, indices)? else { return Ok(None) };
                    total = total.add(&value.exp());
                }
                restore(indices, index, saved);
                total.ln()
            }
            Node::XLogY(y, x) => {
                let Some(y) = get(self, y, indices)? else { return Ok(None) };
                if y.is_zero() {
                    Precise::ZERO
                } else {
                    let Some(x) = get(self, x, indices)? else { return Ok(None) };
                    y.mul(&x.ln())
                }
            }
        }))
    }

    fn length(&self, index: Index, body: Id) -> Result<usize, EngineError> {
        let length = self.graph.length_of(body, index);
        self.bindings.length(length).ok_or_else(|| EngineError::new("no vector length: bind a vector input"))
    }
}

fn restore(indices: &mut HashMap<Index, usize>, index: Index, saved: Option<usize>) {
    match saved {
        Some(position) => indices.insert(index, position),
        None => indices.remove(&index),
    };
}
