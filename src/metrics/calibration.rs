//! Calibration of one unit (a class, or every element pooled): the
//! expected and maximum calibration errors of torchmetrics'
//! `BinaryCalibrationError` and scikit-learn's `brier_score_loss`, pure.
//!
//! A unit's probabilities (σ of logits, or as given) fall into bins; each
//! bin keeps how many elements it holds, how many of them are positive (the
//! accuracy's sum: the target is the accuracy) and the exact sum of their
//! probabilities (the confidence's sum). Counts are integers and the sums
//! exact, so bins merge across threads and shards bit for bit, and a
//! unit's ECE and MCE come from its bins alone:
//!
//! - ECE = Σ_b |acc_b − conf_b| · n_b / n, MCE = max_b |acc_b − conf_b|,
//!   with acc_b = positives_b / n_b and conf_b = Σ p / n_b (an empty bin
//!   counts 0, as torchmetrics' `nan_to_num` makes it);
//! - Brier = Σ (p − y)² / n, from the exact sum of the squared errors.
//!
//! `--calibration-binning uniform` (torchmetrics'): the edges are torch's
//! scalar `linspace(0, 1, B + 1)` ([`uniform_edges`]) and a probability
//! goes to `bucketize(p, edges, right=True) − 1` ([`UniformBinner`]), so
//! one exactly on an edge goes to the upper bin and 1.0 to a bin of its
//! own (B + 1 bins in all). `quantile` (scikit-learn's `calibration_curve`
//! edges) needs every probability of the unit in order: see
//! [`QuantileSink`].

use serde::{Deserialize, Serialize};

use super::curve::GroupSink;
use crate::numerics::{Terms, UnitSum};

/// `--calibration-binning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Binning {
    /// B equal bins of [0, 1], as torchmetrics' BinaryCalibrationError makes them.
    #[default]
    Uniform,
    /// B bins of equal counts: np.percentile edges, calibration_curve's assignment.
    Quantile,
}

/// How ECE and MCE bin a unit's probabilities (`--calibration-bins`,
/// `--calibration-binning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationBinning {
    pub bins: usize,
    pub binning: Binning,
}

/// torchmetrics' default `n_bins`.
pub const DEFAULT_BINS: usize = 15;

/// The most bins `--calibration-bins` takes (each class keeps B + 1 exact
/// sums of about 600 bytes per thread).
pub const MAX_BINS: usize = 10_000;

/// The edges of B uniform bins as torch's scalar `linspace(0, 1, B + 1)`
/// computes them in float64: step = 1/B; edge i is i · step below
/// `halfway` = (B + 1) / 2 (integer division) and 1 − (B − i) · step from
/// there (torch's vectorised loop rounds a few edges differently on some
/// CPUs; this formula is the rule).
pub fn uniform_edges(bins: usize) -> Vec<f64> {
    let steps = bins + 1;
    let step = (1.0 - 0.0) / (steps - 1) as f64;
    let halfway = steps / 2;
    (0..steps)
        .map(|i| {
            if i < halfway {
                0.0 + step * i as f64
            } else {
                1.0 - step * (steps - i - 1) as f64
            }
        })
        .collect()
}

/// `bucketize(p, edges, right=True) − 1`: the number of edges at or below
/// p, less one.
#[derive(Debug, Clone)]
pub struct UniformBinner {
    /// The B + 1 edges, then +inf (so that the step up below never
    /// passes bin B).
    edges: Vec<f64>,
    bins: usize,
    /// B as a float, converted once.
    scale: f64,
}

impl UniformBinner {
    pub fn new(bins: usize) -> UniformBinner {
        let mut edges = uniform_edges(bins);
        edges.push(f64::INFINITY);
        UniformBinner {
            edges,
            bins,
            scale: bins as f64,
        }
    }

    /// The bin of a probability in [0, 1]: B for 1.0 (a bin of its own).
    #[inline(always)]
    pub fn bin(&self, p: f64) -> usize {
        if !(0.0..=1.0).contains(&p) {
            return self.bin_outside(p);
        }
        // p · B is within an ulp or two of the answer, so at most one step
        // either way, which the edges settle (without branches: which way
        // is as good as random). In [0, B], so the conversion needs none of
        // `as usize`'s checks.
        let b = (p * self.scale) as i32 as usize;
        let b = b + usize::from(self.edges[b + 1] <= p);
        b - usize::from(self.edges[b] > p)
    }

