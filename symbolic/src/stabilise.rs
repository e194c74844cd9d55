//! The stabiliser: named rewrites that keep floating-point evaluation finite and exact where the
//! textbook form overflows, underflows or cancels. They apply to any formula, recognised by
//! shape, never by a catalog name.
//!
//! Every rule is an identity of real numbers; what it changes is how `f32`/`f64` evaluate it.
//! Each is tested on an input where the naive form fails (`tests/engine_stability.rs`):
//!
//! | rule | rewrite | naive failure |
//! |---|---|---|
//! | `sigmoid-quotient` | `(1 + e^{v})^{-n}` → `σ(-v)^n` | `e^{1000}` overflows: `1/∞` hides nothing, but `e^{-x}/(1+e^{-x})^2` is `∞/∞` |
//! | `sigmoid-times-exp` | `e^{u} σ(-u)^n` → `σ(u) σ(-u)^{n-1}` | `e^{u}` overflows while the product is ≤ 1 |
//! | `tanh-quotient` | `(e^u - e^{-u}) / (e^u + e^{-u})` → `\tanh u` | `∞/∞` for `u > 710` |
//! | `softplus` | `\ln(1 + e^u)` → softplus | `e^{1000}` overflows |
//! | `log-sigmoid` | `\ln σ(u)` → `-softplus(-u)` | `σ(-1000)` underflows to 0, `\ln 0 = -∞` |
//! | `ln-1p` | `\ln(1 + u)` → `ln_1p(u)` | `1 + 10^{-17}` rounds to 1 |
//! | `exp-m1` | `c e^u - c` → `c exp_m1(u)` | cancellation near 0 (ELU at `-10^{-10}`) |
//! | `erfc` | `c + c \operatorname{erf}(z)` → `c \operatorname{erfc}(-z)` | cancellation for `z ≪ 0` (GELU at -10) |
//! | `tanh-complement` | `c + c \tanh u` → `2c σ(2u)` | cancellation for `u ≪ 0` (tanh-GELU at -10) |
//! | `sigmoid-complement` | `c - c σ(u)` → `c σ(-u)` | `1 - σ(40)` rounds to 0 |
//! | `sech-complement` | `c - c / \cosh^2 u` → `c \tanh^2 u` | cancellation near 0 (tanhshrink' at `10^{-5}`) |
//! | `sinh-over-cosh` | `\sinh u / \cosh^k u` → `\tanh u / \cosh^{k-1} u` | `∞/∞` for `|u| > 710` (tanh'') |
//! | `log-cosh` | `\ln \cosh u` → `|u| + ln_1p(e^{-2|u|}) - \ln 2` | `\cosh 1000` overflows |
//! | `log-of-quotient` | `\ln(a/b)` → `\ln a - \ln b` | `a/b` overflows or underflows |
//! | `log-sum-exp` | `\ln \sum_j e^{u_j}` → max-subtracted log-sum-exp | `e^{10^4}` overflows |
//! | `softmax` | `e^{a} / \sum_j e^{u_j}` → `e^{a - LSE}` | `∞/∞` for logits of `10^4` |
//! | `xlogy` | `y \ln x` → 0 where `y = 0` | `0 \ln 0 = 0 · (-∞) = NaN` |
//! | `series-near-zero` | `u - \tanh u` (and `\sin`, `\sinh`, `\arctan`) → its Taylor series for `|u| < 0.1` ([`crate::ir::Node::NearZero`]) | cancellation: `x - \tanh x` at `10^{-6}` is 0 |

use std::collections::HashMap;

use crate::ir::{Func, Graph, Id, Node, Rational, Rule};

