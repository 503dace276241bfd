//! scikit-learn's `label_ranking_average_precision_score`.

use crate::metrics::family::{Computation, MetricKind, RankingMetric, Settings};
use crate::metrics::row::RankedRow;

pub struct Lrap;

impl Lrap {
    pub const HELP: &str = "label_ranking_average_precision_score";
}

impl MetricKind for Lrap {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }
}

impl RankingMetric for Lrap {
    /// The mean over positives of (positives ranked at or above it) /
    /// (elements ranked at or above it); 1 when n⁺ is 0 or n.
    fn of_sample(&self, row: &RankedRow, _table: &[f64], _settings: &Settings) -> Option<f64> {
        let pos = row.positives();
        if pos == 0 || pos == row.len() {
            return Some(1.0);
        }
        let (mut rank, mut relevant) = (0u64, 0u64);
        let mut sum = 0.0;
        for &(p, n) in row.groups() {
            rank += p + n;
            relevant += p;
            for _ in 0..p {
                sum += relevant as f64 / rank as f64;
            }
        }
        Some(sum / pos as f64)
    }
}
