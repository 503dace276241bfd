//! What each thread does with a job: pair its rows (SCORES and TARGETS),
//! parse them, add each sample to the thread's own tally, and keep its
//! scores for the exact curves.

use super::spill::ScoreStore;
use crate::cmd::pairing::job::Job;
use crate::cmd::pairing::unpaired_row;
use crate::cmd::unit_scores::UnitScores;
use crate::input::MatrixInfo;
use crate::metrics::tally::RowScratch;
use crate::metrics::{Decision, Spec, Tally};

/// What every thread shares.
pub(super) struct Kernel {
    pub(super) spec: Spec,
    pub(super) decision: Decision,
    pub(super) cols: usize,
    pub(super) x_info: MatrixInfo,
    pub(super) y_info: MatrixInfo,
    /// Each thread's share of `--memory-limit` when exact curves are kept.
    pub(super) store_budget: Option<usize>,
}

/// A thread's tally, scratch space and scores.
pub(super) struct Worker<'k> {
    kernel: &'k Kernel,
    pub(super) tally: Tally,
    scratch: RowScratch,
    pub(super) store: Option<ScoreStore>,
    /// Whether every score so far lay in [0, 1].
    pub(super) unit_scores: UnitScores,
}

impl<'k> Worker<'k> {
    /// A thread's worker; its `--bins` histograms are allocated fallibly
    /// (the plan checked them against `--memory-limit`, but the system may
    /// still have less).
    pub(super) fn new(kernel: &'k Kernel) -> anyhow::Result<Self> {
        let tally = Tally::new(&kernel.spec, kernel.cols).map_err(|_| {
            let bins = kernel.spec.bins.unwrap_or(0);
            anyhow::anyhow!(
                "cannot allocate the {} bytes of a --bins {bins} histogram of {} classes (the \
                 system refused them): fewer bins, fewer threads (-j), or a --memory-limit \
                 that fits the memory there is, which bounds them",
                bins as u128 * kernel.cols as u128 * 16,
                kernel.cols
            )
        })?;
        Ok(Worker {
            kernel,
            tally,
            scratch: Tally::scratch(&kernel.spec, kernel.cols),
            store: kernel
                .store_budget
                .map(|budget| ScoreStore::new(kernel.cols, budget)),
            unit_scores: UnitScores::default(),
        })
    }

    /// Adds one job's samples. The first bad row, in input order, is the
    /// error.
    pub(super) fn run(&mut self, job: &Job) -> anyhow::Result<()> {
        let k = self.kernel;
        let mut xs = job.x.rows(&k.x_info, Some(k.cols));
        let mut ys = job.y.rows(&k.y_info, Some(k.cols));
        let mut paired = 0u64;
        loop {
            let (x, y) = match (xs.next_row()?, ys.next_row()?) {
                (Some((x, _)), Some((y, _))) => (x, y),
                (None, None) => return Ok(()),
                (Some((_, line)), None) => {
                    let rows = job.y.first_row() + paired;
                    return Err(unpaired_row(&k.x_info, line, &k.y_info, rows).into());
                }
                (None, Some((_, line))) => {
                    let rows = job.x.first_row() + paired;
                    return Err(unpaired_row(&k.y_info, line, &k.x_info, rows).into());
                }
            };
            paired += 1;
            self.unit_scores.see(x);
            let spec = &k.spec;
            self.tally
                .add_row(spec, &k.decision, x, y, &mut self.scratch);
            if let Some(store) = &mut self.store {
                for (j, (&score, &target)) in x.iter().zip(y).enumerate() {
                    if !spec.is_missing(target) {
                        store
                            .add(j, score, target == 1.0)
                            .map_err(|e| super::spill::spill_failed(&e, false))?;
                    }
                }
            }
        }
    }
}
