//! The state that streams: per class the confusion counts of the observed
//! elements, per metric averaged over samples the exact sum of the samples'
//! values (and how many were undefined), and `--bins`' histograms. Its size
//! depends on the classes, not the rows; tallies of any split of the rows
//! merge to the tally of all of them, bit for bit (counts are integers,
//! sums exact), so threads and shards (`--partial`, `merge`) do not change
//! a result.

use serde::{Deserialize, Serialize};

use super::calibration::{CalibrationSums, UniformBinner};
use super::curve::Bins;
use super::decision::{Rule, TopK};
pub use super::family::ratio;
use super::family::{Computation, Family, Settings};
use super::row::RankedRow;
use super::{Average, Decision, Metric, Spec};
use crate::numerics::{ExactSum, Terms};

/// One class's observed elements, by target (positive or not) and
/// prediction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
}

impl Confusion {
    pub fn merge(&mut self, other: &Confusion) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.tn += other.tn;
    }

    /// Positives (scikit-learn's support, `true_sum`).
    pub fn positives(&self) -> u64 {
        self.tp + self.fn_
    }

    pub fn negatives(&self) -> u64 {
        self.fp + self.tn
    }

    pub fn observed(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }
}

/// The samples' values of one metric averaged over samples: their exact
/// sum over the samples where it is defined, and how many it is not.
#[derive(Debug, Clone, Default)]
pub struct SampleSum {
    pub sum: ExactSum,
    pub undefined: u64,
}

impl SampleSum {
    #[inline]
    fn add(&mut self, value: Option<f64>) {
        match value {
            Some(v) => self.sum.add(v),
            None => self.undefined += 1,
        }
    }

    fn merge(&mut self, other: &SampleSum) {
        self.sum.merge(&other.sum);
        self.undefined += other.undefined;
    }
}

/// A [`SampleSum`] as JSON.
#[derive(Serialize, Deserialize)]
struct SampleSumData {
    sum: Terms,
    undefined: u64,
}

impl Serialize for SampleSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SampleSumData {
            sum: self.sum.to_terms(),
            undefined: self.undefined,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SampleSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let data = SampleSumData::deserialize(d)?;
        Ok(SampleSum {
            sum: ExactSum::from_terms(&data.sum),
            undefined: data.undefined,
        })
    }
}

/// Everything the streaming metrics need, for the rows seen so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tally {
    pub classes: usize,
    pub rows: u64,
    /// Samples whose observed elements are all predicted right.
    pub exact_rows: u64,
    pub per_class: Vec<Confusion>,
    /// For each metric averaged over samples (in the spec's order), the
    /// sum of the samples' values.
    pub samples: Vec<(Metric, SampleSum)>,
    /// `--bins`: the class histograms of AUROC and AP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<Bins>,
    /// ECE's, MCE's and Brier's sums per class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationSums>,
}

/// A thread's scratch space for [`Tally::add_row`], and what the spec asks
/// of each row, settled once.
#[derive(Debug)]
pub struct RowScratch {
    ranked: RankedRow,
    /// For each metric averaged over samples (the tally's order), its
    /// table ([`crate::metrics::family::RankingMetric::table`]).
    tables: Vec<Vec<f64>>,
    settings: Settings,
    /// Some metric averaged over samples ranks each sample's scores.
    ranks: bool,
    /// `--top-k`'s ranking, and the elements a rule other than one
    /// threshold predicts.
    top: TopK,
    chosen: Vec<bool>,
    /// ECE's and MCE's uniform bins, when the tally keeps them.
    binner: Option<UniformBinner>,
}

/// The metrics a tally keeps a sum over samples of, in the spec's order:
/// the per-sample ranking metrics, and with `--average samples` the
/// thresholded and curve metrics.
fn per_sample_metrics(spec: &Spec) -> Vec<Metric> {
    let per_sample = |m: &Metric| match m.family() {
        Family::SampleRanking => true,
        Family::Thresholded | Family::Curve => spec.average == Average::Samples,
        Family::SampleCounts | Family::Calibration => false,
    };
    spec.metrics.iter().copied().filter(per_sample).collect()
}

