//! The command-line tool's commands, as functions that print and return the exit code.

use std::io::Read;
use std::process::ExitCode;

use std::collections::HashMap;

use texgrad::grammar::print;
use texgrad::symbolic::{Bindings, EngineError, Expression};

/// Exit code for a formula that texgrad refuses.
const REFUSED: u8 = 2;

/// The formulas of the original notes (`shared/notes`), as their author meant them.
const NOTES: &[(&str, &str)] = &[
    ("sigmoid", r"f(x)=\frac{1}{1+e^{-x}}"),
    ("tanh", r"f(x)=\frac{e^x-e^{-x}}{e^x+e^{-x}}"),
    ("softsign", r"f(x) = \frac{x}{1 + |x|}"),
    ("relu", r"f(x) = \begin{cases} 0, & x < 0 \\ x, & x \ge 0 \end{cases}"),
    ("relu (max form)", r"f(x) = \max(0, x)"),
    ("leaky_relu", r"f(x) = \begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}"),
    (
        "gelu",
        r"\mathrm{GELU}(x) = x \cdot \Phi(x) = x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right]",
    ),
    (
        "gelu_tanh",
        r"\mathrm{GELU}(x) = \frac{x}{2} \left( 1 + \tanh \left( \sqrt{\frac{2}{\pi}} \left( x + 0.044715 x^{3} \right) \right) \right)",
    ),
    ("swiglu", r"a \sigma(a) b"),
    ("elu", r"\text{ELU}(x) = \begin{cases} x, & x \ge 0 \\ \alpha \left(e^x - 1\right), & x < 0 \end{cases}"),
    ("softmax", r"\text{Softmax}(z_i) = \frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}"),
    ("mse", r"L = \frac{1}{n}\sum_{i=1}^{n} (y_i-\hat{y}_i)^2"),
    ("cross_entropy", r"L = -\sum_{i=1}^{n} y_i \log(\hat{y}_i)"),
    ("cross_entropy_batch", r"L = -\frac{1}{m}\sum_{k=1}^{m}\sum_{i=1}^{n} y_{k,i}\log(\hat{y}_{k,i})"),
    ("kl_div", r"D_{KL} = \sum_i p_i \log \frac{p_i}{q_i}"),
];

/// `texgrad` with no arguments: the notes' formulas, parsed and printed canonically.
pub fn demo() -> ExitCode {
    println!("texgrad: the formulas of the original notes, parsed\n");
    let mut failures = 0;
    for (name, formula) in NOTES {
        println!("{name}");
        println!("  written:   {formula}");
        match texgrad::parse(formula) {
            Ok(parsed) => {
                println!("  canonical: {}", print::formula_latex(&parsed));
                println!("  s-expr:    {}", print::formula_sexpr(&parsed));
                let reparsed = texgrad::parse(&print::formula_latex(&parsed));
                if reparsed.as_ref() != Ok(&parsed) {
                    failures += 1;
                    println!("  self-check FAILED: the canonical form does not parse back to the same formula");
                }
            }
            Err(error) => {
                failures += 1;
                println!("  refused:   {}", error.render(formula).replace('\n', "\n             "));
            }
        }
        println!();
    }
    println!(
        "self-check: {} of {} formulas parse and round-trip through the canonical printer",
        NOTES.len() - failures,
        NOTES.len()
    );
    if failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The formula a command was given: the argument itself, or standard input for `-`.
pub fn formula_argument(argument: String) -> Result<String, ExitCode> {
    if argument != "-" {
        return Ok(argument);
    }
    let mut formula = String::new();
    match std::io::stdin().read_to_string(&mut formula) {
        Ok(_) => Ok(formula.trim_end_matches(['\n', '\r']).to_owned()),
        Err(error) => {
            eprintln!("error: cannot read the formula from standard input: {error}");
            Err(ExitCode::from(REFUSED))
        }
    }
}

/// `texgrad parse FORMULA`.
pub fn parse(formula: &str) -> ExitCode {
    match texgrad::parse(formula) {
        Ok(parsed) => {
            println!("{}", print::formula_latex(&parsed));
            println!("{}", print::formula_sexpr(&parsed));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", error.render(formula));
            ExitCode::from(REFUSED)
        }
    }
}

/// Output syntax of `texgrad diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// LaTeX in the formula language (texgrad parses it back).
    Latex,
    /// Plain text.
    Text,
    /// A generic Rust function over `texgrad::Float`.
    Rust,
}

