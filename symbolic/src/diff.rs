//! Differentiation: one rule per node kind, building the result through the canonical
//! constructors so that it comes out simplified.
//!
//! Rules that have a cancellation-free form use it: `\tanh' = \operatorname{sech}^2` (as
//! `1 / \cosh^2`), `\sigma' = \sigma(x)\sigma(-x)`, `\operatorname{erfc}' = -\frac{2}{\sqrt\pi}
//! e^{-x^2}`. At a tie, `\max` and `\min` take the derivative of their first argument, so
//! `\max(0, x)` has derivative 0 at 0; `|x|` has derivative `\operatorname{sign}(x)`, 0 at 0.

use std::collections::HashMap;

use crate::ir::{Compare, Constant, Func, Graph, Id, Index, Node, Rational};

/// What to differentiate with respect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wrt {
    /// A scalar input or parameter.
    Symbol(String),
    /// The element of a vector (or matrix) input at these index variables: `z_k`.
    Element(String, Vec<Index>),
}

/// The derivative of `id` with respect to `wrt`.
pub fn derivative(graph: &mut Graph, id: Id, wrt: &Wrt) -> Id {
    Differentiator { wrt, memo: HashMap::new() }.derive(graph, id)
}

struct Differentiator<'w> {
    wrt: &'w Wrt,
    memo: HashMap<Id, Id>,
}

impl Differentiator<'_> {
    fn derive(&mut self, graph: &mut Graph, id: Id) -> Id {
        if let Some(&done) = self.memo.get(&id) {
            return done;
        }
        let result = self.rule(graph, id);
        self.memo.insert(id, result);
        result
    }

    fn rule(&mut self, graph: &mut Graph, id: Id) -> Id {
        let zero = graph.integer(0);
        match graph.node(id).clone() {
            Node::Number(_) | Node::Float(_) | Node::Constant(_) | Node::Delta(..) => zero,
            Node::Compare(..) | Node::And(_) => zero,
            Node::Symbol(name) => match self.wrt {
                Wrt::Symbol(wrt) if *wrt == name => graph.integer(1),
                _ => zero,
            },
            Node::Element(name, indices) => match self.wrt {
                Wrt::Element(wrt, wrt_indices) if *wrt == name && wrt_indices.len() == indices.len() => {
                    let deltas = indices.iter().zip(wrt_indices).map(|(&a, &b)| graph.delta(a, b)).collect();
                    graph.product_of(deltas)
                }
                _ => zero,
            },
            Node::Add(terms) => {
                let derivatives = terms.into_iter().map(|term| self.derive(graph, term)).collect();
                graph.sum_of(derivatives)
            }
            Node::Mul(factors) => {
                let mut terms = Vec::with_capacity(factors.len());
                for (position, &factor) in factors.iter().enumerate() {
                    let derivative = self.derive(graph, factor);
                    if graph.rational(derivative) == Some(Rational::from_integer(0)) {
                        continue;
                    }
                    let mut product: Vec<Id> = factors.clone();
                    product[position] = derivative;
                    terms.push(graph.product_of(product));
                }
                graph.sum_of(terms)
            }
            Node::Pow(base, exponent) => {
                let base_derivative = self.derive(graph, base);
                let exponent_derivative = self.derive(graph, exponent);
                let is_zero = |graph: &Graph, id| graph.rational(id) == Some(Rational::from_integer(0));
                let mut terms = Vec::new();
                if !is_zero(graph, base_derivative) {
                    // n b^{n-1} b'
                    let one = graph.integer(1);
                    let lowered = graph.sub(exponent, one);
                    let power = graph.pow(base, lowered);
                    terms.push(graph.product_of(vec![exponent, power, base_derivative]));
                }
                if !is_zero(graph, exponent_derivative) {
                    // b^n \ln b \, n'
                    let ln_base = graph.apply(Func::Ln, base);
                    terms.push(graph.product_of(vec![id, ln_base, exponent_derivative]));
                }
                graph.sum_of(terms)
            }
            Node::Apply(func, argument) => {
                let inner = self.derive(graph, argument);
                if graph.rational(inner) == Some(Rational::from_integer(0)) {
                    return zero;
                }
                let outer = function_derivative(graph, func, argument);
                graph.mul(outer, inner)
            }
            Node::Max(a, b) | Node::Min(a, b) => {
                let op =
                    if matches!(graph.node(id), Node::Max(..)) { Compare::GreaterEqual } else { Compare::LessEqual };
                let condition = graph.compare(op, a, b);
                let (da, db) = (self.derive(graph, a), self.derive(graph, b));
                graph.select(condition, da, db)
            }
            // The series only evaluates the exact form near 0; the derivative is the exact form's
            // (stabilised again afterwards, with its own series if it needs one).
            Node::NearZero { exact, .. } => self.derive(graph, exact),
            Node::ComputedAs { exact, .. } => self.derive(graph, exact),
            Node::Select { condition, then, otherwise } => {
                let (then, otherwise) = (self.derive(graph, then), self.derive(graph, otherwise));
                graph.select(condition, then, otherwise)
            }
            Node::Sum(index, body) => {
                let body = self.derive(graph, body);
                graph.sum(index, body)
            }
            Node::LogSumExp(index, exponent) => {
                // \sum_j softmax_j u_j', with softmax_j = e^{u_j - LSE}: never overflows.
                let inner = self.derive(graph, exponent);
                let shifted = graph.sub(exponent, id);
                let weight = graph.apply(Func::Exp, shifted);
                let term = graph.mul(weight, inner);
                graph.sum(index, term)
            }
            // `y' \ln x + y x'/x`, and 0 where `y` and `x` are both 0, where the term is 0 by
            // `xlogy`'s convention rather than by the formula (SPEC section 6: a term that is 0
            // because its factor is 0 has derivative 0). Where only `y` is 0 this is `y' \ln x`,
            // finite.
            Node::XLogY(y, x) => {
                let (dy, dx) = (self.derive(graph, y), self.derive(graph, x));
                let log_term = graph.xlogy(dy, x);
                let quotient = graph.div(dx, x);
                let ratio_term = graph.mul(y, quotient);
                let zero = graph.integer(0);
                // `-p = 0` is `p = 0`.
                let (_, y_itself) = graph.split_coefficient(y);
                let (y_is_zero, x_is_zero) =
                    (graph.compare(Compare::Equal, y_itself, zero), graph.compare(Compare::Equal, x, zero));
                let both_zero = graph.and(vec![y_is_zero, x_is_zero]);
                // Term by term, so that a Kronecker delta comes out of each choice for a sum to
                // eliminate.
                let log_term = graph.select(both_zero, zero, log_term);
                let ratio_term = graph.select(both_zero, zero, ratio_term);
                graph.add(log_term, ratio_term)
            }
        }
    }
}

