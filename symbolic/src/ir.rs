//! The engine's intermediate representation: a flat, hash-consed arena of nodes.
//!
//! Nodes refer to their children by [`Id`], children are stored before their parents, and an
//! identical node is stored once, so common subexpressions are shared by construction and a
//! forward walk over the arena is a valid evaluation order (as in egg's `RecExpr`).
//!
//! The IR cannot express surface sugar: no `\frac` versus `/`, no `e^x` versus `\exp x`
//! (both are [`Func::Exp`]), no subtraction (`a - b` is `a + (-1) b`), no square root (a power
//! of one half). Every node is built through the constructors of [`Graph`], which keep the
//! canonical form: sums and products flattened and sorted, numbers folded exactly, like terms
//! and like powers combined. Those are the simplifier's structural rules; `simplify.rs` holds
//! the named rewrites that need more than one node.

use std::collections::HashMap;
use std::fmt;

use num_rational::Ratio;
use num_traits::{CheckedAdd, CheckedMul, One, Signed, ToPrimitive, Zero};
use texgrad_grammar::names::Length;

/// Exact rational constants.
pub type Rational = Ratio<i128>;

/// How many links of a chain of sums or products as written stay nested (each evaluated in its
/// written order) before the rest of the chain joins one flat node.
const WRITTEN_CHAIN_NESTING: usize = 32;

/// A node's index in its [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(u32);

impl Id {
    /// The position in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Mathematical constants other than rationals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Constant {
    /// Euler's number.
    E,
    /// π.
    Pi,
}

pub use crate::functions::{Func, Library};

/// Comparison operators of conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compare {
    /// `<`.
    Less,
    /// `\le`.
    LessEqual,
    /// `>`.
    Greater,
    /// `\ge`.
    GreaterEqual,
    /// `=`.
    Equal,
    /// `\ne`.
    NotEqual,
}

impl Compare {
    /// Whether `a op b` holds: false for every comparison with a NaN but `\ne`, as in floating
    /// point. The one definition every evaluator uses.
    pub fn holds<T: PartialOrd>(self, a: &T, b: &T) -> bool {
        match self {
            Compare::Less => a < b,
            Compare::LessEqual => a <= b,
            Compare::Greater => a > b,
            Compare::GreaterEqual => a >= b,
            Compare::Equal => a == b,
            Compare::NotEqual => a != b,
        }
    }
}

/// An index variable of a sum or of a vector output (`i`, `j`, `k`).
pub type Index = char;

/// A node of the IR.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// An exact rational.
    Number(Rational),
    /// A number that has no exact rational form here (a literal like `1e300`), as `f64` bits.
    Float(u64),
    /// `e` or `π`.
    Constant(Constant),
    /// A scalar input or parameter.
    Symbol(String),
    /// An element of a vector input, `z_i`, or of a matrix, `y_{k,i}`.
    Element(String, Vec<Index>),
    /// A sum of at least two terms, flattened and sorted.
    Add(Vec<Id>),
    /// A product of at least two factors, flattened and sorted; a rational coefficient first.
    Mul(Vec<Id>),
    /// `base^exponent`.
    Pow(Id, Id),
    /// A unary function.
    Apply(Func, Id),
    /// `\max(a, b)`.
    Max(Id, Id),
    /// `\min(a, b)`.
    Min(Id, Id),
    /// A comparison, 1 when it holds and 0 otherwise (used only as a condition).
    Compare(Compare, Id, Id),
    /// All conditions hold.
    And(Vec<Id>),
    /// `then` where `condition` holds, else `otherwise`.
    Select {
        /// A [`Node::Compare`], [`Node::And`] or true constant.
        condition: Id,
        /// The value where it holds.
        then: Id,
        /// The value elsewhere.
        otherwise: Id,
    },
    /// A sum of `body` over the whole range of `index`.
    Sum(Index, Id),
    /// The Kronecker delta: 1 where the two indices are equal.
    Delta(Index, Index),
    /// `\ln \sum_index e^{exponent}`, evaluated with the maximum subtracted so that it neither
    /// overflows nor underflows (the stabiliser's log-sum-exp).
    LogSumExp(Index, Id),
    /// `y \ln x`, and 0 where `y` is 0 whatever `x` is (the `0 \log 0 = 0` convention of
    /// cross-entropy and KL divergence).
    XLogY(Id, Id),
    /// `exact`, computed as `series` where `|argument| < 1/10` because `exact` cancels near 0
    /// (`x - \tanh x`). Mathematically it is `exact`: that is what is differentiated and printed.
    NearZero {
        /// The variable the series is in.
        argument: Id,
        /// The Taylor series, accurate for `|argument| < 1/10`.
        series: Id,
        /// The exact form.
        exact: Id,
    },
    /// `exact`, computed as `computed`: an equal form that a stable rewrite chose for evaluation
    /// (a conjugate where a sum of a root cancels, a radicand scaled where its square
    /// overflows), often a choice between forms. Mathematically it is `exact`: that is what is
    /// differentiated and printed; every evaluator computes `computed`.
    ComputedAs {
        /// The form that is printed and differentiated.
        exact: Id,
        /// The equal form that is evaluated.
        computed: Id,
    },
}

/// A named rewrite of one node whose children are already rewritten: `None` where it does not
/// apply. The simplifier and the stabiliser are tables of these.
pub struct Rule {
    /// The rule's name, for tests and documentation.
    pub name: &'static str,
    /// The rewrite.
    pub apply: fn(&mut Graph, Id) -> Option<Id>,
}

