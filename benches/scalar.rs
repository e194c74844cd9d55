//! The generated scalar functions beside the same formulas written by hand over `std`, in one
//! run: for every catalog scalar activation, the value (`sigmoid(x)`), the fused value and
//! derivative (`sigmoid_value_and_derivative(x)`) and the value and derivative called apart
//! (`sigmoid(x)` over the inputs, then `sigmoid_derivative(x)` over them, as a forward and a
//! backward pass do), each in loops over 4096 inputs as a user's code calls them.
//!
//! `cargo bench --bench scalar`, then `python3 benches/report.py`.

#[path = "hand/mod.rs"]
mod hand;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use hand::Std;
use texgrad::activations::*;

const SIZE: usize = 4096;

/// The five benches of one activation: its generated value, fused value and derivative, and
/// value then derivative, with the catalog's defaults for its parameters, and the hand-written
/// value and pair. Each call site names its function, so that everything inlines.
macro_rules! activation {
    ($group:expr, $x:expr, $values:expr, $derivatives:expr, $name:ident, $derivative:ident, $fused:ident $(, $parameter:expr)*) => {{
        let name = stringify!($name);
        $group.bench_function(format!("{name} value/texgrad"), |bench| {
            bench.iter(|| map(black_box($x), $values, |x| $name(x $(, F::c($parameter))*)))
        });
        $group.bench_function(format!("{name} value/std"), |bench| {
            bench.iter(|| map(black_box($x), $values, |x| hand::value_and_derivative(stringify!($name), x).0))
        });
        $group.bench_function(format!("{name} value and derivative/texgrad"), |bench| {
            bench.iter(|| map2(black_box($x), $values, $derivatives, |x| $fused(x $(, F::c($parameter))*)))
        });
        $group.bench_function(format!("{name} value and derivative/std"), |bench| {
            bench.iter(|| map2(black_box($x), $values, $derivatives, |x| hand::value_and_derivative(stringify!($name), x)))
        });
        $group.bench_function(format!("{name} value, then derivative/texgrad"), |bench| {
            bench.iter(|| {
                map(black_box($x), $values, |x| $name(x $(, F::c($parameter))*));
                map(black_box($x), $derivatives, |x| $derivative(x $(, F::c($parameter))*));
            })
        });
    }};
}

/// `(values_i, derivatives_i) = f(x_i)`: a fused function's loop, into two arrays as a forward
/// and a backward pass keep them.
#[inline(always)]
fn map2<F: Copy>(x: &[F], values: &mut [F], derivatives: &mut [F], f: impl Fn(F) -> (F, F)) {
    for ((value, derivative), &x) in values.iter_mut().zip(derivatives.iter_mut()).zip(x) {
        (*value, *derivative) = f(x);
    }
}

/// `out_i = f(x_i)`: the loop a user writes around a scalar function.
#[inline(always)]
fn map<F: Copy, T>(x: &[F], out: &mut [T], f: impl Fn(F) -> T) {
    for (out, &x) in out.iter_mut().zip(x) {
        *out = f(x);
    }
}

fn scalar_functions<F: Std>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let x: Vec<F> = (0..SIZE).map(|i| F::c((i as f64 / SIZE as f64 - 0.5) * 20.0)).collect();
    let (mut values, mut derivatives) = (vec![F::zero(); SIZE], vec![F::zero(); SIZE]);
    let (x, values, derivatives) = (&x, &mut values, &mut derivatives);
    activation!(group, x, values, derivatives, sigmoid, sigmoid_derivative, sigmoid_value_and_derivative);
    activation!(group, x, values, derivatives, tanh, tanh_derivative, tanh_value_and_derivative);
    activation!(group, x, values, derivatives, softsign, softsign_derivative, softsign_value_and_derivative);
    activation!(group, x, values, derivatives, relu, relu_derivative, relu_value_and_derivative);
    activation!(
        group,
        x,
        values,
        derivatives,
        leaky_relu,
        leaky_relu_derivative,
        leaky_relu_value_and_derivative,
        0.01
    );
    activation!(group, x, values, derivatives, prelu, prelu_derivative, prelu_value_and_derivative, 0.25);
    activation!(group, x, values, derivatives, elu, elu_derivative, elu_value_and_derivative, 1.0);
    activation!(group, x, values, derivatives, gelu, gelu_derivative, gelu_value_and_derivative);
    activation!(group, x, values, derivatives, gelu_tanh, gelu_tanh_derivative, gelu_tanh_value_and_derivative);
    activation!(group, x, values, derivatives, silu, silu_derivative, silu_value_and_derivative);
    activation!(group, x, values, derivatives, swish, swish_derivative, swish_value_and_derivative, 1.0);
    activation!(group, x, values, derivatives, mish, mish_derivative, mish_value_and_derivative);
    activation!(group, x, values, derivatives, softplus, softplus_derivative, softplus_value_and_derivative, 1.0);
    activation!(group, x, values, derivatives, selu, selu_derivative, selu_value_and_derivative);
    activation!(group, x, values, derivatives, celu, celu_derivative, celu_value_and_derivative, 1.0);
    activation!(group, x, values, derivatives, relu6, relu6_derivative, relu6_value_and_derivative);
    activation!(group, x, values, derivatives, hardtanh, hardtanh_derivative, hardtanh_value_and_derivative, -1.0, 1.0);
    activation!(group, x, values, derivatives, hardsigmoid, hardsigmoid_derivative, hardsigmoid_value_and_derivative);
    activation!(group, x, values, derivatives, hardswish, hardswish_derivative, hardswish_value_and_derivative);
    activation!(group, x, values, derivatives, log_sigmoid, log_sigmoid_derivative, log_sigmoid_value_and_derivative);
    activation!(group, x, values, derivatives, tanhshrink, tanhshrink_derivative, tanhshrink_value_and_derivative);
    activation!(group, x, values, derivatives, softshrink, softshrink_derivative, softshrink_value_and_derivative, 0.5);
    activation!(group, x, values, derivatives, hardshrink, hardshrink_derivative, hardshrink_value_and_derivative, 0.5);
}

fn scalar(criterion: &mut Criterion) {
    for (type_name, run) in
        [("f32", scalar_functions::<f32> as fn(&mut BenchmarkGroup<'_, WallTime>)), ("f64", scalar_functions::<f64>)]
    {
        let mut group = criterion.benchmark_group(format!("scalar {type_name}"));
        group.throughput(Throughput::Elements(SIZE as u64));
        run(&mut group);
        group.finish();
    }
}

fn configuration() -> Criterion {
    // A loop over 4096 inputs takes 0.5 to 50 µs: 60 samples in the same window, so that the
    // fastest (what the report reads) is found on a shared machine; for the cheapest
    // functions 20 samples left ±20% between runs.
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(900))
        .sample_size(60)
}

criterion_group! { name = benches; config = configuration(); targets = scalar }
criterion_main!(benches);
