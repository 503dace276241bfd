//! JSON output: one document shaped like the result (a number, an array,
//! or an array of rows), or JSON Lines (a number or an array per line).
//! JSON has no NaN or infinity: they are written `NaN`, `Infinity` and
//! `-Infinity`, as Python's `json` module writes them.

use super::{Digits, Exporter, IndicatorRow, NamedValues};

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
        if value.is_finite() {
            self.digits.write(out, value);
        } else if value.is_nan() {
            out.extend_from_slice(b"NaN");
        } else if value > 0.0 {
            out.extend_from_slice(b"Infinity");
        } else {
            out.extend_from_slice(b"-Infinity");
        }
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

    /// Before row `index`: a document opens its array or separates rows.
    #[inline]
    fn row_start(&self, out: &mut Vec<u8>, index: u64) {
        out.extend_from_slice(self.row_separator(index));
    }

    /// What goes before row `index`.
    #[inline]
    fn row_separator(&self, index: u64) -> &'static [u8] {
        match (self.lines, index) {
            (true, _) => b"",
            (false, 0) => b"[",
            (false, _) => b",\n",
        }
    }

    /// `{"key":"k","loss":`, before a keyed row's values.
    fn key_start(&self, out: &mut Vec<u8>, key: &str) {
        out.extend_from_slice(b"{\"key\":");
        serde_json::to_writer(&mut *out, key).expect("a string serialises to memory");
        out.extend_from_slice(b",\"loss\":");
    }

    #[inline]
    fn row_end(&self, out: &mut Vec<u8>) {
        if self.lines {
            out.push(b'\n');
        }
    }
}

impl Exporter for Json {
    /// A document: one object `{"name": value or [values], …}`; lines: an
    /// object `{"metric": name, "value": …}` per entry.
    fn named_values(&self, report: &NamedValues) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for (i, (name, values, array)) in report.entries.iter().enumerate() {
            match (self.lines, i) {
                (true, _) => out.extend_from_slice(b"{\"metric\":"),
                (false, 0) => out.push(b'{'),
                (false, _) => out.push(b','),
            }
            serde_json::to_writer(&mut out, name).expect("a string serialises to memory");
            out.extend_from_slice(if self.lines { b",\"value\":" } else { b":" });
            match (array, values.as_slice()) {
                (false, [value]) => self.number(&mut out, *value),
                _ => self.numbers(&mut out, values),
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
        Some(out)
    }

    #[inline]
    fn numbers_row(&self, out: &mut Vec<u8>, values: &[f64], index: u64) {
        self.row_start(out, index);
        self.numbers(out, values);
        self.row_end(out);
    }

    #[inline]
    fn number_row(&self, out: &mut Vec<u8>, value: f64, index: u64) {
        self.row_start(out, index);
        self.number(out, value);
        self.row_end(out);
    }

    fn keyed_numbers_row(&self, out: &mut Vec<u8>, key: &str, values: &[f64], index: u64) {
        self.row_start(out, index);
        self.key_start(out, key);
        self.numbers(out, values);
        out.push(b'}');
        self.row_end(out);
    }

    fn keyed_number_row(&self, out: &mut Vec<u8>, key: &str, value: f64, index: u64) {
        self.row_start(out, index);
        self.key_start(out, key);
        self.number(out, value);
        out.push(b'}');
        self.row_end(out);
    }

    fn strings_row(&self, out: &mut Vec<u8>, fields: &[&str], index: u64) {
        self.row_start(out, index);
        serde_json::to_writer(&mut *out, fields).expect("strings serialise to memory");
        self.row_end(out);
    }

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        let close: &[u8] = if self.lines { b"]\n" } else { b"]" };
        IndicatorRow::new(columns, b',', b"[", close)
    }

    #[inline]
    fn indicator_row_parts<'r>(&self, row: &'r IndicatorRow, index: u64) -> [&'r [u8]; 2] {
        [self.row_separator(index), row.text()]
    }

    fn end_rows(&self, out: &mut Vec<u8>, rows: u64) {
        if !self.lines {
            out.extend_from_slice(if rows == 0 { b"[]\n" } else { b"]\n" });
        }
    }

    fn scalar(&self, out: &mut Vec<u8>, value: f64) {
        self.number(out, value);
        out.push(b'\n');
    }

    fn array(&self, out: &mut Vec<u8>, values: &[f64]) {
        self.numbers(out, values);
        out.push(b'\n');
    }

    fn has_header(&self) -> bool {
        false
    }

    fn header(&self, _out: &mut Vec<u8>, _names: &[&str]) {}
}
