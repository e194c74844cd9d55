//! From the IR to a [`Program`]: every choice of how a form is computed, made once.
//!
//! - Sharing: a node used more than once (and every sum over an index that no enclosing loop
//!   needs) is named, in arena order (children before parents); every other node is written where
//!   it is used.
//! - Constants: a constant subexpression is one correctly rounded literal pair, with its exact
//!   value beside it ([`crate::constant`]).
//! - Families: `σ(±u)`, `σ(u)σ(-u)` and `softplus(±u)` from one `e^{-|u|}`; `\tanh u` and
//!   `1/\cosh^2 u` from one reduction; `e^u` and `e^u - 1` from one; the Gaussian factor inside
//!   `\operatorname{erfc}(cu)` and `Φ(u)` with a derivative's `e^{ku^2}`, the square exact.
//! - Shapes: sums with their positive terms first and the negative ones subtracted, constant
//!   terms one literal; products with their constants one literal, squares over squares as one
//!   square of a quotient, and their negative powers as one division; a linear piece clamped
//!   between plateaus it meets exactly; ReLU6's comparison beside its minimum; leaky ReLU's
//!   product beside its select; selects where both sides are cheap, branches where a side costs
//!   a call.
//! - Loops: sums over an index as the runtime's reductions, over the slices themselves where the
//!   body reads them only at the index (decided here, on the IR); log-sum-exps hoisted as their
//!   two parts.

use std::collections::{HashMap, HashSet};

use texgrad_grammar::names::Length;

use super::{Binding, Family, Instruction, Literal, Op, Power, Program, Value};
use crate::constant::{self, DoubleDouble};
use crate::error::EngineError;
use crate::ir::{Compare, Constant, Func, Graph, Id, Index, Node, Rational};
use crate::precise::Precise;

/// The straight-line program computing every root of `graph` in `roots`.
pub fn build(graph: &Graph, roots: &[Id]) -> Result<Program, EngineError> {
    let mut uses = vec![0usize; graph.len()];
    let mut reachable = vec![false; graph.len()];
    let mut stack: Vec<Id> = roots.to_vec();
    for &root in roots {
        uses[root.index()] += 1;
    }
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut reachable[id.index()], true) {
            continue;
        }
        for child in graph.computed_children(id) {
            // A sum writes a negative term `-c r` as a subtraction of `c r` (see
            // `Builder::expression`): the use is of `r`, and the negated node is never written.
            let used = match (graph.node(id), split_coefficient(graph, child)) {
                (Node::Add(_), (coefficient, rest)) if *coefficient.numer() < 0 && rest != child => rest,
                _ => child,
            };
            uses[used.index()] += 1;
            stack.push(used);
        }
    }
    let free = free_indices(graph);
    let mut builder = Builder {
        graph,
        instructions: Vec::new(),
        names: HashMap::new(),
        log_sum_exp_parts: HashMap::new(),
        families: HashMap::new(),
        memo: HashMap::new(),
    };
    // Families whose argument has no free index are computed once, right after their argument;
    // the argument is named so that the members can refer to it.
    let live = |index: usize| reachable[index] && free[index].is_empty();
    let applied = |func: Func| -> HashSet<Id> {
        (0..graph.len())
            .filter(|&index| live(index))
            .filter_map(|index| match graph.node(graph.id_at(index)) {
                Node::Apply(applied, argument) if *applied == func => Some(*argument),
                _ => None,
            })
            .collect()
    };
    let paired = &applied(Func::Exp) & &applied(Func::ExpM1);
    let mut families: Vec<FamilyOf> = Vec::new();
    for index in (0..graph.len()).filter(|&index| live(index)) {
        for family in families_of(graph, graph.id_at(index), &paired) {
            if free[family.argument().index()].is_empty() && !families.contains(&family) {
                families.push(family);
            }
        }
    }
    for family in &families {
        uses[family.argument().index()] += 2;
    }
    let mut family_count = 0;
    let mut add_families = |builder: &mut Builder<'_>, argument: Option<Id>| {
        for &family in &families {
            let due = match argument {
                Some(id) => family.argument() == id,
                None => is_leaf(graph.node(family.argument())) || constant::fold(graph, family.argument()).is_some(),
            };
            if due && !builder.families.contains_key(&family) {
                let value = builder.family(family, family_count)?;
                family_count += 1;
                builder.families.insert(family, value);
            }
        }
        Ok::<(), EngineError>(())
    };
    add_families(&mut builder, None)?;
    for index in 0..graph.len() {
        let id = graph.id_at(index);
        // Shared nodes are named; so is every sum over an index that no enclosing loop needs, so
        // that `\sum_j e^{z_j}` is computed once, not once per output element.
        let loop_work = matches!(graph.node(id), Node::Sum(..) | Node::LogSumExp(..));
        if !reachable[index] || (uses[index] < 2 && !loop_work) || !free[index].is_empty() {
            continue;
        }
        if is_leaf(graph.node(id)) || constant::fold(graph, id).is_some() {
            continue;
        }
        let name = builder.names.len();
        let value = if let Node::LogSumExp(sum_index, exponent) = *graph.node(id) {
            // Kept as its two parts: `z_i - LSE` is then `(z_i - max) - ln Σ`, exact where
            // `max + ln Σ` would round away the digits `z_i - LSE` keeps (logits of 1e4 in f32).
            let exponent_value = builder.reference(exponent)?;
            let length = graph.length_of(exponent, sum_index);
            let parts = builder.push(
                Op::LogSumExpParts { index: sum_index, length, exponent: exponent_value },
                Binding::LogSumExpParts(name),
            );
            builder.log_sum_exp_parts.insert(id, parts);
            builder.push(Op::LogSumExpTotal(parts), Binding::Shared(name))
        } else {
            let before = builder.instructions.len();
            let value = builder.expression(id)?;
            if value.part == 0
                && value.instruction >= before
                && builder.instructions[value.instruction].binding == Binding::Inline
            {
                builder.instructions[value.instruction].binding = Binding::Shared(name);
                value
            } else {
                builder.push(Op::Alias(value), Binding::Shared(name))
            }
        };
        builder.names.insert(id, value);
        add_families(&mut builder, Some(id))?;
    }
    let results = roots.iter().map(|&root| builder.reference(root)).collect::<Result<_, _>>()?;
    Ok(Program { instructions: builder.instructions, results })
}

