//! Where a formula is defined, so that no rewrite makes a value of what has none.
//!
//! The IR's constructors simplify exactly where both sides are defined: `0 \cdot \frac{1}{x}` is
//! 0, `\frac{x}{x}` is 1, `\sqrt{x}^2` is `x`. At `x = 0` (or `x < 0`) the formula has no value,
//! and the simplified form would give one. SymPy gives `nan` for `\frac{0}{0}`; texgrad never turns
//! an undefined value into a defined one.
//!
//! The domain is read off the formula as written (only numbers folded), as conditions of the
//! form `u \mathrel{op} 0`: `u \ne 0` under a negative power, `u \ge 0` under a fractional one
//! (`u > 0` if it is also negative), `u > 0` under a logarithm, `1 \pm u \ge 0` under `\arcsin` and
//! `\arccos`. A form that is computed instead (the canonical one, the stabilised one) keeps
//! whichever conditions it still contains itself; the ones it lost, unless proved to hold
//! everywhere ([`Sign`]: `1 + e^{-x} > 0`), guard it: where one fails, the guarded form is NaN.
//!
//! Conditions that depend on an index (a sum's terms, a vector's elements) and conditions inside
//! one branch of a `cases` are not tracked: the first would need a guard per element, the
//! second holds only where its branch is taken. `y \ln x` computed as `xlogy` keeps the
//! convention that makes `0 \ln 0 = 0` (SPEC section 6): it counts as holding `x > 0`.

use std::collections::{HashMap, HashSet};

use crate::ir::{Compare, Func, Graph, Id, Node, Rational};

/// The conditions under which the expression at `root` is defined, canonical and stabilised
/// (each a [`Node::Compare`] of an expression with 0, reduced to its parts: `x^2 > 0` is `x \ne
/// 0`), without those that hold everywhere. The graph may be building as written: the
/// conditions are canonical either way.
pub fn conditions(graph: &mut Graph, root: Id) -> Vec<Id> {
    let previous = graph.set_as_written(false);
    let found = raw_conditions(graph, root, false);
    let conditions = normalised(graph, found, true);
    graph.set_as_written(previous);
    conditions
}

/// `form`, or NaN where a condition of `domain` fails that `form` no longer implies itself.
pub fn guard(graph: &mut Graph, form: Id, domain: &[Id]) -> Id {
    if domain.is_empty() {
        return form;
    }
    let previous = graph.set_as_written(false);
    let found = raw_conditions(graph, form, true);
    let kept = normalised(graph, found, false);
    let lost: Vec<Id> = domain.iter().copied().filter(|&condition| !implied(graph, condition, &kept)).collect();
    let guarded = if lost.is_empty() {
        form
    } else {
        let defined = graph.and(lost);
        let undefined = graph.float(f64::NAN);
        graph.select(defined, form, undefined)
    };
    graph.set_as_written(previous);
    guarded
}

/// Raw conditions as canonical, reduced conditions; `stable` also stabilises their operands
/// (the formula as written: `e^x - 1 > 0` is `exp_m1(x) > 0`, which is `x > 0`, as the
/// stabilised form has it).
fn normalised(graph: &mut Graph, found: Vec<(Compare, Id)>, stable: bool) -> Vec<Id> {
    // Rebuilt through the canonical constructors, each node once.
    let mut canonical = HashMap::new();
    let mut conditions = Vec::new();
    for (op, operand) in found {
        let mut operand = graph.rewrite_bottom_up(operand, &mut canonical, &mut |_, rebuilt| rebuilt);
        if stable {
            operand = crate::stabilise::stabilise(graph, operand);
        }
        for condition in reduced(graph, op, operand) {
            if !conditions.contains(&condition) {
                conditions.push(condition);
            }
        }
    }
    conditions
}