/// A hash-consed arena of nodes.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    ids: HashMap<Node, Id>,
    /// While set, sums, products and powers are stored as written (only numbers are folded):
    /// the formula as its author wrote it, the reference the engine's rewrites are measured
    /// against.
    as_written: bool,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Graph::default()
    }

    /// The node behind an id.
    pub fn node(&self, id: Id) -> &Node {
        &self.nodes[id.index()]
    }

    /// The id of the node at an arena position (below [`Self::len`]).
    pub fn id_at(&self, index: usize) -> Id {
        assert!(index < self.nodes.len(), "node {index} is not in the graph");
        Id(index as u32)
    }

    /// Build sums, products and powers as written (`true`) or canonically (`false`, the
    /// default); returns the previous setting. See [`Graph::as_written`].
    pub fn set_as_written(&mut self, as_written: bool) -> bool {
        std::mem::replace(&mut self.as_written, as_written)
    }

    /// Whether sums, products and powers are built as written.
    pub fn as_written(&self) -> bool {
        self.as_written
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Store a node as it is (no canonicalisation), or find it if it is already stored.
    fn intern(&mut self, node: Node) -> Id {
        if let Some(&id) = self.ids.get(&node) {
            return id;
        }
        let id = Id(u32::try_from(self.nodes.len()).expect("fewer than 2^32 nodes"));
        self.nodes.push(node.clone());
        self.ids.insert(node, id);
        id
    }

    // ---- leaves

    /// A rational number.
    pub fn number(&mut self, value: Rational) -> Id {
        self.intern(Node::Number(value))
    }

    /// An integer.
    pub fn integer(&mut self, value: i128) -> Id {
        self.number(Rational::from_integer(value))
    }

    /// A float that has no rational form; an integral or exactly representable small value is
    /// stored as a rational instead.
    pub fn float(&mut self, value: f64) -> Id {
        self.intern(Node::Float(value.to_bits()))
    }

    /// `e` or `π`.
    pub fn constant(&mut self, constant: Constant) -> Id {
        self.intern(Node::Constant(constant))
    }

    /// A scalar input or parameter.
    pub fn symbol(&mut self, name: &str) -> Id {
        self.intern(Node::Symbol(name.to_owned()))
    }

    /// An element of a vector or matrix input.
    pub fn element(&mut self, name: &str, indices: Vec<Index>) -> Id {
        self.intern(Node::Element(name.to_owned(), indices))
    }

    /// The Kronecker delta; `δ_{ii}` is 1.
    pub fn delta(&mut self, a: Index, b: Index) -> Id {
        if a == b {
            return self.integer(1);
        }
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        self.intern(Node::Delta(a, b))
    }

    /// The rational value of a node, if it is a number.
    pub fn rational(&self, id: Id) -> Option<Rational> {
        match self.node(id) {
            Node::Number(value) => Some(*value),
            _ => None,
        }
    }

    fn is_number(&self, id: Id, value: i128) -> bool {
        self.rational(id) == Some(Rational::from_integer(value))
    }

    // ---- arithmetic

    /// `a + b`.
    pub fn add(&mut self, a: Id, b: Id) -> Id {
        self.sum_of(vec![a, b])
    }

    /// `a - b`.
    pub fn sub(&mut self, a: Id, b: Id) -> Id {
        let negated = self.neg(b);
        self.add(a, negated)
    }

    /// `-a`.
    pub fn neg(&mut self, a: Id) -> Id {
        let minus_one = self.integer(-1);
        self.mul(minus_one, a)
    }

    /// `a b`.
    pub fn mul(&mut self, a: Id, b: Id) -> Id {
        self.product_of(vec![a, b])
    }

    /// `a / b`.
    pub fn div(&mut self, a: Id, b: Id) -> Id {
        let minus_one = self.integer(-1);
        let inverse = self.pow(b, minus_one);
        self.mul(a, inverse)
    }

    /// The canonical sum of `terms`: flattened, numbers folded, like terms combined
    /// (`2x + 3x` is `5x`), zeros dropped, sorted.
    pub fn sum_of(&mut self, terms: Vec<Id>) -> Id {
        if self.as_written {
            return self.written(terms, Node::Add, |a, b| a.checked_add(&b), Rational::zero());
        }
        let mut flat = Vec::with_capacity(terms.len());
        for term in terms {
            match self.node(term) {
                Node::Add(inner) => flat.extend(inner.iter().copied()),
                _ => flat.push(term),
            }
        }
        let mut constant = Rational::zero();
        let mut others: Vec<Id> = Vec::new();
        for term in flat {
            match self.rational(term).map(|value| constant.checked_add(&value)) {
                Some(Some(total)) => constant = total,
                _ => others.push(term),
            }
        }
        // Like terms: coefficient times the same rest.
        let mut combined: Vec<(Id, Rational)> = Vec::new();
        // Where each rest is in `combined`: a sum of thousands of terms stays linear.
        let mut positions: HashMap<Id, usize> = HashMap::new();
        let mut unfoldable = Vec::new();
        for term in others {
            let (coefficient, rest) = self.split_coefficient(term);
            match positions.get(&rest) {
                Some(&position) => match combined[position].1.checked_add(&coefficient) {
                    Some(sum) => combined[position].1 = sum,
                    None => unfoldable.push(term),
                },
                None => {
                    positions.insert(rest, combined.len());
                    combined.push((rest, coefficient));
                }
            }
        }
        let mut result: Vec<Id> = unfoldable;
        for (rest, coefficient) in combined {
            if coefficient.is_zero() {
                continue;
            }
            let coefficient = self.number(coefficient);
            result.push(self.product_of(vec![coefficient, rest]));
        }
        if !constant.is_zero() {
            result.push(self.number(constant));
        }
        match result.len() {
            0 => self.integer(0),
            1 => result[0],
            _ => {
                result.sort();
                self.intern(Node::Add(result))
            }
        }
    }

    /// A term as a rational coefficient and the rest: `3 x y` is `(3, x y)`.
    pub fn split_coefficient(&mut self, term: Id) -> (Rational, Id) {
        match self.node(term).clone() {
            Node::Mul(factors) => match self.rational(factors[0]) {
                Some(coefficient) => {
                    let rest = factors[1..].to_vec();
                    let rest = if rest.len() == 1 { rest[0] } else { self.intern(Node::Mul(rest)) };
                    (coefficient, rest)
                }
                None => (Rational::one(), term),
            },
            Node::Number(value) => (value, self.integer(1)),
            _ => (Rational::one(), term),
        }
    }

    /// The canonical product of `factors`: flattened, numbers folded, like bases combined
    /// (`x x^2` is `x^3`, `e^a e^b` is `e^{a+b}`), ones dropped, a zero absorbing, sorted with the
    /// rational coefficient first.
    pub fn product_of(&mut self, factors: Vec<Id>) -> Id {
        if self.as_written {
            return self.written(factors, Node::Mul, |a, b| a.checked_mul(&b), Rational::one());
        }
        let mut flat = Vec::with_capacity(factors.len());
        for factor in factors {
            match self.node(factor) {
                Node::Mul(inner) => flat.extend(inner.iter().copied()),
                _ => flat.push(factor),
            }
        }
        let mut coefficient = Rational::one();
        let mut powers: Vec<(Id, Vec<Id>)> = Vec::new();
        let mut exponentials: Vec<Id> = Vec::new();
        let mut unfoldable = Vec::new();
        for factor in flat {
            if let Some(value) = self.rational(factor) {
                match coefficient.checked_mul(&value) {
                    Some(product) => coefficient = product,
                    None => unfoldable.push(factor),
                }
                continue;
            }
            match self.node(factor).clone() {
                Node::Apply(Func::Exp, argument) => exponentials.push(argument),
                Node::Pow(base, exponent) => match powers.iter_mut().find(|(existing, _)| *existing == base) {
                    Some((_, exponents)) => exponents.push(exponent),
                    None => powers.push((base, vec![exponent])),
                },
                _ => {
                    let one = self.integer(1);
                    match powers.iter_mut().find(|(existing, _)| *existing == factor) {
                        Some((_, exponents)) => exponents.push(one),
                        None => powers.push((factor, vec![one])),
                    }
                }
            }
        }
        if coefficient.is_zero() {
            return self.integer(0);
        }
        let mut result = unfoldable;
        for (base, exponents) in powers {
            let exponent = self.sum_of(exponents);
            let power = self.pow(base, exponent);
            if !self.is_number(power, 1) {
                match self.rational(power) {
                    Some(value) if coefficient.checked_mul(&value).is_some() => {
                        coefficient = coefficient.checked_mul(&value).unwrap_or(coefficient);
                    }
                    _ => result.push(power),
                }
            }
        }
        if !exponentials.is_empty() {
            let argument = self.sum_of(exponentials);
            let exponential = self.apply(Func::Exp, argument);
            if !self.is_number(exponential, 1) {
                result.push(exponential);
            }
        }
        if coefficient.is_zero() {
            return self.integer(0);
        }
        self.merge_sign_with_self(&mut result);
        result.sort();
        if let ([sum], false) = (result.as_slice(), coefficient.is_one())
            && let Node::Add(terms) = self.node(*sum).clone()
        {
            // A rational times a sum is distributed (`2 (x + 1)` is `2 x + 2`), so that like
            // terms meet.
            let coefficient = self.number(coefficient);
            let terms = terms.into_iter().map(|term| self.product_of(vec![coefficient, term])).collect();
            return self.sum_of(terms);
        }
        if coefficient != Rational::one() {
            result.insert(0, self.number(coefficient));
        }
        match result.len() {
            0 => self.integer(1),
            1 => result[0],
            _ => self.intern(Node::Mul(result)),
        }
    }

    /// A sum or product as written: numbers alone are folded (exactly), nothing else moves.
    fn written(
        &mut self,
        operands: Vec<Id>,
        node: fn(Vec<Id>) -> Node,
        fold: fn(Rational, Rational) -> Option<Rational>,
        identity: Rational,
    ) -> Id {
        let numbers: Option<Vec<Rational>> = operands.iter().map(|&operand| self.rational(operand)).collect();
        if let Some(numbers) = numbers
            && let Some(value) = numbers.into_iter().try_fold(identity, fold)
        {
            return self.number(value);
        }
        // A long chain as written (`x + x + ... + x` of thousands of terms) is kept nested for its
        // first links only, then flat: nested, its depth would be its length, and every pass
        // over the graph recurses.
        let kind = std::mem::discriminant(&node(Vec::new()));
        let same_kind = |graph: &Graph, id: Id| std::mem::discriminant(graph.node(id)) == kind;
        let mut operands = operands;
        if let [first, _] = operands[..]
            && same_kind(self, first)
        {
            let children = self.children(first);
            let mut spine = 0;
            let mut link = first;
            while spine < WRITTEN_CHAIN_NESTING && same_kind(self, link) {
                link = self.children(link)[0];
                spine += 1;
            }
            if children.len() > 2 || spine >= WRITTEN_CHAIN_NESTING {
                let last = operands[1];
                operands = children;
                operands.push(last);
            }
        }
        match operands.len() {
            0 => self.number(identity),
            1 => operands[0],
            _ => self.intern(node(operands)),
        }
    }

    /// `u \operatorname{sign}(u)` is `|u|` (also at 0, where both are 0).
    fn merge_sign_with_self(&mut self, factors: &mut Vec<Id>) {
        let signs: Vec<(usize, Id)> = factors
            .iter()
            .enumerate()
            .filter_map(|(position, &factor)| match self.node(factor) {
                Node::Apply(Func::Sign, argument) => Some((position, *argument)),
                _ => None,
            })
            .collect();
        for (sign_position, argument) in signs {
            if let Some(argument_position) = factors.iter().position(|&factor| factor == argument) {
                let absolute = self.apply(Func::Abs, argument);
                factors[argument_position] = absolute;
                factors[sign_position] = self.integer(1);
            }
        }
        factors.retain(|&factor| !self.is_number(factor, 1));
    }

    /// `base^exponent`, folded where exact: `x^0 = 1`, `x^1 = x`, `1^x = 1`, rational powers
    /// with integer exponents, `e^x = exp(x)`, `(x^a)^n = x^{a n}` for integer `n`, and
    /// `(a b)^n = a^n b^n` for integer `n`.
    pub fn pow(&mut self, base: Id, exponent: Id) -> Id {
        if self.is_number(exponent, 0) || self.is_number(base, 1) {
            return self.integer(1);
        }
        if self.is_number(exponent, 1) {
            return base;
        }
        if let Node::Constant(Constant::E) = self.node(base) {
            return self.apply(Func::Exp, exponent);
        }
        let integer_exponent = self.rational(exponent).filter(|value| value.is_integer()).map(|value| *value.numer());
        if let (Some(value), Some(n)) = (self.rational(base), integer_exponent)
            && let Some(result) = rational_power(value, n)
        {
            return self.number(result);
        }
        // A root of a perfect power is a rational: `\sqrt{4}` is 2, `\sqrt[3]{\frac{1}{8}}` is 1/2.
        if let (Some(value), Some(power)) = (self.rational(base), self.rational(exponent))
            && !power.is_integer()
            && let Some(root) = rational_root(value, *power.denom())
            && let Some(result) = rational_power(root, *power.numer())
        {
            return self.number(result);
        }
        if integer_exponent.is_some() && !self.as_written {
            match self.node(base).clone() {
                Node::Pow(inner_base, inner_exponent) => {
                    let exponent = self.mul(inner_exponent, exponent);
                    return self.pow(inner_base, exponent);
                }
                Node::Mul(factors) => {
                    let powers = factors.into_iter().map(|factor| self.pow(factor, exponent)).collect();
                    return self.product_of(powers);
                }
                Node::Apply(Func::Exp, argument) => {
                    let scaled = self.mul(argument, exponent);
                    return self.apply(Func::Exp, scaled);
                }
                _ => {}
            }
        }
        self.intern(Node::Pow(base, exponent))
    }

    /// A unary function, folded at the exact points every ML formula meets (`\exp 0`, `\ln 1`,
    /// `\ln e^x`, `|c|`, `\operatorname{sign}(c)`).
    pub fn apply(&mut self, func: Func, argument: Id) -> Id {
        if let Some(value) = self.rational(argument) {
            let folded = match func {
                Func::Abs => Some(value.abs()),
                Func::Sign => Some(Rational::from_integer(value.signum().to_integer())),
                Func::Exp | Func::Cos | Func::Cosh if value.is_zero() => Some(Rational::one()),
                Func::Sin | Func::Tan | Func::Sinh | Func::Tanh | Func::Arctan | Func::Arcsin | Func::Erf
                    if value.is_zero() =>
                {
                    Some(Rational::zero())
                }
                Func::Erfc if value.is_zero() => Some(Rational::one()),
                Func::Sigmoid | Func::Phi if value.is_zero() => Some(Rational::new(1, 2)),
                Func::Ln if value.is_one() => Some(Rational::zero()),
                _ => None,
            };
            if let Some(folded) = folded {
                return self.number(folded);
            }
        }
        match (func, self.node(argument).clone()) {
            (Func::Ln, Node::Apply(Func::Exp, inner)) => return inner,
            (Func::Ln, Node::Constant(Constant::E)) => return self.integer(1),
            (Func::Abs, Node::Apply(Func::Abs, _)) => return argument,
            (Func::Abs, Node::Apply(Func::Exp, _)) => return argument,
            (Func::Sign, Node::Apply(Func::Exp, _)) => return self.integer(1),
            _ => {}
        }
        self.intern(Node::Apply(func, argument))
    }

    /// `\max(a, b)`.
    pub fn max(&mut self, a: Id, b: Id) -> Id {
        if a == b {
            return a;
        }
        if let (Some(x), Some(y)) = (self.rational(a), self.rational(b)) {
            return self.number(if x >= y { x } else { y });
        }
        self.intern(Node::Max(a, b))
    }

    /// `\min(a, b)`.
    pub fn min(&mut self, a: Id, b: Id) -> Id {
        if a == b {
            return a;
        }
        if let (Some(x), Some(y)) = (self.rational(a), self.rational(b)) {
            return self.number(if x <= y { x } else { y });
        }
        self.intern(Node::Min(a, b))
    }

    /// A comparison used as a condition; decided between rationals (a comparison of other
    /// constants, `1/\ln 2 = 0`, is decided by [`crate::fold`]).
    pub fn compare(&mut self, op: Compare, a: Id, b: Id) -> Id {
        if let (Some(x), Some(y)) = (self.rational(a), self.rational(b)) {
            return self.integer(i128::from(op.holds(&x, &y)));
        }
        self.intern(Node::Compare(op, a, b))
    }

    /// `operand op 0`, as a condition.
    pub fn compare_with_zero(&mut self, op: Compare, operand: Id) -> Id {
        let zero = self.integer(0);
        self.compare(op, operand, zero)
    }

    /// All of the conditions (an empty list is true).
    pub fn and(&mut self, conditions: Vec<Id>) -> Id {
        let mut kept = Vec::new();
        for condition in conditions {
            if self.is_number(condition, 0) {
                return self.integer(0);
            }
            if !self.is_number(condition, 1) && !kept.contains(&condition) {
                kept.push(condition);
            }
        }
        match kept.len() {
            0 => self.integer(1),
            1 => kept[0],
            _ => self.intern(Node::And(kept)),
        }
    }

    /// `then` where `condition` holds, else `otherwise`.
    pub fn select(&mut self, condition: Id, then: Id, otherwise: Id) -> Id {
        if then == otherwise || self.is_number(condition, 1) {
            return then;
        }
        if self.is_number(condition, 0) {
            return otherwise;
        }
        // Within a branch of `c`, a choice on `c` again is decided.
        if let Node::Select { condition: inner, otherwise: inner_otherwise, .. } = *self.node(otherwise)
            && inner == condition
        {
            return self.select(condition, then, inner_otherwise);
        }
        if let Node::Select { condition: inner, then: inner_then, .. } = *self.node(then)
            && inner == condition
        {
            return self.select(condition, inner_then, otherwise);
        }
        // `select(c, a d, b d)` is `d select(c, a, b)`, and a Kronecker delta comes out of a
        // select whose other branch is 0, so that sums can eliminate it.
        let then_factors = self.factor_list(then);
        let otherwise_factors = self.factor_list(otherwise);
        let common: Vec<Id> = if self.is_number(otherwise, 0) {
            then_factors.iter().copied().filter(|&factor| matches!(self.node(factor), Node::Delta(..))).collect()
        } else if self.is_number(then, 0) {
            otherwise_factors.iter().copied().filter(|&factor| matches!(self.node(factor), Node::Delta(..))).collect()
        } else {
            then_factors
                .iter()
                .copied()
                .filter(|factor| otherwise_factors.contains(factor) && self.rational(*factor).is_none())
                .collect()
        };
        if !common.is_empty() {
            let strip = |graph: &mut Graph, factors: Vec<Id>, whole: Id| {
                if graph.is_number(whole, 0) {
                    return whole;
                }
                let mut rest = factors;
                for factor in &common {
                    if let Some(position) = rest.iter().position(|existing| existing == factor) {
                        rest.remove(position);
                    }
                }
                graph.product_of(rest)
            };
            let then = strip(self, then_factors, then);
            let otherwise = strip(self, otherwise_factors, otherwise);
            let selected = self.select(condition, then, otherwise);
            let mut product = common;
            product.push(selected);
            return self.product_of(product);
        }
        self.intern(Node::Select { condition, then, otherwise })
    }

    /// The factors of a product, or the node itself.
    fn factor_list(&self, id: Id) -> Vec<Id> {
        match self.node(id) {
            Node::Mul(factors) => factors.clone(),
            _ => vec![id],
        }
    }

    /// `exact`, computed as `series` near 0 (see [`Node::NearZero`]).
    pub fn near_zero(&mut self, argument: Id, series: Id, exact: Id) -> Id {
        self.intern(Node::NearZero { argument, series, exact })
    }

    /// `exact`, computed as `computed` (see [`Node::ComputedAs`]).
    pub fn computed_as(&mut self, exact: Id, computed: Id) -> Id {
        if exact == computed {
            return exact;
        }
        // Computing a form computed as another is computing the other.
        let computed = match *self.node(computed) {
            Node::ComputedAs { computed: inner, .. } => inner,
            _ => computed,
        };
        let exact = match *self.node(exact) {
            Node::ComputedAs { exact: inner, .. } => inner,
            _ => exact,
        };
        self.intern(Node::ComputedAs { exact, computed })
    }

    /// `\ln \sum_index e^{exponent}`, stable.
    pub fn log_sum_exp(&mut self, index: Index, exponent: Id) -> Id {
        self.intern(Node::LogSumExp(index, exponent))
    }

    /// `y \ln x`, 0 where `y` is 0.
    pub fn xlogy(&mut self, y: Id, x: Id) -> Id {
        if self.is_number(y, 0) {
            return y;
        }
        if self.is_number(x, 1) {
            return self.integer(0);
        }
        if self.rational(y).is_some() {
            // A nonzero rational: the convention at 0 cannot arise (other constants, `1/\ln 2`
            // of `\log_2`: [`crate::fold`]).
            let ln_x = self.apply(Func::Ln, x);
            return self.mul(y, ln_x);
        }
        // Kronecker deltas (0 or 1) come out, so that sums can eliminate them.
        let factors = self.factor_list(y);
        let (deltas, rest): (Vec<Id>, Vec<Id>) =
            factors.into_iter().partition(|&factor| matches!(self.node(factor), Node::Delta(..)));
        if !deltas.is_empty() {
            let rest = self.product_of(rest);
            let inner = self.xlogy(rest, x);
            let mut product = deltas;
            product.push(inner);
            return self.product_of(product);
        }
        self.intern(Node::XLogY(y, x))
    }

    /// `\sum_index body`, with sums of sums split into sums of terms and Kronecker deltas
    /// eliminated: `\sum_j g(j) δ_{jk}` is `g(k)`.
    pub fn sum(&mut self, index: Index, body: Id) -> Id {
        if self.is_number(body, 0) {
            return body;
        }
        if !self.mentions_index(body, index) {
            return self.intern(Node::Sum(index, body));
        }
        match self.node(body).clone() {
            Node::Add(terms) => {
                let sums = terms.into_iter().map(|term| self.sum(index, term)).collect();
                self.sum_of(sums)
            }
            Node::Mul(factors) => {
                // Factors that do not depend on the index come out of the sum; so does the part of
                // an exponential's argument that does not (`e^{z_i + z_k}` is `e^{z_k} e^{z_i}`).
                let mut factors = factors;
                let mut lifted = Vec::new();
                for factor in factors.iter_mut() {
                    let Node::Apply(Func::Exp, argument) = self.node(*factor).clone() else { continue };
                    let Node::Add(terms) = self.node(argument).clone() else { continue };
                    let (mut dependent, mut independent): (Vec<Id>, Vec<Id>) =
                        terms.iter().partition(|&&term| self.mentions_index(term, index));
                    if dependent.is_empty() || independent.is_empty() {
                        continue;
                    }
                    // Splitting must not unbalance a stable softmax: `e^{z_i + z_k - 2 LSE}` is
                    // `e^{z_k - LSE} e^{z_i - LSE}`, never `e^{-2 LSE} e^{z_i} e^{z_k}`, which
                    // overflows. The index's part takes one `-LSE`; without one to give it, the
                    // exponential stays whole.
                    let is_lse = |graph: &Graph, id: Id| matches!(graph.node(id), Node::LogSumExp(..));
                    if dependent.iter().any(|&term| self.mentions_log_sum_exp(term)) {
                        continue;
                    }
                    let lse_term = independent.iter().position(|&term| {
                        let (coefficient, rest) = self.split_coefficient(term);
                        is_lse(self, rest) && coefficient <= Rational::from_integer(-1)
                    });
                    match lse_term {
                        Some(position) => {
                            let (coefficient, lse) = self.split_coefficient(independent[position]);
                            let remaining = self.number(coefficient + Rational::from_integer(1));
                            independent[position] = self.mul(remaining, lse);
                            let minus_one = self.integer(-1);
                            dependent.push(self.mul(minus_one, lse));
                        }
                        None if independent.iter().any(|&term| self.mentions_log_sum_exp(term)) => continue,
                        None => {}
                    }
                    let outer = self.sum_of(independent);
                    if self.is_number(outer, 0) {
                        continue;
                    }
                    let inner = self.sum_of(dependent);
                    *factor = self.apply(Func::Exp, inner);
                    lifted.push(self.apply(Func::Exp, outer));
                }
                if !lifted.is_empty() {
                    let inner = self.intern(Node::Mul(factors.clone()));
                    let summed = self.sum(index, inner);
                    lifted.push(summed);
                    return self.product_of(lifted);
                }
                let (inside, outside): (Vec<Id>, Vec<Id>) =
                    factors.iter().partition(|&&factor| self.mentions_index(factor, index));
                if let Some(position) = inside.iter().position(|&factor| self.delta_partner(factor, index).is_some()) {
                    let partner = self.delta_partner(inside[position], index).expect("found above");
                    let mut rest = inside.clone();
                    rest.remove(position);
                    let rest = self.product_of(rest);
                    let substituted = self.substitute_index(rest, index, partner);
                    let mut all = outside;
                    all.push(substituted);
                    return self.product_of(all);
                }
                // A factor that is a sum with a delta on the index is distributed, so that the delta
                // can eliminate the sum: `\sum_i dy_i (a_i δ_{ik} + b_i)`.
                if let Some(position) = inside.iter().position(|&factor| self.sum_with_delta(factor, index)) {
                    let Node::Add(terms) = self.node(inside[position]).clone() else { unreachable!("checked above") };
                    let mut others = factors.clone();
                    others.retain(|&factor| factor != inside[position]);
                    let expanded = terms
                        .into_iter()
                        .map(|term| {
                            let mut product = others.clone();
                            product.push(term);
                            let product = self.product_of(product);
                            self.sum(index, product)
                        })
                        .collect();
                    return self.sum_of(expanded);
                }
                if outside.is_empty() {
                    return self.intern(Node::Sum(index, body));
                }
                let inner = self.product_of(inside);
                let summed = self.sum(index, inner);
                let mut all = outside;
                all.push(summed);
                self.product_of(all)
            }
            Node::Delta(..) => self.integer(1),
            _ => self.intern(Node::Sum(index, body)),
        }
    }

    /// Whether `id` is a sum one of whose terms has a delta on `index` as a factor.
    fn sum_with_delta(&self, id: Id, index: Index) -> bool {
        let Node::Add(terms) = self.node(id) else { return false };
        terms.iter().any(|&term| match self.node(term) {
            Node::Mul(factors) => factors.iter().any(|&factor| self.delta_partner(factor, index).is_some()),
            _ => self.delta_partner(term, index).is_some(),
        })
    }

    /// Whether a log-sum-exp occurs in the expression.
    fn mentions_log_sum_exp(&self, id: Id) -> bool {
        self.reaches(id, |node| matches!(node, Node::LogSumExp(..)), |_| true)
    }

    /// The other index of a delta that involves `index`.
    fn delta_partner(&self, id: Id, index: Index) -> Option<Index> {
        match self.node(id) {
            Node::Delta(a, b) if *a == index => Some(*b),
            Node::Delta(a, b) if *b == index => Some(*a),
            _ => None,
        }
    }

    /// Whether `index` occurs free in the expression.
    pub fn mentions_index(&self, id: Id, index: Index) -> bool {
        self.reaches(
            id,
            |node| match node {
                Node::Element(_, indices) => indices.contains(&index),
                Node::Delta(a, b) => *a == index || *b == index,
                _ => false,
            },
            // A sum over the index binds it: what lies below is not free.
            |node| !matches!(node, Node::Sum(bound, _) | Node::LogSumExp(bound, _) if *bound == index),
        )
    }

    /// Whether any index occurs in the expression, free or bound (a vector's element, a sum).
    pub fn mentions_any_index(&self, id: Id) -> bool {
        self.reaches(
            id,
            |node| matches!(node, Node::Element(..) | Node::Delta(..) | Node::Sum(..) | Node::LogSumExp(..)),
            |_| true,
        )
    }

    /// The length an index runs over in `body`: the rows (`m`) where it is the first of two
    /// indices somewhere, else the vector length (`n`).
    pub fn length_of(&self, body: Id, index: Index) -> Length {
        let rows = self.reaches(
            body,
            |node| matches!(node, Node::Element(_, indices) if indices.len() == 2 && indices[0] == index),
            |_| true,
        );
        if rows { Length::Rows } else { Length::Columns }
    }

    /// Whether a node satisfying `found` is reachable from `root` without passing below a node
    /// for which `descend` is false. Each shared node is visited once, so the walk is linear in
    /// the graph even where a tree view would be exponential.
    fn reaches(&self, root: Id, found: impl Fn(&Node) -> bool, descend: impl Fn(&Node) -> bool) -> bool {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            let node = self.node(id);
            if found(node) {
                return true;
            }
            if descend(node) {
                stack.extend(self.children(id));
            }
        }
        false
    }

    /// The expression with the free index `from` renamed `to`.
    pub fn substitute_index(&mut self, id: Id, from: Index, to: Index) -> Id {
        if !self.mentions_index(id, from) {
            return id;
        }
        match self.node(id).clone() {
            Node::Element(name, indices) => {
                let indices = indices.into_iter().map(|index| if index == from { to } else { index }).collect();
                self.element(&name, indices)
            }
            Node::Delta(a, b) => {
                let rename = |index: Index| if index == from { to } else { index };
                self.delta(rename(a), rename(b))
            }
            _ => self.rebuild(id, &mut |graph, child| graph.substitute_index(child, from, to)),
        }
    }

    /// The direct children of a node.
    pub fn children(&self, id: Id) -> Vec<Id> {
        match self.node(id) {
            Node::Number(_)
            | Node::Float(_)
            | Node::Constant(_)
            | Node::Symbol(_)
            | Node::Element(..)
            | Node::Delta(..) => Vec::new(),
            Node::Add(items) | Node::Mul(items) | Node::And(items) => items.clone(),
            Node::Pow(a, b) | Node::Max(a, b) | Node::Min(a, b) | Node::Compare(_, a, b) | Node::XLogY(a, b) => {
                vec![*a, *b]
            }
            Node::Apply(_, a) | Node::Sum(_, a) | Node::LogSumExp(_, a) => vec![*a],
            Node::Select { condition, then, otherwise } => vec![*condition, *then, *otherwise],
            Node::NearZero { argument, series, exact } => vec![*argument, *series, *exact],
            Node::ComputedAs { exact, computed } => vec![*exact, *computed],
        }
    }

    /// The children a node's value is computed from: its children, but only the computed form
    /// of a [`Node::ComputedAs`] (the exact one is never evaluated).
    pub fn computed_children(&self, id: Id) -> Vec<Id> {
        match self.node(id) {
            Node::ComputedAs { computed, .. } => vec![*computed],
            _ => self.children(id),
        }
    }

    /// `id` rewritten bottom-up: each node's children first, then `rewrite` of the node rebuilt
    /// over them; each node once, remembered in `memo` (shared nodes stay shared). The passes
    /// that rewrite an expression node by node with a rule of their own (the constant
    /// decisions, the simplifier, canonical rebuilding) are this walk.
    pub fn rewrite_bottom_up(
        &mut self,
        id: Id,
        memo: &mut HashMap<Id, Id>,
        rewrite: &mut dyn FnMut(&mut Graph, Id) -> Id,
    ) -> Id {
        if let Some(&done) = memo.get(&id) {
            return done;
        }
        let rebuilt = self.rebuild(id, &mut |graph, child| graph.rewrite_bottom_up(child, memo, rewrite));
        let rewritten = rewrite(self, rebuilt);
        memo.insert(id, rewritten);
        rewritten
    }

    /// The node `id` of `from` (and everything below it) in this graph, node for node, without
    /// the constructors' rewrites: for forms of two graphs that grew apart after a common
    /// prefix (each expression's search adds its own nodes), to be emitted together.
    pub fn transplant(&mut self, from: &Graph, id: Id, copied: &mut HashMap<Id, Id>) -> Id {
        if let Some(&done) = copied.get(&id) {
            return done;
        }
        let mut map = |graph: &mut Graph, child: Id| graph.transplant(from, child, copied);
        let node = match from.node(id).clone() {
            leaf @ (Node::Number(_)
            | Node::Float(_)
            | Node::Constant(_)
            | Node::Symbol(_)
            | Node::Element(..)
            | Node::Delta(..)) => leaf,
            Node::Add(terms) => Node::Add(terms.into_iter().map(|term| map(self, term)).collect()),
            Node::Mul(factors) => Node::Mul(factors.into_iter().map(|factor| map(self, factor)).collect()),
            Node::And(conditions) => Node::And(conditions.into_iter().map(|condition| map(self, condition)).collect()),
            Node::Pow(a, b) => Node::Pow(map(self, a), map(self, b)),
            Node::Apply(func, a) => Node::Apply(func, map(self, a)),
            Node::Max(a, b) => Node::Max(map(self, a), map(self, b)),
            Node::Min(a, b) => Node::Min(map(self, a), map(self, b)),
            Node::Compare(op, a, b) => Node::Compare(op, map(self, a), map(self, b)),
            Node::XLogY(a, b) => Node::XLogY(map(self, a), map(self, b)),
            Node::Select { condition, then, otherwise } => {
                Node::Select { condition: map(self, condition), then: map(self, then), otherwise: map(self, otherwise) }
            }
            Node::Sum(index, body) => Node::Sum(index, map(self, body)),
            Node::LogSumExp(index, body) => Node::LogSumExp(index, map(self, body)),
            Node::NearZero { argument, series, exact } => {
                Node::NearZero { argument: map(self, argument), series: map(self, series), exact: map(self, exact) }
            }
            Node::ComputedAs { exact, computed } => {
                Node::ComputedAs { exact: map(self, exact), computed: map(self, computed) }
            }
        };
        let transplanted = self.intern(node);
        copied.insert(id, transplanted);
        transplanted
    }

    /// The node rebuilt through the canonical constructors with each child mapped by `map`.
    pub fn rebuild(&mut self, id: Id, map: &mut dyn FnMut(&mut Graph, Id) -> Id) -> Id {
        match self.node(id).clone() {
            Node::Number(_)
            | Node::Float(_)
            | Node::Constant(_)
            | Node::Symbol(_)
            | Node::Element(..)
            | Node::Delta(..) => id,
            Node::Add(terms) => {
                let terms = terms.into_iter().map(|term| map(self, term)).collect();
                self.sum_of(terms)
            }
            Node::Mul(factors) => {
                let factors = factors.into_iter().map(|factor| map(self, factor)).collect();
                self.product_of(factors)
            }
            Node::And(conditions) => {
                let conditions = conditions.into_iter().map(|condition| map(self, condition)).collect();
                self.and(conditions)
            }
            Node::Pow(base, exponent) => {
                let (base, exponent) = (map(self, base), map(self, exponent));
                self.pow(base, exponent)
            }
            Node::Max(a, b) => {
                let (a, b) = (map(self, a), map(self, b));
                self.max(a, b)
            }
            Node::Min(a, b) => {
                let (a, b) = (map(self, a), map(self, b));
                self.min(a, b)
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (map(self, a), map(self, b));
                self.compare(op, a, b)
            }
            Node::Apply(func, argument) => {
                let argument = map(self, argument);
                self.apply(func, argument)
            }
            Node::Sum(index, body) => {
                let body = map(self, body);
                self.sum(index, body)
            }
            Node::LogSumExp(index, exponent) => {
                let exponent = map(self, exponent);
                self.log_sum_exp(index, exponent)
            }
            Node::XLogY(y, x) => {
                let (y, x) = (map(self, y), map(self, x));
                self.xlogy(y, x)
            }
            Node::Select { condition, then, otherwise } => {
                let (condition, then, otherwise) = (map(self, condition), map(self, then), map(self, otherwise));
                self.select(condition, then, otherwise)
            }
            Node::NearZero { argument, series, exact } => {
                let (argument, series, exact) = (map(self, argument), map(self, series), map(self, exact));
                self.near_zero(argument, series, exact)
            }
            Node::ComputedAs { exact, computed } => {
                let (exact, computed) = (map(self, exact), map(self, computed));
                self.computed_as(exact, computed)
            }
        }
    }

    /// The number of distinct operations reachable from `roots`, the size measure compared with
    /// SymPy's `count_ops(cse(..))`: leaves are free, and so are the comparisons of conditions,
    /// which `count_ops` does not count inside a `Piecewise` either.
    pub fn operation_count(&self, roots: &[Id]) -> usize {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<Id> = roots.to_vec();
        let mut count = 0;
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            count += match self.node(id) {
                Node::Add(items) | Node::Mul(items) => items.len() - 1,
                Node::Number(_)
                | Node::Float(_)
                | Node::Constant(_)
                | Node::Symbol(_)
                | Node::Element(..)
                | Node::Compare(..)
                | Node::And(_) => 0,
                // The size of what it means: the computed form's choices are the evaluator's.
                Node::ComputedAs { exact, .. } => {
                    stack.push(*exact);
                    continue;
                }
                _ => 1,
            };
            stack.extend(self.children(id));
        }
        count
    }

    /// The value of a rational as `f64`.
    pub fn rational_to_f64(value: Rational) -> f64 {
        value.numer().to_f64().unwrap_or(f64::NAN) / value.denom().to_f64().unwrap_or(f64::NAN)
    }
}

/// The `n`-th root of a non-negative rational, if it is a rational (`4` is `2^2`).
fn rational_root(value: Rational, n: i128) -> Option<Rational> {
    if value < Rational::zero() || !(2..=64).contains(&n) {
        return None;
    }
    let integer_root = |m: i128| -> Option<i128> {
        let guess = (m as f64).powf(1.0 / n as f64).round() as i128;
        (guess.saturating_sub(1)..=guess.saturating_add(1)).find(|&candidate| {
            candidate >= 0 && rational_power(Rational::from_integer(candidate), n) == Some(Rational::from_integer(m))
        })
    };
    Some(Rational::new(integer_root(*value.numer())?, integer_root(*value.denom())?))
}

/// `value^n` exactly, if it fits.
fn rational_power(value: Rational, n: i128) -> Option<Rational> {
    if value.is_zero() {
        return if n > 0 { Some(Rational::zero()) } else { None };
    }
    let base = if n < 0 { value.recip() } else { value };
    let mut result = Rational::one();
    for _ in 0..n.unsigned_abs().min(256) {
        result = result.checked_mul(&base)?;
    }
    (n.unsigned_abs() <= 256).then_some(result)
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