/// The rules, in the order they are tried on each node.
pub const RULES: &[Rule] = &[
    Rule { name: "sigmoid-quotient", apply: sigmoid_quotient },
    Rule { name: "sigmoid-times-exp", apply: sigmoid_times_exp },
    Rule { name: "tanh-quotient", apply: tanh_quotient },
    Rule { name: "softplus", apply: softplus },
    Rule { name: "log-sigmoid", apply: log_sigmoid },
    Rule { name: "log-sum-exp", apply: log_sum_exp },
    Rule { name: "log-of-quotient", apply: log_of_quotient },
    Rule { name: "ln-1p", apply: ln_1p },
    Rule { name: "exp-m1", apply: exp_m1 },
    Rule { name: "erfc", apply: erfc },
    Rule { name: "tanh-complement", apply: tanh_complement },
    Rule { name: "sigmoid-complement", apply: sigmoid_complement },
    Rule { name: "sech-complement", apply: sech_complement },
    Rule { name: "sinh-over-cosh", apply: sinh_over_cosh },
    Rule { name: "log-cosh", apply: log_cosh },
    Rule { name: "softmax", apply: softmax },
    Rule { name: "xlogy", apply: xlogy },
    Rule { name: "series-near-zero", apply: series_near_zero },
];

/// `id` with every rule applied bottom-up until none applies.
pub fn stabilise(graph: &mut Graph, id: Id) -> Id {
    Stabiliser { memo: HashMap::new() }.run(graph, id)
}

struct Stabiliser {
    memo: HashMap<Id, Id>,
}

impl Stabiliser {
    fn run(&mut self, graph: &mut Graph, id: Id) -> Id {
        if let Some(&done) = self.memo.get(&id) {
            return done;
        }
        // A rewrite may keep the node it rewrites as a part (`series-near-zero` keeps the
        // difference as the branch away from 0): that part is taken as it is.
        self.memo.insert(id, id);
        let mut current = graph.rebuild(id, &mut |graph, child| self.run(graph, child));
        // A rewrite can expose another (a quotient becomes a sigmoid, whose logarithm is a
        // softplus); the rounds are few because every rule removes the shape it matches.
        for _ in 0..8 {
            let before = current;
            for rule in RULES {
                if let Some(rewritten) = (rule.apply)(graph, current) {
                    current = graph.rebuild(rewritten, &mut |graph, child| self.run(graph, child));
                }
            }
            if current == before {
                break;
            }
        }
        self.memo.insert(id, current);
        current
    }
}

fn factors(graph: &Graph, id: Id) -> Vec<Id> {
    match graph.node(id) {
        Node::Mul(factors) => factors.clone(),
        _ => vec![id],
    }
}

fn terms(graph: &Graph, id: Id) -> Vec<Id> {
    match graph.node(id) {
        Node::Add(terms) => terms.clone(),
        _ => vec![id],
    }
}

/// The argument of `e^{u}`.
fn exp_argument(graph: &Graph, id: Id) -> Option<Id> {
    match graph.node(id) {
        Node::Apply(Func::Exp, argument) => Some(*argument),
        _ => None,
    }
}

/// For `1 + e^{v}` (in either order), `v`.
fn one_plus_exp(graph: &Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id) else { return None };
    let [a, b] = terms[..] else { return None };
    let one = Rational::from_integer(1);
    match (graph.rational(a), graph.rational(b)) {
        (Some(value), None) if value == one => exp_argument(graph, b),
        (None, Some(value)) if value == one => exp_argument(graph, a),
        _ => None,
    }
}

fn negated(graph: &mut Graph, id: Id) -> Id {
    graph.neg(id)
}

/// `sigmoid-quotient`: `(1 + e^{v})^{-n}` is `σ(-v)^n`.
fn sigmoid_quotient(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Pow(base, exponent) = graph.node(id).clone() else { return None };
    let power = graph.rational(exponent).filter(|value| value.is_integer() && *value.numer() < 0)?;
    let v = one_plus_exp(graph, base)?;
    let minus_v = negated(graph, v);
    let sigmoid = graph.apply(Func::Sigmoid, minus_v);
    let n = graph.number(-power);
    Some(graph.pow(sigmoid, n))
}

