//! Printers: canonical LaTeX (which parses back to the same AST) and s-expressions for tests.
//!
//! The LaTeX printer writes as people write: products by juxtaposition, quotients with `\frac`,
//! exponents in braces, and brackets only where the parser's precedence table needs them, so
//! that the text parses back to the same tree.

use std::fmt::Write;

use crate::ast::{BinaryOp, Condition, Constant, Expr, ExprKind, Formula, Function, IndexRange, Relation, Variable};
use crate::names::{self, function_info};

/// A formula as canonical LaTeX: head, then the forms of the chain joined by `=`.
pub fn formula_latex(formula: &Formula) -> String {
    let mut out = String::new();
    if let Some(head) = &formula.head {
        out.push_str(&name_latex(&head.name));
        out.push_str(&"'".repeat(head.primes));
        if !head.arguments.is_empty() {
            let arguments: Vec<String> = head.arguments.iter().map(variable_latex).collect();
            let _ = write!(out, "({})", arguments.join(", "));
        }
        out.push_str(" = ");
    }
    let mut forms: Vec<String> = formula.forms.iter().map(latex).collect();
    if formula.head.is_none() && forms.len() > 1 {
        // `x = A` or `\operatorname{erf}(x) = A` would read back as a head.
        forms[0] = format!("({})", forms[0]);
    }
    out.push_str(&forms.join(" = "));
    out
}

/// A formula as an s-expression: `(= (head f x) form..)` with a head, else the forms.
pub fn formula_sexpr(formula: &Formula) -> String {
    let forms: Vec<String> = formula.forms.iter().map(sexpr).collect();
    match (&formula.head, forms.as_slice()) {
        (None, [only]) => only.clone(),
        (None, _) => format!("(= {})", forms.join(" ")),
        (Some(head), _) => {
            let mut parts = vec![format!("{}{}", head.name, "'".repeat(head.primes))];
            parts.extend(head.arguments.iter().map(variable_sexpr));
            format!("(= (head {}) {})", parts.join(" "), forms.join(" "))
        }
    }
}

/// Binding power of what the printer writes, loosest first: the Pratt table of `build.rs`.
const ADD: u8 = 1;
/// `\sum_i`, a prefix: its body takes every tighter operator that follows.
const SIGMA: u8 = 2;
/// `\cdot`.
const DOT: u8 = 3;
/// `-x`, a prefix.
const NEGATE: u8 = 4;
/// Juxtaposition before a function or a sum: `x \sin(x)`.
const JUXTAPOSE_FUNCTION: u8 = 5;
/// Juxtaposition before anything else: `2 x`, `\sigma(x) b`.
const JUXTAPOSE: u8 = 7;
/// `x^{2}`.
const POWER: u8 = 8;
/// Numbers, names, calls, `\frac`, groups, `\begin{cases}`.
const ATOM: u8 = 9;

/// An expression printed without outer brackets, with what its surroundings need to know.
struct Printed {
    text: String,
    /// The loosest operator at its top level.
    strength: u8,
    /// The loosest prefix (`-`, `\sum`) on its right edge: an operator written after the text
    /// that binds more tightly than this is taken into that prefix's operand.
    open_right: Option<u8>,
    /// What the text starts with, which decides the kind of juxtaposition before it.
    start: Start,
    /// The name the text ends in, which a bracket after it would be read as applied to.
    ends_in: NameEnd,
    /// Whether it holds a fraction, a sum or cases: brackets around it are `\left( \right)`.
    tall: bool,
}

/// `x (1 + x)` and `\text{scale}(1 + x)` are each one operand, binding more tightly than
/// juxtaposition: a name applied to a group (or, for a definition's name, a call).
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameEnd {
    /// A one-letter name (or `e`): `x (1 + x)` is `x` times the group.
    Letter,
    /// A `\text{..}` name, which may name a definition that the bracket would call.
    Word,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// A digit or `.`: a number after a factor is written with `\cdot`.
    Digit,
    /// A function or `\sum`: juxtaposition before it binds loosely.
    Function,
    /// `-`.
    Minus,
    /// `(` or `\left(`.
    Bracket,
    Other,
}

impl Printed {
    fn atom(text: String, start: Start, tall: bool) -> Self {
        Printed { text, strength: ATOM, open_right: None, start, ends_in: NameEnd::Other, tall }
    }

    /// The text in brackets, sized to its content.
    fn bracketed(self) -> Printed {
        let text = if self.tall { format!(r"\left({}\right)", self.text) } else { format!("({})", self.text) };
        Printed::atom(text, Start::Bracket, self.tall)
    }

