//! The search's language: the IR's scalar operations as an `egg` language, and the conversions
//! between the two.
//!
//! The IR keeps sums and products n-ary and canonical (`a - b` is `a + (-1) b`, `a / b` is
//! `a b^{-1}`); rules are easier to write, and floating point is easier to reason about, over
//! the binary operations a program computes. So a sum becomes a chain of `+` and `-`, a
//! product a chain of `*` with one `/`, `u^{1/2}` a `sqrt`. What the search does not rewrite
//! (selects' conditions, sums over indices, log-sum-exps, a number with no rational form) enters
//! as an opaque leaf, `#id`, naming the IR node it stands for; a node the stabiliser already
//! computes in another form (`ComputedAs`, `NearZero`) enters as both, in one class.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use egg::{Id as ClassId, RecExpr, Symbol, define_language};
use num_traits::{One, Signed};

use crate::ir::{Constant, Func, Graph, Id, Node, Rational};

/// A function of the table ([`Func`]) as an operator of the language, named as the text printer
/// names it (`exp`, `ln1p`, `Phi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Callee(pub Func);

impl FromStr for Callee {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        Func::all().find(|func| func.text_name() == text).map(Callee).ok_or(())
    }
}

impl fmt::Display for Callee {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0.text_name())
    }
}

define_language! {
    /// A scalar expression of the search: binary arithmetic, powers, the table's functions,
    /// `max`, `min`, a select on an opaque condition, and leaves (an input or parameter by
    /// name, `pi`, or an opaque IR node `#index`).
    pub enum Math {
        "+" = Add([ClassId; 2]),
        "-" = Sub([ClassId; 2]),
        "*" = Mul([ClassId; 2]),
        "/" = Div([ClassId; 2]),
        "neg" = Neg([ClassId; 1]),
        "pow" = Pow([ClassId; 2]),
        "sqrt" = Sqrt([ClassId; 1]),
        "max" = Max([ClassId; 2]),
        "min" = Min([ClassId; 2]),
        "if" = If([ClassId; 3]),
        Number(Rational),
        Call(Callee, [ClassId; 1]),
        Leaf(Symbol),
    }
}

/// The leaf standing for π.
pub const PI: &str = "pi";

/// What a leaf stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum LeafKind {
    /// π.
    Pi,
    /// An IR node the search does not look into.
    Opaque(Id),
    /// A scalar input or parameter.
    Name(String),
}

/// The meaning of a leaf's name, in `graph`.
pub fn leaf_kind(graph: &Graph, name: Symbol) -> LeafKind {
    let text = name.as_str();
    if text == PI {
        return LeafKind::Pi;
    }
    if let Some(index) = text.strip_prefix('#').and_then(|digits| digits.parse::<usize>().ok())
        && index < graph.len()
    {
        return LeafKind::Opaque(graph.id_at(index));
    }
    LeafKind::Name(text.to_owned())
}

/// The IR below some roots, converted into one [`RecExpr`] (shared nodes once), with the
/// classes that must be merged after it is added to an e-graph: a node and the form it is
/// computed as.
pub struct Converted {
    /// The expression: every converted node, children first.
    pub expression: RecExpr<Math>,
    /// The position in `expression` of each converted IR node.
    pub positions: HashMap<Id, ClassId>,
    /// Positions in `expression` that denote equal values.
    pub equal: Vec<(ClassId, ClassId)>,
}

/// Converts IR subgraphs into the search's language.
pub struct ToMath<'g> {
    graph: &'g Graph,
    converted: Converted,
}

impl<'g> ToMath<'g> {
    /// A converter for nodes of `graph`.
    pub fn new(graph: &'g Graph) -> Self {
        ToMath {
            graph,
            converted: Converted { expression: RecExpr::default(), positions: HashMap::new(), equal: Vec::new() },
        }
    }

    /// What has been converted.
    pub fn finish(self) -> Converted {
        self.converted
    }

    fn push(&mut self, node: Math) -> ClassId {
        self.converted.expression.add(node)
    }

