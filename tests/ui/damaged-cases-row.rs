texgrad::define_activation! {
    pub fn relu(x) = r"\begin{cases} 0, & x < 0 \ x, & x \ge 0 \end{cases}";
}

fn main() {}