    fn bracketed_unless(self, fits: bool) -> Printed {
        if fits { self } else { self.bracketed() }
    }

    /// Whether, written as the left operand of an infix operator binding with `power`, it keeps
    /// its meaning: nothing looser at its top level, and no prefix on its right edge that would
    /// take the operator in.
    fn fits_left_of(&self, power: u8) -> bool {
        self.strength >= power && self.open_right.is_none_or(|prefix| power <= prefix)
    }

    /// Whether it keeps its meaning as the right operand of a left-associative operator binding
    /// with `power` (or of a prefix). `\sum_i` may follow any operator; a leading minus is
    /// always bracketed (`a (-b)`, `a - (-b)`).
    fn fits_right_of(&self, power: u8) -> bool {
        self.start != Start::Minus && (self.strength > power || self.strength == SIGMA)
    }
}

/// An expression as canonical LaTeX, written as people write it: products by juxtaposition
/// (`\cdot` only before a number, or where juxtaposition would group differently), the fewest
/// brackets that keep the tree, `\left( \right)` only around tall content. Parsing the text
/// gives the same tree back (`tests/properties.rs`).
pub fn latex(expr: &Expr) -> String {
    print(expr).text
}

fn print(expr: &Expr) -> Printed {
    crate::limits::deep(|| print_here(expr))
}

fn print_here(expr: &Expr) -> Printed {
    match &expr.kind {
        ExprKind::Number(number) => Printed::atom(number.text.clone(), Start::Digit, false),
        // A letter like any other before a bracket: `e (1 + x)` is read as `e` applied to it.
        ExprKind::Constant(Constant::E) => {
            Printed { ends_in: NameEnd::Letter, ..Printed::atom("e".to_owned(), Start::Other, false) }
        }
        ExprKind::Constant(Constant::Pi) => Printed::atom(r"\pi".to_owned(), Start::Other, false),
        ExprKind::Variable(variable) => {
            let text = variable_latex(variable);
            let ends_in = match text.len() {
                1 => NameEnd::Letter,
                _ if text.starts_with(r"\text{") && text.ends_with('}') => NameEnd::Word,
                _ => NameEnd::Other,
            };
            Printed { ends_in, ..Printed::atom(text, Start::Other, false) }
        }
        ExprKind::Negate(operand) => prefixed("-".to_owned(), print(operand), NEGATE, Start::Minus),
        ExprKind::Binary { op: BinaryOp::Divide, lhs, rhs } => {
            Printed::atom(format!(r"\frac{{{}}}{{{}}}", print(lhs).text, print(rhs).text), Start::Other, true)
        }
        ExprKind::Binary { op: BinaryOp::Multiply, lhs, rhs } => product(print(lhs), print(rhs)),
        ExprKind::Binary { op, lhs, rhs } => {
            let symbol = if *op == BinaryOp::Add { " + " } else { " - " };
            infix(print(lhs), symbol, print(rhs), ADD)
        }
        ExprKind::Power { base, exponent } => {
            let base = print(base);
            let fits = base.strength == ATOM;
            let base = base.bracketed_unless(fits);
            let exponent = print(exponent);
            Printed {
                text: format!("{}^{{{}}}", base.text, exponent.text),
                strength: POWER,
                open_right: None,
                start: base.start,
                ends_in: NameEnd::Other,
                tall: base.tall || exponent.tall,
            }
        }
        ExprKind::Root { degree, radicand } => {
            let radicand = print(radicand);
            let text = format!(r"\sqrt[{}]{{{}}}", print(degree).text, radicand.text);
            Printed::atom(text, Start::Function, radicand.tall)
        }
        ExprKind::Call { function: Function::Sqrt, arguments } if arguments.len() == 1 => {
            let radicand = print(&arguments[0]);
            Printed::atom(format!(r"\sqrt{{{}}}", radicand.text), Start::Function, radicand.tall)
        }
        ExprKind::Call { function, arguments } => {
            let (arguments, tall) = arguments_latex(arguments);
            Printed::atom(format!("{}{arguments}", function_latex(*function)), Start::Function, tall)
        }
        ExprKind::Reference { name, arguments } => {
            let (arguments, tall) = arguments_latex(arguments);
            let text = format!(r"\operatorname{{{}}}{arguments}", name.replace('_', r"\_"));
            Printed::atom(text, Start::Other, tall)
        }
        ExprKind::Abs(operand) => {
            let operand_printed = print(operand);
            // `|a| |b|` and `||a| - 1|` are hard to read and to parse: sized bars there.
            let text = if operand_printed.tall || contains_abs(operand) {
                format!(r"\left|{}\right|", operand_printed.text)
            } else {
                format!("|{}|", operand_printed.text)
            };
            Printed::atom(text, Start::Other, operand_printed.tall)
        }
        ExprKind::Cases(cases) => {
            let mut out = String::from(r"\begin{cases} ");
            for (row, case) in cases.iter().enumerate() {
                if row > 0 {
                    out.push_str(r" \\ ");
                }
                out.push_str(&print(&case.value).text);
                out.push_str(", & ");
                match &case.condition {
                    Condition::Otherwise => out.push_str(r"\text{otherwise}"),
                    Condition::Chain { first, rest } => {
                        out.push_str(&print(first).text);
                        for (relation, operand) in rest {
                            let _ = write!(out, " {} {}", relation_latex(*relation), print(operand).text);
                        }
                    }
                }
            }
            out.push_str(r" \end{cases}");
            Printed::atom(out, Start::Other, true)
        }
        ExprKind::Sum { index, range, body } => {
            let head = match range {
                IndexRange::Unwritten => format!(r"\sum_{{{index}}}"),
                IndexRange::Columns => format!(r"\sum_{{{index}=1}}^{{n}}"),
                IndexRange::Rows => format!(r"\sum_{{{index}=1}}^{{m}}"),
            };
            Printed { tall: true, ..prefixed(format!("{head} "), print(body), SIGMA, Start::Function) }
        }
    }
}

