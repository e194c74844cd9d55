//! `texgrad notes -o DIR`: the study notes this project grew from, regenerated for the whole
//! catalog and corrected: per function the formula and its derivatives in LaTeX, the computed
//! analysis, a chart, the PyTorch equivalent, and where the original notes were wrong.

use std::fmt::Write as _;
use std::path::Path;

use texgrad::symbolic::analysis::{self, Analysis};
use texgrad::symbolic::{Bindings, EngineError, Expression, check};

use super::plot;

/// What the original notes (`shared/notes`, in Chinese) state about a function: the derivative
/// they claim and the range they give.
pub struct Stated {
    /// The catalog name.
    pub name: &'static str,
    /// The claimed derivative, `f(x)` being the function.
    pub derivative: Option<&'static str>,
    /// The range, as the notes write it.
    pub range: Option<&'static str>,
}

/// The notes' statements, as written there (ranges in texgrad's notation: `(0, ∞)` for
/// `(0,+00)`).
pub const STATED: &[Stated] = &[
    Stated { name: "sigmoid", derivative: Some(r"f(x) - (1-f(x))"), range: Some("(0, 1)") },
    Stated { name: "tanh", derivative: Some(r"1 - f(x)^2"), range: Some("(0, 1)") },
    Stated { name: "softsign", derivative: Some(r"\frac{1}{(1+x)^2}"), range: Some("(-1, 1)") },
    Stated { name: "relu", derivative: Some(r"\max(0,1)"), range: Some("(0, ∞)") },
    Stated { name: "leaky_relu", derivative: None, range: Some("(-∞, ∞)") },
];

/// The PyTorch call that computes the same function (`F` is `torch.nn.functional`).
fn pytorch(name: &str) -> Option<&'static str> {
    Some(match name {
        "sigmoid" => "torch.sigmoid(x)",
        "tanh" => "torch.tanh(x)",
        "softsign" => "F.softsign(x)",
        "relu" => "F.relu(x)",
        "leaky_relu" => "F.leaky_relu(x, negative_slope=a)",
        "prelu" => "F.prelu(x, torch.tensor([a]))",
        "elu" => "F.elu(x, alpha=alpha)",
        "gelu" => "F.gelu(x)",
        "gelu_tanh" => "F.gelu(x, approximate=\"tanh\")",
        "silu" => "F.silu(x)",
        "swish" => "x * torch.sigmoid(beta * x)",
        "mish" => "F.mish(x)",
        "softplus" => "F.softplus(x, beta=beta)",
        "selu" => "F.selu(x)",
        "celu" => "F.celu(x, alpha=alpha)",
        "relu6" => "F.relu6(x)",
        "hardtanh" => "F.hardtanh(x, min_val, max_val)",
        "hardsigmoid" => "F.hardsigmoid(x)",
        "hardswish" => "F.hardswish(x)",
        "log_sigmoid" => "F.logsigmoid(x)",
        "tanhshrink" => "F.tanhshrink(x)",
        "softshrink" => "F.softshrink(x, lambd=lambda_)",
        "hardshrink" => "F.hardshrink(x, lambd=lambda_)",
        "swiglu" => "F.silu(a) * b",
        "glu" => "F.glu(torch.cat([a, b], dim=-1), dim=-1)",
        "geglu" => "F.gelu(a) * b",
        "reglu" => "F.relu(a) * b",
        "softmax" => "F.softmax(z, dim=-1)",
        "log_softmax" => "F.log_softmax(z, dim=-1)",
        "softmin" => "F.softmin(z, dim=-1)",
        "mse" => "F.mse_loss(y_hat, y)",
        "l1" => "F.l1_loss(y_hat, y)",
        "l2" => "F.mse_loss(y_hat, y, reduction=\"sum\")",
        "cross_entropy" => "-(y * y_hat.log()).sum()",
        "cross_entropy_batch" => "-(y * y_hat.log()).sum(dim=-1).mean()",
        "kl_div" => "F.kl_div(q.log(), p, reduction=\"sum\")",
        "cross_entropy_logits" => "F.cross_entropy(z, y, reduction=\"sum\")",
        "bce" => "F.binary_cross_entropy(y_hat, y)",
        "bce_logits" => "F.binary_cross_entropy_with_logits(z, y)",
        "huber" => "F.huber_loss(y_hat, y, delta=delta)",
        "smooth_l1" => "F.smooth_l1_loss(y_hat, y, beta=beta)",
        "log_cosh" => "torch.log(torch.cosh(y_hat - y)).mean()",
        "poisson_nll" => "F.poisson_nll_loss(y_hat, y, log_input=True)",
        "hinge" => "torch.clamp(1 - y * y_hat, min=0).mean()",
        "soft_margin" => "F.soft_margin_loss(y_hat, y)",
        _ => return None,
    })
}

