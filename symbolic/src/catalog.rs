//! The built-in scalar activations and gates (SPEC section 6) as formulas, so that any formula
//! can call them by name (`x \cdot \operatorname{hardsigmoid}(x)`, `\text{GELU}(a) \, b`), with
//! their parameters at PyTorch's defaults. The runtime defines the same functions with
//! `define_activation!` from the same formulas (`runtime/src/activations.rs`);
//! `tests/catalog_names.rs` checks that the two lists agree.

use std::collections::HashMap;
use std::sync::OnceLock;

use texgrad_grammar::Context;

use crate::lower::Definition;

/// One definition of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its name, lower case, as formulas call it.
    pub name: &'static str,
    /// Its inputs.
    pub inputs: &'static [&'static str],
    /// Its parameters and their defaults, which a call by name uses.
    pub parameters: &'static [(&'static str, f64)],
    /// The formula, as the runtime writes it.
    pub formula: &'static str,
}

/// The scalar activations and gates, in the runtime's order (a definition may call an earlier
/// one: `geglu` calls `gelu`).
pub const ENTRIES: &[Entry] = &[
    Entry { name: "sigmoid", inputs: &["x"], parameters: &[], formula: r"\frac{1}{1+e^{-x}}" },
    Entry { name: "tanh", inputs: &["x"], parameters: &[], formula: r"\frac{e^x-e^{-x}}{e^x+e^{-x}}" },
    Entry { name: "softsign", inputs: &["x"], parameters: &[], formula: r"\frac{x}{1 + |x|}" },
    Entry { name: "relu", inputs: &["x"], parameters: &[], formula: r"\max(0, x)" },
    Entry {
        name: "leaky_relu",
        inputs: &["x"],
        parameters: &[("a", 0.01)],
        formula: r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
    },
    Entry {
        name: "prelu",
        inputs: &["x"],
        parameters: &[("a", 0.25)],
        formula: r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}",
    },
    Entry {
        name: "elu",
        inputs: &["x"],
        parameters: &[("alpha", 1.0)],
        formula: r"\begin{cases} x, & x \ge 0 \\ \alpha \left(e^x - 1\right), & x < 0 \end{cases}",
    },
    Entry {
        name: "gelu",
        inputs: &["x"],
        parameters: &[],
        formula: r"\mathrm{GELU}(x) = x \cdot \Phi(x) = x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right]",
    },
    Entry {
        name: "gelu_tanh",
        inputs: &["x"],
        parameters: &[],
        formula: r"\frac{x}{2} \left( 1 + \tanh \left( \sqrt{\frac{2}{\pi}} \left( x + 0.044715 x^{3} \right) \right) \right)",
    },
    Entry { name: "silu", inputs: &["x"], parameters: &[], formula: r"x \sigma(x)" },
    Entry { name: "swish", inputs: &["x"], parameters: &[("beta", 1.0)], formula: r"x \sigma(\beta x)" },
    Entry { name: "mish", inputs: &["x"], parameters: &[], formula: r"x \tanh(\operatorname{softplus}(x))" },
    Entry {
        name: "softplus",
        inputs: &["x"],
        parameters: &[("beta", 1.0)],
        formula: r"\frac{1}{\beta} \log(1 + e^{\beta x})",
    },
    Entry {
        name: "selu",
        inputs: &["x"],
        parameters: &[],
        formula: r"1.0507009873554805 \begin{cases} x, & x > 0 \\ 1.6732632423543772 (e^x - 1), & x \le 0 \end{cases}",
    },
    Entry {
        name: "celu",
        inputs: &["x"],
        parameters: &[("alpha", 1.0)],
        formula: r"\max(0, x) + \min(0, \alpha (e^{x / \alpha} - 1))",
    },
    Entry { name: "relu6", inputs: &["x"], parameters: &[], formula: r"\min(6, \max(0, x))" },
    Entry {
        name: "hardtanh",
        inputs: &["x"],
        parameters: &[("min_val", -1.0), ("max_val", 1.0)],
        formula: r"\begin{cases} \text{min\_val}, & x \le \text{min\_val} \\ \text{max\_val}, & x \ge \text{max\_val} \\ x, & \text{otherwise} \end{cases}",
    },
    Entry {
        name: "hardsigmoid",
        inputs: &["x"],
        parameters: &[],
        formula: r"\begin{cases} 0, & x \le -3 \\ 1, & x \ge 3 \\ \frac{x}{6} + \frac{1}{2}, & \text{otherwise} \end{cases}",
    },
    Entry {
        name: "hardswish",
        inputs: &["x"],
        parameters: &[],
        formula: r"\begin{cases} 0, & x < -3 \\ x, & x > 3 \\ \frac{x (x + 3)}{6}, & \text{otherwise} \end{cases}",
    },
    Entry { name: "log_sigmoid", inputs: &["x"], parameters: &[], formula: r"\log \frac{1}{1 + e^{-x}}" },
    Entry { name: "tanhshrink", inputs: &["x"], parameters: &[], formula: r"x - \tanh x" },
    Entry {
        name: "softshrink",
        inputs: &["x"],
        parameters: &[("lambda", 0.5)],
        formula: r"\begin{cases} x - \lambda, & x > \lambda \\ x + \lambda, & x < -\lambda \\ 0, & \text{otherwise} \end{cases}",
    },
    Entry {
        name: "hardshrink",
        inputs: &["x"],
        parameters: &[("lambda", 0.5)],
        formula: r"\begin{cases} x, & x > \lambda \\ x, & x < -\lambda \\ 0, & \text{otherwise} \end{cases}",
    },
    Entry { name: "swiglu", inputs: &["a", "b"], parameters: &[], formula: r"a \sigma(a) b" },
    Entry { name: "glu", inputs: &["a", "b"], parameters: &[], formula: r"a \sigma(b)" },
    Entry { name: "geglu", inputs: &["a", "b"], parameters: &[], formula: r"\operatorname{gelu}(a) b" },
    Entry { name: "reglu", inputs: &["a", "b"], parameters: &[], formula: r"\operatorname{relu}(a) b" },
];

