//! How a slice kernel is emitted: a body generic over the level (`A: Arch`) that the runtime's
//! dispatcher compiles once per instruction set and runs at the machine's.
//!
//! Scalar activations and gates implement the runtime's kernel traits ([`kernel_method`]): the
//! runtime's slice loops inline those bodies. Vector activations and losses emit their own
//! loops ([`slice_function`]): the body goes into a local type implementing `Dispatched`, and the
//! function hands it to the dispatcher. Either way the elementary functions inside are
//! instantiated at the body's level ([`kernel_options`]).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use texgrad_grammar::names::Length;

use super::{Definition, Outcome, at_formula};
use crate::Expression;
use crate::emit::{EmitOptions, Emitted, identifier, tuple};
use crate::error::EngineError;

/// The names generated code binds the lengths to (`n`, `m`: [`Length`]), as identifiers.
fn lengths() -> (Ident, Ident) {
    (identifier(Length::Columns.name()), identifier(Length::Rows.name()))
}

/// The options for code inside a kernel body: the elementary functions at its level `A`.
pub fn kernel_options(options: &EmitOptions) -> EmitOptions {
    options.with_arch(quote!(A))
}

/// A method of a kernel trait, inlined into the runtime's loops: `fn name<A: Arch>(&self,
/// arguments: F) -> F` (or a tuple for several results), the parameters bound from `self`
/// first.
pub fn kernel_method(
    name: &str,
    arguments: &[Ident],
    emitted: &Emitted,
    bind: &TokenStream,
    options: &EmitOptions,
) -> TokenStream {
    let (float, runtime) = (&options.float_type, &options.runtime);
    let name = format_ident!("{name}");
    let statements = &emitted.statements;
    let body = tuple(&emitted.results);
    let output = tuple(&vec![float.clone(); emitted.results.len()]);
    quote! {
        #[inline(always)]
        fn #name<A: #runtime::Arch>(&self, #(#arguments: #float),*) -> #output {
            #bind
            #statements
            #body
        }
    }
}

/// The lints generated bodies allow: the emitter brackets every operation rather than track
/// precedence, literals are correctly rounded constants (clippy would ask for `FRAC_1_SQRT_2`),
/// loops index several slices at once, an element may be computed from itself in place, and a
/// body need not use every parameter.
pub fn allowed_lints() -> TokenStream {
    quote!(#[allow(
        unused_parens,
        unused_variables,
        clippy::double_parens,
        clippy::approx_constant,
        clippy::needless_range_loop,
        clippy::assign_op_pattern
    )])
}

/// The shape of a definition's vector inputs: every input indexed, all with the same number of
/// indices (1 for vectors, 2 for row-major matrices).
pub fn vector_rank(definition: &Definition, expression: &Expression) -> Outcome<usize> {
    let (scalars, vectors) = expression.names();
    for input in &definition.inputs {
        if scalars.contains(input) {
            let message = format!("the input `{input}` is used without an index");
            let span = expression.source().and_then(|source| crate::error::locate::unindexed(source, input));
            let error = match span {
                Some(span) => EngineError::at(span, message),
                None => EngineError::new(message),
            };
            return Err(at_formula(
                error.with_hint(format!("index it, as in {input}_i; scalars are parameters, after `;`")),
            ));
        }
    }
    let ranks: Vec<usize> = definition.inputs.iter().filter_map(|input| vectors.get(input).copied()).collect();
    match ranks.as_slice() {
        [first, rest @ ..] if rest.iter().all(|rank| rank == first) && *first <= 2 => Ok(*first),
        [] => Err(at_formula(EngineError::new("the formula uses none of its inputs"))),
        _ => Err(at_formula(EngineError::new(
            "the inputs must all be vectors (one index) or all matrices (two indices)",
        ))),
    }
}

/// The shape of a function over slices: its arguments, length checks and lengths.
pub struct VectorSignature {
    /// `z: &[F], ..., alpha: F, ..., n: usize` (the last for matrices), then the extra slices.
    pub parameters: Vec<TokenStream>,
    /// The slices (inputs, then the extra ones) with whether each is written.
    pub slices: Vec<(Ident, bool)>,
    /// The scalar parameters.
    pub scalars: Vec<Ident>,
    /// 1 for vectors, 2 for row-major matrices.
    pub rank: usize,
    /// Length checks and the bindings of `n` and `m`.
    pub prelude: TokenStream,
}

