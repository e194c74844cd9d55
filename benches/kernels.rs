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
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use criterion::{
    Bencher, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
    measurement::WallTime,
};
use hand::Std;
use texgrad::activations::*;
use texgrad::losses::*;
use texgrad::{Activation, Gate, Loss, VectorActivation, VectorActivationFromOutput};

/// The sizes measured: one that stays in the first caches, one that streams from memory.
const SIZES: [(usize, &str); 2] = [(4096, "4K"), (STREAMING, "1M")];
/// The size of the table's targets, whose arrays stream from memory.
const STREAMING: usize = 1 << 20;
/// The row length of the softmax family.
const ROW: usize = 1000;

/// A bench's array, starting on a cache line (64 bytes), as every array of the peers' does
/// (PyTorch's, JAX's and NumPy's, at both sizes). A `Vec` starts wherever the allocator puts
/// it: here the outputs of a forward with derivative came out at different offsets within a
/// line (the heap, after the inputs' temporaries), so that one of the two streams of stores
/// straddled lines whatever the kernel did, and f32 hardswish at 1M read 0.58 ns where it runs
/// at 0.43 on aligned arrays.
struct Aligned<F> {
    storage: Vec<F>,
    start: usize,
    length: usize,
}

impl<F: Std> Aligned<F> {
    fn new(values: impl ExactSizeIterator<Item = F>) -> Self {
        let length = values.len();
        let slack = 64 / size_of::<F>();
        let mut storage = vec![F::zero(); length + slack];
        let start = storage.as_ptr().align_offset(64);
        assert!(start < slack, "a Vec<{}> starts on its element's alignment", std::any::type_name::<F>());
        storage[start..start + length].iter_mut().zip(values).for_each(|(slot, value)| *slot = value);
        Aligned { storage, start, length }
    }

    fn zeros(length: usize) -> Self {
        Self::new(std::iter::repeat_n(F::zero(), length))
    }
}

impl<F> Deref for Aligned<F> {
    type Target = [F];
    fn deref(&self) -> &[F] {
        &self.storage[self.start..self.start + self.length]
    }
}

impl<F> DerefMut for Aligned<F> {
    fn deref_mut(&mut self) -> &mut [F] {
        &mut self.storage[self.start..self.start + self.length]
    }
}

/// `x_i` evenly spaced over [-10, 10), as `benches/peers/peers.py` does, and `dy_i = sin x_i`.
fn inputs<F: Std>(size: usize) -> (Aligned<F>, Aligned<F>) {
    let x = |i: usize| (i as f64 / size as f64 - 0.5) * 20.0;
    (Aligned::new((0..size).map(|i| F::c(x(i)))), Aligned::new((0..size).map(|i| F::c(x(i).sin()))))
}

/// The two sides of every row of the table.
#[derive(Clone, Copy)]
enum Side {
    Texgrad,
    Std,
}

/// Calls timed per texgrad kernel at 1M elements, one call per sample: about as many as
/// peers.py makes of a peer's in its second (a 1M call takes about half a millisecond).
const TEXGRAD_CALLS: usize = 1000;
/// Calls timed per loop over `std` at 1M elements: fewer, as most of them are several times
/// slower (200 calls of the slowest take about 11 s).
const STD_CALLS: usize = 200;

/// Benchmarks `routine` as `name/texgrad` or `name/std`. At 1M elements every sample is one
/// call, the statistic peers.py takes (the fastest single call): the fastest of samples of
/// several calls is their mean, which is slower, and the comparison was uneven by that much.
fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    size: usize,
    name: &str,
    side: Side,
    routine: impl FnMut(&mut Bencher<'_, WallTime>),
) {
    let (label, calls) = match side {
        Side::Texgrad => ("texgrad", TEXGRAD_CALLS),
        Side::Std => ("std", STD_CALLS),
    };
    if size == STREAMING {
        group.sample_size(calls);
    }
    group.bench_function(format!("{name}/{label}"), routine);
}

fn activations<F: Std>() -> Vec<(&'static str, Box<dyn Activation<F>>)> {
    texgrad_accuracy::activations::<F>()
        .into_iter()
        .map(|(name, activation)| (name, activation as Box<dyn Activation<F>>))
        .collect()
}

