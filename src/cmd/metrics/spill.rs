//! Exact AUROC and AP in bounded memory: every score of a class, in order.
//!
//! Each worker thread keeps the scores it reads, per class and per target
//! (positive or negative), as sort keys ([`score_key`]: 8 bytes a score).
//! When its keys reach its share of `--memory-limit`, it sorts each list
//! and appends them to a temporary file of its own, unnamed (removed by the
//! system whatever happens to the process), as one *run*. At the end each
//! class's runs — on disk and the lists still in memory, sorted — are
//! merged, best score first, into the class's curve; `--average micro`
//! merges every class's runs into the pooled curve. Memory is the limit
//! plus a read buffer per run being merged; disk is 8 bytes a score.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use crate::metrics::curve::{Curve, score_key, walk_groups};

/// A sorted list of keys in a spill file: where it starts and how many.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// In keys (8 bytes) from the file's start.
    offset: u64,
    len: u64,
}

/// One worker's spill file and the runs in it: for each run, per class,
/// the positives' and the negatives' segments.
struct SpillFile {
    file: Arc<File>,
    /// Keys written so far.
    written: u64,
    runs: Vec<Vec<[Segment; 2]>>,
}

/// The scores one worker has read, per class and target.
pub(super) struct ScoreStore {
    /// `[positives, negatives]` of each class, unsorted until spilled or
    /// finished.
    lists: Vec<[Vec<u64>; 2]>,
    /// Bytes the lists hold (their capacity), and the most they may.
    held: usize,
    budget: usize,
    spill: Option<SpillFile>,
}

impl ScoreStore {
    pub(super) fn new(classes: usize, budget: usize) -> ScoreStore {
        ScoreStore {
            lists: (0..classes).map(|_| [Vec::new(), Vec::new()]).collect(),
            held: 0,
            budget: budget.max(64),
            spill: None,
        }
    }

    #[inline]
    pub(super) fn add(&mut self, class: usize, score: f64, positive: bool) -> io::Result<()> {
        let list = &mut self.lists[class][usize::from(!positive)];
        if list.len() == list.capacity() {
            let before = list.capacity();
            // Grow by half (not double), so that one list's growth does not
            // overshoot the budget by much.
            list.reserve_exact((before / 2).max(64));
            self.held += (list.capacity() - before) * 8;
        }
        list.push(score_key(score));
        if self.held >= self.budget {
            self.spill_run()?;
        }
        Ok(())
    }

    /// Sorts every list and appends them to the spill file as one run.
    fn spill_run(&mut self) -> io::Result<()> {
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self.spill.insert(SpillFile {
                file: Arc::new(tempfile::tempfile()?),
                written: 0,
                runs: Vec::new(),
            }),
        };
        let mut out = BufWriter::with_capacity(1 << 16, &*spill.file);
        let mut run = Vec::with_capacity(self.lists.len());
        for lists in &mut self.lists {
            let mut segments = [Segment { offset: 0, len: 0 }; 2];
            for (list, segment) in lists.iter_mut().zip(&mut segments) {
                list.sort_unstable();
                *segment = Segment {
                    offset: spill.written,
                    len: list.len() as u64,
                };
                for key in list.iter() {
                    out.write_all(&key.to_le_bytes())?;
                }
                spill.written += list.len() as u64;
                // Memory goes back: the next run grows its lists again.
                *list = Vec::new();
            }
            run.push(segments);
        }
        out.flush()?;
        spill.runs.push(run);
        self.held = 0;
        Ok(())
    }

    /// Sorts what is still in memory (the last, partial run).
    fn sort(&mut self) {
        for lists in &mut self.lists {
            for list in lists {
                list.sort_unstable();
            }
        }
    }
}

/// Every worker's stores, ready to be merged into curves.
pub(super) struct Stores {
    stores: Vec<ScoreStore>,
    /// Read buffer per run and list being merged, in keys.
    buffer_keys: usize,
}

impl Stores {
    pub(super) fn new(mut stores: Vec<ScoreStore>, memory_limit: u64) -> Stores {
        // Each worker's last run is sorted on a thread of its own.
        std::thread::scope(|scope| {
            for store in &mut stores {
                scope.spawn(|| store.sort());
            }
        });
        let runs: usize = stores
            .iter()
            .map(|s| s.spill.as_ref().map_or(0, |f| f.runs.len()))
            .sum();
        // The buffers of one class's merge share an eighth of the limit.
        let buffer_keys = ((memory_limit / 8 / 8) as usize / (2 * runs).max(1)).clamp(512, 1 << 16);
        Stores {
            stores,
            buffer_keys,
        }
    }

    /// Whether any worker spilled to disk.
    pub(super) fn spilled_runs(&self) -> usize {
        self.stores
            .iter()
            .map(|s| s.spill.as_ref().map_or(0, |f| f.runs.len()))
            .sum()
    }

