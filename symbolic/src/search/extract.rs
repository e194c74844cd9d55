//! Extraction by accuracy: of all the forms an e-graph holds, the one whose computed value is
//! closest to the exact value at the sample points.
//!
//! Every class of the e-graph has one exact value at each point (its nodes are equal where they
//! are defined), computed once to 256 bits from any node whose children have values. Then, in
//! `f32` or `f64`, each class gets the node whose result, computed from its children's chosen
//! results, loses the fewest bits against the class's exact value (ties to the smaller term):
//! a dynamic program over the classes, iterated until no choice changes, as `egg`'s own
//! extractor does for additive costs. Errors do not add up, so this is a greedy choice; the
//! oracle measures the whole form that comes out against the others before it is used.

use std::collections::HashMap;

use egg::{EGraph, Id as ClassId, Language, RecExpr};
use num_traits::ToPrimitive;
use texgrad_math::dispatch::Portable;

use super::Folding;
use super::judge::{self, Measured, Points};
use super::language::{Callee, LeafKind, Math, leaf_kind};
use crate::constant::exact_rational;
use crate::ir::{Graph, Rational};
use crate::oracle::{Exact, Tape};
use crate::precise::{Precise, pi};
use crate::program::Bindings;
use crate::program::Power;
use crate::program::run::{self, Runtime, Semantics};

/// The exact value of every class at every point of one type.
pub struct ClassValues {
    /// The dense position of each canonical class.
    pub position: HashMap<ClassId, usize>,
    /// The classes, in a fixed order.
    pub classes: Vec<ClassId>,
    /// Per class, per point: the exact value (NaN where no node of the class is defined).
    pub exact: Vec<Vec<Precise>>,
}

/// What leaves stand for: the graph (for opaque nodes), the input's name and the bindings.
pub struct Leaves<'a> {
    /// The IR graph the e-graph was converted from.
    pub graph: &'a Graph,
    /// The input the points vary.
    pub input: &'a str,
    /// The values of every other name.
    pub bindings: &'a Bindings,
}

impl Leaves<'_> {
    /// The exact values of a leaf at the inputs.
    fn exact(&self, name: egg::Symbol, inputs: &[f64]) -> Vec<Precise> {
        match leaf_kind(self.graph, name) {
            LeafKind::Pi => vec![pi(); inputs.len()],
            LeafKind::Name(name) if name == self.input => inputs.iter().map(|&x| Precise::from_f64(x)).collect(),
            LeafKind::Name(name) => {
                let value = self.bindings.scalars.get(&name).map_or(Precise::NAN, |&value| Precise::from_f64(value));
                vec![value; inputs.len()]
            }
            LeafKind::Opaque(id) => {
                let exact = Exact::new(self.graph);
                let mut bindings = self.bindings.clone();
                inputs
                    .iter()
                    .map(|&x| {
                        bindings.scalars.insert(self.input.to_owned(), x);
                        exact.at(id, &bindings, &HashMap::new()).ok().flatten().unwrap_or(Precise::NAN)
                    })
                    .collect()
            }
        }
    }

    /// A leaf's values in `F` at the inputs, as generated code computes them.
    fn float<F: Measured>(&self, name: egg::Symbol, inputs: &[f64]) -> Vec<f64> {
        match leaf_kind(self.graph, name) {
            LeafKind::Pi => vec![F::round(&pi()); inputs.len()],
            LeafKind::Name(name) if name == self.input => inputs.to_vec(),
            LeafKind::Name(name) => {
                let value = self.bindings.scalars.get(&name).map_or(f64::NAN, |&value| F::from_f64(value).to_f64());
                vec![value; inputs.len()]
            }
            LeafKind::Opaque(id) => match Tape::<F>::compile(self.graph, id, self.input, self.bindings) {
                Some(tape) => {
                    let mut scratch = Vec::new();
                    inputs.iter().map(|&x| tape.evaluate::<Portable>(F::from_f64(x), &mut scratch).to_f64()).collect()
                }
                None => vec![f64::NAN; inputs.len()],
            },
        }
    }
}

