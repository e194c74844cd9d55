//! The rewrite rules of the search, as data: each a name, two patterns of the search's
//! language ([`super::language::Math`]) and whether it also applies right to left.
//!
//! Every rule is an identity of real numbers wherever both sides are defined, and, in each
//! direction it is applied, its right side is defined nowhere its left side is not, unless it
//! is a constant (`tests` checks both at random points against the 256-bit oracle). The second
//! condition is what makes an e-graph sound over partial functions: a class holds nodes that
//! agree wherever they are defined, and a rule that extended the domain (`\sqrt{a}\sqrt{a} = a`,
//! `e^{\ln a} = a`) would merge `\sqrt{x}\sqrt{x}`, found equal to `\sqrt{x x}` = `|x|`, with `x`.
//! So a rule that narrows the domain (`\ln(ab) = \ln a + \ln b` only for positive `a`, `b`)
//! applies only in that direction. A narrower form is never wrong, only undefined on part of
//! the range: the judge measures every candidate, and a form that is NaN where the formula has a
//! value loses there. Rules are grouped by the family of floating-point trouble they address, so
//! that what the search can find reads off this table.

use egg::{Pattern, Rewrite};

use super::Folding;
use super::language::Math;

/// A rewrite rule as data.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Its name, for tests, reports and the documentation.
    pub name: &'static str,
    /// The pattern matched.
    pub from: &'static str,
    /// What it is rewritten to.
    pub to: &'static str,
    /// Whether the rule also applies from `to` to `from`.
    pub both_ways: bool,
}

const fn rule(name: &'static str, from: &'static str, to: &'static str) -> Rule {
    Rule { name, from, to, both_ways: false }
}

const fn both(name: &'static str, from: &'static str, to: &'static str) -> Rule {
    Rule { name, from, to, both_ways: true }
}

/// Algebra: the field axioms as a program sees them (commutativity, associativity,
/// distribution, signs), combining and splitting fractions.
pub const ALGEBRA: &[Rule] = &[
    rule("add-commute", "(+ ?a ?b)", "(+ ?b ?a)"),
    rule("mul-commute", "(* ?a ?b)", "(* ?b ?a)"),
    both("add-associate", "(+ ?a (+ ?b ?c))", "(+ (+ ?a ?b) ?c)"),
    both("mul-associate", "(* ?a (* ?b ?c))", "(* (* ?a ?b) ?c)"),
    both("add-sub-associate", "(- (+ ?a ?b) ?c)", "(+ ?a (- ?b ?c))"),
    both("sub-sub", "(- ?a (- ?b ?c))", "(+ (- ?a ?b) ?c)"),
    both("sub-add", "(- ?a (+ ?b ?c))", "(- (- ?a ?b) ?c)"),
    both("sub-as-add", "(- ?a ?b)", "(+ ?a (neg ?b))"),
    both("neg-as-mul", "(neg ?a)", "(* -1 ?a)"),
    rule("neg-neg", "(neg (neg ?a))", "?a"),
    both("neg-sub", "(neg (- ?a ?b))", "(- ?b ?a)"),
    both("mul-neg", "(* ?a (neg ?b))", "(neg (* ?a ?b))"),
    both("div-neg", "(/ (neg ?a) ?b)", "(neg (/ ?a ?b))"),
    rule("sub-self", "(- ?a ?a)", "0"),
    rule("cancel-left", "(- (+ ?a ?b) ?a)", "?b"),
    rule("cancel-right", "(- (+ ?a ?b) ?b)", "?a"),
    rule("cancel-sub", "(+ (- ?a ?b) ?b)", "?a"),
    rule("add-zero", "(+ ?a 0)", "?a"),
    rule("mul-one", "(* ?a 1)", "?a"),
    rule("div-one", "(/ ?a 1)", "?a"),
    rule("div-self", "(/ ?a ?a)", "1"),
    both("distribute", "(* ?a (+ ?b ?c))", "(+ (* ?a ?b) (* ?a ?c))"),
    both("distribute-sub", "(* ?a (- ?b ?c))", "(- (* ?a ?b) (* ?a ?c))"),
    both("div-as-mul", "(/ ?a ?b)", "(* ?a (/ 1 ?b))"),
    both("mul-div", "(* ?a (/ ?b ?c))", "(/ (* ?a ?b) ?c)"),
    both("div-div", "(/ (/ ?a ?b) ?c)", "(/ ?a (* ?b ?c))"),
    both("div-by-div", "(/ ?a (/ ?b ?c))", "(/ (* ?a ?c) ?b)"),
    both("div-add", "(/ (+ ?a ?b) ?c)", "(+ (/ ?a ?c) (/ ?b ?c))"),
    both("div-sub", "(/ (- ?a ?b) ?c)", "(- (/ ?a ?c) (/ ?b ?c))"),
    rule("add-fractions", "(+ (/ ?a ?b) (/ ?c ?d))", "(/ (+ (* ?a ?d) (* ?b ?c)) (* ?b ?d))"),
    rule("sub-fractions", "(- (/ ?a ?b) (/ ?c ?d))", "(/ (- (* ?a ?d) (* ?b ?c)) (* ?b ?d))"),
    rule("sub-over", "(- ?a (/ ?b ?c))", "(/ (- (* ?a ?c) ?b) ?c)"),
];

