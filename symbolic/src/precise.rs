//! [`Precise`]: binary floating point with a 256-bit mantissa and a 64-bit exponent, and the
//! elementary functions in it: the engine's reference for how accurate a form is.
//!
//! 256 bits is about 77 decimal digits: every function here is computed with enough guard bits
//! that its result agrees with mpmath's 50-digit references to more than 30 digits
//! (`tests/oracle.rs`), whatever cancellation an `f32` or `f64` input meets. Nothing here is
//! fast; it runs at macro-expansion time on a few hundred sample points.
//!
//! Arithmetic rounds to nearest at 256 bits. Functions are series after argument reduction
//! (exponential and logarithm by powers of two, trigonometric functions by `π/2`), and
//! `erfc` a continued fraction in its tail. Arguments whose reduction would need more than 256
//! bits of `π` (trigonometric functions beyond `2^60`) have no value (`Precise::sin` returns
//! `None`); an exponent beyond `±2^62` is infinite or zero.

use std::cmp::Ordering;
use std::sync::OnceLock;

const LIMBS: usize = 4;
/// Series stop when a term falls below this many binary orders under the sum.
const SERIES_BITS: i64 = 264;
/// Exponents beyond this are infinite (or zero): far outside anything `f64` can meet.
const EXPONENT_LIMIT: i64 = 1 << 62;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Zero,
    Finite,
    Infinite,
    NaN,
}

/// A real number to 256 bits: `(-1)^negative · mantissa · 2^(exponent - 256)` with the
/// mantissa's top bit set, or zero, an infinity, or NaN.
#[derive(Clone, Copy, Debug)]
pub struct Precise {
    class: Class,
    negative: bool,
    exponent: i64,
    /// Little-endian limbs: `mantissa[3]` holds the top bits.
    mantissa: [u64; LIMBS],
}

/// Numeric order: NaN is unordered and unequal to everything, as in floating point.
impl PartialEq for Precise {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other).is_some_and(|order| order.is_eq())
    }
}

impl PartialOrd for Precise {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.compare(other)
    }
}

impl Precise {
    /// 0.
    pub const ZERO: Precise = Precise { class: Class::Zero, negative: false, exponent: 0, mantissa: [0; LIMBS] };
    /// Not a number.
    pub const NAN: Precise = Precise { class: Class::NaN, negative: false, exponent: 0, mantissa: [0; LIMBS] };
    /// +∞.
    pub const INFINITY: Precise =
        Precise { class: Class::Infinite, negative: false, exponent: 0, mantissa: [0; LIMBS] };

    /// 1.
    pub fn one() -> Precise {
        Precise::from_u64(1)
    }

    /// An unsigned integer, exactly.
    pub fn from_u64(value: u64) -> Precise {
        if value == 0 {
            return Precise::ZERO;
        }
        let shift = value.leading_zeros();
        Precise {
            class: Class::Finite,
            negative: false,
            exponent: 64 - i64::from(shift),
            mantissa: [0, 0, 0, value << shift],
        }
    }

    /// A signed integer, exactly.
    pub fn from_i64(value: i64) -> Precise {
        let magnitude = Precise::from_u64(value.unsigned_abs());
        if value < 0 { magnitude.neg() } else { magnitude }
    }

    /// An `f64`, exactly.
    pub fn from_f64(value: f64) -> Precise {
        if value.is_nan() {
            return Precise::NAN;
        }
        if value.is_infinite() {
            return Precise { negative: value < 0.0, ..Precise::INFINITY };
        }
        if value == 0.0 {
            return Precise { negative: value.is_sign_negative(), ..Precise::ZERO };
        }
        let bits = value.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & 0x000f_ffff_ffff_ffff;
        // value = significand · 2^(power): normal numbers carry the implicit bit.
        let (significand, power) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
        let magnitude = Precise::from_u64(significand).scale(power);
        if value < 0.0 { magnitude.neg() } else { magnitude }
    }

    /// An `f32`, exactly.
    pub fn from_f32(value: f32) -> Precise {
        Precise::from_f64(f64::from(value))
    }

    /// Whether this is NaN.
    pub fn is_nan(&self) -> bool {
        self.class == Class::NaN
    }

    /// Whether this is finite.
    pub fn is_finite(&self) -> bool {
        matches!(self.class, Class::Zero | Class::Finite)
    }

    /// Whether this is 0.
    pub fn is_zero(&self) -> bool {
        self.class == Class::Zero
    }

    /// Whether this is below 0 (false for NaN and for both zeros).
    pub fn is_negative(&self) -> bool {
        self.negative && matches!(self.class, Class::Finite | Class::Infinite)
    }