impl Tally {
    /// An empty tally; `--bins`' histograms (B × C × 16 bytes) are
    /// allocated fallibly.
    pub fn new(spec: &Spec, classes: usize) -> Result<Tally, std::collections::TryReserveError> {
        let bins = match spec.bins.filter(|_| spec.needs_class_curves()) {
            Some(b) => Some(Bins::try_new(classes, b)?),
            None => None,
        };
        Ok(Tally {
            classes,
            rows: 0,
            exact_rows: 0,
            per_class: vec![Confusion::default(); classes],
            samples: per_sample_metrics(spec)
                .into_iter()
                .map(|m| (m, SampleSum::default()))
                .collect(),
            bins,
            calibration: spec.has(Family::Calibration).then(|| {
                let bins = spec.uniform_calibration_bins();
                CalibrationSums::new(classes, bins, spec.calibration_squared())
            }),
        })
    }

    pub fn scratch(spec: &Spec, classes: usize) -> RowScratch {
        let settings = spec.settings();
        let per_sample = per_sample_metrics(spec);
        let tables = per_sample.iter().map(|m| match m.kind().computation() {
            Computation::SampleRanking(m) => m.table(&settings, classes),
            _ => Vec::new(),
        });
        RowScratch {
            ranked: RankedRow::default(),
            tables: tables.collect(),
            settings,
            ranks: per_sample
                .iter()
                .any(|m| matches!(m.family(), Family::SampleRanking | Family::Curve)),
            top: TopK::default(),
            chosen: Vec::new(),
            binner: spec.uniform_calibration_bins().map(UniformBinner::new),
        }
    }

    /// Adds one sample: its scores and 0/1 targets (a target equal to the
    /// spec's ignore value is missing).
    pub fn add_row(
        &mut self,
        spec: &Spec,
        decision: &Decision,
        scores: &[f64],
        targets: &[f64],
        scratch: &mut RowScratch,
    ) {
        // One arm per kind of rule, so that the default (one threshold)
        // compiles to the single comparison it always was.
        match (&decision.rule, decision.top_k) {
            (Rule::One(cut), None) => {
                let cut = *cut;
                self.add_decided(spec, scores, targets, scratch, |_, s| cut.positive(s));
            }
            (Rule::PerClass(cuts), None) => {
                self.add_decided(spec, scores, targets, scratch, |j, s| cuts[j].positive(s));
            }
            _ => {
                let mut chosen = std::mem::take(&mut scratch.chosen);
                decision.predict_row(scores, &mut scratch.top, &mut chosen);
                self.add_decided(spec, scores, targets, scratch, |j, _| chosen[j]);
                scratch.chosen = chosen;
            }
        }
    }

