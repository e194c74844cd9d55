//! texgrad's elementary functions (`texgrad::math`) against 50-digit references: every function
//! within its documented ULP bound in `f32` and `f64`, fused and unfused; every dispatch level this
//! machine has computing the same bits as the level it stands for; the committed report current.

use texgrad::Float;
use texgrad::dispatch::{Arch, Avx2, Dispatched, Level, Portable, dispatch, with_level};
use texgrad_accuracy::elementary::{self, FUNCTIONS, evaluate};

#[test]
fn every_function_is_within_its_bound() {
    let report = elementary::report();
    assert!(report.violations.is_empty(), "{}", report.violations.join("\n"));
}

#[test]
fn the_committed_report_is_current() {
    let report = elementary::report();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/elementary.md");
    if std::env::var_os("TEXGRAD_WRITE_DOCS").is_some() {
        std::fs::write(path, &report.markdown).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(committed == report.markdown, "docs/elementary.md is stale: run cargo run --release -- accuracy");
}

fn same_bits_on_every_level<F: Float>(single: bool) {
    let points = elementary::points();
    for &(function, _, _) in FUNCTIONS {
        let x: Vec<F> = points
            .iter()
            .filter(|point| point.function == function && point.single == single)
            .map(|point| F::from_f64(point.x))
            .collect();
        assert!(x.len() > 500, "{function}: {} points", x.len());
        let unfused = evaluate(function, &x, |kernel| kernel.run::<Portable>());
        let fused = evaluate(function, &x, |kernel| kernel.run::<Avx2>());
        for level in Level::available() {
            let dispatched = evaluate(function, &x, |kernel| with_level(level, || dispatch(kernel)).unwrap());
            let expected = if level == Level::Portable { &unfused } else { &fused };
            for ((got, want), input) in dispatched.iter().zip(expected).zip(&x) {
                assert!(
                    got.bits() == want.bits(),
                    "{function} at {input:?} on {level:?}: {got:?}, but {want:?} computed directly"
                );
            }
        }
    }
}

#[test]
fn every_level_computes_the_same_bits_as_the_one_it_stands_for() {
    same_bits_on_every_level::<f32>(true);
    same_bits_on_every_level::<f64>(false);
}

#[test]
fn edges_are_exact() {
    // Values every implementation must get exactly.
    fn check<A: Arch>() {
        assert_eq!(texgrad::math::exp::<f64, A>(0.0), 1.0);
        assert_eq!(texgrad::math::exp::<f32, A>(-1000.0), 0.0);
        assert_eq!(texgrad::math::exp::<f32, A>(1000.0), f32::INFINITY);
        assert!(texgrad::math::exp::<f64, A>(f64::NAN).is_nan());
        assert_eq!(texgrad::math::exp_m1::<f64, A>(-1000.0), -1.0);
        assert_eq!(texgrad::math::exp_m1::<f64, A>(1e-300), 1e-300);
        assert_eq!(texgrad::math::ln::<f64, A>(1.0), 0.0);
        assert_eq!(texgrad::math::ln::<f32, A>(0.0), f32::NEG_INFINITY);
        assert!(texgrad::math::ln::<f32, A>(-1.0).is_nan());
        assert!(texgrad::math::ln::<f64, A>(f64::NAN).is_nan());
        assert_eq!(texgrad::math::ln::<f64, A>(f64::INFINITY), f64::INFINITY);
        assert_eq!(texgrad::math::ln_1p::<f64, A>(-1.0), f64::NEG_INFINITY);
        assert_eq!(texgrad::math::ln_1p::<f32, A>(1e-30), 1e-30);
        assert_eq!(texgrad::math::sigmoid::<f32, A>(-1000.0), 0.0);
        assert_eq!(texgrad::math::sigmoid::<f32, A>(1000.0), 1.0);
        assert_eq!(texgrad::math::softplus::<f64, A>(1000.0), 1000.0);
        assert_eq!(texgrad::math::tanh::<f64, A>(-1000.0), -1.0);
        assert_eq!(texgrad::math::erfc::<f64, A>(f64::INFINITY), 0.0);
        assert_eq!(texgrad::math::erfc::<f64, A>(f64::NEG_INFINITY), 2.0);
        assert_eq!(texgrad::math::erf::<f32, A>(0.0), 0.0);
        assert_eq!(texgrad::math::phi::<f64, A>(0.0), 0.5);
    }
    check::<Portable>();
    check::<Avx2>();
}
