//! `mlloss curves`: the points of each class's ROC, precision–recall or
//! reliability curve (or of their micro or macro average), as
//! scikit-learn's `roc_curve`, `precision_recall_curve` and
//! `calibration_curve` give them, in long format; `--plot` draws them.
//!
//! - `args.rs`: the command line;
//! - `units.rs`: which curves are computed, walked through `metrics`'
//!   pipeline (each class's scores highest first, exact or `--bins`) into
//!   the pure sinks of [`crate::metrics::curve_points`];
//! - `stream.rs`: each unit's text written as soon as its walk ends, in
//!   the output's order, while the other units are walked;
//! - `write.rs`: the points as CSV, TSV, JSON or JSON Lines;
//! - `figure.rs`: the figure `--plot` draws ([`crate::plot`]);
//! - `operating.rs`: the decision rule's point on each curve
//!   (`--threshold`, `--threshold-file`, `--top-k`), marked on the figure
//!   and written to `--operating-points FILE`.

mod args;
mod figure;
mod operating;
mod stream;
mod units;
mod write;

pub use args::Args;
use args::{CurveAverage, CurveKind};

use crate::cmd::decision::settle;
use crate::cmd::metrics::{Collected, Opening, Plan, collect};
use crate::error::UsageError;
use crate::metrics::{Average, Spec};
use crate::output::{Digits, Output, OutputFormat, ResultKind};
use crate::plot::PictureFormat;

const COMMAND: &str = "curves";

pub fn run(args: Args) -> anyhow::Result<()> {
    let picture = check(&args)?;
    let format = args.output_format();
    // One threshold is the spec's (as `report`'s); a list or a file is the
    // decision's, settled against the classes.
    let threshold = match args.threshold.as_ref().map(|t| t.0.as_slice()) {
        Some([t]) => *t,
        _ => 0.5,
    };
    let mut spec = Spec::walking(
        args.inputs.scores_kind,
        Average::Macro,
        args.inputs.ignore_value,
        args.curves.bins.map(|b| b as usize),
    );
    spec.threshold = threshold;
    spec.check()
        .map_err(|problem| UsageError::new(COMMAND, problem.message))?;
    let opening = Opening {
        command: COMMAND,
        memory_limit: args.curves.memory_limit,
        partial: false,
    };
    let mut plan = Plan::open(&args.inputs, spec, &opening)?;
    if operating::wanted(&args) {
        let (given, scores) = (args.threshold.as_ref(), plan.spec.scores);
        plan.decision = settle(
            COMMAND,
            given,
            threshold,
            &args.decision,
            &plan.classes,
            scores,
            true,
        )?
        .extras;
    }
    let collected = collect(plan)?;
    let selected = units::select(&args.classes, &collected.classes)?;
    let mut out = Output::to(collected.output.as_deref())?;
    let digits = Digits::from_precision(args.precision);
    let mut layout = write::Layout::new(args.curve, format, digits);
    out.write_bytes(&layout.head())?;
    let units = match args.average {
        // The macro curve needs every class's points before its own.
        Some(CurveAverage::Macro) => units::compute(&args, &collected, &selected, None)?,
        _ => stream::walk_and_write(&args, &collected, &selected, &mut layout, &mut out)?,
    };
    for unit in units.iter().filter(|u| !u.sent) {
        layout.put(&mut out, &layout.unit(&unit.name, &unit.points))?;
    }
    out.write_bytes(layout.tail())?;
    finish_outputs(&args, picture, &collected, &selected, units, out, digits)?;
    collected.finish();
    Ok(())
}

/// The operating points and the figure, then every output at once (each
/// file replaced only if all are written).
fn finish_outputs(
    args: &Args,
    picture: Option<PictureFormat>,
    collected: &Collected,
    selected: &[usize],
    units: Vec<units::Unit>,
    out: Output,
    digits: Digits,
) -> anyhow::Result<()> {
    let marks = match operating::wanted(args) {
        true => operating::marks(collected, selected, args.average.is_some()),
        false => Vec::new(),
    };
    let points = match &args.operating_points {
        Some(path) => {
            let format = OutputFormat::choose(None, Some(path));
            let mut file = Output::to(Some(path))?;
            file.write_bytes(&operating::lay_out(&marks, args.curve, format, digits))?;
            Some(file)
        }
        None => None,
    };
    let plot = match (&args.plot, picture) {
        (Some(path), Some(picture)) => {
            let rule = operating::rule(args, collected.spec.scores);
            let figure = figure::figure(&units, args.curve, args.average, &marks, &rule);
            drop(units);
            let bytes = crate::plot::render(&figure, picture)
                .map_err(|why| anyhow::anyhow!("cannot draw {}: {why}", path.display()))?;
            let mut plot = Output::to(Some(path))?;
            plot.write_bytes(&bytes)?;
            Some(plot)
        }
        _ => None,
    };
    match (plot, points) {
        (Some(plot), Some(points)) => Output::finish_all([out, plot, points])?,
        (Some(other), None) | (None, Some(other)) => Output::finish_all([out, other])?,
        (None, None) => out.finish()?,
    }
    Ok(())
}

/// The usage errors said before any input is read; the picture format of
/// `--plot`.
fn check(args: &Args) -> Result<Option<PictureFormat>, UsageError> {
    let usage = |what: String| UsageError::new(COMMAND, what);
    let format = args.output_format();
    if !format.holds(ResultKind::Report) {
        return Err(usage(format!(
            "curves write csv, tsv, json or jsonl (not {})",
            format.name()
        )));
    }
    if args.average == Some(CurveAverage::Macro) && args.curve != CurveKind::Roc {
        return Err(usage(
            "--average macro applies to --curve roc only (scikit-learn's multi-class ROC \
             example interpolates ROC curves; it has no macro precision–recall or reliability \
             curve): use --average micro, or one curve per class"
                .into(),
        ));
    }
    if args.average == Some(CurveAverage::Micro) && !args.classes.is_empty() {
        return Err(usage(
            "--average micro pools every class: --class applies to per-class and macro curves"
                .into(),
        ));
    }
    operating::check(args).map_err(usage)?;
    if args.curve == CurveKind::Reliability && args.curves.bins.is_some() {
        return Err(usage(
            "--bins applies to --curve roc and pr: a reliability curve bins the probabilities \
             itself (--calibration-bins)"
                .into(),
        ));
    }
    let picture = match &args.plot {
        None => None,
        Some(path) => Some(PictureFormat::of_path(path).ok_or_else(|| {
            usage(format!(
                "--plot {}: the file's extension chooses the picture: .svg or .png",
                path.display()
            ))
        })?),
    };
    Ok(picture)
}
