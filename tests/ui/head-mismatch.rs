texgrad::define_activation! {
    pub fn square(x) = r"f(t) = x^2";
}

fn main() {}