/// `sigmoid-times-exp`: `e^{u} σ(-u)^n` is `σ(u) σ(-u)^{n-1}`.
fn sigmoid_times_exp(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    for (exp_position, &factor) in factors.iter().enumerate() {
        let Some(u) = exp_argument(graph, factor) else { continue };
        let minus_u = negated(graph, u);
        let sigmoid_of_minus_u = graph.apply(Func::Sigmoid, minus_u);
        for (position, &other) in factors.iter().enumerate() {
            let power = match graph.node(other) {
                _ if other == sigmoid_of_minus_u => Rational::from_integer(1),
                Node::Pow(base, exponent) if *base == sigmoid_of_minus_u => match graph.rational(*exponent) {
                    Some(value) if value.is_integer() && *value.numer() >= 1 => value,
                    _ => continue,
                },
                _ => continue,
            };
            let mut rest: Vec<Id> = factors
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != exp_position && *index != position)
                .map(|(_, &factor)| factor)
                .collect();
            rest.push(graph.apply(Func::Sigmoid, u));
            let remaining = graph.number(power - Rational::from_integer(1));
            rest.push(graph.pow(sigmoid_of_minus_u, remaining));
            return Some(graph.product_of(rest));
        }
    }
    None
}

/// `tanh-quotient`: `(e^u - e^{-u}) / (e^u + e^{-u})` is `\tanh u`.
fn tanh_quotient(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    let [numerator, denominator] = factors[..] else { return None };
    let Node::Pow(base, exponent) = graph.node(denominator).clone() else { return None };
    (graph.rational(exponent)? == Rational::from_integer(-1)).then_some(())?;
    let [a, b] = terms(graph, base)[..] else { return None };
    let (p, q) = (exp_argument(graph, a)?, exp_argument(graph, b)?);
    let minus_p = negated(graph, p);
    (minus_p == q).then_some(())?;
    // The numerator is e^{u} - e^{-u} for u = p or u = q.
    let (exp_p, exp_q) = (a, b);
    let difference_pq = graph.sub(exp_p, exp_q);
    let difference_qp = graph.sub(exp_q, exp_p);
    if numerator == difference_pq {
        Some(graph.apply(Func::Tanh, p))
    } else if numerator == difference_qp {
        Some(graph.apply(Func::Tanh, q))
    } else {
        None
    }
}

/// `softplus`: `\ln(1 + e^u)` is softplus.
fn softplus(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let u = one_plus_exp(graph, argument)?;
    Some(graph.apply(Func::Softplus, u))
}

/// `log-sigmoid`: `\ln σ(u)` is `-softplus(-u)`.
fn log_sigmoid(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let Node::Apply(Func::Sigmoid, u) = graph.node(argument).clone() else { return None };
    let minus_u = negated(graph, u);
    let softplus = graph.apply(Func::Softplus, minus_u);
    Some(graph.neg(softplus))
}

/// `log-sum-exp`: `\ln \sum_j e^{u_j}` with the maximum subtracted.
fn log_sum_exp(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let Node::Sum(index, body) = graph.node(argument).clone() else { return None };
    let exponent = exp_argument(graph, body)?;
    Some(graph.log_sum_exp(index, exponent))
}

/// `log-of-quotient`: `\ln(a / b)` is `\ln a - \ln b`, for the positive arguments of losses
/// (KL divergence's `p / q`), so that the quotient cannot overflow or underflow.
fn log_of_quotient(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let factors = factors(graph, argument);
    if factors.len() < 2 {
        return None;
    }
    let mut numerator = Vec::new();
    let mut denominator = Vec::new();
    for factor in factors {
        match graph.node(factor).clone() {
            Node::Pow(base, exponent) if graph.rational(exponent).is_some_and(|value| *value.numer() < 0) => {
                let positive = graph.neg(exponent);
                denominator.push(graph.pow(base, positive));
            }
            _ => numerator.push(factor),
        }
    }
    if denominator.is_empty() || numerator.is_empty() {
        return None;
    }
    let numerator = graph.product_of(numerator);
    let denominator = graph.product_of(denominator);
    let (ln_numerator, ln_denominator) = (graph.apply(Func::Ln, numerator), graph.apply(Func::Ln, denominator));
    Some(graph.sub(ln_numerator, ln_denominator))
}

