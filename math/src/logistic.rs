//! The logistic family and the hyperbolic functions, each from one exponential of a
//! non-positive number, so that nothing overflows and both tails keep their digits.

use super::exp::{exp_non_positive, reduce_non_positive};
use super::{Arch, exp_m1, exp_times_pow2, ln_1p, select};
use crate::Float;

/// `(e, r)` with `e = e^{-|u|}` and `r = 1/(1 + e)`: what `σ(±u)`, `σ(u)σ(-u)` and
/// `softplus(±u)` are computed from, so that a definition using several of them computes one
/// exponential and one division.
#[inline(always)]
pub fn logistic_parts<F: Float, A: Arch>(u: F) -> (F, F) {
    let e = exp_non_positive::<F, A>(-u.abs());
    (e, F::one() / (F::one() + e))
}

/// `σ(x)` from the parts of `±x` ([`logistic_parts`]): `r` for `x ≥ 0`, `e r` below. (Generic
/// over the level like every function here, so that generated code calls them all alike.)
#[inline(always)]
pub fn sigmoid_from_parts<F: Float, A: Arch>(x: F, e: F, r: F) -> F {
    select(x >= F::zero(), r, e * r)
}

/// `σ(u) σ(-u) = e r^2` from the parts of `u`.
#[inline(always)]
pub fn sigmoid_derivative_from_parts<F: Float, A: Arch>(e: F, r: F) -> F {
    e * r * r
}

/// `softplus(x) = max(x, 0) + ln(1 + e)` from `e = e^{-|x|}`.
#[inline(always)]
pub fn softplus_from_parts<F: Float, A: Arch>(x: F, e: F) -> F {
    let positive = select(x > F::zero(), x, F::zero());
    // NaN in, NaN out (the select above would have made it 0).
    select(x.is_nan(), x, positive + ln_1p::<F, A>(e))
}

/// `σ(x) = 1 / (1 + e^{-x})`, ≤ 2 ULP: `1/(1 + e)` or `e/(1 + e)` with `e = e^{-|x|}`, so that
/// `σ(-1000)` is 0 and `σ(-30)` keeps its digits.
#[inline(always)]
pub fn sigmoid<F: Float, A: Arch>(x: F) -> F {
    let (e, r) = logistic_parts::<F, A>(x);
    sigmoid_from_parts::<F, A>(x, e, r)
}

/// `σ(x) σ(-x) = e / (1 + e)^2` with `e = e^{-|x|}`, ≤ 3.5 ULP: the sigmoid's derivative
/// without the cancellation of `σ(1 - σ)`.
#[inline(always)]
pub fn sigmoid_derivative<F: Float, A: Arch>(x: F) -> F {
    let (e, r) = logistic_parts::<F, A>(x);
    sigmoid_derivative_from_parts::<F, A>(e, r)
}

/// `ln(1 + e^x) = max(x, 0) + ln(1 + e^{-|x|})`, ≤ 2 ULP: `softplus(1000)` is 1000 and
/// `softplus(-1000)` is `e^{-1000}` (0), not NaN.
#[inline(always)]
pub fn softplus<F: Float, A: Arch>(x: F) -> F {
    softplus_from_parts::<F, A>(x, exp_non_positive::<F, A>(-x.abs()))
}

/// `(tanh x, sech^2 x)` from one reduction of `-2|x|`: with `e = e^{-2|x|}` and `m = e - 1`,
/// `tanh|x| = -m / (1 + e)` (exact near 0, where `m` is) and `sech^2 x = 4e / (1 + e)^2` (exact
/// in the tails, where `1 - tanh^2` cancels).
#[inline(always)]
pub fn tanh_and_sech2<F: Float, A: Arch>(x: F) -> (F, F) {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        // One value: the library's tanh, and sech^2 as 1 - tanh^2 where that does not cancel
        // (below 0.55, where it is at least 0.75), else from the library's e^{-2|x|}. One call
        // on each path; a caller wanting the value alone drops the second.
        let tanh = x.library_tanh();
        let sech2 = if x.abs() < F::literal(0.55, 0.55) {
            F::one() - tanh * tanh
        } else {
            let e = (F::literal(-2.0, -2.0) * x.abs()).library_exp();
            let reciprocal = F::one() / (F::one() + e);
            F::literal(4.0, 4.0) * e * reciprocal * reciprocal
        };
        return (tanh, sech2);
    }
    // e = 2^k (1 + p). Where k = 0, m is p itself, exact; elsewhere e ≤ √½ and e - 1 does not
    // cancel (for k = -1 it is even exact, e being at least ½).
    let (p, k, t) = reduce_non_positive::<F, A>(F::literal(-2.0, -2.0) * x.abs());
    let e = (F::one() + p).scale_by_rounded(t);
    let m = select(k == F::zero(), p, e - F::one());
    let reciprocal = F::one() / (F::one() + e);
    // m ≤ 0: its magnitude times the reciprocal, with the sign of x.
    let tanh = (m * reciprocal).copy_sign(x);
    let sech2 = F::literal(4.0, 4.0) * e * reciprocal * reciprocal;
    (tanh, sech2)
}

/// `tanh x`, ≤ 2.5 ULP.
#[inline(always)]
pub fn tanh<F: Float, A: Arch>(x: F) -> F {
    tanh_and_sech2::<F, A>(x).0
}

/// `cosh x = h + 1/(4h)` with `h = e^{|x|}/2`, ≤ 2 ULP, finite wherever the result is.
#[inline(always)]
pub fn cosh<F: Float, A: Arch>(x: F) -> F {
    let half = exp_times_pow2::<F, A>(x.abs(), -F::one());
    half + F::literal(0.25, 0.25) / half
}

/// `sinh x`, ≤ 2 ULP: `(m + m/(m + 1))/2` with `m = e^{|x|} - 1` below 1 (no cancellation near
/// 0), `h - 1/(4h)` with `h = e^{|x|}/2` above.
#[inline(always)]
pub fn sinh<F: Float, A: Arch>(x: F) -> F {
    let a = x.abs();
    let half = F::literal(0.5, 0.5);
    let m = exp_m1::<F, A>(select(a < F::one(), a, F::zero()));
    let small = half * (m + m / (m + F::one()));
    let h = exp_times_pow2::<F, A>(a, -F::one());
    let large = h - F::literal(0.25, 0.25) / h;
    select(a < F::one(), small, large).copy_sign(x)
}
