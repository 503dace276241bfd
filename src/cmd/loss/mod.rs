//! `mlloss loss`: multi-label losses (BCEWithLogitsLoss,
//! MultiLabelSoftMarginLoss and the rest of the family) on files.
//!
//! - `args.rs`: the command line as the user wrote it;
//! - `kind_options.rs`: `--kind` and each kind's options, from the
//!   registry of kinds in [`crate::loss`];
//! - [`crate::cmd::pairing`] (shared with `metrics`): the inputs opened,
//!   their columns and rows paired, jobs cut;
//! - `plan.rs`: the checked plan: options, opened inputs, and the shape and
//!   weights settled on the inputs' first rows;
//! - `sources.rs`: where each input comes from;
//! - `weights.rs`: weights per class or per row, `--pos-weight auto`;
//! - `worker.rs`: what each thread does with a job;
//! - here: running the plan.
//!
//! The main thread computes the first job itself; the rest stream through
//! [`parallel`]: worker threads take turns cutting the next job, parse it
//! a row at a time, run the loss kernels, and either format its rows
//! (`none`, `row`) or fold them into their own [`Accumulator`] (`mean`,
//! `sum`, `class`), whose size does not depend on the number of rows. The
//! accumulators merge exactly, so the result does not depend on the number
//! of threads or on where the chunks were cut.

mod args;
mod class_counts;
mod kind_options;
mod plan;
mod sources;
mod weights;
mod worker;

pub use args::Args;

use crate::cmd::pairing::job::Readers;
use crate::cmd::unit_scores::UnitScores;
use crate::loss::{Accumulator, BatchRun, Outcome, PartialState, PerRow, Reduction};
use crate::output::{Batch, Element, Exporter, Output, ResultShape, Stream};
use crate::parallel;
use crate::progress::Progress;
use plan::Plan;
use worker::{JobOutput, Kernel, Worker};

pub fn run(args: Args) -> anyhow::Result<()> {
    let Plan {
        layout,
        kernel,
        reduction,
        partial,
        mut readers,
        first,
        threads,
        output,
        quiet,
        total_bytes,
        explain,
    } = Plan::new(&args)?;
    let mut out = kernel.exporter.stream(Output::to(output.as_deref())?)?;
    let mut progress = Progress::new(quiet, total_bytes, "bytes");
    let mut main_worker = Worker::new(&kernel);
    let mut first_output = JobOutput::default();
    let mut batches = Batches::new(&kernel, reduction, partial);
    out.begin(&layout, &mut first_output.batch)?;
    main_worker.run(&first, &mut first_output)?;
    batches.fold(&mut first_output);
    out.write(&mut first_output.batch)?;
    let mut batch = first_output.batch;
    progress.advance(first.x.source_bytes() as u64);
    let mut totals = main_worker.accumulator;
    let mut unit_scores = main_worker.unit_scores;
    let mut rows = first.x.row_count() as u64;
    if !first.is_last {
        rows += run_parallel(
            &kernel,
            threads,
            &mut readers,
            (&mut *out, &mut batches),
            (&mut totals, &mut unit_scores),
            &mut progress,
        )?;
    }
    progress.finish();
    check_weight_rows(&kernel, &readers, rows)?;
    if let Some(labels) = &readers.labels {
        labels.warn();
    }
    let shape = if partial {
        let state = match &batches.run {
            Some(run) => PartialState::of_batches(&kernel.loss, kernel.cols, rows, run),
            None => PartialState::new(&kernel.loss, kernel.cols, &totals),
        };
        serde_json::to_writer(&mut batch.bytes, &state)?;
        batch.bytes.push(b'\n');
        None
    } else if batches.run.is_some() {
        Some(batches.finish(&mut batch))
    } else {
        Some(write_result(
            &*kernel.exporter,
            &mut batch,
            &kernel,
            &readers,
            &totals,
            reduction,
            rows,
        ))
    };
    out.write(&mut batch)?;
    let shape = shape.unwrap_or(ResultShape {
        dims: vec![],
        element: Element::F64,
    });
    out.end(&shape)?.finish()?;
    said_at_the_end(&kernel, &readers, explain, rows, unit_scores);
    Ok(())
}

/// A batch loss's batches, folded in input order as the jobs are
/// written; with `-r none`, each batch's value is printed as it completes.
struct Batches<'k> {
    run: Option<BatchRun>,
    exporter: &'k dyn Exporter,
    reduction: Reduction,
    print: bool,
}

impl<'k> Batches<'k> {
    fn new(kernel: &'k Kernel, reduction: Reduction, partial: bool) -> Self {
        Batches {
            run: kernel.batch_loss.as_ref().map(BatchRun::new),
            exporter: &*kernel.exporter,
            reduction,
            print: reduction == Reduction::None && !partial,
        }
    }

    /// Folds in a job's batches, laying out those completed after its rows.
    fn fold(&mut self, output: &mut JobOutput) {
        let Some(run) = &mut self.run else { return };
        let (exporter, print, batch) = (self.exporter, self.print, &mut output.batch);
        run.fold(&output.batches, &mut |index, value| {
            if print {
                exporter.number_row(batch, None, value, index);
            }
        });
    }