fn scalar_activations<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (x, _) = inputs::<F>(size);
    let (mut y, mut dydx) = (Aligned::zeros(size), Aligned::zeros(size));
    for (name, activation) in activations::<F>() {
        bench(group, size, name, Side::Texgrad, |bench| {
            bench.iter(|| activation.forward_with_derivative(black_box(&x), &mut y, &mut dydx))
        });
        bench(group, size, name, Side::Std, |bench| {
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
    let b = Aligned::new(dy.iter().map(|&value| value * F::c(3.0)));
    let (mut out, mut da, mut db) = (Aligned::zeros(size), Aligned::zeros(size), Aligned::zeros(size));
    let gates: [(&str, &dyn Gate<F>); 4] = [("swiglu", &Swiglu), ("glu", &Glu), ("geglu", &Geglu), ("reglu", &Reglu)];
    for (name, gate) in gates {
        bench(group, size, name, Side::Texgrad, |bench| {
            bench.iter(|| {
                gate.forward(black_box(&a), &b, &mut out);
                gate.backward(black_box(&a), &b, &dy, &mut da, &mut db);
            })
        });
        bench(group, size, name, Side::Std, |bench| {
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
    let mut out = Aligned::zeros(size);
    let mut s = Aligned::zeros(size);
    rows(&z, &dy, &mut s, |z, _, out| Softmax.forward(z, out));
    let row_functions: [(&str, &dyn VectorActivation<F>); 3] =
        [("softmax", &Softmax), ("log_softmax", &LogSoftmax), ("softmin", &Softmin)];
    for (name, activation) in row_functions {
        bench(group, size, name, Side::Texgrad, |bench| {
            bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, _, out| activation.forward(z, out)))
        });
        bench(group, size, &format!("{name} vjp logits"), Side::Texgrad, |bench| {
            bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, dy, dz| activation.backward(z, dy, dz)))
        });
    }
    bench(group, size, "softmax", Side::Std, |bench| {
        bench.iter(|| rows(black_box(&z), &dy, &mut out, |z, _, out| hand::softmax(z, out)))
    });
    bench(group, size, "softmax vjp logits", Side::Std, |bench| {
        bench.iter(|| rows(black_box(&z), &dy, &mut out, hand::softmax_backward))
    });
    bench(group, size, "softmax vjp output", Side::Texgrad, |bench| {
        bench.iter(|| rows(black_box(&s), &dy, &mut out, |s, dy, dz| Softmax.backward_from_output(s, dy, dz)))
    });
    bench(group, size, "softmax vjp output", Side::Std, |bench| {
        bench.iter(|| rows(black_box(&s), &dy, &mut out, hand::softmax_backward_from_output))
    });
}

fn losses<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    let (x, dy) = inputs::<F>(size);
    // Probabilities in (0, 1) for the losses of probabilities, the raw values otherwise.
    let probability = Aligned::new(x.iter().map(|&x| F::c(0.01 + 0.98 / (1.0 + (-x.to_f64()).exp()))));
    let target = Aligned::new(dy.iter().map(|&y| F::c(0.5 + 0.5 * y.to_f64())));
    let mut gradient = Aligned::zeros(size);
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
        bench(group, size, name, Side::Texgrad, |bench| {
            bench.iter(|| {
                let value = loss.value(black_box(prediction), target);
                loss.gradient(prediction, target, &mut gradient);
                value
            })
        });
        bench(group, size, name, Side::Std, |bench| {
            bench.iter(|| hand::loss(name, black_box(prediction), target, &mut gradient))
        });
    }
}

fn kernels_of<F: Std>(criterion: &mut Criterion, type_name: &str) {
    for (size, label) in SIZES {
        let mut group = criterion.benchmark_group(format!("{type_name} {label}"));
        group.throughput(Throughput::Elements(size as u64));
        // Many small samples of equal size, of which the report takes the fastest. At 4K a
        // sample is thousands of calls (one is about a microsecond, too short to time alone);
        // at 1M each is one call, as peers.py times them (see `bench`): a window far shorter
        // than one call asks criterion for exactly that, and it warns that the samples did not
        // fit in the window, as intended.
        group.sampling_mode(SamplingMode::Flat);
        if size == STREAMING {
            group.measurement_time(Duration::from_millis(1));
        }
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
