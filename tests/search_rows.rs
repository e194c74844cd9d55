//! The rows of the search issue's table that texgrad now computes right, in `f64`, through the
//! engine's evaluator (what `texgrad eval` prints): each a formula where the form as written
//! returns a wrong number (0, NaN, ±∞, or digits lost to cancellation) and the search finds one
//! that does not. The true values are from mpmath at 50 digits (the corpus script) or closed
//! forms (`-x/3` for the derivative of `\frac{\sin x}{x}` near 0).

use texgrad::symbolic::{Bindings, Expression};

/// `(formula, differentiate, x, true value)`.
const ROWS: &[(&str, bool, f64, f64)] = &[
    (r"\frac{\sin x}{x}", true, 1e-9, -3.333_333_333_333_333e-10),
    (r"\frac{\sin x}{x}", true, 1e-160, -3.333_333_333_333_333e-161),
    (r"\frac{\sin x}{x}", true, 1e-200, -3.333_333_333_333_333e-201),
    (r"\frac{1-\cos x}{x^2}", true, 1e-7, -8.333_333_333_333_333e-9),
    (r"\frac{1-\cos x}{x^2}", true, 1e-160, -8.333_333_333_333_333e-162),
    (r"(1+\frac{1}{x})^x", false, 1e20, std::f64::consts::E),
    (r"(1+\frac{1}{x})^x", false, -1e20, std::f64::consts::E),
    (r"1 - \Phi(x)", false, 10.0, 7.619_853_024_160_527e-24),
    (r"\ln(x+\sqrt{x^2+1})", false, 1e-20, 1e-20),
    (r"\sqrt{1+x}-1", false, 1e-17, 5e-18),
    (r"\frac{e^x-e^{-x}}{2}", false, 1e-10, 1e-10),
    (r"\sqrt{x^2}", false, -1e200, 1e200),
    (r"\sqrt{x^2}", true, -1e200, -1.0),
    (r"\ln(x^2)", false, 1e-200, -921.034_037_197_618_3),
    (r"\ln(1+x^2)", false, 1e200, 921.034_037_197_618_3),
    (r"\log_2(1+2^x)", false, 2000.0, 2000.0),
    (r"\frac{1}{x}-\frac{1}{\tanh x}", false, 1e-5, -3.333_333_333_311_111e-6),
    (r"\frac{x}{e^x-1}", true, 1e-8, -0.499_999_998_333_333_3),
    (r"x\Phi(x)", true, 1e160, 1.0),
    (r"x\,\mathrm{erf}(\ln(1+e^x))", true, f64::MAX, 1.0),
];

#[test]
fn the_rows_the_search_fixes_are_right_to_1e_9() {
    let mut wrong = Vec::new();
    for &(formula, differentiate, x, truth) in ROWS {
        let expression = Expression::parse(formula).expect("parses");
        let mut expression =
            if differentiate { expression.derivative("x").expect("differentiates") } else { expression };
        let bindings = Bindings::default().scalar("x", x);
        expression.choose_form("x", &Bindings::default());
        let value = expression.evaluate(&bindings).expect("evaluates");
        let relative = ((value - truth) / truth).abs();
        // A NaN is wrong too.
        if relative.is_nan() || relative > 1e-9 {
            wrong.push(format!(
                "{formula}{} at {x:e}: {value:e}, truth {truth:e}",
                if differentiate { " (d/dx)" } else { "" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
