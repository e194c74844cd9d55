//! Run-time dispatch: every slice kernel is compiled once per instruction-set level and the
//! best level the machine has is chosen when the kernel runs, so that a user's binary built for
//! the baseline `x86_64` target still runs AVX-512 code where the CPU has it (no
//! `target-cpu=native` needed).
//!
//! A kernel is a value implementing [`Dispatched`]: its body is written once, generic over an
//! [`Arch`], and [`dispatch`] runs it inside a function compiled with that level's target
//! features (`#[target_feature]`), into which the body and everything it calls is inlined; the
//! compiler then vectorises the loops for that level. [`Arch`] says what differs between levels
//! for the elementary functions: whether a multiply-add is fused.
//!
//! # Choosing a level
//!
//! The level is detected once per process. It can be forced, for tests and for comparisons:
//! - for the whole process, with the environment variable `TEXGRAD_DISPATCH` set to `portable`,
//!   `avx2` or `avx512` before the first kernel runs (a level the CPU lacks is ignored);
//! - for a closure on the current thread, with [`with_level`], which tests use to run every
//!   kernel on every level the machine has ([`Level::available`]).

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::Float;

/// An instruction-set level that kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Whatever the crate is compiled for (on `x86_64`, SSE2 unless the build says otherwise);
    /// multiply-adds are not fused.
    Portable,
    /// `x86_64` with AVX2 and FMA (Haswell, Zen and later).
    Avx2,
    /// `x86_64` with AVX-512 F, VL, DQ and BW (Skylake-X, Ice Lake, Zen 4 and later).
    Avx512,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::Portable, Level::Avx2, Level::Avx512];

    /// The level's name, as `TEXGRAD_DISPATCH` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Portable => "portable",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// The level named `name` (`portable`, `avx2`, `avx512`).
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this machine can run code of this level.
    pub fn is_supported(self) -> bool {
        match self {
            Level::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => {
                Level::Avx2.is_supported()
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512vl")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::is_x86_feature_detected!("avx512bw")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The levels this machine can run, lowest first.
    pub fn available() -> Vec<Level> {
        Level::ALL.into_iter().filter(|level| level.is_supported()).collect()
    }

    /// The highest level this machine can run.
    pub fn detect() -> Level {
        Level::ALL.into_iter().rev().find(|level| level.is_supported()).unwrap_or(Level::Portable)
    }
}

/// The process-wide level: 0 until chosen, then the level's position in [`Level::ALL`] plus 1.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// A level forced on this thread by [`with_level`].
    static FORCED: Cell<Option<Level>> = const { Cell::new(None) };
}

/// The level kernels run at now: the one [`with_level`] forced on this thread, else the
/// process's (`TEXGRAD_DISPATCH` if set to a level the machine has, else the highest).
#[inline]
pub fn level() -> Level {
    if let Some(level) = FORCED.with(Cell::get) {
        return level;
    }
    match CHOSEN.load(Ordering::Relaxed) {
        0 => choose(),
        code => Level::ALL[usize::from(code - 1)],
    }
}

#[cold]
fn choose() -> Level {
    let requested = std::env::var("TEXGRAD_DISPATCH").ok().and_then(|name| Level::from_name(&name));
    let level = requested.filter(|level| level.is_supported()).unwrap_or_else(Level::detect);
    let code = Level::ALL.iter().position(|&candidate| candidate == level).unwrap_or(0) as u8 + 1;
    CHOSEN.store(code, Ordering::Relaxed);
    level
}

/// A level this machine cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported(pub Level);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "this machine cannot run texgrad's {} kernels", self.0.name())
    }
}

impl std::error::Error for Unsupported {}

/// Run `body` with every kernel on this thread at `level`, or say that the machine lacks it.
///
/// ```
/// use texgrad_math::dispatch::{Arch, Dispatched, Level, dispatch, with_level};
///
/// /// `y_i = e^{x_i}`, at whatever level runs it.
/// struct Exponentials<'a>(&'a [f32], &'a mut [f32]);
///
/// impl Dispatched for Exponentials<'_> {
///     type Output = Level;
///     #[inline(always)]
///     fn run<A: Arch>(self) -> Level {
///         for (y, &x) in self.1.iter_mut().zip(self.0) {
///             *y = texgrad_math::exp::<f32, A>(x);
///         }
///         A::LEVEL
///     }
/// }
///
/// let x = [-1.0f32, 0.0, 1.0];
/// let mut y = [0.0f32; 3];
/// for level in Level::available() {
///     assert_eq!(with_level(level, || dispatch(Exponentials(&x, &mut y))), Ok(level));
///     assert_eq!(y[1], 1.0);
/// }
/// ```
pub fn with_level<R>(level: Level, body: impl FnOnce() -> R) -> Result<R, Unsupported> {
    if !level.is_supported() {
        return Err(Unsupported(level));
    }
    struct Restore(Option<Level>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.with(|forced| forced.set(self.0));
        }
    }
    let _restore = Restore(FORCED.with(|forced| forced.replace(Some(level))));
    Ok(body())
}

