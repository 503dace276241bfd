//! The operating points `curves` marks with a decision rule
//! (`--threshold`, `--threshold-file`, `--top-k`, as `report` and `metrics`
//! take them; [`crate::cmd::decision`]): each written curve's confusion
//! counts under the rule — the tally `report --confusion` prints, read by
//! the same pipeline in the same pass — as a point of the curve
//! ([`OperatingPoint`]), drawn on `--plot` and written to
//! `--operating-points FILE`. `--average micro` pools the classes' counts
//! (each class decided by its own rule).

use std::path::Path;

use super::args::{Args, CurveAverage, CurveKind};
use super::write::{Value, delimited_field, write_value};
use crate::cmd::metrics::Collected;
use crate::metrics::curve_points::OperatingPoint;
use crate::metrics::decision::DecisionExtras;
use crate::metrics::{ClassThreshold, Scores};
use crate::output::{Digits, OutputFormat, ResultKind};

/// One curve's operating point: its name, the class's probability
/// threshold (NaN where the rule has none), and the counts.
pub(super) struct Mark {
    pub(super) name: String,
    pub(super) threshold: f64,
    pub(super) point: OperatingPoint,
}

impl Mark {
    /// The point's coordinates on the curve's axes: (fpr, tpr) or
    /// (recall, precision), as the figure draws them.
    pub(super) fn on_axes(&self, curve: CurveKind) -> (f64, f64) {
        match curve {
            CurveKind::Pr => {
                let (precision, recall) = self.point.precision_recall();
                (recall, precision)
            }
            _ => self.point.roc(),
        }
    }
}

/// The decision option given, named for errors.
fn decision_option(args: &Args) -> Option<&'static str> {
    if args.threshold.is_some() {
        Some("--threshold")
    } else if args.decision.threshold_file.is_some() {
        Some("--threshold-file")
    } else {
        args.decision.top_k.map(|_| "--top-k")
    }
}

/// Whether operating points are computed: a decision option or
/// `--operating-points` given.
pub(super) fn wanted(args: &Args) -> bool {
    decision_option(args).is_some() || args.operating_points.is_some()
}

/// The usage errors of the decision options and `--operating-points`.
pub(super) fn check(args: &Args) -> Result<(), String> {
    let given = decision_option(args);
    let Some(option) = given.or(args.operating_points.as_ref().map(|_| "--operating-points"))
    else {
        return Ok(());
    };
    if args.curve == CurveKind::Reliability {
        return Err(format!(
            "{option} marks a decision rule's point on --curve roc or pr: a reliability curve \
             has no operating point"
        ));
    }
    if args.average == Some(CurveAverage::Macro) {
        return Err(format!(
            "{option}: no decision rule's point lies on the macro ROC curve (an average of \
             interpolated curves): mark each class's point (no --average) or the pooled one \
             (--average micro)"
        ));
    }
    if given.is_some() && args.plot.is_none() && args.operating_points.is_none() {
        return Err(format!(
            "{option} marks operating points: give --plot FILE to draw them, or \
             --operating-points FILE to write them"
        ));
    }
    if let Some(path) = &args.operating_points {
        let format = OutputFormat::choose(None, Some(path));
        if !format.holds(ResultKind::Report) {
            return Err(format!(
                "--operating-points {}: written as csv, tsv, json or jsonl (from the file's \
                 extension), not {}",
                path.display(),
                format.name()
            ));
        }
    }
    Ok(())
}

/// The probability threshold of class `class` (`None`: the pooled unit)
/// under the rule, NaN where it has none (`--top-k` alone, a threshold
/// file's `logit_threshold`, per-class thresholds pooled).
fn threshold_of(decision: &DecisionExtras, one: f64, class: Option<usize>) -> f64 {
    if decision.no_threshold {
        return f64::NAN;
    }
    match (&decision.class_thresholds, class) {
        (None, _) => one,
        (Some(cuts), Some(j)) => match cuts[j] {
            ClassThreshold::Threshold(t) => t,
            ClassThreshold::LogitThreshold(_) => f64::NAN,
        },
        (Some(_), None) => f64::NAN,
    }
}

