//! JSON output: one document shaped like the result (a number, an array,
//! or an array of rows), or JSON Lines (a number or an array per line).
//! JSON has no NaN or infinity: they are written `NaN`, `Infinity` and
//! `-Infinity`, as Python's `json` module writes them.

use std::io;

use super::model::{
    Batch, Digits, Exporter, FormatEntry, IndicatorRow, NamedValues, ResultKind, Stream,
    label_fields,
};
use super::sink::Output;
use super::text::TextStream;

/// What JSON holds: all but column names (its rows name their fields).
const HOLDS: &[ResultKind] = &[
    ResultKind::Numbers,
    ResultKind::Indicators,
    ResultKind::LabelLists,
    ResultKind::Report,
    ResultKind::State,
];

pub(super) const JSON: FormatEntry = FormatEntry {
    name: "json",
    help: "One JSON value: a number, an array, or an array of arrays",
    extensions: &["json"],
    holds: HOLDS,
    needs_file: false,
    exporter: |digits| Box::new(Json::document(digits)),
};

pub(super) const JSONL: FormatEntry = FormatEntry {
    name: "jsonl",
    help: "JSON Lines: one number or array per line",
    extensions: &["jsonl", "ndjson"],
    holds: HOLDS,
    needs_file: false,
    exporter: |digits| Box::new(Json::lines(digits)),
};

/// A JSON document, or JSON Lines.
pub(super) struct Json {
    /// JSON Lines: each row a line of its own, no enclosing array.
    lines: bool,
    digits: Digits,
}

impl Json {
    pub(super) fn document(digits: Digits) -> Self {
        Json {
            lines: false,
            digits,
        }
    }

    pub(super) fn lines(digits: Digits) -> Self {
        Json {
            lines: true,
            digits,
        }
    }

    #[inline]
    fn number(&self, out: &mut Vec<u8>, value: f64) {
        write_number(out, value, self.digits);
    }

    fn numbers(&self, out: &mut Vec<u8>, values: &[f64]) {
        out.push(b'[');
        for (j, &value) in values.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            self.number(out, value);
        }
        out.push(b']');
    }

    /// What goes before row `index`: a document opens its array or
    /// separates rows.
    #[inline]
    fn row_separator(&self, index: u64) -> &'static [u8] {
        match (self.lines, index) {
            (true, _) => b"",
            (false, 0) => b"[",
            (false, _) => b",\n",
        }
    }

    /// Before row `index`'s values: the separator, and `{"key":"k","loss":`
    /// for a keyed row.
    #[inline]
    fn row_start(&self, out: &mut Vec<u8>, key: Option<&str>, index: u64) {
        out.extend_from_slice(self.row_separator(index));
        if let Some(key) = key {
            out.extend_from_slice(b"{\"key\":");
            serde_json::to_writer(&mut *out, key).expect("a string serialises to memory");
            out.extend_from_slice(b",\"loss\":");
        }
    }

    #[inline]
    fn row_end(&self, out: &mut Vec<u8>, key: Option<&str>) {
        if key.is_some() {
            out.push(b'}');
        }
        if self.lines {
            out.push(b'\n');
        }
    }
}

impl Exporter for Json {
    #[inline]
    fn numbers_row(&self, out: &mut Batch, key: Option<&str>, values: &[f64], index: u64) {
        let out = &mut out.bytes;
        self.row_start(out, key, index);
        self.numbers(out, values);
        self.row_end(out, key);
    }

    #[inline]
    fn number_row(&self, out: &mut Batch, key: Option<&str>, value: f64, index: u64) {
        let out = &mut out.bytes;
        self.row_start(out, key, index);
        self.number(out, value);
        self.row_end(out, key);
    }

    fn labels_row(&self, out: &mut Batch, labels: &[&str], sep: Option<&str>, index: u64) {
        let out = &mut out.bytes;
        self.row_start(out, None, index);
        label_fields(labels, sep, |fields| {
            serde_json::to_writer(&mut *out, fields).expect("strings serialise to memory");
        });
        self.row_end(out, None);
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        let close: &[u8] = if self.lines { b"]\n" } else { b"]" };
        IndicatorRow::new(columns, b',', b"[", close)
    }

    #[inline]
    fn indicator(&self, out: &mut Batch, row: &IndicatorRow, index: u64) {
        out.bytes.extend_from_slice(self.row_separator(index));
        out.bytes.extend_from_slice(row.text());
    }

    fn end_rows(&self, out: &mut Batch, rows: u64) {
        if !self.lines {
            let end: &[u8] = if rows == 0 { b"[]\n" } else { b"]\n" };
            out.bytes.extend_from_slice(end);
        }
    }

    fn scalar(&self, out: &mut Batch, value: f64) {
        self.number(&mut out.bytes, value);
        out.bytes.push(b'\n');
    }

    fn per_class(&self, out: &mut Batch, values: &[f64]) {
        self.numbers(&mut out.bytes, values);
        out.bytes.push(b'\n');
    }

    /// A document: one object `{"name": value or [values], …}`; lines: an
    /// object `{"metric": name, "value": …}` per entry.
    fn report(&self, out: &mut Batch, report: &NamedValues) {
        let out = &mut out.bytes;
        for (i, (name, values, array)) in report.entries.iter().enumerate() {
            match (self.lines, i) {
                (true, _) => out.extend_from_slice(b"{\"metric\":"),
                (false, 0) => out.push(b'{'),
                (false, _) => out.push(b','),
            }
            serde_json::to_writer(&mut *out, name).expect("a string serialises to memory");
            out.extend_from_slice(if self.lines { b",\"value\":" } else { b":" });
            match (array, values.as_slice()) {
                (false, [value]) => self.number(out, *value),
                _ => self.numbers(out, values),
            }
            if self.lines {
                out.extend_from_slice(b"}\n");
            }
        }
        if !self.lines {
            out.extend_from_slice(if report.entries.is_empty() {
                b"{}\n"
            } else {
                b"}\n"
            });
        }
    }

    fn stream(&self, out: Output) -> io::Result<Box<dyn Stream>> {
        Ok(Box::new(TextStream::new(out, None)))
    }
}

/// A number as Python's `json` writes it: NaN and ±Infinity bare (for the
/// commands that lay out their own records, too: `tune`'s threshold files).
#[inline]
pub fn write_number(out: &mut Vec<u8>, value: f64, digits: Digits) {
    if value.is_finite() {
        digits.write(out, value);
    } else if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value > 0.0 {
        out.extend_from_slice(b"Infinity");
    } else {
        out.extend_from_slice(b"-Infinity");
    }
}