fn refuse(formula: &str, error: &EngineError) -> ExitCode {
    eprintln!("error: {}", error.render(formula));
    ExitCode::from(REFUSED)
}

/// The name to differentiate with respect to: the one given, else `x`, else the only name.
fn default_wrt(expression: &Expression, wrt: Option<&str>) -> Result<String, EngineError> {
    if let Some(wrt) = wrt {
        return Ok(wrt.to_owned());
    }
    let (scalars, vectors) = expression.names();
    let mut names: Vec<String> = scalars.into_iter().chain(vectors.into_keys()).collect();
    names.sort();
    if names.iter().any(|name| name == "x") {
        return Ok("x".to_owned());
    }
    match names.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(EngineError::new("the formula has no inputs to differentiate with respect to")),
        _ => Err(EngineError::new("say which name to differentiate with respect to")
            .with_hint(format!("add --wrt with one of: {}", names.join(", ")))),
    }
}

/// `texgrad diff FORMULA`.
pub fn diff(formula: &str, wrt: Option<&str>, format: Format, second: bool, vjp: Option<&str>) -> ExitCode {
    let result = Expression::parse(formula).and_then(|expression| {
        let wrt = default_wrt(&expression, wrt)?;
        let mut derivative = match vjp {
            Some(cotangent) => expression.vector_jacobian_product(&wrt, cotangent)?,
            None => expression.derivative(&wrt)?,
        };
        if second {
            derivative = derivative.derivative(&wrt)?;
        }
        Ok(match format {
            Format::Latex => derivative.latex(),
            Format::Text => derivative.text(),
            Format::Rust => rust_source(&expression, &derivative, &wrt)?,
        })
    });
    match result {
        Ok(printed) => {
            println!("{}", printed.trim_end());
            ExitCode::SUCCESS
        }
        Err(error) => refuse(formula, &error),
    }
}

/// The derivative as a formatted Rust function of the formula's names.
fn rust_source(expression: &Expression, derivative: &Expression, wrt: &str) -> Result<String, EngineError> {
    let arguments: Vec<String> = expression.names().0.into_iter().collect();
    let name = format!("derivative_wrt_{wrt}");
    let tokens = derivative.rust_function(&name, &arguments, &[], &Default::default())?;
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|error| EngineError::new(format!("internal error: generated code does not parse: {error}")))?;
    Ok(prettyplease::unparse(&file))
}

/// `name=0.5` or `name=1,2,3`.
fn binding(bindings: Bindings, text: &str) -> Result<Bindings, EngineError> {
    let hint = "write --at x=0.5 for a scalar, --at z=1,2,3 for a vector";
    let (name, values) =
        text.split_once('=').ok_or_else(|| EngineError::new(format!("`{text}` is not NAME=VALUE")).with_hint(hint))?;
    let values: Vec<f64> =
        values.split(',').map(|value| value.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
            EngineError::new(format!("`{values}` is not a number or a list of numbers")).with_hint(hint)
        })?;
    let name = name.trim();
    Ok(if text.contains(',') { bindings.vector(name, values) } else { bindings.scalar(name, values[0]) })
}

/// `texgrad eval FORMULA --at x=0.5`.
pub fn eval(formula: &str, at: &[String], derivative: Option<&str>) -> ExitCode {
    let result = (|| {
        let mut bindings = Bindings::default();
        for text in at {
            bindings = binding(bindings, text)?;
        }
        let mut expression = Expression::parse(formula)?;
        if let Some(wrt) = derivative {
            expression = expression.derivative(wrt)?;
        }
        let free = expression.free_indices();
        match free.as_slice() {
            [] => Ok(vec![expression.evaluate(&bindings)?]),
            [index] => {
                let length = bindings.vectors.values().map(Vec::len).max().unwrap_or(0);
                (0..length)
                    .map(|position| expression.evaluate_at(&bindings, &HashMap::from([(*index, position)])))
                    .collect()
            }
            _ => Err(EngineError::new("texgrad eval prints scalars and vectors, not matrices")),
        }
    })();
    match result {
        Ok(values) => {
            let values: Vec<String> = values.iter().map(|value| format!("{value:e}")).collect();
            println!("{}", values.join(" "));
            ExitCode::SUCCESS
        }
        Err(error) => refuse(formula, &error),
    }
}
