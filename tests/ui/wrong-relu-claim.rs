texgrad::define_activation! {
    pub fn relu(x) = r"\max(0, x)", derivative = r"\max(0,1)";
}

fn main() {}
