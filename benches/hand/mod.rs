//! The catalog written by hand the way a Rust user would without texgrad: the textbook formula
//! and its derivative over `std`'s functions (and `libm`'s `erf`, which `std` lacks on stable),
//! with the usual guard against overflow where the textbook form has one (softplus's threshold,
//! as PyTorch writes it). The baseline every bench compares against, in the same run.

#![allow(dead_code)]

use std::ops::{Add, Div, Mul, Neg, Sub};

/// `f32` or `f64` with the `std` functions the hand-written formulas call.
pub trait Std:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + texgrad::Float
{
    fn c(value: f64) -> Self;
    fn std_exp(self) -> Self;
    fn std_exp_m1(self) -> Self;
    fn std_ln(self) -> Self;
    fn std_ln_1p(self) -> Self;
    fn std_tanh(self) -> Self;
    fn std_erf(self) -> Self;
    fn std_abs(self) -> Self;
}

macro_rules! std_float {
    ($float:ty, $erf:path) => {
        impl Std for $float {
            #[inline]
            fn c(value: f64) -> Self {
                value as $float
            }
            #[inline]
            fn std_exp(self) -> Self {
                self.exp()
            }
            #[inline]
            fn std_exp_m1(self) -> Self {
                self.exp_m1()
            }
            #[inline]
            fn std_ln(self) -> Self {
                self.ln()
            }
            #[inline]
            fn std_ln_1p(self) -> Self {
                self.ln_1p()
            }
            #[inline]
            fn std_tanh(self) -> Self {
                self.tanh()
            }
            #[inline]
            fn std_erf(self) -> Self {
                $erf(self)
            }
            #[inline]
            fn std_abs(self) -> Self {
                self.abs()
            }
        }
    };
}

std_float!(f32, libm::erff);
std_float!(f64, libm::erf);

fn zero<F: Std>() -> F {
    F::c(0.0)
}

fn one<F: Std>() -> F {
    F::c(1.0)
}

fn sigmoid<F: Std>(x: F) -> F {
    one::<F>() / (one::<F>() + (-x).std_exp())
}

fn gelu<F: Std>(x: F) -> (F, F) {
    let phi = F::c(0.5) * (one::<F>() + (x * F::c(std::f64::consts::FRAC_1_SQRT_2)).std_erf());
    let pdf = (F::c(-0.5) * x * x).std_exp() * F::c(0.398_942_280_401_432_7);
    (x * phi, phi + x * pdf)
}

fn gelu_tanh<F: Std>(x: F) -> (F, F) {
    let k = F::c(0.797_884_560_802_865_4);
    let inner = k * (x + F::c(0.044715) * x * x * x);
    let t = inner.std_tanh();
    let half = F::c(0.5);
    let derivative =
        half * (one::<F>() + t) + half * x * (one::<F>() - t * t) * k * (one::<F>() + F::c(0.134145) * x * x);
    (half * x * (one::<F>() + t), derivative)
}

fn softplus<F: Std>(x: F) -> (F, F) {
    // PyTorch's threshold: above 20 the value is x.
    let value = if x > F::c(20.0) { x } else { x.std_exp().std_ln_1p() };
    (value, sigmoid(x))
}

fn mish<F: Std>(x: F) -> (F, F) {
    let t = x.std_exp().std_ln_1p().std_tanh();
    (x * t, t + x * sigmoid(x) * (one::<F>() - t * t))
}

fn elu<F: Std>(x: F, alpha: F) -> (F, F) {
    if x > zero() { (x, one()) } else { (alpha * x.std_exp_m1(), alpha * x.std_exp()) }
}

/// CELU as PyTorch documents it and the catalog writes it, `max(0, x) + min(0, α(e^{x/α} - 1))`:
/// the exponential at every input (the `elu` branch would be a different formula, equal only
/// for `α > 0`).
fn celu<F: Std>(x: F, alpha: F) -> (F, F) {
    let scaled = x / alpha;
    let negative = alpha * scaled.std_exp_m1();
    let (positive_part, positive_slope) = if x > zero() { (x, one::<F>()) } else { (zero(), zero()) };
    let (negative_part, negative_slope) =
        if negative < zero() { (negative, scaled.std_exp()) } else { (zero::<F>(), zero()) };
    (positive_part + negative_part, positive_slope + negative_slope)
}

fn piecewise_linear<F: Std>(x: F, low: F, high: F, slope: F, offset: F) -> (F, F) {
    if x <= low {
        (slope * low + offset, zero())
    } else if x >= high {
        (slope * high + offset, zero())
    } else {
        (slope * x + offset, slope)
    }
}

