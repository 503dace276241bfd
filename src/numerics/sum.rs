//! Sums that do not depend on the order of their terms: the compensated
//! sum of one row, and [`ExactSum`], the exact sum of any number of f64
//! values rounded once, which keeps totals bit-identical whatever the
//! threads, chunks or shards.

/// Sum of a slice with compensation (Knuth's branch-free two-sum): the
/// error stays at about one ulp of the result instead of growing with the
/// number of terms.
///
/// Four interleaved sums run side by side (element i goes to sum i mod 4)
/// and are combined the same way at the end, so the additions do not wait
/// on each other; the order is fixed, so the result is the same on every
/// CPU and at every vector width.
#[inline]
pub fn compensated_sum(values: &[f64]) -> f64 {
    let (sum, compensation) = compensated_sum_parts(values);
    let total = sum + compensation;
    if total.is_finite() {
        total
    } else {
        // An infinity or NaN among the values, or a sum beyond f64's range:
        // two-sum's error terms are then NaN, the plain sum is what IEEE
        // arithmetic (and PyTorch) gives.
        values.iter().sum()
    }
}

/// The compensated sum as two parts, `sum + compensation`, whose exact
/// total is within about n·ε² of the values' magnitude of the true sum:
/// adding both parts exactly (as [`Accumulator`] does) keeps a total
/// correctly rounded even when rows cancel each other.
#[inline]
pub(crate) fn compensated_sum_parts(values: &[f64]) -> (f64, f64) {
    #[inline(always)]
    fn two_sum(sum: &mut f64, compensation: &mut f64, x: f64) {
        let t = *sum + x;
        let x_part = t - *sum;
        *compensation += (*sum - (t - x_part)) + (x - x_part);
        *sum = t;
    }
    let mut sums = [0.0f64; 4];
    let mut compensations = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in &mut chunks {
        for lane in 0..4 {
            two_sum(&mut sums[lane], &mut compensations[lane], chunk[lane]);
        }
    }
    for (lane, &x) in chunks.remainder().iter().enumerate() {
        two_sum(&mut sums[lane], &mut compensations[lane], x);
    }
    let (mut sum, mut compensation) = (0.0, compensations.iter().sum::<f64>());
    for lane_sum in sums {
        two_sum(&mut sum, &mut compensation, lane_sum);
    }
    (sum, compensation)
}

/// The loss of one sample as mlsm `none` and the `row` reduction define it:
/// the mean of its element losses.
#[inline]
pub fn row_mean(element_losses: &[f64]) -> f64 {
    compensated_sum(element_losses) / element_losses.len() as f64
}

/// Digits of [`ExactSum`]: base 2^32 digits covering every f64 from 2^-1074
/// up, with room for 2^64 times the largest f64.
const LIMBS: usize = 70;

/// Additions between two carry propagations: each moves a digit by less
/// than 2^32, so a digit stays below 2^62 in magnitude.
const ADDS_BEFORE_CARRY: u32 = 1 << 30;

/// The exact sum of f64 values, rounded once at the end.
///
/// Every finite f64 is an integer multiple of 2^-1074, so the sum is held as
/// a wide fixed-point integer. Adding is a few integer operations; the
/// result is the correctly rounded exact sum, whatever the order in which
/// values (or partial sums, see [`ExactSum::merge`]) arrive, so totals are
/// bit-identical whatever the threads, chunk sizes or shards.
#[derive(Clone, Debug, PartialEq)]
pub struct ExactSum {
    /// Base 2^32 digits, least significant first; between carry propagations
    /// a digit may leave [0, 2^32), and the top one carries the sign.
    limbs: Box<[i64; LIMBS]>,
    adds_since_carry: u32,
    /// The IEEE sum of the infinities and NaNs added, if any.
    special: Option<f64>,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: Box::new([0; LIMBS]),
            adds_since_carry: 0,
            special: None,
        }
    }
}

