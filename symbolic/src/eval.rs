//! Values in `f64` (for checks, and `texgrad eval`): the program of an expression
//! ([`crate::program`]) run as the generated plain functions run it.

use std::collections::HashMap;

use texgrad_math::dispatch::Scalar;

use crate::error::EngineError;
use crate::ir::{Func, Graph, Id, Index};
use crate::program::run::{Runtime, evaluate as run};
use crate::program::{Bindings, Program};

/// The value of `id` with `bindings`, and values for the free indices (a vector output's `i`):
/// its program run in `f64` at the plain functions' level.
pub fn evaluate(
    graph: &Graph,
    id: Id,
    bindings: &Bindings,
    indices: &HashMap<Index, usize>,
) -> Result<f64, EngineError> {
    Compiled::new(graph, id)?.at_indices(bindings, indices)
}

/// An expression's program, built once for its values at many points (a check's samples, a
/// plot's curve).
pub struct Compiled {
    program: Program,
}

impl Compiled {
    /// The program of `id` in `graph`.
    pub fn new(graph: &Graph, id: Id) -> Result<Compiled, EngineError> {
        Ok(Compiled { program: crate::program::build(graph, &[id])? })
    }

    /// The value with `bindings` (see [`evaluate`]).
    pub fn at(&self, bindings: &Bindings) -> Result<f64, EngineError> {
        self.at_indices(bindings, &HashMap::new())
    }

    /// The value with `bindings` and the free indices bound (see [`evaluate`]).
    pub fn at_indices(&self, bindings: &Bindings, indices: &HashMap<Index, usize>) -> Result<f64, EngineError> {
        let result = self.program.results[0];
        Ok(run::<Runtime<f64, Scalar>>(&self.program, result, bindings, None, indices)?.unwrap_or(f64::NAN))
    }
}

/// A unary function in `f64`, as the plain generated functions compute it (the table's
/// [`Func::value`] at the scalar level).
pub fn apply(func: Func, x: f64) -> f64 {
    func.value::<f64, Scalar>(x)
}
