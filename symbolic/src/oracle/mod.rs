//! The accuracy oracle: how accurate a form of a formula is, measured rather than assumed.
//!
//! - [`exact()`]: the value of an expression to 256 bits ([`Precise`]): its program
//!   ([`crate::program`]) run with every instruction's exact value;
//! - [`Tape`]: its value as the generated code computes it, in `f32` or `f64`, with or
//!   without fused multiply-adds: the same program, the one the emitter prints, run with the
//!   runtime's own functions;
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

pub(crate) mod exact;

use std::collections::BTreeSet;
use std::collections::{HashMap, HashSet};

pub use crate::precise::Precise;
pub use crate::program::run::Tape;
pub use exact::{Exact, exact};
use texgrad_math::Float;
use texgrad_math::dispatch::{Avx2, Portable};

use crate::constant;
use crate::ir::{Func, Graph, Id, Node};
use crate::program::Bindings;

/// How many inputs to sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Density {
    /// For a report: every decade of the type's range, 24 points a decade between 10^-4 and
    /// 10^4 (so that it holds every point of [`Density::Choice`]).
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
        Density::Report => (1, -4..4, 24),
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
    // The ends of the range, so that every overflow and underflow lies between two samples.
    let (largest_value, smallest_value) =
        if single { (f64::from(f32::MAX), f64::from(f32::from_bits(1))) } else { (f64::MAX, f64::from_bits(1)) };
    push(largest_value);
    push(smallest_value);
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
pub(crate) fn special_points(graph: &Graph, root: Id, input: &str, bindings: &Bindings, points: &mut BTreeSet<u64>) {
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
    single: Vec<Point>,
    double: Vec<Point>,
}

/// An input and the exact value there.
#[derive(Clone, Copy, Debug)]
struct Point {
    x: f64,
    exact: Precise,
    /// Whether a zero of the expression other than `x = 0` lies within `10^{-3} max(1, |x|)`,
    /// where SPEC section 4 measures the error absolutely, in ULP of `max(1, |x|)`: near a zero
    /// the result's own ULP measures only how close the input happens to fall. The smaller of
    /// the two measures counts (a pole changes sign too).
    near_zero: bool,
}

/// Whether the exact value changes sign (or is 0) within `10^{-3} max(1, |x|)` of `x ≠ 0`.
/// The neighbours' signs come from `tape` (the form in `f64`), and from the exact value only
/// where that result is too small or not finite to trust its sign: two exact evaluations per
/// point would double the oracle's cost.
fn near_zero(near: &mut NearZero<'_>, x: f64, value: &Precise) -> bool {
    if x == 0.0 || !value.is_finite() {
        return false;
    }
    if value.is_zero() {
        return true;
    }
    // The absolute measure is the smaller one only where the value is below max(1, |x|).
    let scale = x.abs().max(1.0);
    if value.abs().to_f64() >= scale {
        return false;
    }
    let step = 1e-3 * scale;
    [x - step, x + step].iter().any(|&neighbour| {
        let quick = near.tape.as_ref().map(|tape| tape.evaluate::<Portable>(neighbour, &mut near.scratch));
        let sign = match quick {
            Some(quick) if quick.is_finite() && quick.abs() > 1e-12 * scale => Some(quick < 0.0),
            _ => {
                near.bindings.scalars.insert(near.input.to_owned(), neighbour);
                let other = near.exact.at(near.form, &near.bindings, &HashMap::new()).ok().flatten();
                other
                    .filter(Precise::is_finite)
                    .map(|other| if other.is_zero() { !value.is_negative() } else { other.is_negative() })
            }
        };
        sign.is_some_and(|negative| negative != value.is_negative())
    })
}

/// What [`near_zero`] evaluates the neighbours of an input with.
struct NearZero<'a> {
    exact: &'a Exact<'a>,
    tape: Option<Tape<f64>>,
    scratch: Vec<[f64; 2]>,
    form: Id,
    input: &'a str,
    bindings: Bindings,
}

