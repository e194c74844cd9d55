//! Truncated Laurent and Taylor series of an IR expression in one input, with 256-bit
//! coefficients ([`Precise`]), for the accuracy search: where a formula cancels near a point
//! (`\frac{\sin x}{x}` and its derivative near 0, `\frac{1}{x} - \frac{1}{\tanh x}`,
//! `\frac{x}{e^x - 1}`), the search can compute its series there instead.
//!
//! The series is built bottom-up over the IR, node by node, with power-series arithmetic in
//! `t = x - center`: sums, products, reciprocals (a leading zero shifts the valuation, so
//! quotients are Laurent series), integer and rational powers, and every function of the table
//! ([`crate::functions`]) composed with a series `g = a + h` (`h` vanishing at the center), by
//! the functions' differential equations: `e^g` from `E' = g' E`, `\sin g` and `\cos g`
//! together, and the others as `f(a) + \int f'(g) g'` (`\arctan' = 1/(1 + g^2)`,
//! `\operatorname{erf}' = \frac{2}{\sqrt\pi} e^{-g^2}`).
//!
//! Every series carries how far it is known: `sum c_k t^(v + k) + O(t^(v + n))`, or exactly
//! (a polynomial: the input, constants, their sums and products). Where leading terms cancel
//! (`\sin x - x`), what is left is known to fewer terms; [`series`] works with a few guard terms
//! and, where the result still has fewer terms than asked for, computes again with twice as many.
//!
//! Cancellation in 256-bit arithmetic leaves rounding noise where the exact result is 0. Each
//! coefficient therefore carries the magnitude of what produced it (the largest product or
//! term of the sum it came from, as `log2`), and a coefficient below `2^-200` of that magnitude
//! is exactly 0: the arithmetic's error is about `2^-250` of it, so noise is never taken for a
//! leading coefficient, and a true coefficient is lost only where it is itself beyond what 256
//! bits resolve (`(x + 10^{-70}) - x` at `x = 1` is 0 here).
//!
//! There is no series (`None`) where the expression has none at the center: another symbol, a
//! branch point (`\sqrt x`, `\ln x` at 0, `\sqrt{x^2} = |x|`, `\arcsin x` at 1), `|u|` and
//! `\operatorname{sign}(u)` where `u` changes sign, a `\max`, `\min` or select that the center
//! does not decide strictly, a function of a pole (`e^{-1/x^2}`), sums over indices and vector
//! elements; and where the series is beyond what 256 bits decide (`\sin^2 x + \cos^2 x - 1`, which
//! is 0 but not exactly 0 here).

use std::cmp::Ordering;

use num_traits::CheckedMul;

use crate::ir::{Compare, Constant, Func, Graph, Id, Node, Rational};
use crate::precise::{Precise, pi};

/// A truncated Laurent series in `t = x - center`: `sum_k coefficients[k] * t^(valuation + k)`.
///
/// `coefficients[0]` is the leading (nonzero) coefficient, except in the series of an
/// expression that is exactly 0, whose coefficients are all 0.
#[derive(Clone, Debug)]
pub struct Series {
    /// The power of `t` of the first coefficient: negative at a pole.
    pub valuation: i32,
    /// The coefficients, from the leading one on.
    pub coefficients: Vec<Precise>,
}

/// A coefficient below `2^-CANCELLED_BITS` of the magnitude of what produced it is exactly 0.
const CANCELLED_BITS: f64 = 200.0;
/// Terms computed beyond those asked for, so that a cancelling leading term or two still leaves
/// enough without a second pass.
const GUARD_TERMS: usize = 4;
/// How many times [`series`] doubles its working length before it gives up.
const ATTEMPTS: usize = 4;
/// Valuations beyond this are refused: no formula has them, and powers beyond it would build
/// absurdly long polynomials.
const VALUATION_LIMIT: i64 = 1 << 20;

/// The series of the expression at `root` in the symbol `input`, around `center` (usually 0),
/// with `terms` coefficients from the leading nonzero one on (exact zeros included, so an even
/// function's series alternates with zeros).
///
/// `None` where the expression has no such series there (a symbol other than `input`, a branch
/// point like `\sqrt x` at 0, `|x|` or `\operatorname{sign} x` at 0, a select, comparison,
/// `\max` or `\min` that depends on the input at the center, sums over indices, an essential
/// singularity), and where 256 bits cannot tell its leading term (see the module's
/// documentation). An expression that is exactly 0 has the series 0 (all coefficients 0).
/// Never panics.
pub fn series(graph: &Graph, root: Id, input: &str, center: &Precise, terms: usize) -> Option<Series> {
    if !center.is_finite() {
        return None;
    }
    let wanted = terms.max(1);
    let mut working = wanted + GUARD_TERMS;
    for _ in 0..ATTEMPTS {
        let mut expander = Expander::new(graph, input, *center, working);
        match expander.expand(root) {
            Err(Failure::NoSeries) => return None,
            Err(Failure::NeedMore) => {}
            Ok(found) if found.is_zero() => {
                return Some(Series { valuation: 0, coefficients: vec![Precise::ZERO; terms] });
            }
            Ok(found) if found.exact || found.coefficients.len() >= wanted => {
                let valuation = i32::try_from(found.valuation).ok()?;
                let mut coefficients = found.coefficients;
                coefficients.resize(terms, Precise::ZERO);
                return Some(Series { valuation, coefficients });
            }
            Ok(_) => {}
        }
        working *= 2;
    }
    None
}

impl Series {
    /// The largest `r` such that, for `|t| <= r`, the terms after the kept ones are estimated
    /// below `2^-bits` relative to the series' leading term: `f64::INFINITY` for the series 0,
    /// 0 for a series without coefficients.
    ///
    /// The estimate is a heuristic from the coefficients' growth: the radius of convergence is
    /// taken as the smaller of the last two ratios `(|c_j| / |c_k|)^(1/(k - j))` of consecutive
    /// nonzero coefficients (so that an even function's step of two counts as one ratio per
    /// power), the dropped coefficients as continuing geometrically with that ratio from the last
    /// nonzero one, and their sum is asked to be below `2^-bits` with a factor 2 to spare, for
    /// `r` at most half that radius. With a single nonzero coefficient nothing shows the growth,
    /// and the dropped coefficients are taken to be no larger than the leading one.
    pub fn radius(&self, bits: u32) -> f64 {
        let Some(model) = TailModel::of(&self.coefficients) else {
            return if self.coefficients.is_empty() { 0.0 } else { f64::INFINITY };
        };
        let kept = (self.coefficients.len() - model.lead) as f64;
        // anchor + kept (s - L) + 1 (geometric sum, r <= ρ/2) + 1 (to spare) <= -bits.
        let within = model.log2_radius + (-f64::from(bits) - 2.0 - model.anchor) / kept;
        2f64.powf(within.min(model.log2_radius - 1.0))
    }

    /// The fewest leading terms whose dropped tail (the kept coefficients after them, and the
    /// tail beyond those estimated as in [`Series::radius`]) is below `2^-bits` relative to the
    /// leading term for `|t| <= r`; all the coefficients where none is (`r` beyond half the
    /// estimated radius of convergence, or too few terms kept), none for the series 0.
    pub fn terms_within(&self, r: f64, bits: u32) -> usize {
        let Some(model) = TailModel::of(&self.coefficients) else { return 0 };
        let all = self.coefficients.len();
        if r <= 0.0 {
            return model.lead + 1;
        }
        let s = r.log2();
        let relative: Vec<f64> = self.coefficients[model.lead..].iter().map(|c| log2_abs(c) - model.leading).collect();
        let beyond = model.tail_log2(relative.len(), s);
        let limit = 2f64.powf(-f64::from(bits));
        for first_dropped in 1..=relative.len() {
            let known: f64 = relative[first_dropped..]
                .iter()
                .enumerate()
                .map(|(offset, size)| 2f64.powf(size + (first_dropped + offset) as f64 * s))
                .sum();
            if known + 2f64.powf(beyond) <= limit {
                return model.lead + first_dropped;
            }
        }
        all
    }