/// What differs between levels for the elementary functions: how a multiply-add rounds, and
/// whether one value at a time is computed (the plain scalar functions) or many in a vector.
///
/// Kernel bodies are generic over it, so that each level gets its own instantiation compiled
/// with its own target features.
pub trait Arch: Copy + Send + Sync + 'static {
    /// The level this is (for [`Scalar`], the level whose numbers it computes in `f32`).
    const LEVEL: Level;

    /// Whether this computes one value at a time, outside any vector loop: the plain scalar
    /// functions. There a branch can skip the work of the side not taken
    /// ([`crate::choose`]), and `f64`'s exponentials and logarithms are the platform's
    /// (`std`), which are faster one at a time than texgrad's vectorisable polynomials on a
    /// target without FMA.
    const ONE_AT_A_TIME: bool = false;

    /// `a b + c`, rounded once where the level has FMA and twice otherwise.
    fn mul_add<F: Float>(a: F, b: F, c: F) -> F;

    /// `a b` exactly, as `(hi, lo)` with `hi = fl(a b)` (FMA where there is one, Dekker's
    /// splitting otherwise). Exact unless `a b` overflows or underflows.
    #[inline(always)]
    fn two_product<F: Float>(a: F, b: F) -> (F, F) {
        let hi = a * b;
        (hi, Self::product_error(a, b, hi))
    }

    /// `a b - hi` exactly, for `hi = fl(a b)`.
    fn product_error<F: Float>(a: F, b: F, hi: F) -> F;
}

/// The portable level: plain multiplications and additions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Portable;

impl Arch for Portable {
    const LEVEL: Level = Level::Portable;

    #[inline(always)]
    fn mul_add<F: Float>(a: F, b: F, c: F) -> F {
        a * b + c
    }

    #[inline(always)]
    fn product_error<F: Float>(a: F, b: F, hi: F) -> F {
        // Dekker: split each factor into halves whose products are exact.
        let (a_hi, a_lo) = a.split_halves();
        let (b_hi, b_lo) = b.split_halves();
        ((a_hi * b_hi - hi) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    }
}

/// AVX2 with FMA.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avx2;

impl Arch for Avx2 {
    const LEVEL: Level = Level::Avx2;

    #[inline(always)]
    fn mul_add<F: Float>(a: F, b: F, c: F) -> F {
        a.fused_mul_add(b, c)
    }

    #[inline(always)]
    fn product_error<F: Float>(a: F, b: F, hi: F) -> F {
        a.fused_mul_add(b, -hi)
    }
}

/// AVX-512 (F, VL, DQ, BW), with FMA.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avx512;

impl Arch for Avx512 {
    const LEVEL: Level = Level::Avx512;

    #[inline(always)]
    fn mul_add<F: Float>(a: F, b: F, c: F) -> F {
        a.fused_mul_add(b, c)
    }

    #[inline(always)]
    fn product_error<F: Float>(a: F, b: F, hi: F) -> F {
        a.fused_mul_add(b, -hi)
    }
}

/// What the plain scalar functions (`sigmoid(x)`, `Float::exp`) are computed with: fused
/// multiply-adds when the build enables FMA for every function, plain ones otherwise; branches
/// where a side is costly; `std`'s `f64` exponentials and logarithms ([`Arch::ONE_AT_A_TIME`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Scalar;

impl Arch for Scalar {
    const LEVEL: Level = if cfg!(target_feature = "fma") { Level::Avx2 } else { Level::Portable };
    const ONE_AT_A_TIME: bool = true;

    #[inline(always)]
    fn mul_add<F: Float>(a: F, b: F, c: F) -> F {
        if cfg!(target_feature = "fma") { a.fused_mul_add(b, c) } else { a * b + c }
    }

    #[inline(always)]
    fn product_error<F: Float>(a: F, b: F, hi: F) -> F {
        if cfg!(target_feature = "fma") { a.fused_mul_add(b, -hi) } else { Portable::product_error(a, b, hi) }
    }
}

/// A kernel: a body written once, generic over the level, that [`dispatch`] runs at the
/// machine's level. Implementations mark [`Dispatched::run`] `#[inline(always)]`, and so must
/// everything it calls, so that it is all compiled with the level's features.
pub trait Dispatched {
    /// What the kernel returns.
    type Output;

    /// The body, at level `A`.
    fn run<A: Arch>(self) -> Self::Output;
}

/// Run `kernel` at the current [`level`].
#[inline]
pub fn dispatch<K: Dispatched>(kernel: K) -> K::Output {
    match level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level()` returns a level only if `Level::is_supported` found its features.
        Level::Avx512 => unsafe { run_avx512(kernel) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Level::Avx2 => unsafe { run_avx2(kernel) },
        _ => kernel.run::<Portable>(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn run_avx512<K: Dispatched>(kernel: K) -> K::Output {
    kernel.run::<Avx512>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn run_avx2<K: Dispatched>(kernel: K) -> K::Output {
    kernel.run::<Avx2>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for level in Level::ALL {
            assert_eq!(Level::from_name(level.name()), Some(level));
        }
        assert_eq!(Level::from_name(" AVX2 "), Some(Level::Avx2));
        assert_eq!(Level::from_name("sse"), None);
    }

    #[test]
    fn a_forced_level_holds_inside_the_closure_only() {
        let outside = level();
        for forced in Level::available() {
            assert_eq!(with_level(forced, level), Ok(forced));
            assert_eq!(level(), outside);
        }
        assert!(Level::Portable.is_supported());
        assert_eq!(Level::available()[0], Level::Portable);
    }

    #[test]
    fn two_product_is_exact_on_every_level() {
        let (a, b) = (1.0f64 + f64::EPSILON, 1.0f64 - f64::EPSILON);
        // a b = 1 - ε², which rounds to 1.
        let expected = (1.0, -f64::EPSILON * f64::EPSILON);
        assert_eq!(Portable::two_product(a, b), expected);
        assert_eq!(Avx2::two_product(a, b), expected);
        let (a, b) = (3.0f32 + 2.0 * f32::EPSILON, 1.0f32 / 3.0);
        let (hi, lo) = Portable::two_product(a, b);
        assert_eq!(f64::from(hi) + f64::from(lo), f64::from(a) * f64::from(b));
    }
}
