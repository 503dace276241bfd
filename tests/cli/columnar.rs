//! Typed tables (fixtures/columnar/, written by pandas, pyarrow and
//! polars): Parquet and Arrow IPC inputs must give the bytes their plain
//! CSV (or JSON Lines) gives, hostile ones one-line errors; Parquet output
//! must hold exactly the values the CSV output prints.

use std::sync::Arc;

use crate::harness::{Workdir, fixture};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int8Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

#[test]
fn tables_read_as_their_plain_form() {
    crate::harness::run_fixture_cases("columnar", 61);
}

/// A Parquet file's columns: names, and each column's values as f64.
fn read_parquet(path: &std::path::Path) -> (Vec<String>, Vec<Vec<f64>>, Vec<Vec<String>>) {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema: Arc<arrow_schema::Schema> = builder.schema().clone();
    let reader = builder.build().unwrap();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut numbers = vec![Vec::new(); names.len()];
    let mut texts = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch.unwrap();
        for (j, column) in batch.columns().iter().enumerate() {
            match column.data_type() {
                arrow_schema::DataType::Float64 => numbers[j].extend(
                    column
                        .as_primitive::<Float64Type>()
                        .values()
                        .iter()
                        .copied(),
                ),
                arrow_schema::DataType::Int8 => numbers[j].extend(
                    (column.as_primitive::<Int8Type>().values().iter()).map(|&v| f64::from(v)),
                ),
                arrow_schema::DataType::Utf8 => {
                    texts[j].extend(
                        column
                            .as_string::<i32>()
                            .iter()
                            .map(|s| s.unwrap().to_owned()),
                    );
                }
                arrow_schema::DataType::List(_) => {
                    for row in column.as_list::<i32>().iter() {
                        let row = row.unwrap();
                        let labels: Vec<&str> =
                            row.as_string::<i32>().iter().map(Option::unwrap).collect();
                        texts[j].push(labels.join("|"));
                    }
                }
                other => panic!("unexpected column type {other}"),
            }
        }
    }
    (names, numbers, texts)
}

/// The CSV output's lines as fields.
fn csv_rows(stdout: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// `-o x.parquet` holds bit for bit the values the CSV output prints (the
/// shortest decimals read back to the same f64), with the CSV header's
/// names, the key first when rows pair by key; every reduction.
#[test]
fn parquet_output_holds_the_csv_values() {
    let dir = Workdir::new();
    let inputs = |f: &str| fixture(&format!("columnar/{f}")).display().to_string();
    let pairs = [
        (
            vec![inputs("logits.parquet"), inputs("targets.parquet")],
            false,
        ),
        (
            vec![
                "--key".into(),
                "id".into(),
                inputs("logits-id.parquet"),
                inputs("targets-id-shuffled.parquet"),
            ],
            true,
        ),
    ];
    for (files, keyed) in &pairs {
        for reduction in ["none", "row", "mean", "sum", "class"] {
            let mut args = vec!["loss".to_owned(), "-r".into(), reduction.into()];
            args.extend(files.iter().cloned());
            let run = |args: &[String]| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                dir.run(&args)
            };
            let csv = run(&[args.clone(), vec!["--header".into()]].concat());
            assert!(csv.status.success(), "{reduction}");
            let out = dir.path(&format!("{reduction}.parquet"));
            let written = run(&[args, vec!["-o".into(), out.display().to_string()]].concat());
            assert!(
                written.status.success(),
                "{}",
                String::from_utf8_lossy(&written.stderr)
            );
            let (names, numbers, texts) = read_parquet(&out);
            let rows = csv_rows(&csv.stdout);
            let keyed = *keyed && matches!(reduction, "none" | "row");
            if matches!(reduction, "mean" | "sum") {
                // A scalar, after the header line `loss`; one row of `loss`.
                assert_eq!(names, ["loss"]);
                assert_eq!(rows[0], ["loss"]);
                assert_eq!(numbers[0], [rows[1][0].parse::<f64>().unwrap()]);
                continue;
            }
            assert_eq!(names, rows[0], "{reduction}: the CSV header's names");
            for (i, row) in rows[1..].iter().enumerate() {
                for (j, cell) in row.iter().enumerate() {
                    if keyed && j == 0 {
                        assert_eq!(&texts[0][i], cell, "{reduction} key {i}");
                    } else {
                        let want: f64 = cell.parse().unwrap();
                        assert_eq!(
                            numbers[j][i].to_bits(),
                            want.to_bits(),
                            "{reduction} {i},{j}"
                        );
                    }
                }
            }
            let n = if keyed {
                texts[0].len()
            } else {
                numbers[0].len()
            };
            assert_eq!(n, rows.len() - 1, "{reduction}: row count");
        }
    }
}

