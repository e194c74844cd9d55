#![deny(warnings, clippy::all)]
//! `define_activation!` in a user-like crate: the examples of SPEC section 3 and definitions not
//! in the catalog, checked against the engine's evaluation (itself checked against dual numbers
//! and 50-digit references elsewhere) in f64 and f32, with the slice kernels.

mod common;

use common::close;
use texgrad::symbolic::{Bindings, Expression};
use texgrad::{Activation, ActivationFromOutput, Gate, define_activation};

define_activation! {
    /// Logistic sigmoid.
    pub fn sigmoid(x) = r"\frac{1}{1+e^{-x}}";

    /// Leaky ReLU; `a` is the slope for negative inputs.
    pub fn leaky_relu(x; a = 0.01) = r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}";

    /// A claimed derivative is checked at compile time.
    pub fn tanh_act(x) = r"\tanh x", derivative = r"1 - f(x)^2";

    /// Two inputs: the SwiGLU gate, swish(a) times b.
    pub fn swiglu(a, b) = r"a \sigma(a) b";

    /// Not in the catalog: a parametrised piecewise function.
    pub fn bent(x; knee = 1.5, slope = -0.25) = r"\begin{cases} x^2, & |x| \le \text{knee} \\ \text{slope} (x - \text{knee}) + \text{knee}^2, & \text{otherwise} \end{cases}";

    /// Constants beyond f32's range: infinite in f32, exact in f64.
    pub fn huge(x; big = 1e300) = r"10^{100} x + \text{big}";

    /// A linear piece that meets its plateaus (emitted as the piece of the clamped input).
    pub fn hard_sigmoid(x) = r"\begin{cases} 0, & x \le -3 \\ 1, & x \ge 3 \\ \frac{x}{6} + \frac{1}{2}, & \text{otherwise} \end{cases}";

    /// A linear piece that jumps to its plateaus: `x/7 + 1/2` is not 0 at -3 nor 1 at 3.
    pub fn jumping(x) = r"\begin{cases} 0, & x < -3 \\ 1, & x > 3 \\ \frac{x}{7} + \frac{1}{2}, & \text{otherwise} \end{cases}";

    /// ReLU6 as written, and with the cap second (emitted as a comparison beside a minimum).
    pub fn capped(x) = r"\min(6, \max(0, x))";
    pub fn capped_flipped(x) = r"\min(\max(0, x), 6)";

    /// Not in the catalog: a composition calling an earlier definition.
    pub fn gated_tanh(x) = r"\operatorname{tanh\_act}(x) \operatorname{sigmoid}(2x)";
}

fn engine(formula: &str) -> Expression {
    Expression::parse(formula).unwrap()
}

#[test]
fn scalar_functions_match_the_engine_in_f64_and_f32() {
    let sigmoid_engine = engine(r"\frac{1}{1+e^{-x}}");
    let derivative = sigmoid_engine.derivative("x").unwrap();
    let second = derivative.derivative("x").unwrap();
    for x in [-1000.0, -30.0, -2.5, -1e-10, 0.0, 0.7, 30.0, 1000.0] {
        let at = Bindings::default().scalar("x", x);
        close(sigmoid(x), sigmoid_engine.evaluate(&at).unwrap(), 1e-15, "sigmoid");
        close(sigmoid_derivative(x), derivative.evaluate(&at).unwrap(), 1e-15, "sigmoid'");
        close(sigmoid_second_derivative(x), second.evaluate(&at).unwrap(), 1e-14, "sigmoid''");
        close(f64::from(sigmoid(x as f32)), sigmoid_engine.evaluate(&at).unwrap(), 1e-6, "sigmoid f32");
        assert!(sigmoid_derivative(x).is_finite());
    }
    assert_eq!(sigmoid_derivative(-1000.0f64), 0.0);
    assert_eq!(sigmoid_derivative_wrt_x(0.0f64), 0.25);
    // The LaTeX belongs to the definition (SPEC section 3): `Sigmoid::INFO`.
    let derivative =
        Sigmoid::INFO.derivatives.iter().find(|(label, _)| *label == "derivative").map(|(_, latex)| *latex);
    assert!(derivative.is_some_and(|latex| latex.contains(r"\sigma(x) \sigma(-x)")), "{derivative:?}");
    assert_eq!(Sigmoid::INFO.latex, r"\sigma(x)");
}

