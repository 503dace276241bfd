//! `bce-probs`: `torch.nn.BCELoss`, on probabilities q in LOGITS.
//!
//! ```text
//! ℓ(q, y) = w · [ (y − 1) · max(log1p(−q), −100) − y · max(log q, −100) ]
//! ```

use serde::{Deserialize, Serialize};

use super::{Formula, RowWeights, Shape, apply_weight};
use crate::domain::Domain;

/// torch.nn.BCELoss's floor for each log term.
const LOG_FLOOR: f64 = -100.0;

/// `torch.nn.BCELoss`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BceProbs {}

impl Formula for BceProbs {
    fn about(&self) -> &'static str {
        "torch.nn.BCELoss, on probabilities (each log term clamped at -100)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn takes_logits(&self) -> bool {
        false
    }

    fn logits_domain(&self) -> Domain {
        Domain::PROBABILITY
    }

    fn element_losses(&self, q: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        for ((o, &q), &y) in out.iter_mut().zip(q).zip(y) {
            *o = (y - 1.0) * (-q).ln_1p().max(LOG_FLOOR) - y * q.ln().max(LOG_FLOOR);
        }
        apply_weight(out, weights.weight);
    }
}
