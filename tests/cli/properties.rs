//! Properties that must hold for any input: the loss module directly (many
//! cases, fast) and the CLI (fewer cases, each a process).

use mlloss::loss::{
    Accumulator, Bce, Kind, Loss, MultiLabelSoftMargin, RowWeights, log_sigmoid, row_mean,
};
use proptest::prelude::*;

use crate::harness::{Workdir, csv, numbers, success};

/// Equal up to a relative 1e-12 of the larger magnitude.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Equal up to the rounding error of the terms that PyTorch's formulas add.
///
/// bce and mlsm are the same function written two ways, and PyTorch's bce
/// form `(1 - y)·x - log σ(x)` cancels when both terms are large and the loss
/// is small (x = -11.6, y ≈ 0 leaves 9e-6 from two terms of 11.6: about 1e-10
/// relative). Each kind matches PyTorch's own formula to 1e-12 (the golden
/// tests); between the kinds, the difference is bounded by a few ulps of the
/// terms, `scale`: the mean of w·(|x| + |log σ(x)|).
fn close_given_terms(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 8.0 * f64::EPSILON * scale || close(a, b)
}

/// The mean magnitude of the terms for the elements of `xs`, weighted.
fn term_scale(xs: &[f64], weight: &Option<Vec<f64>>) -> f64 {
    let total: f64 = xs
        .iter()
        .enumerate()
        .map(|(j, &x)| weight.as_ref().map_or(1.0, |w| w[j]) * (x.abs() + log_sigmoid(x).abs()))
        .sum();
    total / xs.len() as f64
}

/// A logit: mostly moderate, sometimes at the extremes the README promises.
fn logit() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -50.0..50.0f64,
        1 => prop_oneof![Just(1e6), Just(-1e6), Just(1000.0), Just(-1000.0), Just(0.0)],
        1 => -1e6..1e6f64,
    ]
}

/// A target: hard 0/1 or soft.
fn target() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64]
}

/// Logits, targets and an optional weight of an N×C problem.
type Problem = (Vec<Vec<f64>>, Vec<Vec<f64>>, Option<Vec<f64>>);

/// A random N×C problem.
fn problem() -> impl Strategy<Value = Problem> {
    (1usize..8, 1usize..8).prop_flat_map(|(n, c)| {
        (
            prop::collection::vec(prop::collection::vec(logit(), c), n),
            prop::collection::vec(prop::collection::vec(target(), c), n),
            prop::option::of(prop::collection::vec(0.0..5.0f64, c)),
        )
    })
}

fn bce_kind() -> Kind {
    Kind::Bce(Bce::default())
}

fn mlsm_kind() -> Kind {
    Kind::MultiLabelSoftMargin(MultiLabelSoftMargin {})
}

/// The element losses of one row, the loss's own weights applying.
fn losses_of(loss: &Loss, x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    loss.element_losses(x, y, RowWeights::default(), &mut Vec::new(), &mut out);
    out
}

fn element_losses(kind: Kind, weight: &Option<Vec<f64>>, x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut loss = Loss::new(kind);
    loss.weight = weight.clone();
    losses_of(&loss, x, y)
}

fn accumulate(
    kind: Kind,
    weight: &Option<Vec<f64>>,
    xs: &[Vec<f64>],
    ys: &[Vec<f64>],
) -> Accumulator {
    let mut acc = Accumulator::new(kind.shape(), None, xs[0].len());
    for (x, y) in xs.iter().zip(ys) {
        acc.add_row(&element_losses(kind.clone(), weight, x, y), y);
    }
    acc
}