#[test]
fn parameters_have_defaults_and_gradients() {
    let leaky = LeakyRelu::<f64>::default();
    assert_eq!(leaky.a, 0.01);
    assert_eq!(leaky.value(-2.0), -0.02);
    assert_eq!(leaky.derivative(-2.0), 0.01);
    assert_eq!(leaky.derivative(3.0), 1.0);
    assert_eq!(leaky_relu_derivative_wrt_a(-2.0, 0.5), -2.0);
    assert_eq!(leaky_relu_derivative_wrt_a(2.0, 0.5), 0.0);
    let mut gradient = [0.0];
    leaky.derivative_wrt_parameters(-3.0, &mut gradient);
    assert_eq!(gradient, [-3.0]);
    assert_eq!(leaky.parameter_names(), &["a"]);
    assert_eq!(LeakyRelu::<f32>::default().a, 0.01f32);
}

#[test]
fn slice_kernels_equal_the_scalar_functions() {
    let x: Vec<f64> = (-50..50).map(|i| f64::from(i) * 0.37).collect();
    let dy: Vec<f64> = x.iter().map(|x| x.sin()).collect();
    let (mut y, mut dx, mut dydx) = (vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len()]);
    let leaky = LeakyRelu { a: 0.2 };
    leaky.forward(&x, &mut y);
    leaky.backward(&x, &dy, &mut dx);
    for i in 0..x.len() {
        assert_eq!(y[i], leaky_relu(x[i], 0.2));
        assert_eq!(dx[i], leaky_relu_derivative(x[i], 0.2) * dy[i]);
    }
    leaky.forward_with_derivative(&x, &mut y, &mut dydx);
    for i in 0..x.len() {
        assert_eq!((y[i], dydx[i]), (leaky_relu(x[i], 0.2), leaky_relu_derivative(x[i], 0.2)));
    }
    // The backward pass from the output gives the same gradient where it exists.
    let mut from_output = vec![0.0; x.len()];
    leaky.forward(&x, &mut y);
    leaky.backward_from_output(&y, &dy, &mut from_output);
    assert_eq!(from_output, dx);
    let mut sigmoid_y = vec![0.0; x.len()];
    Sigmoid.forward(&x, &mut sigmoid_y);
    Sigmoid.backward(&x, &dy, &mut dx);
    Sigmoid.backward_from_output(&sigmoid_y, &dy, &mut from_output);
    for i in 0..x.len() {
        // y(1 - y) cancels as the sigmoid saturates (documented): compare away from it, and
        // check that the cancellation-free backward keeps digits there.
        if sigmoid_y[i] > 0.01 && sigmoid_y[i] < 0.99 {
            close(from_output[i], dx[i], 1e-12, "sigmoid backward from the output");
        }
    }
}

