//! The ascending merge of sorted runs of keys (a class's lists still in
//! memory and its segments of spill files), which the exact curves walk.
//!
//! A loser tree: each key out costs one comparison per level of a binary
//! tree over the runs (log2 of the runs, none for a single run), where a
//! binary heap's sift cost several times that (it was 80 instructions a
//! key of a two-run merge, about as much as the walk it feeds).

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use super::spill::Segment;

/// Keys in ascending order from a sorted run: a worker's list still in
/// memory, or a segment of a spill file. Either is read a block at a time
/// into a buffer of the cursor's own, so that taking a key is an index,
/// not a match on where the run is (which, with its call, cost a third
/// of a merge).
pub(super) struct Cursor<'a> {
    block: Vec<u64>,
    /// The next key's place in `block`.
    at: usize,
    /// The most keys a block holds.
    capacity: usize,
    source: Source<'a>,
}

enum Source<'a> {
    /// The keys not yet copied into the block.
    Memory(&'a [u64]),
    File {
        file: &'a File,
        /// Where a read error goes (the merge then ends).
        error: &'a RefCell<Option<io::Error>>,
        /// Next key to read, in keys from the file's start, and keys left
        /// to read.
        next: u64,
        left: u64,
        /// What a read gives, before it is decoded into the block.
        bytes: Vec<u8>,
    },
}

impl<'a> Cursor<'a> {
    /// A list in memory, read `capacity` keys at a time.
    pub(super) fn memory(keys: &'a [u64], capacity: usize) -> Cursor<'a> {
        let capacity = capacity.clamp(1, keys.len().max(1));
        Cursor {
            block: Vec::with_capacity(capacity),
            at: 0,
            capacity,
            source: Source::Memory(keys),
        }
    }

    /// A segment of a spill file, read `capacity` keys at a time (the
    /// buffers take 16 bytes a key: the block and the bytes read).
    pub(super) fn file(
        file: &'a Arc<File>,
        segment: Segment,
        capacity: usize,
        error: &'a RefCell<Option<io::Error>>,
    ) -> Cursor<'a> {
        let capacity = capacity.clamp(1, (segment.len as usize).max(1));
        Cursor {
            block: Vec::with_capacity(capacity),
            at: 0,
            capacity,
            source: Source::File {
                file,
                error,
                next: segment.offset,
                left: segment.len,
                bytes: vec![0; capacity * 8],
            },
        }
    }

    /// The keys it has left.
    fn len(&self) -> u64 {
        let rest = match &self.source {
            Source::Memory(keys) => keys.len() as u64,
            Source::File { left, .. } => *left,
        };
        (self.block.len() - self.at) as u64 + rest
    }

    /// The next block; `None` at the run's end (or a read error, kept).
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> Option<()> {
        self.block.clear();
        self.at = 0;
        match &mut self.source {
            Source::Memory(keys) => {
                let (block, rest) = keys.split_at(self.capacity.min(keys.len()));
                self.block.extend_from_slice(block);
                *keys = rest;
            }
            Source::File {
                file,
                error,
                next,
                left,
                bytes,
            } => {
                let keys = (*left).min(self.capacity as u64) as usize;
                let bytes = &mut bytes[..keys * 8];
                if let Err(e) = file.read_exact_at(bytes, *next * 8) {
                    error.borrow_mut().get_or_insert(e);
                    *left = 0;
                    return None;
                }
                *next += keys as u64;
                *left -= keys as u64;
                let decode = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
                self.block.extend(bytes.chunks_exact(8).map(decode));
            }
        }
        (!self.block.is_empty()).then_some(())
    }
}

impl Iterator for Cursor<'_> {
    type Item = u64;

    #[inline(always)]
    fn next(&mut self) -> Option<u64> {
        if self.at == self.block.len() {
            self.refill()?;
        }
        let key = self.block[self.at];
        self.at += 1;
        Some(key)
    }
}

/// The ascending merge of sorted cursors: a loser tree.
pub(super) struct Merge<'a> {
    cursors: Vec<Cursor<'a>>,
    /// Each cursor's next key; `u64::MAX` once it has none (a real key may
    /// be `u64::MAX` too: the merge stops after `left` keys, and a tie
    /// between the two gives the same value either way).
    heads: Vec<u64>,
    /// `tree[node]` for the inner nodes 1..k: the cursor that lost there
    /// (cursor i is leaf k + i, a node's parent is node / 2); `tree[0]`:
    /// the cursor whose head is the least.
    tree: Vec<usize>,
    /// Keys not yet given.
    left: u64,
}

impl<'a> Merge<'a> {
    pub(super) fn new(mut cursors: Vec<Cursor<'a>>) -> Merge<'a> {
        // Empty cursors up to a power of two: every leaf is then as deep,
        // and the replay's loop runs as many times for each key (a count
        // that varied with the winner was a mispredicted branch).
        let k = cursors.len().next_power_of_two();
        cursors.resize_with(k, || Cursor::memory(&[], 1));
        let left = cursors.iter().map(Cursor::len).sum();
        let heads: Vec<u64> = cursors
            .iter_mut()
            .map(|c| c.next().unwrap_or(u64::MAX))
            .collect();
        let mut tree = vec![0; k.max(1)];
        // The winner of each inner node, bottom up.
        let mut winners = vec![0; k.max(1)];
        for node in (1..k).rev() {
            let [a, b] = [2 * node, 2 * node + 1].map(|c| if c >= k { c - k } else { winners[c] });
            let (win, lose) = if heads[b] < heads[a] { (b, a) } else { (a, b) };
            winners[node] = win;
            tree[node] = lose;
        }
        if k > 1 {
            tree[0] = winners[1];
        }
        Merge {
            cursors,
            heads,
            tree,
            left,
        }
    }
}

impl Iterator for Merge<'_> {
    type Item = u64;

    // Called once a score in every class's curve: left to LLVM's choice,
    // whether it is inlined into the curve's walk changed with unrelated
    // code (the codegen units' split), by 2% of a metrics run.
    #[inline(always)]
    fn next(&mut self) -> Option<u64> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut winner = self.tree[0];
        let key = self.heads[winner];
        self.heads[winner] = self.cursors[winner].next().unwrap_or(u64::MAX);
        // Replay the winner's path: at each node the lower head goes on.
        // Without a branch (selects): which run wins is as good as random,
        // and a mispredicted branch a level cost more than the rest.
        let mut node = (winner + self.cursors.len()) / 2;
        while node > 0 {
            let loser = self.tree[node];
            let swap = self.heads[loser] < self.heads[winner];
            self.tree[node] = std::hint::select_unpredictable(swap, winner, loser);
            winner = std::hint::select_unpredictable(swap, loser, winner);
            node /= 2;
        }
        self.tree[0] = winner;
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any number of runs, empty ones and ties included, merge into the
    /// sorted union (`u64::MAX` keys too).
    #[test]
    fn merges_into_the_sorted_union() {
        let mut state = 12345u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 58
        };
        for k in 0..12 {
            let runs: Vec<Vec<u64>> = (0..k)
                .map(|i| {
                    let mut run: Vec<u64> = (0..(i * 7) % 23).map(|_| next()).collect();
                    if i % 4 == 1 {
                        run.push(u64::MAX);
                    }
                    run.sort_unstable();
                    run
                })
                .collect();
            let mut want: Vec<u64> = runs.concat();
            want.sort_unstable();
            let cursors = runs.iter().map(|r| Cursor::memory(r, 5)).collect();
            let got: Vec<u64> = Merge::new(cursors).collect();
            assert_eq!(got, want, "{k} runs");
        }
    }
}