/// `head operand` for a prefix binding with `power` (`-x`, `\sum_{i} x_{i}`): the operand
/// bracketed if it needs it, and the prefix open on the right edge, where it takes in every
/// tighter operator that follows.
fn prefixed(head: String, operand: Printed, power: u8, start: Start) -> Printed {
    let fits = operand.fits_right_of(power);
    let operand = operand.bracketed_unless(fits);
    Printed {
        text: format!("{head}{}", operand.text),
        strength: power,
        open_right: Some(operand.open_right.map_or(power, |prefix| prefix.min(power))),
        start,
        ends_in: operand.ends_in,
        tall: operand.tall,
    }
}

/// `lhs symbol rhs` for a left-associative operator binding with `power`, bracketing each
/// operand that needs it.
fn infix(lhs: Printed, symbol: &str, rhs: Printed, power: u8) -> Printed {
    let lhs_fits = lhs.fits_left_of(power);
    let lhs = lhs.bracketed_unless(lhs_fits);
    let rhs_fits = rhs.fits_right_of(power);
    let rhs = rhs.bracketed_unless(rhs_fits);
    Printed {
        text: format!("{}{symbol}{}", lhs.text, rhs.text),
        strength: power,
        open_right: rhs.open_right,
        start: lhs.start,
        ends_in: rhs.ends_in,
        tall: lhs.tall || rhs.tall,
    }
}

/// A product: juxtaposed (`a \sigma(a) b`, `\frac{1}{n} \sum_i ..`) where that reads back as
/// the same tree without more brackets than `\cdot` would need, else with `\cdot`; always
/// `\cdot` before a number (`x \cdot 2`, `2 \cdot 3`).
fn product(lhs: Printed, rhs: Printed) -> Printed {
    // Before a function or a sum juxtaposition binds more loosely than before anything else.
    let loose = if rhs.start == Start::Function { JUXTAPOSE_FUNCTION } else { JUXTAPOSE };
    let (power, rhs_bracketed) = if rhs.fits_right_of(loose) { (loose, false) } else { (JUXTAPOSE, true) };
    let before_number = !rhs_bracketed && rhs.start == Start::Digit;
    // `2 x (1 + x)` would read as `2 (x (1 + x))`: a name before a bracket takes it first, and a
    // `\text{}` name may be a definition that the bracket calls.
    let starts_with_bracket = rhs_bracketed || rhs.start == Start::Bracket;
    let regroups = starts_with_bracket
        && match lhs.ends_in {
            NameEnd::Letter => lhs.strength != ATOM,
            NameEnd::Word => true,
            NameEnd::Other => false,
        };
    // `x \cdot \frac{1}{2} (1 + x)` rather than `x (\frac{1}{2} (1 + x))`.
    let costs_brackets =
        (!lhs.fits_left_of(power) && lhs.fits_left_of(DOT)) || (rhs_bracketed && rhs.fits_right_of(DOT));
    if before_number || regroups || costs_brackets {
        infix(lhs, r" \cdot ", rhs, DOT)
    } else {
        infix(lhs, " ", rhs, power)
    }
}

