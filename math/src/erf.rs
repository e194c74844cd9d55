//! The error functions and the normal CDF. `f64`: W. J. Cody's rational approximations (ACM TOMS
//! 1969, netlib `specfun/calerf`), written branch-free: each interval's numerator and denominator
//! is evaluated, the lane's pair selected, and one division made. `f32`: two polynomials fitted
//! for its precision (`scripts/fit_erf_f32.py`).
//!
//! In the tails `erfc(y) = e^{-y^2} S(y)` with a slowly varying `S`; the caller supplies
//! `e^{-y^2}` computed from its own argument with the square kept exact
//! ([`super::exp_scaled_square`]), which is what keeps `Φ(-38)` right to the last digits: the
//! rounding of `-38/√2` would otherwise be amplified 1400-fold by the exponential.

use super::{Arch, exp_scaled_square, horner, select};
use crate::Float;

/// Cody's coefficients as published (to more digits than `f64` holds), as `f64`; each type
/// rounds them once (an `f32` evaluation of these
/// rationals stays within its own rounding: every coefficient is positive, nothing cancels).
#[allow(clippy::excessive_precision)]
mod cody {
    /// `erf(x) = x N(x^2) / D(x^2)` on `|x| ≤ 0.46875`, highest degree first.
    pub const SMALL_NUMERATOR: [f64; 5] = [
        1.857_777_061_846_031_53e-1,
        3.161_123_743_870_565_60e0,
        1.138_641_541_510_501_56e2,
        3.774_852_376_853_020_21e2,
        3.209_377_589_138_469_47e3,
    ];
    pub const SMALL_DENOMINATOR: [f64; 5] = [
        1.0,
        2.360_129_095_234_412_09e1,
        2.440_246_379_344_441_73e2,
        1.282_616_526_077_372_28e3,
        2.844_236_833_439_170_62e3,
    ];
    /// `erfc(y) e^{y^2} = N(y) / D(y)` on `0.46875 < y ≤ 4`.
    pub const MIDDLE_NUMERATOR: [f64; 9] = [
        2.153_115_354_744_038_46e-8,
        5.641_884_969_886_700_89e-1,
        8.883_149_794_388_375_94e0,
        6.611_919_063_714_162_95e1,
        2.986_351_381_974_001_31e2,
        8.819_522_212_417_690_90e2,
        1.712_047_612_634_070_58e3,
        2.051_078_377_826_071_47e3,
        1.230_339_354_797_997_25e3,
    ];
    pub const MIDDLE_DENOMINATOR: [f64; 9] = [
        1.0,
        1.574_492_611_070_983_47e1,
        1.176_939_508_913_124_99e2,
        5.371_811_018_620_098_58e2,
        1.621_389_574_566_690_19e3,
        3.290_799_235_733_459_63e3,
        4.362_619_090_143_247_16e3,
        3.439_367_674_143_721_64e3,
        1.230_339_354_803_749_42e3,
    ];
    /// `erfc(y) e^{y^2} y = 1/√π - N(w) / (w D(w))`, `w = y^2`, on `y > 4`: Cody's rational
    /// in `1/w` with numerator and denominator multiplied by `w^5`, so that no reciprocal is
    /// needed.
    pub const LARGE_NUMERATOR: [f64; 6] = [
        6.587_491_615_298_378_03e-4,
        1.608_378_514_874_227_66e-2,
        1.257_817_261_112_292_46e-1,
        3.603_448_999_498_044_39e-1,
        3.053_266_349_612_323_44e-1,
        1.631_538_713_730_209_78e-2,
    ];
    pub const LARGE_DENOMINATOR: [f64; 6] = [
        2.335_204_976_268_691_85e-3,
        6.051_834_131_244_131_91e-2,
        5.279_051_029_514_284_12e-1,
        1.872_952_849_923_460_47e0,
        2.568_520_192_289_822_42e0,
        1.0,
    ];
}

