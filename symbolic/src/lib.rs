//! texgrad's symbolic engine.
//!
//! From a parsed formula (`texgrad-grammar`'s AST) to small, exact expressions for the function
//! and its derivatives, printed as LaTeX or text, computed as straight-line programs. The
//! pipeline, one module per stage:
//!
//! 1. [`lower`]: the AST into the IR ([`ir`]), a hash-consed arena whose constructors keep the
//!    canonical form (the simplifier's structural rules: flattening, exact rational folding,
//!    like terms and powers, `e^a e^b`); [`domain`]: where the formula is defined;
//! 2. [`diff`]: differentiation with respect to any input or parameter, with the
//!    cancellation-free rules (`\sigma' = \sigma(x)\sigma(-x)`, `\tanh' = 1/\cosh^2`) and Kronecker
//!    deltas eliminated from sums; [`simplify`]: the rewrites that shrink it;
//! 3. [`stabilise`]: [`fold`]'s decisions on constants, then the named rewrites that keep
//!    `f32`/`f64` evaluation finite and exact (`ln_1p`, `exp_m1`, `erfc`, sigmoid and tanh forms
//!    of exponential quotients, softplus, log-sigmoid, log-sum-exp, softmax, `xlogy`, conjugates
//!    and scaled radicands, series near 0);
//! 4. [`program`]: the one stage between the IR and every output, a straight-line program with
//!    every choice of how to compute made ([`constant`] folds its literals, [`functions`] is the
//!    table of its functions); then [`emit`] prints it as Rust (and [`generate`] the macros'
//!    items), [`oracle`] runs it to measure forms (in `f32`, `f64` and 256 bits), [`eval`] runs
//!    it in `f64`;
//! 5. `print`: LaTeX and plain text; [`check`]: claimed derivatives and chains of equal forms
//!    compared at sample points; [`analysis`]: a function's character.
//!
//! ```
//! use texgrad_symbolic::Expression;
//!
//! let sigmoid = Expression::parse(r"\frac{1}{1+e^{-x}}").unwrap();
//! let derivative = sigmoid.derivative("x").unwrap();
//! assert_eq!(derivative.latex(), r"\sigma(x) \sigma(-x)");
//! let at_zero = derivative.evaluate(&texgrad_symbolic::Bindings::default().scalar("x", 0.0)).unwrap();
//! assert_eq!(at_zero, 0.25);
//! ```

pub mod analysis;
pub mod catalog;
pub mod check;
pub mod constant;
pub mod diff;
pub mod domain;
pub mod emit;
pub mod error;
pub mod eval;
pub mod fold;
pub mod functions;
pub mod generate;
pub mod interval;
pub mod ir;
pub mod lower;
pub mod oracle;
pub mod output;
pub mod precise;
pub mod print;
pub mod program;
pub mod search;
pub mod simplify;
pub mod stabilise;

use std::collections::{BTreeSet, HashMap};

pub use error::{EngineError, Refusal};
use ir::{Graph, Id, Node};
pub use program::Bindings;
use texgrad_grammar::{Context, Expr, Formula};

/// A formula in the engine: its IR and, for formulas parsed from text, its AST.
///
/// Besides its root (the form that is printed and differentiated), an expression knows other
/// forms equal to it that the engine may compute instead: the formula as written and the form
/// before the stabiliser. [`Expression::choose_form`] picks, by measurement, the one that is
/// emitted and evaluated.
#[derive(Clone, Debug)]
pub struct Expression {
    graph: Graph,
    root: Id,
    /// The form computed (emitted, and evaluated in `f64`): the root unless the oracle chose
    /// another.
    computed: Id,
    /// The form computed in `f32`, which the oracle may choose differently.
    computed_single: Id,
    /// Forms equal to the root, in the same graph, that the oracle may choose.
    alternatives: Vec<Id>,
    /// The formula as written, when the stabiliser changed nothing in it: then the canonical
    /// root differs from it only by merging, distributing and reordering terms, and it is the
    /// written form that is kept unless the canonical one is measured no less accurate.
    written_preferred: Option<Id>,
    /// The formula as written (lowered with [`Graph::set_as_written`]), for expressions parsed
    /// from text.
    as_written: Option<Id>,
    source: Option<Formula>,
    /// Where the formula is defined, read off it as written ([`domain`]); a derivative has its
    /// function's.
    domain: Vec<Id>,
    /// Each form (see [`Self::forms`]) as it is computed: NaN where the formula is undefined
    /// and the form, simplified, would have a value. Built with the form, before any derived
    /// expression clones the graph, so that forms emitted together share their nodes.
    guarded: Vec<(Id, Id)>,
}