    /// Where torch's bucketize puts what is not a probability: NaN and
    /// anything below 0 in bin 0, anything above 1 in bin B.
    #[cold]
    fn bin_outside(&self, p: f64) -> usize {
        if p > 1.0 { self.bins } else { 0 }
    }
}

/// One bin of one unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BinSums {
    pub count: u64,
    pub positives: u64,
    /// The exact sum of the bin's probabilities.
    pub confidence: UnitSum,
}

impl BinSums {
    #[inline(always)]
    pub fn add(&mut self, p: f64, positive: bool) {
        self.count += 1;
        self.positives += u64::from(positive);
        self.confidence.add(p);
    }

    pub fn merge(&mut self, other: &BinSums) {
        self.count += other.count;
        self.positives += other.positives;
        self.confidence.merge(&other.confidence);
    }
}

/// A [`BinSums`] as JSON.
#[derive(Serialize, Deserialize)]
struct BinSumsData {
    count: u64,
    positives: u64,
    confidence: Terms,
}

impl Serialize for BinSums {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BinSumsData {
            count: self.count,
            positives: self.positives,
            confidence: self.confidence.to_terms(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for BinSums {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let data = BinSumsData::deserialize(d)?;
        Ok(BinSums {
            count: data.count,
            positives: data.positives,
            confidence: UnitSum::from_terms(&data.confidence),
        })
    }
}

/// What a unit's calibration metrics read: its bins (none under
/// `quantile` until they are made), the exact sum of its squared errors
/// and its elements.
#[derive(Debug, Clone, Copy)]
pub struct CalibrationUnit<'a> {
    pub bins: &'a [BinSums],
    pub squared_error: f64,
    pub count: u64,
}

/// Expected calibration error (torchmetrics' `norm="l1"`); `None` for a
/// unit of no elements.
pub fn expected_error(bins: &[BinSums]) -> Option<f64> {
    let total: u64 = bins.iter().map(|b| b.count).sum();
    if total == 0 {
        return None;
    }
    let total = total as f64;
    let mut sum = 0.0;
    for (gap, count) in gaps(bins) {
        sum += gap * (count / total);
    }
    Some(sum)
}

/// Maximum calibration error (torchmetrics' `norm="max"`); `None` for a
/// unit of no elements.
pub fn maximum_error(bins: &[BinSums]) -> Option<f64> {
    if bins.iter().all(|b| b.count == 0) {
        return None;
    }
    Some(gaps(bins).map(|(gap, _)| gap).fold(0.0, f64::max))
}

/// |acc_b − conf_b| and n_b of each non-empty bin (an empty one adds 0).
fn gaps(bins: &[BinSums]) -> impl Iterator<Item = (f64, f64)> + '_ {
    bins.iter().filter(|b| b.count > 0).map(|b| {
        let n = b.count as f64;
        let accuracy = b.positives as f64 / n;
        let confidence = b.confidence.value() / n;
        ((accuracy - confidence).abs(), n)
    })
}

/// The Brier score: the mean squared error; `None` for no elements.
pub fn brier(unit: &CalibrationUnit) -> Option<f64> {
    (unit.count > 0).then(|| unit.squared_error / unit.count as f64)
}

/// The streaming state of the calibration metrics: per class, its bins
/// (`uniform` only: B + 1 of them) and the exact sum of its squared errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSums {
    /// B + 1 when bins are kept, else 0.
    pub slots: usize,
    /// Class j's bins at `j * slots ..`.
    pub bins: Vec<BinSums>,
    pub squared_error: Vec<UnitSum>,
    /// `quantile`: the bins of every element pooled, made from all their
    /// probabilities (not the classes' bins added: their edges differ).
    #[serde(skip)]
    pub pooled: Option<Vec<BinSums>>,
}

impl CalibrationSums {
    /// Room for `classes`: `bins` uniform bins if given, squared errors if
    /// `squared`.
    pub fn new(classes: usize, bins: Option<usize>, squared: bool) -> CalibrationSums {
        let slots = bins.map_or(0, |b| b + 1);
        CalibrationSums {
            slots,
            bins: vec![BinSums::default(); classes * slots],
            squared_error: vec![UnitSum::default(); if squared { classes } else { 0 }],
            pooled: None,
        }
    }