/// Write the notes into `directory`: `README.md` (the index) and, per definition, `NAME.md`,
/// and `NAME.svg` for scalar functions. Returns how many pages were written.
pub fn write(directory: &Path) -> Result<usize, EngineError> {
    let failed =
        |error: std::io::Error| EngineError::new(format!("cannot write into {}: {error}", directory.display()));
    std::fs::create_dir_all(directory).map_err(failed)?;
    let mut index = String::from(
        "# Activation and loss functions, computed\n\nEvery formula, derivative, range and property below is computed by texgrad (`texgrad notes`), \
         not copied; where the original study notes said otherwise, the page says so.\n\n\
         | function | kind | range | monotone | zero-centred | saturating | smooth |\n|---|---|---|---|---|---|---|\n",
    );
    let mut pages = 0;
    for info in texgrad::catalog() {
        let (page, analysis) = page(info, directory)?;
        std::fs::write(directory.join(format!("{}.md", info.name)), page).map_err(failed)?;
        pages += 1;
        let cells = analysis.map_or_else(
            || vec!["—".to_owned(); 5],
            |analysis| {
                let (left, right) = analysis.saturating();
                vec![
                    analysis.range_text(),
                    analysis.monotonicity.to_string(),
                    yes_no(analysis.zero_centred()),
                    match (left, right) {
                        (true, true) => "both sides".to_owned(),
                        (true, false) => "at -∞".to_owned(),
                        (false, true) => "at +∞".to_owned(),
                        (false, false) => "no".to_owned(),
                    },
                    yes_no(analysis.smooth()),
                ]
            },
        );
        let _ = writeln!(index, "| [{0}]({0}.md) | {1:?} | {2} |", info.name, info.kind, cells.join(" | "));
    }
    std::fs::write(directory.join("README.md"), index).map_err(failed)?;
    Ok(pages)
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// One definition's page, and its analysis if it is a scalar function.
fn page(info: &texgrad::Info, directory: &Path) -> Result<(String, Option<Analysis>), EngineError> {
    let mut text = String::new();
    let _ = writeln!(text, "# {}\n", info.name);
    let _ = writeln!(text, "$$\n{}\n$$\n", info.formula);
    if info.latex != info.formula {
        let _ = writeln!(text, "computed by texgrad as\n\n$$\n{}\n$$\n", info.latex);
    }
    if !info.parameters.is_empty() {
        let parameters: Vec<String> =
            info.parameters.iter().map(|(name, value)| format!("`{name}` = {value}")).collect();
        let _ = writeln!(text, "Parameters (defaults): {}.\n", parameters.join(", "));
    }
    let _ = writeln!(text, "## Derivatives\n");
    for (label, latex) in info.derivatives {
        let _ = writeln!(text, "{}:\n\n$$\n{latex}\n$$\n", label.replace('_', " "));
    }
    if let Some(call) = pytorch(info.name) {
        let _ = writeln!(text, "## In PyTorch\n\n```python\n{call}\n```\n");
    }
    let mut analysis = None;
    if info.kind == texgrad::Kind::Scalar {
        let input = info.inputs[0];
        let bindings = super::parameter_defaults(info);
        let expression = Expression::parse(info.formula)?;
        let derivative = expression.derivative(input)?;
        let chart = plot::Chart {
            title: info.name,
            expression: &expression,
            derivative: &derivative,
            input,
            bindings: &bindings,
            range: None,
        };
        plot::draw(&chart, &directory.join(format!("{}.svg", info.name)))?;
        let _ = writeln!(text, "## Chart\n\n![{0} and its derivative]({0}.svg)\n", info.name);
        let found = analysis::analyze(&expression, input, &bindings)?;
        text.push_str(&properties(&found));
        text.push_str(&corrections(info.name, &expression, input, &bindings, &found));
        analysis = Some(found);
    }
    Ok((text, analysis))
}

/// The analysis as a table.
fn properties(analysis: &Analysis) -> String {
    let number = |value: Option<f64>| value.map_or("none".to_owned(), analysis::display_number);
    let zones: Vec<String> = analysis.dead_zones.iter().map(|(start, end)| format!("({start}, {end})")).collect();
    let (left, right) = analysis.saturating();
    let mut text = String::from(
        "## Properties\n\nComputed by the engine (`texgrad analyze`) at samples to 256 bits, not proved between them, except where marked proved by interval arithmetic.\n\n| property | value |\n|---|---|\n",
    );
    let rows = [
        ("range", format!("{} ({})", analysis.range_text(), analysis.range_certainty())),
        ("f(0)", number(analysis.at_zero)),
        ("monotone", format!("{} ({})", analysis.monotonicity, analysis.monotonicity_certainty())),
        ("zero-centred", yes_no(analysis.zero_centred())),
        ("f at -∞, +∞", format!("{}, {}", number(analysis.limits.0), number(analysis.limits.1))),
        ("f' at -∞, +∞", format!("{}, {}", number(analysis.derivative_limits.0), number(analysis.derivative_limits.1))),
        ("vanishing gradient at -∞, +∞", format!("{}, {}", yes_no(left), yes_no(right))),
        (
            "dead zone (f' = 0)",
            if zones.is_empty() {
                "none".to_owned()
            } else {
                format!("{} ({})", zones.join(", ").replace("inf", "∞"), analysis.dead_zones_certainty())
            },
        ),
        ("f' continuous", yes_no(analysis.smooth())),
    ];
    for (name, value) in rows {
        let _ = writeln!(text, "| {name} | {value} |");
    }
    text.push('\n');
    text
}

/// What the original notes stated about `name`, checked.
fn corrections(name: &str, expression: &Expression, input: &str, bindings: &Bindings, analysis: &Analysis) -> String {
    let Some(stated) = STATED.iter().find(|stated| stated.name == name) else { return String::new() };
    let mut text = String::from("## The original notes\n\n");
    if let Some(claim) = stated.derivative {
        let verdict = match check::judge_derivative_claim(expression, input, claim, bindings) {
            Ok(check::Verdict::Right { .. }) => "right".to_owned(),
            Ok(check::Verdict::Wrong { at, claimed, derivative, truth }) => format!(
                "**wrong**: at {input} = {at} it gives {claimed}, the derivative is {derivative}; the derivative is $`{truth}`$"
            ),
            Err(error) => format!("could not be checked: {}", error.message),
        };
        let _ = writeln!(text, "- The notes give the derivative $`{claim}`$: {verdict}.");
    }
    if let Some(range) = stated.range {
        let computed = analysis.range_text();
        let verdict = if computed == range { "right".to_owned() } else { format!("**wrong**: it is {computed}") };
        let _ = writeln!(text, "- The notes give the range {range}: {verdict}.");
    }
    text.push('\n');
    text
}
