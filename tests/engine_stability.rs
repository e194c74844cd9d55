//! Every stable rewrite with an input where the textbook form fails (NaN, infinity or lost
//! digits) and the stabilised form does not. The expected values are known in closed form.

use texgrad::symbolic::{Bindings, Expression};

struct Case {
    rule: &'static str,
    formula: &'static str,
    /// Differentiate with respect to this name first, if given.
    derivative: Option<&'static str>,
    bindings: fn() -> Bindings,
    expected: f64,
}

fn at(x: f64) -> Bindings {
    Bindings::default().scalar("x", x)
}

const CASES: &[Case] = &[
    Case {
        rule: "sigmoid-quotient",
        formula: r"\frac{1}{1+e^{-x}}",
        derivative: Some("x"),
        bindings: || at(-1000.0),
        expected: 0.0,
    },
    Case {
        rule: "sigmoid-times-exp",
        formula: r"\frac{e^x}{1+e^x}",
        derivative: None,
        bindings: || at(1000.0),
        expected: 1.0,
    },
    Case {
        rule: "tanh-quotient",
        formula: r"\frac{e^x-e^{-x}}{e^x+e^{-x}}",
        derivative: None,
        bindings: || at(1000.0),
        expected: 1.0,
    },
    Case { rule: "softplus", formula: r"\ln(1 + e^x)", derivative: None, bindings: || at(1000.0), expected: 1000.0 },
    Case {
        rule: "log-sigmoid",
        formula: r"\log \frac{1}{1 + e^{-x}}",
        derivative: None,
        bindings: || at(-1000.0),
        expected: -1000.0,
    },
    Case { rule: "ln-1p", formula: r"\ln(1 + x)", derivative: None, bindings: || at(1e-17), expected: 1e-17 },
    // e^{-1e-10} - 1 = -1e-10 + 5e-21 - ...
    Case {
        rule: "exp-m1",
        formula: r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}",
        derivative: None,
        bindings: || at(-1e-10).scalar("alpha", 1.0),
        expected: -9.9999999995e-11,
    },
    // GELU(-10) = -10 Φ(-10), Φ(-10) = 7.619853024160526e-24.
    Case {
        rule: "erfc",
        formula: r"x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right]",
        derivative: None,
        bindings: || at(-10.0),
        expected: -7.619853024160526e-23,
    },
    // 1 + tanh(-20) = 2 σ(-40) = 2 / (1 + e^{40}) = 8.496708510583178e-18.
    Case {
        rule: "tanh-complement",
        formula: r"1 + \tanh x",
        derivative: None,
        bindings: || at(-20.0),
        expected: 8.496708510583178e-18,
    },
    // d/dx (x - tanh x) = tanh² x; at 1e-5, tanh(1e-5)² = 9.999999999333333e-11.
    Case {
        rule: "sech-complement",
        formula: r"x - \tanh x",
        derivative: Some("x"),
        bindings: || at(1e-5),
        expected: 9.999999999333333e-11,
    },
    // 1 - σ(40) = σ(-40) = 4.248354255291589e-18.
    Case {
        rule: "sigmoid-complement",
        formula: r"1 - \sigma(x)",
        derivative: None,
        bindings: || at(40.0),
        expected: 4.248354255291589e-18,
    },
    // d/dx sech² x = tanh''(x) = -2 tanh(x) / cosh²(x): 0 in f64 at 800 (e^{-1600} underflows).
    Case {
        rule: "sinh-over-cosh",
        formula: r"\frac{1}{\cosh^{2}(x)}",
        derivative: Some("x"),
        bindings: || at(800.0),
        expected: 0.0,
    },
    // ln cosh 1000 = 1000 - ln 2 (+ e^{-2000}).
    Case {
        rule: "log-cosh",
        formula: r"\ln(\cosh x)",
        derivative: None,
        bindings: || at(1000.0),
        expected: 999.3068528194401,
    },
    // ln cosh 1e-8 = 1e-16/2 - 1e-32/12 + ...: cosh rounds to 1, and |x| - ln 2 + ln(1 + e^{-2|x|})
    // cancels to the last digit of ln 2.
    Case { rule: "log-cosh", formula: r"\ln(\cosh x)", derivative: None, bindings: || at(1e-8), expected: 5e-17 },
    // ln(1e-200 / 1e200) = -400 ln 10.
    Case {
        rule: "log-of-quotient",
        formula: r"\ln \frac{a}{b}",
        derivative: None,
        bindings: || Bindings::default().scalar("a", 1e-200).scalar("b", 1e200),
        expected: -921.0340371976183,
    },
    Case {
        rule: "log-sum-exp",
        formula: r"\ln \sum_j e^{z_j}",
        derivative: None,
        bindings: || Bindings::default().vector("z", vec![1e4, 0.0]),
        expected: 1e4,
    },
    Case {
        rule: "softmax",
        formula: r"-\sum_i y_i \log \frac{e^{z_i}}{\sum_j e^{z_j}}",
        derivative: None,
        bindings: || Bindings::default().vector("z", vec![1e4, 0.0, -1e4]).vector("y", vec![0.0, 1.0, 0.0]),
        expected: 1e4,
    },
    Case {
        rule: "xlogy",
        formula: r"\sum_i p_i \log \frac{p_i}{q_i}",
        derivative: None,
        bindings: || Bindings::default().vector("p", vec![0.0, 1.0]).vector("q", vec![0.5, 0.5]),
        expected: std::f64::consts::LN_2,
    },
    // x - tanh x = x³/3 - 2x⁵/15 + ... = 3.333333333332000e-19 at 1e-6 (mpmath).
    Case {
        rule: "series-near-zero",
        formula: r"x - \tanh x",
        derivative: None,
        bindings: || at(1e-6),
        expected: 3.333_333_333_332e-19,
    },
    // σ''(x) = σ(x)σ(-x)(σ(-x) - σ(x)) = -σ(x)σ(-x) tanh(x/2): -1.25e-29 at 1e-28.
    Case {
        rule: "sigmoid-difference",
        formula: r"\frac{e^{-x}}{(1+e^{-x})^2}",
        derivative: Some("x"),
        bindings: || at(1e-28),
        expected: -1.25e-29,
    },
    // ln(e^800 + e^1600) = 1600 + ln(1 + e^-800).
    Case {
        rule: "log-sum-exp-terms",
        formula: r"\log(e^{x} + e^{2x})",
        derivative: None,
        bindings: || at(800.0),
        expected: 1600.0,
    },
    // -1e-12 + (1 - cos 1e-12)/4 = -1e-12 + 1.25e-25.
    Case {
        rule: "cos-complement",
        formula: r"x + \frac{1 - \cos x}{4}",
        derivative: None,
        bindings: || at(-1e-12),
        expected: -9.99999999999875e-13,
    },
    // (cosh(1e-12) - 1)/2 - 1e-12 = 2.5e-25 - 1e-12.
    Case {
        rule: "cosh-complement",
        formula: r"\frac{\cosh x - 1}{2} + x",
        derivative: None,
        bindings: || at(-1e-12),
        expected: -9.9999999999975e-13,
    },
    // Binary cross-entropy's second term at y = x = 1: 0 ln 0, which is 0.
    Case {
        rule: "xlog1py",
        formula: r"(1 - y) \log(1 - x)",
        derivative: None,
        bindings: || at(1.0).scalar("y", 1.0),
        expected: 0.0,
    },
    // sqrt(1e8 + 1) - sqrt(1e8) = 4.99999998750000006249999960937500e-5 (mpmath).
    Case {
        rule: "conjugate-root",
        formula: r"\sqrt{x+1} - \sqrt{x}",
        derivative: None,
        bindings: || at(1e8),
        expected: 4.999_999_987_5e-5,
    },
    // (x^2/sqrt(1 + x^4))' = 2x/(1 + x^4)^{3/2}, 2e-40 at 1e8 (to 32 digits).
    Case {
        rule: "common-power",
        formula: r"\frac{x^2}{\sqrt{1+x^4}}",
        derivative: Some("x"),
        bindings: || at(1e8),
        expected: 2e-40,
    },
    // Squareplus (x + \sqrt{x^2 + 4})/2 at -10^8 is 4 / (4 \cdot 10^8) (to 1e-16), not
    // what is left of 10^8 - 10^8.
    Case {
        rule: "conjugate-root",
        formula: r"\frac{x + \sqrt{x^2 + b}}{2}",
        derivative: None,
        bindings: || at(-1e8).scalar("b", 4.0),
        expected: 1e-8,
    },
    // ISRU x / \sqrt{1 + x^2} at 10^{200} is 1 (to 1e-400), not 10^{200} / ∞.
    Case {
        rule: "scaled-radicand",
        formula: r"\frac{x}{\sqrt{1 + x^2}}",
        derivative: None,
        bindings: || at(1e200),
        expected: 1.0,
    },
];

