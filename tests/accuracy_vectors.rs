//! SPEC section 4 on the catalog's gates, vector activations and losses, in `f32` and `f64`,
//! against the 50-digit references of `scripts/references_vectors.py` (committed in
//! `tests/references/vectors.tsv`): test vectors with ties, zeros, logits of ±1e4 and the
//! two-index batch form.
//!
//! The bounds: no NaN or infinity where the reference is finite; relative error ≤ 1e-9 (`f64`)
//! and ≤ 1e-4 (`f32`); where the reference is subnormal, an absolute error of the smallest
//! normal number; and where an element is a near-cancellation of much larger terms (its
//! magnitude below 1e-6 of the inputs' scale `max(1, max |input|)`), an absolute error of 16
//! ULP of that scale, as SPEC allows near a zero of the quantity.

use texgrad::Float;
use texgrad::activations::*;
use texgrad::losses::*;

#[derive(Clone, Copy, Debug)]
struct Reference {
    hi: f64,
    lo: f64,
}

struct Case {
    name: String,
    single: bool,
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<Reference>>,
}

fn cases() -> Vec<Case> {
    include_str!("references/vectors.tsv")
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let single = fields[1] == "f32";
            let inputs = fields[2]
                .split('|')
                .map(|vector| {
                    vector
                        .split(',')
                        .map(|bits| {
                            if single {
                                f64::from(f32::from_bits(u32::from_str_radix(bits, 16).unwrap()))
                            } else {
                                f64::from_bits(u64::from_str_radix(bits, 16).unwrap())
                            }
                        })
                        .collect()
                })
                .collect();
            let outputs = fields[3]
                .split('|')
                .map(|output| {
                    output
                        .split(';')
                        .map(|pair| {
                            let (hi, lo) = pair.split_once(':').unwrap();
                            Reference { hi: hi.parse().unwrap(), lo: lo.parse().unwrap() }
                        })
                        .collect()
                })
                .collect();
            Case { name: fields[0].to_owned(), single, inputs, outputs }
        })
        .collect()
}

/// The catalog's outputs for a case, in the order of the references.
fn compute<F: Float>(name: &str, inputs: &[Vec<F>]) -> Vec<Vec<f64>> {
    let wide = |values: Vec<F>| values.into_iter().map(F::to_f64).collect::<Vec<f64>>();
    let length = inputs[0].len();
    let gate = |f: fn(F, F) -> F, da: fn(F, F) -> F, db: fn(F, F) -> F| {
        let (a, b) = (inputs[0][0], inputs[1][0]);
        vec![wide(vec![f(a, b)]), wide(vec![da(a, b)]), wide(vec![db(a, b)])]
    };
    let vector = |f: fn(&[F], &mut [F]), vjp: fn(&[F], &[F], &mut [F])| {
        let (mut out, mut dz) = (vec![F::zero(); length], vec![F::zero(); length]);
        f(&inputs[0], &mut out);
        vjp(&inputs[0], &inputs[1], &mut dz);
        vec![wide(out), wide(dz)]
    };
    let loss = |f: fn(&[F], &[F]) -> F, g1: fn(&[F], &[F], &mut [F]), g2: fn(&[F], &[F], &mut [F])| {
        let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
        g1(&inputs[0], &inputs[1], &mut first);
        g2(&inputs[0], &inputs[1], &mut second);
        vec![wide(vec![f(&inputs[0], &inputs[1])]), wide(first), wide(second)]
    };
    let one = F::one();
    match name {
        "swiglu" => gate(swiglu, swiglu_derivative_wrt_a, swiglu_derivative_wrt_b),
        "glu" => gate(glu, glu_derivative_wrt_a, glu_derivative_wrt_b),
        "geglu" => gate(geglu, geglu_derivative_wrt_a, geglu_derivative_wrt_b),
        "reglu" => gate(reglu, reglu_derivative_wrt_a, reglu_derivative_wrt_b),
        "softmax" => vector(softmax, softmax_derivative),
        "log_softmax" => vector(log_softmax, log_softmax_derivative),
        "softmin" => vector(softmin, softmin_derivative),
        "mse" => loss(mse, mse_derivative_wrt_y_hat, mse_derivative_wrt_y),
        "l1" => loss(l1, l1_derivative_wrt_y_hat, l1_derivative_wrt_y),
        "l2" => loss(l2, l2_derivative_wrt_y_hat, l2_derivative_wrt_y),
        "cross_entropy" => loss(cross_entropy, cross_entropy_derivative_wrt_y_hat, cross_entropy_derivative_wrt_y),
        "kl_div" => loss(kl_div, kl_div_derivative_wrt_p, kl_div_derivative_wrt_q),
        "cross_entropy_logits" => {
            loss(cross_entropy_logits, cross_entropy_logits_derivative_wrt_z, cross_entropy_logits_derivative_wrt_y)
        }
        "bce" => loss(bce, bce_derivative_wrt_y_hat, bce_derivative_wrt_y),
        "bce_logits" => loss(bce_logits, bce_logits_derivative_wrt_z, bce_logits_derivative_wrt_y),
        "huber" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            huber_derivative_wrt_y_hat(&inputs[0], &inputs[1], one, &mut first);
            huber_derivative_wrt_y(&inputs[0], &inputs[1], one, &mut second);
            vec![wide(vec![huber(&inputs[0], &inputs[1], one)]), wide(first), wide(second)]
        }
        "smooth_l1" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            smooth_l1_derivative_wrt_y_hat(&inputs[0], &inputs[1], one, &mut first);
            smooth_l1_derivative_wrt_y(&inputs[0], &inputs[1], one, &mut second);
            vec![wide(vec![smooth_l1(&inputs[0], &inputs[1], one)]), wide(first), wide(second)]
        }
        "log_cosh" => loss(log_cosh, log_cosh_derivative_wrt_y_hat, log_cosh_derivative_wrt_y),
        "poisson_nll" => loss(poisson_nll, poisson_nll_derivative_wrt_y_hat, poisson_nll_derivative_wrt_y),
        "hinge" => loss(hinge, hinge_derivative_wrt_y_hat, hinge_derivative_wrt_y),
        "soft_margin" => loss(soft_margin, soft_margin_derivative_wrt_y_hat, soft_margin_derivative_wrt_y),
        "cross_entropy_batch" => {
            let (mut first, mut second) = (vec![F::zero(); length], vec![F::zero(); length]);
            cross_entropy_batch_derivative_wrt_y_hat(&inputs[0], &inputs[1], 3, &mut first);
            cross_entropy_batch_derivative_wrt_y(&inputs[0], &inputs[1], 3, &mut second);
            vec![wide(vec![cross_entropy_batch(&inputs[0], &inputs[1], 3)]), wide(first), wide(second)]
        }
        other => panic!("no dispatch for {other}"),
    }
}

