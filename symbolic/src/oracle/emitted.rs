//! A form's value as the generated code computes it: the IR compiled to a [`Tape`] of `f32` or
//! `f64` operations that make the emitter's choices, run with the runtime's own elementary
//! functions (`texgrad-math`) at a level (fused multiply-adds or not):
//!
//! - sums as the emitter writes them: the positive terms first, in order, then the negative ones
//!   subtracted;
//! - products with their constants folded into one correctly rounded literal and their negative
//!   powers as one division;
//! - the function families lowered as the emitter lowers them: `σ(u)σ(-u)` as one call,
//!   `1/\cosh^2 u` as `sech^2 u`, the Gaussian of `erfc(cu)`, `Φ(u)` and `e^{ku^2}` from `u` with
//!   the square exact;
//! - both sides of a choice computed and one kept, as the vector loops do.
//!
//! It follows the tree, not the emitted `let`s: where the emitter names a shared node the
//! rounding is the same, but a named power with a negative exponent is divided once instead of
//! folded into its product's denominator. Within a rounding or two, this is the generated code;
//! compiled once per form, it runs at a few nanoseconds an operation, so that the oracle can
//! afford every sample point.

use std::collections::HashMap;

use texgrad_math::Float;
use texgrad_math::dispatch::Arch;

use crate::constant::{self, DoubleDouble};
use crate::emit::{
    QuotientPowers, constant_terms, gaussian_of, quotient_powers, rational_literals, scaled, sigmoid_pair,
    split_coefficient,
};
use crate::eval::Bindings;
use crate::ir::{Compare, Constant, Func, Graph, Id, Node, Rational};

/// A slot of the tape: the value of an earlier operation.
type Slot = usize;

/// One operation of a [`Tape`].
#[derive(Clone, Debug)]
enum Op<F> {
    /// The input.
    Input,
    /// A literal, or a name bound to a value.
    Constant(F),
    /// `positive[0] + positive[1] + ... - negative[0] - ...`, each negative term scaled by its
    /// literal where it has one.
    Sum {
        positive: Vec<Slot>,
        negative: Vec<(Option<F>, Slot)>,
    },
    /// `(numerator[0] * numerator[1] * ...) / (denominator[0] * ...)`, negated if asked.
    Product {
        numerator: Vec<Slot>,
        denominator: Vec<Slot>,
        negate: bool,
    },
    Powi(Slot, i32),
    Sqrt(Slot),
    Powf(Slot, Slot),
    /// A function of the table, through the runtime.
    Call(Func, Slot),
    /// `e^{k u^2}` with the square exact.
    Gaussian(Slot, F),
    /// `erfc(x)`, `erf(x)` or `Φ(x)` given the Gaussian factor of its argument.
    GivenGaussian(Func, Slot, Slot),
    SigmoidDerivative(Slot),
    Sech2(Slot),
    Maximum(Slot, Slot),
    Minimum(Slot, Slot),
    XLogY(Slot, Slot),
    Compare(Compare, Slot, Slot),
    And(Vec<Slot>),
    /// `series` where `|argument| < 1/10`, else `exact`.
    NearZero {
        argument: Slot,
        series: Slot,
        exact: Slot,
    },
    Select {
        condition: Slot,
        then: Slot,
        otherwise: Slot,
    },
}

/// A scalar form of one input compiled for evaluation in `F`.
#[derive(Clone, Debug)]
pub struct Tape<F> {
    ops: Vec<Op<F>>,
}

fn literal<F: Float>(value: DoubleDouble) -> F {
    F::literal(value.to_f32(), value.to_f64())
}

impl<F: Float> Tape<F> {
    /// The form at `root` as a function of `input`, the other names bound as in `bindings`;
    /// `None` for what has no scalar value here (vector elements, sums over an index, an unbound
    /// name).
    pub fn compile(graph: &Graph, root: Id, input: &str, bindings: &Bindings) -> Option<Tape<F>> {
        let mut compiler = Compiler { graph, input, bindings, ops: Vec::new(), slots: HashMap::new() };
        compiler.slot(root)?;
        Some(Tape { ops: compiler.ops })
    }