impl<'a> NearZero<'a> {
    fn new(graph: &Graph, exact: &'a Exact<'a>, form: Id, input: &'a str, bindings: &Bindings) -> Self {
        let tape = Tape::compile(graph, form, input, bindings);
        NearZero { exact, tape, scratch: Vec::new(), form, input, bindings: bindings.clone() }
    }
}

/// The exact values at the samples of the expression at `root` as a function of `input`, the
/// other names bound; inputs where it has none are left out.
pub fn references(graph: &Graph, root: Id, input: &str, bindings: &Bindings, samples: &Samples) -> References {
    let exact = Exact::new(graph);
    let mut near = NearZero::new(graph, &exact, root, input, bindings);
    let mut bindings = bindings.clone();
    let mut at = |x: f64| -> Option<Point> {
        bindings.scalars.insert(input.to_owned(), x);
        let value = exact.at(root, &bindings, &HashMap::new()).ok().flatten()?;
        let near_zero = near_zero(&mut near, x, &value);
        Some(Point { x, exact: value, near_zero })
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

fn errors<F: Float>(tape: &Tape<F>, references: &[Point]) -> Errors {
    let pointwise = pointwise(tape, references);
    let non_finite = pointwise.iter().filter(|(_, non_finite)| *non_finite).count();
    let all = pointwise.iter().zip(references).map(|((error, _), point)| (*error, point.x)).collect();
    summarise(all, non_finite)
}

/// A form's error at each reference input, in ULP (the worse of the unfused and fused
/// variants), and whether it is a NaN or an infinity there while the exact value is finite.
fn pointwise<F: Float>(tape: &Tape<F>, references: &[Point]) -> Vec<(f64, bool)> {
    let mut scratch = Vec::new();
    let smallest_normal = if size_of::<F>() == 4 { f64::from(f32::MIN_POSITIVE) } else { f64::MIN_POSITIVE };
    references
        .iter()
        .map(|Point { x, exact: reference, near_zero }| {
            let input = F::from_f64(*x);
            let mut error = 0f64;
            let mut non_finite = false;
            // Where the exact value is subnormal, SPEC section 4 asks for an absolute error of the
            // smallest normal number, not for ULP of the subnormal spacing: only a NaN or an
            // infinity counts there.
            let exact = rounded::<F>(reference);
            let subnormal = exact != 0.0 && exact.abs() < smallest_normal;
            for value in [tape.evaluate::<Portable>(input, &mut scratch), tape.evaluate::<Avx2>(input, &mut scratch)] {
                let value = value.to_f64();
                non_finite |= !value.is_finite() && exact.is_finite();
                // The absolute measure only ever relaxes the relative one: beside a pole the
                // sign changes too, and there the relative error is the one that is small.
                let relative = ulp_error::<F>(value, reference);
                let value_error = if *near_zero && value.is_finite() {
                    let difference = Precise::from_f64(value).sub(reference).abs().to_f64();
                    relative.min(difference / ulp::<F>(x.abs().max(1.0)))
                } else {
                    relative
                };
                error = error.max(if subnormal && value.is_finite() { 0.0 } else { value_error });
            }
            (error, non_finite)
        })
        .collect()
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
    // A finite exact value just beyond the largest float rounds to infinity; a result of the
    // largest float there is off by its distance, in units of the top binade, not infinitely.
    if value.is_finite() && rounded.is_infinite() && reference.is_finite() {
        let largest = if size_of::<F>() == 4 { f64::from(f32::MAX) } else { f64::MAX };
        let difference = Precise::from_f64(value).sub(reference).abs().to_f64();
        return difference / ulp::<F>(largest);
    }
    if !value.is_finite() || !rounded.is_finite() {
        return if value == rounded { 0.0 } else { f64::INFINITY };
    }
    let difference = Precise::from_f64(value).sub(reference).abs().to_f64();
    difference / ulp::<F>(rounded)
}

impl Measurement {
    /// Whether this form is no less accurate than `other`: no more non-finite results, and a
    /// maximum error in each type within `slack` ULP of the other's.
    pub fn no_worse_than(&self, other: &Measurement, slack: f64) -> bool {
        [(&self.single, &other.single), (&self.double, &other.double)]
            .iter()
            .all(|(mine, theirs)| mine.non_finite <= theirs.non_finite && mine.max <= theirs.max + slack)
    }
}

/// The form at `form` compiled to run in `f32` and in `f64`: one program, two tapes (see
/// [`Tape::new`] for when there is none).
fn tapes(graph: &Graph, form: Id, input: &str, bindings: &Bindings) -> Option<(Tape<f32>, Tape<f64>)> {
    let program = crate::program::build(graph, &[form]).ok()?;
    Some((Tape::new(program.clone(), input, bindings)?, Tape::new(program, input, bindings)?))
}

/// How much larger a form's error may be than another's, in ULP of the type, before it counts
/// as measurably less accurate: more than 2 ULP and more than a quarter larger. Errors of a few
/// ULP move by that much from one input to the next with the roundings of either form.
const AGREEMENT: f64 = 2.0;

/// See [`AGREEMENT`].
const RELATIVE_AGREEMENT: f64 = 1.25;

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
/// type (more non-finite results, or a maximum error more than `AGREEMENT` ULP larger); then
/// the most accurate one there. The two types may differ (`x \cdot x / c` is
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
            let (single, double) = tapes(graph, form, input, bindings)?;
            Some((form, single, double))
        })
        .collect();
    if compiled.len() < 2 || compiled[0].0 != root {
        return unchanged;
    }
    let samples = samples(graph, root, input, bindings, Density::Choice);
    let singles: Vec<&Tape<f32>> = compiled.iter().map(|(_, single, _)| single).collect();
    let doubles: Vec<&Tape<f64>> = compiled.iter().map(|(_, _, double)| double).collect();
    let (zeros_single, zeros_double) = (zeros(singles[0], &samples.single), zeros(doubles[0], &samples.double));
    let (single_inputs, double_inputs) = (
        with_transitions(&singles, &samples.single, &zeros_single),
        with_transitions(&doubles, &samples.double, &zeros_double),
    );
    // The inputs around the function's zeros, where the order of a sum's terms decides how many
    // digits survive, are never thinned out: they are few, and where forms differ most.
    let keep = |zeros: &[f64]| -> HashSet<u64> { zeros.iter().copied().map(f64::to_bits).collect() };
    let (keep_single, keep_double) = (keep(&zeros_single), keep(&zeros_double));
    let contested = Samples {
        single: contested(&singles, &single_inputs, &keep_single),
        double: contested(&doubles, &double_inputs, &keep_double),
    };
    if contested.single.is_empty() && contested.double.is_empty() {
        return unchanged;
    }
    let references = consistent_references(graph, &candidates, input, bindings, &contested);
    let single: Vec<Vec<(f64, bool)>> =
        compiled.iter().map(|(_, single, _)| pointwise(single, &references.single)).collect();
    let double: Vec<Vec<(f64, bool)>> =
        compiled.iter().map(|(_, _, double)| pointwise(double, &references.double)).collect();
    let forms: Vec<Id> = compiled.iter().map(|(form, _, _)| *form).collect();
    let measurements = compiled
        .iter()
        .map(|(form, single, double)| {
            (
                *form,
                Measurement { single: errors(single, &references.single), double: errors(double, &references.double) },
            )
        })
        .collect();
    Choice { single: best(&forms, &single), double: best(&forms, &double), measurements }
}

