//! `distribution-balanced`: the Distribution-Balanced loss (Wu et al.,
//! ECCV 2020) as its reference code computes it
//! (wutong16/DistributionBalancedLoss, `mllt/models/losses/resample_loss.py`,
//! `ResampleLoss` with `reweight_func='rebalance'`, focal on and the logit
//! regularisation), which returns the N × C element losses.
//!
//! For class counts n_c of N training samples, and a row's targets y:
//!
//! ```text
//! r = Σ_c y_c / n_c                       (the row's repeat rate)
//! w_c = σ(β_map · ((1/n_c)/r − γ_map)) + α_map       (rebalanced weight)
//! b_c = −log(N/n_c − 1) · ι / s           (initial bias ι, negative scale s)
//! z = x + b_c;  z' = z·(1 − y)·s + z·y;   w' = w_c/s·(1 − y) + w_c·y
//! ℓ(x, y) = λ · (1 − e^{−bce(z', y)})^γ · w' · bce(z', y)   (λ = balance_param)
//! ```
//!
//! The weight depends on the row's positive classes, so it is computed row
//! by row, as the rows stream.

use serde::{Deserialize, Serialize};

use super::kernel::torch_pow;
use super::logit::bce_element;
use super::rows::{CHUNK, exp_in_place, log1p_exp_neg_abs};
use super::{Formula, Param, ParamError, RowWeights, Shape, Slot};

/// The Distribution-Balanced loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistributionBalanced {
    /// The training samples of each class, n_c; required.
    pub class_counts: Option<Vec<u64>>,
    /// The training samples, N; required.
    pub train_samples: Option<u64>,
    /// The rebalancing map's α (added), β (slope) and γ (shift).
    pub map_alpha: f64,
    pub map_beta: f64,
    pub map_gamma: f64,
    /// The scale of negatives' logits (and divisor of their weights).
    pub neg_scale: f64,
    /// The initial bias's factor ι.
    pub init_bias: f64,
    /// The focusing exponent.
    pub focal_gamma: f64,
    /// The factor of every element.
    pub balance_param: f64,
    /// 1/n_c and b_c, from the counts ([`Formula::prepare`]).
    #[serde(skip)]
    per_class: Vec<ClassTerms>,
}

/// What a class contributes to every row.
#[derive(Debug, Clone, Copy)]
struct ClassTerms {
    /// 1/n_c.
    freq_inv: f64,
    /// The initial bias b_c.
    bias: f64,
}

impl Default for DistributionBalanced {
    /// The defaults of the reference's COCO-MLT configuration
    /// (`configs/coco/LT_resnet50_pfc_DB.py`), not its constructor's.
    fn default() -> Self {
        DistributionBalanced {
            class_counts: None,
            train_samples: None,
            map_alpha: 0.1,
            map_beta: 10.0,
            map_gamma: 0.2,
            neg_scale: 2.0,
            init_bias: 0.05,
            focal_gamma: 2.0,
            balance_param: 2.0,
            per_class: Vec::new(),
        }
    }
}

/// The numeric parameters: name, placeholder, help.
const NUMBERS: [(&str, &str, &str); 7] = [
    ("map-alpha", "A", "added to the rebalanced weight"),
    ("map-beta", "B", "the slope of the rebalancing map"),
    ("map-gamma", "G", "the shift of the rebalancing map"),
    (
        "neg-scale",
        "S",
        "negatives' logits times S, their weights over S; > 0",
    ),
    ("init-bias", "I", "the initial bias −log(N/n_c − 1)·I/S"),
    ("focal-gamma", "G", "the focusing exponent"),
    ("balance-param", "L", "every element times L"),
];