proptest! {
    #[test]
    fn mlsm_none_equals_bce_row((xs, ys, weight) in problem()) {
        for (x, y) in xs.iter().zip(&ys) {
            let bce = row_mean(&element_losses(bce_kind(), &weight, x, y));
            let mlsm = row_mean(&element_losses(mlsm_kind(), &weight, x, y));
            prop_assert!(close_given_terms(bce, mlsm, term_scale(x, &weight)), "bce row {bce:e} vs mlsm none {mlsm:e}");
        }
    }

    #[test]
    fn bce_mean_equals_mlsm_mean((xs, ys, weight) in problem()) {
        let bce = accumulate(bce_kind(), &weight, &xs, &ys).mean();
        let mlsm = accumulate(mlsm_kind(), &weight, &xs, &ys).mean();
        let scale = xs.iter().map(|x| term_scale(x, &weight)).sum::<f64>() / xs.len() as f64;
        prop_assert!(close_given_terms(bce, mlsm, scale), "{bce:e} vs {mlsm:e}");
    }

    #[test]
    fn sum_is_mean_times_n_times_c((xs, ys, weight) in problem()) {
        let (n, c) = (xs.len() as f64, xs[0].len());
        let bce = accumulate(bce_kind(), &weight, &xs, &ys);
        prop_assert!(close(bce.sum(), bce.mean() * n * c as f64));
        // mlsm's sum adds per-sample means, so it is its mean × N.
        let mlsm = accumulate(mlsm_kind(), &weight, &xs, &ys);
        prop_assert!(close(mlsm.sum(), mlsm.mean() * n));
    }

    #[test]
    fn finite_for_any_finite_logit(
        x in any::<f64>().prop_filter("finite", |v| v.is_finite()),
        y in target(),
    ) {
        for kind in [bce_kind(), mlsm_kind()] {
            let name = kind.name();
            let out = losses_of(&Loss::new(kind), &[x], &[y]);
            prop_assert!(out[0].is_finite() && out[0] >= 0.0, "{name} x={x:e} y={y} → {}", out[0]);
        }
    }

    /// A weight multiplies the loss, so the product can pass f64's range for
    /// logits near it (PyTorch gives inf there too); up to 1e300 it cannot.
    #[test]
    fn finite_with_pos_weight_and_weight(
        x in -1e300..1e300f64,
        y in target(),
        pos_weight in 0.0..10.0f64,
        weight in 0.0..10.0f64,
    ) {
        let mut loss = Loss::new(Kind::Bce(Bce { pos_weight: Some(vec![pos_weight]) }));
        loss.weight = Some(vec![weight]);
        let out = losses_of(&loss, &[x], &[y]);
        prop_assert!(out[0].is_finite() && out[0] >= 0.0, "x={x:e} y={y} → {}", out[0]);
    }

    #[test]
    fn reductions_are_finite_for_extreme_logits((xs, ys, weight) in problem()) {
        for kind in [bce_kind(), mlsm_kind()] {
            let acc = accumulate(kind, &weight, &xs, &ys);
            prop_assert!(acc.mean().is_finite() && acc.sum().is_finite());
            prop_assert!(acc.class_means().iter().all(|v| v.is_finite()));
        }
    }
}

proptest! {
    // Each case starts processes, so fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn cli_agrees_with_itself_across_kinds_and_reductions((xs, ys, _) in problem()) {
        let dir = Workdir::new();
        dir.write("x.csv", csv(&xs)).write("y.csv", csv(&ys));
        let run = |kind: &str, reduction: &str| {
            numbers(&success(&dir.run(&["loss", "-k", kind, "-r", reduction, "x.csv", "y.csv"])))
        };
        let mlsm_none = run("mlsm", "none");
        let bce_row = run("bce", "row");
        prop_assert_eq!(mlsm_none.len(), xs.len());
        for ((a, b), x) in mlsm_none.iter().flatten().zip(bce_row.iter().flatten()).zip(&xs) {
            prop_assert!(close_given_terms(*a, *b, term_scale(x, &None)), "mlsm none {a:e} vs bce row {b:e}");
        }
        let (bce_mean, mlsm_mean) = (run("bce", "mean")[0][0], run("mlsm", "mean")[0][0]);
        let scale = xs.iter().map(|x| term_scale(x, &None)).sum::<f64>() / xs.len() as f64;
        prop_assert!(close_given_terms(bce_mean, mlsm_mean, scale));
        let sum = run("bce", "sum")[0][0];
        prop_assert!(close(sum, bce_mean * (xs.len() * xs[0].len()) as f64));
    }
}
