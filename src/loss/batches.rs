//! Batch losses streamed (`two-way`): the rows are cut into consecutive
//! batches of B by row index (`--batch-size`; without it the whole input
//! is one batch), each batch giving one value, as a training loop logs
//! one loss per batch.
//!
//! Jobs of rows are cut wherever the input's chunks end, so a batch may
//! span several jobs. Each job's rows give a [`JobBatches`]: the values of
//! the batches that begin and end inside it, and the running states of
//! the batches cut at its edges. [`BatchRun`] folds the jobs' pieces in
//! input order, merging the states of a batch cut by a job's edge, so the
//! values do not depend on the threads; its totals (the exact sum of the
//! batch values and the batch still open) are `--partial`'s state.

use serde::{Deserialize, Serialize};

use super::Missing;
use super::two_way::{BatchState, TwoWay, TwoWayBatch};
use crate::numerics::{ExactSum, Terms};

/// The index of the batch that row `row` (0-based) belongs to.
fn batch_of(size: Option<u64>, row: u64) -> u64 {
    size.map_or(0, |size| row / size)
}

/// What one job's rows give: a batch begun before the job (its rows in
/// this job), the values of the batches begun and ended in it, and the
/// batch being read when the job ended.
#[derive(Debug, Default)]
pub struct JobBatches {
    leading: Option<(u64, TwoWayBatch)>,
    closed: Vec<(u64, f64)>,
    /// The batch being read, and whether it began in this job.
    current: Option<(u64, TwoWayBatch, bool)>,
    /// A state's buffers, to reuse.
    spare: Option<TwoWayBatch>,
}

impl JobBatches {
    /// Empties it for a new job.
    pub fn begin(&mut self) {
        self.leading = None;
        self.closed.clear();
        if let Some((_, state, _)) = self.current.take() {
            self.spare = Some(state);
        }
    }

    /// Adds row number `row` (0-based, in the whole input).
    #[inline]
    pub fn add_row(
        &mut self,
        loss: &TwoWay,
        row: u64,
        x: &[f64],
        y: &[f64],
        missing: Option<Missing>,
    ) {
        let index = batch_of(loss.batch_size, row);
        match &mut self.current {
            Some((current, state, _)) if *current == index => state.add_row(loss, x, y, missing),
            _ => {
                self.close_current(loss);
                let mut state = self.spare.take().unwrap_or_default();
                state.clear();
                state.add_row(loss, x, y, missing);
                let began_here = loss
                    .batch_size
                    .map_or(row == 0, |size| row.is_multiple_of(size));
                self.current = Some((index, state, began_here));
            }
        }
    }

    /// The batch being read has ended: its value if it began in this job,
    /// else its state for the fold to complete.
    fn close_current(&mut self, loss: &TwoWay) {
        if let Some((index, state, began_here)) = self.current.take() {
            if began_here {
                self.closed.push((index, state.value(loss)));
                self.spare = Some(state);
            } else {
                self.leading = Some((index, state));
            }
        }
    }
}

/// The batches of a run, folded in input order: the batch still open,
/// and the exact sum and count of the values of those complete.
#[derive(Debug, Clone)]
pub struct BatchRun {
    loss: TwoWay,
    open: Option<(u64, TwoWayBatch)>,
    values: ExactSum,
    batches: u64,
}

impl BatchRun {
    pub fn new(loss: &TwoWay) -> Self {
        BatchRun {
            loss: loss.clone(),
            open: None,
            values: ExactSum::default(),
            batches: 0,
        }
    }

    /// Folds in the next job's pieces; `emit` gets each batch completed,
    /// with its index, in order.
    pub fn fold(&mut self, job: &JobBatches, emit: &mut impl FnMut(u64, f64)) {
        if let Some((index, state)) = &job.leading {
            self.continue_with(*index, state, emit);
        }
        for &(index, value) in &job.closed {
            self.close_open(emit);
            self.complete(index, value, emit);
        }
        if let Some((index, state, _)) = &job.current {
            self.continue_with(*index, state, emit);
        }
    }

    /// Rows of batch `index`: the open batch's, or the first of the next
    /// one, which closes the open one.
    fn continue_with(&mut self, index: u64, state: &TwoWayBatch, emit: &mut impl FnMut(u64, f64)) {
        match &mut self.open {
            Some((open, batch)) if *open == index => batch.merge(state),
            _ => {
                self.close_open(emit);
                self.open = Some((index, state.clone()));
            }
        }
    }

