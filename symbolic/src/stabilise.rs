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
//! | `sigmoid-difference` | `c r σ(u) - c r σ(-u)` → `c r \tanh(u/2)` | cancellation near 0 (σ'' at `10^{-28}`) |
//! | `sech-complement` | `c - c / \cosh^2 u` → `c \tanh^2 u` | cancellation near 0 (tanhshrink' at `10^{-5}`) |
//! | `sinh-over-cosh` | `\sinh u / \cosh^k u` → `\tanh u / \cosh^{k-1} u` | `∞/∞` for `|u| > 710` (tanh'') |
//! | `log-cosh` | `\ln \cosh u` → `ln_1p(2 \sinh^2(u/2))` for `|u| < 2`, `|u| + ln_1p(e^{-2|u|}) - \ln 2` beyond | `\cosh 1000` overflows; `\cosh 10^{-8}` rounds to 1 |
//! | `log-of-quotient` | `\ln(a/b)` → `\ln a - \ln b` | `a/b` overflows or underflows |
//! | `log-sum-exp` | `\ln \sum_j e^{u_j}` → max-subtracted log-sum-exp | `e^{10^4}` overflows |
//! | `softmax` | `e^{a} / \sum_j e^{u_j}` → `e^{a - LSE}` | `∞/∞` for logits of `10^4` |
//! | `xlogy` | `y \ln x` → 0 where `y = 0` | `0 \ln 0 = 0 · (-∞) = NaN` |
//! | `log-sum-exp-terms` | `\ln(c_1 e^{a_1} + c_2 e^{a_2} + ...)` → `a_1 + \ln c_1 + softplus(a_2 + \ln c_2 - a_1 - \ln c_1) + ...` | `\ln(e^x + e^{2x})` at 800 is `\ln ∞` |
//! | `cos-complement` | `c - c \cos u` → `2c \sin^2(u/2)` | cancellation near 0 (`1 - \cos 10^{-12}` is 0) |
//! | `cosh-complement` | `c \cosh u - c` → `2c \sinh^2(u/2)` | cancellation near 0 |
//! | `xlog1py` | `y \ln_{1p}(x)` → 0 where `y = 0` | `0 \ln 0 = NaN` in binary cross-entropy at `y = \hat{y} = 1`, and in its gradient |
//! | `common-power` | `a t^{p} + b t^{p-k}` → `(a t^k + b) t^{p-k}` expanded, where the numerator cancels exactly | `(x^2/\sqrt{1+x^4})'` at 10^8 is 0, not 2e-40 |
//! | `conjugate-root` | `A + B \sqrt{u}` → `(A^2 - B^2 u)/(A - B \sqrt{u})` where that cancels exactly (`A` may hold another root: `\sqrt{x+1} - \sqrt{x}`), chosen where the sum has lost two bits | squareplus `\frac{x + \sqrt{x^2 + 4}}{2}` at `-10^8` keeps 1 digit; `\sqrt{x+1} - \sqrt{x}` at 10^8 keeps 8 |
//! | `scaled-radicand` (last) | `r (c a^{2k} + s)^p` → `r \operatorname{sign}(a)^m |a|^{m + 2kp} (c + s a^{-2k})^p` for `|a| > 1` | `\frac{x}{\sqrt{1 + x^2}}` at `10^{200}` is `x / ∞ = 0`, not 1 |
//! | `series-near-zero` | `u - \tanh u` (and `\sin`, `\sinh`, `\arctan`) → its Taylor series for `|u| < 0.1` ([`crate::ir::Node::NearZero`]) | cancellation: `x - \tanh x` at `10^{-6}` is 0 |

use std::collections::HashMap;

use crate::ir::{Func, Graph, Id, Node, Rational, Rule};

/// The rules, in the order they are tried on each node.
pub const RULES: &[Rule] = &[
    Rule { name: "sigmoid-quotient", apply: sigmoid_quotient },
    Rule { name: "sigmoid-times-exp", apply: sigmoid_times_exp },
    Rule { name: "tanh-quotient", apply: tanh_quotient },
    Rule { name: "softplus", apply: softplus },
    Rule { name: "log-sum-exp-terms", apply: log_sum_exp_terms },
    Rule { name: "log-sigmoid", apply: log_sigmoid },
    Rule { name: "log-sum-exp", apply: log_sum_exp },
    Rule { name: "log-of-quotient", apply: log_of_quotient },
    Rule { name: "ln-1p", apply: ln_1p },
    Rule { name: "exp-m1", apply: exp_m1 },
    Rule { name: "erfc", apply: erfc },
    Rule { name: "tanh-complement", apply: tanh_complement },
    Rule { name: "sigmoid-complement", apply: sigmoid_complement },
    Rule { name: "sigmoid-difference", apply: sigmoid_difference },
    Rule { name: "sech-complement", apply: sech_complement },
    Rule { name: "cos-complement", apply: cos_complement },
    Rule { name: "cosh-complement", apply: cosh_complement },
    Rule { name: "sinh-over-cosh", apply: sinh_over_cosh },
    Rule { name: "log-cosh", apply: log_cosh },
    Rule { name: "softmax", apply: softmax },
    Rule { name: "xlogy", apply: xlogy },
    Rule { name: "xlog1py", apply: xlog1py },
    Rule { name: "series-near-zero", apply: series_near_zero },
    Rule { name: "common-power", apply: common_power },
    Rule { name: "conjugate-root", apply: conjugate_root },
];

