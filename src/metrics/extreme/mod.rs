//! The metrics of extreme classification at k, as the Extreme
//! Classification Repository defines them and pyxclib's `xc_metrics`
//! computes them (in float64 here, where pyxclib computes in float32), pure:
//! each sample's k highest-scoring labels and its true labels in, sums out.
//!
//! For sample i, with hit_r = 1 when its r-th ranked label is true, T_i its
//! true labels, w_l a label's inverse propensity ([`propensity`]) and
//! d_r = 1 / log2(r + 1):
//!
//! | metric | value_i | best_i (propensity-scored only) |
//! |---|---|---|
//! | `precision_at_k` | Σ_{r≤k} hit_r / k | |
//! | `recall_at_k` | Σ_{r≤k} hit_r / max(T_i, 1) | |
//! | `ndcg_at_k` | Σ_{r≤k} hit_r d_r / I(min(k, T_i)) | |
//! | `psp_at_k` | Σ_{r≤k} hit_r w_r / k | Σ of the min(k, T_i) largest w of its true labels / k |
//! | `psndcg_at_k` | Σ_{r≤k} hit_r w_r d_r / I(min(k, T_i)) | the same sum over its true labels by w, largest first |
//! | `psr_at_k` | Σ_{r≤k} hit_r w_r / max(T_i, 1) | Σ of the min(k, T_i) largest w / max(T_i, 1) |
//!
//! where I(m) = Σ_{r≤m} d_r is the ideal DCG (a sample without a true label
//! has value 0). The result is mean_i(value_i); for the propensity-scored
//! metrics, pyxclib's normalisation is the ratio of the averages
//! mean_i(value_i) / mean_i(best_i) (Jain et al.'s unnormalised form is
//! mean_i(value_i)). Sums are exact ([`ExactSum`]), so shards and threads
//! merge bit for bit.

pub mod propensity;
mod ranking;

use serde::{Deserialize, Serialize};

use crate::numerics::ExactSum;
pub use ranking::top_k;

/// One metric at k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtK {
    PrecisionAtK,
    RecallAtK,
    NdcgAtK,
    PspAtK,
    PsndcgAtK,
    PsrAtK,
}

impl AtK {
    /// In the order papers print them.
    pub const ALL: [AtK; 6] = [
        AtK::PrecisionAtK,
        AtK::NdcgAtK,
        AtK::RecallAtK,
        AtK::PspAtK,
        AtK::PsndcgAtK,
        AtK::PsrAtK,
    ];

    /// `--metric`'s name.
    pub fn name(self) -> &'static str {
        match self {
            AtK::PrecisionAtK => "precision_at_k",
            AtK::RecallAtK => "recall_at_k",
            AtK::NdcgAtK => "ndcg_at_k",
            AtK::PspAtK => "psp_at_k",
            AtK::PsndcgAtK => "psndcg_at_k",
            AtK::PsrAtK => "psr_at_k",
        }
    }

    pub fn named(name: &str) -> Option<AtK> {
        AtK::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether hits are weighted by inverse propensities.
    pub fn propensity_scored(self) -> bool {
        matches!(self, AtK::PspAtK | AtK::PsndcgAtK | AtK::PsrAtK)
    }
}

/// What the sums are of: the metrics, the ks, and whether samples without
/// a true label are left out (`--undefined skip`, pyxclib's
/// `remove_invalid=True`) rather than counted as 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtKSpec {
    pub metrics: Vec<AtK>,
    pub ks: Vec<usize>,
    pub skip_unlabelled: bool,
}

impl AtKSpec {
    /// The largest k: how many ranked labels a sample needs.
    pub fn depth(&self) -> usize {
        self.ks.iter().copied().max().unwrap_or(0)
    }

    pub fn propensity_scored(&self) -> bool {
        self.metrics.iter().any(|m| m.propensity_scored())
    }
}

/// Each metric's and k's sums over the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtKSums {
    pub spec: AtKSpec,
    /// Samples in the means.
    pub samples: u64,
    /// Samples without a true label left out (`skip_unlabelled`).
    pub skipped: u64,
    /// value_i summed, at `metric * ks + k`.
    values: Vec<ExactSum>,
    /// best_i summed, likewise (0 for the metrics without one).
    best: Vec<ExactSum>,
}

/// Per-sample prefix sums over the ranked places, reused between samples.
#[derive(Debug, Default)]
pub struct Scratch {
    truth: Vec<u32>,
    hits: Vec<f64>,
    dcg: Vec<f64>,
    weighted: Vec<f64>,
    weighted_dcg: Vec<f64>,
    best_weights: Vec<f64>,
    best: Vec<f64>,
    best_dcg: Vec<f64>,
}

/// d_r = 1 / log2(r + 1) for the 1-based place r.
fn discount(r: usize) -> f64 {
    1.0 / ((r + 1) as f64).log2()
}

impl AtKSums {
    pub fn new(spec: AtKSpec) -> AtKSums {
        let cells = spec.metrics.len() * spec.ks.len();
        AtKSums {
            spec,
            samples: 0,
            skipped: 0,
            values: vec![ExactSum::default(); cells],
            best: vec![ExactSum::default(); cells],
        }
    }

