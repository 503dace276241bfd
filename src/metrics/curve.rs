//! AUROC and average precision of one unit (a class, a sample, or every
//! element pooled), as scikit-learn's `roc_auc_score` and
//! `average_precision_score` give them, ties included.
//!
//! Both read the unit's scores from the highest down, grouped by value: at
//! each distinct score, the positives `pos` and negatives `neg` that have
//! it. With tp and fp the counts at or above the score (P and N in all):
//!
//! - AUROC = Σ neg · (tp_before + tp_after) / (2 P N): the trapezoids of
//!   the ROC curve through each distinct threshold, which scikit-learn
//!   integrates; counted in integers, so exact before the one division;
//! - AP = Σ (tp/P − tp_before/P) · tp / (tp + fp) over the scores that
//!   have positives: scikit-learn's step integral of precision over recall.

use serde::{Deserialize, Serialize};

/// What reads a unit's scores walked from the highest down, grouped by
/// value: the running sums of AUROC and AP ([`Curve`]), and the commands
/// that need every cut (`tune`'s best threshold, `curves`' points).
pub trait GroupSink {
    /// The next distinct score, lower than the ones before, with the
    /// unit's positives and negatives that have it. `score` is in the
    /// scores' own units (the logit or probability as read); from `--bins`'
    /// histograms it is the bin's lower edge, a probability.
    fn push(&mut self, score: f64, positives: u64, negatives: u64);
}

/// The running sums of one unit's curve.
#[derive(Debug, Clone)]
pub struct Curve {
    positives: u64,
    negatives: u64,
    tp: u64,
    fp: u64,
    /// 2 × the number of (positive, negative) pairs ranked right, ties
    /// counting one half each.
    twice_pairs: u128,
    /// The AP terms, summed with Neumaier's compensation.
    ap: f64,
    ap_compensation: f64,
}

impl Curve {
    /// A unit with `positives` positives and `negatives` negatives.
    pub fn new(positives: u64, negatives: u64) -> Curve {
        Curve {
            positives,
            negatives,
            tp: 0,
            fp: 0,
            twice_pairs: 0,
            ap: 0.0,
            ap_compensation: 0.0,
        }
    }

    /// The next distinct score, lower than the ones before.
    #[inline]
    pub fn add_group(&mut self, pos: u64, neg: u64) {
        let tp_before = self.tp;
        self.tp += pos;
        self.fp += neg;
        self.twice_pairs += u128::from(neg) * u128::from(tp_before + self.tp);
        if pos > 0 {
            let p = self.positives as f64;
            let recall_step = self.tp as f64 / p - tp_before as f64 / p;
            let precision = self.tp as f64 / (self.tp + self.fp) as f64;
            let term = recall_step * precision;
            let t = self.ap + term;
            self.ap_compensation += if self.ap.abs() >= term.abs() {
                (self.ap - t) + term
            } else {
                (term - t) + self.ap
            };
            self.ap = t;
        }
    }

    /// AUROC; `None` (undefined) without positives or without negatives.
    pub fn roc_auc(&self) -> Option<f64> {
        if self.positives == 0 || self.negatives == 0 {
            return None;
        }
        let pairs = 2.0 * self.positives as f64 * self.negatives as f64;
        Some(self.twice_pairs as f64 / pairs)
    }

    /// Average precision; `None` (undefined) without positives.
    pub fn average_precision(&self) -> Option<f64> {
        if self.positives == 0 {
            return None;
        }
        Some((self.ap + self.ap_compensation).max(0.0))
    }
}

/// A score as a key whose ascending order is the scores' descending order
/// (−0 and +0 are one score, as they are to numpy).
#[inline]
pub fn score_key(score: f64) -> u64 {
    let score = if score == 0.0 { 0.0 } else { score };
    let bits = score.to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    !ascending
}

/// The score of a key made by [`score_key`] (−0 comes back as +0).
#[inline]
pub fn key_score(key: u64) -> f64 {
    let ascending = !key;
    let bits = if ascending >> 63 == 1 {
        ascending & !(1 << 63)
    } else {
        !ascending
    };
    f64::from_bits(bits)
}

impl GroupSink for Curve {
    #[inline]
    fn push(&mut self, _score: f64, positives: u64, negatives: u64) {
        self.add_group(positives, negatives);
    }
}

/// Walks two ascending streams of keys (`score_key`: best score first), of
/// the positives and of the negatives, grouping equal keys into `sink`.
pub fn walk_groups(
    mut positives: impl Iterator<Item = u64>,
    mut negatives: impl Iterator<Item = u64>,
    sink: &mut impl GroupSink,
) {
    let mut pos_head = positives.next();
    let mut neg_head = negatives.next();
    loop {
        let key = match (pos_head, neg_head) {
            (Some(p), Some(n)) => p.min(n),
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (None, None) => return,
        };
        let mut pos = 0;
        while pos_head == Some(key) {
            pos += 1;
            pos_head = positives.next();
        }
        let mut neg = 0;
        while neg_head == Some(key) {
            neg += 1;
            neg_head = negatives.next();
        }
        sink.push(key_score(key), pos, neg);
    }
}