    /// Adds one sample whose elements `predicted(class, score)` decides
    /// (one copy per kind of rule, inlined into [`Tally::add_row`]'s arms).
    #[inline(always)]
    fn add_decided(
        &mut self,
        spec: &Spec,
        scores: &[f64],
        targets: &[f64],
        scratch: &mut RowScratch,
        predicted: impl Fn(usize, f64) -> bool,
    ) {
        self.rows += 1;
        let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
        for (j, (&score, &target)) in scores.iter().zip(targets).enumerate() {
            if spec.is_missing(target) {
                continue;
            }
            let positive = target == 1.0;
            let predicted = predicted(j, score);
            let counts = &mut self.per_class[j];
            match (positive, predicted) {
                (true, true) => {
                    counts.tp += 1;
                    tp += 1;
                }
                (false, true) => {
                    counts.fp += 1;
                    fp += 1;
                }
                (true, false) => {
                    counts.fn_ += 1;
                    fn_ += 1;
                }
                (false, false) => counts.tn += 1,
            }
            if let Some(bins) = &mut self.bins {
                bins.add(j, probability(spec, score), positive);
            }
        }
        if let Some(sums) = &mut self.calibration {
            let binner = scratch.binner.as_ref();
            sums.add_row(
                scores,
                targets,
                binner,
                |t| spec.is_missing(t),
                |s| probability(spec, s),
            );
        }
        if fp == 0 && fn_ == 0 {
            self.exact_rows += 1;
        }
        if self.samples.is_empty() {
            return;
        }
        if scratch.ranks {
            let observed = scores
                .iter()
                .zip(targets)
                .filter(|&(_, &t)| !spec.is_missing(t))
                .map(|(&s, &t)| (s, t == 1.0));
            scratch.ranked.rank(observed);
        }
        let ranked = &scratch.ranked;
        let settings = &scratch.settings;
        let (tp, fp, fn_) = (tp as f64, fp as f64, fn_ as f64);
        for ((metric, sum), table) in self.samples.iter_mut().zip(&scratch.tables) {
            let value = match metric.kind().computation() {
                Computation::Thresholded(m) => m.of_counts(tp, fp, fn_, settings),
                Computation::Curve(m) => m.of_curve(&ranked.curve()),
                Computation::SampleRanking(m) => m.of_sample(ranked, table, settings),
                Computation::SampleCounts(_) | Computation::Calibration(_) => None,
            };
            sum.add(value);
        }
    }

