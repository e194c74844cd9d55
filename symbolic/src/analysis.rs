//! The character of a scalar function of one input, computed: its range, `f(0)`, monotonicity,
//! limits of `f` and `f'` at ±∞, where the derivative is 0 on an interval (dead zones),
//! whether the function is zero-centred and saturating, and whether `f` and `f'` are continuous
//! at every kink and case boundary: what the notes this project grew from judged by hand.
//!
//! Every property is measured with the 256-bit evaluator ([`crate::oracle::Exact`]) at samples:
//! every decade of both signs up to 10^300 (10^4 for the derivative's sign), a fine grid over
//! [-30, 30], and both sides of every kink, so each one carries [`Certainty::Sampled`] (true at
//! every sample, not proved between them); `f(0)` is [`Certainty::Exact`]. A bound of the range
//! that the samples approach only in the tails (sigmoid's 0 and 1) is open; one attained within
//! [-30, 30] is closed. A finite bound is proved where interval arithmetic over the whole real
//! line ([`crate::interval`]) encloses the function no further out ([`Analysis::range_proved`]):
//! sigmoid's (0, 1), ReLU's 0, relu6's [0, 6]; not GELU's -0.17 (its factors are bounded apart).
//! Likewise the derivative's sign ([`Analysis::monotonicity_proved`]: an enclosure of `f'` over
//! the real line on one side of 0, as for sigmoid, tanh, softplus, ReLU) and its dead zones
//! ([`Analysis::dead_zones_proved`]: `f'` enclosed in `[0, 0]` on each).

use std::collections::{BTreeSet, HashMap};

use crate::Expression;
use crate::constant;
use crate::error::EngineError;
use crate::interval::Interval;
use crate::ir::{Func, Graph, Id, Node};
use crate::oracle::{Exact, Precise};
use crate::program::Bindings;

/// How a property is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// Computed exactly (to 256 bits).
    Exact,
    /// True at every sample; not proved between them.
    Sampled,
}

/// One end of a range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    /// The value (±∞ for an unbounded side).
    pub value: f64,
    /// Whether the function attains it.
    pub closed: bool,
    /// Whether the function may go beyond it: the most extreme value that could be evaluated,
    /// at the edge of the samples, in a tail whose limit is unknown (`\sin x + \arctan x`, whose
    /// tails cannot be evaluated beyond `2^{60}`). Shown as `≤` or `≥` that value, never as a
    /// limit.
    pub at_least: bool,
}

/// Whether the function rises or falls, from the sign of its derivative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monotonicity {
    /// `f' > 0` at every sample.
    Increasing,
    /// `f' ≥ 0` at every sample, 0 at some.
    NonDecreasing,
    /// `f' < 0` at every sample.
    Decreasing,
    /// `f' ≤ 0` at every sample, 0 at some.
    NonIncreasing,
    /// Constant.
    Constant,
    /// `f'` takes both signs.
    Neither,
}

impl std::fmt::Display for Monotonicity {
    /// `increasing`, `non-decreasing`, ..., `neither`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Monotonicity::Increasing => "increasing",
            Monotonicity::NonDecreasing => "non-decreasing",
            Monotonicity::Decreasing => "decreasing",
            Monotonicity::NonIncreasing => "non-increasing",
            Monotonicity::Constant => "constant",
            Monotonicity::Neither => "neither",
        })
    }
}