/// Functions of one argument that are computed together, keyed by that argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum FamilyOf {
    /// `σ(±u)`, `σ(u)σ(-u)` and `softplus(±u)`, from `e = e^{-|u|}` and `r = 1/(1 + e)`.
    Logistic(Id),
    /// `e^u` and `e^u - 1`.
    Exponential(Id),
    /// `tanh u` and `1/\cosh^2 u`.
    Hyperbolic(Id),
    /// `e^{k u^2}` for a constant `k` (its `f64` bits): the Gaussian factor of `erfc(c u)` (with
    /// `k = -c^2`) and of `Φ(u)` (`k = -1/2`).
    Gaussian(Id, u64),
}

impl FamilyOf {
    fn argument(self) -> Id {
        match self {
            FamilyOf::Logistic(u) | FamilyOf::Exponential(u) | FamilyOf::Hyperbolic(u) | FamilyOf::Gaussian(u, _) => u,
        }
    }
}

/// The families a node belongs to (see [`FamilyOf`]); `paired` holds the arguments of both `e^u`
/// and `e^u - 1`.
fn families_of(graph: &Graph, id: Id, paired: &HashSet<Id>) -> Vec<FamilyOf> {
    match graph.node(id) {
        Node::Apply(Func::Sigmoid | Func::Softplus, argument) => vec![FamilyOf::Logistic(unsigned(graph, *argument))],
        Node::Apply(Func::Exp, argument) => match gaussian_of(graph, *argument) {
            Some((u, k)) => vec![FamilyOf::Gaussian(u, k.0.to_f64().to_bits())],
            None if paired.contains(argument) => vec![FamilyOf::Exponential(*argument)],
            None => Vec::new(),
        },
        Node::Apply(Func::ExpM1, argument) if paired.contains(argument) => vec![FamilyOf::Exponential(*argument)],
        Node::Apply(Func::Tanh, argument) => vec![FamilyOf::Hyperbolic(*argument)],
        Node::Pow(base, exponent) if graph.rational(*exponent) == Some(Rational::from_integer(-2)) => {
            match graph.node(*base) {
                Node::Apply(Func::Cosh, argument) => vec![FamilyOf::Hyperbolic(*argument)],
                _ => Vec::new(),
            }
        }
        Node::Apply(Func::Erfc | Func::Erf, argument) => {
            let (c, u) = scaled(graph, *argument);
            vec![FamilyOf::Gaussian(u, c.0.times(c.0).negated().to_f64().to_bits())]
        }
        Node::Apply(Func::Phi, u) => vec![FamilyOf::Gaussian(*u, (-0.5f64).to_bits())],
        _ => Vec::new(),
    }
}

/// `u` for an argument `u` or `-u`: `σ(-u)` belongs to `u`'s family.
fn unsigned(graph: &Graph, argument: Id) -> Id {
    match split_coefficient(graph, argument) {
        (coefficient, rest) if coefficient == Rational::from_integer(-1) => rest,
        _ => argument,
    }
}

/// A constant in double-double (what is written) and to 256 bits (what it stands for).
type ConstantValue = (DoubleDouble, Precise);

fn constant_of(graph: &Graph, id: Id) -> Option<ConstantValue> {
    Some((constant::fold(graph, id)?, constant::exact(graph, id)?))
}

fn times((a, exact_a): ConstantValue, (b, exact_b): ConstantValue) -> ConstantValue {
    (a.times(b), exact_a.mul(&exact_b))
}

fn one() -> ConstantValue {
    (DoubleDouble::from_f64(1.0), Precise::one())
}

/// `(c, u)` for a product `c u` of constant factors and one other (`c = 1` for anything else).
fn constant_times(graph: &Graph, id: Id) -> Option<(ConstantValue, Id)> {
    let Node::Mul(factors) = graph.node(id) else { return None };
    let mut c = one();
    let mut rest = None;
    for &factor in factors {
        match constant_of(graph, factor) {
            Some(value) => c = times(c, value),
            None if rest.is_none() => rest = Some(factor),
            None => return None,
        }
    }
    Some((c, rest?))
}

/// `(c, u)` with the argument `c u` for a constant `c` (1 where there is none).
fn scaled(graph: &Graph, argument: Id) -> (ConstantValue, Id) {
    constant_times(graph, argument).unwrap_or((one(), argument))
}

/// `(u, k)` for an exponent `k u^2` with a constant `k`.
fn gaussian_of(graph: &Graph, exponent: Id) -> Option<(Id, ConstantValue)> {
    let (k, square) = constant_times(graph, exponent)?;
    let Node::Pow(u, two) = graph.node(square) else { return None };
    (graph.rational(*two) == Some(Rational::from_integer(2))).then_some((*u, k))
}

