//! The numerical kernels every kind builds on: log σ(x) and log1p(exp(−a))
//! as PyTorch computes them, without overflow, and fast enough to
//! vectorise; σ(x); and powers as PyTorch's `pow` takes them.

/// `log(sigmoid(x))` without overflow for any finite `x`, as PyTorch
/// computes it: `min(x, 0) - log1p(exp(-|x|))`.
#[inline]
pub fn log_sigmoid(x: f64) -> f64 {
    x.min(0.0) - log1p_exp_neg(x.abs())
}

/// `log1p(exp(-a))` for `a >= 0`.
#[inline]
pub fn log1p_exp_neg(a: f64) -> f64 {
    if a <= POLYNOMIAL_LIMIT {
        log1p_exp_neg_polynomial::<false>(a)
    } else {
        (-a).exp().ln_1p()
    }
}

/// Up to here exp(-a) is a normal number and the polynomial form applies;
/// beyond it exp(-a) is subnormal (or 0) and the C library takes over.
const POLYNOMIAL_LIMIT: f64 = 708.0;

/// ln 2 in two parts: k·LN2_HI is exact for the k the kernels meet.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// exp(x) for |x| <= POLYNOMIAL_LIMIT, without branches or library calls
/// (vectorises): write x = k·ln2 + r with |r| <= ln2/2, then
/// exp(x) = 2^k · exp(r), exp(r) by its Taylor series to r^13; with `FMA`
/// each step is one fused multiply-add.
#[inline(always)]
pub(super) fn exp_polynomial<const FMA: bool>(x: f64) -> f64 {
    let mul_add = |x: f64, y: f64, z: f64| if FMA { x.mul_add(y, z) } else { x * y + z };
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // Adding 1.5·2^52 rounds to an integer, which then sits in the low bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let shifted = mul_add(x, LOG2_E, SHIFTER);
    let k = shifted - SHIFTER;
    let r = mul_add(-k, LN2_LO, mul_add(-k, LN2_HI, x));
    let mut e = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        e = mul_add(e, r, c);
    }
    // 2^k from the low bits of `shifted`: (k + 1023) in the exponent field.
    let two_to_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    e * two_to_k
}

/// `log1p(exp(-a))` for `0 <= a <= POLYNOMIAL_LIMIT`, without branches or
/// library calls, so that a loop over a row vectorises; with `FMA` each
/// polynomial step is one fused multiply-add. Either way it agrees with the
/// C library's `exp` and `log1p` to a few ulps (tested below), far inside
/// the 1e-12 that mlloss promises against PyTorch.
#[inline(always)]
fn log1p_exp_neg_polynomial<const FMA: bool>(a: f64) -> f64 {
    // One rounding per step with fused multiply-add, two without.
    let mul_add = |x: f64, y: f64, z: f64| if FMA { x.mul_add(y, z) } else { x * y + z };
    // t = exp(-a), by the same polynomial as every vectorised exp here.
    let t = exp_polynomial::<FMA>(-a);
    // log1p(t) = 2·atanh(s) with s = u/(2 + u), by its series in z = s².
    // For t >= 1/2, log1p(t) = ln 2 + log1p(u) with u = (t - 1)/2 (exact),
    // which keeps |s| <= 1/5 and z <= 1/25: the series to z^11/23 then
    // leaves less than 2e-17 relative.
    let upper = t >= 0.5;
    let u = if upper { (t - 1.0) * 0.5 } else { t };
    let s = u / (2.0 + u);
    let z = s * s;
    let mut q = 1.0 / 23.0;
    for c in [
        1.0 / 21.0,
        1.0 / 19.0,
        1.0 / 17.0,
        1.0 / 15.0,
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
    ] {
        q = mul_add(q, z, c);
    }
    let two_s = s + s;
    let log1p_u = mul_add(two_s, z * q, two_s);
    let (ln2_hi, ln2_lo) = if upper { (LN2_HI, LN2_LO) } else { (0.0, 0.0) };
    ln2_hi + (log1p_u + ln2_lo)
}

/// `out[j] = log1p(exp(-|x[j]|))` for a whole row; vectorises. Returns
/// whether some `|x[j]|` was beyond the polynomial's range (or NaN).
#[inline(always)]
pub(super) fn log1p_exp_neg_abs_row<const FMA: bool>(logits: &[f64], out: &mut [f64]) -> bool {
    let mut beyond = false;
    for (o, &x) in out.iter_mut().zip(logits) {
        let a = x.abs();
        beyond |= (a > POLYNOMIAL_LIMIT) | a.is_nan();
        *o = log1p_exp_neg_polynomial::<FMA>(a.min(POLYNOMIAL_LIMIT));
    }
    if beyond {
        for (o, &x) in out.iter_mut().zip(logits) {
            *o = log1p_exp_neg(x.abs());
        }
    }
    beyond
}

/// torch.sigmoid in float64: 1 / (1 + exp(−x)).
#[inline]
pub(super) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `base ** exponent` as PyTorch computes a tensor to a scalar power: the
/// common exponents by multiplication or square root, others by `pow`.
#[inline]
pub(super) fn torch_pow(base: f64, exponent: f64) -> f64 {
    match exponent {
        0.5 => base.sqrt(),
        1.0 => base,
        2.0 => base * base,
        3.0 => base * base * base,
        -0.5 => 1.0 / base.sqrt(),
        -1.0 => 1.0 / base,
        -2.0 => 1.0 / (base * base),
        _ => base.powf(exponent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between two positive finite values.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn polynomial_softplus_matches_the_c_library() {
        // Both forms: separate and fused multiply-add (`mul_add` rounds as
        // the hardware instruction does, so this runs on any CPU).
        let softplus = [
            log1p_exp_neg_polynomial::<false>,
            log1p_exp_neg_polynomial::<true>,
        ];
        for (fused, polynomial) in softplus.into_iter().enumerate() {
            let mut worst = 0;
            let mut a = 0.0f64;
            while a <= POLYNOMIAL_LIMIT {
                worst = worst.max(ulps(polynomial(a), (-a).exp().ln_1p()));
                a += 0.000_731;
            }
            for a in [0.0, 1e-300, 1e-17, 1e-9, 0.5, 1.0, 2.0, 36.7, 707.9, 708.0] {
                worst = worst.max(ulps(polynomial(a), (-a).exp().ln_1p()));
            }
            assert!(worst <= 4, "fused = {fused}: worst error {worst} ulps");
        }
        for a in [708.1, 745.0, 746.0, 1e6] {
            assert_eq!(log1p_exp_neg(a), (-a).exp().ln_1p());
        }
    }

    #[test]
    fn row_and_scalar_forms_agree() {
        let logits = [0.0, -1.5, 3.0, 709.0, -800.0, 1e-3, -40.0];
        let mut row = [0.0; 7];
        log1p_exp_neg_abs_row::<false>(&logits, &mut row);
        for (r, x) in row.iter().zip(logits) {
            assert_eq!(*r, log1p_exp_neg(x.abs()), "{x}");
        }
    }

    #[test]
    fn log_sigmoid_is_stable_at_extremes() {
        assert_eq!(log_sigmoid(0.0), -std::f64::consts::LN_2);
        assert_eq!(log_sigmoid(1e6), -0.0);
        assert_eq!(log_sigmoid(-1e6), -1e6);
        assert!((log_sigmoid(-745.0) + 745.0).abs() < 1e-12);
    }
}