impl Expression {
    /// Parse and lower a formula; every name is accepted.
    pub fn parse(formula: &str) -> Result<Expression, EngineError> {
        Expression::parse_with(formula, &Context::default(), &lower::Scope::default())
    }

    /// Parse and lower a formula with what the caller declares, and stabilise it.
    pub fn parse_with(formula: &str, context: &Context, scope: &lower::Scope) -> Result<Expression, EngineError> {
        let mut expression = Expression::parse_naive_with(formula, context, scope)?;
        let (_, scope) = Expression::with_catalog(context, scope);
        let scope = &scope;
        let naive = expression.root;
        let stabilised = stabilise::stabilise(&mut expression.graph, naive);
        let mut alternatives = vec![naive];
        // The formula as written: what the engine's rewrites are measured against.
        let mut written = None;
        if let Some(parsed) = &expression.source {
            let previous = expression.graph.set_as_written(true);
            written = lower::lower(&mut expression.graph, parsed.body(), scope).ok();
            expression.graph.set_as_written(previous);
            alternatives.extend(written);
        }
        let mut expression = expression.with_root(stabilised, alternatives);
        expression.as_written = written;
        if stabilised == naive {
            expression.written_preferred = written.filter(|&written| written != naive);
        }
        Ok(expression)
    }

    /// The same graph and source with another root, computed as itself, and the alternatives
    /// that differ from it.
    fn with_root(mut self, root: Id, mut alternatives: Vec<Id>) -> Expression {
        alternatives.retain(|&alternative| alternative != root);
        alternatives.dedup();
        self.root = root;
        self.computed = root;
        self.computed_single = root;
        self.alternatives = alternatives;
        self.guard_forms();
        self
    }

    /// An expression computed as itself, with no alternatives yet, defined where `domain` holds.
    fn plain(graph: Graph, root: Id, source: Option<Formula>, domain: Vec<Id>) -> Expression {
        let mut expression = Expression {
            graph,
            root,
            computed: root,
            computed_single: root,
            alternatives: Vec::new(),
            written_preferred: None,
            as_written: None,
            source,
            domain,
            guarded: Vec::new(),
        };
        expression.guard_forms();
        expression
    }

    /// A derivative (or another expression made from this one) over `graph`, an extension of
    /// this expression's graph: defined where this one is.
    fn derived(&self, graph: Graph, root: Id, alternatives: Vec<Id>) -> Expression {
        Expression::plain(graph, root, None, self.domain.clone()).with_root(root, alternatives)
    }

    /// Every form guarded by the domain it lost (see [`domain::guard`]); a form guarded before
    /// (the root, when the alternatives are set) keeps its guard, as the graph only grows.
    fn guard_forms(&mut self) {
        let mut guarded = Vec::new();
        for form in self.forms() {
            let computed = match self.guarded.iter().find(|&&(done, _)| done == form) {
                Some(&(_, computed)) => computed,
                None => domain::guard(&mut self.graph, form, &self.domain),
            };
            guarded.push((form, computed));
        }
        self.guarded = guarded;
    }

    /// A form as it is computed (guarded by the domain).
    fn guarded(&self, form: Id) -> Id {
        self.guarded.iter().find(|(unguarded, _)| *unguarded == form).map_or(form, |&(_, guarded)| guarded)
    }

    /// Parse and lower a formula as written, without the stabiliser: the textbook form, for
    /// comparisons that show what the stabiliser buys.
    pub fn parse_naive(formula: &str) -> Result<Expression, EngineError> {
        Expression::parse_naive_with(formula, &Context::default(), &lower::Scope::default())
    }

