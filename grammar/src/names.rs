//! The one table of names the language knows: functions, Greek letters, constants and the
//! structural commands, with the words used to suggest the nearest name on a typo.
//!
//! The grammar (`formula.pest`) recognises the same function spellings; a test checks that the
//! two agree, so a function added here and not there (or the reverse) is caught.

use crate::ast::{Constant, Function};

/// How a function is written and how many arguments it takes.
#[derive(Clone, Copy, Debug)]
pub struct FunctionInfo {
    /// The function.
    pub function: Function,
    /// The LaTeX commands without the backslash (`tanh` for `\tanh`), canonical first.
    pub commands: &'static [&'static str],
    /// The words accepted inside `\operatorname{..}`, `\text{..}` and `\mathrm{..}`, lower case
    /// (matching is case-insensitive).
    pub words: &'static [&'static str],
    /// Number of arguments.
    pub arity: usize,
    /// The name in s-expressions and plain text.
    pub name: &'static str,
}

macro_rules! functions {
    ($($function:ident, [$($command:literal),*], [$($word:literal),*], $arity:literal, $name:literal;)*) => {
        /// Every built-in function of SPEC section 2, once.
        pub const FUNCTIONS: &[FunctionInfo] = &[
            $(FunctionInfo {
                function: Function::$function,
                commands: &[$($command),*],
                words: &[$($word),*],
                arity: $arity,
                name: $name,
            },)*
        ];
    };
}

functions! {
    Exp,      ["exp"],    ["exp"], 1, "exp";
    Ln,       ["ln", "log"],     ["ln", "log"], 1, "ln";
    Log2,     [],           [], 1, "log2";
    Log10,    [],           [], 1, "log10";
    Sqrt,     ["sqrt"],   ["sqrt"], 1, "sqrt";
    Sin,      ["sin"],    ["sin"], 1, "sin";
    Cos,      ["cos"],    ["cos"], 1, "cos";
    Tan,      ["tan"],    ["tan"], 1, "tan";
    Sinh,     ["sinh"],   ["sinh"], 1, "sinh";
    Cosh,     ["cosh"],   ["cosh"], 1, "cosh";
    Tanh,     ["tanh"],   ["tanh"], 1, "tanh";
    Arctan,   ["arctan"], ["arctan"], 1, "arctan";
    Arcsin,   ["arcsin"], ["arcsin"], 1, "arcsin";
    Arccos,   ["arccos"], ["arccos"], 1, "arccos";
    Erf,      [],           ["erf"], 1, "erf";
    Erfc,     [],           ["erfc"], 1, "erfc";
    Phi,      ["Phi"],    [], 1, "Phi";
    Sigmoid,  ["sigma"],  ["sigmoid"], 1, "sigmoid";
    Softplus, [],           ["softplus"], 1, "softplus";
    Sign,     ["sgn"],    ["sign", "sgn"], 1, "sign";
    Max,      ["max"],    ["max"], 2, "max";
    Min,      ["min"],    ["min"], 2, "min";
}

/// The table entry of a function.
pub fn function_info(function: Function) -> &'static FunctionInfo {
    FUNCTIONS.iter().find(|info| info.function == function).expect("every Function variant has a row in FUNCTIONS")
}

/// The function written as the command `\name`.
pub fn function_by_command(command: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|info| info.commands.contains(&command))
}

/// The function written as a word in `\operatorname{..}` and friends (case-insensitive).
pub fn function_by_word(word: &str) -> Option<&'static FunctionInfo> {
    let word = word.to_ascii_lowercase();
    FUNCTIONS.iter().find(|info| info.words.contains(&word.as_str()))
}

/// Greek letters usable as names; `\sigma` is also the logistic function unless declared.
pub const GREEK: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "varrho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Upsilon",
    "Psi",
    "Omega",
];

/// Constants written as commands.
pub fn constant_by_command(command: &str) -> Option<Constant> {
    match command {
        "pi" => Some(Constant::Pi),
        _ => None,
    }
}

/// Commands with a structure of their own, and how to write them when the structure is broken.
pub const STRUCTURAL: &[(&str, &str)] = &[
    ("frac", r"\frac{a}{b}"),
    ("dfrac", r"\dfrac{a}{b}"),
    ("tfrac", r"\tfrac{a}{b}"),
    ("sqrt", r"\sqrt{x} or \sqrt[3]{x}"),
    ("sum", r"\sum_{i=1}^{n} x_i or \sum_i x_i"),
    ("begin", r"\begin{cases} x, & x \ge 0 \\ 0, & x < 0 \end{cases}"),
    ("text", r"\text{name}"),
    ("textrm", r"\textrm{name}"),
    ("mathrm", r"\mathrm{name}"),
    ("operatorname", r"\operatorname{name}"),
    ("hat", r"\hat{y}"),
    ("widehat", r"\widehat{y}"),
    ("bar", r"\bar{x}"),
    ("overline", r"\overline{x}"),
    ("tilde", r"\tilde{x}"),
    ("widetilde", r"\widetilde{x}"),
    ("mathbf", r"\mathbf{z}"),
    ("boldsymbol", r"\boldsymbol{z}"),
    ("left", r"\left( x \right)"),
    ("lvert", r"\lvert x \rvert"),
];

