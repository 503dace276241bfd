//! `--output-format arrow` and `-o x.arrow` (also `.feather`, `.ipc`): an
//! Arrow IPC file (Feather v2) of the same columns and types as the
//! Parquet output, holding bit for bit the values the CSV output prints.

use std::sync::Arc;

use crate::harness::{Workdir, fixture};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int8Type};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// A table's schema and its rows, each column's values as text: numbers
/// as the bits of their f64, keys as they are, label lists joined by `|`.
struct Table {
    schema: Arc<Schema>,
    columns: Vec<Vec<String>>,
}

fn read_arrow(path: &std::path::Path) -> Table {
    let file = std::fs::File::open(path).unwrap();
    let reader = arrow_ipc::reader::FileReader::try_new(file, None).unwrap();
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    table(schema, &batches)
}

fn read_parquet(path: &std::path::Path) -> Table {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = builder.schema().clone();
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
    table(schema, &batches)
}

fn table(schema: Arc<Schema>, batches: &[RecordBatch]) -> Table {
    let mut columns = vec![Vec::new(); schema.fields().len()];
    for batch in batches {
        for (j, column) in batch.columns().iter().enumerate() {
            columns[j].extend(cells(column));
        }
    }
    Table { schema, columns }
}

fn cells(column: &ArrayRef) -> Vec<String> {
    match column.data_type() {
        DataType::Float64 => (column.as_primitive::<Float64Type>().values().iter())
            .map(|v| v.to_bits().to_string())
            .collect(),
        DataType::Int8 => (column.as_primitive::<Int8Type>().values().iter())
            .map(|v| f64::from(*v).to_bits().to_string())
            .collect(),
        DataType::Utf8 => (column.as_string::<i32>().iter())
            .map(|s| s.unwrap().to_owned())
            .collect(),
        DataType::List(_) => (column.as_list::<i32>().iter())
            .map(|row| {
                let row = row.unwrap();
                let labels: Vec<&str> = row.as_string::<i32>().iter().map(Option::unwrap).collect();
                labels.join("|")
            })
            .collect(),
        other => panic!("unexpected column type {other}"),
    }
}

/// The CSV output (with `--header`) as the table it should be: its names,
/// and its columns, numbers as the bits of the f64 they read back as.
fn csv_table(stdout: &[u8], keyed: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8_lossy(stdout);
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut columns = vec![Vec::new(); names.len()];
    for line in lines {
        for (j, cell) in line.split(',').enumerate() {
            let cell = match (keyed && j == 0, cell.parse::<f64>()) {
                (false, Ok(v)) => v.to_bits().to_string(),
                _ => cell.to_owned(),
            };
            columns[j].push(cell);
        }
    }
    (names, columns)
}

fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every reduction, by position and by key: the IPC file's columns are the
/// CSV header's names and values, and the Parquet file's schema and values.
#[test]
fn arrow_output_holds_the_csv_values_in_parquets_columns() {
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
            let run = |extra: &[&str]| {
                let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
                all.extend(extra);
                dir.run(&all)
            };
            let csv = run(&["--header"]);
            succeeded(&csv);
            let arrow = dir
                .path(&format!("{reduction}.arrow"))
                .display()
                .to_string();
            let parquet = dir
                .path(&format!("{reduction}.parquet"))
                .display()
                .to_string();
            succeeded(&run(&["-o", &arrow]));
            succeeded(&run(&["-o", &parquet]));
            let got = read_arrow(std::path::Path::new(&arrow));
            let keyed = *keyed && matches!(reduction, "none" | "row");
            let (names, columns) = csv_table(&csv.stdout, keyed);
            let got_names: Vec<&String> = got.schema.fields().iter().map(|f| f.name()).collect();
            assert_eq!(got_names, names.iter().collect::<Vec<_>>(), "{reduction}");
            assert_eq!(got.columns, columns, "{reduction}");
            let parquet = read_parquet(std::path::Path::new(&parquet));
            assert_eq!(got.schema.fields(), parquet.schema.fields(), "{reduction}");
            assert_eq!(got.columns, parquet.columns, "{reduction}");
        }
    }
}

/// binarize writes int8 columns named after the classes, --inverse a
/// list<string> column; `.feather` and `.ipc` are Arrow IPC files too, and
/// `--output-format arrow` wins over the extension.
#[test]
fn binarize_writes_arrow_tables() {
    let dir = Workdir::new();
    let topics = fixture("columnar/topics.parquet").display().to_string();
    let o = dir.path("b.feather").display().to_string();
    succeeded(&dir.run(&["binarize", "--column", "topics", "-o", &o, &topics]));
    let csv = dir.run(&["binarize", "--header", "--column", "topics", &topics]);
    let (names, columns) = csv_table(&csv.stdout, false);
    let got = read_arrow(std::path::Path::new(&o));
    let got_names: Vec<&String> = got.schema.fields().iter().map(|f| f.name()).collect();
    assert_eq!(got_names, names.iter().collect::<Vec<_>>());
    assert!((got.schema.fields().iter()).all(|f| f.data_type() == &DataType::Int8));
    assert_eq!(got.columns, columns);
    // The table binarize wrote is read back by --inverse: the label lists.
    let i = dir.path("i.txt").display().to_string();
    let back = dir.run(&[
        "binarize",
        "--inverse",
        "--output-format",
        "arrow",
        "-o",
        &i,
        &o,
    ]);
    succeeded(&back);
    let got = read_arrow(std::path::Path::new(&i));
    assert_eq!(got.schema.field(0).name(), "labels");
    assert_eq!(
        got.columns,
        [["acq|earn", "", "grain", "acq", "acq|earn|grain"]]
    );
    let ipc = dir.path("b.ipc").display().to_string();
    succeeded(&dir.run(&["binarize", "--column", "topics", "-o", &ipc, &topics]));
    assert_eq!(std::fs::read(&ipc).unwrap(), std::fs::read(&o).unwrap());
}

/// An Arrow IPC file needs -o FILE and holds no text state or report;
/// merge writes one; a failed command leaves none behind.
#[test]
fn arrow_output_needs_a_file_and_success() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,-1\n2,0\n")
        .write("y.csv", "1,0\n0,1\n");
    let out = dir.run(&["loss", "--output-format", "arrow", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--output-format arrow writes a file"),
        "{stderr}"
    );
    let out = dir.run(&["loss", "--partial", "-o", "p.arrow", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dir.run(&["metrics", "-o", "m.arrow", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dir.run(&["binarize", "--output-format", "arrow", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    dir.write("bad.csv", "0.5,-1\n2,x\n");
    let out = dir.run(&["loss", "-r", "none", "-o", "bad.arrow", "bad.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path("bad.arrow").exists());
    let partial = dir.run(&["loss", "--partial", "x.csv", "y.csv"]);
    succeeded(&partial);
    dir.write("p.json", &partial.stdout);
    let csv = dir.run(&["merge", "-r", "class", "p.json"]);
    succeeded(&csv);
    succeeded(&dir.run(&["merge", "-r", "class", "p.json", "-o", "m.arrow"]));
    let got = read_arrow(&dir.path("m.arrow"));
    let want: Vec<Vec<String>> = String::from_utf8_lossy(&csv.stdout)
        .trim_end()
        .split(',')
        .map(|v| vec![v.parse::<f64>().unwrap().to_bits().to_string()])
        .collect();
    assert_eq!(got.columns, want);
}
