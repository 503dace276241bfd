//! `pandas_meta`: Parquet and Feather files whose `pandas` schema
//! metadata (pandas' index: a RangeIndex, a column, a MultiIndex's levels;
//! see `input/pandas_meta.rs`) is fuzzed, the table itself built here.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};

use super::{Scratch, format_named, split_at_ff, split_options, table_file, try_loss};
use crate::input::Format;

/// Two tables of two classes, `a` and `b`, LOGITS' `pandas` metadata the
/// input up to its first 0xFF byte, TARGETS' the rest (LOGITS' when there
/// is no 0xFF). First byte: bits 0-1 the index columns besides the
/// classes (none, `__index_level_0__`, `fold` and `aug`, all three), bits
/// 2-4 the rows (0-7), bit 5 TARGETS' index columns in reverse row order,
/// bit 6 Feather instead of Parquet, bit 7 `-r mean` instead of `-r none`.
/// Each table is read as [`super::table`] reads one (as a matrix in chunks
/// that must agree, and as label lists); then `loss` pairs the two (by
/// their index, where pandas' metadata names one), and its output or
/// error must be the same on one thread and on two.
pub fn pandas_meta(data: &[u8]) {
    let (options, input) = split_options(data);
    let (logits_meta, targets_meta) = match split_at_ff(input) {
        (all, []) => (all, all),
        split => split,
    };
    let rows = usize::from((options >> 2) & 7);
    let format = if options & 64 == 0 {
        format_named("parquet")
    } else {
        format_named("arrow")
    };
    let scratch = Scratch::new();
    let extension = ["parquet", "feather"][usize::from(options & 64 != 0)];
    let mut paths = Vec::new();
    for (side, meta) in [logits_meta, targets_meta].into_iter().enumerate() {
        let reversed = side == 1 && options & 32 != 0;
        let batch = table(options & 3, rows, side == 1, reversed, meta);
        let name = format!("{}.{extension}", ["logits", "targets"][side]);
        let path = scratch.dir.path().join(name);
        write(&batch, format, &path);
        // The first byte's domain bits: targets' [0, 1] for TARGETS.
        table_file(format, u8::from(side == 1), &path);
        paths.push(path.to_string_lossy().into_owned());
    }
    let reduction = if options & 128 == 0 { "none" } else { "mean" };
    let outcome = |threads| {
        let args = ["-r", reduction, "-j", threads, &paths[0], &paths[1]];
        try_loss(&scratch, &args)
    };
    assert_eq!(outcome("1"), outcome("2"), "one thread against two");
}

/// A table of `rows` rows: the classes `a` and `b` (LOGITS' scores, or
/// TARGETS' 0 and 1), then the index columns `which` chooses, labelled in
/// row order or `reversed`; its schema's `pandas` metadata `meta`.
fn table(which: u8, rows: usize, targets: bool, reversed: bool, meta: &[u8]) -> RecordBatch {
    let value = |i: usize, class: usize| {
        if targets {
            ((i + class) % 2) as f64
        } else {
            i as f64 * 0.75 - 2.0 + class as f64
        }
    };
    let label = |i: usize| if reversed { rows - 1 - i } else { i };
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    for (class, name) in ["a", "b"].into_iter().enumerate() {
        let values: Float64Array = (0..rows).map(|i| value(i, class)).collect();
        columns.push((name, Arc::new(values)));
    }
    if which & 1 != 0 {
        let labels: Int64Array = (0..rows).map(|i| label(i) as i64 * 10).collect();
        columns.push(("__index_level_0__", Arc::new(labels)));
    }
    if which & 2 != 0 {
        let fold: Int64Array = (0..rows).map(|i| (label(i) % 2) as i64).collect();
        let aug: StringArray = (0..rows)
            .map(|i| Some(format!("v{}", label(i) / 2)))
            .collect();
        columns.push(("fold", Arc::new(fold)));
        columns.push(("aug", Arc::new(aug)));
    }
    let fields: Vec<Field> = (columns.iter())
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), false))
        .collect();
    let metadata = HashMap::from([(
        "pandas".to_owned(),
        String::from_utf8_lossy(meta).into_owned(),
    )]);
    let schema = Arc::new(Schema::new(fields).with_metadata(metadata));
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    RecordBatch::try_new(schema, arrays).expect("columns of one length")
}

/// Writes `batch` as Parquet or Feather (an Arrow IPC file) at `path`.
fn write(batch: &RecordBatch, format: Format, path: &std::path::Path) {
    let file = std::fs::File::create(path).expect("create a scratch file");
    if format == format_named("parquet") {
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
            .expect("a Parquet writer");
        writer.write(batch).expect("write Parquet");
        writer.close().expect("write Parquet");
    } else {
        let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema())
            .expect("a Feather writer");
        writer.write(batch).expect("write Feather");
        writer.finish().expect("write Feather");
    }
}
