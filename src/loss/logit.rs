//! The logit family: `bce` (`torch.nn.BCEWithLogitsLoss`, with
//! `pos_weight`) and `multilabel-soft-margin` (`MultiLabelSoftMarginLoss`).
//! Both are written from log σ(x), computed a whole row at a time by one
//! vectorised kernel, chosen at run time (4-wide with fused multiply-add on
//! x86-64 CPUs that have AVX2 and FMA).
//!
//! ```text
//! bce:  ℓ(x, y) = w · [ (1 − y) · x − ((p − 1) · y + 1) · log σ(x) ]
//! mlsm: ℓ(x, y) = w · −[ y · log σ(x) + (1 − y) · log σ(−x) ]
//! ```
//!
//! For NaN and ±∞ logits, PyTorch's value in IEEE arithmetic, or the limit
//! where that is NaN but the loss has one (see [`nonfinite_logit_loss`]).

use serde::{Deserialize, Serialize};

use super::kernel::log1p_exp_neg_abs_row;
use super::{Formula, RowWeights, Shape, apply_weight};
use crate::numerics::json_f64;

/// `torch.nn.BCEWithLogitsLoss`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Bce {
    /// Per-class weight of positive targets (`pos_weight=`), C values.
    #[serde(with = "json_f64::option_vec")]
    pub pos_weight: Option<Vec<f64>>,
}

/// `torch.nn.MultiLabelSoftMarginLoss`: the mean over the classes of the
/// element terms is each sample's loss.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MultiLabelSoftMargin {}

impl Formula for Bce {
    fn about(&self) -> &'static str {
        "torch.nn.BCEWithLogitsLoss"
    }

    fn shape(&self) -> Shape {
        Shape::Elements
    }

    fn pos_weight(&mut self) -> Option<&mut Option<Vec<f64>>> {
        Some(&mut self.pos_weight)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        let pos_weight = weights.pos_weight.or(self.pos_weight.as_deref());
        logit_losses(Form::Bce, x, y, weights.weight, pos_weight, out);
    }
}

impl Formula for MultiLabelSoftMargin {
    fn about(&self) -> &'static str {
        "torch.nn.MultiLabelSoftMarginLoss"
    }

    fn shape(&self) -> Shape {
        Shape::Samples
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        logit_losses(Form::MultiLabelSoftMargin, x, y, weights.weight, None, out);
    }
}

/// Which of the family's two formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    Bce,
    MultiLabelSoftMargin,
}

/// One row of the family, on the best kernel this CPU has (poly1 builds
/// on its bce).
#[inline]
pub(super) fn logit_losses(
    form: Form,
    logits: &[f64],
    targets: &[f64],
    weight: Option<&[f64]>,
    pos_weight: Option<&[f64]>,
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        unsafe { logit_losses_avx2_fma(form, logits, targets, weight, pos_weight, out) };
        return;
    }
    logit_losses_with::<false>(form, logits, targets, weight, pos_weight, out);
}

/// The same code compiled for 4-wide vectors, with the polynomials' steps
/// fused (one rounding each instead of two): a third fewer operations. The
/// values can differ from the portable build's in the last bit, both well
/// within the 1e-12 promised; on one machine they are the same for any
/// number of threads.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn logit_losses_avx2_fma(
    form: Form,
    logits: &[f64],
    targets: &[f64],
    weight: Option<&[f64]>,
    pos_weight: Option<&[f64]>,
    out: &mut [f64],
) {
    logit_losses_with::<true>(form, logits, targets, weight, pos_weight, out);
}

/// bce and mlsm, whole rows at a time.
#[inline(always)]
fn logit_losses_with<const FMA: bool>(
    form: Form,
    logits: &[f64],
    targets: &[f64],
    weight: Option<&[f64]>,
    pos_weight: Option<&[f64]>,
    out: &mut [f64],
) {
    // First `out` holds log1p(exp(-|x|)), so that log σ(x) = min(x, 0) - out.
    let beyond = log1p_exp_neg_abs_row::<FMA>(logits, out);
    match (form, pos_weight) {
        // loss = (1 - y)·x - ((p - 1)·y + 1)·log σ(x)
        (Form::Bce, Some(pos_weight)) => {
            for (((o, &x), &y), &p) in out.iter_mut().zip(logits).zip(targets).zip(pos_weight) {
                let log_sigmoid = x.min(0.0) - *o;
                let log_weight = (p - 1.0) * y + 1.0;
                *o = (1.0 - y) * x - log_sigmoid * log_weight;
            }
        }
        (Form::Bce, None) => {
            for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                let log_sigmoid = x.min(0.0) - *o;
                *o = (1.0 - y) * x - log_sigmoid;
            }
        }
        // loss = -(y·log σ(x) + (1 - y)·log σ(-x)); both share log1p(exp(-|x|)).
        (Form::MultiLabelSoftMargin, _) => {
            for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                let log_sigmoid = x.min(0.0) - *o;
                let log_sigmoid_neg = (-x).min(0.0) - *o;
                *o = -(y * log_sigmoid + (1.0 - y) * log_sigmoid_neg);
            }
        }
    }
    apply_weight(out, weight);
    if beyond {
        fix_nonfinite_logits(form, logits, targets, weight, pos_weight, out);
    }
}

