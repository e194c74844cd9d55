//! The judge: how many bits of a result a form loses, at sampled inputs, against the exact
//! value.
//!
//! The error of a computed value `y` against the exact value `Y` rounded to the type is
//! `log2(1 + |ordinal(y) - ordinal(Y)|)`: the number of low bits that are wrong, counted in
//! representable numbers between the two (Herbie's measure). A NaN or an infinity where the
//! exact value is finite loses every bit: 64 in `f64`, 32 in `f32`. Inputs are random bit
//! patterns of the type (so every binade is sampled as often as every other, both signs),
//! with the grid of the oracle's choice beside them, kept where the exact value is a finite
//! number of the type.

use std::collections::HashMap;

use texgrad_math::Float;

use crate::ir::{Graph, Id};
use crate::oracle::{self, Density, Exact};
use crate::precise::Precise;
use crate::program::Bindings;

/// The floating-point types the judge measures, with their bit layouts.
pub trait Measured: Float {
    /// Bits in the type: the error of a NaN where the exact value is finite.
    const BITS: f64;
    /// The largest finite value of the type.
    const LARGEST: f64;
    /// The position of `value` (a value of this type) in the order of the type's values:
    /// consecutive representable numbers have consecutive ordinals, -0 and +0 the same.
    fn ordinal(value: f64) -> i64;
    /// The value of this type at an ordinal (see [`Measured::ordinal`]).
    fn from_ordinal(ordinal: i64) -> f64;
    /// The exact value rounded to this type, as `f64`.
    fn round(exact: &Precise) -> f64;
    /// A value of this type from random bits (NaN and infinities excluded by the caller).
    fn from_bits(bits: u64) -> f64;
}

impl Measured for f64 {
    const BITS: f64 = 64.0;
    const LARGEST: f64 = f64::MAX;
    fn ordinal(value: f64) -> i64 {
        let bits = value.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    }
    fn from_ordinal(ordinal: i64) -> f64 {
        f64::from_bits((if ordinal < 0 { i64::MIN - ordinal } else { ordinal }) as u64)
    }
    fn round(exact: &Precise) -> f64 {
        exact.to_f64()
    }
    fn from_bits(bits: u64) -> f64 {
        f64::from_bits(bits)
    }
}

impl Measured for f32 {
    const BITS: f64 = 32.0;
    const LARGEST: f64 = f32::MAX as f64;
    fn ordinal(value: f64) -> i64 {
        let bits = i64::from((value as f32).to_bits() as i32);
        if bits < 0 { i64::from(i32::MIN) - bits } else { bits }
    }
    fn from_ordinal(ordinal: i64) -> f64 {
        let ordinal = ordinal.clamp(i64::from(i32::MIN) + 1, i64::from(i32::MAX)) as i32;
        f64::from(f32::from_bits((if ordinal < 0 { i32::MIN - ordinal } else { ordinal }) as u32))
    }
    fn round(exact: &Precise) -> f64 {
        f64::from(exact.to_f32())
    }
    fn from_bits(bits: u64) -> f64 {
        f64::from(f32::from_bits(bits as u32))
    }
}

/// Bits of error of `computed` (a value of `F`) against `exact` already rounded to `F`
/// (see [`Measured::round`]); `exact` must be finite.
pub fn bits<F: Measured>(computed: f64, rounded: f64) -> f64 {
    if !computed.is_finite() {
        return F::BITS;
    }
    if !rounded.is_finite() {
        // The exact value is finite but beyond the type: the largest number is as close as the
        // type gets.
        return bits::<F>(computed, F::LARGEST.copysign(rounded));
    }
    let distance = F::ordinal(computed).abs_diff(F::ordinal(rounded)) as f64;
    (1.0 + distance).log2().min(F::BITS)
}

/// A small deterministic generator (xorshift64*): the same samples for the same formula on
/// every machine and in every build.
pub struct Random(u64);

