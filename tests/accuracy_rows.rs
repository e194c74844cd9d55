//! Formulas a new user tries that are not in the catalog (issue 9's table), through the macros
//! in a user's crate: each gives the true value (references from mpmath at 50 digits, quoted
//! beside each) or, for the catalog's losses, the gradient SPEC section 6 asks for.

use texgrad::activations;
use texgrad::losses;

texgrad::define_activation! {
    /// Terms over one denominator: `1 - \cos x` is `2 \sin^2(x/2)`.
    fn cosine_bump(x) = r"x + \frac{1 - \cos x}{4}";
    fn cosh_bump(x) = r"\frac{\cosh x - 1}{2} + x";
    /// A difference of square roots: the conjugate form.
    fn root_gap(x) = r"\sqrt{x+1} - \sqrt{x}";
    /// Its derivative has terms over powers of `1 + x^4`, combined.
    fn squashed_square(x) = r"\frac{x^2}{\sqrt{1+x^4}}";
    /// A logarithm of a sum of exponentials.
    fn two_scales(x) = r"\log(e^{x} + e^{2x})";
    /// Catalog functions called by name.
    fn hard_gated(x) = r"x \cdot \operatorname{hardsigmoid}(x)";
    fn gelu_gate(a, b) = r"\text{GELU}(a) \, b";
}

texgrad::define_loss! {
    fn my_cross_entropy(y_hat, y) = r"-\sum_i y_i \log \hat{y}_i";
}

/// Within `ulps` units in the last place of `expected`.
fn close(got: f64, expected: f64, ulps: f64) -> bool {
    (got - expected).abs() <= ulps * (expected.abs().next_up() - expected.abs())
}

#[test]
fn merged_terms_keep_their_digits() {
    // -1e-12 + (1 - cos 1e-12)/4 = -1e-12 + 1.25e-25; (cosh 1e-12 - 1)/2 = 2.5e-25.
    assert!(close(cosine_bump(-1e-12), -9.99999999999875e-13, 1.0), "{}", cosine_bump(-1e-12));
    assert!(close(cosh_bump(-1e-12), -9.9999999999975e-13, 1.0), "{}", cosh_bump(-1e-12));
    assert!(close(f64::from(cosine_bump(-1e-6f32)), -9.99999875e-7, 1e-7 / 1e-16), "{}", cosine_bump(-1e-6f32));
}

#[test]
fn differences_of_square_roots_keep_their_digits() {
    // 4.99999998750000006249999960937500e-5 (mpmath).
    assert!(close(root_gap(1e8), 4.999_999_987_5e-5, 2.0), "{}", root_gap(1e8));
    assert!(close(root_gap(1e30), 5e-16, 2.0), "{}", root_gap(1e30));
}

#[test]
fn terms_over_powers_of_one_base_are_combined() {
    // 2x / (1 + x^4)^{3/2}: 1.999999999997e-15 at 1000 (to 13 digits), 2e-40 at 1e8.
    assert!(
        close(squashed_square_derivative(1000.0), 1.999_999_999_997e-15, 4.0),
        "{}",
        squashed_square_derivative(1000.0)
    );
    assert!(close(squashed_square_derivative(1e8), 2e-40, 2.0), "{}", squashed_square_derivative(1e8));
}

#[test]
fn logarithms_of_sums_of_exponentials_do_not_overflow() {
    assert_eq!(two_scales(800.0), 1600.0);
    assert_eq!(two_scales(-800.0), -800.0);
    // d/dx = (e^x + 2 e^{2x}) / (e^x + e^{2x}) = 2 at 800.
    assert_eq!(two_scales_derivative(800.0), 2.0);
    assert_eq!(two_scales(800.0f32), 1600.0);
}

#[test]
fn zero_log_zero_has_zero_gradient() {
    let (y_hat, y) = ([0.0, 1.0], [0.0, 1.0]);
    let mut gradient = [f64::NAN; 2];
    losses::cross_entropy_derivative_wrt_y_hat(&y_hat, &y, &mut gradient);
    assert_eq!(gradient, [0.0, -1.0]);
    my_cross_entropy_derivative_wrt_y_hat(&y_hat, &y, &mut gradient);
    assert_eq!(gradient, [0.0, -1.0]);
    let (p, q) = ([0.0, 1.0], [0.0, 1.0]);
    losses::kl_div_derivative_wrt_p(&p, &q, &mut gradient);
    assert_eq!(gradient, [0.0, 1.0]);
    losses::kl_div_derivative_wrt_q(&p, &q, &mut gradient);
    assert_eq!(gradient, [0.0, -1.0]);
    // Binary cross-entropy at y = ŷ = 0: the `y ln ŷ` term is 0 by convention, with slope 0; the
    // other term's slope is -(1/n)(-1/(1 - 0)) = 1/n. At y = ŷ = 1 the roles swap: -1/n.
    for (at, expected) in [(0.0, 0.5), (1.0, -0.5)] {
        losses::bce_derivative_wrt_y_hat(&[at, 0.5], &[at, 1.0], &mut gradient);
        assert_eq!(gradient, [expected, -1.0], "at {at}");
        let mut single = [f32::NAN; 2];
        losses::bce_derivative_wrt_y_hat(&[at as f32, 0.5], &[at as f32, 1.0], &mut single);
        assert_eq!(single, [expected as f32, -1.0], "at {at} in f32");
    }
    // Where only the target is 0 the derivative is the formula's own: -ln(0.25) with respect to y.
    losses::cross_entropy_derivative_wrt_y(&[0.25, 1.0], &[0.0, 1.0], &mut gradient);
    assert_eq!(gradient, [-(0.25f64.ln()), -0.0]);
    // A probability of 0 where the target is positive is infinite, as the mathematics says.
    losses::cross_entropy_derivative_wrt_y_hat(&[0.0, 1.0], &[1.0, 0.0], &mut gradient);
    assert_eq!(gradient[0], f64::NEG_INFINITY);
}

#[test]
fn catalog_functions_are_callable_by_name() {
    for x in [-4.0, -3.0, -1.5, 0.0, 0.7, 3.0, 5.0] {
        assert_eq!(hard_gated(x), x * activations::hardsigmoid(x), "at {x}");
    }
    for (a, b) in [(-2.0, 0.5), (0.3, -1.0), (4.0, 2.0)] {
        assert_eq!(gelu_gate(a, b), activations::geglu(a, b), "at {a}, {b}");
        assert_eq!(gelu_gate_derivative_wrt_a(a, b), activations::geglu_derivative_wrt_a(a, b));
    }
}

#[test]
fn selu_has_no_parameters() {
    // PyTorch's constants: scale 1.0507009873554805, alpha 1.6732632423543772.
    assert_eq!(activations::selu(1.0), 1.0507009873554805);
    assert!(close(activations::selu(-1.0), 1.0507009873554805 * 1.6732632423543772 * (-1f64).exp_m1(), 2.0));
}