    /// The context and scope with the catalog's functions callable by name, unless the
    /// formula's own names or definitions take them.
    fn with_catalog(context: &Context, scope: &lower::Scope) -> (Context, lower::Scope) {
        let callable = catalog::callable(context);
        let context = context.clone().with_functions(&callable);
        let mut scope = scope.clone();
        for name in callable {
            if let Some(definition) = catalog::definitions().get(name) {
                scope.definitions.entry(name.to_owned()).or_insert_with(|| definition.clone());
            }
        }
        (context, scope)
    }

    fn parse_naive_with(formula: &str, context: &Context, scope: &lower::Scope) -> Result<Expression, EngineError> {
        let (context, scope) = Expression::with_catalog(context, scope);
        let (context, scope) = (&context, &scope);
        let parsed = texgrad_grammar::parse_with(formula, context)?;
        let mut graph = Graph::new();
        let root = lower::lower(&mut graph, parsed.body(), scope)?;
        // The domain of the formula as written: simplifying `0 \cdot \frac{1}{x}` to 0 loses it.
        let previous = graph.set_as_written(true);
        let written = lower::lower(&mut graph, parsed.body(), scope);
        graph.set_as_written(previous);
        let domain = domain::conditions(&mut graph, written.unwrap_or(root));
        let expression = Expression::plain(graph, root, Some(parsed), domain);
        if let Some(parsed) = &expression.source {
            check::check_chain(parsed, &expression, scope)?;
        }
        // A gap in a `cases` is an error wherever the formula comes from (SPEC section 5); the
        // macros check again with the parameters' defaults.
        let inputs: Vec<String> = expression.names().0.into_iter().collect();
        check::check_cases_cover(&expression, &inputs, &Bindings::default())?;
        Ok(expression)
    }

    /// The expression with the stabiliser's rewrites applied.
    pub fn stabilised(&self) -> Expression {
        let mut graph = self.graph.clone();
        let root = stabilise::stabilise(&mut graph, self.root);
        let alternatives = self.alternatives.iter().copied().chain([self.root]).collect();
        Expression::plain(graph, root, self.source.clone(), self.domain.clone()).with_root(root, alternatives)
    }

    /// An expression over an existing graph, defined where its own form is.
    pub fn from_graph(mut graph: Graph, root: Id) -> Expression {
        let domain = domain::conditions(&mut graph, root);
        Expression::plain(graph, root, None, domain).with_root(root, Vec::new())
    }

    /// The IR graph and the root.
    pub fn graph(&self) -> (&Graph, Id) {
        (&self.graph, self.root)
    }

    /// The AST the expression was lowered from, if it was parsed from text.
    pub fn source(&self) -> Option<&Expr> {
        self.source.as_ref().map(Formula::body)
    }

    /// The formula's head (`f(x) =`), if it was parsed from text and written with one.
    pub fn head(&self) -> Option<&texgrad_grammar::ast::Head> {
        self.source.as_ref().and_then(|formula| formula.head.as_ref())
    }

    /// The derivative with respect to `name`: a scalar input or parameter (`x`, `alpha`), or a
    /// vector input (`z`), whose derivative is taken with respect to the element `z_k` for an
    /// index letter not used in the formula.
    pub fn derivative(&self, name: &str) -> Result<Expression, EngineError> {
        let wrt = self.wrt(name)?;
        let mut graph = self.graph.clone();
        let derivative = diff::derivative(&mut graph, self.root, &wrt);
        let simplified = simplify::simplify(&mut graph, derivative);
        let root = stabilise::stabilise(&mut graph, simplified);
        Ok(self.derived(graph, root, vec![simplified]))
    }

    /// The derivative with respect to `name`, computed in the graph of `alongside` (an
    /// expression derived from this one), so that the two can be emitted together: a gate's
    /// partial derivatives share their common subexpressions.
    pub fn derivative_alongside(&self, alongside: &Expression, name: &str) -> Result<Expression, EngineError> {
        let wrt = self.wrt(name)?;
        let root = self.root;
        if root.index() >= alongside.graph.len() || alongside.graph.node(root) != self.graph.node(root) {
            return Err(EngineError::new("a derivative alongside another needs an expression derived from this one"));
        }
        let mut graph = alongside.graph.clone();
        let derivative = diff::derivative(&mut graph, root, &wrt);
        let simplified = simplify::simplify(&mut graph, derivative);
        let root = stabilise::stabilise(&mut graph, simplified);
        Ok(self.derived(graph, root, vec![simplified]))
    }

