//! `class-balanced`: the class-balanced loss of Cui et al. (CVPR 2019),
//! for multi-label targets: each element of class c weighted by
//!
//! ```text
//! w_c = C · v_c / Σₖ v_k,   v_c = (1 − β)/(1 − β^{n_c})
//! ℓ(x, y) = w · w_c · bce(x, y)                       (--base bce)
//! ℓ(x, y) = w · w_c · sigmoid_focal_loss(x, y; α, γ)  (--base focal)
//! ```
//!
//! as vandit15/Class-balanced-loss-pytorch (`CB_loss`) and the official
//! richardaecn/class-balanced-loss compute the weights. Those references
//! are single-label (each sample takes its label's weight, the sum divided
//! by the number of positives); the multi-label reading weights elements.

use serde::{Deserialize, Serialize};

use super::focal::Focal;
use super::logit::bce_element;
use super::rows::{CHUNK, exp_in_place, log1p_exp_neg_abs};
use super::{Choice, Formula, Param, ParamError, RowWeights, Shape, Slot, apply_weight};

/// The class-balanced loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassBalanced {
    /// β of the effective number of samples (1 − β^n)/(1 − β).
    pub beta: f64,
    /// The training samples of each class; required.
    pub class_counts: Option<Vec<u64>>,
    /// The loss that is weighted.
    pub base: Base,
    /// torchvision's alpha with the focal base; none: no alpha weighting.
    pub alpha: Option<f64>,
    /// The focusing exponent with the focal base.
    pub gamma: f64,
    /// w_c, from the counts ([`Formula::prepare`]); empty before, which
    /// weighs every class 1 (as equal counts do).
    #[serde(skip)]
    class_weights: Vec<f64>,
}

/// The loss that the class weights multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    /// `binary_cross_entropy_with_logits`.
    #[default]
    Bce,
    /// torchvision's `sigmoid_focal_loss`.
    Focal,
}

impl Choice for Base {
    fn names(&self) -> &'static [&'static str] {
        &["bce", "focal"]
    }

    fn index(&self) -> usize {
        *self as usize
    }

    fn select(&mut self, index: usize) {
        *self = if index == 1 { Base::Focal } else { Base::Bce };
    }
}

impl Default for ClassBalanced {
    /// β of the paper's class-balanced runs; no alpha, since w_c plays its
    /// part in the references.
    fn default() -> Self {
        ClassBalanced {
            beta: 0.9999,
            class_counts: None,
            base: Base::Bce,
            alpha: None,
            gamma: 2.0,
            class_weights: Vec::new(),
        }
    }
}

/// The normalised class-balanced weights of `counts` (each ≥ 1).
fn class_weights(beta: f64, counts: &[u64]) -> Vec<f64> {
    let raw: Vec<f64> = counts
        .iter()
        .map(|&n| (1.0 - beta) / (1.0 - beta.powf(n as f64)))
        .collect();
    let total: f64 = raw.iter().sum();
    let classes = counts.len() as f64;
    raw.iter().map(|v| v / total * classes).collect()
}

