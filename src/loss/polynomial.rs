//! `apl`: the Asymmetric Polynomial Loss (Huang et al., ICASSP 2023) as its
//! reference implementation computes it (LUMIA-Group/APL, `APLloss.py`,
//! `APLLoss`, which returns the sum): asl's terms with the first Taylor
//! terms of −log added, and asl's 1e−8 floor on the probabilities.
//!
//! ```text
//! ℓ(x, y) = w · −[ y · (log q₊ + ε₊ · (1 − q₊) + (ε₊₂ / 2) · (1 − q₊)²)
//!                 + (1 − y) · (log q₋ + ε₋ · q₋) ] · (1 − pₜ)^γ(y)
//! q₊ = max(σ(x), 1e−8),  q₋ = max(min(1 − σ(x) + m, 1), 1e−8) (m = clip; no shift when m = 0),
//! pₜ = σ(x) · y + q₋' · (1 − y) with q₋' the shifted 1 − σ(x) before the floor,
//! γ(y) = γ₊ · y + γ₋ · (1 − y) (no focusing factor when γ₊ = γ₋ = 0, as in the reference)
//! ```

use serde::{Deserialize, Serialize};

use super::rows::{CHUNK, exp_in_place};
use super::{Formula, Param, ParamError, RowWeights, Shape, apply_weight};

/// The reference implementation's floor for probabilities (as asl's).
const EPS: f64 = 1e-8;

/// The Asymmetric Polynomial Loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AsymmetricPolynomial {
    /// ε₊: the coefficient of positives' first polynomial term, 1 − p.
    pub eps_pos: f64,
    /// ε₊₂: the coefficient of positives' second term, (1 − p)²/2.
    pub eps_pos_pow: f64,
    /// ε₋: the coefficient of negatives' polynomial term.
    pub eps_neg: f64,
    /// The focusing exponent of positives.
    pub gamma_pos: f64,
    /// The focusing exponent of negatives.
    pub gamma_neg: f64,
    /// Probability margin added to 1 − p for negatives; 0: no shifting.
    pub clip: f64,
}

impl Default for AsymmetricPolynomial {
    /// The reference implementation's defaults.
    fn default() -> Self {
        AsymmetricPolynomial {
            eps_pos: 1.0,
            eps_pos_pow: -2.5,
            eps_neg: 0.0,
            gamma_pos: 0.0,
            gamma_neg: 4.0,
            clip: 0.05,
        }
    }
}

/// torch's `clamp(min=lo)`, which keeps NaN (`f64::max` would drop it).
#[inline]
fn clamp_min(value: f64, lo: f64) -> f64 {
    if value < lo { lo } else { value }
}

/// `base ** exponent` as the reference's tensor `pow` computes it (the C
/// library's `pow`): exponents 0 and 1 exactly, 2 as the correctly rounded
/// square, 4 (the default γ₋) as the square's square, within a few ulps of
/// `pow` (`base` is 0 or at least 2⁻⁵⁴ here, so nothing underflows), and
/// others by `pow`.
#[inline]
fn focusing_factor(base: f64, exponent: f64) -> f64 {
    match exponent {
        0.0 => 1.0,
        1.0 => base,
        2.0 => base * base,
        4.0 => {
            let square = base * base;
            square * square
        }
        _ => base.powf(exponent),
    }
}