/// The character of a scalar function of one input.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The lowest and highest values.
    pub range: (Bound, Bound),
    /// Whether each finite bound of the range is proved by interval arithmetic
    /// ([`crate::interval`]): an enclosure over the whole real line reaches no further than it.
    pub range_proved: (bool, bool),
    /// `f(0)`, if the function is finite there.
    pub at_zero: Option<f64>,
    /// From the sign of `f'`.
    pub monotonicity: Monotonicity,
    /// Whether the sign behind [`Analysis::monotonicity`] is proved by interval arithmetic:
    /// an enclosure of `f'` over the whole real line is `≥ 0` (rising) or `≤ 0` (falling), so
    /// that `f` is at least non-decreasing (non-increasing) everywhere, not only between samples.
    pub monotonicity_proved: bool,
    /// `f` at -∞ and +∞: a limit, ±∞ for a tail that grows without bound, `None` where there is
    /// neither or it cannot be told (see [`Tail`]).
    pub limits: (Option<f64>, Option<f64>),
    /// `f'` at -∞ and +∞, likewise.
    pub derivative_limits: (Option<f64>, Option<f64>),
    /// Intervals where `f'` is exactly 0 at every sample (±∞ for an open end).
    pub dead_zones: Vec<(f64, f64)>,
    /// Whether `f'` is proved 0 on every one of [`Analysis::dead_zones`] (an enclosure of `f'`
    /// over each is `[0, 0]`); false where there are none.
    pub dead_zones_proved: bool,
    /// The kinks and case boundaries where `f` jumps.
    pub discontinuities: Vec<f64>,
    /// The kinks and case boundaries where `f'` jumps.
    pub derivative_jumps: Vec<f64>,
    /// How the range, monotonicity, limits and zones are known ([`Certainty::Sampled`]).
    pub certainty: Certainty,
    /// Where the function is defined, as text (`x > 0`); empty where it is defined everywhere.
    pub domain: Vec<String>,
}

impl Analysis {
    /// `f(0) = 0` and the range has values of both signs.
    pub fn zero_centred(&self) -> bool {
        self.at_zero == Some(0.0) && self.range.0.value < 0.0 && self.range.1.value > 0.0
    }

    /// Whether `f' → 0` at -∞ and at +∞ (vanishing gradients there).
    pub fn saturating(&self) -> (bool, bool) {
        let vanishes = |limit: Option<f64>| limit.is_some_and(|limit| limit.abs() < 1e-12);
        (vanishes(self.derivative_limits.0), vanishes(self.derivative_limits.1))
    }

    /// Whether `f'` is continuous everywhere sampled (no jump at a kink or boundary).
    pub fn smooth(&self) -> bool {
        self.discontinuities.is_empty() && self.derivative_jumps.is_empty()
    }

    /// How the range is known: both finite bounds proved, the finite one proved and the
    /// unbounded side sampled, or sampled.
    pub fn range_certainty(&self) -> &'static str {
        let finite = (self.range.0.value.is_finite(), self.range.1.value.is_finite());
        let proved = (self.range_proved.0 || !finite.0, self.range_proved.1 || !finite.1);
        match (finite, proved) {
            ((false, false), _) => "sampled",
            ((true, true), (true, true)) => "proved (interval arithmetic)",
            (_, (true, true)) => "bound proved (interval arithmetic), unbounded side sampled",
            _ => "sampled",
        }
    }

    /// How the monotonicity is known: the sign of `f'` proved everywhere, or sampled.
    pub fn monotonicity_certainty(&self) -> &'static str {
        match (self.monotonicity_proved, self.monotonicity) {
            (false, _) => "sampled",
            (true, Monotonicity::Increasing | Monotonicity::NonDecreasing) => "f' ≥ 0 proved (interval arithmetic)",
            (true, Monotonicity::Decreasing | Monotonicity::NonIncreasing) => "f' ≤ 0 proved (interval arithmetic)",
            (true, _) => "f' = 0 proved (interval arithmetic)",
        }
    }

    /// How the dead zones are known: `f' = 0` proved on each, or sampled.
    pub fn dead_zones_certainty(&self) -> &'static str {
        if self.dead_zones_proved { "f' = 0 proved (interval arithmetic)" } else { "sampled" }
    }

    /// The range as mathematics writes it: `(0, 1)`, `[0, ∞)`; a bound the function may pass
    /// ([`Bound::at_least`]) as `≤ -1e18` or `≥ 1e18`.
    pub fn range_text(&self) -> String {
        let (low, high) = self.range;
        format!(
            "{}{}{}, {}{}{}",
            if low.closed { '[' } else { '(' },
            if low.at_least { "≤ " } else { "" },
            display_number(low.value),
            if high.at_least { "≥ " } else { "" },
            display_number(high.value),
            if high.closed { ']' } else { ')' }
        )
    }
}

/// A value as the analysis shows it: six significant digits ([`round_for_display`]), `∞` and
/// `-∞`, exponent notation outside [10^{-4}, 10^6), never `-0`.
pub fn display_number(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "∞".to_owned() } else { "-∞".to_owned() };
    }
    // `+ 0.0` turns -0 into 0.
    let value = round_for_display(value) + 0.0;
    if value != 0.0 && !(1e-4..1e6).contains(&value.abs()) { format!("{value:e}") } else { format!("{value}") }
}

