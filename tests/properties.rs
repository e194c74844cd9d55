//! Property tests: random ASTs round-trip through the printer and the parser, and the parser
//! returns (never panics) on arbitrary strings and on random mutations of corpus formulas.

#[path = "common/reproducible.rs"]
mod reproducible;

use proptest::prelude::*;
use texgrad::grammar::ast::{
    BinaryOp, Case, Condition, Constant, Expr, ExprKind, Formula, Head, IndexRange, Number, Relation, Variable,
};
use texgrad::grammar::names::FUNCTIONS;
use texgrad::grammar::print;
use texgrad::{Context, parse_with};

const CASES: u32 = 10_000;

/// Definitions the random trees may call by name.
fn context() -> Context {
    Context::default().with_functions(["gelu", "relu6"])
}

fn variable() -> impl Strategy<Value = Variable> {
    let names = prop::sample::select(vec![
        "x",
        "a",
        "z",
        "alpha",
        "lambda",
        "Gamma",
        "y_hat",
        "x_bar",
        "beta_tilde",
        "beta_1",
        "x_0",
        "D_KL",
        "scale",
        "negative_slope",
        "y_1_hat",
        "sigma",
    ]);
    let indices = prop::sample::select(vec![vec![], vec!['i'], vec!['j'], vec!['k', 'i']]);
    (names, indices).prop_map(|(name, indices)| Variable { name: name.to_owned(), indices })
}

fn leaf() -> impl Strategy<Value = Expr> {
    let number = prop::sample::select(vec!["0", "1", "2", "0.5", "0.044715", "1e-3", "2.5e+4", ".5", "10"])
        .prop_map(|text| ExprKind::Number(Number { text: text.to_owned() }));
    let constant = prop::sample::select(vec![Constant::E, Constant::Pi]).prop_map(ExprKind::Constant);
    prop_oneof![number, constant, variable().prop_map(ExprKind::Variable)].prop_map(Expr::new)
}

fn relation() -> impl Strategy<Value = Relation> {
    prop::sample::select(vec![
        Relation::Less,
        Relation::LessEqual,
        Relation::Greater,
        Relation::GreaterEqual,
        Relation::Equal,
        Relation::NotEqual,
    ])
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 3, |inner| {
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
        let reference = (prop::sample::select(vec!["gelu", "relu6"]), inner.clone())
            .prop_map(|(name, argument)| ExprKind::Reference { name: name.to_owned(), arguments: vec![argument] });
        let condition = prop_oneof![
            1 => Just(Condition::Otherwise),
            3 => (inner.clone(), prop::collection::vec((relation(), inner.clone()), 1..3))
                .prop_map(|(first, rest)| Condition::Chain { first, rest }),
        ];
        let cases = prop::collection::vec((inner.clone(), condition), 1..4).prop_map(|rows| {
            ExprKind::Cases(rows.into_iter().map(|(value, condition)| Case { value, condition }).collect())
        });
        let sum = (
            prop::sample::select(vec!['i', 'j', 'k']),
            prop::sample::select(vec![IndexRange::Unwritten, IndexRange::Columns, IndexRange::Rows]),
            boxed(),
        )
            .prop_map(|(index, range, body)| ExprKind::Sum { index, range, body });
        prop_oneof![
            boxed().prop_map(ExprKind::Negate),
            binary,
            (boxed(), boxed()).prop_map(|(base, exponent)| ExprKind::Power { base, exponent }),
            (boxed(), boxed()).prop_map(|(degree, radicand)| ExprKind::Root { degree, radicand }),
            call,
            reference,
            boxed().prop_map(ExprKind::Abs),
            cases,
            sum,
        ]
        .prop_map(Expr::new)
    })
}

fn formula() -> impl Strategy<Value = Formula> {
    let head = (
        prop::sample::select(vec!["f", "L", "GELU", "D_KL", "y_hat"]),
        prop::collection::vec(variable(), 0..3),
        0usize..2,
    )
        .prop_map(|(name, arguments, primes)| Head {
            name: name.to_owned(),
            primes,
            arguments,
            span: Default::default(),
        });
    prop_oneof![
        expr().prop_map(|body| Formula { head: None, forms: vec![body] }),
        (head, prop::collection::vec(expr(), 1..3)).prop_map(|(head, forms)| Formula { head: Some(head), forms }),
    ]
}

