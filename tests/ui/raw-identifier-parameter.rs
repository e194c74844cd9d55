texgrad::define_activation! {
    pub fn scaled(x; r#type = 2.0) = r"\text{type} x";
}

fn main() {}
