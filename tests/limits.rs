//! Hostile inputs: nesting and length far beyond any real formula get an error value, never a
//! stack overflow or a stall. These run on the test harness's threads (2 MiB stacks).

use texgrad::grammar::limits::{MAX_DEPTH, MAX_NESTING};
use texgrad::{ErrorKind, parse};

/// Refused by one of the limits: the nesting depth, or the grammar's call budget (which long
/// flat formulas reach first).
fn assert_too_deep(formula: &str) -> texgrad::ParseError {
    match parse(formula) {
        Ok(_) => panic!("a formula of {} bytes nesting past the limits was accepted", formula.len()),
        Err(error) => {
            assert!(
                matches!(error.kind, ErrorKind::TooDeep | ErrorKind::TooComplex),
                "{:?}: {}",
                error.kind,
                error.message
            );
            assert!(error.span.end <= formula.len());
            error
        }
    }
}

#[test]
fn hundred_thousand_nested_parentheses_are_refused_at_the_first_bracket_too_deep() {
    let formula = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    let error = assert_too_deep(&formula);
    assert_eq!(error.kind, ErrorKind::TooDeep);
    // The lexical check stops at the first bracket past the limit: it never reads the rest, so
    // the refusal costs the same for 100 or 100,000 brackets.
    assert_eq!(error.span.start, MAX_NESTING);
}

#[test]
fn nesting_up_to_the_limit_parses() {
    let formula = format!("{}x{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse(&formula).is_ok());
    let formula = format!("{}x{}", r"\left(".repeat(MAX_NESTING - 1), r"\right)".repeat(MAX_NESTING - 1));
    assert!(parse(&formula).is_ok());
    let formula = format!("{}x{}", r"\tanh(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse(&formula).is_ok());
}

#[test]
fn every_kind_of_deep_nesting_is_refused() {
    let cases = [
        format!("{}x", "-".repeat(100_000)),
        format!(r"{}x", r"\tanh ".repeat(100_000)),
        format!(r"{}x", r"\sqrt ".repeat(100_000)),
        format!(r"{}x_i", r"\sum_i ".repeat(100_000)),
        format!("x{}", "+x".repeat(100_000)),
        format!("x{}", " x".repeat(100_000)),
        format!("{}x{}", "|".repeat(100_000), "|".repeat(100_000)),
        format!("{}x{}", "x^{".repeat(100_000), "}".repeat(100_000)),
        format!("{}x{}", r"\frac{1}{".repeat(100_000), "}".repeat(100_000)),
        format!("{}x{}", r"\begin{cases} ".repeat(100_000), r", & x > 0 \end{cases}".repeat(100_000)),
    ];
    for formula in &cases {
        assert_too_deep(formula);
    }
}

#[test]
fn long_flat_formulas_below_the_depth_limit_parse() {
    let terms = MAX_DEPTH / 2;
    let formula = format!("x{}", " + x".repeat(terms));
    assert!(parse(&formula).is_ok());
    let formula = format!("{}x", "-".repeat(MAX_DEPTH / 4));
    assert!(parse(&formula).is_ok());
}

/// A chain of sums or products is flat as written: its length is not nesting. The parser, the
/// engine (lowering, the derivative, the value as written and as computed, printing) and
/// dropping the tree all take ten thousand terms on these 2 MiB stacks.
#[test]
fn flat_chains_of_thousands_of_terms_are_not_nesting() {
    use texgrad::symbolic::{Bindings, Expression};
    for terms in [MAX_DEPTH + 1, 10_000] {
        for (formula, value, slope) in [
            (format!("x{}", " + x".repeat(terms - 1)), terms as f64, terms as f64),
            (format!("1{}", " - x".repeat(terms - 1)), 1.0 - (terms - 1) as f64, -((terms - 1) as f64)),
            (format!("x{}", r" \cdot 1".repeat(terms - 1)), 1.0, 1.0),
        ] {
            let parsed = parse(&formula).unwrap_or_else(|error| panic!("{terms} terms: {}", error.message));
            assert!(!texgrad::grammar::print::latex(parsed.body()).is_empty());
            let expression = Expression::parse(&formula).unwrap();
            let at_one = Bindings::default().scalar("x", 1.0);
            assert_eq!(expression.evaluate(&at_one).unwrap(), value);
            assert_eq!(expression.derivative("x").unwrap().evaluate(&at_one).unwrap(), slope);
        }
    }
    // Nesting is still nesting: 257 signs in a row are refused.
    assert_too_deep(&format!("{}x", "-".repeat(MAX_DEPTH + 1)));
}

#[test]
fn pathological_backtracking_ends_with_a_value() {
    // Each of these makes a backtracking parser retry nested alternatives; they must end with a
    // value (accepted or refused), not run for minutes.
    let depth = MAX_NESTING - 1;
    let cases = [
        format!("{}x,{}", r"\text{a}(".repeat(depth), ")".repeat(depth)),
        format!("{}x{}", r"\max(".repeat(depth), ")".repeat(depth)),
        format!("{}x &{}", r"\tanh(".repeat(depth), ")".repeat(depth)),
        format!("{}x{}", "|x ".repeat(60), " |".repeat(60)),
        format!("{}x", r"\left| ".repeat(60)),
    ];
    for formula in &cases {
        if let Err(error) = parse(formula) {
            assert!(error.span.end <= formula.len());
        }
    }
}
