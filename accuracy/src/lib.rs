//! `texgrad-accuracy`: how accurate texgrad is, measured. The harness behind `texgrad accuracy`,
//! `docs/accuracy.md` and `docs/elementary.md`, and the catalog's tests; a crate of its own so
//! that a library user compiles none of its 2 MB of references.
//!
//! Accuracy of the catalog's scalar activations against 50-digit references
//! (`scripts/references.py`, output committed in `tests/references/scalar.tsv`): the bounds of
//! SPEC section 4, checked point by point, and the report of median and maximum errors in ULP,
//! beside the same figures for the textbook formula evaluated without the stabiliser.
//!
//! What is measured is what the slice kernels compute: the kernel bodies with unfused
//! multiply-adds (the portable level, and the plain scalar functions) and with fused ones (the
//! AVX2 and AVX-512 levels, which compute the same bits), each point checked in both and the
//! larger error reported. The fused variant is computed directly (with software FMA where the
//! CPU has none), so the report is the same on every machine; `tests/catalog.rs` checks that
//! every level this machine has computes the same bits through the dispatcher.

use std::fmt::Write as _;

pub mod elementary;

use texgrad_runtime::activations::*;
use texgrad_runtime::dispatch::{Arch, Avx2, Level, Portable, with_level};
use texgrad_runtime::kernels::ScalarKernel;
use texgrad_runtime::losses::*;
use texgrad_runtime::{Activation, Float, Gate};
use texgrad_symbolic::{Bindings, Expression};

/// The references, one row per function, type and point.
pub const REFERENCES: &str = include_str!("../../tests/references/scalar.tsv");

/// A reference value as a double-double `hi + lo`.
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    /// The nearest `f64`.
    pub hi: f64,
    /// The remainder.
    pub lo: f64,
}

/// One row of the references.
#[derive(Clone, Debug)]
pub struct Row {
    /// The activation.
    pub name: String,
    /// `f32` or `f64`.
    pub single: bool,
    /// The input, exactly.
    pub x: f64,
    /// Value, first and second derivative.
    pub references: [Reference; 3],
    /// Whether a nonzero zero of the value, and of the first derivative, lies within 1e-3.
    pub cancels: [bool; 2],
}

/// The references, parsed.
pub fn rows() -> Vec<Row> {
    REFERENCES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, kind, x, value, first, second, value_cancels, first_cancels] = fields[..] else { return None };
            let single = kind == "f32";
            let x = if single {
                f64::from(f32::from_bits(u32::from_str_radix(x, 16).ok()?))
            } else {
                f64::from_bits(u64::from_str_radix(x, 16).ok()?)
            };
            let pair = |text: &str| -> Option<Reference> {
                let (hi, lo) = text.split_once(' ')?;
                Some(Reference { hi: hi.parse().ok()?, lo: lo.parse().ok()? })
            };
            Some(Row {
                name: name.to_owned(),
                single,
                x,
                references: [pair(value)?, pair(first)?, pair(second)?],
                cancels: [value_cancels == "1", first_cancels == "1"],
            })
        })
        .collect()
}

/// The two ways a kernel rounds: unfused multiply-adds (the portable level) or fused ones (the
/// AVX2 and AVX-512 levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Plain multiplications and additions.
    Unfused,
    /// Fused multiply-adds.
    Fused,
}

impl Variant {
    /// Both variants.
    pub const BOTH: [Variant; 2] = [Variant::Unfused, Variant::Fused];

    /// The variant a dispatch level computes.
    pub fn of(level: Level) -> Variant {
        if level == Level::Portable { Variant::Unfused } else { Variant::Fused }
    }

    /// A level of this variant that this machine can run, if there is one.
    pub fn level(self) -> Option<Level> {
        Level::available().into_iter().rev().find(|&level| Variant::of(level) == self)
    }

