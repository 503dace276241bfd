//! CSV and TSV output: values separated by a comma or a tab, one row per
//! line; text fields quoted (RFC 4180) when they hold the separator, a
//! quote or a line break.

use std::io;

use super::model::{
    Batch, Digits, Exporter, FormatEntry, IndicatorRow, NamedValues, ResultKind, Stream,
    label_fields,
};
use super::sink::Output;
use super::text::TextStream;

/// What CSV and TSV hold: everything, column names in a header line.
const HOLDS: &[ResultKind] = &[
    ResultKind::Numbers,
    ResultKind::Indicators,
    ResultKind::LabelLists,
    ResultKind::Report,
    ResultKind::State,
    ResultKind::ColumnNames,
];

pub(super) const CSV: FormatEntry = FormatEntry {
    name: "csv",
    help: "Comma-separated values",
    extensions: &[],
    holds: HOLDS,
    needs_file: false,
    exporter: |digits| Box::new(Delimited::new(b',', digits)),
};

pub(super) const TSV: FormatEntry = FormatEntry {
    name: "tsv",
    help: "Tab-separated values",
    extensions: &["tsv", "tab"],
    holds: HOLDS,
    needs_file: false,
    exporter: |digits| Box::new(Delimited::new(b'\t', digits)),
};

/// CSV (`,`) or TSV (`\t`).
#[derive(Clone, Copy)]
pub(super) struct Delimited {
    separator: u8,
    digits: Digits,
}

impl Delimited {
    pub(super) fn new(separator: u8, digits: Digits) -> Self {
        Delimited { separator, digits }
    }

    #[inline]
    fn numbers(&self, out: &mut Vec<u8>, values: &[f64]) {
        for (j, &value) in values.iter().enumerate() {
            if j > 0 {
                out.push(self.separator);
            }
            self.digits.write(out, value);
        }
        out.push(b'\n');
    }

    fn fields(&self, out: &mut Vec<u8>, fields: &[&str]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(self.separator);
            }
            self.field(out, field);
        }
        out.push(b'\n');
    }

    /// One text field, quoted when reading it back would split or end it.
    fn field(&self, out: &mut Vec<u8>, field: &str) {
        let needs_quotes = field
            .bytes()
            .any(|b| matches!(b, b'"' | b'\n' | b'\r') || b == self.separator);
        if !needs_quotes {
            out.extend_from_slice(field.as_bytes());
            return;
        }
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }

    #[inline]
    fn key(&self, out: &mut Vec<u8>, key: Option<&str>) {
        if let Some(key) = key {
            self.field(out, key);
            out.push(self.separator);
        }
    }
}

impl Exporter for Delimited {
    #[inline]
    fn numbers_row(&self, out: &mut Batch, key: Option<&str>, values: &[f64], _index: u64) {
        self.key(&mut out.bytes, key);
        self.numbers(&mut out.bytes, values);
    }

    #[inline]
    fn number_row(&self, out: &mut Batch, key: Option<&str>, value: f64, _index: u64) {
        let out = &mut out.bytes;
        self.key(out, key);
        self.digits.write(out, value);
        out.push(b'\n');
    }

    fn labels_row(&self, out: &mut Batch, labels: &[&str], sep: Option<&str>, _index: u64) {
        label_fields(labels, sep, |fields| self.fields(&mut out.bytes, fields));
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        IndicatorRow::new(columns, self.separator, b"", b"\n")
    }

    #[inline]
    fn indicator(&self, out: &mut Batch, row: &IndicatorRow, _index: u64) {
        out.bytes.extend_from_slice(row.text());
    }

    fn scalar(&self, out: &mut Batch, value: f64) {
        self.number_row(out, None, value, 0);
    }

    fn per_class(&self, out: &mut Batch, values: &[f64]) {
        self.numbers(&mut out.bytes, values);
    }

    /// `metric,value` (or `metric,<classes>`), then `name,v…` per entry.
    fn report(&self, out: &mut Batch, report: &NamedValues) {
        let out = &mut out.bytes;
        let mut header = vec!["metric"];
        header.extend(report.columns.iter().map(String::as_str));
        self.fields(out, &header);
        for (name, values, _) in &report.entries {
            self.field(out, name);
            for &value in values {
                out.push(self.separator);
                self.digits.write(out, value);
            }
            out.push(b'\n');
        }
    }

    fn stream(&self, out: Output) -> io::Result<Box<dyn Stream>> {
        let format = *self;
        let header_line = Box::new(move |line: &mut Vec<u8>, names: &[&str]| {
            format.fields(line, names);
        });
        Ok(Box::new(TextStream::new(out, Some(header_line))))
    }
}
