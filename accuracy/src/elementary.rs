//! The elementary functions of [`texgrad_runtime::math`] against 50-digit references
//! (`scripts/references_elementary.py`, committed in `tests/references/elementary.tsv`): the
//! error in ULP of each function in `f32` and `f64`, with unfused multiply-adds (the portable
//! level) and fused ones (the AVX2 and AVX-512 levels, which compute the same bits), and each
//! function's documented bound.
//!
//! The figures do not depend on the machine: the fused variant is computed directly (with
//! software FMA where the CPU has none); `tests/elementary.rs` also runs every level this
//! machine has through the dispatcher and checks that it gives the same bits.

use std::fmt::Write as _;

use super::{Reference, median_and_max, ulp_error, ulps};
use texgrad_runtime::Float;
use texgrad_runtime::dispatch::{Arch, Avx2, Dispatched, Portable};
use texgrad_runtime::math;

/// The references.
pub const REFERENCES: &str = include_str!("../../tests/references/elementary.tsv");

/// Each function with its bound in ULP, in `f32` and `f64` (the bounds of `texgrad::math`'s
/// documentation).
pub const FUNCTIONS: &[(&str, f64, f64)] = &[
    ("exp", 1.0, 1.0),
    ("exp_m1", 1.5, 2.0),
    ("ln", 1.0, 1.0),
    ("ln_1p", 1.5, 1.5),
    ("sigmoid", 2.0, 2.0),
    ("sigmoid_derivative", 3.5, 3.5),
    ("softplus", 2.0, 2.0),
    ("tanh", 2.5, 2.5),
    ("sech2", 3.0, 3.0),
    ("sinh", 2.0, 2.0),
    ("cosh", 2.0, 2.0),
    ("erf", 3.0, 2.5),
    ("erfc", 3.0, 4.0),
    ("phi", 3.0, 4.5),
];

/// One reference point.
#[derive(Clone, Debug)]
pub struct Point {
    /// The function.
    pub function: String,
    /// `f32` or `f64`.
    pub single: bool,
    /// The input, exactly.
    pub x: f64,
    /// The value.
    pub reference: Reference,
}

/// The references, parsed.
pub fn points() -> Vec<Point> {
    REFERENCES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let [function, kind, x, value] = line.split('\t').collect::<Vec<_>>()[..] else { return None };
            let single = kind == "f32";
            let x = if single {
                f64::from(f32::from_bits(u32::from_str_radix(x, 16).ok()?))
            } else {
                f64::from_bits(u64::from_str_radix(x, 16).ok()?)
            };
            let (hi, lo) = value.split_once(' ')?;
            let reference = Reference { hi: hi.parse().ok()?, lo: lo.parse().ok()? };
            Some(Point { function: function.to_owned(), single, x, reference })
        })
        .collect()
}

/// `y_i = function(x_i)` for one of [`FUNCTIONS`], as a slice kernel: the loop that the
/// dispatcher compiles for each level.
pub struct Apply<'a, F> {
    /// Which function.
    pub function: &'a str,
    /// The inputs.
    pub x: &'a [F],
    /// The outputs.
    pub y: &'a mut [F],
}

impl<F: Float> Dispatched for Apply<'_, F> {
    type Output = ();

    #[inline(always)]
    fn run<A: Arch>(self) {
        let Apply { function, x, y } = self;
        macro_rules! each {
            ($function:expr) => {
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = $function(x);
                }
            };
        }
        match function {
            "exp" => each!(math::exp::<F, A>),
            "exp_m1" => each!(math::exp_m1::<F, A>),
            "ln" => each!(math::ln::<F, A>),
            "ln_1p" => each!(math::ln_1p::<F, A>),
            "sigmoid" => each!(math::sigmoid::<F, A>),
            "sigmoid_derivative" => each!(math::sigmoid_derivative::<F, A>),
            "softplus" => each!(math::softplus::<F, A>),
            "tanh" => each!(math::tanh::<F, A>),
            "sech2" => each!(|x| math::tanh_and_sech2::<F, A>(x).1),
            "sinh" => each!(math::sinh::<F, A>),
            "cosh" => each!(math::cosh::<F, A>),
            "erf" => each!(math::erf::<F, A>),
            "erfc" => each!(math::erfc::<F, A>),
            "phi" => each!(math::phi::<F, A>),
            _ => y.fill(F::NAN),
        }
    }
}

