//! Running a [`Program`]: the only way texgrad computes a value.
//!
//! Two semantics over the same instructions ([`Semantics`]):
//! - [`Runtime<F, A>`]: `f32` or `f64` at a level (fused multiply-adds or not), with the
//!   runtime's own elementary functions and family helpers: what the generated code computes;
//! - [`Exact`]: every instruction's exact value to 256 bits ([`Precise`]): the families, the
//!   Gaussians and the helpers by what they stand for, the literals by the constants they were
//!   folded from, a series near zero only where its truncation is below 256 bits.
//!
//! Two ways to run: [`Tape`], a program of one scalar input compiled once and run at millions of
//! inputs (the oracle's samples), every instruction in order and both sides of every choice, as
//! vector code computes them; and [`evaluate`], any program (vectors, sums over indices) with
//! names bound, each instruction computed when needed and a choice's side only when taken.

use std::collections::HashMap;
use std::marker::PhantomData;

use texgrad_grammar::names::Length;
use texgrad_math::Float;
use texgrad_math::dispatch::Arch;

use super::{Family, Literal, Op, Power, Program, Value};
use crate::error::EngineError;
use crate::ir::{Compare, Func, Graph, Id, Index};
use crate::precise::Precise;

/// Values for the names of a formula.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    /// Scalar inputs and parameters.
    pub scalars: HashMap<String, f64>,
    /// Vector inputs, and matrices in row-major order.
    pub vectors: HashMap<String, Vec<f64>>,
    /// The row length of matrices (`n`), when a formula has two-index inputs.
    pub columns: Option<usize>,
}

impl Bindings {
    /// Bind a scalar.
    pub fn scalar(mut self, name: &str, value: f64) -> Self {
        self.scalars.insert(name.to_owned(), value);
        self
    }

    /// Bind a vector (or a row-major matrix).
    pub fn vector(mut self, name: &str, values: Vec<f64>) -> Self {
        self.vectors.insert(name.to_owned(), values);
        self
    }

    /// The value of a length: bound by its name, or from the vectors (`n` their length, or the
    /// row length given for matrices; `m` the number of rows).
    pub(crate) fn length(&self, length: Length) -> Option<usize> {
        if let Some(&value) = self.scalars.get(length.name()) {
            return Some(value as usize);
        }
        match length {
            Length::Columns => self.columns.or_else(|| self.vectors.values().next().map(Vec::len)),
            Length::Rows => {
                let columns = self.length(Length::Columns)?;
                self.vectors.values().next().map(|values| values.len() / columns.max(1))
            }
        }
    }
}

/// What a program computes in, and how each instruction computes there.
pub trait Semantics {
    /// The numbers.
    type Number: Copy;

