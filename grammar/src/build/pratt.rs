//! Operator precedence: the one Pratt table, and how much depth a link of a chain adds.

use std::sync::OnceLock;

use pest::iterators::Pairs;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::Rule;
use crate::ast::{BinaryOp, Expr, ExprKind};

/// The precedence table, loosest first. Juxtaposition before a function binds more loosely than
/// a function's bare argument, so `\sin x \cos x` is `\sin(x) \cos(x)`; a sum takes the whole
/// product that follows; superscripts bind tightest.
pub(super) fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::prefix(Rule::sum))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos))
            .op(Op::infix(Rule::juxtapose_function, Assoc::Left))
            .op(Op::prefix(Rule::apply_bare))
            .op(Op::infix(Rule::juxtapose, Assoc::Left))
            .op(Op::postfix(Rule::superscript))
    })
}

/// Whether `lhs op ..` continues a chain that `lhs` is a link of: sums and differences, or
/// products and quotients (see [`crate::limits::MAX_DEPTH`]).
pub(super) fn continues_chain(lhs: &Expr, op: BinaryOp) -> bool {
    matches!(&lhs.kind, ExprKind::Binary { op: previous, .. } if previous.is_additive() == op.is_additive())
}

pub(super) fn longest_prefix_run(pairs: Pairs<'_, Rule>) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for pair in pairs {
        if matches!(pair.as_rule(), Rule::neg | Rule::pos | Rule::sum | Rule::apply_bare) {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}
