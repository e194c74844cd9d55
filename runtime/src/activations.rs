//! The built-in activations (SPEC section 6), written with `define_activation!` exactly as a
//! user would write them: the formulas as papers and the PyTorch documentation give them, with
//! PyTorch's defaults; stability is the engine's job, not the formulas'.
//!
//! # Kinks
//!
//! Where a function has a kink, its derivative there is the derivative of the branch the
//! formula selects at that point: `\max(a, b)` and `\min(a, b)` take `a` at a tie, and a `cases`
//! row applies where its condition holds. The formulas are written so that the kinks match
//! PyTorch's gradients: ReLU' is 0 at 0 (`\max(0, x)` takes 0); ReLU6' is 0 at 0 and at 6
//! (`\min(6, \max(0, x))` takes 6 at 6); hardtanh' is 0 at ±1; hardsigmoid' is 0 at ±3;
//! hardswish' is its middle row's `(2x + 3)/6` at ±3 (-1/2 and 3/2); the shrinks' derivatives are
//! 0 at ±λ; `|x|`' is 0 at 0; leaky ReLU' is 1 at 0 (SPEC section 3 writes `x \ge 0`); Huber's
//! and smooth L1's derivatives are continuous at their joins (`tests/catalog.rs` checks each).
//!
//! # Where the original notes were wrong
//!
//! - sigmoid: the notes claim `f'(x) = f(x) - (1 - f(x))`; it is `f(x)(1 - f(x))`, computed as
//!   `σ(x)σ(-x)`, which keeps its digits where `1 - f(x)` rounds to 0.
//! - tanh: the notes give the range (0, 1); it is (-1, 1).
//! - softsign: the notes claim `1/(1 + x)^2`; it is `1/(1 + |x|)^2`.
//! - ReLU: the notes claim `\max(0, 1)` (always 1); it is 0 for negative inputs.

texgrad_macros::define_activation! {
    /// The logistic sigmoid, range (0, 1).
    pub fn sigmoid(x) = r"\frac{1}{1+e^{-x}}", derivative = r"f(x)(1 - f(x))";

    /// The hyperbolic tangent, range (-1, 1).
    pub fn tanh(x) = r"\frac{e^x-e^{-x}}{e^x+e^{-x}}", derivative = r"1 - f(x)^2";

    /// Softsign, range (-1, 1).
    pub fn softsign(x) = r"\frac{x}{1 + |x|}", derivative = r"\frac{1}{(1+|x|)^2}";

    /// ReLU, range [0, ∞).
    pub fn relu(x) = r"\max(0, x)";

    /// Leaky ReLU: slope `a` for negative inputs.
    pub fn leaky_relu(x; a = 0.01) = r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}";

    /// PReLU: leaky ReLU whose slope `a` is learned (its gradient is `prelu_derivative_wrt_a`).
    pub fn prelu(x; a = 0.25) = r"\begin{cases} x, & x \ge 0 \\ a x, & x < 0 \end{cases}";

    /// ELU.
    pub fn elu(x; alpha = 1.0) = r"\begin{cases} x, & x \ge 0 \\ \alpha \left(e^x - 1\right), & x < 0 \end{cases}";

    /// GELU, exact (erf) form.
    pub fn gelu(x) = r"\mathrm{GELU}(x) = x \cdot \Phi(x) = x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right]";

    /// GELU, tanh approximation.
    pub fn gelu_tanh(x) = r"\frac{x}{2} \left( 1 + \tanh \left( \sqrt{\frac{2}{\pi}} \left( x + 0.044715 x^{3} \right) \right) \right)";

    /// SiLU: `x σ(x)`.
    pub fn silu(x) = r"x \sigma(x)";

    /// Swish: `x σ(β x)`.
    pub fn swish(x; beta = 1.0) = r"x \sigma(\beta x)";

    /// Mish: `x tanh(softplus(x))`.
    pub fn mish(x) = r"x \tanh(\operatorname{softplus}(x))";

    /// Softplus: `ln(1 + e^{βx}) / β`.
    pub fn softplus(x; beta = 1.0) = r"\frac{1}{\beta} \log(1 + e^{\beta x})";

    /// SELU, with its self-normalising constants.
    pub fn selu(x) = r"1.0507009873554805 \begin{cases} x, & x > 0 \\ 1.6732632423543772 (e^x - 1), & x \le 0 \end{cases}";

    /// CELU.
    pub fn celu(x; alpha = 1.0) = r"\max(0, x) + \min(0, \alpha (e^{x / \alpha} - 1))";

    /// ReLU6: ReLU capped at 6.
    pub fn relu6(x) = r"\min(6, \max(0, x))";

    /// Hardtanh: `x` clipped to [min_val, max_val].
    pub fn hardtanh(x; min_val = -1.0, max_val = 1.0) = r"\begin{cases} \text{min\_val}, & x \le \text{min\_val} \\ \text{max\_val}, & x \ge \text{max\_val} \\ x, & \text{otherwise} \end{cases}";

    /// Hardsigmoid: a piecewise-linear sigmoid.
    pub fn hardsigmoid(x) = r"\begin{cases} 0, & x \le -3 \\ 1, & x \ge 3 \\ \frac{x}{6} + \frac{1}{2}, & \text{otherwise} \end{cases}";

    /// Hardswish: `x` times hardsigmoid.
    pub fn hardswish(x) = r"\begin{cases} 0, & x < -3 \\ x, & x > 3 \\ \frac{x (x + 3)}{6}, & \text{otherwise} \end{cases}";

    /// LogSigmoid: `ln σ(x)`.
    pub fn log_sigmoid(x) = r"\log \frac{1}{1 + e^{-x}}";

    /// Tanhshrink: `x - tanh x`.
    pub fn tanhshrink(x) = r"x - \tanh x";

    /// Softshrink.
    pub fn softshrink(x; lambda = 0.5) = r"\begin{cases} x - \lambda, & x > \lambda \\ x + \lambda, & x < -\lambda \\ 0, & \text{otherwise} \end{cases}";

    /// Hardshrink.
    pub fn hardshrink(x; lambda = 0.5) = r"\begin{cases} x, & x > \lambda \\ x, & x < -\lambda \\ 0, & \text{otherwise} \end{cases}";

    /// SwiGLU: swish(a) times b.
    pub fn swiglu(a, b) = r"a \sigma(a) b";

    /// GLU: `a σ(b)`.
    pub fn glu(a, b) = r"a \sigma(b)";

    /// GEGLU: gelu(a) times b.
    pub fn geglu(a, b) = r"\operatorname{gelu}(a) b";

    /// ReGLU: relu(a) times b.
    pub fn reglu(a, b) = r"\operatorname{relu}(a) b";

    /// Softmax over a vector.
    pub fn softmax(z) = r"\text{Softmax}(z_i) = \frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}";

    /// LogSoftmax over a vector.
    pub fn log_softmax(z) = r"z_i - \log \sum_j e^{z_j}";

    /// Softmin over a vector.
    pub fn softmin(z) = r"\frac{e^{-z_i}}{\sum_j e^{-z_j}}";
}
