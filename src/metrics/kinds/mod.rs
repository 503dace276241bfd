//! The registry of metrics: one line per metric in `register_metrics!`
//! below, naming its `--metric` value (scikit-learn's spelling, also the
//! name in outputs and `--partial` states) and its module, which holds
//! everything else (see [`crate::metrics::family`]).
//!
//! The order of the lines is the order of `--metric`'s list in `--help`.

use serde::{Deserialize, Serialize};

use super::family::{Computation, Fallback, Family, MetricKind, Param, Use};

/// Declares [`Metric`], one variant per metric, and its module:
/// `Variant(module::Type) = "name"`, where `module.rs` (beside this file)
/// defines `Type`, which implements [`MetricKind`] and has a `HELP` line
/// (its description in shell completions).
macro_rules! register_metrics {
    ($($variant:ident($module:ident::$ty:ident) = $name:literal,)*) => {
        $(mod $module;)*

        /// A metric, by scikit-learn's name (`--metric`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Metric {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl Metric {
            /// Every metric, in the registry's order.
            pub const ALL: &[Metric] = &[$(Metric::$variant,)*];

            /// Its name in `--metric`, outputs, messages and states.
            pub fn name(self) -> &'static str {
                match self {
                    $(Metric::$variant => $name,)*
                }
            }

            /// Its definition.
            pub fn kind(self) -> &'static dyn MetricKind {
                match self {
                    $(Metric::$variant => &$module::$ty,)*
                }
            }

            fn help(self) -> &'static str {
                match self {
                    $(Metric::$variant => $module::$ty::HELP,)*
                }
            }
        }
    };
}

register_metrics! {
    HammingLoss(hamming_loss::HammingLoss) = "hamming_loss",
    SubsetAccuracy(subset_accuracy::SubsetAccuracy) = "subset_accuracy",
    ZeroOneLoss(zero_one_loss::ZeroOneLoss) = "zero_one_loss",
    Jaccard(jaccard::Jaccard) = "jaccard",
    Precision(precision::Precision) = "precision",
    Recall(recall::Recall) = "recall",
    F1(f1::F1) = "f1",
    Fbeta(fbeta::Fbeta) = "fbeta",
    RocAuc(roc_auc::RocAuc) = "roc_auc",
    AveragePrecision(average_precision::AveragePrecision) = "average_precision",
    Ece(ece::Ece) = "ece",
    Mce(mce::Mce) = "mce",
    Brier(brier::Brier) = "brier",
    LabelRankingLoss(label_ranking_loss::LabelRankingLoss) = "label_ranking_loss",
    CoverageError(coverage_error::CoverageError) = "coverage_error",
    Lrap(lrap::Lrap) = "lrap",
    Ndcg(ndcg::Ndcg) = "ndcg",
    PrecisionAtK(precision_at_k::PrecisionAtK) = "precision_at_k",
    RecallAtK(recall_at_k::RecallAtK) = "recall_at_k",
}

impl Metric {
    /// The metrics `--metric` computes when not given.
    pub const DEFAULTS: &[Metric] = &[
        Metric::HammingLoss,
        Metric::SubsetAccuracy,
        Metric::F1,
        Metric::RocAuc,
        Metric::AveragePrecision,
    ];

    pub fn family(self) -> Family {
        self.kind().computation().family()
    }

    /// Whether `--average` applies.
    pub fn takes_average(self) -> bool {
        matches!(
            self.family(),
            Family::Thresholded | Family::Curve | Family::Calibration
        )
    }

    /// What an undefined unit gives by default, if the metric has
    /// undefined units that `--undefined` decides about.
    pub fn fallback(self) -> Option<Fallback> {
        match self.kind().computation() {
            Computation::Curve(m) => Some(m.fallback()),
            Computation::SampleRanking(m) => m.fallback(),
            _ => None,
        }
    }

    /// How the metric uses `param`, if it takes it.
    pub fn use_of(self, param: Param) -> Option<Use> {
        match param {
            Param::Bins => (self.family() == Family::Curve).then_some(Use::accepted(param)),
            Param::Undefined => self.fallback().map(|_| Use::accepted(param)),
            _ => self
                .kind()
                .uses()
                .iter()
                .find(|u| u.param == param)
                .copied(),
        }
    }

    /// The metrics that take `param`, in the registry's order.
    pub fn taking(param: Param) -> impl Iterator<Item = (Metric, Use)> {
        Metric::ALL
            .iter()
            .filter_map(move |&m| m.use_of(param).map(|u| (m, u)))
    }
}

impl clap::ValueEnum for Metric {
    fn value_variants<'a>() -> &'a [Self] {
        Metric::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.help()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::family::Settings;
    use crate::metrics::options::ZeroDivision;
    use crate::metrics::row::tests::ranked;

    /// One sample's value of a ranking metric, with `--k k`.
    fn of_sample(metric: Metric, scores: &[f64], targets: &[u8], k: Option<usize>) -> Option<f64> {
        let settings = Settings {
            beta: None,
            k,
            zero_division: ZeroDivision::Warn,
        };
        let Computation::SampleRanking(m) = metric.kind().computation() else {
            panic!("{} is not a ranking metric", metric.name());
        };
        let table = m.table(&settings, scores.len());
        m.of_sample(&ranked(scores, targets), &table, &settings)
    }

    #[test]
    fn ranking_metrics_of_one_sample() {
        // scikit-learn's docstring examples, one sample at a time.
        let one = |m, s: &[f64], t: &[u8]| of_sample(m, s, t, Some(1)).unwrap();
        let (s, t) = (&[0.75, 0.5, 1.0], &[1, 0, 0]);
        assert_eq!(one(Metric::Lrap, s, t), 0.5);
        assert_eq!(one(Metric::CoverageError, s, t), 2.0);
        assert_eq!(one(Metric::LabelRankingLoss, s, t), 0.5);
        let (s, t) = (&[1.0, 0.2, 0.1], &[0, 0, 1]);
        assert_eq!(one(Metric::Lrap, s, t), 1.0 / 3.0);
        assert_eq!(one(Metric::CoverageError, s, t), 3.0);
        assert_eq!(one(Metric::PrecisionAtK, s, t), 0.0);
        // Ties: P@k takes the lower class first.
        let (s, t) = (&[0.5, 0.5, 0.5], &[0, 1, 0]);
        assert_eq!(one(Metric::PrecisionAtK, s, t), 0.0);
        assert_eq!(of_sample(Metric::PrecisionAtK, s, t, Some(2)), Some(0.5));
        assert_eq!(one(Metric::LabelRankingLoss, s, t), 1.0);
    }

    #[test]
    fn names_are_distinct_and_parse_back() {
        use clap::ValueEnum;
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert!(Metric::ALL[..i].iter().all(|o| o.name() != m.name()));
            assert_eq!(Metric::from_str(m.name(), false), Ok(*m));
            let json = serde_json::to_string(m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
        }
    }
}