    /// `|self|`.
    pub fn abs(self) -> Precise {
        Precise { negative: false, ..self }
    }

    /// `-self`.
    #[allow(clippy::should_implement_trait)] // by value, like the other operations here
    pub fn neg(self) -> Precise {
        if self.class == Class::NaN { self } else { Precise { negative: !self.negative, ..self } }
    }

    /// `self · 2^power`, exactly.
    pub fn scale(self, power: i64) -> Precise {
        if self.class != Class::Finite {
            return self;
        }
        finite(self.negative, self.exponent.saturating_add(power), self.mantissa)
    }

    /// The binary order: `|self|` is in `[2^(order - 1), 2^order)`.
    fn order(&self) -> i64 {
        self.exponent
    }

    /// The value rounded to nearest `f64` (ties to even), subnormals and overflow included.
    pub fn to_f64(&self) -> f64 {
        self.to_binary(53, -1021, 1024)
    }

    /// The value rounded to nearest `f32`.
    pub fn to_f32(&self) -> f32 {
        self.to_binary(24, -125, 128) as f32
    }

    /// Round to `precision` bits for a format whose normal numbers have orders `[min_order,
    /// max_order]`; the result is exactly representable in the format, returned as `f64`.
    fn to_binary(self, precision: i64, min_order: i64, max_order: i64) -> f64 {
        let sign = if self.negative { -1.0 } else { 1.0 };
        match self.class {
            Class::NaN => return f64::NAN,
            Class::Zero => return sign * 0.0,
            Class::Infinite => return sign * f64::INFINITY,
            Class::Finite => {}
        }
        let order = self.order();
        if order > max_order {
            return sign * f64::INFINITY;
        }
        // Below the normal range the format keeps fewer bits.
        let kept = if order < min_order { precision - (min_order - order) } else { precision };
        if kept < 0 {
            return sign * 0.0;
        }
        // The top `kept` bits, the next bit, and whether anything below it is set.
        let top = shift_right(self.mantissa, (256 - kept) as u32);
        let significand = top[0];
        let half = bit(self.mantissa, 255 - kept);
        let sticky = any_below(self.mantissa, 255 - kept);
        let round_up = half && (sticky || significand & 1 == 1);
        let significand = significand + u64::from(round_up);
        // value = significand · 2^(order - kept), exact in f64 for every format here.
        sign * scale_f64(significand as f64, order - kept)
    }

    fn compare_magnitude(&self, other: &Precise) -> Ordering {
        match (self.class, other.class) {
            (Class::Zero, Class::Zero) => Ordering::Equal,
            (Class::Zero, _) => Ordering::Less,
            (_, Class::Zero) => Ordering::Greater,
            (Class::Infinite, Class::Infinite) => Ordering::Equal,
            (Class::Infinite, _) => Ordering::Greater,
            (_, Class::Infinite) => Ordering::Less,
            _ => self.exponent.cmp(&other.exponent).then_with(|| compare_limbs(&self.mantissa, &other.mantissa)),
        }
    }

    /// The order of two numbers; `None` if either is NaN.
    pub fn compare(&self, other: &Precise) -> Option<Ordering> {
        if self.is_nan() || other.is_nan() {
            return None;
        }
        let (a_negative, b_negative) = (self.is_negative(), other.is_negative());
        Some(match (a_negative, b_negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.compare_magnitude(other),
            (true, true) => other.compare_magnitude(self),
        })
    }

    /// `self + other`.
    pub fn add(&self, other: &Precise) -> Precise {
        match (self.class, other.class) {
            (Class::NaN, _) | (_, Class::NaN) => return Precise::NAN,
            (Class::Infinite, Class::Infinite) if self.negative != other.negative => return Precise::NAN,
            (Class::Infinite, _) => return *self,
            (_, Class::Infinite) => return *other,
            (Class::Zero, _) => return *other,
            (_, Class::Zero) => return *self,
            _ => {}
        }
        let (large, small) =
            if self.compare_magnitude(other) == Ordering::Less { (other, self) } else { (self, other) };
        let gap = large.exponent - small.exponent;
        if gap > 256 + 64 {
            return *large;
        }
        // Five limbs: one guard limb below the mantissa, and a sticky bit for what falls off.
        let a = [0, large.mantissa[0], large.mantissa[1], large.mantissa[2], large.mantissa[3]];
        let b_full = [0, small.mantissa[0], small.mantissa[1], small.mantissa[2], small.mantissa[3]];
        let (mut b, lost) = shift_right_wide(b_full, gap as u32);
        if lost {
            b[0] |= 1;
        }
        if large.negative == small.negative {
            let (sum, carry) = add_wide(a, b);
            let (sum, exponent) = if carry {
                let (shifted, lost) = shift_right_wide(sum, 1);
                let mut shifted = shifted;
                shifted[4] |= 1 << 63;
                if lost {
                    shifted[0] |= 1;
                }
                (shifted, large.exponent + 1)
            } else {
                (sum, large.exponent)
            };
            round_wide(large.negative, exponent, sum)
        } else {
            let difference = sub_wide(a, b);
            if difference.iter().all(|&limb| limb == 0) {
                return Precise::ZERO;
            }
            let shift = leading_zeros_wide(difference);
            let normalized = shift_left_wide(difference, shift);
            round_wide(large.negative, large.exponent - i64::from(shift), normalized)
        }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Precise) -> Precise {
        self.add(&other.neg())
    }

