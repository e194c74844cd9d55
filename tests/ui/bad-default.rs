texgrad::define_activation! {
    pub fn scaled(x; a = "one") = r"a x";
}

fn main() {}