    /// The first `terms` terms as IR in `graph`, in Horner form in `t = input - center` (at
    /// center 0, the input itself), built as written so that the constructors keep the Horner
    /// structure: `\frac{\sin x}{x}` is `1 + x^2 (-\frac{1}{6} + x^2 (\frac{1}{120} + ...))`.
    /// Where the nonzero coefficients are every `d`-th one (an even or odd function), the
    /// Horner form is in `t^d`; the valuation is a factor `t^v` in front. Coefficients that are
    /// exactly a small rational (to `2^-200`) are rationals, the others the nearest `f64`.
    pub fn to_ir(&self, graph: &mut Graph, input: &str, center: &Precise, terms: usize) -> Id {
        let previous = graph.set_as_written(true);
        let built = self.horner(graph, input, center, terms);
        graph.set_as_written(previous);
        built
    }

    fn horner(&self, graph: &mut Graph, input: &str, center: &Precise, terms: usize) -> Id {
        let kept = &self.coefficients[..terms.min(self.coefficients.len())];
        let nonzero: Vec<usize> = (0..kept.len()).filter(|&k| !kept[k].is_zero()).collect();
        let (Some(&first), Some(&last)) = (nonzero.first(), nonzero.last()) else { return graph.integer(0) };
        let symbol = graph.symbol(input);
        let t = if center.is_zero() {
            symbol
        } else {
            let shift = constant_node(graph, &center.neg());
            graph.add(symbol, shift)
        };
        let step = nonzero.iter().fold(0, |divisor, &k| gcd(divisor, k - first)).max(1);
        let stride = if step == 1 {
            t
        } else {
            let exponent = graph.integer(step as i128);
            graph.pow(t, exponent)
        };
        let mut body = constant_node(graph, &kept[last]);
        let mut index = last;
        while index > first {
            index -= step;
            body = graph.mul(stride, body);
            if !kept[index].is_zero() {
                let coefficient = constant_node(graph, &kept[index]);
                body = graph.add(coefficient, body);
            }
        }
        let valuation = i128::from(self.valuation) + first as i128;
        match valuation {
            0 => body,
            1 => graph.mul(t, body),
            _ => {
                let exponent = graph.integer(valuation);
                let power = graph.pow(t, exponent);
                graph.mul(power, body)
            }
        }
    }
}

/// The estimate of the dropped coefficients behind [`Series::radius`]: `|c_m| / |c_lead|` is
/// about `2^(anchor - m log2_radius)` beyond the kept ones (`m` counted from the leading one).
struct TailModel {
    /// Where the first nonzero coefficient is.
    lead: usize,
    /// `log2 |c_lead|`.
    leading: f64,
    anchor: f64,
    log2_radius: f64,
}

impl TailModel {
    /// The model of a series' coefficients; `None` where all are 0.
    fn of(coefficients: &[Precise]) -> Option<TailModel> {
        let lead = coefficients.iter().position(|c| !c.is_zero())?;
        let leading = log2_abs(&coefficients[lead]);
        let nonzero: Vec<(f64, f64)> = coefficients[lead..]
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_zero())
            .map(|(k, c)| (k as f64, log2_abs(c) - leading))
            .collect();
        if nonzero.len() < 2 {
            return Some(TailModel { lead, leading, anchor: 0.0, log2_radius: 0.0 });
        }
        let last_pairs = &nonzero[nonzero.len().saturating_sub(3)..];
        let log2_radius = last_pairs
            .windows(2)
            .map(|pair| (pair[0].1 - pair[1].1) / (pair[1].0 - pair[0].0))
            .fold(f64::INFINITY, f64::min);
        let (k, size) = nonzero[nonzero.len() - 1];
        Some(TailModel { lead, leading, anchor: size + k * log2_radius, log2_radius })
    }

    /// `log2` of the estimated `sum_{m >= from} |c_m| r^m / |c_lead|` at `log2 r = s`, with a
    /// factor 2 to spare; infinite at or beyond half the estimated radius of convergence.
    fn tail_log2(&self, from: usize, s: f64) -> f64 {
        if s > self.log2_radius - 1.0 {
            return f64::INFINITY;
        }
        let ratio = 2f64.powf(s - self.log2_radius);
        self.anchor + from as f64 * (s - self.log2_radius) - (1.0 - ratio).log2() + 1.0
    }
}

/// Why a node has no series at this working length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// The expression has none at the center (or none that these rules find).
    NoSeries,
    /// Its leading term cancelled beyond what was computed: more terms may find it.
    NeedMore,
}

type Outcome<T> = Result<T, Failure>;

/// A truncated series: `sum_k coefficients[k] t^(valuation + k) + O(t^(valuation + len))`, or
/// exactly that sum where `exact` (a polynomial in `t`, or a Laurent polynomial).
///
/// Normalised: the first coefficient is nonzero, or there is none; without coefficients an
/// exact series is 0 and an inexact one is `O(t^valuation)`, nothing known but its order.
#[derive(Clone, Debug)]
struct Truncated {
    valuation: i64,
    coefficients: Vec<Precise>,
    /// `log2` of the magnitude each coefficient was computed from: its rounding error is about
    /// `2^-250` of that, and a coefficient below `2^-CANCELLED_BITS` of it is 0.
    magnitudes: Vec<f64>,
    exact: bool,
}

impl Truncated {
    /// Exactly 0.
    fn zero() -> Truncated {
        Truncated { valuation: 0, coefficients: Vec::new(), magnitudes: Vec::new(), exact: true }
    }

    /// A constant, exactly (up to its own rounding, which `magnitude` carries).
    fn constant(value: Precise, magnitude: f64) -> Truncated {
        Truncated { valuation: 0, coefficients: vec![value], magnitudes: vec![magnitude], exact: true }.normalized()
    }

    /// A series from `valuation` on, normalised.
    fn known(valuation: i64, coefficients: Vec<Precise>, magnitudes: Vec<f64>, exact: bool) -> Truncated {
        Truncated { valuation, coefficients, magnitudes, exact }.normalized()
    }

    fn is_zero(&self) -> bool {
        self.exact && self.coefficients.is_empty()
    }

    fn is_unknown(&self) -> bool {
        !self.exact && self.coefficients.is_empty()
    }

    /// The power up to which the series is known (exclusive); `None` for an exact one.
    fn end(&self) -> Option<i64> {
        (!self.exact).then(|| self.valuation + self.coefficients.len() as i64)
    }

    /// The coefficient of `t^power` and its magnitude (0 below the valuation and beyond an exact
    /// series; callers never ask beyond an inexact one's end).
    fn at(&self, power: i64) -> (Precise, f64) {
        usize::try_from(power - self.valuation)
            .ok()
            .filter(|&k| k < self.coefficients.len())
            .map_or((Precise::ZERO, f64::NEG_INFINITY), |k| (self.coefficients[k], self.magnitudes[k]))
    }

    /// Cancelled coefficients set to 0, leading zeros dropped (the valuation rises, the end
    /// stays), and an exact series' trailing zeros dropped.
    fn normalized(mut self) -> Truncated {
        for (coefficient, magnitude) in self.coefficients.iter_mut().zip(self.magnitudes.iter_mut()) {
            (*coefficient, *magnitude) = settle(*coefficient, *magnitude);
        }
        let leading_zeros = self.coefficients.iter().take_while(|c| c.is_zero()).count();
        if leading_zeros == self.coefficients.len() && self.exact {
            return Truncated::zero();
        }
        self.coefficients.drain(..leading_zeros);
        self.magnitudes.drain(..leading_zeros);
        self.valuation += leading_zeros as i64;
        if self.exact {
            while self.coefficients.last().is_some_and(Precise::is_zero) {
                self.coefficients.pop();
                self.magnitudes.pop();
            }
        }
        self
    }

    /// `-self`.
    fn negated(&self) -> Truncated {
        Truncated { coefficients: self.coefficients.iter().map(|c| c.neg()).collect(), ..self.clone() }
    }

    /// The coefficients of `t^0 .. t^(len - 1)` (the valuation is not negative).
    fn dense(&self, len: usize) -> (Vec<Precise>, Vec<f64>) {
        (0..len as i64).map(|power| self.at(power)).unzip()
    }

    /// The derivative in `t`.
    fn derivative(&self) -> Truncated {
        if self.is_zero() {
            return Truncated::zero();
        }
        let (coefficients, magnitudes) = self
            .coefficients
            .iter()
            .zip(&self.magnitudes)
            .enumerate()
            .map(|(k, (c, magnitude))| {
                let power = self.valuation + k as i64;
                if power == 0 {
                    (Precise::ZERO, f64::NEG_INFINITY)
                } else {
                    (c.mul(&Precise::from_i64(power)), magnitude + (power.unsigned_abs() as f64).log2())
                }
            })
            .unzip();
        Truncated::known(self.valuation - 1, coefficients, magnitudes, self.exact)
    }

