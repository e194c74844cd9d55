//! The program: the one stage between the IR and every output. A typed, flat, straight-line
//! list of instructions (each reads only earlier ones) that holds every choice about how a form
//! is computed: which subexpressions are shared and named, constants folded into correctly
//! rounded literals (with their exact values beside them), the elementary functions' families
//! computed together (`σ(±u)` from one `e^{-|u|}`, `\tanh u` with `1/\cosh^2 u`, `e^u` with
//! `e^u - 1`, the Gaussian of `\operatorname{erfc}(cu)`), sums and products in the order and
//! grouping they are written, element-wise sums and reductions decided on the IR.
//!
//! [`build()`] makes a program from the IR; then
//! - [`crate::emit`] only prints it as Rust tokens;
//! - [`run`] only runs it: in `f32` or `f64` at a level with the runtime's own elementary
//!   functions (what the generated code computes, for the oracle, `texgrad eval` and checks), or
//!   to 256 bits with the exact value of every instruction (the oracle's references).
//!
//! So what the oracle measures is, by construction, what the emitter writes.

pub mod build;
pub mod run;

use texgrad_grammar::names::Length;

use crate::constant::DoubleDouble;
use crate::ir::{Compare, Func, Index};
use crate::precise::Precise;

pub use build::build;
pub use run::Bindings;

/// A value of a program: the output of an earlier instruction (its position), or one part of an
/// instruction with two outputs ([`Op::Parts`], [`Op::LogSumExpParts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    /// The instruction's position in [`Program::instructions`].
    pub instruction: usize,
    /// Which of its outputs (0 for one that has one).
    pub part: usize,
}

impl Value {
    /// The (first) output of the instruction at `instruction`.
    pub fn of(instruction: usize) -> Value {
        Value { instruction, part: 0 }
    }
}

/// A constant, folded: the correctly rounded `f32` and `f64` the code writes, and its exact value
/// for the 256-bit run.
#[derive(Clone, Copy, Debug)]
pub struct Literal {
    /// The value in `f32` (infinite where it overflows `f32`).
    pub single: f32,
    /// The value in `f64`.
    pub double: f64,
    /// The value to 256 bits.
    pub exact: Precise,
}

impl Literal {
    /// A float, exactly.
    pub fn of_f64(value: f64) -> Literal {
        Literal { single: value as f32, double: value, exact: Precise::from_f64(value) }
    }

    /// A constant folded in double-double arithmetic, with its exact value.
    pub fn folded(value: DoubleDouble, exact: Precise) -> Literal {
        Literal { single: value.to_f32(), double: value.to_f64(), exact }
    }
}

/// A power with a constant exponent, as the code writes it.
#[derive(Clone, Copy, Debug)]
pub enum Power {
    /// `x^{1/2}`: `sqrt`.
    Sqrt,
    /// An integer exponent: `powi`.
    Integer(i32),
    /// Any other constant: `powf` with a literal (its exact value the exact exponent).
    Literal(Literal),
}

/// The functions computed together from one argument (see [`Op::Parts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `(e^{-|u|}, 1/(1 + e^{-|u|}))`, from which `σ(±u)`, `σ(u)σ(-u)` and `softplus(±u)` follow.
    Logistic,
    /// `(e^u, e^u - 1)`.
    Exponential,
    /// `(\tanh u, 1/\cosh^2 u)`.
    Hyperbolic,
}

impl Family {
    /// How the code names its parts (`f0_e`, `f0_r`).
    pub fn part_names(self) -> [&'static str; 2] {
        match self {
            Family::Logistic => ["e", "r"],
            Family::Exponential => ["exp", "exp_m1"],
            Family::Hyperbolic => ["tanh", "sech2"],
        }
    }
}

