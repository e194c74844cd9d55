texgrad::define_activation! {
    pub fn act(x) = r"\tanh x";
    pub fn act(x) = r"\sigma(x)";
}

fn main() {}
