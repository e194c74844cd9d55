//! Every texgrad definition as a [candle](https://github.com/huggingface/candle) operation with
//! autograd (SPEC section 7), behind the `candle` feature.
//!
//! - [`Op`] wraps a scalar activation (built-in or a user's own `define_activation!`) as a
//!   [`CustomOp1`] and a [`Module`], and a two-input gate as a [`CustomOp2`]: the forward pass
//!   runs texgrad's vectorised slice kernels, the backward pass the generated derivative, through
//!   the saved output where the derivative has a form there (sigmoid, tanh, ELU, ...), from the
//!   input otherwise.
//! - [`RowOp`] wraps a vector activation (softmax and its family) along the last dimension, with
//!   its vector-Jacobian product as backward.
//! - [`loss`] is a loss of a prediction against a target, as a scalar tensor whose gradient with
//!   respect to the prediction is the generated one.
//!
//! `f32` and `f64` tensors on the CPU, of any shape, contiguous or not (a transposed or narrowed
//! view is read through its strides). Any other dtype or device is a [`candle_core::Error`] that
//! names it; a definition with parameters of one type (`Elu::<f32>`) refuses tensors of the
//! other. Gradients are first order: the backward pass's own result has no graph.
//!
//! ```
//! use candle_core::{Device, Module, Tensor};
//! use texgrad::activations::{Gelu, Sigmoid};
//! use texgrad::candle::{Op, RowOp, loss};
//! use texgrad::losses::Mse;
//!
//! # fn main() -> candle_core::Result<()> {
//! let x = candle_core::Var::new(&[[-1.0f32, 0.0, 2.0]], &Device::Cpu)?;
//! let hidden = Op(Gelu).forward(&x)?;
//! let probabilities = Op(Sigmoid).forward(&hidden)?;
//! let target = Tensor::new(&[[0.0f32, 1.0, 1.0]], &Device::Cpu)?;
//! let error = loss(&Mse, &probabilities, &target)?;
//! let gradients = error.backward()?;
//! assert_eq!(gradients.get(&x).expect("x has a gradient").dims(), &[1, 3]);
//! # let _ = RowOp(texgrad::activations::Softmax);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;

use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, DType, Error, Layout, Module, Result, Shape, Tensor, WithDType,
};
use texgrad_runtime::typed::{ActivationKernels, LossKernels, VectorKernels};
use texgrad_runtime::{Float, TypedActivation, TypedGate, TypedLoss, TypedVectorActivation};

/// A scalar activation or a two-input gate as a candle operation: `x.apply_op1(Op(Gelu))` or
/// `Op(Gelu).forward(&x)` (a [`Module`]), `a.apply_op2(&b, Op(Swiglu::default()))`.
///
/// A wrapper because the orphan rule keeps a user's type from implementing candle's traits in
/// texgrad and candle's traits from being implemented on it anywhere but the user's crate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Op<A>(pub A);

/// A vector activation (softmax, log-softmax, softmin, ...) along the last dimension, as a
/// candle operation with its vector-Jacobian product as backward: `RowOp(Softmax).forward(&z)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RowOp<V>(pub V);

/// `loss(prediction, target)` as a scalar tensor; its backward pass gives the generated gradient
/// with respect to `prediction` (the target gets none). A loss over vectors (`Mse`) takes every
/// element of tensors of any one shape; a loss over rows (`CrossEntropyBatch`) takes the rows
/// of the last dimension.
///
/// # Errors
/// If the shapes or dtypes of `prediction` and `target` differ, or the dtype or device is not
/// supported.
pub fn loss<L>(loss: &L, prediction: &Tensor, target: &Tensor) -> Result<Tensor>
where
    L: TypedLoss + Clone + Send + Sync + 'static,
{
    prediction.apply_op2(target, LossOp(loss.clone()))
}

/// The floats candle and texgrad share.
trait Element: Float + WithDType {}
impl Element for f32 {}
impl Element for f64 {}

/// Runs `$body` with `$F` the element type of `$dtype` (`f32` or `f64`), or returns the error
/// naming any other dtype.
macro_rules! with_float {
    ($dtype:expr, $op:expr, |$F:ident| $body:expr) => {
        match $dtype {
            DType::F32 => {
                type $F = f32;
                $body
            }
            DType::F64 => {
                type $F = f64;
                $body
            }
            other => Err(Error::UnsupportedDTypeForOp(other, $op)),
        }
    };
}

