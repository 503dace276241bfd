//! Exact AUROC and AP in bounded memory: every score of a class, in order.
//!
//! Each worker thread keeps the scores it reads, per class and per target
//! (positive or negative), as sort keys ([`score_key`]: 8 bytes a score).
//! When its keys and the radix sort's scratch list (as long as its longest
//! list) reach its share of `--memory-limit`, it sorts each list
//! ([`sort_keys`]) and appends them to a temporary file of its own,
//! unnamed (removed by the system whatever happens to the process), as one
//! *run*. At the end each class's runs — on disk and the lists still in
//! memory, sorted — are merged (a loser tree: `merge.rs`), best score
//! first, into the class's curve; `--average micro`
//! merges every class's runs into the pooled curve. A merge reads at most
//! `fan_in` runs at once (each with a read buffer, their share of a 32nd
//! of the limit): more runs than that (every class's runs of every thread,
//! for micro) are first merged `fan_in` at a time into longer runs in a
//! temporary file of the merge's own, in as many passes as it takes, so
//! memory does not grow with classes × runs. Memory is the limit plus the
//! read buffers; disk is 8 bytes a score, and up to twice that again while
//! passes run.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::merge::{Cursor, Merge};
use super::radix::sort_keys;
use crate::metrics::curve::{GroupSink, score_key, walk_groups};

/// A sorted list of keys in a spill file: where it starts and how many.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment {
    /// In keys (8 bytes) from the file's start.
    pub(super) offset: u64,
    pub(super) len: u64,
}

/// One worker's spill file and the runs in it. A run is its sorted lists,
/// then its table: per class, the positives' and the negatives' segments
/// (offset and length, 32 bytes a class), on disk too, so that memory does
/// not grow with the runs; `runs` keeps where each table starts.
struct SpillFile {
    file: Arc<File>,
    /// Keys (8-byte words) written so far.
    written: u64,
    runs: Vec<u64>,
}

impl SpillFile {
    /// Run `run`'s segments of class `class`.
    fn segments(&self, run: usize, class: usize) -> io::Result<[Segment; 2]> {
        let mut bytes = [0u8; 32];
        let at = (self.runs[run] + 4 * class as u64) * 8;
        self.file.read_exact_at(&mut bytes, at)?;
        let word = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8"));
        Ok([
            Segment {
                offset: word(0),
                len: word(1),
            },
            Segment {
                offset: word(2),
                len: word(3),
            },
        ])
    }
}

/// The least memory per thread and class that keeps runs large against
/// their tables (a table is 32 bytes a class; a run then holds 1 KiB a
/// class on average, so tables are at most 1/32 of the spilled bytes) and
/// the number of runs, and with it the merge's time, moderate.
pub(super) const MIN_BYTES_PER_CLASS: u64 = 1024;
/// And the least per thread whatever the classes.
pub(super) const MIN_BYTES_PER_THREAD: u64 = 64 * 1024;

/// The scores one worker has read, per class and target.
pub(super) struct ScoreStore {
    /// `[positives, negatives]` of each class, unsorted until spilled or
    /// finished.
    lists: Vec<[Vec<u64>; 2]>,
    /// Bytes the lists hold (their capacity), and the most they may
    /// together with the radix sort's scratch list.
    held: usize,
    budget: usize,
    /// The longest list's capacity, in keys: the scratch a sort needs.
    longest: usize,
    spill: Option<SpillFile>,
}

