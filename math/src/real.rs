//! [`Real`]: what the elementary functions need to know about `f32` and `f64`: bit-level
//! scaling by powers of two, the split of a number into exponent and mantissa, and each
//! function's polynomial coefficients for the type's own precision.
//!
//! Every operation here is integer or float arithmetic on the value's bits that vectorises on
//! every level (no float-to-integer conversions, which AVX2 lacks for 64-bit lanes).

/// The per-type half of the elementary functions (see the crate's documentation). Sealed: implemented
/// for `f32` and `f64` only.
pub trait Real: Sized + Copy + core::ops::Add<Output = Self> + 'static {
    /// `1.5 · 2^p`, `p` the mantissa bits: `(x + MAGIC) - MAGIC` rounds `x` to an integer, and
    /// the low bits of `x + MAGIC` hold that integer.
    const ROUND_MAGIC: Self;
    /// `1 / ln 2`.
    const LOG2_E: Self;
    /// `ln 2` to fewer bits than the type has, so that `k LN2_HI` is exact for every `k` the
    /// exponential meets (Cody and Waite).
    const LN2_HI: Self;
    /// `ln 2 - LN2_HI`.
    const LN2_LO: Self;
    /// Below this, `e^x` is 0 (with room for the scaling of [`crate::exp_times_pow2`]).
    const EXP_LOW: Self;
    /// Above this, `e^x` is infinite (with the same room).
    const EXP_HIGH: Self;
    /// `q(r)`, highest degree first, with `e^r - 1 ≈ r + r^2 q(r)` on `|r| ≤ ln(2)/2`.
    const EXP_M1_POLYNOMIAL: &'static [Self];
    /// Above this many binary orders, `2^k - 1` is no longer exact and `e^x - 1` is `e^x`
    /// minus 1.
    const EXP_M1_EXACT_ORDERS: Self;
    /// The lowest normal binary exponent.
    const MIN_EXPONENT: Self;
    /// fdlibm's `Lg2, Lg4, ...` (even) and `Lg1, Lg3, ...` (odd), highest degree first:
    /// `ln(1+f) = 2s + s^3 (...)` with `s = f/(2+f)`.
    const LOG_EVEN: &'static [Self];
    /// See [`Real::LOG_EVEN`].
    const LOG_ODD: &'static [Self];
    /// The smallest positive normal number.
    const MIN_POSITIVE_NORMAL: Self;
    /// `2^{p+1}`, which lifts a subnormal into the normal range.
    const SUBNORMAL_LIFT: Self;
    /// `p + 1`, the binary exponent of [`Real::SUBNORMAL_LIFT`].
    const SUBNORMAL_LIFT_EXPONENT: Self;
    /// `2^{ceil(p/2)} + 1`: Dekker's splitting constant.
    const SPLITTER: Self;
    /// Not a number.
    const NAN: Self;

    /// The value's bits as `u64`, for tests.
    fn bits(self) -> u64;
    /// `a b + c` with one rounding (std's `mul_add`: an instruction where the target has FMA,
    /// a library call otherwise; [`crate::dispatch::Arch`] decides when to call it).
    fn fused_mul_add(self, a: Self, b: Self) -> Self;
    /// `(hi, lo)` with `hi + lo = self` exactly and each half short enough that the product of
    /// two halves is exact (Dekker).
    fn split_halves(self) -> (Self, Self);
    /// `2^k` for an integral `k` in the normal exponent range.
    fn pow2(k: Self) -> Self;
    /// `self · 2^k` for an integral `k` up to twice the exponent range, in two exact steps, so
    /// that a subnormal or infinite result is rounded once.
    fn scale_by_pow2(self, k: Self) -> Self {
        self.scale_by_rounded(k + Self::ROUND_MAGIC)
    }
    /// `self · 2^k` given `k + ROUND_MAGIC` (as the exponential's reduction has it), like
    /// [`Real::scale_by_pow2`] but on the integer bits alone.
    fn scale_by_rounded(self, rounded: Self) -> Self;
    /// `(k, f)` with `self = 2^k (1 + f)` and `1 + f` in [√½, √2), for a positive normal value.
    fn exponent_and_fraction(self) -> (Self, Self);
    /// `|self|` with the sign of `sign`.
    fn copy_sign(self, sign: Self) -> Self;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;

    /// Whether the scalar level ([`crate::dispatch::Arch::ONE_AT_A_TIME`]) computes this type's
    /// exponentials and logarithms with `std` (true for `f64`, whose polynomials are long; `f32`'s
    /// short polynomials beat the library even one at a time, and vectorise in a user's loop).
    const LIBRARY_ONE_AT_A_TIME: bool;
    /// `std`'s `e^x`.
    fn library_exp(self) -> Self;
    /// `std`'s `e^x - 1`.
    fn library_exp_m1(self) -> Self;
    /// `std`'s `ln x`.
    fn library_ln(self) -> Self;
    /// `std`'s `ln(1 + x)`.
    fn library_ln_1p(self) -> Self;
    /// `std`'s `tanh x`.
    fn library_tanh(self) -> Self;
}