/// Tokens of the language and its usual mistakes, for strings that get past the first character.
const TOKENS: &[&str] = &[
    "x",
    "y_i",
    "2",
    "0.5",
    "e",
    "\\pi",
    "\\alpha",
    "\\sigma",
    "+",
    "-",
    "*",
    "/",
    "^",
    "_",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "|",
    "\\{",
    "\\}",
    ",",
    "&",
    "=",
    "<",
    "\\le",
    "\\\\",
    "\\ ",
    " ",
    "'",
    "\\frac",
    "\\sqrt",
    "\\sum",
    "\\sum_{i=1}^{n}",
    "\\tanh",
    "\\log",
    "\\log_2",
    "\\max",
    "\\operatorname{erf}",
    "\\text{",
    "\\text{otherwise}",
    "\\begin{cases}",
    "\\end{cases}",
    "\\left(",
    "\\right)",
    "\\left|",
    "\\right|",
    "\\cdot",
    "\\hat{y}",
    "\\,",
    "\\approx",
    "$",
    "\\left.",
    "é",
    "\u{2019}",
    "\\lvert",
    "\\rvert",
    "\\mathbf",
    "1e-3",
];

/// The property every input must have: a value, never a panic; an error's span inside the
/// formula and renderable; an accepted formula printing to text that parses back to it.
fn check_any_input(formula: &str) -> Result<(), TestCaseError> {
    let context = context();
    match parse_with(formula, &context) {
        Ok(parsed) => {
            let canonical = print::formula_latex(&parsed);
            let reparsed = parse_with(&canonical, &context);
            prop_assert_eq!(reparsed.as_ref().ok(), Some(&parsed), "`{}` printed as `{}`", formula, canonical);
        }
        Err(error) => {
            prop_assert!(
                error.span.start <= error.span.end && error.span.end <= formula.len(),
                "span {:?} of `{}`",
                error.span,
                formula
            );
            prop_assert!(formula.is_char_boundary(error.span.start) && formula.is_char_boundary(error.span.end));
            let rendered = error.render(formula);
            prop_assert!(rendered.contains('^'), "no caret in {}", rendered);
        }
    }
    Ok(())
}

fn corpus_formulas() -> Vec<String> {
    include_str!("corpus/accepted.txt")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(" | ").map(|(_, formula)| formula.to_owned()))
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, length: usize },
    Insert { at: usize, token: &'static str },
    Duplicate { at: usize, length: usize },
    Swap { at: usize },
}

fn mutate(formula: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = formula.chars().collect();
    for mutation in mutations {
        let len = chars.len().max(1);
        match *mutation {
            Mutation::Delete { at, length } => {
                let at = at % len;
                let end = (at + length).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            Mutation::Insert { at, token } => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, token.chars());
            }
            Mutation::Duplicate { at, length } => {
                let at = at % len;
                let end = (at + length).min(chars.len());
                let slice: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(at..at, slice);
            }
            Mutation::Swap { at } => {
                if chars.len() >= 2 {
                    let at = at % (chars.len() - 1);
                    chars.swap(at, at + 1);
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..6).prop_map(|(at, length)| Mutation::Delete { at, length }),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), 1usize..8).prop_map(|(at, length)| Mutation::Duplicate { at, length }),
        any::<usize>().prop_map(|at| Mutation::Swap { at }),
    ]
}

proptest! {
    #![proptest_config(reproducible::config(CASES, 20_261_130))]

    #[test]
    fn random_asts_round_trip(formula in formula()) {
        let canonical = print::formula_latex(&formula);
        let parsed = parse_with(&canonical, &context());
        prop_assert!(parsed.is_ok(), "`{}` refused: {}", canonical, parsed.as_ref().err().map(|e| e.render(&canonical)).unwrap_or_default());
        prop_assert_eq!(parsed.ok(), Some(formula), "`{}`", canonical);
    }

    #[test]
    fn arbitrary_strings_never_panic(formula in any::<String>()) {
        check_any_input(&formula)?;
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
        check_any_input(&tokens.concat())?;
    }

    #[test]
    fn mutated_corpus_formulas_never_panic(
        index in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let corpus = corpus_formulas();
        let formula = mutate(index.get::<String>(&corpus), &mutations);
        check_any_input(&formula)?;
    }
}
