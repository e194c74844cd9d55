texgrad::define_activation! {
    pub fn square(x) = x * x;
}

fn main() {}