    /// The value at `x` at level `A`; `values` is scratch space, reused between calls.
    pub fn evaluate<A: Arch>(&self, x: F, values: &mut Vec<F>) -> F {
        values.clear();
        for op in &self.ops {
            let value = |slot: &Slot| values[*slot];
            let result = match op {
                Op::Input => x,
                Op::Constant(value) => *value,
                Op::Sum { positive, negative } => {
                    let mut total = positive.first().map_or_else(F::zero, value);
                    for term in positive.iter().skip(1) {
                        total += value(term);
                    }
                    for (scale, term) in negative {
                        total -= match scale {
                            Some(scale) => *scale * value(term),
                            None => value(term),
                        };
                    }
                    total
                }
                Op::Product { numerator, denominator, negate } => {
                    let mut top = numerator.first().map_or_else(F::one, value);
                    for factor in numerator.iter().skip(1) {
                        top *= value(factor);
                    }
                    let result = match denominator.split_first() {
                        None => top,
                        Some((first, rest)) => {
                            let mut bottom = value(first);
                            for factor in rest {
                                bottom *= value(factor);
                            }
                            top / bottom
                        }
                    };
                    if *negate { -result } else { result }
                }
                Op::Powi(base, n) => value(base).powi(*n),
                Op::Sqrt(base) => value(base).sqrt(),
                Op::Powf(base, exponent) => value(base).powf(value(exponent)),
                Op::Call(func, argument) => func.value::<F, A>(value(argument)),
                Op::Gaussian(u, k) => texgrad_math::exp_scaled_square::<F, A>(value(u), *k),
                Op::GivenGaussian(func, x, factor) => {
                    let (x, factor) = (value(x), value(factor));
                    match func {
                        Func::Erfc => texgrad_math::erfc_given_gaussian::<F, A>(x, factor),
                        Func::Erf => texgrad_math::erf_given_gaussian::<F, A>(x, factor),
                        _ => texgrad_math::phi_given_gaussian::<F, A>(x, factor),
                    }
                }
                Op::SigmoidDerivative(u) => texgrad_math::sigmoid_derivative::<F, A>(value(u)),
                Op::Sech2(u) => texgrad_math::tanh_and_sech2::<F, A>(value(u)).1,
                Op::Maximum(a, b) => F::maximum(value(a), value(b)),
                Op::Minimum(a, b) => F::minimum(value(a), value(b)),
                Op::XLogY(y, x) => texgrad_math::xlogy::<F, A>(value(y), value(x)),
                Op::Compare(op, a, b) => {
                    if op.holds(&value(a), &value(b)) {
                        F::one()
                    } else {
                        F::zero()
                    }
                }
                Op::And(conditions) => {
                    let holds = conditions.iter().all(|condition| value(condition) != F::zero());
                    if holds { F::one() } else { F::zero() }
                }
                Op::NearZero { argument, series, exact } => {
                    if value(argument).abs() < F::literal(0.1, 0.1) {
                        value(series)
                    } else {
                        value(exact)
                    }
                }
                Op::Select { condition, then, otherwise } => {
                    if value(condition) != F::zero() {
                        value(then)
                    } else {
                        value(otherwise)
                    }
                }
            };
            values.push(result);
        }
        values.last().copied().unwrap_or_else(F::zero)
    }
}

struct Compiler<'g, F> {
    graph: &'g Graph,
    input: &'g str,
    bindings: &'g Bindings,
    ops: Vec<Op<F>>,
    slots: HashMap<Id, Slot>,
}

