//! The printers' output for every catalog definition, in one snapshot a person reads against a
//! textbook: the formula as written, as texgrad reads it (the AST printer), as it computes it and
//! every derivative (the IR printer, from the definition's `INFO`). Each printed formula parses
//! back: the AST printer's to the same tree, the IR printer's without error.

use std::fmt::Write;

use texgrad::grammar::print;
use texgrad::{Context, parse_with};

#[test]
fn every_catalog_formula_and_derivative_printed() {
    // Definitions may call each other by name (`\operatorname{gelu}(a) b`).
    let context = Context::default().with_functions(texgrad::catalog().iter().map(|info| info.name));
    let mut snapshot = String::new();
    for info in texgrad::catalog() {
        let parsed =
            parse_with(info.formula, &context).unwrap_or_else(|error| panic!("{}", error.render(info.formula)));
        let canonical = print::formula_latex(&parsed);
        let reparsed = parse_with(&canonical, &context).unwrap_or_else(|error| panic!("{}", error.render(&canonical)));
        assert_eq!(reparsed, parsed, "{}: `{canonical}` reads back as another tree", info.name);
        let _ = writeln!(
            snapshot,
            "{}\n  written:   {}\n  reads as:  {canonical}\n  computes:  {}",
            info.name, info.formula, info.latex
        );
        for (label, latex) in info.derivatives.iter().copied().chain(std::iter::once(("computes", info.latex))) {
            if let Err(error) = parse_with(latex, &context) {
                panic!("{} {label}: {}", info.name, error.render(latex));
            }
            if label != "computes" {
                let _ = writeln!(snapshot, "  {label}: {latex}");
            }
        }
    }
    insta::assert_snapshot!("catalog", snapshot);
}
