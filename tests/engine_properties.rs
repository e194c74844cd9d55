//! The symbolic derivative agrees with an independent numeric derivative: dual numbers, written
//! here and evaluated on the parser's AST, never through the engine.

#[path = "common/reproducible.rs"]
mod reproducible;

use proptest::prelude::*;
use texgrad::grammar::ast::{
    BinaryOp, Case, Condition, Constant, Expr, ExprKind, Function, Number, Relation, Variable,
};
use texgrad::grammar::names::FUNCTIONS;
use texgrad::grammar::print;
use texgrad::symbolic::{Bindings, Expression, Refusal};

/// A value and its derivative with respect to `x`.
#[derive(Clone, Copy, Debug)]
struct Dual {
    value: f64,
    derivative: f64,
}

impl Dual {
    fn constant(value: f64) -> Dual {
        Dual { value, derivative: 0.0 }
    }

    /// `g(self)` where `g(v) = value` and `g'(v) = slope`.
    fn chain(self, value: f64, slope: f64) -> Dual {
        Dual { value, derivative: slope * self.derivative }
    }
}

/// `2/√π ∫_from^to e^{-t²} dt` by Simpson's rule: slow but independent of the engine's libm.
fn gaussian_integral(from: f64, to: f64) -> f64 {
    let steps = 4000;
    let h = (to - from) / steps as f64;
    let f = |t: f64| (-t * t).exp();
    let mut total = f(from) + f(to);
    for step in 1..steps {
        let t = from + step as f64 * h;
        total += if step % 2 == 1 { 4.0 * f(t) } else { 2.0 * f(t) };
    }
    total * h / 3.0 * 2.0 / std::f64::consts::PI.sqrt()
}

fn erf(x: f64) -> f64 {
    gaussian_integral(0.0, x)
}

/// erfc integrated over its own tail, so that it keeps its digits where erf rounds to 1.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x >= 0.0 {
        // Beyond x + 40/x the integrand is below e^{-80} of its value at x.
        gaussian_integral(x, x + (40.0 / x.max(1e-3)).min(12.0))
    } else {
        2.0 - erfc(-x)
    }
}

