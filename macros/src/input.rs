//! The macros' input, as typed structs.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Token, Visibility, parenthesized};

/// A block of definitions:
///
/// ```text
/// /// Docs.
/// pub fn name(input, input; parameter = 0.5, parameter = -1) = r"formula", derivative = r"claim";
/// ...
/// ```
pub struct Block {
    pub definitions: Vec<DefinitionInput>,
}

/// One definition: `attributes visibility fn name(inputs; parameters) = "formula" [, derivative = "claim"];`
pub struct DefinitionInput {
    pub attributes: Vec<Attribute>,
    pub visibility: Visibility,
    pub name: Ident,
    pub inputs: Vec<Ident>,
    pub parameters: Vec<Parameter>,
    pub formula: LitStr,
    pub claim: Option<LitStr>,
}

/// `name = default`, the default a number literal, possibly negative.
pub struct Parameter {
    pub name: Ident,
    pub default: f64,
    /// The default's tokens, for errors.
    pub default_span: Span,
}

/// Names become parts of generated identifiers (`name_derivative_wrt_input`), which raw
/// identifiers (`r#type`) cannot be: they are refused with a clear error.
fn plain_name(input: ParseStream) -> syn::Result<Ident> {
    let ident: Ident = input.call(Ident::parse_any)?;
    let name = ident.to_string();
    if let Some(plain) = name.strip_prefix("r#") {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "texgrad: the raw identifier `{name}` cannot be a name here: generated items are named after it; write `{plain}` if it is not a Rust keyword, or choose another name"
            ),
        ));
    }
    Ok(ident)
}

impl Parse for Block {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut definitions = Vec::new();
        while !input.is_empty() {
            definitions.push(input.parse()?);
        }
        Ok(Block { definitions })
    }
}

impl Parse for DefinitionInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attributes = input.call(Attribute::parse_outer)?;
        let visibility: Visibility = input.parse()?;
        input.parse::<Token![fn]>()?;
        let name = plain_name(input)?;
        let content;
        parenthesized!(content in input);
        let mut inputs = Vec::new();
        let mut parameters = Vec::new();
        while !content.is_empty() && !content.peek(Token![;]) {
            inputs.push(plain_name(&content)?);
            if content.peek(Token![,]) {
                content.parse::<Token![,]>()?;
            } else if !content.is_empty() && !content.peek(Token![;]) {
                return Err(content.error("expected `,` between inputs, or `;` before the parameters"));
            }
        }
        if content.peek(Token![;]) {
            content.parse::<Token![;]>()?;
            while !content.is_empty() {
                parameters.push(content.parse::<Parameter>()?);
                if content.peek(Token![,]) {
                    content.parse::<Token![,]>()?;
                } else if !content.is_empty() {
                    return Err(content.error("expected `,` between parameters"));
                }
            }
        }
        input.parse::<Token![=]>()?;
        let formula: LitStr = input.parse().map_err(|error| {
            syn::Error::new(error.span(), "expected the formula as a string literal, such as r\"\\frac{1}{1+e^{-x}}\"")
        })?;
        let mut claim = None;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            let key: Ident = input.parse()?;
            if key != "derivative" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown option `{key}`: the only option is `derivative = r\"...\"`"),
                ));
            }
            input.parse::<Token![=]>()?;
            claim = Some(input.parse::<LitStr>()?);
        }
        input.parse::<Token![;]>()?;
        Ok(DefinitionInput { attributes, visibility, name, inputs, parameters, formula, claim })
    }
}

impl Parse for Parameter {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = plain_name(input)?;
        input.parse::<Token![=]>().map_err(|_| {
            syn::Error::new(name.span(), format!("the parameter `{name}` needs a default: `{name} = 1.0`"))
        })?;
        let negative = input.peek(Token![-]);
        if negative {
            input.parse::<Token![-]>()?;
        }
        let literal: syn::Lit = input.parse()?;
        let default_span = literal.span();
        let value = match &literal {
            syn::Lit::Float(float) => float.base10_parse::<f64>()?,
            syn::Lit::Int(int) => int.base10_parse::<f64>()?,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    format!("the default of `{name}` must be a number, such as `{name} = 0.01`"),
                ));
            }
        };
        Ok(Parameter { name, default: if negative { -value } else { value }, default_span })
    }
}

impl DefinitionInput {
    /// The attributes as tokens, to be repeated on every generated item.
    pub fn attribute_tokens(&self) -> TokenStream {
        self.attributes.iter().map(ToTokens::to_token_stream).collect()
    }
}
