//! `mlloss metrics`: scikit-learn's multi-label metrics on files.
//!
//! - `args.rs`: the command line as the user wrote it; `inputs.rs`: the
//!   options of SCORES and TARGETS (and of the curves' memory), which the
//!   commands built on this pipeline flatten into theirs;
//! - `plan.rs`: the checked plan: the spec, the inputs opened and paired
//!   ([`crate::cmd::pairing`], shared with `loss`), the width settled;
//! - `pipeline.rs`: running a plan: the rows tallied on the threads, each
//!   class's scores walked (shared with the commands built on it);
//! - `worker.rs`: what each thread does with a job of rows;
//! - `spill.rs`: exact AUROC and AP in bounded memory (sorted runs on disk);
//! - here: `metrics`' run, and the report (also `merge`'s).

mod args;
mod inputs;
mod merge;
mod pipeline;
mod plan;
mod radix;
mod spill;
mod worker;

pub use args::Args;
pub use inputs::{CurveArgs, InputArgs};
pub(crate) use pipeline::{Collected, collect};
// `Opening` is for the commands built on the pipeline.
#[allow(unused_imports)]
pub(crate) use plan::{Opening, Plan, no_rows};

use crate::error::{InputError, UsageError};
use crate::metrics::calibration::{BinSums, QuantileSink};
use crate::metrics::curve::Groups;
use crate::metrics::family::Computation;
use crate::metrics::state::MetricsState;
use crate::metrics::{Average, Bins, Curve, Curves, MetricValue, Scores, Spec, Tally, evaluate};
use crate::output::{Digits, NamedValues, Output, OutputFormat, ResultKind};

pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = Plan::new(&args)?;
    let mut collected = collect(plan)?;
    if collected.spec.quantile_calibration() && !args.partial {
        quantile_bins(&mut collected)?;
    }
    let mut out = Output::to(collected.output.as_deref())?;
    let Collected {
        spec,
        classes,
        tally,
        ..
    } = &collected;
    let mut text = Vec::new();
    if args.partial {
        let state = MetricsState {
            decision: collected.decision.clone(),
            ..MetricsState::new(spec, classes, tally)
        };
        serde_json::to_writer(&mut text, &state)?;
        text.push(b'\n');
    } else {
        // Every score may be kept for quantile calibration bins alone.
        let exact = collected.has_every_score() && spec.needs_class_curves() && spec.bins.is_none();
        let curves = match exact {
            true => exact_curves(&collected)?,
            false => binned_curves(spec, tally),
        };
        let format = args.output_format();
        let digits = Digits::from_precision(args.precision);
        let targets = collected.targets_file();
        text = report(spec, tally, &curves, classes, format, digits, targets)?;
    }
    out.write_bytes(&text)?;
    out.finish()?;
    collected.finish();
    Ok(())
}

/// `merge` of metrics states: the report of the merged state, as the
/// unsharded run prints it.
pub(crate) fn merged_report(
    state: &MetricsState,
    format: OutputFormat,
    digits: Digits,
    file: &str,
) -> anyhow::Result<Vec<u8>> {
    let spec = &state.spec;
    check_report_format(format, "merge")?;
    if state.tally.rows == 0 {
        return Err(InputError::new(file, plan::no_rows("metrics")).into());
    }
    let curves = binned_curves(spec, &state.tally);
    report(
        spec,
        &state.tally,
        &curves,
        &state.classes,
        format,
        digits,
        file,
    )
}

/// Each class's curve (and the pooled one for micro) from every score;
/// the classes' walks run on the threads.
fn exact_curves(collected: &Collected) -> anyhow::Result<Curves> {
    let mut curves = Curves::default();
    let new_curve = |_, p, n| Curve::new(p, n);
    if collected.spec.average == crate::metrics::Average::Micro {
        curves.pooled = collected.walk(true, new_curve)?.pop();
    } else {
        curves.per_class = collected.walk(false, new_curve)?;
    }
    Ok(curves)
}

