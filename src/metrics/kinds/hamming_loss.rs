//! scikit-learn's `hamming_loss`: the fraction of the observed elements
//! predicted wrong.

use crate::metrics::family::{Computation, MetricKind, SampleCountsMetric, Totals};

pub struct HammingLoss;

impl HammingLoss {
    pub const HELP: &str = "hamming_loss: the fraction of (observed) elements predicted wrong";
}

impl MetricKind for HammingLoss {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleCounts(self)
    }
}

impl SampleCountsMetric for HammingLoss {
    fn value(&self, totals: &Totals) -> f64 {
        totals.wrong as f64 / totals.observed as f64
    }
}