/// Source of a unit's groups for [`Groups::curve`]: anything that yields
/// `(pos, neg)` per distinct score, best first.
pub trait Groups {
    /// The curve of these groups, for a unit of `positives` and `negatives`.
    fn curve(self, positives: u64, negatives: u64) -> Curve;
}

impl<I: Iterator<Item = (u64, u64)>> Groups for I {
    fn curve(self, positives: u64, negatives: u64) -> Curve {
        let mut curve = Curve::new(positives, negatives);
        for (pos, neg) in self {
            curve.add_group(pos, neg);
        }
        curve
    }
}

/// `--bins B`: per class, the positives and negatives whose probability
/// (σ of a logit, or the probability given) falls in each of B equal bins
/// of [0, 1]. Scores in one bin count as tied, so the binned AUROC is the
/// exact AUROC of the scores rounded to their bins: it differs from the
/// exact value by at most Σ_b pos_b · neg_b / (2 P N) (the pairs that share
/// a bin, each of which may count ½ instead of 0 or 1), which
/// [`Bins::roc_auc_bound`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bins {
    pub bins: usize,
    /// `[positives, negatives]` of class j's bin b at `j * bins + b`.
    pub counts: Vec<[u64; 2]>,
}

impl Bins {
    pub fn new(classes: usize, bins: usize) -> Bins {
        Bins {
            bins,
            counts: vec![[0, 0]; classes * bins],
        }
    }

    /// As [`Bins::new`], but an allocation the system refuses is an error,
    /// not an abort: B × C is the user's to choose.
    pub fn try_new(classes: usize, bins: usize) -> Result<Bins, std::collections::TryReserveError> {
        let mut counts = Vec::new();
        counts.try_reserve_exact(classes.saturating_mul(bins))?;
        counts.resize(classes * bins, [0, 0]);
        Ok(Bins { bins, counts })
    }

    /// The bin of a probability.
    #[inline]
    pub fn bin(&self, probability: f64) -> usize {
        ((probability * self.bins as f64) as usize).min(self.bins - 1)
    }

    #[inline]
    pub fn add(&mut self, class: usize, probability: f64, positive: bool) {
        let b = self.bin(probability);
        self.counts[class * self.bins + b][usize::from(!positive)] += 1;
    }

