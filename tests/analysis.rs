//! The engine's analysis of a function's character (`texgrad analyze`) against what is known
//! of the catalog's functions, and against the original notes' stated properties, which are
//! wrong for tanh's range.

use texgrad::symbolic::analysis::{Analysis, Monotonicity, analyze};
use texgrad::symbolic::{Bindings, Expression};

fn analysis(formula: &str, bindings: &Bindings) -> Analysis {
    let expression = Expression::parse(formula).unwrap_or_else(|error| panic!("{}", error.render(formula)));
    analyze(&expression, "x", bindings).unwrap_or_else(|error| panic!("{formula}: {}", error.message))
}

#[test]
fn known_ranges() {
    let alpha = Bindings::default().scalar("alpha", 1.5);
    for (formula, bindings, range) in [
        (r"\frac{1}{1+e^{-x}}", Bindings::default(), "(0, 1)"),
        (r"\tanh x", Bindings::default(), "(-1, 1)"),
        (r"\frac{x}{1 + |x|}", Bindings::default(), "(-1, 1)"),
        (r"\max(0, x)", Bindings::default(), "[0, ∞)"),
        (r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}", alpha, "(-1.5, ∞)"),
        (r"x \Phi(x)", Bindings::default(), "[-0.169971, ∞)"),
        (r"\min(\max(0, x), 6)", Bindings::default(), "[0, 6]"),
        (r"\log(1 + e^x)", Bindings::default(), "(0, ∞)"),
        (r"x^2", Bindings::default(), "[0, ∞)"),
    ] {
        assert_eq!(analysis(formula, &bindings).range_text(), range, "{formula}");
    }
}

#[test]
fn the_notes_tanh_range_is_wrong() {
    // The notes give tanh the range (0, 1); it takes every value in (-1, 1).
    let tanh = analysis(r"\frac{e^x-e^{-x}}{e^x+e^{-x}}", &Bindings::default());
    assert_ne!(tanh.range_text(), "(0, 1)");
    assert_eq!(tanh.range_text(), "(-1, 1)");
    assert!(tanh.zero_centred());
    // Sigmoid is not zero-centred, which is why the notes prefer tanh.
    assert!(!analysis(r"\frac{1}{1+e^{-x}}", &Bindings::default()).zero_centred());
}

#[test]
fn monotonicity_saturation_and_dead_zones() {
    let sigmoid = analysis(r"\frac{1}{1+e^{-x}}", &Bindings::default());
    assert_eq!(sigmoid.monotonicity, Monotonicity::Increasing);
    assert_eq!(sigmoid.saturating(), (true, true));
    assert_eq!(sigmoid.at_zero, Some(0.5));
    assert_eq!(sigmoid.limits, (Some(0.0), Some(1.0)));
    assert!(sigmoid.dead_zones.is_empty() && sigmoid.smooth());

    let relu = analysis(r"\max(0, x)", &Bindings::default());
    assert_eq!(relu.monotonicity, Monotonicity::NonDecreasing);
    assert_eq!(relu.saturating(), (true, false));
    assert_eq!(relu.dead_zones.len(), 1);
    assert_eq!(relu.dead_zones[0].0, f64::NEG_INFINITY);
    assert!(relu.dead_zones[0].1 <= 0.0 && relu.dead_zones[0].1 > -1e-3, "{:?}", relu.dead_zones);
    assert!(relu.discontinuities.is_empty());
    assert_eq!(relu.derivative_jumps, vec![0.0], "ReLU is continuous, its derivative jumps at 0");

    let hardtanh = analysis(r"\min(\max(x, -1), 1)", &Bindings::default());
    let zones: Vec<(f64, f64)> = hardtanh.dead_zones.clone();
    assert_eq!(zones.len(), 2, "{zones:?}");
    assert!(zones[0].0 == f64::NEG_INFINITY && (zones[0].1 + 1.0).abs() < 1e-3);
    assert!(zones[1].1 == f64::INFINITY && (zones[1].0 - 1.0).abs() < 1e-3);

    let gelu = analysis(r"x \Phi(x)", &Bindings::default());
    assert_eq!(gelu.monotonicity, Monotonicity::Neither);
    assert!(gelu.smooth() && gelu.dead_zones.is_empty());
    assert_eq!(gelu.saturating(), (true, false));

    // A step: f jumps.
    let step = analysis(r"\begin{cases} 1, & x \ge 0 \\ 0, & x < 0 \end{cases}", &Bindings::default());
    assert_eq!(step.discontinuities, vec![0.0]);
    assert!(!step.smooth());

    // Growth without a limit and oscillation have none.
    let sine = analysis(r"\sin x", &Bindings::default());
    assert_eq!(sine.limits, (None, None));
    assert_eq!(sine.range_text(), "[-1, 1]");
}