    /// `self · other`.
    pub fn mul(&self, other: &Precise) -> Precise {
        let negative = self.negative != other.negative;
        match (self.class, other.class) {
            (Class::NaN, _) | (_, Class::NaN) => return Precise::NAN,
            (Class::Infinite, Class::Zero) | (Class::Zero, Class::Infinite) => return Precise::NAN,
            (Class::Infinite, _) | (_, Class::Infinite) => return Precise { negative, ..Precise::INFINITY },
            (Class::Zero, _) | (_, Class::Zero) => return Precise { negative, ..Precise::ZERO },
            _ => {}
        }
        let mut product = [0u64; 2 * LIMBS];
        for i in 0..LIMBS {
            let mut carry: u128 = 0;
            for j in 0..LIMBS {
                let current =
                    u128::from(product[i + j]) + u128::from(self.mantissa[i]) * u128::from(other.mantissa[j]) + carry;
                product[i + j] = current as u64;
                carry = current >> 64;
            }
            product[i + LIMBS] = carry as u64;
        }
        let mut exponent = self.exponent + other.exponent;
        if product[2 * LIMBS - 1] >> 63 == 0 {
            // Shift left by one: the product of two mantissas in [1/2, 1) is in [1/4, 1).
            let mut carry = 0;
            for limb in &mut product {
                let next = *limb >> 63;
                *limb = (*limb << 1) | carry;
                carry = next;
            }
            exponent -= 1;
        }
        let sticky = product[..LIMBS - 1].iter().any(|&limb| limb != 0);
        let wide = [product[LIMBS - 1] | u64::from(sticky), product[4], product[5], product[6], product[7]];
        round_wide(negative, exponent, wide)
    }

    /// `1 / self`, by Newton's method from the `f64` reciprocal.
    pub fn recip(&self) -> Precise {
        match self.class {
            Class::NaN => return Precise::NAN,
            Class::Zero => return Precise { negative: self.negative, ..Precise::INFINITY },
            Class::Infinite => return Precise { negative: self.negative, ..Precise::ZERO },
            Class::Finite => {}
        }
        // Scale into [1/2, 1), where f64 holds the estimate.
        let scaled = Precise { negative: false, exponent: 0, ..*self };
        let mut estimate = Precise::from_f64(1.0 / scaled.to_f64());
        let two = Precise::from_u64(2);
        for _ in 0..3 {
            estimate = estimate.mul(&two.sub(&scaled.mul(&estimate)));
        }
        Precise { negative: self.negative, ..estimate.scale(-self.exponent) }
    }

    /// `self / other`.
    pub fn div(&self, other: &Precise) -> Precise {
        if self.class == Class::Infinite && other.class == Class::Infinite {
            return Precise::NAN;
        }
        if self.class == Class::Zero && other.class == Class::Zero {
            return Precise::NAN;
        }
        self.mul(&other.recip())
    }

    /// `self / divisor` for a nonzero integer, by long division of the limbs (the series'
    /// terms divide by small integers; a full division would cost ten multiplications).
    fn div_u64(&self, divisor: u64) -> Precise {
        if self.class != Class::Finite || divisor == 0 {
            return self.div(&Precise::from_u64(divisor));
        }
        let dividend = [0, self.mantissa[0], self.mantissa[1], self.mantissa[2], self.mantissa[3]];
        let mut quotient = [0u64; 5];
        let mut remainder: u128 = 0;
        for position in (0..5).rev() {
            let current = (remainder << 64) | u128::from(dividend[position]);
            quotient[position] = (current / u128::from(divisor)) as u64;
            remainder = current % u128::from(divisor);
        }
        if remainder != 0 {
            quotient[0] |= 1;
        }
        let shift = leading_zeros_wide(quotient);
        round_wide(self.negative, self.exponent - i64::from(shift), shift_left_wide(quotient, shift))
    }