    pub fn merge(&mut self, other: &Bins) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            a[0] += b[0];
            a[1] += b[1];
        }
    }

    /// Class `class`'s bins, or every class's pooled (`None`), highest first.
    pub fn groups(&self, class: Option<usize>) -> Vec<(u64, u64)> {
        let classes = self.counts.len() / self.bins.max(1);
        let mut groups = vec![(0u64, 0u64); self.bins];
        let range = match class {
            Some(j) => j..j + 1,
            None => 0..classes,
        };
        for j in range {
            for (b, group) in groups.iter_mut().enumerate() {
                let [pos, neg] = self.counts[j * self.bins + b];
                group.0 += pos;
                group.1 += neg;
            }
        }
        groups.reverse();
        groups
    }

    /// Class `class`'s bins (or every class's pooled: `None`) into `sink`,
    /// highest first, each at its lower edge b / B; empty bins are left out.
    pub fn walk(&self, class: Option<usize>, sink: &mut impl GroupSink) {
        let groups = self.groups(class);
        let top = groups.len();
        for (i, &(pos, neg)) in groups.iter().enumerate() {
            if pos + neg > 0 {
                sink.push((top - 1 - i) as f64 / self.bins as f64, pos, neg);
            }
        }
    }

    /// How far the binned AUROC of these groups can be from the exact one.
    pub fn roc_auc_bound(groups: &[(u64, u64)]) -> f64 {
        let (p, n) = groups
            .iter()
            .fold((0u64, 0u64), |(p, n), &(a, b)| (p + a, n + b));
        if p == 0 || n == 0 {
            return 0.0;
        }
        let shared: u128 = groups
            .iter()
            .map(|&(a, b)| u128::from(a) * u128::from(b))
            .sum();
        shared as f64 / (2.0 * p as f64 * n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AUROC by its definition: pairs ranked right, ties one half.
    fn pairwise_auc(pos: &[f64], neg: &[f64]) -> f64 {
        let mut wins = 0.0;
        for &p in pos {
            for &n in neg {
                wins += if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        wins / (pos.len() * neg.len()) as f64
    }

    fn curve_of(pos: &[f64], neg: &[f64]) -> Curve {
        let mut p: Vec<u64> = pos.iter().map(|&s| score_key(s)).collect();
        let mut n: Vec<u64> = neg.iter().map(|&s| score_key(s)).collect();
        p.sort_unstable();
        n.sort_unstable();
        let mut curve = Curve::new(p.len() as u64, n.len() as u64);
        walk_groups(p.into_iter(), n.into_iter(), &mut curve);
        curve
    }

    #[test]
    fn auc_counts_ties_as_halves() {
        let pos = [0.9, 0.5, 0.5, -3.0, 0.0];
        let neg = [0.5, 0.1, -0.0, -7.0, 0.9];
        let got = curve_of(&pos, &neg).roc_auc().unwrap();
        assert!((got - pairwise_auc(&pos, &neg)).abs() < 1e-15);
    }

    #[test]
    fn keys_order_scores_best_first() {
        let scores = [
            f64::MAX,
            1e300,
            2.0,
            1.0,
            1e-300,
            0.0,
            -1e-300,
            -1.0,
            -f64::MAX,
        ];
        let keys: Vec<u64> = scores.iter().map(|&s| score_key(s)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(score_key(0.0), score_key(-0.0));
        for s in scores {
            assert_eq!(key_score(score_key(s)).to_bits(), s.to_bits(), "{s}");
        }
        assert_eq!(key_score(score_key(-0.0)).to_bits(), 0.0f64.to_bits());
        for s in [f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE, -5e-324] {
            assert_eq!(key_score(score_key(s)), s);
        }
    }

    /// Records every group a walk gives.
    #[derive(Default)]
    struct Recorded(Vec<(f64, u64, u64)>);

    impl GroupSink for Recorded {
        fn push(&mut self, score: f64, positives: u64, negatives: u64) {
            self.0.push((score, positives, negatives));
        }
    }

    #[test]
    fn walks_give_each_distinct_score_once_highest_first() {
        let mut p: Vec<u64> = [0.5, 2.0, 0.5, -1.0].map(score_key).to_vec();
        let mut n: Vec<u64> = [2.0, -0.0, 0.0, 7.0].map(score_key).to_vec();
        p.sort_unstable();
        n.sort_unstable();
        let mut seen = Recorded::default();
        walk_groups(p.into_iter(), n.into_iter(), &mut seen);
        let want = [
            (7.0, 0, 1),
            (2.0, 1, 1),
            (0.5, 2, 0),
            (0.0, 0, 2),
            (-1.0, 1, 0),
        ];
        assert_eq!(seen.0, want);
        let mut bins = Bins::new(2, 4);
        bins.add(1, 0.9, true);
        bins.add(1, 0.3, false);
        bins.add(1, 1.0, false);
        bins.add(0, 0.6, true);
        let mut seen = Recorded::default();
        bins.walk(Some(1), &mut seen);
        assert_eq!(seen.0, [(0.75, 1, 1), (0.25, 0, 1)]);
        let mut seen = Recorded::default();
        bins.walk(None, &mut seen);
        assert_eq!(seen.0, [(0.75, 1, 1), (0.5, 1, 0), (0.25, 0, 1)]);
    }

    #[test]
    fn average_precision_of_a_perfect_and_a_reversed_ranking() {
        assert_eq!(curve_of(&[3.0, 2.0], &[1.0]).average_precision(), Some(1.0));
        // Positives last: precision 1/2 then 2/3 at recall 1/2 and 1.
        let ap = curve_of(&[1.0, 0.5], &[3.0]).average_precision().unwrap();
        assert!((ap - (0.5 * 0.5 + 0.5 * (2.0 / 3.0))).abs() < 1e-15);
        assert_eq!(curve_of(&[], &[1.0]).average_precision(), None);
        assert_eq!(curve_of(&[1.0], &[]).roc_auc(), None);
    }

    #[test]
    fn bins_bound_the_distance_to_the_exact_auc() {
        let pos = [0.91, 0.52, 0.55, 0.13, 0.5];
        let neg = [0.58, 0.11, 0.3, 0.07, 0.95];
        let exact = curve_of(&pos, &neg).roc_auc().unwrap();
        for b in [1, 2, 3, 10, 100] {
            let mut bins = Bins::new(1, b);
            for &p in &pos {
                bins.add(0, p, true);
            }
            for &n in &neg {
                bins.add(0, n, false);
            }
            let groups = bins.groups(Some(0));
            let binned = groups.iter().copied().curve(5, 5).roc_auc().unwrap();
            assert!((binned - exact).abs() <= Bins::roc_auc_bound(&groups) + 1e-15);
        }
    }
}