/// A function's inputs of one type, and `y = f(x)` computed by `run`.
pub fn evaluate<F: Float>(function: &str, x: &[F], run: impl FnOnce(Apply<'_, F>)) -> Vec<F> {
    let mut y = vec![F::zero(); x.len()];
    run(Apply { function, x, y: &mut y });
    y
}

/// The errors in ULP of one function in one type, unfused and fused, with the worst input of
/// each.
pub struct Figures {
    /// Median and maximum, unfused.
    pub unfused: (f64, f64),
    /// Median and maximum, fused.
    pub fused: (f64, f64),
    /// The input with the largest error, unfused and fused.
    pub worst: (f64, f64),
}

fn errors<F: Float>(points: &[&Point], computed: &[F]) -> (Vec<f64>, f64) {
    let mut worst = (0.0, f64::NAN);
    let errors = points
        .iter()
        .zip(computed)
        .map(|(point, &value)| {
            let error = ulp_error(value.to_f64(), point.reference, point.single);
            if error > worst.0 || worst.1.is_nan() {
                worst = (error, point.x);
            }
            error
        })
        .collect();
    (errors, worst.1)
}

fn measure_in<F: Float>(function: &str, points: &[&Point]) -> Figures {
    let x: Vec<F> = points.iter().map(|point| F::from_f64(point.x)).collect();
    let unfused = evaluate(function, &x, |kernel| kernel.run::<Portable>());
    let fused = evaluate(function, &x, |kernel| kernel.run::<Avx2>());
    let (unfused_errors, unfused_worst) = errors(points, &unfused);
    let (fused_errors, fused_worst) = errors(points, &fused);
    Figures {
        unfused: median_and_max(unfused_errors),
        fused: median_and_max(fused_errors),
        worst: (unfused_worst, fused_worst),
    }
}

/// One function's figures in one type.
pub fn measure(function: &str, single: bool, points: &[Point]) -> Figures {
    let own: Vec<&Point> = points.iter().filter(|point| point.function == function && point.single == single).collect();
    if single { measure_in::<f32>(function, &own) } else { measure_in::<f64>(function, &own) }
}

/// The report (`docs/elementary.md`) and the functions over their bounds.
pub struct Report {
    /// The report as Markdown.
    pub markdown: String,
    /// `function (type, fused or not): error > bound at x`.
    pub violations: Vec<String>,
}

/// Measure every function in both types, fused and not.
pub fn report() -> Report {
    let points = points();
    let mut violations = Vec::new();
    let mut markdown = String::from(
        "# Accuracy of the elementary functions\n\n\
         texgrad's own vectorisable exponentials, logarithms, logistic and error functions \
         (`texgrad::math`), against 50-digit references (`scripts/references_elementary.py`, \
         committed in `tests/references/elementary.tsv`) at every point of their grids: both \
         signs over the whole range of the type, subnormals, and the overflow and underflow \
         edges. Median / maximum error in ULP of the correctly rounded result (a correctly \
         rounded `f64` result shows up to 0.5 against the exact value), with plain \
         multiply-adds (the portable level) and fused ones (the AVX2 and AVX-512 levels, which \
         compute the same bits), and the bound each function documents and `tests/elementary.rs` \
         checks. Regenerate with `cargo run --release -- accuracy`.\n\n\
         | function | f32 portable | f32 fused | f32 bound | f64 portable | f64 fused | f64 bound |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let cell = |(median, max): (f64, f64)| format!("{} / {}", ulps(median), ulps(max));
    for &(function, single_bound, double_bound) in FUNCTIONS {
        let single = measure(function, true, &points);
        let double = measure(function, false, &points);
        for (figures, bound, kind) in [(&single, single_bound, "f32"), (&double, double_bound, "f64")] {
            for (label, (_, max), worst) in
                [("portable", figures.unfused, figures.worst.0), ("fused", figures.fused, figures.worst.1)]
            {
                if max > bound {
                    violations.push(format!("{function} ({kind}, {label}): {max} ULP > {bound} at x = {worst:e}"));
                }
            }
        }
        let _ = writeln!(
            markdown,
            "| {function} | {} | {} | {single_bound} | {} | {} | {double_bound} |",
            cell(single.unfused),
            cell(single.fused),
            cell(double.unfused),
            cell(double.fused),
        );
    }
    let _ = write!(markdown, "\nFunctions over their bounds: {}.\n", violations.len());
    Report { markdown, violations }
}
