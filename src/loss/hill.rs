//! `hill`: the Hill loss (Zhang et al., "Simple and Robust Loss Design for
//! Multi-Label Learning with Missing Labels", 2021) as its reference
//! implementation computes it (xinyu1205/robust-loss-mlml,
//! `src/loss_functions/losses.py`, class `Hill`, which returns the sum).
//!
//! ```text
//! ℓ(x, y) = w · −[ y · log σ(x − m) + (1 − y) · −(λ − σ(x)) · σ(x)² ] · pₜ^γ,
//! pₜ = (1 − σ(x − m)) · y + (1 − y)
//! ```
//!
//! Term by term as the reference, except where σ(x − m) rounds to 0 or 1:
//! there the reference's log σ and 1 − σ lose the value (it gives ∞ for a
//! positive and NaN for a negative below x − m ≈ −745, and 0 instead of a
//! tiny positive loss above x − m ≈ 37), so mlloss takes the exact forms,
//! log σ(z) without overflow and 1 − σ(z) = σ(−z).

use serde::{Deserialize, Serialize};

use super::kernel::{log_sigmoid, sigmoid, torch_pow};
use super::rows::{CHUNK, exp_in_place};
use super::{Formula, Param, ParamError, RowWeights, Shape, apply_weight};

/// The Hill loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hill {
    /// λ in the negatives' weight λ − σ(x).
    pub lambda: f64,
    /// The margin subtracted from positives' logits.
    pub margin: f64,
    /// The focusing exponent of positives.
    pub gamma: f64,
}

impl Default for Hill {
    /// The reference implementation's defaults.
    fn default() -> Self {
        Hill {
            lambda: 1.5,
            margin: 1.0,
            gamma: 2.0,
        }
    }
}

impl Formula for Hill {
    fn about(&self) -> &'static str {
        "Hill loss, Zhang et al. 2021 (its reference returns the sum)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let lambda = Param {
            name: "lambda",
            value_name: "L",
            help: "λ in the negatives' weight (λ − σ(x))·σ(x)²",
        };
        let margin = Param {
            name: "margin",
            value_name: "M",
            help: "the margin subtracted from positives' logits",
        };
        let gamma = Param {
            name: "gamma",
            value_name: "G",
            help: "the focusing exponent of positives",
        };
        vec![
            (lambda, &mut self.lambda),
            (margin, &mut self.margin),
            (gamma, &mut self.gamma),
        ]
    }

    fn check(&self) -> Result<(), ParamError> {
        ParamError::finite("lambda", self.lambda)?;
        ParamError::finite("margin", self.margin)?;
        ParamError::finite("gamma", self.gamma)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let Hill {
            lambda,
            margin,
            gamma,
        } = *self;
        // exp(−(x − m)) and exp(−x) for σ(x − m) and σ(x), for a chunk at
        // once (σ as torch.sigmoid computes it: 1/(1 + exp(−z))).
        let (mut exps_pos, mut exps_neg) = ([0.0; CHUNK], [0.0; CHUNK]);
        for ((out, x), y) in out
            .chunks_mut(CHUNK)
            .zip(x.chunks(CHUNK))
            .zip(y.chunks(CHUNK))
        {
            let n = out.len();
            let (exps_pos, exps_neg) = (&mut exps_pos[..n], &mut exps_neg[..n]);
            for ((ep, en), &x) in exps_pos.iter_mut().zip(exps_neg.iter_mut()).zip(x) {
                *ep = -(x - margin);
                *en = -x;
            }
            exp_in_place(exps_pos);
            exp_in_place(exps_neg);
            let exps = exps_pos.iter().zip(&*exps_neg);
            for (((o, &x), &y), (&ep, &en)) in out.iter_mut().zip(x).zip(y).zip(exps) {
                let pred_neg = 1.0 / (1.0 + en);
                let los_neg = (1.0 - y) * -(lambda - pred_neg) * (pred_neg * pred_neg);
                if y == 0.0 {
                    // No positive term, even where log σ is −∞ (x = −∞, read
                    // with --nonfinite allow): 0, not 0 · −∞; and pₜ = 1 − σ
                    // times 0, plus 1, is 1 (σ(x − m) is in [0, 1] or NaN,
                    // and then so is los_neg), whose power is 1 for any γ.
                    *o = -(0.0 + los_neg);
                    continue;
                }
                let z = x - margin;
                let pred_pos = 1.0 / (1.0 + ep);
                let (log_pos, one_minus_pos) = if pred_pos == 0.0 || pred_pos == 1.0 {
                    (log_sigmoid(z), sigmoid(-z))
                } else {
                    (pred_pos.ln(), 1.0 - pred_pos)
                };
                let focal_weight = torch_pow(one_minus_pos * y + (1.0 - y), gamma);
                *o = -(y * log_pos + los_neg) * focal_weight;
            }
        }
        apply_weight(out, weights.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn losses(x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        Hill::default().element_losses(x, y, RowWeights::default(), &mut out);
        out
    }

    /// Where the reference's σ(x − m) underflows, the exact limits: a
    /// positive's loss grows like m − x, a negative's tends to 0; far
    /// above the margin a positive's loss is tiny but not 0.
    #[test]
    fn extreme_logits_give_the_exact_values() {
        let out = losses(&[-1000.0, -1000.0, 50.0], &[1.0, 0.0, 1.0]);
        assert_eq!(out[0], 1001.0);
        assert_eq!(out[1], 0.0);
        // −log σ(49) · σ(−49)² = e^−49 · e^−98 (to 1e-21 relative).
        let exact = (-147.0f64).exp();
        assert!((out[2] - exact).abs() <= 1e-15 * exact, "{}", out[2]);
    }

    #[test]
    fn moderate_logits_follow_the_formula() {
        let (x, y) = ([0.3, -1.2, 2.0], [1.0, 0.0, 1.0]);
        let out = losses(&x, &y);
        for i in 0..3 {
            let (p, pm) = (sigmoid(x[i]), sigmoid(x[i] - 1.0));
            let direct = if y[i] == 1.0 {
                -pm.ln() * (1.0 - pm).powi(2)
            } else {
                (1.5 - p) * p * p
            };
            assert!((out[i] - direct).abs() < 1e-15, "{} vs {direct}", out[i]);
        }
    }

    #[test]
    fn infinite_logits_give_the_limits() {
        let inf = f64::INFINITY;
        let out = losses(&[inf, -inf, -inf, inf], &[1.0, 0.0, 1.0, 0.0]);
        assert_eq!(out, [0.0, 0.0, inf, 0.5]);
    }
}
