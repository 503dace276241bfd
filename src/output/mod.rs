//! Everything mlloss writes: the layout of results in each output format,
//! and the sink they go to.
//!
//! - [`Exporter`]: one per output format (`csv.rs` for CSV and TSV,
//!   `json.rs` for JSON and JSON Lines), chosen once by
//!   [`OutputFormat::exporter`]; every subcommand lays out its rows through
//!   it.
//! - [`Output`] (`sink.rs`): a large buffer over stdout or `-o FILE`, and
//!   `atomic.rs`, which puts FILE in place only when the command succeeds;
//!   `distinct.rs` refuses two outputs of one command that are one file.
//!
//! Adding an output format is a module with an [`Exporter`] and one arm in
//! [`OutputFormat::exporter`].

mod atomic;
mod csv;
mod distinct;
mod json;
mod npy;
mod parquet;
mod sink;

pub use distinct::check_distinct_outputs;
pub use parquet::{Cell, TableLayout};
pub use sink::{Output, stdout_was_closed};

use crate::format::{write_f64, write_f64_digits};

/// How results are laid out (`--output-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Comma-separated values.
    #[default]
    Csv,
    /// Tab-separated values.
    Tsv,
    /// One JSON value: a number, an array, or an array of arrays.
    Json,
    /// JSON Lines: one number or array per line.
    Jsonl,
    /// NumPy's .npy: float64 (binarize: uint8) in C order, of the result's shape.
    Npy,
    /// Apache Parquet (needs -o FILE): a column per class, named; binarize writes int8.
    Parquet,
}

impl OutputFormat {
    /// The exporter of this format, printing numbers with `digits`.
    pub fn exporter(self, digits: Digits) -> Box<dyn Exporter> {
        match self {
            OutputFormat::Csv => Box::new(csv::Delimited::new(b',', digits)),
            OutputFormat::Tsv => Box::new(csv::Delimited::new(b'\t', digits)),
            OutputFormat::Json => Box::new(json::Json::document(digits)),
            OutputFormat::Jsonl => Box::new(json::Json::lines(digits)),
            OutputFormat::Npy => Box::new(npy::Npy),
            OutputFormat::Parquet => Box::new(parquet::Parquet),
        }
    }

    /// `chosen` (`--output-format`) when given, else the format `-o FILE`'s
    /// extension names (`.tsv`, `.json`, `.jsonl`/`.ndjson`, `.npy`,
    /// `.parquet`/`.pq`), else CSV.
    pub fn choose(chosen: Option<OutputFormat>, output: Option<&std::path::Path>) -> OutputFormat {
        if let Some(format) = chosen {
            return format;
        }
        let extension = output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("tsv" | "tab") => OutputFormat::Tsv,
            Some("json") => OutputFormat::Json,
            Some("jsonl" | "ndjson") => OutputFormat::Jsonl,
            Some("npy") => OutputFormat::Npy,
            Some("parquet" | "pq") => OutputFormat::Parquet,
            _ => OutputFormat::Csv,
        }
    }
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

/// One output format: how a result is laid out.
///
/// A result is either one value (`mean`: [`Exporter::scalar`]; `class`:
/// [`Exporter::array`]) or rows numbered from 0 — of numbers, of one number
/// each, of 0/1 indicators or of text — followed by [`Exporter::end_rows`].
/// The row methods take the row's index so that a format can tell the first
/// row from the others (a JSON document separates them with commas).
pub trait Exporter: Send + Sync {
    /// Row `index` of a matrix: `a,b,c` (CSV), `[a,b,c]` (JSON).
    fn numbers_row(&self, out: &mut Vec<u8>, values: &[f64], index: u64);

    /// Row `index` of a column: one number.
    fn number_row(&self, out: &mut Vec<u8>, value: f64, index: u64);

    /// Row `index` of a matrix after the row's key: `key,a,b` (CSV),
    /// `{"key":"k","loss":[a,b]}` (JSON).
    fn keyed_numbers_row(&self, out: &mut Vec<u8>, key: &str, values: &[f64], index: u64);

    /// Row `index` of a column after the row's key: `key,a` (CSV),
    /// `{"key":"k","loss":a}` (JSON).
    fn keyed_number_row(&self, out: &mut Vec<u8>, key: &str, value: f64, index: u64);

    /// Row `index` of text fields (label lists): quoted where the format
    /// needs it; an empty row for no fields.
    fn strings_row(&self, out: &mut Vec<u8>, fields: &[&str], index: u64);

    /// A row of `columns` zeros, in which columns can be set to 1 cheaply.
    fn indicator_row(&self, columns: usize) -> IndicatorRow;

