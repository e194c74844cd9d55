//! The Rust emitter: straight-line code for one or more roots of a graph, generic over the
//! runtime's `Float` trait and over the level the elementary functions are compiled for.
//!
//! Common subexpressions are shared by construction (the graph is hash-consed), so emitting a
//! function's value and derivatives together computes `e^{-x}` once: every node used more than
//! once gets a `let`, in arena order (children before parents), and every other node is inlined
//! where it is used. Constants are written as a correctly rounded `f32` and `f64` literal pair.
//!
//! Functions are lowered onto the runtime's vectorisable elementary functions
//! (`texgrad::math`), and those that share work are computed together (`Family`): `σ(u)`,
//! `σ(-u)`, `σ(u)σ(-u)` and `softplus(±u)` from one `e^{-|u|}`; `tanh u` and `1/\cosh^2 u` from
//! one reduction; `e^u` and `e^u - 1` from one; the Gaussian factor inside `erfc(c u)` and `Φ(u)`
//! with the `e^{k u^2}` of a derivative. Sums become the runtime's vectorisable reductions.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use texgrad_grammar::names::Length;

use crate::constant::{self, DoubleDouble};
use crate::error::EngineError;
use crate::ir::{Compare, Constant, Func, Graph, Id, Index, Library, Node, Rational};

/// Where generated code finds the runtime, what its float type is called, and which level its
/// elementary functions are compiled for.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// The path of the `Float` trait (`::texgrad::__private::Float`).
    pub float_trait: TokenStream,
    /// The float type parameter (`F`).
    pub float_type: TokenStream,
    /// The visibility of emitted functions (`pub`).
    pub visibility: TokenStream,
    /// The runtime's module for generated code (`::texgrad::__private`), holding `math` and
    /// `kernels`.
    pub runtime: TokenStream,
    /// The level the elementary functions are instantiated for: the runtime's `Scalar` in plain
    /// functions, a kernel body's type parameter (`A`) in slice kernels.
    pub arch: TokenStream,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            float_trait: quote!(::texgrad::Float),
            float_type: quote!(F),
            visibility: quote!(pub),
            runtime: quote!(::texgrad::__private),
            arch: quote!(::texgrad::__private::Scalar),
        }
    }
}

