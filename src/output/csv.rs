//! CSV and TSV output: values separated by a comma or a tab, one row per
//! line; text fields quoted (RFC 4180) when they hold the separator, a
//! quote or a line break.

use super::{Digits, Exporter, IndicatorRow, NamedValues};

/// CSV (`,`) or TSV (`\t`).
pub(super) struct Delimited {
    separator: u8,
    digits: Digits,
}

impl Delimited {
    pub(super) fn new(separator: u8, digits: Digits) -> Self {
        Delimited { separator, digits }
    }

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
}

impl Exporter for Delimited {
    /// `metric,value` (or `metric,<classes>`), then `name,v…` per entry.
    fn named_values(&self, report: &NamedValues) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut header = vec!["metric"];
        header.extend(report.columns.iter().map(String::as_str));
        self.fields(&mut out, &header);
        for (name, values, _) in &report.entries {
            self.field(&mut out, name);
            for &value in values {
                out.push(self.separator);
                self.digits.write(&mut out, value);
            }
            out.push(b'\n');
        }
        Some(out)
    }

    #[inline]
    fn numbers_row(&self, out: &mut Vec<u8>, values: &[f64], _index: u64) {
        self.numbers(out, values);
    }

    #[inline]
    fn number_row(&self, out: &mut Vec<u8>, value: f64, _index: u64) {
        self.digits.write(out, value);
        out.push(b'\n');
    }

    fn keyed_numbers_row(&self, out: &mut Vec<u8>, key: &str, values: &[f64], _index: u64) {
        self.field(out, key);
        out.push(self.separator);
        self.numbers(out, values);
    }

    fn keyed_number_row(&self, out: &mut Vec<u8>, key: &str, value: f64, _index: u64) {
        self.field(out, key);
        out.push(self.separator);
        self.number_row(out, value, 0);
    }

    fn strings_row(&self, out: &mut Vec<u8>, fields: &[&str], _index: u64) {
        self.fields(out, fields);
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        IndicatorRow::new(columns, self.separator, b"", b"\n")
    }

    #[inline]
    fn indicator_row_parts<'r>(&self, row: &'r IndicatorRow, _index: u64) -> [&'r [u8]; 2] {
        [b"", row.text()]
    }

    fn end_rows(&self, _out: &mut Vec<u8>, _rows: u64) {}

    fn scalar(&self, out: &mut Vec<u8>, value: f64) {
        self.number_row(out, value, 0);
    }

    fn array(&self, out: &mut Vec<u8>, values: &[f64]) {
        self.numbers(out, values);
    }

    fn has_header(&self) -> bool {
        true
    }

    fn header(&self, out: &mut Vec<u8>, names: &[&str]) {
        self.fields(out, names);
    }
}