    /// Adds one sample: `ranked`, its predicted labels best first (at least
    /// the spec's depth of them, or all it has: missing places are
    /// misses); `truth`, its true labels (distinct, any order); `weights`,
    /// every label's inverse propensity (needed for the propensity-scored
    /// metrics; labels index it and are below its length).
    pub fn add_sample(
        &mut self,
        ranked: &[u32],
        truth: &[u32],
        weights: Option<&[f64]>,
        scratch: &mut Scratch,
    ) {
        if truth.is_empty() && self.spec.skip_unlabelled {
            self.skipped += 1;
            return;
        }
        self.samples += 1;
        if truth.is_empty() {
            return; // every value and best is 0
        }
        let depth = self.spec.depth();
        prefix_sums(ranked, truth, weights, depth, scratch);
        let true_count = truth.len();
        let ideal = |m: usize| (1..=m).map(discount).sum::<f64>();
        for (i, &metric) in self.spec.metrics.iter().enumerate() {
            for (j, &k) in self.spec.ks.iter().enumerate() {
                let cell = i * self.spec.ks.len() + j;
                let places = k.min(true_count);
                let (value, best) = match metric {
                    AtK::PrecisionAtK => (scratch.hits[k] / k as f64, 0.0),
                    AtK::RecallAtK => (scratch.hits[k] / true_count as f64, 0.0),
                    AtK::NdcgAtK => (scratch.dcg[k] / ideal(places), 0.0),
                    AtK::PspAtK => (
                        scratch.weighted[k] / k as f64,
                        scratch.best[places] / k as f64,
                    ),
                    AtK::PsndcgAtK => (
                        scratch.weighted_dcg[k] / ideal(places),
                        scratch.best_dcg[places] / ideal(places),
                    ),
                    AtK::PsrAtK => (
                        scratch.weighted[k] / true_count as f64,
                        scratch.best[places] / true_count as f64,
                    ),
                };
                self.values[cell].add(value);
                self.best[cell].add(best);
            }
        }
    }

    /// Metric `metric`'s value at the spec's `k_index`-th k: the mean of the
    /// samples' values; for a propensity-scored metric, `normalized`,
    /// divided by the mean of their best values. `None` without samples
    /// (or, normalised, when no sample has a true label).
    pub fn value(&self, metric: usize, k_index: usize, normalized: bool) -> Option<f64> {
        if self.samples == 0 {
            return None;
        }
        let cell = metric * self.spec.ks.len() + k_index;
        let sum = self.values[cell].value();
        if normalized && self.spec.metrics[metric].propensity_scored() {
            let best = self.best[cell].value();
            return (best > 0.0).then(|| sum / best);
        }
        Some(sum / self.samples as f64)
    }

    /// Adds another shard's sums (of the same spec).
    pub fn merge(&mut self, other: &AtKSums) {
        self.samples += other.samples;
        self.skipped += other.skipped;
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            a.merge(b);
        }
        for (a, b) in self.best.iter_mut().zip(&other.best) {
            a.merge(b);
        }
    }

    /// Whether sums read from a state fit their spec.
    pub fn is_consistent(&self) -> bool {
        let cells = self.spec.metrics.len() * self.spec.ks.len();
        self.values.len() == cells
            && self.best.len() == cells
            && self.spec.ks.iter().all(|&k| k > 0)
    }
}

/// Fills the scratch's prefix sums over places 0..=depth: hits, DCG and
/// their weighted forms for `ranked`, and the best weighted sums over the
/// true labels ordered by weight.
fn prefix_sums(
    ranked: &[u32],
    truth: &[u32],
    weights: Option<&[f64]>,
    depth: usize,
    s: &mut Scratch,
) {
    s.truth.clear();
    s.truth.extend_from_slice(truth);
    s.truth.sort_unstable();
    let weight = |label: u32| weights.map_or(0.0, |w| w[label as usize]);
    for v in [
        &mut s.hits,
        &mut s.dcg,
        &mut s.weighted,
        &mut s.weighted_dcg,
    ] {
        v.clear();
        v.push(0.0);
    }
    for r in 1..=depth {
        let (hit, w) = match ranked.get(r - 1) {
            Some(&label) if s.truth.binary_search(&label).is_ok() => (1.0, weight(label)),
            _ => (0.0, 0.0),
        };
        let d = discount(r);
        s.hits.push(s.hits[r - 1] + hit);
        s.dcg.push(s.dcg[r - 1] + hit * d);
        s.weighted.push(s.weighted[r - 1] + w);
        s.weighted_dcg.push(s.weighted_dcg[r - 1] + w * d);
    }
    s.best_weights.clear();
    if weights.is_some() {
        s.best_weights.extend(truth.iter().map(|&l| weight(l)));
        s.best_weights.sort_unstable_by(|a, b| b.total_cmp(a));
    }
    s.best.clear();
    s.best_dcg.clear();
    s.best.push(0.0);
    s.best_dcg.push(0.0);
    for r in 1..=depth.min(truth.len()) {
        let w = s.best_weights.get(r - 1).copied().unwrap_or(0.0);
        s.best.push(s.best[r - 1] + w);
        s.best_dcg.push(s.best_dcg[r - 1] + w * discount(r));
    }
}

#[cfg(test)]
mod tests;