    /// The vector-Jacobian product of a vector output (one free index, `i`) with respect to the
    /// vector input `name`: `\sum_i dy_i \frac{\partial out_i}{\partial name_k}`, with the
    /// Kronecker deltas eliminated. `cotangent` names `dy`; the result's free index is the
    /// fresh index of `name` (`k`).
    pub fn vector_jacobian_product(&self, name: &str, cotangent: &str) -> Result<Expression, EngineError> {
        let free = self.free_indices();
        let [output_index] = free[..] else {
            return Err(EngineError::new(format!(
                "a vector-Jacobian product needs a vector output with one free index; this formula has {}",
                free.len()
            )));
        };
        let wrt = self.wrt(name)?;
        let mut graph = self.graph.clone();
        let jacobian = diff::derivative(&mut graph, self.root, &wrt);
        let weight = graph.element(cotangent, vec![output_index]);
        let weighted = graph.mul(weight, jacobian);
        let product = graph.sum(output_index, weighted);
        let simplified = simplify::simplify(&mut graph, product);
        let root = stabilise::stabilise(&mut graph, simplified);
        Ok(self.derived(graph, root, Vec::new()))
    }

    /// The vector-Jacobian product written through the output, named `output`, instead of the
    /// input `name` (softmax's `out_k (dy_k - \sum_i dy_i out_i)`), where the input can be
    /// eliminated; see [`Self::vector_jacobian_product`].
    pub fn vector_jacobian_product_from_output(
        &self,
        name: &str,
        cotangent: &str,
        output: &str,
    ) -> Result<Option<Expression>, EngineError> {
        let mut product = self.vector_jacobian_product(name, cotangent)?;
        let [output_index] = self.free_indices()[..] else { return Ok(None) };
        let mut graph = std::mem::take(&mut product.graph);
        let root = output::vector_from_output(&mut graph, product.root, self.root, output_index, name, output);
        Ok(root.map(|root| product.derived(graph, root, Vec::new())))
    }

    /// The derivative as a textbook derivation gives it: differentiated and simplified, without
    /// the stabiliser (for comparisons that show what the stabiliser buys).
    pub fn naive_derivative(&self, name: &str) -> Result<Expression, EngineError> {
        let wrt = self.wrt(name)?;
        let mut graph = self.graph.clone();
        let derivative = diff::derivative(&mut graph, self.root, &wrt);
        let root = simplify::simplify(&mut graph, derivative);
        Ok(self.derived(graph, root, Vec::new()))
    }

    /// The derivative with respect to the scalar input `input` written through the function's
    /// own output, named `output` (`y(1 - y)` for the sigmoid, `1 - y^2` for tanh, `y + α` on
    /// ELU's negative side), where such a form is known. See [`output`].
    pub fn derivative_from_output(&self, input: &str, output: &str) -> Option<Expression> {
        let mut graph = self.graph.clone();
        let root = output::derivative_from_output(&mut graph, self.root, input, output)?;
        Some(self.derived(graph, root, Vec::new()))
    }

    /// What `name` refers to in this formula, for differentiation.
    pub fn wrt(&self, name: &str) -> Result<diff::Wrt, EngineError> {
        let (scalars, vectors) = self.names();
        if scalars.contains(name) {
            return Ok(diff::Wrt::Symbol(name.to_owned()));
        }
        if let Some(rank) = vectors.get(name) {
            let used = self.indices();
            let fresh: Vec<char> = ['k', 'l', 'p', 'q', 'r', 's', 't', 'a', 'b', 'c']
                .into_iter()
                .filter(|index| !used.contains(index))
                .take(*rank)
                .collect();
            if fresh.len() < *rank {
                return Err(EngineError::new("the formula uses every index letter texgrad could differentiate with"));
            }
            return Ok(diff::Wrt::Element(name.to_owned(), fresh));
        }
        // Differentiating with respect to a name that does not occur gives zero. For a formula the
        // user wrote, a typo is far more likely than that intent; a derivative may well have lost
        // the name (the second derivative of a x with respect to a).
        if self.source.is_none() {
            return Ok(diff::Wrt::Symbol(name.to_owned()));
        }
        let mut known: Vec<&str> = scalars.iter().map(String::as_str).collect();
        known.extend(vectors.keys().map(String::as_str));
        Err(EngineError::new(format!("`{name}` does not occur in the formula")).with_hint(if known.is_empty() {
            "the formula has no inputs".to_owned()
        } else {
            format!("differentiate with respect to one of: {}", known.join(", "))
        }))
    }

