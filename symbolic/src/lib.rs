//! texgrad's symbolic engine.
//!
//! From a parsed formula (`texgrad-grammar`'s AST) to a small, numerically stable expression for
//! the function and every derivative, and from there to Rust (`proc_macro2::TokenStream`), LaTeX
//! and plain text: lower to a hash-consed IR, differentiate with respect to every input and
//! parameter, simplify, apply the stable rewrites (`ln_1p`, `exp_m1`, stable softplus and
//! log-sum-exp, ...), eliminate common subexpressions, emit.
//!
//! It runs inside the proc-macro and at run time (library API, command-line tool), so it is an
//! ordinary library whose errors are values. The engine is built in issue 3; until then this
//! crate has no items.
