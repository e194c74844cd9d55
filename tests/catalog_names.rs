//! The engine's copy of the catalog's scalar activations and gates (what formulas call by name,
//! `texgrad_symbolic::catalog`) is the runtime's: the same names, inputs, parameters with their
//! defaults, and formulas; and every entry parses.

use texgrad::Kind;
use texgrad::symbolic::catalog::{ENTRIES, definitions};

#[test]
fn the_engine_knows_the_catalog_as_the_runtime_defines_it() {
    let runtime: Vec<_> =
        texgrad::catalog().iter().filter(|info| matches!(info.kind, Kind::Scalar | Kind::Gate)).collect();
    assert_eq!(runtime.len(), ENTRIES.len(), "one entry per scalar activation and gate");
    for (info, entry) in runtime.iter().zip(ENTRIES) {
        assert_eq!(info.name, entry.name);
        assert_eq!(info.inputs, entry.inputs, "{}", entry.name);
        assert_eq!(info.formula, entry.formula, "{}", entry.name);
        assert_eq!(info.parameters, entry.parameters, "{}", entry.name);
    }
    assert_eq!(definitions().len(), ENTRIES.len(), "every entry parses");
}