/// The rules of the last pass, applied once, top-down, at products and powers, after [`RULES`]
/// (which see the roots as written).
pub const LAST_RULES: &[Rule] = &[Rule { name: "scaled-radicand", apply: scaled_product }];

/// `id` with its constants decided ([`crate::fold`]), every rule applied bottom-up until none
/// applies, then [`LAST_RULES`].
pub fn stabilise(graph: &mut Graph, id: Id) -> Id {
    let decided = crate::fold::decide_constants(graph, id);
    let stable = Stabiliser { memo: HashMap::new() }.run(graph, decided);
    scale_radicands(graph, stable)
}

struct Stabiliser {
    memo: HashMap<Id, Id>,
}

impl Stabiliser {
    fn run(&mut self, graph: &mut Graph, id: Id) -> Id {
        if let Some(&done) = self.memo.get(&id) {
            return done;
        }
        // A constant is folded to one correctly rounded literal when emitted: rewriting it
        // (`\ln(\ln \pi / \ln 10)` into a difference of logarithms) would only add roundings.
        if crate::constant::fold(graph, id).is_some() {
            self.memo.insert(id, id);
            return id;
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
                    self.keep_exact_forms(graph, rewritten);
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

    /// Both forms of every [`Node::ComputedAs`] a rewrite made are taken as they are: they are
    /// built from parts stabilised already, the exact form is the node the rewrite replaced
    /// (rewriting it again would only nest the same choice inside itself), and the computed
    /// form is written not to cancel where it is chosen (the conjugate's denominator `A - B
    /// \sqrt{u}` has terms of one sign there).
    fn keep_exact_forms(&mut self, graph: &Graph, rewritten: Id) {
        let mut stack = vec![(rewritten, false)];
        let mut seen = std::collections::HashSet::new();
        while let Some((id, kept)) = stack.pop() {
            if !seen.insert((id, kept)) || (!kept && self.memo.contains_key(&id)) {
                continue;
            }
            if kept {
                self.memo.entry(id).or_insert(id);
            }
            let kept = kept || matches!(graph.node(id), Node::ComputedAs { .. });
            stack.extend(graph.children(id).into_iter().map(|child| (child, kept)));
        }
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
    // A constant side cannot make the quotient overflow, and the difference of logarithms
    // cancels where the quotient is near 1 (`\ln \log_2 x` near 2): left as it is.
    if crate::constant::fold(graph, numerator).is_some() || crate::constant::fold(graph, denominator).is_some() {
        return None;
    }
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

/// `log-cosh`: `\ln \cosh u` is `ln_1p(2 \sinh^2(u/2))` for `|u| < 2`, where it keeps every
/// digit of a value as small as `u^2/2`, and `|u| + ln_1p(e^{-2|u|}) - \ln 2` beyond, where
/// `\sinh^2` would overflow (from `|u| = 710`) and the terms no longer cancel (the second form
/// alone gives `1.1 \cdot 10^{-16}` for `\ln \cosh 10^{-8} = 5 \cdot 10^{-17}`).
fn log_cosh(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let Node::Apply(Func::Cosh, u) = graph.node(argument).clone() else { return None };
    let half = graph.number(Rational::new(1, 2));
    let half_u = graph.mul(half, u);
    let sinh = graph.apply(Func::Sinh, half_u);
    let two = graph.integer(2);
    let square = graph.pow(sinh, two);
    let doubled = graph.mul(two, square);
    let near = graph.apply(Func::Ln1p, doubled);
    let magnitude = graph.apply(Func::Abs, u);
    let small = graph.compare(crate::ir::Compare::Less, magnitude, two);
    let minus_two = graph.integer(-2);
    let scaled = graph.mul(minus_two, magnitude);
    let decay = graph.apply(Func::Exp, scaled);
    let correction = graph.apply(Func::Ln1p, decay);
    let two = graph.integer(2);
    let ln_two = graph.apply(Func::Ln, two);
    let minus_ln_two = graph.neg(ln_two);
    let far = graph.sum_of(vec![magnitude, correction, minus_ln_two]);
    let chosen = graph.select(small, near, far);
    Some(graph.computed_as(id, chosen))
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
            // The logarithm of a positive constant is finite: `y \ln c` needs no convention.
            Node::Apply(Func::Ln, x) if crate::constant::fold(graph, x).is_some_and(|value| value.to_f64() > 0.0) => {}
            Node::Apply(Func::Ln, x) => {
                let y = graph.product_of(others(position));
                // A constant coefficient is never 0: `c \ln x` stays as it is.
                if crate::constant::fold(graph, y).is_some() {
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

/// `c - c \cos u` (and `c \cos u - c`): the half-angle form `2c \sin^2(u/2)`, whose terms
/// do not cancel near `u = 0`.
fn cos_complement(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, u, constant, others) = scaled_pair(graph, id, Func::Cos)?;
    (coefficient == -constant).then_some(())?;
    Some(half_angle_square(graph, Func::Sin, u, constant, others))
}

/// `c \cosh u - c`: the half-argument form `2c \sinh^2(u/2)`, whose terms do not cancel near
/// `u = 0`.
fn cosh_complement(graph: &mut Graph, id: Id) -> Option<Id> {
    let (coefficient, u, constant, others) = scaled_pair(graph, id, Func::Cosh)?;
    (coefficient == -constant).then_some(())?;
    Some(half_angle_square(graph, Func::Sinh, u, coefficient, others))
}

/// `others + 2 scale f(u/2)^2`.
fn half_angle_square(graph: &mut Graph, func: Func, u: Id, scale: Rational, mut others: Vec<Id>) -> Id {
    let half = graph.number(Rational::new(1, 2));
    let half_u = graph.mul(half, u);
    let applied = graph.apply(func, half_u);
    let two = graph.integer(2);
    let square = graph.pow(applied, two);
    let scale = graph.number(scale * Rational::from_integer(2));
    others.push(graph.mul(scale, square));
    graph.sum_of(others)
}

/// `otherwise` where `group` has lost at most two bits (`4 |group| ≥ |leading|`), else `equal`.
fn cancelling(graph: &mut Graph, group: Id, leading: Id, otherwise: Id, equal: Id) -> Id {
    let magnitude = graph.apply(Func::Abs, group);
    let four = graph.integer(4);
    let scaled_magnitude = graph.mul(four, magnitude);
    let leading_magnitude = graph.apply(Func::Abs, leading);
    let kept = graph.compare(crate::ir::Compare::GreaterEqual, scaled_magnitude, leading_magnitude);
    graph.select(kept, otherwise, equal)
}

/// The factor `t^p` of a term with `t` a sum and `p` rational: `(position, t, p)`.
fn power_of_sum(graph: &Graph, term: Id) -> Vec<(usize, Id, Rational)> {
    factors(graph, term)
        .iter()
        .enumerate()
        .filter_map(|(position, &factor)| match graph.node(factor) {
            Node::Pow(base, exponent) if matches!(graph.node(*base), Node::Add(_)) => {
                Some((position, *base, graph.rational(*exponent)?))
            }
            _ => None,
        })
        .collect()
}

/// `common-power`: terms over powers of one sum `t` whose exponents differ by integers,
/// combined over the lowest power, where the numerator then cancels exactly:
/// `2x t^{-1/2} - 2x^5 t^{-3/2}` with `t = 1 + x^4` is `(2x t - 2x^5) t^{-3/2} = 2x t^{-3/2}`.
/// Apart, the two terms cancel to all their digits for large `x`.
fn common_power(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let powers: Vec<Vec<(usize, Id, Rational)>> = terms.iter().map(|&term| power_of_sum(graph, term)).collect();
    let bases: Vec<Id> = powers.iter().flatten().map(|(_, base, _)| *base).collect();
    for &base in &bases {
        // The terms with a power of `base`, and the terms that are not over it at all.
        let mut over: Vec<(usize, Rational, usize)> = Vec::new();
        for (term, found) in powers.iter().enumerate() {
            if let Some(&(position, _, exponent)) = found.iter().find(|(_, found, _)| *found == base) {
                over.push((term, exponent, position));
            }
        }
        if over.len() < 2 {
            continue;
        }
        let lowest = over.iter().map(|(_, exponent, _)| *exponent).min()?;
        if over.iter().any(|(_, exponent, _)| !(*exponent - lowest).is_integer() || *exponent - lowest > 4.into()) {
            continue;
        }
        if !over.iter().any(|(_, exponent, _)| *exponent < 0.into() || !exponent.is_integer()) {
            continue;
        }
        let mut numerators = Vec::new();
        for &(term, exponent, position) in &over {
            let mut rest = factors(graph, terms[term]);
            let shift = graph.number(exponent - lowest);
            rest[position] = graph.pow(base, shift);
            numerators.push(graph.product_of(rest));
        }
        let numerator = graph.sum_of(numerators.clone());
        let Some(expanded) = expand(graph, numerator, 64) else { continue };
        if graph.operation_count(&[expanded]) >= graph.operation_count(&numerators) {
            continue;
        }
        let lowest = graph.number(lowest);
        let power = graph.pow(base, lowest);
        let combined = graph.mul(expanded, power);
        let mut others: Vec<Id> = terms
            .iter()
            .enumerate()
            .filter(|(index, _)| !over.iter().any(|(term, _, _)| term == index))
            .map(|(_, &term)| term)
            .collect();
        others.push(combined);
        return Some(graph.sum_of(others));
    }
    common_powers(graph, &terms, &powers)
}

/// `common-power` over several sums at once: the terms over powers of every one of them,
/// combined over the lowest power of each, where the numerator then cancels exactly. The
/// derivative of `\frac{x^2}{\sqrt{x^2 + 1} \sqrt{x^2 + 4}}` has three terms of size 2 at `x =
/// 10^4` that add up to `5/x^3`; over `(x^2 + 1)^{3/2} (x^2 + 4)^{3/2}` its numerator is `5x^3 +
/// 8x`.
fn common_powers(graph: &mut Graph, terms: &[Id], powers: &[Vec<(usize, Id, Rational)>]) -> Option<Id> {
    let mut bases: Vec<Id> = Vec::new();
    for (base, count) in powers
        .iter()
        .flatten()
        .map(|(_, base, _)| *base)
        .map(|base| (base, powers.iter().filter(|found| found.iter().any(|(_, other, _)| *other == base)).count()))
    {
        if count >= 2 && !bases.contains(&base) {
            bases.push(base);
        }
    }
    if bases.len() < 2 {
        return None;
    }
    // The terms over a power of every base, with each power's position and exponent.
    let over: Vec<(usize, Vec<(usize, Rational)>)> = powers
        .iter()
        .enumerate()
        .filter_map(|(term, found)| {
            let exponents: Option<Vec<(usize, Rational)>> = bases
                .iter()
                .map(|base| {
                    found
                        .iter()
                        .find(|(_, other, _)| other == base)
                        .map(|&(position, _, exponent)| (position, exponent))
                })
                .collect();
            exponents.map(|exponents| (term, exponents))
        })
        .collect();
    if over.len() < 2 {
        return None;
    }
    let lowest: Vec<Rational> = (0..bases.len())
        .map(|index| over.iter().map(|(_, exponents)| exponents[index].1).min())
        .collect::<Option<_>>()?;
    let mut numerators = Vec::new();
    for (term, exponents) in &over {
        let mut rest = factors(graph, terms[*term]);
        for (index, &(position, exponent)) in exponents.iter().enumerate() {
            let shift = exponent - lowest[index];
            if !shift.is_integer() || shift > 4.into() {
                return None;
            }
            let shift = graph.number(shift);
            rest[position] = graph.pow(bases[index], shift);
        }
        numerators.push(graph.product_of(rest));
    }
    let numerator = graph.sum_of(numerators.clone());
    let expanded = expand(graph, numerator, 64)?;
    if graph.operation_count(&[expanded]) >= graph.operation_count(&numerators) {
        return None;
    }
    let mut combined = vec![expanded];
    for (index, &base) in bases.iter().enumerate() {
        let lowest = graph.number(lowest[index]);
        combined.push(graph.pow(base, lowest));
    }
    let combined = graph.product_of(combined);
    let mut others: Vec<Id> = (0..terms.len())
        .filter(|index| !over.iter().any(|(term, _)| term == index))
        .map(|index| terms[index])
        .collect();
    others.push(combined);
    Some(graph.sum_of(others))
}

/// The expanded form of a polynomial expression: products distributed over sums, small
/// integer powers of sums multiplied out; `None` if it would have more than `limit` terms.
pub fn expand(graph: &mut Graph, id: Id, limit: usize) -> Option<Id> {
    let terms = expanded_terms(graph, id, limit)?;
    Some(graph.sum_of(terms))
}

fn expanded_terms(graph: &mut Graph, id: Id, limit: usize) -> Option<Vec<Id>> {
    match graph.node(id).clone() {
        Node::Add(terms) => {
            let mut all = Vec::new();
            for term in terms {
                all.extend(expanded_terms(graph, term, limit)?);
                if all.len() > limit {
                    return None;
                }
            }
            Some(all)
        }
        Node::Mul(factors) => {
            let mut products = vec![graph.integer(1)];
            for factor in factors {
                let parts = expanded_terms(graph, factor, limit)?;
                if products.len() * parts.len() > limit {
                    return None;
                }
                let mut next = Vec::with_capacity(products.len() * parts.len());
                for &product in &products {
                    for &part in &parts {
                        next.push(graph.mul(product, part));
                    }
                }
                products = next;
            }
            Some(products)
        }
        Node::Pow(base, exponent) if matches!(graph.node(base), Node::Add(_)) => match graph.rational(exponent) {
            Some(value) if value.is_integer() && (2..=4).contains(value.numer()) => {
                let parts = expanded_terms(graph, base, limit)?;
                let mut products = parts.clone();
                for _ in 1..*value.numer() {
                    if products.len() * parts.len() > limit {
                        return None;
                    }
                    let mut next = Vec::with_capacity(products.len() * parts.len());
                    for &product in &products {
                        for &part in &parts {
                            next.push(graph.mul(product, part));
                        }
                    }
                    products = next;
                }
                Some(products)
            }
            _ => Some(vec![id]),
        },
        _ => Some(vec![id]),
    }
}

/// `log-sum-exp-terms`: the logarithm of an explicit sum of exponentials and positive
/// constants, `\ln(c_1 e^{a_1} + c_2 e^{a_2} + ...)`, as `L_1 = a_1 + \ln c_1`, `L_{k+1} = L_k +
/// softplus(a_{k+1} + \ln c_{k+1} - L_k)`: no exponential of a large argument is ever taken
/// (`\ln(e^x + e^{2x})` at 800 is `x + softplus(x)` = 1600, not `\ln ∞`).
fn log_sum_exp_terms(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Apply(Func::Ln, argument) = graph.node(id).clone() else { return None };
    let Node::Add(terms) = graph.node(argument).clone() else { return None };
    let mut exponents = Vec::new();
    let mut any_variable = false;
    for term in terms {
        let (coefficient, rest) = graph.split_coefficient(term);
        if *coefficient.numer() <= 0 {
            return None;
        }
        let exponent = match graph.node(rest) {
            Node::Apply(Func::Exp, exponent) => {
                any_variable = true;
                *exponent
            }
            Node::Number(value) if *value == Rational::from_integer(1) => graph.integer(0),
            _ => return None,
        };
        exponents.push((coefficient, exponent));
    }
    if !any_variable || exponents.len() < 2 {
        return None;
    }
    let mut shifted = exponents.into_iter().map(|(coefficient, exponent)| {
        if coefficient == Rational::from_integer(1) {
            exponent
        } else {
            let coefficient = graph.number(coefficient);
            let logarithm = graph.apply(Func::Ln, coefficient);
            graph.add(exponent, logarithm)
        }
    });
    let first = shifted.next()?;
    let rest: Vec<Id> = shifted.collect();
    let mut total = first;
    for exponent in rest {
        let gap = graph.sub(exponent, total);
        let softplus = graph.apply(Func::Softplus, gap);
        total = graph.add(total, softplus);
    }
    Some(total)
}

/// `xlog1py`: `y \ln_{1p}(x)` is 0 where `y = 0` and `x = -1` (binary cross-entropy's
/// `(1 - y) \ln(1 - \hat{y})` at `y = \hat{y} = 1`), and so are its derivatives, as the
/// derivative of a choice is the choice of derivatives; where only `y` is 0 the formula itself
/// is finite.
fn xlog1py(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    let position = factors.iter().position(|&factor| matches!(graph.node(factor), Node::Apply(Func::Ln1p, _)))?;
    let others: Vec<Id> =
        factors.iter().enumerate().filter(|(index, _)| *index != position).map(|(_, &factor)| factor).collect();
    let y = graph.product_of(others);
    // A constant coefficient is never 0.
    if crate::constant::fold(graph, y).is_some() {
        return None;
    }
    let Node::Apply(_, x) = *graph.node(factors[position]) else { return None };
    let zero = graph.integer(0);
    let y_is_zero = graph.compare(crate::ir::Compare::Equal, y, zero);
    // `-\hat{y} = -1` is `\hat{y} = 1`.
    let (scale, rest) = graph.split_coefficient(x);
    let at = graph.number(-scale.recip());
    let log_of_zero = graph.compare(crate::ir::Compare::Equal, rest, at);
    let both = graph.and(vec![y_is_zero, log_of_zero]);
    Some(graph.select(both, zero, id))
}

/// A term as its rational coefficient and its factors with their rational exponents.
fn powers_of(graph: &mut Graph, term: Id) -> (Rational, Vec<(Id, Rational)>) {
    let (coefficient, rest) = graph.split_coefficient(term);
    let powers = factors(graph, rest)
        .into_iter()
        .filter(|&factor| graph.rational(factor) != Some(Rational::from_integer(1)))
        .map(|factor| match graph.node(factor) {
            Node::Pow(base, exponent) if graph.rational(*exponent).is_some() => {
                (*base, graph.rational(*exponent).unwrap_or_else(|| Rational::from_integer(1)))
            }
            _ => (factor, Rational::from_integer(1)),
        })
        .collect();
    (coefficient, powers)
}

/// `sigmoid-difference`: `c r σ(u) - c r σ(-u)` is `c r \tanh(u/2)`, for any common factor `r`
/// (the sigmoid's second derivative `σ(x)σ(-x)^2 - σ(-x)σ(x)^2`): apart, the two sigmoids are
/// both near 1/2 at small `u` and their difference loses every digit.
fn sigmoid_difference(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let split: Vec<(Rational, Vec<(Id, Rational)>)> = terms.iter().map(|&term| powers_of(graph, term)).collect();
    for (first, (c, a)) in split.iter().enumerate() {
        for (second, (d, b)) in split.iter().enumerate() {
            if first == second || *d != -*c {
                continue;
            }
            // The factors of `a` over those of `b`: exactly σ(u) / σ(-u).
            let mut ratio: Vec<(Id, Rational)> = a.clone();
            for (base, exponent) in b {
                match ratio.iter_mut().find(|(existing, _)| existing == base) {
                    Some((_, total)) => *total -= *exponent,
                    None => ratio.push((*base, -*exponent)),
                }
            }
            ratio.retain(|(_, exponent)| *exponent != Rational::from_integer(0));
            ratio.sort_by_key(|(_, exponent)| std::cmp::Reverse(*exponent));
            let [(up, one), (down, minus_one)] = ratio[..] else { continue };
            if one != Rational::from_integer(1) || minus_one != Rational::from_integer(-1) {
                continue;
            }
            let (Node::Apply(Func::Sigmoid, u), Node::Apply(Func::Sigmoid, v)) = (graph.node(up), graph.node(down))
            else {
                continue;
            };
            let (u, v) = (*u, *v);
            if graph.neg(u) != v {
                continue;
            }
            // The common factor: `a` over σ(u) (`a` need not hold σ(u) itself: in
            // `1 - σ(-u)/σ(u)` it is 1, and the common factor 1/σ(u)).
            let mut common: Vec<Id> = Vec::new();
            for (base, exponent) in a {
                let exponent = if *base == up { *exponent - Rational::from_integer(1) } else { *exponent };
                let exponent = graph.number(exponent);
                common.push(graph.pow(*base, exponent));
            }
            if !a.iter().any(|(base, _)| *base == up) {
                let minus_one = graph.number(Rational::from_integer(-1));
                common.push(graph.pow(up, minus_one));
            }
            let half = graph.number(Rational::new(1, 2));
            let half_u = graph.mul(half, u);
            common.push(graph.apply(Func::Tanh, half_u));
            common.push(graph.number(*c));
            let mut others: Vec<Id> = terms
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != first && *index != second)
                .map(|(_, &term)| term)
                .collect();
            others.push(graph.product_of(common));
            return Some(graph.sum_of(others));
        }
    }
    None
}

/// A term as the exponent of `radicand` in it (0 where it has no power of it) and its other
/// factors.
fn power_of_radicand(graph: &mut Graph, term: Id, radicand: Id) -> (Rational, Id) {
    let factors = factors(graph, term);
    let position = factors.iter().position(|&factor| match graph.node(factor) {
        Node::Pow(base, exponent) => *base == radicand && graph.rational(*exponent).is_some(),
        _ => factor == radicand,
    });
    let Some(position) = position else { return (Rational::from_integer(0), term) };
    let exponent = match graph.node(factors[position]) {
        Node::Pow(_, exponent) => graph.rational(*exponent).unwrap_or_else(|| Rational::from_integer(1)),
        _ => Rational::from_integer(1),
    };
    let mut rest = factors;
    rest.remove(position);
    (exponent, graph.product_of(rest))
}

/// The radicands of the square roots in a sum's terms: bases of powers whose exponent is an odd
/// multiple of 1/2, that are sums themselves.
fn radicands(graph: &Graph, terms: &[Id]) -> Vec<Id> {
    let mut found = Vec::new();
    for &term in terms {
        for factor in factors(graph, term) {
            if let Node::Pow(base, exponent) = graph.node(factor)
                && graph.rational(*exponent).is_some_and(|value| *value.denom() == 2)
                && matches!(graph.node(*base), Node::Add(_))
                && !found.contains(base)
            {
                found.push(*base);
            }
        }
    }
    found
}

/// `conjugate-root`: a sum that is `u^g (A + B \sqrt{u})` for a radicand `u`, where `A` and `B`
/// are free of `\sqrt{u}` and `A^2 - B^2 u` is simpler than either square (its leading terms
/// cancel exactly: `x + \sqrt{x^2 + b}` has `A^2 - B^2 u = -b`; `A` may hold another root,
/// `\sqrt{x + 1} - \sqrt{x}` has `-1`), is computed as the conjugate quotient `u^g (A^2 - B^2 u) /
/// (A - B \sqrt{u})` wherever the sum has lost more than two bits to cancellation (`4 |S| <
/// |P|`, with `P` the terms of `A` as they are in the sum, or `S` is NaN): squareplus at `x =
/// -10^8`, `\sqrt{x^2 + 1} - x` at `10^8`, the derivative `\frac{1}{2} + \frac{x}{2 \sqrt{x^2 +
/// b}}` far left. Elsewhere the sum is computed as it is: there its terms do not cancel, while
/// the conjugate's numerator can overflow (`\frac{3}{4}x^2 - x` for the bent identity at
/// `10^{200}`). Where only some terms of `A` make the leading terms cancel, only those are
/// grouped with the root, and where several groupings do, each is computed where its group
/// cancels: `\frac{\sqrt{4x^2 + 4}}{2} + x - 1` cancels near 0 in `\frac{\sqrt{4x^2 + 4}}{2} - 1`
/// and far left in `\frac{\sqrt{4x^2 + 4}}{2} + x`.
fn conjugate_root(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    for radicand in radicands(graph, &terms) {
        if crate::constant::fold(graph, radicand).is_some() {
            continue;
        }
        let split: Vec<(Rational, Id)> = terms.iter().map(|&term| power_of_radicand(graph, term, radicand)).collect();
        if split.iter().any(|(exponent, _)| !exponent.is_integer() && *exponent.denom() != 2) {
            continue;
        }
        let lowest = split.iter().map(|(exponent, _)| *exponent).min()?;
        // Each term of the sum over `u^g`: in `A` (a whole power of `u`) or in `B` (times √u).
        let mut whole = Vec::new();
        let mut rooted = Vec::new();
        for (position, &(exponent, rest)) in split.iter().enumerate() {
            let shift = exponent - lowest;
            let (list, power) =
                if shift.is_integer() { (&mut whole, shift) } else { (&mut rooted, shift - Rational::new(1, 2)) };
            let power = graph.number(power);
            let scaled = graph.pow(radicand, power);
            list.push((position, graph.mul(rest, scaled)));
        }
        if whole.is_empty() || rooted.is_empty() || whole.len() > 4 {
            continue;
        }
        let b_terms: Vec<Id> = rooted.iter().map(|&(_, term)| term).collect();
        let b = graph.sum_of(b_terms);
        let two = graph.integer(2);
        let b_squared = graph.pow(b, two);
        let b_squared_u = graph.mul(b_squared, radicand);
        let Some(b_squared_u) = expand(graph, b_squared_u, 64) else { continue };
        // The subsets of `A`'s terms whose square cancels `B^2 u`: the simplest first.
        let mut accepted: Vec<(usize, usize, Id, Id)> = Vec::new();
        for mask in 1..(1usize << whole.len()) {
            let chosen: Vec<Id> = whole
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, &(_, term))| term)
                .collect();
            let a = graph.sum_of(chosen);
            let a_squared = graph.pow(a, two);
            let Some(a_squared) = expand(graph, a_squared, 64) else { continue };
            let difference = graph.sub(a_squared, b_squared_u);
            let Some(numerator) = expand(graph, difference, 64) else { continue };
            if graph.rational(numerator).is_some_and(|value| value == Rational::from_integer(0)) {
                continue;
            }
            let size = graph.operation_count(&[numerator]);
            let squares = graph.operation_count(&[a_squared]).max(graph.operation_count(&[b_squared_u]));
            if size < squares {
                accepted.push((size, mask, a, numerator));
            }
        }
        if accepted.is_empty() {
            continue;
        }
        accepted.sort_by_key(|&(size, mask, ..)| (size, std::cmp::Reverse(mask.count_ones())));
        // Each grouping's conjugate where its group cancels; the sum as it is where none does.
        // (The bent identity's sum `\frac{\sqrt{4x^2 + 4}}{2} + x - 1` cancels near 0 in
        // `\frac{\sqrt{4x^2+4}}{2} - 1` and far left in `\frac{\sqrt{4x^2+4}}{2} + x`.)
        let half = graph.number(Rational::new(1, 2));
        let root = graph.pow(radicand, half);
        let b_root = graph.mul(b, root);
        let lowest = graph.number(lowest);
        let scale = graph.pow(radicand, lowest);
        let mut computed = id;
        for &(_, mask, a, numerator) in accepted.iter().rev() {
            let in_group = |bit: usize| mask & (1 << bit) != 0;
            let grouped: Vec<usize> = whole
                .iter()
                .enumerate()
                .filter(|(bit, _)| in_group(*bit))
                .map(|(_, &(position, _))| position)
                .chain(rooted.iter().map(|&(position, _)| position))
                .collect();
            let group_terms: Vec<Id> = grouped.iter().map(|&position| terms[position]).collect();
            let group = graph.sum_of(group_terms);
            let leading: Vec<Id> = whole
                .iter()
                .enumerate()
                .filter(|(bit, _)| in_group(*bit))
                .map(|(_, &(position, _))| terms[position])
                .collect();
            let leading = graph.sum_of(leading);
            // u^g (A^2 - B^2 u) / (A - B √u), and the terms outside the group.
            let denominator = graph.sub(a, b_root);
            let quotient = graph.div(numerator, denominator);
            let conjugate = graph.mul(scale, quotient);
            let mut regrouped: Vec<Id> = (0..terms.len())
                .filter(|position| !grouped.contains(position))
                .map(|position| terms[position])
                .collect();
            regrouped.push(conjugate);
            let regrouped = graph.sum_of(regrouped);
            computed = cancelling(graph, group, leading, computed, regrouped);
        }
        return Some(graph.computed_as(id, computed));
    }
    None
}

/// `scaled-radicand` ([`LAST_RULES`]), the stabiliser's last pass: a product with a root or a
/// negative power of a sum that holds one even power of some `a`, `r (c a^{2k} + s)^{p}`
/// (`\sqrt{x^2 + b}`, `x (1 + x^2)^{-1/2}`, `\frac{x^2}{x^2 + 1}`), is
/// computed where `|a| > 1` as `r' \operatorname{sign}(a)^m |a|^{m + 2kp} (c + s a^{-2k})^p`,
/// with the product's own powers `a^m` taken in: `a^{2k}` overflows from `|a| > 10^{154}`
/// (`10^{19}` in `f32`) while the value is of the size of `|a|^{m + 2kp}` (ISRU `\frac{x}{\sqrt{1 +
/// x^2}}` is 1 at `10^{200}`, not 0), and where `|a| \le 1` the radicand cannot overflow. It runs
/// after the other rules, which see the roots as they are written (`conjugate-root`).
pub fn scale_radicands(graph: &mut Graph, id: Id) -> Id {
    RadicandScaler { memo: HashMap::new() }.visit(graph, id)
}

struct RadicandScaler {
    memo: HashMap<Id, Id>,
}

impl RadicandScaler {
    fn visit(&mut self, graph: &mut Graph, id: Id) -> Id {
        if let Some(&done) = self.memo.get(&id) {
            return done;
        }
        let result = match graph.node(id).clone() {
            _ if crate::constant::fold(graph, id).is_some() => id,
            Node::Mul(factors) => {
                let factors: Vec<Id> = factors.into_iter().map(|factor| self.inside(graph, factor)).collect();
                let product = graph.product_of(factors);
                last_rules(graph, product)
            }
            Node::Pow(..) => {
                let power = self.inside(graph, id);
                last_rules(graph, power)
            }
            _ => graph.rebuild(id, &mut |graph, child| self.visit(graph, child)),
        };
        self.memo.insert(id, result);
        result
    }

    /// A factor with its children visited; a power is kept a power (its product scales it).
    fn inside(&mut self, graph: &mut Graph, factor: Id) -> Id {
        match graph.node(factor).clone() {
            Node::Pow(base, exponent) => {
                let base = self.visit(graph, base);
                let exponent = self.visit(graph, exponent);
                graph.pow(base, exponent)
            }
            _ => self.visit(graph, factor),
        }
    }
}

/// For a sum of terms `r a^e` (`e` an integer, `r` free of `a`), the largest `e`, `d`, and the
/// sum over `a^d`.
fn leading_power(graph: &mut Graph, sum: Id, a: Id) -> Option<(i128, Id)> {
    let Node::Add(terms) = graph.node(sum).clone() else { return None };
    let mut split = Vec::new();
    for term in terms {
        let (exponent, rest) = match power_of_radicand(graph, term, a) {
            (exponent, rest) if exponent.is_integer() => (*exponent.numer(), rest),
            _ => return None,
        };
        if mentions(graph, rest, a) {
            return None;
        }
        split.push((exponent, rest));
    }
    let degree = split.iter().map(|(exponent, _)| *exponent).max()?;
    let terms = split
        .into_iter()
        .map(|(exponent, rest)| {
            let shift = graph.integer(exponent - degree);
            let power = graph.pow(a, shift);
            graph.mul(rest, power)
        })
        .collect();
    Some((degree, graph.sum_of(terms)))
}

/// Whether `part` occurs in the expression at `id`.
fn mentions(graph: &Graph, id: Id, part: Id) -> bool {
    let mut stack = vec![id];
    let mut seen = std::collections::HashSet::new();
    while let Some(node) = stack.pop() {
        if node == part {
            return true;
        }
        if seen.insert(node) {
            stack.extend(graph.children(node));
        }
    }
    false
}

/// `id` with the first of [`LAST_RULES`] that applies.
fn last_rules(graph: &mut Graph, id: Id) -> Id {
    LAST_RULES.iter().find_map(|rule| (rule.apply)(graph, id)).unwrap_or(id)
}

/// The term of a radicand that holds an even power `a^{2k}`: `(position, a, 2k, the term's
/// other factors)`; `None` unless exactly one term does.
fn square_term(graph: &mut Graph, terms: &[Id]) -> Option<(usize, Id, i128, Id)> {
    let mut found = None;
    for (position, &term) in terms.iter().enumerate() {
        let factors = factors(graph, term);
        for (index, &factor) in factors.iter().enumerate() {
            let Node::Pow(base, exponent) = *graph.node(factor) else { continue };
            let Some(power) = graph.rational(exponent).filter(|value| value.is_integer()).map(|value| *value.numer())
            else {
                continue;
            };
            if power < 2 || power % 2 != 0 || crate::constant::fold(graph, base).is_some() {
                continue;
            }
            if found.is_some() {
                return None;
            }
            let mut rest = factors.clone();
            rest.remove(index);
            let rest = graph.product_of(rest);
            found = Some((position, base, power, rest));
        }
    }
    found
}

/// See [`scale_radicands`]: the scaled form of a product (or power) chosen where `|a| > 1`.
fn scaled_product(graph: &mut Graph, id: Id) -> Option<Id> {
    let factors = factors(graph, id);
    // A root, or a negative power (`\frac{x^2}{x^2 + 1}` is `∞/∞` where `x^2` overflows), of a
    // sum with one even power of `a`: its scaled radicand `c + s a^{-2k}`, and `2kp`.
    let scalable = |graph: &mut Graph, factor: Id, of: Option<Id>| -> Option<(Id, Id, Rational)> {
        let Node::Pow(radicand, exponent) = *graph.node(factor) else { return None };
        let exponent = graph.rational(exponent).filter(|value| !value.is_integer() || *value.numer() < 0)?;
        let Node::Add(terms) = graph.node(radicand).clone() else { return None };
        let (square_position, a, power, coefficient) = square_term(graph, &terms)?;
        if of.is_some_and(|of| of != a) {
            return None;
        }
        let minus_power = graph.integer(-power);
        let inverse_square = graph.pow(a, minus_power);
        let mut scaled_terms = vec![coefficient];
        for (index, &term) in terms.iter().enumerate() {
            if index != square_position {
                scaled_terms.push(graph.mul(term, inverse_square));
            }
        }
        let scaled_radicand = graph.sum_of(scaled_terms);
        let p = graph.number(exponent);
        Some((a, graph.pow(scaled_radicand, p), Rational::from_integer(power) * exponent))
    };
    let a = factors.iter().find_map(|&factor| scalable(graph, factor, None).map(|(a, ..)| a))?;
    // r Π (c_i + s_i a^{-2k_i})^{p_i} sign(a)^m |a|^{m + Σ 2k_i p_i}, the product's integer powers
    // `a^m` taken in.
    let mut others = Vec::new();
    let mut m = Rational::from_integer(0);
    let mut scale = Rational::from_integer(0);
    for &factor in &factors {
        if let Some((_, scaled, shift)) = scalable(graph, factor, Some(a)) {
            others.push(scaled);
            scale += shift;
            continue;
        }
        match graph.node(factor) {
            _ if factor == a => m += Rational::from_integer(1),
            Node::Pow(base, exponent)
                if *base == a && graph.rational(*exponent).is_some_and(|value| value.is_integer()) =>
            {
                m += graph.rational(*exponent).unwrap_or_default();
            }
            _ => match leading_power(graph, factor, a) {
                // A polynomial in `a` with its leading power taken out: `8x + 5x^3` is
                // `x^3 (8x^{-2} + 5)`, which does not overflow with `x^3`.
                Some((degree, rest)) if degree > 0 => {
                    m += Rational::from_integer(degree);
                    others.push(rest);
                }
                _ => others.push(factor),
            },
        }
    }
    let magnitude = graph.apply(Func::Abs, a);
    let outer = m + scale;
    // A negative power as a power of the reciprocal, `|a^{-1}|^{3}` rather than `1/|a|^3`: where
    // `|a|^3` overflows (`f32` from `|a| = 7 \cdot 10^{12}`) the result may still be a normal
    // number, and the reciprocal's power only underflows gradually.
    let (base, outer) = if outer < Rational::from_integer(0) {
        let minus_one = graph.integer(-1);
        let reciprocal = graph.pow(a, minus_one);
        (graph.apply(Func::Abs, reciprocal), -outer)
    } else {
        (magnitude, outer)
    };
    let outer = graph.number(outer);
    others.push(graph.pow(base, outer));
    if *m.numer() % 2 != 0 {
        others.push(graph.apply(Func::Sign, a));
    }
    let scaled = graph.product_of(others);
    let one = graph.integer(1);
    let large = graph.compare(crate::ir::Compare::Greater, magnitude, one);
    let chosen = graph.select(large, scaled, id);
    Some(graph.computed_as(id, chosen))
}
