//! What the file boundary must not guess, beyond the fixture cases of
//! `fixtures/misreads/`: states of empty shards, and the MultiIndex level
//! a table lost.

use crate::harness::{Workdir, success};

/// An empty shard (a header alone) run with `--weight` has no width to
/// take the values to: its state still merges, and the merge is the
/// unsharded run.
#[test]
fn an_empty_shards_state_with_weights_merges() {
    let dir = Workdir::new();
    dir.write("e.csv", "a,b,c\n")
        .write("x.csv", "a,b,c\n0.5,-1,2\n1,1,-1\n")
        .write("y.csv", "a,b,c\n1,0,1\n0,1,1\n");
    let state =
        |x: &str, y: &str| success(&dir.run(&["loss", "--partial", "--weight", "1,2,3", x, y]));
    dir.write("s0.json", state("e.csv", "e.csv"))
        .write("s1.json", state("x.csv", "y.csv"));
    let whole = success(&dir.run(&["loss", "--weight", "1,2,3", "x.csv", "y.csv"]));
    for order in [["s0.json", "s1.json"], ["s1.json", "s0.json"]] {
        let merged = success(&dir.run(&["merge", order[0], order[1]]));
        assert_eq!(merged, whole, "{order:?}");
    }
}

/// pandas' default RangeIndex (0, 1, 2, … as metadata) beside an input
/// without names: its rows are in their first order, so the warning is of
/// the columns alone, not of rows that may have been shuffled.
#[test]
fn a_default_range_index_beside_np_save_warns_of_columns_only() {
    let out = crate::harness::mlloss()
        .current_dir(crate::harness::fixture("misreads"))
        .args(["loss", "logits-range.parquet", "targets.npy"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        "mlloss: warning: targets.npy has no header: its columns are paired with \
         logits-range.parquet's by position\n"
    );
}
