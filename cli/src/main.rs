//! The `texgrad` command-line tool.
//!
//! - `texgrad` (no arguments): the built-in demo, formulas from the original notes parsed and
//!   printed in canonical form.
//! - `texgrad parse FORMULA`: the canonical LaTeX and the s-expression of a formula, or the
//!   rendered error on stderr with exit code 2 (`-` reads the formula from standard input).
//! - `texgrad diff FORMULA [--wrt NAME] [--format latex|text|rust] [--second] [--vjp DY]`: the
//!   simplified, stabilised derivative (or vector-Jacobian product).
//! - `texgrad accuracy`: the accuracy reports of the catalog and of the elementary functions.
//! - `texgrad accuracy FORMULA [--wrt NAME] [--at a=0.1] [--format text|json]`: a formula's
//!   value and derivatives measured in `f32` and `f64`, texgrad's form and as written.
//! - `texgrad eval FORMULA --at x=0.5 [--at a=0.1] [--derivative NAME]`: the value in f64.
//! - `texgrad analyze FORMULA [--wrt NAME] [--at a=0.1] [--format text|json]`: range, f(0),
//!   monotonicity, limits, saturation, dead zones, continuity.
//! - `texgrad plot NAME_OR_FORMULA -o FILE.svg|.png [--range -8,8]`: the function and its
//!   derivative on one chart.
//! - `texgrad notes -o DIR`: Markdown notes for the whole catalog, with charts and the original
//!   notes' mistakes.
//! - `texgrad emit FORMULA --name NAME [--input x] [--parameter alpha=1.0] [--loss]`: the Rust
//!   the macros generate for the definition, formatted.
//! - `texgrad check FORMULA --derivative CLAIM [--wrt NAME] [--at a=0.1]`: whether a claimed
//!   derivative is right (exit 0) or wrong (exit 1, with an input where it fails).

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(name = "texgrad", version, about = "LaTeX activation and loss functions with exact derivatives")]
struct Arguments {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Parse a formula and print its canonical LaTeX and s-expression.
    Parse {
        /// The formula, in LaTeX (quote it for the shell: 'f(x) = \frac{1}{1+e^{-x}}'); `-` reads
        /// it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
    },
    /// Differentiate a formula and print the simplified derivative.
    Diff {
        /// The formula, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        /// The input or parameter to differentiate with respect to (default: `x`, or the only
        /// name in the formula).
        #[arg(long)]
        wrt: Option<String>,
        /// Output syntax.
        #[arg(long, value_enum, default_value_t = cli::Format::Latex)]
        format: cli::Format,
        /// Differentiate twice.
        #[arg(long)]
        second: bool,
        /// For a vector output (`softmax`), print the vector-Jacobian product with the cotangent
        /// named here (`--vjp dy`) instead of the Jacobian.
        #[arg(long, value_name = "COTANGENT")]
        vjp: Option<String>,
    },
    /// Without a formula: measure the catalog and the elementary functions against the 50-digit
    /// references, print the reports and write them to docs/accuracy.md and docs/elementary.md
    /// (when run from the repository). With one: measure its value, first and second derivative
    /// in f32 and f64 over the input's whole range, in texgrad's form and as written.
    Accuracy {
        /// A scalar formula of one input, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: Option<String>,
        #[command(flatten)]
        options: ReportOptions,
    },
    /// Search for the accurate form of a formula (or of its derivative) and print it as LaTeX a
    /// person can paste (`cases` where it differs by input range) or as Rust, with its bits of
    /// error, and the formula's as written, in f32 and f64 over the input's whole range.
    Improve {
        /// A scalar formula of one input, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        /// Improve the first derivative instead of the value.
        #[arg(long)]
        derivative: bool,
        /// Output syntax of the form found.
        #[arg(long, value_enum, default_value_t = cli::Format::Latex)]
        format: cli::Format,
        /// The input (default: `x`, or the only name in the formula).
        #[arg(long)]
        wrt: Option<String>,
        /// A parameter's value: `alpha=1.5` (repeat for each parameter).
        #[arg(long = "at", value_name = "NAME=VALUE", allow_hyphen_values = true)]
        at: Vec<String>,
    },
    /// The function's character: range, f(0), monotonicity, limits of f and f' at ±∞,
    /// saturation, dead zones, continuity of f and f', each with how it is known.
    Analyze {
        /// A scalar formula of one input, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        #[command(flatten)]
        options: ReportOptions,
    },
    /// Draw a function and its derivative on one chart, as SVG or PNG.
    Plot {
        /// A catalog name (`gelu`) or a scalar formula of one input, in LaTeX; `-` reads it from
        /// standard input.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// The file to write: `.svg` or `.png`.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// The input (default: `x`, or the only name in the formula).
        #[arg(long)]
        wrt: Option<String>,
        /// A parameter's value: `alpha=1.5` (repeat for each parameter).
        #[arg(long = "at", value_name = "NAME=VALUE", allow_hyphen_values = true)]
        at: Vec<String>,
        /// The inputs shown: `-8,8` (default: [-5, 5], widened to show every kink).
        #[arg(long, value_name = "FROM,TO", allow_hyphen_values = true, value_parser = parse_range)]
        range: Option<(f64, f64)>,
    },
    /// Write Markdown notes for the whole catalog into a folder: per function the formula and
    /// its derivatives in LaTeX, the computed properties, a chart, the PyTorch equivalent, and
    /// where the original study notes were wrong.
    Notes {
        /// The folder to write (created if missing).
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Check a claimed derivative: exit code 0 if it is right, 1 with an input where it is
    /// wrong, 2 if the formula or the claim does not parse.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        /// The formula, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        /// The claimed derivative, in LaTeX; `f(x)` (or `f`) in it is the function itself.
        #[arg(long, allow_hyphen_values = true)]
        derivative: String,
        /// The input to differentiate with respect to (default: `x`, or the only name in the
        /// formula).
        #[arg(long)]
        wrt: Option<String>,
        /// A parameter's value: `a=0.01` (repeat for each parameter).
        #[arg(long = "at", value_name = "NAME=VALUE", allow_hyphen_values = true)]
        at: Vec<String>,
    },
    /// Print the Rust that `define_activation!` (or `define_loss!`) generates for a formula,
    /// formatted: for crates that cannot run proc-macros.
    Emit {
        /// The formula, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        /// The definition's name, a Rust identifier (`my_activation` gives `my_activation`,
        /// `my_activation_derivative`, ..., and the type `MyActivation`).
        #[arg(long)]
        name: String,
        /// An input, in order (repeat for a gate or a loss; default: `x`, or the only name that
        /// is not a parameter).
        #[arg(long = "input", value_name = "NAME")]
        inputs: Vec<String>,
        /// A parameter with its default: `alpha=1.0` (repeat for each parameter).
        #[arg(long = "parameter", value_name = "NAME=DEFAULT", allow_hyphen_values = true)]
        parameters: Vec<String>,
        /// Generate a loss (`define_loss!`) instead of an activation.
        #[arg(long)]
        loss: bool,
    },
    /// Evaluate a formula (or one of its derivatives) in f64.
    Eval {
        /// The formula, in LaTeX; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        formula: String,
        /// A value: `x=0.5` for a scalar, `z=1,2,3` for a vector (repeat for each name).
        #[arg(long = "at", value_name = "NAME=VALUE", allow_hyphen_values = true)]
        at: Vec<String>,
        /// Evaluate the derivative with respect to this name instead of the formula.
        #[arg(long)]
        derivative: Option<String>,
    },
}

