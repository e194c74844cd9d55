texgrad::define_activation! {
    pub fn smooth(x) = r"\operatorname{sofplus}(x)";
}

fn main() {}
