//! The engine's derivatives are no larger than SymPy's: for each scalar catalog formula,
//! `count_ops(cse(diff(f)))` from `scripts/sympy_op_counts.py` (committed output in
//! `docs/sympy-op-counts.tsv`) against the engine's distinct operations after simplification,
//! stabilisation and sharing. The table is written to `docs/operation-counts.md`; this test
//! fails if the committed table is stale (regenerate with `TEXGRAD_WRITE_DOCS=1`).

use std::collections::HashMap;

use texgrad::symbolic::Expression;

#[test]
fn engine_derivatives_are_no_larger_than_sympys() {
    let formulas: HashMap<&str, (&str, &str)> = include_str!("corpus/derivatives.txt")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.splitn(3, " | ").collect();
            match fields[..] {
                [name, wrt, formula] => Some((name, (wrt, formula))),
                _ => None,
            }
        })
        .collect();
    let mut table = String::from(
        "# Operation counts: texgrad against SymPy\n\n\
         Distinct operations in the first derivative of each scalar catalog formula, after sharing \
         common subexpressions: SymPy's `count_ops(cse(diff(f)))` \
         (`scripts/sympy_op_counts.py`, output in `docs/sympy-op-counts.tsv`) and texgrad's, \
         for the textbook derivative (simplified) and for the one texgrad emits (simplified and \
         stabilised). Conditions of piecewise functions are not counted, as in SymPy. \
         Regenerate with `TEXGRAD_WRITE_DOCS=1 cargo test --test operation_counts`.\n\n\
         | formula | SymPy | texgrad, textbook | texgrad, stabilised |\n|---|---:|---:|---:|\n",
    );
    let mut larger = Vec::new();
    for line in include_str!("../docs/sympy-op-counts.tsv").lines().skip(1) {
        let (name, sympy) = line.split_once('\t').expect("name<TAB>count");
        let sympy: usize = sympy.trim().parse().expect("a count");
        let (wrt, formula) = formulas[name];
        let naive = Expression::parse_naive(formula).unwrap().naive_derivative(wrt).unwrap().operation_count();
        let stable = Expression::parse(formula).unwrap().derivative(wrt).unwrap().operation_count();
        table.push_str(&format!("| {name} | {sympy} | {naive} | {stable} |\n"));
        if stable > sympy {
            larger.push(format!("{name}: texgrad {stable} > SymPy {sympy}"));
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operation-counts.md");
    if std::env::var_os("TEXGRAD_WRITE_DOCS").is_some() {
        std::fs::write(path, &table).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, table,
        "docs/operation-counts.md is stale: run TEXGRAD_WRITE_DOCS=1 cargo test --test operation_counts"
    );
    assert!(larger.is_empty(), "larger than SymPy: {larger:#?}");
}
