//! `splc`: Self-Paced Loss Correction with the focal margin loss (Zhang et
//! al., "Simple Loss Design for Multi-Label Learning with Missing Labels",
//! 2021), as its reference code computes it (xinyu1205/robust-loss-mlml,
//! `src/loss_functions/losses.py`, class `SPLC`, which returns the sum).
//!
//! ```text
//! z = x − m where y = 1, else x          (the margin, on labelled positives)
//! y' = 1 where epoch ≥ E₀ and σ(z) > τ, else y   (missing-label correction)
//! pₜ = (1 − σ(z))·y' + σ(z)·(1 − y')
//! ℓ(x, y) = w · −[ y'·log σ(z) + (1 − y')·log σ(−z) ] · pₜ^γ
//! ```
//!
//! A negative relabelled positive keeps its logit without the margin, as
//! the reference does (the margin is subtracted before the correction).

use serde::{Deserialize, Serialize};

use super::kernel::torch_pow;
use super::rows::{CHUNK, exp_in_place, log1p_exp_neg_abs};
use super::{Formula, Param, ParamError, RowWeights, Shape, Slot, apply_weight};

/// SPLC with the focal margin loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Splc {
    /// The threshold on σ above which a negative counts as a positive.
    pub tau: f64,
    /// Subtracted from the logits of labelled positives.
    pub margin: f64,
    /// The focusing exponent.
    pub gamma: f64,
    /// The training epoch the loss is computed at (0-based); required.
    pub epoch: Option<u64>,
    /// The first epoch at which negatives are relabelled.
    pub change_epoch: u64,
}

impl Default for Splc {
    /// The reference's defaults (it has none for the epoch).
    fn default() -> Self {
        Splc {
            tau: 0.6,
            margin: 1.0,
            gamma: 2.0,
            epoch: None,
            change_epoch: 1,
        }
    }
}

impl Formula for Splc {
    fn about(&self) -> &'static str {
        "SPLC with the focal margin loss, Zhang et al. 2021 (reference returns the sum)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn typed_params(&mut self) -> Vec<(Param, Slot<'_>)> {
        let tau = Param {
            name: "tau",
            value_name: "T",
            help: "negatives with σ(x) > T count as positives from --change-epoch on",
        };
        let margin = Param {
            name: "margin",
            value_name: "M",
            help: "subtracted from the logits of labelled positives",
        };
        let gamma = Param {
            name: "gamma",
            value_name: "G",
            help: "the focusing exponent",
        };
        let epoch = Param {
            name: "epoch",
            value_name: "E",
            help: "the epoch the loss is computed at, counted from 0",
        };
        let change_epoch = Param {
            name: "change-epoch",
            value_name: "E",
            help: "the first epoch at which negatives are relabelled",
        };
        vec![
            (tau, Slot::Number(&mut self.tau)),
            (margin, Slot::Number(&mut self.margin)),
            (gamma, Slot::Number(&mut self.gamma)),
            (
                epoch,
                Slot::RequiredCount {
                    value: &mut self.epoch,
                    needs: "the 0-based epoch, as the reference's training script passes it",
                },
            ),
            (change_epoch, Slot::Count(&mut self.change_epoch)),
        ]
    }

    fn check(&self) -> Result<(), ParamError> {
        ParamError::finite("tau", self.tau)?;
        ParamError::finite("margin", self.margin)?;
        ParamError::finite("gamma", self.gamma)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let Splc {
            tau,
            margin,
            gamma,
            epoch,
            change_epoch,
        } = *self;
        // The command line requires the epoch; a kind built without one
        // (the registry's defaults) is at epoch 0.
        let correcting = epoch.unwrap_or(0) >= change_epoch;
        // z, then log1p(exp(−|z|)) (log σ(±z) share it) and exp(−z) for σ(z),
        // for a chunk at once.
        let (mut shifted, mut softplus, mut exps) = ([0.0; CHUNK], [0.0; CHUNK], [0.0; CHUNK]);
        for ((out, x), y) in out
            .chunks_mut(CHUNK)
            .zip(x.chunks(CHUNK))
            .zip(y.chunks(CHUNK))
        {
            let n = out.len();
            let (z, softplus, exps) = (&mut shifted[..n], &mut softplus[..n], &mut exps[..n]);
            for (((z, e), &x), &y) in z.iter_mut().zip(exps.iter_mut()).zip(x).zip(y) {
                *z = if y == 1.0 { x - margin } else { x };
                *e = -*z;
            }
            log1p_exp_neg_abs(z, softplus);
            exp_in_place(exps);
            let terms = z.iter().zip(&*softplus).zip(&*exps);
            for ((o, ((&z, &softplus), &e)), &y) in out.iter_mut().zip(terms).zip(y) {
                // σ(z) as torch.sigmoid computes it.
                let p = 1.0 / (1.0 + e);
                let y = if correcting && p > tau { 1.0 } else { y };
                let p_t = (1.0 - p) * y + p * (1.0 - y);
                let (log_p, log_q) = (z.min(0.0) - softplus, (-z).min(0.0) - softplus);
                // A term whose factor is 0 is 0, also where its log is −∞
                // (x = ±∞ with `--nonfinite allow`; the reference's 0·(−∞)
                // is NaN where the loss tends to 0).
                let term = |c: f64, log: f64| {
                    if c == 0.0 && log == f64::NEG_INFINITY {
                        -0.0
                    } else {
                        c * log
                    }
                };
                let loss = -(term(y, log_p) + term(1.0 - y, log_q));
                *o = loss * torch_pow(p_t, gamma);
            }
        }
        apply_weight(out, weights.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::kernel::sigmoid;
    use crate::loss::log_sigmoid;

    fn losses(splc: &Splc, x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        splc.element_losses(x, y, RowWeights::default(), &mut out);
        out
    }

    #[test]
    fn negatives_above_tau_count_as_positives_from_the_change_epoch() {
        let at = |epoch| Splc {
            epoch: Some(epoch),
            ..Splc::default()
        };
        // σ(2) ≈ 0.88 > 0.6: relabelled at epoch 1, with the unshifted logit.
        let [before, after] = [0, 1].map(|e| losses(&at(e), &[2.0], &[0.0])[0]);
        let p = sigmoid(2.0);
        assert_eq!(before, -log_sigmoid(-2.0) * (p * p));
        assert_eq!(after, -log_sigmoid(2.0) * ((1.0 - p) * (1.0 - p)));
        // The limits at ±1000 are finite: the positive's loss is |z|.
        let far = losses(&at(0), &[-1000.0, 1000.0], &[1.0, 0.0]);
        assert_eq!(far, [1001.0, 1000.0]);
    }

    /// ±∞ logits give the limits where the reference's 0·(−∞) is NaN:
    /// 0 on the right side (also for a negative relabelled at +∞), +∞ on
    /// the wrong one.
    #[test]
    fn infinite_logits_give_the_limits() {
        let inf = f64::INFINITY;
        let (x, y) = ([inf, -inf, inf, -inf], [1.0, 0.0, 0.0, 1.0]);
        let before = losses(&Splc::default(), &x, &y);
        assert_eq!(before, [0.0, 0.0, inf, inf]);
        let after = Splc {
            epoch: Some(1),
            ..Splc::default()
        };
        assert_eq!(losses(&after, &x, &y), [0.0, 0.0, 0.0, inf]);
        assert!(losses(&after, &[f64::NAN], &[1.0])[0].is_nan());
    }
}