/// What an instruction computes, in the shape the code writes it.
#[derive(Clone, Debug)]
pub enum Op {
    /// A folded constant.
    Literal(Literal),
    /// 0.
    Zero,
    /// 1.
    One,
    /// A scalar input or parameter, by name.
    Name(String),
    /// A length (`n`, `m`) as a float.
    Length(Length),
    /// An element of a vector (`z_i`) or of a row-major matrix (`y_{k,i}`).
    Element(String, Vec<Index>),
    /// The Kronecker delta, 1 where the two indices are equal.
    Delta(Index, Index),
    /// `positive[0] + positive[1] + ... - negative[0] - ...`, then each hoisted log-sum-exp
    /// added or subtracted part by part (its maximum, then its logarithm: `(z_i - max) - \ln Σ`).
    Sum {
        /// Added, in order.
        positive: Vec<Value>,
        /// Subtracted, in order.
        negative: Vec<Value>,
        /// `(subtract, the parts)` of each hoisted [`Op::LogSumExpParts`].
        log_sum_exps: Vec<(bool, Value)>,
    },
    /// `(numerator[0] * ... / (denominator[0] * ...))`, negated if asked: one division.
    Product {
        /// Multiplied, in order (none: 1).
        numerator: Vec<Value>,
        /// Multiplied, then divided by once.
        denominator: Vec<Value>,
        /// Whether the product is negated.
        negate: bool,
    },
    /// `a / b` (a quotient raised as a whole: `(a/b)^k`).
    Quotient(Value, Value),
    /// A power with a constant exponent.
    Power(Value, Power),
    /// `base^{exponent}` for an exponent that is not constant.
    PowerOf(Value, Value),
    /// A function of the table ([`crate::functions`]).
    Call(Func, Value),
    /// A family's two parts, computed together from one argument.
    Parts(Family, Value),
    /// `e^{k u^2}` for a constant `k`, the square exact: the Gaussian factor of
    /// `\operatorname{erfc}(cu)` (`k = -c^2`) and of `Φ(u)` (`k = -1/2`).
    Gaussian(Value, Literal),
    /// `\operatorname{erfc}(x)`, `\operatorname{erf}(x)` or `Φ(x)` given the Gaussian factor of
    /// its argument.
    GivenGaussian(Func, Value, Value),
    /// `σ(u)` from `u` and its logistic parts.
    SigmoidFromParts(Value, Value),
    /// `softplus(u)` from `u` and its logistic parts.
    SoftplusFromParts(Value, Value),
    /// `σ(u)σ(-u)` from the logistic parts of `u`.
    SigmoidDerivativeFromParts(Value),
    /// `σ(u)σ(-u)`, one exponential.
    SigmoidDerivative(Value),
    /// `\max(a, b)` (the first where they are equal or `b` is NaN).
    Maximum(Value, Value),
    /// `\min(a, b)`.
    Minimum(Value, Value),
    /// `\min(c_1, \max(c_0, u))` for constants `c_0 < c_1` as `u ≤ c_0 ? c_0 : \min(c_1, u)` (ReLU6).
    CappedFromBelow {
        /// `u`.
        input: Value,
        /// `c_0`.
        floor: Literal,
        /// `c_1`.
        cap: Literal,
        /// Whether the minimum reads `c_1` first (as the formula has it).
        cap_first: bool,
    },
    /// A linear piece between two plateaus it meets exactly (hardsigmoid): `slope · clamp(u,
    /// low, high) + offset`.
    Clamped {
        /// `u`.
        input: Value,
        /// The lower plateau's bound.
        low: Literal,
        /// The upper plateau's bound.
        high: Literal,
        /// The slope, where it is not 1.
        slope: Option<Literal>,
        /// The offset, where it is not 0.
        offset: Option<Literal>,
    },
    /// `y \ln x`, 0 where `y` is 0.
    XLogY(Value, Value),
    /// A comparison, 1 or 0.
    Compare(Compare, Value, Value),
    /// All of the conditions.
    And(Vec<Value>),
    /// `then` where `condition` holds, else `otherwise`, both computed (a select).
    Select {
        /// The condition.
        condition: Value,
        /// Where it holds.
        then: Value,
        /// Where it does not.
        otherwise: Value,
    },
    /// `then` where `condition` holds, else `otherwise`: a side costs a call, so the plain
    /// functions branch (the runtime's `choose`); slice kernels compute both anyway.
    Choose {
        /// The condition.
        condition: Value,
        /// Where it holds.
        then: Value,
        /// Where it does not.
        otherwise: Value,
    },
    /// `series` where `|argument| < 1/10`, else `exact` (a form that cancels near 0 and its
    /// Taylor series there). Exactly, the series only below `2^{-26}`, where its truncation is
    /// under `2^{-260}`.
    NearZero {
        /// The variable the series is in.
        argument: Value,
        /// The series.
        series: Value,
        /// The exact form.
        exact: Value,
        /// Whether a side costs a call (then the plain functions branch, as [`Op::Choose`]).
        costly: bool,
    },
    /// `\sum_{index} body` over the whole `length`.
    SumOver {
        /// The index the body reads.
        index: Index,
        /// How far it runs.
        length: Length,
        /// The body.
        body: Value,
    },
    /// `\sum_{index} body` where the body reads its slices only at the index
    /// ([`build::reads_slices_at`], decided on the IR): the runtime sums over the slices
    /// themselves, and the code reads their elements as closure arguments.
    SumOfElements {
        /// The index.
        index: Index,
        /// How far it runs.
        length: Length,
        /// The body.
        body: Value,
    },
    /// `(\max_j u_j, \ln \sum_j e^{u_j - \max})`, the maximum first so that no exponential
    /// overflows: two outputs.
    LogSumExpParts {
        /// The index.
        index: Index,
        /// How far it runs.
        length: Length,
        /// `u_j`.
        exponent: Value,
    },
    /// A log-sum-exp's parts added: `max + \ln Σ`.
    LogSumExpTotal(Value),
    /// Another instruction's value, under a name of its own (a named node computed as another
    /// named one: `let t3 = t1;`).
    Alias(Value),
    /// `\ln \sum_j e^{u_j}` as one expression (inside a loop, where it cannot be hoisted).
    LogSumExp {
        /// The index.
        index: Index,
        /// How far it runs.
        length: Length,
        /// `u_j`.
        exponent: Value,
    },
}