/// The elements of `storage` at `layout` in row-major order: borrowed where the layout is
/// contiguous, gathered through the strides otherwise.
fn elements<'a, F: Element>(storage: &'a CpuStorage, layout: &Layout) -> Result<Cow<'a, [F]>> {
    let data = F::cpu_storage_as_slice(storage)?;
    if let Some((start, end)) = layout.contiguous_offsets() {
        return data.get(start..end).map(Cow::Borrowed).ok_or_else(|| out_of_bounds(layout, data.len()));
    }
    let (dims, strides) = (layout.dims(), layout.stride());
    let mut gathered = Vec::with_capacity(layout.shape().elem_count());
    if dims.contains(&0) {
        return Ok(Cow::Owned(gathered));
    }
    let Some((&last, outer)) = dims.split_last() else {
        let value = data.get(layout.start_offset()).ok_or_else(|| out_of_bounds(layout, data.len()))?;
        return Ok(Cow::Owned(vec![*value]));
    };
    let last_stride = strides[dims.len() - 1];
    let mut index = vec![0usize; outer.len()];
    loop {
        let base = layout.start_offset() + index.iter().zip(strides).map(|(i, stride)| i * stride).sum::<usize>();
        if last_stride == 1 {
            let row = data.get(base..base + last).ok_or_else(|| out_of_bounds(layout, data.len()))?;
            gathered.extend_from_slice(row);
        } else if last_stride == 0 {
            // A broadcast row (the gradient of a sum is one value repeated).
            let value = data.get(base).ok_or_else(|| out_of_bounds(layout, data.len()))?;
            gathered.resize(gathered.len() + last, *value);
        } else {
            for position in 0..last {
                let value = data.get(base + position * last_stride).ok_or_else(|| out_of_bounds(layout, data.len()))?;
                gathered.push(*value);
            }
        }
        // The next index of the outer dimensions, the innermost fastest.
        let mut dimension = outer.len();
        loop {
            if dimension == 0 {
                return Ok(Cow::Owned(gathered));
            }
            dimension -= 1;
            index[dimension] += 1;
            if index[dimension] < outer[dimension] {
                break;
            }
            index[dimension] = 0;
        }
    }
}

fn out_of_bounds(layout: &Layout, length: usize) -> Error {
    Error::Msg(format!("texgrad: the layout {layout:?} reaches past the storage's {length} elements"))
}

/// The error for a definition whose parameters have the other float type.
fn other_type<F: Element>(op: &'static str) -> Error {
    Error::UnsupportedDTypeForOp(F::DTYPE, op)
}

fn same_shape(lhs: &Layout, rhs: &Layout, op: &'static str) -> Result<()> {
    if lhs.shape() == rhs.shape() {
        Ok(())
    } else {
        Err(Error::ShapeMismatchBinaryOp { lhs: lhs.shape().clone(), rhs: rhs.shape().clone(), op })
    }
}

/// The common dtype of two operands of the same shape; an error naming both otherwise.
fn same_shape_and_dtype(
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
    op: &'static str,
) -> Result<DType> {
    same_shape(l1, l2, op)?;
    same_dtype(s1, s2, op)
}

fn same_dtype(lhs: &CpuStorage, rhs: &CpuStorage, op: &'static str) -> Result<DType> {
    let (left, right) = (lhs.dtype(), rhs.dtype());
    if left == right { Ok(left) } else { Err(Error::DTypeMismatchBinaryOp { lhs: left, rhs: right, op }) }
}

// ---------------------------------------------------------------------------------------------
// Scalar activations.

impl<A: TypedActivation> Op<A> {
    fn kernels<F: Element>(&self) -> Result<ActivationKernels<'_, F>> {
        self.0.at::<F>().ok_or_else(|| other_type::<F>(std::any::type_name::<A>()))
    }

    fn forward_at<F: Element>(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let kernels = self.kernels::<F>()?;
        let x = elements::<F>(storage, layout)?;
        let mut y = vec![F::default(); x.len()];
        kernels.activation.forward(&x, &mut y);
        Ok((F::to_cpu_storage_owned(y), layout.shape().clone()))
    }

    fn has_output_form<F: Element>(&self) -> Result<bool> {
        Ok(self.kernels::<F>()?.from_output.is_some())
    }
}

impl<A: TypedActivation + Send + Sync + 'static> CustomOp1 for Op<A> {
    fn name(&self) -> &'static str {
        std::any::type_name::<A>()
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float!(storage.dtype(), self.name(), |F| self.forward_at::<F>(storage, layout))
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let through_output = with_float!(arg.dtype(), self.name(), |F| self.has_output_form::<F>())?;
        let gradient = if through_output {
            res.apply_op2_no_bwd(grad_res, &ActivationBackward { op: self, through_output })?
        } else {
            arg.apply_op2_no_bwd(grad_res, &ActivationBackward { op: self, through_output })?
        };
        Ok(Some(gradient))
    }
}

impl<A: TypedActivation + Clone + Send + Sync + 'static> Module for Op<A> {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        xs.apply_op1(self.clone())
    }
}

/// `dx = f'(x) dy` from the input, or from the output `y` where `through_output`.
struct ActivationBackward<'a, A> {
    op: &'a Op<A>,
    through_output: bool,
}