    /// The scalar names and the vector names (with their number of indices) of the formula.
    pub fn names(&self) -> (BTreeSet<String>, HashMap<String, usize>) {
        let mut scalars = BTreeSet::new();
        let mut vectors = HashMap::new();
        for id in self.reachable() {
            match self.graph.node(id) {
                Node::Symbol(name) if texgrad_grammar::names::Length::of(name).is_none() => {
                    scalars.insert(name.clone());
                }
                Node::Element(name, indices) => {
                    vectors.insert(name.clone(), indices.len());
                }
                _ => {}
            }
        }
        (scalars, vectors)
    }

    /// Every index letter the formula uses.
    fn indices(&self) -> BTreeSet<char> {
        let mut used = BTreeSet::new();
        for id in self.reachable() {
            match self.graph.node(id) {
                Node::Element(_, indices) => used.extend(indices.iter().copied()),
                Node::Sum(index, _) => {
                    used.insert(*index);
                }
                Node::Delta(a, b) => used.extend([*a, *b]),
                _ => {}
            }
        }
        used
    }

    /// The indices that no sum binds: a vector output's `i`.
    pub fn free_indices(&self) -> Vec<char> {
        self.indices().into_iter().filter(|&index| self.graph.mentions_index(self.root, index)).collect()
    }

