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
//! - `figure.rs`: the figure `--plot` draws ([`crate::plot`]).

mod args;
mod figure;
mod stream;
mod units;
mod write;

pub use args::Args;
use args::{CurveAverage, CurveKind};

use crate::cmd::metrics::{Opening, Plan, collect};
use crate::error::UsageError;
use crate::metrics::{Average, Spec};
use crate::output::{Digits, Output, ResultKind};
use crate::plot::PictureFormat;

const COMMAND: &str = "curves";

pub fn run(args: Args) -> anyhow::Result<()> {
    let picture = check(&args)?;
    let format = args.output_format();
    let spec = Spec::walking(
        args.inputs.scores_kind,
        Average::Macro,
        args.inputs.ignore_value,
        args.curves.bins.map(|b| b as usize),
    );
    spec.check()
        .map_err(|problem| UsageError::new(COMMAND, problem.message))?;
    let opening = Opening {
        command: COMMAND,
        memory_limit: args.curves.memory_limit,
        partial: false,
    };
    let plan = Plan::open(&args.inputs, spec, &opening)?;
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
    match (&args.plot, picture) {
        (Some(path), Some(picture)) => {
            let figure = figure::figure(&units, args.curve, args.average);
            drop(units);
            let bytes = crate::plot::render(&figure, picture)
                .map_err(|why| anyhow::anyhow!("cannot draw {}: {why}", path.display()))?;
            let mut plot = Output::to(Some(path))?;
            plot.write_bytes(&bytes)?;
            Output::finish_all([out, plot])?;
        }
        _ => out.finish()?,
    }
    collected.finish();
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
