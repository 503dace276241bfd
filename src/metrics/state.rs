//! The state `metrics --partial` prints and `merge` reads: the spec (every
//! option that shapes the numbers and the report), the classes' names and
//! the tally. Serde data, versioned; two states merge only if their specs
//! and classes agree.

use serde::{Deserialize, Serialize};

use super::classification::ReportLayout;
use super::tune::TuneLayout;
use super::{DecisionExtras, Spec, Tally};

/// The format of metrics states; `merge` refuses others.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsState {
    /// Always [`VERSION`]; the field's name says what the file is.
    pub mlloss_metrics_partial: u32,
    pub spec: Spec,
    /// What the decision rule adds to `spec.threshold` (per-class
    /// thresholds, `--top-k`): absent by default, as before it existed.
    #[serde(default, skip_serializing_if = "DecisionExtras::is_default")]
    pub decision: DecisionExtras,
    /// A state of `mlloss report`: how `merge` lays the report out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportLayout>,
    /// A state of `mlloss tune --partial`: what `merge` tunes and writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tune: Option<TuneLayout>,
    pub classes: Vec<String>,
    pub tally: Tally,
}

impl MetricsState {
    pub fn new(spec: &Spec, classes: &[String], tally: &Tally) -> MetricsState {
        MetricsState {
            mlloss_metrics_partial: VERSION,
            spec: spec.clone(),
            decision: DecisionExtras::default(),
            report: None,
            tune: None,
            classes: classes.to_vec(),
            tally: tally.clone(),
        }
    }

    /// What is wrong with a state read from a file, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.mlloss_metrics_partial != VERSION {
            return Some(format!(
                "a metrics state of format {}, but this mlloss reads format {VERSION}",
                self.mlloss_metrics_partial
            ));
        }
        if let Err(problem) = self.spec.check() {
            let (field, message) = (problem.field, problem.message);
            return Some(format!(
                "inconsistent metrics state (spec.{field}: {message})"
            ));
        }
        if self.classes.len() != self.tally.classes {
            return Some("inconsistent metrics state (class names)".into());
        }
        if let Some(problem) = self.decision.problem(self.spec.scores, self.tally.classes) {
            return Some(format!("inconsistent metrics state (decision: {problem})"));
        }
        if self.spec.walks_curves && self.tune.is_none() {
            return Some("inconsistent metrics state (spec.walks_curves: tune's only)".to_owned());
        }
        if let Some(problem) = self.tune.as_ref().and_then(|t| t.problem(&self.spec)) {
            return Some(format!("inconsistent tune state ({problem})"));
        }
        self.tally.problem(&self.spec)
    }

    /// Whether the state is of no rows: an empty shard (GNU parallel may
    /// hand one a header and no rows), whose classes say nothing, so that
    /// it merges with any state of the same spec.
    pub fn is_empty(&self) -> bool {
        self.tally.rows == 0
    }

    /// Why `other` cannot be merged into this state, if it cannot: specs
    /// are compared as JSON (where NaN, as `--zero-division nan` or
    /// `--ignore-value nan`, equals itself), then the classes, then whether
    /// the counts would overflow.
    pub fn mismatch(&self, other: &MetricsState) -> Option<String> {
        let (a, b) = (to_value(&self.spec), to_value(&other.spec));
        if a != b {
            let field = (a.as_object().zip(b.as_object()))
                .and_then(|(a, b)| a.iter().find(|(k, v)| b.get(*k) != Some(v)))
                .map_or("spec", |(k, _)| k.as_str());
            let shown =
                |v: &serde_json::Value| v.get(field).map_or(String::new(), |x| x.to_string());
            return Some(format!(
                "computed with another {field} ({} instead of {})",
                shown(&b),
                shown(&a)
            ));
        }
        if self.report != other.report {
            return Some("another report layout (or a metrics state with a report's)".to_owned());
        }
        if self.tune != other.tune {
            return Some(
                "another tune objective or layout (or a metrics state with a tune's)".to_owned(),
            );
        }
        if self.decision != other.decision {
            return Some(
                "computed with another decision rule (--threshold list, --threshold-file or \
                 --top-k)"
                    .to_owned(),
            );
        }
        let shaped = !self.is_empty() && !other.is_empty();
        if shaped && self.classes != other.classes {
            return Some(format!(
                "computed on other classes ({} instead of {})",
                other.classes.join(","),
                self.classes.join(",")
            ));
        }
        (!self.tally.can_merge(&other.tally))
            .then(|| "more rows than 64-bit counts hold, with the states before it".to_owned())
    }
}

fn to_value(spec: &Spec) -> serde_json::Value {
    serde_json::to_value(spec).expect("a spec is plain data")
}
