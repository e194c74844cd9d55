texgrad::define_activation! {
    pub fn broken(x; a = 0.5) = r"e^-x";
}

fn main() {
    // The stub keeps these uses from adding errors of their own.
    let _ = broken(1.0f64, 0.5);
    let _ = broken_derivative(1.0f64, 0.5);
    let _ = broken_derivative_wrt_a(1.0f64, 0.5);
}
