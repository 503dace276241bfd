//! scikit-learn's `label_ranking_loss`: of a sample, the pairs (positive,
//! negative) in which the negative scores at least as high, over n⁺ n⁻.

use crate::metrics::family::{Computation, MetricKind, RankingMetric, Settings};
use crate::metrics::row::RankedRow;

pub struct LabelRankingLoss;

impl LabelRankingLoss {
    pub const HELP: &str = "label_ranking_loss";
}

impl MetricKind for LabelRankingLoss {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }
}

impl RankingMetric for LabelRankingLoss {
    /// 0 when n⁺ or n⁻ is 0 (the order is then right).
    fn of_sample(&self, row: &RankedRow, _table: &[f64], _settings: &Settings) -> Option<f64> {
        let (pos, neg) = (row.positives(), row.len() - row.positives());
        if pos == 0 || neg == 0 {
            return Some(0.0);
        }
        let mut negatives_above = 0u64;
        let mut wrong = 0u64;
        for &(p, n) in row.groups() {
            negatives_above += n;
            wrong += p * negatives_above;
        }
        Some(wrong as f64 / (neg * pos) as f64)
    }
}