    /// `--calibration-binning quantile`: the bins made at the end from
    /// every probability, each class's (B each) and, for micro, every
    /// element's pooled.
    pub fn set_quantile_bins(
        &mut self,
        per_class: Vec<Vec<BinSums>>,
        pooled: Option<Vec<BinSums>>,
    ) {
        self.slots = per_class.first().map_or(0, Vec::len);
        self.bins = per_class.into_iter().flatten().collect();
        self.pooled = pooled;
    }

    /// Adds class `class`'s element of probability `p`, in `bin` if bins
    /// are kept.
    #[inline(always)]
    pub fn add(&mut self, class: usize, p: f64, positive: bool, bin: Option<usize>) {
        if let Some(b) = bin {
            self.bins[class * self.slots + b].add(p, positive);
        }
        if let Some(sum) = self.squared_error.get_mut(class) {
            let error = p - f64::from(u8::from(positive));
            sum.add(error * error);
        }
    }

    /// Adds one sample's elements: each class's score as a probability
    /// (`probability`), skipping targets that are `missing`. (One loop per
    /// kind of sum kept, so that the hot loop tests nothing but the element.)
    #[inline(always)]
    pub fn add_row(
        &mut self,
        scores: &[f64],
        targets: &[f64],
        binner: Option<&UniformBinner>,
        missing: impl Fn(f64) -> bool,
        probability: impl Fn(f64) -> f64,
    ) {
        let elements = scores.iter().zip(targets);
        match binner {
            Some(binner) if self.squared_error.is_empty() => {
                for (bins, (&score, &target)) in
                    self.bins.chunks_exact_mut(self.slots).zip(elements)
                {
                    if !missing(target) {
                        let p = probability(score);
                        bins[binner.bin(p)].add(p, target == 1.0);
                    }
                }
            }
            _ => {
                for (j, (&score, &target)) in elements.enumerate() {
                    if !missing(target) {
                        let p = probability(score);
                        self.add(j, p, target == 1.0, binner.map(|b| b.bin(p)));
                    }
                }
            }
        }
    }

    pub fn merge(&mut self, other: &CalibrationSums) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.merge(b);
        }
        for (a, b) in self.squared_error.iter_mut().zip(&other.squared_error) {
            a.merge(b);
        }
    }

    /// Class `class`'s bins (empty when none are kept).
    pub fn class_bins(&self, class: usize) -> &[BinSums] {
        &self.bins[class * self.slots..(class + 1) * self.slots]
    }

    /// Every class's bins added bin by bin (`--average micro`), or under
    /// `quantile` the pooled elements' own.
    pub fn pooled_bins(&self) -> Vec<BinSums> {
        if let Some(pooled) = &self.pooled {
            return pooled.clone();
        }
        let mut pooled = vec![BinSums::default(); self.slots];
        for class in self.bins.chunks(self.slots.max(1)) {
            for (a, b) in pooled.iter_mut().zip(class) {
                a.merge(b);
            }
        }
        pooled
    }

    /// Class `class`'s sum of squared errors (0 when none are kept).
    pub fn squared_error(&self, class: usize) -> f64 {
        self.squared_error.get(class).map_or(0.0, UnitSum::value)
    }

    /// Every class's squared errors summed exactly.
    pub fn pooled_squared_error(&self) -> f64 {
        let mut total = UnitSum::default();
        for sum in &self.squared_error {
            total.merge(sum);
        }
        total.value()
    }
}

/// One inner edge of `quantile` binning: `np.percentile`'s linear
/// interpolation between the values at ascending indices `below` and
/// `above`, with weight `gamma`; the values as the walk meets them.
#[derive(Debug, Clone, Copy)]
struct QuantileEdge {
    below: u64,
    above: u64,
    gamma: f64,
    values: [Option<f64>; 2],
}

impl QuantileEdge {
    fn value(&self) -> Option<f64> {
        Some(numpy_lerp(self.values[0]?, self.values[1]?, self.gamma))
    }
}

/// A walked group of tied probabilities not yet put in its bin: its bin
/// needs the next lower value (an edge may lie between the two).
#[derive(Debug, Clone, Copy)]
struct Pending {
    p: f64,
    positives: u64,
    count: u64,
    /// Its lowest ascending index.
    lo: u64,
}