/// Six significant digits, without trailing noise: `-0.169971`, `1`.
pub fn round_for_display(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let digits = 6 - value.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    let rounded = (value * scale).round() / scale;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// Within this, a bound attained by the samples counts as attained (closed); beyond it, values
/// that only approach the bound in the tails leave it open. 256 bits tell `\tanh 30` from 1.
const ATTAINED_WITHIN: f64 = 30.0;

/// Where the derivative's sign is read (monotonicity, dead zones): see [`analyze`].
const SIGN_WITHIN: f64 = 1e4;

/// Analyse `expression` as a function of `input`, the other names bound by `bindings`.
pub fn analyze(expression: &Expression, input: &str, bindings: &Bindings) -> Result<Analysis, EngineError> {
    if !expression.names().1.is_empty() || !expression.free_indices().is_empty() {
        return Err(EngineError::new("the analysis takes a scalar function of one input, not vectors"));
    }
    // Evaluated on the formula's domain only: NaN where it is undefined (`\ln x` and its
    // derivative `1/x` have no value for x ≤ 0), so that its character is read where it is
    // defined.
    let derivative = expression.derivative(input)?.on_domain();
    let expression = &expression.on_domain();
    let (graph, _) = expression.graph();
    let root = expression.computed();
    let (derivative_graph, _) = derivative.graph();
    let derivative_root = derivative.computed();
    let value = Evaluate::new(graph, root, input, bindings);
    let slope = Evaluate::new(derivative_graph, derivative_root, input, bindings);

    let kinks = kinks(graph, root, input, bindings);
    let samples = samples(&kinks);
    let values: Vec<(f64, Precise)> = samples.iter().filter_map(|&x| Some((x, value.precise(x)?))).collect();
    // The derivative's sign, within ±10^4: beyond, exponentials of the tails (`σ'` at 10^16)
    // leave even 256 bits, and an exact 0 there would be the evaluator's, not the function's.
    let slopes: Vec<(f64, Option<Precise>)> =
        samples.iter().filter(|x| x.abs() <= SIGN_WITHIN).map(|&x| (x, slope.precise(x))).collect();
    if values.is_empty() {
        return Err(EngineError::new(format!("the function has no value at any sample of {input}")));
    }
    let tails = (Tail::of(&value, -1.0, &samples), Tail::of(&value, 1.0, &samples));
    let limits = (tails.0.limit(), tails.1.limit());
    let derivative_limits = (Tail::of(&slope, -1.0, &samples).limit(), Tail::of(&slope, 1.0, &samples).limit());
    let poles = poles(graph, root, input, bindings, &samples);
    let range = range(&value, &values, tails, &approaches(&value, &poles));
    let enclosure = crate::interval::enclose(graph, root, input, bindings, Interval::REAL);
    // A sampled bound is proved when the enclosure, which holds every value, reaches no further
    // than a billionth beyond it.
    let matches = |bound: f64, enclosed: f64| {
        bound.is_finite() && enclosed.is_finite() && (bound - enclosed).abs() <= 1e-9 * bound.abs().max(1.0)
    };
    let range_proved = enclosure.map_or((false, false), |enclosure| {
        (matches(range.0.value, enclosure.low), matches(range.1.value, enclosure.high))
    });
    // The derivative's sign and its zero zones, proved where its enclosure allows.
    let slope_over =
        |domain: Interval| crate::interval::enclose(derivative_graph, derivative_root, input, bindings, domain);
    let monotonicity = monotonicity(&slopes, &values);
    let monotonicity_proved = slope_over(Interval::REAL).is_some_and(|slope| match monotonicity {
        Monotonicity::Increasing | Monotonicity::NonDecreasing => slope.low >= 0.0,
        Monotonicity::Decreasing | Monotonicity::NonIncreasing => slope.high <= 0.0,
        Monotonicity::Constant => slope.low == 0.0 && slope.high == 0.0,
        Monotonicity::Neither => false,
    });
    let dead_zones = dead_zones(&slopes);
    let dead_zones_proved = !dead_zones.is_empty()
        && dead_zones.iter().all(|&(low, high)| {
            slope_over(Interval { low, high }).is_some_and(|slope| slope.low == 0.0 && slope.high == 0.0)
        });
    Ok(Analysis {
        range,
        range_proved,
        at_zero: value.at(0.0),
        monotonicity,
        monotonicity_proved,
        limits,
        derivative_limits,
        dead_zones,
        dead_zones_proved,
        discontinuities: jumps(&value, &kinks),
        derivative_jumps: jumps(&slope, &kinks),
        certainty: Certainty::Sampled,
        domain: expression.domain().iter().map(|&condition| crate::print::text(graph, condition)).collect(),
    })
}

/// A function of one input evaluated to 256 bits and rounded to `f64`.
struct Evaluate<'g> {
    exact: Exact<'g>,
    root: Id,
    input: String,
    bindings: Bindings,
}

