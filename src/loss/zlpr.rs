//! `zlpr` (alias `mlcce`): the multi-label categorical cross-entropy (Su,
//! 2020; ZLPR), as bert4keras' `multilabel_categorical_crossentropy`
//! (`bert4keras/backend.py`) computes it since 2022, soft targets included:
//! one loss per sample, not a mean of element terms.
//!
//! ```text
//! L(s, y) = log(1 + Σⱼ (1 − yⱼ) · e^{sⱼ}) + log(1 + Σⱼ yⱼ · e^{−sⱼ})
//! ```
//!
//! Logits equal to −∞ are padding and absent from both sums, as the
//! reference masks them (read with `--nonfinite allow`); a term whose
//! factor (1 − y or y) is 0 is absent too, as the reference's log 0 = −∞
//! makes it. Each log is computed without overflow or loss of the small
//! values: log1p of the exact sum where it is finite, else the largest
//! exponent factored out.

use serde::{Deserialize, Serialize};

use super::{Formula, RowWeights, Shape};

/// The multi-label categorical cross-entropy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Zlpr {}

impl Formula for Zlpr {
    fn about(&self) -> &'static str {
        "multi-label categorical cross-entropy (ZLPR), Su 2020, as bert4keras: one loss per sample"
    }

    fn shape(&self) -> Shape {
        Shape::Joint
    }

    /// The reference has no class weights: a weight inside the sums would
    /// be a logit shift, one outside has no class to scale.
    fn takes_weight(&self) -> bool {
        false
    }

    /// The sample's loss in `out[0]`, the other slots 0 (see
    /// [`Shape::Joint`]).
    fn element_losses(&self, s: &[f64], y: &[f64], _weights: RowWeights<'_>, out: &mut [f64]) {
        out.fill(0.0);
        if let Some(first) = out.first_mut() {
            *first = sample_loss(s, y);
        }
    }
}

/// log(1 + Σ (1 − y) e^s) + log(1 + Σ y e^−s) over the terms present.
fn sample_loss(s: &[f64], y: &[f64]) -> f64 {
    // The largest exponent present on each side (−∞: none).
    let (mut top_neg, mut top_pos) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (&s, &y) in s.iter().zip(y) {
        if s == f64::NEG_INFINITY {
            continue;
        }
        if y != 1.0 {
            top_neg = max_keeping_nan(top_neg, s);
        }
        if y != 0.0 {
            top_pos = max_keeping_nan(top_pos, -s);
        }
    }
    // Each side's sum, scaled by e^−top so that no term overflows.
    let (mut neg, mut pos) = (0.0, 0.0);
    for (&s, &y) in s.iter().zip(y) {
        if s == f64::NEG_INFINITY {
            continue;
        }
        if y != 1.0 {
            neg += (1.0 - y) * (s - top_neg).exp();
        }
        if y != 0.0 {
            pos += y * (-s - top_pos).exp();
        }
    }
    log1p_scaled(top_neg, neg) + log1p_scaled(top_pos, pos)
}

/// The larger of `top` and `s`, NaN if either is (a NaN logit gives a NaN
/// loss; `f64::max` would drop it).
#[inline]
fn max_keeping_nan(top: f64, s: f64) -> f64 {
    if s > top || s.is_nan() { s } else { top }
}

/// log(1 + e^top · scaled), for the sum e^top · scaled of one side.
#[inline]
fn log1p_scaled(top: f64, scaled: f64) -> f64 {
    if top == f64::NEG_INFINITY {
        // No term: log 1.
        return 0.0;
    }
    if top == f64::INFINITY {
        return f64::INFINITY;
    }
    let sum = top.exp() * scaled;
    if sum.is_finite() {
        sum.ln_1p()
    } else {
        // Beyond f64: the largest exponent factored out, 1 = e^top · e^−top.
        top + ((-top).exp() + scaled).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss(s: &[f64], y: &[f64]) -> f64 {
        sample_loss(s, y)
    }

    #[test]
    fn moderate_logits_follow_the_formula() {
        let (s, y): ([f64; 4], [f64; 4]) = ([0.5, -1.0, 2.0, 0.0], [1.0, 0.0, 0.25, 1.0]);
        let neg: f64 = (s.iter().zip(&y)).map(|(s, y)| (1.0 - y) * s.exp()).sum();
        let pos: f64 = (s.iter().zip(&y)).map(|(s, y)| y * (-s).exp()).sum();
        let want = neg.ln_1p() + pos.ln_1p();
        assert!((loss(&s, &y) - want).abs() <= 1e-15 * want);
    }

    /// Far beyond exp's range, the largest logit dominates; −∞ is padding.
    #[test]
    fn extreme_logits_and_padding() {
        assert_eq!(loss(&[1000.0, -1000.0], &[0.0, 1.0]), 2000.0);
        let inf = f64::INFINITY;
        assert_eq!(loss(&[-inf, 0.0], &[1.0, 1.0]), std::f64::consts::LN_2);
        assert_eq!(loss(&[-inf, -inf], &[1.0, 0.0]), 0.0);
        assert_eq!(loss(&[inf, 0.0], &[0.0, 1.0]), inf);
        assert_eq!(loss(&[inf], &[1.0]), 0.0);
        assert!(loss(&[f64::NAN, 0.0], &[0.0, 1.0]).is_nan());
    }

    /// A tiny loss keeps its digits (log1p, not log of 1 + tiny).
    #[test]
    fn tiny_losses_keep_their_digits() {
        let got = loss(&[40.0, 45.0], &[1.0, 1.0]);
        let want = ((-40.0f64).exp() + (-45.0f64).exp()).ln_1p();
        assert_eq!(got, want);
        assert!(got > 4e-18);
    }
}