fn hardswish<F: Std>(x: F) -> (F, F) {
    if x <= F::c(-3.0) {
        (zero(), zero())
    } else if x >= F::c(3.0) {
        (x, one())
    } else {
        (x * (x + F::c(3.0)) / F::c(6.0), (F::c(2.0) * x + F::c(3.0)) / F::c(6.0))
    }
}

fn shrink<F: Std>(x: F, lambda: F, soft: bool) -> (F, F) {
    if x > lambda {
        (if soft { x - lambda } else { x }, one())
    } else if x < -lambda {
        (if soft { x + lambda } else { x }, one())
    } else {
        (zero(), zero())
    }
}

/// `(f(x), f'(x))` of the catalog's scalar activation `name`, by hand.
#[inline]
pub fn value_and_derivative<F: Std>(name: &str, x: F) -> (F, F) {
    let (zero, one) = (zero::<F>(), one::<F>());
    match name {
        "sigmoid" => {
            let s = sigmoid(x);
            (s, s * (one - s))
        }
        "tanh" => {
            let t = x.std_tanh();
            (t, one - t * t)
        }
        "softsign" => {
            let d = one + x.std_abs();
            (x / d, one / (d * d))
        }
        "relu" => {
            if x > zero {
                (x, one)
            } else {
                (zero, zero)
            }
        }
        "leaky_relu" => {
            if x >= zero {
                (x, one)
            } else {
                (F::c(0.01) * x, F::c(0.01))
            }
        }
        "prelu" => {
            if x >= zero {
                (x, one)
            } else {
                (F::c(0.25) * x, F::c(0.25))
            }
        }
        "elu" => elu(x, one),
        "gelu" => gelu(x),
        "gelu_tanh" => gelu_tanh(x),
        "silu" | "swish" => {
            let s = sigmoid(x);
            (x * s, s * (one + x * (one - s)))
        }
        "mish" => mish(x),
        "softplus" => softplus(x),
        "selu" => {
            let (lambda, alpha) = (F::c(1.050_700_987_355_480_5), F::c(1.673_263_242_354_377_2));
            if x > zero {
                (lambda * x, lambda)
            } else {
                (lambda * alpha * x.std_exp_m1(), lambda * alpha * x.std_exp())
            }
        }
        "celu" => celu(x, one),
        "relu6" => piecewise_linear(x, zero, F::c(6.0), one, zero),
        "hardtanh" => piecewise_linear(x, -one, one, one, zero),
        "hardsigmoid" => piecewise_linear(x, F::c(-3.0), F::c(3.0), F::c(1.0 / 6.0), F::c(0.5)),
        "hardswish" => hardswish(x),
        "log_sigmoid" => (-(-x).std_exp().std_ln_1p(), sigmoid(-x)),
        "tanhshrink" => {
            let t = x.std_tanh();
            (x - t, t * t)
        }
        "softshrink" => shrink(x, F::c(0.5), true),
        "hardshrink" => shrink(x, F::c(0.5), false),
        _ => (F::NAN, F::NAN),
    }
}

/// `y_i, dydx_i = f(x_i), f'(x_i)` by hand: the loop a user writes.
#[inline(never)]
pub fn forward_with_derivative<F: Std>(name: &str, x: &[F], y: &mut [F], dydx: &mut [F]) {
    macro_rules! each {
        ($name:literal) => {
            for ((y, dydx), &x) in y.iter_mut().zip(dydx.iter_mut()).zip(x) {
                (*y, *dydx) = value_and_derivative($name, x);
            }
        };
    }
    // One loop per function, so that the name is a constant in each.
    match name {
        "sigmoid" => each!("sigmoid"),
        "tanh" => each!("tanh"),
        "softsign" => each!("softsign"),
        "relu" => each!("relu"),
        "leaky_relu" => each!("leaky_relu"),
        "prelu" => each!("prelu"),
        "elu" => each!("elu"),
        "gelu" => each!("gelu"),
        "gelu_tanh" => each!("gelu_tanh"),
        "silu" => each!("silu"),
        "swish" => each!("swish"),
        "mish" => each!("mish"),
        "softplus" => each!("softplus"),
        "selu" => each!("selu"),
        "celu" => each!("celu"),
        "relu6" => each!("relu6"),
        "hardtanh" => each!("hardtanh"),
        "hardsigmoid" => each!("hardsigmoid"),
        "hardswish" => each!("hardswish"),
        "log_sigmoid" => each!("log_sigmoid"),
        "tanhshrink" => each!("tanhshrink"),
        "softshrink" => each!("softshrink"),
        "hardshrink" => each!("hardshrink"),
        _ => panic!("no hand-written {name}"),
    }
}

