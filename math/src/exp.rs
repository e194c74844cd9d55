//! The exponential family: `e^x`, `e^x - 1` and both from one reduction, `e^x 2^j`, and
//! `e^{c x^2}` with `x^2` kept exact.

use super::{Arch, clamp, horner, select};
use crate::Float;

/// `(p, k, t)` with `e^x = 2^k (1 + p)`: `k = round(x / ln 2)` (and `t = k + ROUND_MAGIC`, whose
/// bits hold it), `r = x - k ln 2` in two parts (exact for every `k` here), `p = e^r - 1` by the
/// type's polynomial. `x` is clamped to where the result is 0 or infinite anyway; NaN stays
/// NaN.
#[inline(always)]
pub(crate) fn reduce<F: Float, A: Arch>(x: F) -> (F, F, F) {
    reduce_clamped::<F, A>(clamp(x, F::EXP_LOW, F::EXP_HIGH))
}

/// [`reduce`] of an `x` that is not positive (or NaN) by construction, `-|u|`: the upper clamp,
/// which cannot apply, left out, the same values from one instruction fewer (of about 25 in
/// `f32`'s `e^{-|u|}` and 40 in `f64`'s tanh).
#[inline(always)]
pub(crate) fn reduce_non_positive<F: Float, A: Arch>(x: F) -> (F, F, F) {
    debug_assert!(x <= F::zero() || x.is_nan(), "reduce_non_positive of a positive number");
    reduce_clamped::<F, A>(select(x < F::EXP_LOW, F::EXP_LOW, x))
}

/// [`reduce`] of an `x` already within `[EXP_LOW, EXP_HIGH]` (or NaN).
#[inline(always)]
fn reduce_clamped<F: Float, A: Arch>(x: F) -> (F, F, F) {
    let t = A::mul_add(x, F::LOG2_E, F::ROUND_MAGIC);
    let k = t - F::ROUND_MAGIC;
    let r = A::mul_add(k, -F::LN2_HI, x);
    let r = A::mul_add(k, -F::LN2_LO, r);
    let p = A::mul_add(r * r, horner::<F, A>(r, F::EXP_M1_POLYNOMIAL), r);
    (p, k, t)
}

/// `e^x`, ≤ 1 ULP; 0 below the underflow threshold, infinity above the overflow one, subnormal
/// results rounded once.
#[inline(always)]
pub fn exp<F: Float, A: Arch>(x: F) -> F {
    exp_by::<F, A>(x, reduce::<F, A>)
}

/// [`exp`] of an `x` that is not positive (or NaN) by construction (`e^{-|u|}`, from which the
/// logistic family and tanh are computed; `e^{u_i - max_j u_j}` in the softmax rows): the same
/// values without the upper clamp. A positive `x` is a caller's bug: debug builds assert, and
/// release builds return a wrong value (from `e^x`'s scaling by `2^k` with `k` out of range).
#[inline(always)]
pub fn exp_non_positive<F: Float, A: Arch>(x: F) -> F {
    exp_by::<F, A>(x, reduce_non_positive::<F, A>)
}

/// `e^x = 2^k (1 + p)` from `reduction` ([`reduce`] or [`reduce_non_positive`]), or the
/// library's where the scalar level takes it for this type.
#[inline(always)]
fn exp_by<F: Float, A: Arch>(x: F, reduction: impl Fn(F) -> (F, F, F)) -> F {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        return x.library_exp();
    }
    let (p, _, t) = reduction(x);
    (F::one() + p).scale_by_rounded(t)
}

/// `e^x 2^j` for a small integer `j` (`j = -1`: `e^x / 2`, which stays finite a little beyond
/// where `e^x` overflows): no rounding beyond `e^x`'s.
#[inline(always)]
pub fn exp_times_pow2<F: Float, A: Arch>(x: F, j: F) -> F {
    let (p, _, t) = reduce::<F, A>(x);
    (F::one() + p).scale_by_rounded(t + j)
}

/// `e^x - 1`, ≤ 1.5 ULP, exact near 0: `2^k p + (2^k - 1)`, each part exact, rounded once.
#[inline(always)]
pub fn exp_m1<F: Float, A: Arch>(x: F) -> F {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        return x.library_exp_m1();
    }
    exp_and_exp_m1::<F, A>(x).1
}

/// `(e^x, e^x - 1)` from one reduction: what `tanh` and ELU-like functions need together.
#[inline(always)]
pub fn exp_and_exp_m1<F: Float, A: Arch>(x: F) -> (F, F) {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        return (x.library_exp(), x.library_exp_m1());
    }
    let (p, k, t) = reduce::<F, A>(x);
    let exponential = (F::one() + p).scale_by_rounded(t);
    // Where 2^k - 1 is exact: 2^k p + (2^k - 1), one rounding. Far below, 2^k is below the
    // normal range and the result is -1 either way; far above, e^x - 1 rounds as well.
    let small = select(k < F::MIN_EXPONENT, F::MIN_EXPONENT, k);
    let power = F::pow2(select(small > F::EXP_M1_EXACT_ORDERS, F::zero(), small));
    let near = A::mul_add(power, p, power - F::one());
    let minus_one = select(k > F::EXP_M1_EXACT_ORDERS, exponential - F::one(), near);
    (exponential, minus_one)
}

/// `e^{c x^2}` for a constant `c`, with `x^2` and `c x^2` kept as exact pairs, so that the
/// result keeps its digits where `c x^2` is large (the Gaussian `e^{-x^2/2}` at `x = -38`,
/// where rounding `x^2` first costs hundreds of ULP).
#[inline(always)]
pub fn exp_scaled_square<F: Float, A: Arch>(x: F, c: F) -> F {
    let (square, square_error) = A::two_product(x, x);
    let (exponent, exponent_error) = A::two_product(c, square);
    let correction = A::mul_add(c, square_error, exponent_error);
    let value = exp::<F, A>(exponent);
    // e^{a + δ} = e^a (1 + δ) for the tiny δ. Where x^2 or c x^2 overflows, δ is NaN or
    // infinite and e^a is 0 or ∞: their product is NaN, and e^a is the answer.
    let corrected = A::mul_add(value, correction, value);
    select(corrected.is_nan(), value, corrected)
}

#[cfg(test)]
mod tests {
    use crate::dispatch::{Avx2, Portable};
    use crate::erf::erfc_scaled;

    /// Where `c x^2` overflows but `x^2` does not (`\operatorname{erfc}(2x)` at `x = -10^{154}`),
    /// the correction is infinite and the Gaussian factor 0: the factor is 0, not NaN.
    #[test]
    fn the_gaussian_factor_is_zero_where_its_exponent_overflows() {
        for x in [1e154, -1e154, 1e200, -f64::MAX] {
            let expected = if x < 0.0 { 2.0 } else { 0.0 };
            assert_eq!(erfc_scaled::<f64, Portable>(x, 2.0, 4.0), expected, "erfc(2 * {x:e})");
            assert_eq!(erfc_scaled::<f64, Avx2>(x, 2.0, 4.0), expected, "erfc(2 * {x:e}), fused");
            assert_eq!(super::exp_scaled_square::<f64, Portable>(x, -4.0), 0.0);
        }
        for x in [1e19f32, -1e19, -f32::MAX] {
            let expected = if x < 0.0 { 2.0 } else { 0.0 };
            assert_eq!(erfc_scaled::<f32, Portable>(x, 2.0, 4.0), expected, "erfc(2 * {x:e})");
            assert_eq!(erfc_scaled::<f32, Avx2>(x, 2.0, 4.0), expected, "erfc(2 * {x:e}), fused");
        }
    }
}