impl ScoreStore {
    pub(super) fn new(classes: usize, budget: usize) -> ScoreStore {
        ScoreStore {
            lists: (0..classes).map(|_| [Vec::new(), Vec::new()]).collect(),
            held: 0,
            budget,
            longest: 0,
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
            list.reserve_exact((before / 2).max(16));
            self.held += (list.capacity() - before) * 8;
            self.longest = self.longest.max(list.capacity());
        }
        list.push(score_key(score));
        // The sort's scratch, as long as the longest list, comes on top of
        // the lists: together they stay within the budget.
        if self.held + self.longest * 8 >= self.budget {
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
        let mut table = Vec::with_capacity(self.lists.len() * 4);
        let mut scratch = vec![0; self.longest];
        for lists in &mut self.lists {
            for list in lists.iter_mut() {
                sort_keys(list, &mut scratch);
                table.extend([spill.written, list.len() as u64]);
                write_keys(&mut out, list)?;
                spill.written += list.len() as u64;
                // Memory goes back: the next run grows its lists again.
                *list = Vec::new();
            }
        }
        drop(scratch);
        spill.runs.push(spill.written);
        for word in &table {
            out.write_all(&word.to_le_bytes())?;
        }
        spill.written += table.len() as u64;
        out.flush()?;
        self.held = 0;
        self.longest = 0;
        Ok(())
    }

    /// Sorts what is still in memory (the last, partial run).
    fn sort(&mut self) {
        let mut scratch = vec![0; self.longest];
        for lists in &mut self.lists {
            for list in lists {
                sort_keys(list, &mut scratch);
            }
        }
    }
}

/// The least keys a read buffer of a merge gets (4 KiB): the fan-in is
/// what the buffers' share of the limit gives each run this many.
const MIN_READ_KEYS: usize = 512;
/// The least fan-in, whatever the limit: fewer would only add passes.
const MIN_FAN_IN: usize = 8;

/// Every worker's stores, ready to be merged into curves.
pub(super) struct Stores {
    stores: Vec<ScoreStore>,
    /// The read buffers of one merge share this many keys.
    buffer_keys: usize,
    /// The most runs of one target a merge reads at once.
    fan_in: usize,
    /// The most cursors any one merge has had open (the tests check it).
    widest: AtomicUsize,
}

impl Stores {
    pub(super) fn new(mut stores: Vec<ScoreStore>, memory_limit: u64) -> Stores {
        // Each worker's last run is sorted on a thread of its own.
        std::thread::scope(|scope| {
            for store in &mut stores {
                scope.spawn(|| store.sort());
            }
        });
        // The buffers of the merges running at once share a 32nd of the
        // limit (what the lists held is then partly free again).
        let threads = stores.len().max(1) as u64;
        let buffer_keys = (memory_limit / 32 / 8 / threads).max(1 << 10) as usize;
        // Both targets' merges are open at once.
        let fan_in = (buffer_keys / 2 / MIN_READ_KEYS).max(MIN_FAN_IN);
        Stores {
            stores,
            buffer_keys,
            fan_in,
            widest: AtomicUsize::new(0),
        }
    }

    /// How many runs the workers spilled.
    #[cfg(test)]
    fn spilled_runs(&self) -> usize {
        self.stores
            .iter()
            .map(|s| s.spill.as_ref().map_or(0, |f| f.runs.len()))
            .sum()
    }

    /// Class `class`'s curve (`None`: every class pooled), of a unit with
    /// `positives` and `negatives`.
    #[cfg(test)]
    fn curve(
        &self,
        class: Option<usize>,
        positives: u64,
        negatives: u64,
    ) -> io::Result<crate::metrics::Curve> {
        let mut curve = crate::metrics::Curve::new(positives, negatives);
        self.walk(class, &mut curve)?;
        Ok(curve)
    }

    /// Class `class`'s scores (`None`: every class's pooled) into `sink`,
    /// highest first, grouped by value.
    pub(super) fn walk(&self, class: Option<usize>, sink: &mut impl GroupSink) -> io::Result<()> {
        let classes = match class {
            Some(j) => j..j + 1,
            None => 0..self.stores.first().map_or(0, |s| s.lists.len()),
        };
        // The pooled curve is the only merge running: it has every
        // thread's share of the buffers.
        let buffer_keys = match class {
            Some(_) => self.buffer_keys,
            None => self.buffer_keys * self.stores.len().max(1),
        };
        let budget = buffer_keys / 2;
        let mut targets = [Passes::new(self, budget), Passes::new(self, budget)];
        for store in &self.stores {
            for j in classes.clone() {
                for (t, passes) in targets.iter_mut().enumerate() {
                    let list = &store.lists[j][t];
                    if !list.is_empty() {
                        passes.push(Run::Memory(list))?;
                    }
                }
                let Some(spill) = &store.spill else { continue };
                for run in 0..spill.runs.len() {
                    for (t, segment) in spill.segments(run, j)?.into_iter().enumerate() {
                        if segment.len > 0 {
                            targets[t].push(Run::File(Arc::clone(&spill.file), segment))?;
                        }
                    }
                }
            }
        }
        let [pos, neg] = targets;
        let (pos, neg) = (pos.finish()?, neg.finish()?);
        let error = RefCell::new(None);
        self.widest
            .fetch_max(pos.len().max(neg.len()), Ordering::Relaxed);
        walk_groups(
            Merge::new(self.cursors(&pos, budget, &error)),
            Merge::new(self.cursors(&neg, budget, &error)),
            sink,
        );
        // A read error ends a merge early: it is kept and reported here.
        match error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Cursors over `runs`, whose read buffers share `buffer_keys` (none
    /// larger than its run).
    fn cursors<'r>(
        &self,
        runs: &'r [Run<'r>],
        buffer_keys: usize,
        error: &'r RefCell<Option<io::Error>>,
    ) -> Vec<Cursor<'r>> {
        // A file's cursor takes 16 bytes a key of its buffer, a list's 8.
        let share = (buffer_keys / 2 / runs.len().max(1)).max(64);
        runs.iter()
            .map(|run| match run {
                Run::Memory(list) => Cursor::memory(list, share),
                Run::File(file, segment) => Cursor::file(file, *segment, share, error),
            })
            .collect()
    }
}

