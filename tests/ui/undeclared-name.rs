texgrad::define_activation! {
    pub fn leaky(x; negative_slope = 0.01) = r"\max(x, \text{negative\_slop} x)";
}

fn main() {}
