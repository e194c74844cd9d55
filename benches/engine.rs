//! How long the engine takes on the whole catalog: parse, differentiate (first and, for scalar
//! functions, second derivatives), simplify, stabilise, choose each scalar form with the accuracy
//! oracle (as the macros do), and emit Rust for every formula of `tests/corpus/derivatives.txt`.
//! This is what macro expansion costs a user's build. The same without the oracle, beside it,
//! shows what measuring costs.
//!
//! `cargo bench --bench engine`

use criterion::{Criterion, criterion_group, criterion_main};
use texgrad::symbolic::{Bindings, Expression};

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

fn compile_catalog(catalog: &[(&str, &str)], oracle: bool) -> usize {
    let mut emitted = 0;
    for &(wrt, formula) in catalog {
        let mut expression = Expression::parse(formula).expect("the catalog parses");
        let (scalars, vectors) = expression.names();
        if vectors.is_empty() {
            let mut first = expression.derivative(wrt).expect("differentiable");
            let mut second = first.derivative(wrt).expect("differentiable");
            if oracle {
                // The catalog's parameters at 1, as a stand-in for their defaults.
                let bindings = scalars
                    .iter()
                    .filter(|name| name.as_str() != wrt)
                    .fold(Bindings::default(), |bindings, name| bindings.scalar(name, 1.0));
                for form in [&mut expression, &mut first, &mut second] {
                    form.choose_form(wrt, &bindings);
                }
            }
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
    c.bench_function("whole catalog: parse, differentiate, simplify, stabilise, oracle, emit", |b| {
        b.iter(|| compile_catalog(std::hint::black_box(&catalog), true))
    });
    c.bench_function("whole catalog without the oracle", |b| {
        b.iter(|| compile_catalog(std::hint::black_box(&catalog), false))
    });
    c.bench_function("one formula: gelu (erf form), value and two derivatives, with the oracle", |b| {
        b.iter(|| {
            compile_catalog(
                std::hint::black_box(&[(
                    "x",
                    r"x \cdot \frac{1}{2}\left[1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right]",
                )]),
                true,
            )
        })
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
