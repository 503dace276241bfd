//! `sklearn.calibration.calibration_curve(y, p, n_bins, strategy)` of one
//! unit, with each non-empty bin's index and count.
//!
//! Edges: `uniform` is `np.linspace(0, 1, n + 1)` (e_k = k · (1/n), the
//! last 1); `quantile` is `np.percentile(p, np.linspace(0, 1, n + 1) *
//! 100)` (numpy's linear method, computed as numpy does below). A
//! probability's bin is `np.searchsorted(edges[1:-1], p)`: the number of
//! inner edges strictly below it, so one exactly on an inner edge goes to
//! the lower bin and 1.0 to the last. Per bin: mean_predicted = Σ p / count,
//! fraction_positive = positives / count; empty bins are not written.
//!
//! The walk gives the distinct scores highest first; quantile edges need
//! the order statistics at known ranks (the unit's size is given), and a
//! group's bin is decided one group late, when every value an edge at or
//! above it needs has been seen (edges lower than that lie below it).

/// How the bins' edges are chosen (`--calibration-binning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binning {
    Uniform,
    Quantile,
}

/// One non-empty bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityBin {
    /// The 0-based index of the bin among the n.
    pub bin: usize,
    pub mean_predicted: f64,
    pub fraction_positive: f64,
    pub count: u64,
}

/// What one edge of a quantile binning needs: the values at two ranks
/// (ascending, 0-based) and the weight between them.
#[derive(Debug, Clone, Copy)]
struct QuantileEdge {
    below: u64,
    above: u64,
    gamma: f64,
    below_value: Option<f64>,
    above_value: Option<f64>,
}

impl QuantileEdge {
    /// numpy's `_lerp(a, b, t)`: a + (b − a)·t, or b − (b − a)·(1 − t) for
    /// t ≥ 0.5.
    fn value(&self) -> Option<f64> {
        let (a, b, t) = (self.below_value?, self.above_value?, self.gamma);
        let diff = b - a;
        Some(if t >= 0.5 {
            b - diff * (1.0 - t)
        } else {
            a + diff * t
        })
    }
}

/// A group of equal probabilities waiting for its bin.
#[derive(Debug, Clone, Copy)]
struct Pending {
    probability: f64,
    positives: u64,
    count: u64,
}

/// Per bin: Σ p (with Neumaier's compensation), positives, elements.
#[derive(Debug, Clone, Copy, Default)]
struct BinSums {
    sum: f64,
    compensation: f64,
    positives: u64,
    count: u64,
}

/// The reliability diagram of one unit, fed its distinct scores highest
/// first.
#[derive(Debug, Clone)]
pub struct ReliabilityBins {
    logits: bool,
    /// The inner edges, uniform; empty for quantile, whose edges are built
    /// as the values arrive.
    uniform: Vec<f64>,
    quantile: Vec<QuantileEdge>,
    total: u64,
    /// Elements seen so far.
    seen: u64,
    pending: Option<Pending>,
    bins: Vec<BinSums>,
}

impl ReliabilityBins {
    /// `n_bins` ≥ 1 bins of `binning`, for a unit of `total` elements;
    /// `logits`: the scores are logits, binned as σ(x).
    pub fn new(n_bins: usize, binning: Binning, total: u64, logits: bool) -> ReliabilityBins {
        let step = 1.0 / n_bins as f64;
        // np.linspace(0, 1, n + 1): k · step, the last exactly 1.
        let linspace = |k: usize| if k == n_bins { 1.0 } else { k as f64 * step };
        let (uniform, quantile) = match binning {
            Binning::Uniform => ((1..n_bins).map(linspace).collect(), Vec::new()),
            Binning::Quantile => {
                let edges = (1..n_bins)
                    .map(|k| quantile_edge(linspace(k) * 100.0 / 100.0, total))
                    .collect();
                (Vec::new(), edges)
            }
        };
        ReliabilityBins {
            logits,
            uniform,
            quantile,
            total,
            seen: 0,
            pending: None,
            bins: vec![BinSums::default(); n_bins],
        }
    }

