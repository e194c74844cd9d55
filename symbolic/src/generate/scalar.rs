//! What is generated for a scalar activation (one input) or a gate (two or more inputs):
//!
//! - the functions of SPEC section 3: the value, the derivative with respect to every input and
//!   parameter, and for one input the derivative, the second derivative, the fused value and
//!   derivative, and the derivative through the output where it exists;
//! - the type holding the parameters, implementing the runtime's kernel trait
//!   (`ScalarKernel`, `FromOutputKernel`, `GateKernel`: the bodies generic over the level) and its
//!   user-facing trait (`Activation`, `ActivationFromOutput`, `Gate`), whose slice methods run the
//!   runtime's dispatched loops over those bodies;
//! - rustdoc (the type's `INFO`, with every derivative as LaTeX, comes from `docs`).
//!
//! The value, the derivative and the fused pair are emitted once, as kernel methods; the plain
//! functions call them at the scalar level. The other derivatives are plain functions.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs::{doc_lines, example, latex_block, parameter_doc};
use super::kernel::{allowed_lints, kernel_method, kernel_options};
use super::parameters::{ParameterType, parameter_type};
use super::typed::{Typed, typed_impl};
use super::{Definition, Outcome, Place, at_formula, plain};
use crate::emit::{EmitOptions, identifier};
use crate::error::EngineError;
use crate::program::Bindings;
use crate::{Expression, check};

/// The items of a scalar activation or gate, and its derivatives' LaTeX for its `Info`.
pub fn items(
    definition: &Definition,
    expression: &Expression,
    defaults: &Bindings,
    options: &EmitOptions,
) -> Outcome<(TokenStream, Vec<(String, String)>)> {
    let single = definition.inputs.len() == 1;
    if let Some(claim) = &definition.claim {
        if !single {
            return Err((Place::Claim, EngineError::new("a claimed derivative needs a definition with one input")));
        }
        check::check_derivative_claim(expression, &definition.inputs[0], claim, defaults)
            .map_err(|error| (Place::Claim, error))?;
    }
    let parameters = parameter_type(definition, expression, options);
    // One input: each function is computed in the form the oracle measures most accurate along
    // it, the parameters at their defaults.
    let mut chosen = expression.clone();
    if single {
        chosen.choose_form_within(&definition.inputs[0], defaults, options.search.as_ref());
    }
    let expression = &chosen;
    let generator = Generator { definition, expression, options, parameters: &parameters, defaults };

    // The derivative with respect to every input and parameter. A declared name the formula does
    // not use has derivative 0; any other failure is an error of its own.
    // Each is computed in the graph of the one before, so that any of them can be emitted
    // together.
    let used = expression.names().0;
    let mut partials: Vec<(String, Expression)> = Vec::new();
    for argument in definition.inputs.iter().chain(definition.parameters.iter().map(|(name, _)| name)) {
        let alongside = partials.last().map_or(expression, |(_, previous)| previous);
        let derivative = if used.contains(argument) {
            expression.derivative_alongside(alongside, argument).map_err(at_formula)?
        } else {
            zero(alongside)
        };
        partials.push((argument.clone(), derivative));
    }
    if single {
        for (_, partial) in &mut partials {
            partial.choose_form_within(&definition.inputs[0], defaults, options.search.as_ref());
        }
    }
    let mut tokens = TokenStream::new();
    let mut derivatives = Vec::new();
    tokens.extend(parameters.tokens.clone());
    match definition.inputs.len() {
        1 => tokens.extend(generator.activation(&partials, &mut derivatives)?),
        2 => tokens.extend(generator.gate(&partials, &mut derivatives)?),
        _ => tokens.extend(generator.many_inputs(&partials, &mut derivatives)?),
    }
    Ok((tokens, derivatives))
}

/// The constant 0 over an expression's graph: the derivative with respect to a declared name
/// the formula does not use.
fn zero(expression: &Expression) -> Expression {
    let (graph, _) = expression.graph();
    let mut graph = graph.clone();
    let zero = graph.integer(0);
    Expression::from_graph(graph, zero)
}