/// The signature of a function of `inputs` (slices read), `definition`'s parameters, then
/// `extra` slices (`(name, written)`).
pub fn vector_signature(
    definition: &Definition,
    inputs: &[&str],
    rank: usize,
    extra: &[(&str, bool)],
    options: &EmitOptions,
) -> VectorSignature {
    let float = &options.float_type;
    let name = &definition.name;
    let mut slices: Vec<(String, bool)> = inputs.iter().map(|input| (input.to_string(), false)).collect();
    slices.extend(extra.iter().map(|(slice, written)| (slice.to_string(), *written)));
    let mut parameters: Vec<TokenStream> = Vec::new();
    for input in inputs {
        let ident = identifier(input);
        parameters.push(quote!(#ident: &[#float]));
    }
    let scalars: Vec<Ident> = definition.parameters.iter().map(|(parameter, _)| identifier(parameter)).collect();
    for ident in &scalars {
        parameters.push(quote!(#ident: #float));
    }
    let (n, m) = lengths();
    if rank == 2 {
        parameters.push(quote!(#n: usize));
    }
    for (slice, written) in &slices[inputs.len()..] {
        let ident = identifier(slice);
        parameters.push(if *written { quote!(#ident: &mut [#float]) } else { quote!(#ident: &[#float]) });
    }
    let first = identifier(&slices[0].0);
    let checks: Vec<TokenStream> = slices[1..]
        .iter()
        .map(|(slice, _)| {
            let ident = identifier(slice);
            let (first_name, other) = (&slices[0].0, slice);
            quote! {
                ::core::assert_eq!(
                    #first.len(), #ident.len(),
                    "{}: `{}` has {} elements but `{}` has {}", #name, #first_name, #first.len(), #other, #ident.len()
                );
            }
        })
        .collect();
    let lengths = if rank == 2 {
        quote! {
            ::core::assert!(
                #n > 0 && #first.len() % #n == 0,
                "{}: the row length n = {} does not divide the {} elements", #name, #n, #first.len()
            );
            let #m = #first.len() / #n;
        }
    } else {
        quote!(let #n = #first.len(); let #m = 1usize;)
    };
    let slices = slices.into_iter().map(|(slice, written)| (identifier(&slice), written)).collect();
    VectorSignature { parameters, slices, scalars, rank, prelude: quote!(#(#checks)* #lengths) }
}

/// A function over slices whose body runs at the machine's level.
pub struct SliceFunction<'a> {
    /// Its name.
    pub name: &'a Ident,
    /// Its rustdoc.
    pub docs: TokenStream,
    /// The user's attributes.
    pub attributes: &'a TokenStream,
    /// Its arguments.
    pub signature: &'a VectorSignature,
    /// The body: statements over the slices, the parameters, `n` and `m`, generic over `A`.
    pub body: TokenStream,
    /// The return type, if it returns a value.
    pub output: Option<TokenStream>,
}

/// `fn name<F>(slices.., parameters..) { checks; dispatch(Body { .. }) }`, with the body in the
/// local type `Body`'s `Dispatched::run`, each slice cut to its length first so that the loops'
/// bounds checks fold away.
pub fn slice_function(function: SliceFunction<'_>, options: &EmitOptions) -> TokenStream {
    let SliceFunction { name, docs, attributes, signature, body, output } = function;
    let (float, float_trait, visibility, runtime) =
        (&options.float_type, &options.float_trait, &options.visibility, &options.runtime);
    let parameters = &signature.parameters;
    let prelude = &signature.prelude;
    let output_type = output.clone().unwrap_or_else(|| quote!(()));
    let returns = output.map(|output| quote!(-> #output));
    let fields: Vec<TokenStream> = signature
        .slices
        .iter()
        .map(|(slice, written)| if *written { quote!(#slice: &'a mut [#float]) } else { quote!(#slice: &'a [#float]) })
        .chain(signature.scalars.iter().map(|scalar| quote!(#scalar: #float)))
        .collect();
    let names: Vec<&Ident> = signature.slices.iter().map(|(slice, _)| slice).chain(signature.scalars.iter()).collect();
    let (n, m) = lengths();
    let length = if signature.rank == 2 { quote!(#m * #n) } else { quote!(#n) };
    let cuts = signature.slices.iter().map(|(slice, written)| {
        if *written { quote!(let #slice = &mut #slice[..#length];) } else { quote!(let #slice = &#slice[..#length];) }
    });
    let lints = allowed_lints();
    quote! {
        #attributes
        #docs
        #lints
        #visibility fn #name<#float: #float_trait>(#(#parameters),*) #returns {
            #prelude
            struct Body<'a, #float> { #(#fields,)* #n: usize, #m: usize }
            #lints
            impl<#float: #float_trait> #runtime::Dispatched for Body<'_, #float> {
                type Output = #output_type;
                #[inline(always)]
                fn run<A: #runtime::Arch>(self) #returns {
                    let Body { #(#names,)* #n, #m } = self;
                    #(#cuts)*
                    #body
                }
            }
            #runtime::dispatch(Body { #(#names,)* #n, #m })
        }
    }
}

/// `out[..] = result` over the free indices of a gradient (one for vectors, two for matrices).
///
/// A vector's loop is split where `out` reaches a cache line (the runtime's
/// `kernels::aligned_head`), so that the vectorised loop's stores never straddle two lines:
/// every one of them does at a large `Vec`'s 16-byte alignment, and in rows that do not fill
/// whole lines. The same values; the loop is written twice, not handed to a runtime function as a
/// closure, because `result` may read `out` itself (a product computed in place).
pub fn store_loop(free: &[char], rank: usize, result: &TokenStream, out: &Ident, runtime: &TokenStream) -> TokenStream {
    let (n, m) = lengths();
    match (free, rank) {
        ([index], 1) => {
            let variable = crate::emit::index_variable(*index);
            quote! {
                let __head = #runtime::kernels::aligned_head(&#out[..]);
                for #variable in 0..__head { #out[#variable] = #result; }
                for #variable in __head..#n { #out[#variable] = #result; }
            }
        }
        ([row, column], 2) => {
            let (row, column) = (crate::emit::index_variable(*row), crate::emit::index_variable(*column));
            quote!(for #row in 0..#m { for #column in 0..#n { #out[#row * #n + #column] = #result; } })
        }
        _ => quote!(::core::compile_error!("texgrad: unexpected indices in a gradient");),
    }
}
