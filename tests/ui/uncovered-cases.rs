texgrad::define_activation! {
    pub fn clipped(x) = r"\begin{cases} x, & -1 \le x \le 1 \\ 1, & x > 1 \end{cases}";
}

fn main() {}
