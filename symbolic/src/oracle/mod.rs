//! The accuracy oracle: how accurate a form of a formula is, measured rather than assumed.
//!
//! - [`exact`]: the value of any expression of the IR to 256 bits ([`precise::Precise`]), every
//!   function of the function table included (`erf`, `erfc` and `Φ` too);
//! - [`sample`]: inputs where forms differ: both signs at log-spaced magnitudes over the type's
//!   range, and the formula's own kinks, case boundaries and zeros of its arguments;
//! - [`measure`]: a candidate form's error in ULP in `f32` and `f64` at those inputs, evaluated
//!   as the generated code evaluates it (the runtime's own elementary functions).
//!
//! The engine keeps a rewrite only where this shows it no less accurate than the formula as
//! written (SPEC section 4).

pub mod precise;