    /// Class `class`'s curve (`None`: every class pooled), of a unit with
    /// `positives` and `negatives`.
    pub(super) fn curve(
        &self,
        class: Option<usize>,
        positives: u64,
        negatives: u64,
    ) -> io::Result<Curve> {
        let classes: Vec<usize> = match class {
            Some(j) => vec![j],
            None => (0..self.stores.first().map_or(0, |s| s.lists.len())).collect(),
        };
        let error = RefCell::new(None);
        let mut lists: [Vec<Cursor<'_>>; 2] = [Vec::new(), Vec::new()];
        let sources = classes.len() * (self.spilled_runs() + self.stores.len());
        let buffer_keys = (self.buffer_keys * 2 / sources.max(1)).max(512);
        let buffer_keys = if class.is_some() {
            self.buffer_keys
        } else {
            buffer_keys
        };
        for store in &self.stores {
            for &j in &classes {
                for (t, target) in lists.iter_mut().enumerate() {
                    if !store.lists[j][t].is_empty() {
                        target.push(Cursor::Memory(store.lists[j][t].iter()));
                    }
                    for run in store
                        .spill
                        .iter()
                        .flat_map(|s| s.runs.iter().map(move |r| (s, r)))
                    {
                        let (spill, segments) = run;
                        let segment = segments[j][t];
                        if segment.len > 0 {
                            target.push(Cursor::file(&spill.file, segment, buffer_keys, &error));
                        }
                    }
                }
            }
        }
        let [pos, neg] = lists;
        let mut curve = Curve::new(positives, negatives);
        let (pos, neg) = (Merge::new(pos), Merge::new(neg));
        walk_groups(pos, neg, &mut curve);
        // A read error ends a merge early: it is kept and reported here.
        match error.take() {
            Some(e) => Err(e),
            None => Ok(curve),
        }
    }
}

/// Keys in ascending order from memory or from a segment of a spill file.
enum Cursor<'a> {
    Memory(std::slice::Iter<'a, u64>),
    File {
        file: &'a File,
        /// Where a read error goes (the merge then ends).
        error: &'a RefCell<Option<io::Error>>,
        /// Next key to read, in keys from the file's start, and keys left
        /// to read.
        next: u64,
        left: u64,
        buffer: Vec<u8>,
        /// Position in `buffer`, in bytes, and its end.
        at: usize,
        end: usize,
    },
}

impl<'a> Cursor<'a> {
    fn file(
        file: &'a Arc<File>,
        segment: Segment,
        buffer_keys: usize,
        error: &'a RefCell<Option<io::Error>>,
    ) -> Cursor<'a> {
        Cursor::File {
            file,
            error,
            next: segment.offset,
            left: segment.len,
            buffer: vec![0; buffer_keys * 8],
            at: 0,
            end: 0,
        }
    }
}

impl Iterator for Cursor<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        match self {
            Cursor::Memory(iter) => iter.next().copied(),
            Cursor::File {
                file,
                error,
                next,
                left,
                buffer,
                at,
                end,
            } => {
                if *at == *end {
                    if *left == 0 {
                        return None;
                    }
                    let keys = (*left).min((buffer.len() / 8) as u64) as usize;
                    let bytes = &mut buffer[..keys * 8];
                    if let Err(e) = file.read_exact_at(bytes, *next * 8) {
                        error.borrow_mut().get_or_insert(e);
                        *left = 0;
                        return None;
                    }
                    *next += keys as u64;
                    *left -= keys as u64;
                    *at = 0;
                    *end = keys * 8;
                }
                let bytes: [u8; 8] = buffer[*at..*at + 8].try_into().expect("8 bytes");
                *at += 8;
                Some(u64::from_le_bytes(bytes))
            }
        }
    }
}

/// The ascending merge of sorted cursors.
enum Merge<'a> {
    One(Option<Cursor<'a>>),
    Many {
        cursors: Vec<Cursor<'a>>,
        heads: BinaryHeap<Reverse<(u64, usize)>>,
    },
}

impl<'a> Merge<'a> {
    fn new(mut cursors: Vec<Cursor<'a>>) -> Merge<'a> {
        if cursors.len() <= 1 {
            return Merge::One(cursors.pop());
        }
        let mut heads = BinaryHeap::with_capacity(cursors.len());
        for (i, cursor) in cursors.iter_mut().enumerate() {
            if let Some(key) = cursor.next() {
                heads.push(Reverse((key, i)));
            }
        }
        Merge::Many { cursors, heads }
    }
}

impl Iterator for Merge<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        match self {
            Merge::One(cursor) => cursor.as_mut()?.next(),
            Merge::Many { cursors, heads } => {
                let mut head = heads.peek_mut()?;
                let Reverse((key, i)) = *head;
                match cursors[i].next() {
                    Some(next) => *head = Reverse((next, i)),
                    None => {
                        std::collections::binary_heap::PeekMut::pop(head);
                    }
                }
                Some(key)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spilled or not, and whatever the budget, a class's curve is the same.
    #[test]
    fn spilling_does_not_change_a_curve() {
        let scores: Vec<(f64, bool)> = (0..5000u64)
            .map(|i| {
                let x = ((i * 7919) % 1013) as f64 / 100.0 - 5.0;
                (x, (i * 31) % 7 < 3)
            })
            .collect();
        let positives = scores.iter().filter(|s| s.1).count() as u64;
        let negatives = scores.len() as u64 - positives;
        let mut results = Vec::new();
        for budget in [64, 1000, 100_000, 1 << 30] {
            let mut stores = vec![ScoreStore::new(2, budget), ScoreStore::new(2, budget)];
            for (i, &(x, y)) in scores.iter().enumerate() {
                stores[i % 2].add(0, x, y).unwrap();
                stores[i % 2].add(1, -x, !y).unwrap();
            }
            let stores = Stores::new(stores, budget as u64);
            if budget == 64 {
                assert!(stores.spilled_runs() > 10);
            }
            let c = stores.curve(Some(0), positives, negatives).unwrap();
            let pooled = stores
                .curve(None, scores.len() as u64, scores.len() as u64)
                .unwrap();
            results.push((
                c.roc_auc().unwrap().to_bits(),
                c.average_precision().unwrap().to_bits(),
                pooled.roc_auc().unwrap().to_bits(),
            ));
        }
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    }
}