    fn label(self) -> &'static str {
        match self {
            Variant::Unfused => "unfused",
            Variant::Fused => "fused",
        }
    }
}

/// A catalog activation whose kernel bodies can be run in either variant directly.
pub trait Measured<F: Float>: Activation<F> {
    /// `(f(x), f'(x))` as the slice kernels compute them in `variant`.
    fn kernel_value_and_derivative(&self, x: F, variant: Variant) -> (F, F);
}

impl<F: Float, K: Activation<F> + ScalarKernel<F>> Measured<F> for K {
    fn kernel_value_and_derivative(&self, x: F, variant: Variant) -> (F, F) {
        fn at<F: Float, K: ScalarKernel<F>, A: Arch>(kernel: &K, x: F) -> (F, F) {
            kernel.value_and_derivative::<A>(x)
        }
        match variant {
            Variant::Unfused => at::<F, K, Portable>(self, x),
            Variant::Fused => at::<F, K, Avx2>(self, x),
        }
    }
}

/// The catalog's scalar activations with their default parameters, in `F`.
pub fn activations<F: Float>() -> Vec<(&'static str, Box<dyn Measured<F>>)> {
    vec![
        ("sigmoid", Box::new(Sigmoid)),
        ("tanh", Box::new(Tanh)),
        ("softsign", Box::new(Softsign)),
        ("relu", Box::new(Relu)),
        ("leaky_relu", Box::new(LeakyRelu::<F>::default())),
        ("prelu", Box::new(Prelu::<F>::default())),
        ("elu", Box::new(Elu::<F>::default())),
        ("gelu", Box::new(Gelu)),
        ("gelu_tanh", Box::new(GeluTanh)),
        ("silu", Box::new(Silu)),
        ("swish", Box::new(Swish::<F>::default())),
        ("mish", Box::new(Mish)),
        ("softplus", Box::new(Softplus::<F>::default())),
        ("selu", Box::new(Selu)),
        ("celu", Box::new(Celu::<F>::default())),
        ("relu6", Box::new(Relu6)),
        ("hardtanh", Box::new(Hardtanh::<F>::default())),
        ("hardsigmoid", Box::new(Hardsigmoid)),
        ("hardswish", Box::new(Hardswish)),
        ("log_sigmoid", Box::new(LogSigmoid)),
        ("tanhshrink", Box::new(Tanhshrink)),
        ("softshrink", Box::new(Softshrink::<F>::default())),
        ("hardshrink", Box::new(Hardshrink::<F>::default())),
    ]
}

/// One test vector case of `tests/references/vectors.tsv`.
pub struct Case {
    /// The function.
    pub name: String,
    /// `f32` or `f64`.
    pub single: bool,
    /// The inputs, exactly.
    pub inputs: Vec<Vec<f64>>,
    /// The outputs: a gate's value and derivatives; a vector activation's output and VJP with
    /// the second input as cotangent; a loss's value and gradient with respect to each input.
    pub outputs: Vec<Vec<Reference>>,
}

/// The vector references.
pub const VECTOR_REFERENCES: &str = include_str!("../../tests/references/vectors.tsv");

/// The test vector cases, parsed.
pub fn cases() -> Vec<Case> {
    VECTOR_REFERENCES
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let single = fields[1] == "f32";
            let inputs = fields[2]
                .split('|')
                .map(|vector| {
                    vector
                        .split(',')
                        .map(|bits| {
                            if single {
                                f64::from(f32::from_bits(u32::from_str_radix(bits, 16).unwrap()))
                            } else {
                                f64::from_bits(u64::from_str_radix(bits, 16).unwrap())
                            }
                        })
                        .collect()
                })
                .collect();
            let outputs = fields[3]
                .split('|')
                .map(|output| {
                    output
                        .split(';')
                        .map(|pair| {
                            let (hi, lo) = pair.split_once(':').unwrap();
                            Reference { hi: hi.parse().unwrap(), lo: lo.parse().unwrap() }
                        })
                        .collect()
                })
                .collect();
            Case { name: fields[0].to_owned(), single, inputs, outputs }
        })
        .collect()
}

