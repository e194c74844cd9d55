//! Interval arithmetic over the IR: an enclosure of every value a scalar expression takes while
//! its input ranges over an interval (the whole real line for a range), with every bound rounded
//! outward, so that a bound the analysis finds by sampling can be proved. Enclosures are sound
//! but may be loose: `x \Phi(x)` over the real line gives `(-∞, ∞)`, because the two factors are
//! bounded separately; then the analysis keeps its sampled bound.
//!
//! Functions of the table are evaluated at the bounds to 256 bits ([`crate::precise::Precise`])
//! and rounded one float outward; monotone ones map bounds to bounds, the others have their
//! known extremes (`\cosh` through `|x|`, `\sin` and `\cos` within [-1, 1]).

use std::collections::HashMap;

use crate::ir::{Compare, Constant, Func, Graph, Id, Node};
use crate::precise::Precise;
use crate::program::Bindings;

/// A closed interval of the extended reals, `low ≤ high`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The lower bound (may be -∞).
    pub low: f64,
    /// The upper bound (may be +∞).
    pub high: f64,
}

impl Interval {
    /// The real line.
    pub const REAL: Interval = Interval { low: f64::NEG_INFINITY, high: f64::INFINITY };

    fn new(low: f64, high: f64) -> Option<Interval> {
        (!low.is_nan() && !high.is_nan() && low <= high).then_some(Interval { low, high })
    }

    /// A number known only to the nearest float: one float either way.
    fn around(value: f64) -> Option<Interval> {
        Interval::new(value.next_down(), value.next_up())
    }

    fn contains_zero(&self) -> bool {
        self.low <= 0.0 && self.high >= 0.0
    }

    fn add(self, other: Interval) -> Option<Interval> {
        // A sum with an exact 0 is exact: no rounding (so that `0 + [0, 1]` stays `[0, 1]`).
        let sum = |a: f64, b: f64, up: bool| {
            if a == 0.0 || b == 0.0 { a + b } else { outward(a + b, up) }
        };
        Interval::new(sum(self.low, other.low, false), sum(self.high, other.high, true))
    }

    fn mul(self, other: Interval) -> Option<Interval> {
        // 0 times an infinite bound is 0: the bound is a limit, and the product of the limits
        // of the other factor's finite values.
        // A product with a 0 (or ±1) factor is exact and is not rounded, so that a product of
        // non-negative factors keeps 0 as its bound (what proves a derivative's sign).
        let product = |a: f64, b: f64, up: bool| {
            if a == 0.0 || b == 0.0 {
                0.0
            } else if a.abs() == 1.0 || b.abs() == 1.0 {
                a * b
            } else {
                outward(a * b, up)
            }
        };
        let pairs = [(self.low, other.low), (self.low, other.high), (self.high, other.low), (self.high, other.high)];
        let low = pairs.iter().map(|&(a, b)| product(a, b, false)).fold(f64::INFINITY, f64::min);
        let high = pairs.iter().map(|&(a, b)| product(a, b, true)).fold(f64::NEG_INFINITY, f64::max);
        Interval::new(low, high)
    }

    fn hull(self, other: Interval) -> Interval {
        Interval { low: self.low.min(other.low), high: self.high.max(other.high) }
    }

    /// `1 / self`: the real line where `self` contains 0 inside; one side where 0 is a bound.
    fn recip(self) -> Option<Interval> {
        // The reciprocal keeps the sign: rounding outward never crosses 0.
        if self.low > 0.0 {
            Interval::new((1.0 / self.high).next_down().max(0.0), (1.0 / self.low).next_up())
        } else if self.high < 0.0 {
            Interval::new((1.0 / self.high).next_down(), (1.0 / self.low).next_up().min(0.0))
        } else if self.low == 0.0 && self.high > 0.0 {
            Interval::new((1.0 / self.high).next_down(), f64::INFINITY)
        } else if self.high == 0.0 && self.low < 0.0 {
            Interval::new(f64::NEG_INFINITY, (1.0 / self.low).next_up())
        } else {
            Some(Interval::REAL)
        }
    }
}

