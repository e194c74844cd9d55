//! Claimed derivatives and chains of equal forms: the notes' wrong claims are refused with a
//! point and both values, the true ones accepted.

use texgrad::symbolic::{Bindings, Expression, check};

fn claim(function: &str, derivative: &str, parameters: &Bindings) -> Result<(), String> {
    let expression = Expression::parse(function).map_err(|error| error.render(function))?;
    check::check_derivative_claim(&expression, "x", derivative, parameters).map_err(|error| error.render(derivative))
}

#[test]
fn the_notes_wrong_claims_are_refused() {
    let none = Bindings::default();
    let sigmoid = claim(r"\frac{1}{1+e^{-x}}", r"f(x) - (1-f(x))", &none).unwrap_err();
    assert!(sigmoid.starts_with("the claimed derivative is wrong: at x = "), "{sigmoid}");
    assert!(sigmoid.contains("help: the derivative is"), "{sigmoid}");
    let softsign = claim(r"\frac{x}{1 + |x|}", r"\frac{1}{(1+x)^2}", &none).unwrap_err();
    assert!(softsign.contains("the claim gives"), "{softsign}");
    let relu = claim(r"\max(0, x)", r"\max(0,1)", &none).unwrap_err();
    assert!(relu.contains("at x = -"), "ReLU's claim fails on the negative side: {relu}");
}

#[test]
fn true_claims_are_accepted() {
    let none = Bindings::default();
    claim(r"\frac{1}{1+e^{-x}}", r"f(x)(1-f(x))", &none).unwrap();
    claim(r"\frac{1}{1+e^{-x}}", r"f (1 - f)", &none).unwrap();
    claim(r"\tanh x", r"1 - f(x)^2", &none).unwrap();
    claim(r"\frac{e^x-e^{-x}}{e^x+e^{-x}}", r"1 - f(x)^2", &none).unwrap();
    claim(r"\frac{x}{1 + |x|}", r"\frac{1}{(1+|x|)^2}", &none).unwrap();
    let slope = Bindings::default().scalar("a", 0.01);
    claim(
        r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
        r"\begin{cases} 1, & x \ge 0 \\ a, & x < 0 \end{cases}",
        &slope,
    )
    .unwrap();
    let alpha = Bindings::default().scalar("alpha", 1.0);
    claim(
        r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}",
        r"\begin{cases} 1, & x \ge 0 \\ f(x) + \alpha, & x < 0 \end{cases}",
        &alpha,
    )
    .unwrap();
}

#[test]
fn claims_are_compared_where_the_derivative_exists() {
    // At a kink the derivative does not exist and any one-sided value is a fair convention, so a
    // claim is compared on both sides of every kink, not on it: both of these are accepted.
    let none = Bindings::default();
    claim(r"\max(0, x)", r"\begin{cases} 0, & x < 0 \\ 1, & x \ge 0 \end{cases}", &none).unwrap();
    claim(r"\max(0, x)", r"\begin{cases} 0, & x \le 0 \\ 1, & x > 0 \end{cases}", &none).unwrap();
}

#[test]
fn chains_must_hold() {
    Expression::parse(r"\mathrm{GELU}(x) = x \cdot \Phi(x) = x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right]")
        .unwrap();
    Expression::parse(r"f(x) = \frac{e^x-e^{-x}}{e^x+e^{-x}} = \tanh x").unwrap();
    let formula = r"f(x) = x \Phi(x) = \frac{x}{2} \left( 1 + \tanh \left( \sqrt{\frac{2}{\pi}} \left( x + 0.044715 x^{3} \right) \right) \right)";
    let error = Expression::parse(formula).unwrap_err();
    assert!(error.message.starts_with("this form is not equal to the last one: at x = "), "{}", error.message);
    assert_eq!(error.span.map(|span| &formula[span.start..span.end]), Some(r"x \Phi(x)"));
}