/// Every command the language knows, for "did you mean" suggestions.
pub fn known_commands() -> impl Iterator<Item = &'static str> {
    let functions = FUNCTIONS.iter().flat_map(|info| info.commands.iter().copied());
    let structural = STRUCTURAL.iter().map(|(command, _)| *command);
    let others = [
        "pi",
        "cdot",
        "times",
        "otimes",
        "odot",
        "le",
        "leq",
        "ge",
        "geq",
        "ne",
        "neq",
        "right",
        "rvert",
        "end",
        "quad",
        "qquad",
        "displaystyle",
    ];
    functions.chain(GREEK.iter().copied()).chain(structural).chain(others)
}

/// The known word closest to `word` (by Jaro-Winkler similarity), if any is close enough to be a
/// likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// The LaTeX decorations and the suffix they add to a name (`\hat{y}` is `y_hat`).
pub fn decoration_suffix(command: &str) -> Option<&'static str> {
    match command {
        "hat" | "widehat" => Some("hat"),
        "bar" | "overline" => Some("bar"),
        "tilde" | "widetilde" => Some("tilde"),
        _ => None,
    }
}

/// Whether `name` is the name of a Greek letter (`alpha`, `Sigma`).
pub fn is_greek(name: &str) -> bool {
    GREEK.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::ExprKind;

    /// The quoted alternatives of a rule in `formula.pest`.
    fn grammar_alternatives(rule: &str) -> Vec<String> {
        let grammar = include_str!("formula.pest");
        let start = grammar.find(&format!("{rule} = ")).expect("the rule exists");
        let body = &grammar[start..];
        let end = body.find("\n}").expect("the rule ends");
        body[..end]
            .split('"')
            .skip(1)
            .step_by(2)
            .map(|word| word.trim_start_matches("\\\\").to_owned())
            .filter(|word| word.chars().all(|c| c.is_ascii_alphabetic()) && !word.is_empty())
            .collect()
    }

    fn parses_as(formula: &str, function: Function) {
        let parsed = crate::parse(formula).unwrap_or_else(|error| panic!("{}", error.render(formula)));
        match &parsed.body().kind {
            ExprKind::Call { function: called, .. } => assert_eq!(*called, function, "{formula}"),
            other => panic!("`{formula}` parsed as {other:?}"),
        }
    }

    #[test]
    fn grammar_and_table_spell_the_same_functions() {
        let mut grammar_commands = grammar_alternatives("function_command");
        let mut table_commands: Vec<String> =
            FUNCTIONS.iter().flat_map(|info| info.commands.iter().map(|c| c.to_string())).collect();
        grammar_commands.sort();
        table_commands.sort();
        assert_eq!(grammar_commands, table_commands);

        let mut grammar_words = grammar_alternatives("function_word_name");
        let mut table_words: Vec<String> =
            FUNCTIONS.iter().flat_map(|info| info.words.iter().map(|w| w.to_string())).collect();
        grammar_words.sort();
        table_words.sort();
        table_words.dedup();
        assert_eq!(grammar_words, table_words);
    }

    #[test]
    fn every_spelling_parses_as_its_function() {
        for info in FUNCTIONS {
            let arguments = if info.arity == 2 { "(a, b)" } else { "(x)" };
            for command in info.commands {
                parses_as(&format!("\\{command}{arguments}"), info.function);
            }
            for word in info.words {
                parses_as(&format!("\\operatorname{{{word}}}{arguments}"), info.function);
                parses_as(&format!("\\text{{ {} }}{arguments}", word.to_ascii_uppercase()), info.function);
            }
        }
        parses_as(r"\log_2(x)", Function::Log2);
        parses_as(r"\log_{10} x", Function::Log10);
        parses_as(r"\log_e x", Function::Ln);
    }

    #[test]
    fn suggestions_find_the_intended_name() {
        assert_eq!(nearest("tahn", known_commands()), Some("tanh"));
        assert_eq!(nearest("alhpa", known_commands()), Some("alpha"));
        assert_eq!(nearest("qwxz", known_commands()), None);
    }
}

/// The lengths a formula names without declaring them: `n`, the vector length (a matrix's row
/// length, its number of columns), and `m`, a matrix's number of rows. Generated code binds them
/// as `usize` under the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Length {
    /// `n`.
    Columns,
    /// `m`.
    Rows,
}

impl Length {
    /// Both lengths.
    pub const ALL: [Length; 2] = [Length::Columns, Length::Rows];

    /// The name formulas and generated code use.
    pub fn name(self) -> &'static str {
        match self {
            Length::Columns => "n",
            Length::Rows => "m",
        }
    }

    /// The length a name stands for, if it is one.
    pub fn of(name: &str) -> Option<Length> {
        Length::ALL.into_iter().find(|length| length.name() == name)
    }
}
