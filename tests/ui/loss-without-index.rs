texgrad::define_loss! {
    pub fn squared(y_hat, y) = r"(y - \hat{y})^2";
}

fn main() {}
