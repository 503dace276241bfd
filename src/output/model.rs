//! The typed result model every command writes through, and the two
//! traits a format implements: [`Exporter`] (how each kind of value is
//! laid out into a [`Batch`]) and [`Stream`] (how batches reach the
//! output: as they are, behind a header written last, or as a table).
//!
//! This file names no format: the formats depend on it, and the registry
//! (`registry.rs`) on them.

use std::io;

use super::sink::Output;
use crate::format::{write_f64, write_f64_digits};

/// What a command's result is: each kind is held by some formats only
/// (see the registry, which refuses the others before any work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// Numbers: one (`mean`), one per class (`class`), or rows of them
    /// (`none`, `row`), with or without a key a row.
    Numbers,
    /// Rows of 0/1 indicators (binarize).
    Indicators,
    /// Rows of label lists (`binarize --inverse`).
    LabelLists,
    /// Named results, each one number or one per class (`metrics`).
    Report,
    /// A state for `merge` (`--partial`): text written as it is.
    State,
    /// Column names (`--header`): a header line, or a table's schema.
    ColumnNames,
}

/// One output format's registration (see `registry.rs`): what
/// `--output-format` calls it, the `-o FILE` extensions that choose it,
/// what it holds, and its exporter.
pub struct FormatEntry {
    /// Its value of `--output-format`.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// `-o FILE`'s extensions (lower case) that choose it.
    pub extensions: &'static [&'static str],
    /// The kinds of result it holds; the others are refused before any work.
    pub holds: &'static [ResultKind],
    /// Written to a file only (`-o FILE`), not to stdout.
    pub needs_file: bool,
    /// Its exporter, printing numbers with these digits where it prints.
    pub exporter: fn(Digits) -> Box<dyn Exporter>,
}

/// What each row of a result holds: what a table's schema is made of,
/// and the names of `--header`'s line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLayout {
    /// The key column's name, when rows carry their key.
    pub key: Option<String>,
    /// The value columns' names.
    pub columns: Vec<String>,
    pub cell: Cell,
    /// Whether a format with an optional header line writes it (`--header`).
    pub header: bool,
}

/// The type of a result's value columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// float64 (losses).
    F64,
    /// 0/1 (binarize): int8 in a table, uint8 in a `.npy`.
    Indicator,
    /// One list<string> column of labels (binarize --inverse).
    Labels,
}

/// Named results, each one number or one per class (`metrics`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedValues {
    /// The names of the value columns of a delimited layout: `value`, or
    /// the classes when some entry has one value per class.
    pub columns: Vec<String>,
    /// Each result's name, its values, and whether they are an array.
    pub entries: Vec<(String, Vec<f64>, bool)>,
}

/// The shape and element type of a whole result, for a format whose header
/// states them (`.npy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultShape {
    pub dims: Vec<u64>,
    pub element: Element,
}

/// The element type of a result: numbers, or binarize's 0/1 indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    F64,
    U8,
}

/// Rows laid out by an [`Exporter`], on their way to its [`Stream`]: text
/// or bytes for a format written as it is laid out, typed columns for a
/// table. Workers fill one each; the stream takes them in input order.
#[derive(Debug, Default)]
pub struct Batch {
    /// The text (CSV, JSON) or bytes (`.npy`) of the rows.
    pub(crate) bytes: Vec<u8>,
    /// A table's rows (Parquet, Arrow IPC).
    pub(crate) table: TableRows,
}

/// What a batch holds before a writer of rows one by one hands it to the
/// stream: 64 KiB of text, or as many values in a table.
const FULL_BATCH: usize = 1 << 16;

impl Batch {
    /// Nothing laid out since the stream last took it.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.table.rows == 0
    }

    /// Enough to hand to the stream (for commands that lay out rows one by
    /// one, not a job at a time).
    #[inline]
    pub fn is_full(&self) -> bool {
        let table = &self.table;
        let values = table.numbers.len() + table.indicators.len() + table.labels.len();
        self.bytes.len() >= FULL_BATCH || values.max(table.rows) >= FULL_BATCH
    }
}

/// The rows of a table, typed as its columns are (see [`Cell`]), row after
/// row; the table's stream turns them into columns.
#[derive(Debug, Default)]
pub(crate) struct TableRows {
    pub(crate) rows: usize,
    /// Each row's key, when rows carry one.
    pub(crate) keys: Vec<String>,
    /// `Cell::F64`: each row's values.
    pub(crate) numbers: Vec<f64>,
    /// `Cell::Indicator`: each row's 0/1 values.
    pub(crate) indicators: Vec<u8>,
    /// `Cell::Labels`: every row's labels, and where each row's end.
    pub(crate) labels: Vec<String>,
    pub(crate) label_ends: Vec<usize>,
}

/// One output format: how each kind of value is laid out.
///
/// A result is one value (`mean`: [`Exporter::scalar`]; `class`:
/// [`Exporter::per_class`]), a report ([`Exporter::report`]), or rows
/// numbered from 0 followed by [`Exporter::end_rows`]. The row methods take
/// the row's index so that a format can tell the first row from the others
/// (a JSON document separates them with commas). What a format cannot hold
/// (its registration says) is refused before any work, so is never asked
/// of it.
pub trait Exporter: Send + Sync {
    /// Row `index` of a matrix, after its key if any: `a,b,c` (CSV),
    /// `[a,b,c]` (JSON), `{"key":"k","loss":[a,b]}`.
    fn numbers_row(&self, out: &mut Batch, key: Option<&str>, values: &[f64], index: u64);

