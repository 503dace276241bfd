//! The points in long format: a header and a row per point (csv, tsv), an
//! array of objects (json) or an object per line (jsonl), as pandas'
//! `to_csv`/`to_json(orient="records")` lay such a frame out. Numbers as
//! Python writes them (NaN and infinities: `nan`, `inf` in delimited text;
//! `NaN`, `Infinity` in JSON, as Python's json module writes them). Laid
//! out a unit at a time, so that the text of one class is held at once.

use super::args::CurveKind;
use super::units::{Points, Unit};
use crate::output::{Digits, OutputFormat};

/// A value of a row.
#[derive(Clone, Copy)]
enum Value {
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

    /// One unit's points.
    pub(super) fn unit(&mut self, unit: &Unit) -> Vec<u8> {
        let mut out = Vec::new();
        let (columns, digits) = (columns(self.curve), self.digits);
        if let Some(sep) = self.separator() {
            let mut name = Vec::new();
            delimited_field(&mut name, &unit.name, sep);
            each_row(&unit.points, |row| {
                out.extend_from_slice(&name);
                for &v in row {
                    out.push(sep);
                    write_value(&mut out, v, digits, false);
                }
                out.push(b'\n');
            });
            return out;
        }
        let lines = self.format.name() == "jsonl";
        let class = serde_json::to_string(&unit.name).expect("a string serialises");
        let started = &mut self.started;
        each_row(&unit.points, |row| {
            if !lines && *started {
                out.extend_from_slice(b", ");
            }
            *started = true;
            out.extend_from_slice(b"{\"class\": ");
            out.extend_from_slice(class.as_bytes());
            for (c, &v) in columns.iter().zip(row) {
                out.extend_from_slice(b", \"");
                out.extend_from_slice(c.as_bytes());
                out.extend_from_slice(b"\": ");
                write_value(&mut out, v, digits, true);
            }
            out.push(b'}');
            if lines {
                out.push(b'\n');
            }
        });
        out
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

fn write_value(out: &mut Vec<u8>, value: Value, digits: Digits, json: bool) {
    match value {
        Value::Count(n) => out.extend_from_slice(n.to_string().as_bytes()),
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
fn delimited_field(out: &mut Vec<u8>, name: &str, sep: u8) {
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