/// Softmax of one row, by hand: the maximum, the exponentials and their sum, one division each.
#[inline(never)]
pub fn softmax<F: Std>(z: &[F], out: &mut [F]) {
    let largest = z.iter().copied().fold(F::c(f64::NEG_INFINITY), |a, b| if b > a { b } else { a });
    let mut total = zero::<F>();
    for (out, &z) in out.iter_mut().zip(z) {
        *out = (z - largest).std_exp();
        total += *out;
    }
    for out in out.iter_mut() {
        *out = *out / total;
    }
}

/// The softmax's vector-Jacobian product from the logits, by hand: the softmax, then
/// `s_k (dy_k - Σ s_i dy_i)`.
#[inline(never)]
pub fn softmax_backward<F: Std>(z: &[F], dy: &[F], dz: &mut [F]) {
    softmax(z, dz);
    let mut dot = zero::<F>();
    for (&s, &dy) in dz.iter().zip(dy) {
        dot += s * dy;
    }
    for (dz, &dy) in dz.iter_mut().zip(dy) {
        *dz *= dy - dot;
    }
}

/// The softmax's vector-Jacobian product from its output, by hand.
#[inline(never)]
pub fn softmax_backward_from_output<F: Std>(s: &[F], dy: &[F], dz: &mut [F]) {
    let mut dot = zero::<F>();
    for (&s, &dy) in s.iter().zip(dy) {
        dot += s * dy;
    }
    for ((dz, &s), &dy) in dz.iter_mut().zip(s).zip(dy) {
        *dz = s * (dy - dot);
    }
}

/// A gate's forward and backward by hand: `(value, ∂/∂a, ∂/∂b)`.
#[inline]
pub fn gate<F: Std>(name: &str, a: F, b: F) -> (F, F, F) {
    match name {
        "swiglu" => {
            let s = sigmoid(a);
            let swish = a * s;
            (swish * b, b * s * (one::<F>() + a * (one::<F>() - s)), swish)
        }
        "glu" => {
            let s = sigmoid(b);
            (a * s, s, a * s * (one::<F>() - s))
        }
        "geglu" => {
            let (value, derivative) = gelu(a);
            (value * b, derivative * b, value)
        }
        "reglu" => {
            if a > zero() {
                (a * b, b, a)
            } else {
                (zero(), zero(), zero())
            }
        }
        _ => (F::NAN, F::NAN, F::NAN),
    }
}

/// `(loss, gradient with respect to the prediction)` of the catalog's two-vector losses, by
/// hand.
#[inline(never)]
pub fn loss<F: Std>(name: &str, prediction: &[F], target: &[F], gradient: &mut [F]) -> F {
    let n = F::c(prediction.len() as f64);
    let mut total = zero::<F>();
    let items = prediction.iter().zip(target).zip(gradient.iter_mut());
    match name {
        "mse" => {
            for ((&p, &t), g) in items {
                let d = p - t;
                total += d * d;
                *g = F::c(2.0) * d / n;
            }
            total / n
        }
        "l1" => {
            for ((&p, &t), g) in items {
                let d = p - t;
                total += d.std_abs();
                *g = if d > zero() {
                    one::<F>() / n
                } else if d < zero() {
                    -one::<F>() / n
                } else {
                    zero()
                };
            }
            total / n
        }
        "bce" => {
            for ((&p, &t), g) in items {
                total -= t * p.std_ln() + (one::<F>() - t) * (one::<F>() - p).std_ln();
                *g = (p - t) / (p * (one::<F>() - p)) / n;
            }
            total / n
        }
        "bce_logits" => {
            for ((&z, &t), g) in items {
                // max(z, 0) - z t + ln(1 + e^{-|z|}), the usual stable form.
                let positive = if z > zero() { z } else { zero() };
                total += positive - z * t + (-z.std_abs()).std_exp().std_ln_1p();
                *g = (sigmoid(z) - t) / n;
            }
            total / n
        }
        "huber" => {
            for ((&p, &t), g) in items {
                let d = p - t;
                if d.std_abs() <= one() {
                    total += F::c(0.5) * d * d;
                    *g = d / n;
                } else {
                    total += d.std_abs() - F::c(0.5);
                    *g = (if d > zero() { one::<F>() } else { -one::<F>() }) / n;
                }
            }
            total / n
        }
        "cross_entropy" => {
            for ((&p, &t), g) in items {
                total -= t * p.std_ln();
                *g = -t / p;
            }
            total
        }
        _ => F::NAN,
    }
}