macro_rules! bit_operations {
    ($float:ty, $bits:ty, $mantissa:expr, $bias:expr) => {
        #[inline(always)]
        fn bits(self) -> u64 {
            u64::from(self.to_bits())
        }

        #[inline(always)]
        fn fused_mul_add(self, a: Self, b: Self) -> Self {
            <$float>::mul_add(self, a, b)
        }

        #[inline(always)]
        fn split_halves(self) -> (Self, Self) {
            let scaled = self * Self::SPLITTER;
            let hi = scaled - (scaled - self);
            (hi, self - hi)
        }

        #[inline(always)]
        fn pow2(k: Self) -> Self {
            // The low bits of `k + MAGIC` are `k` in two's complement; add the bias and shift
            // into the exponent field.
            let integer = (k + Self::ROUND_MAGIC).to_bits().wrapping_sub(Self::ROUND_MAGIC.to_bits());
            <$float>::from_bits(integer.wrapping_add($bias) << $mantissa)
        }

        #[inline(always)]
        fn scale_by_rounded(self, rounded: Self) -> Self {
            // k + 4 bias in the low bits (positive, so that a logical shift halves it), split
            // into two halves each within the normal exponent range.
            let offset: $bits = 4 * $bias;
            let biased = rounded.to_bits().wrapping_sub(Self::ROUND_MAGIC.to_bits()).wrapping_add(offset);
            let half = (biased >> 1).wrapping_sub(2 * $bias).wrapping_add($bias);
            let rest = biased.wrapping_sub(half).wrapping_sub(2 * $bias);
            self * <$float>::from_bits(half << $mantissa) * <$float>::from_bits(rest << $mantissa)
        }

        #[inline(always)]
        fn copy_sign(self, sign: Self) -> Self {
            <$float>::copysign(self, sign)
        }

        #[inline(always)]
        fn is_nan(self) -> bool {
            <$float>::is_nan(self)
        }

        #[inline(always)]
        fn library_exp(self) -> Self {
            <$float>::exp(self)
        }

        #[inline(always)]
        fn library_exp_m1(self) -> Self {
            <$float>::exp_m1(self)
        }

        #[inline(always)]
        fn library_ln(self) -> Self {
            <$float>::ln(self)
        }

        #[inline(always)]
        fn library_ln_1p(self) -> Self {
            <$float>::ln_1p(self)
        }

        #[inline(always)]
        fn library_tanh(self) -> Self {
            <$float>::tanh(self)
        }
    };
}

// The polynomial coefficients are written as published (SLEEF, fdlibm), some to more digits than
// the type holds.
#[allow(clippy::excessive_precision)]
impl Real for f32 {
    const ROUND_MAGIC: f32 = 12_582_912.0;
    const LOG2_E: f32 = core::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_751_953_125;
    const LN2_LO: f32 = 1.428_606_765_330_187e-6;
    const EXP_LOW: f32 = -104.0;
    const EXP_HIGH: f32 = 100.0;
    // SLEEF's `xexpf` polynomial (≤ 1 ULP with its reduction).
    const EXP_M1_POLYNOMIAL: &'static [f32] = &[
        0.000_198_527_617_612_853_646_278_381,
        0.001_393_043_552_525_341_510_772_71,
        0.008_333_360_776_305_198_669_433_59,
        0.041_666_485_369_205_474_853_515_6,
        0.166_666_671_633_720_397_949_219,
        0.5,
    ];
    const EXP_M1_EXACT_ORDERS: f32 = 24.0;
    const MIN_EXPONENT: f32 = -126.0;
    // fdlibm's `logf` (via musl): Lg4, Lg2 and Lg3, Lg1.
    const LOG_EVEN: &'static [f32] = &[0.242_790_788_412_094_12, 0.400_009_721_517_562_87];
    const LOG_ODD: &'static [f32] = &[0.284_987_866_878_509_5, 0.666_666_626_930_236_8];
    const MIN_POSITIVE_NORMAL: f32 = f32::MIN_POSITIVE;
    const SUBNORMAL_LIFT: f32 = 33_554_432.0;
    const SUBNORMAL_LIFT_EXPONENT: f32 = 25.0;
    const SPLITTER: f32 = 4097.0;
    const NAN: f32 = f32::NAN;
    const LIBRARY_ONE_AT_A_TIME: bool = false;

    bit_operations!(f32, u32, 23, 127u32);

    #[inline(always)]
    fn exponent_and_fraction(self) -> (f32, f32) {
        // musl's `logf`: bias the bits so that the exponent field rounds at √2, then put the
        // mantissa back over [√½, √2).
        let bits = self.to_bits().wrapping_add(0x3f80_0000 - 0x3f35_04f3);
        let k = ((bits >> 23) as i32 - 0x7f) as f32;
        let mantissa = f32::from_bits((bits & 0x007f_ffff) + 0x3f35_04f3);
        (k, mantissa - 1.0)
    }
}