/// `--calibration-binning quantile`: each class's bins (and for micro
/// every element's pooled) from all its probabilities, walked as the exact
/// curves are, into the tally's calibration sums.
fn quantile_bins(collected: &mut Collected) -> anyhow::Result<()> {
    let spec = &collected.spec;
    let bins = spec.calibration.map_or(0, |c| c.bins);
    let probability: fn(f64) -> f64 = match spec.scores {
        Scores::Logits => |x| 1.0 / (1.0 + (-x).exp()),
        Scores::Probs => |p| p,
    };
    let sink = |_, p: u64, n: u64| QuantileSink::new(bins, p + n, probability);
    let finish = |sinks: Vec<QuantileSink>| -> Vec<Vec<BinSums>> {
        sinks.into_iter().map(QuantileSink::finish).collect()
    };
    let per_class = finish(collected.walk(false, sink)?);
    let pooled = match spec.average {
        Average::Micro => finish(collected.walk(true, sink)?).pop(),
        _ => None,
    };
    if let Some(sums) = collected.tally.calibration.as_mut() {
        sums.set_quantile_bins(per_class, pooled);
    }
    Ok(())
}

/// The curves from `--bins`' histograms, if kept.
fn binned_curves(spec: &Spec, tally: &Tally) -> Curves {
    let mut curves = Curves::default();
    let Some(bins) = &tally.bins else {
        return curves;
    };
    let curve = |class: Option<usize>| {
        let groups = bins.groups(class);
        let (p, n) = groups.iter().fold((0, 0), |(p, n), g| (p + g.0, n + g.1));
        (
            groups.iter().copied().curve(p, n),
            Bins::roc_auc_bound(&groups),
        )
    };
    let mut bound: f64 = 0.0;
    if spec.average == crate::metrics::Average::Micro {
        let (c, b) = curve(None);
        curves.pooled = Some(c);
        bound = b;
    } else {
        for j in 0..tally.classes {
            let (c, b) = curve(Some(j));
            curves.per_class.push(c);
            bound = bound.max(b);
        }
    }
    for metric in &spec.metrics {
        if let Computation::Curve(kind) = metric.kind().computation()
            && kind.binned_bound()
        {
            crate::error::note(&format!(
                "--bins {}: each binned {} is within {bound:.3e} of the exact value \
                 (pairs of scores sharing a bin count one half)",
                bins.bins,
                metric.name()
            ));
        }
    }
    curves
}

/// The metrics as `format` lays them out, their warnings printed; an
/// undefined unit under `--undefined error` is an error of TARGETS.
pub(crate) fn report(
    spec: &Spec,
    tally: &Tally,
    curves: &Curves,
    classes: &[String],
    format: OutputFormat,
    digits: Digits,
    targets_file: &str,
) -> anyhow::Result<Vec<u8>> {
    let outcome = evaluate(spec, tally, curves, classes)
        .map_err(|e| InputError::new(targets_file, e.to_string()))?;
    for warning in &outcome.warnings {
        crate::error::warn(warning);
    }
    let per_class = outcome
        .values
        .iter()
        .any(|(_, v)| matches!(v, MetricValue::PerClass(_)));
    let columns = if per_class {
        classes.to_vec()
    } else {
        vec!["value".to_owned()]
    };
    let entries = outcome
        .values
        .into_iter()
        .map(|(metric, value)| {
            let (values, array) = match value {
                MetricValue::Scalar(v) => (vec![v], false),
                MetricValue::PerClass(v) => (v, true),
            };
            (metric.name().to_owned(), values, array)
        })
        .collect();
    let report = NamedValues { columns, entries };
    Ok(format.report_text(digits, &report))
}

/// A report of metrics is named values: a format that cannot hold them
/// (npy, parquet) is a usage error of `command`, found before computing.
pub(super) fn check_report_format(
    format: OutputFormat,
    command: &'static str,
) -> Result<(), UsageError> {
    format.check(command, &[ResultKind::Report], None)
}