/// What `accuracy` and `analyze` take beside the formula.
#[derive(Args)]
struct ReportOptions {
    /// The input (default: `x`, or the only name in the formula).
    #[arg(long)]
    wrt: Option<String>,
    /// A parameter's value: `alpha=1.5` (repeat for each parameter).
    #[arg(long = "at", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    at: Vec<String>,
    /// Output syntax.
    #[arg(long, value_enum, default_value_t = cli::ReportFormat::Text)]
    format: cli::ReportFormat,
}

/// The original notes' claims, two of them wrong, as examples of `texgrad check`.
const CHECK_EXAMPLES: &str = r#"Examples, from the notes this project grew from:
  texgrad check 'f(x) = \frac{1}{1+e^{-x}}' --derivative 'f(x) - (1 - f(x))'
      wrong (exit 1): the sigmoid's derivative is f(x)(1 - f(x))
  texgrad check 'f(x) = \frac{1}{1+e^{-x}}' --derivative 'f(x)(1 - f(x))'
      right (exit 0)
  texgrad check 'f(x) = \frac{x}{1 + |x|}' --derivative '\frac{1}{(1+x)^2}'
      wrong (exit 1) for x < 0: softsign's derivative is 1/(1+|x|)^2
  texgrad check 'f(x)=\frac{e^x-e^{-x}}{e^x+e^{-x}}' --derivative '1 - f(x)^2'
      right (exit 0)"#;

/// `-8,8` as the range `(-8, 8)`.
fn parse_range(text: &str) -> Result<(f64, f64), String> {
    let (from, to) = text.split_once(',').ok_or("write the range as FROM,TO: -8,8")?;
    let number = |text: &str| text.trim().parse::<f64>().map_err(|_| format!("`{text}` is not a number"));
    let (from, to) = (number(from)?, number(to)?);
    if from.is_finite() && to.is_finite() && from < to {
        Ok((from, to))
    } else {
        Err(format!("[{from}, {to}] is not a range"))
    }
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match arguments.command {
        None => cli::demo(),
        Some(Command::Parse { formula }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::parse(&formula),
            Err(code) => code,
        },
        Some(Command::Diff { formula, wrt, format, second, vjp }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::diff(&formula, wrt.as_deref(), format, second, vjp.as_deref()),
            Err(code) => code,
        },
        Some(Command::Accuracy { formula: None, .. }) => cli::accuracy(),
        Some(Command::Accuracy { formula: Some(formula), options: ReportOptions { wrt, at, format } }) => {
            match cli::formula_argument(formula) {
                Ok(formula) => cli::accuracy_of(&formula, wrt.as_deref(), &at, format),
                Err(code) => code,
            }
        }
        Some(Command::Improve { formula, derivative, format, wrt, at }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::improve(&formula, wrt.as_deref(), &at, derivative, format),
            Err(code) => code,
        },
        Some(Command::Analyze { formula, options: ReportOptions { wrt, at, format } }) => {
            match cli::formula_argument(formula) {
                Ok(formula) => cli::analyze(&formula, wrt.as_deref(), &at, format),
                Err(code) => code,
            }
        }
        Some(Command::Plot { target, output, wrt, at, range }) => match cli::formula_argument(target) {
            Ok(target) => cli::plot(&target, &output, wrt.as_deref(), &at, range),
            Err(code) => code,
        },
        Some(Command::Notes { output }) => cli::notes(&output),
        Some(Command::Check { formula, derivative, wrt, at }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::check(&formula, &derivative, wrt.as_deref(), &at),
            Err(code) => code,
        },
        Some(Command::Emit { formula, name, inputs, parameters, loss }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::emit(&formula, &name, &inputs, &parameters, loss),
            Err(code) => code,
        },
        Some(Command::Eval { formula, at, derivative }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::eval(&formula, &at, derivative.as_deref()),
            Err(code) => code,
        },
    }
}