/// `--calibration-binning quantile`: one unit's B bins of equal counts, as
/// scikit-learn's `calibration_curve(strategy="quantile")` makes them —
/// edges `np.percentile(p, np.linspace(0, 1, B + 1) * 100)` (linear
/// interpolation, numpy's operations in numpy's order), bin =
/// `searchsorted(inner edges, p)` (side left: a probability exactly on an
/// inner edge goes to the lower bin) — from the unit's scores walked
/// highest first, grouped by value, in O(B) memory: each inner edge
/// records the two values it interpolates as the walk passes their
/// indices, and a group is put in its bin once the next lower value is
/// known.
#[derive(Debug)]
pub struct QuantileSink {
    /// σ for logits, else the identity.
    probability: fn(f64) -> f64,
    edges: Vec<QuantileEdge>,
    /// Elements not walked yet (the highest ascending index left, + 1).
    left: u64,
    pending: Option<Pending>,
    bins: Vec<BinSums>,
}

impl QuantileSink {
    /// A unit of `count` elements, into `bins` bins.
    pub fn new(bins: usize, count: u64, probability: fn(f64) -> f64) -> QuantileSink {
        let last = count.saturating_sub(1);
        let q = numpy_linspace(bins);
        let edges = (1..bins)
            .map(|k| {
                // percentile → quantile: (q · 100) / 100; method "linear":
                // the virtual index (n − 1) q, the last value at or past it.
                let q = (q[k] * 100.0) / 100.0;
                let virtual_index = last as f64 * q;
                let (below, above, gamma) = if virtual_index >= last as f64 {
                    (last, last, 0.0)
                } else {
                    let previous = virtual_index.floor();
                    let below = previous as u64;
                    (below, below + 1, virtual_index - previous)
                };
                QuantileEdge {
                    below,
                    above,
                    gamma,
                    values: [None, None],
                }
            })
            .collect();
        QuantileSink {
            probability,
            edges,
            left: count,
            pending: None,
            bins: vec![BinSums::default(); bins],
        }
    }

    /// The unit's bins, once every group is walked.
    pub fn finish(mut self) -> Vec<BinSums> {
        if let Some(group) = self.pending.take() {
            self.settle(group);
        }
        self.bins
    }

    /// Puts `group` in its bin: the number of inner edges strictly below
    /// its probability. An edge whose two values lie below the group's
    /// indices is below it; the others' values are known by now.
    fn settle(&mut self, group: Pending) {
        let below = |e: &QuantileEdge| match e.value() {
            Some(edge) => edge < group.p,
            None => e.above < group.lo,
        };
        let bin = self.edges.iter().filter(|e| below(e)).count();
        let sums = &mut self.bins[bin];
        sums.count += group.count;
        sums.positives += group.positives;
        // p × count exactly, as two terms (count < 2^53).
        let count = group.count as f64;
        let product = group.p * count;
        sums.confidence.add(product);
        sums.confidence.add(group.p.mul_add(count, -product));
    }
}

impl GroupSink for QuantileSink {
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        let p = (self.probability)(score);
        let count = positives + negatives;
        if count == 0 {
            return;
        }
        let (lo, hi) = (self.left - count, self.left - 1);
        self.left = lo;
        for edge in &mut self.edges {
            for (i, index) in [edge.below, edge.above].into_iter().enumerate() {
                if (lo..=hi).contains(&index) {
                    edge.values[i] = Some(p);
                }
            }
        }
        if let Some(group) = self.pending.take() {
            self.settle(group);
        }
        self.pending = Some(Pending {
            p,
            positives,
            count,
            lo,
        });
    }
}

/// `np.linspace(0, 1, B + 1)`: `arange · step`, the last set to 1.
fn numpy_linspace(bins: usize) -> Vec<f64> {
    let step = 1.0 / bins as f64;
    let mut values: Vec<f64> = (0..=bins).map(|i| i as f64 * step).collect();
    values[bins] = 1.0;
    values
}

