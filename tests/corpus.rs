//! The formula corpora: every accepted formula has a named snapshot of its canonical forms and
//! round-trips through the printer; every refused formula fails with its stated kind and has a
//! named snapshot of its rendered error.

use texgrad::grammar::print;
use texgrad::{ErrorKind, parse};

/// `name | field | ...` rows of a corpus file, without comments and blank lines.
fn rows(corpus: &str) -> Vec<Vec<&str>> {
    corpus
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields: Vec<&str> = line.splitn(3, " | ").collect();
            // The formula is the last field, kept verbatim (it may be empty or all spaces).
            let last = fields.len() - 1;
            fields[last] = fields[last].strip_suffix('\r').unwrap_or(fields[last]);
            fields
        })
        .collect()
}

#[test]
fn accepted_formulas_parse_and_round_trip() {
    let corpus = include_str!("corpus/accepted.txt");
    let mut names = std::collections::BTreeSet::new();
    for row in rows(corpus) {
        let [name, formula] = row[..] else { panic!("accepted.txt: `{row:?}` is not `name | formula`") };
        assert!(names.insert(name), "accepted.txt: `{name}` is named twice");
        let parsed = parse(formula).unwrap_or_else(|error| panic!("{name}: {}", error.render(formula)));
        let canonical = print::formula_latex(&parsed);
        let reparsed = parse(&canonical)
            .unwrap_or_else(|error| panic!("{name}: canonical form refused: {}", error.render(&canonical)));
        assert_eq!(reparsed, parsed, "{name}: `{canonical}` does not parse back to the same formula");
        let snapshot = format!("{formula}\n{canonical}\n{}", print::formula_sexpr(&parsed));
        insta::assert_snapshot!(format!("accepted-{name}"), snapshot);
    }
    assert!(names.len() > 200, "the corpus lost rows: {} left", names.len());
}

#[test]
fn refused_formulas_fail_with_their_kind() {
    let corpus = include_str!("corpus/refused.txt");
    let mut names = std::collections::BTreeSet::new();
    for row in rows(corpus) {
        let [name, kind, formula] = row[..] else { panic!("refused.txt: `{row:?}` is not `name | kind | formula`") };
        assert!(names.insert(name), "refused.txt: `{name}` is named twice");
        let error = match parse(formula) {
            Ok(parsed) => panic!("{name}: `{formula}` was accepted as {}", print::formula_sexpr(&parsed)),
            Err(error) => error,
        };
        assert_eq!(format!("{:?}", error.kind), kind, "{name}: {}", error.render(formula));
        assert!(
            error.span.start <= error.span.end && error.span.end <= formula.len(),
            "{name}: span {:?} outside the formula",
            error.span
        );
        assert!(error.hint.is_some() || error.kind == ErrorKind::Syntax, "{name}: no hint on how to write it instead");
        insta::assert_snapshot!(format!("refused-{name}"), format!("{formula}\n{}", error.render(formula)));
    }
    assert!(names.len() > 50, "the corpus lost rows: {} left", names.len());
}
