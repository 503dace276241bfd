//! One sample ranked, from its observed elements (a masked element is left
//! out before): what the ranking metrics (`kinds/`) read, and the sample's
//! own curve for AUROC and AP with `--average samples`.
//!
//! The sample's scores are grouped by value, best first
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

    /// (positives, negatives) at each distinct score, best first.
    pub fn groups(&self) -> &[(u64, u64)] {
        &self.groups
    }

    /// The positives among the k best-scored elements, ties broken by the
    /// lower class first.
    pub fn positives_in_top(&self, k: usize) -> usize {
        self.entries.iter().take(k).filter(|e| e.2).count()
    }

    /// The sample's own curve (AUROC, AP), for `--average samples`.
    pub fn curve(&self) -> Curve {
        let pos = self.positives;
        self.groups.iter().copied().curve(pos, self.len() - pos)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A sample ranked from its scores and 0/1 targets.
    pub(crate) fn ranked(scores: &[f64], targets: &[u8]) -> RankedRow {
        let mut row = RankedRow::default();
        row.rank(scores.iter().zip(targets).map(|(&s, &t)| (s, t == 1)));
        row
    }

    #[test]
    fn ties_put_the_lower_class_first() {
        let row = ranked(&[0.5, 0.5, 0.5], &[0, 1, 0]);
        assert_eq!(row.positives_in_top(1), 0);
        assert_eq!(row.positives_in_top(2), 1);
        assert_eq!(row.groups(), &[(1, 2)]);
    }
}
