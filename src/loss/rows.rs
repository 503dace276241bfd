//! log1p(exp(−|z|)) for a chunk of values at once, with the vectorised
//! kernel of `kernel.rs` chosen at run time (4-wide with fused multiply-add
//! where the CPU has AVX2 and FMA), for kinds that compute log σ of
//! shifted logits (splc, class-balanced, distribution-balanced): their
//! rows are cut into chunks of [`CHUNK`] values on the stack.

use super::kernel::log1p_exp_neg_abs_row;

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

#[cfg(test)]
mod tests {
    use super::*;

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