/// The indices each node depends on (free in it), in arena order.
fn free_indices(graph: &Graph) -> Vec<Vec<Index>> {
    let mut free: Vec<Vec<Index>> = Vec::with_capacity(graph.len());
    for index in 0..graph.len() {
        let id = graph.id_at(index);
        let mut own: Vec<Index> = match graph.node(id) {
            Node::Element(_, indices) => indices.clone(),
            Node::Delta(a, b) => vec![*a, *b],
            _ => graph.children(id).into_iter().flat_map(|child| free[child.index()].clone()).collect(),
        };
        if let Node::Sum(bound, _) | Node::LogSumExp(bound, _) = graph.node(id) {
            own.retain(|index| index != bound);
        }
        own.sort_unstable();
        own.dedup();
        free.push(own);
    }
    free
}

fn is_leaf(node: &Node) -> bool {
    matches!(node, Node::Number(_) | Node::Float(_) | Node::Constant(_) | Node::Symbol(_))
}

/// The correctly rounded `f64` and `f32` nearest to a rational.
pub fn rational_literals(value: Rational) -> (f32, f64) {
    let (numerator, denominator) = (*value.numer(), *value.denom());
    const EXACT: i128 = 1 << 53;
    let double = if numerator.abs() <= EXACT && denominator <= EXACT {
        // Both operands are exact, and IEEE division rounds correctly.
        numerator as f64 / denominator as f64
    } else {
        Graph::rational_to_f64(value)
    };
    // Rounding the f64 again to f32 can differ from rounding the rational once only when the
    // f64 falls exactly on an f32 rounding boundary; the decimal literals of formulas do not.
    (double as f32, double)
}

fn rational_literal(value: Rational) -> Literal {
    let (single, double) = rational_literals(value);
    Literal { single, double, exact: constant::exact_rational(value) }
}

fn folded((value, exact): ConstantValue) -> Literal {
    Literal::folded(value, exact)
}

/// A term as a rational coefficient and the rest (for a product of two factors whose first is
/// a rational).
pub(crate) fn split_coefficient(graph: &Graph, term: Id) -> (Rational, Id) {
    match graph.node(term) {
        Node::Mul(factors) if factors.len() == 2 => match graph.rational(factors[0]) {
            Some(coefficient) => (coefficient, factors[1]),
            None => (Rational::from_integer(1), term),
        },
        _ => (Rational::from_integer(1), term),
    }
}

/// Positions of `σ(u)` and `σ(-u)` among the factors, and `u`.
fn sigmoid_pair(graph: &Graph, factors: &[Id]) -> Option<(usize, usize, Id)> {
    for (first, &factor) in factors.iter().enumerate() {
        let Node::Apply(Func::Sigmoid, u) = graph.node(factor) else { continue };
        for (second, &other) in factors.iter().enumerate() {
            let Node::Apply(Func::Sigmoid, v) = graph.node(other) else { continue };
            if let Node::Mul(parts) = graph.node(*v)
                && parts.len() == 2
                && graph.rational(parts[0]) == Some(Rational::from_integer(-1))
                && parts[1] == *u
            {
                return Some((first, second, *u));
            }
        }
    }
    None
}

/// Where a sum has two or more constant terms: the position of the first, and their sum.
fn constant_terms(graph: &Graph, terms: &[Id]) -> Option<(usize, ConstantValue)> {
    let constants: Vec<(usize, ConstantValue)> =
        terms.iter().enumerate().filter_map(|(position, &term)| Some((position, constant_of(graph, term)?))).collect();
    if constants.len() < 2 {
        return None;
    }
    let total = constants
        .iter()
        .skip(1)
        .fold(constants[0].1, |(total, exact), (_, (value, value_exact))| (total.plus(*value), exact.add(value_exact)));
    Some((constants[0].0, total))
}

/// The squares (and higher integer powers) of a product's numerator paired with those of its
/// denominator as powers of quotients, `\frac{a^2}{b^2}` as `(a / b)^2`: `\frac{2 \sin^2(x/2)}{x^2}`
/// at `10^{-160}` is `0/0` squared apart but `2 (1/2)^2` as a quotient's square, and `a^2` can
/// overflow where `a / b` does not. A `\cosh^{-2}` is left to its family's `sech^2`.
fn quotient_powers(graph: &Graph, factors: &[Id]) -> QuotientPowers {
    let power_of = |factor: Id| -> Option<(Id, i128)> {
        let Node::Pow(base, exponent) = graph.node(factor) else { return None };
        let value = graph.rational(*exponent).filter(|value| value.is_integer())?;
        if constant::fold(graph, *base).is_some() {
            return None;
        }
        Some((*base, *value.numer()))
    };
    let mut powers: Vec<(usize, Id, i128)> = factors
        .iter()
        .enumerate()
        .filter_map(|(position, &factor)| power_of(factor).map(|(base, exponent)| (position, base, exponent)))
        .filter(|&(_, base, exponent)| !(exponent < 0 && matches!(graph.node(base), Node::Apply(Func::Cosh, _))))
        .collect();
    let mut pairs = Vec::new();
    let mut changed = HashMap::new();
    for top in 0..powers.len() {
        for bottom in 0..powers.len() {
            let (top_exponent, bottom_exponent) = (powers[top].2, -powers[bottom].2);
            if top_exponent < 2 || bottom_exponent < 2 {
                continue;
            }
            let k = top_exponent.min(bottom_exponent);
            let Ok(small) = i32::try_from(k) else { continue };
            pairs.push((powers[top].1, powers[bottom].1, small));
            powers[top].2 -= k;
            powers[bottom].2 += k;
            changed.insert(powers[top].0, Rational::from_integer(powers[top].2));
            changed.insert(powers[bottom].0, Rational::from_integer(powers[bottom].2));
        }
    }
    QuotientPowers { pairs, exponents: changed }
}

