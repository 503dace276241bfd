//! `asl`: Asymmetric Loss (Ridnik et al., 2021), as its reference
//! implementation computes it (which returns the sum: `--reduction sum`).
//!
//! ```text
//! ℓ(x, y) = w · −[ y · log max(σ(x), 1e−8) + (1 − y) · log max(q₋, 1e−8) ] · (1 − pₜ)^γ(y)
//! q₋ = min(1 − σ(x) + m, 1) (m = clip; q₋ = 1 − σ(x) when m = 0),
//! pₜ = σ(x)·y + q₋·(1 − y),  γ(y) = γ₊·y + γ₋·(1 − y)
//! (no focusing factor when γ₊ = γ₋ = 0, as in the reference)
//! ```

use serde::{Deserialize, Serialize};

use super::kernel::sigmoid;
use super::{Formula, Param, ParamError, RowWeights, Shape, apply_weight};

/// The reference implementation's floor for probabilities inside `log`.
const EPS: f64 = 1e-8;

/// Asymmetric Loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Asymmetric {
    /// The focusing exponent of negatives.
    pub gamma_neg: f64,
    /// The focusing exponent of positives.
    pub gamma_pos: f64,
    /// Probability margin added to 1 − p for negatives; 0: no shifting.
    pub clip: f64,
}

impl Default for Asymmetric {
    /// The reference implementation's defaults.
    fn default() -> Self {
        Asymmetric {
            gamma_neg: 4.0,
            gamma_pos: 1.0,
            clip: 0.05,
        }
    }
}

impl Formula for Asymmetric {
    fn about(&self) -> &'static str {
        "Asymmetric Loss, Ridnik et al. 2021"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let gamma_neg = Param {
            name: "gamma-neg",
            value_name: "G",
            help: "the focusing exponent of negatives",
        };
        let gamma_pos = Param {
            name: "gamma-pos",
            value_name: "G",
            help: "the focusing exponent of positives",
        };
        let clip = Param {
            name: "clip",
            value_name: "M",
            help: "probability margin for negatives; 0 turns shifting off",
        };
        vec![
            (gamma_neg, &mut self.gamma_neg),
            (gamma_pos, &mut self.gamma_pos),
            (clip, &mut self.clip),
        ]
    }

    fn check(&self) -> Result<(), ParamError> {
        ParamError::finite("gamma-neg", self.gamma_neg)?;
        ParamError::finite("gamma-pos", self.gamma_pos)?;
        ParamError::finite("clip", self.clip)?;
        if self.clip < 0.0 {
            return Err(ParamError {
                param: "clip",
                value: self.clip,
                problem: "must not be negative",
            });
        }
        Ok(())
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let Asymmetric {
            gamma_neg,
            gamma_pos,
            clip,
        } = *self;
        for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
            let xs_pos = sigmoid(x);
            let mut xs_neg = 1.0 - xs_pos;
            if clip > 0.0 {
                xs_neg = (xs_neg + clip).min(1.0);
            }
            let los_pos = y * xs_pos.max(EPS).ln();
            let los_neg = (1.0 - y) * xs_neg.max(EPS).ln();
            let mut loss = los_pos + los_neg;
            if gamma_neg > 0.0 || gamma_pos > 0.0 {
                let pt = xs_pos * y + xs_neg * (1.0 - y);
                let one_sided_gamma = gamma_pos * y + gamma_neg * (1.0 - y);
                loss *= (1.0 - pt).powf(one_sided_gamma);
            }
            *o = -loss;
        }
        apply_weight(out, weights.weight);
    }
}