/// The catalog's definitions, parsed once, by name.
pub fn definitions() -> &'static HashMap<String, Definition> {
    static DEFINITIONS: OnceLock<HashMap<String, Definition>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        let mut definitions = HashMap::new();
        for entry in ENTRIES {
            let declared = entry.inputs.iter().chain(entry.parameters.iter().map(|(name, _)| name));
            let earlier: Vec<&String> = definitions.keys().collect();
            let context = Context::declaring(declared).with_functions(earlier);
            // Every entry parses (`tests/catalog_names.rs`); one that did not would only be
            // missing by name.
            if let Ok(parsed) = texgrad_grammar::parse_with(entry.formula, &context) {
                definitions.insert(
                    entry.name.to_owned(),
                    Definition {
                        inputs: entry.inputs.iter().map(|input| (*input).to_owned()).collect(),
                        parameters: entry.parameters.iter().map(|(name, value)| ((*name).to_owned(), *value)).collect(),
                        body: parsed.body().clone(),
                    },
                );
            }
        }
        definitions
    })
}

/// The names a formula can call: the catalog's, except those it declares as its own names or
/// defines itself (which take precedence) and those the language already has as functions
/// (`\tanh`, `\sigma`, softplus).
pub fn callable(context: &Context) -> Vec<&'static str> {
    let declared = |name: &str| context.declared.as_ref().is_some_and(|declared| declared.iter().any(|d| d == name));
    ENTRIES
        .iter()
        .map(|entry| entry.name)
        .filter(|name| !declared(name) && !context.functions.iter().any(|function| function == name))
        .filter(|name| !matches!(*name, "tanh" | "sigmoid" | "softplus"))
        .collect()
}
