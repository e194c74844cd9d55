//! The Rust emitter: a [`Program`] printed as straight-line code, generic over the runtime's
//! `Float` trait and over the level the elementary functions are compiled for. Every choice of
//! how to compute is the program's ([`crate::program::build()`]); this module only writes it: a
//! named instruction as a `let` in order, every other one where it is used, each operation
//! bracketed, constants as correctly rounded `f32` and `f64` literal pairs.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use texgrad_grammar::names::Length;

use crate::error::EngineError;
use crate::ir::{Compare, Graph, Id, Index, Library};
use crate::program::{self, Binding, Family, Op, Power, Program, Value};

pub use crate::program::build::rational_literals;

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
    /// How much the accuracy search may do for each scalar form ([`crate::search`]); `None`
    /// turns it off.
    pub search: Option<crate::search::Budget>,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            float_trait: quote!(::texgrad::Float),
            float_type: quote!(F),
            visibility: quote!(pub),
            runtime: quote!(::texgrad::__private),
            arch: quote!(::texgrad::__private::Scalar),
            search: Some(crate::search::Budget::default()),
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

/// Straight-line code computing every root: the program of `roots` ([`program::build()`]),
/// printed.
pub fn emit(graph: &Graph, roots: &[Id], options: &EmitOptions) -> Result<Emitted, EngineError> {
    Ok(print(&program::build(graph, roots)?, options, None))
}

/// A program printed: its named instructions as `let` statements in order, and one expression
/// per result. With `elements`, every element of a vector at that index is written as the
/// closure argument of an element-wise loop over it (`__z` for `z[i_index]`).
pub fn print(program: &Program, options: &EmitOptions, elements: Option<Index>) -> Emitted {
    printed(program, options, elements).0
}

/// [`print`], with the slices read as elements at `elements` by the statements and by the
/// results, each in the order first read.
fn printed(program: &Program, options: &EmitOptions, elements: Option<Index>) -> (Emitted, Vec<Ident>, Vec<Ident>) {
    let printer = Printer {
        program,
        options,
        elements: std::cell::RefCell::new(elements.into_iter().collect()),
        read: std::cell::RefCell::new(vec![Vec::new()]),
    };
    let mut statements = TokenStream::new();
    for (position, instruction) in program.instructions.iter().enumerate() {
        if instruction.binding != Binding::Inline {
            statements.extend(printer.statement(position));
        }
    }
    let read_by_statements = printer.read.replace(vec![Vec::new()]).concat();
    let results = program.results.iter().map(|&result| printer.reference(result)).collect();
    let read_by_results = printer.read.take().concat();
    (Emitted { statements, results }, read_by_statements, read_by_results)
}

/// An expression written as the body of an element-wise loop ([`element_wise`]).
#[derive(Clone, Debug)]
pub struct ElementWise {
    /// The statements (read no element; written before the loop) and the body.
    pub emitted: Emitted,
    /// The slices the body reads, in the order it first reads them.
    pub slices: Vec<Ident>,
    /// The closure's argument for each slice's element (`__z` for `z`), in the same order.
    pub elements: Vec<Ident>,
}

/// The expression computing `root` of `graph` as the body of a loop that reads its slices only
/// at `index` (the rows of softmax: `|__z| ...` for `z[i_index]`); `None` where the body reads
/// the index otherwise (decided on the IR, [`program::build::reads_slices_at`]), reads no slice,
/// or shares a subexpression that reads one.
pub fn element_wise(
    graph: &Graph,
    root: Id,
    index: Index,
    options: &EmitOptions,
) -> Result<Option<ElementWise>, EngineError> {
    if !program::build::reads_slices_at(graph, root, index) {
        return Ok(None);
    }
    let program = program::build(graph, &[root])?;
    let (emitted, read_by_statements, slices) = printed(&program, options, Some(index));
    // A shared subexpression is written before the loop, where no element is bound.
    if !read_by_statements.is_empty() || slices.is_empty() {
        return Ok(None);
    }
    let elements = slices.iter().map(element_name).collect();
    Ok(Some(ElementWise { emitted, slices, elements }))
}

/// The name a sum's closure gives a slice's element: `__dy` for `dy[i]` (a LaTeX name has no
/// leading underscore).
fn element_name(slice: &Ident) -> Ident {
    format_ident!("__{}", slice.to_string().trim_start_matches("r#"))
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

struct Printer<'p> {
    program: &'p Program,
    options: &'p EmitOptions,
    /// The indices of the element-wise loops being written, innermost last.
    elements: std::cell::RefCell<Vec<Index>>,
    /// The slices read as elements, one list per element-wise loop being written (innermost
    /// last), each slice once, in the order first read: the loop's closure arguments.
    read: std::cell::RefCell<Vec<Vec<Ident>>>,
}