/// `u op 0` as the conditions on the parts of `u` it comes to (none where it always holds): a
/// product is non-zero where each factor is, `a^2 > 0` where `a \ne 0`, `\tanh u > 0` where `u >
/// 0`. A product's sign is the product of its factors' signs, which floating point computes
/// exactly (`\frac{a}{b} > 0` does not fail where `a/b` underflows).
fn reduced(graph: &mut Graph, op: Compare, operand: Id) -> Vec<Id> {
    let mut memo = HashMap::new();
    let sign = Sign::of(graph, operand, &mut memo);
    let holds = match op {
        Compare::Greater => sign.positive,
        Compare::GreaterEqual => sign.non_negative,
        _ => sign.non_zero,
    };
    if holds {
        return Vec::new();
    }
    if let Some(value) = crate::constant::fold(graph, operand) {
        let value = value.to_f64();
        let holds = match op {
            Compare::Greater => value > 0.0,
            Compare::GreaterEqual => value >= 0.0,
            _ => value != 0.0,
        };
        return if holds { Vec::new() } else { vec![graph.integer(0)] };
    }
    let atom = |graph: &mut Graph| vec![graph.compare_with_zero(op, operand)];
    match graph.node(operand).clone() {
        Node::Mul(factors) => {
            if op == Compare::NotEqual {
                return factors.into_iter().flat_map(|factor| reduced(graph, op, factor)).collect();
            }
            let unknown: Vec<Id> =
                factors.into_iter().filter(|&factor| !Sign::of(graph, factor, &mut memo).positive).collect();
            match unknown.as_slice() {
                [] => Vec::new(),
                [single] => reduced(graph, op, *single),
                _ => {
                    let signs: Vec<Id> = unknown.iter().map(|&factor| sign_of(graph, factor)).collect();
                    let product = graph.product_of(signs);
                    vec![graph.compare_with_zero(op, product)]
                }
            }
        }
        Node::Pow(base, exponent) => {
            let Some(value) = graph.rational(exponent) else { return atom(graph) };
            let negative = *value.numer() < 0;
            let even = value.is_integer() && value.numer() % 2 == 0;
            let odd = value.is_integer() && !even;
            match op {
                // A negative power is never 0 where it is defined (its own condition).
                Compare::NotEqual if negative => Vec::new(),
                Compare::NotEqual => reduced(graph, op, base),
                Compare::Greater if even => reduced(graph, Compare::NotEqual, base),
                Compare::Greater => reduced(graph, Compare::Greater, base),
                Compare::GreaterEqual if even || !odd => Vec::new(),
                Compare::GreaterEqual if negative => reduced(graph, Compare::Greater, base),
                _ => reduced(graph, op, base),
            }
        }
        Node::Apply(Func::Abs, argument) => match op {
            Compare::GreaterEqual => Vec::new(),
            _ => reduced(graph, Compare::NotEqual, argument),
        },
        // Odd, increasing functions through 0 have their argument's sign.
        Node::Apply(
            Func::Sign | Func::Tanh | Func::Sinh | Func::Arctan | Func::Arcsin | Func::Erf | Func::ExpM1 | Func::Ln1p,
            argument,
        ) => reduced(graph, op, argument),
        _ => atom(graph),
    }
}

/// `\operatorname{sign}(u)`, reduced like a condition: the sign of an odd power is its base's.
fn sign_of(graph: &mut Graph, factor: Id) -> Id {
    match graph.node(factor).clone() {
        Node::Pow(base, exponent)
            if graph.rational(exponent).is_some_and(|value| value.is_integer() && value.numer() % 2 != 0) =>
        {
            sign_of(graph, base)
        }
        _ => graph.apply(Func::Sign, factor),
    }
}

/// Whether the conditions a form keeps imply `condition`: it is one of them, or it is `u \ne 0`
/// or `u \ge 0` beside `u > 0`, or a product of signs `> 0` whose factors are each `> 0`.
fn implied(graph: &mut Graph, condition: Id, kept: &[Id]) -> bool {
    if kept.contains(&condition) {
        return true;
    }
    let Node::Compare(op, operand, zero) = *graph.node(condition) else { return false };
    let positive = graph.compare(Compare::Greater, operand, zero);
    if matches!(op, Compare::NotEqual | Compare::GreaterEqual) && kept.contains(&positive) {
        return true;
    }
    if let Node::Mul(factors) = graph.node(operand).clone() {
        return factors.into_iter().all(|factor| match graph.node(factor).clone() {
            Node::Apply(Func::Sign, argument) => {
                let positive = graph.compare(Compare::Greater, argument, zero);
                kept.contains(&positive)
            }
            _ => false,
        });
    }
    false
}

