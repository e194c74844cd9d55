//! The one table of the IR's unary functions: each function's names (plain text, the runtime
//! function generated code calls and where it lives), its exact value to 256 bits, and its value
//! as the runtime computes it in `f32` or `f64` at a level. The evaluators, the oracle, the
//! constant folder, interval arithmetic and the emitter all read it here, so that a new function
//! is added in one place.

use texgrad_math::Float;
use texgrad_math::dispatch::Arch;

use crate::precise::Precise;

/// Unary functions of the IR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// `e^x`.
    Exp,
    /// Natural logarithm.
    Ln,
    /// `\sin`.
    Sin,
    /// `\cos`.
    Cos,
    /// `\tan`.
    Tan,
    /// `\sinh`.
    Sinh,
    /// `\cosh`.
    Cosh,
    /// `\tanh`.
    Tanh,
    /// `\arctan`.
    Arctan,
    /// `\arcsin`.
    Arcsin,
    /// `\arccos`.
    Arccos,
    /// The error function.
    Erf,
    /// The complementary error function, `1 - erf`.
    Erfc,
    /// The standard normal CDF.
    Phi,
    /// The logistic sigmoid `1 / (1 + e^{-x})`.
    Sigmoid,
    /// `\ln(1 + e^x)`.
    Softplus,
    /// Sign: -1, 0 or 1.
    Sign,
    /// Absolute value.
    Abs,
    /// `\ln(1 + x)`, exact near 0 (the stabiliser's `ln_1p`).
    Ln1p,
    /// `e^x - 1`, exact near 0 (the stabiliser's `exp_m1`).
    ExpM1,
}

/// Where generated code finds a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// texgrad's vectorisable elementary functions (`texgrad::math`), generic over the level.
    Math,
    /// A method of the runtime's `Float` trait (the hardware's, or `std`'s).
    Float,
}

/// A function's row of the table.
pub struct Function {
    /// Which function.
    pub func: Func,
    /// Its name in plain text (`arctan`, `Phi`).
    pub text_name: &'static str,
    /// The runtime function that computes it (`atan`, `phi`), in [`Function::library`].
    pub runtime_name: &'static str,
    /// Where generated code finds it.
    pub library: Library,
    /// Its exact value, to 256 bits; `None` where the evaluator has none (a trigonometric
    /// function of an argument beyond `2^{60}`).
    pub exact: fn(&Precise) -> Option<Precise>,
}

/// Every function of the IR, once.
pub const FUNCTIONS: &[Function] = &[
    Function {
        func: Func::Exp,
        text_name: "exp",
        runtime_name: "exp",
        library: Library::Math,
        exact: |x| Some(x.exp()),
    },
    Function { func: Func::Ln, text_name: "ln", runtime_name: "ln", library: Library::Math, exact: |x| Some(x.ln()) },
    Function {
        func: Func::Sin,
        text_name: "sin",
        runtime_name: "sin",
        library: Library::Float,
        exact: |x| Some(x.sin_cos()?.0),
    },
    Function {
        func: Func::Cos,
        text_name: "cos",
        runtime_name: "cos",
        library: Library::Float,
        exact: |x| Some(x.sin_cos()?.1),
    },
    Function {
        func: Func::Tan,
        text_name: "tan",
        runtime_name: "tan",
        library: Library::Float,
        exact: |x| {
            let (sin, cos) = x.sin_cos()?;
            Some(sin.div(&cos))
        },
    },
    Function {
        func: Func::Sinh,
        text_name: "sinh",
        runtime_name: "sinh",
        library: Library::Math,
        exact: |x| Some(x.sinh()),
    },
    Function {
        func: Func::Cosh,
        text_name: "cosh",
        runtime_name: "cosh",
        library: Library::Math,
        exact: |x| Some(x.cosh()),
    },
    Function {
        func: Func::Tanh,
        text_name: "tanh",
        runtime_name: "tanh",
        library: Library::Math,
        exact: |x| Some(x.tanh()),
    },
    Function {
        func: Func::Arctan,
        text_name: "arctan",
        runtime_name: "atan",
        library: Library::Float,
        exact: |x| Some(x.atan()),
    },
    Function {
        func: Func::Arcsin,
        text_name: "arcsin",
        runtime_name: "asin",
        library: Library::Float,
        exact: |x| Some(x.asin()),
    },
    Function {
        func: Func::Arccos,
        text_name: "arccos",
        runtime_name: "acos",
        library: Library::Float,
        exact: |x| Some(x.acos()),
    },
    Function {
        func: Func::Erf,
        text_name: "erf",
        runtime_name: "erf",
        library: Library::Math,
        exact: |x| Some(x.erf()),
    },
    Function {
        func: Func::Erfc,
        text_name: "erfc",
        runtime_name: "erfc",
        library: Library::Math,
        exact: |x| Some(x.erfc()),
    },
    Function {
        func: Func::Phi,
        text_name: "Phi",
        runtime_name: "phi",
        library: Library::Math,
        exact: |x| Some(x.phi()),
    },
    Function {
        func: Func::Sigmoid,
        text_name: "sigmoid",
        runtime_name: "sigmoid",
        library: Library::Math,
        exact: |x| Some(x.sigmoid()),
    },
    Function {
        func: Func::Softplus,
        text_name: "softplus",
        runtime_name: "softplus",
        library: Library::Math,
        exact: |x| Some(x.softplus()),
    },
    Function {
        func: Func::Sign,
        text_name: "sign",
        runtime_name: "sign",
        library: Library::Float,
        exact: |x| Some(exact_sign(x)),
    },
    Function {
        func: Func::Abs,
        text_name: "abs",
        runtime_name: "abs",
        library: Library::Float,
        exact: |x| Some(x.abs()),
    },
    Function {
        func: Func::Ln1p,
        text_name: "ln1p",
        runtime_name: "ln_1p",
        library: Library::Math,
        exact: |x| Some(x.ln_1p()),
    },
    Function {
        func: Func::ExpM1,
        text_name: "expm1",
        runtime_name: "exp_m1",
        library: Library::Math,
        exact: |x| Some(x.exp_m1()),
    },
];

