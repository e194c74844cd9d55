//! `TypedActivation`, `TypedGate`, `TypedVectorActivation` and `TypedLoss`: a definition's
//! kernels looked up by a float type known only at run time (a framework's tensor dtype). A
//! type without parameters is defined at both types and answers with itself; a type with
//! parameters (`Elu<F>`) answers at its own `F` only, found by comparing types (`Any`).

use proc_macro2::TokenStream;
use quote::quote;

use super::parameters::ParameterType;
use crate::emit::EmitOptions;

/// What a `Typed*` impl names and builds.
pub enum Typed {
    /// A scalar activation, with or without a derivative through the output.
    Activation { from_output: bool },
    /// A two-input gate.
    Gate,
    /// A vector activation, with or without a vector-Jacobian product from the output.
    Vector { from_output: bool },
    /// A loss over vectors.
    ElementLoss,
    /// A loss over rows of a matrix.
    RowLoss,
}

/// The impl of the `Typed*` trait for `parameters`' type.
pub fn typed_impl(parameters: &ParameterType, typed: Typed, options: &EmitOptions) -> TokenStream {
    let (runtime, float_trait) = (&options.runtime, &options.float_trait);
    let (type_use, impl_generics, ident) = (&parameters.type_use, &parameters.impl_generics, &parameters.ident);
    // `at` is the definition at `T`, a `&Self` or the downcast one.
    let (trait_name, output, build) = match typed {
        Typed::Activation { from_output } => {
            let from_output = if from_output {
                quote!(::core::option::Option::Some(at))
            } else {
                quote!(::core::option::Option::None)
            };
            (
                quote!(TypedActivation),
                quote!(#runtime::ActivationKernels<'_, T>),
                quote!(#runtime::ActivationKernels { activation: at, from_output: #from_output }),
            )
        }
        Typed::Gate => (quote!(TypedGate), quote!(&dyn #runtime::Gate<T>), quote!(at)),
        Typed::Vector { from_output } => {
            let from_output = if from_output {
                quote!(::core::option::Option::Some(at))
            } else {
                quote!(::core::option::Option::None)
            };
            (
                quote!(TypedVectorActivation),
                quote!(#runtime::VectorKernels<'_, T>),
                quote!(#runtime::VectorKernels { activation: at, from_output: #from_output }),
            )
        }
        Typed::ElementLoss => {
            (quote!(TypedLoss), quote!(#runtime::LossKernels<'_, T>), quote!(#runtime::LossKernels::Elements(at)))
        }
        Typed::RowLoss => {
            (quote!(TypedLoss), quote!(#runtime::LossKernels<'_, T>), quote!(#runtime::LossKernels::Rows(at)))
        }
    };
    if parameters.is_unit {
        quote! {
            impl #runtime::#trait_name for #type_use {
                fn at<T: #float_trait>(&self) -> ::core::option::Option<#output> {
                    let at = self;
                    ::core::option::Option::Some(#build)
                }
            }
        }
    } else {
        quote! {
            impl #impl_generics #runtime::#trait_name for #type_use {
                fn at<T: #float_trait>(&self) -> ::core::option::Option<#output> {
                    let any: &dyn ::core::any::Any = self;
                    any.downcast_ref::<#ident<T>>().map(|at| #build)
                }
            }
        }
    }
}
