//! The Rust emitter: straight-line code for one or more roots of a graph, generic over the
//! runtime's `Float` trait.
//!
//! Common subexpressions are shared by construction (the graph is hash-consed), so emitting a
//! function's value and derivatives together computes `e^{-x}` once: every node used more than
//! once gets a `let`, in arena order (children before parents), and every other node is inlined
//! where it is used. Constants are written as a correctly rounded `f32` and `f64` literal pair.

use std::collections::HashMap;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::constant::{self, DoubleDouble};
use crate::error::EngineError;
use crate::ir::{Compare, Constant, Func, Graph, Id, Index, Node, Rational};

/// Where generated code finds the runtime, and what its float type is called.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// The path of the `Float` trait (`::texgrad::__private::Float`).
    pub float_trait: TokenStream,
    /// The float type parameter (`F`).
    pub float_type: TokenStream,
    /// The visibility of emitted functions (`pub`).
    pub visibility: TokenStream,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions { float_trait: quote!(::texgrad::Float), float_type: quote!(F), visibility: quote!(pub) }
    }
}

/// Emitted code: `let` statements, then one expression per root.
#[derive(Clone, Debug)]
pub struct Emitted {
    /// The shared subexpressions, as `let` statements.
    pub statements: TokenStream,
    /// One expression per root, in the order given.
    pub results: Vec<TokenStream>,
}

