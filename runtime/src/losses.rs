//! The built-in losses (SPEC section 6), written with `define_loss!`: the prediction first
//! (`y_hat`, or `z` for logits), the target second; `kl_div` takes `p` then `q`. A loss
//! averages over the elements (PyTorch's default reduction) unless its formula is a sum (`l2`,
//! `cross_entropy`, `cross_entropy_logits`, `kl_div`); `cross_entropy_batch` averages over rows.
//! `0 \log 0` is 0 (cross-entropy and KL with zero targets); a probability of 0 where the
//! target is positive gives +∞.

texgrad_macros::define_loss! {
    /// Mean squared error.
    pub fn mse(y_hat, y) = r"\frac{1}{n}\sum_{i=1}^{n} (y_i - \hat{y}_i)^2";

    /// Mean absolute error.
    pub fn l1(y_hat, y) = r"\frac{1}{n}\sum_{i=1}^{n} |y_i - \hat{y}_i|";

    /// Sum of squares.
    pub fn l2(y_hat, y) = r"\sum_{i=1}^{n} (y_i - \hat{y}_i)^2";

    /// Cross-entropy of probabilities: `-\sum_i y_i \log \hat{y}_i`.
    pub fn cross_entropy(y_hat, y) = r"L = -\sum_{i=1}^{n} y_i \log(\hat{y}_i)";

    /// Cross-entropy averaged over the `m` rows of a batch (row-major, rows of length `n`).
    pub fn cross_entropy_batch(y_hat, y) = r"L = -\frac{1}{m}\sum_{k=1}^{m}\sum_{i=1}^{n} y_{k,i}\log(\hat{y}_{k,i})";

    /// KL divergence `D(p ‖ q)`.
    pub fn kl_div(p, q) = r"D_{KL} = \sum_i p_i \log \frac{p_i}{q_i}";

    /// Cross-entropy on logits, fused with the softmax.
    pub fn cross_entropy_logits(z, y) = r"-\sum_i y_i \log \frac{e^{z_i}}{\sum_j e^{z_j}}";

    /// Binary cross-entropy of probabilities.
    pub fn bce(y_hat, y) = r"-\frac{1}{n}\sum_i \left[ y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i) \right]";

    /// Binary cross-entropy on logits, fused with the sigmoid.
    pub fn bce_logits(z, y) = r"-\frac{1}{n}\sum_i \left[ y_i \log \frac{1}{1 + e^{-z_i}} + (1 - y_i) \log\left(1 - \frac{1}{1 + e^{-z_i}}\right) \right]";

    /// Huber loss.
    pub fn huber(y_hat, y; delta = 1.0) = r"\frac{1}{n}\sum_{i} \begin{cases} \frac{1}{2}(y_i - \hat{y}_i)^2, & |y_i - \hat{y}_i| \le \delta \\ \delta (|y_i - \hat{y}_i| - \frac{1}{2}\delta), & \text{otherwise} \end{cases}";

    /// Smooth L1 loss.
    pub fn smooth_l1(y_hat, y; beta = 1.0) = r"\frac{1}{n}\sum_i \begin{cases} \frac{(\hat{y}_i - y_i)^2}{2 \beta}, & |\hat{y}_i - y_i| < \beta \\ |\hat{y}_i - y_i| - \frac{\beta}{2}, & \text{otherwise} \end{cases}";

    /// Log-cosh loss.
    pub fn log_cosh(y_hat, y) = r"\frac{1}{n}\sum_i \log(\cosh(\hat{y}_i - y_i))";

    /// Poisson negative log-likelihood, with the prediction given as a log-rate.
    pub fn poisson_nll(y_hat, y) = r"\frac{1}{n}\sum_i (e^{\hat{y}_i} - y_i \hat{y}_i)";

    /// Hinge loss, targets ±1.
    pub fn hinge(y_hat, y) = r"\frac{1}{n}\sum_i \max(0, 1 - y_i \hat{y}_i)";

    /// Soft margin loss, targets ±1.
    pub fn soft_margin(y_hat, y) = r"\frac{1}{n}\sum_i \log(1 + e^{-y_i \hat{y}_i})";
}
