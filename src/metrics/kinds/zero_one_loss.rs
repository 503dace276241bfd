//! scikit-learn's `zero_one_loss`: 1 − subset accuracy.

use crate::metrics::family::{Computation, MetricKind, SampleCountsMetric, Totals};

pub struct ZeroOneLoss;

impl ZeroOneLoss {
    pub const HELP: &str = "zero_one_loss: 1 − subset_accuracy";
}

impl MetricKind for ZeroOneLoss {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleCounts(self)
    }
}

impl SampleCountsMetric for ZeroOneLoss {
    fn value(&self, totals: &Totals) -> f64 {
        1.0 - totals.exact_rows as f64 / totals.rows as f64
    }
}
