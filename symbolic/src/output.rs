//! The derivative written through the function's own output `y = f(x)`, where it exists: a
//! backward pass that keeps only outputs (as PyTorch's in-place sigmoid, tanh and ELU do) can
//! compute `f'` from `y` alone.
//!
//! These forms lose accuracy where they cancel (`1 - y^2` for tanh near saturation, `y(1 - y)`
//! for the sigmoid at large `x`), so they are offered beside the cancellation-free derivative,
//! never instead of it.

use std::collections::{BTreeSet, HashMap};

use crate::ir::{Compare, Func, Graph, Id, Index, Node, Rational};

/// `f'` as an expression of the output, named `output` (a scalar symbol), for `f` built from the
/// input symbol `input`; `None` where no such form is known.
pub fn derivative_from_output(graph: &mut Graph, root: Id, input: &str, output: &str) -> Option<Id> {
    let x = graph.symbol(input);
    let y = graph.symbol(output);
    form(graph, root, x, y)
}

fn form(graph: &mut Graph, root: Id, x: Id, y: Id) -> Option<Id> {
    let one = graph.integer(1);
    if root == x {
        return Some(one);
    }
    match graph.node(root).clone() {
        // σ' = y (1 - y)
        Node::Apply(Func::Sigmoid, argument) if argument == x => {
            let complement = graph.sub(one, y);
            Some(graph.mul(y, complement))
        }
        // tanh' = 1 - y²
        Node::Apply(Func::Tanh, argument) if argument == x => {
            let two = graph.integer(2);
            let square = graph.pow(y, two);
            Some(graph.sub(one, square))
        }
        // exp' = y
        Node::Apply(Func::Exp, argument) if argument == x => Some(y),
        Node::Mul(factors) => {
            // c x has derivative c; c (e^x - 1) has derivative y + c (c a number or a parameter).
            let [coefficient, rest] = factors[..] else { return None };
            // x s, for s a select of positive coefficients on the sign of x (leaky ReLU's form).
            for (plain, select) in [(coefficient, rest), (rest, coefficient)] {
                if plain != x {
                    continue;
                }
                let Node::Select { condition, then, otherwise } = graph.node(select).clone() else { continue };
                let Node::Compare(op, left, right) = graph.node(condition).clone() else { continue };
                let zero = graph.integer(0);
                if left == x && right == zero && is_coefficient(graph, then) && is_coefficient(graph, otherwise) {
                    let condition = graph.compare(op, y, zero);
                    return Some(graph.select(condition, then, otherwise));
                }
            }
            if !is_coefficient(graph, coefficient) {
                return None;
            }
            match graph.node(rest).clone() {
                _ if rest == x => Some(coefficient),
                Node::Apply(Func::ExpM1, argument) if argument == x => Some(graph.add(y, coefficient)),
                _ => None,
            }
        }
        // max(0, x): y > 0 exactly where x > 0.
        Node::Max(a, b) if graph.rational(a) == Some(Rational::from_integer(0)) && b == x => {
            let zero = graph.integer(0);
            let at_or_below = graph.compare(Compare::LessEqual, y, zero);
            Some(graph.select(at_or_below, zero, one))
        }
        // A select on the sign of x, whose branches vanish at 0 and keep the sign of x, is a
        // select on the sign of y.
        Node::Select { condition, then, otherwise } => {
            let Node::Compare(op, left, right) = graph.node(condition).clone() else { return None };
            let zero = graph.integer(0);
            if left != x || right != zero || !keeps_sign(graph, then, x) || !keeps_sign(graph, otherwise, x) {
                return None;
            }
            let then = form(graph, then, x, y)?;
            let otherwise = form(graph, otherwise, x, y)?;
            let condition = graph.compare(op, y, zero);
            Some(graph.select(condition, then, otherwise))
        }
        _ => None,
    }
}

/// A positive number, or a parameter (taken to be positive, as ELU's `α`, SELU's `λ` and leaky
/// ReLU's slope are: with a negative one the branch flips the sign and the form does not hold).
fn is_coefficient(graph: &Graph, id: Id) -> bool {
    match graph.node(id) {
        Node::Number(value) => *value.numer() > 0,
        Node::Symbol(_) => true,
        _ => false,
    }
}

/// Whether a branch is 0 at 0 and has the sign of `x` elsewhere: `x`, `c x` and `c (e^x - 1)`
/// for a positive coefficient `c`.
fn keeps_sign(graph: &Graph, branch: Id, x: Id) -> bool {
    if branch == x {
        return true;
    }
    let Node::Mul(factors) = graph.node(branch) else { return false };
    let [coefficient, rest] = factors[..] else { return false };
    is_coefficient(graph, coefficient)
        && coefficient != x
        && (rest == x || matches!(graph.node(rest), Node::Apply(Func::ExpM1, argument) if *argument == x))
}

/// A vector activation's vector-Jacobian product `product` with every occurrence of the
/// activation's value (`value`, free in `output_index`, at any index) replaced by the element of
/// the output vector `output` there; `None` where the input `input` remains.
pub fn vector_from_output(
    graph: &mut Graph,
    product: Id,
    value: Id,
    output_index: Index,
    input: &str,
    output: &str,
) -> Option<Id> {
    let mut replacements = HashMap::new();
    for index in indices(graph, product) {
        let at = graph.substitute_index(value, output_index, index);
        let element = graph.element(output, vec![index]);
        replacements.insert(at, element);
    }
    let rewritten = replace(graph, product, &replacements, &mut HashMap::new());
    (!mentions(graph, rewritten, input)).then_some(rewritten)
}

/// Every index letter under `root`.
fn indices(graph: &Graph, root: Id) -> BTreeSet<Index> {
    let mut found = BTreeSet::new();
    walk(graph, root, &mut |node| match node {
        Node::Element(_, indices) => found.extend(indices.iter().copied()),
        Node::Sum(index, _) | Node::LogSumExp(index, _) => {
            found.insert(*index);
        }
        _ => {}
    });
    found
}

/// Whether the vector `name` occurs under `root`.
fn mentions(graph: &Graph, root: Id, name: &str) -> bool {
    let mut found = false;
    walk(graph, root, &mut |node| found |= matches!(node, Node::Element(element, _) if element == name));
    found
}

fn walk(graph: &Graph, root: Id, visit: &mut dyn FnMut(&Node)) {
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        visit(graph.node(id));
        stack.extend(graph.children(id));
    }
}

/// `id` with every node of `replacements` replaced, top-down.
fn replace(graph: &mut Graph, id: Id, replacements: &HashMap<Id, Id>, done: &mut HashMap<Id, Id>) -> Id {
    if let Some(&replacement) = replacements.get(&id) {
        return replacement;
    }
    if let Some(&rewritten) = done.get(&id) {
        return rewritten;
    }
    let rewritten = graph.rebuild(id, &mut |graph, child| replace(graph, child, replacements, done));
    done.insert(id, rewritten);
    rewritten
}