    /// A constant.
    fn literal(literal: &Literal) -> Self::Number;
    /// A bound input (an `f64`, exactly).
    fn from_f64(value: f64) -> Self::Number;
    /// Whether a condition's value is true (non-zero).
    fn holds(value: Self::Number) -> bool;
    /// `a + b`.
    fn add(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `a - b`.
    fn sub(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `a b`.
    fn mul(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `a / b`.
    fn div(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `-a`.
    fn neg(a: Self::Number) -> Self::Number;
    /// `base^power` for a constant power.
    fn power(base: Self::Number, power: &Power) -> Self::Number;
    /// `base^exponent`.
    fn power_of(base: Self::Number, exponent: Self::Number) -> Self::Number;
    /// A function of the table; `None` where it has no value here.
    fn call(func: Func, x: Self::Number) -> Option<Self::Number>;
    /// A family's two parts.
    fn parts(family: Family, x: Self::Number) -> (Self::Number, Self::Number);
    /// `e^{k u^2}`.
    fn gaussian(u: Self::Number, k: &Literal) -> Self::Number;
    /// `\operatorname{erfc}(x)`, `\operatorname{erf}(x)` or `Φ(x)` given its Gaussian factor.
    fn given_gaussian(func: Func, x: Self::Number, factor: Self::Number) -> Self::Number;
    /// `σ(u)` from its logistic parts.
    fn sigmoid_from_parts(u: Self::Number, parts: (Self::Number, Self::Number)) -> Self::Number;
    /// `softplus(u)` from its logistic parts.
    fn softplus_from_parts(u: Self::Number, parts: (Self::Number, Self::Number)) -> Self::Number;
    /// `σ(u)σ(-u)` from the logistic parts of `u`.
    fn sigmoid_derivative_from_parts(parts: (Self::Number, Self::Number)) -> Self::Number;
    /// `σ(u)σ(-u)`.
    fn sigmoid_derivative(u: Self::Number) -> Self::Number;
    /// `\max(a, b)`.
    fn maximum(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `\min(a, b)`.
    fn minimum(a: Self::Number, b: Self::Number) -> Self::Number;
    /// `y \ln x`, 0 where `y` is 0.
    fn xlogy(y: Self::Number, x: Self::Number) -> Self::Number;
    /// `a op b`.
    fn compare(op: Compare, a: Self::Number, b: Self::Number) -> bool;
    /// Whether the series of a form that cancels near zero is taken at `argument`.
    fn near_zero(argument: Self::Number) -> bool;
    /// `(\max_j u_j, \ln \sum_j e^{u_j - \max})`.
    fn log_sum_exp(exponents: &[Self::Number]) -> (Self::Number, Self::Number);

    /// 1 or 0.
    fn truth(holds: bool) -> Self::Number {
        Self::from_f64(if holds { 1.0 } else { 0.0 })
    }
}

/// `F` at level `A`: what the generated code computes.
pub struct Runtime<F, A>(PhantomData<(F, A)>);

impl<F: Float, A: Arch> Semantics for Runtime<F, A> {
    type Number = F;

    fn literal(literal: &Literal) -> F {
        F::literal(literal.single, literal.double)
    }
    fn from_f64(value: f64) -> F {
        F::from_f64(value)
    }
    fn holds(value: F) -> bool {
        value != F::zero()
    }
    fn add(a: F, b: F) -> F {
        a + b
    }
    fn sub(a: F, b: F) -> F {
        a - b
    }
    fn mul(a: F, b: F) -> F {
        a * b
    }
    fn div(a: F, b: F) -> F {
        a / b
    }
    fn neg(a: F) -> F {
        -a
    }
    fn power(base: F, power: &Power) -> F {
        match power {
            Power::Sqrt => base.sqrt(),
            Power::Integer(n) => base.powi(*n),
            Power::Literal(exponent) => base.powf(Self::literal(exponent)),
        }
    }
    fn power_of(base: F, exponent: F) -> F {
        base.powf(exponent)
    }
    fn call(func: Func, x: F) -> Option<F> {
        Some(func.value::<F, A>(x))
    }
    fn parts(family: Family, x: F) -> (F, F) {
        match family {
            Family::Logistic => texgrad_math::logistic_parts::<F, A>(x),
            Family::Exponential => texgrad_math::exp_and_exp_m1::<F, A>(x),
            Family::Hyperbolic => texgrad_math::tanh_and_sech2::<F, A>(x),
        }
    }
    fn gaussian(u: F, k: &Literal) -> F {
        texgrad_math::exp_scaled_square::<F, A>(u, Self::literal(k))
    }
    fn given_gaussian(func: Func, x: F, factor: F) -> F {
        match func {
            Func::Erfc => texgrad_math::erfc_given_gaussian::<F, A>(x, factor),
            Func::Erf => texgrad_math::erf_given_gaussian::<F, A>(x, factor),
            _ => texgrad_math::phi_given_gaussian::<F, A>(x, factor),
        }
    }
    fn sigmoid_from_parts(u: F, (e, r): (F, F)) -> F {
        texgrad_math::sigmoid_from_parts::<F, A>(u, e, r)
    }
    fn softplus_from_parts(u: F, (e, _): (F, F)) -> F {
        texgrad_math::softplus_from_parts::<F, A>(u, e)
    }
    fn sigmoid_derivative_from_parts((e, r): (F, F)) -> F {
        texgrad_math::sigmoid_derivative_from_parts::<F, A>(e, r)
    }
    fn sigmoid_derivative(u: F) -> F {
        texgrad_math::sigmoid_derivative::<F, A>(u)
    }
    fn maximum(a: F, b: F) -> F {
        F::maximum(a, b)
    }
    fn minimum(a: F, b: F) -> F {
        F::minimum(a, b)
    }
    fn xlogy(y: F, x: F) -> F {
        texgrad_math::xlogy::<F, A>(y, x)
    }
    fn compare(op: Compare, a: F, b: F) -> bool {
        op.holds(&a, &b)
    }
    fn near_zero(argument: F) -> bool {
        argument.abs() < F::literal(0.1, 0.1)
    }
    fn log_sum_exp(exponents: &[F]) -> (F, F) {
        let largest = exponents.iter().copied().fold(-F::infinity(), F::maximum);
        let mut total = F::zero();
        for &exponent in exponents {
            total += Func::Exp.value::<F, A>(exponent - largest);
        }
        (largest, Func::Ln.value::<F, A>(total))
    }
}

/// To 256 bits: what every instruction stands for.
pub struct Exact;

impl Semantics for Exact {
    type Number = Precise;

    fn literal(literal: &Literal) -> Precise {
        literal.exact
    }
    fn from_f64(value: f64) -> Precise {
        Precise::from_f64(value)
    }
    fn holds(value: Precise) -> bool {
        !value.is_zero()
    }
    fn add(a: Precise, b: Precise) -> Precise {
        a.add(&b)
    }
    fn sub(a: Precise, b: Precise) -> Precise {
        a.sub(&b)
    }
    fn mul(a: Precise, b: Precise) -> Precise {
        a.mul(&b)
    }
    fn div(a: Precise, b: Precise) -> Precise {
        a.div(&b)
    }
    fn neg(a: Precise) -> Precise {
        a.neg()
    }
    fn power(base: Precise, power: &Power) -> Precise {
        match power {
            Power::Sqrt => base.sqrt(),
            Power::Integer(n) => base.powi(i64::from(*n)),
            Power::Literal(exponent) => base.powf(&exponent.exact),
        }
    }
    fn power_of(base: Precise, exponent: Precise) -> Precise {
        base.powf(&exponent)
    }
    fn call(func: Func, x: Precise) -> Option<Precise> {
        func.exact(&x)
    }
    fn parts(family: Family, x: Precise) -> (Precise, Precise) {
        match family {
            Family::Logistic => {
                let e = x.abs().neg().exp();
                (e, Precise::one().div(&Precise::one().add(&e)))
            }
            Family::Exponential => (x.exp(), x.exp_m1()),
            Family::Hyperbolic => {
                let cosh = x.cosh();
                (x.tanh(), Precise::one().div(&cosh.mul(&cosh)))
            }
        }
    }
    fn gaussian(u: Precise, k: &Literal) -> Precise {
        k.exact.mul(&u.mul(&u)).exp()
    }
    fn given_gaussian(func: Func, x: Precise, _: Precise) -> Precise {
        func.exact(&x).unwrap_or(Precise::NAN)
    }
    fn sigmoid_from_parts(u: Precise, _: (Precise, Precise)) -> Precise {
        u.sigmoid()
    }
    fn softplus_from_parts(u: Precise, _: (Precise, Precise)) -> Precise {
        u.softplus()
    }
    fn sigmoid_derivative_from_parts((e, r): (Precise, Precise)) -> Precise {
        // σ(u)σ(-u) = e^{-|u|} / (1 + e^{-|u|})^2.
        e.mul(&r).mul(&r)
    }
    fn sigmoid_derivative(u: Precise) -> Precise {
        u.sigmoid().mul(&u.neg().sigmoid())
    }
    fn maximum(a: Precise, b: Precise) -> Precise {
        if a.compare(&b).is_some_and(|order| order.is_ge()) || a.is_nan() { a } else { b }
    }
    fn minimum(a: Precise, b: Precise) -> Precise {
        if a.compare(&b).is_some_and(|order| order.is_le()) || a.is_nan() { a } else { b }
    }
    fn xlogy(y: Precise, x: Precise) -> Precise {
        if y.is_zero() { Precise::ZERO } else { y.mul(&x.ln()) }
    }
    fn compare(op: Compare, a: Precise, b: Precise) -> bool {
        op.holds(&a, &b)
    }
    // Mathematically the exact form, which cancels: `x - \tanh x` loses `2 log2(1/x)` bits, all
    // 256 below 2^-128. Below 2^-26 the series' truncation (its first omitted term is `x^{13}`
    // against `x^3`) is under 2^-260, and it is taken instead.
    fn near_zero(argument: Precise) -> bool {
        argument.abs().compare(&Precise::one().scale(-26)).is_some_and(|order| order.is_lt())
    }
    fn log_sum_exp(exponents: &[Precise]) -> (Precise, Precise) {
        let mut total = Precise::ZERO;
        for exponent in exponents {
            total = total.add(&exponent.exp());
        }
        (Precise::ZERO, total.ln())
    }
}

/// A program of one scalar input (no vectors, no sums over indices), the other names bound,
/// compiled to run at many inputs: every instruction in order, both sides of every choice, as
/// vector code computes them. The oracle's view of the generated code.
#[derive(Clone, Debug)]
pub struct Tape<F> {
    program: Program,
    /// Each instruction's value where it does not depend on the input (its literal or binding).
    fixed: Vec<Option<F>>,
    input: String,
    result: Value,
}

impl<F: Float> Tape<F> {
    /// The form at `root` of `graph` as a function of `input`, the other names bound as in
    /// `bindings`: its program ([`super::build()`]) compiled; `None` as for [`Tape::new`].
    pub fn compile(graph: &Graph, root: Id, input: &str, bindings: &Bindings) -> Option<Tape<F>> {
        Tape::new(super::build(graph, &[root]).ok()?, input, bindings)
    }

    /// The program's first result as a function of `input`, the other names bound as in
    /// `bindings`; `None` for a program that reads vectors or sums over an index, or a name
    /// that is not bound.
    pub fn new(program: Program, input: &str, bindings: &Bindings) -> Option<Tape<F>> {
        if program.has_indices() {
            return None;
        }
        let result = *program.results.first()?;
        let mut fixed = Vec::with_capacity(program.instructions.len());
        for instruction in &program.instructions {
            fixed.push(match &instruction.op {
                Op::Name(name) if name == input => None,
                Op::Name(name) => Some(F::from_f64(*bindings.scalars.get(name)?)),
                Op::Length(_) => return None,
                Op::Literal(literal) => Some(F::literal(literal.single, literal.double)),
                _ => None,
            });
        }
        Some(Tape { program, fixed, input: input.to_owned(), result })
    }

    /// The input's name.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The value at `x` at level `A`; `values` is scratch space, reused between calls (it holds
    /// every instruction's value after the call).
    pub fn evaluate<A: Arch>(&self, x: F, values: &mut Vec<[F; 2]>) -> F {
        values.clear();
        for (position, instruction) in self.program.instructions.iter().enumerate() {
            let result = match self.fixed[position] {
                Some(value) => [value, F::zero()],
                None => step::<Runtime<F, A>>(
                    &instruction.op,
                    &mut |value: Value| Ok(Some(values[value.instruction][value.part])),
                    &|_| Ok(x),
                )
                .ok()
                .flatten()
                .unwrap_or([F::zero() / F::zero(); 2]),
            };
            values.push(result);
        }
        values[self.result.instruction][self.result.part]
    }
}

/// One instruction of a program without indices, its operands from `operand` and the input
/// from `name`: its outputs (the second 0 for one output).
fn step<S: Semantics>(
    op: &Op,
    operand: &mut dyn FnMut(Value) -> Result<Option<S::Number>, EngineError>,
    name: &dyn Fn(&str) -> Result<S::Number, EngineError>,
) -> Result<Option<[S::Number; 2]>, EngineError> {
    let zero = S::from_f64(0.0);
    let one = |value: S::Number| Ok(Some([value, zero]));
    macro_rules! get {
        ($value:expr) => {
            match operand($value)? {
                Some(value) => value,
                None => return Ok(None),
            }
        };
    }
    match op {
        Op::Literal(literal) => one(S::literal(literal)),
        Op::Zero => one(S::from_f64(0.0)),
        Op::One => one(S::from_f64(1.0)),
        Op::Name(input) => one(name(input)?),
        Op::Sum { positive, negative, log_sum_exps } => {
            let mut total = match positive.first() {
                Some(&first) => get!(first),
                None => zero,
            };
            for &term in positive.iter().skip(1) {
                total = S::add(total, get!(term));
            }
            for &term in negative {
                total = S::sub(total, get!(term));
            }
            for &(subtract, parts) in log_sum_exps {
                let (largest, logarithm) = (get!(parts), get!(Value { part: 1, ..parts }));
                total = if subtract {
                    S::sub(S::sub(total, largest), logarithm)
                } else {
                    S::add(S::add(total, largest), logarithm)
                };
            }
            one(total)
        }
        Op::Product { numerator, denominator, negate } => {
            let mut top = match numerator.first() {
                Some(&first) => get!(first),
                None => S::from_f64(1.0),
            };
            for &factor in numerator.iter().skip(1) {
                top = S::mul(top, get!(factor));
            }
            let mut result = top;
            if let Some((&first, rest)) = denominator.split_first() {
                let mut bottom = get!(first);
                for &factor in rest {
                    bottom = S::mul(bottom, get!(factor));
                }
                result = S::div(top, bottom);
            }
            one(if *negate { S::neg(result) } else { result })
        }
        Op::Quotient(a, b) => one(S::div(get!(*a), get!(*b))),
        Op::Power(base, power) => one(S::power(get!(*base), power)),
        Op::PowerOf(base, exponent) => one(S::power_of(get!(*base), get!(*exponent))),
        Op::Call(func, argument) => match S::call(*func, get!(*argument)) {
            Some(value) => one(value),
            None => Ok(None),
        },
        Op::Parts(family, argument) => {
            let (first, second) = S::parts(*family, get!(*argument));
            Ok(Some([first, second]))
        }
        Op::Gaussian(u, k) => one(S::gaussian(get!(*u), k)),
        Op::GivenGaussian(func, x, factor) => one(S::given_gaussian(*func, get!(*x), get!(*factor))),
        Op::SigmoidFromParts(u, parts) => {
            let parts = (get!(*parts), get!(Value { part: 1, ..*parts }));
            one(S::sigmoid_from_parts(get!(*u), parts))
        }
        Op::SoftplusFromParts(u, parts) => {
            let parts = (get!(*parts), get!(Value { part: 1, ..*parts }));
            one(S::softplus_from_parts(get!(*u), parts))
        }
        Op::SigmoidDerivativeFromParts(parts) => {
            let parts = (get!(*parts), get!(Value { part: 1, ..*parts }));
            one(S::sigmoid_derivative_from_parts(parts))
        }
        Op::SigmoidDerivative(u) => one(S::sigmoid_derivative(get!(*u))),
        Op::Maximum(a, b) => one(S::maximum(get!(*a), get!(*b))),
        Op::Minimum(a, b) => one(S::minimum(get!(*a), get!(*b))),
        Op::CappedFromBelow { input, floor, cap, cap_first } => {
            let (u, floor, cap) = (get!(*input), S::literal(floor), S::literal(cap));
            let minimum = if *cap_first { S::minimum(cap, u) } else { S::minimum(u, cap) };
            one(if S::compare(Compare::LessEqual, u, floor) { floor } else { minimum })
        }
        Op::Clamped { input, low, high, slope, offset } => {
            let (u, low, high) = (get!(*input), S::literal(low), S::literal(high));
            let clamped = if S::compare(Compare::LessEqual, u, low) {
                low
            } else if S::compare(Compare::GreaterEqual, u, high) {
                high
            } else {
                u
            };
            let scaled = match slope {
                Some(slope) => S::mul(S::literal(slope), clamped),
                None => clamped,
            };
            one(match offset {
                Some(offset) => S::add(scaled, S::literal(offset)),
                None => scaled,
            })
        }
        Op::XLogY(y, x) => one(S::xlogy(get!(*y), get!(*x))),
        Op::Compare(op, a, b) => one(S::truth(S::compare(*op, get!(*a), get!(*b)))),
        Op::And(conditions) => {
            for &condition in conditions {
                if !S::holds(get!(condition)) {
                    return one(S::truth(false));
                }
            }
            one(S::truth(true))
        }
        Op::Select { condition, then, otherwise } | Op::Choose { condition, then, otherwise } => {
            if S::holds(get!(*condition)) { one(get!(*then)) } else { one(get!(*otherwise)) }
        }
        Op::NearZero { argument, series, exact, .. } => {
            if S::near_zero(get!(*argument)) {
                one(get!(*series))
            } else {
                one(get!(*exact))
            }
        }
        Op::LogSumExpTotal(parts) => one(S::add(get!(*parts), get!(Value { part: 1, ..*parts }))),
        Op::Alias(value) => {
            let value = *value;
            one(get!(value))
        }
        Op::Length(_)
        | Op::Element(..)
        | Op::Delta(..)
        | Op::SumOver { .. }
        | Op::SumOfElements { .. }
        | Op::LogSumExpParts { .. }
        | Op::LogSumExp { .. } => Err(EngineError::new("a sum over an index needs the program's evaluator")),
    }
}

/// The value of `value` in `program` under semantics `S`, with names bound by `bindings` (and
/// `input`, if given, bound to a number of `S` that need not be an `f64`: `2^{2^{40}}`), and the
/// free indices by `indices`. Each instruction is computed when needed, once where it does not
/// depend on an index, and a choice's side only when taken. `Ok(None)` where the semantics has
/// no value (a trigonometric function of an argument beyond `2^{60}` to 256 bits).
pub fn evaluate<S: Semantics>(
    program: &Program,
    value: Value,
    bindings: &Bindings,
    input: Option<(&str, S::Number)>,
    indices: &HashMap<Index, usize>,
) -> Result<Option<S::Number>, EngineError> {
    let mut evaluator = Evaluator::<S> {
        program,
        bindings,
        input,
        memo: HashMap::new(),
        index_free: index_free(program),
        indices: indices.clone(),
    };
    evaluator.value(value)
}

/// Whether each instruction depends on no index.
fn index_free(program: &Program) -> Vec<bool> {
    let mut free = Vec::with_capacity(program.instructions.len());
    for instruction in &program.instructions {
        let own = match &instruction.op {
            Op::Element(..)
            | Op::Delta(..)
            | Op::SumOver { .. }
            | Op::SumOfElements { .. }
            | Op::LogSumExpParts { .. }
            | Op::LogSumExp { .. } => false,
            op => Program::operands(op).iter().all(|operand| free[operand.instruction]),
        };
        free.push(own);
    }
    free
}

struct Evaluator<'p, S: Semantics> {
    program: &'p Program,
    bindings: &'p Bindings,
    input: Option<(&'p str, S::Number)>,
    memo: HashMap<usize, Option<[S::Number; 2]>>,
    index_free: Vec<bool>,
    indices: HashMap<Index, usize>,
}

impl<S: Semantics> Evaluator<'_, S> {
    fn value(&mut self, value: Value) -> Result<Option<S::Number>, EngineError> {
        let position = value.instruction;
        if self.index_free[position]
            && let Some(done) = self.memo.get(&position)
        {
            return Ok(done.map(|outputs| outputs[value.part]));
        }
        let outputs = self.compute(position)?;
        if self.index_free[position] {
            self.memo.insert(position, outputs);
        }
        Ok(outputs.map(|outputs| outputs[value.part]))
    }

    fn length(&self, length: Length) -> Result<usize, EngineError> {
        self.bindings
            .length(length)
            .ok_or_else(|| EngineError::new(format!("no vector length `{}`: bind a vector input", length.name())))
    }

    fn position(&self, index: Index) -> Result<usize, EngineError> {
        self.indices.get(&index).copied().ok_or_else(|| EngineError::new(format!("index `{index}` has no value")))
    }

    /// Every value of `body` as `index` runs over `length`; `None` if one has none.
    fn over(&mut self, index: Index, length: Length, body: Value) -> Result<Option<Vec<S::Number>>, EngineError> {
        let saved = self.indices.get(&index).copied();
        let mut values = Vec::new();
        let mut complete = true;
        for position in 0..self.length(length)? {
            self.indices.insert(index, position);
            match self.value(body)? {
                Some(value) => values.push(value),
                None => complete = false,
            }
        }
        match saved {
            Some(position) => self.indices.insert(index, position),
            None => self.indices.remove(&index),
        };
        Ok(complete.then_some(values))
    }

    fn compute(&mut self, position: usize) -> Result<Option<[S::Number; 2]>, EngineError> {
        let program = self.program;
        let zero = S::from_f64(0.0);
        let op = &program.instructions[position].op;
        let one = |value: S::Number| Ok(Some([value, zero]));
        match op {
            Op::Length(length) => one(S::from_f64(self.length(*length)? as f64)),
            Op::Element(name, element_indices) => {
                let values = self
                    .bindings
                    .vectors
                    .get(name)
                    .ok_or_else(|| EngineError::new(format!("no vector value for `{name}`")))?;
                let offset = match element_indices.as_slice() {
                    [column] => self.position(*column)?,
                    [row, column] => self.position(*row)? * self.length(Length::Columns)? + self.position(*column)?,
                    _ => return Err(EngineError::new(format!("`{name}` has more than two indices"))),
                };
                let value =
                    *values.get(offset).ok_or_else(|| EngineError::new(format!("`{name}` has no element {offset}")))?;
                one(S::from_f64(value))
            }
            Op::Delta(a, b) => one(S::truth(self.position(*a)? == self.position(*b)?)),
            Op::SumOver { index, length, body } | Op::SumOfElements { index, length, body } => {
                let Some(values) = self.over(*index, *length, *body)? else { return Ok(None) };
                one(values.into_iter().fold(zero, S::add))
            }
            Op::LogSumExpParts { index, length, exponent } => {
                let Some(values) = self.over(*index, *length, *exponent)? else { return Ok(None) };
                let (largest, logarithm) = S::log_sum_exp(&values);
                Ok(Some([largest, logarithm]))
            }
            Op::LogSumExp { index, length, exponent } => {
                let Some(values) = self.over(*index, *length, *exponent)? else { return Ok(None) };
                let (largest, logarithm) = S::log_sum_exp(&values);
                one(S::add(largest, logarithm))
            }
            // A choice computes only the side it takes.
            Op::Select { condition, then, otherwise } | Op::Choose { condition, then, otherwise } => {
                let Some(condition) = self.value(*condition)? else { return Ok(None) };
                let side = if S::holds(condition) { *then } else { *otherwise };
                Ok(self.value(side)?.map(|value| [value, zero]))
            }
            Op::NearZero { argument, series, exact, .. } => {
                let Some(argument) = self.value(*argument)? else { return Ok(None) };
                let side = if S::near_zero(argument) { *series } else { *exact };
                Ok(self.value(side)?.map(|value| [value, zero]))
            }
            _ => {
                let (bindings, input) = (self.bindings, self.input);
                let name = |name: &str| -> Result<S::Number, EngineError> {
                    if let Some((input, value)) = input
                        && input == name
                    {
                        return Ok(value);
                    }
                    bindings
                        .scalars
                        .get(name)
                        .map(|&value| S::from_f64(value))
                        .ok_or_else(|| EngineError::new(format!("no value for `{name}`")))
                };
                step::<S>(op, &mut |value| self.value(value), &name)
            }
        }
    }
}
