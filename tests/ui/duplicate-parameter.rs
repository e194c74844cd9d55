texgrad::define_activation! {
    pub fn scaled(x; a = 1.0, a = 2.0) = r"a x";
}

fn main() {}