    fn opaque(&mut self, id: Id) -> ClassId {
        self.push(Math::Leaf(Symbol::from(format!("#{}", id.index()))))
    }

    /// The position of the IR node `id` in the expression, converting it first.
    pub fn convert(&mut self, id: Id) -> ClassId {
        if let Some(&position) = self.converted.positions.get(&id) {
            return position;
        }
        let position = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.convert_new(id));
        self.converted.positions.insert(id, position);
        position
    }

    fn convert_new(&mut self, id: Id) -> ClassId {
        match self.graph.node(id).clone() {
            Node::Number(value) => self.push(Math::Number(value)),
            Node::Constant(Constant::Pi) => self.push(Math::Leaf(Symbol::from(PI))),
            Node::Constant(Constant::E) => {
                let one = self.push(Math::Number(Rational::one()));
                self.push(Math::Call(Callee(Func::Exp), [one]))
            }
            Node::Symbol(name) if texgrad_grammar::names::Length::of(&name).is_none() => {
                self.push(Math::Leaf(Symbol::from(name.as_str())))
            }
            Node::Add(terms) => self.sum(&terms),
            Node::Mul(factors) => self.product(&factors),
            Node::Pow(base, exponent) => {
                let base_position = self.convert(base);
                match self.graph.rational(exponent) {
                    Some(power) if power == Rational::new(1, 2) => self.push(Math::Sqrt([base_position])),
                    Some(power) if power == -Rational::one() => {
                        let one = self.push(Math::Number(Rational::one()));
                        self.push(Math::Div([one, base_position]))
                    }
                    _ => {
                        let exponent = self.convert(exponent);
                        self.push(Math::Pow([base_position, exponent]))
                    }
                }
            }
            Node::Apply(func, argument) => {
                let argument = self.convert(argument);
                self.push(Math::Call(Callee(func), [argument]))
            }
            Node::Max(a, b) => {
                let (a, b) = (self.convert(a), self.convert(b));
                self.push(Math::Max([a, b]))
            }
            Node::Min(a, b) => {
                let (a, b) = (self.convert(a), self.convert(b));
                self.push(Math::Min([a, b]))
            }
            Node::Select { condition, then, otherwise } => {
                let condition = self.opaque(condition);
                let (then, otherwise) = (self.convert(then), self.convert(otherwise));
                self.push(Math::If([condition, then, otherwise]))
            }
            Node::ComputedAs { exact, computed } => {
                let exact = self.convert(exact);
                let computed = self.convert(computed);
                self.converted.equal.push((exact, computed));
                computed
            }
            Node::NearZero { exact, .. } => {
                let exact = self.convert(exact);
                let opaque = self.opaque(id);
                self.converted.equal.push((exact, opaque));
                opaque
            }
            _ => self.opaque(id),
        }
    }

    /// A sum as the program computes it: the positive terms added, the negative ones
    /// subtracted.
    fn sum(&mut self, terms: &[Id]) -> ClassId {
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        for &term in terms {
            match self.negated(term) {
                Some(magnitude) => negative.push(magnitude),
                None => positive.push(self.convert(term)),
            }
        }
        let mut total = match positive.split_first() {
            Some((&first, rest)) => rest.iter().fold(first, |total, &term| self.push(Math::Add([total, term]))),
            None => {
                let first = negative.remove(0);
                self.push(Math::Neg([first]))
            }
        };
        for term in negative {
            total = self.push(Math::Sub([total, term]));
        }
        total
    }

    /// `|c| u` for a term `c u` with a negative coefficient `c`.
    fn negated(&mut self, term: Id) -> Option<ClassId> {
        match self.graph.node(term) {
            Node::Number(value) if value.is_negative() => Some(self.push(Math::Number(-*value))),
            Node::Mul(factors) => {
                let coefficient = self.graph.rational(factors[0]).filter(Rational::is_negative)?;
                let factors = factors.clone();
                let rest: Vec<Id> = factors[1..].to_vec();
                Some(self.product_with(-coefficient, &rest))
            }
            _ => None,
        }
    }

    fn product(&mut self, factors: &[Id]) -> ClassId {
        match self.graph.rational(factors[0]) {
            Some(coefficient) => self.product_with(coefficient, &factors[1..]),
            None => self.product_with(Rational::one(), factors),
        }
    }

    /// `coefficient · factors` as the program computes it: the numerator's factors multiplied,
    /// divided once by the product of the denominator's.
    fn product_with(&mut self, coefficient: Rational, factors: &[Id]) -> ClassId {
        let mut numerator = Vec::new();
        let mut denominator = Vec::new();
        for &factor in factors {
            match self.graph.node(factor) {
                Node::Pow(base, exponent)
                    if self.graph.rational(*exponent).is_some_and(|power| power.is_negative()) =>
                {
                    let (base, power) = (*base, -self.graph.rational(*exponent).unwrap_or_default());
                    let base_position = self.convert(base);
                    denominator.push(if power.is_one() {
                        base_position
                    } else if power == Rational::new(1, 2) {
                        self.push(Math::Sqrt([base_position]))
                    } else {
                        let exponent = self.push(Math::Number(power));
                        self.push(Math::Pow([base_position, exponent]))
                    });
                }
                _ => numerator.push(self.convert(factor)),
            }
        }
        let negate = coefficient.is_negative();
        let mut magnitude = coefficient.abs();
        // `\frac{u}{2}` is a division by 2, as written, rather than a product with 1/2.
        if magnitude.numer().is_one() && !magnitude.is_integer() && !numerator.is_empty() {
            denominator.insert(0, self.push(Math::Number(Rational::from_integer(*magnitude.denom()))));
            magnitude = Rational::one();
        }
        if !magnitude.is_one() || numerator.is_empty() {
            numerator.insert(0, self.push(Math::Number(magnitude)));
        }
        let top = numerator[1..].iter().fold(numerator[0], |product, &factor| self.push(Math::Mul([product, factor])));
        let result = match denominator.split_first() {
            Some((&first, rest)) => {
                let bottom = rest.iter().fold(first, |product, &factor| self.push(Math::Mul([product, factor])));
                self.push(Math::Div([top, bottom]))
            }
            None => top,
        };
        if negate { self.push(Math::Neg([result])) } else { result }
    }
}

