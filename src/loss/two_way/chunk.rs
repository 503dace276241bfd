//! The two-way loss's row update, over chunks of classes: the class
//! states as columns and branch-free loops, so that the exps and the
//! compensated sums of a row run in vector registers.

use super::super::Missing;
use super::super::rows::{CHUNK, exp_in_place_with};
use super::{LogSumExp, TwoWay};

/// Each class's log-sum-exps over one set (its positives or its
/// negatives), as three columns (max, sum, compensation) so that a row's
/// update runs over the classes in vector registers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ClassSums {
    max: Vec<f64>,
    sum: Vec<f64>,
    compensation: Vec<f64>,
}

impl ClassSums {
    pub(super) fn len(&self) -> usize {
        self.max.len()
    }

    pub(super) fn clear(&mut self) {
        self.max.clear();
        self.sum.clear();
        self.compensation.clear();
    }

    /// Makes room for `classes` classes, the new ones empty.
    pub(super) fn widen(&mut self, classes: usize) {
        if self.len() < classes {
            self.max.resize(classes, f64::NEG_INFINITY);
            self.sum.resize(classes, 0.0);
            self.compensation.resize(classes, 0.0);
        }
    }

    pub(super) fn get(&self, class: usize) -> LogSumExp {
        LogSumExp {
            max: self.max[class],
            sum: self.sum[class],
            compensation: self.compensation[class],
        }
    }

    pub(super) fn set(&mut self, class: usize, state: LogSumExp) {
        self.max[class] = state.max;
        self.sum[class] = state.sum;
        self.compensation[class] = state.compensation;
    }

    pub(super) fn states(&self) -> Vec<LogSumExp> {
        (0..self.len()).map(|class| self.get(class)).collect()
    }

    pub(super) fn from_states(states: &[LogSumExp]) -> Self {
        let mut sums = ClassSums::default();
        sums.widen(states.len());
        for (class, &state) in states.iter().enumerate() {
            sums.set(class, state);
        }
        sums
    }

    pub(super) fn merge(&mut self, other: &ClassSums) {
        self.widen(other.len());
        for class in 0..other.len() {
            let mut state = self.get(class);
            state.merge(&other.get(class));
            self.set(class, state);
        }
    }
}

/// Adds `term` to a compensated sum: the rounding error of the addition
/// (Knuth's TwoSum, exact, without branches) goes to the compensation, as
/// [`LogSumExp::add_scaled`] does; adding 0 changes neither.
#[inline(always)]
fn two_sum(sum: &mut f64, compensation: &mut f64, term: f64) {
    let t = *sum + term;
    let part = t - *sum;
    *compensation += (*sum - (t - part)) + (term - part);
    *sum = t;
}

/// Up to [`CHUNK`] elements of a row: each value scaled by its
/// temperature (−x/Tp for a positive, x/Tn for a negative) and 1/0 masks
/// of the two sets. The exps of the class and row terms are then taken for
/// the whole chunk at once by the vectorised polynomial of `rows.rs`,
/// relative to a known maximum, instead of the C library's `exp` twice per
/// element; the loops run without branches, so that they vectorise (4-wide
/// where the CPU has AVX2 and FMA, chosen at run time).
struct Chunk {
    len: usize,
    scaled: [f64; CHUNK],
    positive: [f64; CHUNK],
    negative: [f64; CHUNK],
}

impl Chunk {
    #[inline(always)]
    fn of(loss: &TwoWay, x: &[f64], y: &[f64], missing: Option<Missing>) -> Self {
        let mut chunk = Chunk {
            len: x.len(),
            scaled: [0.0; CHUNK],
            positive: [0.0; CHUNK],
            negative: [0.0; CHUNK],
        };
        // No missing value: NaN, which no target equals.
        let (missing, missing_is_nan) = missing.map_or((f64::NAN, false), |m| (m.0, m.0.is_nan()));
        let (tp, tn) = (loss.tp, loss.tn);
        let lanes =
            (chunk.scaled.iter_mut()).zip(chunk.positive.iter_mut().zip(chunk.negative.iter_mut()));
        for ((&x, &y), (scaled, (positive, negative))) in x.iter().zip(y).zip(lanes) {
            let kept = !(y == missing || (y.is_nan() & missing_is_nan));
            let is_positive = kept & (y > 0.0);
            let (a, b) = (-x / tp, x / tn);
            *scaled = if is_positive { a } else { b };
            *positive = if is_positive { 1.0 } else { 0.0 };
            *negative = if kept & (y == 0.0) { 1.0 } else { 0.0 };
        }
        chunk
    }

