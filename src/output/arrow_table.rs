//! The one writer of the table formats (Parquet, Arrow IPC): rows are laid
//! out typed (see [`TableRows`]), turned into Arrow record batches on a
//! thread of their own, and handed to the format's [`TableFile`], which is
//! all a table format supplies.
//!
//! A table has a column per class, named after the classes (and the key
//! column first when rows pair by key); binarize's are int8, and label
//! lists (`binarize --inverse`) a list<string> column `labels`. A whole
//! result (`mean`, `class`) is a table of one row.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, Int8Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use super::model::{
    Batch, Cell, Exporter, IndicatorRow, ResultShape, RowLayout, Stream, TableRows,
};
use super::sink::Output;

/// Values per record batch: small enough that turning rows into columns
/// stays in the cache.
const BATCH_VALUES: usize = 1 << 16;

/// What a table format writes its record batches to.
pub(super) trait TableFile: Send {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()>;

    /// After the last batch: the footer.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Opens a table format's file for `schema` (`layout` tells what its
/// columns hold, for the format's encoding choices).
pub(super) type OpenTable = fn(File, Arc<Schema>, &RowLayout) -> io::Result<Box<dyn TableFile>>;

/// The exporter of every table format: rows laid out typed.
pub(super) struct Table {
    /// The format's name, for errors.
    pub(super) name: &'static str,
    pub(super) open: OpenTable,
}

impl Exporter for Table {
    #[inline]
    fn numbers_row(&self, out: &mut Batch, key: Option<&str>, values: &[f64], _index: u64) {
        let table = &mut out.table;
        if let Some(key) = key {
            table.keys.push(key.to_owned());
        }
        table.numbers.extend_from_slice(values);
        table.rows += 1;
    }

    #[inline]
    fn number_row(&self, out: &mut Batch, key: Option<&str>, value: f64, index: u64) {
        self.numbers_row(out, key, &[value], index);
    }

    fn labels_row(&self, out: &mut Batch, labels: &[&str], _sep: Option<&str>, _index: u64) {
        let table = &mut out.table;
        table.labels.extend(labels.iter().map(|&l| l.to_owned()));
        table.label_ends.push(table.labels.len());
        table.rows += 1;
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        IndicatorRow::bytes(columns)
    }

    #[inline]
    fn indicator(&self, out: &mut Batch, row: &IndicatorRow, _index: u64) {
        out.table.indicators.extend_from_slice(row.text());
        out.table.rows += 1;
    }

    fn scalar(&self, out: &mut Batch, value: f64) {
        self.numbers_row(out, None, &[value], 0);
    }

    fn per_class(&self, out: &mut Batch, values: &[f64]) {
        self.numbers_row(out, None, values, 0);
    }

