//! Checks of what a user claims: a derivative (`derivative = r"f(x)(1 - f(x))"`) and a chain of
//! equal forms (`f(x) = A = B`), compared with the engine's own result at sample points that
//! cover every branch and both signs. A disagreement names a point and both values.

use std::collections::BTreeSet;

use texgrad_grammar::ast::{Condition, Expr, ExprKind};
use texgrad_grammar::{Context, Formula};

use crate::error::EngineError;
use crate::eval::Compiled;
use crate::ir::{Graph, Id, Node};
use crate::lower::{self, Scope, ValueName};
use crate::program::Bindings;
use crate::{Expression, diff};

/// Relative tolerance of a match. Claims are exact formulas, so they agree to rounding; a
/// textbook form through the function's own value (`1 - f(x)^2`) loses a few digits where it
/// cancels, far less than this.
const TOLERANCE: f64 = 1e-7;

/// The sample points for `input`: both signs, near zero and away from it, and both sides of
/// every constant the formula compares against (its kinks and case boundaries).
pub fn sample_points(graph: &Graph, root: Id) -> Vec<f64> {
    let mut points: BTreeSet<u64> =
        [-3.7, -2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0, 3.7].iter().map(|x: &f64| x.to_bits()).collect();
    let mut stack = vec![root];
    let mut seen = vec![false; graph.len()];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        if let Node::Compare(_, a, b) | Node::Max(a, b) | Node::Min(a, b) = graph.node(id) {
            for side in [a, b] {
                if let Some(value) = graph.rational(*side) {
                    let value = Graph::rational_to_f64(value);
                    for offset in [-0.25, -1e-3, 1e-3, 0.25] {
                        points.insert((value + offset).to_bits());
                    }
                }
            }
        }
        stack.extend(graph.children(id));
    }
    points.into_iter().map(f64::from_bits).collect()
}

fn agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// What a claimed derivative turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The claim agrees with the derivative at every compared point.
    Right {
        /// How many sample points gave finite values to compare.
        points: usize,
    },
    /// The claim disagrees with the derivative at `at`.
    Wrong {
        /// The input where they disagree (the first sample point that shows it).
        at: f64,
        /// The claim's value there.
        claimed: f64,
        /// The derivative's value there.
        derivative: f64,
        /// The derivative, simplified, as LaTeX.
        truth: String,
    },
}

/// Judge a claimed derivative of `function` with respect to the scalar `input`, where `f(x)`
/// (or `f`) in the claim is the function itself, at sample points on both sides of every kink.
/// `parameters` gives values to the other names. An error if the claim does not parse or
/// lower, or no point gives finite values to compare.
pub fn judge_derivative_claim(
    function: &Expression,
    input: &str,
    claim: &str,
    parameters: &Bindings,
) -> Result<Verdict, EngineError> {
    let (graph, root) = function.graph();
    let mut graph = graph.clone();
    let mut scope = Scope::default();
    scope.values.insert("f".to_owned(), ValueName { input: input.to_owned(), value: root });
    let context = Context::default().with_functions(["f"]);
    let parsed = texgrad_grammar::parse_with(claim, &context)?;
    let claimed = lower::lower(&mut graph, parsed.body(), &scope)?;
    let truth = diff::derivative(&mut graph, root, &diff::Wrt::Symbol(input.to_owned()));
    let mut compared = 0;
    let (truth_values, claimed_values) = (Compiled::new(&graph, truth)?, Compiled::new(&graph, claimed)?);
    for x in sample_points(&graph, root) {
        let bindings = parameters.clone().scalar(input, x);
        let expected = truth_values.at(&bindings)?;
        let got = claimed_values.at(&bindings)?;
        if !expected.is_finite() || !got.is_finite() {
            continue;
        }
        compared += 1;
        if !agree(expected, got) {
            let truth = match function.derivative(input) {
                Ok(simplified) => simplified.latex(),
                Err(_) => crate::print::latex(&graph, truth),
            };
            return Ok(Verdict::Wrong { at: x, claimed: got, derivative: expected, truth });
        }
    }
    if compared == 0 {
        return Err(EngineError::new(
            "the claimed derivative could not be compared: no sample point gives finite values",
        ));
    }
    Ok(Verdict::Right { points: compared })
}

/// Check a claimed derivative (see [`judge_derivative_claim`]): a wrong claim is an error that
/// names the input where it fails and gives the derivative as a hint.
pub fn check_derivative_claim(
    function: &Expression,
    input: &str,
    claim: &str,
    parameters: &Bindings,
) -> Result<(), EngineError> {
    match judge_derivative_claim(function, input, claim, parameters)? {
        Verdict::Right { .. } => Ok(()),
        Verdict::Wrong { at, claimed, derivative, truth } => Err(EngineError::new(format!(
            "the claimed derivative is wrong: at {input} = {at}, the claim gives {claimed} but the derivative is {derivative}"
        ))
        .with_hint(format!("the derivative is {truth}"))),
    }
}