    /// The antiderivative in `t` that vanishes at 0; no series where it has a logarithm (a
    /// `1/t` term).
    fn integral(&self) -> Outcome<Truncated> {
        if self.is_zero() {
            return Ok(Truncated::zero());
        }
        let mut coefficients = Vec::with_capacity(self.coefficients.len());
        let mut magnitudes = Vec::with_capacity(self.coefficients.len());
        for (k, (c, magnitude)) in self.coefficients.iter().zip(&self.magnitudes).enumerate() {
            let power = self.valuation + k as i64 + 1;
            if power == 0 {
                return Err(Failure::NoSeries);
            }
            coefficients.push(c.div(&Precise::from_i64(power)));
            magnitudes.push(magnitude - (power.unsigned_abs() as f64).log2());
        }
        Ok(Truncated::known(self.valuation + 1, coefficients, magnitudes, self.exact))
    }

    /// The sign of the series' value near the center where it is the same on both sides and at
    /// the center (`Equal` for exactly 0): a nonzero value there, or a pole of even order; the
    /// comparisons, `\max`, `\min` and selects read it. A zero at the center (`x` at 0) or a
    /// pole of odd order changes the sign or the value there: no decision.
    fn sign(&self) -> Outcome<Ordering> {
        if self.is_zero() {
            return Ok(Ordering::Equal);
        }
        if self.is_unknown() {
            return Err(Failure::NeedMore);
        }
        if self.valuation > 0 || self.valuation % 2 != 0 {
            return Err(Failure::NoSeries);
        }
        Ok(if self.coefficients[0].is_negative() { Ordering::Less } else { Ordering::Greater })
    }

    fn is_finite(&self) -> bool {
        self.coefficients.iter().all(Precise::is_finite) && self.valuation.abs() <= VALUATION_LIMIT
    }
}

/// The coefficient `value` computed from magnitudes `2^magnitude`: 0 where it is below
/// `2^-CANCELLED_BITS` of them, and the magnitude at least the value's own.
fn settle(value: Precise, magnitude: f64) -> (Precise, f64) {
    let size = log2_abs(&value);
    let magnitude = magnitude.max(size);
    // Both zeros are 0 (a negative zero would print as a coefficient -0).
    if value.is_zero() || size < magnitude - CANCELLED_BITS { (Precise::ZERO, magnitude) } else { (value, magnitude) }
}

/// The magnitude of `f(a)` where `a` has magnitude `2^input` and `|f'(a)| <= 2^slope`: `a`'s
/// rounding reaches `f(a)` scaled by the slope.
fn propagate(value: &Precise, input: f64, slope: f64) -> f64 {
    let size = log2_abs(value);
    if input == f64::NEG_INFINITY { size } else { size.max(input + slope) }
}

/// `log2 |f'(a)|` (an upper bound) for the functions of the table, given `value = f(a)`.
fn slope_log2(func: Func, a: &Precise, value: &Precise) -> f64 {
    let one = Precise::one();
    match func {
        Func::Exp | Func::ExpM1 => a.to_f64() * std::f64::consts::LOG2_E,
        Func::Ln => -log2_abs(a),
        Func::Ln1p => -log2_abs(&one.add(a)),
        Func::Tan => log2_abs(&one.add(&value.mul(value))),
        Func::Sinh | Func::Cosh => a.to_f64().abs() * std::f64::consts::LOG2_E,
        Func::Arcsin | Func::Arccos => -0.5 * log2_abs(&one.sub(&a.mul(a))),
        // The others' slopes are at most 2/√π.
        _ => 1.0,
    }
}

/// `log2 |x|`: `-∞` at 0, `+∞` for a non-finite value; beyond `f64`'s range by scaling.
fn log2_abs(x: &Precise) -> f64 {
    if x.is_zero() {
        return f64::NEG_INFINITY;
    }
    if !x.is_finite() {
        return f64::INFINITY;
    }
    let mut scaled = x.abs();
    let mut shift = 0.0;
    for _ in 0..10_000 {
        let value = scaled.to_f64();
        if value.is_infinite() {
            scaled = scaled.scale(-1000);
            shift += 1000.0;
        } else if value < f64::MIN_POSITIVE {
            scaled = scaled.scale(1000);
            shift -= 1000.0;
        } else {
            return value.log2() + shift;
        }
    }
    if shift > 0.0 { f64::INFINITY } else { f64::NEG_INFINITY }
}

/// An `i128`, exactly.
fn precise_from_i128(value: i128) -> Precise {
    let magnitude = value.unsigned_abs();
    let high = Precise::from_u64((magnitude >> 64) as u64).scale(64);
    let sum = high.add(&Precise::from_u64(magnitude as u64));
    if value < 0 { sum.neg() } else { sum }
}

/// A rational, to 256 bits.
fn precise_from_rational(value: Rational) -> Precise {
    precise_from_i128(*value.numer()).div(&precise_from_i128(*value.denom()))
}

/// The power-series arithmetic at a working length: an inexact series made here (a
/// reciprocal, a function's series) has `terms` coefficients from its valuation on, or as many
/// as its operands are known to.
#[derive(Clone, Copy)]
struct Arithmetic {
    terms: usize,
}

impl Arithmetic {
    /// How long an exact polynomial may grow before it is truncated to the working length.
    fn polynomial_limit(self) -> usize {
        2 * self.terms + 8
    }

    /// The power an inexact function of `g` is computed to: `g`'s end, or for an exact `g`
    /// the working length past its valuation.
    fn end_of(self, g: &Truncated) -> i64 {
        g.end().unwrap_or(g.valuation.max(0) + self.terms as i64)
    }

    fn add(self, a: &Truncated, b: &Truncated) -> Truncated {
        if a.is_zero() {
            return b.clone();
        }
        if b.is_zero() {
            return a.clone();
        }
        let valuation = a.valuation.min(b.valuation);
        let (mut end, mut exact) = match (a.end(), b.end()) {
            (Some(x), Some(y)) => (x.min(y), false),
            (Some(x), None) | (None, Some(x)) => (x, false),
            (None, None) => {
                let last = |s: &Truncated| s.valuation + s.coefficients.len() as i64;
                (last(a).max(last(b)), true)
            }
        };
        if exact && end - valuation > self.polynomial_limit() as i64 {
            end = valuation + self.terms as i64;
            exact = false;
        }
        let (coefficients, magnitudes) = (valuation..end.max(valuation))
            .map(|power| {
                let ((x, mx), (y, my)) = (a.at(power), b.at(power));
                (x.add(&y), mx.max(my))
            })
            .unzip();
        Truncated::known(valuation, coefficients, magnitudes, exact)
    }

    fn sub(self, a: &Truncated, b: &Truncated) -> Truncated {
        self.add(a, &b.negated())
    }

    /// `sum_i a_i b_(k - i)` over the stored coefficients, with the magnitude of its largest
    /// product.
    fn convolve(a: &[Precise], am: &[f64], b: &[Precise], bm: &[f64], k: usize, from: usize) -> (Precise, f64) {
        let mut sum = Precise::ZERO;
        let mut magnitude = f64::NEG_INFINITY;
        if a.is_empty() || b.is_empty() {
            return (sum, magnitude);
        }
        let low = from.max((k + 1).saturating_sub(b.len()));
        for i in low..=k.min(a.len().saturating_sub(1)) {
            sum = sum.add(&a[i].mul(&b[k - i]));
            magnitude = magnitude.max(am[i] + bm[k - i]);
        }
        (sum, magnitude)
    }

    fn mul(self, a: &Truncated, b: &Truncated) -> Outcome<Truncated> {
        if a.is_zero() || b.is_zero() {
            return Ok(Truncated::zero());
        }
        let valuation = a.valuation + b.valuation;
        if valuation.abs() > VALUATION_LIMIT {
            return Err(Failure::NoSeries);
        }
        let (mut len, mut exact) = match (a.exact, b.exact) {
            (true, true) => (a.coefficients.len() + b.coefficients.len() - 1, true),
            (true, false) => (b.coefficients.len(), false),
            (false, true) => (a.coefficients.len(), false),
            (false, false) => (a.coefficients.len().min(b.coefficients.len()), false),
        };
        if exact && len > self.polynomial_limit() {
            (len, exact) = (self.terms, false);
        }
        let (coefficients, magnitudes) = (0..len)
            .map(|k| Arithmetic::convolve(&a.coefficients, &a.magnitudes, &b.coefficients, &b.magnitudes, k, 0))
            .unzip();
        Ok(Truncated::known(valuation, coefficients, magnitudes, exact))
    }

