//! SPEC section 4 on the catalog's gates, vector activations and losses, in `f32` and `f64`,
//! against the 50-digit references of `scripts/references_vectors.py` (committed in
//! `tests/references/vectors.tsv`): test vectors with ties, zeros, logits of ±1e4 and the
//! two-index batch form.
//!
//! The bounds: no NaN or infinity where the reference is finite; relative error ≤ 1e-9 (`f64`)
//! and ≤ 1e-4 (`f32`); where the reference is subnormal, an absolute error of the smallest
//! normal number; and where an element is a near-cancellation of much larger terms (its
//! magnitude below 1e-6 of the inputs' scale `max(1, max |input|)`), an absolute error of 16
//! ULP of that scale, as SPEC allows near a zero of the quantity.

use texgrad::dispatch::Level;
use texgrad_accuracy::{cases, compute_case_at, within_vector_bounds};

#[test]
fn gates_vectors_and_losses_meet_section_4() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|case| case.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 22, "references for {names:?}");
    let mut violations = Vec::new();
    // The slice kernels at every level this machine has.
    for (case, level) in cases.iter().flat_map(|case| Level::available().into_iter().map(move |level| (case, level))) {
        let computed = compute_case_at(case, level);
        let scale = case.inputs.iter().flatten().fold(1f64, |scale, value| scale.max(value.abs()));
        for (output, (got, want)) in computed.iter().zip(&case.outputs).enumerate() {
            assert_eq!(got.len(), want.len(), "{}: output {output} length", case.name);
            for (element, (&got, &want)) in got.iter().zip(want).enumerate() {
                if !within_vector_bounds(got, want, case.single, scale) {
                    violations.push(format!(
                        "{} ({}, {level:?}) output {output}[{element}] at {:?}: {got:e}, reference {:e}",
                        case.name,
                        if case.single { "f32" } else { "f64" },
                        case.inputs,
                        want.hi
                    ));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{} outside the bounds:\n{}", violations.len(), violations.join("\n"));
}
