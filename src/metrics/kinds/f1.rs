//! scikit-learn's `f1_score`: the F-score of β = 1.

use crate::metrics::family::{Computation, MetricKind, Settings, ThresholdedMetric, ratio};

pub struct F1;

impl F1 {
    pub const HELP: &str = "f1_score";
}

/// The F-score of β² = `beta2`, as scikit-learn computes it:
/// (1 + β²) tp / (β² (tp + fn) + tp + fp).
#[inline]
pub fn f_score(tp: f64, fp: f64, fn_: f64, beta2: f64) -> Option<f64> {
    ratio((1.0 + beta2) * tp, beta2 * (tp + fn_) + (tp + fp))
}

impl MetricKind for F1 {
    fn computation(&self) -> Computation<'_> {
        Computation::Thresholded(self)
    }
}

impl ThresholdedMetric for F1 {
    fn of_counts(&self, tp: f64, fp: f64, fn_: f64, _settings: &Settings) -> Option<f64> {
        f_score(tp, fp, fn_, 1.0)
    }

    fn zero_division_warning(&self) -> (&'static str, &'static str) {
        ("F-score is", "no true nor predicted samples")
    }
}