/// One float down or up (twice for a result of `powf`, which is within an ULP, not exact).
fn outward(value: f64, up: bool) -> f64 {
    if up { value.next_up() } else { value.next_down() }
}

/// `func` at `x` to 256 bits, rounded one float down or up. At ±∞, the value at ±`f64::MAX`,
/// where every function of the table has settled to its limit far below an ULP, or has left
/// for infinity.
fn at(func: Func, x: f64, up: bool) -> Option<f64> {
    let finite = if x.is_infinite() { f64::MAX.copysign(x) } else { x };
    let value = func.exact(&Precise::from_f64(finite))?.to_f64();
    if value.is_nan() {
        return None;
    }
    if x.is_infinite() && (value.is_infinite() || value.abs() > 1e300) {
        return Some(f64::INFINITY.copysign(value));
    }
    Some(outward(value, up))
}

/// A monotone function's image: increasing maps bounds to bounds, decreasing swaps them.
fn monotone(func: Func, argument: Interval, increasing: bool) -> Option<Interval> {
    let (low, high) = (at(func, argument.low, !increasing)?, at(func, argument.high, increasing)?);
    if increasing { Interval::new(low, high) } else { Interval::new(high, low) }
}

/// An enclosure of `root` while `input` ranges over `domain`, the other names as in `bindings`;
/// `None` for what has no enclosure here (vectors, an unbound name, a function outside its
/// domain everywhere).
pub fn enclose(graph: &Graph, root: Id, input: &str, bindings: &Bindings, domain: Interval) -> Option<Interval> {
    let mut enclosure = Enclosure { graph, input, bindings, domain, memo: HashMap::new() };
    enclosure.of(root)
}

struct Enclosure<'a> {
    graph: &'a Graph,
    input: &'a str,
    bindings: &'a Bindings,
    domain: Interval,
    memo: HashMap<Id, Option<Interval>>,
}

