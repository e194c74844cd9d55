//! The `Float` trait: exactly the operations generated code calls, for `f32` and `f64`.
//!
//! `num-traits`' `Float` has no `erf`, `erfc`, sigmoid or softplus, and std's `erf` is unstable,
//! so texgrad has its own small sealed trait. The special functions come from `libm` (erf ≤ 1
//! ULP, erfc ≤ 4 ULP by its own MPFR tests); the stable compositions (sigmoid, softplus, `xlogy`,
//! the normal CDF) are written here once, so that generated code stays short.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: what every generated function is generic over.
pub trait Float:
    sealed::Sealed
    + Copy
    + Default
    + Debug
    + Display
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    /// A constant, given correctly rounded in both types by the code generator.
    fn literal(single: f32, double: f64) -> Self;
    /// The nearest value to an `f64`.
    fn from_f64(value: f64) -> Self;
    /// The value as `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// A length or count, such as `n`.
    fn from_usize(value: usize) -> Self;
    /// 0.
    fn zero() -> Self;
    /// 1.
    fn one() -> Self;
    /// Positive infinity.
    fn infinity() -> Self;

    /// `e^x`.
    fn exp(self) -> Self;
    /// `e^x - 1`, exact near 0.
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `ln(1 + x)`, exact near 0.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Integer power.
    fn powi(self, n: i32) -> Self;
    /// Real power.
    fn powf(self, exponent: Self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Tangent.
    fn tan(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Arctangent.
    fn atan(self) -> Self;
    /// Arcsine.
    fn asin(self) -> Self;
    /// Arccosine.
    fn acos(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// The complementary error function, exact where `erf` is near ±1.
    fn erfc(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;

    /// -1, 0 or 1 (0 at ±0, unlike `signum`), NaN for NaN.
    fn sign(self) -> Self {
        if self > Self::zero() {
            Self::one()
        } else if self < Self::zero() {
            -Self::one()
        } else {
            self
        }
    }

    /// The logistic sigmoid `1 / (1 + e^{-x})`, finite and with full relative precision on both
    /// sides (`σ(-1000)` is 0, not NaN; `σ(-30)` keeps its digits).
    fn sigmoid(self) -> Self {
        // One exponential of a non-positive number, and a select rather than a branch, so that
        // slice loops over it can be vectorised.
        let e = (-self.abs()).exp();
        let s = Self::one() / (Self::one() + e);
        if self >= Self::zero() { s } else { e * s }
    }

    /// `σ(x) σ(-x) = e^{-|x|} / (1 + e^{-|x|})^2`: the sigmoid's derivative with one exponential,
    /// exact in both tails (what generated code calls for `σ(u) σ(-u)`).
    fn sigmoid_derivative(self) -> Self {
        let e = (-self.abs()).exp();
        let d = Self::one() + e;
        e / (d * d)
    }

    /// `ln(1 + e^x)`: `x + ln_1p(e^{-x})` for positive `x`, so that `softplus(1000)` is 1000.
    fn softplus(self) -> Self {
        let positive = if self > Self::zero() { self } else { Self::zero() };
        positive + (-self.abs()).exp().ln_1p()
    }

    /// The standard normal CDF `Φ(x) = erfc(-x/√2)/2`, exact in both tails.
    fn phi(self) -> Self {
        let half = Self::literal(0.5, 0.5);
        let inverse_sqrt_2 = Self::literal(core::f32::consts::FRAC_1_SQRT_2, core::f64::consts::FRAC_1_SQRT_2);
        half * (-self * inverse_sqrt_2).erfc()
    }

    /// `y ln x`, and 0 where `y` is 0 (the `0 log 0 = 0` convention of cross-entropy and KL).
    fn xlogy(y: Self, x: Self) -> Self {
        if y == Self::zero() { Self::zero() } else { y * x.ln() }
    }

    /// `max(a, b)`, taking `a` at a tie (and where neither is greater, as with NaN).
    fn maximum(a: Self, b: Self) -> Self {
        if a >= b { a } else { b }
    }

    /// `min(a, b)`, taking `a` at a tie.
    fn minimum(a: Self, b: Self) -> Self {
        if a <= b { a } else { b }
    }
}

macro_rules! impl_float {
    ($float:ty, $field:tt, $erf:path, $erfc:path) => {
        impl Float for $float {
            #[inline(always)]
            fn literal(single: f32, double: f64) -> Self {
                (single, double).$field
            }
            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                value as $float
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(value: usize) -> Self {
                value as $float
            }
            #[inline(always)]
            fn zero() -> Self {
                0.0
            }
            #[inline(always)]
            fn one() -> Self {
                1.0
            }
            #[inline(always)]
            fn infinity() -> Self {
                <$float>::INFINITY
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$float>::exp(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                <$float>::exp_m1(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$float>::ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                <$float>::ln_1p(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$float>::sqrt(self)
            }
            #[inline(always)]
            fn powi(self, n: i32) -> Self {
                <$float>::powi(self, n)
            }
            #[inline(always)]
            fn powf(self, exponent: Self) -> Self {
                <$float>::powf(self, exponent)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                <$float>::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                <$float>::cos(self)
            }
            #[inline(always)]
            fn tan(self) -> Self {
                <$float>::tan(self)
            }
            #[inline(always)]
            fn sinh(self) -> Self {
                <$float>::sinh(self)
            }
            #[inline(always)]
            fn cosh(self) -> Self {
                <$float>::cosh(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$float>::tanh(self)
            }
            #[inline(always)]
            fn atan(self) -> Self {
                <$float>::atan(self)
            }
            #[inline(always)]
            fn asin(self) -> Self {
                <$float>::asin(self)
            }
            #[inline(always)]
            fn acos(self) -> Self {
                <$float>::acos(self)
            }
            #[inline(always)]
            fn erf(self) -> Self {
                $erf(self)
            }
            #[inline(always)]
            fn erfc(self) -> Self {
                $erfc(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$float>::abs(self)
            }
        }
    };
}

impl_float!(f32, 0, libm::erff, libm::erfcf);
impl_float!(f64, 1, libm::erf, libm::erfc);

#[cfg(test)]
mod tests {
    use super::Float;

    #[test]
    fn stable_compositions_stay_finite() {
        // Reference values from mpmath at 50 digits: 1/(1+exp(30)) and erfc(10/sqrt(2))/2.
        assert_eq!(Float::sigmoid(-1000.0f64), 0.0);
        assert_eq!(Float::sigmoid(1000.0f64), 1.0);
        assert_eq!(Float::sigmoid_derivative(0.0f64), 0.25);
        assert_eq!(Float::sigmoid_derivative(-1000.0f64), 0.0);
        assert!((Float::sigmoid(-30.0f64) / 9.357622968839299e-14 - 1.0).abs() < 1e-15);
        assert_eq!(Float::softplus(1000.0f64), 1000.0);
        assert_eq!(Float::softplus(-1000.0f64), 0.0);
        assert_eq!(<f64 as Float>::xlogy(0.0, 0.0), 0.0);
        assert!((Float::phi(-10.0f64) / 7.619853024160526e-24 - 1.0).abs() < 1e-14);
        assert_eq!(Float::sign(0.0f32), 0.0);
        assert_eq!(Float::sign(-2.0f32), -1.0);
        assert_eq!(<f32 as Float>::literal(0.1, 0.1), 0.1f32);
    }
}
