//! Printing IR expressions as LaTeX (which texgrad's own parser reads back) and as plain text.
//!
//! Sums print their negative terms as subtractions, products their negative powers as a
//! denominator, `e^{u}` for the exponential, `\sqrt` for half powers and `\begin{cases}` for
//! selects.

use texgrad_grammar::print::{name_latex, variable_latex};

use crate::ir::{Compare, Constant, Func, Graph, Id, Node, Rational};

/// The output syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// LaTeX in the formula language.
    Latex,
    /// Plain text: `exp(-x) / (1 + exp(-x))^2`.
    Text,
}

/// `id` as LaTeX.
pub fn latex(graph: &Graph, id: Id) -> String {
    Printer { graph, style: Style::Latex }.print(id, 0)
}

/// `id` as plain text.
pub fn text(graph: &Graph, id: Id) -> String {
    Printer { graph, style: Style::Text }.print(id, 0)
}

/// A printed part without brackets, and how strongly it binds.
type Part = (String, u8);

/// Binding strength of printed forms, loosest first.
const SUM: u8 = 1;
/// `\sum_i`: its body runs to the next `+` or `-`, so it may be a term of a sum unbracketed.
const SIGMA: u8 = 2;
const PRODUCT: u8 = 3;
const POWER: u8 = 5;
const ATOM: u8 = 6;

struct Printer<'g> {
    graph: &'g Graph,
    style: Style,
}

