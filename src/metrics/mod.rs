//! scikit-learn's multi-label metrics, pure: numbers in, numbers out, no
//! I/O. The formulas are in the README's "Metrics" section, next to which
//! this code reads.
//!
//! - [`row`]: what one sample gives (its confusion counts, its ranking
//!   metrics: label ranking loss, coverage, LRAP, NDCG, P@k, and its own
//!   AUROC and AP for `--average samples`);
//! - [`curve`]: AUROC and average precision of one unit (a class, or all
//!   elements pooled) from its scores grouped by value, best first, and the
//!   binned approximation (`--bins`);
//! - [`tally`]: the state that streams: counts and exact sums whose size
//!   does not depend on the rows, merged exactly across threads and shards;
//! - [`report`]: the values printed, from a tally and the curves, with the
//!   averages and the undefined-case policies.

pub mod curve;
pub mod report;
pub mod row;
pub mod state;
pub mod tally;

use serde::{Deserialize, Serialize};

pub use curve::{Bins, Curve, Groups};
pub use report::{Curves, MetricValue, Outcome, Undefinedness, evaluate};
pub use tally::Tally;

/// A metric, by scikit-learn's name (`--metric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Metric {
    /// hamming_loss: the fraction of (observed) elements predicted wrong.
    HammingLoss,
    /// accuracy_score on multi-label input: the fraction of samples predicted exactly.
    SubsetAccuracy,
    /// zero_one_loss: 1 − subset_accuracy.
    ZeroOneLoss,
    /// jaccard_score: tp / (tp + fp + fn).
    Jaccard,
    /// precision_score: tp / (tp + fp).
    Precision,
    /// recall_score: tp / (tp + fn).
    Recall,
    /// f1_score.
    F1,
    /// fbeta_score (--beta).
    Fbeta,
    /// roc_auc_score, from the scores as given.
    RocAuc,
    /// average_precision_score, from the scores as given.
    AveragePrecision,
    /// label_ranking_loss.
    LabelRankingLoss,
    /// coverage_error.
    CoverageError,
    /// label_ranking_average_precision_score.
    Lrap,
    /// ndcg_score (--k, else every class).
    Ndcg,
    /// P@k: true labels among each sample's k highest scores, over k (--k).
    PrecisionAtK,
}

/// How the values of the metric's units are put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// From the 0/1 predictions, per sample only (Hamming, subset accuracy).
    SampleCounts,
    /// From the 0/1 predictions, with scikit-learn's `average=`.
    Thresholded,
    /// A ranking curve per unit, with `average=` (AUROC, AP).
    Curve,
    /// A ranking metric of each sample, averaged over the samples.
    SampleRanking,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::HammingLoss => "hamming_loss",
            Metric::SubsetAccuracy => "subset_accuracy",
            Metric::ZeroOneLoss => "zero_one_loss",
            Metric::Jaccard => "jaccard",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1",
            Metric::Fbeta => "fbeta",
            Metric::RocAuc => "roc_auc",
            Metric::AveragePrecision => "average_precision",
            Metric::LabelRankingLoss => "label_ranking_loss",
            Metric::CoverageError => "coverage_error",
            Metric::Lrap => "lrap",
            Metric::Ndcg => "ndcg",
            Metric::PrecisionAtK => "precision_at_k",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Metric::HammingLoss | Metric::SubsetAccuracy | Metric::ZeroOneLoss => {
                Family::SampleCounts
            }
            Metric::Jaccard | Metric::Precision | Metric::Recall | Metric::F1 | Metric::Fbeta => {
                Family::Thresholded
            }
            Metric::RocAuc | Metric::AveragePrecision => Family::Curve,
            Metric::LabelRankingLoss
            | Metric::CoverageError
            | Metric::Lrap
            | Metric::Ndcg
            | Metric::PrecisionAtK => Family::SampleRanking,
        }
    }

    /// Whether `--average` applies.
    pub fn takes_average(self) -> bool {
        matches!(self.family(), Family::Thresholded | Family::Curve)
    }
}

/// scikit-learn's `average=` (`--average`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Average {
    /// All elements pooled as one unit.
    Micro,
    /// The unweighted mean over the classes.
    #[default]
    Macro,
    /// The mean over the classes weighted by their positives (support).
    Weighted,
    /// The mean over the samples of each sample's value.
    Samples,
    /// One value per class.
    None,
}