impl<'g> Evaluate<'g> {
    fn new(graph: &'g Graph, root: Id, input: &str, bindings: &Bindings) -> Self {
        Evaluate { exact: Exact::new(graph), root, input: input.to_owned(), bindings: bindings.clone() }
    }

    fn precise(&self, x: f64) -> Option<Precise> {
        let bindings = self.bindings.clone().scalar(&self.input, x);
        self.exact.at(self.root, &bindings, &HashMap::new()).ok().flatten().filter(|value| !value.is_nan())
    }

    fn at(&self, x: f64) -> Option<f64> {
        self.precise(x).map(|value| value.to_f64())
    }

    /// The value at an input beyond `f64`'s range.
    fn far(&self, x: Precise) -> Option<Precise> {
        self.exact.at_input(self.root, &self.bindings, &self.input, x).filter(|value| !value.is_nan())
    }
}

/// How a function behaves as its input goes to -∞ or +∞, read from its values at `2^{2^{20}}`,
/// `2^{2^{30}}` and `2^{2^{40}}` (256 bits with a 64-bit exponent reach that far), or, where it
/// cannot be evaluated there (a trigonometric function beyond `2^{60}`), at the three outermost
/// samples that have a value: a limit where the last two agree to 10^{-9}, or where the steps
/// shrink at least a hundredfold (`\frac{1}{\ln x}`, extrapolated); unbounded where they do not
/// shrink by half (`\ln x` at 10^{298}, 10^{299} and 10^{300} steps by `\ln 10` each time: no
/// sampled value is its supremum).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tail {
    /// The function tends to this value.
    Limit(f64),
    /// The function grows without bound: ±∞.
    Unbounded(f64),
    /// No limit could be told (an oscillation, or too few values).
    Unknown,
}

impl Tail {
    fn of(evaluate: &Evaluate<'_>, sign: f64, samples: &[f64]) -> Tail {
        let far: Vec<Precise> = [20, 30, 40]
            .iter()
            .filter_map(|&k| {
                let x = Precise::one().scale(1 << k);
                evaluate.far(if sign < 0.0 { x.neg() } else { x })
            })
            .collect();
        let sequence = if far.len() == 3 {
            far
        } else {
            // Only a tail that reaches far: the decades from 10^{10} on (a domain that ends at
            // `|x| = 1`, as `\sqrt{1 - x^2}`'s does, has no tail).
            let mut tail: Vec<(f64, Precise)> = samples
                .iter()
                .filter(|&&x| x * sign >= 1e10)
                .filter_map(|&x| Some((x.abs(), evaluate.precise(x)?)))
                .collect();
            tail.sort_by(|a, b| a.0.total_cmp(&b.0));
            let last = tail.split_off(tail.len().saturating_sub(3));
            let consecutive = last.windows(2).all(|pair| (pair[1].0 / pair[0].0 - 10.0).abs() < 1e-6);
            if !consecutive {
                return Tail::Unknown;
            }
            last.into_iter().map(|(_, value)| value).collect()
        };
        let [first, second, third] = sequence[..] else { return Tail::Unknown };
        Tail::from_sequence(first, second, third)
    }