    /// `√self`.
    pub fn sqrt(&self) -> Precise {
        match self.class {
            Class::NaN => return Precise::NAN,
            Class::Zero => return *self,
            Class::Infinite if !self.negative => return *self,
            _ if self.negative => return Precise::NAN,
            _ => {}
        }
        // self = scaled · 2^(2h), scaled in [1/4, 1).
        let half = self.exponent.div_euclid(2);
        let scaled = Precise { exponent: self.exponent - 2 * half, ..*self };
        let mut root = Precise::from_f64(scaled.to_f64().sqrt());
        let half_value = Precise::one().scale(-1);
        for _ in 0..3 {
            root = half_value.mul(&root.add(&scaled.div(&root)));
        }
        root.scale(half)
    }

    /// `self^n` for an integer `n`.
    pub fn powi(&self, n: i64) -> Precise {
        let mut result = Precise::one();
        let mut base = *self;
        let mut exponent = n.unsigned_abs();
        while exponent > 0 {
            if exponent & 1 == 1 {
                result = result.mul(&base);
            }
            base = base.mul(&base);
            exponent >>= 1;
        }
        if n < 0 { result.recip() } else { result }
    }

    /// A decimal number (`-1.25e-3`, `inf`, `-inf`, `nan`), rounded to 256 bits; `None` if the
    /// text is not one.
    pub fn parse(text: &str) -> Option<Precise> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let magnitude = match unsigned {
            "inf" | "infinity" => Precise::INFINITY,
            "nan" => return Some(Precise::NAN),
            _ => {
                let (digits, exponent) = match unsigned.split_once(['e', 'E']) {
                    Some((digits, exponent)) => (digits, exponent.parse::<i64>().ok()?),
                    None => (unsigned, 0),
                };
                let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
                if whole.is_empty() && fraction.is_empty() {
                    return None;
                }
                let ten = Precise::from_u64(10);
                let mut value = Precise::ZERO;
                for digit in whole.chars().chain(fraction.chars()) {
                    let digit = digit.to_digit(10)?;
                    value = value.mul(&ten).add(&Precise::from_u64(u64::from(digit)));
                }
                let power = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?;
                // 10^power: by squaring where that is exact enough, else through e^{power ln 10}.
                let scale = if power.unsigned_abs() <= 100_000 {
                    ten.powi(power.abs())
                } else {
                    Precise::from_i64(power.abs()).mul(&ten.ln()).exp()
                };
                if power < 0 { value.div(&scale) } else { value.mul(&scale) }
            }
        };
        Some(if negative { magnitude.neg() } else { magnitude })
    }

    /// The nearest integer, as `i64` (`None` beyond `±2^62` or for non-finite values).
    fn round_to_i64(&self) -> Option<i64> {
        if !self.is_finite() {
            return None;
        }
        let estimate = self.to_f64().round();
        (estimate.abs() < 4e18).then_some(estimate as i64)
    }
}

/// `Σ term_k` for `term_{k+1} = next(term_k, k)`, until a term falls `SERIES_BITS` below the sum.
fn series(first: Precise, mut next: impl FnMut(&Precise, u64) -> Precise) -> Precise {
    let mut sum = first;
    let mut term = first;
    for k in 0..100_000u64 {
        term = next(&term, k);
        if term.is_zero() || (sum.is_finite() && !sum.is_zero() && term.order() < sum.order() - SERIES_BITS) {
            break;
        }
        sum = sum.add(&term);
    }
    sum
}

/// `atanh z = z + z^3/3 + z^5/5 + ...` for `|z| ≤ 1/3`.
fn atanh_series(z: &Precise) -> Precise {
    let square = z.mul(z);
    let mut power = *z;
    let mut sum = *z;
    for k in 1..10_000u64 {
        power = power.mul(&square);
        let term = power.div_u64(2 * k + 1);
        if term.is_zero() || term.order() < sum.order() - SERIES_BITS {
            break;
        }
        sum = sum.add(&term);
    }
    sum
}

/// `atan z` for `|z| ≤ 1/4`: the alternating series.
fn atan_series(z: &Precise) -> Precise {
    let square = z.mul(z);
    let mut power = *z;
    let mut sum = *z;
    for k in 1..10_000u64 {
        power = power.mul(&square).neg();
        let term = power.div_u64(2 * k + 1);
        if term.is_zero() || term.order() < sum.order() - SERIES_BITS {
            break;
        }
        sum = sum.add(&term);
    }
    sum
}

