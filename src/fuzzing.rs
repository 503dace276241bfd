//! Entry points for the fuzz targets in `fuzz/` and for their regression
//! tests in `cargo test` (`tests/cli/fuzz_regressions.rs`): arbitrary bytes
//! in, a reader or a whole command run on them. Bad input must give an
//! error, never a panic; a function here panics only when mlloss has a bug.
//!
//! The first byte of the data chooses options, the rest is the input.

mod first_lines;
mod pandas_meta;
mod weight_shapes;

use std::path::{Path, PathBuf};

use crate::cli::Cli;
use crate::domain::Domain;
use crate::input::{
    ChunkLimit, Columns, Format, HeaderMode, LabelLayout, LabelReader, MatrixReader, RowChunk,
    Sample, Source,
};

pub use first_lines::pair_first_lines;
pub use pandas_meta::pandas_meta;
pub use weight_shapes::weight_shapes;

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

/// Two inputs: up to the first 0xFF byte (never valid UTF-8, so it cannot
/// occur inside a valid text input), and after it (empty without one).
fn split_at_ff(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == 0xFF) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

/// `mlloss loss` with `args`, its output written into `scratch`: the
/// output, or the error (input or usage), as text that can be compared.
fn try_loss(scratch: &Scratch, args: &[&str]) -> Result<String, String> {
    let out = scratch.dir.path().join("out.csv");
    let out_name = out.to_string_lossy().into_owned();
    // A failed run must not leave an earlier run's output to be read.
    let _ = std::fs::remove_file(&out);
    let mut all = vec!["mlloss", "loss", "-o", &out_name];
    all.extend(args);
    let cli = <Cli as clap::Parser>::try_parse_from(&all).expect("valid arguments");
    match cli.run() {
        Ok(()) => Ok(std::fs::read_to_string(&out).expect("the output")),
        Err(e) => Err(format!("error: {e:#}")),
    }
}

/// The values a matrix read takes before it stops (a row of none counts
/// as one). A few bytes of Arrow IPC or zstd decode to millions of rows,
/// and the text kept of each row to compare the reads exhausted the
/// fuzzer's memory: past this many the rest is not read, which is a fine
/// outcome (mlloss itself streams such rows). Every read stops after the
/// same row, so the reads still compare.
const VALUES_READ: usize = 100_000;

/// The samples a label-list read takes before it stops, for the same
/// reason.
const SAMPLES_READ: usize = 100_000;

/// Every row of a numeric matrix, or the first error, as text that can be
/// compared; up to [`VALUES_READ`] values, then `capped`.
fn read_all_rows(
    path: &Path,
    format: Format,
    domain: Domain,
    mapped: bool,
    limit: ChunkLimit,
) -> String {
    let source = Source::Path(path.to_owned());
    let mut reader = match MatrixReader::open(&source, format, domain, HeaderMode::Auto) {
        Ok(reader) => reader,
        Err(e) => return format!("error: {e}"),
    };
    // Columns in reverse order, the first field as the key: the decoding
    // that pairing by name and by key uses.
    let fields = reader.header_width().unwrap_or(0);
    if mapped && fields > 1 {
        let columns = Columns {
            fields,
            select: (1..fields).rev().collect(),
            key: Some(0),
        };
        if let Err(e) = reader.set_columns(columns) {
            return format!("error: {e}");
        }
    }
    let mut seen = format!("header {:?}\n", reader.header_width());
    let mut chunk = RowChunk::default();
    // The first row's width, which every later row must have (as in `loss`).
    let mut cols = None;
    let mut read = 0;
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
                    read += values.len().max(1);
                    let bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
                    seen += &format!("{line}: {bits:?}\n");
                    let key = rows.key().to_vec();
                    seen += &format!("key {key:?}\n");
                    if read >= VALUES_READ {
                        return seen + "capped";
                    }
                }
                Ok(None) => break,
                Err(e) => return seen + &format!("error: {e}"),
            }
        }
    }
}

/// A numeric matrix in `format` (first byte: bit 0 targets' domain [0, 1],
/// bit 1 non-finite values allowed, bit 2 the header's columns reversed
/// with the first as the key). Read in chunks of one row, of 7 rows
/// and of a megabyte, the rows and the first error must be the same: where
/// the input is cut must not change what is read.
pub fn matrix(format: Format, data: &[u8]) {
    let (options, input) = split_options(data);
    let scratch = Scratch::new();
    let path = scratch.file("input", input);
    matrix_file(format, options, &path);
}

/// The file at `path` read as [`matrix`] reads its input, `options` its
/// first byte.
fn matrix_file(format: Format, options: u8, path: &Path) {
    let domain = if options & 1 == 0 {
        Domain::FINITE
    } else {
        Domain::UNIT_INTERVAL
    }
    .with_nonfinite(options & 2 != 0);
    let mapped = options & 4 != 0;
    let whole = read_all_rows(path, format, domain, mapped, ChunkLimit::Bytes(1 << 20));
    for limit in [ChunkLimit::Rows(1), ChunkLimit::Rows(7)] {
        let cut = read_all_rows(path, format, domain, mapped, limit);
        assert_eq!(cut, whole, "chunks of {limit:?} against one chunk");
    }
}