    /// A tail's behaviour from three values further and further out.
    fn from_sequence(first: Precise, second: Precise, third: Precise) -> Tail {
        if !third.is_finite() {
            return Tail::Unbounded(if third.is_negative() { f64::NEG_INFINITY } else { f64::INFINITY });
        }
        if !second.is_finite() || !first.is_finite() {
            return Tail::Unknown;
        }
        let (step, last_step) = (second.sub(&first), third.sub(&second));
        let scale = second.abs().to_f64().max(third.abs().to_f64());
        if last_step.abs().to_f64() <= 1e-9 * scale || (scale == 0.0 && last_step.is_zero()) {
            return Tail::Limit(third.to_f64());
        }
        if step.is_zero() || step.is_negative() != last_step.is_negative() {
            return Tail::Unknown;
        }
        let ratio = last_step.div(&step).to_f64();
        if ratio >= 0.5 {
            return Tail::Unbounded(if last_step.is_negative() { f64::NEG_INFINITY } else { f64::INFINITY });
        }
        if ratio <= 0.01 {
            // The steps shrink geometrically: what they add up to (Aitken's extrapolation).
            return Tail::Limit(third.to_f64() + last_step.to_f64() * ratio / (1.0 - ratio));
        }
        Tail::Unknown
    }

    /// The limit, ±∞ for an unbounded tail.
    fn limit(self) -> Option<f64> {
        match self {
            Tail::Limit(value) | Tail::Unbounded(value) => Some(value),
            Tail::Unknown => None,
        }
    }
}

/// Where the function may have a pole or leave its domain: 0 (where `\ln x` and `\frac{1}{x}`
/// go), and the zeros of the bases of negative powers and of the arguments of logarithms, found
/// between samples where they change sign (`\frac{1}{\ln x}` at 1), to the last float.
fn poles(graph: &Graph, root: Id, input: &str, bindings: &Bindings, samples: &[f64]) -> Vec<f64> {
    let exact = Exact::new(graph);
    let mut found = BTreeSet::from([0f64.to_bits()]);
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![root];
    // Each operand whose zeros are poles, and whether the zeros are those of its cosine
    // (`\tan u` has its poles where `\cos u = 0`).
    let mut operands: Vec<(Id, bool)> = Vec::new();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        match graph.node(id) {
            Node::Pow(base, exponent) if graph.rational(*exponent).is_some_and(|value| *value.numer() < 0) => {
                operands.push((*base, false));
            }
            Node::Apply(Func::Ln, argument) => operands.push((*argument, false)),
            Node::Apply(Func::Tan, argument) => operands.push((*argument, true)),
            _ => {}
        }
        stack.extend(graph.children(id));
    }
    for (operand, cosine) in operands {
        let at = |x: f64| -> Option<f64> {
            let bindings = bindings.clone().scalar(input, x);
            let value = exact.at(operand, &bindings, &HashMap::new()).ok().flatten()?;
            let value = if cosine { Func::Cos.exact(&value)? } else { value };
            Some(value.to_f64())
        };
        let signs: Vec<(f64, f64)> = samples.iter().filter_map(|&x| Some((x, at(x)?))).collect();
        for pair in signs.windows(2) {
            let ((mut low, low_value), (mut high, high_value)) = (pair[0], pair[1]);
            if low_value == 0.0 {
                found.insert(low.to_bits());
                continue;
            }
            if high_value == 0.0 || !low_value.is_finite() || !high_value.is_finite() {
                continue;
            }
            if (low_value < 0.0) == (high_value < 0.0) {
                continue;
            }
            // Bisect to neighbouring floats.
            for _ in 0..200 {
                let middle = low + (high - low) / 2.0;
                if middle <= low || middle >= high {
                    break;
                }
                match at(middle) {
                    Some(0.0) => {
                        low = middle;
                        high = middle;
                        break;
                    }
                    Some(value) if (value < 0.0) == (low_value < 0.0) => low = middle,
                    Some(_) => high = middle,
                    None => break,
                }
            }
            found.insert(if at(low).is_some_and(|value| value.abs() <= at(high).map_or(f64::INFINITY, f64::abs)) {
                low.to_bits()
            } else {
                high.to_bits()
            });
        }
    }
    found.into_iter().map(f64::from_bits).collect()
}

