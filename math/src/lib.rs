//! texgrad's numbers: the [`Float`] trait generated code is generic over, run-time
//! [`dispatch`] between instruction-set levels, and elementary functions that vectorise
//! (exponentials, logarithms, the logistic family, the error functions) for `f32` and `f64`.
//! The runtime (`texgrad-runtime`) re-exports it as `texgrad::math`; the engine
//! (`texgrad-symbolic`) evaluates candidate forms with it, so that it measures the accuracy of
//! exactly what the generated code computes.
//!
//! Each function is one generic body, written against [`Real`] (the per-type bit tricks and
//! polynomial tables) and an [`Arch`] (how a multiply-add rounds), branch-free (selects, not
//! jumps) and without library calls, so that a loop over it compiles to vector code at every
//! dispatch level. `f32` and `f64` each have their own polynomials, to their own precision.
//!
//! Measured error against 50-digit references (`scripts/references_elementary.py`, committed in
//! `tests/references/elementary.tsv`) over the whole input range, subnormals and the overflow
//! and underflow edges included; `tests/elementary.rs` checks every bound below at every
//! dispatch level, and `docs/elementary.md` reports the measured figures.
//!
//! | function | algorithm | bound in ULP, `f32` / `f64` |
//! |---|---|---|
//! | [`exp()`] | `2^k (1 + p(r))`, `r = x - k ln 2` in two parts, two-step scaling for subnormal results | 1 / 1 |
//! | [`exp_m1()`] | the same reduction, `2^k p + (2^k - 1)` | 1.5 / 2 |
//! | [`ln()`] | `k ln 2 + ln(1 + f)`, `f` in [√½ - 1, √2 - 1], fdlibm's `s = f/(2+f)` series | 1 / 1 |
//! | [`ln_1p()`] | as `ln`, with the rounding of `1 + x` corrected | 1.5 / 1.5 |
//! | [`sigmoid()`] | `1/(1 + e^{-|x|})`, or `e^{-|x|}` times it | 2 / 2 |
//! | [`sigmoid_derivative()`] | `e/(1 + e)^2`, `e = e^{-|x|}` | 3.5 / 3.5 |
//! | [`tanh()`] | `-m / (1 + e)` with `e = e^{-2|x|}`, `m = e - 1` from one reduction | 2.5 / 2.5 |
//! | [`tanh_and_sech2()`]'s `sech^2` | `4e/(1 + e)^2` | 3 / 3 |
//! | [`softplus()`] | `max(x, 0) + ln_1p(e^{-|x|})` | 2 / 2 |
//! | [`erf()`] | `f64`: W. J. Cody's rational approximations (three intervals, one division); `f32`: `t Q(t^2)` near 0, `e^{-t^2} w P(w)` with `w = 1/(1 + |t|)` beyond; `e^{-x^2}` with `x^2` split exactly | 3 / 2.5 |
//! | [`erfc()`] | the same | 3 / 4 |
//! | [`phi()`] | `erfc(-x/√2)/2` with `x^2/2` exact, so the tail keeps its digits | 3 / 4.5 |
//! | [`sinh()`], [`cosh()`] | from `e^{|x|}/2` (no early overflow) and `e^{|x|} - 1` | 2 / 2 |

pub mod dispatch;
mod erf;
mod exp;
pub mod float;
mod log;
mod logistic;
mod real;

pub use float::Float;

pub use erf::{
    ErfApproximation, erf, erf_given_gaussian, erfc, erfc_given_gaussian, erfc_scaled, phi, phi_given_gaussian,
};
pub use exp::{exp, exp_and_exp_m1, exp_m1, exp_non_positive, exp_scaled_square, exp_times_pow2};
pub use log::{ln, ln_1p, xlogy};
pub use logistic::{
    cosh, logistic_parts, sigmoid, sigmoid_derivative, sigmoid_derivative_from_parts, sigmoid_from_parts, sinh,
    softplus, softplus_from_parts, tanh, tanh_and_sech2,
};
pub use real::Real;

pub use crate::dispatch::Arch;

/// `c_0 x^{n} + c_1 x^{n-1} + ... + c_n` by Horner's rule, `coefficients` highest degree first.
#[inline(always)]
pub(crate) fn horner<F: Float, A: Arch>(x: F, coefficients: &[F]) -> F {
    let mut value = coefficients[0];
    for &coefficient in &coefficients[1..] {
        value = A::mul_add(value, x, coefficient);
    }
    value
}

/// `if condition { then } else { otherwise }` with both already computed: a select, which
/// vectorises to a blend. (`select_unpredictable`, not `if`: LLVM otherwise sometimes keeps
/// nested conditions as branches, and a loop with branches does not vectorise.)
#[inline(always)]
pub fn select<F>(condition: bool, then: F, otherwise: F) -> F {
    core::hint::select_unpredictable(condition, then, otherwise)
}

/// `if condition { then() } else { otherwise() }`, for a side that costs a function call: a
/// branch at the scalar level, where it skips the side not taken; a select elsewhere (both sides
/// computed, as a vector loop computes them anyway). Callers mark the closures
/// `#[inline(always)]` so that they are compiled with the level's features.
#[inline(always)]
pub fn choose<F: Float, A: Arch>(condition: bool, then: impl FnOnce() -> F, otherwise: impl FnOnce() -> F) -> F {
    if A::ONE_AT_A_TIME { if condition { then() } else { otherwise() } } else { select(condition, then(), otherwise()) }
}

/// `x` clamped to `[low, high]`; NaN stays NaN.
#[inline(always)]
pub(crate) fn clamp<F: Float>(x: F, low: F, high: F) -> F {
    let x = select(x < low, low, x);
    select(x > high, high, x)
}
