//! One line per differentiation and simplification rule: the derivative of a formula with
//! respect to `x` (or the named input), printed as LaTeX.

use texgrad::symbolic::Expression;

#[track_caller]
fn check_diff(formula: &str, expected: &str) {
    check_diff_wrt(formula, "x", expected);
}

#[track_caller]
fn check_diff_wrt(formula: &str, wrt: &str, expected: &str) {
    let expression = Expression::parse(formula).unwrap_or_else(|error| panic!("{}", error.render(formula)));
    let derivative = expression.derivative(wrt).unwrap_or_else(|error| panic!("{}", error.render(formula)));
    assert_eq!(derivative.latex(), expected, "d/d{wrt} {formula}");
}

#[track_caller]
fn check_simplify(formula: &str, expected: &str) {
    let expression = Expression::parse(formula).unwrap_or_else(|error| panic!("{}", error.render(formula)));
    assert_eq!(expression.latex(), expected, "{formula}");
}

#[test]
fn arithmetic() {
    check_diff("x + 5", "1");
    check_diff("x + a^2", "1");
    check_diff("x", "1");
    check_diff("x + a", "1");
    check_diff("x - a", "1");
    check_diff("-x", "-1");
    check_diff("3x", "3");
    check_diff("a x", "a");
    check_diff("x \\cdot x", "2 x");
    check_diff(r"\frac{1}{x}", r"-\frac{1}{x^{2}}");
    check_diff(r"\frac{x}{a}", r"\frac{1}{a}");
    check_diff("x^2", "2 x");
    check_diff("x^3 + 2x", "3 x^{2} + 2");
    check_diff("x^{-2}", r"-\frac{2}{x^{3}}");
    check_diff("x^a", "a x^{a - 1}");
    check_diff("a^x", r"a^{x} \ln(a)");
    check_diff("x^x", r"x^{x} + x^{x} \ln(x)");
    check_diff(r"\sqrt{x}", r"\frac{1}{2 \sqrt{x}}");
    check_diff(r"\sqrt[3]{x}", r"\frac{1}{3 x^{\frac{2}{3}}}");
    check_diff("(2x + 1)^2", "8 x + 4");
}

#[test]
fn exponential_and_logarithm_family() {
    check_diff("e^x", "e^{x}");
    check_diff("e^{-x}", "-e^{-x}");
    check_diff(r"\exp(2x)", "2 e^{2 x}");
    check_diff(r"\ln x", r"\frac{1}{x}");
    check_diff(r"\log(x^2)", r"\frac{2}{x}");
    check_diff(r"\log_2 x", r"\frac{1}{\ln(2) x}");
    check_diff(r"\log_{10} x", r"\frac{1}{\ln(10) x}");
    check_diff(r"\ln(e^x)", "1");
}

#[test]
fn trigonometric_and_hyperbolic() {
    check_diff(r"\sin x", r"\cos(x)");
    check_diff(r"\cos x", r"-\sin(x)");
    check_diff(r"\tan x", r"\frac{1}{\cos^{2}(x)}");
    check_diff(r"\sinh x", r"\cosh(x)");
    check_diff(r"\cosh x", r"\sinh(x)");
    check_diff(r"\tanh x", r"\frac{1}{\cosh^{2}(x)}");
    check_diff(r"\arctan x", r"\frac{1}{x^{2} + 1}");
    check_diff(r"\arcsin x", r"\frac{1}{\sqrt{1 - x^{2}}}");
    check_diff(r"\arccos x", r"-\frac{1}{\sqrt{1 - x^{2}}}");
    check_diff(r"\sin^2 x", r"2 \sin(x) \cos(x)");
}

#[test]
fn special_functions() {
    check_diff(r"\operatorname{erf}(x)", r"\frac{2 e^{-x^{2}}}{\sqrt{\pi}}");
    check_diff(r"\operatorname{erfc}(x)", r"-\frac{2 e^{-x^{2}}}{\sqrt{\pi}}");
    check_diff(r"\Phi(x)", r"\frac{e^{-\frac{x^{2}}{2}}}{\sqrt{2 \pi}}");
    check_diff(r"\sigma(x)", r"\sigma(x) \sigma(-x)");
    check_diff(r"\operatorname{softplus}(x)", r"\sigma(x)");
    check_diff(r"\operatorname{sign}(x)", "0");
    check_diff("|x|", r"\operatorname{sign}(x)");
}