/// The first form (the root) where, at every measured input, it is no more often non-finite and
/// not measurably less accurate ([`AGREEMENT`]) than each other form; else the form with the
/// fewest non-finite results and then the smallest maximum error (the root on a tie).
fn best(forms: &[Id], pointwise: &[Vec<(f64, bool)>]) -> Id {
    let root = &pointwise[0];
    let dominates = pointwise[1..].iter().all(|other| {
        root.iter().zip(other).all(|(&(mine, my_non_finite), &(theirs, their_non_finite))| {
            (!my_non_finite || their_non_finite) && mine <= theirs * RELATIVE_AGREEMENT + AGREEMENT
        })
    });
    if dominates {
        return forms[0];
    }
    let score = |errors: &Vec<(f64, bool)>| {
        let non_finite = errors.iter().filter(|(_, non_finite)| *non_finite).count();
        let max = errors.iter().map(|(error, _)| *error).fold(0f64, f64::max);
        (non_finite, max)
    };
    let mut chosen = 0;
    for (position, errors) in pointwise.iter().enumerate().skip(1) {
        let (candidate, current) = (score(errors), score(&pointwise[chosen]));
        if candidate.0 < current.0 || (candidate.0 == current.0 && candidate.1 < current.1) {
            chosen = position;
        }
    }
    forms[chosen]
}