    /// Adds each element to its class's state: exp(v − the class's max)
    /// for the whole chunk, and 0 to the other set's state. A value above
    /// its class's max (rare after the first rows), a NaN or an infinity
    /// takes the scalar [`LogSumExp::add`] instead, which rescales.
    #[inline(always)]
    fn add_to_classes<const FMA: bool>(
        &self,
        positives: &mut ClassSums,
        negatives: &mut ClassSums,
        start: usize,
    ) {
        let n = self.len;
        let classes = start..start + n;
        let (pmax, nmax) = (
            &positives.max[classes.clone()],
            &negatives.max[classes.clone()],
        );
        let mut terms = [0.0; CHUNK];
        let mut vectorised = [0.0; CHUNK];
        let mut scalar = false;
        let (scaled, positive, negative) =
            (&self.scaled[..n], &self.positive[..n], &self.negative[..n]);
        let maxes = pmax.iter().zip(nmax);
        let sets = positive.iter().zip(negative);
        let outs = terms[..n].iter_mut().zip(&mut vectorised[..n]);
        for (((&v, (&p, &q)), (&pmax, &nmax)), (term, vectorised)) in
            scaled.iter().zip(sets).zip(maxes).zip(outs)
        {
            let is_positive = p != 0.0;
            let member = is_positive | (q != 0.0);
            // A select of bits, so that both maxima are loaded and the
            // loop runs without branches.
            let choose_positive = u64::from(is_positive).wrapping_neg();
            let max = f64::from_bits(
                (pmax.to_bits() & choose_positive) | (nmax.to_bits() & !choose_positive),
            );
            let fits = member & (v <= max) & (max.abs() < f64::INFINITY);
            *term = if fits { v - max } else { 0.0 };
            *vectorised = if fits { 1.0 } else { 0.0 };
            scalar |= member & !fits;
        }
        exp_in_place_with::<FMA>(&mut terms[..n]);
        for (sums, mask) in [(&mut *positives, positive), (&mut *negatives, negative)] {
            let sum = &mut sums.sum[classes.clone()];
            let compensation = &mut sums.compensation[classes.clone()];
            let weights = terms[..n].iter().zip(&vectorised[..n]).zip(mask);
            for ((s, c), ((&term, &vectorised), &mask)) in
                sum.iter_mut().zip(compensation.iter_mut()).zip(weights)
            {
                two_sum(s, c, term * vectorised * mask);
            }
        }
        if scalar {
            for k in (0..n).filter(|&k| vectorised[k] == 0.0) {
                let sums = match (self.positive[k] != 0.0, self.negative[k] != 0.0) {
                    (true, _) => &mut *positives,
                    (_, true) => &mut *negatives,
                    _ => continue,
                };
                let mut state = sums.get(start + k);
                state.add(self.scaled[k]);
                sums.set(start + k, state);
            }
        }
    }

    /// The largest value of the chunk's positives and of its negatives
    /// (−∞ for none), in four lanes; `None` if one is NaN or infinite.
    #[inline(always)]
    fn tops(&self) -> Option<[f64; 2]> {
        // Past `len` the values and masks are 0.
        let padded = self.len.next_multiple_of(4);
        let mut top_positive = [f64::NEG_INFINITY; 4];
        let mut top_negative = [f64::NEG_INFINITY; 4];
        let mut finite = [true; 4];
        let blocks = (self.scaled[..padded].chunks_exact(4))
            .zip(self.positive[..padded].chunks_exact(4))
            .zip(self.negative[..padded].chunks_exact(4));
        for ((v, p), q) in blocks {
            for l in 0..4 {
                let (is_positive, is_negative) = (p[l] != 0.0, q[l] != 0.0);
                finite[l] &= !(is_positive | is_negative) | (v[l].abs() < f64::INFINITY);
                let (above_positive, above_negative) =
                    (v[l] > top_positive[l], v[l] > top_negative[l]);
                top_positive[l] = if is_positive & above_positive {
                    v[l]
                } else {
                    top_positive[l]
                };
                top_negative[l] = if is_negative & above_negative {
                    v[l]
                } else {
                    top_negative[l]
                };
            }
        }
        let top = |lanes: [f64; 4]| lanes.into_iter().fold(f64::NEG_INFINITY, f64::max);
        finite
            .iter()
            .all(|&f| f)
            .then(|| [top(top_positive), top(top_negative)])
    }