impl EmitOptions {
    /// These options with the elementary functions instantiated for `arch`.
    pub fn with_arch(&self, arch: TokenStream) -> EmitOptions {
        EmitOptions { arch, ..self.clone() }
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

/// Functions of one argument that are computed together, keyed by that argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Family {
    /// `σ(±u)`, `σ(u)σ(-u)` and `softplus(±u)`, from `e = e^{-|u|}` and `r = 1/(1 + e)`.
    Logistic(Id),
    /// `e^u` and `e^u - 1`.
    Exponential(Id),
    /// `tanh u` and `1/\cosh^2 u`.
    Hyperbolic(Id),
    /// `e^{k u^2}` for a constant `k` (its `f64` bits): the Gaussian factor of `erfc(c u)` (with
    /// `k = -c^2`) and of `Φ(u)` (`k = -1/2`).
    Gaussian(Id, u64),
}

impl Family {
    fn argument(self) -> Id {
        match self {
            Family::Logistic(u) | Family::Exponential(u) | Family::Hyperbolic(u) | Family::Gaussian(u, _) => u,
        }
    }
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
        for child in graph.computed_children(id) {
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
    let mut emitter = Emitter {
        graph,
        options,
        names: HashMap::new(),
        log_sum_exp_parts_named: HashMap::new(),
        families: HashMap::new(),
    };
    // Families whose argument has no free index are computed once, as `let`s right after their
    // argument; the argument is named so that the members can refer to it.
    let live = |index: usize| reachable[index] && free[index].is_empty();
    let applied = |func: Func| -> HashSet<Id> {
        (0..graph.len())
            .filter(|&index| live(index))
            .filter_map(|index| match graph.node(graph.id_at(index)) {
                Node::Apply(applied, argument) if *applied == func => Some(*argument),
                _ => None,
            })
            .collect()
    };
    let paired = &applied(Func::Exp) & &applied(Func::ExpM1);
    let mut families: Vec<Family> = Vec::new();
    for index in (0..graph.len()).filter(|&index| live(index)) {
        for family in families_of(graph, graph.id_at(index), &paired) {
            if free[family.argument().index()].is_empty() && !families.contains(&family) {
                families.push(family);
            }
        }
    }
    for family in &families {
        uses[family.argument().index()] += 2;
    }
    let mut statements = TokenStream::new();
    let mut family_count = 0;
    let mut emit_families = |emitter: &mut Emitter<'_>, statements: &mut TokenStream, argument: Option<Id>| {
        for &family in &families {
            let due = match argument {
                Some(id) => family.argument() == id,
                None => is_leaf(graph.node(family.argument())) || constant::fold(graph, family.argument()).is_some(),
            };
            if due && !emitter.families.contains_key(&family) {
                let (tokens, names) = emitter.family(family, family_count)?;
                family_count += 1;
                statements.extend(tokens);
                emitter.families.insert(family, names);
            }
        }
        Ok::<(), EngineError>(())
    };
    emit_families(&mut emitter, &mut statements, None)?;
    for index in 0..graph.len() {
        let id = graph.id_at(index);
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
        emit_families(&mut emitter, &mut statements, Some(id))?;
    }
    let results = roots.iter().map(|&root| emitter.reference(root)).collect::<Result<_, _>>()?;
    Ok(Emitted { statements, results })
}

/// The families a node belongs to (see [`Family`]); `paired` holds the arguments of both `e^u`
/// and `e^u - 1`.
fn families_of(graph: &Graph, id: Id, paired: &HashSet<Id>) -> Vec<Family> {
    match graph.node(id) {
        Node::Apply(Func::Sigmoid | Func::Softplus, argument) => vec![Family::Logistic(unsigned(graph, *argument))],
        Node::Apply(Func::Exp, argument) => match gaussian_of(graph, *argument) {
            Some((u, k)) => vec![Family::Gaussian(u, k.to_f64().to_bits())],
            None if paired.contains(argument) => vec![Family::Exponential(*argument)],
            None => Vec::new(),
        },
        Node::Apply(Func::ExpM1, argument) if paired.contains(argument) => vec![Family::Exponential(*argument)],
        Node::Apply(Func::Tanh, argument) => vec![Family::Hyperbolic(*argument)],
        Node::Pow(base, exponent) if graph.rational(*exponent) == Some(Rational::from_integer(-2)) => {
            match graph.node(*base) {
                Node::Apply(Func::Cosh, argument) => vec![Family::Hyperbolic(*argument)],
                _ => Vec::new(),
            }
        }
        Node::Apply(Func::Erfc | Func::Erf, argument) => {
            let (c, u) = scaled(graph, *argument);
            vec![Family::Gaussian(u, c.times(c).negated().to_f64().to_bits())]
        }
        Node::Apply(Func::Phi, u) => vec![Family::Gaussian(*u, (-0.5f64).to_bits())],
        _ => Vec::new(),
    }
}

/// `u` for an argument `u` or `-u`: `σ(-u)` belongs to `u`'s family.
fn unsigned(graph: &Graph, argument: Id) -> Id {
    match split_coefficient(graph, argument) {
        (coefficient, rest) if coefficient == Rational::from_integer(-1) => rest,
        _ => argument,
    }
}

/// `(c, u)` for a product `c u` of constant factors and one other (`c = 1` for anything else).
fn constant_times(graph: &Graph, id: Id) -> Option<(DoubleDouble, Id)> {
    let Node::Mul(factors) = graph.node(id) else { return None };
    let mut c = DoubleDouble::from_f64(1.0);
    let mut rest = None;
    for &factor in factors {
        match constant::fold(graph, factor) {
            Some(value) => c = c.times(value),
            None if rest.is_none() => rest = Some(factor),
            None => return None,
        }
    }
    Some((c, rest?))
}

/// A sum's body that reads its slices only at the summation index (`dy[i] * out[i]`, `(y[i] -
/// t[i])^2`), as `(slices, element names, body over the elements)`: the runtime then sums over
/// the slices themselves, whose loops vectorise whole, where an index closure's bounds checks
/// keep the block of terms from filling in vector registers past its last whole chunk. `None`
/// where the body uses the index otherwise (a matrix element, a Kronecker delta) or reads no
/// slice.
pub(crate) fn element_wise(body: &TokenStream, index: &Ident) -> Option<(Vec<Ident>, Vec<Ident>, TokenStream)> {
    fn replace(tokens: TokenStream, index: &Ident, slices: &mut Vec<Ident>) -> TokenStream {
        let mut out = Vec::new();
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(group)
                    if group.delimiter() == proc_macro2::Delimiter::Bracket
                        && matches!(out.last(), Some(proc_macro2::TokenTree::Ident(_)))
                        && is_only(&group.stream(), index) =>
                {
                    let Some(proc_macro2::TokenTree::Ident(slice)) = out.pop() else { unreachable!() };
                    if !slices.contains(&slice) {
                        slices.push(slice.clone());
                    }
                    out.push(proc_macro2::TokenTree::Ident(element_name(&slice)));
                }
                proc_macro2::TokenTree::Group(group) => {
                    let mut replaced =
                        proc_macro2::Group::new(group.delimiter(), replace(group.stream(), index, slices));
                    replaced.set_span(group.span());
                    out.push(proc_macro2::TokenTree::Group(replaced));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
    fn is_only(tokens: &TokenStream, index: &Ident) -> bool {
        let mut tokens = tokens.clone().into_iter();
        matches!((tokens.next(), tokens.next()), (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == *index)
    }
    fn mentions(tokens: &TokenStream, index: &Ident) -> bool {
        tokens.clone().into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == *index,
            proc_macro2::TokenTree::Group(group) => mentions(&group.stream(), index),
            _ => false,
        })
    }
    let mut slices = Vec::new();
    let body = replace(body.clone(), index, &mut slices);
    if slices.is_empty() || mentions(&body, index) {
        return None;
    }
    let elements = slices.iter().map(element_name).collect();
    Some((slices, elements, body))
}

/// The name a sum's closure gives a slice's element: `__dy` for `dy[i]` (a LaTeX name has no
/// leading underscore).
fn element_name(slice: &Ident) -> Ident {
    format_ident!("__{}", slice.to_string().trim_start_matches("r#"))
}

/// A comparison of an input with a constant bound: `u \le a` (or `<`, or `a \ge u`) is below,
/// `u \ge b` above.
struct Bound {
    input: Id,
    bound: DoubleDouble,
    below: bool,
}

fn bound_of(graph: &Graph, condition: Id) -> Option<Bound> {
    let Node::Compare(op, a, b) = *graph.node(condition) else { return None };
    let below = match op {
        Compare::Less | Compare::LessEqual => true,
        Compare::Greater | Compare::GreaterEqual => false,
        Compare::Equal | Compare::NotEqual => return None,
    };
    match (constant::fold(graph, a), constant::fold(graph, b)) {
        (None, Some(bound)) => Some(Bound { input: a, bound, below }),
        (Some(bound), None) => Some(Bound { input: b, bound, below: !below }),
        _ => None,
    }
}

/// `(c, d)` for a node `c u + d` with constants `c` and `d` (either may be left out).
fn affine_in(graph: &Graph, id: Id, u: Id) -> Option<(DoubleDouble, DoubleDouble)> {
    let linear = |term: Id| match constant_times(graph, term) {
        Some((c, rest)) if rest == u => Some(c),
        _ if term == u => Some(DoubleDouble::from_f64(1.0)),
        _ => None,
    };
    if let Some(slope) = linear(id) {
        return Some((slope, DoubleDouble::from_f64(0.0)));
    }
    let Node::Add(terms) = graph.node(id) else { return None };
    let [first, second] = terms.as_slice() else { return None };
    match (linear(*first), constant::fold(graph, *second), linear(*second), constant::fold(graph, *first)) {
        (Some(slope), Some(offset), ..) | (.., Some(slope), Some(offset)) => Some((slope, offset)),
        _ => None,
    }
}

/// `(c, u)` with the argument `c u` for a constant `c` (1 where there is none).
pub(crate) fn scaled(graph: &Graph, argument: Id) -> (DoubleDouble, Id) {
    constant_times(graph, argument).unwrap_or((DoubleDouble::from_f64(1.0), argument))
}

/// `(u, k)` for an exponent `k u^2` with a constant `k`.
pub(crate) fn gaussian_of(graph: &Graph, exponent: Id) -> Option<(Id, DoubleDouble)> {
    let (k, square) = constant_times(graph, exponent)?;
    let Node::Pow(u, two) = graph.node(square) else { return None };
    (graph.rational(*two) == Some(Rational::from_integer(2))).then_some((*u, k))
}

/// The indices each node depends on (free in it), in arena order.
fn free_indices(graph: &Graph) -> Vec<Vec<Index>> {
    let mut free: Vec<Vec<Index>> = Vec::with_capacity(graph.len());
    for index in 0..graph.len() {
        let id = graph.id_at(index);
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

/// `a`, or `(a, b, ...)` for several.
pub fn tuple(items: &[TokenStream]) -> TokenStream {
    match items {
        [single] => single.clone(),
        _ => quote!((#(#items),*)),
    }
}

/// The loop variable of an index (`i_index`), a `usize`.
pub fn index_variable(index: Index) -> Ident {
    format_ident!("{}_index", index)
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

/// The names of a family's shared values.
#[derive(Clone, Debug)]
struct FamilyNames(Vec<Ident>);

struct Emitter<'g> {
    graph: &'g Graph,
    options: &'g EmitOptions,
    names: HashMap<Id, Ident>,
    /// Hoisted log-sum-exps, as the names of their maximum and their logarithm of the sum.
    log_sum_exp_parts_named: HashMap<Id, (Ident, Ident)>,
    /// Families computed up front, with the names of their shared values.
    families: HashMap<Family, FamilyNames>,
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

    /// A method of the `Float` trait.
    fn call(&self, method: &str, arguments: &[TokenStream]) -> TokenStream {
        let (float, float_trait) = (&self.options.float_type, &self.options.float_trait);
        let method = format_ident!("{method}");
        quote!(<#float as #float_trait>::#method(#(#arguments),*))
    }

    /// An elementary function of the runtime's `math`, at the emitted code's level.
    fn math(&self, function: &str, arguments: &[TokenStream]) -> TokenStream {
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        let function = format_ident!("{function}");
        quote!(#runtime::math::#function::<#float, #arch>(#(#arguments),*))
    }

    fn folded(&self, value: DoubleDouble) -> TokenStream {
        self.literal(value.to_f32(), value.to_f64())
    }

    /// The `let`s of a family, and the names they bind.
    fn family(&self, family: Family, position: usize) -> Result<(TokenStream, FamilyNames), EngineError> {
        let argument = self.reference(family.argument())?;
        let name = |part: &str| format_ident!("f{}_{}", position, part);
        Ok(match family {
            Family::Logistic(_) => {
                let (e, r) = (name("e"), name("r"));
                let parts = self.math("logistic_parts", &[argument]);
                (quote!(let (#e, #r) = #parts;), FamilyNames(vec![e, r]))
            }
            Family::Exponential(_) => {
                let (exponential, minus_one) = (name("exp"), name("exp_m1"));
                let pair = self.math("exp_and_exp_m1", &[argument]);
                (quote!(let (#exponential, #minus_one) = #pair;), FamilyNames(vec![exponential, minus_one]))
            }
            Family::Hyperbolic(_) => {
                let (tanh, sech2) = (name("tanh"), name("sech2"));
                let pair = self.math("tanh_and_sech2", &[argument]);
                (quote!(let (#tanh, #sech2) = #pair;), FamilyNames(vec![tanh, sech2]))
            }
            Family::Gaussian(_, k) => {
                let gaussian = name("gauss");
                let value = self.gaussian(argument, f64::from_bits(k));
                (quote!(let #gaussian = #value;), FamilyNames(vec![gaussian]))
            }
        })
    }

    /// `e^{k u^2}` computed from `u`.
    fn gaussian(&self, u: TokenStream, k: f64) -> TokenStream {
        let k = self.literal(k as f32, k);
        self.math("exp_scaled_square", &[u, k])
    }

    /// A Gaussian factor: the family's name, or the call inlined.
    fn gaussian_of(&self, u: Id, k: DoubleDouble) -> Result<TokenStream, EngineError> {
        let family = Family::Gaussian(u, k.to_f64().to_bits());
        Ok(match self.families.get(&family) {
            Some(FamilyNames(names)) => {
                let name = &names[0];
                quote!(#name)
            }
            None => {
                let folded = self.literal(k.to_f32(), k.to_f64());
                self.math("exp_scaled_square", &[self.reference(u)?, folded])
            }
        })
    }

    /// A function applied to an argument, through its family where it has one.
    fn apply(&self, func: Func, argument: Id) -> Result<TokenStream, EngineError> {
        let graph = self.graph;
        match func {
            Func::Sigmoid | Func::Softplus => {
                if let Some(FamilyNames(names)) = self.families.get(&Family::Logistic(unsigned(graph, argument))) {
                    let (e, r) = (&names[0], &names[1]);
                    let signed = self.reference(argument)?;
                    return Ok(if func == Func::Sigmoid {
                        self.math("sigmoid_from_parts", &[signed, quote!(#e), quote!(#r)])
                    } else {
                        self.math("softplus_from_parts", &[signed, quote!(#e)])
                    });
                }
            }
            Func::Exp | Func::ExpM1 => {
                if func == Func::Exp
                    && let Some((u, k)) = gaussian_of(graph, argument)
                {
                    return self.gaussian_of(u, k);
                }
                if let Some(FamilyNames(names)) = self.families.get(&Family::Exponential(argument)) {
                    let name = &names[usize::from(func == Func::ExpM1)];
                    return Ok(quote!(#name));
                }
            }
            Func::Tanh => {
                if let Some(FamilyNames(names)) = self.families.get(&Family::Hyperbolic(argument)) {
                    let name = &names[0];
                    return Ok(quote!(#name));
                }
            }
            Func::Erfc | Func::Erf => {
                let (c, u) = scaled(graph, argument);
                let gaussian = self.gaussian_of(u, c.times(c).negated())?;
                let function = if func == Func::Erfc { "erfc_given_gaussian" } else { "erf_given_gaussian" };
                return Ok(self.math(function, &[self.reference(argument)?, gaussian]));
            }
            Func::Phi => {
                let gaussian = self.gaussian_of(argument, DoubleDouble::from_f64(-0.5))?;
                return Ok(self.math("phi_given_gaussian", &[self.reference(argument)?, gaussian]));
            }
            _ => {}
        }
        let argument = self.reference(argument)?;
        Ok(match func.library() {
            Library::Math => self.math(func.runtime_name(), &[argument]),
            Library::Float => self.call(func.runtime_name(), &[argument]),
        })
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
            Node::Symbol(name) if Length::of(name).is_some() => {
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
                // Constant terms (`3/2 - \pi`) are one correctly rounded literal.
                let constants = constant_terms(graph, terms);
                for (position, &term) in terms.iter().enumerate() {
                    if let Some((first, total)) = constants {
                        if position == first {
                            if total.to_f64() < 0.0 {
                                negative.push(self.folded(total.negated()));
                            } else {
                                positive.push(self.folded(total));
                            }
                        }
                        if constant::fold(graph, term).is_some() {
                            continue;
                        }
                    }
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
            Node::Apply(func, argument) => self.apply(*func, *argument)?,
            Node::Max(a, b) => self.call("maximum", &[self.reference(*a)?, self.reference(*b)?]),
            Node::Min(a, b) => match self.capped_from_below(*a, *b)? {
                Some(capped) => capped,
                None => self.call("minimum", &[self.reference(*a)?, self.reference(*b)?]),
            },
            Node::XLogY(y, x) => self.math("xlogy", &[self.reference(*y)?, self.reference(*x)?]),
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
                let abs = self.call("abs", &[self.reference(*argument)?]);
                let tenth = self.literal(0.1, 0.1);
                self.choice(quote!(#abs < #tenth), *series, *exact)?
            }
            Node::ComputedAs { computed, .. } => self.reference(*computed)?,
            Node::Select { condition, then, otherwise } => match self.saturating_affine(id)? {
                Some(clamped) => clamped,
                None => self.choice(self.reference(*condition)?, *then, *otherwise)?,
            },
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
                        let columns = identifier(Length::Columns.name());
                        quote!(#name[#row * #columns + #column])
                    }
                    _ => return Err(EngineError::new(format!("`{name}` has more than two indices"))),
                }
            }
            Node::Delta(a, b) => {
                let (a, b) = (index_variable(*a), index_variable(*b));
                let (one, zero) = (self.call("one", &[]), self.call("zero", &[]));
                quote!(::core::hint::select_unpredictable(#a == #b, #one, #zero))
            }
            Node::Sum(index, body) => {
                let length = self.length(*index, *body);
                let variable = index_variable(*index);
                let body = self.reference(*body)?;
                let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
                match element_wise(&body, &variable) {
                    Some((slices, elements, body)) => quote!(#runtime::kernels::sum_of_elements::<#float, #arch, _>(
                        #length,
                        [#(&#slices[..]),*],
                        #[inline(always)] |[#(#elements),*]: [#float; _]| #body
                    )),
                    None => {
                        quote!(#runtime::kernels::sum::<#float, #arch>(#length, #[inline(always)] |#variable| #body))
                    }
                }
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

    /// `then` where `condition` holds, else `otherwise`. A select where both sides are cheap
    /// (`select_unpredictable`: LLVM may turn nested `if`s into branches, which stop a loop from
    /// vectorising); where a side costs a function call, the runtime's `choose`, a branch in the
    /// plain scalar functions (which skips the work of the side not taken) and a select in slice
    /// kernels (which compute both sides anyway).
    fn choice(&self, condition: TokenStream, then: Id, otherwise: Id) -> Result<TokenStream, EngineError> {
        let (then_code, otherwise_code) = (self.reference(then)?, self.reference(otherwise)?);
        if !self.costly(then) && !self.costly(otherwise) {
            return Ok(quote!(::core::hint::select_unpredictable(#condition, #then_code, #otherwise_code)));
        }
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        Ok(quote!(#runtime::math::choose::<#float, #arch>(
            #condition,
            #[inline(always)] || #then_code,
            #[inline(always)] || #otherwise_code
        )))
    }

    /// Whether computing a node (beyond what is already named) calls a function.
    fn costly(&self, id: Id) -> bool {
        if self.names.contains_key(&id) {
            return false;
        }
        match self.graph.node(id) {
            Node::Apply(..) | Node::XLogY(..) | Node::Sum(..) | Node::LogSumExp(..) => true,
            Node::Pow(_, exponent) if self.graph.rational(*exponent).is_none_or(|value| !value.is_integer()) => true,
            _ => self.graph.computed_children(id).into_iter().any(|child| self.costly(child)),
        }
    }

    /// `(max_j u_j, ln Σ_j e^{u_j - max})`, the maximum first so that no exponential overflows.
    fn log_sum_exp_parts(&self, index: Index, exponent: Id) -> Result<TokenStream, EngineError> {
        let length = self.length(index, exponent);
        let variable = index_variable(index);
        let exponent = self.reference(exponent)?;
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        Ok(quote!(#runtime::kernels::log_sum_exp::<#float, #arch>(#length, #[inline(always)] |#variable| #exponent)))
    }

    /// The `usize` length an index runs over.
    fn length(&self, index: Index, body: Id) -> TokenStream {
        let length = identifier(self.graph.length_of(body, index).name());
        quote!(#length)
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
        if let Some(selected) = self.selected_product(&factors)? {
            return Ok(selected);
        }
        let mut numerator = Vec::new();
        let mut denominator = Vec::new();
        // σ(u) σ(-u), the sigmoid's derivative, is one call with one exponential.
        let mut factors = factors;
        if let Some((first, second, argument)) = sigmoid_pair(graph, &factors) {
            numerator.push(match self.families.get(&Family::Logistic(argument)) {
                Some(FamilyNames(names)) => {
                    let (e, r) = (&names[0], &names[1]);
                    self.math("sigmoid_derivative_from_parts", &[quote!(#e), quote!(#r)])
                }
                None => self.math("sigmoid_derivative", &[self.reference(argument)?]),
            });
            let (high, low) = (first.max(second), first.min(second));
            factors.remove(high);
            factors.remove(low);
        }
        // Squares over squares are one square of a quotient, which stays in range.
        let QuotientPowers { pairs, exponents } = quotient_powers(graph, &factors);
        for (top, bottom, k) in pairs {
            let (top, bottom) = (self.reference(top)?, self.reference(bottom)?);
            let quotient = quote!((#top / #bottom));
            numerator.push(self.power(quotient, Rational::from_integer(i128::from(k))));
        }
        // Every constant factor (rationals, `1/\sqrt{2}`, `\pi`) folds into one literal.
        let mut constant_part: Option<DoubleDouble> = None;
        for (position, &factor) in factors.iter().enumerate() {
            if let Some(&exponent) = exponents.get(&position) {
                let Node::Pow(base, _) = graph.node(factor) else { continue };
                let base_code = self.reference(*base)?;
                match *exponent.numer() {
                    0 => {}
                    n if n < 0 => denominator.push(self.power(base_code, -exponent)),
                    _ => numerator.push(self.power(base_code, exponent)),
                }
                continue;
            }
            if let Some(value) = constant::fold(graph, factor) {
                constant_part = Some(match constant_part {
                    Some(product) => product.times(value),
                    None => value,
                });
                continue;
            }
            match graph.node(factor) {
                // 1/cosh^2 u is its family's sech^2 u.
                Node::Pow(base, exponent)
                    if (!self.names.contains_key(&factor) || factors.len() == 1)
                        && graph.rational(*exponent) == Some(Rational::from_integer(-2))
                        && let Node::Apply(Func::Cosh, argument) = graph.node(*base)
                        && let Some(FamilyNames(names)) = self.families.get(&Family::Hyperbolic(*argument)) =>
                {
                    let sech2 = &names[1];
                    numerator.push(quote!(#sech2));
                }
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

    /// A linear piece between two constant plateaus that it meets exactly (hardsigmoid:
    /// `0` for `x \le -3`, `1` for `x \ge 3`, `x/6 + 1/2` between) as the linear piece of the
    /// input clamped to the plateaus' bounds: `c · clamp(u, a, b) + d`, a minimum, a maximum and
    /// one multiply-add instead of two comparisons and two blends after the multiply-add.
    /// It returns the same values bit for bit: only where the piece, evaluated in `f32` and in
    /// `f64` as emitted (no fused multiply-add), gives the plateaus' literals at the bounds
    /// exactly; a NaN input stays NaN through the clamp.
    fn saturating_affine(&self, id: Id) -> Result<Option<TokenStream>, EngineError> {
        let graph = self.graph;
        let Node::Select { condition, then, otherwise } = *graph.node(id) else { return Ok(None) };
        if self.names.contains_key(&otherwise) {
            return Ok(None);
        }
        let Node::Select { condition: inner_condition, then: inner_then, otherwise: piece } = *graph.node(otherwise)
        else {
            return Ok(None);
        };
        let (Some(outer), Some(inner)) = (bound_of(graph, condition), bound_of(graph, inner_condition)) else {
            return Ok(None);
        };
        let (Some(outer_plateau), Some(inner_plateau)) =
            (constant::fold(graph, then), constant::fold(graph, inner_then))
        else {
            return Ok(None);
        };
        let ((low, low_plateau), (high, high_plateau)) = match (outer.below, inner.below) {
            (true, false) => ((outer.bound, outer_plateau), (inner.bound, inner_plateau)),
            (false, true) => ((inner.bound, inner_plateau), (outer.bound, outer_plateau)),
            _ => return Ok(None),
        };
        let Some((slope, offset)) = affine_in(graph, piece, outer.input) else { return Ok(None) };
        if outer.input != inner.input {
            return Ok(None);
        }
        // The piece as emitted: `slope * t` (left out for a slope of 1), then `+ offset` (left
        // out for 0), each rounded.
        let (scales, shifts) = (slope.to_f64() != 1.0, offset.to_f64() != 0.0);
        fn meets<T: Copy + core::ops::Mul<Output = T> + core::ops::Add<Output = T>>(
            (scales, shifts): (bool, bool),
            (slope, offset): (T, T),
            at: T,
            plateau: T,
            to_bits: fn(T) -> u64,
        ) -> bool {
            let scaled = if scales { slope * at } else { at };
            let value = if shifts { scaled + offset } else { scaled };
            to_bits(value) == to_bits(plateau)
        }
        let shape = (scales, shifts);
        let single = (slope.to_f32(), offset.to_f32());
        let double = (slope.to_f64(), offset.to_f64());
        let single_bits: fn(f32) -> u64 = |value| u64::from(value.to_bits());
        let ordered = low.to_f32() < high.to_f32() && low.to_f64() < high.to_f64();
        let meets_both = meets(shape, single, low.to_f32(), low_plateau.to_f32(), single_bits)
            && meets(shape, single, high.to_f32(), high_plateau.to_f32(), single_bits)
            && meets(shape, double, low.to_f64(), low_plateau.to_f64(), f64::to_bits)
            && meets(shape, double, high.to_f64(), high_plateau.to_f64(), f64::to_bits);
        if !(ordered && meets_both) {
            return Ok(None);
        }
        let input = self.reference(outer.input)?;
        let (low, high) = (self.folded(low), self.folded(high));
        let mut value = quote!(clamped);
        if scales {
            let slope = self.folded(slope);
            value = quote!(#slope * #value);
        }
        if shifts {
            let offset = self.folded(offset);
            value = quote!(#value + #offset);
        }
        Ok(Some(quote!({
            let clamped = ::core::hint::select_unpredictable(
                #input <= #low,
                #low,
                ::core::hint::select_unpredictable(#input >= #high, #high, #input),
            );
            #value
        })))
    }

    /// `min(c₁, max(c₀, u))` for constants `c₀ < c₁` (ReLU6) as `u ≤ c₀ ? c₀ : min(c₁, u)`: the
    /// comparison reads `u` itself, so that it and the minimum run side by side rather than one
    /// after the other (the hand-written loop's shape: four SSE2 instructions per four elements
    /// instead of five and a copy). The same values bit for bit: below `c₀` (and at it, -0
    /// included) both give `c₀`, above it both give the minimum of `u`, and a NaN `u` passes
    /// through the maximum as it does through the minimum, whose operand order is kept. Only
    /// with the constant first in the maximum: `max(u, c₀)` gives `c₀` for a NaN `u`.
    fn capped_from_below(&self, a: Id, b: Id) -> Result<Option<TokenStream>, EngineError> {
        let graph = self.graph;
        let (cap, inner, cap_first) = match (constant::fold(graph, a), constant::fold(graph, b)) {
            (Some(cap), None) => (cap, b, true),
            (None, Some(cap)) => (cap, a, false),
            _ => return Ok(None),
        };
        if self.names.contains_key(&inner) {
            return Ok(None);
        }
        let Node::Max(floor, u) = *graph.node(inner) else { return Ok(None) };
        let Some(floor_value) = constant::fold(graph, floor) else { return Ok(None) };
        if constant::fold(graph, u).is_some()
            || floor_value.to_f32() >= cap.to_f32()
            || floor_value.to_f64() >= cap.to_f64()
        {
            return Ok(None);
        }
        let (u, floor, cap) = (self.reference(u)?, self.folded(floor_value), self.folded(cap));
        let minimum =
            if cap_first { self.call("minimum", &[cap, u.clone()]) } else { self.call("minimum", &[u.clone(), cap]) };
        Ok(Some(quote!(::core::hint::select_unpredictable(#u <= #floor, #floor, #minimum))))
    }

    /// `u · (c ? 1 : k)` (leaky ReLU's `x` times its slope, as the simplifier factors it) as
    /// `c ? u : k u`: the same values, but the product no longer waits for the select, which
    /// costs a tenth of a cheap loop's time where the select needs a register copy (SSE2).
    /// Only where the select is used nowhere else: where the derivative shares it, the factored
    /// form is the cheaper one.
    fn selected_product(&self, factors: &[Id]) -> Result<Option<TokenStream>, EngineError> {
        let graph = self.graph;
        let [first, second] = *factors else { return Ok(None) };
        let (factor, select) = match (graph.node(first), graph.node(second)) {
            (_, Node::Select { .. }) => (first, second),
            (Node::Select { .. }, _) => (second, first),
            _ => return Ok(None),
        };
        let Node::Select { condition, then, otherwise } = *graph.node(select) else { return Ok(None) };
        let is_one = |id: Id| graph.rational(id) == Some(Rational::from_integer(1));
        if self.names.contains_key(&select)
            || (self.costly(factor) && !self.names.contains_key(&factor))
            || self.costly(then)
            || self.costly(otherwise)
            || (is_one(then) == is_one(otherwise))
        {
            return Ok(None);
        }
        let (condition, u) = (self.reference(condition)?, self.reference(factor)?);
        let scaled = |k: Id| -> Result<TokenStream, EngineError> {
            let k = self.reference(k)?;
            Ok(quote!((#k * #u)))
        };
        let (then, otherwise) = if is_one(then) { (u.clone(), scaled(otherwise)?) } else { (scaled(then)?, u.clone()) };
        Ok(Some(quote!(::core::hint::select_unpredictable(#condition, #then, #otherwise))))
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
pub(crate) fn sigmoid_pair(graph: &Graph, factors: &[Id]) -> Option<(usize, usize, Id)> {
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

/// The squares (and higher integer powers) of a product's numerator paired with those of its
/// denominator as powers of quotients, `\frac{a^2}{b^2}` as `(a / b)^2`: `\frac{2 \sin^2(x/2)}{x^2}`
/// at `10^{-160}` is `0/0` squared apart but `2 (1/2)^2` as a quotient's square, and `a^2` can
/// overflow where `a / b` does not. A `\cosh^{-2}` is left to its family's `sech^2`.
pub(crate) fn quotient_powers(graph: &Graph, factors: &[Id]) -> QuotientPowers {
    let power_of = |factor: Id| -> Option<(Id, i128)> {
        let Node::Pow(base, exponent) = graph.node(factor) else { return None };
        let value = graph.rational(*exponent).filter(|value| value.is_integer())?;
        if constant::fold(graph, *base).is_some() {
            return None;
        }
        Some((*base, *value.numer()))
    };
    let mut powers: Vec<(usize, Id, i128)> = factors
        .iter()
        .enumerate()
        .filter_map(|(position, &factor)| power_of(factor).map(|(base, exponent)| (position, base, exponent)))
        .filter(|&(_, base, exponent)| !(exponent < 0 && matches!(graph.node(base), Node::Apply(Func::Cosh, _))))
        .collect();
    let mut pairs = Vec::new();
    let mut changed = HashMap::new();
    for top in 0..powers.len() {
        for bottom in 0..powers.len() {
            let (top_exponent, bottom_exponent) = (powers[top].2, -powers[bottom].2);
            if top_exponent < 2 || bottom_exponent < 2 {
                continue;
            }
            let k = top_exponent.min(bottom_exponent);
            let Ok(small) = i32::try_from(k) else { continue };
            pairs.push((powers[top].1, powers[bottom].1, small));
            powers[top].2 -= k;
            powers[bottom].2 += k;
            changed.insert(powers[top].0, Rational::from_integer(powers[top].2));
            changed.insert(powers[bottom].0, Rational::from_integer(powers[bottom].2));
        }
    }
    QuotientPowers { pairs, exponents: changed }
}

/// A product's powers paired as quotients ([`quotient_powers`]).
pub(crate) struct QuotientPowers {
    /// `(a, b, k)` for each `(a / b)^k`, in factor order.
    pub pairs: Vec<(Id, Id, i32)>,
    /// The exponent left to each paired factor, by position (0 where all of it is paired).
    pub exponents: HashMap<usize, Rational>,
}

/// Where a sum has two or more constant terms: the position of the first, and their sum.
pub(crate) fn constant_terms(graph: &Graph, terms: &[Id]) -> Option<(usize, DoubleDouble)> {
    let constants: Vec<(usize, DoubleDouble)> = terms
        .iter()
        .enumerate()
        .filter_map(|(position, &term)| Some((position, constant::fold(graph, term)?)))
        .collect();
    if constants.len() < 2 {
        return None;
    }
    let total = constants.iter().skip(1).fold(constants[0].1, |total, (_, value)| total.plus(*value));
    Some((constants[0].0, total))
}

pub(crate) fn split_coefficient(graph: &Graph, term: Id) -> (Rational, Id) {
    match graph.node(term) {
        Node::Mul(factors) if factors.len() == 2 => match graph.rational(factors[0]) {
            Some(coefficient) => (coefficient, factors[1]),
            None => (Rational::from_integer(1), term),
        },
        _ => (Rational::from_integer(1), term),
    }
}