    /// Adds another tally of the same spec and classes.
    pub fn merge(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.exact_rows += other.exact_rows;
        for (a, b) in self.per_class.iter_mut().zip(&other.per_class) {
            a.merge(b);
        }
        for ((_, a), (_, b)) in self.samples.iter_mut().zip(&other.samples) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.bins, &other.bins) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.calibration, &other.calibration) {
            a.merge(b);
        }
    }

    /// What is wrong with a tally read from a file, if anything: what it
    /// keeps must be what its spec keeps (checked before anything is
    /// allocated for it), and its counts must add up.
    pub fn problem(&self, spec: &Spec) -> Option<String> {
        let bad = |what: &str| Some(format!("inconsistent metrics state ({what})"));
        let per_sample = per_sample_metrics(spec);
        let kept: Vec<Metric> = self.samples.iter().map(|(m, _)| *m).collect();
        if self.per_class.len() != self.classes || kept != per_sample {
            return bad("its counts do not fit its spec");
        }
        let wants_bins = spec.needs_class_curves();
        match (&self.bins, spec.bins) {
            (None, None) if wants_bins => {
                return bad("exact roc_auc and average_precision cannot come from a state");
            }
            (Some(b), Some(n)) if wants_bins => {
                let fits = (self.classes as u128) * (n as u128) == b.counts.len() as u128;
                if b.bins != n || !fits {
                    return bad("its bins do not fit its spec");
                }
            }
            (None, _) if !wants_bins => {}
            _ => return bad("bins where the spec has none, or none where it has"),
        }
        if self.exact_rows > self.rows || self.samples.iter().any(|(_, s)| s.undefined > self.rows)
        {
            return bad("more samples counted than rows");
        }
        if let Some(what) = self.sums_problem() {
            return bad(&what);
        }
        if let Some(what) = self.calibration_problem(spec) {
            return bad(what);
        }
        for (j, c) in self.per_class.iter().enumerate() {
            let observed = [c.tp, c.fp, c.fn_, c.tn]
                .iter()
                .try_fold(0u64, |a, &b| a.checked_add(b));
            if observed.is_none_or(|o| o > self.rows) {
                return bad("a class with more elements than rows");
            }
            if let Some(b) = &self.bins {
                let counts = &b.counts[j * b.bins..(j + 1) * b.bins];
                let pos = counts.iter().try_fold(0u64, |a, c| a.checked_add(c[0]));
                let neg = counts.iter().try_fold(0u64, |a, c| a.checked_add(c[1]));
                if pos != Some(c.positives()) || neg != Some(c.negatives()) {
                    return bad("bins that do not add up to the class's counts");
                }
            }
        }
        None
    }

    /// A sum over samples that their values cannot give: each sample's
    /// value is finite and in [0, 1] (coverage_error: [0, C]), so the sum
    /// of the defined ones lies in [0, their number × that].
    fn sums_problem(&self) -> Option<String> {
        for (metric, sum) in &self.samples {
            let most = match metric.kind().computation() {
                Computation::SampleRanking(m) => m.largest_value(self.classes),
                _ => 1.0,
            };
            let defined = (self.rows - sum.undefined) as f64;
            let value = sum.sum.value();
            // The slack covers the roundings of `defined × most` and of the sum.
            let fits = sum.sum.is_finite()
                && value >= 0.0
                && value <= defined * most * (1.0 + 4.0 * f64::EPSILON);
            if !fits {
                let name = metric.name();
                return Some(format!(
                    "the sum of {name} over samples is {value}, outside [0, {}]",
                    defined * most
                ));
            }
        }
        None
    }

    /// Calibration sums that do not fit the spec or the class's counts:
    /// each bin's positives and elements add up to the class's, and the
    /// probabilities' and squared errors' sums lie in [0, their elements].
    fn calibration_problem(&self, spec: &Spec) -> Option<&'static str> {
        let wanted = spec.has(Family::Calibration);
        let Some(sums) = self.calibration.as_ref().filter(|_| wanted) else {
            return (wanted || self.calibration.is_some())
                .then_some("calibration sums where the spec has none, or none where it has");
        };
        if spec.quantile_calibration() {
            return Some("quantile calibration bins cannot come from a state");
        }
        let slots = spec.uniform_calibration_bins().map_or(0, |b| b + 1);
        let squared = if spec.calibration_squared() {
            self.classes
        } else {
            0
        };
        let fits = (self.classes as u128) * (slots as u128) == sums.bins.len() as u128;
        if sums.slots != slots || !fits || sums.squared_error.len() != squared {
            return Some("its calibration sums do not fit its spec");
        }
        let within = |sum: f64, n: u64| sum.is_finite() && sum >= 0.0 && sum <= n as f64;
        for (j, c) in self.per_class.iter().enumerate() {
            if squared > 0 && !within(sums.squared_error(j), c.observed()) {
                return Some("a sum of squared errors outside [0, the class's elements]");
            }
            if slots == 0 {
                continue;
            }
            let bins = sums.class_bins(j);
            let count = bins.iter().try_fold(0u64, |a, b| a.checked_add(b.count));
            let pos = bins
                .iter()
                .try_fold(0u64, |a, b| a.checked_add(b.positives));
            let each = bins
                .iter()
                .all(|b| b.positives <= b.count && within(b.confidence.value(), b.count));
            if count != Some(c.observed()) || pos != Some(c.positives()) || !each {
                return Some("calibration bins that do not add up to the class's counts");
            }
        }
        None
    }

    /// Whether another tally's counts can be added without overflowing
    /// (states read from files: `rows` bounds every count, so checking it
    /// and the classes' elements suffices).
    pub fn can_merge(&self, other: &Tally) -> bool {
        let rows = self.rows.checked_add(other.rows);
        rows.is_some_and(|r| r.checked_mul(self.classes.max(1) as u64).is_some())
    }

    /// The sum over samples of `metric`, if the tally keeps one.
    pub fn sample_sum(&self, metric: Metric) -> Option<&SampleSum> {
        self.samples
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| s)
    }
}

/// The probability a score stands for: σ(x) of a logit, or itself.
#[inline]
pub fn probability(spec: &Spec, score: f64) -> f64 {
    match spec.scores {
        super::Scores::Logits => 1.0 / (1.0 + (-score).exp()),
        super::Scores::Probs => score,
    }
}