impl Formula for DistributionBalanced {
    fn about(&self) -> &'static str {
        "Distribution-Balanced loss, Wu et al. 2020 (reference returns N×C; its training takes the \
         mean)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn typed_params(&mut self) -> Vec<(Param, Slot<'_>)> {
        let counts = Param {
            name: "class-counts",
            value_name: "C1,…,CC|FILE",
            help: "training samples of each class (the reference's class_freq)",
        };
        let train = Param {
            name: "train-samples",
            value_name: "N",
            help: "training samples (the reference's class_freq[0] + neg_class_freq[0])",
        };
        let mut params = vec![
            (
                counts,
                Slot::ClassCounts {
                    value: &mut self.class_counts,
                    needs: "the reference reads them from its class_freq.pkl",
                },
            ),
            (
                train,
                Slot::RequiredCount {
                    value: &mut self.train_samples,
                    needs: "the reference reads it from its class_freq.pkl",
                },
            ),
        ];
        let fields = [
            &mut self.map_alpha,
            &mut self.map_beta,
            &mut self.map_gamma,
            &mut self.neg_scale,
            &mut self.init_bias,
            &mut self.focal_gamma,
            &mut self.balance_param,
        ];
        for ((name, value_name, help), field) in NUMBERS.into_iter().zip(fields) {
            let param = Param {
                name,
                value_name,
                help,
            };
            params.push((param, Slot::Number(field)));
        }
        params
    }

    fn takes_modifiers(&self) -> bool {
        // The reference overwrites its weight argument with the rebalanced
        // weights, has no mask (the repeat rate needs every label of the
        // row), and no smoothing.
        false
    }

    fn check(&self) -> Result<(), ParamError> {
        let values = [
            self.map_alpha,
            self.map_beta,
            self.map_gamma,
            self.neg_scale,
            self.init_bias,
            self.focal_gamma,
            self.balance_param,
        ];
        for ((name, ..), value) in NUMBERS.into_iter().zip(values) {
            ParamError::finite(name, value)?;
        }
        if self.neg_scale <= 0.0 {
            return Err(ParamError {
                param: "neg-scale",
                value: self.neg_scale,
                problem: "must be positive",
            });
        }
        Ok(())
    }

    fn check_typed(&self) -> Result<(), String> {
        let (Some(counts), Some(n)) = (&self.class_counts, self.train_samples) else {
            return Ok(());
        };
        match counts.iter().position(|&count| count == 0 || count >= n) {
            Some(class) => Err(format!(
                "--class-counts gives class {class} (0-based) {} training samples, but each \
                 class needs at least 1 and fewer than --train-samples {n}: its initial bias \
                 −log(N/n_c − 1) would be infinite or NaN",
                counts[class]
            )),
            None => Ok(()),
        }
    }

    fn prepare(&mut self) {
        let n = self.train_samples.unwrap_or(0) as f64;
        let counts = self.class_counts.as_deref().unwrap_or_default();
        self.per_class = counts
            .iter()
            .map(|&count| {
                let count = count as f64;
                ClassTerms {
                    freq_inv: 1.0 / count,
                    bias: -(n / count - 1.0).ln() * self.init_bias / self.neg_scale,
                }
            })
            .collect();
    }

    fn element_losses(&self, x: &[f64], y: &[f64], _weights: RowWeights<'_>, out: &mut [f64]) {
        let repeat_rate: f64 = (self.per_class.iter().zip(y))
            .map(|(class, &y)| y * class.freq_inv)
            .sum();
        // z' and w' for a chunk, then log1p(exp(−|z'|)) and e^{−bce} for
        // it at once.
        let (mut logits, mut weights, mut softplus) = ([0.0; CHUNK], [0.0; CHUNK], [0.0; CHUNK]);
        let chunks = out
            .chunks_mut(CHUNK)
            .zip(x.chunks(CHUNK))
            .zip(y.chunks(CHUNK));
        for (((out, x), y), classes) in chunks.zip(self.per_class.chunks(CHUNK)) {
            let n = out.len();
            let (z, w, softplus) = (&mut logits[..n], &mut weights[..n], &mut softplus[..n]);
            self.regularised(repeat_rate, (x, y, classes), z, w);
            log1p_exp_neg_abs(z, softplus);
            // out: bce(z', y); softplus: then −bce, then p_t = e^{−bce}.
            for (((o, p_t), &z), &y) in out.iter_mut().zip(softplus.iter_mut()).zip(&*z).zip(y) {
                *o = if z.is_finite() {
                    (1.0 - y) * z - (z.min(0.0) - *p_t)
                } else {
                    bce_element(z, y)
                };
                *p_t = -*o;
            }
            exp_in_place(softplus);
            for ((o, &p_t), &w) in out.iter_mut().zip(&*softplus).zip(&*w) {
                let loss = torch_pow(1.0 - p_t, self.focal_gamma) * (*o * w);
                *o = self.balance_param * loss;
            }
        }
    }
}

