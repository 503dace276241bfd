//! `sklearn.metrics.precision_recall_curve(y, s)` of one unit (its default
//! drop_intermediate=False: every distinct score).
//!
//! At each distinct score, tp and fp count the elements at or above it:
//! precision = tp / (tp + fp), recall = tp / P (1 everywhere when P is 0,
//! scikit-learn's "No positive class found" case). scikit-learn lists them
//! lowest threshold first and ends with (precision 1, recall 0), which has
//! no threshold in its output: mlloss gives that point the threshold +∞,
//! the one above every score, at which nothing is predicted.

/// One point of a precision–recall curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrPoint {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
}

/// A unit's distinct scores, cumulated. scikit-learn's order is the walk's
/// reversed, so the points are held until `finish` (as many as the unit has
/// distinct scores, the size of the output itself).
#[derive(Debug, Clone, Default)]
pub struct PrPoints {
    tp: u64,
    fp: u64,
    cumulated: Vec<(f64, u64, u64)>,
}

impl PrPoints {
    pub fn new() -> PrPoints {
        PrPoints::default()
    }

    /// The next distinct score, lower than the ones before.
    #[inline]
    pub fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        self.tp += positives;
        self.fp += negatives;
        self.cumulated.push((score, self.tp, self.fp));
    }

    /// precision_recall_curve's points, lowest threshold first; none for a
    /// unit without elements (where scikit-learn raises).
    pub fn finish(self) -> Vec<PrPoint> {
        if self.cumulated.is_empty() {
            return Vec::new();
        }
        let positives = self.tp;
        let mut points: Vec<PrPoint> = self
            .cumulated
            .iter()
            .rev()
            .map(|&(threshold, tp, fp)| PrPoint {
                threshold,
                precision: if tp + fp == 0 {
                    0.0
                } else {
                    tp as f64 / (tp + fp) as f64
                },
                recall: if positives == 0 {
                    1.0
                } else {
                    tp as f64 / positives as f64
                },
            })
            .collect();
        points.push(PrPoint {
            threshold: f64::INFINITY,
            precision: 1.0,
            recall: 0.0,
        });
        points
    }
}

/// scikit-learn's `average_precision_score` from the points (lowest
/// threshold first): −Σ (recall_{k+1} − recall_k) · precision_k.
pub fn average_precision(points: &[PrPoint]) -> f64 {
    -points
        .windows(2)
        .map(|w| (w[1].recall - w[0].recall) * w[0].precision)
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_come_lowest_threshold_first_and_end_at_recall_zero() {
        // scikit-learn: precision_recall_curve([0, 1, 1, 0], [.1, .4, .35, .8])
        // gives precision [.5, 2/3, .5, 0, 1], recall [1, 1, .5, 0, 0] and
        // thresholds [.1, .35, .4, .8] (+∞ for the last point here).
        let mut curve = PrPoints::new();
        for (s, p, n) in [(0.8, 0, 1), (0.4, 1, 0), (0.35, 1, 0), (0.1, 0, 1)] {
            curve.push(s, p, n);
        }
        let points = curve.finish();
        let thresholds: Vec<f64> = points.iter().map(|p| p.threshold).collect();
        assert_eq!(thresholds, vec![0.1, 0.35, 0.4, 0.8, f64::INFINITY]);
        let precision: Vec<f64> = points.iter().map(|p| p.precision).collect();
        assert_eq!(precision, vec![0.5, 2.0 / 3.0, 0.5, 0.0, 1.0]);
        let recall: Vec<f64> = points.iter().map(|p| p.recall).collect();
        assert_eq!(recall, vec![1.0, 1.0, 0.5, 0.0, 0.0]);
        let ap = average_precision(&points);
        assert!((ap - (0.5 * 0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-15);
    }
}
