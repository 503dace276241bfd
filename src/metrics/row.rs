//! What one sample gives to the ranking metrics, from its observed
//! elements (a masked element is left out before): scikit-learn's
//! `label_ranking_loss`, `coverage_error`,
//! `label_ranking_average_precision_score` and `ndcg_score` (ties averaged),
//! P@k, and the sample's own AUROC and AP for `--average samples`.
//!
//! Each is computed from the sample's scores grouped by value, best first
//! ([`RankedRow::groups`]): at each distinct score, the positives and
//! negatives that have it. The names of the README's formulas: n elements,
//! n⁺ positives, n⁻ negatives.

use super::curve::{Curve, Groups, score_key};

/// One sample's elements in order of score, best first.
#[derive(Debug, Default)]
pub struct RankedRow {
    /// (score key, position among the observed elements, positive),
    /// sorted: best score first, then the lower position.
    entries: Vec<(u64, u32, bool)>,
    /// (positives, negatives) per distinct score, best first.
    groups: Vec<(u64, u64)>,
    positives: u64,
}

impl RankedRow {
    /// Ranks a sample's observed elements: `(score, positive)` in class order.
    pub fn rank(&mut self, elements: impl Iterator<Item = (f64, bool)>) {
        self.entries.clear();
        self.groups.clear();
        self.entries.extend(
            elements
                .enumerate()
                .map(|(i, (score, positive))| (score_key(score), i as u32, positive)),
        );
        self.entries.sort_unstable();
        self.positives = 0;
        let mut previous = None;
        for &(key, _, positive) in &self.entries {
            if previous != Some(key) {
                self.groups.push((0, 0));
                previous = Some(key);
            }
            let group = self.groups.last_mut().expect("pushed");
            if positive {
                group.0 += 1;
                self.positives += 1;
            } else {
                group.1 += 1;
            }
        }
    }

    /// n: the observed elements.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// n⁺.
    pub fn positives(&self) -> u64 {
        self.positives
    }

    /// The pairs (positive, negative) in which the negative scores at least
    /// as high, over n⁺ n⁻; 0 when either is 0 (the order is then right).
    pub fn label_ranking_loss(&self) -> f64 {
        let (pos, neg) = (self.positives, self.len() - self.positives);
        if pos == 0 || neg == 0 {
            return 0.0;
        }
        let mut negatives_above = 0u64;
        let mut wrong = 0u64;
        for &(p, n) in &self.groups {
            negatives_above += n;
            wrong += p * negatives_above;
        }
        wrong as f64 / (neg * pos) as f64
    }

    /// How far down the ranking all positives are: the elements scoring at
    /// least the lowest positive; 0 without positives.
    pub fn coverage(&self) -> f64 {
        let mut seen = 0u64;
        let mut coverage = 0u64;
        for &(p, n) in &self.groups {
            seen += p + n;
            if p > 0 {
                coverage = seen;
            }
        }
        coverage as f64
    }

    /// The mean over positives of (positives ranked at or above it) /
    /// (elements ranked at or above it); 1 when n⁺ is 0 or n.
    pub fn lrap(&self) -> f64 {
        let pos = self.positives;
        if pos == 0 || pos == self.len() {
            return 1.0;
        }
        let (mut rank, mut relevant) = (0u64, 0u64);
        let mut sum = 0.0;
        for &(p, n) in &self.groups {
            rank += p + n;
            relevant += p;
            for _ in 0..p {
                sum += relevant as f64 / rank as f64;
            }
        }
        sum / pos as f64
    }

