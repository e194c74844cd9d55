//! The `Float` trait: exactly the operations generated code calls, for `f32` and `f64`.
//!
//! `num-traits`' `Float` has no `erf`, `erfc`, sigmoid or softplus, and std's `erf` is unstable,
//! so texgrad has its own small sealed trait. The exponentials, logarithms, the logistic family
//! and the error functions are texgrad's own ([`crate`]: branch-free, so that loops over
//! them vectorise, each with its measured error bound); the methods here are those functions
//! compiled for the scalar level ([`crate::dispatch::Scalar`]). Square roots and integer powers
//! are the hardware's; the trigonometric functions and real powers come from `std`.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use crate as math;
use crate::dispatch::Scalar;
use crate::{ErfApproximation, Real};

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
    + Real
    + ErfApproximation
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

    /// `e^x` ([`math::exp`]).
    #[inline(always)]
    fn exp(self) -> Self {
        math::exp::<Self, Scalar>(self)
    }
    /// `e^x - 1`, exact near 0 ([`math::exp_m1`]).
    #[inline(always)]
    fn exp_m1(self) -> Self {
        math::exp_m1::<Self, Scalar>(self)
    }
    /// Natural logarithm ([`math::ln`]).
    #[inline(always)]
    fn ln(self) -> Self {
        math::ln::<Self, Scalar>(self)
    }
    /// `ln(1 + x)`, exact near 0 ([`math::ln_1p`]).
    #[inline(always)]
    fn ln_1p(self) -> Self {
        math::ln_1p::<Self, Scalar>(self)
    }
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
    /// Hyperbolic sine ([`math::sinh`]).
    #[inline(always)]
    fn sinh(self) -> Self {
        math::sinh::<Self, Scalar>(self)
    }
    /// Hyperbolic cosine ([`math::cosh`]).
    #[inline(always)]
    fn cosh(self) -> Self {
        math::cosh::<Self, Scalar>(self)
    }
    /// Hyperbolic tangent ([`math::tanh`]).
    #[inline(always)]
    fn tanh(self) -> Self {
        math::tanh::<Self, Scalar>(self)
    }
    /// Arctangent.
    fn atan(self) -> Self;
    /// Arcsine.
    fn asin(self) -> Self;
    /// Arccosine.
    fn acos(self) -> Self;
    /// The error function ([`math::erf`]).
    #[inline(always)]
    fn erf(self) -> Self {
        math::erf::<Self, Scalar>(self)
    }
    /// The complementary error function, exact where `erf` is near ±1 ([`math::erfc`]).
    #[inline(always)]
    fn erfc(self) -> Self {
        math::erfc::<Self, Scalar>(self)
    }
    /// Absolute value.
    fn abs(self) -> Self;

    /// -1, 0 or 1 (0 at ±0, unlike `signum`), NaN for NaN.
    #[inline(always)]
    fn sign(self) -> Self {
        let negative = math::select(self < Self::zero(), -Self::one(), self);
        math::select(self > Self::zero(), Self::one(), negative)
    }

    /// The logistic sigmoid `1 / (1 + e^{-x})`, finite and with full relative precision on both
    /// sides (`σ(-1000)` is 0, not NaN; `σ(-30)` keeps its digits) ([`math::sigmoid`]).
    #[inline(always)]
    fn sigmoid(self) -> Self {
        math::sigmoid::<Self, Scalar>(self)
    }

    /// `σ(x) σ(-x) = e^{-|x|} / (1 + e^{-|x|})^2`: the sigmoid's derivative with one exponential,
    /// exact in both tails ([`math::sigmoid_derivative`]).
    #[inline(always)]
    fn sigmoid_derivative(self) -> Self {
        math::sigmoid_derivative::<Self, Scalar>(self)
    }

    /// `ln(1 + e^x)`, so that `softplus(1000)` is 1000 ([`math::softplus`]).
    #[inline(always)]
    fn softplus(self) -> Self {
        math::softplus::<Self, Scalar>(self)
    }

    /// The standard normal CDF `Φ(x) = erfc(-x/√2)/2`, exact in both tails ([`math::phi`]).
    #[inline(always)]
    fn phi(self) -> Self {
        math::phi::<Self, Scalar>(self)
    }

    /// `y ln x`, and 0 where `y` is 0 (the `0 log 0 = 0` convention of cross-entropy and KL)
    /// ([`math::xlogy`]).
    #[inline(always)]
    fn xlogy(y: Self, x: Self) -> Self {
        math::xlogy::<Self, Scalar>(y, x)
    }

    /// `max(a, b)`, taking `a` at a tie (and where neither is greater, as with NaN).
    #[inline(always)]
    fn maximum(a: Self, b: Self) -> Self {
        math::select(a >= b, a, b)
    }

    /// `min(a, b)`, taking `a` at a tie.
    #[inline(always)]
    fn minimum(a: Self, b: Self) -> Self {
        math::select(a <= b, a, b)
    }
}

macro_rules! impl_float {
    ($float:ty, $field:tt) => {
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
            fn abs(self) -> Self {
                <$float>::abs(self)
            }
        }
    };
}

impl_float!(f32, 0);
impl_float!(f64, 1);

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