    /// Row `index` of a column of one number, after its key if any.
    fn number_row(&self, out: &mut Batch, key: Option<&str>, value: f64, index: u64);

    /// Row `index` of label lists: quoted where the format needs it; with
    /// `sep`, a format of text fields writes them as one field joined by
    /// it (a table holds a list, which needs no joining).
    fn labels_row(&self, _out: &mut Batch, _labels: &[&str], _sep: Option<&str>, _index: u64) {}

    /// A row of `columns` zeros, in which columns can be set to 1 cheaply.
    fn indicator_row(&self, columns: usize) -> IndicatorRow;

    /// `row` as row `index`.
    fn indicator(&self, out: &mut Batch, row: &IndicatorRow, index: u64);

    /// After the last of `rows` rows (which may be none).
    fn end_rows(&self, _out: &mut Batch, _rows: u64) {}

    /// A whole result of one number.
    fn scalar(&self, out: &mut Batch, value: f64);

    /// A whole result of one number per class.
    fn per_class(&self, out: &mut Batch, values: &[f64]);

    /// A report of named results (`metrics`).
    fn report(&self, _out: &mut Batch, _report: &NamedValues) {}

    /// The stream that takes this format's batches to `out`.
    fn stream(&self, out: Output) -> io::Result<Box<dyn Stream>>;
}

/// Where a format's batches go: the output behind it, and what the format
/// adds around the rows (a header line, a `.npy` header, a table's footer).
pub trait Stream {
    /// Once the columns are known, before the rows: a header line when
    /// asked for (laid out into `batch`, written with the first rows), a
    /// table's schema.
    fn begin(&mut self, layout: &RowLayout, batch: &mut Batch) -> io::Result<()>;

    /// Takes `batch`'s rows, leaving it empty to fill again.
    fn write(&mut self, batch: &mut Batch) -> io::Result<()>;

    /// After the last batch of a result of `shape`: what ends the output,
    /// which is then ready to be finished (see [`Output::finish_all`]).
    fn end(self: Box<Self>, shape: &ResultShape) -> io::Result<Output>;

    /// The output written to (its progress bar).
    fn output(&mut self) -> &mut Output;
}

/// The digits of each number printed (`--precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Digits {
    /// The shortest decimal that reads back as the same f64, as Python's
    /// `repr` writes it.
    #[default]
    Shortest,
    /// This many significant digits, as printf's `%.Ng`.
    Significant(usize),
}

impl Digits {
    /// `--precision N`, if given.
    pub fn from_precision(precision: Option<u8>) -> Self {
        precision.map_or(Digits::Shortest, |n| Digits::Significant(usize::from(n)))
    }

    /// `value` in these digits; NaN and infinities as `nan`, `inf`, `-inf`.
    #[inline]
    pub fn write(self, out: &mut Vec<u8>, value: f64) {
        match self {
            Digits::Shortest => write_f64(out, value),
            Digits::Significant(n) => write_f64_digits(out, value, n),
        }
    }
}

/// A row of 0/1 indicators kept as laid out (`0,1,0`, `[0,1,0]`, or
/// bytes): binarize writes a row by flipping the digits of its labels'
/// columns instead of laying out the row.
#[derive(Debug, Clone)]
pub struct IndicatorRow {
    text: Vec<u8>,
    /// Where column 0's digit is; column j's is `stride`·j further on.
    first_digit: usize,
    stride: usize,
    /// What 0 and 1 are written as.
    digits: [u8; 2],
}

impl IndicatorRow {
    /// `columns` zeros separated by `separator`, between `open` and `close`.
    pub(crate) fn new(columns: usize, separator: u8, open: &[u8], close: &[u8]) -> Self {
        let mut text = Vec::with_capacity(2 * columns + open.len() + close.len());
        text.extend_from_slice(open);
        for j in 0..columns {
            if j > 0 {
                text.push(separator);
            }
            text.push(b'0');
        }
        text.extend_from_slice(close);
        IndicatorRow {
            text,
            first_digit: open.len(),
            stride: 2,
            digits: [b'0', b'1'],
        }
    }

    /// `columns` bytes of 0, set to 1 (a `.npy` row of uint8, a table's).
    pub(crate) fn bytes(columns: usize) -> Self {
        IndicatorRow {
            text: vec![0; columns],
            first_digit: 0,
            stride: 1,
            digits: [0, 1],
        }
    }

    /// Sets column `column` to 1 (`true`) or 0.
    #[inline]
    pub fn set(&mut self, column: usize, on: bool) {
        self.text[self.first_digit + self.stride * column] = self.digits[usize::from(on)];
    }

    /// The row as laid out.
    #[inline]
    pub(crate) fn text(&self) -> &[u8] {
        &self.text
    }
}

/// `labels` as fields: each its own, or one joined by `sep` (none for no
/// labels).
pub(crate) fn label_fields(labels: &[&str], sep: Option<&str>, fields: impl FnOnce(&[&str])) {
    match sep {
        Some(sep) if !labels.is_empty() => fields(&[labels.join(sep).as_str()]),
        _ => fields(labels),
    }
}

/// `values` as their 8 little-endian bytes each (a `.npy`'s float64).
pub(crate) fn le_bytes(out: &mut Vec<u8>, values: &[f64]) {
    out.reserve(8 * values.len());
    for value in values {
        out.extend_from_slice(&value.to_le_bytes());
    }
}
