//! The search for an accurate form, as Herbie does it: sample the inputs and measure the
//! formula against exact values ([`judge`]); if it loses bits, put it in an e-graph with its
//! equal forms, grow that by rewrite rules kept as data ([`rules`], equality saturation with
//! `egg`), and extract the form that loses the fewest bits at the samples ([`extract`]), over the
//! whole range and over each sign of the input; add its series at 0 ([`series`]) and the best
//! candidate per range of the input ([`regimes`]). Of these candidates, the one that loses fewest
//! bits, at no sample more than a bit more than the formula's preferred form, and that the oracle
//! confirms at every decade, is handed back: [`crate::Expression::choose_form`] prefers it, and
//! the oracle ([`crate::oracle::choose`]) still keeps another form where it measures that one more
//! accurate. The search never loses accuracy, it only adds a form to choose.
//!
//! The IR enters and leaves through [`language`]: sums and products as the binary operations
//! the program computes, and what the rules do not look into as opaque leaves.
//!
//! Every limit is a [`Budget`] the caller passes (nodes, iterations, and a time limit only as a
//! last resort, which makes the result depend on the machine), so that the same formula gives
//! the same code on every build. `TEXGRAD_SEARCH_TRACE=1` prints each search's e-graph and how
//! long each step took.

pub mod extract;
pub mod judge;
pub mod language;
pub mod regimes;
pub mod rules;
pub mod series;

use std::sync::OnceLock;
use std::time::Duration;

use egg::{Analysis, DidMerge, EGraph, Id as ClassId, Language, RecExpr, Rewrite, Runner};
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, One, Zero};

use crate::ir::{Compare, Graph, Id, Rational};
use crate::precise::Precise;
use crate::program::Bindings;
use judge::{Measured, Points, SampleSize};
use language::{Math, ToMath};

/// Constant folding in the e-graph: a class whose value is a rational number holds that
/// number, so that `(- (+ x 1) x)` meets `1`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Folding;

impl Analysis<Math> for Folding {
    type Data = Option<Rational>;

    fn make(egraph: &mut EGraph<Math, Self>, node: &Math, _id: ClassId) -> Self::Data {
        let value = |child: &ClassId| egraph[*child].data;
        match node {
            Math::Number(value) => Some(*value),
            Math::Add([a, b]) => value(a)?.checked_add(&value(b)?),
            Math::Sub([a, b]) => value(a)?.checked_sub(&value(b)?),
            Math::Mul([a, b]) => value(a)?.checked_mul(&value(b)?),
            Math::Div([a, b]) => {
                let divisor = value(b)?;
                if divisor.is_zero() { None } else { value(a)?.checked_div(&divisor) }
            }
            Math::Neg([a]) => Some(-value(a)?),
            Math::Pow([a, b]) => {
                let (base, power) = (value(a)?, value(b)?);
                if !power.is_integer() || power.to_integer().abs() > 16 || (base.is_zero() && power <= Rational::zero())
                {
                    return None;
                }
                let mut result = Rational::one();
                for _ in 0..power.to_integer().abs() {
                    result = result.checked_mul(&base)?;
                }
                if power < Rational::zero() { Rational::one().checked_div(&result) } else { Some(result) }
            }
            _ => None,
        }
    }

    fn merge(&mut self, to: &mut Self::Data, from: Self::Data) -> DidMerge {
        egg::merge_option(to, from, |_, _| DidMerge(false, false))
    }

    fn modify(egraph: &mut EGraph<Math, Self>, id: ClassId) {
        if let Some(value) = egraph[id].data {
            let number = egraph.add(Math::Number(value));
            egraph.union(id, number);
        }
    }
}

/// How much work one search may do.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Rounds of rewriting.
    pub iterations: usize,
    /// Nodes the e-graph may grow to.
    pub nodes: usize,
    /// A last resort: the search stops here whatever the other limits say.
    pub time: Duration,
    /// The inputs measured.
    pub sample: SampleSize,
}

impl Default for Budget {
    /// What a macro expansion affords: a few thousand nodes, about a hundred inputs.
    fn default() -> Self {
        Budget {
            iterations: 6,
            nodes: 2_500,
            time: Duration::from_secs(3),
            sample: SampleSize { double: 40, single: 24, grid: 24 },
        }
    }
}

/// A form is accurate enough that searching is pointless where it loses on average under this
/// many bits ...
const ACCURATE_AVERAGE_BITS: f64 = 0.5;
/// ... and nowhere more than this many.
const ACCURATE_MAX_BITS: f64 = 2.5;