impl Printer<'_> {
    /// A value as an operand: its name, or its instruction written in place.
    fn reference(&self, value: Value) -> TokenStream {
        let instruction = &self.program.instructions[value.instruction];
        match instruction.binding {
            Binding::Inline => self.expression(value.instruction),
            Binding::Shared(name) => {
                let name = format_ident!("t{}", name);
                quote!(#name)
            }
            Binding::Family(position) => {
                let Op::Parts(family, _) = instruction.op else { return self.expression(value.instruction) };
                let name = format_ident!("f{}_{}", position, family.part_names()[value.part]);
                quote!(#name)
            }
            Binding::Gaussian(position) => {
                let name = format_ident!("f{}_gauss", position);
                quote!(#name)
            }
            Binding::LogSumExpParts(name) => {
                let name = format_ident!("t{}_{}", name, if value.part == 0 { "max" } else { "log" });
                quote!(#name)
            }
        }
    }

    /// The `let` of a named instruction.
    fn statement(&self, position: usize) -> TokenStream {
        let instruction = &self.program.instructions[position];
        let expression = self.expression(position);
        match instruction.binding {
            Binding::Inline => TokenStream::new(),
            Binding::Shared(name) => {
                let name = format_ident!("t{}", name);
                quote!(let #name = #expression;)
            }
            Binding::Family(_) | Binding::LogSumExpParts(_) => {
                let (first, second) = (
                    self.reference(Value { instruction: position, part: 0 }),
                    self.reference(Value { instruction: position, part: 1 }),
                );
                quote!(let (#first, #second) = #expression;)
            }
            Binding::Gaussian(_) => {
                let name = self.reference(Value::of(position));
                quote!(let #name = #expression;)
            }
        }
    }

    fn literal(&self, literal: &program::Literal) -> TokenStream {
        float_literal(literal.single, literal.double, self.options)
    }

    /// A method of the `Float` trait.
    fn call(&self, method: &str, arguments: &[TokenStream]) -> TokenStream {
        let (float, float_trait) = (&self.options.float_type, &self.options.float_trait);
        let method = format_ident!("{method}");
        quote!(<#float as #float_trait>::#method(#(#arguments),*))
    }

    /// An elementary function of the runtime's `math`, at the code's level.
    fn math(&self, function: &str, arguments: &[TokenStream]) -> TokenStream {
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        let function = format_ident!("{function}");
        quote!(#runtime::math::#function::<#float, #arch>(#(#arguments),*))
    }

    /// A length as an identifier (`n`).
    fn length(length: Length) -> TokenStream {
        let length = identifier(length.name());
        quote!(#length)
    }

    /// `then` or `otherwise` by `condition`: a select, or the runtime's `choose` (a branch in
    /// the plain functions) where a side costs a call.
    fn choice(&self, condition: TokenStream, then: Value, otherwise: Value, costly: bool) -> TokenStream {
        let (then, otherwise) = (self.reference(then), self.reference(otherwise));
        if !costly {
            return quote!(::core::hint::select_unpredictable(#condition, #then, #otherwise));
        }
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        quote!(#runtime::math::choose::<#float, #arch>(
            #condition,
            #[inline(always)] || #then,
            #[inline(always)] || #otherwise
        ))
    }

    /// A family's two parts, by name.
    fn parts(&self, parts: Value) -> (TokenStream, TokenStream) {
        (self.reference(Value { part: 0, ..parts }), self.reference(Value { part: 1, ..parts }))
    }

    fn expression(&self, position: usize) -> TokenStream {
        let (float, runtime, arch) = (&self.options.float_type, &self.options.runtime, &self.options.arch);
        match &self.program.instructions[position].op {
            Op::Literal(literal) => self.literal(literal),
            Op::Zero => self.call("zero", &[]),
            Op::One => self.call("one", &[]),
            Op::Name(name) => {
                let name = identifier(name);
                quote!(#name)
            }
            Op::Length(length) => self.call("from_usize", &[Self::length(*length)]),
            Op::Element(name, indices) => {
                let slice = identifier(name);
                match indices.as_slice() {
                    [column] if self.elements.borrow().last() == Some(column) => {
                        if let Some(read) = self.read.borrow_mut().last_mut()
                            && !read.contains(&slice)
                        {
                            read.push(slice.clone());
                        }
                        let element = element_name(&slice);
                        quote!(#element)
                    }
                    [column] => {
                        let column = index_variable(*column);
                        quote!(#slice[#column])
                    }
                    [row, column] => {
                        let (row, column) = (index_variable(*row), index_variable(*column));
                        let columns = Self::length(Length::Columns);
                        quote!(#slice[#row * #columns + #column])
                    }
                    _ => quote!(::core::compile_error!("texgrad: an element with more than two indices")),
                }
            }
            Op::Delta(a, b) => {
                let (a, b) = (index_variable(*a), index_variable(*b));
                let (one, zero) = (self.call("one", &[]), self.call("zero", &[]));
                quote!(::core::hint::select_unpredictable(#a == #b, #one, #zero))
            }
            Op::Sum { positive, negative, log_sum_exps } => {
                let positive: Vec<TokenStream> = positive.iter().map(|&term| self.reference(term)).collect();
                let mut sum = match positive.split_first() {
                    Some((first, rest)) => quote!(#first #(+ #rest)*),
                    None => self.call("zero", &[]),
                };
                for &term in negative {
                    let term = self.reference(term);
                    sum = quote!(#sum - #term);
                }
                for &(subtract, parts) in log_sum_exps {
                    let (largest, logarithm) = self.parts(parts);
                    sum = if subtract {
                        quote!((#sum - #largest) - #logarithm)
                    } else {
                        quote!((#sum + #largest) + #logarithm)
                    };
                }
                quote!((#sum))
            }
            Op::Product { numerator, denominator, negate } => {
                let numerator: Vec<TokenStream> = numerator.iter().map(|&factor| self.reference(factor)).collect();
                let denominator: Vec<TokenStream> = denominator.iter().map(|&factor| self.reference(factor)).collect();
                let numerator = match numerator.split_first() {
                    Some((first, rest)) => quote!(#first #(* #rest)*),
                    None => self.call("one", &[]),
                };
                let product = match denominator.split_first() {
                    None => quote!((#numerator)),
                    Some((first, [])) => quote!((#numerator / #first)),
                    Some((first, rest)) => quote!((#numerator / (#first #(* #rest)*))),
                };
                if *negate { quote!((-#product)) } else { product }
            }
            Op::Quotient(a, b) => {
                let (a, b) = (self.reference(*a), self.reference(*b));
                quote!((#a / #b))
            }
            Op::Power(base, power) => {
                let base = self.reference(*base);
                match power {
                    Power::Sqrt => self.call("sqrt", &[base]),
                    Power::Integer(n) => self.call("powi", &[base, quote!(#n)]),
                    Power::Literal(exponent) => self.call("powf", &[base, self.literal(exponent)]),
                }
            }
            Op::PowerOf(base, exponent) => self.call("powf", &[self.reference(*base), self.reference(*exponent)]),
            Op::Call(func, argument) => {
                let argument = self.reference(*argument);
                match func.library() {
                    Library::Math => self.math(func.runtime_name(), &[argument]),
                    Library::Float => self.call(func.runtime_name(), &[argument]),
                }
            }
            Op::Parts(family, argument) => {
                let function = match family {
                    Family::Logistic => "logistic_parts",
                    Family::Exponential => "exp_and_exp_m1",
                    Family::Hyperbolic => "tanh_and_sech2",
                };
                self.math(function, &[self.reference(*argument)])
            }
            Op::Gaussian(u, k) => self.math("exp_scaled_square", &[self.reference(*u), self.literal(k)]),
            Op::GivenGaussian(func, x, factor) => {
                let function = match func {
                    crate::ir::Func::Erfc => "erfc_given_gaussian",
                    crate::ir::Func::Erf => "erf_given_gaussian",
                    _ => "phi_given_gaussian",
                };
                self.math(function, &[self.reference(*x), self.reference(*factor)])
            }
            Op::SigmoidFromParts(u, parts) => {
                let (e, r) = self.parts(*parts);
                self.math("sigmoid_from_parts", &[self.reference(*u), e, r])
            }
            Op::SoftplusFromParts(u, parts) => {
                let (e, _) = self.parts(*parts);
                self.math("softplus_from_parts", &[self.reference(*u), e])
            }
            Op::SigmoidDerivativeFromParts(parts) => {
                let (e, r) = self.parts(*parts);
                self.math("sigmoid_derivative_from_parts", &[e, r])
            }
            Op::SigmoidDerivative(u) => self.math("sigmoid_derivative", &[self.reference(*u)]),
            Op::Maximum(a, b) => self.call("maximum", &[self.reference(*a), self.reference(*b)]),
            Op::Minimum(a, b) => self.call("minimum", &[self.reference(*a), self.reference(*b)]),
            Op::CappedFromBelow { input, floor, cap, cap_first } => {
                let (u, floor, cap) = (self.reference(*input), self.literal(floor), self.literal(cap));
                let minimum = if *cap_first {
                    self.call("minimum", &[cap, u.clone()])
                } else {
                    self.call("minimum", &[u.clone(), cap])
                };
                quote!(::core::hint::select_unpredictable(#u <= #floor, #floor, #minimum))
            }
            Op::Clamped { input, low, high, slope, offset } => {
                let input = self.reference(*input);
                let (low, high) = (self.literal(low), self.literal(high));
                let mut value = quote!(clamped);
                if let Some(slope) = slope {
                    let slope = self.literal(slope);
                    value = quote!(#slope * #value);
                }
                if let Some(offset) = offset {
                    let offset = self.literal(offset);
                    value = quote!(#value + #offset);
                }
                quote!({
                    let clamped = ::core::hint::select_unpredictable(
                        #input <= #low,
                        #low,
                        ::core::hint::select_unpredictable(#input >= #high, #high, #input),
                    );
                    #value
                })
            }
            Op::XLogY(y, x) => self.math("xlogy", &[self.reference(*y), self.reference(*x)]),
            Op::Compare(op, a, b) => {
                let (a, b) = (self.reference(*a), self.reference(*b));
                match op {
                    Compare::Less => quote!((#a < #b)),
                    Compare::LessEqual => quote!((#a <= #b)),
                    Compare::Greater => quote!((#a > #b)),
                    Compare::GreaterEqual => quote!((#a >= #b)),
                    Compare::Equal => quote!((#a == #b)),
                    Compare::NotEqual => quote!((#a != #b)),
                }
            }
            Op::And(conditions) => {
                let conditions: Vec<TokenStream> =
                    conditions.iter().map(|&condition| self.reference(condition)).collect();
                quote!((#(#conditions)&&*))
            }
            Op::Select { condition, then, otherwise } => {
                self.choice(self.reference(*condition), *then, *otherwise, false)
            }
            Op::Choose { condition, then, otherwise } => {
                self.choice(self.reference(*condition), *then, *otherwise, true)
            }
            Op::NearZero { argument, series, exact, costly } => {
                let abs = self.call("abs", &[self.reference(*argument)]);
                let tenth = float_literal(0.1, 0.1, self.options);
                self.choice(quote!(#abs < #tenth), *series, *exact, *costly)
            }
            Op::SumOver { index, length, body } => {
                let length = Self::length(*length);
                let variable = index_variable(*index);
                let body = self.reference(*body);
                quote!(#runtime::kernels::sum::<#float, #arch>(#length, #[inline(always)] |#variable| #body))
            }
            Op::SumOfElements { index, length, body } => {
                let length = Self::length(*length);
                self.elements.borrow_mut().push(*index);
                self.read.borrow_mut().push(Vec::new());
                let body = self.reference(*body);
                let slices = self.read.borrow_mut().pop().unwrap_or_default();
                self.elements.borrow_mut().pop();
                let elements: Vec<Ident> = slices.iter().map(element_name).collect();
                quote!(#runtime::kernels::sum_of_elements::<#float, #arch, _>(
                    #length,
                    [#(&#slices[..]),*],
                    #[inline(always)] |[#(#elements),*]: [#float; _]| #body
                ))
            }
            Op::LogSumExpParts { index, length, exponent } => {
                let length = Self::length(*length);
                let variable = index_variable(*index);
                let exponent = self.reference(*exponent);
                quote!(#runtime::kernels::log_sum_exp::<#float, #arch>(#length, #[inline(always)] |#variable| #exponent))
            }
            Op::LogSumExpTotal(parts) => {
                let (largest, logarithm) = self.parts(*parts);
                quote!(#largest + #logarithm)
            }
            Op::LogSumExp { index, length, exponent } => {
                let length = Self::length(*length);
                let variable = index_variable(*index);
                let exponent = self.reference(*exponent);
                let parts = quote!(#runtime::kernels::log_sum_exp::<#float, #arch>(#length, #[inline(always)] |#variable| #exponent));
                quote!({
                    let (largest, logarithm) = #parts;
                    largest + logarithm
                })
            }
            Op::Alias(value) => self.reference(*value),
        }
    }
}