impl Enclosure<'_> {
    fn of(&mut self, id: Id) -> Option<Interval> {
        if let Some(done) = self.memo.get(&id) {
            return *done;
        }
        let result = self.compute(id);
        self.memo.insert(id, result);
        result
    }

    fn compute(&mut self, id: Id) -> Option<Interval> {
        match self.graph.node(id).clone() {
            Node::Number(value) => {
                let value = Graph::rational_to_f64(value);
                if value.fract() == 0.0 && value.abs() < 2f64.powi(53) {
                    Interval::new(value, value)
                } else {
                    Interval::around(value)
                }
            }
            Node::Float(bits) => {
                let value = f64::from_bits(bits);
                Interval::new(value, value)
            }
            Node::Constant(Constant::E) => Interval::around(std::f64::consts::E),
            Node::Constant(Constant::Pi) => Interval::around(std::f64::consts::PI),
            Node::Symbol(name) if name == self.input => Some(self.domain),
            Node::Symbol(name) => self.bindings.scalars.get(&name).and_then(|&value| Interval::new(value, value)),
            Node::Add(terms) => {
                let mut total = Interval { low: 0.0, high: 0.0 };
                for term in terms {
                    total = total.add(self.of(term)?)?;
                }
                Some(total)
            }
            Node::Mul(factors) => {
                let mut total = Interval { low: 1.0, high: 1.0 };
                for factor in factors {
                    total = total.mul(self.of(factor)?)?;
                }
                Some(total)
            }
            Node::Pow(base, exponent) => self.power(base, exponent),
            Node::Apply(func, argument) => self.function(func, argument),
            Node::Max(a, b) => {
                let (a, b) = (self.of(a)?, self.of(b)?);
                Interval::new(a.low.max(b.low), a.high.max(b.high))
            }
            Node::Min(a, b) => {
                let (a, b) = (self.of(a)?, self.of(b)?);
                Interval::new(a.low.min(b.low), a.high.min(b.high))
            }
            // Either branch may be taken: the hull of both, each over the part of the domain
            // where it is taken when the condition compares the input with a constant
            // (`x \ge 0`), over the whole domain otherwise (loose, never wrong).
            Node::Select { condition, then, otherwise } => {
                let (then_domain, otherwise_domain) = self.split(condition);
                let mut branch = |id: Id, domain: Option<Interval>| -> Option<Option<Interval>> {
                    match domain {
                        None => Some(None),
                        Some(domain) if domain == self.domain => self.of(id).map(Some),
                        Some(domain) => {
                            let mut inner = Enclosure {
                                graph: self.graph,
                                input: self.input,
                                bindings: self.bindings,
                                domain,
                                memo: HashMap::new(),
                            };
                            inner.of(id).map(Some)
                        }
                    }
                };
                match (branch(then, then_domain)?, branch(otherwise, otherwise_domain)?) {
                    (Some(a), Some(b)) => Some(a.hull(b)),
                    (Some(a), None) | (None, Some(a)) => Some(a),
                    (None, None) => None,
                }
            }
            Node::NearZero { exact, .. } | Node::ComputedAs { exact, .. } => self.of(exact),
            Node::XLogY(y, x) => {
                let (y, x) = (self.of(y)?, self.of(x)?);
                let ln_x = self.function_of(Func::Ln, x)?;
                let product = y.mul(ln_x)?;
                Some(if y.contains_zero() { product.hull(Interval { low: 0.0, high: 0.0 }) } else { product })
            }
            Node::Element(..)
            | Node::Sum(..)
            | Node::Delta(..)
            | Node::LogSumExp(..)
            | Node::Compare(..)
            | Node::And(..) => None,
        }
    }

    /// The parts of the domain where `condition` holds and where it does not (`None` for an
    /// empty part), for a comparison of the input with a threshold that does not depend on it (a
    /// constant, a parameter, `-\lambda`); the whole domain for both otherwise. A threshold known
    /// only to an interval `[c_low, c_high]` splits at its ends (each part a superset).
    fn split(&self, condition: Id) -> (Option<Interval>, Option<Interval>) {
        let whole = (Some(self.domain), Some(self.domain));
        let Node::Compare(compare, a, b) = self.graph.node(condition).clone() else { return whole };
        let is_input = |id: Id| matches!(self.graph.node(id), Node::Symbol(name) if name == self.input);
        // `x ≥ c` holds above c; `c ≥ x` below it.
        let (above, c) = match (is_input(a), is_input(b)) {
            (true, false) => (matches!(compare, Compare::Greater | Compare::GreaterEqual), self.threshold(b)),
            (false, true) => (matches!(compare, Compare::Less | Compare::LessEqual), self.threshold(a)),
            _ => return whole,
        };
        let Some(c) = c.filter(|c| c.low.is_finite() && c.high.is_finite()) else { return whole };
        if matches!(compare, Compare::Equal | Compare::NotEqual) {
            return whole;
        }
        // The part above c, and the part below it; for a threshold known exactly, a part that is
        // only the point c is empty where the comparison puts c on the other side (`x \le 0`
        // over (-∞, 0] is never false).
        let exact = c.low == c.high;
        let strict = matches!(compare, Compare::Greater | Compare::Less);
        let c_above = above != strict;
        let upper = Interval::new(self.domain.low.max(c.low), self.domain.high)
            .filter(|part| !exact || c_above || part.high > c.low);
        let lower = Interval::new(self.domain.low, self.domain.high.min(c.high))
            .filter(|part| !exact || !c_above || part.low < c.high);
        if above { (upper, lower) } else { (lower, upper) }
    }

    /// An enclosure of `id` where it does not depend on the input (`None` where it does).
    fn threshold(&self, id: Id) -> Option<Interval> {
        if let Some(value) = crate::constant::fold(self.graph, id) {
            let value = value.to_f64();
            return Interval::new(value, value);
        }
        let mut stack = vec![id];
        while let Some(node) = stack.pop() {
            match self.graph.node(node) {
                Node::Symbol(name) if name == self.input => return None,
                Node::Element(..) | Node::Sum(..) | Node::LogSumExp(..) => return None,
                _ => stack.extend(self.graph.children(node)),
            }
        }
        let mut free = Enclosure {
            graph: self.graph,
            input: self.input,
            bindings: self.bindings,
            domain: self.domain,
            memo: HashMap::new(),
        };
        free.of(id)
    }

    fn power(&mut self, base: Id, exponent: Id) -> Option<Interval> {
        let exponent = self.graph.rational(exponent)?;
        let mut base = self.of(base)?;
        let power = Graph::rational_to_f64(exponent).abs();
        // |x|^p, rounded two floats outward (`powf` is within an ULP).
        let magnitude = |x: f64, up: bool| outward(outward(x.abs().powf(power), up), up).max(0.0);
        let integer = exponent.is_integer();
        if !integer {
            // A fractional power is defined for x ≥ 0 only.
            if base.high < 0.0 {
                return None;
            }
            base.low = base.low.max(0.0);
        }
        let positive = if integer && exponent.numer() % 2 != 0 {
            // An odd power keeps the sign and is increasing.
            let signed = |x: f64, up: bool| {
                let value = x.abs().powf(power).copysign(x);
                outward(outward(value, up), up)
            };
            Interval::new(signed(base.low, false), signed(base.high, true))?
        } else if base.contains_zero() {
            Interval::new(0.0, magnitude(base.low, true).max(magnitude(base.high, true)))?
        } else {
            let (near, far) = if base.low >= 0.0 { (base.low, base.high) } else { (base.high, base.low) };
            Interval::new(magnitude(near, false), magnitude(far, true))?
        };
        if *exponent.numer() < 0 { positive.recip() } else { Some(positive) }
    }

    fn function(&mut self, func: Func, argument: Id) -> Option<Interval> {
        let argument = self.of(argument)?;
        self.function_of(func, argument)
    }

    fn function_of(&self, func: Func, argument: Interval) -> Option<Interval> {
        let image = self.image(func, argument)?;
        // Rounding outward never takes a positive function below 0 (`σ` at -∞ is 0, not -5e-324).
        let positive = matches!(func, Func::Exp | Func::Sigmoid | Func::Softplus | Func::Phi | Func::Erfc | Func::Cosh);
        if positive { Interval::new(image.low.max(0.0), image.high) } else { Some(image) }
    }

    fn image(&self, func: Func, argument: Interval) -> Option<Interval> {
        match func {
            Func::Exp
            | Func::Sinh
            | Func::Tanh
            | Func::Arctan
            | Func::Erf
            | Func::Phi
            | Func::Sigmoid
            | Func::Softplus
            | Func::ExpM1 => monotone(func, argument, true),
            Func::Erfc => monotone(func, argument, false),
            Func::Ln | Func::Ln1p => {
                let edge = if func == Func::Ln { 0.0 } else { -1.0 };
                if argument.high <= edge {
                    return None;
                }
                let low = if argument.low <= edge { f64::NEG_INFINITY } else { at(func, argument.low, false)? };
                Interval::new(low, at(func, argument.high, true)?)
            }
            Func::Arcsin | Func::Arccos => {
                let clipped = Interval::new(argument.low.max(-1.0), argument.high.min(1.0))?;
                monotone(func, clipped, func == Func::Arcsin)
            }
            Func::Abs => {
                if argument.contains_zero() {
                    Interval::new(0.0, argument.low.abs().max(argument.high.abs()))
                } else {
                    Interval::new(
                        argument.low.abs().min(argument.high.abs()),
                        argument.low.abs().max(argument.high.abs()),
                    )
                }
            }
            Func::Cosh => {
                let magnitude = self.function_of(Func::Abs, argument)?;
                monotone(func, magnitude, true)
            }
            Func::Sign => {
                let sign = |x: f64| {
                    if x > 0.0 {
                        1.0
                    } else if x < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                };
                Interval::new(sign(argument.low), sign(argument.high))
            }
            Func::Sin | Func::Cos => Interval::new(-1.0, 1.0),
            Func::Tan => Some(Interval::REAL),
        }
    }
}
