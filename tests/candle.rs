//! `texgrad::candle` against candle's own operations: values and gradients through candle's
//! autograd, in `f32` and `f64`, on tensors of several shapes including strided views; user
//! definitions against finite differences; unsupported dtypes and mismatched shapes as errors.
#![cfg(feature = "candle")]

use candle_core::{D, DType, Device, Module, Result, Tensor, Var};
use texgrad::activations::{Elu, Gelu, GeluTanh, LogSoftmax, Relu, Sigmoid, Silu, Softmax, Swiglu, Tanh};
use texgrad::candle::{Op, RowOp, loss};
use texgrad::losses::{CrossEntropy, CrossEntropyBatch, Mse};

texgrad::define_activation! {
    /// A user's activation, not in the catalog.
    pub fn bent(x; k = 0.5) = r"\frac{\sqrt{x^2 + 1} - 1}{2} + k x";

    /// A user's gate.
    pub fn scaled_gate(a, b) = r"a \tanh(b)";
}

/// The shapes the tests run on.
const SHAPES: [&[usize]; 4] = [&[7], &[3, 5], &[2, 3, 4], &[64, 33]];

/// Deterministic inputs in about [-4, 4], of every sign and magnitude in between.
fn input(shape: &[usize], dtype: DType, seed: u64) -> Result<Tensor> {
    let count: usize = shape.iter().product();
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let values: Vec<f64> = (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 8.0 - 4.0
        })
        .collect();
    Tensor::from_vec(values, shape, &Device::Cpu)?.to_dtype(dtype)
}

/// The tolerance of the issue: relative 1e-6 in `f64`, 1e-4 in `f32` (absolute near 0).
fn tolerance(dtype: DType) -> f64 {
    if dtype == DType::F64 { 1e-6 } else { 1e-4 }
}

fn assert_close(ours: &Tensor, theirs: &Tensor, dtype: DType, what: &str) -> Result<()> {
    assert_eq!(ours.dims(), theirs.dims(), "{what}: shapes differ");
    let ours = ours.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    let theirs = theirs.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    for (position, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        let error = (a - b).abs() / b.abs().max(1.0);
        assert!(error <= tolerance(dtype), "{what}: element {position}: texgrad {a}, candle {b} ({error:e} apart)");
    }
    Ok(())
}