/// Each written curve's operating point, in the output's order.
pub(super) fn marks(collected: &Collected, selected: &[usize], pooled: bool) -> Vec<Mark> {
    let counts = |j: usize| {
        let c = &collected.tally.per_class[j];
        OperatingPoint {
            tp: c.tp,
            fp: c.fp,
            fn_: c.fn_,
            tn: c.tn,
        }
    };
    let (decision, one) = (&collected.decision, collected.spec.threshold);
    if pooled {
        let classes = collected.tally.per_class.len();
        return vec![Mark {
            name: "micro".to_owned(),
            threshold: threshold_of(decision, one, None),
            point: OperatingPoint::pooled((0..classes).map(counts)),
        }];
    }
    selected
        .iter()
        .map(|&j| Mark {
            name: collected.classes[j].clone(),
            threshold: threshold_of(decision, one, Some(j)),
            point: counts(j),
        })
        .collect()
}

/// The rule in words, for the figure's title.
pub(super) fn rule(args: &Args, scores: Scores) -> String {
    let compare = match scores {
        Scores::Logits => "σ(x) ≥",
        _ => "p ≥",
    };
    let threshold = match (&args.threshold, &args.decision.threshold_file) {
        (Some(list), _) if list.0.len() == 1 => Some(format!("{compare} {}", list.0[0])),
        (Some(_), _) => Some("per-class thresholds".to_owned()),
        (None, Some(file)) => Some(format!("thresholds of {}", file_name(file))),
        (None, None) if args.decision.top_k.is_none() => Some(format!("{compare} 0.5")),
        (None, None) => None,
    };
    let top = args.decision.top_k.map(|k| format!("top {k}"));
    match (top, threshold) {
        (Some(top), Some(t)) => format!("{top} and {t}"),
        (Some(top), None) => top,
        (None, Some(t)) => t,
        (None, None) => String::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The operating points as `--operating-points`' file: a row (csv, tsv),
/// an array element (json) or a line (jsonl) per curve, columns class,
/// threshold, tp, fp, fn, tn and the curve's two coordinates.
pub(super) fn lay_out(
    marks: &[Mark],
    curve: CurveKind,
    format: OutputFormat,
    digits: Digits,
) -> Vec<u8> {
    let rates: [&str; 2] = match curve {
        CurveKind::Pr => ["precision", "recall"],
        _ => ["fpr", "tpr"],
    };
    let columns = ["threshold", "tp", "fp", "fn", "tn", rates[0], rates[1]];
    let separator = match format.name() {
        "csv" => Some(b','),
        "tsv" => Some(b'\t'),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(sep) = separator {
        out.extend_from_slice(b"class");
        for c in columns {
            out.push(sep);
            out.extend_from_slice(c.as_bytes());
        }
        out.push(b'\n');
    }
    let json = format.name() == "json";
    if json {
        out.push(b'[');
    }
    for (k, mark) in marks.iter().enumerate() {
        let p = &mark.point;
        let (a, b) = match curve {
            CurveKind::Pr => p.precision_recall(),
            _ => p.roc(),
        };
        let values = [
            Value::Number(mark.threshold),
            Value::Count(p.tp),
            Value::Count(p.fp),
            Value::Count(p.fn_),
            Value::Count(p.tn),
            Value::Number(a),
            Value::Number(b),
        ];
        if let Some(sep) = separator {
            delimited_field(&mut out, &mark.name, sep);
            for v in values {
                out.push(sep);
                write_value(&mut out, v, digits, false);
            }
            out.push(b'\n');
            continue;
        }
        if json && k > 0 {
            out.extend_from_slice(b", ");
        }
        let class = serde_json::to_string(&mark.name).expect("a string serialises");
        out.extend_from_slice(b"{\"class\": ");
        out.extend_from_slice(class.as_bytes());
        for (c, v) in columns.iter().zip(values) {
            out.extend_from_slice(format!(", \"{c}\": ").as_bytes());
            write_value(&mut out, v, digits, true);
        }
        out.extend_from_slice(if json { b"}" } else { b"}\n" });
    }
    if json {
        out.extend_from_slice(b"]\n");
    }
    out
}
