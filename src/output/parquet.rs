//! Parquet output (`--output-format parquet`, or `-o x.parquet`): one
//! column per class, named after the classes (and the key column first
//! when rows pair by key); binarize writes int8 columns, and label lists
//! (`binarize --inverse`) a list<string> column `labels`.
//!
//! The exporter lays rows out as compact binary records, as the other
//! formats lay them out as text, so that the workers format rows as
//! always; [`TableSink`] reads the records back into columns and writes
//! a row group every [`ROW_GROUP_VALUES`] values with arrow-rs'
//! `ArrowWriter`, so memory stays a few megabytes whatever the rows.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, Int8Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::{Exporter, IndicatorRow, ResultShape};

/// Values per row group: about 8 MiB of float64, so that memory does not
/// grow with the rows.
const ROW_GROUP_VALUES: usize = 1 << 20;

/// Values per batch handed to the writer: small enough that turning rows
/// into columns stays in the cache.
const BATCH_VALUES: usize = 1 << 16;

/// What each row of a table holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    /// The key column's name, when rows carry their key.
    pub key: Option<String>,
    /// The value columns' names.
    pub columns: Vec<String>,
    pub cell: Cell,
}

/// The type of the value columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// float64 (losses).
    F64,
    /// int8 0/1 (binarize).
    Int8,
    /// One list<string> column of labels (binarize --inverse).
    Labels,
}

/// The exporter: rows as binary records for [`TableSink`].
pub(super) struct Parquet;

impl Parquet {
    fn values(out: &mut Vec<u8>, values: &[f64]) {
        super::npy::Npy::values(out, values);
    }

    fn key(out: &mut Vec<u8>, key: &str) {
        out.extend_from_slice(&(key.len() as u64).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
    }
}

impl Exporter for Parquet {
    #[inline]
    fn numbers_row(&self, out: &mut Vec<u8>, values: &[f64], _index: u64) {
        Parquet::values(out, values);
    }

    fn number_row(&self, out: &mut Vec<u8>, value: f64, _index: u64) {
        out.extend_from_slice(&value.to_le_bytes());
    }

    fn keyed_numbers_row(&self, out: &mut Vec<u8>, key: &str, values: &[f64], _index: u64) {
        Parquet::key(out, key);
        Parquet::values(out, values);
    }

    fn keyed_number_row(&self, out: &mut Vec<u8>, key: &str, value: f64, _index: u64) {
        Parquet::key(out, key);
        out.extend_from_slice(&value.to_le_bytes());
    }

    fn strings_row(&self, out: &mut Vec<u8>, fields: &[&str], _index: u64) {
        out.extend_from_slice(&(fields.len() as u64).to_le_bytes());
        for field in fields {
            Parquet::key(out, field);
        }
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        // A sample of no classes (binarize of samples without labels) still
        // needs a byte, by which the table's thread counts it.
        IndicatorRow::bytes(columns.max(1))
    }

    fn indicator_row_parts<'r>(&self, row: &'r IndicatorRow, _index: u64) -> [&'r [u8]; 2] {
        [&[], row.text()]
    }

    fn end_rows(&self, _out: &mut Vec<u8>, _rows: u64) {}

    fn scalar(&self, out: &mut Vec<u8>, value: f64) {
        out.extend_from_slice(&value.to_le_bytes());
    }

    fn array(&self, out: &mut Vec<u8>, values: &[f64]) {
        Parquet::values(out, values);
    }

    /// The column names are always written, in the schema.
    fn has_header(&self) -> bool {
        true
    }

    fn header(&self, _out: &mut Vec<u8>, _names: &[&str]) {}

    fn is_table(&self) -> bool {
        true
    }

