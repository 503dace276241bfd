//! Sorting the exact curves' keys ([`crate::metrics::curve::score_key`]):
//! a least-significant-digit radix sort, 11 bits per pass.
//!
//! A comparison sort of 8-byte keys costs about log2(n) comparisons a key
//! (150 instructions a key for a class's million scores), which made the
//! sort the largest part of exact AUROC and `tune` after parsing. The radix
//! sort reads the keys once to count every digit's values, then moves them
//! once per digit (6 of 11 bits; 8 of 8 bits cost a third more
//! instructions) that differs between keys (a pass where every key has the
//! same digit, e.g. the top one of probabilities of one binade, is
//! skipped): a few instructions a key a pass, whatever the keys. It needs
//! a scratch list as long as the keys, which the caller counts in its
//! memory (see `ScoreStore`). Keys are plain integers, so the order is the
//! same as `sort_unstable`'s and the curves do not change by a bit.

/// Below this many keys a comparison sort is cheaper than counting the
/// digits' histograms.
const SMALL: usize = 2048;
/// Bits a pass, and the passes that cover 64 bits.
const BITS: u32 = 11;
const DIGITS: usize = 64_usize.div_ceil(BITS as usize);
const BUCKETS: usize = 1 << BITS;
const MASK: u64 = BUCKETS as u64 - 1;

/// Sorts `keys` ascending; `scratch` (at least as long as `keys`) is
/// overwritten.
pub(super) fn sort_keys(keys: &mut [u64], scratch: &mut [u64]) {
    let n = keys.len();
    // Counts are 32-bit (the histograms then stay in a core's cache).
    if !(SMALL..u32::MAX as usize).contains(&n) {
        keys.sort_unstable();
        return;
    }
    let scratch = &mut scratch[..n];
    let mut counts = [[0u32; BUCKETS]; DIGITS];
    for &key in keys.iter() {
        for (digit, count) in counts.iter_mut().enumerate() {
            count[((key >> (BITS as usize * digit)) & MASK) as usize] += 1;
        }
    }
    let first = keys[0];
    // Whether the keys are in `scratch` (after an odd number of passes).
    let mut in_scratch = false;
    for (digit, count) in counts.iter().enumerate() {
        let shift = BITS as usize * digit;
        if count[((first >> shift) & MASK) as usize] as usize == n {
            continue;
        }
        let mut offsets = [0u32; BUCKETS];
        let mut total = 0;
        for (offset, &c) in offsets.iter_mut().zip(count) {
            *offset = total;
            total += c;
        }
        let (from, to): (&[u64], &mut [u64]) = match in_scratch {
            false => (keys, scratch),
            true => (scratch, keys),
        };
        for &key in from {
            let bucket = &mut offsets[((key >> shift) & MASK) as usize];
            to[*bucket as usize] = key;
            *bucket += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        keys.copy_from_slice(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The radix sort's order is `sort_unstable`'s, for keys that differ
    /// in every byte, in a few, or in none, short and long.
    #[test]
    fn sorts_as_a_comparison_sort_does() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let lists: Vec<Vec<u64>> = vec![
            (0..5000).map(|_| next()).collect(),
            // Differing in the low and the top byte only: passes skipped.
            (0..3000)
                .map(|i| (next() & 0xFF) | ((i % 3) << 56) | 0x0012_3456_7800)
                .collect(),
            // Probabilities with 6 decimals, as keys: many ties.
            (0..20_000)
                .map(|_| crate::metrics::curve::score_key((next() % 1_000_001) as f64 / 1e6))
                .collect(),
            vec![7; 1000],
            (0..100).map(|_| next()).collect(),
            vec![],
            vec![u64::MAX, 0, u64::MAX, 1],
        ];
        let mut scratch = vec![0; 20_000];
        for list in lists {
            let mut want = list.clone();
            want.sort_unstable();
            let mut got = list;
            sort_keys(&mut got, &mut scratch);
            assert_eq!(got, want);
        }
    }
}
