//! Every printer on random formulas, not only on the catalog: for formulas over the whole
//! function table and over the unstable families, the LaTeX texgrad prints (the parser's
//! canonical form, the engine's formula, first and second derivative) parses back to the same
//! function, and the plain text is written without a bracket too few. The LaTeX is also written
//! to `target/katex-random.txt`, which `.ci/run` renders with KaTeX in strict mode
//! (`scripts/katex/check.mjs`): what KaTeX refuses (`\sin\left^{2}(x\right)`) fails CI.

#[path = "common/formulas.rs"]
mod formulas;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use texgrad::grammar::print;
use texgrad::symbolic::{Bindings, Expression};

/// How many formulas of each kind.
const FORMULAS: usize = 400;

fn sample<S: Strategy>(strategy: S, seed: u8) -> Vec<S::Value> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    (0..FORMULAS).filter_map(|_| Some(strategy.new_tree(&mut runner).ok()?.current())).collect()
}

/// The formulas of both generators, as LaTeX.
fn formulas() -> Vec<String> {
    let mut all: Vec<String> = sample(formulas::any_formula(), 1).iter().map(print::latex).collect();
    all.extend(sample(formulas::unstable_formula(), 2).into_iter().map(|(formula, _)| formula));
    all
}

/// Whether two evaluations agree: the same infinity, or within a relative 1e-9.
fn agree(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// `printed` parses back to a function that agrees with `expression` at a few inputs.
fn parses_back(printed: &str, expression: &Expression, what: &str) {
    let reparsed = Expression::parse(printed)
        .unwrap_or_else(|error| panic!("{what}: texgrad does not read back `{printed}`: {}", error.render(printed)));
    for x in [0.3, -1.7, 2.5, 11.0] {
        let bindings = Bindings::default().scalar("x", x);
        let (Ok(original), Ok(again)) = (expression.evaluate(&bindings), reparsed.evaluate(&bindings)) else {
            continue;
        };
        // A derivative printed alone does not say where its function is undefined (`\frac{1}{x}`
        // for `\ln x`, NaN for x < 0): the two agree where the original is defined.
        if original.is_nan() {
            continue;
        }
        assert!(agree(original, again), "{what}: `{printed}` is {again} at x = {x}, the formula {original}");
    }
}

#[test]
fn printed_formulas_parse_back_and_are_written_for_katex() {
    let mut printed = Vec::new();
    let mut checked = 0;
    for formula in formulas() {
        let Ok(expression) = Expression::parse(&formula) else { continue };
        if !expression.names().0.contains("x") {
            continue;
        }
        let Ok(parsed) = texgrad::grammar::parse(&formula) else { continue };
        printed.push(print::formula_latex(&parsed));
        let mut forms = vec![("formula", expression.clone())];
        if let Ok(first) = expression.derivative("x") {
            if let Ok(second) = first.derivative("x") {
                forms.push(("second derivative", second));
            }
            forms.push(("derivative", first));
        }
        for (what, form) in &forms {
            let latex = form.latex();
            parses_back(&latex, form, &format!("{formula}, {what}"));
            printed.push(latex);
        }
        checked += 1;
    }
    assert!(checked >= FORMULAS, "only {checked} formulas parsed");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/katex-random.txt");
    std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/target")).expect("target/ can be created");
    std::fs::write(path, printed.join("\n") + "\n").expect("target/katex-random.txt can be written");
}

/// The reported case: a power of a function whose argument is tall.
#[test]
fn a_power_of_a_function_of_a_tall_argument_is_valid_latex() {
    let expression = Expression::parse(r"\frac{1 - \cos x}{x^2}").unwrap();
    let latex = expression.latex();
    assert!(latex.contains(r"\sin^{2}\left(\frac{x}{2}\right)"), "{latex}");
    parses_back(&latex, &expression, "1 - cos");
}
