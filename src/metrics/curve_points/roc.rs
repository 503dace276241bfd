//! `sklearn.metrics.roc_curve(y, s)` (drop_intermediate=True) of one unit.
//!
//! At each distinct score, highest first, tp and fp are the positives and
//! negatives scoring at or above it. scikit-learn keeps the first and last
//! of these points and every one where tp or fp bends (a non-zero second
//! difference), then puts (0, 0) first with the threshold +∞; fpr = fp / N
//! and tpr = tp / P, NaN when N (or P) is 0, as its `UndefinedMetricWarning`
//! case gives.

/// One point of a ROC curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    /// The score (in the scores' own units) at or above which elements are
    /// predicted positive; +∞ for the first point.
    pub threshold: f64,
    pub fpr: f64,
    pub tpr: f64,
}

/// A unit's distinct scores, cumulated, with drop_intermediate decided one
/// score late (a point is kept or not once the next one is known).
#[derive(Debug, Clone, Default)]
pub struct RocPoints {
    tp: u64,
    fp: u64,
    /// The last two cumulative points `(score, tp, fp)`: the one before the
    /// undecided one, and the undecided one.
    before: Option<(f64, u64, u64)>,
    undecided: Option<(f64, u64, u64)>,
    /// The points kept, as counts.
    kept: Vec<(f64, u64, u64)>,
}

impl RocPoints {
    pub fn new() -> RocPoints {
        RocPoints::default()
    }

    /// The next distinct score, lower than the ones before, with its
    /// positives and negatives.
    #[inline]
    pub fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        self.tp += positives;
        self.fp += negatives;
        let next = (score, self.tp, self.fp);
        if let Some(current) = self.undecided {
            let keep = match self.before {
                // The first point is always kept.
                None => true,
                Some(before) => bends(before, current, next),
            };
            if keep {
                self.kept.push(current);
            }
            self.before = Some(current);
        }
        self.undecided = Some(next);
    }

    /// roc_curve's points: none for a unit without elements (where
    /// scikit-learn raises), else (+∞, 0, 0) and the kept points.
    pub fn finish(mut self) -> Vec<RocPoint> {
        let Some(last) = self.undecided else {
            return Vec::new();
        };
        self.kept.push(last);
        let (positives, negatives) = (self.tp, self.fp);
        let rate = |count: u64, total: u64| {
            if total == 0 {
                f64::NAN
            } else {
                count as f64 / total as f64
            }
        };
        let mut points = Vec::with_capacity(self.kept.len() + 1);
        points.push(RocPoint {
            threshold: f64::INFINITY,
            fpr: rate(0, negatives),
            tpr: rate(0, positives),
        });
        points.extend(self.kept.iter().map(|&(threshold, tp, fp)| RocPoint {
            threshold,
            fpr: rate(fp, negatives),
            tpr: rate(tp, positives),
        }));
        points
    }
}

/// Whether the middle point is a corner: np.diff(fps, 2) or np.diff(tps, 2)
/// is non-zero there (integer counts, so exact).
fn bends(before: (f64, u64, u64), current: (f64, u64, u64), next: (f64, u64, u64)) -> bool {
    let second = |a: u64, b: u64, c: u64| c - b != b - a;
    second(before.1, current.1, next.1) || second(before.2, current.2, next.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roc(groups: &[(f64, u64, u64)]) -> Vec<(f64, f64, f64)> {
        let mut points = RocPoints::new();
        for &(s, p, n) in groups {
            points.push(s, p, n);
        }
        points
            .finish()
            .iter()
            .map(|p| (p.threshold, p.fpr, p.tpr))
            .collect()
    }

    #[test]
    fn collinear_points_are_dropped_and_corners_kept() {
        // scikit-learn: roc_curve([1, 1, 0, 0, 1, 0], [.9, .8, .7, .6, .5, .4])
        // gives thresholds [inf, .9, .8, .6, .5, .4] (.7 lies on a line).
        let got = roc(&[
            (0.9, 1, 0),
            (0.8, 1, 0),
            (0.7, 0, 1),
            (0.6, 0, 1),
            (0.5, 1, 0),
            (0.4, 0, 1),
        ]);
        let thresholds: Vec<f64> = got.iter().map(|p| p.0).collect();
        assert_eq!(thresholds, vec![f64::INFINITY, 0.9, 0.8, 0.6, 0.5, 0.4]);
        assert_eq!(got[3], (0.6, 2.0 / 3.0, 2.0 / 3.0));
    }

    #[test]
    fn undefined_rates_are_nan_and_an_empty_unit_has_no_points() {
        let got = roc(&[(0.5, 0, 2), (0.1, 0, 1)]);
        assert!(got.iter().all(|p| p.2.is_nan()));
        assert_eq!(got[2].1, 1.0);
        assert!(roc(&[]).is_empty());
    }
}