/// The catalog's outputs for a case, computed at `level`.
pub fn compute_case_at(case: &Case, level: Level) -> Vec<Vec<f64>> {
    let computed = with_level(level, || {
        if case.single {
            let inputs: Vec<Vec<f32>> = case.inputs.iter().map(|v| v.iter().map(|&x| x as f32).collect()).collect();
            compute::<f32>(&case.name, &inputs)
        } else {
            compute::<f64>(&case.name, &case.inputs)
        }
    });
    computed.unwrap_or_default()
}

/// The catalog's outputs for a case, in the order of the references, computed by the slice
/// kernels at the current dispatch level.
pub fn compute<F: Float>(name: &str, inputs: &[Vec<F>]) -> Vec<Vec<f64>> {
    let wide = |values: Vec<F>| values.into_iter().map(F::to_f64).collect::<Vec<f64>>();
    let length = inputs[0].len();
    let gate = |gate: &dyn Gate<F>| {
        let (mut out, mut da, mut db) = (vec![F::zero(); 1], vec![F::zero(); 1], vec![F::zero(); 1]);
        gate.forward(&inputs[0][..1], &inputs[1][..1], &mut out);
        gate.backward(&inputs[0][..1], &inputs[1][..1], &[F::one()], &mut da, &mut db);
        vec![wide(out), wide(da), wide(db)]
    };
    let vector = |f: fn(&[F], &mut [F]), vjp: fn(&[F], &[F], &mut [F])| {
        let (mut out, mut dz) = (vec![F::zero(); length], vec![F::zero(); length]);
        f(&inputs[0], &mut out);
        vjp(&inputs[0], &inputs[1], &mut dz);
        vec![wide(out), wide(dz)]
    };
    let loss = |f: fn(&[F], &[F]) -> F, g1: fn(&[F], &[F], &mut [F]), g2: fn(&[F], &[F], &mut [F])| {
        let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
        g1(&inputs[0], &inputs[1], &mut first);
        g2(&inputs[0], &inputs[1], &mut second);
        vec![wide(vec![f(&inputs[0], &inputs[1])]), wide(first), wide(second)]
    };
    let one = F::one();
    match name {
        "swiglu" => gate(&Swiglu),
        "glu" => gate(&Glu),
        "geglu" => gate(&Geglu),
        "reglu" => gate(&Reglu),
        "softmax" => vector(softmax, softmax_derivative),
        "log_softmax" => vector(log_softmax, log_softmax_derivative),
        "softmin" => vector(softmin, softmin_derivative),
        "mse" => loss(mse, mse_derivative_wrt_y_hat, mse_derivative_wrt_y),
        "l1" => loss(l1, l1_derivative_wrt_y_hat, l1_derivative_wrt_y),
        "l2" => loss(l2, l2_derivative_wrt_y_hat, l2_derivative_wrt_y),
        "cross_entropy" => loss(cross_entropy, cross_entropy_derivative_wrt_y_hat, cross_entropy_derivative_wrt_y),
        "kl_div" => loss(kl_div, kl_div_derivative_wrt_p, kl_div_derivative_wrt_q),
        "cross_entropy_logits" => {
            loss(cross_entropy_logits, cross_entropy_logits_derivative_wrt_z, cross_entropy_logits_derivative_wrt_y)
        }
        "bce" => loss(bce, bce_derivative_wrt_y_hat, bce_derivative_wrt_y),
        "bce_logits" => loss(bce_logits, bce_logits_derivative_wrt_z, bce_logits_derivative_wrt_y),
        "huber" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            huber_derivative_wrt_y_hat(&inputs[0], &inputs[1], one, &mut first);
            huber_derivative_wrt_y(&inputs[0], &inputs[1], one, &mut second);
            vec![wide(vec![huber(&inputs[0], &inputs[1], one)]), wide(first), wide(second)]
        }
        "smooth_l1" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            smooth_l1_derivative_wrt_y_hat(&inputs[0], &inputs[1], one, &mut first);
            smooth_l1_derivative_wrt_y(&inputs[0], &inputs[1], one, &mut second);
            vec![wide(vec![smooth_l1(&inputs[0], &inputs[1], one)]), wide(first), wide(second)]
        }
        "log_cosh" => loss(log_cosh, log_cosh_derivative_wrt_y_hat, log_cosh_derivative_wrt_y),
        "poisson_nll" => loss(poisson_nll, poisson_nll_derivative_wrt_y_hat, poisson_nll_derivative_wrt_y),
        "hinge" => loss(hinge, hinge_derivative_wrt_y_hat, hinge_derivative_wrt_y),
        "soft_margin" => loss(soft_margin, soft_margin_derivative_wrt_y_hat, soft_margin_derivative_wrt_y),
        "cross_entropy_batch" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            cross_entropy_batch_derivative_wrt_y_hat(&inputs[0], &inputs[1], 3, &mut first);
            cross_entropy_batch_derivative_wrt_y(&inputs[0], &inputs[1], 3, &mut second);
            vec![wide(vec![cross_entropy_batch(&inputs[0], &inputs[1], 3)]), wide(first), wide(second)]
        }
        _ => Vec::new(),
    }
}