/// The type's own approximation of the error functions: see `rational`.
pub trait ErfApproximation: Sized {
    /// Whether `|t|` is in the first interval, and the value there (`erf(t)`, signed) or beyond it
    /// (`erfc(|t|) e^{t^2}`).
    fn erf_parts<A: Arch>(t: Self) -> (bool, Self);
}

impl ErfApproximation for f64 {
    #[inline(always)]
    fn erf_parts<A: Arch>(t: f64) -> (bool, f64) {
        cody::<A>(t)
    }
}

impl ErfApproximation for f32 {
    #[inline(always)]
    fn erf_parts<A: Arch>(t: f32) -> (bool, f32) {
        single::<A>(t)
    }
}

/// `f32`'s polynomials (`scripts/fit_erf_f32.py`): `erf(t) = t Q(t^2)` on the first interval,
/// `erfc(y) e^{y^2} = w P(v)` beyond, with `w = 1/(1 + y)` (the one division) and `v` its image
/// on [-1, 1]: a quarter of the work of Cody's rationals, which `f32` does not need. (The fit's
/// digits as printed, more than `f32` holds.)
#[allow(clippy::excessive_precision)]
mod fitted {
    pub const TAIL_SCALE: f32 = 3.385_463_984_425_697_5;
    pub const TAIL_OFFSET: f32 = -1.304_996_755_353_666_5;
    pub const TAIL: [f32; 12] = [
        -9.852_820_317_375_498e-8,
        9.748_818_096_032_999e-6,
        -2.692_504_140_932_432_8e-5,
        -9.495_457_737_214_39e-6,
        0.000_193_843_497_710_848_25,
        -0.000_452_164_356_268_333_3,
        -0.000_158_570_213_841_315_47,
        0.004_062_864_132_675_276,
        -0.008_546_176_745_688_937,
        -0.026_860_934_641_656_81,
        0.164_186_901_709_564_82,
        0.795_953_363_403_702_8,
    ];
    pub const SMALL: [f32; 6] = [
        -0.000_779_275_596_871_484_2,
        0.005_205_607_590_032_182,
        -0.026_864_093_937_406_29,
        0.112_837_810_197_317_33,
        -0.376_126_387_029_764_36,
        1.128_379_167_089_405,
    ];
}

#[inline(always)]
fn single<A: Arch>(t: f32) -> (bool, f32) {
    let y = t.abs();
    let small = y <= 0.46875;
    let square = y * y;
    let erf = t * horner::<f32, A>(square, &fitted::SMALL);
    // Beyond 10.1 the Gaussian factor is 0 in f32; the clamp keeps v within the fit.
    let far = select(y > 10.1, 10.1, y);
    let w = 1.0 / (1.0 + far);
    let v = A::mul_add(w, fitted::TAIL_SCALE, fitted::TAIL_OFFSET);
    let scaled = w * horner::<f32, A>(v, &fitted::TAIL);
    (small, select(small, erf, scaled))
}

/// `1/√π`.
const INVERSE_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// `f64`'s Cody rationals: whether `|t|` is in the first interval, and the rational's value
/// there (`erf(t)`, signed) or beyond it (`erfc(|t|) e^{t^2}`), with one division for all three.
#[inline(always)]
fn cody<A: Arch>(t: f64) -> (bool, f64) {
    let y = t.abs();
    let small = y <= 0.46875;
    let middle = y <= 4.0;
    let square = y * y;
    let small_numerator = t * horner::<f64, A>(square, &cody::SMALL_NUMERATOR);
    let small_denominator = horner::<f64, A>(square, &cody::SMALL_DENOMINATOR);
    let middle_numerator = horner::<f64, A>(y, &cody::MIDDLE_NUMERATOR);
    let middle_denominator = horner::<f64, A>(y, &cody::MIDDLE_DENOMINATOR);
    // Beyond 30 the Gaussian factor is 0; the clamp keeps w^5 finite.
    let far = select(y > 30.0, 30.0, y);
    let w = far * far;
    let large_numerator = horner::<f64, A>(w, &cody::LARGE_NUMERATOR);
    let large_denominator = w * horner::<f64, A>(w, &cody::LARGE_DENOMINATOR);
    let large_top = A::mul_add(INVERSE_SQRT_PI, large_denominator, -large_numerator);
    let numerator = select(small, small_numerator, select(middle, middle_numerator, large_top));
    let denominator = select(small, small_denominator, select(middle, middle_denominator, far * large_denominator));
    (small, numerator / denominator)
}

