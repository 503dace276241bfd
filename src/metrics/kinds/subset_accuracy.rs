//! scikit-learn's `accuracy_score` on multi-label input: the fraction of
//! the samples whose observed elements are all predicted right.

use crate::metrics::family::{Computation, MetricKind, SampleCountsMetric, Totals};

pub struct SubsetAccuracy;

impl SubsetAccuracy {
    pub const HELP: &str =
        "accuracy_score on multi-label input: the fraction of samples predicted exactly";
}

impl MetricKind for SubsetAccuracy {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleCounts(self)
    }
}

impl SampleCountsMetric for SubsetAccuracy {
    fn value(&self, totals: &Totals) -> f64 {
        totals.exact_rows as f64 / totals.rows as f64
    }
}