fn evaluate(expr: &Expr, x: f64, a: f64) -> Dual {
    match &expr.kind {
        ExprKind::Number(number) => Dual::constant(number.to_f64()),
        ExprKind::Constant(Constant::E) => Dual::constant(std::f64::consts::E),
        ExprKind::Constant(Constant::Pi) => Dual::constant(std::f64::consts::PI),
        ExprKind::Variable(variable) if variable.name == "x" => Dual { value: x, derivative: 1.0 },
        ExprKind::Variable(_) => Dual::constant(a),
        ExprKind::Negate(operand) => {
            let u = evaluate(operand, x, a);
            Dual { value: -u.value, derivative: -u.derivative }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (u, v) = (evaluate(lhs, x, a), evaluate(rhs, x, a));
            match op {
                BinaryOp::Add => Dual { value: u.value + v.value, derivative: u.derivative + v.derivative },
                BinaryOp::Subtract => Dual { value: u.value - v.value, derivative: u.derivative - v.derivative },
                BinaryOp::Multiply => {
                    Dual { value: u.value * v.value, derivative: u.derivative * v.value + u.value * v.derivative }
                }
                BinaryOp::Divide => Dual {
                    value: u.value / v.value,
                    derivative: (u.derivative * v.value - u.value * v.derivative) / (v.value * v.value),
                },
            }
        }
        ExprKind::Power { base, exponent } => {
            let (u, v) = (evaluate(base, x, a), evaluate(exponent, x, a));
            let value = u.value.powf(v.value);
            let mut derivative = v.value * u.value.powf(v.value - 1.0) * u.derivative;
            if v.derivative != 0.0 {
                derivative += value * u.value.ln() * v.derivative;
            }
            Dual { value, derivative }
        }
        ExprKind::Root { degree, radicand } => {
            let power = Expr::new(ExprKind::Power {
                base: radicand.clone(),
                exponent: Box::new(Expr::new(ExprKind::Binary {
                    op: BinaryOp::Divide,
                    lhs: Box::new(Expr::new(ExprKind::Number(Number { text: "1".into() }))),
                    rhs: degree.clone(),
                })),
            });
            evaluate(&power, x, a)
        }
        ExprKind::Call { function, arguments } => {
            let u = evaluate(&arguments[0], x, a);
            let t = u.value;
            let pi = std::f64::consts::PI;
            let sigmoid = |t: f64| 1.0 / (1.0 + (-t).exp());
            match function {
                Function::Exp => u.chain(t.exp(), t.exp()),
                Function::Ln => u.chain(t.ln(), 1.0 / t),
                Function::Log2 => u.chain(t.log2(), 1.0 / (t * 2f64.ln())),
                Function::Log10 => u.chain(t.log10(), 1.0 / (t * 10f64.ln())),
                Function::Sqrt => u.chain(t.sqrt(), 0.5 / t.sqrt()),
                Function::Sin => u.chain(t.sin(), t.cos()),
                Function::Cos => u.chain(t.cos(), -t.sin()),
                Function::Tan => u.chain(t.tan(), 1.0 + t.tan() * t.tan()),
                Function::Sinh => u.chain(t.sinh(), t.cosh()),
                Function::Cosh => u.chain(t.cosh(), t.sinh()),
                Function::Tanh => u.chain(t.tanh(), 1.0 - t.tanh() * t.tanh()),
                Function::Arctan => u.chain(t.atan(), 1.0 / (1.0 + t * t)),
                Function::Arcsin => u.chain(t.asin(), 1.0 / (1.0 - t * t).sqrt()),
                Function::Arccos => u.chain(t.acos(), -1.0 / (1.0 - t * t).sqrt()),
                Function::Erf => u.chain(erf(t), 2.0 / pi.sqrt() * (-t * t).exp()),
                Function::Erfc => u.chain(erfc(t), -2.0 / pi.sqrt() * (-t * t).exp()),
                Function::Phi => u.chain(0.5 * (1.0 + erf(t / 2f64.sqrt())), (-t * t / 2.0).exp() / (2.0 * pi).sqrt()),
                Function::Sigmoid => u.chain(sigmoid(t), sigmoid(t) * (1.0 - sigmoid(t))),
                Function::Softplus => u.chain((1.0 + t.exp()).ln(), sigmoid(t)),
                Function::Sign => u.chain(t.signum() * f64::from(u8::from(t != 0.0)), 0.0),
                Function::Max | Function::Min => {
                    let v = evaluate(&arguments[1], x, a);
                    let first = if *function == Function::Max { u.value >= v.value } else { u.value <= v.value };
                    if first { u } else { v }
                }
            }
        }
        ExprKind::Abs(operand) => {
            let u = evaluate(operand, x, a);
            u.chain(
                u.value.abs(),
                if u.value > 0.0 {
                    1.0
                } else if u.value < 0.0 {
                    -1.0
                } else {
                    0.0
                },
            )
        }
        ExprKind::Cases(cases) => {
            for case in cases {
                let holds = match &case.condition {
                    Condition::Otherwise => true,
                    Condition::Chain { first, rest } => {
                        let mut left = evaluate(first, x, a).value;
                        rest.iter().all(|(relation, operand)| {
                            let right = evaluate(operand, x, a).value;
                            let holds = match relation {
                                Relation::Less => left < right,
                                Relation::LessEqual => left <= right,
                                Relation::Greater => left > right,
                                Relation::GreaterEqual => left >= right,
                                Relation::Equal => left == right,
                                Relation::NotEqual => left != right,
                            };
                            left = right;
                            holds
                        })
                    }
                };
                if holds {
                    return evaluate(&case.value, x, a);
                }
            }
            evaluate(&cases.last().expect("rows").value, x, a)
        }
        other => panic!("not generated: {other:?}"),
    }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => Just(ExprKind::Variable(Variable { name: "x".into(), indices: vec![] })),
        1 => Just(ExprKind::Variable(Variable { name: "a".into(), indices: vec![] })),
        1 => prop::sample::select(vec!["2", "0.5", "3", "1.5"]).prop_map(|text| ExprKind::Number(Number { text: text.into() })),
        1 => prop::sample::select(vec![Constant::E, Constant::Pi]).prop_map(ExprKind::Constant),
    ]
    .prop_map(Expr::new)
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 2, |inner| {
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
        let power = (boxed(), prop::sample::select(vec!["2", "3", "0.5", "-1"])).prop_map(|(base, exponent)| {
            ExprKind::Power { base, exponent: Box::new(Expr::new(ExprKind::Number(Number { text: exponent.into() }))) }
        });
        let general_power = (boxed(), boxed()).prop_map(|(base, exponent)| ExprKind::Power { base, exponent });
        let cases = (inner.clone(), inner.clone(), prop::sample::select(vec!["0", "1", "-0.5"])).prop_map(
            |(then, otherwise, at)| {
                let x = Expr::new(ExprKind::Variable(Variable { name: "x".into(), indices: vec![] }));
                let bound = Expr::new(ExprKind::Number(Number { text: at.into() }));
                ExprKind::Cases(vec![
                    Case {
                        value: then,
                        condition: Condition::Chain { first: x, rest: vec![(Relation::GreaterEqual, bound)] },
                    },
                    Case { value: otherwise, condition: Condition::Otherwise },
                ])
            },
        );
        prop_oneof![
            1 => boxed().prop_map(ExprKind::Negate),
            4 => binary,
            4 => call,
            2 => power,
            1 => general_power,
            1 => boxed().prop_map(ExprKind::Abs),
            1 => cases,
        ]
        .prop_map(Expr::new)
    })
}