/// The directions (±∞) the function leaves to as its input approaches a pole from either side:
/// at 0, its values at `±2^{-2^{20}}`, `±2^{-2^{30}}`, `±2^{-2^{40}}` (beyond `f64`, where `\ln x`
/// is still only -7.6e11 but plainly without bound); elsewhere at `2^{30}`, `2^{15}` and one float
/// away, where a pole's values grow by a factor each time and a removable singularity's settle.
fn approaches(evaluate: &Evaluate<'_>, poles: &[f64]) -> Vec<Tail> {
    let mut found = Vec::new();
    for &pole in poles {
        for side in [-1.0f64, 1.0] {
            let values: Vec<Precise> = if pole == 0.0 {
                [20, 30, 40]
                    .iter()
                    .filter_map(|&k| {
                        let x = Precise::one().scale(-(1i64 << k));
                        evaluate.far(if side < 0.0 { x.neg() } else { x })
                    })
                    .collect()
            } else {
                [1u64 << 30, 1 << 15, 1]
                    .iter()
                    .filter_map(|&steps| {
                        let mut x = pole;
                        for _ in 0..steps.min(64) {
                            x = if side < 0.0 { x.next_down() } else { x.next_up() };
                        }
                        // Beyond 64 floats, a relative step of that many units in the last place.
                        if steps > 64 {
                            x = pole + side * steps as f64 * (pole.abs() * f64::EPSILON);
                        }
                        evaluate.precise(x)
                    })
                    .collect()
            };
            if let [first, second, third] = values[..] {
                found.push(Tail::from_sequence(first, second, third));
            }
        }
    }
    found
}

/// The inputs where the formula may have a kink or a jump: where an affine function of the
/// input meets a constant (or a bound parameter) in a comparison, `\max` or `\min`
/// (`\min(\max(0, x + 3), 6)` at -3 and 3), and where the argument of `|·|` or
/// `\operatorname{sign}` is 0.
fn kinks(graph: &Graph, root: Id, input: &str, bindings: &Bindings) -> Vec<f64> {
    let exact = Exact::new(graph);
    let at = |id: Id, x: f64| -> Option<f64> {
        let bindings = bindings.clone().scalar(input, x);
        exact.at(id, &bindings, &HashMap::new()).ok().flatten().map(|value| value.to_f64())
    };
    let value_of = |id: Id| -> Option<f64> {
        constant::fold(graph, id).map(|value| value.to_f64()).or_else(|| match graph.node(id) {
            Node::Symbol(name) if name != input => bindings.scalars.get(name).copied(),
            _ => None,
        })
    };
    // Where `id`, if affine in the input (a x + b), equals `target`.
    let crossing = |id: Id, target: f64| -> Option<f64> {
        let (b, one, two) = (at(id, 0.0)?, at(id, 1.0)?, at(id, 2.0)?);
        let a = one - b;
        let affine = (two - (b + 2.0 * a)).abs() <= 1e-12 * (b.abs() + a.abs()).max(1.0);
        (affine && a != 0.0).then(|| (target - b) / a).filter(|x| x.is_finite())
    };
    let mut found = BTreeSet::new();
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        match graph.node(id) {
            Node::Compare(_, a, b) | Node::Max(a, b) | Node::Min(a, b) => {
                for (side, other) in [(*a, *b), (*b, *a)] {
                    if let Some(target) = value_of(side)
                        && let Some(kink) = crossing(other, target)
                    {
                        found.insert(kink.to_bits());
                    }
                }
            }
            Node::Apply(Func::Abs | Func::Sign, argument) => {
                if let Some(kink) = crossing(*argument, 0.0) {
                    found.insert(kink.to_bits());
                }
            }
            _ => {}
        }
        stack.extend(graph.children(id));
    }
    found.into_iter().map(f64::from_bits).collect()
}

/// Every decade of both signs up to 10^300, a grid of step 0.05 over [-30, 30], and both sides
/// of every kink.
fn samples(kinks: &[f64]) -> Vec<f64> {
    let mut points: Vec<f64> = vec![0.0];
    for decade in -300..=300 {
        let magnitude = 10f64.powi(decade);
        points.extend([magnitude, -magnitude]);
    }
    for step in -600..=600 {
        points.push(f64::from(step) * 0.05);
    }
    for &kink in kinks {
        for offset in [0.0, 1e-6, -1e-6, 0.01, -0.01, 0.3, -0.3] {
            points.push(kink + offset * kink.abs().max(1.0));
        }
    }
    points.retain(|x| x.is_finite());
    points.sort_by(f64::total_cmp);
    points.dedup();
    points
}

