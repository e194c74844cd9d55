//! What the surrounding code knows about names, for resolving them.

/// What the surrounding code knows about names, for resolving them.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The declared inputs and parameters. When given, any other name is an error (with the
    /// nearest declared name suggested); `n` and `m`, the lengths, are always known. A declared
    /// `sigma` makes `\sigma` a name instead of the logistic function.
    pub declared: Option<Vec<String>>,
    /// Definitions that formulas may call by name (`\operatorname{gelu}(a)`), lower case.
    pub functions: Vec<String>,
    /// Definitions known by name that a formula cannot call (the catalog's losses and vector
    /// activations, which take vectors), lower case, with what each is: a call to one says so
    /// rather than "unknown function".
    pub not_callable: Vec<(String, String)>,
}

impl Context {
    /// A context declaring these names.
    pub fn declaring<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        Context {
            declared: Some(names.into_iter().map(|name| name.as_ref().to_owned()).collect()),
            functions: Vec::new(),
            not_callable: Vec::new(),
        }
    }

    /// The same context, also able to call these definitions by name.
    pub fn with_functions<S: AsRef<str>>(mut self, functions: impl IntoIterator<Item = S>) -> Self {
        self.functions.extend(functions.into_iter().map(|name| name.as_ref().to_ascii_lowercase()));
        self
    }

    /// The same context knowing these definitions by name as not callable in a formula, each
    /// with what it is (`("mse", "loss over vectors")`).
    pub fn with_not_callable<S: AsRef<str>, W: AsRef<str>>(
        mut self,
        definitions: impl IntoIterator<Item = (S, W)>,
    ) -> Self {
        self.not_callable.extend(
            definitions.into_iter().map(|(name, what)| (name.as_ref().to_ascii_lowercase(), what.as_ref().to_owned())),
        );
        self
    }

    pub(super) fn declares(&self, name: &str) -> bool {
        self.declared.as_ref().is_some_and(|declared| declared.iter().any(|d| d == name))
    }

    pub(super) fn sigma_is_a_name(&self) -> bool {
        self.declares("sigma")
    }
}