    fn stream(&self, out: Output) -> io::Result<Box<dyn Stream>> {
        Ok(Box::new(TableStream {
            out,
            name: self.name,
            open: self.open,
            thread: None,
        }))
    }
}

/// Batches of rows to a [`TableFile`] on a thread of its own, so that
/// encoding the table overlaps computing the rows.
struct TableStream {
    out: Output,
    name: &'static str,
    open: OpenTable,
    /// Started by `begin`.
    thread: Option<TableThread>,
}

struct TableThread {
    send: Option<SyncSender<TableRows>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Stream for TableStream {
    fn begin(&mut self, layout: &RowLayout, _batch: &mut Batch) -> io::Result<()> {
        let Some(file) = self.out.take_file() else {
            let what = format!("a {} result is written to a file: give -o FILE", self.name);
            return Err(io::Error::other(what));
        };
        let schema = schema(layout);
        let table =
            (self.open)(file, schema.clone(), layout).map_err(|e| self.out.write_error(e))?;
        let (send, receive) = sync_channel::<TableRows>(4);
        let layout = layout.clone();
        let thread = std::thread::spawn(move || write_all(receive, table, &schema, &layout));
        self.thread = Some(TableThread {
            send: Some(send),
            thread: Some(thread),
        });
        Ok(())
    }

    fn write(&mut self, batch: &mut Batch) -> io::Result<()> {
        if batch.table.rows == 0 {
            return Ok(());
        }
        let rows = std::mem::take(&mut batch.table);
        let sent = (self.thread.as_ref())
            .and_then(|t| t.send.as_ref())
            .map(|send| send.send(rows).is_ok());
        match sent {
            Some(true) => Ok(()),
            // The thread stopped on an error: it says which.
            _ => self.join(),
        }
    }

    fn end(mut self: Box<Self>, _shape: &ResultShape) -> io::Result<Output> {
        self.join()?;
        Ok(self.out)
    }

    fn output(&mut self) -> &mut Output {
        &mut self.out
    }
}

impl TableStream {
    /// Ends the thread (the last rows and the footer), and says how it went.
    fn join(&mut self) -> io::Result<()> {
        let Some(mut thread) = self.thread.take() else {
            return Err(io::Error::other(format!(
                "the {} writer has stopped",
                self.name
            )));
        };
        drop(thread.send.take());
        let result = match thread.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(io::Error::other(format!("the {} writer failed", self.name))),
        };
        result.map_err(|e| self.out.write_error(e))
    }
}

/// The thread: every batch of rows as record batches, then the footer.
fn write_all(
    receive: Receiver<TableRows>,
    mut table: Box<dyn TableFile>,
    schema: &Arc<Schema>,
    layout: &RowLayout,
) -> io::Result<()> {
    for rows in receive {
        if schema.fields().is_empty() {
            // Parquet keeps rows only in columns: pyarrow too writes a
            // frame of no columns as no rows, which would read back as a
            // table of no samples.
            let what = "a table of no columns cannot hold rows (no sample has a label, so there \
                        are no classes): give --classes, or write another format";
            return Err(io::Error::other(what));
        }
        let width = layout.columns.len().max(1);
        let step = (BATCH_VALUES / width).max(64);
        for start in (0..rows.rows).step_by(step) {
            let end = (start + step).min(rows.rows);
            let batch = record_batch(schema, layout, &rows, start..end)?;
            table.write(&batch)?;
        }
    }
    table.finish()
}

/// The table's columns: the key, then a column per class (or `labels`).
fn schema(layout: &RowLayout) -> Arc<Schema> {
    let mut fields = Vec::new();
    if let Some(key) = &layout.key {
        // pandas' name for an index it stores as a column.
        let key = if key.is_empty() {
            "__index_level_0__"
        } else {
            key
        };
        fields.push(Field::new(key, DataType::Utf8, false));
    }
    let typed = |data_type: DataType| {
        let columns = layout.columns.iter();
        columns.map(move |name| Field::new(name, data_type.clone(), false))
    };
    match layout.cell {
        Cell::F64 => fields.extend(typed(DataType::Float64)),
        Cell::Indicator => fields.extend(typed(DataType::Int8)),
        Cell::Labels => fields.push(Field::new(
            "labels",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        )),
    }
    Arc::new(Schema::new(fields))
}

/// Rows `range` of `rows` as a record batch of `schema`.
fn record_batch(
    schema: &Arc<Schema>,
    layout: &RowLayout,
    rows: &TableRows,
    range: std::ops::Range<usize>,
) -> io::Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::new();
    if layout.key.is_some() {
        let keys = rows.keys[range.clone()].iter().map(String::as_str);
        columns.push(Arc::new(StringArray::from_iter_values(keys)));
    }
    let width = layout.columns.len();
    match layout.cell {
        Cell::F64 => {
            let values = &rows.numbers;
            for j in 0..width {
                let column = range.clone().map(|i| values[i * width + j]);
                columns.push(Arc::new(Float64Array::from_iter_values(column)));
            }
        }
        Cell::Indicator => {
            let values = &rows.indicators;
            for j in 0..width {
                let column = range.clone().map(|i| values[i * width + j] as i8);
                columns.push(Arc::new(Int8Array::from_iter_values(column)));
            }
        }
        Cell::Labels => {
            let mut labels = ListBuilder::new(StringBuilder::new());
            for i in range {
                let start = if i == 0 { 0 } else { rows.label_ends[i - 1] };
                let row = &rows.labels[start..rows.label_ends[i]];
                labels.values().extend(row.iter().map(Some));
                labels.append(true);
            }
            columns.push(Arc::new(labels.finish()));
        }
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)
}
