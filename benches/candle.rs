//! `texgrad::candle` against candle's own operations: forward plus backward through candle's
//! autograd on a 1024×1024 `f32` tensor, `sum(f(x))` differentiated with respect to `x`.
//! candle-core has no softmax of its own (candle-nn's has no backward pass): the softmax row
//! compares with the one written with candle-core's operations, as a user without texgrad
//! would write it.
//!
//! `cargo bench --features candle --bench candle`

use candle_core::{D, Device, Module, Result, Tensor, Var};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use texgrad::activations::{Gelu, Silu, Softmax, Tanh};
use texgrad::candle::{Op, RowOp};

const SIDE: usize = 1024;

/// A tensor operation under test.
type Operation = dyn Fn(&Tensor) -> Result<Tensor>;

fn input() -> Result<Var> {
    let values: Vec<f32> = (0..SIDE * SIDE).map(|i| ((i * 7919) % 8192) as f32 / 1024.0 - 4.0).collect();
    Var::from_tensor(&Tensor::from_vec(values, (SIDE, SIDE), &Device::Cpu)?)
}

/// One forward and backward pass; the gradient is returned so that nothing is optimised away.
fn forward_backward(x: &Var, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let gradients = f(x.as_tensor())?.sum_all()?.backward()?;
    Ok(gradients.get(x.as_tensor()).expect("x has a gradient").clone())
}

fn candle_softmax(z: &Tensor) -> Result<Tensor> {
    let exponentials = z.broadcast_sub(&z.max_keepdim(D::Minus1)?)?.exp()?;
    exponentials.broadcast_div(&exponentials.sum_keepdim(D::Minus1)?)
}

fn bench(c: &mut Criterion) {
    let x = input().expect("the input builds");
    let mut group = c.benchmark_group("candle 1024x1024 f32 forward+backward");
    group.sample_size(20);
    group.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    let rows: [(&str, &Operation, &Operation); 4] = [
        ("gelu", &|x| Op(Gelu).forward(x), &|x| x.gelu_erf()),
        ("silu", &|x| Op(Silu).forward(x), &|x| x.silu()),
        ("tanh", &|x| Op(Tanh).forward(x), &|x| x.tanh()),
        ("softmax", &|x| RowOp(Softmax).forward(x), &candle_softmax),
    ];
    for (name, ours, theirs) in rows {
        group.bench_function(format!("{name}/texgrad"), |bench| {
            bench.iter(|| forward_backward(black_box(&x), ours).expect("runs"))
        });
        group.bench_function(format!("{name}/candle"), |bench| {
            bench.iter(|| forward_backward(black_box(&x), theirs).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
