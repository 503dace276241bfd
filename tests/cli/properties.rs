//! Properties that must hold for any input: the loss module directly (many
//! cases, fast) and the CLI (fewer cases, each a process).

use mlloss::loss::{Accumulator, Bce, Kind, Loss, MultiLabelSoftMargin, RowWeights, log_sigmoid};
use mlloss::numerics::row_mean;
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

/// The metrics' state and curves: any split of the rows, in any order,
/// gives the same numbers bit for bit, and the curve is AUROC's pairwise
/// definition.
mod metrics {
    use mlloss::metrics::curve::{Curve, score_key, walk_groups};
    use mlloss::metrics::{
        Average, Curves, Decision, Metric, MetricValue, Scores, Spec, Tally, Undefined,
        ZeroDivision, evaluate,
    };
    use proptest::prelude::*;

    /// A score: few distinct values (ties) or any.
    fn score() -> impl Strategy<Value = f64> {
        prop_oneof![
            3 => (-4i32..=4).prop_map(|v| f64::from(v) / 2.0),
            2 => -30.0..30.0f64,
        ]
    }

    /// A target: 0, 1, or missing (-1).
    fn target() -> impl Strategy<Value = f64> {
        prop_oneof![4 => Just(0.0), 3 => Just(1.0), 1 => Just(-1.0)]
    }

    fn rows(cols: usize) -> impl Strategy<Value = Vec<(Vec<f64>, Vec<f64>)>> {
        prop::collection::vec(
            (
                prop::collection::vec(score(), cols),
                prop::collection::vec(target(), cols),
            ),
            1..30,
        )
    }

    fn spec(average: Average) -> Spec {
        Spec {
            metrics: vec![
                Metric::HammingLoss,
                Metric::SubsetAccuracy,
                Metric::Jaccard,
                Metric::Precision,
                Metric::F1,
                Metric::Fbeta,
                Metric::RocAuc,
                Metric::AveragePrecision,
                Metric::LabelRankingLoss,
                Metric::CoverageError,
                Metric::Lrap,
                Metric::Ndcg,
                Metric::PrecisionAtK,
            ],
            average,
            scores: Scores::Logits,
            threshold: 0.4,
            zero_division: ZeroDivision::Value(1.0),
            undefined: Undefined::Nan,
            beta: Some(0.5),
            k: Some(2),
            ignore_value: Some(-1.0),
            bins: None,
            walks_curves: false,
            calibration: None,
        }
    }

    fn tally(spec: &Spec, rows: &[(Vec<f64>, Vec<f64>)], cols: usize) -> Tally {
        let decision = Decision::new(spec.scores, spec.threshold);
        let mut tally = Tally::new(spec, cols).expect("no histograms to allocate");
        let mut scratch = Tally::scratch(spec, cols);
        for (x, y) in rows {
            tally.add_row(spec, &decision, x, y, &mut scratch);
        }
        tally
    }

    /// Each class's curve and the pooled one, from the rows.
    fn curves(rows: &[(Vec<f64>, Vec<f64>)], cols: usize) -> Curves {
        let unit = |classes: &[usize]| {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for (x, y) in rows {
                for &j in classes {
                    match y[j] {
                        1.0 => pos.push(score_key(x[j])),
                        0.0 => neg.push(score_key(x[j])),
                        _ => {}
                    }
                }
            }
            pos.sort_unstable();
            neg.sort_unstable();
            let mut curve = Curve::new(pos.len() as u64, neg.len() as u64);
            walk_groups(pos.into_iter(), neg.into_iter(), &mut curve);
            curve
        };
        Curves {
            per_class: (0..cols).map(|j| unit(&[j])).collect(),
            pooled: Some(unit(&(0..cols).collect::<Vec<_>>())),
        }
    }

    fn bits(values: &[(Metric, MetricValue)]) -> Vec<Vec<u64>> {
        values
            .iter()
            .map(|(_, v)| match v {
                MetricValue::Scalar(x) => vec![x.to_bits()],
                MetricValue::PerClass(xs) => xs.iter().map(|x| x.to_bits()).collect(),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_split_in_any_order_gives_the_same_bits(
            rows in rows(4),
            cut in any::<prop::sample::Index>(),
            average in prop_oneof![
                Just(Average::Micro), Just(Average::Macro), Just(Average::Weighted),
                Just(Average::Samples), Just(Average::None)
            ],
        ) {
            let spec = spec(average);
            let names: Vec<String> = (0..4).map(|j| j.to_string()).collect();
            let units = curves(&rows, 4);
            let whole = evaluate(&spec, &tally(&spec, &rows, 4), &units, &names).unwrap();
            let cut = cut.index(rows.len() + 1);
            let mut merged = tally(&spec, &rows[cut..], 4);
            merged.merge(&tally(&spec, &rows[..cut], 4));
            let split = evaluate(&spec, &merged, &units, &names).unwrap();
            prop_assert_eq!(bits(&whole.values), bits(&split.values));
            let mut reversed = rows.clone();
            reversed.reverse();
            let again = evaluate(&spec, &tally(&spec, &reversed, 4), &curves(&reversed, 4), &names).unwrap();
            prop_assert_eq!(bits(&whole.values), bits(&again.values));
        }

        #[test]
        fn auroc_is_the_fraction_of_pairs_ranked_right(
            pos in prop::collection::vec(score(), 1..40),
            neg in prop::collection::vec(score(), 1..40),
        ) {
            let rows: Vec<(Vec<f64>, Vec<f64>)> = pos.iter().map(|&s| (vec![s], vec![1.0]))
                .chain(neg.iter().map(|&s| (vec![s], vec![0.0]))).collect();
            let curve = &curves(&rows, 1).per_class[0];
            let mut right = 0.0;
            for &p in &pos {
                for &n in &neg {
                    right += if p > n { 1.0 } else if p == n { 0.5 } else { 0.0 };
                }
            }
            let want = right / (pos.len() * neg.len()) as f64;
            prop_assert!((curve.roc_auc().unwrap() - want).abs() <= 1e-12);
            // AP by its definition: at each positive, the precision of the
            // scores at least as high, averaged over the positives.
            let mut ap = 0.0;
            for &p in &pos {
                let tp = pos.iter().filter(|&&s| s >= p).count() as f64;
                let fp = neg.iter().filter(|&&s| s >= p).count() as f64;
                ap += tp / (tp + fp);
            }
            ap /= pos.len() as f64;
            prop_assert!((curve.average_precision().unwrap() - ap).abs() <= 1e-12);
        }
    }
}
