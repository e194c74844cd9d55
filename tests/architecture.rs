//! The engine's layering (docs/engine.md, issue 20): which module of `texgrad-symbolic` imports
//! which, read from the sources (`crate::module` outside comments and test modules). The graph
//! has no cycle, and the program stage, with everything it is built from, imports none of the
//! stages that run or print programs: what the oracle measures and what the emitter writes are
//! one program because nothing below it can reach back up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The stages above the program: they read programs, and nothing the program is made of may
/// import them.
const ABOVE_THE_PROGRAM: &[&str] = &["emit", "eval", "oracle", "generate", "analysis", "check"];

/// Each top-level module of the engine with the other top-level modules it imports.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("symbolic/src");
    let mut files = Vec::new();
    let mut pending = vec![source.clone()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("symbolic/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&source).expect("under symbolic/src");
        let first = relative.components().next().expect("a file name").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a readable source file");
        // Test modules may reach anywhere; they come last in a file.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let imports = graph.entry(module.clone()).or_default();
        for line in code.lines().filter(|line| !line.trim_start().starts_with("//")) {
            for (position, _) in line.match_indices("crate::") {
                let rest = &line[position + "crate::".len()..];
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split('}').next().unwrap_or_default().split(',').collect(),
                    None => vec![rest],
                };
                for name in names {
                    let name: String =
                        name.trim().chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if !name.is_empty() && name != module {
                        imports.insert(name);
                    }
                }
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for imports in graph.values_mut() {
        imports.retain(|name| modules.contains(name));
    }
    graph
}

/// Every module `from` reaches by imports, itself included.
fn reached(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([from.to_owned()]);
    let mut pending = vec![from.to_owned()];
    while let Some(module) = pending.pop() {
        for import in graph.get(&module).into_iter().flatten() {
            if seen.insert(import.clone()) {
                pending.push(import.clone());
            }
        }
    }
    seen
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 15, "only {} modules found: {:?}", graph.len(), graph.keys());
    for (module, imports) in &graph {
        for import in imports {
            assert!(
                !reached(&graph, import).contains(module),
                "`{module}` imports `{import}`, which imports `{module}` back (directly or through others)"
            );
        }
    }
}

#[test]
fn nothing_the_program_is_built_from_imports_a_stage_above_it() {
    let graph = module_graph();
    let below = reached(&graph, "program");
    assert!(below.contains("ir") && below.contains("constant"), "the program stage's imports: {below:?}");
    for module in &below {
        for import in &graph[module] {
            assert!(
                !ABOVE_THE_PROGRAM.contains(&import.as_str()),
                "`{module}`, below the program stage, imports `{import}`, which runs or prints programs"
            );
        }
    }
}
