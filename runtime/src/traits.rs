//! The traits generated types implement, with the slice kernels written once.

use crate::Float;

/// A scalar activation `y = f(x)` with its parameters: what `define_activation!` generates for
/// a single-input definition (`Sigmoid`, `LeakyRelu { a }`).
pub trait Activation<F: Float> {
    /// `f(x)`.
    fn value(&self, x: F) -> F;

    /// `f'(x)`.
    fn derivative(&self, x: F) -> F;

    /// `f''(x)`.
    fn second_derivative(&self, x: F) -> F;

    /// `(f(x), f'(x))`, sharing their common work.
    fn value_and_derivative(&self, x: F) -> (F, F) {
        (self.value(x), self.derivative(x))
    }

    /// The names of the parameters, in declaration order.
    fn parameter_names(&self) -> &'static [&'static str] {
        &[]
    }

    /// `∂f/∂p(x)` for each parameter `p`, in declaration order, into `gradient`.
    ///
    /// # Panics
    /// If `gradient` is not as long as [`Self::parameter_names`].
    fn derivative_wrt_parameters(&self, x: F, gradient: &mut [F]) {
        let _ = x;
        assert_eq!(
            gradient.len(),
            0,
            "this activation has no parameters, but the gradient has {} elements",
            gradient.len()
        );
    }

    /// `y_i = f(x_i)`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn forward(&self, x: &[F], y: &mut [F]) {
        assert_eq!(x.len(), y.len(), "forward: x has {} elements but y has {}", x.len(), y.len());
        for (y, &x) in y.iter_mut().zip(x) {
            *y = self.value(x);
        }
    }

    /// `dx_i = f'(x_i) dy_i`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn backward(&self, x: &[F], dy: &[F], dx: &mut [F]) {
        assert_eq!(x.len(), dy.len(), "backward: x has {} elements but dy has {}", x.len(), dy.len());
        assert_eq!(x.len(), dx.len(), "backward: x has {} elements but dx has {}", x.len(), dx.len());
        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
            *dx = self.derivative(x) * dy;
        }
    }

    /// `y_i = f(x_i)` and `dydx_i = f'(x_i)` in one pass.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn forward_with_derivative(&self, x: &[F], y: &mut [F], dydx: &mut [F]) {
        assert_eq!(x.len(), y.len(), "forward_with_derivative: x has {} elements but y has {}", x.len(), y.len());
        assert_eq!(
            x.len(),
            dydx.len(),
            "forward_with_derivative: x has {} elements but dydx has {}",
            x.len(),
            dydx.len()
        );
        for ((y, dydx), &x) in y.iter_mut().zip(dydx.iter_mut()).zip(x) {
            (*y, *dydx) = self.value_and_derivative(x);
        }
    }
}

/// An activation whose derivative can be written through its output alone (`σ' = y(1 - y)`),
/// for backward passes that keep only outputs. That form cancels where the function saturates;
/// [`Activation::backward`] does not.
pub trait ActivationFromOutput<F: Float>: Activation<F> {
    /// `f'` at the input whose output is `y`.
    fn derivative_from_output(&self, y: F) -> F;

    /// `dx_i = f'(x_i) dy_i` from the outputs `y_i = f(x_i)`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn backward_from_output(&self, y: &[F], dy: &[F], dx: &mut [F]) {
        assert_eq!(y.len(), dy.len(), "backward_from_output: y has {} elements but dy has {}", y.len(), dy.len());
        assert_eq!(y.len(), dx.len(), "backward_from_output: y has {} elements but dx has {}", y.len(), dx.len());
        for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
            *dx = self.derivative_from_output(y) * dy;
        }
    }
}

/// A two-input gate `f(a, b)` with its parameters (`Swiglu`): what `define_activation!`
/// generates for a definition with two scalar inputs.
pub trait Gate<F: Float> {
    /// `f(a, b)`.
    fn value(&self, a: F, b: F) -> F;

    /// `(∂f/∂a, ∂f/∂b)`.
    fn derivatives(&self, a: F, b: F) -> (F, F);

    /// `out_i = f(a_i, b_i)`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn forward(&self, a: &[F], b: &[F], out: &mut [F]) {
        assert_eq!(a.len(), b.len(), "forward: a has {} elements but b has {}", a.len(), b.len());
        assert_eq!(a.len(), out.len(), "forward: a has {} elements but out has {}", a.len(), out.len());
        for ((out, &a), &b) in out.iter_mut().zip(a).zip(b) {
            *out = self.value(a, b);
        }
    }

    /// `da_i = ∂f/∂a dy_i`, `db_i = ∂f/∂b dy_i` at `(a_i, b_i)`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn backward(&self, a: &[F], b: &[F], dy: &[F], da: &mut [F], db: &mut [F]) {
        for (name, length) in [("b", b.len()), ("dy", dy.len()), ("da", da.len()), ("db", db.len())] {
            assert_eq!(a.len(), length, "backward: a has {} elements but {name} has {length}", a.len());
        }
        for (((da, db), (&a, &b)), &dy) in da.iter_mut().zip(db.iter_mut()).zip(a.iter().zip(b)).zip(dy) {
            let (partial_a, partial_b) = self.derivatives(a, b);
            *da = partial_a * dy;
            *db = partial_b * dy;
        }
    }
}

/// A vector activation `out = f(z)` with its parameters (`Softmax`): what `define_activation!`
/// generates for a definition with a free index.
pub trait VectorActivation<F: Float> {
    /// `out_i = f(z)_i`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn forward(&self, z: &[F], out: &mut [F]);

    /// The vector-Jacobian product `dz_k = \sum_i dy_i ∂f_i/∂z_k`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn backward(&self, z: &[F], dy: &[F], dz: &mut [F]);
}

/// A vector activation whose vector-Jacobian product can be written through its output alone
/// (softmax: `dz_k = s_k (dy_k - Σ_i dy_i s_i)`): the backward pass a framework runs with the
/// saved output.
pub trait VectorActivationFromOutput<F: Float>: VectorActivation<F> {
    /// `dz_k = \sum_i dy_i ∂f_i/∂z_k` from the output `out = f(z)`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn backward_from_output(&self, out: &[F], dy: &[F], dz: &mut [F]);
}

/// A loss of a prediction against a target (`Mse`): what `define_loss!` generates for a
/// definition over two vectors.
pub trait Loss<F: Float> {
    /// The loss.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn value(&self, prediction: &[F], target: &[F]) -> F;

    /// The gradient with respect to the prediction, into `gradient`.
    ///
    /// # Panics
    /// If the slices' lengths differ.
    fn gradient(&self, prediction: &[F], target: &[F], gradient: &mut [F]);
}

/// A loss over the rows of a matrix, the prediction and the target row-major with rows of
/// length `n` (`cross_entropy_batch`): what `define_loss!` generates for a definition over two
/// matrices.
pub trait RowLoss<F: Float> {
    /// The loss.
    ///
    /// # Panics
    /// If the slices' lengths differ, or `n` is 0 or does not divide them.
    fn value(&self, prediction: &[F], target: &[F], n: usize) -> F;

    /// The gradient with respect to the prediction, into `gradient`.
    ///
    /// # Panics
    /// If the slices' lengths differ, or `n` is 0 or does not divide them.
    fn gradient(&self, prediction: &[F], target: &[F], n: usize, gradient: &mut [F]);
}
