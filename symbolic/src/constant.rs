//! Constant folding for code generation: a subexpression without inputs (`\sqrt{2/\pi}`,
//! `1/\sqrt{2}`, `\ln 2`) becomes one literal per float type, correctly rounded.
//!
//! The value is computed in double-double arithmetic (about 106 bits, Dekker and Knuth's
//! error-free transformations), then rounded once to `f64` and once to `f32`: sums, products,
//! quotients, powers, square roots, π, e, and every function of the table through its exact
//! 256-bit value ([`crate::functions`]) (`\ln \pi`, `\exp(1/3)`, `\operatorname{erf}(1/2)`). A constant whose value
//! is not finite (`\ln 0`) is not folded and is computed at run time instead.

use crate::ir::{Constant, Func, Graph, Id, Node, Rational};
use crate::precise::Precise;

/// A double-double: the unevaluated sum `hi + lo`, with `|lo| ≤ ulp(hi)/2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleDouble {
    hi: f64,
    lo: f64,
}

impl DoubleDouble {
    // The high parts are std's correctly rounded constants; the low parts are the remainders,
    // from mpmath at 60 digits.
    const PI: DoubleDouble = DoubleDouble { hi: std::f64::consts::PI, lo: 1.2246467991473532e-16 };
    const E: DoubleDouble = DoubleDouble { hi: std::f64::consts::E, lo: 1.4456468917292502e-16 };
    const LN_2: DoubleDouble = DoubleDouble { hi: std::f64::consts::LN_2, lo: 2.3190468138462996e-17 };
    const LN_10: DoubleDouble = DoubleDouble { hi: std::f64::consts::LN_10, lo: -2.1707562233822494e-16 };

    /// A float, exactly.
    pub fn from_f64(value: f64) -> DoubleDouble {
        DoubleDouble { hi: value, lo: 0.0 }
    }

    /// An exact rational, to 106 bits.
    fn from_rational(value: Rational) -> Option<DoubleDouble> {
        let (numerator, denominator) = (*value.numer(), *value.denom());
        let split = |n: i128| -> Option<DoubleDouble> {
            // n = hi + lo exactly for |n| < 2^106.
            if n.unsigned_abs() >= 1u128 << 106 {
                return None;
            }
            let hi = n as f64;
            let lo = (n - hi as i128) as f64;
            Some(two_sum(hi, lo))
        };
        Some(split(numerator)?.over(split(denominator)?))
    }

    /// `self + other`.
    pub fn plus(self, other: DoubleDouble) -> DoubleDouble {
        let (sum, error) = two_sum_parts(self.hi, other.hi);
        let (low, low_error) = two_sum_parts(self.lo, other.lo);
        let (hi, lo) = fast_two_sum(sum, error + low);
        let (hi, lo) = fast_two_sum(hi, lo + low_error);
        DoubleDouble { hi, lo }
    }

    /// `-self`.
    pub fn negated(self) -> DoubleDouble {
        DoubleDouble { hi: -self.hi, lo: -self.lo }
    }

    /// `self × other`.
    pub fn times(self, other: DoubleDouble) -> DoubleDouble {
        let (product, error) = two_product(self.hi, other.hi);
        let error = error + (self.hi * other.lo + self.lo * other.hi);
        let (hi, lo) = fast_two_sum(product, error);
        DoubleDouble { hi, lo }
    }

    fn over(self, other: DoubleDouble) -> DoubleDouble {
        // Two Newton steps on the quotient.
        let first = self.hi / other.hi;
        let remainder = self.plus(other.times(DoubleDouble::from_f64(first)).negated());
        let second = remainder.hi / other.hi;
        let remainder = remainder.plus(other.times(DoubleDouble::from_f64(second)).negated());
        let third = remainder.hi / other.hi;
        DoubleDouble::from_f64(first).plus(DoubleDouble::from_f64(second)).plus(DoubleDouble::from_f64(third))
    }