/// Check that every form of a chain `f(x) = A = B` agrees with the last one.
pub fn check_chain(parsed: &Formula, expression: &Expression, scope: &Scope) -> Result<(), EngineError> {
    if parsed.forms.len() < 2 {
        return Ok(());
    }
    let (graph, root) = expression.graph();
    let mut graph = graph.clone();
    let (scalars, vectors) = expression.names();
    if !vectors.is_empty() {
        // Vector chains would need sample vectors; the grammar keeps the forms, the check waits.
        return Ok(());
    }
    let points = sample_points(&graph, root);
    for form in &parsed.forms[..parsed.forms.len() - 1] {
        let lowered = lower::lower(&mut graph, form, scope)?;
        // A form or a formula without a program has nothing to compare, as at a point without
        // a value.
        let (Ok(root_values), Ok(lowered_values)) = (Compiled::new(&graph, root), Compiled::new(&graph, lowered))
        else {
            continue;
        };
        for &x in &points {
            // Every scalar at the same point, and the others at fixed, generic values.
            let mut bindings = Bindings::default();
            for (position, name) in scalars.iter().enumerate() {
                bindings = bindings.scalar(name, x + 0.37 * position as f64);
            }
            let expected = root_values.at(&bindings);
            let got = lowered_values.at(&bindings);
            let (Ok(expected), Ok(got)) = (expected, got) else { continue };
            if expected.is_finite() && got.is_finite() && !agree(expected, got) {
                let at: Vec<String> =
                    bindings.scalars.iter().map(|(name, value)| format!("{name} = {value}")).collect();
                return Err(EngineError::at(
                    form.span,
                    format!(
                        "this form is not equal to the last one: at {}, it is {got} and the last is {expected}",
                        at.join(", ")
                    ),
                )
                .with_hint(
                    "a chain f(x) = A = B must hold everywhere; write the approximation as its own definition",
                ));
            }
        }
    }
    Ok(())
}

/// Check that every `cases` of the formula covers the real line: at every sample point (both
/// sides of every boundary, and far out), some row applies. The last row is not a silent
/// fallback: a gap is an error that names a point in it.
pub fn check_cases_cover(expression: &Expression, inputs: &[String], parameters: &Bindings) -> Result<(), EngineError> {
    let Some(source) = expression.source() else { return Ok(()) };
    let (graph, root) = expression.graph();
    let mut graph = graph.clone();
    let mut points = sample_points(&graph, root);
    points.extend([-1e6, 1e6]);
    points.extend(boundaries(&graph, root, inputs, parameters));
    let mut cases_nodes = Vec::new();
    collect_cases(source, &mut cases_nodes);
    for cases in cases_nodes {
        let ExprKind::Cases(rows) = &cases.kind else { continue };
        if rows.iter().any(|row| row.condition == Condition::Otherwise) {
            continue;
        }
        let conditions: Vec<Id> = rows
            .iter()
            .map(|row| lower::lower_condition(&mut graph, &row.condition, &Scope::default()))
            .collect::<Result<_, _>>()?;
        let conditions: Vec<Option<Compiled>> =
            conditions.into_iter().map(|condition| Compiled::new(&graph, condition).ok()).collect();
        for &x in &points {
            let bindings = inputs.iter().fold(parameters.clone(), |bindings, input| bindings.scalar(input, x));
            let mut holds = false;
            for condition in &conditions {
                match condition.as_ref().map(|condition| condition.at(&bindings)) {
                    Some(Ok(value)) if value != 0.0 => holds = true,
                    Some(Ok(_)) => {}
                    // Conditions over vectors or unbound names are not checked here.
                    Some(Err(_)) | None => holds = true,
                }
            }
            if !holds {
                let at: Vec<String> = inputs.iter().map(|input| format!("{input} = {x}")).collect();
                return Err(EngineError::at(
                    cases.span,
                    format!("the cases do not cover the real line: no row applies at {}", at.join(", ")),
                )
                .with_hint(r"add a row for it, or end with `value, & \text{otherwise}`"));
            }
        }
    }
    Ok(())
}

/// Every value an input is compared with, exactly (`1` in `x < 1`, `\lambda` at its default in
/// `x > \lambda`): a list of cases that misses the boundary itself (`x < 1` and `x > 1`) leaves
/// a gap of one point.
fn boundaries(graph: &Graph, root: Id, inputs: &[String], parameters: &Bindings) -> Vec<f64> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    let mut seen = vec![false; graph.len()];
    let mentions_input = |id: Id| -> bool {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            match graph.node(id) {
                Node::Symbol(name) if inputs.contains(name) => return true,
                _ => stack.extend(graph.children(id)),
            }
        }
        false
    };
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        if let Node::Compare(_, a, b) = graph.node(id) {
            for side in [*a, *b] {
                if !mentions_input(side)
                    && let Ok(value) = crate::eval::evaluate(graph, side, parameters, &Default::default())
                    && value.is_finite()
                {
                    found.push(value);
                }
            }
        }
        stack.extend(graph.children(id));
    }
    found
}

fn collect_cases<'e>(expr: &'e Expr, found: &mut Vec<&'e Expr>) {
    if let ExprKind::Cases(_) = expr.kind {
        found.push(expr);
    }
    for child in expr.children() {
        collect_cases(child, found);
    }
}