/// A product's powers paired as quotients ([`quotient_powers`]).
struct QuotientPowers {
    /// `(a, b, k)` for each `(a / b)^k`, in factor order.
    pairs: Vec<(Id, Id, i32)>,
    /// The exponent left to each paired factor, by position (0 where all of it is paired).
    exponents: HashMap<usize, Rational>,
}

/// A comparison of an input with a constant bound: `u \le a` (or `<`, or `a \ge u`) is below,
/// `u \ge b` above.
struct Bound {
    input: Id,
    bound: ConstantValue,
    below: bool,
}

fn bound_of(graph: &Graph, condition: Id) -> Option<Bound> {
    let Node::Compare(op, a, b) = *graph.node(condition) else { return None };
    let below = match op {
        Compare::Less | Compare::LessEqual => true,
        Compare::Greater | Compare::GreaterEqual => false,
        Compare::Equal | Compare::NotEqual => return None,
    };
    match (constant_of(graph, a), constant_of(graph, b)) {
        (None, Some(bound)) => Some(Bound { input: a, bound, below }),
        (Some(bound), None) => Some(Bound { input: b, bound, below: !below }),
        _ => None,
    }
}

/// `(c, d)` for a node `c u + d` with constants `c` and `d` (either may be left out).
fn affine_in(graph: &Graph, id: Id, u: Id) -> Option<(ConstantValue, ConstantValue)> {
    let zero = (DoubleDouble::from_f64(0.0), Precise::ZERO);
    let linear = |term: Id| match constant_times(graph, term) {
        Some((c, rest)) if rest == u => Some(c),
        _ if term == u => Some(one()),
        _ => None,
    };
    if let Some(slope) = linear(id) {
        return Some((slope, zero));
    }
    let Node::Add(terms) = graph.node(id) else { return None };
    let [first, second] = terms.as_slice() else { return None };
    match (linear(*first), constant_of(graph, *second), linear(*second), constant_of(graph, *first)) {
        (Some(slope), Some(offset), ..) | (.., Some(slope), Some(offset)) => Some((slope, offset)),
        _ => None,
    }
}

/// Whether every use of `index` in `body` (as computed) is an element of a vector at that index
/// (`dy_i`, `(y_i - t_i)^2`), at least one: then the runtime sums over the slices themselves,
/// whose loops vectorise whole. A matrix element or a Kronecker delta on the index, or no slice
/// read, and it is not.
pub fn reads_slices_at(graph: &Graph, body: Id, index: Index) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![body];
    let mut found = false;
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        match graph.node(id) {
            Node::Element(_, indices) if indices.contains(&index) => {
                if indices.as_slice() != [index] {
                    return false;
                }
                found = true;
            }
            Node::Delta(a, b) if *a == index || *b == index => return false,
            // An inner sum over the same index binds it anew.
            Node::Sum(bound, _) | Node::LogSumExp(bound, _) if *bound == index => continue,
            _ => stack.extend(graph.computed_children(id)),
        }
    }
    found
}

struct Builder<'g> {
    graph: &'g Graph,
    instructions: Vec<Instruction>,
    /// Named nodes, and the instruction that names them.
    names: HashMap<Id, Value>,
    /// Hoisted log-sum-exps, and the instruction of their parts.
    log_sum_exp_parts: HashMap<Id, Value>,
    /// Families computed up front, and the instruction of their parts.
    families: HashMap<FamilyOf, Value>,
    /// The instruction computing each node written in place, built once.
    memo: HashMap<Id, Value>,
}