/// numpy's `_lerp`: a + (b − a) t, or b − (b − a)(1 − t) where t ≥ 0.5.
fn numpy_lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins_of(p: &[f64], y: &[bool], bins: usize) -> Vec<BinSums> {
        let binner = UniformBinner::new(bins);
        let mut sums = CalibrationSums::new(1, Some(bins), true);
        for (&p, &y) in p.iter().zip(y) {
            sums.add(0, p, y, Some(binner.bin(p)));
        }
        sums.class_bins(0).to_vec()
    }

    #[test]
    fn torchmetrics_docstring_example() {
        let p = [0.25, 0.25, 0.55, 0.75, 0.75];
        let y = [false, false, true, true, true];
        let bins = bins_of(&p, &y, 2);
        let ece = expected_error(&bins).unwrap();
        let mce = maximum_error(&bins).unwrap();
        assert!((ece - 0.29).abs() < 1e-12, "{ece}");
        assert!(
            (mce - (1.0 - (0.55 + 0.75 + 0.75) / 3.0)).abs() < 1e-15,
            "{mce}"
        );
    }

    #[test]
    fn the_binner_agrees_with_a_linear_bucketize() {
        // bucketize(right=True) − 1 by its definition: edges at or below p.
        let linear = |edges: &[f64], p: f64| edges.iter().filter(|&&e| e <= p).count().max(1) - 1;
        for bins in (1..=64).chain([99, 100, 1000, MAX_BINS]) {
            let binner = UniformBinner::new(bins);
            let edges = uniform_edges(bins);
            let mut probes = vec![0.0, 1.0, f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0];
            for &e in &edges {
                probes.extend([
                    e,
                    f64::from_bits(e.to_bits() + 1),
                    f64::from_bits(e.to_bits().max(1) - 1),
                ]);
            }
            probes.extend((0..2000).map(|i| (i as f64 * 0.618_033_988_749_9).fract()));
            for p in probes.into_iter().filter(|p| (0.0..=1.0).contains(p)) {
                assert_eq!(binner.bin(p), linear(&edges, p), "{bins} bins, p = {p:e}");
            }
            assert_eq!(binner.bin(-0.5), 0);
            assert_eq!(binner.bin(f64::NAN), 0);
            assert_eq!(binner.bin(1.5), bins);
            assert_eq!(binner.bin(f64::INFINITY), bins);
        }
    }

    #[test]
    fn edges_go_to_the_upper_bin_and_one_to_its_own() {
        let binner = UniformBinner::new(10);
        let edges = uniform_edges(10);
        for (i, &e) in edges.iter().enumerate() {
            assert_eq!(binner.bin(e), i, "edge {i} = {e}");
            if i > 0 {
                assert_eq!(binner.bin(e.next_down()), i - 1);
            }
        }
        assert_eq!(binner.bin(1.0), 10);
        assert_eq!(binner.bin(0.0), 0);
        assert_eq!(binner.bin(-0.0), 0);
        assert_eq!(edges[5], 0.5);
        assert_eq!(edges[3], 3.0 * 0.1);
        assert_eq!(edges[7], 1.0 - 3.0 * 0.1);
    }

    /// The bins of `p` walked highest first, tied values grouped.
    fn quantile_bins(p: &[(f64, bool)], bins: usize) -> Vec<BinSums> {
        let mut sorted = p.to_vec();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut sink = QuantileSink::new(bins, p.len() as u64, |p| p);
        for group in sorted.chunk_by(|a, b| a.0 == b.0) {
            let pos = group.iter().filter(|(_, y)| *y).count() as u64;
            sink.push(group[0].0, pos, group.len() as u64 - pos);
        }
        sink.finish()
    }

    #[test]
    fn quantile_bins_put_an_inner_edge_in_the_lower_bin() {
        let p: Vec<(f64, bool)> = [0.1, 0.2, 0.3, 0.4, 0.5]
            .iter()
            .map(|&p| (p, p > 0.25))
            .collect();
        // Edges: 0.1, 0.3, 0.5; 0.3 is on the inner edge: the lower bin.
        let bins = quantile_bins(&p, 2);
        assert_eq!((bins[0].count, bins[1].count), (3, 2));
        assert_eq!((bins[0].positives, bins[1].positives), (1, 2));
        // Ties across an edge stay together; a constant unit is one bin.
        let tied = quantile_bins(&[(0.7, true), (0.7, false), (0.7, true)], 4);
        assert_eq!(tied[0].count, 3);
        assert_eq!(tied[0].confidence.value(), 0.7 * 3.0);
    }
}