/// The conditions a form contains, as `(op, u)` for `u op 0`. With `computed`, what the form
/// computes counts: the convention of `xlogy` covers the logarithm's `x > 0`, and so do the
/// conditions inside a choice's branches.
fn raw_conditions(graph: &mut Graph, root: Id, computed: bool) -> Vec<(Compare, Id)> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let node = graph.node(id).clone();
        match node {
            // A condition inside one branch holds only where the branch is taken: it is not part
            // of the formula's domain. A form that chooses between branches defines its value
            // where the condition fails on purpose (`xlog1py`'s 0 where the logarithm is of 0): it
            // counts as keeping the condition.
            Node::Select { condition, .. } if !computed => {
                stack.push(condition);
                continue;
            }
            // What depends on an index would need a guard per element.
            Node::Sum(..) | Node::LogSumExp(..) | Node::Element(..) | Node::Delta(..) => continue,
            Node::NearZero { argument, exact, .. } => {
                stack.extend([argument, exact]);
                continue;
            }
            Node::Pow(base, exponent) => {
                if let Some(value) = graph.rational(exponent) {
                    if *value.numer() < 0 {
                        found.push((Compare::NotEqual, base));
                    }
                    if !value.is_integer() {
                        let op = if *value.numer() < 0 { Compare::Greater } else { Compare::GreaterEqual };
                        found.push((op, base));
                    }
                }
            }
            Node::Apply(Func::Ln, argument) => found.push((Compare::Greater, argument)),
            Node::Apply(Func::Ln1p, argument) => {
                let one = graph.integer(1);
                found.push((Compare::Greater, graph.add(one, argument)));
            }
            Node::Apply(Func::Arcsin | Func::Arccos, argument) => {
                let one = graph.integer(1);
                let below = graph.sub(one, argument);
                let above = graph.add(one, argument);
                found.extend([(Compare::GreaterEqual, below), (Compare::GreaterEqual, above)]);
            }
            Node::XLogY(_, x) if computed => found.push((Compare::Greater, x)),
            _ => {}
        }
        stack.extend(graph.children(id));
    }
    found.retain(|&(_, operand)| !graph.mentions_any_index(operand));
    found
}

/// What is known of the sign of an expression for every value of its names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sign {
    /// Always `> 0`.
    pub positive: bool,
    /// Always `≥ 0`.
    pub non_negative: bool,
    /// Always `< 0`.
    pub negative: bool,
    /// Always `≤ 0`.
    pub non_positive: bool,
    /// Never 0.
    pub non_zero: bool,
}

impl Sign {
    const POSITIVE: Sign =
        Sign { positive: true, non_negative: true, negative: false, non_positive: false, non_zero: true };
    const NON_NEGATIVE: Sign =
        Sign { positive: false, non_negative: true, negative: false, non_positive: false, non_zero: false };
    const UNKNOWN: Sign =
        Sign { positive: false, non_negative: false, negative: false, non_positive: false, non_zero: false };

    fn of_rational(value: Rational) -> Sign {
        let zero = Rational::from_integer(0);
        Sign {
            positive: value > zero,
            non_negative: value >= zero,
            negative: value < zero,
            non_positive: value <= zero,
            non_zero: value != zero,
        }
    }

    fn negated(self) -> Sign {
        Sign {
            positive: self.negative,
            non_negative: self.non_positive,
            negative: self.positive,
            non_positive: self.non_negative,
            non_zero: self.non_zero,
        }
    }

    /// The sign of a product of two factors.
    fn times(self, other: Sign) -> Sign {
        let non_zero = self.non_zero && other.non_zero;
        Sign {
            positive: (self.positive && other.positive) || (self.negative && other.negative),
            negative: (self.positive && other.negative) || (self.negative && other.positive),
            non_negative: (self.non_negative && other.non_negative) || (self.non_positive && other.non_positive),
            non_positive: (self.non_negative && other.non_positive) || (self.non_positive && other.non_negative),
            non_zero,
        }
    }

    /// The sign of a sum of two terms.
    fn plus(self, other: Sign) -> Sign {
        let non_negative = self.non_negative && other.non_negative;
        let non_positive = self.non_positive && other.non_positive;
        let positive = non_negative && (self.positive || other.positive);
        let negative = non_positive && (self.negative || other.negative);
        Sign { positive, non_negative, negative, non_positive, non_zero: positive || negative }
    }

    /// What both signs have in common (either may be the value).
    fn either(self, other: Sign) -> Sign {
        Sign {
            positive: self.positive && other.positive,
            non_negative: self.non_negative && other.non_negative,
            negative: self.negative && other.negative,
            non_positive: self.non_positive && other.non_positive,
            non_zero: self.non_zero && other.non_zero,
        }
    }