/// `ln-1p`: `\ln(1 + u)` is `ln_1p(u)`.
fn ln_1p(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let terms = terms(graph, argument);
    let one = terms.iter().position(|&term| graph.rational(term) == Some(Rational::from_integer(1)))?;
    let rest: Vec<Id> = terms.iter().enumerate().filter(|(index, _)| *index != one).map(|(_, &term)| term).collect();
    if rest.is_empty() {
        return None;
    }
    let u = graph.sum_of(rest);
    Some(graph.apply(Func::Ln1p, u))
}

/// In a sum, a term `c f(u)` and the constant term `k`: `(c, u, f-term position, k position)`.
fn scaled_pair(graph: &mut Graph, id: Id, func: Func) -> Option<(Rational, Id, Rational, Vec<Id>)> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let constant_position = terms.iter().position(|&term| graph.rational(term).is_some())?;
    let constant = graph.rational(terms[constant_position])?;
    for (position, &term) in terms.iter().enumerate() {
        let (coefficient, rest) = graph.split_coefficient(term);
        if let Node::Apply(found, u) = graph.node(rest).clone()
            && found == func
            && (coefficient == constant || coefficient == -constant)
        {
            let others: Vec<Id> = terms
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != position && *index != constant_position)
                .map(|(_, &term)| term)
                .collect();
            return Some((coefficient, u, constant, others));
        }
    }
    None
}

/// `exp-m1`: `c e^u - c` is `c exp_m1(u)`.
fn exp_m1(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, u, constant, mut others) = scaled_pair(graph, id, Func::Exp)?;
    (constant == -coefficient).then_some(())?;
    let expm1 = graph.apply(Func::ExpM1, u);
    let coefficient = graph.number(coefficient);
    others.push(graph.mul(coefficient, expm1));
    Some(graph.sum_of(others))
}

/// `erfc`: `c + c \operatorname{erf}(z)` is `c \operatorname{erfc}(-z)`, and `c - c
/// \operatorname{erf}(z)` is `c \operatorname{erfc}(z)`.
fn erfc(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, z, constant, mut others) = scaled_pair(graph, id, Func::Erf)?;
    let argument = if coefficient == constant { graph.neg(z) } else { z };
    let complement = graph.apply(Func::Erfc, argument);
    let constant = graph.number(constant);
    others.push(graph.mul(constant, complement));
    Some(graph.sum_of(others))
}

/// `tanh-complement`: `c + c \tanh u` is `2c σ(2u)` and `c - c \tanh u` is `2c σ(-2u)`.
fn tanh_complement(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, u, constant, mut others) = scaled_pair(graph, id, Func::Tanh)?;
    let two = graph.integer(2);
    let doubled = graph.mul(two, u);
    let argument = if coefficient == constant { doubled } else { graph.neg(doubled) };
    let sigmoid = graph.apply(Func::Sigmoid, argument);
    let scale = graph.number(constant * Rational::from_integer(2));
    others.push(graph.mul(scale, sigmoid));
    Some(graph.sum_of(others))
}

/// `sigmoid-complement`: `c - c σ(u)` is `c σ(-u)`.
fn sigmoid_complement(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, u, constant, mut others) = scaled_pair(graph, id, Func::Sigmoid)?;
    (coefficient == -constant).then_some(())?;
    let minus_u = graph.neg(u);
    let sigmoid = graph.apply(Func::Sigmoid, minus_u);
    let constant = graph.number(constant);
    others.push(graph.mul(constant, sigmoid));
    Some(graph.sum_of(others))
}