/// Recomputes the elements whose logit is NaN or ±infinity, which the row
/// formulas above do not handle (see [`nonfinite_logit_loss`]).
#[cold]
#[inline(never)]
fn fix_nonfinite_logits(
    form: Form,
    logits: &[f64],
    targets: &[f64],
    weight: Option<&[f64]>,
    pos_weight: Option<&[f64]>,
    out: &mut [f64],
) {
    for (j, (&x, &y)) in logits.iter().zip(targets).enumerate() {
        if !x.is_finite() {
            let pos_weight = pos_weight.map(|p| p[j]);
            let weight = weight.map_or(1.0, |w| w[j]);
            out[j] = nonfinite_logit_loss(form, x, y, pos_weight, weight);
        }
    }
}

/// BCEWithLogitsLoss of one element (no weights), the limits of
/// [`nonfinite_logit_loss`] for non-finite logits included (focal's `ce`).
#[inline]
pub(super) fn bce_element(x: f64, y: f64) -> f64 {
    if !x.is_finite() {
        return nonfinite_logit_loss(Form::Bce, x, y, None, 1.0);
    }
    (1.0 - y) * x - super::kernel::log_sigmoid(x)
}

/// One element's loss (times its weight) when the logit `x` is NaN or
/// ±infinity: PyTorch's formula evaluated in IEEE arithmetic, except where
/// that gives NaN although the loss has a limit as x → ±∞ (PyTorch issues
/// 49844 and 102894): then the limit. The loss grows like `slope · |x|`,
/// so the limit is ±∞ by the sign of `slope · weight`, or 0 when either is
/// 0 (the remaining term, a multiple of `log1p(exp(-|x|))`, tends to 0).
/// NaN anywhere in the inputs stays NaN.
pub(super) fn nonfinite_logit_loss(
    form: Form,
    x: f64,
    y: f64,
    pos_weight: Option<f64>,
    weight: f64,
) -> f64 {
    // min(x, 0) - log1p(exp(-|x|)) at x = ±∞ and NaN (Rust's `min` would drop a NaN).
    let log_sigmoid = |x: f64| {
        if x.is_nan() {
            f64::NAN
        } else if x > 0.0 {
            0.0
        } else {
            f64::NEG_INFINITY
        }
    };
    let pytorch = match (form, pos_weight) {
        (Form::Bce, Some(p)) => (1.0 - y) * x - log_sigmoid(x) * ((p - 1.0) * y + 1.0),
        (Form::Bce, None) => (1.0 - y) * x - log_sigmoid(x),
        (Form::MultiLabelSoftMargin, _) => -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x)),
    } * weight;
    let p = pos_weight.unwrap_or(1.0);
    if !pytorch.is_nan() || x.is_nan() || !(y.is_finite() && p.is_finite() && weight.is_finite()) {
        return pytorch;
    }
    let slope = match (form, x > 0.0) {
        // bce and mlsm: (1 - y)·x
        (_, true) => 1.0 - y,
        // mlsm: -y·x
        (Form::MultiLabelSoftMargin, false) => y,
        // bce: (1 - y)·x - log_weight·x = -p·y·x
        (Form::Bce, false) => p * y,
    };
    if slope == 0.0 || weight == 0.0 {
        0.0
    } else {
        f64::INFINITY * slope.signum() * weight.signum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn losses(formula: &dyn Formula, x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        formula.element_losses(x, y, RowWeights::default(), &mut out);
        out
    }

    fn bce(pos_weight: Option<Vec<f64>>) -> Bce {
        Bce { pos_weight }
    }

    /// Whatever the CPU picks (4-wide with fused multiply-add, or the
    /// portable code), the losses agree to a few ulps. Without AVX2 and FMA
    /// both are the portable code, so the test is skipped (see build.rs).
    #[test]
    #[cfg_attr(
        not(mlloss_host_avx2_fma),
        ignore = "skipped: this CPU lacks AVX2 or FMA, so only the portable kernel runs"
    )]
    fn dispatched_and_portable_kernels_agree() {
        let mut state = 3u64;
        let logits: Vec<f64> = (0..4096)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 100.0
            })
            .collect();
        let targets: Vec<f64> = logits.iter().map(|x| (x.abs() / 50.0).min(1.0)).collect();
        let (weight, pos_weight) = (vec![0.7; 4096], vec![2.5; 4096]);
        for (form, pos_weight) in [
            (Form::Bce, Some(&pos_weight[..])),
            (Form::MultiLabelSoftMargin, None),
        ] {
            let (mut dispatched, mut portable) = (vec![0.0; 4096], vec![0.0; 4096]);
            let w = Some(&weight[..]);
            logit_losses(form, &logits, &targets, w, pos_weight, &mut dispatched);
            logit_losses_with::<false>(form, &logits, &targets, w, pos_weight, &mut portable);
            for (a, b) in dispatched.iter().zip(&portable) {
                assert!((a - b).abs() <= 1e-14 * b.abs(), "{form:?}: {a:e} vs {b:e}");
            }
        }
    }

    #[test]
    fn bce_matches_direct_formula_at_moderate_logits() {
        let (x, y) = ([0.3, -1.2, 2.0], [1.0, 0.0, 0.25]);
        let out = losses(&bce(None), &x, &y);
        for i in 0..3 {
            let p = 1.0 / (1.0 + (-x[i]).exp());
            let direct = -(y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln());
            assert!((out[i] - direct).abs() < 1e-14, "{} vs {direct}", out[i]);
        }
    }

    #[test]
    fn pos_weight_scales_positive_term_only() {
        let (plain, weighted) = (bce(None), bce(Some(vec![3.0])));
        assert_eq!(
            losses(&plain, &[0.7], &[0.0]),
            losses(&weighted, &[0.7], &[0.0])
        );
        let (a, b) = (
            losses(&plain, &[0.7], &[1.0]),
            losses(&weighted, &[0.7], &[1.0]),
        );
        assert!((b[0] - 3.0 * a[0]).abs() < 1e-15);
    }

    /// Every (x, y) with x = ±∞ or NaN through the whole-row kernel, for
    /// both kinds, against the rule: PyTorch's IEEE value, or the limit
    /// where that value is NaN and the limit exists.
    #[test]
    fn nonfinite_logits_give_pytorch_values_or_limits() {
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        // (form, x, y, pos_weight, expected). Rows: PyTorch gives NaN and
        // the limit is 0 or ∞; PyTorch's value already is the limit; NaN in.
        let cases = [
            (Form::Bce, inf, 1.0, None, 0.0),
            (Form::Bce, -inf, 0.0, None, 0.0),
            (Form::Bce, -inf, 1.0, None, inf),
            (Form::Bce, -inf, 0.3, None, inf),
            (Form::Bce, -inf, 0.3, Some(0.0), 0.0),
            (Form::Bce, -inf, 1.0, Some(2.0), inf),
            (Form::Bce, inf, 0.0, None, inf),
            (Form::Bce, inf, 0.3, Some(2.0), inf),
            (Form::Bce, nan, 1.0, None, nan),
            (Form::Bce, inf, nan, None, nan),
            (Form::MultiLabelSoftMargin, inf, 1.0, None, 0.0),
            (Form::MultiLabelSoftMargin, -inf, 0.0, None, 0.0),
            (Form::MultiLabelSoftMargin, inf, 0.3, None, inf),
            (Form::MultiLabelSoftMargin, -inf, 0.3, None, inf),
            (Form::MultiLabelSoftMargin, nan, 0.0, None, nan),
        ];
        for (form, x, y, pos_weight, expected) in cases {
            let formula: &dyn Formula = match form {
                Form::Bce => &bce(pos_weight.map(|p| vec![p; 3])),
                Form::MultiLabelSoftMargin => &MultiLabelSoftMargin {},
            };
            // The non-finite element between two finite ones.
            let out = losses(formula, &[0.5, x, -2.0], &[1.0, y, 0.0]);
            assert!(
                same(out[1], expected),
                "{form:?} x = {x} y = {y} pos_weight = {pos_weight:?}: {} instead of {expected}",
                out[1]
            );
            let finite = losses(formula, &[0.5, -2.0], &[1.0, 0.0]);
            assert_eq!([out[0], out[2]], finite[..], "{form:?}: neighbours changed");
        }
        // A weight scales the limit; a zero weight makes it 0.
        let weighted = |w: f64| nonfinite_logit_loss(Form::Bce, -f64::INFINITY, 1.0, None, w);
        assert_eq!(weighted(-2.0), -f64::INFINITY);
        assert_eq!(weighted(0.0), 0.0);
        assert!(weighted(f64::NAN).is_nan());
    }
}
