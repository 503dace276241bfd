//! scikit-learn's `average_precision_score`, from the scores as given.

use crate::metrics::curve::Curve;
use crate::metrics::family::{Computation, CurveMetric, Fallback, MetricKind};

pub struct AveragePrecision;

impl AveragePrecision {
    pub const HELP: &str = "average_precision_score, from the scores as given";
}

impl MetricKind for AveragePrecision {
    fn computation(&self) -> Computation<'_> {
        Computation::Curve(self)
    }
}

impl CurveMetric for AveragePrecision {
    fn fallback(&self) -> Fallback {
        Fallback {
        why: "no positive target",
        value: 0.0,
        given_by: "scikit-learn 1.9.1",
    }
    }

    fn of_curve(&self, curve: &Curve) -> Option<f64> {
        curve.average_precision()
    }
}
