//! The `texgrad` command-line tool.
//!
//! - `texgrad` (no arguments): the built-in demo, formulas from the original notes parsed and
//!   printed in canonical form.
//! - `texgrad parse FORMULA`: the canonical LaTeX and the s-expression of a formula, or the
//!   rendered error on stderr with exit code 2 (`-` reads the formula from standard input).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match arguments.command {
        None => cli::demo(),
        Some(Command::Parse { formula }) => match cli::formula_argument(formula) {
            Ok(formula) => cli::parse(&formula),
            Err(code) => code,
        },
    }
}
