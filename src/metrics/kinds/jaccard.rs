//! scikit-learn's `jaccard_score`: tp / (tp + fp + fn).

use crate::metrics::family::{
    Computation, MetricKind, Settings, SpecProblem, ThresholdedMetric, ratio,
};
use crate::metrics::options::ZeroDivision;

pub struct Jaccard;

impl Jaccard {
    pub const HELP: &str = "jaccard_score: tp / (tp + fp + fn)";
}

impl MetricKind for Jaccard {
    fn computation(&self) -> Computation<'_> {
        Computation::Thresholded(self)
    }

    fn check(&self, settings: &Settings) -> Result<(), SpecProblem> {
        match settings.zero_division {
            ZeroDivision::Value(v) if v.is_nan() => Err(SpecProblem {
                field: "zero_division",
                message: "jaccard takes --zero-division 0 or 1, not nan (as scikit-learn 1.9.1's \
                          jaccard_score)"
                    .to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

impl ThresholdedMetric for Jaccard {
    fn of_counts(&self, tp: f64, fp: f64, fn_: f64, _settings: &Settings) -> Option<f64> {
        ratio(tp, tp + fp + fn_)
    }

    fn zero_division_warning(&self) -> (&'static str, &'static str) {
        ("Jaccard is", "no true or predicted samples")
    }

    /// scikit-learn refuses `zero_division=nan` for it: a NaN is not left
    /// out of its averages.
    fn averages_keep_nan(&self) -> bool {
        true
    }
}
