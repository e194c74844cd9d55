//! The built-in catalog: complete (SPEC section 6), with PyTorch's defaults, the kink
//! conventions written down in `texgrad::activations`, and the notes' corrections.

use texgrad::activations::*;
use texgrad::dispatch::{Arch, Level, Scalar, with_level};
use texgrad::losses::*;
use texgrad::{Activation, ActivationFromOutput, Kind, catalog};
use texgrad_accuracy::Variant;

const SPEC_SECTION_6: &[(&str, Kind)] = &[
    ("sigmoid", Kind::Scalar),
    ("tanh", Kind::Scalar),
    ("softsign", Kind::Scalar),
    ("relu", Kind::Scalar),
    ("leaky_relu", Kind::Scalar),
    ("prelu", Kind::Scalar),
    ("elu", Kind::Scalar),
    ("gelu", Kind::Scalar),
    ("gelu_tanh", Kind::Scalar),
    ("silu", Kind::Scalar),
    ("swish", Kind::Scalar),
    ("mish", Kind::Scalar),
    ("softplus", Kind::Scalar),
    ("selu", Kind::Scalar),
    ("celu", Kind::Scalar),
    ("relu6", Kind::Scalar),
    ("hardtanh", Kind::Scalar),
    ("hardsigmoid", Kind::Scalar),
    ("hardswish", Kind::Scalar),
    ("log_sigmoid", Kind::Scalar),
    ("tanhshrink", Kind::Scalar),
    ("softshrink", Kind::Scalar),
    ("hardshrink", Kind::Scalar),
    ("swiglu", Kind::Gate),
    ("glu", Kind::Gate),
    ("geglu", Kind::Gate),
    ("reglu", Kind::Gate),
    ("softmax", Kind::Vector),
    ("log_softmax", Kind::Vector),
    ("softmin", Kind::Vector),
    ("mse", Kind::Loss),
    ("l1", Kind::Loss),
    ("l2", Kind::Loss),
    ("cross_entropy", Kind::Loss),
    ("cross_entropy_batch", Kind::Loss),
    ("kl_div", Kind::Loss),
    ("cross_entropy_logits", Kind::Loss),
    ("bce", Kind::Loss),
    ("bce_logits", Kind::Loss),
    ("huber", Kind::Loss),
    ("smooth_l1", Kind::Loss),
    ("log_cosh", Kind::Loss),
    ("poisson_nll", Kind::Loss),
    ("hinge", Kind::Loss),
    ("soft_margin", Kind::Loss),
];

#[test]
fn the_catalog_is_spec_section_6() {
    let listed: Vec<(&str, Kind)> = catalog().iter().map(|info| (info.name, info.kind)).collect();
    assert_eq!(listed, SPEC_SECTION_6);
    for info in catalog() {
        assert!(!info.derivatives.is_empty(), "{} lists no derivative", info.name);
        assert!(!info.latex.is_empty() && !info.formula.is_empty());
    }
}

#[test]
fn pytorch_defaults() {
    let defaults = |name: &str| texgrad::runtime::catalog::find(name).unwrap().parameters.to_vec();
    assert_eq!(defaults("leaky_relu"), [("a", 0.01)]);
    assert_eq!(defaults("prelu"), [("a", 0.25)]);
    assert_eq!(defaults("elu"), [("alpha", 1.0)]);
    assert_eq!(defaults("softplus"), [("beta", 1.0)]);
    assert_eq!(defaults("hardtanh"), [("min_val", -1.0), ("max_val", 1.0)]);
    assert_eq!(defaults("softshrink"), [("lambda", 0.5)]);
    assert_eq!(defaults("hardshrink"), [("lambda", 0.5)]);
    assert_eq!(defaults("huber"), [("delta", 1.0)]);
    assert_eq!(defaults("smooth_l1"), [("beta", 1.0)]);
    assert_eq!(LeakyRelu::<f64>::default().a, 0.01);
}