fn contains_abs(expr: &Expr) -> bool {
    crate::limits::deep(|| matches!(expr.kind, ExprKind::Abs(_)) || expr.children().any(contains_abs))
}

/// `(a, b)`, or `\left(a, b\right)` around tall arguments, and whether they are tall.
fn arguments_latex(arguments: &[Expr]) -> (String, bool) {
    let printed: Vec<Printed> = arguments.iter().map(print).collect();
    let tall = printed.iter().any(|argument| argument.tall);
    let texts: Vec<&str> = printed.iter().map(|argument| argument.text.as_str()).collect();
    let text = if tall { format!(r"\left({}\right)", texts.join(", ")) } else { format!("({})", texts.join(", ")) };
    (text, tall)
}

/// How a function is written in canonical LaTeX: its command, or `\operatorname{word}`.
pub fn function_latex(function: Function) -> String {
    match function {
        Function::Log2 => r"\log_{2}".to_owned(),
        Function::Log10 => r"\log_{10}".to_owned(),
        // `\sgn` is texgrad's shorthand, not LaTeX: KaTeX and LaTeX know no such command.
        Function::Sign => r"\operatorname{sign}".to_owned(),
        _ => {
            let info = function_info(function);
            match (info.commands.first(), info.words.first()) {
                (Some(command), _) => format!(r"\{command}"),
                (None, Some(word)) => format!(r"\operatorname{{{word}}}"),
                (None, None) => format!(r"\operatorname{{{}}}", info.name),
            }
        }
    }
}

fn relation_latex(relation: Relation) -> &'static str {
    match relation {
        Relation::Less => "<",
        Relation::LessEqual => r"\le",
        Relation::Greater => ">",
        Relation::GreaterEqual => r"\ge",
        Relation::Equal => "=",
        Relation::NotEqual => r"\ne",
    }
}

/// A name with its indices as LaTeX: `y_hat` with `[i]` is `\hat{y}_{i}`.
pub fn variable_latex(variable: &Variable) -> String {
    let base = name_latex(&variable.name);
    if variable.indices.is_empty() {
        return base;
    }
    let indices: Vec<String> = variable.indices.iter().map(char::to_string).collect();
    if base.contains('_') && !base.starts_with(r"\text") {
        // A name with a subscript of its own (`x_{0}`) cannot take another: spell it as a word.
        return format!(r"\text{{{}}}_{{{}}}", variable.name.replace('_', r"\_"), indices.join(","));
    }
    format!("{base}_{{{}}}", indices.join(","))
}

/// A name as LaTeX that parses back to the same name: `alpha` is `\alpha`, `y_hat` is
/// `\hat{y}`, `beta_1` is `\beta_{1}`, `D_KL` is `D_{KL}`, anything else `\text{..}`.
pub fn name_latex(name: &str) -> String {
    if let Some(symbol) = symbol_latex(name) {
        return symbol;
    }
    for suffix in ["hat", "bar", "tilde"] {
        if let Some(base) = name.strip_suffix(&format!("_{suffix}")).and_then(decorable_latex) {
            return format!(r"\{suffix}{{{base}}}");
        }
    }
    if let Some((base, part)) = name.rsplit_once('_') {
        // A name part is digits or a word, never empty (`h_` is a word of its own).
        let is_name_part = !part.is_empty() && part.chars().all(|c| c.is_ascii_digit())
            || (part.len() > 1 && part.chars().all(|c| c.is_ascii_alphanumeric()));
        let base = symbol_latex(base).or_else(|| {
            let (inner, suffix) = base.rsplit_once('_')?;
            let inner = symbol_latex(inner)?;
            matches!(suffix, "hat" | "bar" | "tilde").then(|| format!(r"\{suffix}{{{inner}}}"))
        });
        if let (true, Some(base)) = (is_name_part, base) {
            return format!("{base}_{{{part}}}");
        }
    }
    format!(r"\text{{{}}}", name.replace('_', r"\_"))
}

/// A single letter (not `e`) or a Greek letter.
fn symbol_latex(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), None) if letter.is_ascii_alphabetic() && letter != 'e' => Some(letter.to_string()),
        _ if names::is_greek(name) && name != "sigma" => Some(format!(r"\{name}")),
        _ => None,
    }
}

