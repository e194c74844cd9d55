texgrad::define_loss! {
    pub fn mismatched(y_hat, y) = r"\sum_i y_i - \hat{y}_j";
}

fn main() {}