/// Whether a vector case's element meets SPEC section 4 (see `tests/accuracy_vectors.rs`).
pub fn within_vector_bounds(computed: f64, reference: Reference, single: bool, scale: f64) -> bool {
    let exact = reference.hi + reference.lo;
    if !exact.is_finite() {
        return computed == exact;
    }
    if !computed.is_finite() {
        return false;
    }
    let error = if single { (computed - exact).abs() } else { ((computed - reference.hi) - reference.lo).abs() };
    let (relative, smallest_normal, epsilon) = if single {
        (1e-4, f64::from(f32::MIN_POSITIVE), f64::from(f32::EPSILON))
    } else {
        (1e-9, f64::MIN_POSITIVE, f64::EPSILON)
    };
    if error <= relative * exact.abs() {
        return true;
    }
    let in_type = if single { f64::from(exact as f32) } else { exact };
    if in_type.abs() < smallest_normal {
        return error <= smallest_normal;
    }
    exact.abs() < 1e-6 * scale && error <= 16.0 * epsilon * scale
}

/// The unit in the last place of `value` in the type.
fn ulp(value: f64, single: bool) -> f64 {
    if single {
        let value = (value as f32).abs();
        if !value.is_finite() {
            return f64::from(f32::MAX);
        }
        f64::from(value.next_up() - value).max(f64::from(f32::from_bits(1)))
    } else {
        let value = value.abs();
        if !value.is_finite() {
            return f64::MAX;
        }
        (value.next_up() - value).max(f64::from_bits(1))
    }
}

/// The error of `computed` against the reference, in ULP of the reference in the type.
pub fn ulp_error(computed: f64, reference: Reference, single: bool) -> f64 {
    if computed == reference.hi && reference.lo == 0.0 {
        return 0.0;
    }
    // The reference as the type holds it: beyond f32's range it is f32's infinity.
    let in_type = if single { f64::from((reference.hi + reference.lo) as f32) } else { reference.hi };
    if !computed.is_finite() || !in_type.is_finite() {
        return if computed == in_type { 0.0 } else { f64::INFINITY };
    }
    let exact = in_type;
    let error = if single { (computed - exact).abs() } else { ((computed - reference.hi) - reference.lo).abs() };
    error / ulp(exact, single)
}

