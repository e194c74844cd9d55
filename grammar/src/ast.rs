//! The typed AST: what a formula means, with every name resolved and every node's byte span.
//!
//! Surface spellings are gone: `\frac{a}{b}` and `a / b` are both [`BinaryOp::Divide`], `\cdot`,
//! `\times` and juxtaposition are all [`BinaryOp::Multiply`], grouping is the tree's shape, and
//! names are Rust identifiers (`\hat{y}` is `y_hat`). Equality compares meaning and ignores
//! spans, so `parse(print(ast)) == ast` holds even though the printed text differs.

use std::fmt;

/// A byte range in the formula text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A parsed formula: `f(x) = A = B` has the head `f(x)` and the forms `A` and `B`.
#[derive(Clone, Debug, PartialEq)]
pub struct Formula {
    /// The leading `f(x) =`, `L =`, `\mathrm{GELU}(x) =`, if written.
    pub head: Option<Head>,
    /// The equal forms of a chain, at least one; the last one defines the function.
    pub forms: Vec<Expr>,
}

impl Formula {
    /// The form that defines the function: the last of the chain.
    pub fn body(&self) -> &Expr {
        self.forms.last().expect("a formula has at least one form")
    }
}

/// The head of a formula: a name and the inputs it is written over (`f(x)`, `D_{KL}`).
#[derive(Clone, Debug)]
pub struct Head {
    /// The name as an identifier (`f`, `GELU`, `D_KL`).
    pub name: String,
    /// Number of primes (`f'(x)` has one).
    pub primes: usize,
    /// The arguments, each a [`Variable`] (`x`, `x_i`).
    pub arguments: Vec<Variable>,
    /// Where the head is written.
    pub span: Span,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.primes == other.primes && self.arguments == other.arguments
    }
}

/// An expression node: what it is and where it was written.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The node itself.
    pub kind: ExprKind,
    /// The text it was parsed from (for a printed-and-reparsed tree, the printed text).
    pub span: Span,
}

impl PartialEq for Expr {
    /// Structural equality: spans are where a node was written, not what it means.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Expr {
    /// A node without a position, for trees built in code.
    pub fn new(kind: ExprKind) -> Self {
        Expr { kind, span: Span::default() }
    }

    /// The depth of the tree as the parser limits it ([`crate::limits::MAX_DEPTH`]): 1 for a
    /// leaf, and a link of a chain of sums or products adds no level to its left operand.
    pub fn depth(&self) -> usize {
        crate::limits::deep(|| match &self.kind {
            ExprKind::Binary { op, lhs, rhs } if matches!(&lhs.kind, ExprKind::Binary { op: previous, .. } if previous.is_additive() == op.is_additive()) => {
                lhs.depth().max(rhs.depth() + 1)
            }
            _ => 1 + self.children().map(Expr::depth).max().unwrap_or(0),
        })
    }

    /// The direct sub-expressions, in written order.
    pub fn children(&self) -> Box<dyn Iterator<Item = &Expr> + '_> {
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Constant(_) | ExprKind::Variable(_) => Box::new(std::iter::empty()),
            ExprKind::Negate(operand) | ExprKind::Abs(operand) => Box::new(std::iter::once(&**operand)),
            ExprKind::Binary { lhs, rhs, .. } => Box::new([&**lhs, &**rhs].into_iter()),
            ExprKind::Power { base, exponent } => Box::new([&**base, &**exponent].into_iter()),
            ExprKind::Root { degree, radicand } => Box::new([&**degree, &**radicand].into_iter()),
            ExprKind::Call { arguments, .. } | ExprKind::Reference { arguments, .. } => Box::new(arguments.iter()),
            ExprKind::Cases(cases) => {
                Box::new(cases.iter().flat_map(|case| std::iter::once(&case.value).chain(case.condition.operands())))
            }
            ExprKind::Sum { body, .. } => Box::new(std::iter::once(&**body)),
        }
    }

    /// The indices used in this expression and not bound by a sum inside it, in first-use order:
    /// `i` in `\frac{e^{z_i}}{\sum_j e^{z_j}}`.
    pub fn free_indices(&self) -> Vec<char> {
        let mut free = Vec::new();
        self.collect_free_indices(&mut Vec::new(), &mut free);
        free
    }

    fn collect_free_indices(&self, bound: &mut Vec<char>, free: &mut Vec<char>) {
        crate::limits::deep(|| self.collect_free_indices_here(bound, free));
    }

    fn collect_free_indices_here(&self, bound: &mut Vec<char>, free: &mut Vec<char>) {
        match &self.kind {
            ExprKind::Variable(variable) => {
                for index in &variable.indices {
                    if !bound.contains(index) && !free.contains(index) {
                        free.push(*index);
                    }
                }
            }
            ExprKind::Sum { index, body, .. } => {
                bound.push(*index);
                body.collect_free_indices(bound, free);
                bound.pop();
            }
            _ => {
                for child in self.children() {
                    child.collect_free_indices(bound, free);
                }
            }
        }
    }
}

