//! How long the engine takes on the whole catalog: parse, differentiate (first and, for scalar
//! functions, second derivatives), simplify, stabilise and emit Rust for every formula of
//! `tests/corpus/derivatives.txt`. This is what macro expansion costs a user's build.
//!
//! `cargo bench --bench engine`

use criterion::{Criterion, criterion_group, criterion_main};
use texgrad::symbolic::Expression;

fn catalog() -> Vec<(&'static str, &'static str)> {
    include_str!("../tests/corpus/derivatives.txt")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.splitn(3, " | ").collect();
            match fields[..] {
                [_, wrt, formula] => Some((wrt, formula)),
                _ => None,
            }
        })
        .collect()
}

fn compile_catalog(catalog: &[(&str, &str)]) -> usize {
    let mut emitted = 0;
    for &(wrt, formula) in catalog {
        let expression = Expression::parse(formula).expect("the catalog parses");
        let (scalars, vectors) = expression.names();
        if vectors.is_empty() {
            let first = expression.derivative(wrt).expect("differentiable");
            let second = first.derivative(wrt).expect("differentiable");
            let arguments: Vec<String> = scalars.into_iter().collect();
            let code =
                expression.rust_function("fused", &arguments, &[&first, &second], &Default::default()).expect("emits");
            emitted += code.to_string().len();
        } else {
            let derivative = if expression.free_indices().is_empty() {
                expression.derivative(wrt)
            } else {
                expression.vector_jacobian_product(wrt, "dy")
            };
            emitted += derivative.expect("differentiable").operation_count();
        }
    }
    emitted
}

fn engine(c: &mut Criterion) {
    let catalog = catalog();
    c.bench_function("whole catalog: parse, differentiate, simplify, stabilise, emit", |b| {
        b.iter(|| compile_catalog(std::hint::black_box(&catalog)))
    });
    c.bench_function("one formula: gelu (erf form), value and two derivatives", |b| {
        b.iter(|| {
            compile_catalog(std::hint::black_box(&[(
                "x",
                r"x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right]",
            )]))
        })
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