    fn final_header(&self, _shape: &ResultShape) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

/// Reads the exporter's records back into columns and writes them as
/// Parquet row groups.
pub(crate) struct TableSink {
    layout: TableLayout,
    writer: ArrowWriter<BufWriter<File>>,
    schema: Arc<Schema>,
    /// Bytes of a record not complete yet.
    partial: Vec<u8>,
    keys: Vec<String>,
    /// The value columns of the rows not written yet, one after the other
    /// per row (transposed when written).
    values: Vec<f64>,
    labels: ListBuilder<StringBuilder>,
    rows: usize,
    rows_per_batch: usize,
}

impl TableSink {
    pub(crate) fn new(file: File, layout: TableLayout) -> io::Result<TableSink> {
        let mut fields = Vec::new();
        if let Some(key) = &layout.key {
            fields.push(Field::new(key, DataType::Utf8, false));
        }
        match layout.cell {
            Cell::F64 => fields.extend(
                (layout.columns.iter()).map(|name| Field::new(name, DataType::Float64, false)),
            ),
            Cell::Int8 => fields.extend(
                (layout.columns.iter()).map(|name| Field::new(name, DataType::Int8, false)),
            ),
            Cell::Labels => fields.push(Field::new(
                "labels",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                false,
            )),
        }
        let schema = Arc::new(Schema::new(fields));
        let width = layout.columns.len().max(1);
        let rows_per_group = (ROW_GROUP_VALUES / width).max(1024);
        let rows_per_batch = (BATCH_VALUES / width).clamp(64, rows_per_group);
        // Losses are incompressible doubles: written plain, without a
        // dictionary or compression, which would cost time and save
        // nothing; 0/1 columns and labels compress well with both.
        let doubles = layout.cell == Cell::F64;
        let compression = if doubles {
            Compression::UNCOMPRESSED
        } else {
            Compression::SNAPPY
        };
        let properties = WriterProperties::builder()
            .set_compression(compression)
            .set_dictionary_enabled(!doubles)
            // Min/max statistics of losses would cost a pass over every
            // value and serve no reader of a result.
            .set_statistics_enabled(EnabledStatistics::None)
            .set_max_row_group_row_count(Some(rows_per_group))
            .build();
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            schema.clone(),
            Some(properties),
        )
        .map_err(io::Error::other)?;
        Ok(TableSink {
            layout,
            writer,
            schema,
            partial: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
            labels: ListBuilder::new(StringBuilder::new()),
            rows: 0,
            rows_per_batch,
        })
    }

    /// Takes more of the record stream.
    pub(crate) fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if !self.partial.is_empty() {
            self.partial.extend_from_slice(bytes);
            let partial = std::mem::take(&mut self.partial);
            let used = self.records(&partial)?;
            self.partial = partial[used..].to_vec();
            return Ok(());
        }
        let used = self.records(bytes)?;
        bytes = &bytes[used..];
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// Reads the whole records at the start of `bytes`; how many bytes they took.
    fn records(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.layout.cell == Cell::F64 && self.layout.key.is_none() {
            return self.f64_rows(bytes);
        }
        let mut at = 0;
        while let Some(used) = self.record(&bytes[at..]) {
            at += used;
            self.rows += 1;
            if self.rows >= self.rows_per_batch {
                self.write_batch()?;
            }
        }
        Ok(at)
    }