/// The lowest and highest sampled values, compared to 256 bits: attained (closed) where a
/// sample within [`ATTAINED_WITHIN`] reaches the extreme exactly, open where only the tails
/// approach it (`\tanh` reaches 1 in 256 bits only at 10^300), unbounded where a tail grows
/// without limit. An extreme at the outermost sample of a tail is no bound unless the tail has
/// a limit: then the limit is (`\arctan \ln x` tends to `π/2`, well above its value at
/// 10^{300}), and where the tail's limit is unknown the extreme is shown as what the function
/// reaches at least ([`Bound::at_least`]).
fn range(
    evaluate: &Evaluate<'_>,
    values: &[(f64, Precise)],
    tails: (Tail, Tail),
    approaches: &[Tail],
) -> (Bound, Bound) {
    let limits = (tails.0.limit(), tails.1.limit());
    let finite: Vec<&(f64, Precise)> = values.iter().filter(|(_, value)| value.is_finite()).collect();
    let bound = |lower: bool| -> Bound {
        let infinity = if lower { f64::NEG_INFINITY } else { f64::INFINITY };
        let beyond = |a: &Precise, b: &Precise| {
            a.compare(b).is_some_and(|order| if lower { order.is_lt() } else { order.is_gt() })
        };
        let Some(&&(extreme_at, extreme)) =
            finite.iter().reduce(|best, candidate| if beyond(&candidate.1, &best.1) { candidate } else { best })
        else {
            return Bound { value: infinity, closed: false, at_least: false };
        };
        let unbounded = [limits.0, limits.1].contains(&Some(infinity))
            || approaches.contains(&Tail::Unbounded(infinity))
            || values.iter().any(|(_, value)| !value.is_finite() && value.is_negative() == lower)
            || extreme.to_f64().abs() > 1e200;
        if unbounded {
            return Bound { value: infinity, closed: false, at_least: false };
        }
        // A limit at a pole or at 0 beyond every sample (`\arctan \ln x` tends to -π/2 at 0) is
        // the bound, open.
        let approached = approaches
            .iter()
            .filter_map(|tail| match tail {
                Tail::Limit(limit) => Some(Precise::from_f64(*limit)),
                _ => None,
            })
            .filter(|limit| beyond(limit, &extreme))
            .reduce(|best, limit| if beyond(&limit, &best) { limit } else { best });
        if let Some(limit) = approached {
            return Bound { value: limit.to_f64(), closed: false, at_least: false };
        }
        // The extreme at the edge of a tail's samples: the tail decides.
        let outermost = extreme_at.abs() >= 1e10
            && !finite.iter().any(|(x, _)| x.signum() == extreme_at.signum() && x.abs() > extreme_at.abs());
        if outermost {
            let tail = if extreme_at < 0.0 { tails.0 } else { tails.1 };
            match tail {
                Tail::Limit(limit) if beyond(&Precise::from_f64(limit), &extreme) => {
                    return Bound { value: limit, closed: false, at_least: false };
                }
                Tail::Limit(_) => {}
                _ => return Bound { value: extreme.to_f64(), closed: false, at_least: true },
            }
        }
        let attained: Vec<usize> = (0..values.len())
            .filter(|&position| {
                let (x, value) = &values[position];
                x.abs() <= ATTAINED_WITHIN && value.compare(&extreme).is_some_and(|order| order.is_eq())
            })
            .collect();
        // An extreme between two samples (GELU's minimum, `\sin`'s maximum) is refined by a
        // golden-section search between the neighbours of the best sample.
        let refined = match attained.as_slice() {
            [position] if *position > 0 && *position + 1 < values.len() => {
                refine(evaluate, values[*position - 1].0, values[*position + 1].0, lower)
                    .filter(|value| beyond(value, &extreme))
            }
            _ => None,
        };
        Bound { value: refined.unwrap_or(extreme).to_f64(), closed: !attained.is_empty(), at_least: false }
    };
    (bound(true), bound(false))
}