#[test]
fn kink_conventions() {
    assert_eq!(relu_derivative(0.0f64), 0.0);
    assert_eq!(relu6_derivative(0.0f64), 0.0);
    assert_eq!(relu6_derivative(6.0f64), 0.0);
    assert_eq!(relu6_derivative(3.0f64), 1.0);
    assert_eq!(hardtanh_derivative(1.0f64, -1.0, 1.0), 0.0);
    assert_eq!(hardtanh_derivative(-1.0f64, -1.0, 1.0), 0.0);
    assert_eq!(hardtanh_derivative(0.5f64, -1.0, 1.0), 1.0);
    assert_eq!(hardsigmoid_derivative(3.0f64), 0.0);
    assert_eq!(hardsigmoid_derivative(-3.0f64), 0.0);
    assert_eq!(hardswish_derivative(-3.0f64), -0.5);
    assert_eq!(hardswish_derivative(3.0f64), 1.5);
    assert_eq!(hardswish_derivative(-3.5f64), 0.0);
    assert_eq!(hardswish_derivative(3.5f64), 1.0);
    assert_eq!(softshrink_derivative(0.5f64, 0.5), 0.0);
    assert_eq!(hardshrink_derivative(-0.5f64, 0.5), 0.0);
    assert_eq!(leaky_relu_derivative(0.0f64, 0.01), 1.0);
    let mut gradient = [0.0];
    huber_derivative_wrt_y_hat(&[1.0f64], &[0.0], 1.0, &mut gradient);
    assert_eq!(gradient, [1.0], "Huber's derivative is continuous at its join");
    smooth_l1_derivative_wrt_y_hat(&[1.0f64], &[0.0], 1.0, &mut gradient);
    assert_eq!(gradient, [1.0], "smooth L1's derivative is continuous at its join");
    l1_derivative_wrt_y_hat(&[2.0f64], &[2.0], &mut gradient);
    assert_eq!(gradient, [0.0], "|x| has derivative 0 at 0");
}

#[test]
fn the_notes_corrections() {
    // sigmoid' = f (1 - f), not f - (1 - f); computed as σ(x)σ(-x), finite at -1000.
    assert_eq!(sigmoid_derivative(0.0f64), 0.25);
    assert_eq!(sigmoid_derivative(-1000.0f64), 0.0);
    // tanh's range is (-1, 1).
    assert_eq!(tanh(-1000.0f64), -1.0);
    assert!(tanh(-0.5f64) < 0.0);
    // softsign' = 1/(1 + |x|)^2.
    assert_eq!(softsign_derivative(-1.0f64), 0.25);
    // ReLU' is 0 for negative inputs.
    assert_eq!(relu_derivative(-1.0f64), 0.0);
    assert_eq!(Sigmoid.value_and_derivative(0.0f32), (0.5, 0.25));
}

#[test]
fn section_4_examples() {
    assert_eq!(softplus(1000.0f64, 1.0), 1000.0);
    let gelu_at_minus_ten = gelu(-10.0f64);
    assert!((gelu_at_minus_ten / -7.619853024160526e-23 - 1.0).abs() < 1e-14, "{gelu_at_minus_ten}");
    let elu_near_zero = elu(-1e-10f64, 1.0);
    assert!((elu_near_zero / -9.9999999995e-11 - 1.0).abs() < 1e-15, "{elu_near_zero}");
    let shrink = tanhshrink(1e-6f64);
    assert!((shrink / 3.333_333_333_332e-19 - 1.0).abs() < 1e-14, "{shrink}");
    assert_eq!(cross_entropy_logits(&[1e4, 0.0, -1e4], &[0.0, 1.0, 0.0]), 1e4);
    let mut out = [0.0; 3];
    softmax(&[1e4f64, 0.0, -1e4], &mut out);
    assert_eq!(out, [1.0, 0.0, 0.0]);
    assert_eq!(cross_entropy(&[0.0f64, 1.0], &[0.0, 1.0]), 0.0);
    assert_eq!(cross_entropy(&[0.0f64, 1.0], &[1.0, 0.0]), f64::INFINITY);
    assert_eq!(kl_div(&[0.0f64, 1.0], &[0.5, 0.5]), std::f64::consts::LN_2);
}

