//! Maximum calibration error: torchmetrics' `BinaryCalibrationError(n_bins,
//! norm="max")` of each class's probabilities (σ of logits).

use crate::metrics::calibration::{CalibrationUnit, maximum_error};
use crate::metrics::family::{CalibrationMetric, Computation, MetricKind};

pub struct Mce;

impl Mce {
    pub const HELP: &str = "maximum calibration error: the largest |accuracy − confidence| over the \
         bins of σ(x) or p (torchmetrics' BinaryCalibrationError, norm max)";
}

impl MetricKind for Mce {
    fn computation(&self) -> Computation<'_> {
        Computation::Calibration(self)
    }
}

impl CalibrationMetric for Mce {
    fn of_unit(&self, unit: &CalibrationUnit) -> Option<f64> {
        maximum_error(unit.bins)
    }

    fn binned(&self) -> bool {
        true
    }
}
