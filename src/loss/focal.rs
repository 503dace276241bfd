//! `focal`: torchvision's `sigmoid_focal_loss`.
//!
//! ```text
//! ℓ(x, y) = w · a(y) · bce(x, y) · (1 − pₜ)^γ,   pₜ = σ(x)·y + (1 − σ(x))·(1 − y),
//! a(y) = α·y + (1 − α)·(1 − y) if α ≥ 0, else 1
//! ```

use serde::{Deserialize, Serialize};

use super::kernel::{sigmoid, torch_pow};
use super::logit::bce_element;
use super::{Formula, Param, ParamError, RowWeights, Shape, apply_weight};

/// torchvision's `sigmoid_focal_loss`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Focal {
    /// Weight of positives, 1 − alpha of negatives, in [0, 1]; -1: no
    /// weighting.
    pub alpha: f64,
    /// The focusing exponent.
    pub gamma: f64,
}

impl Default for Focal {
    /// torchvision's defaults.
    fn default() -> Self {
        Focal {
            alpha: 0.25,
            gamma: 2.0,
        }
    }
}

impl Formula for Focal {
    fn about(&self) -> &'static str {
        "torchvision.ops.sigmoid_focal_loss"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let alpha = Param {
            name: "alpha",
            value_name: "A",
            help: "weight of positives (1 − alpha for negatives), in [0, 1]; -1 turns it off",
        };
        let gamma = Param {
            name: "gamma",
            value_name: "G",
            help: "the focusing exponent",
        };
        vec![(alpha, &mut self.alpha), (gamma, &mut self.gamma)]
    }

    fn check(&self) -> Result<(), ParamError> {
        // torchvision raises for any other alpha: one above 1 would make
        // the negatives' weight negative, and another negative one would
        // silently mean "off".
        if !(0.0..=1.0).contains(&self.alpha) && self.alpha != -1.0 {
            return Err(ParamError {
                param: "alpha",
                value: self.alpha,
                problem: "must be in [0, 1], or -1 for no weighting",
            });
        }
        ParamError::finite("gamma", self.gamma)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
            *o = self.element_given(sigmoid(x), y, bce_element(x, y));
        }
        apply_weight(out, weights.weight);
    }
}

impl Focal {
    /// The focal loss of one element from σ(x) `p` and its unweighted
    /// bce `ce`.
    #[inline]
    pub(super) fn element_given(&self, p: f64, y: f64, ce: f64) -> f64 {
        let Focal { alpha, gamma } = *self;
        let p_t = p * y + (1.0 - p) * (1.0 - y);
        let mut loss = ce * torch_pow(1.0 - p_t, gamma);
        if alpha != -1.0 {
            loss *= alpha * y + (1.0 - alpha) * (1.0 - y);
        }
        loss
    }
}
