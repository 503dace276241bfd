//! The points in long format: a header and a row per point (csv, tsv), an
//! array of objects (json) or an object per line (jsonl), as pandas'
//! `to_csv`/`to_json(orient="records")` lay such a frame out. Numbers as
//! Python writes them (NaN and infinities: `nan`, `inf` in delimited text;
//! `NaN`, `Infinity` in JSON, as Python's json module writes them).

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

/// Each point's values, in the columns' order.
fn rows(points: &Points) -> Vec<Vec<Value>> {
    use Value::{Count, Number};
    match points {
        Points::Roc(p) => p
            .iter()
            .map(|p| vec![Number(p.threshold), Number(p.fpr), Number(p.tpr)])
            .collect(),
        Points::Pr(p) => p
            .iter()
            .map(|p| vec![Number(p.threshold), Number(p.precision), Number(p.recall)])
            .collect(),
        Points::Reliability(b) => b
            .iter()
            .map(|b| {
                let bin = Count(b.bin as u64);
                vec![
                    bin,
                    Number(b.mean_predicted),
                    Number(b.fraction_positive),
                    Count(b.count),
                ]
            })
            .collect(),
        // A grid point is no score: its threshold is NaN.
        Points::Macro(p) => p
            .iter()
            .map(|&(x, y)| vec![Number(f64::NAN), Number(x), Number(y)])
            .collect(),
    }
}

/// The units' points as `format` lays them out.
pub(super) fn text(
    units: &[Unit],
    curve: CurveKind,
    format: OutputFormat,
    digits: Digits,
) -> Vec<u8> {
    let columns = columns(curve);
    let mut out = Vec::new();
    match format.name() {
        name @ ("csv" | "tsv") => {
            let sep = if name == "tsv" { b'\t' } else { b',' };
            out.extend_from_slice(b"class");
            for c in columns {
                out.push(sep);
                out.extend_from_slice(c.as_bytes());
            }
            out.push(b'\n');
            for unit in units {
                let mut name = Vec::new();
                delimited_field(&mut name, &unit.name, sep);
                for row in rows(&unit.points) {
                    out.extend_from_slice(&name);
                    for v in row {
                        out.push(sep);
                        write_value(&mut out, v, digits, false);
                    }
                    out.push(b'\n');
                }
            }
        }
        name => {
            let lines = name == "jsonl";
            if !lines {
                out.push(b'[');
            }
            let mut first = true;
            for unit in units {
                let class = serde_json::to_string(&unit.name).expect("a string serialises");
                for row in rows(&unit.points) {
                    if !lines && !first {
                        out.extend_from_slice(b", ");
                    }
                    first = false;
                    out.extend_from_slice(b"{\"class\": ");
                    out.extend_from_slice(class.as_bytes());
                    for (c, v) in columns.iter().zip(row) {
                        out.extend_from_slice(b", \"");
                        out.extend_from_slice(c.as_bytes());
                        out.extend_from_slice(b"\": ");
                        write_value(&mut out, v, digits, true);
                    }
                    out.push(b'}');
                    if lines {
                        out.push(b'\n');
                    }
                }
            }
            if !lines {
                out.extend_from_slice(b"]\n");
            }
        }
    }
    out
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
