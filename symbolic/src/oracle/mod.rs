//! The accuracy oracle: how accurate a form of a formula is, measured rather than assumed.
//!
//! - [`exact()`]: the value of any expression of the IR to 256 bits ([`Precise`]), every
//!   function of the function table included (`erf`, `erfc` and `Φ` too);
//! - [`Tape`]: its value as the generated code computes it, in `f32` or `f64`, with or
//!   without fused multiply-adds;
//! - [`samples`]: inputs where forms differ: both signs at log-spaced magnitudes over the
//!   type's range, and the formula's own kinks, case boundaries and overflow points;
//! - [`measure`]: a form's error in ULP in `f32` and `f64` at those inputs, the worse of the
//!   two multiply-add variants, against the exact value;
//! - [`choose`]: of several equal forms (the stabilised one, the one before the stabiliser, the
//!   formula as written), the one to compute: the stabilised form unless the measurement shows
//!   it less accurate than another somewhere.
//!
//! The engine keeps a form only where this shows it no less accurate than the formula as
//! written (SPEC section 4), and `texgrad accuracy FORMULA` reports the same figures to users.
//!
//! Choosing runs in every macro expansion, so it measures sparingly: the forms are first
//! compared with each other in `f32` and `f64` at a coarse grid, and the exact value is computed
//! only where they differ by more than a rounding or two. Where they agree, no form is measurably
//! better than another.

mod emitted;
mod exact;
pub mod precise;

use std::collections::BTreeSet;
use std::collections::HashMap;

pub use emitted::Tape;
pub use exact::{Exact, exact};
pub use precise::Precise;
use texgrad_math::Float;
use texgrad_math::dispatch::{Avx2, Portable};

use crate::constant;
use crate::eval::Bindings;
use crate::ir::{Func, Graph, Id, Node};

/// How many inputs to sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Density {
    /// For a report: every decade of the type's range, 24 points a decade between 10^-3 and
    /// 10^3.
    Report,
    /// For choosing a form in a macro expansion: every third decade (every second in `f32`), 4
    /// points a decade between 10^-4 and 10^4.
    Choice,
    /// For property tests over many formulas: every tenth decade (every fifth in `f32`), 2
    /// points a decade between 10^-3 and 10^3.
    Sparse,
}

/// The inputs a scalar formula of one input is measured at, in each type: exact values of that
/// type, sorted, without duplicates.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// `f32` inputs (as `f64`, exactly).
    pub single: Vec<f64>,
    /// `f64` inputs.
    pub double: Vec<f64>,
}

/// The sample inputs for the input `input` of the expression at `root`, the other names bound
/// as in `bindings`: 0, ±10^k over the type's whole range, and around every constant the input
/// is compared with (kinks, case boundaries) and every point where an exponential of a multiple
/// of the input overflows.
pub fn samples(graph: &Graph, root: Id, input: &str, bindings: &Bindings, density: Density) -> Samples {
    let mut special = BTreeSet::new();
    special_points(graph, root, input, bindings, &mut special);
    let single = grid(-45, 38, density, &special, |value| f64::from(value as f32));
    let double = grid(-307, 308, density, &special, |value| value);
    Samples { single, double }
}

fn grid(smallest: i32, largest: i32, density: Density, special: &BTreeSet<u64>, round: fn(f64) -> f64) -> Vec<f64> {
    let single = largest < 100;
    let (stride, dense, steps) = match density {
        Density::Report => (1, -3..3, 24),
        Density::Choice => (if single { 2 } else { 3 }, -4..4, 4),
        Density::Sparse => (if single { 5 } else { 10 }, -3..3, 2),
    };
    let mut values = vec![0.0];
    let mut push = |magnitude: f64| {
        values.push(magnitude);
        values.push(-magnitude);
    };
    for decade in (smallest..largest).step_by(stride) {
        push(10f64.powi(decade));
    }
    for decade in dense {
        for step in 0..steps {
            push(10f64.powf(f64::from(decade) + f64::from(step) / f64::from(steps)));
        }
    }
    let offsets: &[f64] = match density {
        Density::Report => &[0.0, 1e-3, -1e-3, 1e-7, -1e-7],
        Density::Choice | Density::Sparse => &[0.0, 1e-3, -1e-3],
    };
    for &point in special {
        let point = f64::from_bits(point);
        for offset in offsets {
            values.push(point + offset * point.abs().max(1.0));
        }
    }
    let mut rounded: Vec<f64> = values.into_iter().map(round).filter(|value| value.is_finite()).collect();
    rounded.sort_by(f64::total_cmp);
    rounded.dedup();
    rounded
}

