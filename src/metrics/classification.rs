//! scikit-learn's `classification_report` for multi-label indicators, from
//! a tally: per class precision, recall, F1 and support, then the `micro
//! avg`, `macro avg`, `weighted avg` and `samples avg` rows. Pure: every
//! number is the one `metrics` gives for that metric and `--average`
//! (precision, recall and f1 of [`super::kinds`], averaged by
//! [`super::report`]), so the report and `metrics` cannot disagree.
//!
//! C = 1 stays multi-label (one class row and the four averages), where
//! scikit-learn switches to its binary layout.

use serde::{Deserialize, Serialize};

use super::report::{Curves, MetricValue, Undefinedness, evaluate};
use super::tally::{Confusion, Tally};
use super::{Average, Metric, Scores, Spec, Undefined, ZeroDivision};

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The class's name, or `micro avg`, `macro avg`, `weighted avg`,
    /// `samples avg`.
    pub name: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Positives (a class's; every class's for an average).
    pub support: u64,
    /// A class's confusion counts (`multilabel_confusion_matrix`); none
    /// for an average.
    pub confusion: Option<Confusion>,
}

/// The rows, classes first, and scikit-learn's warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationReport {
    pub rows: Vec<ReportRow>,
    /// How many of the rows are classes (the averages follow).
    pub classes: usize,
    pub warnings: Vec<String>,
}

/// How a report is laid out, kept in its `--partial` state so that `merge`
/// prints what the unsharded run prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportLayout {
    /// `text`, `json`, `csv` or `tsv`.
    pub format: String,
    pub digits: usize,
    pub confusion: bool,
}

/// The averages' rows, in scikit-learn's order, with their names.
const AVERAGES: [(Average, &str); 4] = [
    (Average::Micro, "micro avg"),
    (Average::Macro, "macro avg"),
    (Average::Weighted, "weighted avg"),
    (Average::Samples, "samples avg"),
];

/// The spec a report's tally is made with: precision, recall and F1, kept
/// per sample too (for `samples avg`).
pub fn report_spec(
    scores: Scores,
    threshold: f64,
    zero_division: ZeroDivision,
    ignore_value: Option<f64>,
) -> Spec {
    Spec {
        metrics: vec![Metric::Precision, Metric::Recall, Metric::F1],
        average: Average::Samples,
        scores,
        threshold,
        zero_division,
        undefined: Undefined::Sklearn,
        beta: None,
        k: None,
        ignore_value,
        bins: None,
        walks_curves: false,
        calibration: None,
    }
}

/// The report of `tally` (made with [`report_spec`]'s spec) for `classes`.
pub fn classification_report(
    spec: &Spec,
    tally: &Tally,
    classes: &[String],
) -> Result<ClassificationReport, Undefinedness> {
    let curves = Curves::default();
    let mut warnings: Vec<String> = Vec::new();
    let mut run = |average: Average| -> Result<Vec<MetricValue>, Undefinedness> {
        let spec = Spec {
            average,
            ..spec.clone()
        };
        let outcome = evaluate(&spec, tally, &curves, classes)?;
        for w in outcome.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        Ok(outcome.values.into_iter().map(|(_, v)| v).collect())
    };
    let per_class = run(Average::None)?;
    let column = |i: usize, j: usize| match &per_class[i] {
        MetricValue::PerClass(v) => v[j],
        MetricValue::Scalar(v) => *v,
    };
    let mut rows: Vec<ReportRow> = (0..tally.classes)
        .map(|j| {
            let confusion = tally.per_class[j];
            ReportRow {
                name: classes[j].clone(),
                precision: column(0, j),
                recall: column(1, j),
                f1: column(2, j),
                support: confusion.positives(),
                confusion: Some(confusion),
            }
        })
        .collect();
    let support = tally.per_class.iter().map(Confusion::positives).sum();
    for (average, name) in AVERAGES {
        let values = run(average)?;
        let scalar = |i: usize| match &values[i] {
            MetricValue::Scalar(v) => *v,
            MetricValue::PerClass(_) => f64::NAN,
        };
        rows.push(ReportRow {
            name: name.to_owned(),
            precision: scalar(0),
            recall: scalar(1),
            f1: scalar(2),
            support,
            confusion: None,
        });
    }
    Ok(ClassificationReport {
        rows,
        classes: tally.classes,
        warnings,
    })
}
