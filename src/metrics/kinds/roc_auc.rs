//! scikit-learn's `roc_auc_score`, from the scores as given: the area
//! under the ROC curve of a unit (a class, a sample, or all elements).

use crate::metrics::curve::Curve;
use crate::metrics::family::{Computation, CurveMetric, Fallback, MetricKind};

pub struct RocAuc;

impl RocAuc {
    pub const HELP: &str = "roc_auc_score, from the scores as given";
}

impl MetricKind for RocAuc {
    fn computation(&self) -> Computation<'_> {
        Computation::Curve(self)
    }
}

impl CurveMetric for RocAuc {
    fn fallback(&self) -> Fallback {
        Fallback {
        why: "no positive or no negative target",
        value: f64::NAN,
        given_by: "scikit-learn 1.9.1",
    }
    }

    fn of_curve(&self, curve: &Curve) -> Option<f64> {
        curve.roc_auc()
    }

    fn binned_bound(&self) -> bool {
        true
    }
}