    fn close_open(&mut self, emit: &mut impl FnMut(u64, f64)) {
        if let Some((index, batch)) = self.open.take() {
            let value = batch.value(&self.loss);
            self.complete(index, value, emit);
        }
    }

    fn complete(&mut self, index: u64, value: f64, emit: &mut impl FnMut(u64, f64)) {
        self.values.add(value);
        self.batches += 1;
        emit(index, value);
    }

    /// Closes the last batch: the input has ended. Without `--batch-size`
    /// the whole input is one batch, even of no rows (its value is 0).
    pub fn finish(&mut self, emit: &mut impl FnMut(u64, f64)) {
        self.close_open(emit);
        if self.loss.batch_size.is_none() && self.batches == 0 {
            let empty = TwoWayBatch::default().value(&self.loss);
            self.complete(0, empty, emit);
        }
    }

    /// The sum of the batch values (after [`BatchRun::finish`]).
    pub fn sum(&self) -> f64 {
        self.values.value()
    }

    /// The plain mean of the batch values (NaN for no batch).
    pub fn mean(&self) -> f64 {
        self.values.value() / self.batches as f64
    }

    pub fn batches(&self) -> u64 {
        self.batches
    }

    /// The state as plain data for `--partial`: a last batch of B rows is
    /// complete; one of fewer rows, or the whole input's, stays open for
    /// `merge` to continue.
    pub fn to_totals(&self) -> BatchTotals {
        let mut complete = self.clone();
        let full = |(_, batch): &(u64, TwoWayBatch)| Some(batch.rows()) == self.loss.batch_size;
        if complete.open.as_ref().is_some_and(full) {
            complete.close_open(&mut |_, _| {});
        }
        BatchTotals {
            batches: complete.batches,
            values: complete.values.to_terms(),
            open: complete.open.map(|(_, batch)| batch.to_totals()),
        }
    }

    /// The run that `totals` describe.
    pub fn from_totals(loss: &TwoWay, totals: &BatchTotals) -> Self {
        BatchRun {
            loss: loss.clone(),
            open: (totals.open.as_ref()).map(|open| (0, TwoWayBatch::from_totals(open))),
            values: ExactSum::from_terms(&totals.values),
            batches: totals.batches,
        }
    }

    /// Adds another shard's run. With `--batch-size`, only the last shard
    /// may end inside a batch (shards must hold whole batches); without,
    /// the open batches are one batch, the whole input's.
    pub fn merge(&mut self, other: &BatchRun) -> Result<(), String> {
        let batches = (self.batches.checked_add(other.batches))
            .ok_or("more batches than a 64-bit count holds")?;
        match (&mut self.open, &other.open) {
            (Some(_), Some(_)) if self.loss.batch_size.is_some() => {
                let size = self.loss.batch_size.unwrap_or_default();
                return Err(format!(
                    "two shards end inside a batch of {size} rows: only the last shard may \
                     (split the rows at multiples of --batch-size {size})"
                ));
            }
            (Some((_, mine)), Some((_, theirs))) => mine.merge(theirs),
            (None, Some(theirs)) => self.open = Some(theirs.clone()),
            (_, None) => {}
        }
        self.batches = batches;
        self.values.merge(&other.values);
        Ok(())
    }
}

/// A [`BatchRun`] as plain data (`--partial`'s state of a batch loss).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchTotals {
    /// The complete batches, and the exact sum of their values.
    pub batches: u64,
    pub values: Terms,
    /// The batch still open: the whole input's, or a last batch of fewer
    /// than B rows.
    pub open: Option<BatchState>,
}