/// `(first interval, value)` of the type's approximation ([`ErfApproximation`]).
#[inline(always)]
fn rational<F: Float, A: Arch>(t: F) -> (bool, F) {
    F::erf_parts::<A>(t)
}

/// `erfc(t)` given `gaussian = e^{-t^2}`, computed by the caller from its own argument (see
/// [`erfc_scaled`]); ≤ 2 ULP in `f64`.
#[inline(always)]
pub fn erfc_given_gaussian<F: Float, A: Arch>(t: F, gaussian: F) -> F {
    let (small, value) = rational::<F, A>(t);
    let tail = gaussian * value;
    let beyond = select(t < F::zero(), F::literal(2.0, 2.0) - tail, tail);
    select(small, F::one() - value, beyond)
}

/// `erf(t)` given `gaussian = e^{-t^2}` (see [`erfc_given_gaussian`]).
#[inline(always)]
pub fn erf_given_gaussian<F: Float, A: Arch>(t: F, gaussian: F) -> F {
    let (small, value) = rational::<F, A>(t);
    let beyond = (F::one() - gaussian * value).copy_sign(t);
    select(small, value, beyond)
}

/// `erfc(c x)` for a constant `c` whose square `c_squared` is given to full precision: the
/// Gaussian factor `e^{-c^2 x^2}` comes from `x` itself, not from the rounded `c x`.
#[inline(always)]
pub fn erfc_scaled<F: Float, A: Arch>(x: F, c: F, c_squared: F) -> F {
    erfc_given_gaussian::<F, A>(c * x, exp_scaled_square::<F, A>(x, -c_squared))
}

/// The complementary error function, ≤ 2 ULP in `f64`, 3 in `f32`.
#[inline(always)]
pub fn erfc<F: Float, A: Arch>(x: F) -> F {
    erfc_given_gaussian::<F, A>(x, exp_scaled_square::<F, A>(x, -F::one()))
}

/// The error function, ≤ 2 ULP in `f64`, 3 in `f32`.
#[inline(always)]
pub fn erf<F: Float, A: Arch>(x: F) -> F {
    erf_given_gaussian::<F, A>(x, exp_scaled_square::<F, A>(x, -F::one()))
}

/// `Φ(x)` given `gaussian = e^{-x^2/2}`, computed by the caller from `x` (the same factor as
/// the normal density's, which a GELU derivative then shares).
#[inline(always)]
pub fn phi_given_gaussian<F: Float, A: Arch>(x: F, gaussian: F) -> F {
    let c = F::literal(-core::f32::consts::FRAC_1_SQRT_2, -core::f64::consts::FRAC_1_SQRT_2);
    F::literal(0.5, 0.5) * erfc_given_gaussian::<F, A>(c * x, gaussian)
}

/// The standard normal CDF `Φ(x) = erfc(-x/√2)/2`, with `x^2/2` exact: full relative precision
/// in the lower tail (`Φ(-38) ≈ 2.9e-316`, subnormal, is still right).
#[inline(always)]
pub fn phi<F: Float, A: Arch>(x: F) -> F {
    phi_given_gaussian::<F, A>(x, exp_scaled_square::<F, A>(x, F::literal(-0.5, -0.5)))
}
