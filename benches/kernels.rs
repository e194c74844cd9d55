//! Generated slice kernels against the same functions written by hand, side by side in one run
//! (the machine is shared and noisy: compare the ratios, not the absolute times).
//!
//! `cargo bench --bench kernels`

use criterion::{Criterion, criterion_group, criterion_main};
use texgrad::Activation;
use texgrad::activations::{GeluTanh, Sigmoid, softmax};

const N: usize = 4096;

fn inputs() -> Vec<f32> {
    (0..N).map(|i| (i as f32 / N as f32 - 0.5) * 20.0).collect()
}

fn hand_sigmoid(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = 1.0 / (1.0 + (-x).exp());
    }
}

fn hand_sigmoid_backward(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
        let s = 1.0 / (1.0 + (-x).exp());
        *dx = s * (1.0 - s) * dy;
    }
}

fn hand_gelu_tanh(x: &[f32], y: &mut [f32]) {
    const K: f32 = 0.797_884_6;
    for (y, &x) in y.iter_mut().zip(x) {
        *y = 0.5 * x * (1.0 + (K * (x + 0.044715 * x * x * x)).tanh());
    }
}

fn hand_softmax(z: &[f32], out: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for (out, &z) in out.iter_mut().zip(z) {
        *out = (z - max).exp();
        total += *out;
    }
    for out in out.iter_mut() {
        *out /= total;
    }
}

fn kernels(c: &mut Criterion) {
    let x = inputs();
    let dy: Vec<f32> = x.iter().map(|x| x.sin()).collect();
    let mut y = vec![0.0f32; N];
    let mut group = c.benchmark_group("f32 x 4096");
    group
        .bench_function("sigmoid forward, generated", |b| b.iter(|| Sigmoid.forward(std::hint::black_box(&x), &mut y)));
    group.bench_function("sigmoid forward, by hand", |b| b.iter(|| hand_sigmoid(std::hint::black_box(&x), &mut y)));
    group.bench_function("sigmoid backward, generated", |b| {
        b.iter(|| Sigmoid.backward(std::hint::black_box(&x), &dy, &mut y))
    });
    group.bench_function("sigmoid backward, by hand", |b| {
        b.iter(|| hand_sigmoid_backward(std::hint::black_box(&x), &dy, &mut y))
    });
    group.bench_function("gelu_tanh forward, generated", |b| {
        b.iter(|| GeluTanh.forward(std::hint::black_box(&x), &mut y))
    });
    group.bench_function("gelu_tanh forward, by hand", |b| b.iter(|| hand_gelu_tanh(std::hint::black_box(&x), &mut y)));
    group.bench_function("softmax, generated", |b| b.iter(|| softmax(std::hint::black_box(&x), &mut y)));
    group.bench_function("softmax, by hand", |b| b.iter(|| hand_softmax(std::hint::black_box(&x), &mut y)));
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
