//! The generated slice kernels beside the same functions written by hand over `std`, side by
//! side in one run (the machine is shared and noisy: compare the ratios, not the absolute
//! times): every catalog scalar activation's forward with derivative, the gates' forward and
//! backward, the softmax family's rows (forward, vector-Jacobian product from the logits and
//! from the output), and the losses' value with gradient; at 4K and 1M elements, `f32` and
//! `f64`, at the dispatch level the machine has (`TEXGRAD_DISPATCH=portable|avx2|avx512` forces
//! one).
//!
//! `cargo bench --bench kernels` (add a filter after `--`, as `-- 'f32 1M/sigmoid'`), then
//! `python3 benches/report.py` for the table of `docs/performance.md`.

#[path = "hand/mod.rs"]
mod hand;

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use hand::Std;
use texgrad::activations::*;
use texgrad::losses::*;
use texgrad::{Activation, Gate, Loss, VectorActivation, VectorActivationFromOutput};

/// The sizes measured: one that stays in the first caches, one that streams from memory.
const SIZES: [(usize, &str); 2] = [(4096, "4K"), (1 << 20, "1M")];
/// The row length of the softmax family.
const ROW: usize = 1000;

/// `x_i` evenly spaced over [-10, 10), as `benches/peers/peers.py` does.
fn inputs<F: Std>(size: usize) -> (Vec<F>, Vec<F>) {
    let x: Vec<f64> = (0..size).map(|i| (i as f64 / size as f64 - 0.5) * 20.0).collect();
    let dy = x.iter().map(|x| F::c(x.sin())).collect();
    (x.into_iter().map(F::c).collect(), dy)
}

fn activations<F: Std>() -> Vec<(&'static str, Box<dyn Activation<F>>)> {
    texgrad_accuracy::activations::<F>()
        .into_iter()
        .map(|(name, activation)| (name, activation as Box<dyn Activation<F>>))
        .collect()
}

fn scalar_activations<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (x, _) = inputs::<F>(size);
    let (mut y, mut dydx) = (vec![F::zero(); size], vec![F::zero(); size]);
    for (name, activation) in activations::<F>() {
        group.bench_function(format!("{name}/texgrad"), |bench| {
            bench.iter(|| activation.forward_with_derivative(black_box(&x), &mut y, &mut dydx))
        });
        group.bench_function(format!("{name}/std"), |bench| {
            bench.iter(|| hand::forward_with_derivative(name, black_box(&x), &mut y, &mut dydx))
        });
    }
}

/// A gate's forward pass and then its backward pass, by hand: two loops, as a layer written
/// without texgrad runs them (the backward pass comes once the cotangent is known).
#[inline(never)]
fn hand_gate<F: Std>(name: &str, a: &[F], b: &[F], dy: &[F], out: &mut [F], da: &mut [F], db: &mut [F]) {
    for i in 0..a.len() {
        out[i] = hand::gate(name, a[i], b[i]).0;
    }
    for i in 0..a.len() {
        let (_, partial_a, partial_b) = hand::gate(name, a[i], b[i]);
        da[i] = partial_a * dy[i];
        db[i] = partial_b * dy[i];
    }
}

fn gates<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (a, dy) = inputs::<F>(size);
    let b: Vec<F> = dy.iter().map(|&value| value * F::c(3.0)).collect();
    let (mut out, mut da, mut db) = (vec![F::zero(); size], vec![F::zero(); size], vec![F::zero(); size]);
    let gates: [(&str, &dyn Gate<F>); 4] = [("swiglu", &Swiglu), ("glu", &Glu), ("geglu", &Geglu), ("reglu", &Reglu)];
    for (name, gate) in gates {
        group.bench_function(format!("{name}/texgrad"), |bench| {
            bench.iter(|| {
                gate.forward(black_box(&a), &b, &mut out);
                gate.backward(black_box(&a), &b, &dy, &mut da, &mut db);
            })
        });
        group.bench_function(format!("{name}/std"), |bench| {
            bench.iter(|| hand_gate(name, black_box(&a), &b, &dy, &mut out, &mut da, &mut db))
        });
    }
}

/// `f` on every row of `ROW` elements.
fn rows<F: Copy>(input: &[F], second: &[F], out: &mut [F], f: impl Fn(&[F], &[F], &mut [F])) {
    let whole = input.len() - input.len() % ROW;
    for ((input, second), out) in
        input[..whole].chunks_exact(ROW).zip(second[..whole].chunks_exact(ROW)).zip(out[..whole].chunks_exact_mut(ROW))
    {
        f(input, second, out);
    }
}