impl Formula for ClassBalanced {
    fn about(&self) -> &'static str {
        "class-balanced loss, Cui et al. 2019, per element (reference returns the mean)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn typed_params(&mut self) -> Vec<(Param, Slot<'_>)> {
        let beta = Param {
            name: "beta",
            value_name: "B",
            help: "w_c = (1 − B)/(1 − B^n_c), scaled to sum to C; in [0, 1)",
        };
        let counts = Param {
            name: "class-counts",
            value_name: "C1,…,CC|FILE",
            help: "training samples of each class, or a FILE of them (one per line, a CSV line \
                   or a JSON list)",
        };
        let base = Param {
            name: "base",
            value_name: "LOSS",
            help: "the loss weighted: bce or focal (torchvision's sigmoid_focal_loss)",
        };
        let alpha = Param {
            name: "alpha",
            value_name: "A",
            help: "with --base focal: torchvision's alpha, in [0, 1] (-1: none)",
        };
        let gamma = Param {
            name: "gamma",
            value_name: "G",
            help: "with --base focal: the focusing exponent",
        };
        let needs = "the training samples of each class, which give the class weights";
        vec![
            (beta, Slot::Number(&mut self.beta)),
            (
                counts,
                Slot::ClassCounts {
                    value: &mut self.class_counts,
                    needs,
                },
            ),
            (base, Slot::Choice(&mut self.base)),
            (alpha, Slot::OptionalNumber(&mut self.alpha)),
            (gamma, Slot::Number(&mut self.gamma)),
        ]
    }

    fn check(&self) -> Result<(), ParamError> {
        if !(0.0..1.0).contains(&self.beta) {
            return Err(ParamError {
                param: "beta",
                value: self.beta,
                problem: "must be in [0, 1)",
            });
        }
        if let Some(alpha) = self.alpha {
            // torchvision's check, as for --kind focal.
            Focal { alpha, gamma: 0.0 }.check()?;
        }
        ParamError::finite("gamma", self.gamma)
    }

    fn check_typed(&self) -> Result<(), String> {
        if self.base == Base::Bce && self.alpha.is_some() {
            return Err("--alpha applies to --kind class-balanced with --base focal only".into());
        }
        let counts = self.class_counts.as_deref().unwrap_or_default();
        if let Some(class) = counts.iter().position(|&n| n == 0) {
            return Err(format!(
                "--class-counts gives class {class} (0-based) no training samples: its weight \
                 (1 − β)/(1 − β⁰) is 1/0 (the references divide by zero too); give every class \
                 a count ≥ 1"
            ));
        }
        Ok(())
    }

    fn prepare(&mut self) {
        let counts = self.class_counts.as_deref().unwrap_or_default();
        self.class_weights = class_weights(self.beta, counts);
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let focal = match self.base {
            Base::Bce => None,
            Base::Focal => Some(Focal {
                alpha: self.alpha.unwrap_or(-1.0),
                gamma: self.gamma,
            }),
        };
        // log1p(exp(−|x|)) for a chunk at once, then bce from it as
        // BCEWithLogitsLoss computes it; non-finite logits take bce's limits.
        // With focal, exp(−x) too, for σ(x).
        let (mut softplus, mut exps) = ([0.0; CHUNK], [0.0; CHUNK]);
        for ((out, x), y) in out
            .chunks_mut(CHUNK)
            .zip(x.chunks(CHUNK))
            .zip(y.chunks(CHUNK))
        {
            let (softplus, exps) = (&mut softplus[..out.len()], &mut exps[..out.len()]);
            log1p_exp_neg_abs(x, softplus);
            for (o, (&x, &y)) in out.iter_mut().zip(x.iter().zip(y)) {
                // x is finite unless --nonfinite allow.
                *o = if x.is_finite() {
                    (1.0 - y) * x
                } else {
                    bce_element(x, y)
                };
            }
            for ((o, &x), &softplus) in out.iter_mut().zip(x).zip(&*softplus) {
                if x.is_finite() {
                    *o -= x.min(0.0) - softplus;
                }
            }
            if let Some(focal) = &focal {
                for (e, &x) in exps.iter_mut().zip(x) {
                    *e = -x;
                }
                exp_in_place(exps);
                for ((o, &y), &e) in out.iter_mut().zip(y).zip(&*exps) {
                    // σ(x) as torch.sigmoid computes it.
                    *o = focal.element_given(1.0 / (1.0 + e), y, *o);
                }
            }
        }
        if !self.class_weights.is_empty() {
            apply_weight(out, Some(&self.class_weights));
        }
        apply_weight(out, weights.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_the_classes_and_favour_rare_ones() {
        let w = class_weights(0.9999, &[5000, 120, 30000, 7]);
        assert!((w.iter().sum::<f64>() - 4.0).abs() < 1e-15);
        assert!(w[3] > w[1] && w[1] > w[0] && w[0] > w[2]);
        // β = 0: every class weighs 1.
        assert_eq!(class_weights(0.0, &[3, 9]), [1.0, 1.0]);
    }
}