/// Straight-line code computing every root.
pub fn emit(graph: &Graph, roots: &[Id], options: &EmitOptions) -> Result<Emitted, EngineError> {
    let mut uses = vec![0usize; graph.len()];
    let mut reachable = vec![false; graph.len()];
    let mut stack: Vec<Id> = roots.to_vec();
    for &root in roots {
        uses[root.index()] += 1;
    }
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut reachable[id.index()], true) {
            continue;
        }
        for child in graph.children(id) {
            // A sum writes a negative term `-c r` as a subtraction of `c r` (see
            // `Emitter::expression`): the use is of `r`, and the negated node is never emitted.
            let used = match (graph.node(id), split_coefficient(graph, child)) {
                (Node::Add(_), (coefficient, rest)) if *coefficient.numer() < 0 && rest != child => rest,
                _ => child,
            };
            uses[used.index()] += 1;
            stack.push(used);
        }
    }
    let free = free_indices(graph);
    let mut emitter = Emitter { graph, options, names: HashMap::new(), log_sum_exp_parts_named: HashMap::new() };
    let mut statements = TokenStream::new();
    for index in 0..graph.len() {
        let id = graph_id(graph, index);
        // Shared nodes get a `let`; so does every sum over an index that no enclosing loop
        // needs, so that `\sum_j e^{z_j}` is computed once, not once per output element.
        let loop_work = matches!(graph.node(id), Node::Sum(..) | Node::LogSumExp(..));
        if !reachable[index] || (uses[index] < 2 && !loop_work) || !free[index].is_empty() {
            continue;
        }
        if is_leaf(graph.node(id)) || constant::fold(graph, id).is_some() {
            continue;
        }
        let name = format_ident!("t{}", emitter.names.len());
        if let Node::LogSumExp(index, exponent) = graph.node(id) {
            // Kept as its two parts: `z_i - LSE` is then `(z_i - max) - ln Σ`, exact where
            // `max + ln Σ` would round away the digits `z_i - LSE` keeps (logits of 1e4 in f32).
            let parts = emitter.log_sum_exp_parts(*index, *exponent)?;
            let (largest, logarithm) = (format_ident!("{}_max", name), format_ident!("{}_log", name));
            statements.extend(quote!(let (#largest, #logarithm) = #parts; let #name = #largest + #logarithm;));
            emitter.log_sum_exp_parts_named.insert(id, (largest, logarithm));
        } else {
            let expression = emitter.expression(id)?;
            statements.extend(quote!(let #name = #expression;));
        }
        emitter.names.insert(id, name);
    }
    let results = roots.iter().map(|&root| emitter.reference(root)).collect::<Result<_, _>>()?;
    Ok(Emitted { statements, results })
}

/// The indices each node depends on (free in it), in arena order.
fn free_indices(graph: &Graph) -> Vec<Vec<Index>> {
    let mut free: Vec<Vec<Index>> = Vec::with_capacity(graph.len());
    for index in 0..graph.len() {
        let id = graph_id(graph, index);
        let mut own: Vec<Index> = match graph.node(id) {
            Node::Element(_, indices) => indices.clone(),
            Node::Delta(a, b) => vec![*a, *b],
            _ => graph.children(id).into_iter().flat_map(|child| free[child.index()].clone()).collect(),
        };
        if let Node::Sum(bound, _) | Node::LogSumExp(bound, _) = graph.node(id) {
            own.retain(|index| index != bound);
        }
        own.sort_unstable();
        own.dedup();
        free.push(own);
    }
    free
}

/// The loop variable of an index (`i_index`), a `usize`.
pub fn index_variable(index: Index) -> Ident {
    format_ident!("{}_index", index)
}

/// The id of the node at `index` (ids are arena positions).
fn graph_id(graph: &Graph, index: usize) -> Id {
    graph.id_at(index)
}

fn is_leaf(node: &Node) -> bool {
    matches!(node, Node::Number(_) | Node::Float(_) | Node::Constant(_) | Node::Symbol(_))
}

/// A Rust identifier for a formula name, raw where the name is a keyword (`r#type`).
pub fn identifier(name: &str) -> Ident {
    if is_keyword(name) { Ident::new_raw(name, Span::call_site()) } else { Ident::new(name, Span::call_site()) }
}

/// Whether a name is a Rust keyword (and so needs `r#` as an identifier).
pub fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
        "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type",
        "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    KEYWORDS.contains(&name)
}

/// A constant in both float types. A value beyond a type's range (`10^{100}` in `f32`) is
/// that type's infinity, written as an expression since Rust has no literal for it.
pub fn float_literal(single: f32, double: f64, options: &EmitOptions) -> TokenStream {
    let (float, float_trait) = (&options.float_type, &options.float_trait);
    let literal_or_infinity = |finite: bool, literal: Literal, value: f64, ty: TokenStream| {
        if finite {
            quote!(#literal)
        } else if value.is_nan() {
            quote!(#ty::NAN)
        } else if value > 0.0 {
            quote!(#ty::INFINITY)
        } else {
            quote!(#ty::NEG_INFINITY)
        }
    };
    let single_tokens = literal_or_infinity(
        single.is_finite(),
        if single.is_finite() { Literal::f32_suffixed(single) } else { Literal::f32_suffixed(0.0) },
        f64::from(single),
        quote!(::core::primitive::f32),
    );
    let double_tokens = literal_or_infinity(
        double.is_finite(),
        if double.is_finite() { Literal::f64_suffixed(double) } else { Literal::f64_suffixed(0.0) },
        double,
        quote!(::core::primitive::f64),
    );
    quote!(<#float as #float_trait>::literal(#single_tokens, #double_tokens))
}

/// The correctly rounded `f64` and `f32` nearest to a rational.
pub fn rational_literals(value: Rational) -> (f32, f64) {
    let (numerator, denominator) = (*value.numer(), *value.denom());
    const EXACT: i128 = 1 << 53;
    let double = if numerator.abs() <= EXACT && denominator <= EXACT {
        // Both operands are exact, and IEEE division rounds correctly.
        numerator as f64 / denominator as f64
    } else {
        Graph::rational_to_f64(value)
    };
    // Rounding the f64 again to f32 can differ from rounding the rational once only when the
    // f64 falls exactly on an f32 rounding boundary; the decimal literals of formulas do not.
    (double as f32, double)
}

struct Emitter<'g> {
    graph: &'g Graph,
    options: &'g EmitOptions,
    names: HashMap<Id, Ident>,
    /// Hoisted log-sum-exps, as the names of their maximum and their logarithm of the sum.
    log_sum_exp_parts_named: HashMap<Id, (Ident, Ident)>,
}

impl Emitter<'_> {
    /// A node as an operand: its `let` name, or the expression inlined.
    fn reference(&self, id: Id) -> Result<TokenStream, EngineError> {
        match self.names.get(&id) {
            Some(name) => Ok(quote!(#name)),
            None => self.expression(id),
        }
    }

    fn literal(&self, single: f32, double: f64) -> TokenStream {
        float_literal(single, double, self.options)
    }

    fn call(&self, method: &str, arguments: &[TokenStream]) -> TokenStream {
        let (float, float_trait) = (&self.options.float_type, &self.options.float_trait);
        let method = format_ident!("{method}");
        quote!(<#float as #float_trait>::#method(#(#arguments),*))
    }

    fn folded(&self, value: DoubleDouble) -> TokenStream {
        self.literal(value.to_f32(), value.to_f64())
    }

    fn expression(&self, id: Id) -> Result<TokenStream, EngineError> {
        let graph = self.graph;
        if !is_leaf(graph.node(id))
            && let Some(value) = constant::fold(graph, id)
        {
            return Ok(self.folded(value));
        }
        Ok(match graph.node(id) {
            Node::Number(value) => {
                let (single, double) = rational_literals(*value);
                self.literal(single, double)
            }
            Node::Float(bits) => {
                let double = f64::from_bits(*bits);
                self.literal(double as f32, double)
            }
            Node::Constant(Constant::E) => self.literal(std::f32::consts::E, std::f64::consts::E),
            Node::Constant(Constant::Pi) => self.literal(std::f32::consts::PI, std::f64::consts::PI),
            Node::Symbol(name) if name == "n" || name == "m" => {
                let name = identifier(name);
                self.call("from_usize", &[quote!(#name)])
            }
            Node::Symbol(name) => {
                let name = identifier(name);
                quote!(#name)
            }
            Node::Add(terms) => {
                let mut positive = Vec::new();
                let mut negative = Vec::new();
                // Split log-sum-exps come last, part by part (see `emit`).
                let mut parts = Vec::new();
                for &term in terms {
                    let (coefficient, rest) = split_coefficient(graph, term);
                    if let Some((largest, logarithm)) = self.log_sum_exp_parts_named.get(&rest)
                        && (coefficient == Rational::from_integer(1) || coefficient == Rational::from_integer(-1))
                    {
                        parts.push((*coefficient.numer() < 0, largest.clone(), logarithm.clone()));
                        continue;
                    }
                    if *coefficient.numer() < 0 {
                        negative.push(self.scaled(-coefficient, rest)?);
                    } else {
                        positive.push(self.reference(term)?);
                    }
                }
                let mut sum = match positive.split_first() {
                    Some((first, rest)) => quote!(#first #(+ #rest)*),
                    None => {
                        let zero = self.call("zero", &[]);
                        quote!(#zero)
                    }
                };
                for term in negative {
                    sum = quote!(#sum - #term);
                }
                for (subtract, largest, logarithm) in parts {
                    sum = if subtract {
                        quote!((#sum - #largest) - #logarithm)
                    } else {
                        quote!((#sum + #largest) + #logarithm)
                    };
                }
                quote!((#sum))
            }
            Node::Mul(_) | Node::Pow(..) => self.product(id)?,
            Node::Apply(func, argument) => {
                let argument = self.reference(*argument)?;
                let method = func.float_method();
                self.call(method, &[argument])
            }
            Node::Max(a, b) => self.call("maximum", &[self.reference(*a)?, self.reference(*b)?]),
            Node::Min(a, b) => self.call("minimum", &[self.reference(*a)?, self.reference(*b)?]),
            Node::XLogY(y, x) => self.call("xlogy", &[self.reference(*y)?, self.reference(*x)?]),
            Node::Compare(op, a, b) => {
                let (a, b) = (self.reference(*a)?, self.reference(*b)?);
                match op {
                    Compare::Less => quote!((#a < #b)),
                    Compare::LessEqual => quote!((#a <= #b)),
                    Compare::Greater => quote!((#a > #b)),
                    Compare::GreaterEqual => quote!((#a >= #b)),
                    Compare::Equal => quote!((#a == #b)),
                    Compare::NotEqual => quote!((#a != #b)),
                }
            }
            Node::And(conditions) => {
                let conditions =
                    conditions.iter().map(|&condition| self.reference(condition)).collect::<Result<Vec<_>, _>>()?;
                quote!((#(#conditions)&&*))
            }
            Node::NearZero { argument, series, exact } => {
                let (argument, series, exact) =
                    (self.reference(*argument)?, self.reference(*series)?, self.reference(*exact)?);
                let abs = self.call("abs", &[argument]);
                let tenth = self.literal(0.1, 0.1);
                quote!((if #abs < #tenth { #series } else { #exact }))
            }
            Node::Select { condition, then, otherwise } => {
                let (condition, then, otherwise) =
                    (self.reference(*condition)?, self.reference(*then)?, self.reference(*otherwise)?);
                quote!((if #condition { #then } else { #otherwise }))
            }
            // Vector forms: generated functions bind `n` (and `m` for matrices) as `usize`, the
            // slices by their input names, and loop variables `i_index`, ...
            Node::Element(name, indices) => {
                let name = identifier(name);
                match indices.as_slice() {
                    [column] => {
                        let column = index_variable(*column);
                        quote!(#name[#column])
                    }
                    [row, column] => {
                        let (row, column) = (index_variable(*row), index_variable(*column));
                        quote!(#name[#row * n + #column])
                    }
                    _ => return Err(EngineError::new(format!("`{name}` has more than two indices"))),
                }
            }
            Node::Delta(a, b) => {
                let (a, b) = (index_variable(*a), index_variable(*b));
                let (one, zero) = (self.call("one", &[]), self.call("zero", &[]));
                quote!((if #a == #b { #one } else { #zero }))
            }
            Node::Sum(index, body) => {
                let length = self.length(*index, *body);
                let variable = index_variable(*index);
                let body = self.reference(*body)?;
                let zero = self.call("zero", &[]);
                quote!({
                    let mut total = #zero;
                    for #variable in 0..#length {
                        total += #body;
                    }
                    total
                })
            }
            Node::LogSumExp(index, exponent) => {
                let parts = self.log_sum_exp_parts(*index, *exponent)?;
                quote!({
                    let (largest, logarithm) = #parts;
                    largest + logarithm
                })
            }
        })
    }

    /// `(max_j u_j, ln Σ_j e^{u_j - max})`, the maximum first so that no exponential overflows.
    fn log_sum_exp_parts(&self, index: Index, exponent: Id) -> Result<TokenStream, EngineError> {
        let length = self.length(index, exponent);
        let variable = index_variable(index);
        let exponent = self.reference(exponent)?;
        let (zero, infinity) = (self.call("zero", &[]), self.call("infinity", &[]));
        let exp = self.call("exp", &[quote!((#exponent - largest))]);
        let ln = self.call("ln", &[quote!(total)]);
        Ok(quote!({
            let mut largest = -#infinity;
            for #variable in 0..#length {
                let value = #exponent;
                if value > largest {
                    largest = value;
                }
            }
            if largest == #infinity || largest == -#infinity {
                (largest, #zero)
            } else {
                let mut total = #zero;
                for #variable in 0..#length {
                    total += #exp;
                }
                (largest, #ln)
            }
        }))
    }

    /// The `usize` length an index runs over.
    fn length(&self, index: Index, body: Id) -> TokenStream {
        if self.graph.runs_over_rows(body, index) { quote!(m) } else { quote!(n) }
    }

    /// `c · rest` for a positive rational `c`.
    fn scaled(&self, coefficient: Rational, rest: Id) -> Result<TokenStream, EngineError> {
        let rest = self.reference(rest)?;
        if coefficient == Rational::from_integer(1) {
            return Ok(rest);
        }
        let (single, double) = rational_literals(coefficient);
        let literal = self.literal(single, double);
        Ok(quote!((#literal * #rest)))
    }

    /// A product with its negative powers as one division: `a * b / (c * d)`.
    fn product(&self, id: Id) -> Result<TokenStream, EngineError> {
        let graph = self.graph;
        let factors = match graph.node(id) {
            Node::Mul(factors) => factors.clone(),
            _ => vec![id],
        };
        let mut numerator = Vec::new();
        let mut denominator = Vec::new();
        // σ(u) σ(-u), the sigmoid's derivative, is one call with one exponential.
        let mut factors = factors;
        if let Some((first, second, argument)) = sigmoid_pair(graph, &factors) {
            let argument = self.reference(argument)?;
            numerator.push(self.call("sigmoid_derivative", &[argument]));
            let (high, low) = (first.max(second), first.min(second));
            factors.remove(high);
            factors.remove(low);
        }
        // Every constant factor (rationals, `1/\sqrt{2}`, `\pi`) folds into one literal.
        let mut constant_part: Option<DoubleDouble> = None;
        for &factor in &factors {
            if let Some(value) = constant::fold(graph, factor) {
                constant_part = Some(match constant_part {
                    Some(product) => product.times(value),
                    None => value,
                });
                continue;
            }
            match graph.node(factor) {
                Node::Pow(base, exponent) if !self.names.contains_key(&factor) || factors.len() == 1 => {
                    let base_code = self.reference(*base)?;
                    match graph.rational(*exponent) {
                        Some(value) if *value.numer() < 0 => denominator.push(self.power(base_code, -value)),
                        Some(value) => numerator.push(self.power(base_code, value)),
                        None => {
                            let exponent = self.reference(*exponent)?;
                            numerator.push(self.call("powf", &[base_code, exponent]));
                        }
                    }
                }
                _ => numerator.push(self.reference(factor)?),
            }
        }
        let mut negate = false;
        if let Some(value) = constant_part {
            let magnitude = if value.to_f64() < 0.0 {
                negate = true;
                value.negated()
            } else {
                value
            };
            if magnitude.to_f64() != 1.0 {
                numerator.insert(0, self.folded(magnitude));
            }
        }
        let numerator = match numerator.split_first() {
            Some((first, rest)) => quote!(#first #(* #rest)*),
            None => self.call("one", &[]),
        };
        let product = match denominator.split_first() {
            None => quote!((#numerator)),
            Some((first, [])) => quote!((#numerator / #first)),
            Some((first, rest)) => quote!((#numerator / (#first #(* #rest)*))),
        };
        Ok(if negate { quote!((-#product)) } else { product })
    }

    /// `base^value` for a positive rational.
    fn power(&self, base: TokenStream, value: Rational) -> TokenStream {
        if value == Rational::from_integer(1) {
            return base;
        }
        if value == Rational::new(1, 2) {
            return self.call("sqrt", &[base]);
        }
        if value.is_integer()
            && let Ok(n) = i32::try_from(*value.numer())
        {
            return self.call("powi", &[base, quote!(#n)]);
        }
        let (single, double) = rational_literals(value);
        let exponent = self.literal(single, double);
        self.call("powf", &[base, exponent])
    }
}

/// Positions of `σ(u)` and `σ(-u)` among the factors, and `u`.
fn sigmoid_pair(graph: &Graph, factors: &[Id]) -> Option<(usize, usize, Id)> {
    for (first, &factor) in factors.iter().enumerate() {
        let Node::Apply(Func::Sigmoid, u) = graph.node(factor) else { continue };
        for (second, &other) in factors.iter().enumerate() {
            let Node::Apply(Func::Sigmoid, v) = graph.node(other) else { continue };
            if let Node::Mul(parts) = graph.node(*v)
                && parts.len() == 2
                && graph.rational(parts[0]) == Some(Rational::from_integer(-1))
                && parts[1] == *u
            {
                return Some((first, second, *u));
            }
        }
    }
    None
}

fn split_coefficient(graph: &Graph, term: Id) -> (Rational, Id) {
    match graph.node(term) {
        Node::Mul(factors) if factors.len() == 2 => match graph.rational(factors[0]) {
            Some(coefficient) => (coefficient, factors[1]),
            None => (Rational::from_integer(1), term),
        },
        _ => (Rational::from_integer(1), term),
    }
}
