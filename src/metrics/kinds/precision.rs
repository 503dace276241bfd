//! scikit-learn's `precision_score`: tp / (tp + fp).

use crate::metrics::family::{Computation, MetricKind, Settings, ThresholdedMetric, ratio};

pub struct Precision;

impl Precision {
    pub const HELP: &str = "precision_score: tp / (tp + fp)";
}

impl MetricKind for Precision {
    fn computation(&self) -> Computation<'_> {
        Computation::Thresholded(self)
    }
}

impl ThresholdedMetric for Precision {
    fn of_counts(&self, tp: f64, fp: f64, _fn: f64, _settings: &Settings) -> Option<f64> {
        ratio(tp, tp + fp)
    }

    fn zero_division_warning(&self) -> (&'static str, &'static str) {
        ("Precision is", "no predicted samples")
    }
}