/// binarize writes int8 columns named after the classes, and --inverse a
/// list<string> column; both read back to what the CSV gives.
#[test]
fn binarize_writes_parquet_tables() {
    let dir = Workdir::new();
    let topics = fixture("columnar/topics.parquet").display().to_string();
    let out = dir.path("b.parquet");
    let o = out.display().to_string();
    let written = dir.run(&["binarize", "--column", "topics", "-o", &o, &topics]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let csv = dir.run(&["binarize", "--header", "--column", "topics", &topics]);
    let rows = csv_rows(&csv.stdout);
    let (names, numbers, _) = read_parquet(&out);
    assert_eq!(names, rows[0]);
    for (i, row) in rows[1..].iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            assert_eq!(numbers[j][i], cell.parse::<f64>().unwrap());
        }
    }
    // The table binarize wrote is read back by --inverse: the label lists.
    let inverse = dir.path("i.parquet");
    let i = inverse.display().to_string();
    let back = dir.run(&["binarize", "--inverse", "-o", &i, &o]);
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    let (names, _, texts) = read_parquet(&inverse);
    assert_eq!(names, ["labels"]);
    assert_eq!(texts[0], ["acq|earn", "", "grain", "acq", "acq|earn|grain"]);
}

/// Parquet goes to a file; a failed command leaves none behind.
#[test]
fn parquet_output_needs_a_file_and_success() {
    let dir = Workdir::new();
    let logits = fixture("columnar/logits.parquet").display().to_string();
    let targets = fixture("columnar/targets.csv").display().to_string();
    let out = dir.run(&["loss", "--output-format", "parquet", &logits, &targets]);
    assert_eq!(out.status.code(), Some(2));
    let out = dir.run(&["loss", "--partial", "-o", "x.parquet", &logits, &targets]);
    assert_eq!(out.status.code(), Some(2));
    let bad = fixture("columnar/logits-null.parquet")
        .display()
        .to_string();
    let out = dir.run(&["loss", "-r", "none", "-o", "x.parquet", &bad, &targets]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path("x.parquet").exists());
}