#[test]
fn piecewise() {
    check_diff(r"\max(0, x)", r"\begin{cases} 0, & x \le 0 \\ 1, & \text{otherwise} \end{cases}");
    check_diff(r"\max(x, 0)", r"\begin{cases} 1, & x \ge 0 \\ 0, & \text{otherwise} \end{cases}");
    check_diff(r"\min(x, 6)", r"\begin{cases} 1, & x \le 6 \\ 0, & \text{otherwise} \end{cases}");
    check_diff(
        r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
        r"\begin{cases} 1, & x \ge 0 \\ a, & \text{otherwise} \end{cases}",
    );
    check_diff(
        r"\begin{cases} 1, & -1 \le x \le 1 \\ x^2, & \text{otherwise} \end{cases}",
        r"\begin{cases} 0, & -1 \le x \le 1 \\ 2 x, & \text{otherwise} \end{cases}",
    );
}

#[test]
fn parameters() {
    check_diff_wrt(
        r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
        "a",
        r"\begin{cases} 0, & x \ge 0 \\ x, & \text{otherwise} \end{cases}",
    );
    check_diff_wrt(
        r"\frac{1}{\beta} \ln(1 + e^{\beta x})",
        "beta",
        r"\frac{x \sigma(\beta x)}{\beta} - \frac{\operatorname{softplus}(\beta x)}{\beta^{2}}",
    );
}

#[test]
fn sums_eliminate_kronecker_deltas() {
    check_diff_wrt(r"\frac{1}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2", "y_hat", r"\frac{2 \hat{y}_{k} - 2 y_{k}}{n}");
    // `xlogy`'s convention: 0 where the target and the prediction are both 0 (SPEC section 6).
    check_diff_wrt(
        r"-\sum_{i=1}^{n} y_i \log(\hat{y}_i)",
        "y_hat",
        r"-\begin{cases} 0, & y_{k} = 0 \text{ and } \hat{y}_{k} = 0 \\ \frac{y_{k}}{\hat{y}_{k}}, & \text{otherwise} \end{cases}",
    );
    check_diff_wrt(
        r"\sum_i p_i \log \frac{p_i}{q_i}",
        "q",
        r"\begin{cases} 0, & p_{k} = 0 \text{ and } q_{k} = 0 \\ -\frac{p_{k}}{q_{k}}, & \text{otherwise} \end{cases}",
    );
    check_diff_wrt(r"\sum_i x_i^2", "x", "2 x_{k}");
}

#[test]
fn structural_simplification() {
    check_simplify("x + x", "2 x");
    check_simplify("2x - 2x + 1", "1");
    check_simplify("x x^2", "x^{3}");
    check_simplify("e^x e^{-x}", "1");
    check_simplify("e^{a} e^{b}", "e^{a + b}");
    check_simplify(r"\frac{1}{2} + \frac{1}{3}", r"\frac{5}{6}");
    check_simplify("0.044715 x", "0.044715 x");
    check_simplify("0 x + 1 x", "x");
    check_simplify(r"x \operatorname{sign}(x)", "|x|");
    check_simplify("2(x + 1)", "2 x + 2");
    check_simplify(r"\ln(1)", "0");
    check_simplify(r"\sigma(0)", r"\frac{1}{2}");
    check_simplify(r"(x^2)^3", "x^{6}");
}

#[test]
fn common_denominator_cancels() {
    check_diff(r"\frac{x}{1+|x|}", r"\frac{1}{(|x| + 1)^{2}}");
}

#[test]
fn differentiating_with_respect_to_an_absent_name_is_refused() {
    let expression = Expression::parse(r"\tanh(a x)").unwrap();
    let error = expression.derivative("y").unwrap_err();
    assert_eq!(error.message, "`y` does not occur in the formula");
    assert_eq!(error.hint.as_deref(), Some("differentiate with respect to one of: a, x"));
}
