//! Misuses of the macros, one per file in `tests/ui/`, each with the compile error it must give
//! (`.stderr` beside it; regenerate with `TRYBUILD=overwrite cargo test --test ui` and read the
//! diff).

#[test]
fn misuses_are_one_readable_compile_error_each() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
