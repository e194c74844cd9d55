//! texgrad's proc-macros, `define_activation!` and `define_loss!`.
//!
//! A thin shim: parse the macro input with `syn`, call the symbolic engine (`texgrad-symbolic`),
//! and turn its errors into `syn::Error`s that point at the formula with a caret diagram. The
//! macros are built in issue 4; until then this crate exports none.
