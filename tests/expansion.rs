//! Named snapshots of what the macros generate for representative definitions, formatted with
//! prettyplease: a plain, a parametrised, a piecewise, a two-input, a vector activation and a
//! loss. Read them for redundant work when they change.

use texgrad::symbolic::emit::EmitOptions;
use texgrad::symbolic::generate::{Definition, Flavor, generate};

fn expand(flavor: Flavor, name: &str, inputs: &[&str], parameters: &[(&str, f64)], formula: &str) -> String {
    let definition = Definition {
        name: name.to_owned(),
        attributes: quote::quote!(#[doc = " A user's doc comment."]),
        visibility: quote::quote!(pub),
        inputs: inputs.iter().map(|input| input.to_string()).collect(),
        parameters: parameters.iter().map(|(name, value)| (name.to_string(), *value)).collect(),
        formula: formula.to_owned(),
        claim: None,
    };
    let options = EmitOptions { float_trait: quote::quote!(::texgrad::__private::Float), ..EmitOptions::default() };
    let (tokens, failures) = generate(flavor, &[definition], &options);
    assert!(failures.is_empty(), "{name}: {failures:?}");
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as Rust");
    prettyplease::unparse(&file)
}

#[test]
fn plain() {
    insta::assert_snapshot!(
        "expansion-sigmoid",
        expand(Flavor::Activation, "sigmoid", &["x"], &[], r"\frac{1}{1+e^{-x}}")
    );
}

#[test]
fn parametrised() {
    insta::assert_snapshot!(
        "expansion-leaky-relu",
        expand(
            Flavor::Activation,
            "leaky_relu",
            &["x"],
            &[("a", 0.01)],
            r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}"
        )
    );
}

#[test]
fn piecewise() {
    insta::assert_snapshot!(
        "expansion-elu",
        expand(
            Flavor::Activation,
            "elu",
            &["x"],
            &[("alpha", 1.0)],
            r"\begin{cases} x, & x \ge 0 \\ \alpha(e^x - 1), & x < 0 \end{cases}"
        )
    );
}

#[test]
fn two_inputs() {
    insta::assert_snapshot!(
        "expansion-swiglu",
        expand(Flavor::Activation, "swiglu", &["a", "b"], &[], r"a \sigma(a) b")
    );
}

#[test]
fn vector() {
    insta::assert_snapshot!(
        "expansion-softmax",
        expand(Flavor::Activation, "softmax", &["z"], &[], r"\frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}")
    );
}

#[test]
fn loss() {
    insta::assert_snapshot!(
        "expansion-mse",
        expand(Flavor::Loss, "mse", &["y_hat", "y"], &[], r"\frac{1}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2")
    );
}
