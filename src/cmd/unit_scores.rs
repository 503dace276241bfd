//! Whether every score read lies in [0, 1]: probabilities given where
//! logits are read (`metrics`' default `--scores logits`, a loss kind that
//! applies σ itself). The number would be computed on σ(p) — wrong, and
//! with exit 0 — so mlloss says so and names the option; it does not
//! guess (torchmetrics does, from exactly this, and gets AUROC wrong when
//! real logits happen to lie in [0, 1]).
//!
//! Each thread looks at its rows until it sees a score outside [0, 1],
//! and then no more: real logits stop it on the first row or so.

use crate::error::warn;

/// What a thread has seen of the scores.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct UnitScores {
    /// Rows seen (until one outside [0, 1]).
    rows: u64,
    /// A score outside [0, 1] (or NaN) was seen.
    outside: bool,
}

impl UnitScores {
    #[inline]
    pub(crate) fn see(&mut self, scores: &[f64]) {
        if !self.outside {
            self.rows += 1;
            self.outside = scores.iter().any(|s| !(0.0..=1.0).contains(s));
        }
    }

    pub(crate) fn merge(&mut self, other: UnitScores) {
        self.rows += other.rows;
        self.outside |= other.outside;
    }

    /// Warns, once every row is seen, if all scores lay in [0, 1]; `file`
    /// holds them, `fix` is the option that reads probabilities.
    pub(crate) fn warn_if_probabilities(self, file: &str, read_as: &str, fix: &str) {
        if self.rows > 0 && !self.outside {
            warn(&format!(
                "every score in {file} lies in [0, 1]: probabilities read as {read_as}? ({fix} reads probabilities)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UnitScores;

    #[test]
    fn one_score_outside_the_unit_interval_is_enough() {
        let mut a = UnitScores::default();
        a.see(&[0.0, 1.0, 0.5]);
        assert!(a.rows == 1 && !a.outside);
        let mut b = UnitScores::default();
        b.see(&[0.2, -0.1]);
        b.see(&[0.2, 0.3]);
        assert_eq!(b.rows, 1, "no more rows looked at");
        a.merge(b);
        assert!(a.outside);
        let mut nan = UnitScores::default();
        nan.see(&[f64::NAN]);
        assert!(nan.outside);
    }
}