    /// Rows of doubles without a key, the common case: every record is
    /// `8 · width` bytes, read in bulk.
    fn f64_rows(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let row_bytes = 8 * self.layout.columns.len().max(1);
        let mut at = 0;
        while bytes.len() - at >= row_bytes {
            let rows = ((bytes.len() - at) / row_bytes).min(self.rows_per_batch - self.rows);
            let end = at + rows * row_bytes;
            let doubles = bytes[at..end].chunks_exact(8);
            self.values
                .extend(doubles.map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default())));
            at = end;
            self.rows += rows;
            if self.rows >= self.rows_per_batch {
                self.write_batch()?;
            }
        }
        Ok(at)
    }

    /// Reads one record at the start of `bytes`, if it is all there.
    fn record(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut at: usize = 0;
        let mut take = |n: usize| {
            let got = bytes.get(at..at.checked_add(n)?)?;
            at += n;
            Some(got)
        };
        let length = |b: &[u8]| usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok();
        let key = match self.layout.key {
            Some(_) => {
                let n = length(take(8)?)?;
                Some(String::from_utf8_lossy(take(n)?).into_owned())
            }
            None => None,
        };
        let width = self.layout.columns.len();
        match self.layout.cell {
            Cell::F64 => {
                let row = take(8 * width)?;
                self.values.extend(
                    row.chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default())),
                );
            }
            Cell::Int8 => {
                // At least one byte: see `indicator_row`.
                let row = take(width.max(1))?;
                self.values
                    .extend(row.iter().take(width).map(|&b| f64::from(b)));
            }
            Cell::Labels => {
                let n = length(take(8)?)?;
                let mut labels = Vec::with_capacity(n);
                for _ in 0..n {
                    let len = length(take(8)?)?;
                    labels.push(String::from_utf8_lossy(take(len)?).into_owned());
                }
                self.labels.values().extend(labels.iter().map(Some));
                self.labels.append(true);
            }
        }
        if let Some(key) = key {
            self.keys.push(key);
        }
        Some(at)
    }

    /// Hands the rows taken so far to the writer, which writes a row group
    /// whenever it holds enough rows.
    fn write_batch(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        if self.schema.fields().is_empty() {
            // Parquet keeps rows only in columns: pyarrow too writes a
            // frame of no columns as no rows, which would read back as a
            // table of no samples.
            let what = "a table of no columns cannot hold rows (no sample has a label, so there \
                        are no classes): give --classes, or write another format";
            return Err(io::Error::other(what));
        }
        let mut columns: Vec<ArrayRef> = Vec::new();
        if self.layout.key.is_some() {
            columns.push(Arc::new(StringArray::from(std::mem::take(&mut self.keys))));
        }
        let (rows, width) = (self.rows, self.layout.columns.len());
        let values = &self.values;
        let column = |j: usize| (0..rows).map(move |i| values[i * width + j]);
        match self.layout.cell {
            Cell::F64 => {
                for j in 0..width {
                    columns.push(Arc::new(Float64Array::from_iter_values(column(j))));
                }
            }
            Cell::Int8 => {
                for j in 0..width {
                    let bits = column(j).map(|v| v as i8);
                    columns.push(Arc::new(Int8Array::from_iter_values(bits)));
                }
            }
            Cell::Labels => columns.push(Arc::new(self.labels.finish())),
        }
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(io::Error::other)?;
        self.writer.write(&batch).map_err(io::Error::other)?;
        self.values.clear();
        self.rows = 0;
        Ok(())
    }

    /// Writes the last rows and the footer.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            return Err(io::Error::other("a result row was cut short"));
        }
        self.write_batch()?;
        let mut file = self.writer.into_inner().map_err(io::Error::other)?;
        file.flush()
    }
}

/// A [`TableSink`] on a thread of its own, so that encoding the table
/// overlaps computing the rows: the command hands it the record stream,
/// and gets its buffers back to fill again.
pub(crate) struct TableThread {
    send: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    back: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl TableThread {
    pub(crate) fn start(file: File, layout: TableLayout) -> io::Result<TableThread> {
        let mut sink = TableSink::new(file, layout)?;
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let (give_back, back) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let thread = std::thread::spawn(move || {
            for bytes in receive {
                sink.write(&bytes)?;
                let _ = give_back.try_send(bytes);
            }
            sink.finish()
        });
        Ok(TableThread {
            send: Some(send),
            back,
            thread: Some(thread),
        })
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut buffer = self.back.try_recv().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(bytes);
        self.send_buffer(buffer)
    }

    /// Takes `buffer`'s bytes without copying them, leaving it an empty
    /// buffer (one handed back) to fill again.
    pub(crate) fn write_owned(&mut self, buffer: &mut Vec<u8>) -> io::Result<()> {
        let mut empty = self.back.try_recv().unwrap_or_default();
        empty.clear();
        let full = std::mem::replace(buffer, empty);
        self.send_buffer(full)
    }

    fn send_buffer(&mut self, buffer: Vec<u8>) -> io::Result<()> {
        let sent = self.send.as_ref().map(|s| s.send(buffer));
        match sent {
            Some(Ok(())) => Ok(()),
            // The thread stopped on an error: it says which.
            _ => self.join(),
        }
    }

    /// Writes the last rows and the footer, and says how it went.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        drop(self.send.take());
        match self.thread.take().map(std::thread::JoinHandle::join) {
            None => Err(io::Error::other("the Parquet writer has stopped")),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the Parquet writer failed")),
        }
    }
}