struct Generator<'a> {
    definition: &'a Definition,
    expression: &'a Expression,
    options: &'a EmitOptions,
    parameters: &'a ParameterType,
    /// The parameters' defaults, where the oracle measures forms.
    defaults: &'a Bindings,
}

impl Generator<'_> {
    /// Every input and parameter, as the plain functions take them.
    fn arguments(&self) -> Vec<String> {
        let definition = self.definition;
        definition.inputs.iter().cloned().chain(definition.parameters.iter().map(|(name, _)| name.clone())).collect()
    }

    fn inputs(&self) -> Vec<Ident> {
        self.definition.inputs.iter().map(|input| identifier(input)).collect()
    }

    /// Rustdoc for a plain function computing `latex`.
    fn docs(&self, function: &str, latex: &str) -> TokenStream {
        let definition = self.definition;
        let mut lines = vec![format!("`{function}`, generated by texgrad from `{}`.", definition.formula)];
        lines.extend(latex_block("Computes", latex));
        if function != definition.name {
            lines.extend(latex_block("Formula", &self.expression.latex()));
        }
        lines.extend(parameter_doc(definition));
        lines.extend(example(function, definition));
        doc_lines(&lines)
    }

    /// A plain function with its own body, at the scalar level.
    fn plain_function(&self, function: &str, expression: &Expression) -> Outcome<TokenStream> {
        let attributes = &self.definition.attributes;
        let docs = self.docs(function, &expression.latex());
        let code = expression.rust_function(function, &self.arguments(), &[], self.options).map_err(at_formula)?;
        Ok(quote! { #attributes #docs #[inline] #code })
    }

    /// A plain function that calls a kernel method at the scalar level, on the parameter type
    /// built from its arguments.
    fn calling_kernel(&self, function: &str, kernel: &str, method: &str, latex: &str, outputs: usize) -> TokenStream {
        let (float, float_trait, runtime) =
            (&self.options.float_type, &self.options.float_trait, &self.options.runtime);
        let visibility = &self.definition.visibility;
        let attributes = &self.definition.attributes;
        let arguments: Vec<Ident> = self.arguments().iter().map(|argument| identifier(argument)).collect();
        let inputs = self.inputs();
        let (type_use, construct) = (&self.parameters.type_use, &self.parameters.construct);
        let (kernel, method) = (format_ident!("{kernel}"), format_ident!("{method}"));
        let output = crate::emit::tuple(&vec![float.clone(); outputs]);
        let ident = identifier(function);
        let docs = if outputs == 1 {
            self.docs(function, latex)
        } else {
            let name = &self.definition.name;
            let doc = format!("`({name}(x), {name}_derivative(x))`, sharing their common subexpressions.");
            quote!(#[doc = #doc])
        };
        quote! {
            #attributes
            #docs
            #[inline]
            #visibility fn #ident<#float: #float_trait>(#(#arguments: #float),*) -> #output {
                <#type_use as #runtime::#kernel<#float>>::#method::<#runtime::Scalar>(&#construct, #(#inputs),*)
            }
        }
    }

    /// A kernel trait's method computing `roots` together.
    fn method(&self, method: &str, arguments: &[Ident], roots: &[&Expression]) -> Outcome<TokenStream> {
        let options = kernel_options(self.options);
        let emitted = roots[0].emit_together(&roots[1..], &options).map_err(at_formula)?;
        Ok(kernel_method(method, arguments, &emitted, &self.parameters.bind, &options))
    }

    /// One input: the functions, `ScalarKernel`, `Activation`, and the derivative through the
    /// output.
    fn activation(
        &self,
        partials: &[(String, Expression)],
        derivatives: &mut Vec<(String, String)>,
    ) -> Outcome<TokenStream> {
        let (definition, expression) = (self.definition, self.expression);
        let name = &definition.name;
        let input = &definition.inputs[0];
        let first = &partials[0].1;
        let mut second = first.derivative(input).map_err(at_formula)?;
        second.choose_form_within(input, self.defaults, self.options.search.as_ref());
        let mut tokens = TokenStream::new();

        // The plain functions.
        tokens.extend(self.calling_kernel(name, "ScalarKernel", "value", &expression.latex(), 1));
        let derivative_name = format!("{name}_derivative");
        let wrt = format!("{name}_derivative_wrt_{input}");
        tokens.extend(self.calling_kernel(&wrt, "ScalarKernel", "derivative", &first.latex(), 1));
        for (parameter, partial) in &partials[1..] {
            let function = format!("{name}_derivative_wrt_{parameter}");
            tokens.extend(self.plain_function(&function, partial)?);
            derivatives.push((format!("derivative_wrt_{parameter}"), partial.latex()));
        }
        tokens.extend(self.calling_kernel(&derivative_name, "ScalarKernel", "derivative", &first.latex(), 1));
        derivatives.push(("derivative".to_owned(), first.latex()));
        tokens.extend(self.plain_function(&format!("{name}_second_derivative"), &second)?);
        derivatives.push(("second_derivative".to_owned(), second.latex()));
        let fused = format!("{name}_value_and_derivative");
        tokens.extend(self.calling_kernel(&fused, "ScalarKernel", "value_and_derivative", "", 2));

        // The kernel bodies.
        let (float, runtime) = (&self.options.float_type, &self.options.runtime);
        let (type_use, impl_generics) = (&self.parameters.type_use, &self.parameters.impl_generics);
        let x = identifier(input);
        let arguments = [x.clone()];
        let value = self.method("value", &arguments, &[expression])?;
        let derivative = self.method("derivative", &arguments, &[first])?;
        let value_and_derivative = self.method("value_and_derivative", &arguments, &[expression, first])?;
        let lints = allowed_lints();
        tokens.extend(quote! {
            #lints
            impl #impl_generics #runtime::ScalarKernel<#float> for #type_use {
                #value
                #derivative
                #value_and_derivative
            }
        });

        // The user-facing trait, its slice methods running the kernels.
        let fields = &self.parameters.fields;
        let function = |suffix: &str| identifier(&format!("{name}{suffix}"));
        let (value_fn, derivative_fn, second_fn, fused_fn) =
            (function(""), function("_derivative"), function("_second_derivative"), function("_value_and_derivative"));
        let parameter_names: Vec<&String> = definition.parameters.iter().map(|(parameter, _)| parameter).collect();
        let count = parameter_names.len();
        let gradient_calls = definition.parameters.iter().enumerate().map(|(position, (parameter, _))| {
            let gradient = function(&format!("_derivative_wrt_{parameter}"));
            quote!(gradient[#position] = #gradient(#x #(, #fields)*);)
        });
        tokens.extend(quote! {
            impl #impl_generics #runtime::Activation<#float> for #type_use {
                #[inline]
                fn value(&self, #x: #float) -> #float {
                    #value_fn(#x #(, #fields)*)
                }
                #[inline]
                fn derivative(&self, #x: #float) -> #float {
                    #derivative_fn(#x #(, #fields)*)
                }
                #[inline]
                fn second_derivative(&self, #x: #float) -> #float {
                    #second_fn(#x #(, #fields)*)
                }
                #[inline]
                fn value_and_derivative(&self, #x: #float) -> (#float, #float) {
                    #fused_fn(#x #(, #fields)*)
                }
                fn parameter_names(&self) -> &'static [&'static str] {
                    &[#(#parameter_names),*]
                }
                fn derivative_wrt_parameters(&self, #x: #float, gradient: &mut [#float]) {
                    ::core::assert_eq!(gradient.len(), #count, "the gradient has {} elements, but there are {} parameters", gradient.len(), #count);
                    #(#gradient_calls)*
                }
                fn forward(&self, x: &[#float], y: &mut [#float]) {
                    #runtime::kernels::forward(self, x, y)
                }
                fn backward(&self, x: &[#float], dy: &[#float], dx: &mut [#float]) {
                    #runtime::kernels::backward(self, x, dy, dx)
                }
                fn forward_with_derivative(&self, x: &[#float], y: &mut [#float], dydx: &mut [#float]) {
                    #runtime::kernels::forward_with_derivative(self, x, y, dydx)
                }
            }
        });
        let through_output = self.derivative_through_output()?;
        let from_output = !through_output.is_empty();
        tokens.extend(through_output);
        tokens.extend(typed_impl(self.parameters, Typed::Activation { from_output }, self.options));
        Ok(tokens)
    }

    /// The derivative through the output `y`, where it has a form: its plain function,
    /// `FromOutputKernel` and `ActivationFromOutput`.
    fn derivative_through_output(&self) -> Outcome<TokenStream> {
        let definition = self.definition;
        let name = &definition.name;
        let clashes =
            definition.inputs[0] == "y" || definition.parameters.iter().any(|(parameter, _)| parameter == "y");
        let Some(from_output) = self.expression.derivative_from_output(&definition.inputs[0], "y") else {
            return Ok(TokenStream::new());
        };
        if clashes {
            return Ok(TokenStream::new());
        }
        let (float, runtime) = (&self.options.float_type, &self.options.runtime);
        let (type_use, impl_generics, fields) =
            (&self.parameters.type_use, &self.parameters.impl_generics, &self.parameters.fields);
        let visibility = &definition.visibility;
        let attributes = &definition.attributes;
        let function = format_ident!("{}_derivative_from_output", name);
        let mut lines = vec![format!(
            "`{name}'` at the input whose output is `y`, generated by texgrad. It cancels where `{name}` saturates; prefer `{name}_derivative` when the input is kept."
        )];
        lines.extend(latex_block("Computes", &from_output.latex()));
        let docs = doc_lines(&lines);
        let float_trait = &self.options.float_trait;
        let (construct, parameter_names) = (&self.parameters.construct, self.parameter_idents());
        let y = format_ident!("y");
        let method = self.method("derivative_from_output", std::slice::from_ref(&y), &[&from_output])?;
        let lints = allowed_lints();
        Ok(quote! {
            #attributes
            #docs
            #[inline]
            #visibility fn #function<#float: #float_trait>(y: #float #(, #parameter_names: #float)*) -> #float {
                <#type_use as #runtime::FromOutputKernel<#float>>::derivative_from_output::<#runtime::Scalar>(&#construct, y)
            }
            #lints
            impl #impl_generics #runtime::FromOutputKernel<#float> for #type_use {
                #method
            }
            impl #impl_generics #runtime::ActivationFromOutput<#float> for #type_use {
                #[inline]
                fn derivative_from_output(&self, y: #float) -> #float {
                    #function(y #(, #fields)*)
                }
                fn backward_from_output(&self, y: &[#float], dy: &[#float], dx: &mut [#float]) {
                    #runtime::kernels::backward_from_output(self, y, dy, dx)
                }
            }
        })
    }

    fn parameter_idents(&self) -> Vec<Ident> {
        self.definition.parameters.iter().map(|(parameter, _)| identifier(parameter)).collect()
    }

    /// Two inputs: the functions, `GateKernel` and `Gate`, and a method per partial derivative.
    fn gate(&self, partials: &[(String, Expression)], derivatives: &mut Vec<(String, String)>) -> Outcome<TokenStream> {
        let (definition, expression) = (self.definition, self.expression);
        let name = &definition.name;
        let mut tokens = TokenStream::new();
        tokens.extend(self.calling_kernel(name, "GateKernel", "value", &expression.latex(), 1));
        for (argument, partial) in partials {
            tokens.extend(self.plain_function(&format!("{name}_derivative_wrt_{argument}"), partial)?);
            derivatives.push((format!("derivative_wrt_{argument}"), partial.latex()));
        }
        let (float, runtime) = (&self.options.float_type, &self.options.runtime);
        let (type_use, impl_generics, fields) =
            (&self.parameters.type_use, &self.parameters.impl_generics, &self.parameters.fields);
        let inputs = self.inputs();
        let value = self.method("value", &inputs, &[expression])?;
        let both = self.method("derivatives", &inputs, &[&partials[0].1, &partials[1].1])?;
        let value_fn = identifier(name);
        let (a, b) = (&inputs[0], &inputs[1]);
        let (partial_a, partial_b) = (
            format_ident!("{}_derivative_wrt_{}", name, definition.inputs[0]),
            format_ident!("{}_derivative_wrt_{}", name, definition.inputs[1]),
        );
        let lints = allowed_lints();
        tokens.extend(quote! {
            #lints
            impl #impl_generics #runtime::GateKernel<#float> for #type_use {
                #value
                #both
            }
            impl #impl_generics #runtime::Gate<#float> for #type_use {
                #[inline]
                fn value(&self, #a: #float, #b: #float) -> #float {
                    #value_fn(#a, #b #(, #fields)*)
                }
                #[inline]
                fn derivatives(&self, #a: #float, #b: #float) -> (#float, #float) {
                    <Self as #runtime::GateKernel<#float>>::derivatives::<#runtime::Scalar>(self, #a, #b)
                }
                fn forward(&self, a: &[#float], b: &[#float], out: &mut [#float]) {
                    #runtime::kernels::gate_forward(self, a, b, out)
                }
                fn backward(&self, a: &[#float], b: &[#float], dy: &[#float], da: &mut [#float], db: &mut [#float]) {
                    #runtime::kernels::gate_backward(self, a, b, dy, da, db)
                }
            }
        });
        tokens.extend(typed_impl(self.parameters, Typed::Gate, self.options));
        tokens.extend(self.partial_methods(&[(partial_a, a.clone()), (partial_b, b.clone())], false));
        Ok(tokens)
    }

    /// Three inputs or more: plain functions, and methods on the parameter type.
    fn many_inputs(
        &self,
        partials: &[(String, Expression)],
        derivatives: &mut Vec<(String, String)>,
    ) -> Outcome<TokenStream> {
        let (definition, expression) = (self.definition, self.expression);
        let name = &definition.name;
        let mut tokens = self.plain_function(name, expression)?;
        for (argument, partial) in partials {
            tokens.extend(self.plain_function(&format!("{name}_derivative_wrt_{argument}"), partial)?);
            derivatives.push((format!("derivative_wrt_{argument}"), partial.latex()));
        }
        let partial_functions: Vec<(Ident, Ident)> = definition
            .inputs
            .iter()
            .map(|input| (format_ident!("{}_derivative_wrt_{}", name, input), identifier(input)))
            .collect();
        tokens.extend(self.partial_methods(&partial_functions, true));
        Ok(tokens)
    }

    /// Inherent methods on the parameter type: `derivative_wrt_a(&self, a, b, ..)` for each
    /// input, and `value` too where no trait provides one.
    fn partial_methods(&self, functions: &[(Ident, Ident)], with_value: bool) -> TokenStream {
        let (float, float_trait) = (&self.options.float_type, &self.options.float_trait);
        let name = &self.definition.name;
        let (type_use, impl_generics, fields) =
            (&self.parameters.type_use, &self.parameters.impl_generics, &self.parameters.fields);
        // A unit type has no float parameter of its own: its methods are generic instead.
        let (block_generics, method_generics) = if self.parameters.is_unit {
            (quote!(), quote!(<#float: #float_trait>))
        } else {
            (impl_generics.clone(), quote!())
        };
        let inputs = self.inputs();
        let signature: Vec<TokenStream> = inputs.iter().map(|input| quote!(#input: #float)).collect();
        let call_arguments: Vec<TokenStream> =
            inputs.iter().map(|input| quote!(#input)).chain(fields.iter().cloned()).collect();
        let methods = functions.iter().map(|(function, input)| {
            let method = format_ident!("derivative_wrt_{}", plain(input));
            let doc = format!("The derivative with respect to `{}`.", plain(input));
            quote! {
                #[doc = #doc]
                #[inline]
                pub fn #method #method_generics(&self, #(#signature),*) -> #float {
                    #function(#(#call_arguments),*)
                }
            }
        });
        let value = with_value.then(|| {
            let value_fn = identifier(name);
            let doc = format!("[`{name}`] with this value's parameters.");
            quote! {
                #[doc = #doc]
                #[inline]
                pub fn value #method_generics(&self, #(#signature),*) -> #float {
                    #value_fn(#(#call_arguments),*)
                }
            }
        });
        quote! {
            impl #block_generics #type_use {
                #value
                #(#methods)*
            }
        }
    }
}