/// ln 2.
pub fn ln2() -> Precise {
    static LN2: OnceLock<Precise> = OnceLock::new();
    *LN2.get_or_init(|| atanh_series(&Precise::one().div_u64(3)).scale(1))
}

/// π, by Machin's formula.
pub fn pi() -> Precise {
    static PI: OnceLock<Precise> = OnceLock::new();
    *PI.get_or_init(|| {
        let fifth = atan_series(&Precise::one().div_u64(5)).scale(4);
        let small = atan_series(&Precise::one().div_u64(239)).scale(2);
        fifth.sub(&small)
    })
}

impl Precise {
    /// `e^self`.
    pub fn exp(&self) -> Precise {
        match self.class {
            Class::NaN => return Precise::NAN,
            Class::Zero => return Precise::one(),
            Class::Infinite => return if self.negative { Precise::ZERO } else { Precise::INFINITY },
            Class::Finite => {}
        }
        if self.order() > 50 {
            return if self.negative { Precise::ZERO } else { Precise::INFINITY };
        }
        // self = k ln 2 + r, then e^r = (e^{r/2^16})^(2^16).
        let Some(k) = self.div(&ln2()).round_to_i64() else { return Precise::NAN };
        let r = self.sub(&ln2().mul(&Precise::from_i64(k)));
        let squarings = 16;
        let small = r.scale(-squarings);
        let mut value = series(Precise::one(), |term, k| term.mul(&small).div_u64(k + 1));
        for _ in 0..squarings {
            value = value.mul(&value);
        }
        value.scale(k)
    }

    /// `e^self - 1`, to full relative precision near 0.
    pub fn exp_m1(&self) -> Precise {
        if self.is_finite() && !self.is_zero() && self.order() < 0 {
            // |x| < 1/2: the series without its 1.
            return series(*self, |term, k| term.mul(self).div_u64(k + 2));
        }
        self.exp().sub(&Precise::one())
    }

    /// The natural logarithm: NaN below 0, -∞ at 0.
    pub fn ln(&self) -> Precise {
        match self.class {
            Class::NaN => return Precise::NAN,
            Class::Zero => return Precise { negative: true, ..Precise::INFINITY },
            _ if self.negative => return Precise::NAN,
            Class::Infinite => return Precise::INFINITY,
            Class::Finite => {}
        }
        // self = 2^k m with m in [√½, √2): ln m = 2 atanh((m - 1)/(m + 1)).
        let mut k = self.exponent;
        let mut m = Precise { exponent: 0, ..*self };
        if m.compare(&Precise::from_f64(std::f64::consts::FRAC_1_SQRT_2)) == Some(Ordering::Less) {
            m = m.scale(1);
            k -= 1;
        }
        let one = Precise::one();
        let z = m.sub(&one).div(&m.add(&one));
        atanh_series(&z).scale(1).add(&ln2().mul(&Precise::from_i64(k)))
    }

    /// `ln(1 + self)`, to full relative precision near 0.
    pub fn ln_1p(&self) -> Precise {
        if self.is_finite() && !self.is_zero() && self.order() < -1 {
            // |x| < 1/4: 2 atanh(x / (2 + x)).
            let z = self.div(&Precise::from_u64(2).add(self));
            return atanh_series(&z).scale(1);
        }
        Precise::one().add(self).ln()
    }

    /// `(sin r, cos r)` for `|r| ≤ π/4`.
    fn sin_cos_reduced(r: &Precise) -> (Precise, Precise) {
        let square = r.mul(r).neg();
        let sin = series(*r, |term, k| term.mul(&square).div_u64((2 * k + 2) * (2 * k + 3)));
        let cos = series(Precise::one(), |term, k| term.mul(&square).div_u64((2 * k + 1) * (2 * k + 2)));
        (sin, cos)
    }

    /// `(sin self, cos self)`; `None` beyond `2^60`, where 256 bits of `π` no longer reduce the
    /// argument exactly.
    pub fn sin_cos(&self) -> Option<(Precise, Precise)> {
        if !self.is_finite() {
            return if self.is_zero() { Some((*self, Precise::one())) } else { Some((Precise::NAN, Precise::NAN)) };
        }
        if self.is_zero() {
            return Some((*self, Precise::one()));
        }
        if self.order() > 60 {
            return None;
        }
        let half_pi = pi().scale(-1);
        let quadrant = self.div(&half_pi).round_to_i64()?;
        let r = self.sub(&half_pi.mul(&Precise::from_i64(quadrant)));
        let (sin, cos) = Precise::sin_cos_reduced(&r);
        Some(match quadrant.rem_euclid(4) {
            0 => (sin, cos),
            1 => (cos, sin.neg()),
            2 => (sin.neg(), cos.neg()),
            _ => (cos.neg(), sin),
        })
    }

