//! `poly1`: the sigmoid Poly-1 loss (Leng et al., ICLR 2022) as its
//! reference implementation computes it (abhuse/polyloss-pytorch,
//! `Poly1FocalLoss` with γ = 0 and α = −1: the focal part is then bce).
//!
//! ```text
//! ℓ(x, y) = w · bce_p(x, y) + ε · (1 − pₜ),   pₜ = y · σ(x) + (1 − y) · (1 − σ(x))
//! ```
//!
//! `weight` and `pos_weight` go to the bce term only, as the reference
//! passes both to `binary_cross_entropy_with_logits`; the ε term is
//! unweighted.

use serde::{Deserialize, Serialize};

use super::kernel::sigmoid;
use super::logit::{Form, logit_losses};
use super::{Formula, Param, ParamError, RowWeights, Shape};
use crate::numerics::json_f64;

/// The sigmoid Poly-1 loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Poly1 {
    /// The coefficient of the first polynomial term, 1 − pₜ.
    pub epsilon: f64,
    /// Per-class weight of positive targets in the bce term, C values.
    #[serde(with = "json_f64::option_vec")]
    pub pos_weight: Option<Vec<f64>>,
}

impl Default for Poly1 {
    /// The reference implementation's default.
    fn default() -> Self {
        Poly1 {
            epsilon: 1.0,
            pos_weight: None,
        }
    }
}

impl Formula for Poly1 {
    fn about(&self) -> &'static str {
        "Poly-1 on the sigmoid, Leng et al. 2022: bce + epsilon·(1 − p_t)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let epsilon = Param {
            name: "epsilon",
            value_name: "E",
            help: "the coefficient of 1 − p_t added to bce",
        };
        vec![(epsilon, &mut self.epsilon)]
    }

    fn pos_weight(&mut self) -> Option<&mut Option<Vec<f64>>> {
        Some(&mut self.pos_weight)
    }

    fn check(&self) -> Result<(), ParamError> {
        ParamError::finite("epsilon", self.epsilon)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let pos_weight = weights.pos_weight.or(self.pos_weight.as_deref());
        // The weighted bce term first (its limits at ±∞ logits included).
        logit_losses(Form::Bce, x, y, weights.weight, pos_weight, out);
        let epsilon = self.epsilon;
        for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
            let p = sigmoid(x);
            let p_t = y * p + (1.0 - y) * (1.0 - p);
            *o += epsilon * (1.0 - p_t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn losses(poly: &Poly1, x: &[f64], y: &[f64], weights: RowWeights<'_>) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        poly.element_losses(x, y, weights, &mut out);
        out
    }

    /// ε = 0 is bce; the ε term is 1 − pₜ, unweighted.
    #[test]
    fn epsilon_adds_one_minus_p_t_to_the_weighted_bce() {
        let (x, y) = ([0.3, -1.2, 2.0], [1.0, 0.0, 0.25]);
        let plain = Poly1 {
            epsilon: 0.0,
            ..Poly1::default()
        };
        let weight = [2.0, 3.0, 0.5];
        let weighted = RowWeights {
            weight: Some(&weight),
            pos_weight: None,
        };
        let bce = losses(&plain, &x, &y, weighted);
        let poly = losses(&Poly1::default(), &x, &y, weighted);
        for i in 0..3 {
            let p = 1.0 / (1.0 + (-x[i]).exp());
            let direct = -(y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln());
            assert!((bce[i] - weight[i] * direct).abs() < 1e-14);
            let one_minus_p_t = 1.0 - (y[i] * p + (1.0 - y[i]) * (1.0 - p));
            assert!((poly[i] - bce[i] - one_minus_p_t).abs() < 1e-15);
        }
    }

    /// pos_weight scales the bce term of a positive, not the ε term.
    #[test]
    fn pos_weight_scales_the_bce_term_only() {
        let poly = Poly1::default();
        let (x, y) = ([0.7], [1.0]);
        let p = 1.0 / (1.0 + (-0.7f64).exp());
        let plain = losses(&poly, &x, &y, RowWeights::default());
        let tripled = RowWeights {
            weight: None,
            pos_weight: Some(&[3.0]),
        };
        let weighted = losses(&poly, &x, &y, tripled);
        assert!((weighted[0] - plain[0] - 2.0 * (plain[0] - (1.0 - p))).abs() < 1e-15);
    }

    /// At infinite logits the loss has its limits: 0 where the prediction
    /// is right, ∞ where wrong.
    #[test]
    fn infinite_logits_give_the_limits() {
        let inf = f64::INFINITY;
        let out = losses(
            &Poly1::default(),
            &[inf, -inf, inf],
            &[1.0, 0.0, 0.0],
            RowWeights::default(),
        );
        assert_eq!(out, [0.0, 0.0, inf]);
    }
}
