texgrad::define_activation! {
    pub fn softsign(x) = r"\frac{x}{1 + |x|}", derivative = r"\frac{1}{(1+x)^2}";
}

fn main() {}