    fn reachable(&self) -> Vec<Id> {
        let mut seen = vec![false; self.graph.len()];
        let mut stack = vec![self.root];
        let mut order = Vec::new();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            order.push(id);
            stack.extend(self.graph.children(id));
        }
        order
    }

    /// The expression as LaTeX in the formula language.
    pub fn latex(&self) -> String {
        print::latex(&self.graph, self.root)
    }

    /// The expression as plain text.
    pub fn text(&self) -> String {
        print::text(&self.graph, self.root)
    }

    /// The form computed in `f64` (see [`Self::choose_form`]) as plain text.
    pub fn computed_text(&self) -> String {
        print::text(&self.graph, self.computed())
    }

    /// The value in `f64` (for a vector output, bind its free index with [`Self::evaluate_at`]).
    ///
    /// The computed form's program is run as the generated plain functions run it (the runtime's
    /// elementary functions at the scalar level, [`program`]), so that `texgrad eval` shows what
    /// the code gives.
    pub fn evaluate(&self, bindings: &Bindings) -> Result<f64, EngineError> {
        eval::evaluate(&self.graph, self.computed(), bindings, &HashMap::new())
    }

    /// The value with the free indices bound (`i = 2`).
    pub fn evaluate_at(&self, bindings: &Bindings, indices: &HashMap<char, usize>) -> Result<f64, EngineError> {
        eval::evaluate(&self.graph, self.computed(), bindings, indices)
    }

    /// The computed form's program, built once, for values at many points (a curve, a
    /// self-check): [`Self::evaluate`] at each.
    pub fn compiled(&self) -> Result<eval::Compiled, EngineError> {
        eval::Compiled::new(&self.graph, self.computed())
    }

    /// The form computed in `f64`: the root, or the form [`Self::choose_form`] chose, NaN where
    /// the formula is undefined (see [`domain`]).
    pub fn computed(&self) -> Id {
        self.guarded(self.computed)
    }

    /// The form computed in `f32`.
    pub fn computed_single(&self) -> Id {
        self.guarded(self.computed_single)
    }

    /// The same expression computed only on its domain: NaN wherever a condition of
    /// [`Self::domain`] fails, also where the form would have a value (`\ln x` at 0 is -∞ as
    /// computed, and undefined here), for an analysis of the function where it is defined.
    pub fn on_domain(&self) -> Expression {
        let mut restricted = self.clone();
        if !self.domain.is_empty() {
            let defined = restricted.graph.and(self.domain.clone());
            let undefined = restricted.graph.float(f64::NAN);
            let guarded: Vec<(Id, Id)> = self
                .guarded
                .iter()
                .map(|&(form, computed)| (form, restricted.graph.select(defined, computed, undefined)))
                .collect();
            restricted.guarded = guarded;
        }
        restricted
    }

    /// Where the formula is defined: conditions that all hold there (see [`domain`]).
    pub fn domain(&self) -> &[Id] {
        &self.domain
    }

    /// Choose, by measurement, the form to compute (emit and evaluate) in each type among the
    /// root and the equal forms the engine kept (the formula as written, the form before the
    /// stabiliser): the root unless the oracle shows it less accurate than another in that type
    /// somewhere on the grid of `input`, the other names bound as in `bindings`. Expressions
    /// with vector inputs keep their root.
    pub fn choose_form(&mut self, input: &str, bindings: &Bindings) -> oracle::Choice {
        self.choose_form_within(input, bindings, Some(&search::Budget::default()))
    }

    /// [`Self::choose_form`] with the accuracy search limited by `budget`, or without it
    /// (`None`).
    pub fn choose_form_within(
        &mut self,
        input: &str,
        bindings: &Bindings,
        budget: Option<&search::Budget>,
    ) -> oracle::Choice {
        let (mut preferred, mut others) = match self.written_preferred {
            Some(written) => {
                let others: Vec<Id> = std::iter::once(self.root)
                    .chain(self.alternatives.iter().copied().filter(|&form| form != written))
                    .collect();
                (written, others)
            }
            None => (self.root, self.alternatives.clone()),
        };
        // The search (see [`search`]) for scalar expressions: the form the judge measures more
        // accurate in bits, nowhere worse by more than a bit, and the oracle confirms at every
        // decade, becomes the preferred form; the oracle keeps it unless it measures it less
        // accurate than another somewhere.
        if let Some(budget) = budget
            && self.names().1.is_empty()
            && self.free_indices().is_empty()
        {
            let forms: Vec<Id> = std::iter::once(preferred).chain(others.iter().copied()).collect();
            // Only the confirmed form joins: the search's other candidates were measured on its
            // sample, not at every decade, and the oracle's own grid is coarser still.
            if let Some(best) = search::search(&mut self.graph, &forms, input, bindings, budget) {
                self.alternatives.push(best);
                self.guard_forms();
                others.insert(0, preferred);
                preferred = best;
            }
        }
        let choice = oracle::choose(&self.graph, preferred, &others, input, bindings);
        self.computed = choice.double;
        self.computed_single = choice.single;
        choice
    }

    /// The error in bits (see [`search::judge`]) of the form computed in each type, and of the
    /// formula as written where the expression was parsed (else `None`), at the judge's sample
    /// of `input`.
    pub fn bits_of_error(&self, input: &str, bindings: &Bindings) -> (Option<search::Bits>, Option<search::Bits>) {
        // One sample for every form measured, whose exact values must agree where they count
        // (see [`search::judge::sample`]).
        let written = self.written();
        let mut references = vec![self.root, self.computed(), self.computed_single()];
        references.extend(written);
        let forms: Vec<Id> = [self.computed(), self.computed_single()].into_iter().chain(written).collect();
        let measured = search::bits(&self.graph, &references, &forms, input, bindings);
        let mut computed = measured[0];
        if let (Some(both), Some(single)) = (&mut computed, measured[1]) {
            both.single = single.single;
        }
        (computed, written.and(measured.get(2).copied().flatten()))
    }

    /// The formula as written (guarded by its domain), for expressions parsed from text: what
    /// the engine's forms are measured against.
    pub fn written(&self) -> Option<Id> {
        self.as_written.map(|written| self.guarded(written))
    }

    /// The form computed in `f64` as LaTeX (a select as `cases`).
    pub fn computed_latex(&self) -> String {
        print::latex(&self.graph, self.computed)
    }

    /// The forms the oracle may choose from: the root first, then the alternatives.
    pub fn forms(&self) -> Vec<Id> {
        std::iter::once(self.root).chain(self.alternatives.iter().copied()).collect()
    }

    /// The same expression computed as `form` (one of [`Self::forms`]).
    pub fn computed_as(&self, form: Id) -> Expression {
        let mut expression = self.clone();
        if self.forms().contains(&form) {
            expression.computed = form;
            expression.computed_single = form;
        }
        expression
    }

    /// The code computing this expression and, sharing their common subexpressions, the others
    /// given (derived from it, or it from them): `let` statements and one expression per root.
    pub fn emit_together(
        &self,
        together_with: &[&Expression],
        options: &emit::EmitOptions,
    ) -> Result<emit::Emitted, EngineError> {
        let mut all: Vec<&Expression> = vec![self];
        all.extend(together_with.iter().copied());
        let largest = all.iter().max_by_key(|expression| expression.graph.len()).copied().unwrap_or(self);
        // Derived expressions share their origin's graph up to where each grew its own nodes (a
        // derivative, the search's forms): what lies beyond that is copied into one graph, which
        // is cloned only when something has to be.
        let mut graph = std::borrow::Cow::Borrowed(&largest.graph);
        let mut place = |expression: &Expression, root: Id| -> Id {
            let own = &expression.graph;
            // Below the first node where the graphs differ, an id means the same in both
            // (children come before their parents).
            let common = own.len().min(graph.len());
            let shared = (0..common).find(|&index| graph.node(graph.id_at(index)) != own.node(own.id_at(index)));
            if root.index() < shared.unwrap_or(common) {
                root
            } else {
                graph.to_mut().transplant(own, root, &mut HashMap::new())
            }
        };
        let doubles: Vec<Id> = all.iter().map(|expression| place(expression, expression.computed())).collect();
        let singles: Vec<Id> = all.iter().map(|expression| place(expression, expression.computed_single())).collect();
        if singles == doubles {
            return emit::emit(&graph, &doubles, options);
        }
        // The oracle chose other forms for `f32`: both bodies, and the one for the type at hand
        // (the branch is on a constant of the monomorphised function, so only one is compiled in).
        let (single, double) = (emit::emit(&graph, &singles, options)?, emit::emit(&graph, &doubles, options)?);
        let names: Vec<proc_macro2::TokenStream> = (0..all.len())
            .map(|position| {
                let name = quote::format_ident!("texgrad_result_{position}");
                quote::quote!(#name)
            })
            .collect();
        let pattern = emit::tuple(&names);
        let (single_statements, single_results) = (&single.statements, emit::tuple(&single.results));
        let (double_statements, double_results) = (&double.statements, emit::tuple(&double.results));
        let float = &options.float_type;
        let statements = quote::quote! {
            let #pattern = if ::core::mem::size_of::<#float>() == 4 {
                #single_statements
                #single_results
            } else {
                #double_statements
                #double_results
            };
        };
        Ok(emit::Emitted { statements, results: names })
    }

    /// A generic Rust function computing this expression and, sharing their common
    /// subexpressions, the others given (see [`Self::emit_together`]): `fn name<F: Float>(arguments:
    /// F) -> F`, or a tuple for several.
    pub fn rust_function(
        &self,
        name: &str,
        arguments: &[String],
        together_with: &[&Expression],
        options: &emit::EmitOptions,
    ) -> Result<proc_macro2::TokenStream, EngineError> {
        let emitted = self.emit_together(together_with, options)?;
        let name = emit::identifier(name);
        let (float, float_trait, visibility) = (&options.float_type, &options.float_trait, &options.visibility);
        let parameters = arguments.iter().map(|argument| {
            let argument = emit::identifier(argument);
            quote::quote!(#argument: #float)
        });
        let statements = emitted.statements;
        let body = emit::tuple(&emitted.results);
        let output = emit::tuple(&vec![float.clone(); emitted.results.len()]);
        Ok(quote::quote! {
            // Literals are correctly rounded constants (clippy would ask for `FRAC_1_SQRT_2`), the
            // emitter brackets every operation rather than track precedence, and a family of
            // functions computed together (`tanh` with `sech^2`) may have a member unused.
            #[allow(unused_parens, unused_variables, clippy::double_parens, clippy::approx_constant)]
            #visibility fn #name<#float: #float_trait>(#(#parameters),*) -> #output {
                #statements
                #body
            }
        })
    }

    /// Distinct operations after sharing (leaves are free).
    pub fn operation_count(&self) -> usize {
        self.graph.operation_count(&[self.computed()])
    }
}