    /// `atan self`.
    pub fn atan(&self) -> Precise {
        match self.class {
            Class::NaN | Class::Zero => return *self,
            Class::Infinite => return Precise { negative: self.negative, ..pi().scale(-1) },
            Class::Finite => {}
        }
        let one = Precise::one();
        let magnitude = self.abs();
        let (base, reduced) = if magnitude.compare(&one) == Some(Ordering::Greater) {
            (pi().scale(-1), magnitude.recip())
        } else {
            (Precise::ZERO, magnitude)
        };
        // atan x = 2 atan(x / (1 + √(1 + x^2))), twice: |x| ≤ tan(π/16) < 1/4.
        let mut z = reduced;
        for _ in 0..2 {
            z = z.div(&one.add(&one.add(&z.mul(&z)).sqrt()));
        }
        let small = atan_series(&z).scale(2);
        let value = if base.is_zero() { small } else { base.sub(&small) };
        if self.negative { value.neg() } else { value }
    }

    /// `asin self`: NaN beyond ±1.
    pub fn asin(&self) -> Precise {
        let one = Precise::one();
        match self.abs().compare(&one) {
            None => Precise::NAN,
            Some(Ordering::Greater) => Precise::NAN,
            Some(Ordering::Equal) => Precise { negative: self.negative, ..pi().scale(-1) },
            Some(Ordering::Less) => {
                // 1 - x^2 as (1 - x)(1 + x), exact where x is near ±1.
                let cosine = one.sub(self).mul(&one.add(self)).sqrt();
                self.div(&cosine).atan()
            }
        }
    }

    /// `acos self`: NaN beyond ±1.
    pub fn acos(&self) -> Precise {
        let one = Precise::one();
        match self.abs().compare(&one) {
            None | Some(Ordering::Greater) => Precise::NAN,
            _ if self.compare(&one.neg()) == Some(Ordering::Equal) => pi(),
            // 2 atan √((1 - x)/(1 + x)): no cancellation near 1.
            _ => one.sub(self).div(&one.add(self)).sqrt().atan().scale(1),
        }
    }

    /// `sinh self`.
    pub fn sinh(&self) -> Precise {
        if self.is_finite() && !self.is_zero() && self.order() < 0 {
            let m = self.exp_m1();
            // (m + m/(m + 1)) / 2.
            return m.add(&m.div(&m.add(&Precise::one()))).scale(-1);
        }
        let e = self.exp();
        e.sub(&e.recip()).scale(-1)
    }

    /// `cosh self`.
    pub fn cosh(&self) -> Precise {
        let e = self.exp();
        e.add(&e.recip()).scale(-1)
    }

    /// `tanh self = m / (m + 2)` with `m = e^{2 self} - 1`.
    pub fn tanh(&self) -> Precise {
        match self.class {
            Class::NaN | Class::Zero => return *self,
            Class::Infinite => return Precise { negative: self.negative, ..Precise::one() },
            Class::Finite => {}
        }
        if self.order() > 8 {
            // |x| ≥ 128: tanh is ±1 to far beyond 256 bits.
            let one = Precise::one();
            let gap = self.abs().scale(1).neg().exp().scale(1);
            return if self.negative { gap.sub(&one) } else { one.sub(&gap) };
        }
        let m = self.scale(1).exp_m1();
        m.div(&m.add(&Precise::from_u64(2)))
    }

    /// The logistic sigmoid.
    pub fn sigmoid(&self) -> Precise {
        Precise::one().div(&Precise::one().add(&self.neg().exp()))
    }

    /// `ln(1 + e^self)`.
    pub fn softplus(&self) -> Precise {
        if self.is_negative() { self.exp().ln_1p() } else { self.add(&self.neg().exp().ln_1p()) }
    }

    /// `(erf |self|, erfc |self|)` for a finite value.
    fn erf_pair(&self) -> (Precise, Precise) {
        let x = self.abs();
        let one = Precise::one();
        if x.is_zero() {
            return (Precise::ZERO, one);
        }
        let gaussian = x.mul(&x).neg().exp();
        let inverse_sqrt_pi = pi().sqrt().recip();
        if x.compare(&Precise::from_u64(6)) == Some(Ordering::Less) {
            // erf x = 2/√π e^{-x^2} Σ 2^k x^{2k+1} / (1·3···(2k+1)): every term positive.
            let twice_square = x.mul(&x).scale(1);
            let sum = series(x, |term, k| term.mul(&twice_square).div_u64(2 * k + 3));
            let erf = sum.mul(&gaussian).mul(&inverse_sqrt_pi).scale(1);
            return (erf, one.sub(&erf));
        }
        // erfc x = e^{-x^2}/√π / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated
        // from far down: at x ≥ 6 the fraction has settled to 256 bits well within 600 terms.
        let mut tail = x;
        for k in (1..=600u64).rev() {
            tail = x.add(&Precise::from_u64(k).scale(-1).div(&tail));
        }
        let erfc = gaussian.mul(&inverse_sqrt_pi).div(&tail);
        (one.sub(&erfc), erfc)
    }