    fn sqrt(self) -> Option<DoubleDouble> {
        if self.hi < 0.0 {
            return None;
        }
        if self.hi == 0.0 {
            return Some(DoubleDouble::from_f64(0.0));
        }
        // One Newton step from the f64 root doubles its 53 bits.
        let root = DoubleDouble::from_f64(self.hi.sqrt());
        let correction = self.plus(root.times(root).negated()).over(root.times(DoubleDouble::from_f64(2.0)));
        Some(root.plus(correction))
    }

    fn powi(self, n: i128) -> Option<DoubleDouble> {
        if n.unsigned_abs() > 1024 {
            return None;
        }
        let mut result = DoubleDouble::from_f64(1.0);
        for _ in 0..n.unsigned_abs() {
            result = result.times(self);
        }
        Some(if n < 0 { DoubleDouble::from_f64(1.0).over(result) } else { result })
    }

    /// Correctly rounded to `f64`.
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    /// Correctly rounded to `f32`: the nearest of the three `f32`s around the value.
    pub fn to_f32(self) -> f32 {
        let guess = self.to_f64() as f32;
        if !guess.is_finite() {
            // Beyond f32's range: rounding to nearest overflows to infinity.
            return guess;
        }
        let candidates = [next_toward_zero_or_down(guess), guess, next_up(guess)];
        let distance = |candidate: f32| {
            let difference = self.plus(DoubleDouble::from_f64(f64::from(candidate)).negated());
            difference.hi.abs()
        };
        candidates
            .into_iter()
            .filter(|c| c.is_finite())
            .min_by(|a, b| distance(*a).total_cmp(&distance(*b)))
            .unwrap_or(guess)
    }
}

fn next_up(value: f32) -> f32 {
    value.next_up()
}

fn next_toward_zero_or_down(value: f32) -> f32 {
    value.next_down()
}

/// `a + b` as an exact sum of a rounded sum and its error.
fn two_sum_parts(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    let a_virtual = sum - b_virtual;
    (sum, (a - a_virtual) + (b - b_virtual))
}

fn two_sum(a: f64, b: f64) -> DoubleDouble {
    let (hi, lo) = two_sum_parts(a, b);
    DoubleDouble { hi, lo }
}

/// `a + b` for `|a| ≥ |b|`.
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    (sum, b - (sum - a))
}

/// `a b` as an exact sum of a rounded product and its error (fused multiply-add is exact).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let product = a * b;
    (product, a.mul_add(b, -product))
}

/// The value of a constant subexpression, if it has one that can be folded exactly enough.
pub fn fold(graph: &Graph, id: Id) -> Option<DoubleDouble> {
    Some(match graph.node(id) {
        Node::Number(value) => DoubleDouble::from_rational(*value)?,
        Node::Float(bits) => DoubleDouble::from_f64(f64::from_bits(*bits)),
        Node::Constant(Constant::Pi) => DoubleDouble::PI,
        Node::Constant(Constant::E) => DoubleDouble::E,
        Node::Add(terms) => {
            let mut total = DoubleDouble::from_f64(0.0);
            for &term in terms {
                total = total.plus(fold(graph, term)?);
            }
            total
        }
        Node::Mul(factors) => {
            let mut product = DoubleDouble::from_f64(1.0);
            for &factor in factors {
                product = product.times(fold(graph, factor)?);
            }
            product
        }
        Node::Pow(base, exponent) => {
            let base = fold(graph, *base)?;
            match graph.rational(*exponent) {
                Some(exponent) if exponent.is_integer() => base.powi(*exponent.numer())?,
                Some(exponent) if *exponent.denom() == 2 => base.sqrt()?.powi(*exponent.numer())?,
                _ => {
                    let exponent = fold(graph, *exponent)?;
                    DoubleDouble::from_precise(base.to_precise().powf(&exponent.to_precise()))?
                }
            }
        }
        Node::Apply(Func::Ln, argument) if graph.rational(*argument) == Some(Rational::from_integer(2)) => {
            DoubleDouble::LN_2
        }
        Node::Apply(Func::Ln, argument) if graph.rational(*argument) == Some(Rational::from_integer(10)) => {
            DoubleDouble::LN_10
        }
        // Any other function of a constant (`\ln \pi`, `\operatorname{erf}(1/2)`), through the
        // oracle's 256-bit functions from the double-double argument.
        Node::Apply(func, argument) => {
            let argument = fold(graph, *argument)?;
            DoubleDouble::from_precise(func.exact(&argument.to_precise())?)?
        }
        _ => return None,
    })
}