/// Builds the expression `expression` (a term extracted from the e-graph, root last) into
/// `graph`, as written: the IR's constructors fold numbers but keep the term's shape, so that
/// the program computes what the search measured.
pub fn to_ir(graph: &mut Graph, expression: &RecExpr<Math>) -> Option<Id> {
    let previous = graph.set_as_written(true);
    let built = build(graph, expression);
    graph.set_as_written(previous);
    built
}

fn build(graph: &mut Graph, expression: &RecExpr<Math>) -> Option<Id> {
    let nodes = expression.as_ref();
    let mut ids: Vec<Id> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let at = |child: &ClassId| ids[usize::from(*child)];
        let id = match node {
            Math::Add([a, b]) => graph.add(at(a), at(b)),
            Math::Sub([a, b]) => graph.sub(at(a), at(b)),
            Math::Mul([a, b]) => graph.mul(at(a), at(b)),
            Math::Div([a, b]) => graph.div(at(a), at(b)),
            Math::Neg([a]) => graph.neg(at(a)),
            Math::Pow([a, b]) => graph.pow(at(a), at(b)),
            Math::Sqrt([a]) => {
                let half = graph.number(Rational::new(1, 2));
                graph.pow(at(a), half)
            }
            Math::Max([a, b]) => graph.max(at(a), at(b)),
            Math::Min([a, b]) => graph.min(at(a), at(b)),
            Math::If([condition, then, otherwise]) => graph.select(at(condition), at(then), at(otherwise)),
            Math::Number(value) => graph.number(*value),
            Math::Call(Callee(func), [argument]) => graph.apply(*func, at(argument)),
            Math::Leaf(name) => match leaf_kind(graph, *name) {
                LeafKind::Pi => graph.constant(Constant::Pi),
                LeafKind::Opaque(id) => id,
                LeafKind::Name(name) => graph.symbol(&name),
            },
        };
        ids.push(id);
    }
    ids.last().copied()
}