    /// `row` as row `index`: what goes before it (a JSON document's `[` or
    /// `,`), and its text. Two slices, so that the row's text goes to the
    /// output without another copy.
    fn indicator_row_parts<'r>(&self, row: &'r IndicatorRow, index: u64) -> [&'r [u8]; 2];

    /// After the last of `rows` rows (which may be none).
    fn end_rows(&self, out: &mut Vec<u8>, rows: u64);

    /// A whole result of one number, with its line end.
    fn scalar(&self, out: &mut Vec<u8>, value: f64);

    /// A whole result of one array of numbers (one line), with its line end.
    fn array(&self, out: &mut Vec<u8>, values: &[f64]);

    /// Whether the format has a header line (`binarize --header`).
    fn has_header(&self) -> bool;

    /// The column names as a first line; nothing for a format without one.
    fn header(&self, out: &mut Vec<u8>, names: &[&str]);

    /// A report of named results (`metrics`): a line per entry; `None`
    /// where the format cannot hold one (a binary array or table).
    fn named_values(&self, _report: &NamedValues) -> Option<Vec<u8>> {
        None
    }

    /// Whether the format can hold text (label lists); a binary format of
    /// numbers cannot.
    fn holds_text(&self) -> bool {
        true
    }

    /// Whether the format is a table of typed, named columns (Parquet):
    /// the command then gives its layout with [`Output::start_table`]
    /// before writing rows.
    fn is_table(&self) -> bool {
        false
    }

    /// The size of a header that can be written only once the whole result
    /// is known (a `.npy`'s holds the shape): [`Output::reserve_header`]
    /// keeps room for it at the start. 0 for formats without one.
    fn reserved_header_bytes(&self) -> usize {
        0
    }

    /// That header, for a result of `shape`, exactly as long as reserved;
    /// `None` if the shape does not fit in it.
    fn final_header(&self, _shape: &ResultShape) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

/// A row of 0/1 indicators kept as text (`0,1,0` or `[0,1,0]`): binarize
/// writes a row by flipping the digits of its labels' columns instead of
/// formatting the row.
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
    fn new(columns: usize, separator: u8, open: &[u8], close: &[u8]) -> Self {
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

    /// `columns` bytes of 0, set to 1 (a `.npy` row of uint8).
    fn bytes(columns: usize) -> Self {
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

    fn text(&self) -> &[u8] {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every exporter on the same result shapes.
    #[test]
    fn each_format_lays_out_each_shape() {
        let cases: [(OutputFormat, [&str; 6]); 4] = [
            (
                OutputFormat::Csv,
                [
                    "1.5,nan\n-2.0,0.25\n",
                    "1.5\n-2.0\n",
                    "a,\"b,c\"\n\n",
                    "0,1\n1,0\n",
                    "0.5\n",
                    "1.5,inf\n",
                ],
            ),
            (
                OutputFormat::Tsv,
                [
                    "1.5\tnan\n-2.0\t0.25\n",
                    "1.5\n-2.0\n",
                    "a\tb,c\n\n",
                    "0\t1\n1\t0\n",
                    "0.5\n",
                    "1.5\tinf\n",
                ],
            ),
            (
                OutputFormat::Json,
                [
                    "[[1.5,NaN],\n[-2.0,0.25]]\n",
                    "[1.5,\n-2.0]\n",
                    "[[\"a\",\"b,c\"],\n[]]\n",
                    "[[0,1],\n[1,0]]\n",
                    "0.5\n",
                    "[1.5,Infinity]\n",
                ],
            ),
            (
                OutputFormat::Jsonl,
                [
                    "[1.5,NaN]\n[-2.0,0.25]\n",
                    "1.5\n-2.0\n",
                    "[\"a\",\"b,c\"]\n[]\n",
                    "[0,1]\n[1,0]\n",
                    "0.5\n",
                    "[1.5,Infinity]\n",
                ],
            ),
        ];
        for (format, want) in cases {
            let e = format.exporter(Digits::Shortest);
            let mut got: [Vec<u8>; 6] = Default::default();
            e.numbers_row(&mut got[0], &[1.5, f64::NAN], 0);
            e.numbers_row(&mut got[0], &[-2.0, 0.25], 1);
            e.end_rows(&mut got[0], 2);
            e.number_row(&mut got[1], 1.5, 0);
            e.number_row(&mut got[1], -2.0, 1);
            e.end_rows(&mut got[1], 2);
            e.strings_row(&mut got[2], &["a", "b,c"], 0);
            e.strings_row(&mut got[2], &[], 1);
            e.end_rows(&mut got[2], 2);
            let mut row = e.indicator_row(2);
            row.set(1, true);
            got[3].extend(e.indicator_row_parts(&row, 0).concat());
            row.set(1, false);
            row.set(0, true);
            got[3].extend(e.indicator_row_parts(&row, 1).concat());
            e.end_rows(&mut got[3], 2);
            e.scalar(&mut got[4], 0.5);
            e.array(&mut got[5], &[1.5, f64::INFINITY]);
            for (got, want) in got.iter().zip(want) {
                assert_eq!(String::from_utf8_lossy(got), want, "{format:?}");
            }
        }
    }

    #[test]
    fn no_rows_is_an_empty_json_array() {
        let mut out = Vec::new();
        OutputFormat::Json
            .exporter(Digits::Shortest)
            .end_rows(&mut out, 0);
        assert_eq!(out, b"[]\n");
        out.clear();
        OutputFormat::Csv
            .exporter(Digits::Shortest)
            .end_rows(&mut out, 0);
        assert!(out.is_empty());
    }

    #[test]
    fn significant_digits_apply_to_every_number() {
        let mut out = Vec::new();
        let e = OutputFormat::Csv.exporter(Digits::from_precision(Some(3)));
        e.numbers_row(&mut out, &[std::f64::consts::PI, 1.0 / 3.0e7], 0);
        assert_eq!(out, b"3.14,3.33e-08\n");
    }

    #[test]
    fn only_delimited_formats_have_a_header_line() {
        for (format, want) in [
            (OutputFormat::Csv, &b"a,\"b,c\",\"say \"\"hi\"\"\"\n"[..]),
            (OutputFormat::Tsv, b"a\tb,c\t\"say \"\"hi\"\"\"\n"),
            (OutputFormat::Json, b""),
            (OutputFormat::Jsonl, b""),
        ] {
            let mut out = Vec::new();
            let exporter = format.exporter(Digits::Shortest);
            exporter.header(&mut out, &["a", "b,c", "say \"hi\""]);
            assert_eq!(exporter.has_header(), !want.is_empty());
            assert_eq!(out, want, "{format:?}");
        }
    }
}
