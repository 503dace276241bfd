//! The point a decision rule puts on a unit's curve (`curves` with
//! `--threshold`, `--threshold-file` or `--top-k`): the rule's confusion
//! counts as the curve's coordinates, with the curve's own conventions
//! where a denominator is 0, so that the point lies where the curve is.
//!
//! - ROC: fpr = fp / (fp + tn), tpr = tp / (tp + fn); NaN where the unit
//!   has no negative (or positive) target, as `roc_curve` gives.
//! - Precision–recall: precision = tp / (tp + fp), and 1 where nothing is
//!   predicted (tp + fp = 0): the point `precision_recall_curve` ends with
//!   (recall 0, precision 1), not `precision_score`'s zero_division 0;
//!   recall = tp / (tp + fn), and 1 where the unit has no positive target,
//!   as `precision_recall_curve` gives.

/// A unit's confusion counts under a decision rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperatingPoint {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
    pub tn: u64,
}

fn ratio(part: u64, whole: u64, at_zero: f64) -> f64 {
    if whole == 0 {
        at_zero
    } else {
        part as f64 / whole as f64
    }
}

impl OperatingPoint {
    /// The counts of several units pooled (`--average micro`).
    pub fn pooled(points: impl Iterator<Item = OperatingPoint>) -> OperatingPoint {
        points.fold(OperatingPoint::default(), |a, b| OperatingPoint {
            tp: a.tp + b.tp,
            fp: a.fp + b.fp,
            fn_: a.fn_ + b.fn_,
            tn: a.tn + b.tn,
        })
    }

    /// (fpr, tpr).
    pub fn roc(&self) -> (f64, f64) {
        (
            ratio(self.fp, self.fp + self.tn, f64::NAN),
            ratio(self.tp, self.tp + self.fn_, f64::NAN),
        )
    }

    /// (precision, recall).
    pub fn precision_recall(&self) -> (f64, f64) {
        (
            ratio(self.tp, self.tp + self.fp, 1.0),
            ratio(self.tp, self.tp + self.fn_, 1.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_the_curves_conventions_at_zero() {
        let p = OperatingPoint {
            tp: 3,
            fp: 1,
            fn_: 1,
            tn: 5,
        };
        assert_eq!(p.roc(), (1.0 / 6.0, 0.75));
        assert_eq!(p.precision_recall(), (0.75, 0.75));
        let nothing_predicted = OperatingPoint {
            tp: 0,
            fp: 0,
            fn_: 2,
            tn: 3,
        };
        assert_eq!(nothing_predicted.precision_recall(), (1.0, 0.0));
        let no_positive = OperatingPoint {
            tp: 0,
            fp: 1,
            fn_: 0,
            tn: 3,
        };
        assert!(no_positive.roc().1.is_nan());
        assert_eq!(no_positive.precision_recall(), (0.0, 1.0));
        let both = OperatingPoint::pooled([p, no_positive].into_iter());
        assert_eq!((both.tp, both.fp, both.fn_, both.tn), (3, 2, 1, 8));
    }
}