/// A sorted list of keys to merge: a worker's list still in memory, or a
/// segment of a spill file (a worker's, or a pass's).
enum Run<'a> {
    Memory(&'a [u64]),
    File(Arc<File>, Segment),
}

/// The runs of one target of one merge, taken as they come: every
/// `fan_in` of them are merged into one run of a temporary file, so that
/// neither the runs held nor the cursors open grow with their number.
struct Passes<'s> {
    stores: &'s Stores,
    buffer_keys: usize,
    /// Runs not merged yet (fewer than `fan_in`).
    group: Vec<Run<'s>>,
    /// The runs this pass wrote, and where.
    merged: Vec<Run<'s>>,
    file: Option<(Arc<File>, u64)>,
}

impl<'s> Passes<'s> {
    fn new(stores: &'s Stores, buffer_keys: usize) -> Passes<'s> {
        Passes {
            stores,
            buffer_keys,
            group: Vec::new(),
            merged: Vec::new(),
            file: None,
        }
    }

    fn push(&mut self, run: Run<'s>) -> io::Result<()> {
        self.group.push(run);
        if self.group.len() >= self.stores.fan_in {
            self.merge_group()?;
        }
        Ok(())
    }

    /// Merges the group into one run at the end of this pass's file.
    fn merge_group(&mut self) -> io::Result<()> {
        let (file, written) = match &mut self.file {
            Some(file) => file,
            None => self.file.insert((Arc::new(tempfile::tempfile()?), 0)),
        };
        let error = RefCell::new(None);
        let mut out = BufWriter::with_capacity(1 << 16, &**file);
        let start = *written;
        let mut block = Vec::with_capacity(WRITE_KEYS);
        let stores = self.stores;
        stores.widest.fetch_max(self.group.len(), Ordering::Relaxed);
        let cursors = stores.cursors(&self.group, self.buffer_keys, &error);
        for key in Merge::new(cursors) {
            block.push(key);
            *written += 1;
            if block.len() == WRITE_KEYS {
                write_keys(&mut out, &block)?;
                block.clear();
            }
        }
        write_keys(&mut out, &block)?;
        out.flush()?;
        drop(out);
        if let Some(e) = error.take() {
            return Err(e);
        }
        let segment = Segment {
            offset: start,
            len: *written - start,
        };
        self.merged.push(Run::File(Arc::clone(file), segment));
        self.group.clear();
        Ok(())
    }

    /// At most `fan_in` runs holding every key pushed: the runs themselves
    /// if there were no more, else those of as many passes as it takes
    /// (each pass's file is dropped, and removed, once the next is read).
    fn finish(mut self) -> io::Result<Vec<Run<'s>>> {
        loop {
            if self.merged.is_empty() {
                return Ok(self.group);
            }
            if !self.group.is_empty() {
                self.merge_group()?;
            }
            if self.merged.len() <= self.stores.fan_in {
                return Ok(self.merged);
            }
            let mut next = Passes::new(self.stores, self.buffer_keys);
            for run in self.merged {
                next.push(run)?;
            }
            self = next;
        }
    }
}

/// Keys a spill writes at once.
const WRITE_KEYS: usize = 8192;

/// Appends `keys` to `out`, little-endian, a block at a time (a
/// `write_all` a key cost more than the copy).
fn write_keys(out: &mut impl Write, keys: &[u64]) -> io::Result<()> {
    let mut bytes = vec![0u8; keys.len().min(WRITE_KEYS) * 8];
    for block in keys.chunks(WRITE_KEYS) {
        for (to, key) in bytes.chunks_exact_mut(8).zip(block) {
            to.copy_from_slice(&key.to_le_bytes());
        }
        out.write_all(&bytes[..block.len() * 8])?;
    }
    Ok(())
}

