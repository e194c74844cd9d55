#![deny(warnings, clippy::all)]
//! `define_activation!` for vector activations and `define_loss!` in a user-like crate: SPEC
//! section 3's softmax, MSE and Huber, and a two-index loss, checked against the engine.

mod common;

use common::close;
use texgrad::symbolic::{Bindings, Expression};
use texgrad::{Loss, VectorActivation, define_activation, define_loss};

define_activation! {
    /// Vector valued: the free index i is the output index.
    pub fn softmax(z) = r"\frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}";
}

define_loss! {
    /// Mean squared error.
    pub fn mse(y_hat, y) = r"\frac{1}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2";

    /// Huber loss.
    pub fn huber(y_hat, y; delta = 1.0) = r"\frac{1}{n}\sum_{i} \begin{cases} \frac{1}{2}(y_i - \hat{y}_i)^2, & |y_i - \hat{y}_i| \le \delta \\ \delta (|y_i - \hat{y}_i| - \frac{1}{2}\delta), & \text{otherwise} \end{cases}";

    /// Not in the catalog: cross-entropy averaged over the rows of a batch (two indices).
    pub fn batch_cross_entropy(y_hat, y) = r"-\frac{1}{m}\sum_{k=1}^{m}\sum_{i=1}^{n} y_{k,i}\log(\hat{y}_{k,i})";

    /// A parameter whose name the generated loops could use for themselves (`\text{head}`).
    pub fn weighted_mse(y_hat, y; head = 2.0) = r"\frac{\text{head}}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2";

    /// Cross-entropy on logits, fused.
    pub fn cross_entropy_logits(z, y) = r"-\sum_i y_i \log \frac{e^{z_i}}{\sum_j e^{z_j}}";
}

#[test]
fn softmax_and_its_vjp() {
    let z: [f64; 4] = [1.0, -2.0, 0.5, 3.0];
    let mut out = [0.0; 4];
    softmax(&z, &mut out);
    let total: f64 = z.iter().map(|z| z.exp()).sum();
    for i in 0..4 {
        close(out[i], z[i].exp() / total, 1e-15, "softmax");
    }
    let dy = [0.3, -1.0, 2.0, 0.1];
    let mut dz = [0.0; 4];
    softmax_derivative(&z, &dy, &mut dz);
    let weighted: f64 = (0..4).map(|i| dy[i] * out[i]).sum();
    for k in 0..4 {
        close(dz[k], out[k] * (dy[k] - weighted), 1e-14, "softmax VJP");
    }
    // Logits of ±1e4 stay finite.
    let mut big: [f64; 3] = [0.0; 3];
    Softmax.forward(&[1e4, 0.0, -1e4], &mut big);
    assert_eq!(big, [1.0, 0.0, 0.0]);
    Softmax.backward(&[1e4, 0.0, -1e4], &[1.0, 2.0, 3.0], &mut big);
    assert!(big.iter().all(|value| value.is_finite()), "{big:?}");
    let mut single = [0.0f32; 2];
    softmax(&[0.0f32, 0.0], &mut single);
    assert_eq!(single, [0.5, 0.5]);
}

#[test]
fn losses_and_gradients_match_the_engine() {
    let y_hat = [0.2, 0.9, -1.5, 3.0];
    let y = [0.0, 1.0, -1.0, 0.5];
    let bindings = Bindings::default().vector("y_hat", y_hat.to_vec()).vector("y", y.to_vec()).scalar("delta", 1.0);
    for (formula, value, gradient) in [
        (r"\frac{1}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2", mse(&y_hat, &y), {
            let mut out = [0.0; 4];
            mse_derivative_wrt_y_hat(&y_hat, &y, &mut out);
            out
        }),
        (
            r"\frac{1}{n}\sum_{i} \begin{cases} \frac{1}{2}(y_i - \hat{y}_i)^2, & |y_i - \hat{y}_i| \le \delta \\ \delta (|y_i - \hat{y}_i| - \frac{1}{2}\delta), & \text{otherwise} \end{cases}",
            Huber::default().value(&y_hat, &y),
            {
                let mut out = [0.0; 4];
                Huber { delta: 1.0 }.gradient(&y_hat, &y, &mut out);
                out
            },
        ),
    ] {
        let expression = Expression::parse(formula).unwrap();
        close(value, expression.evaluate(&bindings).unwrap(), 1e-15, formula);
        let derivative = expression.derivative("y_hat").unwrap();
        let index = derivative.free_indices()[0];
        for (k, got) in gradient.iter().enumerate() {
            let want = derivative.evaluate_at(&bindings, &std::collections::HashMap::from([(index, k)])).unwrap();
            close(*got, want, 1e-15, formula);
        }
    }
    let mut out = [0.0; 4];
    mse_derivative_wrt_y(&y_hat, &y, &mut out);
    close(out[3], 2.0 * (0.5 - 3.0) / 4.0, 1e-15, "mse d/dy");
}

