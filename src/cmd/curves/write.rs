//! The points in long format: a header and a row per point (csv, tsv), an
//! array of objects (json) or an object per line (jsonl), as pandas'
//! `to_csv`/`to_json(orient="records")` lay such a frame out. Numbers as
//! Python writes them (NaN and infinities: `nan`, `inf` in delimited text;
//! `NaN`, `Infinity` in JSON, as Python's json module writes them). Laid
//! out a unit at a time (on the walk's threads, see `stream.rs`), so that
//! the text of a few classes is held at once; [`Layout::put`] joins the
//! units' texts in order.

use super::args::CurveKind;
use super::units::Points;
use crate::output::{Digits, Output, OutputFormat};

/// A value of a row.
#[derive(Clone, Copy)]
pub(super) enum Value {
    Number(f64),
    Count(u64),
}

/// The columns after `class`.
fn columns(curve: CurveKind) -> &'static [&'static str] {
    match curve {
        CurveKind::Roc => &["threshold", "fpr", "tpr"],
        CurveKind::Pr => &["threshold", "precision", "recall"],
        CurveKind::Reliability => &["bin", "mean_predicted", "fraction_positive", "count"],
    }
}

/// Calls `row` with each point's values, in the columns' order.
fn each_row(points: &Points, mut row: impl FnMut(&[Value])) {
    use Value::{Count, Number};
    match points {
        Points::Roc(p) => p
            .iter()
            .for_each(|p| row(&[Number(p.threshold), Number(p.fpr), Number(p.tpr)])),
        Points::Pr(p) => p
            .iter()
            .for_each(|p| row(&[Number(p.threshold), Number(p.precision), Number(p.recall)])),
        Points::Reliability(b) => b.iter().for_each(|b| {
            let bin = Count(b.bin as u64);
            row(&[
                bin,
                Number(b.mean_predicted),
                Number(b.fraction_positive),
                Count(b.count),
            ]);
        }),
        // A grid point is no score: its threshold is NaN.
        Points::Macro(p) => p
            .iter()
            .for_each(|&(x, y)| row(&[Number(f64::NAN), Number(x), Number(y)])),
    }
}

/// How the points are laid out: the format, and whether a JSON array has
/// had an element yet.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    curve: CurveKind,
    format: OutputFormat,
    digits: Digits,
    started: bool,
}

impl Layout {
    pub(super) fn new(curve: CurveKind, format: OutputFormat, digits: Digits) -> Layout {
        Layout {
            curve,
            format,
            digits,
            started: false,
        }
    }

    fn separator(&self) -> Option<u8> {
        match self.format.name() {
            "csv" => Some(b','),
            "tsv" => Some(b'\t'),
            _ => None,
        }
    }

    /// What comes before the first point: the header, or `[`.
    pub(super) fn head(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.separator() {
            Some(sep) => {
                out.extend_from_slice(b"class");
                for c in columns(self.curve) {
                    out.push(sep);
                    out.extend_from_slice(c.as_bytes());
                }
                out.push(b'\n');
            }
            None if self.format.name() == "json" => out.push(b'['),
            None => {}
        }
        out
    }

    /// One unit's points (a JSON array's elements without the separator
    /// before the first: [`Layout::put`] adds it).
    pub(super) fn unit(&self, name: &str, points: &Points) -> Vec<u8> {
        let mut out = Vec::new();
        self.unit_into(&mut out, name, points);
        out
    }

