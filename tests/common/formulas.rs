//! Random formulas for property tests: trees over the whole function table (`any_formula`), and
//! the families where floating point cancels or overflows (`unstable_formula`): square roots of
//! sums of squares, conjugates, and the differences of nearly equal terms the stabiliser rewrites.
// Each test that includes this module uses part of it.
#![allow(dead_code)]

use proptest::prelude::*;
use texgrad::grammar::ast::{BinaryOp, Case, Condition, Constant, Expr, ExprKind, Number, Relation, Variable};
use texgrad::grammar::names::FUNCTIONS;

pub fn x() -> Expr {
    Expr::new(ExprKind::Variable(Variable { name: "x".into(), indices: vec![] }))
}

pub fn number(text: &str) -> Expr {
    Expr::new(ExprKind::Number(Number { text: text.into() }))
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => Just(x()),
        2 => prop::sample::select(vec!["1", "2", "0.5", "3", "4", "1.5", "10"]).prop_map(number),
        1 => prop::sample::select(vec![Constant::E, Constant::Pi]).prop_map(|constant| Expr::new(ExprKind::Constant(constant))),
    ]
}

/// Trees of up to 16 nodes over `x`, small numbers, `e` and `π`, every function of the table,
/// the four operations, powers, `|·|` and two-row `cases`.
pub fn any_formula() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 16, 2, |inner| {
        let boxed = || inner.clone().prop_map(Box::new);
        let binary = (
            prop::sample::select(vec![BinaryOp::Add, BinaryOp::Subtract, BinaryOp::Multiply, BinaryOp::Divide]),
            boxed(),
            boxed(),
        )
            .prop_map(|(op, lhs, rhs)| ExprKind::Binary { op, lhs, rhs });
        let call = (prop::sample::select(FUNCTIONS.to_vec()), prop::collection::vec(inner.clone(), 2)).prop_map(
            |(info, mut arguments)| {
                arguments.truncate(info.arity);
                ExprKind::Call { function: info.function, arguments }
            },
        );
        let power = (boxed(), prop::sample::select(vec!["2", "3", "0.5", "-1", "-2", "1.5"]))
            .prop_map(|(base, exponent)| ExprKind::Power { base, exponent: Box::new(number(exponent)) });
        let cases = (inner.clone(), inner.clone(), prop::sample::select(vec!["0", "1", "-0.5"])).prop_map(
            |(then, otherwise, at)| {
                ExprKind::Cases(vec![
                    Case {
                        value: then,
                        condition: Condition::Chain { first: x(), rest: vec![(Relation::GreaterEqual, number(at))] },
                    },
                    Case { value: otherwise, condition: Condition::Otherwise },
                ])
            },
        );
        prop_oneof![
            1 => boxed().prop_map(ExprKind::Negate),
            5 => binary,
            5 => call,
            2 => power,
            1 => boxed().prop_map(ExprKind::Abs),
            1 => cases,
        ]
        .prop_map(Expr::new)
    })
}

/// The families of unstable forms, as LaTeX, with random coefficients, and whether their
/// derivative is in the family too: square roots of `a x^2 + b` beside terms that cancel them
/// (squareplus, `\sqrt{x^2 + b} - x`, the bent identity), over them (ISRU) and their quotients,
/// with their derivatives; `\cosh - 1`, `\ln \cosh`, `e^u - 1`, `\ln(1 + u)` of `a x`, `a ≤ 1`
/// (not their derivatives: `\frac{1}{2} e^{x/2}` overflows with `e^{x/2}` at the top of the
/// range, and `2x` itself does before anything cancels); and products of two roots (their
/// values: the product rule's two terms of `(\sqrt{2x^2 + 1}) (\sqrt{x^2 + 1} - x)` cancel each
/// other at large `x`, and texgrad does not combine them yet). (`\frac{1 - \cos x}{x^2}` is within
/// bounds, but not its derivative, whose two terms cancel near 0 in every form texgrad has.)
pub fn unstable_formula() -> impl Strategy<Value = (String, bool)> {
    let scale = prop::sample::select(vec!["1", "2", "4", "0.5", "0.25", "9"]);
    let offset = prop::sample::select(vec!["1", "4", "0.5", "3", "10", "0.01"]);
    let root = (scale, offset.clone()).prop_map(|(a, b)| format!(r"\sqrt{{{a} x^2 + {b}}}"));
    // Squares, so that the root and the term beside it cancel exactly: √(a x^2 + b) against √a x.
    let square = prop::sample::select(vec![("1", "1"), ("4", "2"), ("0.25", "0.5"), ("9", "3")]);
    let roots = prop_oneof![
        (square, offset.clone(), prop::bool::ANY).prop_map(|((a, slope), b, plus)| {
            let sign = if plus { "+" } else { "-" };
            format!(r"\frac{{\sqrt{{{a} x^2 + {b}}} {sign} {slope} x}}{{2}}")
        }),
        // The bent identity's family: the root less its value at 0 (cancels there), plus x.
        (prop::sample::select(vec!["1", "2", "4", "0.5", "0.25"]), offset.clone())
            .prop_map(|(a, b)| format!(r"\frac{{\sqrt{{{a} x^2 + {b}}} - \sqrt{{{b}}}}}{{2}} + x")),
        root.clone().prop_map(|root| format!(r"\frac{{x}}{{{root}}}")),
        root.clone().prop_map(|root| format!(r"\frac{{x^3}}{{\left({root}\right)^3}}")),
        root,
    ]
    .prop_map(|formula| (formula, true));
    // Scales up to 1: `2 x` overflows at the top of the range, before anything cancels.
    let small = prop::sample::select(vec!["1", "0.5", "0.25"]);
    let differences = prop_oneof![
        small.clone().prop_map(|a| format!(r"\cosh({a} x) - 1")),
        small.clone().prop_map(|a| format!(r"\ln(\cosh({a} x))")),
        small.clone().prop_map(|a| format!(r"e^{{{a} x}} - 1")),
        small.prop_map(|a| format!(r"\ln(1 + {a} x)")),
    ]
    .prop_map(|formula| (formula, false));
    // Products of roots, not sums: a sum of two of them can have a zero of its own away from 0,
    // near which its terms cancel in any form (SPEC section 4 gives that 10^{-3} of room, no
    // more); and not products with the differences, which overflow on their own (`\cosh x - 1`
    // at 89 in `f32`) where the product need not.
    prop_oneof![
        2 => roots.clone(),
        1 => differences,
        1 => (roots.clone(), roots).prop_map(|((a, _), (b, _))| (format!(r"\left({a}\right) \left({b}\right)"), false)),
    ]
}