impl<A: TypedActivation> ActivationBackward<'_, A> {
    fn at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let kernels = self.op.kernels::<F>()?;
        let (input, dy) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?);
        let mut dx = vec![F::default(); input.len()];
        match kernels.from_output {
            Some(from_output) if self.through_output => from_output.backward_from_output(&input, &dy, &mut dx),
            _ => kernels.activation.backward(&input, &dy, &mut dx),
        }
        Ok((F::to_cpu_storage_owned(dx), l1.shape().clone()))
    }
}

impl<A: TypedActivation> CustomOp2 for ActivationBackward<'_, A> {
    fn name(&self) -> &'static str {
        "texgrad activation backward"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dtype = same_shape_and_dtype((s1, l1), (s2, l2), self.name())?;
        with_float!(dtype, self.name(), |F| self.at::<F>(s1, l1, s2, l2))
    }
}

// ---------------------------------------------------------------------------------------------
// Gates.

impl<G: TypedGate> Op<G> {
    fn gate<F: Element>(&self) -> Result<&dyn texgrad_runtime::Gate<F>> {
        self.0.at::<F>().ok_or_else(|| other_type::<F>(std::any::type_name::<G>()))
    }

    fn gate_forward_at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let gate = self.gate::<F>()?;
        let (a, b) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?);
        let mut out = vec![F::default(); a.len()];
        gate.forward(&a, &b, &mut out);
        Ok((F::to_cpu_storage_owned(out), l1.shape().clone()))
    }
}

impl<G: TypedGate + Send + Sync + 'static> CustomOp2 for Op<G> {
    fn name(&self) -> &'static str {
        std::any::type_name::<G>()
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dtype = same_shape_and_dtype((s1, l1), (s2, l2), self.name())?;
        with_float!(dtype, self.name(), |F| self.gate_forward_at::<F>(s1, l1, s2, l2))
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        // Both partial derivatives in one pass, stacked along a new first dimension.
        let both = a.apply_op3_no_bwd(b, grad_res, &GateBackward(self))?;
        Ok((Some(both.get(0)?), Some(both.get(1)?)))
    }
}

/// `(∂f/∂a dy, ∂f/∂b dy)`, stacked: shape `[2, ...]`.
struct GateBackward<'a, G>(&'a Op<G>);

impl<G: TypedGate> GateBackward<'_, G> {
    #[allow(clippy::too_many_arguments)]
    fn at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let gate = self.0.gate::<F>()?;
        let (a, b, dy) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?, elements::<F>(s3, l3)?);
        let length = a.len();
        let mut both = vec![F::default(); 2 * length];
        let (da, db) = both.split_at_mut(length);
        gate.backward(&a, &b, &dy, da, db);
        let mut dims = vec![2];
        dims.extend_from_slice(l1.dims());
        Ok((F::to_cpu_storage_owned(both), Shape::from(dims)))
    }
}

impl<G: TypedGate> CustomOp3 for GateBackward<'_, G> {
    fn name(&self) -> &'static str {
        "texgrad gate backward"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        same_shape(l1, l2, self.name())?;
        same_shape(l1, l3, self.name())?;
        let dtype = same_dtype(s1, s2, self.name())?;
        same_dtype(s1, s3, self.name())?;
        with_float!(dtype, self.name(), |F| self.at::<F>(s1, l1, s2, l2, s3, l3))
    }
}

// ---------------------------------------------------------------------------------------------
// Vector activations, along the last dimension.

/// The length of the rows of the last dimension; a scalar tensor has none.
fn row_length(layout: &Layout, op: &'static str) -> Result<usize> {
    layout
        .dims()
        .last()
        .copied()
        .ok_or_else(|| Error::Msg(format!("{op} works along the last dimension, but the tensor is a scalar")))
}

impl<V: TypedVectorActivation> RowOp<V> {
    fn kernels<F: Element>(&self) -> Result<VectorKernels<'_, F>> {
        self.0.at::<F>().ok_or_else(|| other_type::<F>(std::any::type_name::<V>()))
    }

    fn forward_at<F: Element>(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let kernels = self.kernels::<F>()?;
        let n = row_length(layout, std::any::type_name::<V>())?;
        let z = elements::<F>(storage, layout)?;
        let mut out = vec![F::default(); z.len()];
        if n > 0 {
            for (z, out) in z.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
                kernels.activation.forward(z, out);
            }
        }
        Ok((F::to_cpu_storage_owned(out), layout.shape().clone()))
    }

    fn has_output_form<F: Element>(&self) -> Result<bool> {
        Ok(self.kernels::<F>()?.from_output.is_some())
    }
}