impl BatchTotals {
    /// What is wrong with totals read from a file, for `loss` over
    /// `classes` classes.
    pub fn problem(&self, loss: &TwoWay, classes: usize) -> Option<String> {
        if !self.values.special_is_known() {
            return Some("a sum's special is not nan, inf or -inf".into());
        }
        if self.batches == 0 && !self.values.terms.is_empty() {
            return Some("batch values, but no batches".into());
        }
        let open = self.open.as_ref()?;
        if let Some(size) = loss.batch_size
            && !(1..size).contains(&open.rows)
        {
            let rows = open.rows;
            return Some(format!(
                "an open batch of {rows} rows, not 1 to {}",
                size - 1
            ));
        }
        open.problem(classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows i of 3 classes, positives on the diagonal.
    fn row(i: u64) -> ([f64; 3], [f64; 3]) {
        let x = [i as f64 * 0.7 - 3.0, 1.5 - i as f64 * 0.3, (i % 4) as f64];
        let mut y = [0.0; 3];
        y[(i % 3) as usize] = 1.0;
        (x, y)
    }

    /// The batch values of `rows` rows cut into jobs at `cuts`.
    fn run(loss: &TwoWay, rows: u64, cuts: &[u64]) -> (Vec<(u64, f64)>, BatchRun) {
        let mut run = BatchRun::new(loss);
        let mut values = Vec::new();
        let mut emit = |i, v| values.push((i, v));
        let mut job = JobBatches::default();
        let edges: Vec<u64> = cuts.iter().copied().chain([rows]).collect();
        let mut start = 0;
        for end in edges {
            job.begin();
            for r in start..end {
                let (x, y) = row(r);
                job.add_row(loss, r, &x, &y, None);
            }
            run.fold(&job, &mut emit);
            start = end;
        }
        run.finish(&mut emit);
        (values, run)
    }

    /// Batches cut by row index whatever the jobs: each value is that of
    /// its rows alone.
    #[test]
    fn batches_do_not_depend_on_where_jobs_are_cut() {
        let loss = TwoWay {
            batch_size: Some(4),
            ..TwoWay::default()
        };
        let (whole, _) = run(&loss, 10, &[]);
        assert_eq!(whole.len(), 3);
        for (index, value) in &whole {
            let mut batch = TwoWayBatch::default();
            for r in (index * 4)..((index + 1) * 4).min(10) {
                let (x, y) = row(r);
                batch.add_row(&loss, &x, &y, None);
            }
            assert_eq!(batch.value(&loss), *value);
        }
        for cuts in [&[1, 2, 3][..], &[5], &[4, 8], &[3, 6, 9], &[2, 7]] {
            let (values, run) = run(&loss, 10, cuts);
            assert_eq!(values.len(), 3, "{cuts:?}");
            for ((i, a), (j, b)) in values.iter().zip(&whole) {
                assert_eq!(i, j);
                assert!((a - b).abs() <= 1e-15 * b.abs(), "{cuts:?}");
            }
            assert_eq!(run.batches(), 3);
        }
    }

    /// Shards of whole batches (the last one shorter) merge into the
    /// whole run; two shards ending inside a batch are refused.
    #[test]
    fn shards_merge_into_the_whole_run() {
        for batch_size in [None, Some(4)] {
            let loss = TwoWay {
                batch_size,
                ..TwoWay::default()
            };
            let (_, whole) = run(&loss, 10, &[]);
            let shard = |range: std::ops::Range<u64>| {
                let mut run = BatchRun::new(&loss);
                let mut job = JobBatches::default();
                job.begin();
                for r in range.clone() {
                    let (x, y) = row(r);
                    job.add_row(&loss, r - range.start, &x, &y, None);
                }
                run.fold(&job, &mut |_, _| {});
                BatchRun::from_totals(&loss, &run.to_totals())
            };
            let mut merged = shard(8..10);
            merged.merge(&shard(0..8)).unwrap();
            merged.finish(&mut |_, _| {});
            let (a, b) = (merged.sum(), whole.sum());
            assert!((a - b).abs() <= 1e-15 * b, "{batch_size:?}: {a} {b}");
            assert_eq!(merged.batches(), whole.batches());
        }
        let loss = TwoWay {
            batch_size: Some(4),
            ..TwoWay::default()
        };
        let mut one = BatchRun::from_totals(&loss, &run(&loss, 3, &[]).1.to_totals());
        let mut two = BatchRun::new(&loss);
        let (x, y) = row(0);
        let mut job = JobBatches::default();
        job.add_row(&loss, 0, &x, &y, None);
        two.fold(&job, &mut |_, _| {});
        one.open = Some((0, TwoWayBatch::default()));
        assert!(one.merge(&two).is_err());
    }
}