fn softmax_family<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (z, dy) = inputs::<F>(size);
    let mut out = vec![F::zero(); size];
    let mut s = vec![F::zero(); size];
    rows(&z, &dy, &mut s, |z, _, out| Softmax.forward(z, out));
    let row_functions: [(&str, &dyn VectorActivation<F>); 3] =
        [("softmax", &Softmax), ("log_softmax", &LogSoftmax), ("softmin", &Softmin)];
    for (name, activation) in row_functions {
        group.bench_function(format!("{name}/texgrad"), |bench| {
            bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, _, out| activation.forward(z, out)))
        });
        group.bench_function(format!("{name} vjp logits/texgrad"), |bench| {
            bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, dy, dz| activation.backward(z, dy, dz)))
        });
    }
    group.bench_function("softmax/std", |bench| {
        bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, _, out| hand::softmax(z, out)))
    });
    group.bench_function("softmax vjp logits/std", |bench| {
        bench.iter(|| rows(black_box(&z), &dy, &mut out, hand::softmax_backward))
    });
    group.bench_function("softmax vjp output/texgrad", |bench| {
        bench.iter(|| rows(black_box(&s), &dy, &mut out, |s, dy, dz| Softmax.backward_from_output(s, dy, dz)))
    });
    group.bench_function("softmax vjp output/std", |bench| {
        bench.iter(|| rows(black_box(&s), &dy, &mut out, hand::softmax_backward_from_output))
    });
}

fn losses<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (x, dy) = inputs::<F>(size);
    // Probabilities in (0, 1) for the losses of probabilities, the raw values otherwise.
    let probability: Vec<F> = x.iter().map(|&x| F::c(0.01 + 0.98 / (1.0 + (-x.to_f64()).exp()))).collect();
    let target: Vec<F> = dy.iter().map(|&y| F::c(0.5 + 0.5 * y.to_f64())).collect();
    let mut gradient = vec![F::zero(); size];
    /// A loss with its name, prediction and target.
    type Case<'a, F> = (&'static str, &'a dyn Loss<F>, &'a [F], &'a [F]);
    let table: [Case<'_, F>; 6] = [
        ("mse", &Mse, &x, &dy),
        ("l1", &L1, &x, &dy),
        ("huber", &Huber::default(), &x, &dy),
        ("bce", &Bce, &probability, &target),
        ("bce_logits", &BceLogits, &x, &target),
        ("cross_entropy", &CrossEntropy, &probability, &target),
    ];
    for (name, loss, prediction, target) in table {
        group.bench_function(format!("{name}/texgrad"), |bench| {
            bench.iter(|| {
                let value = loss.value(black_box(prediction), target);
                loss.gradient(prediction, target, &mut gradient);
                value
            })
        });
        group.bench_function(format!("{name}/std"), |bench| {
            bench.iter(|| hand::loss(name, black_box(prediction), target, &mut gradient))
        });
    }
}

fn kernels_of<F: Std>(criterion: &mut Criterion, type_name: &str) {
    for (size, label) in SIZES {
        let mut group = criterion.benchmark_group(format!("{type_name} {label}"));
        group.throughput(Throughput::Elements(size as u64));
        // Many small samples of equal size: the report takes the fastest, and peers.py the
        // fastest single call; a 1M kernel's sample is then a few calls, not tens of them,
        // so that both sides are the same statistic.
        group.sampling_mode(SamplingMode::Flat);
        scalar_activations::<F>(&mut group, size);
        gates::<F>(&mut group, size);
        softmax_family::<F>(&mut group, size);
        losses::<F>(&mut group, size);
        group.finish();
    }
}

fn kernels(criterion: &mut Criterion) {
    eprintln!("dispatch level: {:?}", texgrad::dispatch::level());
    kernels_of::<f32>(criterion, "f32");
    kernels_of::<f64>(criterion, "f64");
}

fn configuration() -> Criterion {
    // About 380 benchmarks: short windows, 200 samples each (fewer resamples for the
    // statistics, which the report does not read).
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(900))
        .sample_size(200)
        .nresamples(10_000)
}

criterion_group! { name = benches; config = configuration(); targets = kernels }
criterion_main!(benches);