/// The inputs where the forms' results (with or without fused multiply-adds) are more than half
/// of [`AGREEMENT`] ULP apart, or differ in being finite.
fn contested<F: Float>(tapes: &[&Tape<F>], inputs: &[f64], keep: &HashSet<u64>) -> Vec<f64> {
    let mut scratch = Vec::new();
    let mut values = Vec::with_capacity(tapes.len());
    let differ = |first: f64, value: f64| {
        if first.is_finite() != value.is_finite() || first.is_nan() != value.is_nan() {
            return true;
        }
        // Half the slack of a decision: where two forms are within this of each other, neither
        // can be measurably better there.
        first.is_finite() && (first - value).abs() > AGREEMENT / 2.0 * ulp::<F>(first.abs().max(value.abs()))
    };
    // Each contested input, and whether some form is finite there and another not.
    let mut found: Vec<(f64, bool)> = Vec::new();
    for &x in inputs {
        let mut disagree = false;
        let mut finiteness = false;
        // With and without fused multiply-adds: the forms are measured at both levels.
        for fused in [false, true] {
            values.clear();
            values.extend(tapes.iter().map(|tape| {
                let x = F::from_f64(x);
                let value = if fused {
                    tape.evaluate::<Avx2>(x, &mut scratch)
                } else {
                    tape.evaluate::<Portable>(x, &mut scratch)
                };
                value.to_f64()
            }));
            disagree |= values[1..].iter().any(|&value| differ(values[0], value));
            finiteness |= values.iter().any(|value| value.is_finite()) && values.iter().any(|value| !value.is_finite());
        }
        if disagree {
            found.push((x, finiteness));
        }
    }
    thin(found, keep)
}

/// At most about [`MOST_CONTESTED`] of the contested inputs (sorted), evenly spread, both ends
/// of every run of inputs where the forms differ in being finite (where one form starts to
/// overflow), and every input in `keep` (around the function's zeros). Where forms disagree over hundreds of grid points (`\operatorname{GELU}''` in its
/// tails, a naive form overflowing over half the range) an even subset measures the same
/// errors, and the exact values, ten microseconds each, are what a macro expansion spends its
/// time on.
fn thin(found: Vec<(f64, bool)>, keep: &HashSet<u64>) -> Vec<f64> {
    let stride = found.len().div_ceil(MOST_CONTESTED).max(1);
    let finiteness = |position: usize| found.get(position).is_some_and(|(_, finiteness)| *finiteness);
    found
        .iter()
        .enumerate()
        .filter(|&(position, &(x, here))| {
            let edge = here && (position == 0 || !finiteness(position - 1) || !finiteness(position + 1));
            edge || position % stride == 0 || keep.contains(&x.to_bits())
        })
        .map(|(_, (x, _))| *x)
        .collect()
}

/// See [`thin`].
const MOST_CONTESTED: usize = 64;

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