impl DistributionBalanced {
    /// The regularised logits z' and the rebalanced weights w' of a chunk
    /// of a row whose repeat rate is `repeat_rate`.
    #[inline]
    fn regularised(
        &self,
        repeat_rate: f64,
        (x, y, classes): (&[f64], &[f64], &[ClassTerms]),
        z: &mut [f64],
        w: &mut [f64],
    ) {
        // w: first −(the map's argument), then e^{−argument}, for σ.
        for (w, class) in w.iter_mut().zip(classes) {
            // A row with no positive has r = 0: (1/n_c)/r is +∞, and the
            // map gives σ(±∞) (σ(0) when its slope is 0, its limit).
            let pos_weight = class.freq_inv / repeat_rate;
            *w = if self.map_beta == 0.0 {
                0.0
            } else {
                -(self.map_beta * (pos_weight - self.map_gamma))
            };
        }
        exp_in_place(w);
        let s = self.neg_scale;
        for ((((z, w), &x), &y), class) in z.iter_mut().zip(w).zip(x).zip(y).zip(classes) {
            // σ as torch.sigmoid computes it.
            let weight = 1.0 / (1.0 + *w) + self.map_alpha;
            let shifted = x + class.bias;
            // At x = ±∞ (`--nonfinite allow`) the reference's form is
            // ∞·0 + ∞ = NaN; its limit is s·x for a negative, x for a positive.
            *z = if shifted.is_infinite() && (y == 0.0 || y == 1.0) {
                if y == 1.0 { shifted } else { shifted * s }
            } else {
                shifted * (1.0 - y) * s + shifted * y
            };
            *w = weight / s * (1.0 - y) + weight * y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ±∞ logits give the limits (0 on the right side, +∞ on the wrong
    /// one) where the reference's logit regularisation gives ∞·0 = NaN.
    #[test]
    fn infinite_logits_give_the_limits() {
        let mut loss = DistributionBalanced {
            class_counts: Some(vec![3, 5, 4, 2, 1]),
            train_samples: Some(10),
            ..DistributionBalanced::default()
        };
        loss.prepare();
        let inf = f64::INFINITY;
        let mut out = [0.0; 5];
        let (x, y) = ([inf, -inf, inf, -inf, f64::NAN], [1.0, 0.0, 0.0, 1.0, 1.0]);
        loss.element_losses(&x, &y, RowWeights::default(), &mut out);
        assert_eq!(out[..4], [0.0, 0.0, inf, inf]);
        assert!(out[4].is_nan());
    }

    #[test]
    fn a_row_without_positives_takes_the_maps_limit() {
        let mut loss = DistributionBalanced {
            class_counts: Some(vec![3, 5]),
            train_samples: Some(10),
            ..DistributionBalanced::default()
        };
        loss.prepare();
        let mut out = [0.0; 2];
        loss.element_losses(&[0.5, -2.0], &[0.0, 0.0], RowWeights::default(), &mut out);
        assert!(out.iter().all(|v| v.is_finite() && *v > 0.0), "{out:?}");
        loss.map_beta = 0.0;
        loss.element_losses(&[0.5, -2.0], &[0.0, 0.0], RowWeights::default(), &mut out);
        assert!(out.iter().all(|v| v.is_finite() && *v > 0.0), "{out:?}");
        assert_eq!(loss.check_typed(), Ok(()));
        loss.class_counts = Some(vec![3, 10]);
        assert!(
            loss.check_typed()
                .unwrap_err()
                .contains("class 1 (0-based) 10")
        );
    }
}