/// A Parquet or Arrow IPC table (`format`; the content's magic decides
/// as in mlloss): read as a numeric matrix in chunks of every size (see
/// [`matrix`]), and as label lists from its first column, which must give
/// an error or samples, never a panic (arrow-rs' own panics on corrupt
/// data are caught and reported as errors).
pub fn table(format: Format, data: &[u8]) {
    let (options, input) = split_options(data);
    let scratch = Scratch::new();
    let path = scratch.file("input", input);
    table_file(format, options, &path);
}

/// The table at `path` read as [`table`] reads its input, `options` its
/// first byte.
fn table_file(format: Format, options: u8, path: &Path) {
    matrix_file(format, options, path);
    let source = Source::Path(path.to_owned());
    let layout = LabelLayout {
        column: None,
        separator: Some("|".to_owned()),
    };
    if let Ok(mut reader) = LabelReader::open(&source, format, &layout) {
        let mut sample = Sample::default();
        for _ in 0..SAMPLES_READ {
            if !matches!(reader.next_sample(&mut sample), Ok(true)) {
                break;
            }
        }
    }
}

/// A numeric matrix (first byte: bits 0-1 the format, CSV, JSON Lines,
/// JSON or .npy; bit 2 the targets' domain) read as it is, and gzipped,
/// zstd-compressed, and as the one member of a zip archive, stored and
/// deflated: each must read to the same rows, and fail after the same
/// rows (the error's wording may differ: a mapped `.npy` and one read from
/// a stream are checked by different code). The input as it is may itself
/// be compressed or an archive: then only reading it must not panic.
pub fn containers(data: &[u8]) {
    let (options, input) = split_options(data);
    let format = [
        format_named("csv"),
        format_named("jsonl"),
        format_named("json"),
        format_named("npy"),
    ][usize::from(options & 3)];
    let domain = if options & 4 == 0 {
        Domain::FINITE
    } else {
        Domain::UNIT_INTERVAL
    };
    let read = |contents: &[u8]| {
        // The same name in each directory, so that messages compare.
        let scratch = Scratch::new();
        let path = scratch.file("input", contents);
        let seen = read_all_rows(&path, format, domain, false, ChunkLimit::Rows(7));
        match seen.find("error: ") {
            Some(at) => seen[..at].to_owned() + "error",
            None => seen,
        }
    };
    let plain = read(input);
    let magics: [&[u8]; 3] = [b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"PK\x03\x04"];
    if magics.iter().any(|m| input.starts_with(m)) {
        return;
    }
    let gzip = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(input).expect("gzip in memory");
        encoder.finish().expect("gzip in memory")
    };
    let zstd = zstd::bulk::compress(input, 1).expect("zstd in memory");
    let zip = |method| {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file("input.npy", options).expect("zip in memory");
        zip.write_all(input).expect("zip in memory");
        zip.finish().expect("zip in memory").into_inner()
    };
    let stored = zip(zip::CompressionMethod::Stored);
    let deflated = zip(zip::CompressionMethod::Deflated);
    for (how, contents) in [
        ("gzip", gzip),
        ("zstd", zstd),
        ("stored", stored),
        ("deflated", deflated),
    ] {
        assert_eq!(read(&contents), plain, "{how} against plain");
    }
}

/// Label lists (first byte: bits 0-1 the format, bit 2 `--column labels`,
/// bit 3 `--sep |`).
pub fn labels(data: &[u8]) {
    let (options, input) = split_options(data);
    let format = [
        format_named("csv"),
        format_named("tsv"),
        format_named("json"),
        format_named("jsonl"),
    ][usize::from(options & 3)];
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
    for _ in 0..SAMPLES_READ {
        if !matches!(reader.next_sample(&mut sample), Ok(true)) {
            break;
        }
        for (label, column) in sample.labels() {
            assert!(!label.text.is_empty() && column >= 1);
        }
    }
}