/// Constants the input meets in comparisons, and where `e^{c x}` overflows.
fn special_points(graph: &Graph, root: Id, input: &str, bindings: &Bindings, points: &mut BTreeSet<u64>) {
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![root];
    let constant_value = |id: Id| -> Option<f64> {
        constant::fold(graph, id).map(|value| value.to_f64()).or_else(|| match graph.node(id) {
            Node::Symbol(name) if name != input => bindings.scalars.get(name).copied(),
            Node::Mul(factors) if factors.len() == 2 => {
                let (a, b) = (constant::fold(graph, factors[0])?.to_f64(), factors[1]);
                match graph.node(b) {
                    Node::Symbol(name) if name != input => Some(a * bindings.scalars.get(name)?),
                    _ => None,
                }
            }
            _ => None,
        })
    };
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        match graph.node(id) {
            Node::Compare(_, a, b) | Node::Max(a, b) | Node::Min(a, b) => {
                for side in [*a, *b] {
                    if let Some(value) = constant_value(side) {
                        points.insert(value.to_bits());
                        points.insert((-value).to_bits());
                    }
                }
            }
            Node::Apply(Func::Exp | Func::ExpM1 | Func::Sinh | Func::Cosh, argument) => {
                if let Node::Mul(factors) = graph.node(*argument)
                    && let Some(scale) = constant::fold(graph, factors[0]).map(|value| value.to_f64())
                    && scale != 0.0
                {
                    for limit in [88.72, 709.78, -87.33, -745.13] {
                        points.insert((limit / scale).to_bits());
                    }
                }
            }
            _ => {}
        }
        stack.extend(graph.children(id));
    }
}

/// A form's errors in one type: in ULP of the exact value, the worse of the unfused and fused
/// multiply-add variants at each input.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    /// The median error.
    pub median: f64,
    /// The largest error (∞ for a NaN or infinity where the value is finite, or the reverse).
    pub max: f64,
    /// The input with the largest error.
    pub worst: f64,
    /// The inputs with the largest errors, largest first (up to five), with their errors.
    pub worst_inputs: Vec<(f64, f64)>,
    /// How many inputs give a NaN or an infinity where the exact value is finite.
    pub non_finite: usize,
    /// How many inputs were measured (those with an exact value).
    pub points: usize,
}

/// A form's errors in both types.
#[derive(Clone, Debug, Default)]
pub struct Measurement {
    /// In `f32`.
    pub single: Errors,
    /// In `f64`.
    pub double: Errors,
}

/// The exact values of an expression at every sample (the exact value does not depend on the
/// form, so one set serves every form of it).
#[derive(Clone, Debug, Default)]
pub struct References {
    single: Vec<(f64, Precise)>,
    double: Vec<(f64, Precise)>,
}

/// The exact values at the samples of the expression at `root` as a function of `input`, the
/// other names bound; inputs where it has none are left out.
pub fn references(graph: &Graph, root: Id, input: &str, bindings: &Bindings, samples: &Samples) -> References {
    let exact = Exact::new(graph);
    let mut bindings = bindings.clone();
    let mut at = |x: f64| -> Option<(f64, Precise)> {
        bindings.scalars.insert(input.to_owned(), x);
        exact.at(root, &bindings, &HashMap::new()).ok().flatten().map(|value| (x, value))
    };
    References {
        single: samples.single.iter().filter_map(|&x| at(x)).collect(),
        double: samples.double.iter().filter_map(|&x| at(x)).collect(),
    }
}

/// A form's errors against the references, at both levels (with and without fused
/// multiply-adds); `None` if the form has no scalar value.
pub fn measure(
    graph: &Graph,
    form: Id,
    input: &str,
    bindings: &Bindings,
    references: &References,
) -> Option<Measurement> {
    let single = Tape::<f32>::compile(graph, form, input, bindings)?;
    let double = Tape::<f64>::compile(graph, form, input, bindings)?;
    Some(Measurement { single: errors(&single, &references.single), double: errors(&double, &references.double) })
}