proptest! {
    #![proptest_config(reproducible::config(1_000, 20_261_130))]

    #[test]
    fn symbolic_derivative_matches_dual_numbers(expr in expr(), x in -3.0f64..3.0, a in 0.5f64..2.0) {
        let formula = print::latex(&expr);
        let parsed = Expression::parse(&formula);
        // A random formula may divide by what is always 0 (`(x - x)^{-1}`): it is refused as
        // having no value, rightly.
        prop_assume!(!matches!(&parsed, Err(error) if error.kind == Refusal::Undefined));
        let expression = parsed.map_err(|error| TestCaseError::fail(error.render(&formula)))?;
        let names = expression.names().0;
        prop_assume!(names.contains("x"));
        let derivative = expression.derivative("x").map_err(|error| TestCaseError::fail(error.render(&formula)))?;
        let bindings = Bindings::default().scalar("x", x).scalar("a", a);
        let symbolic = derivative.evaluate(&bindings).map_err(|error| TestCaseError::fail(error.message))?;
        let dual = evaluate(&expr, x, a);
        prop_assume!(symbolic.is_finite() && dual.derivative.is_finite() && dual.value.is_finite());
        // Ill-conditioned points (sin of 1e83, a tiny difference of huge terms) give different
        // answers for any two correct evaluations; they show as a derivative that moves when x
        // moves by a few ulps, and are skipped.
        let nearby = evaluate(&expr, x + 1e-13 * x.abs().max(1.0), a).derivative;
        prop_assume!((nearby - dual.derivative).abs() <= 1e-8 * dual.derivative.abs().max(1.0));
        // Both are exact formulas rounded differently; where the value itself is huge, so are the
        // rounding errors of either.
        let scale = 1.0f64.max(symbolic.abs()).max(dual.derivative.abs());
        prop_assert!(
            (symbolic - dual.derivative).abs() <= 1e-6 * scale,
            "d/dx {} at x = {}, a = {}: symbolic {} = {}, dual numbers {}",
            formula, x, a, derivative.latex(), symbolic, dual.derivative
        );
    }
}
