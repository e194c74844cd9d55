//! The built-in catalog, listed: every activation and loss with its formula, derivatives and
//! parameters, for tools and the command line.

use crate::info::Info;
use crate::{activations, losses};

/// Every built-in definition, activations first, in the order of SPEC section 6.
pub fn catalog() -> &'static [Info] {
    const CATALOG: &[Info] = &[
        activations::SIGMOID_INFO,
        activations::TANH_INFO,
        activations::SOFTSIGN_INFO,
        activations::RELU_INFO,
        activations::LEAKY_RELU_INFO,
        activations::PRELU_INFO,
        activations::ELU_INFO,
        activations::GELU_INFO,
        activations::GELU_TANH_INFO,
        activations::SILU_INFO,
        activations::SWISH_INFO,
        activations::MISH_INFO,
        activations::SOFTPLUS_INFO,
        activations::SELU_INFO,
        activations::CELU_INFO,
        activations::RELU6_INFO,
        activations::HARDTANH_INFO,
        activations::HARDSIGMOID_INFO,
        activations::HARDSWISH_INFO,
        activations::LOG_SIGMOID_INFO,
        activations::TANHSHRINK_INFO,
        activations::SOFTSHRINK_INFO,
        activations::HARDSHRINK_INFO,
        activations::SWIGLU_INFO,
        activations::GLU_INFO,
        activations::GEGLU_INFO,
        activations::REGLU_INFO,
        activations::SOFTMAX_INFO,
        activations::LOG_SOFTMAX_INFO,
        activations::SOFTMIN_INFO,
        losses::MSE_INFO,
        losses::L1_INFO,
        losses::L2_INFO,
        losses::CROSS_ENTROPY_INFO,
        losses::CROSS_ENTROPY_BATCH_INFO,
        losses::KL_DIV_INFO,
        losses::CROSS_ENTROPY_LOGITS_INFO,
        losses::BCE_INFO,
        losses::BCE_LOGITS_INFO,
        losses::HUBER_INFO,
        losses::SMOOTH_L1_INFO,
        losses::LOG_COSH_INFO,
        losses::POISSON_NLL_INFO,
        losses::HINGE_INFO,
        losses::SOFT_MARGIN_INFO,
    ];
    CATALOG
}

/// The built-in definition named `name`.
pub fn find(name: &str) -> Option<&'static Info> {
    catalog().iter().find(|info| info.name == name)
}