/// Powers and roots: squares and cubes factored, conjugates of roots (where `\sqrt{a} - b`
/// cancels), roots of squares, and scaled sums of squares (where a square overflows or
/// underflows and the root would not).
pub const POWERS: &[Rule] = &[
    both("square", "(pow ?a 2)", "(* ?a ?a)"),
    both("cube", "(pow ?a 3)", "(* ?a (* ?a ?a))"),
    both("reciprocal", "(pow ?a -1)", "(/ 1 ?a)"),
    both("root", "(pow ?a 1/2)", "(sqrt ?a)"),
    rule("pow-as-exp", "(pow ?a ?b)", "(exp (* ?b (ln ?a)))"),
    both("difference-of-squares", "(- (* ?a ?a) (* ?b ?b))", "(* (+ ?a ?b) (- ?a ?b))"),
    both(
        "difference-of-cubes",
        "(- (* ?a (* ?a ?a)) (* ?b (* ?b ?b)))",
        "(* (- ?a ?b) (+ (* ?a ?a) (+ (* ?a ?b) (* ?b ?b))))",
    ),
    both(
        "sum-of-cubes",
        "(+ (* ?a (* ?a ?a)) (* ?b (* ?b ?b)))",
        "(* (+ ?a ?b) (- (+ (* ?a ?a) (* ?b ?b)) (* ?a ?b)))",
    ),
    rule("conjugate-root-minus", "(- (sqrt ?a) ?b)", "(/ (- ?a (* ?b ?b)) (+ (sqrt ?a) ?b))"),
    rule("conjugate-minus-root", "(- ?a (sqrt ?b))", "(/ (- (* ?a ?a) ?b) (+ ?a (sqrt ?b)))"),
    rule("conjugate-roots", "(- (sqrt ?a) (sqrt ?b))", "(/ (- ?a ?b) (+ (sqrt ?a) (sqrt ?b)))"),
    rule("conjugate-plus-root", "(+ ?a (sqrt ?b))", "(/ (- (* ?a ?a) ?b) (- ?a (sqrt ?b)))"),
    rule("root-of-square", "(sqrt (* ?a ?a))", "(abs ?a)"),
    rule("root-product", "(sqrt (* ?a ?b))", "(* (sqrt ?a) (sqrt ?b))"),
    rule("root-quotient", "(sqrt (/ ?a ?b))", "(/ (sqrt ?a) (sqrt ?b))"),
    rule("square-of-abs", "(* (abs ?a) (abs ?a))", "(* ?a ?a)"),
    rule("root-scaled", "(sqrt (+ (* ?a ?a) ?b))", "(* (abs ?a) (sqrt (+ 1 (/ (/ ?b ?a) ?a))))"),
    rule("hypot-scaled", "(sqrt (+ (* ?a ?a) (* ?b ?b)))", "(* (abs ?a) (sqrt (+ 1 (* (/ ?b ?a) (/ ?b ?a)))))"),
    rule("abs-neg", "(abs (neg ?a))", "(abs ?a)"),
    rule("abs-square", "(abs (* ?a ?a))", "(* ?a ?a)"),
];