/// Inputs approaching every zero of the first form between two neighbouring samples (where its
/// result changes sign), from both sides: `x_0 (1 ± 10^{-k})` for `k` = 1 to 7. Near a zero the
/// terms of a sum cancel, and the order and grouping of the terms decide how many digits
/// survive: that is where equal forms differ most. A sample that is itself a zero counts as one,
/// and the sign beside it (a millionth of the gap towards its neighbour) stands in for it, so
/// that a second zero next to it is not missed (`x^{-2} - 2 - x` is 0 at the sample -1 and
/// changes sign again at -1.618).
fn zeros<F: Float>(tape: &Tape<F>, inputs: &[f64]) -> Vec<f64> {
    let mut scratch = Vec::new();
    let mut at = |x: f64| tape.evaluate::<Portable>(F::from_f64(x), &mut scratch).to_f64();
    let values: Vec<f64> = inputs.iter().map(|&x| at(x)).collect();
    let mut zeros = Vec::new();
    // A sample that is an isolated zero (not inside a stretch where the function is 0, as ReLU
    // is for x < 0: nothing cancels there).
    for (position, (&x, &value)) in inputs.iter().zip(&values).enumerate() {
        let beside_nonzero = [position.wrapping_sub(1), position + 1]
            .iter()
            .any(|&neighbour| values.get(neighbour).is_some_and(|value| *value != 0.0));
        if value == 0.0 && x != 0.0 && beside_nonzero {
            zeros.push(x);
        }
    }
    for (pair, value_pair) in inputs.windows(2).zip(values.windows(2)) {
        let (mut a_x, mut b_x) = (pair[0], pair[1]);
        let (mut a, mut b) = (value_pair[0], value_pair[1]);
        // An exact zero at an end: the value just beside it, towards the other end.
        if a == 0.0 {
            a_x += (b_x - a_x) * 1e-6;
            a = at(a_x);
        }
        if b == 0.0 {
            b_x -= (b_x - a_x) * 1e-6;
            b = at(b_x);
        }
        if !(a.is_finite() && b.is_finite()) || a == 0.0 || b == 0.0 || (a < 0.0) == (b < 0.0) || a_x >= b_x {
            continue;
        }
        let (mut low, mut high) = (order_key::<F>(a_x), order_key::<F>(b_x));
        let low_negative = a < 0.0;
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            let value = at(from_order_key::<F>(middle));
            if value.is_finite() && (value < 0.0) == low_negative && value != 0.0 {
                low = middle;
            } else {
                high = middle;
            }
        }
        zeros.push(from_order_key::<F>(high));
    }
    let mut found = Vec::new();
    for zero in zeros {
        found.push(zero);
        for k in 1..=7 {
            let offset = 10f64.powi(-k) * zero.abs().max(f64::MIN_POSITIVE);
            found.push(zero - offset);
            found.push(zero + offset);
        }
    }
    let round = |x: f64| if size_of::<F>() == 4 { f64::from(x as f32) } else { x };
    found.into_iter().map(round).collect()
}