#[allow(clippy::excessive_precision)]
impl Real for f64 {
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
    const LOG2_E: f64 = core::f64::consts::LOG2_E;
    const LN2_HI: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const LN2_LO: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    const EXP_LOW: f64 = -746.0;
    const EXP_HIGH: f64 = 1000.0;
    // SLEEF's `expm1k` polynomial, then the 1/2 of the `r^2` term.
    const EXP_M1_POLYNOMIAL: &'static [f64] = &[
        2.088_606_211_072_836_875_363_41e-9,
        2.511_129_308_928_765_186_106_61e-8,
        2.755_739_112_349_004_718_933_38e-7,
        2.755_723_629_119_288_276_294_23e-6,
        2.480_158_715_923_547_299_879_1e-5,
        0.000_198_412_698_960_509_205_564_975,
        0.001_388_888_888_897_744_922_079_62,
        0.008_333_333_333_316_527_216_649_84,
        0.041_666_666_666_666_504_759_142_2,
        0.166_666_666_666_666_851_703_837,
        0.5,
    ];
    const EXP_M1_EXACT_ORDERS: f64 = 53.0;
    const MIN_EXPONENT: f64 = -1022.0;
    // fdlibm's `log`: Lg6, Lg4, Lg2 and Lg7, Lg5, Lg3, Lg1.
    const LOG_EVEN: &'static [f64] =
        &[1.531_383_769_920_937_332e-1, 2.222_219_843_214_978_396e-1, 3.999_999_999_940_941_908e-1];
    const LOG_ODD: &'static [f64] = &[
        1.479_819_860_511_658_591e-1,
        1.818_357_216_161_805_012e-1,
        2.857_142_874_366_239_149e-1,
        6.666_666_666_666_735_130e-1,
    ];
    const MIN_POSITIVE_NORMAL: f64 = f64::MIN_POSITIVE;
    const SUBNORMAL_LIFT: f64 = 18_014_398_509_481_984.0;
    const SUBNORMAL_LIFT_EXPONENT: f64 = 54.0;
    const SPLITTER: f64 = 134_217_729.0;
    const NAN: f64 = f64::NAN;
    const LIBRARY_ONE_AT_A_TIME: bool = true;

    bit_operations!(f64, u64, 52, 1023u64);

    #[inline(always)]
    fn exponent_and_fraction(self) -> (f64, f64) {
        let bits = self.to_bits().wrapping_add(0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd);
        // The biased exponent as a float without a 64-bit integer conversion (AVX2 has none):
        // put it in the mantissa of 2^52 and subtract.
        let biased = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - 4_503_599_627_370_496.0;
        let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) + 0x3fe6_a09e_667f_3bcd);
        (biased - 1023.0, mantissa - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Real;

    #[test]
    fn powers_of_two_reach_the_subnormals_and_infinity() {
        assert_eq!(f32::pow2(0.0), 1.0);
        assert_eq!(f32::pow2(-126.0), f32::MIN_POSITIVE);
        assert_eq!(f32::pow2(127.0), 2f32.powi(127));
        assert_eq!(1.0f32.scale_by_pow2(-149.0), f32::from_bits(1));
        assert_eq!(1.0f32.scale_by_pow2(-151.0), 0.0);
        assert_eq!(1.5f32.scale_by_pow2(128.0), f32::INFINITY);
        assert_eq!(f64::pow2(-1022.0), f64::MIN_POSITIVE);
        assert_eq!(1.0f64.scale_by_pow2(-1074.0), f64::from_bits(1));
        assert_eq!(1.0f64.scale_by_pow2(1023.0), 2f64.powi(1023));
        assert_eq!(1.0f64.scale_by_pow2(1024.0), f64::INFINITY);
    }

    #[test]
    fn exponent_and_fraction_center_on_one() {
        assert_eq!(1.0f32.exponent_and_fraction(), (0.0, 0.0));
        assert_eq!(8.0f64.exponent_and_fraction(), (3.0, 0.0));
        assert_eq!(1.5f64.exponent_and_fraction(), (1.0, -0.25));
        assert_eq!(0.75f32.exponent_and_fraction(), (0.0, -0.25));
        assert_eq!(f64::MAX.exponent_and_fraction().0, 1024.0);
    }

    #[test]
    fn split_halves_multiply_exactly() {
        let x = 1.0f64 / 3.0;
        let (hi, lo) = x.split_halves();
        assert_eq!(hi + lo, x);
        // Each half has at most 26 significant bits, so its square is exact.
        assert_eq!(hi.mul_add(hi, -(hi * hi)), 0.0);
        assert_eq!(lo.mul_add(lo, -(lo * lo)), 0.0);
    }
}
