//! What each thread does with a job: pair its rows (LOGITS, TARGETS and
//! the row weights), parse them, compute the element losses, and print
//! each row (`none`, `row`) or add it to the thread's own totals.

use crate::cmd::pairing::job::Job;
use crate::cmd::pairing::unpaired_row;
use crate::cmd::unit_scores::UnitScores;
use crate::error::InputError;
use crate::input::{MatrixInfo, Rows};
use crate::loss::{Accumulator, JobBatches, Loss, PerRow, RowWeights, TwoWay};
use crate::output::{Batch, Exporter};

/// What every thread shares: the loss, the shape, and how to parse.
pub(super) struct Kernel {
    pub(super) loss: Loss,
    pub(super) exporter: Box<dyn Exporter>,
    /// What each row gives (printed, or added to the totals), and whether
    /// the totals keep sums per class.
    pub(super) per_row: PerRow,
    pub(super) per_class: bool,
    /// Rows pair by key: printed rows start with it.
    pub(super) keyed: bool,
    pub(super) cols: usize,
    pub(super) x_info: MatrixInfo,
    pub(super) y_info: MatrixInfo,
    /// The weight files read row by row, with their width (1 or C).
    pub(super) weight_infos: [Option<(MatrixInfo, usize)>; 2],
    /// A batch loss's parameters: its rows go to batches, not totals.
    pub(super) batch_loss: Option<TwoWay>,
}

/// What a job gives: its printed rows, and a batch loss's batches.
#[derive(Default)]
pub(super) struct JobOutput {
    pub(super) batch: Batch,
    pub(super) batches: JobBatches,
}

/// A thread's own buffers and partial sums.
pub(super) struct Worker<'k> {
    kernel: &'k Kernel,
    element_losses: Vec<f64>,
    /// Smoothed targets.
    scratch: Vec<f64>,
    /// A row of each weight file, widened to C values.
    row_weights: [Vec<f64>; 2],
    pub(super) accumulator: Accumulator,
    /// Whether every logit so far lay in [0, 1].
    pub(super) unit_scores: UnitScores,
}

impl<'k> Worker<'k> {
    pub(super) fn new(kernel: &'k Kernel) -> Self {
        let per_class = if kernel.per_class { kernel.cols } else { 0 };
        let loss = &kernel.loss;
        Worker {
            kernel,
            element_losses: vec![0.0; kernel.cols],
            scratch: Vec::new(),
            row_weights: [Vec::new(), Vec::new()],
            accumulator: Accumulator::new(loss.kind.shape(), loss.missing, per_class),
            unit_scores: UnitScores::default(),
        }
    }

    /// Parses and computes one job a row at a time, laying out its printed
    /// rows into `out`. The first bad row, in input order, is the error.
    pub(super) fn run(&mut self, job: &Job, output: &mut JobOutput) -> Result<(), InputError> {
        let k = self.kernel;
        output.batches.begin();
        let JobOutput {
            batch: out,
            batches,
        } = output;
        let mut xs = job.x.rows(&k.x_info, Some(k.cols));
        let mut ys = job.y.rows(&k.y_info, Some(k.cols));
        let mut weight_rows: [Option<(Rows<'_>, &MatrixInfo)>; 2] = [None, None];
        for (i, info) in k.weight_infos.iter().enumerate() {
            if let Some((info, width)) = info {
                weight_rows[i] = Some((job.weights[i].rows(info, Some(*width)), info));
            }
        }
        let mut paired = 0u64;
        loop {
            let (x, x_line, y) = match (xs.next_row()?, ys.next_row()?) {
                (Some((x, x_line)), Some((y, _))) => (x, x_line, y),
                (None, None) => return weight_files_end(k, job, &mut weight_rows, paired),
                (Some((_, line)), None) => {
                    return Err(unpaired_row(
                        &k.x_info,
                        line,
                        &k.y_info,
                        job.y.first_row() + paired,
                    ));
                }
                (None, Some((_, line))) => {
                    return Err(unpaired_row(
                        &k.y_info,
                        line,
                        &k.x_info,
                        job.x.first_row() + paired,
                    ));
                }
            };
            for (i, slot) in weight_rows.iter_mut().enumerate() {
                let Some((rows, info)) = slot else { continue };
                let Some((w, _)) = rows.next_row()? else {
                    let rows = job.weights[i].first_row() + paired;
                    return Err(unpaired_row(&k.x_info, x_line, info, rows));
                };
                let buffer = &mut self.row_weights[i];
                buffer.clear();
                if w.len() == 1 {
                    buffer.resize(k.cols, w[0]);
                } else {
                    buffer.extend_from_slice(w);
                }
            }
            paired += 1;
            self.unit_scores.see(x);
            // The row's index in the input: batches are cut by it, and JSON
            // output separates rows by it.
            let index = job.x.first_row() + paired - 1;
            if let Some(batch_loss) = &k.batch_loss {
                batches.add_row(batch_loss, index, x, y, k.loss.missing);
                continue;
            }
            let row_weights = RowWeights {
                weight: weight_rows[0].as_ref().map(|_| &self.row_weights[0][..]),
                pos_weight: weight_rows[1].as_ref().map(|_| &self.row_weights[1][..]),
            };
            let losses = &mut self.element_losses;
            k.loss
                .element_losses(x, y, row_weights, &mut self.scratch, losses);
            let key = k.keyed.then(|| xs.key());
            match k.per_row {
                PerRow::Totals => self.accumulator.add_row(losses, y),
                per_row => print_row(k, per_row, key, losses, y, index, out),
            }
        }
    }
}

/// The end of a job's rows: the weight files must end there too.
fn weight_files_end(
    k: &Kernel,
    job: &Job,
    weight_rows: &mut [Option<(Rows<'_>, &MatrixInfo)>; 2],
    paired: u64,
) -> Result<(), InputError> {
    for (rows, info) in weight_rows.iter_mut().flatten() {
        if let Some((_, line)) = rows.next_row()? {
            return Err(unpaired_row(
                info,
                line,
                &k.x_info,
                job.x.first_row() + paired,
            ));
        }
    }
    Ok(())
}

/// Prints one row: its element losses or its sample's loss, after its key
/// when rows pair by key.
fn print_row(
    k: &Kernel,
    per_row: PerRow,
    key: Option<&[u8]>,
    losses: &[f64],
    targets: &[f64],
    index: u64,
    out: &mut Batch,
) {
    let exporter = &k.exporter;
    let key = key.map(String::from_utf8_lossy);
    let key = key.as_deref();
    match per_row {
        PerRow::Elements => exporter.numbers_row(out, key, losses, index),
        _ => exporter.number_row(out, key, k.loss.sample_loss(losses, targets), index),
    }
}