/// The lowest (or highest) value of `evaluate` on `[low, high]` by golden-section search, for
/// a single extreme in between.
fn refine(evaluate: &Evaluate<'_>, mut low: f64, mut high: f64, lower: bool) -> Option<Precise> {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let better =
        |a: &Precise, b: &Precise| a.compare(b).is_some_and(|order| if lower { order.is_lt() } else { order.is_gt() });
    let mut best: Option<Precise> = None;
    for _ in 0..80 {
        let (left, right) = (high - ratio * (high - low), low + ratio * (high - low));
        let (at_left, at_right) = (evaluate.precise(left)?, evaluate.precise(right)?);
        if better(&at_left, &at_right) {
            high = right;
            best = Some(at_left);
        } else {
            low = left;
            best = Some(at_right);
        }
        if high - low <= 1e-15 * low.abs().max(high.abs()).max(1e-300) {
            break;
        }
    }
    best
}

/// The sign of an exact value: -1, 0 or 1.
fn sign(value: &Precise) -> i8 {
    if value.is_zero() {
        0
    } else if value.is_negative() {
        -1
    } else {
        1
    }
}

/// From the sign of `f'` at the samples, where the values agree: across a pole (`\tan x`,
/// `\frac{1}{x}`) `f'` keeps its sign while `f` jumps back, and such a function is monotone on
/// each interval of its domain but not on the whole of it.
fn monotonicity(slopes: &[(f64, Option<Precise>)], values: &[(f64, Precise)]) -> Monotonicity {
    let signs: Vec<i8> = slopes.iter().filter_map(|(_, slope)| slope.as_ref()).map(sign).collect();
    let (positive, negative, zero) = (signs.contains(&1), signs.contains(&-1), signs.contains(&0));
    let finite: Vec<&Precise> = values.iter().map(|(_, value)| value).filter(|value| value.is_finite()).collect();
    // A step within the evaluator's last bits (`\tanh 100` and `\tanh 1000` both round near 1)
    // is no step.
    let steps: Vec<i8> = finite
        .windows(2)
        .map(|pair| {
            let step = pair[1].sub(pair[0]);
            let scale = pair[0].abs().to_f64().max(pair[1].abs().to_f64());
            if step.abs().to_f64() <= scale * 2f64.powi(-240) { 0 } else { sign(&step) }
        })
        .collect();
    if (positive && steps.contains(&-1)) || (negative && steps.contains(&1)) {
        return Monotonicity::Neither;
    }
    match (positive, negative, zero) {
        (true, true, _) => Monotonicity::Neither,
        (true, false, false) => Monotonicity::Increasing,
        (true, false, true) => Monotonicity::NonDecreasing,
        (false, true, false) => Monotonicity::Decreasing,
        (false, true, true) => Monotonicity::NonIncreasing,
        (false, false, _) => Monotonicity::Constant,
    }
}

/// Runs of at least three consecutive samples where `f'` is exactly 0 (to 256 bits: `σ'` at
/// -1000 is 10^{-435}, not 0), from the first to the
/// last of the run (to ±∞ where the run reaches the last sample, ±10^4).
fn dead_zones(slopes: &[(f64, Option<Precise>)]) -> Vec<(f64, f64)> {
    let mut zones = Vec::new();
    let mut run: Vec<f64> = Vec::new();
    let close = |run: &mut Vec<f64>, zones: &mut Vec<(f64, f64)>, last: bool| {
        if run.len() >= 3 {
            let (first, final_x) = (run[0], run[run.len() - 1]);
            let start = if first == slopes[0].0 { f64::NEG_INFINITY } else { first };
            let end = if last { f64::INFINITY } else { final_x };
            zones.push((start, end));
        }
        run.clear();
    };
    for (x, slope) in slopes {
        let x = *x;
        if slope.as_ref().is_some_and(Precise::is_zero) {
            run.push(x);
        } else {
            close(&mut run, &mut zones, false);
        }
    }
    close(&mut run, &mut zones, true);
    zones
}

/// The kinks where the function evaluated just left and just right of them differs by more than
/// a millionth of its size (a jump, not a slope).
fn jumps(evaluate: &Evaluate<'_>, kinks: &[f64]) -> Vec<f64> {
    kinks
        .iter()
        .copied()
        .filter(|&kink| {
            let step = 1e-12 * kink.abs().max(1.0);
            match (evaluate.at(kink - step), evaluate.at(kink + step)) {
                (Some(left), Some(right)) if left.is_finite() && right.is_finite() => {
                    (left - right).abs() > 1e-6 * left.abs().max(right.abs()).max(1.0)
                }
                _ => false,
            }
        })
        .collect()
}