/// What a decoration may sit on: a letter or Greek letter, possibly with a name subscript.
fn decorable_latex(base: &str) -> Option<String> {
    if let Some(symbol) = symbol_latex(base) {
        return Some(symbol);
    }
    let (inner, part) = base.rsplit_once('_')?;
    let is_name_part = !part.is_empty() && part.chars().all(|c| c.is_ascii_digit())
        || (part.len() > 1 && part.chars().all(|c| c.is_ascii_alphanumeric()));
    is_name_part.then_some(())?;
    Some(format!("{}_{{{part}}}", symbol_latex(inner)?))
}

/// An expression as an s-expression: `(+ 1 (* 2 x))`, `(sum i n (^ y[i] 2))`.
pub fn sexpr(expr: &Expr) -> String {
    let mut out = String::new();
    write_sexpr(expr, &mut out);
    out
}

fn write_sexpr(expr: &Expr, out: &mut String) {
    crate::limits::deep(|| write_sexpr_here(expr, out));
}

fn write_sexpr_here(expr: &Expr, out: &mut String) {
    let list = |head: &str, children: &mut dyn Iterator<Item = &Expr>, out: &mut String| {
        out.push('(');
        out.push_str(head);
        for child in children {
            out.push(' ');
            write_sexpr(child, out);
        }
        out.push(')');
    };
    match &expr.kind {
        ExprKind::Number(number) => out.push_str(&number.text),
        ExprKind::Constant(Constant::E) => out.push('e'),
        ExprKind::Constant(Constant::Pi) => out.push_str("pi"),
        ExprKind::Variable(variable) => out.push_str(&variable_sexpr(variable)),
        ExprKind::Negate(operand) => list("neg", &mut std::iter::once(&**operand), out),
        ExprKind::Binary { op, lhs, rhs } => {
            let head = match op {
                BinaryOp::Add => "+",
                BinaryOp::Subtract => "-",
                BinaryOp::Multiply => "*",
                BinaryOp::Divide => "/",
            };
            list(head, &mut [&**lhs, &**rhs].into_iter(), out);
        }
        ExprKind::Power { base, exponent } => list("^", &mut [&**base, &**exponent].into_iter(), out),
        ExprKind::Root { degree, radicand } => list("root", &mut [&**degree, &**radicand].into_iter(), out),
        ExprKind::Call { function, arguments } => list(function_info(*function).name, &mut arguments.iter(), out),
        ExprKind::Reference { name, arguments } => list(&format!("call {name}"), &mut arguments.iter(), out),
        ExprKind::Abs(operand) => list("abs", &mut std::iter::once(&**operand), out),
        ExprKind::Cases(cases) => {
            out.push_str("(cases");
            for case in cases {
                out.push_str(" (");
                write_sexpr(&case.value, out);
                out.push(' ');
                match &case.condition {
                    Condition::Otherwise => out.push_str("otherwise"),
                    Condition::Chain { first, rest } => {
                        out.push('(');
                        write_sexpr(first, out);
                        for (relation, operand) in rest {
                            let symbol = match relation {
                                Relation::Less => "<",
                                Relation::LessEqual => "<=",
                                Relation::Greater => ">",
                                Relation::GreaterEqual => ">=",
                                Relation::Equal => "=",
                                Relation::NotEqual => "!=",
                            };
                            out.push(' ');
                            out.push_str(symbol);
                            out.push(' ');
                            write_sexpr(operand, out);
                        }
                        out.push(')');
                    }
                }
                out.push(')');
            }
            out.push(')');
        }
        ExprKind::Sum { index, range, body } => {
            let range = match range {
                IndexRange::Unwritten => "",
                IndexRange::Columns => " n",
                IndexRange::Rows => " m",
            };
            out.push_str(&format!("(sum {index}{range} "));
            write_sexpr(body, out);
            out.push(')');
        }
    }
}

/// `y_hat[i]`, `y[k,i]`, `x`.
pub fn variable_sexpr(variable: &Variable) -> String {
    if variable.indices.is_empty() {
        return variable.name.clone();
    }
    let indices: Vec<String> = variable.indices.iter().map(char::to_string).collect();
    format!("{}[{}]", variable.name, indices.join(","))
}

#[cfg(test)]
mod tests {
    use super::name_latex;

    #[test]
    fn a_name_ending_in_an_underscore_prints_as_a_word() {
        // Found by tests/properties.rs: `h_` once printed as `h_{}`, which does not parse.
        assert_eq!(name_latex("h_"), r"\text{h\_}");
        assert_eq!(name_latex("beta_1"), r"\beta_{1}");
        let formula = crate::parse(r"\text{h_} x").unwrap();
        let printed = crate::print::latex(&formula.forms[0]);
        assert_eq!(crate::parse(&printed).unwrap().forms, formula.forms, "{printed}");
    }
}