impl Random {
    /// A generator seeded with `seed` (any value; 0 is replaced).
    pub fn new(seed: u64) -> Self {
        Random(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Inputs of one type and the exact values there, rounded to the type (the judge's reference;
/// extraction keeps every class's own exact values).
#[derive(Clone, Debug, Default)]
pub struct Points {
    /// The inputs (values of the type, as `f64`).
    pub inputs: Vec<f64>,
    /// The exact value rounded to the type.
    pub rounded: Vec<f64>,
}

/// The points of both types.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// `f32` inputs.
    pub single: Points,
    /// `f64` inputs.
    pub double: Points,
}

/// How many inputs a sample draws.
#[derive(Clone, Copy, Debug)]
pub struct SampleSize {
    /// Random bit patterns in `f64`.
    pub double: usize,
    /// Random bit patterns in `f32`.
    pub single: usize,
    /// The grid of the oracle's choice ([`Density`]), thinned to about this many points a type.
    pub grid: usize,
}

/// Samples the formula at `forms[0]` as a function of `input` (the other names bound): random
/// bit patterns and the thinned grid, kept where the exact value is finite in the type.
///
/// The exact value is the 256-bit value of every form given (equal forms of the formula), kept
/// only where they agree: a form that cancels beyond 256 bits (`(1 + \frac{1}{x})^x` at
/// `-10^{296}`, where `1 + \frac{1}{x}` rounds to 1) disagrees with one that does not, and such
/// a point has no reference and is left out.
pub fn sample(graph: &Graph, forms: &[Id], input: &str, bindings: &Bindings, size: SampleSize) -> Sample {
    let exact = Exact::new(graph);
    let Some(&root) = forms.first() else { return Sample::default() };
    let grid = oracle::samples(graph, root, input, bindings, Density::Choice);
    // The formula's own points (kinks, case boundaries, where an exponential overflows), with
    // their neighbours: where forms part ways, never thinned out.
    let mut special = std::collections::BTreeSet::new();
    for &form in forms {
        oracle::special_points(graph, form, input, bindings, &mut special);
    }
    let special: Vec<f64> = special
        .into_iter()
        .map(f64::from_bits)
        .flat_map(|point| [0.0, 1e-3, -1e-3].map(|offset| point + offset * point.abs().max(1.0)))
        .collect();
    let mut random = Random::new(0x7e47_67ad ^ (size.double as u64) << 32 ^ size.single as u64);
    Sample {
        single: points::<f32>(
            &exact,
            forms,
            input,
            bindings,
            &grid.single,
            &special,
            size.single,
            size.grid,
            &mut random,
        ),
        double: points::<f64>(
            &exact,
            forms,
            input,
            bindings,
            &grid.double,
            &special,
            size.double,
            size.grid,
            &mut random,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn points<F: Measured>(
    exact: &Exact<'_>,
    forms: &[Id],
    input: &str,
    bindings: &Bindings,
    grid: &[f64],
    special: &[f64],
    random_count: usize,
    grid_count: usize,
    random: &mut Random,
) -> Points {
    let mut candidates = Vec::new();
    // Random bit patterns: the type's finite values, every binade equally likely. Tries are
    // bounded, so that a formula defined almost nowhere does not loop.
    let mut random_inputs = Vec::new();
    for _ in 0..random_count * 4 {
        let value = F::from_bits(random.next_bits());
        if value.is_finite() {
            random_inputs.push(value);
        }
    }
    let stride = grid.len().div_ceil(grid_count.max(1)).max(1);
    candidates.extend(grid.iter().step_by(stride).copied());
    // The points where forms most often part ways are never thinned out: 0 (where `\frac{x}{|x|}`
    // is undefined and `\operatorname{sign} x` is not), the smallest and the largest numbers.
    let smallest = F::from_bits(1);
    candidates.extend([0.0, smallest, -smallest, F::LARGEST, -F::LARGEST]);
    candidates.extend(special.iter().map(|&point| F::from_f64(point).to_f64()).filter(|point| point.is_finite()));
    let mut bindings = bindings.clone();
    let mut points = Points::default();
    let mut keep = |x: f64, points: &mut Points| -> bool {
        bindings.scalars.insert(input.to_owned(), x);
        let mut value: Option<Precise> = None;
        for &form in forms {
            let other = exact.at(form, &bindings, &HashMap::new()).ok().flatten();
            match (&value, other) {
                (None, Some(other)) => value = Some(other),
                (Some(first), Some(other)) if other.is_finite() && !oracle::agree_closely(first, &other) => {
                    return false;
                }
                _ => {}
            }
        }
        let Some(value) = value else { return false };
        let rounded = F::round(&value);
        if !value.is_finite() || !rounded.is_finite() {
            return false;
        }
        points.inputs.push(x);
        points.rounded.push(rounded);
        true
    };
    for x in candidates {
        keep(x, &mut points);
    }
    let mut kept = 0;
    for x in random_inputs {
        if kept == random_count {
            break;
        }
        if keep(x, &mut points) {
            kept += 1;
        }
    }
    points
}

/// A form's error at every point of one type, in bits: the worse of its values without and
/// with fused multiply-adds (the two levels generated code may run at).
pub fn errors<F: Measured>(
    graph: &Graph,
    form: Id,
    input: &str,
    bindings: &Bindings,
    points: &Points,
) -> Option<Vec<f64>> {
    use texgrad_math::dispatch::{Avx2, Portable};
    let tape = oracle::Tape::<F>::compile(graph, form, input, bindings)?;
    let mut scratch = Vec::new();
    Some(
        points
            .inputs
            .iter()
            .zip(&points.rounded)
            .map(|(&x, &rounded)| {
                let x = F::from_f64(x);
                let portable = tape.evaluate::<Portable>(x, &mut scratch).to_f64();
                let fused = tape.evaluate::<Avx2>(x, &mut scratch).to_f64();
                bits::<F>(portable, rounded).max(bits::<F>(fused, rounded))
            })
            .collect(),
    )
}

/// The average and the largest of errors in bits.
pub fn summary(errors: &[f64]) -> (f64, f64) {
    if errors.is_empty() {
        return (0.0, 0.0);
    }
    let total: f64 = errors.iter().sum();
    (total / errors.len() as f64, errors.iter().copied().fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_count_representable_numbers_between() {
        assert_eq!(bits::<f64>(1.0, 1.0), 0.0);
        assert_eq!(bits::<f64>(1.0f64.next_up(), 1.0), 1.0);
        assert_eq!(bits::<f64>(-0.0, 0.0), 0.0);
        assert!((bits::<f64>(1.0 + 3.0 * f64::EPSILON, 1.0) - 2.0).abs() < 1e-12);
        assert_eq!(bits::<f64>(f64::NAN, 1.0), 64.0);
        assert_eq!(bits::<f32>(f64::INFINITY, 1.0), 32.0);
        // Opposite signs are far apart: every number between them counts.
        assert!(bits::<f64>(-1.0, 1.0) > 62.0);
        assert_eq!(bits::<f32>(f64::from(1.0f32.next_up()), 1.0), 1.0);
        // An exact value beyond the type: the largest number is as close as it gets.
        assert_eq!(bits::<f32>(f64::from(f32::MAX), f64::INFINITY), 0.0);
        for x in [-3.5, -1e-300, 0.0, 2.0, f64::MAX] {
            assert_eq!(<f64 as Measured>::from_ordinal(<f64 as Measured>::ordinal(x)), x);
        }
        for x in [-3.5f32, -1e-30, 2.0, f32::MAX] {
            assert_eq!(<f32 as Measured>::from_ordinal(<f32 as Measured>::ordinal(f64::from(x))), f64::from(x));
        }
        assert!(bits::<f32>(0.0, f64::INFINITY) > 30.0);
    }

    #[test]
    fn samples_cover_binades_and_keep_only_defined_points() {
        let expression = crate::Expression::parse(r"\ln x").unwrap();
        let (graph, root) = expression.graph();
        let size = SampleSize { double: 64, single: 32, grid: 32 };
        let sample = sample(graph, &[root], "x", &Bindings::default(), size);
        assert!(sample.double.inputs.iter().all(|&x| x > 0.0));
        assert!(sample.double.inputs.len() >= 64);
        let exponents: std::collections::BTreeSet<i64> =
            sample.double.inputs.iter().map(|x| x.log2().floor() as i64 / 100).collect();
        assert!(exponents.len() >= 5, "binades sampled: {exponents:?}");
        // The same sample every time.
        let again = super::sample(graph, &[root], "x", &Bindings::default(), size);
        assert_eq!(sample.double.inputs, again.double.inputs);
    }
}