fn errors<F: Float>(tape: &Tape<F>, references: &[(f64, Precise)]) -> Errors {
    let mut scratch = Vec::new();
    let mut all: Vec<(f64, f64)> = Vec::with_capacity(references.len());
    let mut non_finite = 0;
    for (x, reference) in references {
        let input = F::from_f64(*x);
        let mut error = 0f64;
        let mut finite_where_it_should_be = true;
        // Where the exact value is subnormal, SPEC section 4 asks for an absolute error of the
        // smallest normal number, not for ULP of the subnormal spacing: only a NaN or an infinity
        // counts there.
        let exact = rounded::<F>(reference);
        let smallest_normal = if size_of::<F>() == 4 { f64::from(f32::MIN_POSITIVE) } else { f64::MIN_POSITIVE };
        let subnormal = exact != 0.0 && exact.abs() < smallest_normal;
        for value in [tape.evaluate::<Portable>(input, &mut scratch), tape.evaluate::<Avx2>(input, &mut scratch)] {
            let value = value.to_f64();
            finite_where_it_should_be &= value.is_finite() || !exact.is_finite();
            let value_error = ulp_error::<F>(value, reference);
            error = error.max(if subnormal && value.is_finite() { 0.0 } else { value_error });
        }
        non_finite += usize::from(!finite_where_it_should_be);
        all.push((error, *x));
    }
    summarise(all, non_finite)
}

fn summarise(mut all: Vec<(f64, f64)>, non_finite: usize) -> Errors {
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let median = all.get(all.len() / 2).map_or(0.0, |(error, _)| *error);
    Errors {
        median,
        max: all.first().map_or(0.0, |(error, _)| *error),
        worst: all.first().map_or(0.0, |(_, x)| *x),
        worst_inputs: all.iter().take(5).map(|&(error, x)| (x, error)).collect(),
        non_finite,
        points: all.len(),
    }
}

/// The exact value rounded to `F`.
fn rounded<F: Float>(reference: &Precise) -> f64 {
    if size_of::<F>() == 4 { f64::from(reference.to_f32()) } else { reference.to_f64() }
}

/// The size of one ULP of `F` at `value` (a value of `F`): the gap to the next larger
/// magnitude, at least the smallest subnormal.
fn ulp<F: Float>(value: f64) -> f64 {
    if size_of::<F>() == 4 {
        let single = (value as f32).abs();
        f64::from(single.next_up() - single).max(f64::from(f32::from_bits(1)))
    } else {
        let double = value.abs();
        (double.next_up() - double).max(f64::from_bits(1))
    }
}

/// The error of `value` (a value of `F`) in ULP of the exact value rounded to `F`; 0 where both
/// are the same infinity or both NaN, ∞ where one is finite and the other not.
pub fn ulp_error<F: Float>(value: f64, reference: &Precise) -> f64 {
    let rounded = rounded::<F>(reference);
    if value.is_nan() || rounded.is_nan() {
        return if value.is_nan() && rounded.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if !value.is_finite() || !rounded.is_finite() {
        return if value == rounded { 0.0 } else { f64::INFINITY };
    }
    let difference = Precise::from_f64(value).sub(reference).abs().to_f64();
    difference / ulp::<F>(rounded)
}

impl Measurement {
    /// Whether this form is no less accurate than `other`: no more non-finite results, and a
    /// maximum error in each type within `slack` ULP (or twice) of the other's.
    pub fn no_worse_than(&self, other: &Measurement, slack: f64) -> bool {
        [(&self.single, &other.single), (&self.double, &other.double)].iter().all(|(mine, theirs)| {
            mine.non_finite <= theirs.non_finite && (mine.max <= theirs.max + slack || mine.max <= 2.0 * theirs.max)
        })
    }
}

/// How far apart two forms' results may be at a point and still count as agreeing there: in
/// ULP of the type. Within this, neither is measurably better at that point.
const AGREEMENT: f64 = 2.0;

/// What [`choose`] decided and why.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The form to compute in `f32`.
    pub single: Id,
    /// The form to compute in `f64`.
    pub double: Id,
    /// Each candidate's errors at the points where the candidates disagree (empty where they
    /// agree everywhere, or only one has a scalar value).
    pub measurements: Vec<(Id, Measurement)>,
}

