//! scikit-learn's multi-label metrics, pure: numbers in, numbers out, no
//! I/O. The formulas are in the README's "Metrics" section, next to which
//! this code reads.
//!
//! - [`kinds`]: the registry, one line per metric, and a module per
//!   metric (its family, parameters, checks and computation), written
//!   against the traits of [`family`]; [`listing`] names them in texts;
//! - [`row`]: one sample ranked, which the ranking metrics read (and its
//!   own AUROC and AP for `--average samples`);
//! - [`calibration`]: ECE, MCE and Brier of one unit from its bins and
//!   squared errors, and the bins (uniform, as torchmetrics; quantile, as
//!   scikit-learn's `calibration_curve`);
//! - [`curve`]: AUROC and average precision of one unit (a class, or all
//!   elements pooled) from its scores grouped by value, best first, and the
//!   binned approximation (`--bins`);
//! - [`tally`]: the state that streams: counts and exact sums whose size
//!   does not depend on the rows, merged exactly across threads and shards;
//! - [`report`]: the values printed, from a tally and the curves, with the
//!   averages and the undefined-case policies;
//! - [`decision`]: which elements are predicted positive (thresholds,
//!   one or per class, and `--top-k`);
//! - [`options`]: the options every metric shares; [`state`]: what
//!   `--partial` prints and `merge` reads.

pub mod calibration;
pub mod classification;
pub mod curve;
pub mod curve_points;
pub mod decision;
pub mod extreme;
pub mod family;
pub mod kinds;
pub mod listing;
pub mod options;
pub mod report;
pub mod row;
pub mod state;
pub mod tally;
pub mod tune;

use serde::{Deserialize, Serialize};

pub use calibration::{Binning, CalibrationBinning};
pub use curve::{Bins, Curve, Groups};
pub use decision::{ClassThreshold, Decision, DecisionExtras};
pub use family::{Family, Param, Settings, SpecProblem};
pub use kinds::Metric;
pub use options::{Average, Scores, Undefined, ZeroDivision};
pub use report::{Curves, MetricValue, Outcome, Undefinedness, evaluate};
pub use tally::Tally;

/// Everything that shapes a tally's numbers and the report made of them:
/// two tallies merge only if their specs are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub metrics: Vec<Metric>,
    pub average: Average,
    pub scores: Scores,
    pub threshold: f64,
    pub zero_division: ZeroDivision,
    pub undefined: Undefined,
    pub beta: Option<f64>,
    pub k: Option<usize>,
    /// Target elements equal to this are missing (NaN marks NaN).
    #[serde(with = "crate::numerics::json_f64::option")]
    pub ignore_value: Option<f64>,
    /// `--bins B`: AUROC and AP from histograms of B bins.
    pub bins: Option<usize>,
    /// A command walks each class's scores itself (every cut: `tune`'s
    /// best threshold, `curves`' points): the scores (or `--bins`'
    /// histograms) are kept without a curve metric. Not in the states of
    /// `metrics`, which never sets it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub walks_curves: bool,
    /// ECE's and MCE's bins (`--calibration-bins`, `--calibration-binning`):
    /// with one of them only (and then always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationBinning>,
}

impl Spec {
    /// The spec of a command that walks each class's scores itself
    /// (`tune`, `curves`): no metric, every other option at its default,
    /// the scores kept (or `--bins`' histograms).
    pub fn walking(
        scores: Scores,
        average: Average,
        ignore_value: Option<f64>,
        bins: Option<usize>,
    ) -> Spec {
        Spec {
            metrics: Vec::new(),
            average,
            scores,
            threshold: 0.5,
            zero_division: ZeroDivision::Warn,
            undefined: Undefined::Sklearn,
            beta: None,
            k: None,
            ignore_value,
            bins,
            walks_curves: true,
            calibration: None,
        }
    }

    /// Whether some metric is of `family`.
    pub fn has(&self, family: Family) -> bool {
        self.metrics.iter().any(|m| m.family() == family)
    }

    pub fn wants(&self, metric: Metric) -> bool {
        self.metrics.contains(&metric)
    }

    /// The curves of each class (or all elements pooled) are needed: AUROC
    /// or AP averaged over classes or pooled (not per sample).
    pub fn needs_class_curves(&self) -> bool {
        self.walks_curves || (self.has(Family::Curve) && self.average != Average::Samples)
    }

    /// Every score of each class is kept (spilled within `--memory-limit`)
    /// and walked at the end: exact curves, or quantile calibration bins.
    pub fn keeps_every_score(&self) -> bool {
        (self.needs_class_curves() && self.bins.is_none()) || self.quantile_calibration()
    }

    /// Whether some calibration metric reads bins (ECE, MCE).
    pub fn calibration_binned(&self) -> bool {
        self.calibration_metrics().any(|m| m.binned())
    }

    /// Whether some calibration metric reads squared errors (Brier).
    pub fn calibration_squared(&self) -> bool {
        self.calibration_metrics().any(|m| !m.binned())
    }

    /// ECE and MCE with `--calibration-binning quantile`, whose bins need
    /// every probability of a class.
    pub fn quantile_calibration(&self) -> bool {
        self.calibration_binned()
            && self
                .calibration
                .is_some_and(|c| c.binning == Binning::Quantile)
    }

    /// The uniform bins the tally keeps, if any.
    pub fn uniform_calibration_bins(&self) -> Option<usize> {
        let c = self.calibration.filter(|_| self.calibration_binned())?;
        (c.binning == Binning::Uniform).then_some(c.bins)
    }