/// What an expression node is.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A decimal literal, kept as written so that no digits are lost: `0.044715`, `1e-3`.
    Number(Number),
    /// `e` or `\pi`.
    Constant(Constant),
    /// A name, possibly indexed: `x`, `alpha`, `y_hat[i]`, `y[k,i]`.
    Variable(Variable),
    /// `-a`.
    Negate(Box<Expr>),
    /// `a + b`, `a - b`, `a b`, `\frac{a}{b}`.
    Binary {
        /// Which operation.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a^b`.
    Power {
        /// The base.
        base: Box<Expr>,
        /// The exponent.
        exponent: Box<Expr>,
    },
    /// `\sqrt[n]{x}`; a square root is the function [`Function::Sqrt`].
    Root {
        /// `n`.
        degree: Box<Expr>,
        /// `x`.
        radicand: Box<Expr>,
    },
    /// A built-in function applied to its arguments: `\tanh x`, `\max(a, b)`.
    Call {
        /// Which function.
        function: Function,
        /// Its arguments (as many as its arity).
        arguments: Vec<Expr>,
    },
    /// Another definition applied by name: `\operatorname{gelu}(a)`.
    Reference {
        /// The definition's name, lower case (`gelu`).
        name: String,
        /// Its arguments.
        arguments: Vec<Expr>,
    },
    /// `|x|`.
    Abs(Box<Expr>),
    /// `\begin{cases} .. \end{cases}`: the rows in written order.
    Cases(Vec<Case>),
    /// `\sum_{i=1}^{n} body`: always over the whole range of the index.
    Sum {
        /// The index letter.
        index: char,
        /// Which range the bounds name, if written.
        range: IndexRange,
        /// The summand.
        body: Box<Expr>,
    },
}

/// A decimal literal as written (`0.5`, `1e-3`, `2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number {
    /// The literal's text, with the exponent marker in lower case.
    pub text: String,
}

impl Number {
    /// The literal rounded to the nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        // The grammar only admits decimal literals, which Rust parses exactly as written.
        self.text.parse().unwrap_or(f64::NAN)
    }
}

/// Mathematical constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant {
    /// Euler's number `e` (always; `e` is never a variable).
    E,
    /// `\pi`.
    Pi,
}

/// A name with its indices: `y_hat[i]` for `\hat{y}_i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The Rust identifier (`x`, `alpha`, `y_hat`, `beta_1`, `negative_slope`).
    pub name: String,
    /// Index letters, outermost first: `y_{k,i}` has `['k', 'i']` (row `k`, column `i`).
    pub indices: Vec<char>,
}

/// The binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Subtract,
    /// Juxtaposition, `\cdot`, `\times`, `*`, `\otimes`, `\odot` (all elementwise on scalars).
    Multiply,
    /// `\frac`, `/`.
    Divide,
}

impl BinaryOp {
    /// `+` and `-`, whose chains are sums; the others' are products.
    pub fn is_additive(self) -> bool {
        matches!(self, BinaryOp::Add | BinaryOp::Subtract)
    }
}

/// The built-in functions of SPEC section 2; their spellings live in [`crate::names::FUNCTIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `\exp`.
    Exp,
    /// `\ln`, `\log` (natural).
    Ln,
    /// `\log_2`.
    Log2,
    /// `\log_{10}`.
    Log10,
    /// `\sqrt`.
    Sqrt,
    /// `\sin`.
    Sin,
    /// `\cos`.
    Cos,
    /// `\tan`.
    Tan,
    /// `\sinh`.
    Sinh,
    /// `\cosh`.
    Cosh,
    /// `\tanh`.
    Tanh,
    /// `\arctan`.
    Arctan,
    /// `\arcsin`.
    Arcsin,
    /// `\arccos`.
    Arccos,
    /// `\operatorname{erf}`.
    Erf,
    /// `\operatorname{erfc}`.
    Erfc,
    /// `\Phi`, the standard normal CDF.
    Phi,
    /// `\sigma`, the logistic sigmoid `1 / (1 + e^{-x})`.
    Sigmoid,
    /// `\operatorname{softplus}`, `\ln(1 + e^x)`.
    Softplus,
    /// `\operatorname{sign}`, `\operatorname{sgn}`.
    Sign,
    /// `\max(a, b)`.
    Max,
    /// `\min(a, b)`.
    Min,
}

/// One row of a `cases`: `value, & condition`.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The value on this piece.
    pub value: Expr,
    /// Where this piece applies.
    pub condition: Condition,
}

/// Where a `cases` row applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `\text{otherwise}`, `\text{else}`: wherever no earlier row applies.
    Otherwise,
    /// A chain of relations: `x \ge 0`, `-1 \le x \le 1`.
    Chain {
        /// The leftmost operand.
        first: Expr,
        /// Each further relation and its right operand.
        rest: Vec<(Relation, Expr)>,
    },
}

impl Condition {
    /// The operands of the chain, left to right.
    pub fn operands(&self) -> Box<dyn Iterator<Item = &Expr> + '_> {
        match self {
            Condition::Otherwise => Box::new(std::iter::empty()),
            Condition::Chain { first, rest } => {
                Box::new(std::iter::once(first).chain(rest.iter().map(|(_, operand)| operand)))
            }
        }
    }
}

/// Comparison relations in conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `<`.
    Less,
    /// `\le`.
    LessEqual,
    /// `>`.
    Greater,
    /// `\ge`.
    GreaterEqual,
    /// `=`.
    Equal,
    /// `\ne`.
    NotEqual,
}

/// Which range a sum's written bounds name. A sum always runs over the whole range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexRange {
    /// No bounds written (`\sum_i`).
    Unwritten,
    /// `1..n` (or `0..n-1`): the vector length, the columns of a matrix.
    Columns,
    /// `1..m` (or `0..m-1`): the rows of a matrix.
    Rows,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