fn within(computed: f64, reference: Reference, single: bool, scale: f64) -> bool {
    let exact = reference.hi + reference.lo;
    if !exact.is_finite() {
        return computed == exact;
    }
    if !computed.is_finite() {
        return false;
    }
    let error = if single { (computed - exact).abs() } else { ((computed - reference.hi) - reference.lo).abs() };
    let (relative, smallest_normal, epsilon) = if single {
        (1e-4, f64::from(f32::MIN_POSITIVE), f64::from(f32::EPSILON))
    } else {
        (1e-9, f64::MIN_POSITIVE, f64::EPSILON)
    };
    if error <= relative * exact.abs() {
        return true;
    }
    let in_type = if single { f64::from(exact as f32) } else { exact };
    if in_type.abs() < smallest_normal {
        return error <= smallest_normal;
    }
    exact.abs() < 1e-6 * scale && error <= 16.0 * epsilon * scale
}

#[test]
fn gates_vectors_and_losses_meet_section_4() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|case| case.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 22, "references for {names:?}");
    let mut violations = Vec::new();
    for case in &cases {
        let computed = if case.single {
            let inputs: Vec<Vec<f32>> =
                case.inputs.iter().map(|vector| vector.iter().map(|&v| v as f32).collect()).collect();
            compute::<f32>(&case.name, &inputs)
        } else {
            compute::<f64>(&case.name, &case.inputs)
        };
        let scale = case.inputs.iter().flatten().fold(1f64, |scale, value| scale.max(value.abs()));
        for (output, (got, want)) in computed.iter().zip(&case.outputs).enumerate() {
            assert_eq!(got.len(), want.len(), "{}: output {output} length", case.name);
            for (element, (&got, &want)) in got.iter().zip(want).enumerate() {
                if !within(got, want, case.single, scale) {
                    violations.push(format!(
                        "{} ({}) output {output}[{element}] at {:?}: {got:e}, reference {:e}",
                        case.name,
                        if case.single { "f32" } else { "f64" },
                        case.inputs,
                        want.hi
                    ));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{} outside the bounds:\n{}", violations.len(), violations.join("\n"));
}
