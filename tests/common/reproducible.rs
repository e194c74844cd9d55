//! The property tests' configuration: the same cases on every run, so that CI's verdict is the
//! one a developer reproduces; `PROPTEST_RNG_SEED=n` explores others, and failures are kept in
//! the `.regressions` file beside the test and replayed first.

use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

/// `cases` cases from `default_seed`, or from `PROPTEST_RNG_SEED` where it is set.
pub fn config(cases: u32, default_seed: u64) -> Config {
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|seed| seed.parse().ok());
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed.unwrap_or(default_seed)),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    }
}
