texgrad::define_activation! {
    pub fn power(x) = r"x^10";
}

fn main() {}