/// Tables longer than a block of converted rows (about a megabyte), in
/// several row groups, and an IPC file of one large batch: the same bytes
/// as their CSV; a null late in the file stops the output after the rows
/// before it, at its row.
#[test]
fn long_tables_cross_blocks_and_row_groups() {
    use arrow_array::{ArrayRef, Float64Array, Int8Array, RecordBatch};
    let dir = Workdir::new();
    let (n, names) = (100_000usize, ["a", "b", "c"]);
    let mut next = crate::harness::uniform(7);
    let x: Vec<Vec<f64>> = (0..3)
        .map(|_| (0..n).map(|_| next() * 8.0 - 4.0).collect())
        .collect();
    let y: Vec<Vec<i8>> = (0..3)
        .map(|_| (0..n).map(|_| i8::from(next() < 0.3)).collect())
        .collect();
    let csv = |columns: &[Vec<String>]| {
        let mut text = names.join(",") + "\n";
        for i in 0..n {
            let row: Vec<&str> = columns.iter().map(|c| c[i].as_str()).collect();
            text += &(row.join(",") + "\n");
        }
        text
    };
    let x_text: Vec<Vec<String>> = x
        .iter()
        .map(|c| c.iter().map(|v| format!("{v:?}")).collect())
        .collect();
    let y_text: Vec<Vec<String>> = y
        .iter()
        .map(|c| c.iter().map(i8::to_string).collect())
        .collect();
    dir.write("x.csv", csv(&x_text))
        .write("y.csv", csv(&y_text));
    let batch = |columns: Vec<ArrayRef>| {
        RecordBatch::try_from_iter(names.iter().zip(columns).map(|(n, c)| (*n, c))).unwrap()
    };
    let xb = batch(
        x.iter()
            .map(|c| Arc::new(Float64Array::from(c.clone())) as ArrayRef)
            .collect(),
    );
    let yb = batch(
        y.iter()
            .map(|c| Arc::new(Int8Array::from(c.clone())) as ArrayRef)
            .collect(),
    );
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(9_000))
        .build();
    let file = std::fs::File::create(dir.path("x.parquet")).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, xb.schema(), Some(properties)).unwrap();
    writer.write(&xb).unwrap();
    writer.close().unwrap();
    let file = std::fs::File::create(dir.path("y.arrow")).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &yb.schema()).unwrap();
    writer.write(&yb).unwrap();
    writer.finish().unwrap();
    for r in ["none", "mean", "class"] {
        let table = dir.run(&["loss", "-r", r, "x.parquet", "y.arrow"]);
        let plain = dir.run(&["loss", "-r", r, "x.csv", "y.csv"]);
        assert!(
            table.status.success(),
            "{}",
            String::from_utf8_lossy(&table.stderr)
        );
        assert_eq!(table.stdout, plain.stdout, "{r}");
    }
    // Keyed, TARGETS in reverse order: indexed across blocks.
    let ids: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
    let mut x_keyed = String::from("id,a,b,c\n");
    let mut y_keyed = String::from("id,a,b,c\n");
    for i in 0..n {
        x_keyed += &format!(
            "{},{},{},{}\n",
            ids[i], x_text[0][i], x_text[1][i], x_text[2][i]
        );
        let j = n - 1 - i;
        y_keyed += &format!(
            "{},{},{},{}\n",
            ids[j], y_text[0][j], y_text[1][j], y_text[2][j]
        );
    }
    dir.write("xk.csv", x_keyed).write("yk.csv", y_keyed);
    let reversed: Vec<usize> = (0..n).rev().collect();
    let take = |c: &Vec<i8>| Int8Array::from(reversed.iter().map(|&j| c[j]).collect::<Vec<_>>());
    let yk = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(arrow_array::StringArray::from(
                reversed.iter().map(|&j| ids[j].clone()).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("a", Arc::new(take(&y[0])) as ArrayRef),
        ("b", Arc::new(take(&y[1])) as ArrayRef),
        ("c", Arc::new(take(&y[2])) as ArrayRef),
    ])
    .unwrap();
    let file = std::fs::File::create(dir.path("yk.parquet")).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, yk.schema(), None).unwrap();
    writer.write(&yk).unwrap();
    writer.close().unwrap();
    let table = dir.run(&["loss", "-r", "row", "--key", "id", "xk.csv", "yk.parquet"]);
    let plain = dir.run(&["loss", "-r", "row", "--key", "id", "xk.csv", "yk.csv"]);
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    assert_eq!(table.stdout, plain.stdout, "keyed");
    // A null at row 70,001, column b (blocks are 43,690 rows of 3 values).
    let mut with_null: Vec<Option<i8>> = y[1].iter().copied().map(Some).collect();
    with_null[70_000] = None;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int8Array::from(y[0].clone())),
        Arc::new(Int8Array::from(with_null)),
        Arc::new(Int8Array::from(y[2].clone())),
    ];
    let nb = batch(columns);
    let file = std::fs::File::create(dir.path("y-null.parquet")).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, nb.schema(), None).unwrap();
    writer.write(&nb).unwrap();
    writer.close().unwrap();
    let out = dir.run(&["loss", "-r", "none", "x.parquet", "y-null.parquet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.starts_with("mlloss: error: y-null.parquet:70001:2: null in column \"b\""),
        "{stderr}"
    );
    let plain = dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]);
    let rows: Vec<&[u8]> = plain
        .stdout
        .split_inclusive(|&b| b == b'\n')
        .take(70_000)
        .collect();
    assert_eq!(out.stdout, rows.concat());
}

/// A zstd Arrow IPC file of one batch of 10,000,000 rows (80 MB once
/// decompressed, a few KB on disk): arrow-ipc would decompress it whole,
/// so memory would grow with the rows; it is refused, naming the bound.
/// The same rows in batches of 65,536 (what pyarrow's Feather writer
/// makes) are read.
#[test]
fn a_compressed_ipc_batch_of_many_rows_is_refused() {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch};
    use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
    let dir = Workdir::new();
    let n = 10_000_000usize;
    let column = Arc::new(Float64Array::from(vec![0.0; n])) as ArrayRef;
    let batch = RecordBatch::try_from_iter([("a", column)]).unwrap();
    let options = IpcWriteOptions::default()
        .try_with_compression(Some(arrow_ipc::CompressionType::ZSTD))
        .unwrap();
    let write = |name: &str, rows: usize| {
        let file = std::fs::File::create(dir.path(name)).unwrap();
        let mut writer =
            FileWriter::try_new_with_options(file, &batch.schema(), options.clone()).unwrap();
        for at in (0..n).step_by(rows) {
            writer.write(&batch.slice(at, rows.min(n - at))).unwrap();
        }
        writer.finish().unwrap();
    };
    write("one-batch.arrow", n);
    assert!(
        std::fs::metadata(dir.path("one-batch.arrow"))
            .unwrap()
            .len()
            < 1 << 20
    );
    dir.write("y.csv", "a\n0\n");
    let out = dir.run(&["loss", "one-batch.arrow", "y.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "mlloss: error: one-batch.arrow: a compressed record batch of 10000000 rows holds 80000000 bytes once decompressed, beyond the 64 MiB"
        ) && stderr.contains("chunksize=65536"),
        "{stderr}"
    );
    // In pyarrow's batches, it streams (and pairs: 10,000,000 rows against 1).
    write("batches.arrow", 65_536);
    let out = dir.run(&["loss", "batches.arrow", "y.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no partner"), "{stderr}");
}