/// The value of a constant subexpression to 256 bits, where [`fold`] folds it: what the folded
/// literal stands for, for the programs' exact runs.
pub fn exact(graph: &Graph, id: Id) -> Option<Precise> {
    Some(match graph.node(id) {
        Node::Number(value) => exact_rational(*value),
        Node::Float(bits) => Precise::from_f64(f64::from_bits(*bits)),
        Node::Constant(Constant::Pi) => crate::precise::pi(),
        Node::Constant(Constant::E) => Precise::one().exp(),
        Node::Add(terms) => {
            let mut total = Precise::ZERO;
            for &term in terms {
                total = total.add(&exact(graph, term)?);
            }
            total
        }
        Node::Mul(factors) => {
            let mut product = Precise::one();
            for &factor in factors {
                product = product.mul(&exact(graph, factor)?);
            }
            product
        }
        Node::Pow(base, exponent) => {
            let base = exact(graph, *base)?;
            match graph.rational(*exponent) {
                Some(value) if value.is_integer() && value.numer().abs() < 1 << 20 => base.powi(*value.numer() as i64),
                Some(value) if *value.denom() == 2 => base.sqrt().powi(*value.numer() as i64),
                _ => base.powf(&exact(graph, *exponent)?),
            }
        }
        Node::Apply(func, argument) => func.exact(&exact(graph, *argument)?)?,
        _ => return None,
    })
}

/// A rational to 256 bits: its numerator and denominator exactly (each in two 64-bit halves),
/// then one rounded division.
pub fn exact_rational(value: Rational) -> Precise {
    let part = |n: i128| -> Precise {
        let magnitude = n.unsigned_abs();
        let high = Precise::from_u64((magnitude >> 64) as u64).scale(64);
        let value = high.add(&Precise::from_u64(magnitude as u64));
        if n < 0 { value.neg() } else { value }
    };
    part(*value.numer()).div(&part(*value.denom()))
}

impl DoubleDouble {
    /// The exact value `hi + lo`, to 256 bits.
    fn to_precise(self) -> Precise {
        Precise::from_f64(self.hi).add(&Precise::from_f64(self.lo))
    }

    /// A 256-bit value to the nearest double-double; `None` if it is not finite.
    fn from_precise(value: Precise) -> Option<DoubleDouble> {
        let hi = value.to_f64();
        if !hi.is_finite() || value.is_nan() {
            return None;
        }
        let lo = value.sub(&Precise::from_f64(hi)).to_f64();
        Some(DoubleDouble { hi, lo })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_correctly_rounded() {
        let mut graph = Graph::new();
        let two = graph.integer(2);
        let pi = graph.constant(Constant::Pi);
        let ratio = graph.div(two, pi);
        let half = graph.number(Rational::new(1, 2));
        let root = graph.pow(ratio, half);
        let value = fold(&graph, root).unwrap();
        // sqrt(2/pi) = 0.79788456080286535587989211986876373695171726232986931533185...
        assert_eq!(value.to_f64(), 0.7978845608028654);
        assert_eq!(value.to_f32(), 0.797_884_6_f32);
        let tenth = graph.number(Rational::new(1, 10));
        assert_eq!(fold(&graph, tenth).unwrap().to_f32(), 0.1f32);
        assert_eq!(fold(&graph, tenth).unwrap().to_f64(), 0.1f64);
        let minus_half = graph.number(Rational::new(-1, 2));
        let inverse_root_two = graph.pow(two, minus_half);
        assert_eq!(fold(&graph, inverse_root_two).unwrap().to_f64(), std::f64::consts::FRAC_1_SQRT_2);
        assert_eq!(fold(&graph, inverse_root_two).unwrap().to_f32(), std::f32::consts::FRAC_1_SQRT_2);
    }
}