impl<F: Float> Compiler<'_, F> {
    fn push(&mut self, op: Op<F>) -> Slot {
        self.ops.push(op);
        self.ops.len() - 1
    }

    fn constant(&mut self, value: F) -> Slot {
        self.push(Op::Constant(value))
    }

    fn slot(&mut self, id: Id) -> Option<Slot> {
        if let Some(&slot) = self.slots.get(&id) {
            return Some(slot);
        }
        let slot = self.compile(id)?;
        self.slots.insert(id, slot);
        Some(slot)
    }

    fn compile(&mut self, id: Id) -> Option<Slot> {
        let graph = self.graph;
        let node = graph.node(id).clone();
        let leaf = matches!(node, Node::Number(_) | Node::Float(_) | Node::Constant(_) | Node::Symbol(_));
        if !leaf && let Some(value) = constant::fold(graph, id) {
            return Some(self.constant(literal(value)));
        }
        Some(match node {
            Node::Number(value) => {
                let (single, double) = rational_literals(value);
                self.constant(F::literal(single, double))
            }
            Node::Float(bits) => {
                let double = f64::from_bits(bits);
                self.constant(F::literal(double as f32, double))
            }
            Node::Constant(Constant::E) => self.constant(F::literal(std::f32::consts::E, std::f64::consts::E)),
            Node::Constant(Constant::Pi) => self.constant(F::literal(std::f32::consts::PI, std::f64::consts::PI)),
            Node::Symbol(name) if name == self.input => self.push(Op::Input),
            Node::Symbol(name) => {
                let value = F::from_f64(*self.bindings.scalars.get(&name)?);
                self.constant(value)
            }
            Node::Element(..) | Node::Delta(..) | Node::Sum(..) | Node::LogSumExp(..) => return None,
            Node::Add(terms) => {
                let mut positive = Vec::new();
                let mut negative = Vec::new();
                let constants = constant_terms(graph, &terms);
                for (position, &term) in terms.iter().enumerate() {
                    if let Some((first, total)) = constants {
                        if position == first {
                            if total.to_f64() < 0.0 {
                                let magnitude = self.constant(literal(total.negated()));
                                negative.push((None, magnitude));
                            } else {
                                positive.push(self.constant(literal(total)));
                            }
                        }
                        if constant::fold(graph, term).is_some() {
                            continue;
                        }
                    }
                    let (coefficient, rest) = split_coefficient(graph, term);
                    if *coefficient.numer() < 0 {
                        let coefficient = -coefficient;
                        let scale = (coefficient != Rational::from_integer(1)).then(|| {
                            let (single, double) = rational_literals(coefficient);
                            F::literal(single, double)
                        });
                        negative.push((scale, self.slot(rest)?));
                    } else {
                        positive.push(self.slot(term)?);
                    }
                }
                self.push(Op::Sum { positive, negative })
            }
            Node::Mul(_) | Node::Pow(..) => self.product(id)?,
            Node::Apply(func, argument) => self.apply(func, argument)?,
            Node::Max(a, b) => {
                let (a, b) = (self.slot(a)?, self.slot(b)?);
                self.push(Op::Maximum(a, b))
            }
            Node::Min(a, b) => {
                let (a, b) = (self.slot(a)?, self.slot(b)?);
                self.push(Op::Minimum(a, b))
            }
            Node::XLogY(y, x) => {
                let (y, x) = (self.slot(y)?, self.slot(x)?);
                self.push(Op::XLogY(y, x))
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (self.slot(a)?, self.slot(b)?);
                self.push(Op::Compare(op, a, b))
            }
            Node::And(conditions) => {
                let conditions = conditions.into_iter().map(|condition| self.slot(condition)).collect::<Option<_>>()?;
                self.push(Op::And(conditions))
            }
            Node::NearZero { argument, series, exact } => {
                let (argument, series, exact) = (self.slot(argument)?, self.slot(series)?, self.slot(exact)?);
                self.push(Op::NearZero { argument, series, exact })
            }
            Node::ComputedAs { computed, .. } => self.slot(computed)?,
            Node::Select { condition, then, otherwise } => {
                let (condition, then, otherwise) = (self.slot(condition)?, self.slot(then)?, self.slot(otherwise)?);
                self.push(Op::Select { condition, then, otherwise })
            }
        })
    }

    /// `e^{k u^2}`, the square exact.
    fn gaussian(&mut self, u: Id, k: DoubleDouble) -> Option<Slot> {
        let u = self.slot(u)?;
        Some(self.push(Op::Gaussian(u, literal(k))))
    }

    fn apply(&mut self, func: Func, argument: Id) -> Option<Slot> {
        let graph = self.graph;
        if func == Func::Exp
            && let Some((u, k)) = gaussian_of(graph, argument)
        {
            return self.gaussian(u, k);
        }
        let factor = match func {
            Func::Erfc | Func::Erf => {
                let (c, u) = scaled(graph, argument);
                Some(self.gaussian(u, c.times(c).negated())?)
            }
            Func::Phi => Some(self.gaussian(argument, DoubleDouble::from_f64(-0.5))?),
            _ => None,
        };
        let x = self.slot(argument)?;
        Some(match factor {
            Some(factor) => self.push(Op::GivenGaussian(func, x, factor)),
            None => self.push(Op::Call(func, x)),
        })
    }

    /// A product as the emitter writes it: `σ(u)σ(-u)` as one call, the constants as one
    /// literal, the numerator's factors in order, then one division by the denominator's.
    fn product(&mut self, id: Id) -> Option<Slot> {
        let graph = self.graph;
        let mut factors = match graph.node(id) {
            Node::Mul(factors) => factors.clone(),
            _ => vec![id],
        };
        let mut numerator = Vec::new();
        let mut denominator = Vec::new();
        if let Some((first, second, argument)) = sigmoid_pair(graph, &factors) {
            let argument = self.slot(argument)?;
            numerator.push(self.push(Op::SigmoidDerivative(argument)));
            let (high, low) = (first.max(second), first.min(second));
            factors.remove(high);
            factors.remove(low);
        }
        let QuotientPowers { pairs, exponents } = quotient_powers(graph, &factors);
        for (top, bottom, k) in pairs {
            let (top, bottom) = (self.slot(top)?, self.slot(bottom)?);
            let quotient = self.push(Op::Product { numerator: vec![top], denominator: vec![bottom], negate: false });
            numerator.push(self.power(quotient, Rational::from_integer(i128::from(k))));
        }
        let mut constant_part: Option<DoubleDouble> = None;
        for (position, &factor) in factors.iter().enumerate() {
            if let Some(&exponent) = exponents.get(&position) {
                let Node::Pow(base, _) = graph.node(factor) else { continue };
                let base_slot = self.slot(*base)?;
                match *exponent.numer() {
                    0 => {}
                    n if n < 0 => denominator.push(self.power(base_slot, -exponent)),
                    _ => numerator.push(self.power(base_slot, exponent)),
                }
                continue;
            }
            if let Some(value) = constant::fold(graph, factor) {
                constant_part = Some(constant_part.map_or(value, |product| product.times(value)));
                continue;
            }
            match graph.node(factor) {
                Node::Pow(base, exponent) => {
                    let exponent_value = graph.rational(*exponent);
                    if exponent_value == Some(Rational::from_integer(-2))
                        && let Node::Apply(Func::Cosh, argument) = graph.node(*base)
                    {
                        let argument = self.slot(*argument)?;
                        numerator.push(self.push(Op::Sech2(argument)));
                        continue;
                    }
                    let base_slot = self.slot(*base)?;
                    match exponent_value {
                        Some(value) if *value.numer() < 0 => denominator.push(self.power(base_slot, -value)),
                        Some(value) => numerator.push(self.power(base_slot, value)),
                        None => {
                            let exponent = self.slot(*exponent)?;
                            numerator.push(self.push(Op::Powf(base_slot, exponent)));
                        }
                    }
                }
                _ => numerator.push(self.slot(factor)?),
            }
        }
        let mut negate = false;
        if let Some(value) = constant_part {
            let magnitude = if value.to_f64() < 0.0 {
                negate = true;
                value.negated()
            } else {
                value
            };
            if magnitude.to_f64() != 1.0 {
                numerator.insert(0, self.constant(literal(magnitude)));
            }
        }
        if numerator.len() == 1 && denominator.is_empty() && !negate {
            return Some(numerator[0]);
        }
        Some(self.push(Op::Product { numerator, denominator, negate }))
    }

    /// `base^value` for a positive rational, as the emitter writes it.
    fn power(&mut self, base: Slot, value: Rational) -> Slot {
        if value == Rational::from_integer(1) {
            return base;
        }
        if value == Rational::new(1, 2) {
            return self.push(Op::Sqrt(base));
        }
        if value.is_integer()
            && let Ok(n) = i32::try_from(*value.numer())
        {
            return self.push(Op::Powi(base, n));
        }
        let (single, double) = rational_literals(value);
        let exponent = self.constant(F::literal(single, double));
        self.push(Op::Powf(base, exponent))
    }
}