impl Printer<'_> {
    fn latex(&self) -> bool {
        self.style == Style::Latex
    }

    /// `id` printed, in brackets if it binds more loosely than `minimum`.
    fn print(&self, id: Id, minimum: u8) -> String {
        let (text, strength) = self.form(id);
        if strength < minimum { self.bracketed(&text) } else { text }
    }

    /// `(text)`, with `\left( \right)` around tall content only.
    fn bracketed(&self, text: &str) -> String {
        if self.latex() && is_tall(text) { format!(r"\left({text}\right)") } else { format!("({text})") }
    }

    /// A function's argument list: `(x)`, `\left(\frac{x}{2}\right)`.
    fn arguments(&self, arguments: &[Id]) -> String {
        let printed: Vec<String> = arguments.iter().map(|&argument| self.print(argument, 0)).collect();
        self.bracketed(&printed.join(", "))
    }

    fn form(&self, id: Id) -> (String, u8) {
        let graph = self.graph;
        match graph.node(id) {
            Node::Number(value) => self.rational(*value),
            Node::Float(bits) => (format!("{:e}", f64::from_bits(*bits)), ATOM),
            Node::Constant(Constant::E) => ("e".to_owned(), ATOM),
            Node::Constant(Constant::Pi) => ((if self.latex() { r"\pi" } else { "pi" }).to_owned(), ATOM),
            Node::Symbol(name) => (if self.latex() { name_latex(name) } else { name.clone() }, ATOM),
            Node::Element(name, indices) => {
                let variable = texgrad_grammar::ast::Variable { name: name.clone(), indices: indices.clone() };
                if self.latex() {
                    (variable_latex(&variable), ATOM)
                } else {
                    (texgrad_grammar::print::variable_sexpr(&variable), ATOM)
                }
            }
            Node::Delta(a, b) => {
                (if self.latex() { format!(r"\delta_{{{a}{b}}}") } else { format!("delta[{a},{b}]") }, ATOM)
            }
            Node::Add(terms) => self.sum(terms),
            Node::Mul(_) | Node::Pow(..) => self.product(id),
            Node::Apply(Func::ExpM1, argument) if self.latex() => (self.apply(Func::ExpM1, *argument), SUM),
            Node::Apply(func, argument) => (self.apply(*func, *argument), ATOM),
            Node::Max(a, b) | Node::Min(a, b) => {
                let name = if matches!(graph.node(id), Node::Max(..)) { "max" } else { "min" };
                let prefix = if self.latex() { "\\" } else { "" };
                (format!("{prefix}{name}{}", self.arguments(&[*a, *b])), ATOM)
            }
            Node::Compare(..) | Node::And(_) => (self.condition(id), SUM),
            Node::Select { .. } => self.select(id),
            // Printed as what it means; texgrad adds the series again when it reads it back.
            Node::NearZero { exact, .. } | Node::ComputedAs { exact, .. } => self.form(*exact),
            Node::LogSumExp(index, exponent) => {
                let exponent = self.print(*exponent, 0);
                if self.latex() {
                    (format!(r"\ln\left(\sum_{{{index}}} e^{{{exponent}}}\right)"), ATOM)
                } else {
                    (format!("logsumexp_{index}({exponent})"), ATOM)
                }
            }
            Node::XLogY(..) | Node::Sum(..) if self.negated(id).0 => {
                let magnitude = self.negated(id).1.unwrap_or_default();
                (format!("-{magnitude}"), PRODUCT)
            }
            Node::XLogY(y, x) => {
                if self.latex() {
                    (format!(r"{} \ln{}", self.print(*y, PRODUCT + 1), self.arguments(&[*x])), PRODUCT)
                } else {
                    (format!("xlogy({}, {})", self.print(*y, 0), self.print(*x, 0)), ATOM)
                }
            }
            Node::Sum(index, body) => {
                let body = self.print(*body, SIGMA);
                if self.latex() {
                    (format!(r"\sum_{{{index}}} {body}"), SIGMA)
                } else {
                    (format!("sum_{index} {body}"), SIGMA)
                }
            }
        }
    }

    fn rational(&self, value: Rational) -> (String, u8) {
        let (numerator, denominator) = (*value.numer(), *value.denom());
        let sign = if numerator < 0 { "-" } else { "" };
        if let Some(decimal) = decimal(value) {
            return (decimal, if numerator < 0 { PRODUCT } else { ATOM });
        }
        if denominator == 1 {
            return (numerator.to_string(), if numerator < 0 { PRODUCT } else { ATOM });
        }
        if self.latex() {
            (
                format!(r"{sign}\frac{{{}}}{{{denominator}}}", numerator.abs()),
                if numerator < 0 { PRODUCT } else { ATOM },
            )
        } else {
            (format!("{numerator}/{denominator}"), PRODUCT)
        }
    }

    /// The form a node is printed as: a form computed otherwise prints as what it means.
    fn shown(&self, mut id: Id) -> Id {
        while let Node::ComputedAs { exact, .. } | Node::NearZero { exact, .. } = self.graph.node(id) {
            id = *exact;
        }
        id
    }

    fn sum(&self, terms: &[Id]) -> (String, u8) {
        // As people write them: positive terms first (`1 - x^2`, `x - 1`), numbers after the
        // other terms of their sign. A term computed otherwise is its exact form, whose terms
        // join this sum (`x + (\sqrt{x^2 + 1} - 1)/2`'s grouped terms print as the others do).
        let key = |&term: &Id| {
            let negative = self.negated(term).0;
            let number = self.graph.rational(term).is_some();
            (negative, number)
        };
        let mut ordered: Vec<Id> = Vec::new();
        for &term in terms {
            match self.graph.node(self.shown(term)) {
                Node::Add(inner) => ordered.extend(inner.iter().copied()),
                _ => ordered.push(self.shown(term)),
            }
        }
        ordered.sort_by_key(key);
        let mut out = String::new();
        for (position, &term) in ordered.iter().enumerate() {
            let (negative, magnitude) = self.negated(term);
            let printed = match magnitude {
                Some(magnitude) => magnitude,
                None => self.print(term, SUM + 1),
            };
            match (position, negative) {
                (0, true) => {
                    out.push('-');
                    out.push_str(&printed);
                }
                (0, false) => out.push_str(&printed),
                (_, true) => {
                    out.push_str(" - ");
                    out.push_str(&printed);
                }
                (_, false) => {
                    out.push_str(" + ");
                    out.push_str(&printed);
                }
            }
        }
        (out, SUM)
    }

    /// For a term with a negative coefficient, `(true, its magnitude printed)`: also `y \ln x`
    /// with a negative `y`, and a sum over a negative body (`-\sum_i p_i \ln(q_i)`).
    fn negated(&self, term: Id) -> (bool, Option<String>) {
        match self.graph.node(term) {
            Node::XLogY(y, x) if self.latex() => match self.negated(*y) {
                (true, Some(magnitude)) => (true, Some(format!(r"{magnitude} \ln{}", self.arguments(&[*x])))),
                _ => (false, None),
            },
            Node::Sum(index, body) => match self.negated(*body) {
                (true, Some(magnitude)) if self.latex() => (true, Some(format!(r"\sum_{{{index}}} {magnitude}"))),
                (true, Some(magnitude)) => (true, Some(format!("sum_{index} {magnitude}"))),
                _ => (false, None),
            },
            Node::Number(value) if *value.numer() < 0 => (true, Some(self.rational(-*value).0)),
            Node::Mul(factors) => match self.graph.rational(factors[0]) {
                Some(coefficient) if *coefficient.numer() < 0 => {
                    (true, Some(self.magnitude(-coefficient, &factors[1..])))
                }
                _ => (false, None),
            },
            _ => (false, None),
        }
    }

    /// A product or power, with negative powers as a denominator.
    fn product(&self, id: Id) -> (String, u8) {
        let (coefficient, factors) = match self.graph.node(id) {
            Node::Mul(factors) => match self.graph.rational(factors[0]) {
                Some(coefficient) => (coefficient, factors[1..].to_vec()),
                None => (Rational::from_integer(1), factors.clone()),
            },
            _ => (Rational::from_integer(1), vec![id]),
        };
        if *coefficient.numer() < 0 {
            return (format!("-{}", self.magnitude(-coefficient, &factors)), PRODUCT);
        }
        self.product_parts(coefficient, &factors)
    }

    /// A product's magnitude, to follow a minus: `-(2 + x)` (a sum negated whole, as the formula
    /// as written keeps it), `-(e^{x} - 1)`.
    fn magnitude(&self, coefficient: Rational, factors: &[Id]) -> String {
        let (text, strength) = self.product_parts(coefficient, factors);
        if strength < SIGMA { self.bracketed(&text) } else { text }
    }

    fn product_parts(&self, coefficient: Rational, factors: &[Id]) -> (String, u8) {
        // Each part unbracketed with its strength; brackets are added when parts are joined.
        let mut numerator: Vec<(String, u8)> = Vec::new();
        let mut denominator: Vec<(String, u8)> = Vec::new();
        match decimal(coefficient) {
            Some(decimal) => numerator.push((decimal, ATOM)),
            None => {
                if *coefficient.numer() != 1 {
                    numerator.push((coefficient.numer().to_string(), ATOM));
                }
                if *coefficient.denom() != 1 {
                    denominator.push((coefficient.denom().to_string(), ATOM));
                }
            }
        }
        for &factor in factors {
            match self.graph.node(factor) {
                Node::Pow(base, exponent) => match self.graph.rational(*exponent) {
                    Some(value) if *value.numer() < 0 => denominator.push(self.power(*base, -value)),
                    Some(value) => numerator.push(self.power(*base, value)),
                    None => numerator.push((self.general_power(*base, *exponent), POWER)),
                },
                _ => numerator.push(self.form(factor)),
            }
        }
        let in_fraction = self.latex() && !denominator.is_empty();
        let join = |parts: &[(String, u8)]| -> String {
            let alone = parts.len() == 1 && in_fraction;
            let mut out = String::new();
            for (position, (part, strength)) in parts.iter().enumerate() {
                // A sum inside a product is bracketed; so is a `\sum_i` unless it is last (its body
                // would take in what follows).
                let bracket =
                    !alone && (*strength < PRODUCT + 1) && !(*strength == SIGMA && position + 1 == parts.len());
                let part = if bracket { self.bracketed(part) } else { part.clone() };
                if position > 0 {
                    let needs_dot = part.starts_with(|c: char| c.is_ascii_digit() || c == '-');
                    out.push_str(match (self.latex(), needs_dot) {
                        (true, true) => r" \cdot ",
                        (true, false) => " ",
                        (false, _) => " * ",
                    });
                }
                out.push_str(&part);
            }
            out
        };
        match (numerator.is_empty(), denominator.is_empty()) {
            (false, true) if numerator.len() == 1 => numerator.remove(0),
            (_, true) => (join(&numerator), PRODUCT),
            (true, false) if self.latex() => (format!(r"\frac{{1}}{{{}}}", join(&denominator)), ATOM),
            (false, false) if self.latex() => {
                (format!(r"\frac{{{}}}{{{}}}", join(&numerator), join(&denominator)), ATOM)
            }
            (true, false) => (format!("1 / {}", self.text_group(&denominator, &join)), PRODUCT),
            (false, false) => (format!("{} / {}", join(&numerator), self.text_group(&denominator, &join)), PRODUCT),
        }
    }

    fn text_group(&self, parts: &[Part], join: &dyn Fn(&[Part]) -> String) -> String {
        match parts {
            [(part, strength)] if *strength >= POWER => part.clone(),
            [(part, _)] => format!("({part})"),
            _ => format!("({})", join(parts)),
        }
    }

    /// `base^value` for a positive rational power, unbracketed, with its strength.
    fn power(&self, base: Id, value: Rational) -> (String, u8) {
        if value == Rational::from_integer(1) {
            return self.form(base);
        }
        if value == Rational::new(1, 2) {
            let inner = self.print(base, 0);
            return (if self.latex() { format!(r"\sqrt{{{inner}}}") } else { format!("sqrt({inner})") }, ATOM);
        }
        // In text a fraction binds more loosely than `^`: `x^(2/3)`, never `x^2/3`.
        let exponent = match self.rational(value) {
            (exponent, strength) if !self.latex() && strength < ATOM => format!("({exponent})"),
            (exponent, _) => exponent,
        };
        if let (true, Node::Apply(func, argument)) = (self.latex(), self.graph.node(base))
            && value.is_integer()
            && !matches!(func, Func::Exp | Func::Abs)
        {
            // `\cosh^{2}(x)`, as people write it (and as the parser reads it back).
            let applied = self.apply(*func, *argument);
            // The argument list opens with `(` or, around tall content, `\left(`.
            if let Some(open) = applied.find(r"\left(").into_iter().chain(applied.find('(')).min() {
                return (format!("{}^{{{exponent}}}{}", &applied[..open], &applied[open..]), POWER);
            }
        }
        let base = self.print(base, ATOM);
        (if self.latex() { format!("{base}^{{{exponent}}}") } else { format!("{base}^{exponent}") }, POWER)
    }

    fn general_power(&self, base: Id, exponent: Id) -> String {
        let base = self.print(base, ATOM);
        let exponent = self.print(exponent, if self.latex() { 0 } else { ATOM });
        if self.latex() { format!("{base}^{{{exponent}}}") } else { format!("{base}^{exponent}") }
    }

    fn apply(&self, func: Func, argument: Id) -> String {
        if !self.latex() {
            let name = func.text_name();
            return format!("{name}({})", self.print(argument, 0));
        }
        let arguments = self.arguments(&[argument]);
        match func {
            Func::Exp => format!("e^{{{}}}", self.print(argument, 0)),
            Func::Abs => {
                let inner = self.print(argument, 0);
                // `||x| - 1|` is hard to read: sized bars around tall content and nested bars.
                if is_tall(&inner) || inner.contains('|') {
                    format!(r"\left|{inner}\right|")
                } else {
                    format!("|{inner}|")
                }
            }
            // The stable forms print as the mathematics they compute; texgrad reads them back
            // and stabilises them again. `e^{x} - 1` is a sum: see `form`.
            Func::Ln1p => {
                let inner = match self.negated(argument) {
                    (true, Some(magnitude)) => format!("1 - {magnitude}"),
                    _ => format!("1 + {}", self.print(argument, SUM + 1)),
                };
                format!(r"\ln{}", self.bracketed(&inner))
            }
            Func::ExpM1 => format!("e^{{{}}} - 1", self.print(argument, 0)),
            Func::Erf => format!(r"\operatorname{{erf}}{arguments}"),
            Func::Erfc => format!(r"\operatorname{{erfc}}{arguments}"),
            Func::Softplus => format!(r"\operatorname{{softplus}}{arguments}"),
            Func::Sign => format!(r"\operatorname{{sign}}{arguments}"),
            Func::Sigmoid => format!(r"\sigma{arguments}"),
            Func::Phi => format!(r"\Phi{arguments}"),
            Func::Ln => format!(r"\ln{arguments}"),
            Func::Sin => format!(r"\sin{arguments}"),
            Func::Cos => format!(r"\cos{arguments}"),
            Func::Tan => format!(r"\tan{arguments}"),
            Func::Sinh => format!(r"\sinh{arguments}"),
            Func::Cosh => format!(r"\cosh{arguments}"),
            Func::Tanh => format!(r"\tanh{arguments}"),
            Func::Arctan => format!(r"\arctan{arguments}"),
            Func::Arcsin => format!(r"\arcsin{arguments}"),
            Func::Arccos => format!(r"\arccos{arguments}"),
        }
    }

    fn condition(&self, id: Id) -> String {
        match self.graph.node(id) {
            Node::Compare(op, a, b) => {
                // `0 \ge x` reads better as `x \le 0`.
                let (op, a, b) = match (self.graph.rational(*a), self.graph.rational(*b)) {
                    (Some(_), None) => (mirrored(*op), b, a),
                    _ => (*op, a, b),
                };
                let symbol = self.relation(op);
                format!("{} {symbol} {}", self.print(*a, SUM), self.print(*b, SUM))
            }
            Node::And(conditions) => {
                // `a \le x` and `x \le b` print as the chain `a \le x \le b`.
                if let [first, second] = conditions.as_slice()
                    && let (Node::Compare(first_op, a, middle), Node::Compare(second_op, start, b)) =
                        (self.graph.node(*first), self.graph.node(*second))
                    && middle == start
                {
                    return format!(
                        "{} {} {} {} {}",
                        self.print(*a, SUM),
                        self.relation(*first_op),
                        self.print(*middle, SUM),
                        self.relation(*second_op),
                        self.print(*b, SUM)
                    );
                }
                let parts: Vec<String> = conditions.iter().map(|&condition| self.condition(condition)).collect();
                parts.join(if self.latex() { r" \text{ and } " } else { " and " })
            }
            Node::Number(_) => (if self.latex() { r"\text{always}" } else { "always" }).to_owned(),
            _ => self.print(id, 0),
        }
    }

    fn relation(&self, op: Compare) -> &'static str {
        match (op, self.latex()) {
            (Compare::Less, _) => "<",
            (Compare::LessEqual, true) => r"\le",
            (Compare::LessEqual, false) => "<=",
            (Compare::Greater, _) => ">",
            (Compare::GreaterEqual, true) => r"\ge",
            (Compare::GreaterEqual, false) => ">=",
            (Compare::Equal, true) => "=",
            (Compare::Equal, false) => "==",
            (Compare::NotEqual, true) => r"\ne",
            (Compare::NotEqual, false) => "!=",
        }
    }

    fn select(&self, id: Id) -> (String, u8) {
        let mut rows = Vec::new();
        let mut current = id;
        while let Node::Select { condition, then, otherwise } = self.graph.node(current) {
            rows.push((self.print(*then, 0), self.condition(*condition)));
            current = *otherwise;
        }
        let last = self.print(current, 0);
        if self.latex() {
            let mut out = String::from(r"\begin{cases} ");
            for (value, condition) in &rows {
                out.push_str(&format!(r"{value}, & {condition} \\ "));
            }
            out.push_str(&format!(r"{last}, & \text{{otherwise}} \end{{cases}}"));
            (out, ATOM)
        } else {
            let mut out = String::from("(");
            for (value, condition) in &rows {
                out.push_str(&format!("{value} if {condition} else "));
            }
            out.push_str(&last);
            out.push(')');
            (out, ATOM)
        }
    }
}