/// `f'(u)` for a unary function, in its cancellation-free form.
pub fn function_derivative(graph: &mut Graph, func: Func, u: Id) -> Id {
    let minus_two = graph.integer(-2);
    let minus_half = graph.number(Rational::new(-1, 2));
    match func {
        Func::Exp => graph.apply(Func::Exp, u),
        Func::Ln => {
            let minus_one = graph.integer(-1);
            graph.pow(u, minus_one)
        }
        Func::Sin => graph.apply(Func::Cos, u),
        Func::Cos => {
            let sin = graph.apply(Func::Sin, u);
            graph.neg(sin)
        }
        Func::Tan => {
            let cos = graph.apply(Func::Cos, u);
            graph.pow(cos, minus_two)
        }
        Func::Sinh => graph.apply(Func::Cosh, u),
        Func::Cosh => graph.apply(Func::Sinh, u),
        Func::Tanh => {
            // sech^2 u: exact where 1 - tanh^2 u cancels.
            let cosh = graph.apply(Func::Cosh, u);
            graph.pow(cosh, minus_two)
        }
        Func::Arctan => {
            let one = graph.integer(1);
            let two = graph.integer(2);
            let square = graph.pow(u, two);
            let denominator = graph.add(one, square);
            let minus_one = graph.integer(-1);
            graph.pow(denominator, minus_one)
        }
        Func::Arcsin | Func::Arccos => {
            let one = graph.integer(1);
            let two = graph.integer(2);
            let square = graph.pow(u, two);
            let difference = graph.sub(one, square);
            let inverse_root = graph.pow(difference, minus_half);
            if func == Func::Arcsin { inverse_root } else { graph.neg(inverse_root) }
        }
        Func::Erf | Func::Erfc => {
            // ±(2/√π) e^{-u²}
            let two = graph.integer(2);
            let pi = graph.constant(Constant::Pi);
            let root_pi = graph.pow(pi, minus_half);
            let square = graph.pow(u, two);
            let negated = graph.neg(square);
            let gaussian = graph.apply(Func::Exp, negated);
            let sign = graph.integer(if func == Func::Erf { 2 } else { -2 });
            graph.product_of(vec![sign, root_pi, gaussian])
        }
        Func::Phi => {
            // e^{-u²/2} / √(2π)
            let two = graph.integer(2);
            let pi = graph.constant(Constant::Pi);
            let two_pi = graph.mul(two, pi);
            let root = graph.pow(two_pi, minus_half);
            let square = graph.pow(u, two);
            let exponent = graph.product_of(vec![minus_half, square]);
            let gaussian = graph.apply(Func::Exp, exponent);
            graph.mul(root, gaussian)
        }
        Func::Sigmoid => {
            // σ(u) σ(-u): both factors keep full relative precision, unlike σ(1 - σ).
            let positive = graph.apply(Func::Sigmoid, u);
            let negated = graph.neg(u);
            let negative = graph.apply(Func::Sigmoid, negated);
            graph.mul(positive, negative)
        }
        Func::Softplus => graph.apply(Func::Sigmoid, u),
        Func::Sign => graph.integer(0),
        Func::Abs => graph.apply(Func::Sign, u),
        Func::Ln1p => {
            let one = graph.integer(1);
            let shifted = graph.add(one, u);
            let minus_one = graph.integer(-1);
            graph.pow(shifted, minus_one)
        }
        Func::ExpM1 => graph.apply(Func::Exp, u),
    }
}
