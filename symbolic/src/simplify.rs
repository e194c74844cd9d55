//! The simplifier's rewrites that look at more than one node, as named rules applied bottom-up
//! after differentiation. Each rule is exact (no accuracy is traded for brevity) and is kept
//! only where it makes the expression smaller.
//!
//! The structural rules (flattening, constant folding, like terms, like powers, `e^a e^b`,
//! `u \operatorname{sign}(u) = |u|`) live in the IR's constructors (`ir.rs`) and apply to every
//! node as it is built.

use std::collections::HashMap;

use crate::ir::{Graph, Id, Node, Rational, Rule};

/// The rules, in the order they are tried.
pub const RULES: &[Rule] = &[
    Rule { name: "common-denominator", apply: common_denominator },
    Rule { name: "product-into-select", apply: product_into_select },
    Rule { name: "common-factor", apply: common_factor },
];

/// `id` with every rule applied bottom-up wherever it shrinks the expression.
pub fn simplify(graph: &mut Graph, id: Id) -> Id {
    graph.rewrite_bottom_up(id, &mut HashMap::new(), &mut apply_rules)
}

/// `id` (its children already simplified) with each rule that shrinks it applied in turn.
fn apply_rules(graph: &mut Graph, id: Id) -> Id {
    let mut current = id;
    for rule in RULES {
        if let Some(rewritten) = (rule.apply)(graph, current)
            && graph.operation_count(&[rewritten]) < graph.operation_count(&[current])
        {
            current = rewritten;
        }
    }
    current
}

/// The factors of a term.
fn factors(graph: &Graph, term: Id) -> Vec<Id> {
    match graph.node(term) {
        Node::Mul(factors) => factors.clone(),
        _ => vec![term],
    }
}

/// `common-denominator`: `\frac{1}{B} - \frac{u}{B^2}` is `\frac{B - u}{B^2}`, kept only when
/// terms of `B - u` cancel (softsign's derivative becomes `\frac{1}{(1 + |x|)^2}`).
fn common_denominator(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    // Bases with negative integer exponents, and the deepest exponent of each.
    let mut denominators: Vec<(Id, i128, usize)> = Vec::new();
    for &term in &terms {
        for factor in factors(graph, term) {
            if let Node::Pow(base, exponent) = graph.node(factor)
                && let Some(value) = graph.rational(*exponent).filter(|value| value.is_integer() && *value.numer() < 0)
            {
                match denominators.iter_mut().find(|(existing, _, _)| existing == base) {
                    Some((_, deepest, count)) => {
                        *deepest = (*deepest).min(*value.numer());
                        *count += 1;
                    }
                    None => denominators.push((*base, *value.numer(), 1)),
                }
            }
        }
    }
    let (base, deepest, _) = denominators.into_iter().find(|(_, _, count)| *count >= 2)?;
    let multiplier_exponent = graph.number(Rational::from_integer(-deepest));
    let multiplier = graph.pow(base, multiplier_exponent);
    let numerator_terms: Vec<Id> = terms.iter().map(|&term| graph.product_of(vec![term, multiplier])).collect();
    let numerator = graph.sum_of(numerator_terms);
    // Only where terms cancel: otherwise the common denominator is a larger power, which
    // overflows sooner (mish'' over cosh^3 of softplus is inf/inf where its terms are finite).
    let numerator_terms = match graph.node(numerator) {
        Node::Add(terms) => terms.len(),
        _ => 1,
    };
    if numerator_terms >= terms.len() {
        return None;
    }
    let denominator_exponent = graph.number(Rational::from_integer(deepest));
    let denominator = graph.pow(base, denominator_exponent);
    Some(graph.mul(numerator, denominator))
}

/// `product-into-select`: `x \begin{cases} 0 & c \\ 1 & \text{otherwise} \end{cases}` is
/// `\begin{cases} 0 & c \\ x & \text{otherwise} \end{cases}`: a product with a select whose
/// branches are numbers moves into the branches.
fn product_into_select(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Mul(factors) = graph.node(id).clone() else { return None };
    let position = factors.iter().position(|&factor| match graph.node(factor) {
        Node::Select { then, otherwise, .. } => graph.rational(*then).is_some() && graph.rational(*otherwise).is_some(),
        _ => false,
    })?;
    let Node::Select { condition, then, otherwise } = graph.node(factors[position]).clone() else { return None };
    let rest: Vec<Id> = factors.iter().enumerate().filter(|(index, _)| *index != position).map(|(_, &f)| f).collect();
    let rest = graph.product_of(rest);
    let (then, otherwise) = (graph.mul(then, rest), graph.mul(otherwise, rest));
    Some(graph.select(condition, then, otherwise))
}

/// `common-factor`: `a b - a c` is `a (b - c)` (softmax's vector-Jacobian product becomes
/// `s_k (dy_k - \sum_i dy_i s_i)`).
fn common_factor(graph: &mut Graph, id: Id) -> Option<Id> {
    let Node::Add(terms) = graph.node(id).clone() else { return None };
    let lists: Vec<Vec<Id>> = terms.iter().map(|&term| factors(graph, term)).collect();
    let common: Vec<Id> = lists[0]
        .iter()
        .copied()
        .filter(|factor| graph.rational(*factor).is_none() && lists.iter().all(|list| list.contains(factor)))
        .collect();
    if common.is_empty() {
        return None;
    }
    let reduced: Vec<Id> = lists
        .into_iter()
        .map(|mut list| {
            for factor in &common {
                if let Some(position) = list.iter().position(|existing| existing == factor) {
                    list.remove(position);
                }
            }
            graph.product_of(list)
        })
        .collect();
    let inner = graph.sum_of(reduced);
    let mut product = common;
    product.push(inner);
    Some(graph.product_of(product))
}