#[test]
fn vectors_are_refused_not_analysed() {
    let softmax = Expression::parse(r"\frac{e^{z_i}}{\sum_j e^{z_j}}").expect("parses");
    assert!(analyze(&softmax, "z", &Bindings::default()).is_err());
}

#[test]
fn finite_bounds_are_proved_by_interval_arithmetic_where_it_reaches() {
    let alpha = Bindings::default().scalar("alpha", 1.5);
    for (formula, bindings, proved) in [
        (r"\frac{1}{1+e^{-x}}", Bindings::default(), (true, true)),
        (r"\tanh x", Bindings::default(), (true, true)),
        (r"\min(\max(0, x), 6)", Bindings::default(), (true, true)),
        (r"\max(0, x)", Bindings::default(), (true, false)),
        (r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}", alpha, (true, false)),
        (r"\sin x", Bindings::default(), (true, true)),
        // Too loose to prove: the factors of x Φ(x) and of x / (1 + |x|) are bounded apart.
        (r"x \Phi(x)", Bindings::default(), (false, false)),
        (r"\frac{x}{1 + |x|}", Bindings::default(), (false, false)),
    ] {
        let found = analysis(formula, &bindings);
        assert_eq!(found.range_proved, proved, "{formula}: {}", found.range_text());
    }
}

/// Interval arithmetic is sound: every exact value over a domain lies inside the enclosure.
#[test]
fn enclosures_hold_every_value() {
    use texgrad::symbolic::interval::{Interval, enclose};
    let formulas = [
        r"x^3 - 2x",
        r"x^{-2}",
        r"\frac{1}{x^2 + 1}",
        r"\sqrt{x^2 + 1}",
        r"x^{1.5}",
        r"|x| - x^2",
        r"e^{-x^2}",
        r"\log(1 + e^{x})",
        r"\cosh(x) - 1",
        r"\sin(x) + \cos(2x)",
        r"\operatorname{erfc}(x) x",
        r"\sigma(x) (1 - \sigma(x))",
        r"\max(x, 1 - x)",
        r"\min(x^2, 2)",
        r"\begin{cases} x^2, & x \ge 1 \\ 2x - 1, & x < 1 \end{cases}",
        r"\arctan(x) - \tanh(x)",
        r"\frac{x}{1 + |x|}",
        r"x \Phi(x)",
        r"\operatorname{sign}(x) x^2",
        r"\log(x^2 + 0.5)",
        // Each comparison against a boundary the domains below start or end at.
        r"\begin{cases} 5, & x > 1 \\ -5, & \text{otherwise} \end{cases}",
        r"\begin{cases} 5, & x \le 1 \\ -5, & \text{otherwise} \end{cases}",
        r"\begin{cases} 5, & 1 < x \\ -5, & \text{otherwise} \end{cases}",
        r"\begin{cases} 5, & 1 \ge x \\ -5, & \text{otherwise} \end{cases}",
        r"\begin{cases} 5, & x \ge 1 \\ -5, & x < 1 \end{cases}",
        r"\sigma(x) \sigma(-x) e^{-x}",
        // Thresholds from a parameter (`lambda` = 1 below): split at their enclosure.
        r"\begin{cases} 5, & x > \lambda \\ 3, & x < -\lambda \\ -5, & \text{otherwise} \end{cases}",
        r"\begin{cases} x, & x \ge 2 \lambda - 1 \\ -x, & \text{otherwise} \end{cases}",
        r"\begin{cases} 5, & -\lambda \ge x \\ -5, & \text{otherwise} \end{cases}",
    ];
    let bindings = Bindings::default().scalar("lambda", 1.0);
    for formula in formulas {
        let expression = Expression::parse(formula).unwrap_or_else(|error| panic!("{}", error.render(formula)));
        let (graph, root) = expression.graph();
        for (low, high) in [(-3.0, 3.0), (0.5, 2.0), (-10.0, -1.0), (-3.0, 1.0), (1.0, 3.0), (1.0, 1.0)] {
            let domain = Interval { low, high };
            let Some(enclosure) = enclose(graph, root, "x", &bindings, domain) else { continue };
            for step in 0..=200 {
                let x = low + (high - low) * f64::from(step) / 200.0;
                let Ok(value) = expression.evaluate(&bindings.clone().scalar("x", x)) else { continue };
                if value.is_finite() {
                    assert!(
                        enclosure.low <= value && value <= enclosure.high,
                        "{formula} on [{low}, {high}]: f({x}) = {value} outside [{}, {}]",
                        enclosure.low,
                        enclosure.high
                    );
                }
            }
        }
    }
}

