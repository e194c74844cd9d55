texgrad::define_activation! {
    pub fn kinked(x) = r"\begin{cases} x^2, & x < 1 \\ x, & x > 1 \end{cases}";
}

fn main() {}