impl Builder<'_> {
    fn push(&mut self, op: Op, binding: Binding) -> Value {
        self.instructions.push(Instruction { op, binding });
        Value::of(self.instructions.len() - 1)
    }

    fn inline(&mut self, op: Op) -> Value {
        self.push(op, Binding::Inline)
    }

    fn literal(&mut self, literal: Literal) -> Value {
        self.inline(Op::Literal(literal))
    }

    /// A node as an operand: its name's instruction, or its own, written in place.
    fn reference(&mut self, id: Id) -> Result<Value, EngineError> {
        match self.names.get(&id) {
            Some(&value) => Ok(value),
            None => self.expression(id),
        }
    }

    /// The parts of a family, computed together.
    fn family(&mut self, family: FamilyOf, position: usize) -> Result<Value, EngineError> {
        let argument = self.reference(family.argument())?;
        Ok(match family {
            FamilyOf::Logistic(_) => self.push(Op::Parts(Family::Logistic, argument), Binding::Family(position)),
            FamilyOf::Exponential(_) => self.push(Op::Parts(Family::Exponential, argument), Binding::Family(position)),
            FamilyOf::Hyperbolic(_) => self.push(Op::Parts(Family::Hyperbolic, argument), Binding::Family(position)),
            FamilyOf::Gaussian(u, bits) => {
                let k = self.gaussian_constant(u, bits);
                self.push(Op::Gaussian(argument, k), Binding::Gaussian(position))
            }
        })
    }

    /// The constant `k` of a Gaussian family `e^{k u^2}`: as written, the `f64` the family is
    /// keyed by (and that, rounded, in `f32`); exactly, the constant it was folded from.
    fn gaussian_constant(&self, u: Id, bits: u64) -> Literal {
        let k = f64::from_bits(bits);
        let exact = self.gaussian_exact(u, k).unwrap_or_else(|| Precise::from_f64(k));
        Literal { single: k as f32, double: k, exact }
    }

    /// The exact `k` of the Gaussians of `u` in the graph whose `f64` is `k`.
    fn gaussian_exact(&self, u: Id, k: f64) -> Option<Precise> {
        if k == -0.5 {
            return Some(Precise::from_f64(-0.5));
        }
        (0..self.graph.len()).find_map(|index| {
            let id = self.graph.id_at(index);
            let candidate = match self.graph.node(id) {
                Node::Apply(Func::Exp, argument) => gaussian_of(self.graph, *argument).filter(|(v, _)| *v == u)?.1,
                Node::Apply(Func::Erfc | Func::Erf, argument) => {
                    let (c, v) = scaled(self.graph, *argument);
                    if v != u {
                        return None;
                    }
                    let square = times(c, c);
                    (square.0.negated(), square.1.neg())
                }
                _ => return None,
            };
            (candidate.0.to_f64() == k).then_some(candidate.1)
        })
    }

    /// A Gaussian factor: its family's, or computed in place.
    fn gaussian_factor(&mut self, u: Id, k: ConstantValue) -> Result<Value, EngineError> {
        let family = FamilyOf::Gaussian(u, k.0.to_f64().to_bits());
        if let Some(&value) = self.families.get(&family) {
            return Ok(value);
        }
        let u = self.reference(u)?;
        let literal = Literal { single: k.0.to_f32(), double: k.0.to_f64(), exact: k.1 };
        Ok(self.inline(Op::Gaussian(u, literal)))
    }

    /// A function applied to an argument, through its family where it has one.
    fn apply(&mut self, func: Func, argument: Id) -> Result<Value, EngineError> {
        let graph = self.graph;
        match func {
            Func::Sigmoid | Func::Softplus => {
                if let Some(&parts) = self.families.get(&FamilyOf::Logistic(unsigned(graph, argument))) {
                    let signed = self.reference(argument)?;
                    return Ok(if func == Func::Sigmoid {
                        self.inline(Op::SigmoidFromParts(signed, parts))
                    } else {
                        self.inline(Op::SoftplusFromParts(signed, parts))
                    });
                }
            }
            Func::Exp | Func::ExpM1 => {
                if func == Func::Exp
                    && let Some((u, k)) = gaussian_of(graph, argument)
                {
                    return self.gaussian_factor(u, k);
                }
                if let Some(&parts) = self.families.get(&FamilyOf::Exponential(argument)) {
                    return Ok(Value { part: usize::from(func == Func::ExpM1), ..parts });
                }
            }
            Func::Tanh => {
                if let Some(&parts) = self.families.get(&FamilyOf::Hyperbolic(argument)) {
                    return Ok(parts);
                }
            }
            Func::Erfc | Func::Erf => {
                let (c, u) = scaled(graph, argument);
                let square = times(c, c);
                let gaussian = self.gaussian_factor(u, (square.0.negated(), square.1.neg()))?;
                let argument = self.reference(argument)?;
                return Ok(self.inline(Op::GivenGaussian(func, argument, gaussian)));
            }
            Func::Phi => {
                let gaussian =
                    self.gaussian_factor(argument, (DoubleDouble::from_f64(-0.5), Precise::from_f64(-0.5)))?;
                let argument = self.reference(argument)?;
                return Ok(self.inline(Op::GivenGaussian(func, argument, gaussian)));
            }
            _ => {}
        }
        let argument = self.reference(argument)?;
        Ok(self.inline(Op::Call(func, argument)))
    }

    fn expression(&mut self, id: Id) -> Result<Value, EngineError> {
        if let Some(&done) = self.memo.get(&id) {
            return Ok(done);
        }
        let value = self.build_expression(id)?;
        self.memo.insert(id, value);
        Ok(value)
    }

    fn build_expression(&mut self, id: Id) -> Result<Value, EngineError> {
        let graph = self.graph;
        if !is_leaf(graph.node(id))
            && let Some(value) = constant_of(graph, id)
        {
            return Ok(self.literal(folded(value)));
        }
        Ok(match graph.node(id).clone() {
            Node::Number(value) => self.literal(rational_literal(value)),
            Node::Float(bits) => self.literal(Literal::of_f64(f64::from_bits(bits))),
            Node::Constant(Constant::E) => self.literal(Literal {
                single: std::f32::consts::E,
                double: std::f64::consts::E,
                exact: Precise::one().exp(),
            }),
            Node::Constant(Constant::Pi) => self.literal(Literal {
                single: std::f32::consts::PI,
                double: std::f64::consts::PI,
                exact: crate::precise::pi(),
            }),
            Node::Symbol(name) => match Length::of(&name) {
                Some(length) => self.inline(Op::Length(length)),
                None => self.inline(Op::Name(name)),
            },
            Node::Add(terms) => self.sum(&terms)?,
            Node::Mul(_) | Node::Pow(..) => self.product(id)?,
            Node::Apply(func, argument) => self.apply(func, argument)?,
            Node::Max(a, b) => {
                let (a, b) = (self.reference(a)?, self.reference(b)?);
                self.inline(Op::Maximum(a, b))
            }
            Node::Min(a, b) => match self.capped_from_below(a, b)? {
                Some(capped) => capped,
                None => {
                    let (a, b) = (self.reference(a)?, self.reference(b)?);
                    self.inline(Op::Minimum(a, b))
                }
            },
            Node::XLogY(y, x) => {
                let (y, x) = (self.reference(y)?, self.reference(x)?);
                self.inline(Op::XLogY(y, x))
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (self.reference(a)?, self.reference(b)?);
                self.inline(Op::Compare(op, a, b))
            }
            Node::And(conditions) => {
                let conditions =
                    conditions.iter().map(|&condition| self.reference(condition)).collect::<Result<Vec<_>, _>>()?;
                self.inline(Op::And(conditions))
            }
            Node::NearZero { argument, series, exact } => {
                let costly = self.costly(series) || self.costly(exact);
                let argument = self.reference(argument)?;
                let (series, exact) = (self.reference(series)?, self.reference(exact)?);
                self.inline(Op::NearZero { argument, series, exact, costly })
            }
            Node::ComputedAs { computed, .. } => self.reference(computed)?,
            Node::Select { condition, then, otherwise } => match self.clamped(id)? {
                Some(clamped) => clamped,
                None => {
                    let condition = self.reference(condition)?;
                    self.choice(condition, then, otherwise)?
                }
            },
            Node::Element(name, indices) => {
                if indices.len() > 2 {
                    return Err(EngineError::new(format!("`{name}` has more than two indices")));
                }
                self.inline(Op::Element(name, indices))
            }
            Node::Delta(a, b) => self.inline(Op::Delta(a, b)),
            Node::Sum(index, body) => {
                let length = graph.length_of(body, index);
                let elementwise = reads_slices_at(graph, body, index);
                let body = self.reference(body)?;
                if elementwise {
                    self.inline(Op::SumOfElements { index, length, body })
                } else {
                    self.inline(Op::SumOver { index, length, body })
                }
            }
            Node::LogSumExp(index, exponent) => {
                let length = graph.length_of(exponent, index);
                let exponent = self.reference(exponent)?;
                self.inline(Op::LogSumExp { index, length, exponent })
            }
        })
    }

    /// A sum as the code writes it: the positive terms in order, then the negative ones
    /// subtracted, constant terms one literal, hoisted log-sum-exps last, part by part.
    fn sum(&mut self, terms: &[Id]) -> Result<Value, EngineError> {
        let graph = self.graph;
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        let mut log_sum_exps = Vec::new();
        let constants = constant_terms(graph, terms);
        for (position, &term) in terms.iter().enumerate() {
            if let Some((first, total)) = constants {
                if position == first {
                    if total.0.to_f64() < 0.0 {
                        negative.push(self.literal(folded((total.0.negated(), total.1.neg()))));
                    } else {
                        positive.push(self.literal(folded(total)));
                    }
                }
                if constant::fold(graph, term).is_some() {
                    continue;
                }
            }
            let (coefficient, rest) = split_coefficient(graph, term);
            if let Some(&parts) = self.log_sum_exp_parts.get(&rest)
                && (coefficient == Rational::from_integer(1) || coefficient == Rational::from_integer(-1))
            {
                log_sum_exps.push((*coefficient.numer() < 0, parts));
                continue;
            }
            if *coefficient.numer() < 0 {
                let magnitude = self.scaled(-coefficient, rest)?;
                negative.push(magnitude);
            } else {
                positive.push(self.reference(term)?);
            }
        }
        Ok(self.inline(Op::Sum { positive, negative, log_sum_exps }))
    }

    /// `c · rest` for a positive rational `c`.
    fn scaled(&mut self, coefficient: Rational, rest: Id) -> Result<Value, EngineError> {
        let rest = self.reference(rest)?;
        if coefficient == Rational::from_integer(1) {
            return Ok(rest);
        }
        let literal = self.literal(rational_literal(coefficient));
        Ok(self.inline(Op::Product { numerator: vec![literal, rest], denominator: Vec::new(), negate: false }))
    }

    /// `then` where `condition` holds, else `otherwise`: a select where both sides are cheap
    /// (LLVM may turn nested `if`s into branches, which stop a loop from vectorising); where a
    /// side costs a function call, a branch in the plain scalar functions (which skips the work
    /// of the side not taken) and a select in slice kernels (which compute both sides anyway).
    fn choice(&mut self, condition: Value, then: Id, otherwise: Id) -> Result<Value, EngineError> {
        let costly = self.costly(then) || self.costly(otherwise);
        let (then, otherwise) = (self.reference(then)?, self.reference(otherwise)?);
        Ok(if costly {
            self.inline(Op::Choose { condition, then, otherwise })
        } else {
            self.inline(Op::Select { condition, then, otherwise })
        })
    }

    /// Whether computing a node (beyond what is already named) calls a function.
    fn costly(&self, id: Id) -> bool {
        if self.names.contains_key(&id) {
            return false;
        }
        match self.graph.node(id) {
            Node::Apply(..) | Node::XLogY(..) | Node::Sum(..) | Node::LogSumExp(..) => true,
            Node::Pow(_, exponent) if self.graph.rational(*exponent).is_none_or(|value| !value.is_integer()) => true,
            _ => self.graph.computed_children(id).into_iter().any(|child| self.costly(child)),
        }
    }

    /// A product with its negative powers as one division: `a * b / (c * d)`.
    fn product(&mut self, id: Id) -> Result<Value, EngineError> {
        let graph = self.graph;
        let factors = match graph.node(id) {
            Node::Mul(factors) => factors.clone(),
            _ => vec![id],
        };
        if let Some(selected) = self.selected_product(&factors)? {
            return Ok(selected);
        }
        let mut numerator = Vec::new();
        let mut denominator = Vec::new();
        // σ(u) σ(-u), the sigmoid's derivative, is one call with one exponential.
        let mut factors = factors;
        if let Some((first, second, argument)) = sigmoid_pair(graph, &factors) {
            let derivative = match self.families.get(&FamilyOf::Logistic(argument)) {
                Some(&parts) => self.inline(Op::SigmoidDerivativeFromParts(parts)),
                None => {
                    let argument = self.reference(argument)?;
                    self.inline(Op::SigmoidDerivative(argument))
                }
            };
            numerator.push(derivative);
            let (high, low) = (first.max(second), first.min(second));
            factors.remove(high);
            factors.remove(low);
        }
        // Squares over squares are one square of a quotient, which stays in range.
        let QuotientPowers { pairs, exponents } = quotient_powers(graph, &factors);
        for (top, bottom, k) in pairs {
            let (top, bottom) = (self.reference(top)?, self.reference(bottom)?);
            let quotient = self.inline(Op::Quotient(top, bottom));
            numerator.push(self.power(quotient, Rational::from_integer(i128::from(k))));
        }
        // Every constant factor (rationals, `1/\sqrt{2}`, `\pi`) folds into one literal.
        let mut constant_part: Option<ConstantValue> = None;
        for (position, &factor) in factors.iter().enumerate() {
            if let Some(&exponent) = exponents.get(&position) {
                let Node::Pow(base, _) = graph.node(factor) else { continue };
                let base = self.reference(*base)?;
                match *exponent.numer() {
                    0 => {}
                    n if n < 0 => denominator.push(self.power(base, -exponent)),
                    _ => numerator.push(self.power(base, exponent)),
                }
                continue;
            }
            if let Some(value) = constant_of(graph, factor) {
                constant_part = Some(match constant_part {
                    Some(product) => times(product, value),
                    None => value,
                });
                continue;
            }
            let named = self.names.contains_key(&factor) && factors.len() > 1;
            match graph.node(factor).clone() {
                // 1/cosh^2 u is its family's sech^2 u.
                Node::Pow(base, exponent)
                    if !named
                        && graph.rational(exponent) == Some(Rational::from_integer(-2))
                        && let Node::Apply(Func::Cosh, argument) = *graph.node(base)
                        && let Some(&parts) = self.families.get(&FamilyOf::Hyperbolic(argument)) =>
                {
                    numerator.push(Value { part: 1, ..parts });
                }
                Node::Pow(base, exponent) if !named => {
                    let base = self.reference(base)?;
                    match graph.rational(exponent) {
                        Some(value) if *value.numer() < 0 => denominator.push(self.power(base, -value)),
                        Some(value) => numerator.push(self.power(base, value)),
                        None => {
                            let exponent = self.reference(exponent)?;
                            numerator.push(self.inline(Op::PowerOf(base, exponent)));
                        }
                    }
                }
                _ => numerator.push(self.reference(factor)?),
            }
        }
        let mut negate = false;
        if let Some((value, exact)) = constant_part {
            let magnitude = if value.to_f64() < 0.0 {
                negate = true;
                (value.negated(), exact.neg())
            } else {
                (value, exact)
            };
            if magnitude.0.to_f64() != 1.0 {
                let literal = self.literal(folded(magnitude));
                numerator.insert(0, literal);
            }
        }
        Ok(self.inline(Op::Product { numerator, denominator, negate }))
    }

    /// `base^value` for a positive rational, as the code writes it.
    fn power(&mut self, base: Value, value: Rational) -> Value {
        if value == Rational::from_integer(1) {
            return base;
        }
        if value == Rational::new(1, 2) {
            return self.inline(Op::Power(base, Power::Sqrt));
        }
        if value.is_integer()
            && let Ok(n) = i32::try_from(*value.numer())
        {
            return self.inline(Op::Power(base, Power::Integer(n)));
        }
        self.inline(Op::Power(base, Power::Literal(rational_literal(value))))
    }

    /// A linear piece between two constant plateaus that it meets exactly (hardsigmoid:
    /// `0` for `x \le -3`, `1` for `x \ge 3`, `x/6 + 1/2` between) as the linear piece of the
    /// input clamped to the plateaus' bounds: `c · clamp(u, a, b) + d`, a minimum, a maximum and
    /// one multiply-add instead of two comparisons and two blends after the multiply-add.
    /// It returns the same values bit for bit: only where the piece, evaluated in `f32` and in
    /// `f64` as written (no fused multiply-add), gives the plateaus' literals at the bounds
    /// exactly; a NaN input stays NaN through the clamp.
    fn clamped(&mut self, id: Id) -> Result<Option<Value>, EngineError> {
        let graph = self.graph;
        let Node::Select { condition, then, otherwise } = *graph.node(id) else { return Ok(None) };
        if self.names.contains_key(&otherwise) {
            return Ok(None);
        }
        let Node::Select { condition: inner_condition, then: inner_then, otherwise: piece } = *graph.node(otherwise)
        else {
            return Ok(None);
        };
        let (Some(outer), Some(inner)) = (bound_of(graph, condition), bound_of(graph, inner_condition)) else {
            return Ok(None);
        };
        let (Some(outer_plateau), Some(inner_plateau)) = (constant_of(graph, then), constant_of(graph, inner_then))
        else {
            return Ok(None);
        };
        let ((low, low_plateau), (high, high_plateau)) = match (outer.below, inner.below) {
            (true, false) => ((outer.bound, outer_plateau), (inner.bound, inner_plateau)),
            (false, true) => ((inner.bound, inner_plateau), (outer.bound, outer_plateau)),
            _ => return Ok(None),
        };
        let Some((slope, offset)) = affine_in(graph, piece, outer.input) else { return Ok(None) };
        if outer.input != inner.input {
            return Ok(None);
        }
        // The piece as written: `slope * t` (left out for a slope of 1), then `+ offset` (left
        // out for 0), each rounded.
        let (scales, shifts) = (slope.0.to_f64() != 1.0, offset.0.to_f64() != 0.0);
        fn meets<T: Copy + core::ops::Mul<Output = T> + core::ops::Add<Output = T>>(
            (scales, shifts): (bool, bool),
            (slope, offset): (T, T),
            at: T,
            plateau: T,
            to_bits: fn(T) -> u64,
        ) -> bool {
            let scaled = if scales { slope * at } else { at };
            let value = if shifts { scaled + offset } else { scaled };
            to_bits(value) == to_bits(plateau)
        }
        let shape = (scales, shifts);
        let single = (slope.0.to_f32(), offset.0.to_f32());
        let double = (slope.0.to_f64(), offset.0.to_f64());
        let single_bits: fn(f32) -> u64 = |value| u64::from(value.to_bits());
        let ordered = low.0.to_f32() < high.0.to_f32() && low.0.to_f64() < high.0.to_f64();
        let meets_both = meets(shape, single, low.0.to_f32(), low_plateau.0.to_f32(), single_bits)
            && meets(shape, single, high.0.to_f32(), high_plateau.0.to_f32(), single_bits)
            && meets(shape, double, low.0.to_f64(), low_plateau.0.to_f64(), f64::to_bits)
            && meets(shape, double, high.0.to_f64(), high_plateau.0.to_f64(), f64::to_bits);
        if !(ordered && meets_both) {
            return Ok(None);
        }
        let input = self.reference(outer.input)?;
        Ok(Some(self.inline(Op::Clamped {
            input,
            low: folded(low),
            high: folded(high),
            slope: scales.then(|| folded(slope)),
            offset: shifts.then(|| folded(offset)),
        })))
    }

    /// `min(c₁, max(c₀, u))` for constants `c₀ < c₁` (ReLU6) as `u ≤ c₀ ? c₀ : min(c₁, u)`: the
    /// comparison reads `u` itself, so that it and the minimum run side by side rather than one
    /// after the other (the hand-written loop's shape: four SSE2 instructions per four elements
    /// instead of five and a copy). The same values bit for bit: below `c₀` (and at it, -0
    /// included) both give `c₀`, above it both give the minimum of `u`, and a NaN `u` passes
    /// through the maximum as it does through the minimum, whose operand order is kept. Only
    /// with the constant first in the maximum: `max(u, c₀)` gives `c₀` for a NaN `u`.
    fn capped_from_below(&mut self, a: Id, b: Id) -> Result<Option<Value>, EngineError> {
        let graph = self.graph;
        let (cap, inner, cap_first) = match (constant_of(graph, a), constant_of(graph, b)) {
            (Some(cap), None) => (cap, b, true),
            (None, Some(cap)) => (cap, a, false),
            _ => return Ok(None),
        };
        if self.names.contains_key(&inner) {
            return Ok(None);
        }
        let Node::Max(floor, u) = *graph.node(inner) else { return Ok(None) };
        let Some(floor_value) = constant_of(graph, floor) else { return Ok(None) };
        if constant::fold(graph, u).is_some()
            || floor_value.0.to_f32() >= cap.0.to_f32()
            || floor_value.0.to_f64() >= cap.0.to_f64()
        {
            return Ok(None);
        }
        let input = self.reference(u)?;
        Ok(Some(self.inline(Op::CappedFromBelow { input, floor: folded(floor_value), cap: folded(cap), cap_first })))
    }

    /// `u · (c ? 1 : k)` (leaky ReLU's `x` times its slope, as the simplifier factors it) as
    /// `c ? u : k u`: the same values, but the product no longer waits for the select, which
    /// costs a tenth of a cheap loop's time where the select needs a register copy (SSE2).
    /// Only where the select is used nowhere else: where the derivative shares it, the factored
    /// form is the cheaper one.
    fn selected_product(&mut self, factors: &[Id]) -> Result<Option<Value>, EngineError> {
        let graph = self.graph;
        let [first, second] = *factors else { return Ok(None) };
        let (factor, select) = match (graph.node(first), graph.node(second)) {
            (_, Node::Select { .. }) => (first, second),
            (Node::Select { .. }, _) => (second, first),
            _ => return Ok(None),
        };
        let Node::Select { condition, then, otherwise } = *graph.node(select) else { return Ok(None) };
        let is_one = |id: Id| graph.rational(id) == Some(Rational::from_integer(1));
        if self.names.contains_key(&select)
            || (self.costly(factor) && !self.names.contains_key(&factor))
            || self.costly(then)
            || self.costly(otherwise)
            || (is_one(then) == is_one(otherwise))
        {
            return Ok(None);
        }
        let (condition, u) = (self.reference(condition)?, self.reference(factor)?);
        let scaled = |builder: &mut Self, k: Id| -> Result<Value, EngineError> {
            let k = builder.reference(k)?;
            Ok(builder.inline(Op::Product { numerator: vec![k, u], denominator: Vec::new(), negate: false }))
        };
        let (then, otherwise) = if is_one(then) { (u, scaled(self, otherwise)?) } else { (scaled(self, then)?, u) };
        Ok(Some(self.inline(Op::Select { condition, then, otherwise })))
    }
}
