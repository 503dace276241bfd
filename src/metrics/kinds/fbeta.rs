//! scikit-learn's `fbeta_score`, of β = `--beta`.

use super::f1::f_score;
use crate::metrics::family::{Computation, MetricKind, Param, Settings, ThresholdedMetric, Use};

pub struct Fbeta;

impl Fbeta {
    pub const HELP: &str = "fbeta_score (--beta)";
}

impl MetricKind for Fbeta {
    fn computation(&self) -> Computation<'_> {
        Computation::Thresholded(self)
    }

    fn uses(&self) -> &'static [Use] {
        const USES: &[Use] = &[Use::required(Param::Beta).misuse_hint("f1 is β = 1")];
        USES
    }
}

impl ThresholdedMetric for Fbeta {
    fn of_counts(&self, tp: f64, fp: f64, fn_: f64, settings: &Settings) -> Option<f64> {
        f_score(tp, fp, fn_, settings.beta.unwrap_or(1.0).powi(2))
    }

    fn zero_division_warning(&self) -> (&'static str, &'static str) {
        ("F-score is", "no true nor predicted samples")
    }
}
