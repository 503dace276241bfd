//! log1p(exp(−|z|)) for a chunk of values at once, with the vectorised
//! kernel of `kernel.rs` chosen at run time (4-wide with fused multiply-add
//! where the CPU has AVX2 and FMA), for kinds that compute log σ of
//! shifted logits (splc, class-balanced, distribution-balanced): their
//! rows are cut into chunks of [`CHUNK`] values on the stack.

use super::kernel::{exp_polynomial, log1p_exp_neg_abs_row};

/// Values per chunk: small enough for the stack, long enough to vectorise.
pub(super) const CHUNK: usize = 64;

/// `out[j] = log1p(exp(-|z[j]|))`; returns whether some `|z[j]|` was
/// beyond the polynomial's range or NaN (the values are then the C
/// library's).
#[inline]
pub(super) fn log1p_exp_neg_abs(z: &[f64], out: &mut [f64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { log1p_exp_neg_abs_avx2_fma(z, out) };
    }
    log1p_exp_neg_abs_row::<false>(z, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn log1p_exp_neg_abs_avx2_fma(z: &[f64], out: &mut [f64]) -> bool {
    log1p_exp_neg_abs_row::<true>(z, out)
}

/// `values[j] = exp(values[j])` in place, to a few ulps of the C
/// library's `exp` (tested below), vectorised as [`log1p_exp_neg_abs`]:
/// σ(z) = 1/(1 + exp(−z)) as torch computes it, for a chunk at once.
#[inline]
pub(super) fn exp_in_place(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        unsafe { exp_in_place_avx2_fma(values) };
        return;
    }
    exp_in_place_with::<false>(values);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_in_place_avx2_fma(values: &mut [f64]) {
    exp_in_place_with::<true>(values);
}

/// Within ±this, exp(v) and 2^k are normal numbers and the polynomial
/// applies; beyond it (and for NaN) the C library takes over.
const EXP_LIMIT: f64 = 708.0;

/// [`exp_in_place`] compiled with or without fused multiply-add, for
/// kernels that choose it once for a whole row (`two_way.rs`).
#[inline(always)]
pub(super) fn exp_in_place_with<const FMA: bool>(values: &mut [f64]) {
    // NaN fails the comparison too. A fold without early exit, so that
    // the check vectorises.
    let in_range = values
        .iter()
        .fold(true, |in_range, v| in_range & (v.abs() <= EXP_LIMIT));
    if in_range {
        for v in values.iter_mut() {
            *v = exp_polynomial::<FMA>(*v);
        }
    } else {
        for v in values.iter_mut() {
            *v = v.exp();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_agrees_with_the_c_library() {
        for fused in [false, true] {
            let mut worst = 0;
            let mut v = -EXP_LIMIT;
            while v <= EXP_LIMIT {
                let mut one = [v];
                if fused {
                    one[0] = exp_polynomial::<true>(v);
                } else {
                    exp_in_place_with::<false>(&mut one);
                }
                worst = worst.max(one[0].to_bits().abs_diff(v.exp().to_bits()));
                v += 0.000_913;
            }
            assert!(worst <= 4, "fused = {fused}: worst error {worst} ulps");
        }
        let mut wide = [-800.0, 0.5, 710.0, f64::NAN];
        exp_in_place(&mut wide);
        assert_eq!(wide[..3], [(-800.0f64).exp(), 0.5f64.exp(), 710.0f64.exp()]);
        assert!(wide[3].is_nan());
    }

    #[test]
    fn agrees_with_the_scalar_form() {
        let z = [0.0, -1.5, 3.0, 709.0, -800.0, 1e-3, -40.0];
        let mut out = [0.0; 7];
        log1p_exp_neg_abs(&z, &mut out);
        for (o, z) in out.iter().zip(z) {
            let scalar = super::super::kernel::log1p_exp_neg(z.abs());
            assert!((o - scalar).abs() <= 4.0 * f64::EPSILON * scalar, "{z}");
        }
    }
}
