//! The points of a unit's curves (a class, or every element pooled for
//! `--average micro`), as scikit-learn draws them: `roc_curve`,
//! `precision_recall_curve` and `calibration_curve`, and the macro ROC of
//! scikit-learn's multi-class ROC example. Pure: each curve is a sink fed
//! the unit's distinct scores highest first (`push(score, positives,
//! negatives)`, the walk `curves` shares with exact AUROC), and gives its
//! points at `finish`.

pub mod macro_roc;
pub mod operating_point;
pub mod precision_recall;
pub mod reliability;
pub mod roc;

pub use macro_roc::{MacroRoc, fpr_grid, interpolate};
pub use operating_point::OperatingPoint;
pub use precision_recall::{PrPoint, PrPoints, average_precision};
pub use reliability::{Binning, ReliabilityBin, ReliabilityBins};
pub use roc::{RocPoint, RocPoints};

/// σ(x) = 1 / (1 + e^−x), the probability of a logit, written as the
/// reference generator computes it.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The area under points `(x, y)` by the trapezoidal rule (scikit-learn's
/// `auc`): for the legend of a plot.
pub fn trapezoid(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let mut area = 0.0;
    let mut previous: Option<(f64, f64)> = None;
    for (x, y) in points {
        if let Some((x0, y0)) = previous {
            area += (x - x0) * (y + y0) / 2.0;
        }
        previous = Some((x, y));
    }
    area
}

#[cfg(test)]
mod reference;

impl crate::metrics::curve::GroupSink for RocPoints {
    #[inline]
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        RocPoints::push(self, score, positives, negatives);
    }
}

impl crate::metrics::curve::GroupSink for PrPoints {
    #[inline]
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        PrPoints::push(self, score, positives, negatives);
    }
}

impl crate::metrics::curve::GroupSink for ReliabilityBins {
    #[inline]
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        ReliabilityBins::push(self, score, positives, negatives);
    }
}