    /// The error function.
    pub fn erf(&self) -> Precise {
        match self.class {
            Class::NaN | Class::Zero => return *self,
            Class::Infinite => return Precise { negative: self.negative, ..Precise::one() },
            Class::Finite => {}
        }
        let erf = self.erf_pair().0;
        if self.negative { erf.neg() } else { erf }
    }

    /// The complementary error function.
    pub fn erfc(&self) -> Precise {
        match self.class {
            Class::NaN => return *self,
            Class::Zero => return Precise::one(),
            Class::Infinite => return if self.negative { Precise::from_u64(2) } else { Precise::ZERO },
            Class::Finite => {}
        }
        let (erf, erfc) = self.erf_pair();
        if self.negative { Precise::one().add(&erf) } else { erfc }
    }

    /// The standard normal CDF `erfc(-x/√2)/2`.
    pub fn phi(&self) -> Precise {
        self.neg().div(&Precise::from_u64(2).sqrt()).erfc().scale(-1)
    }

    /// `self^exponent`: `e^{exponent ln self}` for a positive base; integral exponents of any base
    /// exactly.
    pub fn powf(&self, exponent: &Precise) -> Precise {
        if let Some(n) = exponent.round_to_i64()
            && Precise::from_i64(n).compare(exponent) == Some(Ordering::Equal)
            && n.unsigned_abs() < 1 << 20
        {
            return self.powi(n);
        }
        if self.is_zero() {
            return if exponent.is_negative() { Precise::INFINITY } else { Precise::ZERO };
        }
        if self.is_negative() {
            return Precise::NAN;
        }
        exponent.mul(&self.ln()).exp()
    }
}

// ---- limb arithmetic

fn finite(negative: bool, exponent: i64, mantissa: [u64; LIMBS]) -> Precise {
    if exponent > EXPONENT_LIMIT {
        return Precise { negative, ..Precise::INFINITY };
    }
    if exponent < -EXPONENT_LIMIT {
        return Precise { negative, ..Precise::ZERO };
    }
    Precise { class: Class::Finite, negative, exponent, mantissa }
}

/// Round a normalized five-limb mantissa (top bit set) to four limbs, to nearest.
fn round_wide(negative: bool, exponent: i64, wide: [u64; 5]) -> Precise {
    let mut mantissa = [wide[1], wide[2], wide[3], wide[4]];
    if wide[0] >> 63 == 1 {
        let mut carry = true;
        for limb in &mut mantissa {
            let (sum, overflow) = limb.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = overflow;
        }
        if carry {
            // All ones rounded up: 2^256, a power of two.
            return finite(negative, exponent + 1, [0, 0, 0, 1 << 63]);
        }
    }
    finite(negative, exponent, mantissa)
}

