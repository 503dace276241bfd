//! The figure `--plot` draws: one line per curve written (each class
//! given, or the average), its AUC (ROC: the trapezoids under its points,
//! as scikit-learn's `auc`) or AP (precision–recall: scikit-learn's
//! `average_precision_score` from the points) in the legend. A curve with
//! NaN rates (an undefined class) has no line: its legend says so. With a
//! decision rule, each curve's operating point is a disc of its colour and
//! the title names the rule.

use super::args::{CurveAverage, CurveKind};
use super::operating;
use super::units::{Points, Unit};
use crate::metrics::curve_points::{average_precision, trapezoid};
use crate::plot::{Diagram, Figure, Line, Mark};

/// The figure of `units`, with `marks` (each unit's operating point, in the
/// units' order) and the rule that gives them named in the title.
pub(super) fn figure(
    units: &[Unit],
    curve: CurveKind,
    average: Option<CurveAverage>,
    marks: &[operating::Mark],
    rule: &str,
) -> Figure {
    let diagram = match curve {
        CurveKind::Roc => Diagram::Roc,
        CurveKind::Pr => Diagram::PrecisionRecall,
        CurveKind::Reliability => Diagram::Reliability,
    };
    let title = match (curve, average) {
        (CurveKind::Roc, Some(CurveAverage::Macro)) => "Macro-average ROC curve",
        (CurveKind::Roc, Some(CurveAverage::Micro)) => "Micro-average ROC curve",
        (CurveKind::Roc, None) => "ROC curves",
        (CurveKind::Pr, Some(_)) => "Micro-average precision–recall curve",
        (CurveKind::Pr, None) => "Precision–recall curves",
        (CurveKind::Reliability, _) => "Reliability diagram",
    };
    let lines = units.iter().map(line).collect();
    let title = match marks.is_empty() {
        true => title.to_owned(),
        false => format!("{title} (●: {rule})"),
    };
    let marks = marks
        .iter()
        .enumerate()
        .map(|(line, mark)| Mark {
            line,
            point: mark.on_axes(curve),
        })
        .collect();
    Figure {
        diagram,
        title,
        lines,
        marks,
    }
}

fn line(unit: &Unit) -> Line {
    let (points, summary): (Vec<(f64, f64)>, Option<String>) = match &unit.points {
        Points::Roc(p) => {
            let xy: Vec<(f64, f64)> = p.iter().map(|p| (p.fpr, p.tpr)).collect();
            let auc = trapezoid(xy.iter().copied());
            (xy, Some(format!("AUC = {auc:.3}")))
        }
        Points::Macro(p) => {
            let auc = trapezoid(p.iter().copied());
            (p.clone(), Some(format!("AUC = {auc:.3}")))
        }
        Points::Pr(p) => {
            let xy = p.iter().map(|p| (p.recall, p.precision)).collect();
            (xy, Some(format!("AP = {:.3}", average_precision(p))))
        }
        Points::Reliability(b) => {
            let xy = b
                .iter()
                .map(|b| (b.mean_predicted, b.fraction_positive))
                .collect();
            (xy, None)
        }
    };
    let defined = !points.is_empty() && points.iter().all(|p| p.0.is_finite() && p.1.is_finite());
    let label = match (defined, summary) {
        (false, _) => format!("{} (undefined)", unit.name),
        (true, Some(s)) => format!("{} ({s})", unit.name),
        (true, None) => unit.name.clone(),
    };
    Line {
        label,
        points: if defined { points } else { Vec::new() },
    }
}
