texgrad::define_activation! {
    /// The notes claim f(x) - (1 - f(x)).
    pub fn sigmoid(x) = r"\frac{1}{1+e^{-x}}", derivative = r"f(x) - (1-f(x))";
}

fn main() {}