/// `sinh-over-cosh`: `\sinh u \cosh^{-k} u` is `\tanh u \cosh^{1-k} u`.
fn sinh_over_cosh(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    for (sinh_position, &factor) in factors.iter().enumerate() {
        let Node::Apply(Func::Sinh, u) = graph.node(factor).clone() else { continue };
        let cosh = graph.apply(Func::Cosh, u);
        for (position, &other) in factors.iter().enumerate() {
            let Node::Pow(base, exponent) = graph.node(other).clone() else { continue };
            let Some(k) = graph.rational(exponent).filter(|value| value.is_integer() && *value.numer() < 0) else {
                continue;
            };
            if base != cosh {
                continue;
            }
            let mut rest: Vec<Id> = factors
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != sinh_position && *index != position)
                .map(|(_, &factor)| factor)
                .collect();
            rest.push(graph.apply(Func::Tanh, u));
            let remaining = graph.number(k + Rational::from_integer(1));
            rest.push(graph.pow(cosh, remaining));
            return Some(graph.product_of(rest));
        }
    }
    None
}

/// `log-cosh`: `\ln \cosh u` is `|u| + ln_1p(e^{-2|u|}) - \ln 2`.
fn log_cosh(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let Node::Apply(Func::Cosh, u) = graph.node(argument).clone() else { return None };
    let magnitude = graph.apply(Func::Abs, u);
    let minus_two = graph.integer(-2);
    let scaled = graph.mul(minus_two, magnitude);
    let decay = graph.apply(Func::Exp, scaled);
    let correction = graph.apply(Func::Ln1p, decay);
    let two = graph.integer(2);
    let ln_two = graph.apply(Func::Ln, two);
    let minus_ln_two = graph.neg(ln_two);
    Some(graph.sum_of(vec![magnitude, correction, minus_ln_two]))
}

/// `sech-complement`: `c - c \cosh^{-2} u` is `c \tanh^2 u`.
fn sech_complement(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let constant_position = terms.iter().position(|&term| graph.rational(term).is_some())?;
    let constant = graph.rational(terms[constant_position])?;
    for (position, &term) in terms.iter().enumerate() {
        let (coefficient, rest) = graph.split_coefficient(term);
        let Node::Pow(base, exponent) = graph.node(rest).clone() else { continue };
        let Node::Apply(Func::Cosh, u) = graph.node(base).clone() else { continue };
        if graph.rational(exponent) != Some(Rational::from_integer(-2)) || coefficient != -constant {
            continue;
        }
        let mut others: Vec<Id> = terms
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != position && *index != constant_position)
            .map(|(_, &term)| term)
            .collect();
        let tanh = graph.apply(Func::Tanh, u);
        let two = graph.integer(2);
        let square = graph.pow(tanh, two);
        let constant = graph.number(constant);
        others.push(graph.mul(constant, square));
        return Some(graph.sum_of(others));
    }
    None
}

/// `softmax`: `e^{a} / \sum_j e^{u_j}` is `e^{a - \operatorname{LSE}_j u_j}`.
fn softmax(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    let exp_position = factors.iter().position(|&factor| exp_argument(graph, factor).is_some())?;
    let a = exp_argument(graph, factors[exp_position])?;
    for (position, &factor) in factors.iter().enumerate() {
        let Node::Pow(base, exponent) = graph.node(factor).clone() else { continue };
        if graph.rational(exponent) != Some(Rational::from_integer(-1)) {
            continue;
        }
        let Node::Sum(index, body) = graph.node(base).clone() else { continue };
        let Some(u) = exp_argument(graph, body) else { continue };
        let lse = graph.log_sum_exp(index, u);
        let shifted = graph.sub(a, lse);
        let mut rest: Vec<Id> = factors
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != exp_position && *index != position)
            .map(|(_, &factor)| factor)
            .collect();
        rest.push(graph.apply(Func::Exp, shifted));
        return Some(graph.product_of(rest));
    }
    None
}