    fn div(self, a: &Truncated, b: &Truncated) -> Outcome<Truncated> {
        self.mul(a, &self.recip(b)?)
    }

    /// `1 / a`: `b_0 = 1/a_0`, `b_k = -(sum_(i >= 1) a_i b_(k - i)) / a_0`.
    fn recip(self, a: &Truncated) -> Outcome<Truncated> {
        if a.is_zero() {
            return Err(Failure::NoSeries);
        }
        if a.is_unknown() {
            return Err(Failure::NeedMore);
        }
        let lead = a.coefficients[0];
        let lead_size = log2_abs(&lead);
        let inverse = lead.recip();
        let first_magnitude = a.magnitudes[0] - 2.0 * lead_size;
        if a.exact && a.coefficients.len() == 1 {
            return Ok(Truncated::known(-a.valuation, vec![inverse], vec![first_magnitude], true));
        }
        let len = if a.exact { self.terms } else { a.coefficients.len() };
        let mut coefficients = vec![inverse];
        let mut magnitudes = vec![first_magnitude];
        for k in 1..len {
            let (sum, magnitude) =
                Arithmetic::convolve(&a.coefficients, &a.magnitudes, &coefficients, &magnitudes, k, 1);
            let (value, magnitude) = settle(sum.mul(&inverse).neg(), magnitude - lead_size);
            coefficients.push(value);
            magnitudes.push(magnitude);
        }
        Ok(Truncated::known(-a.valuation, coefficients, magnitudes, false))
    }

    /// `a^n` for an integer `n`, by squaring.
    fn pow_integer(self, a: &Truncated, n: i128) -> Outcome<Truncated> {
        if n == 0 {
            return Ok(Truncated::constant(Precise::one(), 0.0));
        }
        if a.is_zero() {
            return if n > 0 { Ok(Truncated::zero()) } else { Err(Failure::NoSeries) };
        }
        if n.unsigned_abs() > 1 << 32 || (a.valuation != 0 && n.unsigned_abs() > VALUATION_LIMIT as u128) {
            return Err(Failure::NoSeries);
        }
        if n < 0 {
            return self.recip(&self.pow_integer(a, -n)?);
        }
        let mut result = Truncated::constant(Precise::one(), 0.0);
        let mut base = a.clone();
        let mut remaining = n;
        while remaining > 0 {
            if remaining & 1 == 1 {
                result = self.mul(&result, &base)?;
            }
            remaining >>= 1;
            if remaining > 0 {
                base = self.mul(&base, &base)?;
            }
        }
        Ok(result)
    }

    /// `a^r` for a non-integer `r` (`rational` where it is one), by J. C. P. Miller's recurrence
    /// from `a b' = r a' b`: `b_k = sum_(i = 1..k) ((r + 1) i - k) a_i b_(k - i) / (k a_0)`.
    ///
    /// The leading coefficient must be positive, and `t^v` must have the power `t^(v r)` on both
    /// sides of the center: `v r` an integer, and where `v` is not 0, `v` and `v r` even
    /// (`(t^2)^{1/2}` is `|t|`, and `(t^3)^{1/3}` is not real for `t < 0`).
    fn pow_real(self, a: &Truncated, r: &Precise, rational: Option<Rational>) -> Outcome<Truncated> {
        if a.is_zero() {
            return if r.is_negative() || r.is_zero() { Err(Failure::NoSeries) } else { Ok(Truncated::zero()) };
        }
        if a.is_unknown() {
            return Err(Failure::NeedMore);
        }
        let lead = a.coefficients[0];
        if !lead.is_finite() || lead.is_negative() {
            return Err(Failure::NoSeries);
        }
        let valuation = match (a.valuation, rational) {
            (0, _) => 0,
            (v, Some(q)) => {
                let power = q.checked_mul(&Rational::from_integer(i128::from(v))).ok_or(Failure::NoSeries)?;
                if !power.is_integer() || v % 2 != 0 || power.to_integer() % 2 != 0 {
                    return Err(Failure::NoSeries);
                }
                i64::try_from(power.to_integer()).map_err(|_| Failure::NoSeries)?
            }
            (_, None) => return Err(Failure::NoSeries),
        };
        let lead_size = log2_abs(&lead);
        let first = lead.powf(r);
        let first_magnitude = propagate(&first, a.magnitudes[0], log2_abs(r) + log2_abs(&first) - lead_size);
        if a.exact && a.coefficients.len() == 1 {
            return Ok(Truncated::known(valuation, vec![first], vec![first_magnitude], true));
        }
        let len = if a.exact { self.terms } else { a.coefficients.len() };
        let r_plus_one = r.add(&Precise::one());
        let mut coefficients = vec![first];
        let mut magnitudes = vec![first_magnitude];
        for k in 1..len {
            let mut sum = Precise::ZERO;
            let mut magnitude = f64::NEG_INFINITY;
            for i in 1..=k.min(a.coefficients.len() - 1) {
                let weight = r_plus_one.mul(&Precise::from_i64(i as i64)).sub(&Precise::from_i64(k as i64));
                sum = sum.add(&weight.mul(&a.coefficients[i]).mul(&coefficients[k - i]));
                magnitude = magnitude.max(log2_abs(&weight) + a.magnitudes[i] + magnitudes[k - i]);
            }
            let divisor = lead.mul(&Precise::from_i64(k as i64));
            let (value, magnitude) = settle(sum.div(&divisor), magnitude - log2_abs(&divisor));
            coefficients.push(value);
            magnitudes.push(magnitude);
        }
        Ok(Truncated::known(valuation, coefficients, magnitudes, false))
    }

    /// `e^g` (or `e^g - 1`), from `k e_k = sum_(j = 1..k) j g_j e_(k - j)`; `g` has no pole.
    fn exp(self, g: &Truncated, minus_one: bool) -> Outcome<Truncated> {
        let (a, a_magnitude) = g.at(0);
        let first = a.exp();
        let first_magnitude = propagate(&first, a_magnitude, slope_log2(Func::Exp, &a, &first));
        let len = usize::try_from(self.end_of(g)).map_err(|_| Failure::NoSeries)?;
        let (scaled, scaled_magnitudes) = scaled_derivative(g, len);
        let mut coefficients = vec![first];
        let mut magnitudes = vec![first_magnitude];
        for k in 1..len {
            let (sum, magnitude) = Arithmetic::convolve(&scaled, &scaled_magnitudes, &coefficients, &magnitudes, k, 1);
            let divisor = Precise::from_i64(k as i64);
            let (value, magnitude) = settle(sum.div(&divisor), magnitude - (k as f64).log2());
            coefficients.push(value);
            magnitudes.push(magnitude);
        }
        if minus_one {
            let value = a.exp_m1();
            magnitudes[0] = propagate(&value, a_magnitude, slope_log2(Func::ExpM1, &a, &value));
            coefficients[0] = value;
        }
        Ok(Truncated::known(0, coefficients, magnitudes, false))
    }

    /// `(\sin g, \cos g)`, or `(\sinh g, \cosh g)`, from `s' = g' c` and `c' = ∓g' s`; `g` has
    /// no pole.
    fn sin_cos(self, g: &Truncated, hyperbolic: bool) -> Outcome<(Truncated, Truncated)> {
        let (a, a_magnitude) = g.at(0);
        let (sin, cos) = if hyperbolic { (a.sinh(), a.cosh()) } else { a.sin_cos().ok_or(Failure::NoSeries)? };
        let slope = if hyperbolic { slope_log2(Func::Cosh, &a, &cos) } else { 0.0 };
        let len = usize::try_from(self.end_of(g)).map_err(|_| Failure::NoSeries)?;
        let (scaled, scaled_magnitudes) = scaled_derivative(g, len);
        let mut s = (vec![sin], vec![propagate(&sin, a_magnitude, slope)]);
        let mut c = (vec![cos], vec![propagate(&cos, a_magnitude, slope)]);
        for k in 1..len {
            let divisor = Precise::from_i64(k as i64);
            let shrink = (k as f64).log2();
            let (sin_sum, sin_magnitude) = Arithmetic::convolve(&scaled, &scaled_magnitudes, &c.0, &c.1, k, 1);
            let (cos_sum, cos_magnitude) = Arithmetic::convolve(&scaled, &scaled_magnitudes, &s.0, &s.1, k, 1);
            let cos_sum = if hyperbolic { cos_sum } else { cos_sum.neg() };
            let (sin_value, sin_magnitude) = settle(sin_sum.div(&divisor), sin_magnitude - shrink);
            let (cos_value, cos_magnitude) = settle(cos_sum.div(&divisor), cos_magnitude - shrink);
            s.0.push(sin_value);
            s.1.push(sin_magnitude);
            c.0.push(cos_value);
            c.1.push(cos_magnitude);
        }
        Ok((Truncated::known(0, s.0, s.1, false), Truncated::known(0, c.0, c.1, false)))
    }