    fn calibration_metrics(&self) -> impl Iterator<Item = &dyn family::CalibrationMetric> {
        self.metrics
            .iter()
            .filter_map(|m| match m.kind().computation() {
                family::Computation::Calibration(c) => Some(c),
                _ => None,
            })
    }

    /// Whether a target element is missing.
    #[inline]
    pub fn is_missing(&self, target: f64) -> bool {
        match self.ignore_value {
            Some(m) => target == m || (m.is_nan() && target.is_nan()),
            None => false,
        }
    }

    /// The options checked together, as scikit-learn checks its
    /// parameters: on the command line (a usage error) and in the states
    /// `merge` reads (an error naming the field).
    pub fn check(&self) -> Result<(), SpecProblem> {
        let distinct: std::collections::HashSet<&Metric> = self.metrics.iter().collect();
        let none = self.metrics.is_empty() && !self.walks_curves;
        if none || distinct.len() != self.metrics.len() {
            return problem(
                "metrics",
                "--metric names each metric once, and at least one",
            );
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            let message = format!(
                "--threshold is a probability in [0, 1], not {}",
                self.threshold
            );
            return problem("threshold", &message);
        }
        self.needed(Param::Beta, self.beta.is_some())?;
        if let Some(b) = self.beta.filter(|b| !(*b >= 0.0 && (b * b).is_finite())) {
            let message = format!(
                "--beta must be a number ≥ 0 whose square is finite, not {b:?} (scikit-learn refuses both)"
            );
            return problem("beta", &message);
        }
        self.applicable(Param::Beta, self.beta.is_some())?;
        self.needed(Param::K, self.k.is_some())?;
        if self.k == Some(0) {
            return problem("k", "--k must be at least 1 (scikit-learn refuses k = 0)");
        }
        self.applicable(Param::K, self.k.is_some())?;
        if let ZeroDivision::Value(v) = self.zero_division
            && !(v == 0.0 || v == 1.0 || v.is_nan())
        {
            return problem("zero_division", "--zero-division is 0, 1 or nan");
        }
        let settings = self.settings();
        for metric in &self.metrics {
            metric.kind().check(&settings)?;
        }
        if let Some(bins) = self.bins {
            if !(1..=MAX_BINS).contains(&bins) {
                return problem("bins", &format!("--bins is 1 to {MAX_BINS}, not {bins}"));
            }
            if !self.walks_curves {
                self.applicable(Param::Bins, true)?;
            }
            if self.average == Average::Samples {
                return problem(
                    "bins",
                    "--bins approximates the classes' curves; --average samples computes each sample's exactly",
                );
            }
        }
        self.applicable(Param::Undefined, self.undefined != Undefined::Sklearn)?;
        self.check_calibration()
    }

    /// `--calibration-bins`/`--calibration-binning` go with ECE and MCE,
    /// and the calibration metrics with the averages over classes.
    fn check_calibration(&self) -> Result<(), SpecProblem> {
        if self.has(Family::Calibration) && self.average == Average::Samples {
            let names = listing::family(Family::Calibration);
            return problem(
                "average",
                &format!(
                    "--average samples does not apply to {names}, which are per class or pooled \
                     (none, macro, weighted or micro)"
                ),
            );
        }
        let binned = self.calibration_binned();
        match self.calibration {
            None if binned => problem(
                "calibration",
                "ece and mce need --calibration-bins B and --calibration-binning HOW",
            ),
            Some(_) if !binned => problem(
                "calibration",
                "--calibration-bins and --calibration-binning apply to ece and mce only",
            ),
            Some(c) if !(1..=calibration::MAX_BINS).contains(&c.bins) => problem(
                "calibration",
                &format!(
                    "--calibration-bins is 1 to {}, not {}",
                    calibration::MAX_BINS,
                    c.bins
                ),
            ),
            _ => Ok(()),
        }
    }

    /// "fbeta needs --beta B" when `param` is not given and some metric
    /// requires it.
    fn needed(&self, param: Param, given: bool) -> Result<(), SpecProblem> {
        let requiring = self
            .metrics
            .iter()
            .find(|m| m.use_of(param).is_some_and(|u| u.required));
        match requiring {
            Some(metric) if !given => {
                let (flag, value) = param.flag();
                problem(
                    param.field(),
                    &format!("{} needs {flag} {value}", metric.name()),
                )
            }
            _ => Ok(()),
        }
    }

    /// "--k applies to ndcg and precision_at_k only" when `param` is given
    /// and no metric takes it.
    fn applicable(&self, param: Param, given: bool) -> Result<(), SpecProblem> {
        if !given || self.metrics.iter().any(|m| m.use_of(param).is_some()) {
            return Ok(());
        }
        let takers = listing::taking(param, "and");
        let mut hints: Vec<&str> = Metric::taking(param)
            .filter_map(|(_, u)| u.misuse_hint)
            .collect();
        hints.extend(param.misuse_hint());
        let hints = if hints.is_empty() {
            String::new()
        } else {
            format!(" ({})", hints.join("; "))
        };
        let (flag, _) = param.flag();
        problem(
            param.field(),
            &format!("{flag} applies to {takers} only{hints}"),
        )
    }

    /// The options the metrics' computations read.
    pub fn settings(&self) -> Settings {
        Settings {
            beta: self.beta,
            k: self.k,
            zero_division: self.zero_division,
        }
    }
}

fn problem(field: &'static str, message: &str) -> Result<(), SpecProblem> {
    Err(SpecProblem {
        field,
        message: message.to_owned(),
    })
}

/// The most bins `--bins` takes.
pub const MAX_BINS: usize = 100_000_000;