fn compare_limbs(a: &[u64; LIMBS], b: &[u64; LIMBS]) -> Ordering {
    for position in (0..LIMBS).rev() {
        match a[position].cmp(&b[position]) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

fn add_wide(a: [u64; 5], b: [u64; 5]) -> ([u64; 5], bool) {
    let mut sum = [0; 5];
    let mut carry = false;
    for position in 0..5 {
        let (partial, first) = a[position].overflowing_add(b[position]);
        let (partial, second) = partial.overflowing_add(u64::from(carry));
        sum[position] = partial;
        carry = first || second;
    }
    (sum, carry)
}

fn sub_wide(a: [u64; 5], b: [u64; 5]) -> [u64; 5] {
    let mut difference = [0; 5];
    let mut borrow = false;
    for position in 0..5 {
        let (partial, first) = a[position].overflowing_sub(b[position]);
        let (partial, second) = partial.overflowing_sub(u64::from(borrow));
        difference[position] = partial;
        borrow = first || second;
    }
    difference
}

fn leading_zeros_wide(value: [u64; 5]) -> u32 {
    let mut zeros = 0;
    for &limb in value.iter().rev() {
        if limb == 0 {
            zeros += 64;
        } else {
            return zeros + limb.leading_zeros();
        }
    }
    zeros
}

fn shift_left_wide(value: [u64; 5], shift: u32) -> [u64; 5] {
    let (limbs, bits) = ((shift / 64) as usize, shift % 64);
    let mut shifted = [0; 5];
    for position in (limbs..5).rev() {
        let source = position - limbs;
        shifted[position] = value[source] << bits;
        if bits > 0 && source > 0 {
            shifted[position] |= value[source - 1] >> (64 - bits);
        }
    }
    shifted
}

/// `value >> shift`, and whether any set bit fell off.
fn shift_right_wide(value: [u64; 5], shift: u32) -> ([u64; 5], bool) {
    if shift >= 320 {
        return ([0; 5], value.iter().any(|&limb| limb != 0));
    }
    let (limbs, bits) = ((shift / 64) as usize, shift % 64);
    let mut lost = value[..limbs].iter().any(|&limb| limb != 0);
    if bits > 0 && limbs < 5 {
        lost |= value[limbs] & ((1u64 << bits) - 1) != 0;
    }
    let mut shifted = [0; 5];
    for (position, limb) in shifted.iter_mut().enumerate().take(5 - limbs) {
        let source = position + limbs;
        *limb = value[source] >> bits;
        if bits > 0 && source + 1 < 5 {
            *limb |= value[source + 1] << (64 - bits);
        }
    }
    (shifted, lost)
}

fn shift_right(value: [u64; LIMBS], shift: u32) -> [u64; LIMBS] {
    let wide = [value[0], value[1], value[2], value[3], 0];
    let (shifted, _) = shift_right_wide(wide, shift);
    [shifted[0], shifted[1], shifted[2], shifted[3]]
}

/// Bit `position` (0 = least significant) of the mantissa; 0 below the mantissa.
fn bit(value: [u64; LIMBS], position: i64) -> bool {
    if !(0..256).contains(&position) {
        return false;
    }
    (value[(position / 64) as usize] >> (position % 64)) & 1 == 1
}

/// Whether any bit below `position` is set.
fn any_below(value: [u64; LIMBS], position: i64) -> bool {
    if position <= 0 {
        return false;
    }
    if position >= 256 {
        return value.iter().any(|&limb| limb != 0);
    }
    let position = position as usize;
    let (limbs, bits) = (position / 64, position % 64);
    value[..limbs].iter().any(|&limb| limb != 0) || (bits > 0 && value[limbs] & ((1u64 << bits) - 1) != 0)
}

/// `value · 2^power` in `f64` for a value of at most 53 significant bits whose result is
/// representable: in steps of `2^±500`, each exact, so that only the last can round (and, the
/// result being representable, does not).
fn scale_f64(mut value: f64, mut power: i64) -> f64 {
    while power > 500 {
        value *= 2f64.powi(500);
        power -= 500;
    }
    while power < -500 {
        value *= 2f64.powi(-500);
        power += 500;
    }
    value * 2f64.powi(power as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip_and_round_to_nearest() {
        for value in [1.0, -2.5, 0.1, 1e-300, 5e-324, f64::MAX, f64::MIN_POSITIVE, 123456.789] {
            assert_eq!(Precise::from_f64(value).to_f64(), value);
        }
        let third = Precise::one().div_u64(3);
        assert_eq!(third.to_f64(), 1.0 / 3.0);
        assert_eq!(third.to_f32(), 1.0f32 / 3.0);
        assert_eq!(Precise::from_f64(1e-45).to_f32(), f32::from_bits(1));
        assert_eq!(Precise::from_f64(1e39).to_f32(), f32::INFINITY);
        assert_eq!(Precise::from_f64(f64::MAX).mul(&Precise::from_u64(2)).to_f64(), f64::INFINITY);
    }

    #[test]
    fn arithmetic_is_exact_where_it_should_be() {
        let a = Precise::from_f64(1.0);
        let tiny = Precise::from_f64(1e-60);
        assert_eq!(a.add(&tiny).sub(&a).to_f64(), 1e-60);
        assert_eq!(Precise::from_u64(7).mul(&Precise::from_u64(6)).to_f64(), 42.0);
        assert_eq!(Precise::from_u64(2).sqrt().mul(&Precise::from_u64(2).sqrt()).to_f64(), 2.0);
    }

    #[test]
    fn constants_match_their_known_digits() {
        assert_eq!(pi().to_f64(), std::f64::consts::PI);
        assert_eq!(ln2().to_f64(), std::f64::consts::LN_2);
        // π - fl(π) = 1.2246467991473532e-16 (mpmath).
        assert_eq!(pi().sub(&Precise::from_f64(std::f64::consts::PI)).to_f64(), 1.2246467991473532e-16);
    }
}