/// Whether `computed` meets SPEC section 4's bound for this reference. `which` is 0 for the
/// value, 1 for the first derivative, 2 for the second (the looser bound).
pub fn within_bounds(computed: f64, row: &Row, which: usize, value: f64) -> bool {
    let reference = row.references[which];
    let exact = reference.hi + reference.lo;
    if !exact.is_finite() {
        return computed == exact;
    }
    if !computed.is_finite() {
        return false;
    }
    let (relative, smallest_normal, unit) = if row.single {
        (1e-4, f64::from(f32::MIN_POSITIVE), f64::from(f32::EPSILON))
    } else {
        (1e-9, f64::MIN_POSITIVE, f64::EPSILON)
    };
    let reference_in_type = if row.single { f64::from(exact as f32) } else { exact };
    let error = if row.single { (computed - exact).abs() } else { ((computed - reference.hi) - reference.lo).abs() };
    // Absolute: 16 ULP of max(1, |x|) (and |f(x)| for second derivatives).
    let scale = if which == 2 { 1f64.max(row.x.abs()).max(value.abs()) } else { 1f64.max(row.x.abs()) };
    let absolute = 16.0 * unit * scale;
    if which == 2 || (which < 2 && row.cancels[which]) {
        return error <= relative * exact.abs() || error <= absolute;
    }
    if reference_in_type.abs() < smallest_normal {
        return error <= smallest_normal;
    }
    error <= relative * exact.abs()
}

/// One function's figures.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Median and maximum ULP error of value, first and second derivative.
    pub errors: [(f64, f64); 3],
    /// Points outside the bounds.
    pub violations: Vec<String>,
}

pub(crate) fn median_and_max(mut errors: Vec<f64>) -> (f64, f64) {
    if errors.is_empty() {
        return (0.0, 0.0);
    }
    errors.sort_by(f64::total_cmp);
    (errors[errors.len() / 2], errors[errors.len() - 1])
}

/// Evaluate one activation over its rows in `F`: the value and first derivative as the kernels
/// compute them in both variants, the second derivative as its function does.
fn measure<F: Float>(name: &str, activation: &dyn Measured<F>, rows: &[Row]) -> Figures {
    let mut errors: [Vec<f64>; 3] = Default::default();
    let mut violations = Vec::new();
    for row in rows {
        let x = F::from_f64(row.x);
        let second = activation.second_derivative(x).to_f64();
        let mut worst = [0f64; 3];
        for variant in Variant::BOTH {
            let (value, first) = activation.kernel_value_and_derivative(x, variant);
            let computed = [value.to_f64(), first.to_f64(), second];
            for which in 0..3 {
                worst[which] = worst[which].max(ulp_error(computed[which], row.references[which], row.single));
                if !within_bounds(computed[which], row, which, computed[0])
                    && (which < 2 || variant == Variant::Unfused)
                {
                    let label = ["value", "first derivative", "second derivative"][which];
                    let reference = row.references[which].hi;
                    violations.push(format!(
                        "{name} {label} ({}, {}) at x = {:e}: {:e}, reference {:e}",
                        if row.single { "f32" } else { "f64" },
                        variant.label(),
                        row.x,
                        computed[which],
                        reference
                    ));
                }
            }
        }
        for which in 0..3 {
            errors[which].push(worst[which]);
        }
    }
    let [value, first, second] = errors;
    Figures { errors: [median_and_max(value), median_and_max(first), median_and_max(second)], violations }
}

/// The textbook formula of each scalar activation, evaluated without the stabiliser (`f64`).
fn naive_figures(name: &str, rows: &[Row]) -> Option<[(f64, f64); 2]> {
    let info = texgrad_runtime::catalog::find(name)?;
    let expression = Expression::parse_naive(info.formula).ok()?;
    let derivative = expression.naive_derivative(info.inputs[0]).ok()?;
    let mut bindings = Bindings::default();
    for (parameter, value) in info.parameters {
        bindings = bindings.scalar(parameter, *value);
    }
    let mut value_errors = Vec::new();
    let mut derivative_errors = Vec::new();
    for row in rows.iter().filter(|row| !row.single) {
        let at = bindings.clone().scalar(info.inputs[0], row.x);
        let value = expression.evaluate(&at).unwrap_or(f64::NAN);
        let first = derivative.evaluate(&at).unwrap_or(f64::NAN);
        value_errors.push(ulp_error(value, row.references[0], false));
        derivative_errors.push(ulp_error(first, row.references[1], false));
    }
    Some([median_and_max(value_errors), median_and_max(derivative_errors)])
}

