//! Named snapshots of the derivatives of the notes' and the catalog's formulas, readable by a
//! person who checks them against a textbook; and a check that each printed derivative is
//! faithful: it parses back and has the same values.

use std::collections::HashMap;

use texgrad::symbolic::{Bindings, Expression};

/// Values for every name a formula may use: scalars at `x`, vectors of length 3, or 2×2
/// matrices for two-index formulas.
fn bindings(x: f64, matrices: bool) -> Bindings {
    if matrices {
        let mut bindings = Bindings::default()
            .vector("y", vec![0.2, 0.8, 0.6, 0.4])
            .vector("y_hat", vec![0.25 + 0.1 * x.tanh(), 0.75, 0.5, 0.5])
            .vector("dy", vec![1.0, -0.5, 0.25, 2.0]);
        bindings.columns = Some(2);
        return bindings;
    }
    let mut bindings = Bindings::default();
    for (name, value) in
        [("x", x), ("a", 0.3), ("b", -1.7), ("alpha", 1.2), ("beta", 0.8), ("lambda", 0.5), ("delta", 1.0)]
    {
        bindings = bindings.scalar(name, value);
    }
    bindings
        .vector("z", vec![x, 0.4, -1.1])
        .vector("y", vec![0.2, 0.5, 0.3])
        .vector("y_hat", vec![0.25 + 0.1 * x.tanh(), 0.45, 0.3])
        .vector("p", vec![0.2, 0.5, 0.3])
        .vector("q", vec![0.3, 0.3, 0.4])
        .vector("dy", vec![1.0, -0.5, 0.25])
}

#[test]
fn derivatives_of_the_notes_and_the_catalog() {
    let corpus = include_str!("corpus/derivatives.txt");
    let mut count = 0;
    for line in corpus.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
        let fields: Vec<&str> = line.splitn(3, " | ").collect();
        let [name, wrt, formula] = fields[..] else {
            panic!("derivatives.txt: `{line}` is not `name | wrt | formula`")
        };
        let expression = Expression::parse(formula).unwrap_or_else(|error| panic!("{name}: {}", error.render(formula)));
        // A vector output gets its vector-Jacobian product, the form a backward pass uses.
        let vector_output = !expression.free_indices().is_empty();
        let derivative =
            if vector_output { expression.vector_jacobian_product(wrt, "dy") } else { expression.derivative(wrt) }
                .unwrap_or_else(|error| panic!("{name}: {}", error.render(formula)));
        let heading = if vector_output { format!("vjp with dy, d/d{wrt}_k:") } else { format!("d/d{wrt}:") };
        let mut snapshot = format!("{formula}\n{heading}\n{}\n{}", derivative.latex(), derivative.text());
        let scalar_input = expression.names().1.is_empty();
        if scalar_input {
            let second = derivative.derivative(wrt).unwrap_or_else(|error| panic!("{name}: {}", error.message));
            snapshot.push_str(&format!("\nd2/d{wrt}2:\n{}", second.latex()));
        }
        insta::assert_snapshot!(format!("derivative-{name}"), snapshot);

        // The printed derivative reads back to the same function.
        let printed = derivative.latex();
        let reparsed = Expression::parse(&printed).unwrap_or_else(|error| panic!("{name}: {}", error.render(&printed)));
        for x in [-2.3, -0.7, 0.35, 1.9] {
            let free: HashMap<char, usize> = derivative.free_indices().into_iter().map(|index| (index, 1)).collect();
            let matrices = expression.names().1.values().any(|&rank| rank == 2);
            let expected = derivative.evaluate_at(&bindings(x, matrices), &free).unwrap();
            let got = reparsed.evaluate_at(&bindings(x, matrices), &free).unwrap();
            assert!(
                (expected - got).abs() <= 1e-12 * expected.abs().max(1.0) || (expected.is_nan() && got.is_nan()),
                "{name} at x = {x}: {expected} printed as `{printed}`, which evaluates to {got}"
            );
        }
        count += 1;
    }
    assert!(count >= 39, "the corpus lost rows: {count} left");
}
