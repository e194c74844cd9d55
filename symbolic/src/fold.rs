//! Decisions on constants that are not rationals: `\frac{1}{\ln 2} = 0` is false, and `y \ln x`
//! with a constant `y \ne 0` (`\frac{1}{\ln 2}` of `\log_2`) needs no convention at `y = 0`. The
//! IR's constructors decide what exact rationals decide; these need a constant's value
//! ([`crate::constant`]), so they run as a pass, first in the stabiliser.

use std::collections::HashMap;

use crate::ir::{Compare, Func, Graph, Id, Node};

/// `id` with every comparison of a nonzero constant with 0 decided and every `xlogy` of a
/// nonzero constant written as a product.
pub fn decide_constants(graph: &mut Graph, id: Id) -> Id {
    graph.rewrite_bottom_up(id, &mut HashMap::new(), &mut decide)
}

/// A comparison of a nonzero constant with 0, or an `xlogy` of a nonzero constant, decided; any
/// other node as it is.
fn decide(graph: &mut Graph, id: Id) -> Id {
    let nonzero_constant =
        |graph: &Graph, id: Id| crate::constant::fold(graph, id).is_some_and(|value| value.to_f64() != 0.0);
    match graph.node(id).clone() {
        Node::Compare(op @ (Compare::Equal | Compare::NotEqual), a, b)
            if graph.rational(b).is_some_and(|value| *value.numer() == 0) && nonzero_constant(graph, a) =>
        {
            graph.integer(i128::from(op == Compare::NotEqual))
        }
        Node::XLogY(y, x) if nonzero_constant(graph, y) => {
            let ln_x = graph.apply(Func::Ln, x);
            graph.mul(y, ln_x)
        }
        _ => id,
    }
}