/// Exponentials and logarithms: `expm1`, `ln1p`, logs of products, quotients and powers,
/// exponentials of sums, softplus and the logistic function.
pub const EXPONENTIALS: &[Rule] = &[
    both("exp-sum", "(exp (+ ?a ?b))", "(* (exp ?a) (exp ?b))"),
    both("exp-difference", "(exp (- ?a ?b))", "(/ (exp ?a) (exp ?b))"),
    both("exp-neg", "(exp (neg ?a))", "(/ 1 (exp ?a))"),
    rule("ln-exp", "(ln (exp ?a))", "?a"),
    rule("ln-product", "(ln (* ?a ?b))", "(+ (ln ?a) (ln ?b))"),
    rule("ln-quotient", "(ln (/ ?a ?b))", "(- (ln ?a) (ln ?b))"),
    rule("ln-pow", "(ln (pow ?a ?b))", "(* ?b (ln ?a))"),
    rule("ln-square", "(ln (* ?a ?a))", "(* 2 (ln (abs ?a)))"),
    both("ln-root", "(ln (sqrt ?a))", "(* 1/2 (ln ?a))"),
    both("expm1", "(- (exp ?a) 1)", "(expm1 ?a)"),
    both("ln1p", "(ln (+ 1 ?a))", "(ln1p ?a)"),
    rule("ln-near-one", "(ln ?a)", "(ln1p (- ?a 1))"),
    rule("exp-from-expm1", "(+ (expm1 ?a) 1)", "(exp ?a)"),
    rule("ln1p-expm1", "(ln1p (expm1 ?a))", "?a"),
    rule("ln-sum-scaled", "(ln (+ ?a ?b))", "(+ (ln ?a) (ln1p (/ ?b ?a)))"),
    rule("exp-over", "(/ (exp ?a) ?b)", "(exp (- ?a (ln ?b)))"),
    rule("exp-times", "(* (exp ?a) ?b)", "(exp (+ ?a (ln ?b)))"),
    rule("exp-difference-expm1", "(- (exp ?a) (exp ?b))", "(* (exp ?b) (expm1 (- ?a ?b)))"),
    both("softplus", "(ln1p (exp ?a))", "(softplus ?a)"),
    both("softplus-reflect", "(softplus ?a)", "(+ ?a (softplus (neg ?a)))"),
    both("sigmoid", "(/ 1 (+ 1 (exp (neg ?a))))", "(sigmoid ?a)"),
    rule("sigmoid-of-exp", "(/ (exp ?a) (+ 1 (exp ?a)))", "(sigmoid ?a)"),
    both("sigmoid-complement", "(- 1 (sigmoid ?a))", "(sigmoid (neg ?a))"),
    both("log-sigmoid", "(ln (sigmoid ?a))", "(neg (softplus (neg ?a)))"),
];