impl Op {
    /// How many outputs it has.
    pub fn outputs(&self) -> usize {
        match self {
            Op::Parts(..) | Op::LogSumExpParts { .. } => 2,
            _ => 1,
        }
    }
}

/// How an instruction is written: where it is used, or once, before, under a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Written in place, at every use.
    Inline,
    /// `let tN = ...;`, shared by its uses.
    Shared(usize),
    /// `let (fN_e, fN_r) = ...;`: a family's parts.
    Family(usize),
    /// `let fN_gauss = ...;`: a Gaussian factor.
    Gaussian(usize),
    /// `let (tN_max, tN_log) = ...;`: a hoisted log-sum-exp's parts (`tN` is their total).
    LogSumExpParts(usize),
}

/// One instruction: what it computes and how it is written.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// What it computes.
    pub op: Op,
    /// How it is written.
    pub binding: Binding,
}

/// A straight-line program computing one or more roots (see the module's documentation).
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// The instructions, each reading only earlier ones.
    pub instructions: Vec<Instruction>,
    /// One value per root, in the order given.
    pub results: Vec<Value>,
}

impl Program {
    /// The values an instruction reads, in the order the code writes them.
    pub fn operands(op: &Op) -> Vec<Value> {
        match op {
            Op::Literal(_) | Op::Zero | Op::One | Op::Name(_) | Op::Length(_) | Op::Element(..) | Op::Delta(..) => {
                Vec::new()
            }
            Op::Sum { positive, negative, log_sum_exps } => {
                positive.iter().chain(negative).copied().chain(log_sum_exps.iter().map(|(_, parts)| *parts)).collect()
            }
            Op::Product { numerator, denominator, .. } => numerator.iter().chain(denominator).copied().collect(),
            Op::Quotient(a, b)
            | Op::PowerOf(a, b)
            | Op::GivenGaussian(_, a, b)
            | Op::SigmoidFromParts(a, b)
            | Op::SoftplusFromParts(a, b)
            | Op::Maximum(a, b)
            | Op::Minimum(a, b)
            | Op::XLogY(a, b)
            | Op::Compare(_, a, b) => vec![*a, *b],
            Op::Power(a, _)
            | Op::Call(_, a)
            | Op::Parts(_, a)
            | Op::Gaussian(a, _)
            | Op::SigmoidDerivativeFromParts(a)
            | Op::SigmoidDerivative(a)
            | Op::CappedFromBelow { input: a, .. }
            | Op::Clamped { input: a, .. }
            | Op::LogSumExpTotal(a)
            | Op::Alias(a) => vec![*a],
            Op::And(conditions) => conditions.clone(),
            Op::Select { condition, then, otherwise } | Op::Choose { condition, then, otherwise } => {
                vec![*condition, *then, *otherwise]
            }
            Op::NearZero { argument, series, exact, .. } => vec![*argument, *series, *exact],
            Op::SumOver { body, .. } | Op::SumOfElements { body, .. } => vec![*body],
            Op::LogSumExpParts { exponent, .. } | Op::LogSumExp { exponent, .. } => vec![*exponent],
        }
    }

    /// Whether any instruction runs over an index (a sum, a vector's element): such a program
    /// is run by [`run::evaluate`], not by a [`run::Tape`].
    pub fn has_indices(&self) -> bool {
        self.instructions.iter().any(|instruction| {
            matches!(
                instruction.op,
                Op::Element(..)
                    | Op::Delta(..)
                    | Op::SumOver { .. }
                    | Op::SumOfElements { .. }
                    | Op::LogSumExpParts { .. }
                    | Op::LogSumExp { .. }
            )
        })
    }
}
