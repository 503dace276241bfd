//! scikit-learn's `ndcg_score`, ties averaged (`ignore_ties=False`), of
//! the k first places (`--k`) or all.

use crate::metrics::family::{Computation, MetricKind, Param, RankingMetric, Settings, Use};
use crate::metrics::row::RankedRow;

pub struct Ndcg;

impl Ndcg {
    pub const HELP: &str = "ndcg_score (--k, else every class)";
}

impl MetricKind for Ndcg {
    fn computation(&self) -> Computation<'_> {
        Computation::SampleRanking(self)
    }

    fn uses(&self) -> &'static [Use] {
        const USES: &[Use] = &[Use::optional(Param::K, "ndcg without it uses every class")];
        USES
    }

    fn single_class_problem(&self) -> Option<&'static str> {
        Some(
            "ndcg ranks the classes of a sample, and needs two or more (scikit-learn refuses one \
             too)",
        )
    }
}

impl RankingMetric for Ndcg {
    /// `table[i]` is Σ_{r ≤ i} 1/log₂(r + 2), the discount being 0 from
    /// position k on ([`discount_cumsum`]). 0 when the sample has no
    /// positive.
    fn of_sample(&self, row: &RankedRow, table: &[f64], _settings: &Settings) -> Option<f64> {
        Some(ndcg(row, table))
    }

    fn table(&self, settings: &Settings, classes: usize) -> Vec<f64> {
        discount_cumsum(classes, settings.k)
    }
}

fn ndcg(row: &RankedRow, discount_cumsum: &[f64]) -> f64 {
    let pos = row.positives() as usize;
    if pos == 0 {
        return 0.0;
    }
    let mut dcg = 0.0;
    let mut start = 0usize;
    for &(p, n) in row.groups() {
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
    use crate::metrics::row::tests::ranked;

    #[test]
    fn ndcg_of_a_perfect_ranking_is_one() {
        let cumsum = discount_cumsum(4, None);
        let row = ranked(&[4.0, 3.0, 2.0, 1.0], &[1, 1, 0, 0]);
        assert!((ndcg(&row, &cumsum) - 1.0).abs() < 1e-15);
        assert_eq!(ndcg(&ranked(&[1.0, 2.0], &[0, 0]), &cumsum), 0.0);
        // k = 1: only the first place counts.
        let cumsum = discount_cumsum(4, Some(1));
        assert_eq!(
            ndcg(&ranked(&[1.0, 3.0, 2.0, 0.0], &[1, 0, 1, 0]), &cumsum),
            0.0
        );
    }
}
