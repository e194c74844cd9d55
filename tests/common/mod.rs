//! Helpers shared by the integration tests of the generated code.

/// Assert that generated code agrees with the engine's value within a relative tolerance.
#[track_caller]
pub fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!(
        (got - want).abs() <= tolerance * want.abs().max(1e-300) || got == want,
        "{what}: generated {got}, engine {want}"
    );
}