    /// `f(g)` for a function of the table.
    fn apply(self, func: Func, g: &Truncated) -> Outcome<Truncated> {
        if g.is_unknown() {
            return Err(Failure::NeedMore);
        }
        match func {
            // |g| is ±g and sign(g) constant where g keeps its sign on both sides of the center.
            Func::Abs if g.is_zero() => return Ok(Truncated::zero()),
            Func::Abs if g.valuation % 2 == 0 => {
                return Ok(if g.coefficients[0].is_negative() { g.negated() } else { g.clone() });
            }
            Func::Abs => return Err(Failure::NoSeries),
            Func::Sign => {
                let sign = match g.sign()? {
                    Ordering::Less => Precise::one().neg(),
                    Ordering::Equal => Precise::ZERO,
                    Ordering::Greater => Precise::one(),
                };
                return Ok(Truncated::constant(sign, 0.0));
            }
            _ => {}
        }
        // A function of a pole is singular there (`e^{-1/x^2}`) or jumps (`\arctan(1/x)`).
        if g.valuation < 0 && !g.is_zero() {
            return Err(Failure::NoSeries);
        }
        let one = Truncated::constant(Precise::one(), 0.0);
        let (a, a_magnitude) = g.at(0);
        if g.exact && g.valuation == 0 && g.coefficients.len() <= 1 {
            // A function of a constant is a constant, exactly (`e^{1/2}`, `\ln 2`): it limits no
            // sum or product to the working length.
            let value = func.exact(&a).filter(Precise::is_finite).ok_or(Failure::NoSeries)?;
            let magnitude = propagate(&value, a_magnitude, slope_log2(func, &a, &value));
            return Ok(Truncated::constant(value, magnitude));
        }
        match func {
            Func::Exp => return self.exp(g, false),
            Func::ExpM1 => return self.exp(g, true),
            Func::Sin | Func::Cos | Func::Tan | Func::Sinh | Func::Cosh | Func::Tanh => {
                let hyperbolic = matches!(func, Func::Sinh | Func::Cosh | Func::Tanh);
                let (sin, cos) = self.sin_cos(g, hyperbolic)?;
                return match func {
                    Func::Sin | Func::Sinh => Ok(sin),
                    Func::Cos | Func::Cosh => Ok(cos),
                    _ => self.div(&sin, &cos),
                };
            }
            Func::Sigmoid => return self.recip(&self.add(&one, &self.exp(&g.negated(), false)?)),
            _ => {}
        }
        // The others as f(a) + ∫ f'(g) g'.
        let value = func.exact(&a).filter(Precise::is_finite).ok_or(Failure::NoSeries)?;
        let magnitude = propagate(&value, a_magnitude, slope_log2(func, &a, &value));
        let slope = match func {
            Func::Ln if g.valuation != 0 => return Err(Failure::NoSeries),
            Func::Ln => self.recip(g)?,
            Func::Ln1p => {
                let shifted = self.add(&one, g);
                if shifted.valuation != 0 {
                    return Err(Failure::NoSeries);
                }
                self.recip(&shifted)?
            }
            Func::Arctan => self.recip(&self.add(&one, &self.mul(g, g)?))?,
            Func::Arcsin | Func::Arccos => {
                let rest = self.sub(&one, &self.mul(g, g)?);
                let slope = self.pow_real(&rest, &Precise::one().scale(-1).neg(), Some(Rational::new(-1, 2)))?;
                if func == Func::Arccos { slope.negated() } else { slope }
            }
            Func::Erf | Func::Erfc | Func::Phi => {
                // erf' = 2/√π e^{-u²}, erfc' = -erf', Φ'(u) = e^{-u²/2}/√(2π).
                let (halved, factor) = match func {
                    Func::Phi => (true, pi().scale(1).sqrt().recip()),
                    Func::Erf => (false, pi().sqrt().recip().scale(1)),
                    _ => (false, pi().sqrt().recip().scale(1).neg()),
                };
                let square = self.mul(g, g)?.negated();
                let argument = if halved {
                    self.mul(&square, &Truncated::constant(Precise::one().scale(-1), -1.0))?
                } else {
                    square
                };
                let gaussian = self.exp(&argument, false)?;
                self.mul(&gaussian, &Truncated::constant(factor, log2_abs(&factor)))?
            }
            Func::Softplus => self.apply(Func::Sigmoid, g)?,
            _ => return Err(Failure::NoSeries),
        };
        let integral = self.mul(&slope, &g.derivative())?.integral()?;
        Ok(self.add(&Truncated::constant(value, magnitude), &integral))
    }
}

/// `j g_j` for `j < len`: the coefficients the differential equations' recurrences convolve.
fn scaled_derivative(g: &Truncated, len: usize) -> (Vec<Precise>, Vec<f64>) {
    let (coefficients, magnitudes) = g.dense(len);
    coefficients
        .iter()
        .zip(magnitudes)
        .enumerate()
        .map(|(j, (c, magnitude))| (c.mul(&Precise::from_i64(j as i64)), magnitude + (j.max(1) as f64).log2()))
        .unzip()
}

/// The series of every node an expression needs, at one working length.
struct Expander<'g> {
    graph: &'g Graph,
    input: &'g str,
    center: Precise,
    arithmetic: Arithmetic,
    values: Vec<Option<Outcome<Truncated>>>,
}

impl<'g> Expander<'g> {
    fn new(graph: &'g Graph, input: &'g str, center: Precise, terms: usize) -> Self {
        Expander { graph, input, center, arithmetic: Arithmetic { terms }, values: vec![None; graph.len()] }
    }

    /// The children whose series a node's series is made from: only the exact form of a form
    /// computed as another (its meaning).
    fn needed_children(&self, id: Id) -> Vec<Id> {
        match self.graph.node(id) {
            Node::NearZero { exact, .. } | Node::ComputedAs { exact, .. } => vec![*exact],
            _ => self.graph.children(id),
        }
    }