fn value(expression: &Expression, case: &Case, stable: bool) -> f64 {
    let expression = match (case.derivative, stable) {
        (Some(name), true) => expression.derivative(name).expect("differentiable"),
        (Some(name), false) => expression.naive_derivative(name).expect("differentiable"),
        (None, _) => expression.clone(),
    };
    expression.evaluate(&(case.bindings)()).expect("evaluable")
}

fn close(value: f64, expected: f64) -> bool {
    if expected == 0.0 { value == 0.0 } else { ((value - expected) / expected).abs() <= 1e-12 }
}

#[test]
fn each_rewrite_fixes_an_input_the_textbook_form_gets_wrong() {
    for case in CASES {
        let naive = Expression::parse_naive(case.formula).expect("parses");
        let stable = Expression::parse(case.formula).expect("parses");
        let (naive_value, stable_value) = (value(&naive, case, false), value(&stable, case, true));
        assert!(
            !close(naive_value, case.expected),
            "{}: the textbook form already gets {} right ({naive_value}), so the test shows nothing",
            case.rule,
            case.formula
        );
        assert!(
            close(stable_value, case.expected),
            "{}: {} gives {stable_value}, expected {} (stabilised form: {})",
            case.rule,
            case.formula,
            case.expected,
            stable.text()
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    for rule in texgrad::symbolic::stabilise::RULES.iter().chain(texgrad::symbolic::stabilise::LAST_RULES) {
        assert!(CASES.iter().any(|case| case.rule == rule.name), "the rule {} has no failing input here", rule.name);
    }
}

/// `sigmoid-difference` where the first term has no σ(u) of its own: `1 - σ(-x)/σ(x)` is
/// `\tanh(x/2) / σ(x)`, not `\tanh(x/2)` (found by the engine's property test as the derivative
/// of `x / (x σ(x))`, which is `-e^{-x}`).
#[test]
fn sigmoid_difference_keeps_the_common_factor() {
    let difference = Expression::parse(r"1 - \frac{\sigma(-x)}{\sigma(x)}").expect("parses");
    let derivative =
        Expression::parse(r"\frac{x}{x \sigma(x)}").expect("parses").derivative("x").expect("differentiates");
    for x in [-3.0f64, -0.5, 0.7, 2.6671546745631893, 12.0] {
        let expected = 1.0 - (-x).exp();
        let value = difference.evaluate(&at(x)).expect("evaluates");
        assert!(
            (value - expected).abs() <= 1e-14 * expected.abs().max(1.0),
            "1 - σ(-x)/σ(x) at {x}: {value}, not {expected}"
        );
        let slope = derivative.evaluate(&at(x)).expect("evaluates");
        assert!((slope - (expected - 1.0)).abs() <= 1e-14 * x.exp().recip().max(1.0), "d/dx at {x}: {slope}");
    }
}