/// Every slice kernel at every level this machine has computes the bits of its kernel body in
/// the variant the level stands for (unfused for the portable level, fused for AVX2 and
/// AVX-512), which `tests/accuracy.rs` checks against the references; unfused, they are the plain
/// scalar functions.
fn slice_kernels_at_every_level<F: texgrad::Float>(x: &[F]) {
    let dy: Vec<F> = x.iter().map(|&x| F::from_f64((x.to_f64() * 1.3).sin())).collect();
    let same = |a: F, b: F| a == b || (a.to_f64().is_nan() && b.to_f64().is_nan());
    // The plain functions compute f32 as the portable kernels do (f64 with std's exponentials).
    let unfused_scalars = <Scalar as Arch>::LEVEL == Level::Portable && size_of::<F>() == 4;
    for level in Level::available() {
        let variant = Variant::of(level);
        for (name, activation) in texgrad_accuracy::activations::<F>() {
            let zero = F::zero();
            let (mut y, mut dx, mut y2, mut dydx) =
                (vec![zero; x.len()], vec![zero; x.len()], vec![zero; x.len()], vec![zero; x.len()]);
            with_level(level, || {
                activation.forward(x, &mut y);
                activation.backward(x, &dy, &mut dx);
                activation.forward_with_derivative(x, &mut y2, &mut dydx);
            })
            .unwrap();
            for i in 0..x.len() {
                let (value, derivative) = activation.kernel_value_and_derivative(x[i], variant);
                let at = format!("{name} on {level:?} at {:?}", x[i]);
                assert!(same(y[i], value) && same(y2[i], value), "{at}: forward");
                assert!(same(dydx[i], derivative), "{at}: forward_with_derivative");
                assert!(same(dx[i], derivative * dy[i]), "{at}: backward");
                if variant == Variant::Unfused && unfused_scalars {
                    assert!(same(value, activation.value(x[i])), "{at}: the scalar function");
                    assert!(same(derivative, activation.derivative(x[i])), "{at}: the scalar derivative");
                }
            }
        }
    }
}

#[test]
fn slice_kernels_compute_what_their_level_stands_for() {
    let x: Vec<f64> =
        (-400..400).map(|i| f64::from(i) * 0.0625).chain([-1000.0, -1e-300, 0.0, 1e-300, 1000.0]).collect();
    slice_kernels_at_every_level::<f64>(&x);
    let x32: Vec<f32> = x.iter().map(|&x| x as f32).chain([-1e-30, 1e-30, f32::MAX]).collect();
    slice_kernels_at_every_level::<f32>(&x32);
}

#[test]
fn backward_from_the_output_equals_the_scalar_form() {
    let x: Vec<f32> = (-40..40).map(|i| i as f32 * 0.3).collect();
    let dy: Vec<f32> = x.iter().map(|x| (x * 0.7).cos()).collect();
    let check = |activation: &dyn ActivationFromOutput<f32>, name: &str| {
        let mut y = vec![0.0; x.len()];
        activation.forward(&x, &mut y);
        for level in Level::available() {
            let mut dx = vec![0.0; x.len()];
            with_level(level, || activation.backward_from_output(&y, &dy, &mut dx)).unwrap();
            for i in 0..x.len() {
                let expected = activation.derivative_from_output(y[i]) * dy[i];
                assert!((dx[i] - expected).abs() <= 1e-6 * expected.abs(), "{name} on {level:?} at {}", x[i]);
            }
        }
    };
    check(&Sigmoid, "sigmoid");
    check(&Tanh, "tanh");
    check(&Elu::default(), "elu");
}
