//! The built-in catalog, listed: every activation and loss with its formula, derivatives and
//! parameters, for tools and the command line.

use crate::info::Info;
use crate::{activations, losses};

/// Every built-in definition, activations first, in the order of SPEC section 6.
pub fn catalog() -> &'static [Info] {
    const CATALOG: &[Info] = &[
        activations::Sigmoid::INFO,
        activations::Tanh::INFO,
        activations::Softsign::INFO,
        activations::Relu::INFO,
        activations::LeakyRelu::<f64>::INFO,
        activations::Prelu::<f64>::INFO,
        activations::Elu::<f64>::INFO,
        activations::Gelu::INFO,
        activations::GeluTanh::INFO,
        activations::Silu::INFO,
        activations::Swish::<f64>::INFO,
        activations::Mish::INFO,
        activations::Softplus::<f64>::INFO,
        activations::Selu::INFO,
        activations::Celu::<f64>::INFO,
        activations::Relu6::INFO,
        activations::Hardtanh::<f64>::INFO,
        activations::Hardsigmoid::INFO,
        activations::Hardswish::INFO,
        activations::LogSigmoid::INFO,
        activations::Tanhshrink::INFO,
        activations::Softshrink::<f64>::INFO,
        activations::Hardshrink::<f64>::INFO,
        activations::Swiglu::INFO,
        activations::Glu::INFO,
        activations::Geglu::INFO,
        activations::Reglu::INFO,
        activations::Softmax::INFO,
        activations::LogSoftmax::INFO,
        activations::Softmin::INFO,
        losses::Mse::INFO,
        losses::L1::INFO,
        losses::L2::INFO,
        losses::CrossEntropy::INFO,
        losses::CrossEntropyBatch::INFO,
        losses::KlDiv::INFO,
        losses::CrossEntropyLogits::INFO,
        losses::Bce::INFO,
        losses::BceLogits::INFO,
        losses::Huber::<f64>::INFO,
        losses::SmoothL1::<f64>::INFO,
        losses::LogCosh::INFO,
        losses::PoissonNll::INFO,
        losses::Hinge::INFO,
        losses::SoftMargin::INFO,
    ];
    CATALOG
}

/// The built-in definition named `name`.
pub fn find(name: &str) -> Option<&'static Info> {
    catalog().iter().find(|info| info.name == name)
}