/// Whether printed LaTeX is taller than a line of text: brackets around it are sized.
fn is_tall(text: &str) -> bool {
    [r"\frac", r"\sum", r"\begin", r"\left"].iter().any(|command| text.contains(command))
}

/// A rational whose denominator is a large product of 2s and 5s (a decimal literal such as
/// 0.044715), written as that decimal.
fn decimal(value: Rational) -> Option<String> {
    let (numerator, denominator) = (*value.numer(), *value.denom());
    if denominator <= 100 {
        return None;
    }
    let (mut twos, mut fives, mut rest) = (0u32, 0u32, denominator);
    while rest % 2 == 0 {
        rest /= 2;
        twos += 1;
    }
    while rest % 5 == 0 {
        rest /= 5;
        fives += 1;
    }
    if rest != 1 {
        return None;
    }
    let places = twos.max(fives);
    let scaled = numerator.checked_mul(denominator_to_power_of_ten(denominator, places)?)?;
    let digits = scaled.unsigned_abs().to_string();
    let places = places as usize;
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (whole, fraction) = padded.split_at(padded.len() - places);
    let sign = if numerator < 0 { "-" } else { "" };
    Some(format!("{sign}{whole}.{fraction}"))
}

fn denominator_to_power_of_ten(denominator: i128, places: u32) -> Option<i128> {
    10i128.checked_pow(places).map(|power| power / denominator)
}

/// The comparison with its operands swapped: `a < b` is `b > a`.
fn mirrored(op: Compare) -> Compare {
    match op {
        Compare::Less => Compare::Greater,
        Compare::LessEqual => Compare::GreaterEqual,
        Compare::Greater => Compare::Less,
        Compare::GreaterEqual => Compare::LessEqual,
        other => other,
    }
}