/// One operation (not a leaf) from its operands' values, computed as the program stage computes
/// it in `S` ([`Semantics`]: the runtime's functions in `f32`/`f64`, or every operation exactly),
/// so that what the search measures is what the generated code does. `exponent` is a power's
/// constant exponent, where the constant-folding analysis knows it.
pub fn operation<S: Semantics>(node: &Math, operands: &[S::Number], exponent: Option<Rational>) -> S::Number {
    let undefined = || S::from_f64(f64::NAN);
    let (a, b) = (|| operands[0], || operands[1]);
    match node {
        Math::Add(_) => S::add(a(), b()),
        Math::Sub(_) => S::sub(a(), b()),
        Math::Mul(_) => S::mul(a(), b()),
        Math::Div(_) => S::div(a(), b()),
        Math::Neg(_) => S::neg(a()),
        Math::Sqrt(_) => S::power(a(), &Power::Sqrt),
        Math::Pow(_) => match exponent {
            Some(power) if power.is_integer() => match power.to_integer().to_i32() {
                Some(n) => S::power(a(), &Power::Integer(n)),
                None => S::power_of(a(), b()),
            },
            Some(power) if power == Rational::new(1, 2) => S::power(a(), &Power::Sqrt),
            _ => S::power_of(a(), b()),
        },
        Math::Max(_) => S::maximum(a(), b()),
        Math::Min(_) => S::minimum(a(), b()),
        Math::If(_) => {
            if S::holds(a()) {
                b()
            } else {
                operands[2]
            }
        }
        Math::Call(Callee(func), _) => S::call(*func, a()).unwrap_or_else(undefined),
        Math::Number(_) | Math::Leaf(_) => undefined(),
    }
}

/// [`operation`] in `F` at one point, on the operands' chosen results (stored as `f64`).
fn float_operation<F: Measured>(node: &Math, operands: &[&Choice], point: usize, exponent: Option<Rational>) -> f64 {
    // No operation has more than three operands; this runs for every node at every point.
    let mut converted = [F::zero(); 3];
    for (slot, operand) in converted.iter_mut().zip(operands) {
        *slot = F::from_f64(operand.values[point]);
    }
    operation::<Runtime<F, Portable>>(node, &converted[..operands.len()], exponent).to_f64()
}

