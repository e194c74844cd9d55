//! SPEC section 4 on every scalar activation of the catalog, `f32` and `f64`: no NaN or infinity
//! where the reference is finite, the relative and absolute bounds at every grid point, and the
//! committed report `docs/accuracy.md` current.

#[test]
fn every_scalar_activation_meets_section_4() {
    let report = texgrad_accuracy::report();
    assert!(
        report.violations.is_empty(),
        "{} points outside the bounds:\n{}",
        report.violations.len(),
        report.violations.join("\n")
    );
}

#[test]
fn the_committed_report_is_current() {
    let report = texgrad_accuracy::report();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/accuracy.md");
    if std::env::var_os("TEXGRAD_WRITE_DOCS").is_some() {
        std::fs::write(path, &report.markdown).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(committed == report.markdown, "docs/accuracy.md is stale: run cargo run --release -- accuracy");
}

#[test]
fn the_references_cover_every_scalar_activation_in_both_types() {
    let rows = texgrad_accuracy::rows();
    for (name, _) in texgrad_accuracy::activations::<f64>() {
        for single in [true, false] {
            let count = rows.iter().filter(|row| row.name == name && row.single == single).count();
            assert!(count > 100, "{name}: {count} reference points");
        }
    }
}
