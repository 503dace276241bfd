//! `metrics`' pipeline, which the commands that read SCORES and TARGETS as
//! `metrics` does are built on: a checked [`Plan`] in, every row read on
//! the threads and merged into one [`Tally`] (with each class's scores
//! sorted, or `--bins`' histograms, when the spec keeps them), and each
//! unit's scores walked highest first into whatever [`GroupSink`] the
//! command reads them with (the AUROC and AP sums, a threshold search, the
//! points of a curve).
//!
//! Jobs stream through [`parallel`] as `loss`'s do; each worker folds its
//! rows into its own tally (and keeps its scores when the exact curves
//! need them); the tallies merge exactly, so the result does not depend on
//! the threads or where the chunks were cut.

use std::path::PathBuf;

use super::plan::Plan;
use super::spill::{self, Stores};
use super::worker::{Kernel, Worker};
use crate::cmd::pairing::job::Readers;
use crate::cmd::unit_scores::UnitScores;
use crate::metrics::curve::GroupSink;
use crate::metrics::{DecisionExtras, Scores, Spec, Tally};
use crate::parallel;
use crate::progress::Progress;

/// Every row read and merged.
pub(crate) struct Collected {
    pub(crate) spec: Spec,
    /// The decision rule beyond the spec's one threshold.
    pub(crate) decision: DecisionExtras,
    pub(crate) classes: Vec<String>,
    pub(crate) tally: Tally,
    /// `-o FILE`, if given.
    pub(crate) output: Option<PathBuf>,
    pub(crate) threads: usize,
    /// Every score kept, sorted (spilled within `--memory-limit`), when the
    /// spec walks exact curves.
    scores: Option<Stores>,
    unit_scores: UnitScores,
    explain: bool,
    scores_file: String,
    targets_file: String,
}

/// Runs `plan`: every row read, paired, checked and tallied.
pub(crate) fn collect(plan: Plan) -> anyhow::Result<Collected> {
    let Plan {
        spec,
        decision,
        classes,
        mut readers,
        first,
        threads,
        memory_limit,
        output,
        quiet,
        total_bytes,
        explain,
    } = plan;
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
    Ok(Collected {
        spec: kernel.spec,
        decision,
        classes,
        tally,
        output,
        threads,
        scores: memory_limit.map(|limit| Stores::new(stores, limit)),
        unit_scores,
        explain,
        scores_file: readers.logits.file().to_owned(),
        targets_file: readers.targets.file().to_owned(),
    })
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

impl Collected {
    /// TARGETS' name, for errors about what the rows gave.
    pub(crate) fn targets_file(&self) -> &str {
        &self.targets_file
    }

    /// Whether every score was kept (exact walks); else [`Collected::walk`]
    /// reads `--bins`' histograms.
    pub(crate) fn has_every_score(&self) -> bool {
        self.scores.is_some()
    }

    /// Each unit's scores walked highest first, grouped by value, into the
    /// sink `make(class, positives, negatives)` gives for it: one unit per
    /// class, or every element pooled (`pooled`: class `None`). Exact
    /// walks (every score, merged from the spilled runs) run on the
    /// threads, a class each; binned ones read the histograms (each bin at
    /// its lower edge, a probability).
    pub(crate) fn walk<S: GroupSink + Send>(
        &self,
        pooled: bool,
        make: impl Fn(Option<usize>, u64, u64) -> S + Sync,
    ) -> anyhow::Result<Vec<S>> {
        let per_class = &self.tally.per_class;
        let counts = |class: Option<usize>| match class {
            Some(j) => (per_class[j].positives(), per_class[j].negatives()),
            None => per_class
                .iter()
                .fold((0, 0), |(p, n), c| (p + c.positives(), n + c.negatives())),
        };
        let units: Vec<Option<usize>> = match pooled {
            true => vec![None],
            false => (0..per_class.len()).map(Some).collect(),
        };
        let walk_one = |class: Option<usize>| -> anyhow::Result<S> {
            let (p, n) = counts(class);
            let mut sink = make(class, p, n);
            match (&self.scores, &self.tally.bins) {
                (Some(stores), _) => stores
                    .walk(class, &mut sink)
                    .map_err(|e| spill::spill_failed(&e, true))?,
                (None, Some(bins)) => bins.walk(class, &mut sink),
                // A command's spec says what is kept (`Spec::walks_curves`).
                (None, None) => anyhow::bail!("no scores were kept to walk (a bug: please report)"),
            }
            Ok(sink)
        };
        let threads = self.threads.clamp(1, units.len().max(1));
        let results: Vec<Vec<(usize, anyhow::Result<S>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (units, walk_one) = (&units, &walk_one);
                    scope.spawn(move || {
                        (t..units.len())
                            .step_by(threads)
                            .map(|i| (i, walk_one(units[i])))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a walk's thread does not panic"))
                .collect()
        });
        let mut sinks: Vec<Option<S>> = (0..units.len()).map(|_| None).collect();
        for (i, sink) in results.into_iter().flatten() {
            sinks[i] = Some(sink?);
        }
        Ok(sinks.into_iter().map(|s| s.expect("every unit")).collect())
    }

    /// What is said after the output is written: the rows read
    /// (`--explain`), and scores in [0, 1] read as logits.
    pub(crate) fn finish(&self) {
        crate::cmd::explain::rows_read(self.explain, self.tally.rows, self.classes.len());
        if self.spec.scores == Scores::Logits {
            let file = &self.scores_file;
            let unit = &self.unit_scores;
            unit.warn_if_probabilities(file, "logits (--scores logits)", "--scores probs");
        }
    }
}