    /// NDCG with ties averaged (scikit-learn's `ignore_ties=False`):
    /// `discount_cumsum[i]` is Σ_{r ≤ i} 1/log₂(r + 2), the discount being 0
    /// from position k on. 0 when the sample has no positive.
    pub fn ndcg(&self, discount_cumsum: &[f64]) -> f64 {
        let pos = self.positives as usize;
        if pos == 0 {
            return 0.0;
        }
        let mut dcg = 0.0;
        let mut start = 0usize;
        for &(p, n) in &self.groups {
            let count = (p + n) as usize;
            let end = start + count;
            let before = if start == 0 {
                0.0
            } else {
                discount_cumsum[start - 1]
            };
            let discount_sum = discount_cumsum[end - 1] - before;
            dcg += (p as f64 / count as f64) * discount_sum;
            start = end;
        }
        // The ideal ranking: the positives first (its discounts one by one,
        // as scikit-learn's dot product of discounts and sorted targets).
        let mut ideal = discount_cumsum[0];
        for i in 1..pos {
            ideal += discount_cumsum[i] - discount_cumsum[i - 1];
        }
        if ideal == 0.0 { 0.0 } else { dcg / ideal }
    }

    /// The positives among the k best-scored elements (ties: the lower
    /// class first), over k.
    pub fn precision_at_k(&self, k: usize) -> f64 {
        let hits = self.entries.iter().take(k).filter(|e| e.2).count();
        hits as f64 / k as f64
    }

    /// The sample's own curve (AUROC, AP), for `--average samples`.
    pub fn curve(&self) -> Curve {
        let pos = self.positives;
        self.groups.iter().copied().curve(pos, self.len() - pos)
    }
}

/// Σ_{r ≤ i} d_r for i < `n`, with NDCG's discount d_r = 1/log₂(r + 2)
/// (scikit-learn: 1 / (ln(r + 2) / ln 2)), 0 from position `k` on.
pub fn discount_cumsum(n: usize, k: Option<usize>) -> Vec<f64> {
    let mut sum = 0.0;
    (0..n)
        .map(|r| {
            let discount = if k.is_some_and(|k| r >= k) {
                0.0
            } else {
                1.0 / (((r + 2) as f64).ln() / 2f64.ln())
            };
            sum += discount;
            sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(scores: &[f64], targets: &[u8]) -> RankedRow {
        let mut row = RankedRow::default();
        row.rank(scores.iter().zip(targets).map(|(&s, &t)| (s, t == 1)));
        row
    }

    #[test]
    fn ranking_metrics_of_one_sample() {
        // scikit-learn's docstring examples, one sample at a time.
        let row = ranked(&[0.75, 0.5, 1.0], &[1, 0, 0]);
        assert_eq!(row.lrap(), 0.5);
        assert_eq!(row.coverage(), 2.0);
        assert_eq!(row.label_ranking_loss(), 0.5);
        let row = ranked(&[1.0, 0.2, 0.1], &[0, 0, 1]);
        assert_eq!(row.lrap(), 1.0 / 3.0);
        assert_eq!(row.coverage(), 3.0);
        assert_eq!(row.precision_at_k(1), 0.0);
        // Ties: P@k takes the lower class first.
        let row = ranked(&[0.5, 0.5, 0.5], &[0, 1, 0]);
        assert_eq!(row.precision_at_k(1), 0.0);
        assert_eq!(row.precision_at_k(2), 0.5);
        assert_eq!(row.label_ranking_loss(), 1.0);
    }

    #[test]
    fn ndcg_of_a_perfect_ranking_is_one() {
        let cumsum = discount_cumsum(4, None);
        let row = ranked(&[4.0, 3.0, 2.0, 1.0], &[1, 1, 0, 0]);
        assert!((row.ndcg(&cumsum) - 1.0).abs() < 1e-15);
        assert_eq!(ranked(&[1.0, 2.0], &[0, 0]).ndcg(&cumsum), 0.0);
        // k = 1: only the first place counts.
        let cumsum = discount_cumsum(4, Some(1));
        assert_eq!(
            ranked(&[1.0, 3.0, 2.0, 0.0], &[1, 0, 1, 0]).ndcg(&cumsum),
            0.0
        );
    }
}
