#![deny(warnings, clippy::all)]
//! The accuracy search through `define_activation!` in a user-like crate: definitions whose
//! formula as written cancels or overflows, computed by the generated functions to 1e-9 in `f64`
//! and 1e-4 in `f32` where the form as written is wrong.

use texgrad::define_activation;

define_activation! {
    /// `\frac{\sin x}{x}`: its derivative cancels near 0 (the search uses the series -x/3 + ...).
    pub fn sinc(x) = r"\frac{\sin x}{x}";

    /// The root minus one loses every digit near 0 as written.
    pub fn root_step(x) = r"\sqrt{1+x}-1";

    /// The hyperbolic sine written by its definition cancels near 0.
    pub fn written_sinh(x) = r"\frac{e^x-e^{-x}}{2}";

    /// The base-2 softplus overflows as written at large x.
    pub fn softplus2(x) = r"\log_2(1+2^x)";
}

fn relative(value: f64, truth: f64) -> f64 {
    ((value - truth) / truth).abs()
}

#[test]
fn generated_functions_are_right_where_the_written_forms_are_not() {
    let rows: [(&str, f64, f64); 5] = [
        ("sinc'", sinc_derivative(1e-9f64), -1e-9 / 3.0),
        ("sinc' at 1e-200", sinc_derivative(1e-200f64), -1e-200 / 3.0),
        ("root_step", root_step(1e-17f64), 5e-18),
        ("written_sinh", written_sinh(1e-10f64), 1e-10),
        ("softplus2", softplus2(2000.0f64), 2000.0),
    ];
    for (what, value, truth) in rows {
        assert!(relative(value, truth) <= 1e-9, "{what}: {value:e}, truth {truth:e}");
    }
    let single: [(&str, f32, f64); 3] = [
        ("sinc' f32", sinc_derivative(1e-3f32), -1e-3 / 3.0 * (1.0 - 1e-6 / 10.0)),
        ("root_step f32", root_step(1e-10f32), f64::from(1e-10f32) / 2.0),
        ("written_sinh f32", written_sinh(1e-5f32), f64::from(1e-5f32)),
    ];
    for (what, value, truth) in single {
        assert!(relative(f64::from(value), truth) <= 1e-4, "{what}: {value:e}, truth {truth:e}");
    }
}