#[test]
fn claims_gates_compositions_and_piecewise_definitions() {
    for x in [-3.0, -0.5, 0.0, 0.5, 3.0] {
        let t: f64 = x;
        close(tanh_act(x), t.tanh(), 1e-15, "tanh");
        close(tanh_act_derivative(x), 1.0 / t.cosh().powi(2), 1e-15, "tanh'");
        let expected = t.tanh() / (1.0 + (-2.0 * t).exp());
        close(gated_tanh(x), expected, 1e-15, "gated_tanh");
        let gated = engine(r"\tanh(x) \sigma(2x)").derivative("x").unwrap();
        close(
            gated_tanh_derivative(x),
            gated.evaluate(&Bindings::default().scalar("x", x)).unwrap(),
            1e-14,
            "gated_tanh'",
        );
    }
    let (a, b) = (1.3f64, -0.7);
    let swish = a / (1.0 + (-a).exp());
    close(swiglu(a, b), swish * b, 1e-15, "swiglu");
    close(swiglu_derivative_wrt_b(a, b), swish, 1e-15, "swiglu d/db");
    close(Swiglu.value(a, b), swish * b, 1e-15, "Swiglu.value");
    let sig = 1.0 / (1.0 + (-a).exp());
    close(swiglu_derivative_wrt_a(a, b), b * (sig + a * sig * (1.0 - sig)), 1e-14, "swiglu d/da");
    assert_eq!(Swiglu.derivatives(a, b), (swiglu_derivative_wrt_a(a, b), swiglu_derivative_wrt_b(a, b)));
    // The gate's slice kernels against its scalar functions.
    let inputs_a: Vec<f64> = (-20..20).map(|i| f64::from(i) * 0.61).collect();
    let inputs_b: Vec<f64> = inputs_a.iter().map(|a| (a * 1.7).cos()).collect();
    let dy: Vec<f64> = inputs_a.iter().map(|a| a.sin()).collect();
    let length = inputs_a.len();
    let (mut out, mut da, mut db) = (vec![0.0; length], vec![0.0; length], vec![0.0; length]);
    Swiglu.forward(&inputs_a, &inputs_b, &mut out);
    Swiglu.backward(&inputs_a, &inputs_b, &dy, &mut da, &mut db);
    for i in 0..length {
        let (a, b) = (inputs_a[i], inputs_b[i]);
        close(out[i], swiglu(a, b), 1e-15, "Swiglu forward");
        close(da[i], swiglu_derivative_wrt_a(a, b) * dy[i], 1e-15, "Swiglu backward a");
        close(db[i], swiglu_derivative_wrt_b(a, b) * dy[i], 1e-15, "Swiglu backward b");
    }

    let bent_default = Bent::<f64>::default();
    assert_eq!((bent_default.knee, bent_default.slope), (1.5, -0.25));
    close(bent(1.0, 1.5, -0.25), 1.0, 0.0, "bent inside");
    close(bent(3.0, 1.5, -0.25), -0.25 * 1.5 + 2.25, 1e-15, "bent outside");
    close(bent_derivative(3.0, 1.5, -0.25), -0.25, 0.0, "bent' outside");
    close(bent_derivative_wrt_knee(3.0, 1.5, -0.25), 0.25 + 3.0, 1e-15, "bent d/dknee");
    close(f64::from(bent(3.0f32, 1.5, -0.25)), 1.875, 1e-7, "bent f32");
}

/// Piecewise-linear definitions as written, in plain `if`s, at the type's own literals.
fn piecewise<F: texgrad::Float>(x: F, (low, high): (f64, f64), slope: f64, strict: bool) -> F {
    let (low, high) = (F::literal(low as f32, low), F::literal(high as f32, high));
    let (below, above) = if strict { (x < low, x > high) } else { (x <= low, x >= high) };
    if below {
        F::zero()
    } else if above {
        F::one()
    } else {
        F::literal(slope as f32, slope) * x + F::literal(0.5, 0.5)
    }
}