/// scikit-learn's `zero_division=` (`--zero-division`): the value of a
/// precision, recall, F-score or Jaccard whose denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDivision {
    /// scikit-learn's default `"warn"`: 0, with a warning.
    Warn,
    Value(#[serde(with = "crate::numerics::json_f64::value")] f64),
}

impl ZeroDivision {
    /// The value given to a zero division (NaN: left out of averages).
    pub fn value(self) -> f64 {
        match self {
            ZeroDivision::Warn => 0.0,
            ZeroDivision::Value(v) => v,
        }
    }
}

/// What to do with a unit whose AUROC or AP is undefined (`--undefined`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// scikit-learn 1.9.1's answer, with its warning.
    #[default]
    Sklearn,
    /// Stop with an error naming the units.
    Error,
    /// NaN for the unit, and for every average over it.
    Nan,
    /// Average over the defined units only.
    Skip,
}

/// Whether SCORES are logits or probabilities (`--scores`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Scores {
    /// Logits: predicted positive where σ(x) ≥ T.
    #[default]
    Logits,
    /// Probabilities in [0, 1]: predicted positive where p ≥ T.
    Probs,
}

/// Everything that shapes a tally's numbers and the report made of them:
/// two tallies merge only if their specs are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub metrics: Vec<Metric>,
    pub average: Average,
    pub scores: Scores,
    pub threshold: f64,
    pub zero_division: ZeroDivision,
    pub undefined: Undefined,
    pub beta: Option<f64>,
    pub k: Option<usize>,
    /// Target elements equal to this are missing (NaN marks NaN).
    #[serde(with = "crate::numerics::json_f64::option")]
    pub ignore_value: Option<f64>,
    /// `--bins B`: AUROC and AP from histograms of B bins.
    pub bins: Option<usize>,
}

impl Spec {
    /// Whether some metric is of `family`.
    pub fn has(&self, family: Family) -> bool {
        self.metrics.iter().any(|m| m.family() == family)
    }

    pub fn wants(&self, metric: Metric) -> bool {
        self.metrics.contains(&metric)
    }

    /// The curves of each class (or all elements pooled) are needed: AUROC
    /// or AP averaged over classes or pooled (not per sample).
    pub fn needs_class_curves(&self) -> bool {
        self.has(Family::Curve) && self.average != Average::Samples
    }

    /// Whether a target element is missing.
    #[inline]
    pub fn is_missing(&self, target: f64) -> bool {
        match self.ignore_value {
            Some(m) => target == m || (m.is_nan() && target.is_nan()),
            None => false,
        }
    }

    /// The options checked together, as scikit-learn checks its
    /// parameters: on the command line (a usage error) and in the states
    /// `merge` reads (an error naming the field).
    pub fn check(&self) -> Result<(), SpecProblem> {
        let wants = |m: Metric| self.wants(m);
        let problem = |field: &'static str, message: &str| {
            Err(SpecProblem {
                field,
                message: message.to_owned(),
            })
        };
        let distinct: std::collections::HashSet<&Metric> = self.metrics.iter().collect();
        if self.metrics.is_empty() || distinct.len() != self.metrics.len() {
            return problem(
                "metrics",
                "--metric names each metric once, and at least one",
            );
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            let message = format!(
                "--threshold is a probability in [0, 1], not {}",
                self.threshold
            );
            return problem("threshold", &message);
        }
        match self.beta {
            None if wants(Metric::Fbeta) => return problem("beta", "fbeta needs --beta B"),
            Some(b) if !(b >= 0.0 && (b * b).is_finite()) => {
                let message = format!(
                    "--beta must be a number ≥ 0 whose square is finite, not {b:?} (scikit-learn refuses both)"
                );
                return problem("beta", &message);
            }
            Some(_) if !wants(Metric::Fbeta) => {
                return problem("beta", "--beta applies to fbeta only (f1 is β = 1)");
            }
            _ => {}
        }
        match self.k {
            None if wants(Metric::PrecisionAtK) => {
                return problem("k", "precision_at_k needs --k K");
            }
            Some(0) => return problem("k", "--k must be at least 1 (scikit-learn refuses k = 0)"),
            Some(_) if !wants(Metric::PrecisionAtK) && !wants(Metric::Ndcg) => {
                return problem("k", "--k applies to ndcg and precision_at_k only");
            }
            _ => {}
        }
        if let ZeroDivision::Value(v) = self.zero_division {
            if !(v == 0.0 || v == 1.0 || v.is_nan()) {
                return problem("zero_division", "--zero-division is 0, 1 or nan");
            }
            if wants(Metric::Jaccard) && v.is_nan() {
                return problem(
                    "zero_division",
                    "jaccard takes --zero-division 0 or 1, not nan (as scikit-learn 1.9.1's jaccard_score)",
                );
            }
        }
        let has_curves = self.has(Family::Curve);
        if let Some(bins) = self.bins {
            if !(1..=MAX_BINS).contains(&bins) {
                return problem("bins", &format!("--bins is 1 to {MAX_BINS}, not {bins}"));
            }
            if !has_curves {
                return problem(
                    "bins",
                    "--bins applies to roc_auc and average_precision only",
                );
            }
            if self.average == Average::Samples {
                return problem(
                    "bins",
                    "--bins approximates the classes' curves; --average samples computes each sample's exactly",
                );
            }
        }
        if self.undefined != Undefined::Sklearn && !has_curves {
            return problem(
                "undefined",
                "--undefined applies to roc_auc and average_precision only (--zero-division to the others)",
            );
        }
        Ok(())
    }

    /// The β of the F-score: `--beta` for fbeta, 1 for f1.
    pub fn f_beta(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Fbeta => self.beta.unwrap_or(1.0),
            _ => 1.0,
        }
    }
}