/// Hyperbolic and trigonometric identities: definitions by exponentials, half angles, sums to
/// products, symmetries.
pub const TRIGONOMETRY: &[Rule] = &[
    both("sinh", "(sinh ?a)", "(/ (- (exp ?a) (exp (neg ?a))) 2)"),
    both("cosh", "(cosh ?a)", "(/ (+ (exp ?a) (exp (neg ?a))) 2)"),
    both("tanh", "(tanh ?a)", "(/ (sinh ?a) (cosh ?a))"),
    rule("tanh-of-exp", "(/ (- (exp ?a) (exp (neg ?a))) (+ (exp ?a) (exp (neg ?a))))", "(tanh ?a)"),
    both("cosh-minus-one", "(- (cosh ?a) 1)", "(* 2 (* (sinh (/ ?a 2)) (sinh (/ ?a 2))))"),
    both("sin-neg", "(sin (neg ?a))", "(neg (sin ?a))"),
    both("cos-neg", "(cos (neg ?a))", "(cos ?a)"),
    both("tan-quotient", "(tan ?a)", "(/ (sin ?a) (cos ?a))"),
    both("one-minus-cos", "(- 1 (cos ?a))", "(* 2 (* (sin (/ ?a 2)) (sin (/ ?a 2))))"),
    both("one-plus-cos", "(+ 1 (cos ?a))", "(* 2 (* (cos (/ ?a 2)) (cos (/ ?a 2))))"),
    rule("pythagoras", "(+ (* (sin ?a) (sin ?a)) (* (cos ?a) (cos ?a)))", "1"),
    both("one-minus-cos-squared", "(- 1 (* (cos ?a) (cos ?a)))", "(* (sin ?a) (sin ?a))"),
    both("one-minus-sin-squared", "(- 1 (* (sin ?a) (sin ?a)))", "(* (cos ?a) (cos ?a))"),
    rule("sin-difference", "(- (sin ?a) (sin ?b))", "(* 2 (* (sin (/ (- ?a ?b) 2)) (cos (/ (+ ?a ?b) 2))))"),
    rule("cos-difference", "(- (cos ?a) (cos ?b))", "(* -2 (* (sin (/ (- ?a ?b) 2)) (sin (/ (+ ?a ?b) 2))))"),
    both("sin-sum", "(sin (+ ?a ?b))", "(+ (* (sin ?a) (cos ?b)) (* (cos ?a) (sin ?b)))"),
    both("cos-sum", "(cos (+ ?a ?b))", "(- (* (cos ?a) (cos ?b)) (* (sin ?a) (sin ?b)))"),
];

/// The error function and the normal CDF: complements and tails.
pub const ERROR_FUNCTION: &[Rule] = &[
    both("erfc", "(- 1 (erf ?a))", "(erfc ?a)"),
    both("erf-complement", "(+ 1 (erf ?a))", "(erfc (neg ?a))"),
    both("erf-neg", "(erf (neg ?a))", "(neg (erf ?a))"),
    both("phi-complement", "(- 1 (Phi ?a))", "(Phi (neg ?a))"),
    both("phi-erfc", "(Phi ?a)", "(* 1/2 (erfc (/ (neg ?a) (sqrt 2))))"),
];

/// Every group of rules.
pub const GROUPS: &[(&str, &[Rule])] = &[
    ("algebra", ALGEBRA),
    ("powers and roots", POWERS),
    ("exponentials and logarithms", EXPONENTIALS),
    ("trigonometric and hyperbolic", TRIGONOMETRY),
    ("error function", ERROR_FUNCTION),
];

/// Every rule.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    GROUPS.iter().flat_map(|(_, rules)| rules.iter())
}