/// The emitter computes a linear piece between plateaus it meets exactly on the clamped input
/// (a minimum and a maximum instead of two selects): the values must be the written cases' bit
/// for bit, at the bounds, beyond them, at infinities and NaN, in both types and in the slice
/// kernels; and a piece that does not meet its plateaus must keep them.
#[test]
fn piecewise_linear_definitions_keep_their_values_bit_for_bit() {
    fn check<F: texgrad::Float + std::fmt::Debug>(steps: impl Iterator<Item = F>) {
        let inputs: Vec<F> = steps.collect();
        let (mut values, mut derivatives) = (vec![F::zero(); inputs.len()], vec![F::zero(); inputs.len()]);
        HardSigmoid.forward_with_derivative(&inputs, &mut values, &mut derivatives);
        for (&x, &value) in inputs.iter().zip(&values) {
            let expected = piecewise(x, (-3.0, 3.0), 1.0 / 6.0, false);
            let same = |value: F| value.to_f64().to_bits() == expected.to_f64().to_bits();
            assert!(
                same(hard_sigmoid(x)) || (x.is_nan() && hard_sigmoid(x).is_nan()),
                "hard_sigmoid({x:?}) = {:?}, written {expected:?}",
                hard_sigmoid(x)
            );
            assert!(same(value) || (x.is_nan() && value.is_nan()), "slice kernel at {x:?}: {value:?}");
            let expected = piecewise(x, (-3.0, 3.0), 1.0 / 7.0, true);
            assert!(
                jumping(x) == expected || (x.is_nan() && jumping(x).is_nan()),
                "jumping({x:?}) = {:?}, written {expected:?}",
                jumping(x)
            );
        }
    }
    let special = [f64::NEG_INFINITY, -3.0, 3.0, -0.0, 0.0, f64::INFINITY, f64::NAN, 1e-300, -1e300];
    let grid = (-4000..=4000).map(|i| f64::from(i) * 1e-3);
    check(grid.clone().chain(special).map(|x| x as f32).chain([-3.0f32.next_up(), 3.0f32.next_down()]));
    check(grid.chain(special).chain([-3.0f64.next_up(), 3.0f64.next_down()]));
    assert_eq!(jumping(-3.5f64), 0.0);
    assert_eq!(jumping(3.5f64), 1.0);
}

/// `min(6, max(0, x))` and `min(max(0, x), 6)` are emitted as a comparison of `x` beside a
/// minimum: their values must be the written minimum's and maximum's (`Float::minimum` and
/// `maximum`, the first operand at a tie) bit for bit, NaN and -0 included, in the scalar
/// functions and the slice kernels.
#[test]
fn capped_maxima_keep_their_values_bit_for_bit() {
    fn check<F: texgrad::Float + std::fmt::Debug>(inputs: Vec<F>) {
        let (mut values, mut derivatives) = (vec![F::zero(); inputs.len()], vec![F::zero(); inputs.len()]);
        Capped.forward_with_derivative(&inputs, &mut values, &mut derivatives);
        let six = F::literal(6.0, 6.0);
        for (&x, &kernel) in inputs.iter().zip(&values) {
            let floor = F::maximum(F::zero(), x);
            let written = [F::minimum(six, floor), F::minimum(floor, six)];
            let bits = |value: F| value.to_f64().to_bits();
            for (got, want) in [(capped(x), written[0]), (kernel, written[0]), (capped_flipped(x), written[1])] {
                assert!(
                    bits(got) == bits(want) || (got.is_nan() && want.is_nan()),
                    "at {x:?}: {got:?}, written {want:?}"
                );
            }
        }
    }
    let special = [f64::NEG_INFINITY, -0.0, 0.0, 6.0, f64::INFINITY, f64::NAN, 1e-300, -1e-300, 5.999999];
    let grid: Vec<f64> = (-800..=800).map(|i| f64::from(i) * 1e-2).chain(special).collect();
    check(grid.iter().map(|&x| x as f32).collect::<Vec<f32>>());
    check(grid);
    assert_eq!(capped_flipped(f64::NAN), 6.0, "the written order's NaN: `max(0, NaN)` is NaN, `min(NaN, 6)` is 6");
}

#[test]
fn constants_beyond_f32_are_infinite_there_and_exact_in_f64() {
    assert_eq!(huge(1.0f64, 1e300), 1e100 + 1e300);
    assert_eq!(huge_derivative(1.0f64, 1e300), 1e100);
    assert_eq!(Huge::<f32>::default().big, f32::INFINITY);
    assert_eq!(huge_derivative(1.0f32, 0.0), f32::INFINITY);
}
