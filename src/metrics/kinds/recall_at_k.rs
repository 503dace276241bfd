//! R@k of extreme classification (not in scikit-learn): the true labels
//! among a sample's k highest scores, over the sample's true labels. A
//! sample without a true label has none (`--undefined`); by default it
//! counts 0, as torchmetrics' `retrieval_recall` gives.

use crate::metrics::family::{
    Computation, Fallback, MetricKind, Param, RankingMetric, Settings, Use,
};
use crate::metrics::row::RankedRow;

pub struct RecallAtK;

impl RecallAtK {
    pub const HELP: &str =
        "R@k: true labels among each sample's k highest scores, over its true labels (--k)";
}

impl MetricKind for RecallAtK {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }

    fn uses(&self) -> &'static [Use] {
        const USES: &[Use] = &[Use::required(Param::K)];
        USES
    }
}

impl RankingMetric for RecallAtK {
    /// Ties: the lower class first, as P@k ([`RankedRow::positives_in_top`]).
    fn of_sample(&self, row: &RankedRow, _table: &[f64], settings: &Settings) -> Option<f64> {
        let positives = row.positives();
        if positives == 0 {
            return None;
        }
        let k = settings.k.unwrap_or(1);
        Some(row.positives_in_top(k) as f64 / positives as f64)
    }

    fn fallback(&self) -> Option<Fallback> {
        Some(Fallback {
            why: "no true label",
            value: 0.0,
            given_by: "torchmetrics' retrieval_recall",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::options::ZeroDivision;
    use crate::metrics::row::tests::ranked;

    fn recall_at(k: usize, scores: &[f64], targets: &[u8]) -> Option<f64> {
        let settings = Settings {
            beta: None,
            k: Some(k),
            zero_division: ZeroDivision::Warn,
        };
        RecallAtK.of_sample(&ranked(scores, targets), &[], &settings)
    }

    #[test]
    fn true_labels_found_in_the_top_k_over_all_true_labels() {
        assert_eq!(recall_at(1, &[0.9, 0.1, 0.5], &[1, 0, 1]), Some(0.5));
        assert_eq!(recall_at(2, &[0.9, 0.1, 0.5], &[1, 0, 1]), Some(1.0));
        // k beyond the classes: every true label is found.
        assert_eq!(recall_at(9, &[0.9, 0.1, 0.5], &[0, 1, 0]), Some(1.0));
        // Ties: the lower class first.
        assert_eq!(recall_at(1, &[0.5, 0.5, 0.5], &[0, 1, 0]), Some(0.0));
        assert_eq!(recall_at(2, &[0.5, 0.5, 0.5], &[0, 1, 0]), Some(1.0));
        assert_eq!(recall_at(2, &[0.5, 0.5], &[0, 0]), None);
    }
}
