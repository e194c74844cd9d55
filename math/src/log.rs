//! Logarithms: `ln x` and `ln(1 + x)`, fdlibm's reduction and series written branch-free.

use super::{Arch, horner, select};
use crate::Float;

/// `ln(1 + f) + k ln 2 + c` for `1 + f` in [√½, √2): fdlibm's `s = f / (2 + f)` series, with
/// the large terms added last so that the result rounds once. `c` is a small correction.
#[inline(always)]
fn log_of_reduced<F: Float, A: Arch>(k: F, f: F, correction: F) -> F {
    let two = F::literal(2.0, 2.0);
    let half = F::literal(0.5, 0.5);
    let s = f / (two + f);
    let z = s * s;
    let w = z * z;
    let even = w * horner::<F, A>(w, F::LOG_EVEN);
    let odd = z * horner::<F, A>(w, F::LOG_ODD);
    let series = even + odd;
    let half_square = half * f * f;
    let small = A::mul_add(s, half_square + series, A::mul_add(k, F::LN2_LO, correction));
    A::mul_add(k, F::LN2_HI, (small - half_square) + f)
}

/// `ln x`, ≤ 1 ULP: -∞ at 0, NaN below 0 and for NaN, ∞ at ∞; subnormals are lifted into the
/// normal range first.
#[inline(always)]
pub fn ln<F: Float, A: Arch>(x: F) -> F {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        return x.library_ln();
    }
    let subnormal = x < F::MIN_POSITIVE_NORMAL;
    let lifted = select(subnormal, x * F::SUBNORMAL_LIFT, x);
    let (k, f) = lifted.exponent_and_fraction();
    let k = select(subnormal, k - F::SUBNORMAL_LIFT_EXPONENT, k);
    let value = log_of_reduced::<F, A>(k, f, F::zero());
    special_cases(x, value)
}

/// The IEEE results at the edges of the logarithm's domain.
#[inline(always)]
fn special_cases<F: Float>(x: F, value: F) -> F {
    let value = select(x == F::infinity(), x, value);
    let value = select(x == F::zero(), -F::infinity(), value);
    select(x < F::zero() || x.is_nan(), F::NAN, value)
}

/// `ln(1 + x)`, ≤ 1.5 ULP, exact near 0: `u = 1 + x` is reduced like `ln`, and the rounding of
/// `1 + x` is added back as `(x - (u - 1)) / u` (musl's `log1p`, branch-free).
#[inline(always)]
pub fn ln_1p<F: Float, A: Arch>(x: F) -> F {
    if A::ONE_AT_A_TIME && F::LIBRARY_ONE_AT_A_TIME {
        return x.library_ln_1p();
    }
    let one = F::one();
    let u = one + x;
    let (k, f) = u.exponent_and_fraction();
    // The part of x that 1 + x rounded away. For k ≥ 2, u - x is exact instead of u - 1.
    let lost = select(k >= F::literal(2.0, 2.0), one - (u - x), x - (u - one));
    // lost/u without a division: 1/u = 2^-k / (1 + f) ≈ 2^-k (1 - f + f^2 - f^3). Where f is
    // small (u near 1, where lost can be most of the result) that is exact to f^4; where f is
    // not, lost is far below the result's rounding and a few digits of 1/u are plenty. Where
    // 1 + x ≫ 1 the correction is below the rounding; 0 avoids an overflowing u.
    let series = A::mul_add(-f, A::mul_add(-f, A::mul_add(-f, F::one(), F::one()), F::one()), F::one());
    let reciprocal = series * F::pow2(select(k < F::EXP_M1_EXACT_ORDERS, -k, F::zero()));
    let correction = select(k < F::EXP_M1_EXACT_ORDERS, lost * reciprocal, F::zero());
    let value = log_of_reduced::<F, A>(k, f, correction);
    special_cases(u, value)
}

/// `y ln x`, and 0 where `y` is 0 whatever `x` is (the `0 ln 0 = 0` convention of cross-entropy
/// and KL divergence).
#[inline(always)]
pub fn xlogy<F: Float, A: Arch>(y: F, x: F) -> F {
    super::choose::<F, A>(
        y == F::zero(),
        #[inline(always)]
        || F::zero(),
        #[inline(always)]
        || y * ln::<F, A>(x),
    )
}
