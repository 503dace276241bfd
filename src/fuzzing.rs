//! Entry points for the fuzz targets in `fuzz/` and for their regression
//! tests in `cargo test` (`tests/cli/fuzz_regressions.rs`): arbitrary bytes
//! in, a reader or a whole command run on them. Bad input must give an
//! error, never a panic; a function here panics only when mlloss has a bug.
//!
//! The first byte of the data chooses options, the rest is the input.

use std::path::{Path, PathBuf};

use crate::cli::Cli;
use crate::input::{
    ChunkLimit, Domain, Format, LabelLayout, LabelReader, MatrixReader, RowChunk, Sample, Source,
};

/// A scratch file holding one input; removed when dropped.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        // tmpfs when there is one: the targets write a file per run.
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        };
        Scratch {
            dir: dir.expect("a scratch directory"),
        }
    }

    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a scratch file");
        path
    }
}

fn split_options(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&options, rest)) => (options, rest),
        None => (0, data),
    }
}

/// Every row of a numeric matrix, or the first error, as text that can be
/// compared.
fn read_all_rows(path: &Path, format: Format, domain: Domain, limit: ChunkLimit) -> String {
    let source = Source::Path(path.to_owned());
    let mut reader = match MatrixReader::open(&source, format, domain) {
        Ok(reader) => reader,
        Err(e) => return format!("error: {e}"),
    };
    let mut seen = format!("header {:?}\n", reader.header_width());
    let mut chunk = RowChunk::default();
    // The first row's width, which every later row must have (as in `loss`).
    let mut cols = None;
    loop {
        if let Err(e) = reader.next_chunk(limit, &mut chunk) {
            return seen + &format!("error: {e}");
        }
        if chunk.row_count() == 0 {
            return seen;
        }
        let mut rows = chunk.rows(reader.info(), cols);
        loop {
            match rows.next_row() {
                Ok(Some((values, line))) => {
                    cols = Some(values.len());
                    let bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
                    seen += &format!("{line}: {bits:?}\n");
                }
                Ok(None) => break,
                Err(e) => return seen + &format!("error: {e}"),
            }
        }
    }
}

/// A numeric matrix in `format` (first byte: bit 0 targets' domain [0, 1],
/// bit 1 non-finite values allowed). Read in chunks of one row, of 7 rows
/// and of a megabyte, the rows and the first error must be the same: where
/// the input is cut must not change what is read.
pub fn matrix(format: Format, data: &[u8]) {
    let (options, input) = split_options(data);
    let domain = if options & 1 == 0 {
        Domain::FINITE
    } else {
        Domain::UNIT_INTERVAL
    }
    .with_nonfinite(options & 2 != 0);
    let scratch = Scratch::new();
    let path = scratch.file("input", input);
    let whole = read_all_rows(&path, format, domain, ChunkLimit::Bytes(1 << 20));
    for limit in [ChunkLimit::Rows(1), ChunkLimit::Rows(7)] {
        let cut = read_all_rows(&path, format, domain, limit);
        assert_eq!(cut, whole, "chunks of {limit:?} against one chunk");
    }
}

/// Label lists (first byte: bits 0-1 the format, bit 2 `--column labels`,
/// bit 3 `--sep |`).
pub fn labels(data: &[u8]) {
    let (options, input) = split_options(data);
    let format = [Format::Csv, Format::Tsv, Format::Json, Format::Jsonl][usize::from(options & 3)];
    let layout = LabelLayout {
        column: (options & 4 != 0).then(|| "labels".to_owned()),
        separator: (options & 8 != 0).then(|| "|".to_owned()),
    };
    let scratch = Scratch::new();
    let source = Source::Path(scratch.file("input", input));
    let Ok(mut reader) = LabelReader::open(&source, format, &layout) else {
        return;
    };
    let mut sample = Sample::default();
    while let Ok(true) = reader.next_sample(&mut sample) {
        for (label, column) in sample.labels() {
            assert!(!label.is_empty() && column >= 1);
        }
    }
}

fn run(args: &[&str]) {
    let cli = <Cli as clap::Parser>::try_parse_from(args).expect("valid arguments");
    // An error is a fine outcome; a panic is not.
    let _ = cli.run();
}

/// `mlloss loss` on two inputs (first byte: bit 0 the kind, bits 1-3 the
/// reduction, bits 4-5 the format, bit 6 `--nonfinite allow`, bit 7 two
/// threads). The rest is LOGITS, then TARGETS after the first 0xFF byte
/// (never valid UTF-8, so it cannot occur inside a valid input).
pub fn loss(data: &[u8]) {
    let (options, input) = split_options(data);
    let (logits, targets) = match input.iter().position(|&b| b == 0xFF) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &b""[..]),
    };
    let kind = ["bce", "mlsm"][usize::from(options & 1)];
    let reduction = ["none", "mean", "sum", "row", "class", "mean", "sum", "none"]
        [usize::from((options >> 1) & 7)];
    let format = ["csv", "tsv", "json", "jsonl"][usize::from((options >> 4) & 3)];
    let nonfinite = ["error", "allow"][usize::from((options >> 6) & 1)];
    let threads = ["1", "2"][usize::from(options >> 7)];
    let scratch = Scratch::new();
    let x = scratch.file("logits", logits);
    let y = scratch.file("targets", targets);
    let (x, y) = (x.to_string_lossy(), y.to_string_lossy());
    run(&[
        "mlloss",
        "loss",
        "-k",
        kind,
        "-r",
        reduction,
        "-f",
        format,
        "--nonfinite",
        nonfinite,
        "-j",
        threads,
        "-o",
        "/dev/null",
        &x,
        &y,
    ]);
}

/// `mlloss binarize` (first byte: bits 0-1 the format, bit 2 `--classes
/// a,b,1,2`, bits 3-4 `--unknown`, bit 5 `--column labels`, bit 6
/// `--sep |`, bit 7 `--header`).
pub fn binarize(data: &[u8]) {
    let (options, input) = split_options(data);
    let format = ["csv", "tsv", "json", "jsonl"][usize::from(options & 3)];
    let scratch = Scratch::new();
    let file = scratch.file("labels", input);
    let file = file.to_string_lossy();
    let mut args = vec!["mlloss", "binarize", "-f", format, "-o", "/dev/null"];
    if options & 4 != 0 {
        args.extend(["--classes", "a,b,1,2"]);
        args.extend([
            "--unknown",
            ["warn", "ignore", "error", "ignore"][usize::from((options >> 3) & 3)],
        ]);
    }
    if options & 32 != 0 {
        args.extend(["--column", "labels"]);
    }
    if options & 64 != 0 {
        args.extend(["--sep", "|"]);
    }
    if options & 128 != 0 {
        args.push("--header");
    }
    args.push(&file);
    run(&args);
}