/// Of the equal forms `root` (preferred) and `alternatives` of a scalar expression of `input`
/// (the other names bound as in `bindings`), the one to compute in each type: `root` unless, at
/// the points where the forms disagree, it is measurably less accurate than another in that
/// type; then the most accurate one there. The two types may differ (`x \cdot x / c` is
/// computed as written in `f64`, where `x^2` underflows first, but not in `f32`, where `x / c`
/// overflows first).
pub fn choose(graph: &Graph, root: Id, alternatives: &[Id], input: &str, bindings: &Bindings) -> Choice {
    let mut candidates = vec![root];
    for &alternative in alternatives {
        if !candidates.contains(&alternative) {
            candidates.push(alternative);
        }
    }
    let unchanged = Choice { single: root, double: root, measurements: Vec::new() };
    if candidates.len() < 2 {
        return unchanged;
    }
    let compiled: Vec<(Id, Tape<f32>, Tape<f64>)> = candidates
        .iter()
        .filter_map(|&form| {
            Some((form, Tape::compile(graph, form, input, bindings)?, Tape::compile(graph, form, input, bindings)?))
        })
        .collect();
    if compiled.len() < 2 || compiled[0].0 != root {
        return unchanged;
    }
    let samples = samples(graph, root, input, bindings, Density::Choice);
    let singles: Vec<&Tape<f32>> = compiled.iter().map(|(_, single, _)| single).collect();
    let doubles: Vec<&Tape<f64>> = compiled.iter().map(|(_, _, double)| double).collect();
    let (single_inputs, double_inputs) =
        (with_transitions(&singles, &samples.single), with_transitions(&doubles, &samples.double));
    let contested =
        Samples { single: contested(&singles, &single_inputs), double: contested(&doubles, &double_inputs) };
    if contested.single.is_empty() && contested.double.is_empty() {
        return unchanged;
    }
    let references = consistent_references(graph, &candidates, input, bindings, &contested);
    let measurements: Vec<(Id, Measurement)> = compiled
        .iter()
        .map(|(form, single, double)| {
            (
                *form,
                Measurement { single: errors(single, &references.single), double: errors(double, &references.double) },
            )
        })
        .collect();
    let single = best(&measurements, |measurement| &measurement.single);
    let double = best(&measurements, |measurement| &measurement.double);
    Choice { single, double, measurements }
}

/// The first form (the root) unless it is measurably less accurate than another in the type
/// `errors` picks; then the most accurate one: fewest non-finite results, then smallest maximum
/// error.
fn best(measurements: &[(Id, Measurement)], errors: impl Fn(&Measurement) -> &Errors) -> Id {
    let (root, root_measurement) = &measurements[0];
    let mine = errors(root_measurement);
    let no_worse = |theirs: &Errors| {
        mine.non_finite <= theirs.non_finite && (mine.max <= theirs.max + AGREEMENT || mine.max <= 2.0 * theirs.max)
    };
    if measurements[1..].iter().all(|(_, other)| no_worse(errors(other))) {
        return *root;
    }
    measurements
        .iter()
        .min_by(|(_, a), (_, b)| {
            let (a, b) = (errors(a), errors(b));
            (a.non_finite, a.max).partial_cmp(&(b.non_finite, b.max)).unwrap_or(std::cmp::Ordering::Equal)
        })
        .map_or(*root, |(form, _)| *form)
}

/// The inputs where the forms' results (without fused multiply-adds) are more than
/// [`AGREEMENT`] ULP apart, or differ in being finite.
fn contested<F: Float>(tapes: &[&Tape<F>], inputs: &[f64]) -> Vec<f64> {
    let mut scratch = Vec::new();
    let mut values = Vec::with_capacity(tapes.len());
    inputs
        .iter()
        .copied()
        .filter(|&x| {
            values.clear();
            values.extend(tapes.iter().map(|tape| tape.evaluate::<Portable>(F::from_f64(x), &mut scratch).to_f64()));
            let first = values[0];
            values[1..].iter().any(|&value| {
                if first.is_finite() != value.is_finite() || first.is_nan() != value.is_nan() {
                    return true;
                }
                first.is_finite() && (first - value).abs() > AGREEMENT * ulp::<F>(first.abs().max(value.abs()))
            })
        })
        .collect()
}

/// What a result is, for finding where a form starts to overflow or underflow.
fn class(value: f64) -> u8 {
    if value.is_nan() {
        0
    } else if value.is_infinite() {
        1
    } else if value == 0.0 {
        2
    } else {
        3
    }
}

/// `x` as an integer in the order of the floats (of `F`), and back: bisecting it halves the
/// number of floats between two bounds, whatever their magnitudes.
fn order_key<F: Float>(x: f64) -> i64 {
    let bits = if size_of::<F>() == 4 { i64::from((x as f32).to_bits()) } else { x.to_bits() as i64 };
    let sign_bit = if size_of::<F>() == 4 { 1i64 << 31 } else { i64::MIN };
    if bits & sign_bit != 0 { -(bits & !sign_bit) } else { bits }
}

fn from_order_key<F: Float>(key: i64) -> f64 {
    if size_of::<F>() == 4 {
        let bits = if key < 0 { (-key) as u32 | (1 << 31) } else { key as u32 };
        f64::from(f32::from_bits(bits))
    } else {
        let bits = if key < 0 { (-key) as u64 | (1 << 63) } else { key as u64 };
        f64::from_bits(bits)
    }
}

