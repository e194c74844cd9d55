//! The command-line tool's commands, as functions that print and return the exit code.

pub mod notes;
pub mod plot;

use std::io::Read;
use std::process::ExitCode;

use std::collections::HashMap;

use texgrad::grammar::print;
use texgrad::symbolic::analysis::{Monotonicity, display_number};
use texgrad::symbolic::emit::EmitOptions;
use texgrad::symbolic::{Bindings, EngineError, Expression, check, generate, oracle};

/// `println!` that ends the program quietly when standard output is closed (`texgrad | head`),
/// instead of panicking as `println!` does.
macro_rules! say {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = writeln!(stdout, $($argument)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            let _ = writeln!(std::io::stderr(), "error: cannot write to standard output: {error}");
            std::process::exit(1);
        }
    }};
}

/// Exit code for a formula that texgrad refuses.
const REFUSED: u8 = 2;

/// A formula of the original notes (`shared/notes`), as its author meant it, with the
/// derivative the notes claim for it, if they claim one.
struct NotesEntry {
    name: &'static str,
    formula: &'static str,
    wrt: &'static str,
    /// The notes' claimed derivative, and whether it is right.
    claim: Option<(&'static str, bool)>,
}

const NOTES: &[NotesEntry] = &[
    NotesEntry {
        name: "sigmoid",
        formula: r"f(x)=\frac{1}{1+e^{-x}}",
        wrt: "x",
        claim: Some((r"f(x) - (1-f(x))", false)),
    },
    NotesEntry {
        name: "tanh",
        formula: r"f(x)=\frac{e^x-e^{-x}}{e^x+e^{-x}}",
        wrt: "x",
        claim: Some((r"1 - f(x)^2", true)),
    },
    NotesEntry {
        name: "softsign",
        formula: r"f(x) = \frac{x}{1 + |x|}",
        wrt: "x",
        claim: Some((r"\frac{1}{(1+x)^2}", false)),
    },
    NotesEntry {
        name: "relu",
        formula: r"f(x) = \begin{cases} 0, & x < 0 \\ x, & x \ge 0 \end{cases}",
        wrt: "x",
        claim: Some((r"\max(0,1)", false)),
    },
    NotesEntry {
        name: "leaky_relu",
        formula: r"f(x) = \begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
        wrt: "x",
        claim: Some((r"\begin{cases} 1, & x \ge 0 \\ a, & x < 0 \end{cases}", true)),
    },
    NotesEntry {
        name: "gelu",
        formula: r"\mathrm{GELU}(x) = x \cdot \Phi(x) = x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right]",
        wrt: "x",
        claim: None,
    },
    NotesEntry {
        name: "gelu_tanh",
        formula: r"\mathrm{GELU}(x) = \frac{x}{2} \left( 1 + \tanh \left( \sqrt{\frac{2}{\pi}} \left( x + 0.044715 x^{3} \right) \right) \right)",
        wrt: "x",
        claim: None,
    },
    NotesEntry { name: "swiglu", formula: r"a \sigma(a) b", wrt: "a", claim: None },
    NotesEntry {
        name: "elu",
        formula: r"\text{ELU}(x) = \begin{cases} x, & x \ge 0 \\ \alpha \left(e^x - 1\right), & x < 0 \end{cases}",
        wrt: "x",
        claim: None,
    },
    NotesEntry {
        name: "softmax",
        formula: r"\text{Softmax}(z_i) = \frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}",
        wrt: "z",
        claim: None,
    },
    NotesEntry { name: "mse", formula: r"L = \frac{1}{n}\sum_{i=1}^{n} (y_i-\hat{y}_i)^2", wrt: "y_hat", claim: None },
    NotesEntry {
        name: "cross_entropy",
        formula: r"L = -\sum_{i=1}^{n} y_i \log(\hat{y}_i)",
        wrt: "y_hat",
        claim: None,
    },
    NotesEntry {
        name: "cross_entropy_batch",
        formula: r"L = -\frac{1}{m}\sum_{k=1}^{m}\sum_{i=1}^{n} y_{k,i}\log(\hat{y}_{k,i})",
        wrt: "y_hat",
        claim: None,
    },
    NotesEntry { name: "kl_div", formula: r"D_{KL} = \sum_i p_i \log \frac{p_i}{q_i}", wrt: "q", claim: None },
];

/// Values for the parameters of the notes' formulas when a claim is checked.
fn notes_parameters() -> Bindings {
    Bindings::default().scalar("a", 0.01).scalar("alpha", 1.0)
}

/// `texgrad` with no arguments: the built-in catalog with its derivatives, then the notes'
/// formulas parsed, differentiated and checked, with a self-check over both.
pub fn demo() -> ExitCode {
    let mut failures = Vec::new();
    say!("texgrad: the built-in scalar activations at a glance\n");
    if !catalog_table() {
        failures.push("the catalog table");
    }
    say!("texgrad: the built-in catalog ({} definitions)\n", texgrad::catalog().len());
    for info in texgrad::catalog() {
        say!("{} ({:?}, inputs: {})", info.name, info.kind, info.inputs.join(", "));
        say!("  formula:     {}", info.formula);
        if !info.parameters.is_empty() {
            let parameters: Vec<String> =
                info.parameters.iter().map(|(name, value)| format!("{name} = {value}")).collect();
            say!("  parameters:  {}", parameters.join(", "));
        }
        say!("  computes:    {}", info.latex);
        for (label, latex) in info.derivatives {
            say!("  {label}: {latex}");
            // Self-check: every printed derivative reads back as a formula.
            if Expression::parse(latex).is_err() {
                say!("  SELF-CHECK FAILED: the derivative above does not parse back");
                failures.push(info.name);
            }
        }
        say!();
    }
    say!("texgrad: the formulas of the original notes, parsed, differentiated and checked\n");
    for entry in NOTES {
        say!("{}", entry.name);
        say!("  written:     {}", entry.formula);
        if let Err(problem) = demo_entry(entry) {
            say!("  SELF-CHECK FAILED: {problem}");
            failures.push(entry.name);
        }
        say!();
    }
    say!(
        "self-check: {} of {} catalog entries and notes' formulas parse, round-trip, differentiate and judge the notes' claims correctly",
        texgrad::catalog().len() + NOTES.len() - failures.len(),
        texgrad::catalog().len() + NOTES.len()
    );
    if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn demo_entry(entry: &NotesEntry) -> Result<(), String> {
    let parsed = texgrad::parse(entry.formula).map_err(|error| error.render(entry.formula))?;
    let canonical = print::formula_latex(&parsed);
    say!("  canonical:   {canonical}");
    if texgrad::parse(&canonical).as_ref() != Ok(&parsed) {
        return Err("the canonical form does not parse back to the same formula".to_owned());
    }
    let expression = Expression::parse(entry.formula).map_err(|error| error.render(entry.formula))?;
    let vector_output = !expression.free_indices().is_empty();
    let derivative = if vector_output {
        expression.vector_jacobian_product(entry.wrt, "dy")
    } else {
        expression.derivative(entry.wrt)
    }
    .map_err(|error| error.render(entry.formula))?;
    let label = if vector_output { format!("VJP (d/d{}_k):", entry.wrt) } else { format!("d/d{}:", entry.wrt) };
    say!("  {label:<12} {}", derivative.latex());
    if Expression::parse(&derivative.latex()).is_err() {
        return Err("the printed derivative does not parse back".to_owned());
    }
    if let Some((claim, right)) = entry.claim {
        let verdict = check::check_derivative_claim(&expression, entry.wrt, claim, &notes_parameters());
        match &verdict {
            Ok(()) => say!("  notes claim: {claim}: right"),
            Err(error) => say!("  notes claim: {claim}: wrong: {}", error.message),
        }
        if verdict.is_ok() != right {
            return Err(format!(
                "the notes' claim {claim} is {}, but texgrad judged otherwise",
                if right { "right" } else { "wrong" }
            ));
        }
    }
    Ok(())
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
            say!("{}", print::formula_latex(&parsed));
            say!("{}", print::formula_sexpr(&parsed));
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
pub fn diff(argument: &str, wrt: Option<&str>, format: Format, second: bool, vjp: Option<&str>) -> ExitCode {
    let (formula, _) = target(argument);
    let result = parse_formula(formula).and_then(|expression| {
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
            say!("{}", printed.trim_end());
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
pub fn eval(argument: &str, at: &[String], derivative: Option<&str>) -> ExitCode {
    let (formula, defaults) = target(argument);
    let result = (|| {
        let mut bindings = defaults;
        for text in at {
            bindings = binding(bindings, text)?;
        }
        let mut expression = parse_formula(formula)?;
        if let Some(wrt) = derivative {
            expression = expression.derivative(wrt)?;
        }
        // A scalar formula is computed in the form the oracle measures most accurate along its
        // input, as the macros compute it.
        let scalars = expression.names().0;
        let input = derivative.map(str::to_owned).or_else(|| match scalars.len() {
            1 => scalars.first().cloned(),
            _ => None,
        });
        if let Some(input) = input
            && expression.names().1.is_empty()
        {
            expression.choose_form(&input, &bindings);
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
            say!("{}", values.join(" "));
            ExitCode::SUCCESS
        }
        Err(error) => refuse(formula, &error),
    }
}

/// `texgrad accuracy`: the reports on the catalog and on the elementary functions on standard
/// output, and in `docs/accuracy.md` and `docs/elementary.md` when the repository's `docs/`
/// folder is here.
pub fn accuracy() -> ExitCode {
    let catalog = texgrad_accuracy::report();
    let elementary = texgrad_accuracy::elementary::report();
    let mut failed = false;
    for (markdown, violations, file) in [
        (&catalog.markdown, &catalog.violations, "docs/accuracy.md"),
        (&elementary.markdown, &elementary.violations, "docs/elementary.md"),
    ] {
        say!("{markdown}");
        for violation in violations {
            say!("outside the bounds: {violation}");
        }
        failed |= !violations.is_empty();
        // The repository's docs/, beside this package's folder.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
        if path.parent().is_some_and(std::path::Path::is_dir) {
            if let Err(error) = std::fs::write(&path, markdown) {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
            say!("written to {}", path.display());
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Output syntax of `texgrad accuracy FORMULA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// One quantity of `texgrad accuracy FORMULA` (the value, a derivative) in the engine's form
/// and as written.
struct Quantity {
    name: &'static str,
    latex: String,
    engine: Option<oracle::Measurement>,
    as_written: Option<oracle::Measurement>,
}

/// `texgrad accuracy FORMULA`: the value, the first and the second derivative with respect to
/// the input, each in the form texgrad computes and as written (the value as the formula is
/// written, the derivatives as differentiation gives them, without the stabiliser), measured
/// in `f32` and `f64` against the exact value at every sample of the input's range.
pub fn accuracy_of(argument: &str, wrt: Option<&str>, at: &[String], format: ReportFormat) -> ExitCode {
    let (formula, defaults) = target(argument);
    let result = (|| -> Result<(String, Vec<Quantity>), EngineError> {
        let mut bindings = defaults;
        for text in at {
            bindings = binding(bindings, text)?;
        }
        let expression = parse_formula(formula)?;
        let (scalars, vectors) = expression.names();
        if !vectors.is_empty() {
            return Err(EngineError::new("texgrad accuracy measures scalar formulas of one input")
                .with_hint("the catalog's vector functions and losses are in `texgrad accuracy` without a formula"));
        }
        let input = default_wrt(&expression, wrt)?;
        if let Some(unbound) = scalars.iter().find(|name| **name != input && !bindings.scalars.contains_key(*name)) {
            return Err(EngineError::new(format!("`{unbound}` needs a value"))
                .with_hint(format!("add --at {unbound}=VALUE; the input `{input}` runs over its whole range")));
        }
        let first = expression.derivative(&input)?;
        let second = first.derivative(&input)?;
        let naive_first = expression.naive_derivative(&input)?;
        let naive_second = naive_first.naive_derivative(&input)?;
        let mut quantities = Vec::new();
        for (name, engine, written) in [
            ("value", &expression, Some((&expression, expression.written()))),
            ("derivative", &first, Some((&naive_first, Some(naive_first.computed())))),
            ("second derivative", &second, Some((&naive_second, Some(naive_second.computed())))),
        ] {
            let mut engine = engine.clone();
            engine.choose_form(&input, &bindings);
            let (graph, root) = engine.graph();
            let engine_measurement =
                oracle::report(graph, &[engine.computed(), root], &input, &bindings).into_iter().next().flatten();
            // The form as written, measured against the same exact values where it shares the
            // graph (the value), else against its own.
            let as_written = match written {
                Some((written, Some(form))) => {
                    let (graph, root) = written.graph();
                    oracle::report(graph, &[form, root], &input, &bindings).into_iter().next().flatten()
                }
                _ => None,
            };
            quantities.push(Quantity { name, latex: engine.latex(), engine: engine_measurement, as_written });
        }
        Ok((input, quantities))
    })();
    let (input, quantities) = match result {
        Ok(result) => result,
        Err(error) => return refuse(formula, &error),
    };
    match format {
        ReportFormat::Text => {
            say!(
                "Errors in ULP of the exact value over the whole range of `{input}` (median / maximum, and the worst input), texgrad's form and the formula as written:"
            );
            say!("");
            say!("| quantity | form | f32 | f32 worst at | f64 | f64 worst at |");
            say!("|---|---|---|---|---|---|");
            for quantity in &quantities {
                for (label, measurement) in [("texgrad", &quantity.engine), ("as written", &quantity.as_written)] {
                    match measurement {
                        Some(measurement) => say!(
                            "| {} | {label} | {} | {} | {} | {} |",
                            quantity.name,
                            errors_cell(&measurement.single),
                            worst_cell(&measurement.single),
                            errors_cell(&measurement.double),
                            worst_cell(&measurement.double)
                        ),
                        None => say!("| {} | {label} | — | — | — | — |", quantity.name),
                    }
                }
            }
            say!("");
            for quantity in &quantities {
                say!("{}: {}", quantity.name, quantity.latex);
            }
        }
        ReportFormat::Json => {
            let errors = |errors: &oracle::Errors| {
                serde_json::json!({
                    "median_ulp": finite_or_null(errors.median),
                    "max_ulp": finite_or_null(errors.max),
                    "worst_inputs": errors.worst_inputs.iter().map(|(x, error)| serde_json::json!({"x": x, "ulp": finite_or_null(*error)})).collect::<Vec<_>>(),
                    "non_finite": errors.non_finite,
                    "points": errors.points,
                })
            };
            let measurement = |measurement: &Option<oracle::Measurement>| match measurement {
                Some(measurement) => {
                    serde_json::json!({"f32": errors(&measurement.single), "f64": errors(&measurement.double)})
                }
                None => serde_json::Value::Null,
            };
            let report = serde_json::json!({
                "formula": formula,
                "input": input,
                "quantities": quantities.iter().map(|quantity| serde_json::json!({
                    "quantity": quantity.name,
                    "latex": quantity.latex,
                    "texgrad": measurement(&quantity.engine),
                    "as_written": measurement(&quantity.as_written),
                })).collect::<Vec<_>>(),
            });
            say!("{report:#}");
        }
    }
    ExitCode::SUCCESS
}

/// JSON has no infinity: an infinite error (a NaN or infinity where the value is finite) is
/// `null`.
fn finite_or_null(value: f64) -> serde_json::Value {
    if value.is_finite() { serde_json::json!(value) } else { serde_json::Value::Null }
}

fn ulp_figure(value: f64) -> String {
    if value.is_infinite() {
        "∞".to_owned()
    } else if value >= 1e4 {
        format!("{value:.1e}")
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn errors_cell(errors: &oracle::Errors) -> String {
    let non_finite = if errors.non_finite > 0 { format!(" ({} non-finite)", errors.non_finite) } else { String::new() };
    format!("{} / {}{non_finite}", ulp_figure(errors.median), ulp_figure(errors.max))
}

fn worst_cell(errors: &oracle::Errors) -> String {
    if errors.max == 0.0 { "—".to_owned() } else { format!("{:e}", errors.worst) }
}

/// `texgrad check FORMULA --derivative CLAIM`: whether `CLAIM` (where `f(x)` is the function) is
/// the derivative of `FORMULA` with respect to `wrt`, compared on both sides of every kink. Exit
/// code 0 when it is, 1 with the input where it is not (and the true derivative), 2 when the
/// formula, the claim or a value does not parse.
pub fn check(argument: &str, claim: &str, wrt: Option<&str>, at: &[String]) -> ExitCode {
    let (formula, mut bindings) = target(argument);
    for text in at {
        bindings = match binding(bindings, text) {
            Ok(bindings) => bindings,
            Err(error) => return refuse(text, &error),
        };
    }
    let (expression, input) = match parse_formula(formula).and_then(|expression| {
        let input = default_wrt(&expression, wrt)?;
        Ok((expression, input))
    }) {
        Ok(parsed) => parsed,
        Err(error) => return refuse(formula, &error),
    };
    match check::judge_derivative_claim(&expression, &input, claim, &bindings) {
        Ok(check::Verdict::Right { points }) => {
            say!(
                "right: {claim} is the derivative with respect to {input} (compared at {points} points, on both sides of every kink)"
            );
            ExitCode::SUCCESS
        }
        Ok(check::Verdict::Wrong { at, claimed, derivative, truth }) => {
            say!("wrong: at {input} = {at}, the claim gives {claimed} but the derivative is {derivative}");
            say!("the derivative is {truth}");
            ExitCode::from(1)
        }
        Err(error) => refuse(claim, &error),
    }
}

/// `texgrad emit FORMULA --name NAME`: the Rust that `define_activation!` (or, with `loss`,
/// `define_loss!`) generates for the definition, formatted, for crates that cannot run
/// proc-macros. The code calls the runtime through `::texgrad::__private`, like the macros'.
pub fn emit(formula: &str, name: &str, inputs: &[String], parameters: &[String], loss: bool) -> ExitCode {
    if syn::parse_str::<syn::Ident>(name).is_err() || name.starts_with("r#") {
        return refuse(
            name,
            &EngineError::new(format!("`{name}` is not a Rust identifier"))
                .with_hint("name the definition like a Rust function: --name my_activation"),
        );
    }
    let mut declared = Vec::new();
    for text in parameters {
        let parsed = text.split_once('=').and_then(|(parameter, value)| {
            let value: f64 = value.trim().parse().ok().filter(|value: &f64| value.is_finite())?;
            Some((parameter.trim().to_owned(), value))
        });
        match parsed {
            Some(parameter) => declared.push(parameter),
            None => {
                let error = EngineError::new(format!("`{text}` is not a parameter with a default"))
                    .with_hint("write --parameter alpha=1.0");
                return refuse(text, &error);
            }
        }
    }
    let inputs = if !inputs.is_empty() {
        inputs.to_vec()
    } else if loss {
        let error = EngineError::new("a loss needs its inputs named, the prediction first")
            .with_hint("add --input y_hat --input y");
        return refuse(formula, &error);
    } else {
        // The input: `x`, or the only name that is not a declared parameter.
        let expression = match Expression::parse(formula) {
            Ok(expression) => expression,
            Err(error) => return refuse(formula, &error),
        };
        let (scalars, vectors) = expression.names();
        let mut names: Vec<String> = scalars
            .into_iter()
            .chain(vectors.into_keys())
            .filter(|name| !declared.iter().any(|(parameter, _)| parameter == name))
            .collect();
        names.sort();
        match names.as_slice() {
            [only] => vec![only.clone()],
            _ if names.iter().any(|name| name == "x") => vec!["x".to_owned()],
            _ => {
                let error = EngineError::new("say which names are the inputs").with_hint(format!(
                    "add --input for each input, --parameter NAME=DEFAULT for the others: {}",
                    names.join(", ")
                ));
                return refuse(formula, &error);
            }
        }
    };
    let definition = generate::Definition {
        name: name.to_owned(),
        attributes: proc_macro2::TokenStream::new(),
        visibility: quote::quote!(pub),
        inputs,
        parameters: declared,
        formula: formula.to_owned(),
        claim: None,
    };
    let flavor = if loss { generate::Flavor::Loss } else { generate::Flavor::Activation };
    let options = EmitOptions { float_trait: quote::quote!(::texgrad::__private::Float), ..EmitOptions::default() };
    let (tokens, failures) = generate::generate(flavor, &[definition], &options);
    if let Some(failure) = failures.first() {
        let text = match failure.place {
            generate::Place::Formula => formula,
            _ => name,
        };
        return refuse(text, &failure.error);
    }
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => {
            let one_line = formula.split_whitespace().collect::<Vec<_>>().join(" ");
            let kind = if loss { "loss" } else { "activation" };
            say!("// Generated by `texgrad emit` from `{one_line}`: what `define_{kind}!` expands to.");
            say!("// It needs the `texgrad` crate, which it calls through `::texgrad::__private`.\n");
            say!("{}", prettyplease::unparse(&file));
            ExitCode::SUCCESS
        }
        Err(error) => {
            refuse(formula, &EngineError::new(format!("internal error: the generated code does not parse: {error}")))
        }
    }
}

/// `texgrad analyze FORMULA`: the function's character (range, f(0), monotonicity, limits,
/// saturation, dead zones, continuity of f and f'), each with how it is known.
pub fn analyze(argument: &str, wrt: Option<&str>, at: &[String], format: ReportFormat) -> ExitCode {
    let (formula, defaults) = target(argument);
    let result = (|| {
        let mut bindings = defaults;
        for text in at {
            bindings = binding(bindings, text)?;
        }
        let expression = parse_formula(formula)?;
        let input = default_wrt(&expression, wrt)?;
        let analysis = texgrad::symbolic::analysis::analyze(&expression, &input, &bindings)?;
        Ok::<_, EngineError>((input, analysis))
    })();
    let (input, analysis) = match result {
        Ok(done) => done,
        Err(error) => return refuse(formula, &error),
    };
    let number = |value: Option<f64>| value.map_or("none".to_owned(), display_number);
    let zones: Vec<String> = analysis
        .dead_zones
        .iter()
        .map(|&(start, end)| format!("({}, {})", number(Some(start)), number(Some(end))))
        .collect();
    let points = |points: &[f64]| points.iter().map(|&x| number(Some(x))).collect::<Vec<_>>().join(", ");
    let (left, right) = analysis.saturating();
    let saturating = match (left, right) {
        (true, true) => "both sides",
        (true, false) => "at -∞ only",
        (false, true) => "at +∞ only",
        (false, false) => "no",
    };
    let monotone = analysis.monotonicity.to_string();
    let defined = if analysis.domain.is_empty() {
        "everywhere".to_owned()
    } else {
        format!("where {}", analysis.domain.join(" and "))
    };
    let rows: Vec<(&str, String, &str)> = vec![
        ("defined", defined, "exact"),
        ("range", analysis.range_text(), analysis.range_certainty()),
        ("f(0)", number(analysis.at_zero), "exact"),
        ("monotone", monotone, analysis.monotonicity_certainty()),
        ("zero-centred", if analysis.zero_centred() { "yes" } else { "no" }.to_owned(), "sampled"),
        ("f at -∞, +∞", format!("{}, {}", number(analysis.limits.0), number(analysis.limits.1)), "sampled"),
        (
            "f' at -∞, +∞",
            format!("{}, {}", number(analysis.derivative_limits.0), number(analysis.derivative_limits.1)),
            "sampled",
        ),
        ("saturating", saturating.to_owned(), "sampled"),
        (
            "dead zone",
            if zones.is_empty() { "none".to_owned() } else { zones.join(", ") },
            analysis.dead_zones_certainty(),
        ),
        (
            "continuous",
            if analysis.discontinuities.is_empty() {
                "yes".to_owned()
            } else {
                format!("no: jumps at {}", points(&analysis.discontinuities))
            },
            "sampled",
        ),
        (
            "smooth (f' continuous)",
            if analysis.smooth() {
                "yes".to_owned()
            } else {
                format!("no: f' jumps at {}", points(&analysis.derivative_jumps))
            },
            "sampled",
        ),
    ];
    match format {
        ReportFormat::Text => {
            say!("{formula}, as a function of {input}:");
            for (name, value, certainty) in &rows {
                say!("  {name:<24}{value:<28}{certainty}");
            }
            say!(
                "sampled: true at every decade of both signs up to 1e300, every 0.05 over [-30, 30] and both sides of every kink, not proved between them; limits and poles from values far beyond (to 2^(2^40)) and close to them."
            );
        }
        ReportFormat::Json => {
            let mut object = serde_json::Map::new();
            object.insert("formula".into(), formula.into());
            object.insert("input".into(), input.into());
            for (name, value, certainty) in &rows {
                object.insert((*name).into(), serde_json::json!({ "value": value, "certainty": certainty }));
            }
            say!("{}", serde_json::Value::Object(object));
        }
    }
    ExitCode::SUCCESS
}

/// One row of the main job's table: a scalar activation's character and self-check.
struct CatalogRow {
    name: &'static str,
    formula: String,
    derivative: String,
    cells: Vec<String>,
    /// The largest relative disagreement between the derivative and central differences.
    self_check: f64,
}

/// The largest relative disagreement between `derivative` and central differences of
/// `expression` over [-5, 5] (away from kinks, where differences straddle them).
fn numeric_disagreement(expression: &Expression, derivative: &Expression, input: &str, bindings: &Bindings) -> f64 {
    let kinks = texgrad::symbolic::check::sample_points(expression.graph().0, expression.graph().1);
    // Without a program there is no point to compare, as where no value is finite.
    let (Ok(values), Ok(slopes)) = (expression.compiled(), derivative.compiled()) else { return 0.0 };
    let value = |x: f64| values.at(&bindings.clone().scalar(input, x)).unwrap_or(f64::NAN);
    let mut worst = 0f64;
    for step in -20..=20 {
        let x = f64::from(step) * 0.25 + 0.013;
        let h = 1e-5;
        if kinks.iter().any(|&kink| (kink - x).abs() < 2.0 * h) {
            continue;
        }
        let numeric = (value(x + h) - value(x - h)) / (2.0 * h);
        let Ok(exact) = slopes.at(&bindings.clone().scalar(input, x)) else { continue };
        if numeric.is_finite() && exact.is_finite() {
            worst = worst.max((numeric - exact).abs() / exact.abs().max(1.0));
        }
    }
    worst
}

/// A catalog definition's parameters bound to their defaults.
pub(crate) fn parameter_defaults(info: &texgrad::Info) -> Bindings {
    info.parameters.iter().fold(Bindings::default(), |bindings, (name, value)| bindings.scalar(name, *value))
}

/// The catalog definition a command's argument names (`gelu`, `log_cosh`, `GELU`), if it is a
/// name rather than a formula: as inside formulas, where `\operatorname{gelu}` calls it.
fn catalog_entry(argument: &str) -> Option<&'static texgrad::Info> {
    let name = argument.trim();
    texgrad::catalog().iter().find(|info| info.name.eq_ignore_ascii_case(name))
}

/// What a command works on: a catalog name's formula with its parameters at their defaults,
/// or the formula itself with nothing bound.
fn target(argument: &str) -> (&str, Bindings) {
    match catalog_entry(argument) {
        Some(info) => (info.formula, parameter_defaults(info)),
        None => (argument, Bindings::default()),
    }
}

/// A formula parsed with the catalog's callable definitions (as [`Expression::parse`] does)
/// and its losses and vector activations known by name, so that calling one says what it is.
fn parse_formula(formula: &str) -> Result<Expression, EngineError> {
    let not_callable = texgrad::catalog().iter().filter_map(|info| match info.kind {
        texgrad::Kind::Loss => Some((info.name, "loss over vectors")),
        texgrad::Kind::Vector => Some((info.name, "vector activation")),
        texgrad::Kind::Scalar | texgrad::Kind::Gate => None,
    });
    let context = texgrad::grammar::Context::default().with_not_callable(not_callable);
    Expression::parse_with(formula, &context, &texgrad::symbolic::lower::Scope::default())
}

fn catalog_row(info: &texgrad::Info) -> Result<CatalogRow, EngineError> {
    let input = info.inputs[0];
    let bindings = parameter_defaults(info);
    let expression = Expression::parse(info.formula)?;
    let derivative = expression.derivative(input)?;
    let analysis = texgrad::symbolic::analysis::analyze(&expression, input, &bindings)?;
    let saturating = match analysis.saturating() {
        (true, true) => "both",
        (true, false) => "left",
        (false, true) => "right",
        (false, false) => "no",
    };
    // The column is headed "monotone": "no" rather than "neither".
    let monotone = match analysis.monotonicity {
        Monotonicity::Neither => "no".to_owned(),
        monotonicity => monotonicity.to_string(),
    };
    let zones: Vec<String> = analysis
        .dead_zones
        .iter()
        .map(|&(start, end)| format!("({}, {})", display_number(start), display_number(end)))
        .collect();
    let yes_no = |value: bool| if value { "yes" } else { "no" }.to_owned();
    let proved = |text: String, proved: bool| if proved { format!("{text} †") } else { text };
    Ok(CatalogRow {
        name: info.name,
        formula: expression.text(),
        derivative: derivative.text(),
        cells: vec![
            proved(analysis.range_text(), analysis.range_certainty() != "sampled"),
            analysis.at_zero.map_or("—".to_owned(), display_number),
            proved(monotone, analysis.monotonicity_proved),
            yes_no(analysis.zero_centred()),
            saturating.to_owned(),
            if zones.is_empty() { "none".to_owned() } else { proved(zones.join(" "), analysis.dead_zones_proved) },
            yes_no(analysis.smooth()),
        ],
        self_check: numeric_disagreement(&expression, &derivative, input, &bindings),
    })
}

/// The table of the catalog's scalar activations that the main job opens with; whether every
/// self-check passed.
fn catalog_table() -> bool {
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    let mut passed = true;
    let rows: Vec<Result<CatalogRow, (String, EngineError)>> = texgrad::catalog()
        .iter()
        .filter(|info| info.kind == texgrad::Kind::Scalar)
        .map(|info| catalog_row(info).map_err(|error| (info.name.to_owned(), error)))
        .collect();
    let shorten = |text: &str, width: usize| {
        if text.chars().count() <= width {
            text.to_owned()
        } else {
            format!("{}…", text.chars().take(width - 1).collect::<String>())
        }
    };
    let header = [
        "name",
        "f(x)",
        "f'(x)",
        "range",
        "f(0)",
        "monotone",
        "zero-centred",
        "saturating",
        "dead zone",
        "smooth",
        "self-check",
    ];
    // The formula columns give way to a narrow terminal (`COLUMNS`), down to 12 characters.
    let formula_width = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse::<usize>().ok())
        .map_or(30, |columns| columns.saturating_sub(130).div_ceil(2).clamp(12, 30));
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|cell| (*cell).to_owned()).collect()];
    for row in &rows {
        match row {
            Ok(row) => {
                let check = row.self_check < 1e-6;
                passed &= check;
                let mut cells = vec![
                    row.name.to_owned(),
                    shorten(&row.formula, formula_width),
                    shorten(&row.derivative, formula_width),
                ];
                cells.extend(row.cells.iter().cloned());
                cells.push(format!("{} {:.0e}", if check { "ok" } else { "FAILED" }, row.self_check));
                table.push(cells);
            }
            Err((name, error)) => {
                passed = false;
                table.push(vec![name.clone(), format!("analysis failed: {}", error.message)]);
            }
        }
    }
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            table.iter().filter_map(|row| row.get(column)).map(|cell| cell.chars().count()).max().unwrap_or(0)
        })
        .collect();
    for (position, row) in table.iter().enumerate() {
        let line: Vec<String> =
            row.iter().enumerate().map(|(column, cell)| format!("{cell:<width$}", width = widths[column])).collect();
        let line = line.join("  ").trim_end().to_owned();
        if position == 0 && terminal {
            say!("\x1b[1m{line}\x1b[0m");
        } else {
            say!("{line}");
        }
    }
    say!(
        "\nrange, monotone, zero-centred, saturating (f' → 0 at ±∞), dead zone (f' = 0 on an interval) and smooth (f' continuous) are computed by the engine at samples (texgrad analyze); † proved by interval arithmetic (the range's finite bounds, the sign of f', f' = 0 on the dead zones); self-check: the largest relative gap between f' and central differences over [-5, 5].\n"
    );
    passed
}

/// `texgrad plot NAME_OR_FORMULA -o FILE.svg|.png`: the function and its derivative on one
/// chart. A catalog name takes the catalog's formula and parameter defaults.
pub fn plot(
    target: &str,
    output: &std::path::Path,
    wrt: Option<&str>,
    at: &[String],
    range: Option<(f64, f64)>,
) -> ExitCode {
    let info = catalog_entry(target).filter(|info| info.kind == texgrad::Kind::Scalar);
    let formula = info.map_or(target, |info| info.formula);
    let mut bindings = info.map_or_else(Bindings::default, parameter_defaults);
    for text in at {
        bindings = match binding(bindings, text) {
            Ok(bindings) => bindings,
            Err(error) => return refuse(text, &error),
        };
    }
    let result = (|| {
        let expression = parse_formula(formula)?;
        if !expression.names().1.is_empty() || !expression.free_indices().is_empty() {
            return Err(EngineError::new("texgrad plot draws scalar functions of one input, not vectors"));
        }
        let input = default_wrt(&expression, wrt.or(info.map(|info| info.inputs[0])))?;
        let derivative = expression.derivative(&input)?;
        let chart = plot::Chart {
            title: info.map_or(formula, |info| info.name),
            expression: &expression,
            derivative: &derivative,
            input: &input,
            bindings: &bindings,
            range,
        };
        plot::draw(&chart, output)
    })();
    match result {
        Ok(()) => {
            say!("wrote {}", output.display());
            ExitCode::SUCCESS
        }
        Err(error) => refuse(formula, &error),
    }
}

/// `texgrad notes -o DIR`: the notes for the whole catalog, corrected.
pub fn notes(directory: &std::path::Path) -> ExitCode {
    match notes::write(directory) {
        Ok(pages) => {
            say!("wrote {pages} pages and their charts into {}", directory.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", error.message);
            ExitCode::from(REFUSED)
        }
    }
}

/// `texgrad improve FORMULA`: the accurate form the engine computes (the search's, where it
/// found one the oracle keeps), as LaTeX, plain text or Rust, with bits of error before and
/// after.
pub fn improve(argument: &str, wrt: Option<&str>, at: &[String], derivative: bool, format: Format) -> ExitCode {
    let (formula, defaults) = target(argument);
    let result = (|| -> Result<(), EngineError> {
        let mut bindings = defaults;
        for text in at {
            bindings = binding(bindings, text)?;
        }
        let expression = parse_formula(formula)?;
        if !expression.names().1.is_empty() {
            return Err(EngineError::new("texgrad improve searches scalar formulas of one input"));
        }
        let input = default_wrt(&expression, wrt)?;
        let scalars = expression.names().0;
        if let Some(unbound) = scalars.iter().find(|name| **name != input && !bindings.scalars.contains_key(*name)) {
            return Err(EngineError::new(format!("`{unbound}` needs a value"))
                .with_hint(format!("add --at {unbound}=VALUE; the input `{input}` runs over its whole range")));
        }
        let (mut improved, written) = if derivative {
            (expression.derivative(&input)?, Some(expression.naive_derivative(&input)?))
        } else {
            (expression.clone(), None)
        };
        improved.choose_form(&input, &bindings);
        let (after, written_bits) = improved.bits_of_error(&input, &bindings);
        let before = match &written {
            // The derivative as differentiation gives it, without the stabiliser or the search.
            Some(naive) => {
                let (graph, root) = naive.graph();
                texgrad::symbolic::search::bits(graph, &[root], &[root], &input, &bindings)[0]
            }
            None => written_bits,
        };
        let bits = |bits: Option<texgrad::symbolic::search::Bits>| match bits {
            Some(bits) => format!(
                "f32 {:.2} average, {:.1} max; f64 {:.2} average, {:.1} max",
                bits.single.0, bits.single.1, bits.double.0, bits.double.1
            ),
            None => "not measured".to_owned(),
        };
        say!("% bits of error over the whole range of `{input}` (average and maximum):");
        say!("%   as written: {}", bits(before));
        say!("%   texgrad:    {}", bits(after));
        match format {
            Format::Latex => say!("{}", improved.computed_latex()),
            Format::Text => say!("{}", improved.computed_text()),
            Format::Rust => {
                let name = if derivative { format!("derivative_wrt_{input}") } else { "value".to_owned() };
                let tokens = improved.rust_function(&name, std::slice::from_ref(&input), &[], &Default::default())?;
                let file = syn::parse2::<syn::File>(tokens).map_err(|error| {
                    EngineError::new(format!("internal error: generated code does not parse: {error}"))
                })?;
                say!("{}", prettyplease::unparse(&file));
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => refuse(formula, &error),
    }
}
