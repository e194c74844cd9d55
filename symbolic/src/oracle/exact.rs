//! The exact value of an expression, the reference a candidate form's `f32` and `f64` errors
//! are measured against: its program ([`crate::program`]) run to 256 bits, every instruction by
//! what it stands for ([`crate::program::run::Exact`]).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::EngineError;
use crate::ir::{Graph, Id, Index};
use crate::precise::Precise;
use crate::program::Bindings;
use crate::program::Program;
use crate::program::run::{self, evaluate};

/// The value of `id` at `bindings` (and the free indices' values), or `None` where this
/// evaluator has none to 256 bits (a trigonometric function of an argument beyond `2^60`).
pub fn exact(
    graph: &Graph,
    id: Id,
    bindings: &Bindings,
    indices: &HashMap<Index, usize>,
) -> Result<Option<Precise>, EngineError> {
    Exact::new(graph).at(id, bindings, indices)
}

/// The exact evaluator of one graph, for values at many points: each form's program built once.
pub struct Exact<'g> {
    graph: &'g Graph,
    programs: RefCell<HashMap<Id, std::rc::Rc<Program>>>,
}

impl<'g> Exact<'g> {
    /// The evaluator of `graph`.
    pub fn new(graph: &'g Graph) -> Self {
        Exact { graph, programs: RefCell::new(HashMap::new()) }
    }

    fn program(&self, id: Id) -> Result<std::rc::Rc<Program>, EngineError> {
        if let Some(program) = self.programs.borrow().get(&id) {
            return Ok(program.clone());
        }
        let program = std::rc::Rc::new(crate::program::build(self.graph, &[id])?);
        self.programs.borrow_mut().insert(id, program.clone());
        Ok(program)
    }

    /// The value of `id` at `bindings` and the free indices' values; see [`exact`].
    pub fn at(
        &self,
        id: Id,
        bindings: &Bindings,
        indices: &HashMap<Index, usize>,
    ) -> Result<Option<Precise>, EngineError> {
        let program = self.program(id)?;
        evaluate::<run::Exact>(&program, program.results[0], bindings, None, indices)
    }

    /// The value of `id` with `input` at `value`, which may lie far beyond `f64`'s range
    /// (`2^{2^{40}}`, where an analysis tells a slow growth from a limit), the other names bound
    /// by `bindings`.
    pub fn at_input(&self, id: Id, bindings: &Bindings, input: &str, value: Precise) -> Option<Precise> {
        let program = self.program(id).ok()?;
        evaluate::<run::Exact>(&program, program.results[0], bindings, Some((input, value)), &HashMap::new())
            .ok()
            .flatten()
    }
}
