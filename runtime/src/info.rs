//! What every generated definition says about itself, so that tools can list and inspect them
//! without running anything (`texgrad::catalog()`).

/// Which kind of function a definition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One scalar input: `f(x)`.
    Scalar,
    /// Several scalar inputs: `f(a, b)`.
    Gate,
    /// A vector to a vector: `f(z)_i`.
    Vector,
    /// Vectors to a number.
    Loss,
}

/// A definition's name, formula, derivatives and parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Info {
    /// The function's name (`leaky_relu`).
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Its inputs, in order.
    pub inputs: &'static [&'static str],
    /// The formula as written.
    pub formula: &'static str,
    /// The formula as texgrad computes it (simplified and stabilised), as LaTeX.
    pub latex: &'static str,
    /// Each derivative, by the name of its generated function's suffix (`derivative`,
    /// `derivative_wrt_a`, `second_derivative`), as LaTeX.
    pub derivatives: &'static [(&'static str, &'static str)],
    /// The parameters and their defaults.
    pub parameters: &'static [(&'static str, f64)],
}
