//! `pair_first_lines`: two CSV inputs whose first lines may be pandas'
//! default column names (`0,1,…`) or a first sample, through the
//! settlement of the two first lines (`cmd/pairing/first_line.rs`) and
//! the whole `loss` command.

use super::{Scratch, split_at_ff, split_options, try_loss};

/// `mlloss loss` on LOGITS, then TARGETS after the first 0xFF byte, both
/// named `.csv`. First byte: bits 0-1 the kind (bce, bce-probs, focal,
/// mlsm), bits 2-3 the reduction (none, mean, row, class), bit 4
/// `--explain`, bit 5 `--pos-weight auto`. The output or the error must
/// be the same on one thread and on two; and where the header is
/// inferred and the run succeeds, its output must be one that some
/// explicit `--input-header` gives: the inference picks a reading, it
/// never makes one up.
pub fn pair_first_lines(data: &[u8]) {
    let (options, input) = split_options(data);
    let (logits, targets) = split_at_ff(input);
    // Compressed or binary inputs are other targets' (`read_containers`,
    // `read_npy`, `read_parquet`): a few bytes of them may stand for
    // millions of rows.
    if [logits, targets].iter().any(|i| starts_binary(i)) {
        return;
    }
    let kind = ["bce", "bce-probs", "focal", "mlsm"][usize::from(options & 3)];
    let reduction = ["none", "mean", "row", "class"][usize::from((options >> 2) & 3)];
    let scratch = Scratch::new();
    let x = scratch.file("logits.csv", logits);
    let y = scratch.file("targets.csv", targets);
    let (x, y) = (x.to_string_lossy(), y.to_string_lossy());
    let outcome = |header: &str, threads: &str| {
        let mut args = vec!["-k", kind, "-r", reduction, "-j", threads];
        args.extend(["--input-header", header]);
        if options & 16 != 0 {
            args.push("--explain");
        }
        if options & 32 != 0 {
            args.push("--pos-weight=auto");
        }
        args.extend([&*x, &*y]);
        try_loss(&scratch, &args)
    };
    let inferred = outcome("auto", "1");
    assert_eq!(inferred, outcome("auto", "2"), "one thread against two");
    if let Ok(output) = &inferred {
        let readings = ["yes", "no", "yes,no", "no,yes"].map(|h| outcome(h, "1"));
        assert!(
            readings.iter().any(|r| r.as_ref() == Ok(output)),
            "the inferred headers give an output no --input-header gives: {output:?}, \
             explicit: {readings:?}"
        );
    }
}

/// Whether `input` starts with the magic bytes of a compressed or binary
/// format, which mlloss reads as such whatever the name.
fn starts_binary(input: &[u8]) -> bool {
    let magics: [&[u8]; 6] = [
        b"\x1f\x8b",
        b"\x28\xb5\x2f\xfd",
        b"PK\x03\x04",
        b"PAR1",
        b"ARROW1",
        b"\x93NUMPY",
    ];
    // A zstd skippable frame: 0x184D2A5?, little-endian.
    let skippable = input.len() >= 4 && input[0] & 0xf0 == 0x50 && input[1..4] == *b"\x2a\x4d\x18";
    skippable || magics.iter().any(|m| input.starts_with(m))
}