/// The rules as `egg` rewrites, both directions where a rule says so. A rule whose patterns do
/// not parse is a bug caught by the tests; it is left out here rather than panicking.
pub fn rewrites() -> Vec<Rewrite<Math, Folding>> {
    let mut rewrites = Vec::new();
    for rule in all() {
        let (Ok(from), Ok(to)) = (rule.from.parse::<Pattern<Math>>(), rule.to.parse::<Pattern<Math>>()) else {
            continue;
        };
        if let Ok(rewrite) = Rewrite::new(rule.name, from.clone(), to.clone()) {
            rewrites.push(rewrite);
        }
        if rule.both_ways
            && let Ok(rewrite) = Rewrite::new(format!("{}-reversed", rule.name), to, from)
        {
            rewrites.push(rewrite);
        }
    }
    rewrites
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use egg::{ENodeOrVar, Language, Var};

    use super::*;
    use crate::precise::Precise;
    use crate::program::run;
    use crate::search::extract::operation;
    use crate::search::judge::Random;

    /// The exact value of a pattern with its variables bound.
    fn evaluate(pattern: &Pattern<Math>, values: &HashMap<Var, Precise>) -> Precise {
        let nodes = pattern.ast.as_ref();
        let mut results: Vec<Precise> = Vec::with_capacity(nodes.len());
        for node in nodes {
            let value = match node {
                ENodeOrVar::Var(var) => values[var],
                ENodeOrVar::ENode(Math::Number(value)) => crate::constant::exact_rational(*value),
                ENodeOrVar::ENode(node) => {
                    let operands: Vec<Precise> =
                        node.children().iter().map(|child| results[usize::from(*child)]).collect();
                    let exponent = match node {
                        Math::Pow([_, exponent]) => match &nodes[usize::from(*exponent)] {
                            ENodeOrVar::ENode(Math::Number(value)) => Some(*value),
                            _ => None,
                        },
                        _ => None,
                    };
                    if operands.iter().any(Precise::is_nan) {
                        Precise::NAN
                    } else {
                        operation::<run::Exact>(node, &operands, exponent)
                    }
                }
            };
            results.push(value);
        }
        results.last().copied().unwrap_or(Precise::NAN)
    }

    /// Values the variables take: both signs, small and large, near the points where the rules'
    /// sides change (0, ±1).
    const VALUES: [f64; 14] = [-7.5, -2.7, -1.3, -1.0, -0.6, -0.05, 0.0, 0.03, 0.4, 0.9, 1.0, 1.7, 3.1, 12.5];

    fn close(a: &Precise, b: &Precise) -> bool {
        let scale = a.abs().to_f64().max(b.abs().to_f64()).max(1e-30);
        a.sub(b).abs().to_f64() <= 1e-25 * scale
    }

    #[test]
    fn every_rule_parses() {
        let directions: usize = all().map(|rule| if rule.both_ways { 2 } else { 1 }).sum();
        assert_eq!(rewrites().len(), directions);
        let mut names: Vec<&str> = all().map(|rule| rule.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all().count(), "rule names are unique");
    }

    /// Each rule, in each direction it applies, is an identity where both sides are defined, and
    /// its right side has no finite value wherever its left side is undefined (unless it is a
    /// constant): `\frac{a}{0} - \frac{b}{0}` and `\frac{a - b}{0}` are both undefined as real
    /// numbers, however 256-bit arithmetic rounds them.
    #[test]
    fn every_rule_is_an_identity_that_never_widens_the_domain() {
        let mut random = Random::new(20261208);
        let mut failures = Vec::new();
        for rule in all() {
            let from: Pattern<Math> = rule.from.parse().unwrap();
            let to: Pattern<Math> = rule.to.parse().unwrap();
            let directions = if rule.both_ways { vec![(&from, &to), (&to, &from)] } else { vec![(&from, &to)] };
            for (left, right) in directions {
                let variables = left.vars();
                let constant = right.vars().is_empty();
                let mut both_defined = 0;
                for _ in 0..400 {
                    let values: HashMap<Var, Precise> = variables
                        .iter()
                        .map(|&var| {
                            (var, Precise::from_f64(VALUES[(random.next_bits() % VALUES.len() as u64) as usize]))
                        })
                        .collect();
                    let (l, r) = (evaluate(left, &values), evaluate(right, &values));
                    if l.is_finite() && r.is_finite() {
                        both_defined += 1;
                        if !close(&l, &r) {
                            failures.push(format!("{}: {} vs {} at {values:?}", rule.name, l.to_f64(), r.to_f64()));
                        }
                    } else if l.is_nan() && r.is_finite() && !constant {
                        failures.push(format!("{}: {} → {} widens the domain at {values:?}", rule.name, left, right));
                    }
                }
                assert!(both_defined >= 20, "{}: both sides defined at only {both_defined} points", rule.name);
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