/// The report: a table per function, and every point outside the bounds.
pub struct Report {
    /// The report as Markdown (`docs/accuracy.md`).
    pub markdown: String,
    /// Points outside SPEC section 4's bounds.
    pub violations: Vec<String>,
}

pub(crate) fn ulps(value: f64) -> String {
    if value.is_infinite() {
        "∞".to_owned()
    } else if value >= 1e6 {
        format!("{value:.1e}")
    } else if value >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Measure every scalar activation in `f32` and `f64`.
pub fn report() -> Report {
    let rows = rows();
    let mut violations = Vec::new();
    let mut markdown = String::from(
        "# Accuracy of the built-in scalar activations\n\n\
         Errors in ULP against 50-digit references (`scripts/references.py`, committed in \
         `tests/references/scalar.tsv`) at every grid point of SPEC section 4, with PyTorch's \
         default parameters: median / maximum, for the value (f), the first (f') and the second \
         derivative (f''), as generated by texgrad in `f32` and `f64`, and, for comparison, the \
         textbook formula evaluated in `f64` without the stabiliser. `f32` results are measured \
         against the correctly rounded `f32` reference, `f64` results against the exact value \
         (so a correctly rounded `f64` result shows up to 0.5). An infinite error is a NaN \
         or infinity where the reference is finite, or the reverse. Regenerate with \
         `cargo run --release -- accuracy`, which also writes this file; \
         `tests/accuracy.rs` fails if it is stale or if any point is outside the bounds.\n\n\
         | function | f32 f | f32 f' | f32 f'' | f64 f | f64 f' | f64 f'' | textbook f64 f | textbook f64 f' |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let singles = activations::<f32>();
    let doubles = activations::<f64>();
    for ((name, single), (_, double)) in singles.iter().zip(&doubles) {
        let own: Vec<Row> = rows.iter().filter(|row| row.name == *name).cloned().collect();
        let single_rows: Vec<Row> = own.iter().filter(|row| row.single).cloned().collect();
        let double_rows: Vec<Row> = own.iter().filter(|row| !row.single).cloned().collect();
        let f32_figures = measure(name, single.as_ref(), &single_rows);
        let f64_figures = measure(name, double.as_ref(), &double_rows);
        violations.extend(f32_figures.violations.iter().cloned());
        violations.extend(f64_figures.violations.iter().cloned());
        let cell = |(median, max): (f64, f64)| format!("{} / {}", ulps(median), ulps(max));
        let naive = naive_figures(name, &own);
        let _ = writeln!(
            markdown,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(f32_figures.errors[0]),
            cell(f32_figures.errors[1]),
            cell(f32_figures.errors[2]),
            cell(f64_figures.errors[0]),
            cell(f64_figures.errors[1]),
            cell(f64_figures.errors[2]),
            naive.map_or("—".to_owned(), |naive| cell(naive[0])),
            naive.map_or("—".to_owned(), |naive| cell(naive[1])),
        );
    }
    vector_report(&mut markdown, &mut violations);
    let _ = write!(markdown, "\nPoints outside the bounds of SPEC section 4: {}.\n", violations.len());
    Report { markdown, violations }
}

/// The second table: gates, vector activations and losses on the test vectors.
fn vector_report(markdown: &mut String, violations: &mut Vec<String>) {
    markdown.push_str(
        "\n## Gates, vector activations and losses\n\n\
         On the test vectors of `scripts/references_vectors.py` (ties, zeros, logits of ±1e4, the \
         two-index batch form): median / maximum ULP over the elements of the value (a vector \
         activation's output) and of the derivatives (a gate's partial derivatives, a vector \
         activation's VJP, a loss's gradients), and the textbook formula's value in `f64` (— where \
         the formula calls another definition, which the textbook evaluator does not expand).\n\n\
         | function | f32 value | f32 derivatives | f64 value | f64 derivatives | textbook f64 value |\n\
         |---|---|---|---|---|---|\n",
    );
    let cases = cases();
    let cell = |(median, max): (f64, f64)| format!("{} / {}", ulps(median), ulps(max));
    for info in texgrad_runtime::catalog().iter().filter(|info| info.kind != texgrad_runtime::Kind::Scalar) {
        let own: Vec<&Case> = cases.iter().filter(|case| case.name == info.name).collect();
        let mut errors: [[Vec<f64>; 2]; 2] = Default::default();
        let mut naive_errors = Vec::new();
        for case in &own {
            let scale = case.inputs.iter().flatten().fold(1f64, |scale, value| scale.max(value.abs()));
            let mut worst: Vec<Vec<f64>> = case.outputs.iter().map(|output| vec![0.0; output.len()]).collect();
            for variant in Variant::BOTH {
                let Some(level) = variant.level() else { continue };
                let computed = compute_case_at(case, level);
                for (output, (got, want)) in computed.iter().zip(&case.outputs).enumerate() {
                    for (element, (&got, &want)) in got.iter().zip(want).enumerate() {
                        let error = ulp_error(got, want, case.single);
                        worst[output][element] = worst[output][element].max(error);
                        if !within_vector_bounds(got, want, case.single, scale) {
                            violations.push(format!(
                                "{} ({}, {}) output {output} at {:?}: {got:e}, reference {:e}",
                                case.name,
                                if case.single { "f32" } else { "f64" },
                                variant.label(),
                                case.inputs,
                                want.hi
                            ));
                        }
                    }
                }
            }
            for (output, errors_of_output) in worst.into_iter().enumerate() {
                errors[usize::from(!case.single)][usize::from(output > 0)].extend(errors_of_output);
            }
            if !case.single {
                naive_errors.extend(naive_vector_values(info, case));
            }
        }
        let [single, double] = errors.map(|[value, derivatives]| (median_and_max(value), median_and_max(derivatives)));
        let naive = if naive_errors.is_empty() { "—".to_owned() } else { cell(median_and_max(naive_errors)) };
        let _ = writeln!(
            markdown,
            "| {} | {} | {} | {} | {} | {naive} |",
            info.name,
            cell(single.0),
            cell(single.1),
            cell(double.0),
            cell(double.1)
        );
    }
}

/// The textbook formula's value errors on one `f64` case.
fn naive_vector_values(info: &texgrad_runtime::Info, case: &Case) -> Vec<f64> {
    let Ok(expression) = Expression::parse_naive(info.formula) else { return Vec::new() };
    let mut bindings = Bindings::default();
    for (parameter, value) in info.parameters {
        bindings = bindings.scalar(parameter, *value);
    }
    for (input, values) in info.inputs.iter().zip(&case.inputs) {
        bindings = if info.kind == texgrad_runtime::Kind::Gate {
            bindings.scalar(input, values[0])
        } else {
            bindings.vector(input, values.clone())
        };
    }
    if info.name == "cross_entropy_batch" {
        bindings.columns = Some(3);
    }
    let free = expression.free_indices();
    case.outputs[0]
        .iter()
        .enumerate()
        .map(|(position, &reference)| {
            let indices = free.iter().map(|&index| (index, position)).collect();
            let value = expression.evaluate_at(&bindings, &indices).unwrap_or(f64::NAN);
            ulp_error(value, reference, false)
        })
        .collect()
}