/// The exact value of every class at `inputs`: a class takes, at each input, the first value
/// one of its nodes has there, so a node defined on a smaller set (`\ln a + \ln b` beside
/// `\ln ab`) does not hide its class's value.
pub fn class_values(egraph: &EGraph<Math, Folding>, leaves: &Leaves<'_>, inputs: &[f64]) -> ClassValues {
    let mut classes: Vec<ClassId> = egraph.classes().map(|class| class.id).collect();
    classes.sort();
    let position: HashMap<ClassId, usize> = classes.iter().enumerate().map(|(index, &id)| (id, index)).collect();
    let mut exact: Vec<Vec<Precise>> = vec![vec![Precise::NAN; inputs.len()]; classes.len()];
    // How often each class's values changed, and the operands' counts each node was last
    // evaluated with: a node is evaluated again only when an operand has changed since, and
    // only at the inputs where its class has no value yet (exact functions are slow).
    let mut version = vec![0u32; classes.len()];
    let mut evaluated: HashMap<(usize, usize), Vec<u32>> = HashMap::new();
    loop {
        let mut changed = false;
        for (index, &id) in classes.iter().enumerate() {
            for (slot, node) in egraph[id].nodes.iter().enumerate() {
                if exact[index].iter().all(|value| !value.is_nan()) {
                    break;
                }
                let operands: Vec<usize> = node.children().iter().map(|child| position[&egraph.find(*child)]).collect();
                let versions: Vec<u32> = operands.iter().map(|&operand| version[operand]).collect();
                if evaluated.get(&(index, slot)) == Some(&versions) {
                    continue;
                }
                evaluated.insert((index, slot), versions);
                let values: Vec<Precise> = match node {
                    Math::Leaf(name) => leaves.exact(*name, inputs),
                    Math::Number(value) => vec![exact_rational(*value); inputs.len()],
                    _ => {
                        let exponent = exponent_of(egraph, node);
                        (0..inputs.len())
                            .map(|point| {
                                if !exact[index][point].is_nan() {
                                    return Precise::NAN;
                                }
                                let arguments: Vec<Precise> =
                                    operands.iter().map(|&operand| exact[operand][point]).collect();
                                // A select needs only its condition; anything else all its operands.
                                let undefined = match node {
                                    Math::If(_) => arguments[0].is_nan(),
                                    _ => arguments.iter().any(Precise::is_nan),
                                };
                                if undefined {
                                    Precise::NAN
                                } else {
                                    operation::<run::Exact>(node, &arguments, exponent)
                                }
                            })
                            .collect()
                    }
                };
                let mut updated = false;
                for (known, value) in exact[index].iter_mut().zip(values) {
                    if known.is_nan() && !value.is_nan() {
                        *known = value;
                        updated = true;
                    }
                }
                if updated {
                    version[index] += 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    ClassValues { position, classes, exact }
}

/// The constant exponent of a power node, as the constant-folding analysis knows it.
fn exponent_of(egraph: &EGraph<Math, Folding>, node: &Math) -> Option<Rational> {
    match node {
        Math::Pow([_, exponent]) => egraph[*exponent].data,
        _ => None,
    }
}

/// Rounds of the dynamic program: choices can move around a cycle of classes without settling.
const PASSES: usize = 12;

/// Total bits over all the points within which two nodes' errors are a tie.
const TIE_BITS: f64 = 0.25;

/// A class's chosen node in one type, with its results and their error.
#[derive(Clone)]
struct Choice {
    node: Math,
    values: Vec<f64>,
    error: f64,
    size: u32,
}

/// The most accurate term of the class `root` in `F` at `points`, or `None` where no term of it
/// can be computed.
pub fn most_accurate<F: Measured>(
    egraph: &EGraph<Math, Folding>,
    values: &ClassValues,
    leaves: &Leaves<'_>,
    points: &Points,
    root: ClassId,
) -> Option<RecExpr<Math>> {
    let inputs = &points.inputs;
    let rounded: Vec<Vec<f64>> =
        values.exact.iter().map(|class| class.iter().map(|value| F::round(value)).collect()).collect();
    let error_of = |class: usize, results: &[f64]| -> f64 {
        results
            .iter()
            .zip(&values.exact[class])
            .zip(&rounded[class])
            .filter(|((_, exact), _)| exact.is_finite())
            .map(|((&result, _), &rounded)| judge::bits::<F>(result, rounded))
            .sum()
    };
    let mut chosen: Vec<Option<Choice>> = vec![None; values.classes.len()];
    let mut leaf_cache: HashMap<egg::Symbol, Vec<f64>> = HashMap::new();
    for _pass in 0..PASSES {
        let mut changed = false;
        for (index, &id) in values.classes.iter().enumerate() {
            for node in &egraph[id].nodes {
                let (results, size) = match node {
                    Math::Leaf(name) => {
                        (leaf_cache.entry(*name).or_insert_with(|| leaves.float::<F>(*name, inputs)).clone(), 1)
                    }
                    Math::Number(value) => (vec![F::round(&exact_rational(*value)); inputs.len()], 1),
                    _ => {
                        let operands: Option<Vec<&Choice>> = node
                            .children()
                            .iter()
                            .map(|child| chosen[values.position[&egraph.find(*child)]].as_ref())
                            .collect();
                        let Some(operands) = operands else { continue };
                        let exponent = exponent_of(egraph, node);
                        let size = operands.iter().fold(1u32, |size, operand| size.saturating_add(operand.size));
                        let results = (0..inputs.len())
                            .map(|point| float_operation::<F>(node, &operands, point, exponent))
                            .collect();
                        (results, size.min(1 << 20))
                    }
                };
                let error = error_of(index, &results);
                let better = match &chosen[index] {
                    None => true,
                    Some(current) if current.node == *node => {
                        // The same node with operands that changed: keep its results current.
                        current.values != results
                    }
                    // Bits that differ by less than a quarter over all the points are a tie,
                    // which the smaller term wins.
                    Some(current) => {
                        error < current.error - TIE_BITS || (error <= current.error + TIE_BITS && size < current.size)
                    }
                };
                if better {
                    chosen[index] = Some(Choice { node: node.clone(), values: results, error, size });
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Choices can form a cycle (a class whose chosen node reads, through others, the class
    // itself): such a class takes instead its best node whose operands' terms are complete.
    let mut repair = Repair::<F, _> {
        egraph,
        values,
        chosen: &mut chosen,
        state: HashMap::new(),
        error_of: &error_of,
        finished: Vec::new(),
        float: std::marker::PhantomData,
    };
    if !repair.visit(root) {
        return None;
    }
    let mut term = RecExpr::default();
    let mut built: HashMap<ClassId, ClassId> = HashMap::new();
    let finished = std::mem::take(&mut repair.finished);
    for class in finished {
        let node = chosen[values.position[&class]].as_ref()?.node.clone();
        let node = node.map_children(|child| built.get(&egraph.find(child)).copied().unwrap_or(child));
        built.insert(class, term.add(node));
    }
    Some(term)
}

/// Where a class stands in [`Repair::visit`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    /// On the way down.
    Open,
    /// Its term is complete.
    Done,
    /// It has no term without a cycle.
    Failed,
}

/// Makes the chosen nodes below a class acyclic, and lists the classes children first.
struct Repair<'a, 'c, F, E: Fn(usize, &[f64]) -> f64> {
    egraph: &'a EGraph<Math, Folding>,
    values: &'a ClassValues,
    chosen: &'c mut Vec<Option<Choice>>,
    state: HashMap<ClassId, Visit>,
    error_of: &'a E,
    /// The classes with complete terms, each after its operands.
    finished: Vec<ClassId>,
    float: std::marker::PhantomData<F>,
}

impl<F: Measured, E: Fn(usize, &[f64]) -> f64> Repair<'_, '_, F, E> {
    fn visit(&mut self, class: ClassId) -> bool {
        let class = self.egraph.find(class);
        match self.state.get(&class) {
            Some(Visit::Done) => return true,
            Some(Visit::Open | Visit::Failed) => return false,
            None => {}
        }
        self.state.insert(class, Visit::Open);
        let index = self.values.position[&class];
        let Some(current) = self.chosen[index].clone() else {
            self.state.insert(class, Visit::Failed);
            return false;
        };
        if current.node.children().iter().all(|&child| self.visit(child)) {
            self.state.insert(class, Visit::Done);
            self.finished.push(class);
            return true;
        }
        // The chosen node meets a cycle: the most accurate other node whose operands all have
        // complete terms (their results as chosen).
        let mut best: Option<Choice> = None;
        let nodes = self.egraph[class].nodes.clone();
        for node in nodes {
            if node == current.node || !node.children().iter().all(|&child| self.visit(child)) {
                continue;
            }
            let operands: Vec<&Choice> = node
                .children()
                .iter()
                .filter_map(|child| self.chosen[self.values.position[&self.egraph.find(*child)]].as_ref())
                .collect();
            let results: Vec<f64> = match &node {
                Math::Leaf(_) | Math::Number(_) => continue,
                _ => (0..current.values.len())
                    .map(|point| float_operation::<F>(&node, &operands, point, exponent_of(self.egraph, &node)))
                    .collect(),
            };
            let error = (self.error_of)(index, &results);
            let size = operands.iter().fold(1u32, |size, operand| size.saturating_add(operand.size));
            if best.as_ref().is_none_or(|best| error < best.error) {
                best = Some(Choice { node, values: results, error, size });
            }
        }
        match best {
            Some(choice) => {
                self.chosen[index] = Some(choice);
                self.state.insert(class, Visit::Done);
                self.finished.push(class);
                true
            }
            None => {
                self.state.insert(class, Visit::Failed);
                false
            }
        }
    }
}