#[test]
fn two_index_losses_take_row_major_matrices() {
    // Two rows of three probabilities.
    let y_hat = [0.2, 0.5, 0.3, 0.1, 0.1, 0.8];
    let y = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let value = batch_cross_entropy(&y_hat, &y, 3);
    close(value, -(0.5f64.ln() + 0.8f64.ln()) / 2.0, 1e-15, "batch cross-entropy");
    let mut gradient = [0.0; 6];
    batch_cross_entropy_derivative_wrt_y_hat(&y_hat, &y, 3, &mut gradient);
    close(gradient[1], -1.0 / (2.0 * 0.5), 1e-15, "batch cross-entropy gradient");
    assert_eq!(gradient[0], 0.0);
}

#[test]
fn cross_entropy_on_logits_is_stable() {
    let z = [1e4, 0.0, -1e4];
    let y = [0.0, 1.0, 0.0];
    assert_eq!(cross_entropy_logits(&z, &y), 1e4);
    let mut gradient = [0.0; 3];
    cross_entropy_logits_derivative_wrt_z(&z, &y, &mut gradient);
    assert_eq!(gradient, [1.0, -1.0, 0.0]);
}

#[test]
fn mismatched_lengths_panic_naming_both() {
    let result = std::panic::catch_unwind(|| mse(&[1.0, 2.0], &[1.0]));
    let message = result.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(message.contains("mse: `y_hat` has 2 elements but `y` has 1"), "{message}");
}

/// The generated store loops and the softmax rows split their output where it reaches a cache
/// line: the values do not depend on where the slices start, bit for bit, for every offset
/// within a line (so every split, the whole output inside the head included) and lengths either
/// side of a vector's width.
#[test]
fn values_do_not_depend_on_where_the_output_starts() {
    use texgrad::VectorActivationFromOutput;
    // The catalog's rows (the local `softmax` above is the user's, checked too).
    use texgrad::activations::{LogSoftmax, Softmax};
    fn each_offset<F: texgrad::Float + std::fmt::Debug>(to: impl Fn(f64) -> F) {
        for length in [1usize, 3, 15, 16, 17, 33, 100, 1000] {
            let z: Vec<F> = (0..length).map(|i| to(((i * 37 % 23) as f64 - 11.0) / 3.0)).collect();
            let dy: Vec<F> = (0..length).map(|i| to(((i * 11 % 7) as f64 - 3.0) / 5.0)).collect();
            let run = |offset: usize| {
                // Each output starts `offset` elements into its own buffer.
                let mut buffers: [Vec<F>; 6] = std::array::from_fn(|_| vec![F::zero(); length + 64]);
                let [s, dz, dz_out, log, gradient, forward] =
                    buffers.each_mut().map(|buffer| &mut buffer[offset..offset + length]);
                Softmax.forward(&z, s);
                Softmax.backward(&z, &dy, dz);
                Softmax.backward_from_output(s, &dy, dz_out);
                LogSoftmax.forward(&z, log);
                Mse.gradient(&z, &dy, gradient);
                softmax(&z, forward);
                [&*s, &*dz, &*dz_out, &*log, &*gradient, &*forward].map(|slice| slice.to_vec())
            };
            let at_start = run(0);
            for offset in 1..64 / std::mem::size_of::<F>() {
                assert_eq!(run(offset), at_start, "length {length}, output {offset} elements further");
            }
        }
    }
    each_offset::<f32>(|value| value as f32);
    each_offset::<f64>(|value| value);
}

/// The generated loops' own names do not shadow a user's parameter: `head` here, the name the
/// store loops' cache-line split would take without its prefix (it would not compile).
#[test]
fn parameters_keep_names_the_loops_use() {
    let (y_hat, y) = ([0.5f64, -1.0, 2.0], [0.0, 1.0, 1.5]);
    let mut gradient = [0.0; 3];
    WeightedMse { head: 3.0 }.gradient(&y_hat, &y, &mut gradient);
    for i in 0..3 {
        close(gradient[i], 3.0 * 2.0 * (y_hat[i] - y[i]) / 3.0, 1e-15, "weighted MSE gradient");
    }
}
