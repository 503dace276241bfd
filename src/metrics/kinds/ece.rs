//! Expected calibration error: torchmetrics' `BinaryCalibrationError(n_bins,
//! norm="l1")` of each class's probabilities (σ of logits).

use crate::metrics::calibration::{CalibrationUnit, expected_error};
use crate::metrics::family::{CalibrationMetric, Computation, MetricKind};

pub struct Ece;

impl Ece {
    pub const HELP: &str = "expected calibration error: Σ |accuracy − confidence| · share over the \
         bins of σ(x) or p (torchmetrics' BinaryCalibrationError, norm l1)";
}

impl MetricKind for Ece {
    fn computation(&self) -> Computation<'_> {
        Computation::Calibration(self)
    }
}

impl CalibrationMetric for Ece {
    fn of_unit(&self, unit: &CalibrationUnit) -> Option<f64> {
        expected_error(unit.bins)
    }

    fn binned(&self) -> bool {
        true
    }
}