impl Formula for AsymmetricPolynomial {
    fn about(&self) -> &'static str {
        "Asymmetric Polynomial Loss, Huang et al. 2023 (its reference returns the sum)"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let param = |name, value_name, help| Param {
            name,
            value_name,
            help,
        };
        vec![
            (
                param("eps-pos", "E", "the coefficient of positives' 1 − p term"),
                &mut self.eps_pos,
            ),
            (
                param(
                    "eps-pos-pow",
                    "E",
                    "the coefficient of positives' (1 − p)²/2 term",
                ),
                &mut self.eps_pos_pow,
            ),
            (
                param(
                    "eps-neg",
                    "E",
                    "the coefficient of negatives' polynomial term",
                ),
                &mut self.eps_neg,
            ),
            (
                param("gamma-pos", "G", "the focusing exponent of positives"),
                &mut self.gamma_pos,
            ),
            (
                param("gamma-neg", "G", "the focusing exponent of negatives"),
                &mut self.gamma_neg,
            ),
            (
                param(
                    "clip",
                    "M",
                    "probability margin for negatives; 0 turns shifting off",
                ),
                &mut self.clip,
            ),
        ]
    }

    fn check(&self) -> Result<(), ParamError> {
        ParamError::finite("eps-pos", self.eps_pos)?;
        ParamError::finite("eps-pos-pow", self.eps_pos_pow)?;
        ParamError::finite("eps-neg", self.eps_neg)?;
        ParamError::finite("gamma-pos", self.gamma_pos)?;
        ParamError::finite("gamma-neg", self.gamma_neg)?;
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
        let AsymmetricPolynomial {
            eps_pos,
            eps_pos_pow,
            eps_neg,
            gamma_pos,
            gamma_neg,
            clip,
        } = *self;
        let focusing = gamma_neg > 0.0 || gamma_pos > 0.0;
        // exp(−x) for σ(x), for a chunk at once.
        let mut exps = [0.0; CHUNK];
        for ((out, x), y) in out
            .chunks_mut(CHUNK)
            .zip(x.chunks(CHUNK))
            .zip(y.chunks(CHUNK))
        {
            let exps = &mut exps[..out.len()];
            for (e, &x) in exps.iter_mut().zip(x) {
                *e = -x;
            }
            exp_in_place(exps);
            for ((o, &e), &y) in out.iter_mut().zip(&*exps).zip(y) {
                // σ(x) as torch.sigmoid computes it.
                let xs_pos = 1.0 / (1.0 + e);
                let mut xs_neg = 1.0 - xs_pos;
                if clip > 0.0 {
                    // clamp(max=1), keeping NaN as torch does.
                    xs_neg += clip;
                    if xs_neg > 1.0 {
                        xs_neg = 1.0;
                    }
                }
                let q_pos = clamp_min(xs_pos, EPS);
                let q_neg = clamp_min(xs_neg, EPS);
                let term_pos = || {
                    q_pos.ln()
                        + eps_pos * (1.0 - q_pos)
                        + eps_pos_pow * 0.5 * ((1.0 - q_pos) * (1.0 - q_pos))
                };
                let term_neg = || q_neg.ln() + eps_neg * q_neg;
                // y · term₊ + (1 − y) · term₋; for a 0/1 target the other
                // side's ±0 changes the sum only when that sum is zero (its
                // terms are finite or NaN with q's), so its log is skipped
                // unless it is.
                let mut loss = if y == 0.0 {
                    let los_neg = term_neg();
                    if los_neg != 0.0 {
                        los_neg
                    } else {
                        y * term_pos() + los_neg
                    }
                } else if y == 1.0 {
                    let los_pos = term_pos();
                    if los_pos != 0.0 {
                        los_pos
                    } else {
                        los_pos + (1.0 - y) * term_neg()
                    }
                } else {
                    y * term_pos() + (1.0 - y) * term_neg()
                };
                if focusing {
                    let pt = xs_pos * y + xs_neg * (1.0 - y);
                    let one_sided_gamma = gamma_pos * y + gamma_neg * (1.0 - y);
                    loss *= focusing_factor(1.0 - pt, one_sided_gamma);
                }
                *o = -loss;
            }
        }
        apply_weight(out, weights.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::kernel::sigmoid;

    fn losses(apl: &AsymmetricPolynomial, x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        apl.element_losses(x, y, RowWeights::default(), &mut out);
        out
    }

    /// With every ε 0, APL is asl with the same γ and clip.
    #[test]
    fn without_polynomial_terms_it_is_asl() {
        let apl = AsymmetricPolynomial {
            eps_pos: 0.0,
            eps_pos_pow: 0.0,
            gamma_pos: 1.0,
            ..AsymmetricPolynomial::default()
        };
        let asl = super::super::Asymmetric::default();
        let (x, y) = ([0.3, -1.2, 2.0, -30.0], [1.0, 0.0, 0.25, 1.0]);
        let mut want = [0.0; 4];
        asl.element_losses(&x, &y, RowWeights::default(), &mut want);
        assert_eq!(losses(&apl, &x, &y), want);
    }

    /// The defaults: a positive's loss is −log p − (1 − p) + 1.25 (1 − p)².
    #[test]
    fn a_positive_takes_the_taylor_terms() {
        let p = sigmoid(0.4);
        let want = -p.ln() - (1.0 - p) + 1.25 * (1.0 - p) * (1.0 - p);
        let got = losses(&AsymmetricPolynomial::default(), &[0.4], &[1.0])[0];
        assert!((got - want).abs() < 1e-15, "{got} vs {want}");
    }

    /// A NaN logit gives NaN, as torch's clamp keeps it.
    #[test]
    fn nan_stays_nan() {
        let out = losses(&AsymmetricPolynomial::default(), &[f64::NAN], &[1.0]);
        assert!(out[0].is_nan());
    }
}