#[test]
fn the_derivative_sign_and_dead_zones_are_proved_where_interval_arithmetic_reaches() {
    let alpha = Bindings::default().scalar("alpha", 1.0);
    // (formula, bindings, monotonicity, proved)
    for (formula, bindings, monotonicity, proved) in [
        (r"\frac{1}{1+e^{-x}}", Bindings::default(), Monotonicity::Increasing, true),
        (r"\tanh x", Bindings::default(), Monotonicity::Increasing, true),
        (r"\frac{x}{1 + |x|}", Bindings::default(), Monotonicity::Increasing, true),
        (r"\max(0, x)", Bindings::default(), Monotonicity::NonDecreasing, true),
        (r"\log(1 + e^x)", Bindings::default(), Monotonicity::Increasing, true),
        (r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}", alpha, Monotonicity::Increasing, true),
        (r"x - \tanh x", Bindings::default(), Monotonicity::NonDecreasing, true),
        (r"e^{-x}", Bindings::default(), Monotonicity::Decreasing, true),
        // GELU dips below 0 before it rises: nothing to prove.
        (r"x \Phi(x)", Bindings::default(), Monotonicity::Neither, false),
    ] {
        let found = analysis(formula, &bindings);
        assert_eq!((found.monotonicity, found.monotonicity_proved), (monotonicity, proved), "{formula}");
    }
    for (formula, zones, proved) in [
        (r"\max(0, x)", 1, true),
        (
            r"\begin{cases} 0, & x < -3 \\ 1, & x > 3 \\ \frac{x}{6} + \frac{1}{2}, & \text{otherwise} \end{cases}",
            2,
            true,
        ),
        (r"\begin{cases} x - 1, & x > 1 \\ x + 1, & x < -1 \\ 0, & \text{otherwise} \end{cases}", 1, true),
        // relu6's upper zone sits behind `\max(0, x) \ge 6`, which the enclosure cannot split on.
        (r"\min(\max(0, x), 6)", 2, false),
        // Softshrink: thresholds `\lambda` and `-\lambda` from the parameter.
        (
            r"\begin{cases} x - \lambda, & x > \lambda \\ x + \lambda, & x < -\lambda \\ 0, & \text{otherwise} \end{cases}",
            1,
            true,
        ),
        (r"\frac{1}{1+e^{-x}}", 0, false),
    ] {
        let found = analysis(formula, &Bindings::default().scalar("lambda", 0.5));
        assert_eq!(
            (found.dead_zones.len(), found.dead_zones_proved),
            (zones, proved),
            "{formula}: {:?}",
            found.dead_zones
        );
    }
}