impl ExactSum {
    #[inline]
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.special = Some(self.special.map_or(value, |s| s + value));
            return;
        }
        let bits = value.to_bits();
        let biased_exponent = ((bits >> 52) & 0x7ff) as usize;
        let mut significand = bits & ((1u64 << 52) - 1);
        // value = significand × 2^(position - 1074)
        let position = if biased_exponent == 0 {
            0
        } else {
            significand |= 1u64 << 52;
            biased_exponent - 1
        };
        let (limb, shift) = (position / 32, position % 32);
        let wide = (significand as u128) << shift;
        let digits = [
            (wide & 0xffff_ffff) as i64,
            ((wide >> 32) & 0xffff_ffff) as i64,
            (wide >> 64) as i64,
        ];
        let target = &mut self.limbs[limb..limb + 3];
        if value.is_sign_negative() {
            for (t, d) in target.iter_mut().zip(digits) {
                *t -= d;
            }
        } else {
            for (t, d) in target.iter_mut().zip(digits) {
                *t += d;
            }
        }
        self.adds_since_carry += 1;
        if self.adds_since_carry == ADDS_BEFORE_CARRY {
            self.carry();
        }
    }

    /// Brings every digit but the top one into [0, 2^32).
    fn carry(&mut self) {
        carry(&mut self.limbs);
        self.adds_since_carry = 0;
    }

    /// Adds another exact sum to this one.
    pub fn merge(&mut self, other: &ExactSum) {
        self.carry();
        let mut other_limbs = other.limbs.clone();
        carry(&mut other_limbs);
        for (a, b) in self.limbs.iter_mut().zip(other_limbs.iter()) {
            *a += b;
        }
        self.carry();
        if let Some(s) = other.special {
            self.special = Some(self.special.map_or(s, |t| t + s));
        }
    }

    /// The exact sum rounded to the nearest f64 (ties to even).
    pub fn value(&self) -> f64 {
        if let Some(special) = self.special {
            return special;
        }
        let (negative, limbs) = self.sign_and_magnitude();
        let Some(top) = limbs.iter().rposition(|&l| l != 0) else {
            return 0.0;
        };
        let magnitude = if top < 2 {
            let exact = ((limbs[1] as u128) << 32) | limbs[0] as u128;
            // Below 2^64 × 2^-1074: one rounding, then an exact scaling.
            scale_by_power_of_two(exact as f64, -1074)
        } else {
            let mut high = ((limbs[top] as u128) << 64)
                | ((limbs[top - 1] as u128) << 32)
                | limbs[top - 2] as u128;
            // `high` has at least 65 significant bits, so its lowest bit is
            // far below the rounding position and can stand for all the
            // digits below it (a sticky bit).
            if limbs[..top - 2].iter().any(|&l| l != 0) {
                high |= 1;
            }
            scale_by_power_of_two(high as f64, 32 * (top as i32 - 2) - 1074)
        };
        if negative { -magnitude } else { magnitude }
    }
}

impl ExactSum {
    /// The sign, and the magnitude as carried digits, each in [0, 2^32).
    /// (Carried, a negative sum is all digits below a -1 on top: negating
    /// and carrying again gives the magnitude's digits.)
    fn sign_and_magnitude(&self) -> (bool, Box<[i64; LIMBS]>) {
        let mut limbs = self.limbs.clone();
        carry(&mut limbs);
        let negative = limbs[LIMBS - 1] < 0;
        if negative {
            for limb in limbs.iter_mut() {
                *limb = -*limb;
            }
            carry(&mut limbs);
        }
        (negative, limbs)
    }

    /// The sum as exact f64 terms: each carried 32-bit digit times its
    /// power of two (32 bits fit a double exactly), the largest first.
    pub fn to_terms(&self) -> Terms {
        let special = self.special.map(|v| {
            if v.is_nan() {
                "nan".to_owned()
            } else if v > 0.0 {
                "inf".to_owned()
            } else {
                "-inf".to_owned()
            }
        });
        let (negative, limbs) = self.sign_and_magnitude();
        let sign = if negative { -1.0 } else { 1.0 };
        let terms = limbs
            .iter()
            .enumerate()
            .rev()
            .filter(|&(_, &l)| l != 0)
            .map(|(i, &l)| sign * scale_by_power_of_two(l as f64, 32 * i as i32 - 1074))
            .collect();
        Terms { terms, special }
    }

    /// The sum of `terms`, exactly.
    pub fn from_terms(terms: &Terms) -> ExactSum {
        let mut sum = ExactSum::default();
        for &t in &terms.terms {
            sum.add(t);
        }
        sum.special = terms.special.as_deref().map(|s| match s {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => f64::NAN,
        });
        sum
    }
}

fn carry(limbs: &mut [i64; LIMBS]) {
    for i in 0..LIMBS - 1 {
        let c = limbs[i] >> 32;
        limbs[i] -= c << 32;
        limbs[i + 1] += c;
    }
}