fn rewrites() -> &'static [Rewrite<Math, Folding>] {
    static REWRITES: OnceLock<Vec<Rewrite<Math, Folding>>> = OnceLock::new();
    REWRITES.get_or_init(rules::rewrites)
}

/// A form of the expression `forms[0]` (with `forms[1..]`, equal forms of it), as a function of
/// `input` with the other names bound as in `bindings`, that loses fewer bits in `f32` and `f64`
/// and that the oracle confirms (see the module's documentation); `None` where the formula is
/// accurate as it is or nothing better was found.
pub fn search(graph: &mut Graph, forms: &[Id], input: &str, bindings: &Bindings, budget: &Budget) -> Option<Id> {
    let &preferred = forms.first()?;
    let trace = std::env::var_os("TEXGRAD_SEARCH_TRACE").is_some();
    let started = std::time::Instant::now();
    let lap = |what: &str| {
        if trace {
            eprintln!("search: {what} at {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
        }
    };
    let sample = judge::sample(graph, forms, input, bindings, budget.sample);
    if sample.double.inputs.is_empty() && sample.single.inputs.is_empty() {
        return None;
    }
    let loses = |errors: Option<Vec<f64>>| match errors {
        Some(errors) => {
            let (average, max) = judge::summary(&errors);
            average > ACCURATE_AVERAGE_BITS || max > ACCURATE_MAX_BITS
        }
        None => true,
    };
    let inaccurate = loses(judge::errors::<f64>(graph, preferred, input, bindings, &sample.double))
        || loses(judge::errors::<f32>(graph, preferred, input, bindings, &sample.single));
    if !inaccurate {
        return None;
    }

    // The formula's forms, all in one class.
    let mut to_math = ToMath::new(graph);
    let roots: Vec<ClassId> = forms.iter().map(|&form| to_math.convert(form)).collect();
    let converted = to_math.finish();
    let mut egraph = EGraph::new(Folding);
    let mut classes: Vec<ClassId> = Vec::with_capacity(converted.expression.as_ref().len());
    for node in converted.expression.as_ref() {
        let node = node.clone().map_children(|child| classes[usize::from(child)]);
        classes.push(egraph.add(node));
    }
    for &(a, b) in &converted.equal {
        egraph.union(classes[usize::from(a)], classes[usize::from(b)]);
    }
    let root = classes[usize::from(roots[0])];
    for &other in &roots[1..] {
        egraph.union(root, classes[usize::from(other)]);
    }
    egraph.rebuild();

    let runner = Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(budget.iterations)
        .with_node_limit(budget.nodes)
        .with_time_limit(budget.time)
        .run(rewrites());
    lap("saturated");
    if trace {
        eprintln!(
            "search: {} nodes, {} classes, {} iterations, {:?}",
            runner.egraph.total_number_of_nodes(),
            runner.egraph.number_of_classes(),
            runner.iterations.len(),
            runner.stop_reason
        );
    }
    let egraph = runner.egraph;
    let root = egraph.find(root);
    let leaves = extract::Leaves { graph, input, bindings };
    let mut extracted = Vec::new();
    extract_by_sign::<f64>(&egraph, &leaves, &sample.double, root, &mut extracted);
    extract_by_sign::<f32>(&egraph, &leaves, &sample.single, root, &mut extracted);
    lap("extracted");

    let mut candidates = Vec::new();
    for found in extracted {
        let Some(form) = found.build(graph, input) else { continue };
        if !forms.contains(&form) && !candidates.contains(&form) {
            candidates.push(form);
        }
    }
    // Series at 0, where the formula has one and cancels: the polynomial where |x| is below the
    // radius where its dropped terms stay under the type's rounding, the best form elsewhere.
    let mut elsewhere = vec![preferred];
    elsewhere.extend(candidates.first().copied());
    for otherwise in elsewhere {
        for precision in [53, 24] {
            if let Some(form) = series_form(graph, preferred, otherwise, input, precision)
                && !candidates.contains(&form)
            {
                candidates.push(form);
            }
        }
    }
    lap("series");
    // Regimes: the best candidate per range of the input, in each type, at the points where
    // every candidate's exact value agrees with the formula's.
    let mut references = vec![preferred];
    references.extend(candidates.iter().copied());
    let agreed = judge::sample(graph, &references, input, bindings, budget.sample);
    for (single, points) in [(false, &agreed.double), (true, &agreed.single)] {
        let piecewise = if single {
            regimes::piecewise::<f32>(graph, &references, input, bindings, points)
        } else {
            regimes::piecewise::<f64>(graph, &references, input, bindings, points)
        };
        if let Some(form) = piecewise
            && !candidates.contains(&form)
        {
            candidates.push(form);
        }
    }
    lap("regimes");
    let best = most_accurate_candidate(graph, preferred, &candidates, input, bindings, budget.sample);
    lap("confirmed");
    best
}

/// Of the candidates, the one that loses the fewest bits on average over both types, among those
/// that lose at no sample more than a bit more than the preferred form (and fewer on average).
///
/// Each candidate is compared with the preferred form at the inputs where the two forms' 256-bit
/// values agree: where the formula cancels beyond 256 bits (`\frac{e^x - e^{-x}}{2}` at
/// `10^{-80}`) its own exact value is wrong, and the candidate that does not cancel is right.
fn most_accurate_candidate(
    graph: &Graph,
    preferred: Id,
    candidates: &[Id],
    input: &str,
    bindings: &Bindings,
    size: SampleSize,
) -> Option<Id> {
    let measure = |form: Id, sample: &judge::Sample| -> Option<(Vec<f64>, Vec<f64>)> {
        Some((
            judge::errors::<f32>(graph, form, input, bindings, &sample.single)?,
            judge::errors::<f64>(graph, form, input, bindings, &sample.double)?,
        ))
    };
    let total = |(single, double): &(Vec<f64>, Vec<f64>)| single.iter().chain(double).sum::<f64>();
    let never_worse =
        |mine: &[f64], theirs: &[f64]| mine.iter().zip(theirs).all(|(mine, theirs)| *mine <= theirs + 1.0);
    let mut gains: Vec<(Id, f64)> = Vec::new();
    for &candidate in candidates {
        let sample = judge::sample(graph, &[preferred, candidate], input, bindings, size);
        let (Some(baseline), Some(errors)) = (measure(preferred, &sample), measure(candidate, &sample)) else {
            continue;
        };
        if !never_worse(&errors.0, &baseline.0) || !never_worse(&errors.1, &baseline.1) {
            continue;
        }
        // Compared per point (the samples differ by the points dropped), as a gain.
        let gain = total(&baseline) - total(&errors);
        if gain > 0.5 {
            gains.push((candidate, gain));
        }
    }
    gains.sort_by(|a, b| b.1.total_cmp(&a.1));
    // The random sample may miss a binade, or the few inputs near the top of the range, where
    // the candidate overflows and the preferred form does not: the best few are confirmed by the
    // oracle at every decade of both types and at every input where a form stops being finite
    // (found by bisection), no more often non-finite and not measurably less accurate there.
    for &(candidate, _) in gains.iter().take(CONFIRMED) {
        let measured =
            crate::oracle::compare(graph, &[candidate, preferred], input, bindings, crate::oracle::Density::Report);
        if let [Some(found), Some(baseline)] = &measured[..]
            && [(&found.single, &baseline.single), (&found.double, &baseline.double)].iter().all(|(found, baseline)| {
                found.non_finite <= baseline.non_finite && found.max <= baseline.max * CONFIRM_RATIO + CONFIRM_ULP
            })
        {
            return Some(candidate);
        }
    }
    None
}

/// How much larger a candidate's largest error may be than the preferred form's, in ULP, when
/// the oracle confirms it: more than 2 ULP and half as large again count as less accurate.
const CONFIRM_ULP: f64 = 2.0;
/// See [`CONFIRM_ULP`].
const CONFIRM_RATIO: f64 = 1.5;

/// How many of the most accurate candidates are confirmed on the whole grid, best first.
const CONFIRMED: usize = 4;

/// How many terms a series is expanded to before it is truncated.
const SERIES_TERMS: usize = 18;

/// `form` computed as its Taylor (or Laurent) series at 0 where `|input|` is below the radius
/// where `precision` bits survive truncation, and as `otherwise` elsewhere; `None` where it has
/// no series at 0 (another name, a branch point, a kink there).
fn series_form(graph: &mut Graph, form: Id, otherwise: Id, input: &str, precision: u32) -> Option<Id> {
    let zero = Precise::ZERO;
    let expansion = series::series(graph, form, input, &zero, SERIES_TERMS)?;
    let radius = expansion.radius(precision + 8);
    if radius.is_nan() || radius <= 0.0 {
        return None;
    }
    if radius.is_infinite() {
        let terms = expansion.coefficients.len();
        return Some(expansion.to_ir(graph, input, &zero, terms));
    }
    let terms = expansion.terms_within(radius, precision + 8);
    let polynomial = expansion.to_ir(graph, input, &zero, terms);
    let x = graph.symbol(input);
    let magnitude = graph.apply(crate::ir::Func::Abs, x);
    let bound = graph.float(radius);
    let near = graph.compare(Compare::Less, magnitude, bound);
    Some(graph.select(near, polynomial, otherwise))
}

/// What extraction found in one type.
enum Extracted {
    /// The most accurate term over all the inputs.
    Whole(RecExpr<Math>),
    /// The most accurate terms for negative inputs and for the others, where they differ.
    BySign {
        /// For `input < 0`.
        negative: RecExpr<Math>,
        /// For the other inputs.
        other: RecExpr<Math>,
    },
}

impl Extracted {
    /// The form in the graph: the term, or a select on the input's sign between the two.
    fn build(&self, graph: &mut Graph, input: &str) -> Option<Id> {
        match self {
            Extracted::Whole(term) => language::to_ir(graph, term),
            Extracted::BySign { negative, other } => {
                let negative = language::to_ir(graph, negative)?;
                let other = language::to_ir(graph, other)?;
                let x = graph.symbol(input);
                let zero = graph.integer(0);
                let below = graph.compare(Compare::Less, x, zero);
                Some(graph.select(below, negative, other))
            }
        }
    }
}

/// The most accurate term over all the points of one type, and, where the two signs of the
/// input prefer different terms, the pair of them.
fn extract_by_sign<F: Measured>(
    egraph: &EGraph<Math, Folding>,
    leaves: &extract::Leaves<'_>,
    points: &Points,
    root: ClassId,
    extracted: &mut Vec<Extracted>,
) {
    if points.inputs.is_empty() {
        return;
    }
    let values = extract::class_values(egraph, leaves, &points.inputs);
    if let Some(term) = extract::most_accurate::<F>(egraph, &values, leaves, points, root) {
        extracted.push(Extracted::Whole(term));
    }
    let negative: Vec<bool> = points.inputs.iter().map(|&x| x < 0.0).collect();
    if negative.iter().all(|&negative| negative) || negative.iter().all(|&negative| !negative) {
        return;
    }
    let side = |keep: bool| -> Option<RecExpr<Math>> {
        let (values, points) = restrict(&values, points, &negative, keep);
        extract::most_accurate::<F>(egraph, &values, leaves, &points, root)
    };
    if let (Some(negative), Some(other)) = (side(true), side(false))
        && negative != other
    {
        extracted.push(Extracted::BySign { negative, other });
    }
}

/// The class values and points at the inputs where `mask` is `keep`.
fn restrict(
    values: &extract::ClassValues,
    points: &Points,
    mask: &[bool],
    keep: bool,
) -> (extract::ClassValues, Points) {
    fn chosen<T: Copy>(all: &[T], mask: &[bool], keep: bool) -> Vec<T> {
        all.iter().zip(mask).filter(|(_, inside)| **inside == keep).map(|(value, _)| *value).collect()
    }
    let exact = values.exact.iter().map(|class| chosen(class, mask, keep)).collect();
    (
        extract::ClassValues { position: values.position.clone(), classes: values.classes.clone(), exact },
        Points { inputs: chosen(&points.inputs, mask, keep), rounded: chosen(&points.rounded, mask, keep) },
    )
}

/// A form's error in bits at the judge's sample: average and maximum, in `f32` and `f64`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bits {
    /// Average and maximum in `f32`.
    pub single: (f64, f64),
    /// Average and maximum in `f64`.
    pub double: (f64, f64),
    /// Inputs measured in `f32` and in `f64`.
    pub points: (usize, usize),
}

/// The sample a report measures at: more inputs than a search, the same kind.
pub const REPORT_SAMPLE: SampleSize = SampleSize { double: 256, single: 256, grid: 128 };

/// The errors in bits of `forms` (expressions of `input`, the other names bound), each at the
/// judge's one sample of `references` (equal forms, whose exact values must agree; see
/// [`judge::sample`]); `None` for a form with no scalar program.
pub fn bits(graph: &Graph, references: &[Id], forms: &[Id], input: &str, bindings: &Bindings) -> Vec<Option<Bits>> {
    let sample = judge::sample(graph, references, input, bindings, REPORT_SAMPLE);
    forms
        .iter()
        .map(|&form| {
            let single = judge::errors::<f32>(graph, form, input, bindings, &sample.single)?;
            let double = judge::errors::<f64>(graph, form, input, bindings, &sample.double)?;
            Some(Bits {
                single: judge::summary(&single),
                double: judge::summary(&double),
                points: (single.len(), double.len()),
            })
        })
        .collect()
}