/// A spill that failed, as the user can act on it: the temporary files'
/// directory and where it comes from, the cause in words, and the ways out.
/// (The bare `No such file or directory` named neither file nor fix.)
pub(super) fn spill_failed(error: &io::Error, reading: bool) -> anyhow::Error {
    let directory = match std::env::var_os("TMPDIR").filter(|d| !d.is_empty()) {
        Some(dir) => format!("{} ($TMPDIR)", std::path::Path::new(&dir).display()),
        None => format!(
            "{} (the default: $TMPDIR is not set)",
            std::env::temp_dir().display()
        ),
    };
    let cause = match (error.kind(), error.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => "the directory does not exist",
        (io::ErrorKind::PermissionDenied, _) => "no permission to create files there",
        (io::ErrorKind::StorageFull, _) | (_, Some(28 | 122)) => {
            "no space left there (the spill takes 8 bytes a score)"
        }
        (_, Some(23 | 24)) => {
            "too many open files (a temporary file a thread: fewer threads, -j, or a larger \
             `ulimit -n`)"
        }
        _ if reading => "merging failed",
        _ => "writing it failed",
    };
    // Reading back also writes: the merge's passes have files of their own.
    let doing = if reading { "merge" } else { "write" };
    let metrics = crate::metrics::listing::family(crate::metrics::Family::Curve);
    anyhow::anyhow!(
        "cannot {doing} the sorted scores of exact {metrics} in a temporary file in \
         {directory}: {cause} ({error}); set TMPDIR to a directory with room \
         (TMPDIR=/var/tmp mlloss metrics …), or give a larger --memory-limit so that fewer \
         scores spill"
    )
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
            let mut stores = Stores::new(stores, budget as u64);
            if budget == 64 {
                assert!(stores.spilled_runs() > 10);
                // Passes of three runs at a time, several deep.
                stores.fan_in = 3;
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

    /// The lists and the radix sort's scratch (as long as the longest
    /// list) stay within the budget together, with one class (the scratch
    /// as large as the lists) or many.
    #[test]
    fn lists_and_the_sort_scratch_fit_the_budget() {
        for classes in [1, 3, 50] {
            let budget = 64 * 1024;
            let mut store = ScoreStore::new(classes, budget);
            for i in 0..200_000u64 {
                let class = (i % classes as u64) as usize;
                store
                    .add(class, (i * 7919 % 10_007) as f64, i % 3 == 0)
                    .unwrap();
                assert!(store.held + store.longest * 8 < budget, "{classes} classes");
            }
            assert!(store.spill.as_ref().unwrap().runs.len() > 10);
        }
    }

    /// The pooled curve of many classes spilled into many runs reads at
    /// most `fan_in` runs at once (it read classes × runs), and is the
    /// unspilled curve bit for bit.
    #[test]
    fn a_merge_of_many_runs_reads_a_few_at_once() {
        let classes = 40;
        let fill = |budget: usize| {
            let mut stores = vec![
                ScoreStore::new(classes, budget),
                ScoreStore::new(classes, budget),
            ];
            for i in 0..4000u64 {
                for j in 0..classes as u64 {
                    let x = (((i * 7919 + j * 104_729) % 2003) as f64 - 1000.0) / 97.0;
                    let y = (i * 31 + j * 17) % 5 < 2;
                    stores[(i % 2) as usize].add(j as usize, x, y).unwrap();
                }
            }
            stores
        };
        let count = |positive: bool| {
            (0..4000u64)
                .flat_map(|i| (0..classes as u64).map(move |j| (i * 31 + j * 17) % 5 < 2))
                .filter(|&y| y == positive)
                .count() as u64
        };
        let (p, n) = (count(true), count(false));
        let whole = Stores::new(fill(1 << 30), 1 << 30);
        assert_eq!(whole.spilled_runs(), 0);
        let want = whole.curve(None, p, n).unwrap();
        let spilled = Stores::new(fill(64 * 1024), 64 * 1024);
        assert!(spilled.spilled_runs() >= 10, "{}", spilled.spilled_runs());
        let got = spilled.curve(None, p, n).unwrap();
        let fan_in = spilled.fan_in;
        assert!(spilled.spilled_runs() * classes > 4 * fan_in);
        assert!(spilled.widest.load(Ordering::Relaxed) <= fan_in);
        assert_eq!(
            got.roc_auc().unwrap().to_bits(),
            want.roc_auc().unwrap().to_bits()
        );
        assert_eq!(
            got.average_precision().unwrap().to_bits(),
            want.average_precision().unwrap().to_bits()
        );
        // A class's curve too (its counts do not matter to the identity).
        let class = |stores: &Stores| {
            let c = stores.curve(Some(7), 1, 1).unwrap();
            (
                c.roc_auc().unwrap().to_bits(),
                c.average_precision().unwrap().to_bits(),
            )
        };
        assert_eq!(class(&spilled), class(&whole));
    }
}
