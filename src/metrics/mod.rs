//! scikit-learn's multi-label metrics, pure: numbers in, numbers out, no
//! I/O. The formulas are in the README's "Metrics" section, next to which
//! this code reads.
//!
//! - [`kinds`]: the registry, one line per metric, and a module per
//!   metric (its family, parameters, checks and computation), written
//!   against the traits of [`family`]; [`listing`] names them in texts;
//! - [`row`]: one sample ranked, which the ranking metrics read (and its
//!   own AUROC and AP for `--average samples`);
//! - [`curve`]: AUROC and average precision of one unit (a class, or all
//!   elements pooled) from its scores grouped by value, best first, and the
//!   binned approximation (`--bins`);
//! - [`tally`]: the state that streams: counts and exact sums whose size
//!   does not depend on the rows, merged exactly across threads and shards;
//! - [`report`]: the values printed, from a tally and the curves, with the
//!   averages and the undefined-case policies;
//! - [`options`]: the options every metric shares; [`state`]: what
//!   `--partial` prints and `merge` reads.

pub mod curve;
pub mod curve_points;
pub mod family;
pub mod kinds;
pub mod listing;
pub mod options;
pub mod report;
pub mod row;
pub mod state;
pub mod tally;

use serde::{Deserialize, Serialize};

pub use curve::{Bins, Curve, Groups};
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
}

impl Spec {
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
        self.applicable(Param::Undefined, self.undefined != Undefined::Sklearn)
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

/// The decision σ(x) ≥ T (logits) or p ≥ T (probabilities), made the way
/// scikit-learn's reference makes it but without an exp per element: a
/// logit is compared with logit(T), and only one near it has σ computed —
/// within 1e-6 relative, or within the logits over which the rounding of
/// σ (a few ulps of 1) spans when σ is flat, about ε / (T (1 − T)) (T near
/// 1: σ(27.7257…) rounds to ≥ 1 − 2⁻⁴⁰ from 1e-4 below logit(T)).
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    scores: Scores,
    threshold: f64,
    /// logit(T), and the band around it where σ is computed.
    cut: f64,
    band: f64,
}

impl Decision {
    pub fn new(scores: Scores, threshold: f64) -> Decision {
        let cut = (threshold / (1.0 - threshold)).ln();
        let flat = 64.0 * f64::EPSILON / (threshold * (1.0 - threshold));
        Decision {
            scores,
            threshold,
            cut,
            band: (1e-6 * cut.abs().max(1.0)).max(flat),
        }
    }

    #[inline]
    pub fn positive(&self, score: f64) -> bool {
        match self.scores {
            Scores::Probs => score >= self.threshold,
            Scores::Logits => {
                if self.cut.is_finite() && (score - self.cut).abs() > self.band {
                    score > self.cut
                } else {
                    1.0 / (1.0 + (-score).exp()) >= self.threshold
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_decision_agrees_with_sigma() {
        let near_one = 1.0 - 2f64.powi(-40);
        for t in [
            0.0,
            1e-300,
            1e-12,
            0.1,
            0.25,
            0.3,
            0.5,
            0.7,
            0.9,
            1.0 - 1e-12,
            near_one,
            1.0,
        ] {
            let d = Decision::new(Scores::Logits, t);
            let cut = (t / (1.0 - t)).ln();
            let mut xs = vec![0.0, -0.0, 1.0, -1.0, 40.0, -40.0, 800.0, -800.0];
            if cut.is_finite() {
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_up();
                }
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_down();
                }
            }
            // Across a wide band around the cut, in steps of 1e-6 of it.
            if cut.is_finite() {
                let step = 1e-6 * cut.abs().max(1.0);
                xs.extend((-2000..=2000).map(|i| cut + f64::from(i) * step));
            }
            for x in xs {
                let sigma = 1.0 / (1.0 + (-x).exp());
                assert_eq!(d.positive(x), sigma >= t, "x {x} t {t}");
            }
        }
    }
}