    /// The sign of the expression at `id`, for every value of its names.
    pub fn of(graph: &Graph, id: Id, memo: &mut HashMap<Id, Sign>) -> Sign {
        if let Some(&known) = memo.get(&id) {
            return known;
        }
        let sign = match graph.node(id) {
            Node::Number(value) => Sign::of_rational(*value),
            Node::Float(bits) => {
                let value = f64::from_bits(*bits);
                if value.is_nan() {
                    Sign::UNKNOWN
                } else {
                    Sign {
                        positive: value > 0.0,
                        non_negative: value >= 0.0,
                        negative: value < 0.0,
                        non_positive: value <= 0.0,
                        non_zero: value != 0.0,
                    }
                }
            }
            Node::Constant(_) => Sign::POSITIVE,
            Node::Add(terms) => {
                let terms = terms.clone();
                let mut total = Sign::of_rational(Rational::from_integer(0));
                for term in terms {
                    total = total.plus(Sign::of(graph, term, memo));
                }
                total
            }
            Node::Mul(factors) => {
                let factors = factors.clone();
                let mut total = Sign::POSITIVE;
                for factor in factors {
                    total = total.times(Sign::of(graph, factor, memo));
                }
                total
            }
            Node::Pow(base, exponent) => {
                let (base, exponent) = (*base, *exponent);
                let base_sign = Sign::of(graph, base, memo);
                match graph.rational(exponent) {
                    Some(value) if value.is_integer() && value.numer() % 2 == 0 => {
                        if base_sign.non_zero {
                            Sign::POSITIVE
                        } else {
                            Sign::NON_NEGATIVE
                        }
                    }
                    Some(value) if value.is_integer() => {
                        // An odd power keeps the sign; a negative one needs a non-zero base.
                        if *value.numer() < 0 && !base_sign.non_zero { Sign::UNKNOWN } else { base_sign }
                    }
                    Some(value) => {
                        if base_sign.positive || *value.numer() < 0 {
                            Sign::POSITIVE
                        } else {
                            Sign::NON_NEGATIVE
                        }
                    }
                    None if base_sign.positive => Sign::POSITIVE,
                    None => Sign::UNKNOWN,
                }
            }
            Node::Apply(func, argument) => {
                let argument = Sign::of(graph, *argument, memo);
                match func {
                    Func::Exp | Func::Cosh | Func::Sigmoid | Func::Softplus | Func::Phi | Func::Erfc => Sign::POSITIVE,
                    Func::Abs => {
                        if argument.non_zero {
                            Sign::POSITIVE
                        } else {
                            Sign::NON_NEGATIVE
                        }
                    }
                    // Odd, increasing functions through 0: the argument's sign.
                    Func::Sign
                    | Func::Tanh
                    | Func::Sinh
                    | Func::Arctan
                    | Func::Arcsin
                    | Func::Erf
                    | Func::ExpM1
                    | Func::Ln1p => argument,
                    _ => Sign::UNKNOWN,
                }
            }
            Node::Max(a, b) => {
                let (a, b) = (*a, *b);
                Sign::of(graph, a, memo).maximum(Sign::of(graph, b, memo))
            }
            Node::Min(a, b) => {
                let (a, b) = (*a, *b);
                let (a, b) = (Sign::of(graph, a, memo), Sign::of(graph, b, memo));
                a.negated().maximum(b.negated()).negated()
            }
            Node::Select { then, otherwise, .. } => {
                let (then, otherwise) = (*then, *otherwise);
                Sign::of(graph, then, memo).either(Sign::of(graph, otherwise, memo))
            }
            Node::NearZero { exact, .. } | Node::ComputedAs { exact, .. } => Sign::of(graph, *exact, memo),
            _ => Sign::UNKNOWN,
        };
        memo.insert(id, sign);
        sign
    }

    /// The sign of the larger of two values.
    fn maximum(self, other: Sign) -> Sign {
        Sign {
            positive: self.positive || other.positive,
            non_negative: self.non_negative || other.non_negative,
            negative: self.negative && other.negative,
            non_positive: self.non_positive && other.non_positive,
            non_zero: self.positive || other.positive || (self.negative && other.negative),
        }
    }
}