    /// The next distinct score, lower than the ones before.
    pub fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        let probability = if self.logits {
            super::sigmoid(score)
        } else {
            score
        };
        let count = positives + negatives;
        if count == 0 {
            return;
        }
        self.seen += count;
        let lowest_rank = self.total.saturating_sub(self.seen);
        let highest_rank = lowest_rank + count - 1;
        for edge in &mut self.quantile {
            if (lowest_rank..=highest_rank).contains(&edge.below) {
                edge.below_value = Some(probability);
            }
            if (lowest_rank..=highest_rank).contains(&edge.above) {
                edge.above_value = Some(probability);
            }
        }
        // Distinct logits may share a probability (σ rounds): one group.
        if let Some(pending) = &mut self.pending
            && pending.probability == probability
        {
            pending.positives += positives;
            pending.count += count;
            return;
        }
        if let Some(done) = self.pending.take() {
            self.add(done);
        }
        self.pending = Some(Pending {
            probability,
            positives,
            count,
        });
    }

    /// The non-empty bins, ascending.
    pub fn finish(mut self) -> Vec<ReliabilityBin> {
        if let Some(done) = self.pending.take() {
            self.add(done);
        }
        self.bins
            .iter()
            .enumerate()
            .filter(|(_, b)| b.count > 0)
            .map(|(bin, b)| ReliabilityBin {
                bin,
                mean_predicted: (b.sum + b.compensation) / b.count as f64,
                fraction_positive: b.positives as f64 / b.count as f64,
                count: b.count,
            })
            .collect()
    }

    /// Adds a group to its bin; every rank from just below it up is known.
    fn add(&mut self, group: Pending) {
        let p = group.probability;
        let below = if self.quantile.is_empty() {
            self.uniform.partition_point(|&edge| edge < p)
        } else {
            // An edge not yet known needs only ranks below the group's
            // lower neighbour: it is at most a value below p.
            self.quantile
                .iter()
                .filter(|e| e.value().is_none_or(|edge| edge < p))
                .count()
        };
        let bin = &mut self.bins[below];
        let term = p * group.count as f64;
        let t = bin.sum + term;
        bin.compensation += if bin.sum.abs() >= term.abs() {
            (bin.sum - t) + term
        } else {
            (term - t) + bin.sum
        };
        bin.sum = t;
        bin.positives += group.positives;
        bin.count += group.count;
    }
}

/// numpy's linear percentile at fraction q of `total` values: the virtual
/// index (n − 1)·q, its floor and the next index (both the last from n − 1
/// on), and γ the fraction between them.
fn quantile_edge(q: f64, total: u64) -> QuantileEdge {
    let last = total.saturating_sub(1);
    let virtual_index = last as f64 * q;
    let (below, above, gamma) = if virtual_index >= last as f64 {
        (last, last, virtual_index - last as f64)
    } else {
        let floor = virtual_index.floor();
        (floor as u64, floor as u64 + 1, virtual_index - floor)
    };
    QuantileEdge {
        below,
        above,
        gamma,
        below_value: None,
        above_value: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(values: &[(f64, bool)], n: usize, binning: Binning) -> Vec<(usize, f64, f64, u64)> {
        let mut sorted: Vec<(f64, bool)> = values.to_vec();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut curve = ReliabilityBins::new(n, binning, values.len() as u64, false);
        let mut i = 0;
        while i < sorted.len() {
            let s = sorted[i].0;
            let (mut p, mut q) = (0, 0);
            while i < sorted.len() && sorted[i].0 == s {
                if sorted[i].1 {
                    p += 1
                } else {
                    q += 1
                }
                i += 1;
            }
            curve.push(s, p, q);
        }
        curve
            .finish()
            .iter()
            .map(|b| (b.bin, b.mean_predicted, b.fraction_positive, b.count))
            .collect()
    }

    #[test]
    fn a_probability_on_an_inner_edge_goes_to_the_lower_bin() {
        // calibration_curve([0, 1, 1, 0], [0.2, 0.4, 1.0, 0.0], n_bins=5):
        // 0.2 and 0.0 in bin 0, 0.4 in bin 1, 1.0 in bin 4.
        let got = bins(
            &[(0.2, false), (0.4, true), (1.0, true), (0.0, false)],
            5,
            Binning::Uniform,
        );
        assert_eq!(
            got,
            vec![(0, 0.1, 0.0, 2), (1, 0.4, 1.0, 1), (4, 1.0, 1.0, 1)]
        );
    }

    #[test]
    fn quantile_edges_follow_numpy_percentile() {
        // np.percentile([0.1, 0.2, 0.3, 0.4], [0, 50, 100]) = [0.1, 0.25, 0.4]:
        // 0.1 and 0.2 below the edge, 0.3 and 0.4 above.
        let got = bins(
            &[(0.1, true), (0.2, false), (0.3, true), (0.4, true)],
            2,
            Binning::Quantile,
        );
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0, got[0].3, got[0].2), (0, 2, 0.5));
        assert_eq!((got[1].0, got[1].3, got[1].2), (1, 2, 1.0));
    }
}