/// The value and the gradient of `sum(f(x) * w)` with respect to `x`, for a fixed weight `w`
/// (so that the incoming gradient is not all ones).
fn value_and_gradient(x: &Tensor, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<(Tensor, Tensor)> {
    let variable = Var::from_tensor(x)?;
    let y = f(variable.as_tensor())?;
    let weights = input(y.dims(), y.dtype(), 99)?;
    let gradients = (y.clone() * weights)?.sum_all()?.backward()?;
    let gradient = gradients.get(variable.as_tensor()).expect("the input has a gradient").clone();
    Ok((y, gradient))
}

/// Views of `x` with the same elements as a contiguous tensor of `shape`: the tensor itself,
/// a transposed copy transposed back (strided), and a narrowed slice of a wider tensor.
fn views(shape: &[usize], dtype: DType) -> Result<Vec<(&'static str, Tensor)>> {
    let x = input(shape, dtype, 1)?;
    let mut views = vec![("contiguous", x.clone())];
    if shape.len() >= 2 {
        let last = shape.len() - 1;
        let transposed = x.transpose(last - 1, last)?.contiguous()?.transpose(last - 1, last)?;
        assert!(!transposed.is_contiguous());
        views.push(("transposed", transposed));
    }
    let mut wider = shape.to_vec();
    wider[0] += 2;
    let narrowed = input(&wider, dtype, 2)?.narrow(0, 1, shape[0])?;
    views.push(("narrowed", narrowed));
    Ok(views)
}

fn compare_scalar(
    name: &str,
    ours: &dyn Fn(&Tensor) -> Result<Tensor>,
    theirs: &dyn Fn(&Tensor) -> Result<Tensor>,
) -> Result<()> {
    for dtype in [DType::F32, DType::F64] {
        for shape in SHAPES {
            for (view, x) in views(shape, dtype)? {
                let (our_value, our_gradient) = value_and_gradient(&x, ours)?;
                let (their_value, their_gradient) = value_and_gradient(&x, theirs)?;
                let what = format!("{name} {dtype:?} {shape:?} {view}");
                assert_close(&our_value, &their_value, dtype, &format!("{what} value"))?;
                assert_close(&our_gradient, &their_gradient, dtype, &format!("{what} gradient"))?;
            }
        }
    }
    Ok(())
}

#[test]
fn scalar_activations_match_candles_own_operations() -> Result<()> {
    compare_scalar("gelu", &|x| Op(Gelu).forward(x), &|x| x.gelu_erf())?;
    compare_scalar("gelu_tanh", &|x| Op(GeluTanh).forward(x), &|x| x.gelu())?;
    compare_scalar("silu", &|x| Op(Silu).forward(x), &|x| x.silu())?;
    compare_scalar("tanh", &|x| Op(Tanh).forward(x), &|x| x.tanh())?;
    compare_scalar("relu", &|x| Op(Relu).forward(x), &|x| x.relu())?;
    compare_scalar("sigmoid", &|x| Op(Sigmoid).forward(x), &|x| (x.neg()?.exp()? + 1.0)?.recip())?;
    // ELU's parameter has a type: one op per dtype.
    compare_scalar(
        "elu",
        &|x| match x.dtype() {
            DType::F32 => Op(Elu::<f32> { alpha: 0.7 }).forward(x),
            _ => Op(Elu::<f64> { alpha: 0.7 }).forward(x),
        },
        &|x| x.elu(0.7),
    )?;
    Ok(())
}

/// Softmax along the last dimension, written with candle's operations.
fn candle_softmax(z: &Tensor) -> Result<Tensor> {
    let shifted = z.broadcast_sub(&z.max_keepdim(D::Minus1)?)?;
    let exponentials = shifted.exp()?;
    exponentials.broadcast_div(&exponentials.sum_keepdim(D::Minus1)?)
}

#[test]
fn softmax_along_the_last_dimension_matches_candle() -> Result<()> {
    compare_scalar("softmax", &|z| RowOp(Softmax).forward(z), &candle_softmax)?;
    // No output form: the VJP from the logits.
    compare_scalar("log_softmax", &|z| RowOp(LogSoftmax).forward(z), &|z| candle_softmax(z)?.log())
}

/// A second operand of `x`'s shape and dtype, the same for texgrad and for candle.
fn beside(x: &Tensor, seed: u64) -> Result<Tensor> {
    input(x.dims(), x.dtype(), seed)
}

/// Targets that are probabilities along the last dimension.
fn labels(x: &Tensor) -> Result<Tensor> {
    candle_softmax(&(beside(x, 8)? * 3.0)?)
}

#[test]
fn losses_match_the_same_losses_written_with_candle_ops() -> Result<()> {
    // MSE over every element.
    compare_scalar("mse", &|prediction| loss(&Mse, prediction, &beside(prediction, 7)?), &|prediction| {
        (prediction - beside(prediction, 7)?)?.sqr()?.mean_all()
    })?;
    // Cross-entropy of probabilities (a softmax of the logits) against soft labels: summed over
    // every element, and averaged over the rows of the last dimension.
    compare_scalar("cross_entropy", &|z| loss(&CrossEntropy, &candle_softmax(z)?, &labels(z)?), &|z| {
        (candle_softmax(z)?.log()? * labels(z)?)?.sum_all()?.neg()
    })?;
    compare_scalar("cross_entropy_batch", &|z| loss(&CrossEntropyBatch, &candle_softmax(z)?, &labels(z)?), &|z| {
        let rows = (z.elem_count() / z.dims().last().copied().unwrap_or(1)) as f64;
        (candle_softmax(z)?.log()? * labels(z)?)?.sum_all()?.neg()? / rows
    })
}

/// Central differences of `sum(f(x) * w)` in `f64`, element by element.
fn finite_differences(x: &Tensor, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<Vec<f64>> {
    let values = x.flatten_all()?.to_vec1::<f64>()?;
    let weights = input(f(x)?.dims(), DType::F64, 99)?;
    let objective = |values: &[f64]| -> Result<f64> {
        let x = Tensor::from_slice(values, x.dims(), &Device::Cpu)?;
        (f(&x)? * &weights)?.sum_all()?.to_scalar::<f64>()
    };
    let mut gradient = Vec::with_capacity(values.len());
    for position in 0..values.len() {
        let step = 1e-6 * values[position].abs().max(1.0);
        let (mut up, mut down) = (values.clone(), values.clone());
        up[position] += step;
        down[position] -= step;
        gradient.push((objective(&up)? - objective(&down)?) / (2.0 * step));
    }
    Ok(gradient)
}

fn assert_matches_differences(name: &str, computed: &Tensor, differences: &[f64]) -> Result<()> {
    for (position, (a, b)) in computed.flatten_all()?.to_vec1::<f64>()?.iter().zip(differences).enumerate() {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{name}: element {position}: autograd {a}, differences {b}");
    }
    Ok(())
}

#[test]
fn a_users_activation_and_gate_train_through_op() -> Result<()> {
    let bent = Op(Bent::<f64> { k: 0.25 });
    for shape in [&[9][..], &[4, 6]] {
        let x = input(shape, DType::F64, 3)?;
        let (_, gradient) = value_and_gradient(&x, &|x| bent.forward(x))?;
        assert_matches_differences("bent", &gradient, &finite_differences(&x, &|x| bent.forward(x))?)?;

        // The gate: both partial derivatives.
        let (a, b) = (input(shape, DType::F64, 4)?, input(shape, DType::F64, 5)?);
        let (va, vb) = (Var::from_tensor(&a)?, Var::from_tensor(&b)?);
        let out = va.as_tensor().apply_op2(vb.as_tensor(), Op(ScaledGate))?;
        let weights = input(out.dims(), DType::F64, 99)?;
        let gradients = (out * &weights)?.sum_all()?.backward()?;
        let (da, db) = (gradients.get(va.as_tensor()).unwrap(), gradients.get(vb.as_tensor()).unwrap());
        let gate_a = |a: &Tensor| a.apply_op2(&b, Op(ScaledGate));
        let gate_b = |b: &Tensor| a.apply_op2(b, Op(ScaledGate));
        assert_matches_differences("scaled_gate da", da, &finite_differences(&a, &gate_a)?)?;
        assert_matches_differences("scaled_gate db", db, &finite_differences(&b, &gate_b)?)?;
    }
    Ok(())
}

#[test]
fn a_catalog_gate_matches_candle_ops_on_strided_views() -> Result<()> {
    // The second input is itself a strided view.
    let gate_input = |a: &Tensor| -> Result<Tensor> {
        let b = beside(a, 6)?;
        if b.rank() < 2 { Ok(b) } else { b.t()?.contiguous()?.t() }
    };
    compare_scalar("swiglu", &|a| a.apply_op2(&gate_input(a)?, Op(Swiglu)), &|a| a.silu()? * gate_input(a)?)
}

fn message(result: Result<Tensor>) -> String {
    match result {
        Ok(tensor) => panic!("expected an error, got a tensor of shape {:?}", tensor.dims()),
        Err(error) => error.to_string(),
    }
}

#[test]
fn unsupported_dtypes_and_shapes_are_errors_that_name_them() -> Result<()> {
    let x = input(&[3, 4], DType::F32, 1)?;
    for dtype in [DType::F16, DType::BF16, DType::U8, DType::U32, DType::I64] {
        let cast = x.to_dtype(dtype)?;
        let error = message(Op(Gelu).forward(&cast));
        assert!(error.contains(&format!("{dtype:?}")), "{dtype:?}: {error}");
        let error = message(RowOp(Softmax).forward(&cast));
        assert!(error.contains(&format!("{dtype:?}")), "{dtype:?}: {error}");
        let error = message(loss(&Mse, &cast, &cast));
        assert!(error.contains(&format!("{dtype:?}")), "{dtype:?}: {error}");
    }
    // A definition with f32 parameters on an f64 tensor.
    let error = message(Op(Elu::<f32>::default()).forward(&x.to_dtype(DType::F64)?));
    assert!(error.contains("F64") && error.contains("Elu<f32>"), "{error}");
    // A gate and a loss of mismatched shapes and dtypes.
    let other = input(&[4, 3], DType::F32, 2)?;
    let error = message(x.apply_op2(&other, Op(Swiglu)));
    assert!(error.contains("shape mismatch") && error.contains("[3, 4]") && error.contains("[4, 3]"), "{error}");
    let error = message(loss(&Mse, &x, &other));
    assert!(error.contains("shape mismatch"), "{error}");
    let error = message(x.apply_op2(&x.to_dtype(DType::F64)?, Op(Swiglu)));
    assert!(error.contains("dtype mismatch"), "{error}");
    // Rows of a scalar.
    let scalar = Tensor::new(1.5f32, &Device::Cpu)?;
    let error = message(RowOp(Softmax).forward(&scalar));
    assert!(error.contains("last dimension"), "{error}");
    Ok(())
}

#[test]
fn empty_tensors_and_scalars_pass_through() -> Result<()> {
    let empty = Tensor::zeros((0, 4), DType::F32, &Device::Cpu)?;
    assert_eq!(Op(Gelu).forward(&empty)?.dims(), &[0, 4]);
    assert_eq!(RowOp(Softmax).forward(&Tensor::zeros((3, 0), DType::F64, &Device::Cpu)?)?.dims(), &[3, 0]);
    let scalar = Tensor::new(0.5f64, &Device::Cpu)?;
    let value = Op(Sigmoid).forward(&scalar)?.to_scalar::<f64>()?;
    assert!((value - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-15);
    Ok(())
}

#[path = "../examples/candle_mlp.rs"]
mod candle_mlp;

#[test]
fn the_example_trains_on_both_datasets() -> Result<()> {
    for name in ["iris", "wine"] {
        let dataset = candle_mlp::Dataset::bundled(name).expect("the bundled data parses");
        let report = candle_mlp::train(&dataset, 80, 0.5)?;
        let (first, last) = (report.losses[0], report.losses[report.losses.len() - 1]);
        assert!(last < 0.5 * first, "{name}: the loss went from {first} to {last}");
        assert!(
            report.test_accuracy > report.chance + 0.4,
            "{name}: held-out accuracy {} (chance {})",
            report.test_accuracy,
            report.chance
        );
    }
    Ok(())
}

#[test]
fn bad_data_is_an_error_not_a_panic() {
    for text in ["", "3,2,a,b\n1,2,5\n", "3,2,a,b\n1,x,0\n", "3,2\n1,2,0\n", "3,2,a,b\n1,2,0\n1,0\n"] {
        assert!(candle_mlp::Dataset::parse("bad", text).is_err(), "{text:?} was accepted");
    }
}