    /// The series of `root`: every node it needs, children first (the arena's order), without
    /// recursion. A failure stays with its node, so that a select's branch that is not taken
    /// may have none.
    fn expand(&mut self, root: Id) -> Outcome<Truncated> {
        let mut seen = vec![false; self.graph.len()];
        let mut stack = vec![root];
        let mut order = Vec::new();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            order.push(id);
            stack.extend(self.needed_children(id));
        }
        order.sort();
        for id in order {
            let value = self.node(id).and_then(|s| if s.is_finite() { Ok(s) } else { Err(Failure::NoSeries) });
            self.values[id.index()] = Some(value);
        }
        self.value(root).cloned()
    }

    fn value(&self, id: Id) -> Outcome<&Truncated> {
        match self.values.get(id.index()) {
            Some(Some(value)) => value.as_ref().map_err(|failure| *failure),
            _ => Err(Failure::NoSeries),
        }
    }

    /// The series of several children; a child without one at all outweighs one that needs
    /// more terms.
    fn values_of(&self, ids: &[Id]) -> Outcome<Vec<&Truncated>> {
        let values: Vec<Outcome<&Truncated>> = ids.iter().map(|&id| self.value(id)).collect();
        if values.iter().any(|value| matches!(value, Err(Failure::NoSeries))) {
            return Err(Failure::NoSeries);
        }
        values.into_iter().collect()
    }

    /// The sign of `a - b` near the center, where the center decides it.
    fn compare(&self, a: Id, b: Id) -> Outcome<Ordering> {
        self.difference(a, b)?.sign()
    }

    fn difference(&self, a: Id, b: Id) -> Outcome<Truncated> {
        let [a, b] = self.values_of(&[a, b])?[..] else { return Err(Failure::NoSeries) };
        Ok(self.arithmetic.sub(a, b))
    }

    fn node(&self, id: Id) -> Outcome<Truncated> {
        let arithmetic = self.arithmetic;
        match self.graph.node(id) {
            Node::Number(value) => {
                let value = precise_from_rational(*value);
                Ok(Truncated::constant(value, log2_abs(&value)))
            }
            Node::Float(bits) => {
                let value = Precise::from_f64(f64::from_bits(*bits));
                Ok(Truncated::constant(value, log2_abs(&value)))
            }
            Node::Constant(constant) => {
                let value = match constant {
                    Constant::E => Precise::one().exp(),
                    Constant::Pi => pi(),
                };
                Ok(Truncated::constant(value, log2_abs(&value)))
            }
            Node::Symbol(name) if name == self.input => {
                Ok(Truncated::known(0, vec![self.center, Precise::one()], vec![log2_abs(&self.center), 0.0], true))
            }
            Node::Add(terms) => {
                Ok(self.values_of(terms)?.into_iter().fold(Truncated::zero(), |sum, term| arithmetic.add(&sum, term)))
            }
            Node::Mul(factors) => {
                let mut product = Truncated::constant(Precise::one(), 0.0);
                for factor in self.values_of(factors)? {
                    product = arithmetic.mul(&product, factor)?;
                }
                Ok(product)
            }
            Node::Pow(base, exponent) => self.power(*base, *exponent),
            Node::Apply(func, argument) => arithmetic.apply(*func, self.value(*argument)?),
            Node::Max(a, b) | Node::Min(a, b) => {
                let order = self.compare(*a, *b)?;
                let first = match self.graph.node(id) {
                    Node::Max(..) => order != Ordering::Less,
                    _ => order != Ordering::Greater,
                };
                self.value(if first { *a } else { *b }).cloned()
            }
            Node::Compare(op, a, b) => {
                let difference = self.difference(*a, *b)?;
                let order = match difference.sign() {
                    // A pole is unequal to everything near the center, whichever its sign.
                    Err(Failure::NoSeries)
                        if matches!(op, Compare::Equal | Compare::NotEqual) && difference.valuation < 0 =>
                    {
                        Ordering::Greater
                    }
                    order => order?,
                };
                let holds = op.holds(&(order as i8), &0);
                Ok(Truncated::constant(Precise::from_u64(u64::from(holds)), 0.0))
            }
            Node::And(conditions) => {
                let signs: Vec<Outcome<Ordering>> =
                    conditions.iter().map(|&condition| self.value(condition).and_then(Truncated::sign)).collect();
                if signs.contains(&Ok(Ordering::Equal)) {
                    return Ok(Truncated::zero());
                }
                if signs.contains(&Err(Failure::NoSeries)) {
                    return Err(Failure::NoSeries);
                }
                signs.into_iter().collect::<Outcome<Vec<_>>>()?;
                Ok(Truncated::constant(Precise::one(), 0.0))
            }
            Node::Select { condition, then, otherwise } => {
                let holds = self.value(*condition)?.sign()? != Ordering::Equal;
                self.value(if holds { *then } else { *otherwise }).cloned()
            }
            Node::XLogY(y, x) => {
                let factor = self.value(*y)?;
                if factor.is_zero() {
                    return Ok(Truncated::zero());
                }
                let logarithm = arithmetic.apply(Func::Ln, self.value(*x)?)?;
                arithmetic.mul(factor, &logarithm)
            }
            Node::NearZero { exact, .. } | Node::ComputedAs { exact, .. } => self.value(*exact).cloned(),
            // Another input, vector elements and sums over indices have no numeric coefficients.
            Node::Symbol(_) | Node::Element(..) | Node::Sum(..) | Node::Delta(..) | Node::LogSumExp(..) => {
                Err(Failure::NoSeries)
            }
        }
    }

    /// `base^exponent`: integer and rational exponents by the series' own powers, a constant
    /// real exponent by Miller's recurrence, any other as `e^{exponent \ln base}`.
    fn power(&self, base: Id, exponent: Id) -> Outcome<Truncated> {
        let arithmetic = self.arithmetic;
        let [base_series, exponent_series] = self.values_of(&[base, exponent])?[..] else {
            return Err(Failure::NoSeries);
        };
        if let Some(rational) = self.graph.rational(exponent) {
            return if rational.is_integer() {
                arithmetic.pow_integer(base_series, rational.to_integer())
            } else {
                arithmetic.pow_real(base_series, &precise_from_rational(rational), Some(rational))
            };
        }
        let constant = match (exponent_series.exact, exponent_series.coefficients.len(), exponent_series.valuation) {
            (true, 0, _) => Some(Precise::ZERO),
            (true, 1, 0) => Some(exponent_series.coefficients[0]),
            _ => None,
        };
        if let Some(value) = constant {
            let nearest = value.to_f64();
            if nearest.fract() == 0.0 && nearest.abs() < 2f64.powi(53) && Precise::from_f64(nearest) == value {
                return arithmetic.pow_integer(base_series, nearest as i128);
            }
            return arithmetic.pow_real(base_series, &value, None);
        }
        let logarithm = arithmetic.apply(Func::Ln, base_series)?;
        arithmetic.apply(Func::Exp, &arithmetic.mul(exponent_series, &logarithm)?)
    }
}

/// The IR constant for a coefficient: the rational it is exactly (to `2^-200`) where that has
/// numerator and denominator below `2^53`, else the nearest `f64`.
fn constant_node(graph: &mut Graph, value: &Precise) -> Id {
    match small_rational(value) {
        Some(rational) => graph.number(rational),
        None => graph.float(value.to_f64()),
    }
}