/// -1, 0 or 1 (NaN for NaN).
fn exact_sign(x: &Precise) -> Precise {
    if x.is_nan() {
        Precise::NAN
    } else if x.is_zero() {
        Precise::ZERO
    } else if x.is_negative() {
        Precise::one().neg()
    } else {
        Precise::one()
    }
}

impl Func {
    /// Every function of the table, in its order.
    pub fn all() -> impl Iterator<Item = Func> {
        FUNCTIONS.iter().map(|row| row.func)
    }

    fn row(self) -> &'static Function {
        FUNCTIONS.iter().find(|row| row.func == self).expect("every Func has a row in FUNCTIONS")
    }

    /// The name in plain text (`arctan`, `Phi`).
    pub fn text_name(self) -> &'static str {
        self.row().text_name
    }

    /// The runtime function that computes it (`atan`, `phi`), in [`Func::library`].
    pub fn runtime_name(self) -> &'static str {
        self.row().runtime_name
    }

    /// Where generated code finds it.
    pub fn library(self) -> Library {
        self.row().library
    }

    /// The exact value at `x`, to 256 bits (see [`Function::exact`]).
    pub fn exact(self, x: &Precise) -> Option<Precise> {
        (self.row().exact)(x)
    }

    /// The value at `x` as generated code computes it at level `A`: the runtime's vectorisable
    /// functions (`texgrad::math`) or the `Float` trait's, as [`Func::library`] says.
    pub fn value<F: Float, A: Arch>(self, x: F) -> F {
        match self {
            Func::Exp => texgrad_math::exp::<F, A>(x),
            Func::Ln => texgrad_math::ln::<F, A>(x),
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Sinh => texgrad_math::sinh::<F, A>(x),
            Func::Cosh => texgrad_math::cosh::<F, A>(x),
            Func::Tanh => texgrad_math::tanh_and_sech2::<F, A>(x).0,
            Func::Arctan => x.atan(),
            Func::Arcsin => x.asin(),
            Func::Arccos => x.acos(),
            Func::Sigmoid => texgrad_math::sigmoid::<F, A>(x),
            Func::Softplus => texgrad_math::softplus::<F, A>(x),
            Func::Sign => x.sign(),
            Func::Abs => x.abs(),
            Func::Ln1p => texgrad_math::ln_1p::<F, A>(x),
            Func::ExpM1 => texgrad_math::exp_m1::<F, A>(x),
            Func::Erf => texgrad_math::erf::<F, A>(x),
            Func::Erfc => texgrad_math::erfc::<F, A>(x),
            Func::Phi => texgrad_math::phi::<F, A>(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_one_row() {
        let all = [
            Func::Exp,
            Func::Ln,
            Func::Sin,
            Func::Cos,
            Func::Tan,
            Func::Sinh,
            Func::Cosh,
            Func::Tanh,
            Func::Arctan,
            Func::Arcsin,
            Func::Arccos,
            Func::Erf,
            Func::Erfc,
            Func::Phi,
            Func::Sigmoid,
            Func::Softplus,
            Func::Sign,
            Func::Abs,
            Func::Ln1p,
            Func::ExpM1,
        ];
        assert_eq!(FUNCTIONS.len(), all.len());
        for func in all {
            assert_eq!(FUNCTIONS.iter().filter(|row| row.func == func).count(), 1, "{func:?}");
        }
    }
}