/// x × 2^exponent, exact unless the result overflows (to infinity); `x` is
/// at least 1, so intermediate steps stay normal.
fn scale_by_power_of_two(mut x: f64, mut exponent: i32) -> f64 {
    let power = |e: i32| f64::from_bits(((1023 + e) as u64) << 52);
    while exponent > 1000 {
        x *= power(1000);
        exponent -= 1000;
    }
    while exponent < -1000 {
        x *= power(-1000);
        exponent += 1000;
    }
    x * power(exponent)
}

/// In states, as its exact [`Terms`].
impl serde::Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_terms().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ExactSum, D::Error> {
        Ok(ExactSum::from_terms(&Terms::deserialize(d)?))
    }
}

impl ExactSum {
    /// Whether the sum is finite (no infinity or NaN was added).
    pub fn is_finite(&self) -> bool {
        self.special.is_none()
    }
}

impl Terms {
    /// Whether `special`, if any, is one that [`ExactSum::to_terms`] writes.
    pub fn special_is_known(&self) -> bool {
        matches!(self.special.as_deref(), None | Some("nan" | "inf" | "-inf"))
    }
}

/// An exact sum as f64 terms, largest first, whose exact sum it is; a NaN
/// or infinite total as `special` (JSON has no such numbers).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Terms {
    pub terms: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_with_infinities_follow_ieee() {
        let inf = f64::INFINITY;
        assert_eq!(compensated_sum(&[1.0, inf, 2.0, 3.0, 4.0]), inf);
        assert!(compensated_sum(&[1.0, inf, -inf]).is_nan());
        assert_eq!(compensated_sum(&[f64::MAX, f64::MAX, 1.0, 1.0]), inf);
        let mut total = ExactSum::default();
        for v in [1.0, inf, 2.0] {
            total.add(v);
        }
        assert_eq!(total.value(), inf);
        total.add(-inf);
        assert!(total.value().is_nan());
    }

    #[test]
    fn compensated_sum_recovers_cancelled_terms() {
        assert_eq!(compensated_sum(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(compensated_sum(&[0.1; 10]), 1.0);
    }

    fn exact(values: &[f64]) -> f64 {
        let mut sum = ExactSum::default();
        values.iter().for_each(|&v| sum.add(v));
        sum.value()
    }

    #[test]
    fn exact_sum_is_correctly_rounded() {
        assert_eq!(exact(&[]), 0.0);
        assert_eq!(exact(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(exact(&[0.1; 10]), 1.0); // as Python's math.fsum
        assert_eq!(exact(&[f64::MAX, -f64::MAX, 5e-324]), 5e-324);
        assert_eq!(exact(&[5e-324, 5e-324]), 1e-323);
        assert_eq!(exact(&[-2.5, 1.0]), -1.5);
        assert_eq!(exact(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(exact(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX);
        // 1 + 2^-53 + 2^-105: the tail breaks the tie upwards.
        assert_eq!(
            exact(&[1.0, 2f64.powi(-53), 2f64.powi(-105)]),
            1.0 + f64::EPSILON
        );
        assert_eq!(exact(&[1.0, 2f64.powi(-53)]), 1.0);
        assert!(exact(&[f64::INFINITY, -f64::INFINITY]).is_nan());
        assert_eq!(exact(&[f64::INFINITY, 1.0]), f64::INFINITY);
    }

    #[test]
    fn exact_sum_ignores_order_and_splits() {
        let mut state = 7u64;
        let values: Vec<f64> = (0..10_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
                let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
                sign * mantissa * 10f64.powi((i % 41) - 20)
            })
            .collect();
        let forward = exact(&values);
        let mut reversed = values.clone();
        reversed.reverse();
        assert_eq!(exact(&reversed), forward);
        let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
        values[..3333].iter().for_each(|&v| left.add(v));
        values[3333..].iter().for_each(|&v| right.add(v));
        left.merge(&right);
        assert_eq!(left.value(), forward);
    }

    #[test]
    fn exact_sum_carries_when_digits_fill_up() {
        // Start just before a carry is due, with values whose digits are all
        // at their largest, so that the carry path runs mid-sum.
        let mut sum = ExactSum {
            adds_since_carry: ADDS_BEFORE_CARRY - 2,
            ..ExactSum::default()
        };
        let v = f64::from_bits(0x3fff_ffff_ffff_ffff);
        for _ in 0..4 {
            sum.add(v);
        }
        assert_eq!(sum.adds_since_carry, 2);
        assert_eq!(sum.value(), 4.0 * v);
    }
}