/// The rational with numerator and denominator below `2^53` that `value` is to `2^-200`
/// relatively, by its continued fraction.
fn small_rational(value: &Precise) -> Option<Rational> {
    if value.is_zero() {
        return Some(Rational::from_integer(0));
    }
    if !value.is_finite() {
        return None;
    }
    let limit = 1i128 << 53;
    let target = value.abs();
    let size = log2_abs(&target);
    // Convergents h/k: h_n = a_n h_(n-1) + h_(n-2), likewise k.
    let (mut h_previous, mut h) = (0i128, 1i128);
    let (mut k_previous, mut k) = (1i128, 0i128);
    let mut rest = target;
    for _ in 0..80 {
        let estimate = rest.to_f64().floor();
        if !estimate.is_finite() || estimate >= limit as f64 {
            return None;
        }
        // The f64 may round up to the next integer: the floor is below the value.
        let whole = if Precise::from_f64(estimate) > rest { estimate - 1.0 } else { estimate };
        let whole_integer = whole as i128;
        let h_next = whole_integer.checked_mul(h)?.checked_add(h_previous)?;
        let k_next = whole_integer.checked_mul(k)?.checked_add(k_previous)?;
        if h_next >= limit || k_next >= limit {
            return None;
        }
        (h_previous, h, k_previous, k) = (h, h_next, k, k_next);
        let approximation = precise_from_i128(h).div(&precise_from_i128(k));
        if log2_abs(&approximation.sub(&target)) < size - CANCELLED_BITS {
            let numerator = if value.is_negative() { -h } else { h };
            return Some(Rational::new(numerator, k));
        }
        let fraction = rest.sub(&Precise::from_f64(whole));
        if fraction.is_zero() {
            return None;
        }
        rest = fraction.recip();
    }
    None
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Expression;
    use crate::oracle::Exact;
    use crate::program::Bindings;

    /// `p/q` to 256 bits.
    fn ratio(p: i128, q: i128) -> Precise {
        precise_from_rational(Rational::new(p, q))
    }

    fn expression_series(formula: &str, center: &Precise, terms: usize) -> Option<Series> {
        let expression = Expression::parse(formula).unwrap();
        let (graph, root) = expression.graph();
        series(graph, root, "x", center, terms)
    }

    /// The series' coefficients are the expected rationals to 70 digits, and exactly 0 where
    /// they are 0.
    fn assert_coefficients(found: &Series, valuation: i32, expected: &[(i128, i128)]) {
        assert_eq!(found.valuation, valuation, "{found:?}");
        assert!(found.coefficients.len() >= expected.len(), "{found:?}");
        for (k, (&(p, q), c)) in expected.iter().zip(&found.coefficients).enumerate() {
            if p == 0 {
                assert!(c.is_zero(), "coefficient {k} is {c:?}, not 0");
                continue;
            }
            let wanted = ratio(p, q);
            let error = c.sub(&wanted).div(&wanted);
            assert!(
                log2_abs(&error) < -232.0,
                "coefficient {k}: {} is not {p}/{q} (relative {})",
                c.to_f64(),
                error.to_f64()
            );
        }
    }

    /// The series of the formula at 0 is as expected both in the form the engine computes
    /// (stabilised: `e^x - 1` becomes `\operatorname{expm1}(x)`, `1 - \cos x` a square of a sine)
    /// and in the form as written.
    fn assert_series(formula: &str, valuation: i32, expected: &[(i128, i128)]) {
        let found = expression_series(formula, &Precise::ZERO, expected.len())
            .unwrap_or_else(|| panic!("{formula} has a series"));
        assert_eq!(found.coefficients.len(), expected.len());
        assert_coefficients(&found, valuation, expected);
        let written = Expression::parse_naive(formula).unwrap();
        let (graph, root) = written.graph();
        let found = series(graph, root, "x", &Precise::ZERO, expected.len())
            .unwrap_or_else(|| panic!("{formula} as written has a series"));
        assert_coefficients(&found, valuation, expected);
    }

    /// The exact value of `id` at `x`.
    fn exact_at(graph: &Graph, id: Id, x: &Precise) -> Precise {
        Exact::new(graph).at_input(id, &Bindings::default(), "x", *x).expect("an exact value")
    }

    /// The series summed to 256 bits at `t`.
    fn summed(found: &Series, t: &Precise) -> Precise {
        found
            .coefficients
            .iter()
            .rev()
            .fold(Precise::ZERO, |sum, c| sum.mul(t).add(c))
            .mul(&t.powi(found.valuation.into()))
    }

    /// `|a - b| / |b|`.
    fn relative(a: &Precise, b: &Precise) -> f64 {
        a.sub(b).div(b).to_f64().abs()
    }

    #[test]
    fn sin_x_over_x_is_even_with_factorial_coefficients() {
        assert_series(
            r"\frac{\sin x}{x}",
            0,
            &[(1, 1), (0, 1), (-1, 6), (0, 1), (1, 120), (0, 1), (-1, 5040), (0, 1), (1, 362_880), (0, 1)],
        );
    }

    #[test]
    fn cancelling_leading_terms_leave_enough_terms() {
        // 1/x - 1/tanh x: the poles cancel.
        assert_series(
            r"\frac{1}{x} - \frac{1}{\tanh x}",
            1,
            &[(-1, 3), (0, 1), (1, 45), (0, 1), (-2, 945), (0, 1), (1, 4725), (0, 1), (-2, 93_555)],
        );
        assert_series(
            r"\tan x - x",
            3,
            &[(1, 3), (0, 1), (2, 15), (0, 1), (17, 315), (0, 1), (62, 2835), (0, 1), (1382, 155_925)],
        );
        assert_series(r"\frac{e^x - 1 - x}{x^2}", 0, &[(1, 2), (1, 6), (1, 24), (1, 120), (1, 720), (1, 5040)]);
    }

    #[test]
    fn quotients_of_cancelling_forms() {
        assert_series(
            r"\frac{x}{e^x - 1}",
            0,
            &[(1, 1), (-1, 2), (1, 12), (0, 1), (-1, 720), (0, 1), (1, 30_240), (0, 1), (-1, 1_209_600)],
        );
        assert_series(
            r"\frac{1 - \cos x}{x^2}",
            0,
            &[(1, 2), (0, 1), (-1, 24), (0, 1), (1, 720), (0, 1), (-1, 40_320)],
        );
        assert_series(r"\frac{\ln(1 + x)}{x}", 0, &[(1, 1), (-1, 2), (1, 3), (-1, 4), (1, 5), (-1, 6), (1, 7)]);
        assert_series(r"\sqrt{1 + x} - 1", 1, &[(1, 2), (-1, 8), (1, 16), (-5, 128), (7, 256), (-21, 1024)]);
    }

    #[test]
    fn derivative_of_sin_x_over_x() {
        let derivative = Expression::parse(r"\frac{\sin x}{x}").unwrap().derivative("x").unwrap();
        let (graph, root) = derivative.graph();
        let found = series(graph, root, "x", &Precise::ZERO, 7).expect("a series");
        assert_coefficients(&found, 1, &[(-1, 3), (0, 1), (1, 30), (0, 1), (-1, 840), (0, 1), (1, 45_360)]);
        // The derivative of (1 - cos x)/x^2, whose terms cancel near 0 (docs/engine.md).
        let derivative = Expression::parse(r"\frac{1 - \cos x}{x^2}").unwrap().derivative("x").unwrap();
        let (graph, root) = derivative.graph();
        let found = series(graph, root, "x", &Precise::ZERO, 5).expect("a series");
        assert_coefficients(&found, 1, &[(-1, 12), (0, 1), (1, 180), (0, 1), (-1, 6720)]);
    }

    #[test]
    fn series_around_another_center() {
        let one = Precise::one();
        let found = expression_series(r"\frac{\ln x}{x - 1}", &one, 6).expect("a series at 1");
        assert_coefficients(&found, 0, &[(1, 1), (-1, 2), (1, 3), (-1, 4), (1, 5), (-1, 6)]);
        // A pole away from 0: 1/(x^2 - 1) at 1 is 1/(t (2 + t)) = 1/(2t) - 1/4 + t/8.
        let found = expression_series(r"\frac{1}{x^2 - 1}", &one, 4).expect("a Laurent series at 1");
        assert_coefficients(&found, -1, &[(1, 2), (-1, 4), (1, 8), (-1, 16)]);
        // max(x, 0) at 1 is x, decided strictly there.
        let found = expression_series(r"\max(x, 0)", &one, 3).expect("max decided at 1");
        assert_coefficients(&found, 0, &[(1, 1), (1, 1), (0, 1)]);
    }

    #[test]
    fn functions_of_the_table() {
        assert_series(r"\arctan x", 1, &[(1, 1), (0, 1), (-1, 3), (0, 1), (1, 5)]);
        assert_series(r"\arcsin x", 1, &[(1, 1), (0, 1), (1, 6), (0, 1), (3, 40)]);
        // erf x = 2/√π (x - x^3/3 + x^5/10): checked against the first coefficient's value.
        let erf = expression_series(r"\operatorname{erf}(x)", &Precise::ZERO, 3).expect("erf");
        let two_over_root_pi = pi().sqrt().recip().scale(1);
        assert!(relative(&erf.coefficients[0], &two_over_root_pi) < 1e-70);
        assert!(relative(&erf.coefficients[2], &two_over_root_pi.div(&Precise::from_i64(-3))) < 1e-70);
        assert_series(r"\sigma(x) - \frac{1}{2}", 1, &[(1, 4), (0, 1), (-1, 48), (0, 1), (1, 480)]);
        assert_series(r"\cosh x - 1", 2, &[(1, 2), (0, 1), (1, 24)]);
        // A root of t^4 (1 + t^2) is t^2 on both sides; one of t^2 (1 + t^2) is |t| (below).
        assert_series(r"\sqrt{x^4 + x^6}", 2, &[(1, 1), (0, 1), (1, 2), (0, 1), (-1, 8)]);
    }

    #[test]
    fn every_function_agrees_with_its_values_near_the_center() {
        let expression = Expression::parse(r"\frac{1}{4} + \frac{x}{2} + \frac{x^2}{3}").unwrap();
        let (graph, argument) = expression.graph();
        let mut graph = graph.clone();
        let functions: Vec<Func> = Func::all().collect();
        let x = graph.symbol("x");
        let half = graph.number(Rational::new(1, 2));
        let vanishing = graph.mul(half, x);
        for func in functions {
            // Of an argument that is not 0 at the centers, and of one that vanishes at 0.
            for (argument, center) in [(argument, 0.0), (argument, 0.3), (argument, -1.0), (vanishing, 0.0)] {
                let applied = graph.apply(func, argument);
                let center = Precise::from_f64(center);
                let Some(found) = series(&graph, applied, "x", &center, 24) else {
                    // Only |x/2| and sign(x/2) have none, at their kink, and ln(x/2) at 0.
                    assert!(matches!(func, Func::Abs | Func::Sign | Func::Ln) && argument == vanishing, "{func:?}");
                    continue;
                };
                assert_eq!(found.coefficients.len(), 24);
                for t in [1e-3, -2e-3] {
                    let t = Precise::from_f64(t);
                    let value = exact_at(&graph, applied, &center.add(&t));
                    let error = relative(&summed(&found, &t), &value);
                    assert!(error < 1e-55, "{func:?} at {} + {}: error {error:e}", center.to_f64(), t.to_f64());
                }
            }
        }
    }

    #[test]
    fn selects_and_parameters_where_the_center_decides() {
        let leaky = r"\begin{cases} x, & x \ge 0 \\ 2 x, & x < 0 \end{cases}";
        assert!(expression_series(leaky, &Precise::ZERO, 3).is_none());
        let found = expression_series(leaky, &Precise::one(), 3).expect("the first case at 1");
        assert_coefficients(&found, 0, &[(1, 1), (1, 1), (0, 1)]);
        let found = expression_series(leaky, &Precise::one().neg(), 2).expect("the second case at -1");
        assert_coefficients(&found, 0, &[(-2, 1), (2, 1)]);
        // A pole of even order keeps its sign; one of odd order is only unequal to everything.
        let found = expression_series(r"\max\left(\frac{1}{x^2}, 5\right)", &Precise::ZERO, 2).expect("1/x^2");
        assert_coefficients(&found, -2, &[(1, 1), (0, 1)]);
        assert!(expression_series(r"\max\left(\frac{1}{x}, 5\right)", &Precise::ZERO, 2).is_none());
        // ELU's parameter is only in the case that -1 takes.
        let elu = r"\begin{cases} x, & x \ge 0 \\ \alpha \left(e^x - 1\right), & x < 0 \end{cases}";
        assert!(expression_series(elu, &Precise::one(), 3).is_some());
        assert!(expression_series(elu, &Precise::one().neg(), 3).is_none());
    }

    #[test]
    fn zero_and_what_256_bits_cannot_decide() {
        let found = expression_series(r"x - x", &Precise::ZERO, 3).expect("0 has a series");
        assert!(found.coefficients.iter().all(Precise::is_zero));
        assert_eq!(found.radius(53), f64::INFINITY);
        // sin^2 + cos^2 - 1 is 0, but only to 256 bits: no leading term to trust.
        assert!(expression_series(r"\sin^2 x + \cos^2 x - 1", &Precise::ZERO, 3).is_none());
        // A polynomial is its own series, padded with exact zeros.
        let found = expression_series(r"(1 + x)^3 - 1", &Precise::ZERO, 5).expect("a polynomial");
        assert_coefficients(&found, 1, &[(3, 1), (3, 1), (1, 1), (0, 1), (0, 1)]);
    }

    #[test]
    fn no_series_at_branch_points_kinks_and_other_symbols() {
        let zero = Precise::ZERO;
        assert!(expression_series(r"\sqrt{x}", &zero, 4).is_none());
        assert!(expression_series(r"|x|", &zero, 4).is_none());
        assert!(expression_series(r"\sqrt{x^2}", &zero, 4).is_none());
        assert!(expression_series(r"\sqrt{x^2 + x^4}", &zero, 4).is_none());
        assert!(expression_series(r"\sqrt[3]{x^3}", &zero, 4).is_none());
        assert!(expression_series(r"\arcsin(1 - x^2)", &zero, 4).is_none());
        assert!(expression_series(r"\ln x", &zero, 4).is_none());
        assert!(expression_series(r"\max(x, 0)", &zero, 4).is_none());
        assert!(expression_series(r"e^{-\frac{1}{x^2}}", &zero, 4).is_none());
        assert!(expression_series(r"x + y", &zero, 4).is_none());
        // Away from the kink, |x| is x.
        let found = expression_series(r"|x|", &Precise::one(), 2).expect("|x| at 1");
        assert_coefficients(&found, 0, &[(1, 1), (1, 1)]);
    }

    #[test]
    fn to_ir_builds_the_horner_form_and_agrees_with_the_function() {
        let expression = Expression::parse(r"\frac{\sin x}{x}").unwrap();
        let (graph, root) = expression.graph();
        let found = series(graph, root, "x", &Precise::ZERO, 8).unwrap();
        let mut graph = graph.clone();
        let built = found.to_ir(&mut graph, "x", &Precise::ZERO, 8);
        assert!(!graph.as_written(), "the as-written flag is restored");
        // As written: 1 + x^2 (-1/6 + x^2 (1/120 + x^2 (-1/5040))), which the printer shows
        // with each sum's constant last.
        assert_eq!(crate::print::text(&graph, built), "x^2 * (x^2 * (x^2 * (-1/5040) + 1/120) - 1/6) + 1");
        let Node::Add(terms) = graph.node(built) else { panic!("a sum") };
        assert_eq!(graph.rational(terms[0]), Some(Rational::from_integer(1)));
        for x in [0.01, -0.003, 0.02] {
            let x = Precise::from_f64(x);
            let (approximation, value) = (exact_at(&graph, built, &x), exact_at(&graph, root, &x));
            assert!(relative(&approximation, &value) < 1e-15, "at {}", x.to_f64());
        }
        // Around 1: ln(x)/(x - 1) in t = x - 1.
        let center = Precise::one();
        let expression = Expression::parse(r"\frac{\ln x}{x - 1}").unwrap();
        let (graph, root) = expression.graph();
        let found = series(graph, root, "x", &center, 12).unwrap();
        let mut graph = graph.clone();
        let built = found.to_ir(&mut graph, "x", &center, 12);
        for x in [1.01, 0.995, 1.0001] {
            let x = Precise::from_f64(x);
            let (approximation, value) = (exact_at(&graph, built, &x), exact_at(&graph, root, &x));
            assert!(relative(&approximation, &value) < 1e-15, "at {}", x.to_f64());
        }
    }

    #[test]
    fn to_ir_keeps_the_valuation_and_inexact_coefficients() {
        let expression = Expression::parse(r"\frac{1}{x} - \frac{1}{\tanh x}").unwrap();
        let (graph, root) = expression.graph();
        let found = series(graph, root, "x", &Precise::ZERO, 6).unwrap();
        let mut graph = graph.clone();
        let built = found.to_ir(&mut graph, "x", &Precise::ZERO, 6);
        assert_eq!(crate::print::text(&graph, built), "x * (x^2 * (x^2 * (-2/945) + 1/45) - 1/3)");
        // erf's coefficients are irrational: floats.
        let expression = Expression::parse(r"\operatorname{erf}(x)").unwrap();
        let (graph, root) = expression.graph();
        let found = series(graph, root, "x", &Precise::ZERO, 6).unwrap();
        let mut graph = graph.clone();
        let built = found.to_ir(&mut graph, "x", &Precise::ZERO, 6);
        let x = Precise::from_f64(1e-3);
        assert!(relative(&exact_at(&graph, built, &x), &exact_at(&graph, root, &x)) < 1e-15);
    }

    #[test]
    fn radius_bounds_the_truncation_error() {
        let zero = Precise::ZERO;
        for (formula, terms) in [
            (r"\frac{\sin x}{x}", 10),
            (r"\frac{x}{e^x - 1}", 12),
            (r"\frac{1}{x} - \frac{1}{\tanh x}", 9),
            (r"\frac{\ln(1 + x)}{x}", 16),
        ] {
            let expression = Expression::parse(formula).unwrap();
            let (graph, root) = expression.graph();
            let found = series(graph, root, "x", &zero, terms).unwrap();
            let r = found.radius(53);
            assert!(r > 1e-3 && r.is_finite(), "{formula}: radius {r}");
            // All the terms up to the last nonzero one are needed at the radius.
            let last_nonzero = found.coefficients.iter().rposition(|c| !c.is_zero()).unwrap();
            assert_eq!(found.terms_within(r, 53), last_nonzero + 1, "{formula}");
            let truncation = |t: f64| {
                let t = Precise::from_f64(t);
                relative(&summed(&found, &t), &exact_at(graph, root, &t))
            };
            for t in [r, -r, r / 2.0] {
                assert!(truncation(t) < 2f64.powi(-53), "{formula}: error {:e} at {t}", truncation(t));
            }
            // Not far too small: at four times the radius the terms no longer reach 2^-53.
            assert!(truncation(4.0 * r) > 2f64.powi(-53), "{formula}: radius {r} is too small");
            let t = Precise::from_f64(r / 2.0);
            let mut graph = graph.clone();
            let built = found.to_ir(&mut graph, "x", &zero, terms);
            let error = relative(&exact_at(&graph, built, &t), &exact_at(&graph, root, &t));
            assert!(error < 4e-16, "{formula}: emitted error {error:e} at {}", r / 2.0);
            // Well inside, fewer terms do.
            assert!(found.terms_within(r / 16.0, 53) < terms, "{formula}");
        }
    }
}