    /// The row's log-sum-exps over the chunk's positives and negatives,
    /// each relative to its set's largest value (so each sum is at least
    /// 1), summed in four compensated lanes; with a NaN or an infinity, by
    /// the scalar [`LogSumExp::add`].
    #[inline(always)]
    fn row_sums<const FMA: bool>(&self) -> [LogSumExp; 2] {
        let Some([top_positive, top_negative]) = self.tops() else {
            return self.row_sums_scalar();
        };
        let n = self.len;
        let mut terms = [0.0; CHUNK];
        let members = self.positive[..n].iter().zip(&self.negative[..n]);
        for ((term, &v), (&p, &q)) in terms[..n].iter_mut().zip(&self.scaled[..n]).zip(members) {
            let is_positive = p != 0.0;
            let top = if is_positive {
                top_positive
            } else {
                top_negative
            };
            *term = if is_positive | (q != 0.0) {
                v - top
            } else {
                0.0
            };
        }
        exp_in_place_with::<FMA>(&mut terms[..n]);
        // Past `n` the terms and masks are 0.
        let padded = n.next_multiple_of(4);
        let (mut positive_sum, mut positive_compensation) = ([0.0; 4], [0.0; 4]);
        let (mut negative_sum, mut negative_compensation) = ([0.0; 4], [0.0; 4]);
        let blocks = (terms[..padded].chunks_exact(4))
            .zip(self.positive[..padded].chunks_exact(4))
            .zip(self.negative[..padded].chunks_exact(4));
        for ((terms, p), q) in blocks {
            for l in 0..4 {
                two_sum(
                    &mut positive_sum[l],
                    &mut positive_compensation[l],
                    terms[l] * p[l],
                );
                two_sum(
                    &mut negative_sum[l],
                    &mut negative_compensation[l],
                    terms[l] * q[l],
                );
            }
        }
        let lanes = [
            (top_positive, positive_sum, positive_compensation),
            (top_negative, negative_sum, negative_compensation),
        ];
        lanes.map(|(max, sums, compensations)| {
            let mut state = LogSumExp {
                max,
                ..LogSumExp::default()
            };
            sums.into_iter().for_each(|sum| state.add_scaled(sum));
            state.compensation += compensations.iter().sum::<f64>();
            state
        })
    }

    /// [`Chunk::row_sums`] one value at a time, for NaN and infinities.
    fn row_sums_scalar(&self) -> [LogSumExp; 2] {
        let mut sums = [LogSumExp::default(); 2];
        for k in 0..self.len {
            if self.positive[k] != 0.0 {
                sums[0].add(self.scaled[k]);
            } else if self.negative[k] != 0.0 {
                sums[1].add(self.scaled[k]);
            }
        }
        sums
    }
}

/// One chunk of a row: its class terms added to the batch's states, its
/// row sums returned; the loops compiled with or without fused
/// multiply-add.
#[inline(always)]
fn add_chunk_with<const FMA: bool>(
    loss: &TwoWay,
    x: &[f64],
    y: &[f64],
    missing: Option<Missing>,
    sets: [&mut ClassSums; 2],
    start: usize,
) -> [LogSumExp; 2] {
    let chunk = Chunk::of(loss, x, y, missing);
    let [positives, negatives] = sets;
    chunk.add_to_classes::<FMA>(positives, negatives, start);
    chunk.row_sums::<FMA>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn add_chunk_avx2_fma(
    loss: &TwoWay,
    x: &[f64],
    y: &[f64],
    missing: Option<Missing>,
    sets: [&mut ClassSums; 2],
    start: usize,
) -> [LogSumExp; 2] {
    add_chunk_with::<true>(loss, x, y, missing, sets, start)
}

/// [`add_chunk_with`], 4-wide with fused multiply-add where the CPU has
/// AVX2 and FMA.
#[inline]
pub(super) fn add_chunk(
    loss: &TwoWay,
    x: &[f64],
    y: &[f64],
    missing: Option<Missing>,
    sets: [&mut ClassSums; 2],
    start: usize,
) -> [LogSumExp; 2] {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { add_chunk_avx2_fma(loss, x, y, missing, sets, start) };
    }
    add_chunk_with::<false>(loss, x, y, missing, sets, start)
}