    /// [`Layout::unit`] appended to `out` (a buffer used again: its pages
    /// are not faulted in afresh for every class).
    pub(super) fn unit_into(&self, out: &mut Vec<u8>, name: &str, points: &Points) {
        let (columns, digits) = (columns(self.curve), self.digits);
        let mut last = LastTexts::default();
        // About a row's width per point (grown as needed).
        out.reserve(count(points) * (name.len() + 48));
        if let Some(sep) = self.separator() {
            let mut field = Vec::new();
            delimited_field(&mut field, name, sep);
            each_row(points, |row| {
                out.extend_from_slice(&field);
                for (c, &v) in row.iter().enumerate() {
                    out.push(sep);
                    last.write(c, out, v, digits, false);
                }
                out.push(b'\n');
            });
            return;
        }
        let lines = self.format.name() == "jsonl";
        let class = serde_json::to_string(name).expect("a string serialises");
        let mut started = false;
        each_row(points, |row| {
            if !lines && started {
                out.extend_from_slice(b", ");
            }
            started = true;
            out.extend_from_slice(b"{\"class\": ");
            out.extend_from_slice(class.as_bytes());
            for (c, (name, &v)) in columns.iter().zip(row).enumerate() {
                out.extend_from_slice(b", \"");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\": ");
                last.write(c, out, v, digits, true);
            }
            out.push(b'}');
            if lines {
                out.push(b'\n');
            }
        });
    }

    /// Writes a unit's text after the units before it: a JSON array's
    /// separator first where an element came before.
    pub(super) fn put(&mut self, out: &mut Output, text: &[u8]) -> std::io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if self.started && self.format.name() == "json" {
            out.write_bytes(b", ")?;
        }
        self.started = true;
        out.write_bytes(text)
    }

    /// What comes after the last point: `]` of a JSON array.
    pub(super) fn tail(&self) -> &'static [u8] {
        if self.format.name() == "json" {
            b"]\n"
        } else {
            b""
        }
    }
}

/// The number of points.
fn count(points: &Points) -> usize {
    match points {
        Points::Roc(p) => p.len(),
        Points::Pr(p) => p.len(),
        Points::Reliability(b) => b.len(),
        Points::Macro(p) => p.len(),
    }
}

/// The text of each column's value in the row before. In a ROC curve every
/// point kept is a corner, so between two points only the fpr or only the
/// tpr changes: the other's text is copied rather than formatted again (a
/// third of the numbers, the costliest part of writing 20M points).
#[derive(Default)]
struct LastTexts {
    /// Per column: the value's bits (a count as itself), and its text if
    /// one is held.
    key: [u64; 4],
    len: [Option<u8>; 4],
    text: [[u8; 32]; 4],
}

impl LastTexts {
    #[inline]
    fn write(
        &mut self,
        column: usize,
        out: &mut Vec<u8>,
        value: Value,
        digits: Digits,
        json: bool,
    ) {
        let key = match value {
            Value::Number(x) => x.to_bits(),
            Value::Count(n) => n,
        };
        if let Some(len) = self.len[column]
            && self.key[column] == key
        {
            out.extend_from_slice(&self.text[column][..usize::from(len)]);
            return;
        }
        let start = out.len();
        write_value(out, value, digits, json);
        let text = &out[start..];
        self.key[column] = key;
        self.len[column] = None;
        if let Some(held) = self.text[column].get_mut(..text.len()) {
            held.copy_from_slice(text);
            self.len[column] = u8::try_from(text.len()).ok();
        }
    }
}

pub(super) fn write_value(out: &mut Vec<u8>, value: Value, digits: Digits, json: bool) {
    match value {
        Value::Count(n) => {
            use std::io::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::Number(x) if json && !x.is_finite() => out.extend_from_slice(match x {
            x if x.is_nan() => b"NaN".as_slice(),
            x if x > 0.0 => b"Infinity",
            _ => b"-Infinity",
        }),
        Value::Number(x) => digits.write(out, x),
    }
}

/// A class name as a delimited field: quoted (quotes doubled) when it holds
/// the separator, a quote or a line break, as Python's csv module writes it.
pub(super) fn delimited_field(out: &mut Vec<u8>, name: &str, sep: u8) {
    let bytes = name.as_bytes();
    if bytes
        .iter()
        .any(|&b| b == sep || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(bytes);
    }
}
