//! scikit-learn's `brier_score_loss` of each class: the mean of (p − y)²
//! over its observed elements (p = σ(x) of logits).

use crate::metrics::calibration::{CalibrationUnit, brier};
use crate::metrics::family::{CalibrationMetric, Computation, MetricKind};

pub struct Brier;

impl Brier {
    pub const HELP: &str = "brier_score_loss: the mean of (σ(x) − y)² or (p − y)²";
}

impl MetricKind for Brier {
    fn computation(&self) -> Computation<'_> {
        Computation::Calibration(self)
    }
}

impl CalibrationMetric for Brier {
    fn of_unit(&self, unit: &CalibrationUnit) -> Option<f64> {
        brier(unit)
    }

    fn binned(&self) -> bool {
        false
    }
}