/// JSON records (`orient="records"`) and `loss --target-labels`, the
/// readers of the named-tables issue. First byte, bit 7 clear: records, read
/// as [`matrix`] reads them (bits 0-2 as there; bit 3 JSON Lines instead of
/// a JSON document). Bit 7 set: the input is TARGETS of `loss
/// --target-labels -r none` against 64 rows of LOGITS (bits 0-1 the
/// format, bit 2 `--column labels`, bit 3 `--sep |`, bits 4-5 the classes:
/// LOGITS' header `a,b,1,2`, `--classes a,b,1,2`, or class indices, bit 6
/// `--unknown warn`); run on one thread and on two, the output or the
/// error must be the same.
pub fn records_and_target_labels(data: &[u8]) {
    let (options, input) = split_options(data);
    if options & 0x80 == 0 {
        let format = if options & 8 == 0 {
            format_named("json")
        } else {
            format_named("jsonl")
        };
        matrix(format, data);
        return;
    }
    let extension = ["csv", "tsv", "json", "jsonl"][usize::from(options & 3)];
    let classes = (options >> 4) & 3;
    let scratch = Scratch::new();
    let mut logits = String::new();
    if classes == 0 {
        logits.push_str("a,b,1,2\n");
    }
    for row in 0..64 {
        logits.push_str(&format!("{}.5,-1,2,{}\n", row % 5, row % 3));
    }
    let x = scratch.file("logits.csv", logits.as_bytes());
    let y = scratch.file(&format!("targets.{extension}"), input);
    let (x, y) = (x.to_string_lossy(), y.to_string_lossy());
    let outcome = |threads: &str| {
        let out = scratch.dir.path().join(format!("out-{threads}.csv"));
        let out_name = out.to_string_lossy().into_owned();
        let mut args = vec!["mlloss", "loss", "--target-labels", "-r", "none"];
        args.extend(["-j", threads, "-o", &out_name]);
        if options & 4 != 0 {
            args.extend(["--column", "labels"]);
        }
        if options & 8 != 0 {
            args.extend(["--sep", "|"]);
        }
        if classes == 1 || classes == 3 {
            args.extend(["--classes", "a,b,1,2"]);
        }
        if options & 64 != 0 {
            args.extend(["--unknown", "warn"]);
        }
        args.extend([&*x, &*y]);
        let cli = <Cli as clap::Parser>::try_parse_from(&args).expect("valid arguments");
        match cli.run() {
            Ok(()) => std::fs::read_to_string(&out).expect("the output"),
            Err(e) => format!("error: {e:#}"),
        }
    };
    assert_eq!(outcome("1"), outcome("2"), "one thread against two");
}

fn run(args: &[&str]) {
    let cli = <Cli as clap::Parser>::try_parse_from(args).expect("valid arguments");
    // An error is a fine outcome; a panic is not.
    let _ = cli.run();
}

/// `mlloss loss` on two inputs. The first two bytes choose the options:
/// byte 0 bits 0-2 the kind, bits 3-5 the reduction, bits 6-7 the format;
/// byte 1 bit 0 `--nonfinite allow`, bit 1 two threads, bit 2
/// `--ignore-value -1`, bit 3 `--label-smoothing 0.1`, bit 4 `--weight 2`,
/// bit 5 `--pos-weight auto`. Options that do not fit the kind make a usage
/// error, which is a fine outcome too. The rest is LOGITS, then TARGETS
/// after the first 0xFF byte (see [`split_at_ff`]).
pub fn loss(data: &[u8]) {
    let (kinds, rest) = split_options(data);
    let (flags, input) = split_options(rest);
    let (logits, targets) = split_at_ff(input);
    let kind = [
        "bce",
        "mlsm",
        "bce-probs",
        "focal",
        "asl",
        "multilabel-margin",
        "bce",
        "focal",
    ][usize::from(kinds & 7)];
    let reduction = ["none", "mean", "sum", "row", "class", "mean", "sum", "none"]
        [usize::from((kinds >> 3) & 7)];
    let format = ["csv", "tsv", "json", "jsonl"][usize::from(kinds >> 6)];
    let scratch = Scratch::new();
    let x = scratch.file("logits", logits);
    let y = scratch.file("targets", targets);
    let (x, y) = (x.to_string_lossy(), y.to_string_lossy());
    let mut args = vec![
        "mlloss",
        "loss",
        "-k",
        kind,
        "-r",
        reduction,
        "-f",
        format,
        "-o",
        "/dev/null",
    ];
    let flag = |bit: u8| flags & (1 << bit) != 0;
    args.extend(["--nonfinite", if flag(0) { "allow" } else { "error" }]);
    args.extend(["-j", if flag(1) { "2" } else { "1" }]);
    if flag(2) {
        args.push("--ignore-value=-1");
    }
    if flag(3) {
        args.push("--label-smoothing=0.1");
    }
    if flag(4) {
        args.push("--weight=2");
    }
    if flag(5) {
        args.push("--pos-weight=auto");
    }
    args.extend([&*x, &*y]);
    let cli = <Cli as clap::Parser>::try_parse_from(&args).expect("valid arguments");
    // An error (input or usage) is a fine outcome; a panic is not.
    let _ = cli.run();
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

/// The registered input format `name`.
pub fn format_named(name: &str) -> Format {
    Format::named(name).expect("a registered input format")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_reads_stop_after_a_bounded_number_of_values() {
        // One value a row, one row more than the cap: every read stops
        // after the same row, and says so.
        let scratch = Scratch::new();
        let path = scratch.file("input.csv", "0\n".repeat(VALUES_READ + 1).as_bytes());
        for limit in [ChunkLimit::Rows(7), ChunkLimit::Bytes(1 << 20)] {
            let seen = read_all_rows(&path, format_named("csv"), Domain::FINITE, false, limit);
            assert!(seen.ends_with("capped"), "{limit:?}: not capped");
            let rows = seen.lines().filter(|l| l.starts_with("key ")).count();
            assert_eq!(rows, VALUES_READ, "{limit:?}");
        }
    }
}
