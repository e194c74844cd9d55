//! Values in `f64` (for checks, and `texgrad eval`): the program of an expression
//! ([`crate::program`]) run as the generated plain functions run it.

use std::collections::HashMap;

use texgrad_math::dispatch::Scalar;

use crate::error::EngineError;
use crate::ir::{Func, Graph, Id, Index};
use crate::program::Bindings;
use crate::program::run::{Runtime, evaluate as run};

/// The value of `id` with `bindings`, and values for the free indices (a vector output's `i`):
/// its program run in `f64` at the plain functions' level.
pub fn evaluate(
    graph: &Graph,
    id: Id,
    bindings: &Bindings,
    indices: &HashMap<Index, usize>,
) -> Result<f64, EngineError> {
    let program = crate::program::build(graph, &[id])?;
    let result = program.results[0];
    Ok(run::<Runtime<f64, Scalar>>(&program, result, bindings, None, indices)?.unwrap_or(f64::NAN))
}

/// A unary function in `f64`, as the plain generated functions compute it (the table's
/// [`Func::value`] at the scalar level).
pub fn apply(func: Func, x: f64) -> f64 {
    func.value::<f64, Scalar>(x)
}
