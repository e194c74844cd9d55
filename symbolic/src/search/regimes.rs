//! Regimes: the best of several equal forms for each range of the input, joined by selects
//! (Herbie's `regimes.rkt` and `bsearch.rkt`).
//!
//! The candidates' errors at the sample points, sorted by the input, are split into at most
//! [`MAX_REGIMES`] runs, each computed by one candidate, by dynamic programming over the
//! split points: a run costs its candidate's bits at its points, and every split costs
//! [`SPLIT_BITS`] more, so that a branch is added only where it saves more than noise. Each
//! threshold between two runs is then refined by bisection between the two sample points
//! around it, with the exact value, to where the left candidate stops being the more accurate.
//! The result is emitted through the program stage as selects on the input (a blend in the
//! vector kernels, no branch per element).

use std::collections::HashMap;

use super::judge::{self, Measured, Points};
use crate::ir::{Compare, Graph, Id};
use crate::oracle::{Exact, Tape};
use crate::program::Bindings;
use texgrad_math::dispatch::Portable;

/// The most runs a piecewise form has.
pub const MAX_REGIMES: usize = 4;

/// What a split must save, in bits summed over the points, to be made.
pub const SPLIT_BITS: f64 = 4.0;

/// Bisection steps that place a threshold between two sample points.
const BISECTION_STEPS: usize = 12;

/// A piecewise form of the candidates (the first is the preferred form) that loses fewer bits
/// in `F` at `points` than any one of them, or `None` where one candidate is best everywhere.
pub fn piecewise<F: Measured>(
    graph: &mut Graph,
    candidates: &[Id],
    input: &str,
    bindings: &Bindings,
    points: &Points,
) -> Option<Id> {
    let usable: Vec<(Id, Vec<f64>)> = candidates
        .iter()
        .filter_map(|&form| Some((form, judge::errors::<F>(graph, form, input, bindings, points)?)))
        .collect();
    if usable.len() < 2 || points.inputs.len() < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..points.inputs.len()).collect();
    order.sort_by(|&a, &b| points.inputs[a].total_cmp(&points.inputs[b]));
    let n = order.len();
    // prefix[c][i]: candidate c's bits over the first i points in order.
    let prefix: Vec<Vec<f64>> = usable
        .iter()
        .map(|(_, errors)| {
            let mut sums = vec![0.0; n + 1];
            for (position, &point) in order.iter().enumerate() {
                sums[position + 1] = sums[position] + errors[point];
            }
            sums
        })
        .collect();
    let run_cost = |candidate: usize, from: usize, to: usize| prefix[candidate][to] - prefix[candidate][from];
    // best[r][i]: the cheapest split of the first i points into r + 1 runs, and how.
    let mut best: Vec<Vec<(f64, usize, usize)>> = vec![vec![(f64::INFINITY, 0, 0); n + 1]; MAX_REGIMES];
    for (i, slot) in best[0].iter_mut().enumerate().skip(1) {
        for candidate in 0..usable.len() {
            let cost = run_cost(candidate, 0, i);
            if cost < slot.0 {
                *slot = (cost, 0, candidate);
            }
        }
    }
    for runs in 1..MAX_REGIMES {
        for i in 1..=n {
            for j in 1..i {
                let before = best[runs - 1][j].0;
                if !before.is_finite() {
                    continue;
                }
                for candidate in 0..usable.len() {
                    let cost = before + run_cost(candidate, j, i) + SPLIT_BITS;
                    if cost < best[runs][i].0 {
                        best[runs][i] = (cost, j, candidate);
                    }
                }
            }
        }
    }
    let runs = (0..MAX_REGIMES).min_by(|&a, &b| best[a][n].0.total_cmp(&best[b][n].0))?;
    if runs == 0 {
        return None;
    }
    // The runs, right to left: (first point, candidate).
    let mut pieces = Vec::new();
    let (mut end, mut level) = (n, runs);
    loop {
        let (_, start, candidate) = best[level][end];
        pieces.push((start, candidate));
        if level == 0 {
            break;
        }
        end = start;
        level -= 1;
    }
    pieces.reverse();
    // Merge neighbouring runs of one candidate (a split that the DP made only to pay for nothing).
    pieces.dedup_by(|right, left| right.1 == left.1);
    if pieces.len() < 2 {
        return None;
    }
    let exact = Exact::new(graph);
    let mut thresholds = Vec::new();
    for pair in pieces.windows(2) {
        let (left, right) = (pair[0].1, pair[1].1);
        let below = points.inputs[order[pair[1].0 - 1]];
        let above = points.inputs[order[pair[1].0]];
        thresholds.push(threshold::<F>(
            graph,
            &exact,
            candidates[0],
            usable[left].0,
            usable[right].0,
            input,
            bindings,
            below,
            above,
        ));
    }
    let x = graph.symbol(input);
    let mut form = usable[pieces[pieces.len() - 1].1].0;
    for (position, &threshold) in thresholds.iter().enumerate().rev() {
        let bound = graph.float(threshold);
        let condition = graph.compare(Compare::Less, x, bound);
        form = graph.select(condition, usable[pieces[position].1].0, form);
    }
    Some(form)
}

/// Where between `below` and `above` the candidate `right` becomes at least as accurate as
/// `left`, by bisection in the order of `F`'s values (so that a threshold between 10^{-300} and
/// 1 lands in the right binade), against the exact value of `reference`.
#[allow(clippy::too_many_arguments)]
fn threshold<F: Measured>(
    graph: &Graph,
    exact: &Exact<'_>,
    reference: Id,
    left: Id,
    right: Id,
    input: &str,
    bindings: &Bindings,
    below: f64,
    above: f64,
) -> f64 {
    let (Some(left_tape), Some(right_tape)) =
        (Tape::<F>::compile(graph, left, input, bindings), Tape::<F>::compile(graph, right, input, bindings))
    else {
        return above;
    };
    let mut bindings = bindings.clone();
    let mut scratch = Vec::new();
    let mut right_wins = |x: f64| -> Option<bool> {
        bindings.scalars.insert(input.to_owned(), x);
        let value = exact.at(reference, &bindings, &HashMap::new()).ok().flatten()?;
        let rounded = F::round(&value);
        if !value.is_finite() || !rounded.is_finite() {
            return None;
        }
        let input = F::from_f64(x);
        let left = judge::bits::<F>(left_tape.evaluate::<Portable>(input, &mut scratch).to_f64(), rounded);
        let right = judge::bits::<F>(right_tape.evaluate::<Portable>(input, &mut scratch).to_f64(), rounded);
        Some(right <= left)
    };
    let (mut low, mut high) = (F::ordinal(below), F::ordinal(above));
    for _ in 0..BISECTION_STEPS {
        if high - low <= 1 {
            break;
        }
        let middle = low + (high - low) / 2;
        let x = F::from_ordinal(middle);
        match right_wins(x) {
            Some(true) => high = middle,
            Some(false) => low = middle,
            None => break,
        }
    }
    F::from_ordinal(high)
}
