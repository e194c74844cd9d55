//! Definitions reached through a float type known only at run time.
//!
//! A framework's tensor carries its dtype as a value, so code that wraps any texgrad definition
//! (the candle integration, `texgrad::candle`) asks the definition for its kernels at that type.
//! `define_activation!` and `define_loss!` implement these traits for every type they generate,
//! in a user's crate as in the catalog. A definition without parameters (`Sigmoid`) is defined
//! at both types; one with parameters (`Elu<f32>`) at the type of its parameters only, and
//! [`TypedActivation::at`] answers `None` for the other.

use crate::{
    Activation, ActivationFromOutput, Float, Gate, Loss, RowLoss, VectorActivation, VectorActivationFromOutput,
};

/// A scalar activation's kernels at one float type.
#[derive(Clone, Copy)]
pub struct ActivationKernels<'a, F> {
    /// The value and the derivative from the input.
    pub activation: &'a dyn Activation<F>,
    /// The derivative through the output, where the definition has one (`σ' = y(1-y)`).
    pub from_output: Option<&'a dyn ActivationFromOutput<F>>,
}

/// A scalar activation whose kernels can be looked up by float type.
pub trait TypedActivation {
    /// The kernels at `F`, or `None` if the definition's parameters have the other type.
    fn at<F: Float>(&self) -> Option<ActivationKernels<'_, F>>;
}

/// A two-input gate whose kernels can be looked up by float type.
pub trait TypedGate {
    /// The gate at `F`, or `None` if the definition's parameters have the other type.
    fn at<F: Float>(&self) -> Option<&dyn Gate<F>>;
}

/// A vector activation's kernels at one float type.
#[derive(Clone, Copy)]
pub struct VectorKernels<'a, F> {
    /// The rows forward and their vector-Jacobian product from the input.
    pub activation: &'a dyn VectorActivation<F>,
    /// The vector-Jacobian product from the output, where the definition has one (softmax).
    pub from_output: Option<&'a dyn VectorActivationFromOutput<F>>,
}

/// A vector activation whose kernels can be looked up by float type.
pub trait TypedVectorActivation {
    /// The kernels at `F`, or `None` if the definition's parameters have the other type.
    fn at<F: Float>(&self) -> Option<VectorKernels<'_, F>>;
}

/// A loss at one float type: over all the elements of its two inputs (`mse`), or over rows of
/// a given length (`cross_entropy_batch`, whose formula has two indices).
#[derive(Clone, Copy)]
pub enum LossKernels<'a, F> {
    /// A loss over vectors: any shape is taken as its flat elements.
    Elements(&'a dyn Loss<F>),
    /// A loss over the rows of a matrix.
    Rows(&'a dyn RowLoss<F>),
}

/// A loss whose kernels can be looked up by float type.
pub trait TypedLoss {
    /// The kernels at `F`, or `None` if the definition's parameters have the other type.
    fn at<F: Float>(&self) -> Option<LossKernels<'_, F>>;
}
