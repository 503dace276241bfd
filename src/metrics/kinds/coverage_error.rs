//! scikit-learn's `coverage_error`: how far down a sample's ranking all
//! its positives are.

use crate::metrics::family::{Computation, MetricKind, RankingMetric, Settings};
use crate::metrics::row::RankedRow;

pub struct CoverageError;

impl CoverageError {
    pub const HELP: &str = "coverage_error";
}

impl MetricKind for CoverageError {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }
}

impl RankingMetric for CoverageError {
    /// The elements scoring at least the lowest positive; 0 without
    /// positives.
    fn of_sample(&self, row: &RankedRow, _table: &[f64], _settings: &Settings) -> Option<f64> {
        let mut seen = 0u64;
        let mut coverage = 0u64;
        for &(p, n) in row.groups() {
            seen += p + n;
            if p > 0 {
                coverage = seen;
            }
        }
        Some(coverage as f64)
    }

    fn largest_value(&self, classes: usize) -> f64 {
        classes as f64
    }
}