/// `xlogy`: `y \ln x` is 0 where `y` is 0, also when `x` is 0 (cross-entropy and KL with zero
/// targets); a factor `y (c_1 \ln a + c_2 \ln b)` is distributed first.
fn xlogy(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    let others = |skip: usize| -> Vec<Id> {
        factors.iter().enumerate().filter(|(index, _)| *index != skip).map(|(_, &factor)| factor).collect()
    };
    for (position, &factor) in factors.iter().enumerate() {
        match graph.node(factor).clone() {
            Node::Apply(Func::Ln, x) => {
                let y = graph.product_of(others(position));
                // A constant coefficient is never 0: `c \ln x` stays as it is.
                if graph.rational(y).is_some() {
                    return None;
                }
                return Some(graph.xlogy(y, x));
            }
            Node::Add(terms) => {
                let mut logarithms = Vec::new();
                for &term in &terms {
                    let (coefficient, rest) = graph.split_coefficient(term);
                    match graph.node(rest) {
                        Node::Apply(Func::Ln, x) => logarithms.push((coefficient, *x)),
                        _ => break,
                    }
                }
                if logarithms.len() != terms.len() {
                    continue;
                }
                let y = graph.product_of(others(position));
                let distributed = logarithms
                    .into_iter()
                    .map(|(coefficient, x)| {
                        let coefficient = graph.number(coefficient);
                        let scaled = graph.mul(coefficient, y);
                        graph.xlogy(scaled, x)
                    })
                    .collect();
                return Some(graph.sum_of(distributed));
            }
            _ => {}
        }
    }
    None
}

/// The Taylor coefficients of `u - f(u)` (odd powers from 3), where `f(u) = u + O(u^3)`.
fn series_of_difference(func: Func) -> Option<&'static [(i128, i128)]> {
    match func {
        // u - tanh u = u³/3 - 2u⁵/15 + 17u⁷/315 - 62u⁹/2835 + 1382u¹¹/155925
        Func::Tanh => Some(&[(1, 3), (-2, 15), (17, 315), (-62, 2835), (1382, 155_925)]),
        // u - sin u = u³/6 - u⁵/120 + u⁷/5040 - u⁹/362880 + u¹¹/39916800
        Func::Sin => Some(&[(1, 6), (-1, 120), (1, 5040), (-1, 362_880), (1, 39_916_800)]),
        // u - sinh u = -(u³/6 + u⁵/120 + ...)
        Func::Sinh => Some(&[(-1, 6), (-1, 120), (-1, 5040), (-1, 362_880), (-1, 39_916_800)]),
        // u - arctan u = u³/3 - u⁵/5 + u⁷/7 - u⁹/9 + u¹¹/11
        Func::Arctan => Some(&[(1, 3), (-1, 5), (1, 7), (-1, 9), (1, 11)]),
        _ => None,
    }
}

/// `series-near-zero`: `c u - c f(u)` for `f` = tanh, sin, sinh, arctan cancels at 0; below
/// `|u| < 0.1` it is its Taylor series (five terms: relative error under 1e-14 there), above it
/// the difference itself (which loses at most 3 eps / u² relatively: under 1e-13 at 0.1).
fn series_near_zero(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let [first, second] = terms[..] else { return None };
    for (plain, applied) in [(first, second), (second, first)] {
        let (c1, u) = graph.split_coefficient(plain);
        let (c2, rest) = graph.split_coefficient(applied);
        let Node::Apply(func, argument) = graph.node(rest).clone() else { continue };
        if argument != u || c1 != -c2 {
            continue;
        }
        let Some(coefficients) = series_of_difference(func) else { continue };
        let series_terms: Vec<Id> = coefficients
            .iter()
            .enumerate()
            .map(|(position, &(numerator, denominator))| {
                let power = graph.integer(3 + 2 * position as i128);
                let u_power = graph.pow(u, power);
                let coefficient = graph.number(Rational::new(numerator, denominator) * c1);
                graph.mul(coefficient, u_power)
            })
            .collect();
        let series = graph.sum_of(series_terms);
        return Some(graph.near_zero(u, series, id));
    }
    None
}