/// The most bins `--bins` takes.
pub const MAX_BINS: usize = 100_000_000;

/// An option of a [`Spec`] that scikit-learn would refuse: the spec's
/// field, and the message naming the option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    pub field: &'static str,
    pub message: String,
}

/// The decision σ(x) ≥ T (logits) or p ≥ T (probabilities), made the way
/// scikit-learn's reference makes it but without an exp per element: a
/// logit is compared with logit(T), and only one near it has σ computed —
/// within 1e-6 relative, or within the logits over which the rounding of
/// σ (a few ulps of 1) spans when σ is flat, about ε / (T (1 − T)) (T near
/// 1: σ(27.7257…) rounds to ≥ 1 − 2⁻⁴⁰ from 1e-4 below logit(T)).
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    scores: Scores,
    threshold: f64,
    /// logit(T), and the band around it where σ is computed.
    cut: f64,
    band: f64,
}

impl Decision {
    pub fn new(scores: Scores, threshold: f64) -> Decision {
        let cut = (threshold / (1.0 - threshold)).ln();
        let flat = 64.0 * f64::EPSILON / (threshold * (1.0 - threshold));
        Decision {
            scores,
            threshold,
            cut,
            band: (1e-6 * cut.abs().max(1.0)).max(flat),
        }
    }

    #[inline]
    pub fn positive(&self, score: f64) -> bool {
        match self.scores {
            Scores::Probs => score >= self.threshold,
            Scores::Logits => {
                if self.cut.is_finite() && (score - self.cut).abs() > self.band {
                    score > self.cut
                } else {
                    1.0 / (1.0 + (-score).exp()) >= self.threshold
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_decision_agrees_with_sigma() {
        let near_one = 1.0 - 2f64.powi(-40);
        for t in [
            0.0,
            1e-300,
            1e-12,
            0.1,
            0.25,
            0.3,
            0.5,
            0.7,
            0.9,
            1.0 - 1e-12,
            near_one,
            1.0,
        ] {
            let d = Decision::new(Scores::Logits, t);
            let cut = (t / (1.0 - t)).ln();
            let mut xs = vec![0.0, -0.0, 1.0, -1.0, 40.0, -40.0, 800.0, -800.0];
            if cut.is_finite() {
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_up();
                }
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_down();
                }
            }
            // Across a wide band around the cut, in steps of 1e-6 of it.
            if cut.is_finite() {
                let step = 1e-6 * cut.abs().max(1.0);
                xs.extend((-2000..=2000).map(|i| cut + f64::from(i) * step));
            }
            for x in xs {
                let sigma = 1.0 / (1.0 + (-x).exp());
                assert_eq!(d.positive(x), sigma >= t, "x {x} t {t}");
            }
        }
    }
}