/// Inputs around every point between two neighbouring samples where some intermediate of a
/// form becomes subnormal (`x \cdot x` below 10^{-154}): there the result may still be normal
/// while that intermediate has lost digits, and forms that round through more subnormal
/// intermediates lose more. From the boundary (found by bisection) on both sides, half a decade
/// at a time, three decades each way: the samples alone may step over the whole window.
fn subnormal_intermediates<F: Float>(tapes: &[&Tape<F>], inputs: &[f64]) -> Vec<f64> {
    let smallest_normal = if size_of::<F>() == 4 { f64::from(f32::MIN_POSITIVE) } else { f64::MIN_POSITIVE };
    let mut scratch = Vec::new();
    let mut found = Vec::new();
    for tape in tapes {
        let mut subnormal = |x: f64| {
            tape.evaluate::<Portable>(F::from_f64(x), &mut scratch);
            scratch.iter().flatten().any(|value| {
                let value = value.to_f64().abs();
                value != 0.0 && value < smallest_normal
            })
        };
        let flags: Vec<bool> = inputs.iter().map(|&x| subnormal(x)).collect();
        for (pair, flag_pair) in inputs.windows(2).zip(flags.windows(2)) {
            if flag_pair[0] == flag_pair[1] {
                continue;
            }
            let (mut low, mut high) = (order_key::<F>(pair[0]), order_key::<F>(pair[1]));
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if subnormal(from_order_key::<F>(middle)) == flag_pair[0] {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let boundary = from_order_key::<F>(high);
            found.push(from_order_key::<F>(low));
            found.push(boundary);
            for half_decades in 1..=6 {
                let factor = 10f64.powf(f64::from(half_decades) / 2.0);
                found.extend([boundary * factor, boundary / factor]);
            }
        }
    }
    let round = |x: f64| if size_of::<F>() == 4 { f64::from(x as f32) } else { x };
    found.into_iter().map(round).filter(|x| x.is_finite()).collect()
}

/// `inputs` with the transitions of every form, where their intermediates become subnormal,
/// and the first form's `zeros` (with their neighbourhoods, from [`zeros`]) added, sorted,
/// without duplicates.
fn with_transitions<F: Float>(tapes: &[&Tape<F>], inputs: &[f64], zeros: &[f64]) -> Vec<f64> {
    let mut all = inputs.to_vec();
    all.extend(transitions(tapes, inputs));
    all.extend(subnormal_intermediates(tapes, inputs));
    all.extend_from_slice(zeros);
    all.sort_by(f64::total_cmp);
    all.dedup();
    all
}

/// [`with_transitions`] with the first form's zeros.
fn with_zeros_and_transitions<F: Float>(tapes: &[Tape<F>], inputs: &[f64]) -> Vec<f64> {
    let tapes: Vec<&Tape<F>> = tapes.iter().collect();
    let zeros = tapes.first().map(|first| zeros(first, inputs)).unwrap_or_default();
    with_transitions(&tapes, inputs, &zeros)
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
    let Some(&first) = forms.first() else { return References { single: Vec::new(), double: Vec::new() } };
    let mut near = NearZero::new(graph, &exact, first, input, bindings);
    let mut bindings = bindings.clone();
    let mut at = |x: f64| -> Option<Point> {
        bindings.scalars.insert(input.to_owned(), x);
        let mut value: Option<Precise> = None;
        // The first form and the last (the formula as written, where the oracle chooses): a
        // reference that cancels beyond 256 bits in one of them disagrees with the other, and a
        // third evaluation would add a third of the cost for the rare form that cancels alone.
        let checked = forms.first().into_iter().chain(forms.get(1..).and_then(|rest| rest.last()));
        for &form in checked {
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
        let value = value?;
        let near_zero = near_zero(&mut near, x, &value);
        Some(Point { x, exact: value, near_zero })
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
    compare_where(graph, forms, input, bindings, density, |_, _| true)
}

/// [`compare`] at the inputs `keep` accepts only, given each input and its exact value (normal
/// inputs whose value is well inside the type's range, say).
pub fn compare_where(
    graph: &Graph,
    forms: &[Id],
    input: &str,
    bindings: &Bindings,
    density: Density,
    keep: impl Fn(f64, &Precise) -> bool,
) -> Vec<Option<Measurement>> {
    let Some(&first) = forms.first() else { return Vec::new() };
    let mut samples = samples(graph, first, input, bindings, density);
    // Where any of the forms overflows or underflows, on both sides.
    let (singles, doubles): (Vec<Tape<f32>>, Vec<Tape<f64>>) =
        forms.iter().filter_map(|&form| tapes(graph, form, input, bindings)).unzip();
    samples.single = with_zeros_and_transitions(&singles, &samples.single);
    samples.double = with_zeros_and_transitions(&doubles, &samples.double);
    let mut references = consistent_references(graph, forms, input, bindings, &samples);
    references.single.retain(|point| keep(point.x, &point.exact));
    references.double.retain(|point| keep(point.x, &point.exact));
    let exact = Exact::new(graph);
    let mut conditioning = Conditioning { exact: &exact, form: first, input, bindings: bindings.clone() };
    references.single = conditioning.well_conditioned(&singles, references.single);
    references.double = conditioning.well_conditioned(&doubles, references.double);
    forms.iter().map(|&form| measure(graph, form, input, bindings, &references)).collect()
}

/// Large errors a report keeps only where the function is well conditioned: where rounding the
/// input to the nearest float of the type (relative 2^{-p}) already moves the exact value by
/// more than 2^{p-8} ULP (`\tan(x/\pi)` at 10^{18}, where the input's last bit changes every
/// digit), no form can have a meaningful error, and the form that happens to land closer
/// there says nothing about either. Likewise where the function is ill-conditioned (an input
/// ULP moves it by more than 2^{p/2} ULP) and no form does better than that conditioning
/// allows (each is off by at least a sixteenth of what an input ULP moves): `\sin(2x - x^2)` at
/// x = -1.55e6, where the argument 2.4e12 carries a rounding of 2.4e-4 in any form that
/// computes it, and the forms' errors of 10^{13} ULP differ by chance. A form that does better
/// there (an exact argument reduction) keeps the input in. Such inputs are left out of a report. The conditioning costs an exact
/// evaluation and is checked only where some form's error exceeds
/// [`CONDITIONING_CHECKED_ABOVE`] ULP.
struct Conditioning<'a> {
    exact: &'a Exact<'a>,
    form: Id,
    input: &'a str,
    bindings: Bindings,
}

/// See [`Conditioning`].
const CONDITIONING_CHECKED_ABOVE: f64 = 1024.0;

impl Conditioning<'_> {
    fn well_conditioned<F: Float>(&mut self, tapes: &[Tape<F>], points: Vec<Point>) -> Vec<Point> {
        let pointwise: Vec<Vec<(f64, bool)>> = tapes.iter().map(|tape| pointwise(tape, &points)).collect();
        let precision = if size_of::<F>() == 4 { 24 } else { 53 };
        points
            .into_iter()
            .enumerate()
            .filter(|(position, point)| {
                let errors = pointwise.iter().map(|errors| errors[*position].0);
                let (smallest, largest) =
                    errors.fold((f64::INFINITY, 0f64), |(low, high), error| (low.min(error), high.max(error)));
                if largest <= CONDITIONING_CHECKED_ABOVE {
                    return true;
                }
                let condition = self.condition(point);
                // Every form off by what rounding the input alone would cause (within 16×): none
                // did better than the conditioning allows, so the point cannot tell them apart.
                let every_form_at_the_conditioning = smallest * 16.0 >= condition;
                !(condition > 2f64.powi(precision - 8)
                    || (every_form_at_the_conditioning && condition > 2f64.powi(precision / 2)))
            })
            .map(|(_, point)| point)
            .collect()
    }

    /// `|Δf / f| / |Δx / x|` for the next `f64` above `x`, measured exactly; 0 where it cannot
    /// be measured (at 0, at a non-finite value, where the neighbour has none).
    fn condition(&mut self, point: &Point) -> f64 {
        let x = point.x;
        if x == 0.0 || !x.is_finite() || !point.exact.is_finite() || point.exact.is_zero() || point.near_zero {
            return 0.0;
        }
        let neighbour = x.next_up();
        self.bindings.scalars.insert(self.input.to_owned(), neighbour);
        let Some(other) = self.exact.at(self.form, &self.bindings, &HashMap::new()).ok().flatten() else {
            return 0.0;
        };
        let change = other.sub(&point.exact).abs().div(&point.exact.abs()).to_f64();
        change / ((neighbour - x) / x).abs()
    }
}

/// [`compare`] on the report grid ([`Density::Report`]).
pub fn report(graph: &Graph, forms: &[Id], input: &str, bindings: &Bindings) -> Vec<Option<Measurement>> {
    compare(graph, forms, input, bindings, Density::Report)
}