    /// Closes the last batch and lays out the result; returns its shape.
    fn finish(&mut self, batch: &mut Batch) -> ResultShape {
        let run = self.run.as_mut().expect("a batch loss's run");
        let (exporter, print) = (self.exporter, self.print);
        run.finish(&mut |index, value| {
            if print {
                exporter.number_row(batch, None, value, index);
            }
        });
        let dims = match self.reduction {
            Reduction::Mean | Reduction::Sum => {
                let mean = self.reduction == Reduction::Mean;
                exporter.scalar(batch, if mean { run.mean() } else { run.sum() });
                vec![]
            }
            _ => {
                exporter.end_rows(batch, run.batches());
                vec![run.batches()]
            }
        };
        ResultShape {
            dims,
            element: Element::F64,
        }
    }
}

/// Lays out the end of the result: the value of a reduction, or what ends
/// the rows; returns its shape.
fn write_result(
    exporter: &dyn Exporter,
    batch: &mut Batch,
    kernel: &Kernel,
    readers: &Readers,
    totals: &Accumulator,
    reduction: Reduction,
    rows: u64,
) -> ResultShape {
    let dims = match reduction.outcome(totals) {
        Outcome::Scalar(value) => {
            exporter.scalar(batch, value);
            vec![]
        }
        Outcome::PerClass(values) => {
            exporter.per_class(batch, &values);
            vec![values.len() as u64]
        }
        Outcome::Rows => {
            exporter.end_rows(batch, rows);
            rows_shape(kernel.per_row, readers.logits.dims(), rows, kernel.cols)
        }
    };
    ResultShape {
        dims,
        element: Element::F64,
    }
}

/// A weight file of one value a row beside as many samples as classes:
/// per sample (as read) or the C per-class weights (`np.savetxt(f, w)`)?
/// Both pair; refused, whatever the file's line ends or blank lines. (The
/// plan refuses a regular file of C lines before any output; this is the
/// count of the rows read, for any file.)
fn check_weight_rows(kernel: &Kernel, readers: &Readers, rows: u64) -> anyhow::Result<()> {
    let one_a_row = kernel
        .weight_infos
        .iter()
        .flatten()
        .find(|(_, width)| *width == 1);
    match one_a_row {
        Some((info, _)) if !kernel.keyed && kernel.cols > 1 && rows == kernel.cols as u64 => {
            let what = format!(
                "{} holds one value a row for the {rows} samples of {}, which has {rows} classes: \
                 per-class weights or one weight a sample? Write per-class weights as one row \
                 (np.savetxt(f, w[None], delimiter=\",\")), as a .npy of shape (C,), or give them \
                 as --weight/--pos-weight values; per-sample weights as a .npy of shape (N, 1), \
                 or with the key column (--key)",
                info.file,
                readers.logits.file()
            );
            Err(crate::error::UsageError::new("loss", what).into())
        }
        _ => Ok(()),
    }
}

/// What stderr says once the output is complete: the rows read
/// (`--explain`), and whether the logits looked like probabilities.
fn said_at_the_end(
    kernel: &Kernel,
    readers: &Readers,
    explain: bool,
    rows: u64,
    unit_scores: UnitScores,
) {
    crate::cmd::explain::rows_read(explain, rows, kernel.cols);
    if kernel.loss.kind.takes_logits() {
        let fix = "--kind bce-probs";
        unit_scores.warn_if_probabilities(readers.logits.file(), "logits", fix);
    }
}

/// The shape of a result of rows, as PyTorch's `reduction='none'` gives
/// it: LOGITS' own shape when it is an array (a 1-D LOGITS is one sample),
/// else rows × classes; per-sample losses have no class dimension.
fn rows_shape(per_row: PerRow, logits_dims: Option<&[usize]>, rows: u64, cols: usize) -> Vec<u64> {
    let mut dims = match logits_dims {
        Some([samples @ .., _]) if samples.iter().map(|&d| d as u64).product::<u64>() == rows => {
            samples.iter().map(|&d| d as u64).collect()
        }
        _ => vec![rows],
    };
    if per_row == PerRow::Elements {
        dims.push(cols as u64);
    }
    dims
}

/// Runs the remaining jobs on `threads` workers (see [`parallel`]),
/// writing their output in input order (folding a batch loss's batches in
/// that order) and merging their partial sums into `total` (and what they saw of the scores into `unit_scores`); returns
/// the number of rows.
fn run_parallel(
    kernel: &Kernel,
    threads: usize,
    readers: &mut Readers,
    (out, batches): (&mut dyn Stream, &mut Batches<'_>),
    (total, unit_scores): (&mut Accumulator, &mut UnitScores),
    progress: &mut Progress,
) -> anyhow::Result<u64> {
    let mut rows = 0;
    let workers = parallel::run_with_output(
        threads,
        readers,
        || Worker::new(kernel),
        |worker, job, output: &mut JobOutput| Ok(worker.run(job, output)?),
        |job, output| {
            batches.fold(output);
            out.write(&mut output.batch)?;
            rows += job.x.row_count() as u64;
            progress.advance(job.x.source_bytes() as u64);
            Ok(())
        },
    )?;
    for worker in workers {
        total.merge(&worker.accumulator);
        unit_scores.merge(worker.unit_scores);
    }
    Ok(rows)
}
