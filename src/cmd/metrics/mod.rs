//! `mlloss metrics`: scikit-learn's multi-label metrics on files.
//!
//! - `args.rs`: the command line as the user wrote it;
//! - `plan.rs`: the checked plan: the spec, the inputs opened and paired
//!   ([`crate::cmd::pairing`], shared with `loss`), the width settled;
//! - `worker.rs`: what each thread does with a job of rows;
//! - `spill.rs`: exact AUROC and AP in bounded memory (sorted runs on disk);
//! - here: running the plan, and the report (also `merge`'s).
//!
//! Jobs stream through [`parallel`] as `loss`'s do; each worker folds its
//! rows into its own [`Tally`] (and keeps its scores when the exact curves
//! need them); the tallies merge exactly, so the result does not depend on
//! the threads or where the chunks were cut.

mod args;
mod plan;
mod spill;
mod worker;

pub use args::Args;

use crate::cmd::pairing::job::Readers;
use crate::error::{InputError, UsageError};
use crate::metrics::curve::Groups;
use crate::metrics::family::Computation;
use crate::metrics::state::MetricsState;
use crate::metrics::{Bins, Curve, Curves, MetricValue, Scores, Spec, Tally, evaluate};
use crate::output::{Digits, NamedValues, Output, OutputFormat, ResultKind};
use crate::parallel;
use crate::progress::Progress;
use plan::Plan;
use spill::Stores;
use worker::{Kernel, Worker};

pub fn run(args: Args) -> anyhow::Result<()> {
    let Plan {
        spec,
        decision,
        classes,
        mut readers,
        first,
        threads,
        memory_limit,
        partial,
        output,
        format,
        digits,
        quiet,
        total_bytes,
        explain,
    } = Plan::new(&args)?;
    let kernel = Kernel {
        decision: decision.decision(spec.scores, spec.threshold),
        cols: classes.len(),
        x_info: readers.logits.info().clone(),
        y_info: readers.targets.info().clone(),
        store_budget: memory_limit.map(|limit| (limit / threads as u64).max(1) as usize),
        spec,
    };
    let mut progress = Progress::new(quiet, total_bytes, "bytes");
    let mut main_worker = Worker::new(&kernel)?;
    main_worker.run(&first)?;
    progress.advance(first.x.source_bytes() as u64);
    let mut workers = vec![];
    if !first.is_last {
        workers = run_parallel(&kernel, threads, &mut readers, &mut progress)?;
    }
    progress.finish();
    if let Some(labels) = &readers.labels {
        labels.warn();
    }
    let mut tally = main_worker.tally;
    let mut stores: Vec<_> = main_worker.store.into_iter().collect();
    let mut unit_scores = main_worker.unit_scores;
    for worker in workers {
        tally.merge(&worker.tally);
        stores.extend(worker.store);
        unit_scores.merge(worker.unit_scores);
    }
    let spec = &kernel.spec;
    let mut out = Output::to(output.as_deref())?;
    let mut text = Vec::new();
    if partial {
        let state = MetricsState {
            decision,
            ..MetricsState::new(spec, &classes, &tally)
        };
        serde_json::to_writer(&mut text, &state)?;
        text.push(b'\n');
    } else {
        let curves = match memory_limit {
            Some(limit) => exact_curves(spec, &tally, Stores::new(stores, limit), threads)?,
            None => binned_curves(spec, &tally),
        };
        text = report(
            spec,
            &tally,
            &curves,
            &classes,
            format,
            digits,
            readers.targets.file(),
        )?;
    }
    out.write_bytes(&text)?;
    out.finish()?;
    crate::cmd::explain::rows_read(explain, tally.rows, kernel.cols);
    if kernel.spec.scores == Scores::Logits {
        let file = readers.logits.file();
        unit_scores.warn_if_probabilities(file, "logits (--scores logits)", "--scores probs");
    }
    Ok(())
}

/// Runs the remaining jobs on `threads` workers (see [`parallel`]) and
/// returns them, with their tallies and scores.
fn run_parallel<'k>(
    kernel: &'k Kernel,
    threads: usize,
    readers: &mut Readers,
    progress: &mut Progress,
) -> anyhow::Result<Vec<Worker<'k>>> {
    // Made before the threads start, so that an allocation refused is an
    // error here, not in a thread.
    let ready = (0..threads)
        .map(|_| Worker::new(kernel))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ready = std::sync::Mutex::new(ready);
    parallel::run(
        threads,
        readers,
        || {
            let mut ready = ready
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            ready.pop().expect("a worker for each thread")
        },
        |worker, job| worker.run(job),
        |job| {
            progress.advance(job.x.source_bytes() as u64);
            Ok(())
        },
    )
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
        return Err(InputError::new(file, plan::NO_ROWS).into());
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
/// the classes' merges run on `threads` threads.
fn exact_curves(
    spec: &Spec,
    tally: &Tally,
    stores: Stores,
    threads: usize,
) -> anyhow::Result<Curves> {
    let mut curves = Curves::default();
    let spilled = |e: std::io::Error| spill::spill_failed(&e, true);
    if spec.average == crate::metrics::Average::Micro {
        let (p, n) = tally
            .per_class
            .iter()
            .fold((0, 0), |(p, n), c| (p + c.positives(), n + c.negatives()));
        curves.pooled = Some(stores.curve(None, p, n).map_err(spilled)?);
        return Ok(curves);
    }
    let classes = tally.per_class.len();
    let threads = threads.clamp(1, classes.max(1));
    let results: Vec<Vec<(usize, std::io::Result<Curve>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let stores = &stores;
                scope.spawn(move || {
                    (t..classes)
                        .step_by(threads)
                        .map(|j| {
                            let c = &tally.per_class[j];
                            (j, stores.curve(Some(j), c.positives(), c.negatives()))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a curve's thread does not panic"))
            .collect()
    });
    let mut per_class: Vec<Option<Curve>> = (0..classes).map(|_| None).collect();
    for (j, curve) in results.into_iter().flatten() {
        per_class[j] = Some(curve.map_err(spilled)?);
    }
    curves.per_class = per_class
        .into_iter()
        .map(|c| c.expect("every class"))
        .collect();
    Ok(curves)
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
