//! Which curves `curves` computes, and the walk that computes them: each
//! selected class's scores (or every element pooled) walked highest first
//! through `metrics`' pipeline into the sinks of
//! [`crate::metrics::curve_points`], then the macro average and the
//! warnings for the classes whose curves are undefined.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use super::COMMAND;
use super::args::{Args, Binning, CurveAverage, CurveKind};
use super::write::Layout;
use crate::cmd::metrics::Collected;
use crate::error::{InputError, UsageError};
use crate::metrics::Scores;
use crate::metrics::curve::GroupSink;
use crate::metrics::curve_points::{
    self, MacroRoc, PrPoint, PrPoints, ReliabilityBin, ReliabilityBins, RocPoint, RocPoints,
};

/// The points of one curve.
pub(super) enum Points {
    Roc(Vec<RocPoint>),
    Pr(Vec<PrPoint>),
    Reliability(Vec<ReliabilityBin>),
    /// (fpr, tpr) on the macro grid.
    Macro(Vec<(f64, f64)>),
}

/// One curve: its name in the `class` column and the legend, its points,
/// and whether its text was sent to the writer already.
pub(super) struct Unit {
    pub(super) name: String,
    pub(super) points: Points,
    pub(super) sent: bool,
}

/// The classes `--class` names, in the order given (every class without it).
pub(super) fn select(given: &[String], classes: &[String]) -> Result<Vec<usize>, UsageError> {
    if given.is_empty() {
        return Ok((0..classes.len()).collect());
    }
    let mut selected = Vec::with_capacity(given.len());
    for name in given {
        let Some(j) = classes.iter().position(|c| c == name) else {
            let known: Vec<&str> = classes.iter().take(10).map(String::as_str).collect();
            let more = if classes.len() > 10 { ", …" } else { "" };
            let what = format!(
                "--class {name}: no such class in SCORES (its classes: {}{more})",
                known.join(", ")
            );
            return Err(UsageError::new(COMMAND, what));
        };
        if selected.contains(&j) {
            let what = format!("--class {name} is given twice");
            return Err(UsageError::new(COMMAND, what));
        }
        selected.push(j);
    }
    Ok(selected)
}

/// What a unit's walk feeds.
enum Sink {
    /// A class not selected: its scores are walked past.
    Skip,
    Roc(RocPoints),
    Pr(PrPoints),
    Reliability(ReliabilityBins),
    /// Walked to its end and its text sent (see [`Streaming`]); the points
    /// kept where `--plot` needs them.
    Sent(Option<Points>),
}

/// Where a unit's text goes as soon as its walk ends, while the other
/// units are walked: laid out on the walk's thread, sent to the writer
/// with the unit's place in the output.
#[derive(Clone)]
pub(super) struct Streaming {
    pub(super) layout: Layout,
    pub(super) sender: Sender<(usize, Vec<u8>)>,
    /// Whether the points are kept for the figure after their text is sent.
    pub(super) keep_points: bool,
    /// Text buffers the writer is done with, to lay out the next units in.
    pub(super) spare: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// A unit's sink, its observed positives and negatives, and the elements
/// walked so far: the walk of a unit ends when they are all seen.
struct UnitSink {
    positives: u64,
    negatives: u64,
    seen: u64,
    sink: Sink,
    /// The unit's name and place in the output, and where its text goes
    /// (`None`: the points are returned instead).
    name: String,
    place: usize,
    streaming: Option<Streaming>,
}

impl GroupSink for UnitSink {
    #[inline]
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        match &mut self.sink {
            Sink::Skip | Sink::Sent(_) => return,
            Sink::Roc(s) => s.push(score, positives, negatives),
            Sink::Pr(s) => s.push(score, positives, negatives),
            Sink::Reliability(s) => s.push(score, positives, negatives),
        }
        self.seen += positives + negatives;
        if self.seen == self.positives + self.negatives {
            self.send();
        }
    }
}

impl UnitSink {
    /// The text of a unit walked to its end, to the writer.
    fn send(&mut self) {
        let Some(streaming) = &self.streaming else {
            return;
        };
        if matches!(self.sink, Sink::Skip | Sink::Sent(_)) {
            return;
        }
        let points = std::mem::replace(&mut self.sink, Sink::Skip).finish();
        let spare = streaming.spare.lock().map(|mut s| s.pop());
        let mut text = spare.ok().flatten().unwrap_or_default();
        streaming.layout.unit_into(&mut text, &self.name, &points);
        // A writer gone has failed: its error is the one reported.
        let _ = streaming.sender.send((self.place, text));
        self.sink = Sink::Sent(streaming.keep_points.then_some(points));
    }
}

impl Sink {
    fn finish(self) -> Points {
        match self {
            Sink::Skip | Sink::Sent(None) => Points::Roc(Vec::new()),
            Sink::Sent(Some(points)) => points,
            Sink::Roc(s) => Points::Roc(s.finish()),
            Sink::Pr(s) => Points::Pr(s.finish()),
            Sink::Reliability(s) => Points::Reliability(s.finish()),
        }
    }
}

