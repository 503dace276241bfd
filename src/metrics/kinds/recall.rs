//! scikit-learn's `recall_score`: tp / (tp + fn).

use crate::metrics::family::{Computation, MetricKind, Settings, ThresholdedMetric, ratio};

pub struct Recall;

impl Recall {
    pub const HELP: &str = "recall_score: tp / (tp + fn)";
}

impl MetricKind for Recall {
    fn computation(&self) -> Computation<'_> {
        Computation::Thresholded(self)
    }
}

impl ThresholdedMetric for Recall {
    fn of_counts(&self, tp: f64, _fp: f64, fn_: f64, _settings: &Settings) -> Option<f64> {
        ratio(tp, tp + fn_)
    }

    fn zero_division_warning(&self) -> (&'static str, &'static str) {
        ("Recall is", "no true samples")
    }
}