impl<V: TypedVectorActivation + Send + Sync + 'static> CustomOp1 for RowOp<V> {
    fn name(&self) -> &'static str {
        std::any::type_name::<V>()
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float!(storage.dtype(), self.name(), |F| self.forward_at::<F>(storage, layout))
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let through_output = with_float!(arg.dtype(), self.name(), |F| self.has_output_form::<F>())?;
        let saved = if through_output { res } else { arg };
        Ok(Some(saved.apply_op2_no_bwd(grad_res, &RowBackward { op: self, through_output })?))
    }
}

impl<V: TypedVectorActivation + Clone + Send + Sync + 'static> Module for RowOp<V> {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        xs.apply_op1(self.clone())
    }
}

/// The vector-Jacobian product of each row, from the input, or from the output where
/// `through_output`.
struct RowBackward<'a, V> {
    op: &'a RowOp<V>,
    through_output: bool,
}

impl<V: TypedVectorActivation> RowBackward<'_, V> {
    fn at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let kernels = self.op.kernels::<F>()?;
        let n = row_length(l1, self.name())?;
        let (saved, dy) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?);
        let mut dz = vec![F::default(); saved.len()];
        if n > 0 {
            let rows = saved.chunks_exact(n).zip(dy.chunks_exact(n)).zip(dz.chunks_exact_mut(n));
            match kernels.from_output {
                Some(from_output) if self.through_output => {
                    rows.for_each(|((out, dy), dz)| from_output.backward_from_output(out, dy, dz));
                }
                _ => rows.for_each(|((z, dy), dz)| kernels.activation.backward(z, dy, dz)),
            }
        }
        Ok((F::to_cpu_storage_owned(dz), l1.shape().clone()))
    }
}

impl<V: TypedVectorActivation> CustomOp2 for RowBackward<'_, V> {
    fn name(&self) -> &'static str {
        "texgrad row backward"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dtype = same_shape_and_dtype((s1, l1), (s2, l2), self.name())?;
        with_float!(dtype, self.name(), |F| self.at::<F>(s1, l1, s2, l2))
    }
}

// ---------------------------------------------------------------------------------------------
// Losses.

/// A loss as an operation of the prediction and the target.
#[derive(Clone)]
struct LossOp<L>(L);

/// The rows of a row loss: the length of the last dimension, which must be positive.
fn loss_rows(layout: &Layout, op: &'static str) -> Result<usize> {
    match row_length(layout, op)? {
        0 => Err(Error::Msg(format!("{op} works on rows of the last dimension, but its length is 0"))),
        n => Ok(n),
    }
}

impl<L: TypedLoss> LossOp<L> {
    fn kernels<F: Element>(&self) -> Result<LossKernels<'_, F>> {
        self.0.at::<F>().ok_or_else(|| other_type::<F>(std::any::type_name::<L>()))
    }

    fn value_at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (prediction, target) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?);
        let value = match self.kernels::<F>()? {
            LossKernels::Elements(loss) => loss.value(&prediction, &target),
            LossKernels::Rows(loss) => loss.value(&prediction, &target, loss_rows(l1, std::any::type_name::<L>())?),
        };
        Ok((F::to_cpu_storage_owned(vec![value]), Shape::from(())))
    }

    fn gradient_at<F: Element>(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (prediction, target) = (elements::<F>(s1, l1)?, elements::<F>(s2, l2)?);
        let mut gradient = vec![F::default(); prediction.len()];
        match self.kernels::<F>()? {
            LossKernels::Elements(loss) => loss.gradient(&prediction, &target, &mut gradient),
            LossKernels::Rows(loss) => {
                let n = loss_rows(l1, std::any::type_name::<L>())?;
                loss.gradient(&prediction, &target, n, &mut gradient);
            }
        }
        Ok((F::to_cpu_storage_owned(gradient), l1.shape().clone()))
    }
}

impl<L: TypedLoss + Send + Sync + 'static> CustomOp2 for LossOp<L> {
    fn name(&self) -> &'static str {
        std::any::type_name::<L>()
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dtype = same_shape_and_dtype((s1, l1), (s2, l2), self.name())?;
        with_float!(dtype, self.name(), |F| self.value_at::<F>(s1, l1, s2, l2))
    }

    fn bwd(
        &self,
        prediction: &Tensor,
        target: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let gradient = prediction.apply_op2_no_bwd(target, &LossGradient(self))?;
        Ok((Some(gradient.broadcast_mul(grad_res)?), None))
    }
}

/// The gradient of a loss with respect to the prediction.
struct LossGradient<'a, L>(&'a LossOp<L>);

impl<L: TypedLoss> CustomOp2 for LossGradient<'_, L> {
    fn name(&self) -> &'static str {
        "texgrad loss gradient"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dtype = same_shape_and_dtype((s1, l1), (s2, l2), self.name())?;
        with_float!(dtype, self.name(), |F| self.0.gradient_at::<F>(s1, l1, s2, l2))
    }
}
