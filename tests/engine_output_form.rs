//! Derivatives written through the output: where offered, `g(f(x))` equals `f'(x)`.

use texgrad::symbolic::{Bindings, Expression};

#[track_caller]
fn check(formula: &str, expected: Option<&str>, parameters: Bindings) {
    let function = Expression::parse(formula).unwrap();
    let from_output = function.derivative_from_output("x", "y");
    assert_eq!(from_output.as_ref().map(Expression::latex).as_deref(), expected, "{formula}");
    let Some(from_output) = from_output else { return };
    let derivative = function.derivative("x").unwrap();
    for x in [-3.0, -0.4, 0.25, 2.0] {
        let at_x = parameters.clone().scalar("x", x);
        let y = function.evaluate(&at_x).unwrap();
        let expected = derivative.evaluate(&at_x).unwrap();
        let got = from_output.evaluate(&at_x.clone().scalar("y", y)).unwrap();
        assert!((got - expected).abs() <= 1e-12 * expected.abs().max(1.0), "{formula} at {x}: {got} vs {expected}");
    }
}

#[test]
fn known_output_forms_agree_with_the_derivative() {
    let none = Bindings::default();
    check(r"\frac{1}{1+e^{-x}}", Some(r"y (1 - y)"), none.clone());
    check(r"\tanh x", Some(r"1 - y^{2}"), none.clone());
    check(r"e^x", Some("y"), none.clone());
    check(r"\max(0, x)", Some(r"\begin{cases} 0, & y \le 0 \\ 1, & \text{otherwise} \end{cases}"), none.clone());
    check(
        r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}",
        Some(r"\begin{cases} 1, & y \ge 0 \\ \alpha + y, & \text{otherwise} \end{cases}"),
        Bindings::default().scalar("alpha", 1.0),
    );
    check(
        r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
        Some(r"\begin{cases} 1, & y \ge 0 \\ a, & \text{otherwise} \end{cases}"),
        Bindings::default().scalar("a", 0.01),
    );
}

#[test]
fn no_output_form_is_invented() {
    check(r"x \Phi(x)", None, Bindings::default());
    check(r"\frac{x}{1 + |x|}", None, Bindings::default());
    check(r"x \sigma(x)", None, Bindings::default());
}