/// Every unit's points, in output order, with the warnings said. With
/// `streaming`, each unit's text is sent as its walk ends: a unit marked
/// `sent` has its points only if `keep_points` asked for them.
pub(super) fn compute(
    args: &Args,
    collected: &Collected,
    selected: &[usize],
    streaming: Option<Streaming>,
) -> anyhow::Result<Vec<Unit>> {
    let mut place = vec![None; collected.classes.len()];
    selected
        .iter()
        .enumerate()
        .for_each(|(k, &j)| place[j] = Some(k));
    let logits = collected.spec.scores == Scores::Logits;
    let binning = match args.calibration_binning {
        Binning::Uniform => curve_points::Binning::Uniform,
        Binning::Quantile => curve_points::Binning::Quantile,
    };
    let curve = if args.average == Some(CurveAverage::Macro) {
        CurveKind::Roc
    } else {
        args.curve
    };
    let make = |class: Option<usize>, positives: u64, negatives: u64| {
        let sink = match curve {
            _ if class.is_some_and(|j| place[j].is_none()) => Sink::Skip,
            CurveKind::Roc => Sink::Roc(RocPoints::new()),
            CurveKind::Pr => Sink::Pr(PrPoints::new()),
            CurveKind::Reliability => {
                let n_bins = args.calibration_bins as usize;
                let total = positives + negatives;
                Sink::Reliability(ReliabilityBins::new(n_bins, binning, total, logits))
            }
        };
        let mut unit = UnitSink {
            positives,
            negatives,
            seen: 0,
            sink,
            name: class.map_or_else(|| "micro".to_owned(), |j| collected.classes[j].clone()),
            place: class.and_then(|j| place[j]).unwrap_or(0),
            streaming: streaming.clone(),
        };
        // A unit without elements is never pushed: its (empty) text is
        // sent now, so that the writer does not wait for it.
        if positives + negatives == 0 {
            unit.send();
        }
        unit
    };
    let pooled = args.average == Some(CurveAverage::Micro);
    let mut sinks: Vec<Option<UnitSink>> = collected
        .walk(pooled, make)?
        .into_iter()
        .map(Some)
        .collect();
    let taken: Vec<UnitSink> = match pooled {
        true => vec![sinks.pop().flatten().expect("the pooled unit")],
        false => selected
            .iter()
            .map(|&j| sinks[j].take().expect("each class"))
            .collect(),
    };
    drop(sinks);
    warn_undefined(args.curve, &taken);
    if args.average == Some(CurveAverage::Macro) {
        return macro_unit(taken, collected);
    }
    Ok(taken
        .into_iter()
        .map(|unit| Unit {
            sent: matches!(unit.sink, Sink::Sent(_)),
            name: unit.name,
            points: unit.sink.finish(),
        })
        .collect())
}

/// The macro ROC over the classes whose ROC is defined (positives and
/// negatives observed); the others are left out, with a warning.
fn macro_unit(units: Vec<UnitSink>, collected: &Collected) -> anyhow::Result<Vec<Unit>> {
    let mut average = MacroRoc::new();
    for unit in units {
        let defined = unit.positives > 0 && unit.negatives > 0;
        if let (true, Points::Roc(points)) = (defined, unit.sink.finish()) {
            average.add(&points);
        }
    }
    if average.classes() == 0 {
        let what = "--average macro: no class has both a positive and a negative target, so no \
                    ROC curve is defined to average";
        return Err(InputError::new(collected.targets_file(), what).into());
    }
    Ok(vec![Unit {
        name: "macro".to_owned(),
        points: Points::Macro(average.finish()),
        sent: false,
    }])
}

/// The warnings scikit-learn gives for these curves, one line per kind,
/// naming the units.
fn warn_undefined(curve: CurveKind, units: &[UnitSink]) {
    let names = |keep: &dyn Fn(&UnitSink) -> bool| -> Vec<&str> {
        units
            .iter()
            .filter(|s| !matches!(s.sink, Sink::Skip) && keep(s))
            .map(|s| s.name.as_str())
            .collect()
    };
    let empty = names(&|s| s.positives + s.negatives == 0);
    if !empty.is_empty() {
        crate::error::warn(&format!(
            "curves: no observed target for {}: no points (scikit-learn raises on an empty input)",
            empty.join(", ")
        ));
    }
    let said = match curve {
        CurveKind::Roc => (
            names(&|s| s.positives + s.negatives > 0 && (s.positives == 0 || s.negatives == 0)),
            "no positive or no negative target: NaN true (or false) positive rates, as \
             scikit-learn 1.9.1's roc_curve gives (UndefinedMetricWarning); left out of \
             --average macro",
        ),
        CurveKind::Pr => (
            names(&|s| s.positives == 0 && s.negatives > 0),
            "no positive target: recall 1 at every threshold, as scikit-learn 1.9.1's \
             precision_recall_curve gives",
        ),
        CurveKind::Reliability => (Vec::new(), ""),
    };
    if !said.0.is_empty() {
        crate::error::warn(&format!("curves: {}: {}", said.0.join(", "), said.1));
    }
}