/// The inputs on both sides of every point between two neighbouring samples where a form's
/// result changes from a number to an infinity, a NaN or zero (an intermediate overflows or
/// underflows): no grid is fine enough to hit `(x/2)^3` and `x^3/8` overflowing at different
/// points, but bisection finds both, to the last float.
fn transitions<F: Float>(tapes: &[&Tape<F>], inputs: &[f64]) -> Vec<f64> {
    let mut scratch = Vec::new();
    let mut found = Vec::new();
    for tape in tapes {
        let mut at = |x: f64| class(tape.evaluate::<Portable>(F::from_f64(x), &mut scratch).to_f64());
        let classes: Vec<u8> = inputs.iter().map(|&x| at(x)).collect();
        for (pair, class_pair) in inputs.windows(2).zip(classes.windows(2)) {
            if class_pair[0] == class_pair[1] {
                continue;
            }
            let (mut low, mut high) = (order_key::<F>(pair[0]), order_key::<F>(pair[1]));
            let low_class = class_pair[0];
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if at(from_order_key::<F>(middle)) == low_class {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            found.push(from_order_key::<F>(low));
            found.push(from_order_key::<F>(high));
        }
    }
    found
}

/// `inputs` with the transitions of every form added, sorted, without duplicates.
fn with_transitions<F: Float>(tapes: &[&Tape<F>], inputs: &[f64]) -> Vec<f64> {
    let mut all = inputs.to_vec();
    all.extend(transitions(tapes, inputs));
    all.sort_by(f64::total_cmp);
    all.dedup();
    all
}

/// The exact values at `samples`, from every candidate form: equal forms have equal exact
/// values, except where one cancels more than 256 bits hold (`\sqrt{x+1} - \sqrt{x}` at
/// 10^300). An input where the forms' exact values disagree beyond 2^-120 is left out rather
/// than measured against a doubtful reference.
fn consistent_references(
    graph: &Graph,
    forms: &[Id],
    input: &str,
    bindings: &Bindings,
    samples: &Samples,
) -> References {
    let exact = Exact::new(graph);
    let mut bindings = bindings.clone();
    let mut at = |x: f64| -> Option<(f64, Precise)> {
        bindings.scalars.insert(input.to_owned(), x);
        let mut value: Option<Precise> = None;
        for &form in forms {
            let Some(other) = exact.at(form, &bindings, &HashMap::new()).ok().flatten() else { continue };
            match value {
                None => value = Some(other),
                Some(first) => {
                    if !agree_closely(&first, &other) {
                        return None;
                    }
                }
            }
        }
        value.map(|value| (x, value))
    };
    References {
        single: samples.single.iter().filter_map(|&x| at(x)).collect(),
        double: samples.double.iter().filter_map(|&x| at(x)).collect(),
    }
}

/// Whether two exact values agree to 2^-120 relatively (or are the same non-finite value).
pub fn agree_closely(a: &Precise, b: &Precise) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return a.is_nan() == b.is_nan() && a.compare(b).is_some_and(|order| order.is_eq());
    }
    let difference = a.sub(b).abs();
    let scale = a.abs().scale(-120);
    difference.compare(&scale).is_some_and(|order| order.is_le())
}

/// Several equal forms of a scalar expression of `input` measured at the samples of `density`
/// against one set of exact values (from all of them, see [`choose`]): for each form, its
/// errors, or `None` if it has no scalar value.
pub fn compare(
    graph: &Graph,
    forms: &[Id],
    input: &str,
    bindings: &Bindings,
    density: Density,
) -> Vec<Option<Measurement>> {
    let Some(&first) = forms.first() else { return Vec::new() };
    let mut samples = samples(graph, first, input, bindings, density);
    // Where any of the forms overflows or underflows, on both sides.
    let singles: Vec<Tape<f32>> =
        forms.iter().filter_map(|&form| Tape::compile(graph, form, input, bindings)).collect();
    let doubles: Vec<Tape<f64>> =
        forms.iter().filter_map(|&form| Tape::compile(graph, form, input, bindings)).collect();
    samples.single = with_transitions(&singles.iter().collect::<Vec<_>>(), &samples.single);
    samples.double = with_transitions(&doubles.iter().collect::<Vec<_>>(), &samples.double);
    let references = consistent_references(graph, forms, input, bindings, &samples);
    forms.iter().map(|&form| measure(graph, form, input, bindings, &references)).collect()
}

/// [`compare`] on the report grid ([`Density::Report`]).
pub fn report(graph: &Graph, forms: &[Id], input: &str, bindings: &Bindings) -> Vec<Option<Measurement>> {
    compare(graph, forms, input, bindings, Density::Report)
}