/// A Parquet file of 5,000 one-row row groups of 40 columns: a footer of
/// about 19 MB, which the parquet crate would decode whole (several times
/// its size) before the first row, so memory would grow with the rows; it
/// is refused, naming the bound. The same rows in one row group are read.
#[test]
fn a_parquet_footer_of_many_row_groups_is_refused() {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch};
    let dir = Workdir::new();
    let (n, width) = (5_000usize, 40);
    let columns = (0..width).map(|c| {
        let values: Vec<f64> = (0..n).map(|i| ((i + c) % 2) as f64).collect();
        (
            format!("c{c}"),
            Arc::new(Float64Array::from(values)) as ArrayRef,
        )
    });
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let write = |name: &str, rows_per_group: usize| {
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(rows_per_group))
            .build();
        let file = std::fs::File::create(dir.path(name)).unwrap();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    };
    write("groups.parquet", 1);
    let bytes = std::fs::read(dir.path("groups.parquet")).unwrap();
    let footer = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap());
    assert!(footer > 8 << 20, "a footer of {footer} bytes");
    let out = dir.run(&["loss", "groups.parquet", "groups.parquet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let want = format!(
        "mlloss: error: groups.parquet: its footer (the metadata of every row group) is {footer} bytes long, beyond the 8 MiB mlloss decodes"
    );
    assert!(
        stderr.starts_with(&want) && stderr.contains("row_group_size="),
        "{stderr}"
    );
    // From a pipe (read whole first), the same.
    let out = dir.run_with_stdin(&["loss", "-", "groups.parquet"], &bytes);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("beyond the 8 MiB mlloss decodes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    write("one-group.parquet", n);
    let out = dir.run(&["loss", "one-group.parquet", "one-group.parquet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A page header declaring a list of two billion doubles past the file's
/// end (found by the `read_parquet` fuzzer): the parquet crate skips such a
/// field by copying into a sink and took a short copy for success, one
/// `read` at the end of the file per element, for minutes. It is an error.
#[test]
fn a_page_header_past_the_end_is_an_error() {
    let unit = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/read_parquet/slow-unit-aa83f89d46adc999e6f80dbbbeec55ec47cccd03");
    // The fuzz target's first byte chooses options; the rest is the file.
    let bytes = std::fs::read(unit).unwrap()[1..].to_vec();
    let dir = Workdir::new();
    dir.write("header.parquet", &bytes);
    let want = "not a readable Parquet file: a page header runs past the end of the file";
    let out = dir.run(&["loss", "-r", "sum", "header.parquet", "header.parquet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("mlloss: error: header.parquet: ") && stderr.contains(want),
        "{stderr}"
    );
    // Read whole from a pipe, the same.
    let out = dir.run_with_stdin(&["loss", "-r", "sum", "-", "header.parquet"], &bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mlloss: error: <stdin>: ") && stderr.contains(want),
        "{stderr}"
    );
}

/// An Arrow IPC file whose batch's metadata length word is corrupt (found
/// by the `read_arrow` fuzzer): the check of what compressed buffers claim
/// decoded the metadata as long as that word says, failed, and let the
/// batch through; arrow-ipc decodes it from the whole block the footer
/// lists, and allocated a claim of 6.9 exabytes, which aborted the process.
/// The claim is refused now.
#[test]
fn a_corrupt_ipc_metadata_length_does_not_hide_a_claim() {
    let unit = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/read_arrow/crash-4dd821f5ee8fa39174b120d8de9910f569badebc");
    // The fuzz target's first byte chooses options; the rest is the file.
    let bytes = std::fs::read(unit).unwrap()[1..].to_vec();
    let dir = Workdir::new();
    dir.write("claim.arrow", &bytes);
    let out = dir.run(&["loss", "-r", "sum", "claim.arrow", "claim.arrow"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let want = "mlloss: error: claim.arrow: not a readable Arrow IPC file: a compressed buffer claims 6924369235573473280 bytes once decompressed";
    assert!(stderr.starts_with(want), "{stderr}");
}
