//! `tune`'s result: one row per class (or `micro`), laid out as the
//! threshold file `--threshold-file` reads: CSV or TSV with a header line,
//! a JSON array of objects, or JSON Lines (an object per line), all with
//! the same keys. The format is chosen through the output registry
//! (`--output-format`, else `-o FILE`'s extension); the registry's
//! exporters lay out keyed rows of numbers (`{"key":…,"loss":[…]}`), not
//! records, so the records are laid out here.

use crate::metrics::Scores;
use crate::metrics::tune::{Cut, Tuned, sigmoid};
use crate::output::{Digits, OutputFormat, write_json_number};

/// One class's tuned threshold, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub class: String,
    /// A probability in [0, 1]: predicted where p ≥ it, or σ(x) ≥ it.
    pub threshold: f64,
    /// With `--scores logits`: predicted where x ≥ it.
    pub logit_threshold: Option<f64>,
    pub value: f64,
    pub precision: f64,
    pub recall: f64,
    /// The class's observed positives.
    pub support: u64,
}

impl Row {
    /// The row of a unit's answer; `threshold` turns the cut's score into
    /// the probability written (the score, σ of a logit, or a bin's edge).
    pub fn new(class: &str, tuned: &Tuned, support: u64, scores: Scores, binned: bool) -> Row {
        let logits = scores == Scores::Logits && !binned;
        let (threshold, logit, value, precision, recall) = match tuned {
            Tuned::Best(Cut {
                score,
                value,
                counts,
            }) => {
                let threshold = if logits { sigmoid(*score) } else { *score };
                (
                    threshold,
                    *score,
                    *value,
                    counts.precision(),
                    counts.recall(),
                )
            }
            Tuned::Undefined(_) => (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
        };
        Row {
            class: class.to_owned(),
            threshold,
            logit_threshold: logits.then_some(logit),
            value,
            precision,
            recall,
            support,
        }
    }
}

/// The rows in `format`: keys `class`, `threshold`, `logit_threshold`
/// (logits), the objective's `column`, `precision`, `recall`, `support`.
pub fn layout(rows: &[Row], column: &str, format: OutputFormat, digits: Digits) -> Vec<u8> {
    let logits = rows.iter().any(|r| r.logit_threshold.is_some());
    let mut keys = vec!["class", "threshold"];
    if logits {
        keys.push("logit_threshold");
    }
    keys.extend([column, "precision", "recall", "support"]);
    let mut out = Vec::new();
    match format.name() {
        "json" | "jsonl" => json(&mut out, rows, &keys, format.name() == "jsonl", digits),
        name => {
            let separator = if name == "tsv" { b'\t' } else { b',' };
            delimited(&mut out, rows, &keys, separator, digits);
        }
    }
    out
}

/// A row's values after its class, in `layout`'s order.
fn numbers(row: &Row) -> Vec<f64> {
    let mut values = vec![row.threshold];
    values.extend(row.logit_threshold);
    values.extend([row.value, row.precision, row.recall]);
    values
}

fn delimited(out: &mut Vec<u8>, rows: &[Row], keys: &[&str], separator: u8, digits: Digits) {
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        field(out, key, separator);
    }
    out.push(b'\n');
    for row in rows {
        field(out, &row.class, separator);
        for value in numbers(row) {
            out.push(separator);
            digits.write(out, value);
        }
        out.push(separator);
        out.extend_from_slice(row.support.to_string().as_bytes());
        out.push(b'\n');
    }
}

/// A field quoted as the CSV exporter quotes it (RFC 4180).
fn field(out: &mut Vec<u8>, text: &str, separator: u8) {
    let quoted = text
        .bytes()
        .any(|b| matches!(b, b'"' | b'\n' | b'\r') || b == separator);
    if !quoted {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
    out.push(b'"');
}

fn json(out: &mut Vec<u8>, rows: &[Row], keys: &[&str], lines: bool, digits: Digits) {
    if !lines {
        out.push(b'[');
    }
    for (i, row) in rows.iter().enumerate() {
        if i > 0 && !lines {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"class\":");
        serde_json::to_writer(&mut *out, &row.class).expect("a string serialises to memory");
        for (key, value) in keys[1..].iter().zip(numbers(row)) {
            out.extend_from_slice(format!(",\"{key}\":").as_bytes());
            write_json_number(out, value, digits);
        }
        out.extend_from_slice(format!(",\"support\":{}}}", row.support).as_bytes());
        if lines {
            out.push(b'\n');
        }
    }
    if !lines {
        out.extend_from_slice(b"]\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        vec![
            Row {
                class: "a,b".to_owned(),
                threshold: 0.5,
                logit_threshold: Some(0.0),
                value: 0.75,
                precision: 1.0,
                recall: 0.6,
                support: 5,
            },
            Row {
                class: "c".to_owned(),
                threshold: f64::NAN,
                logit_threshold: Some(f64::NAN),
                value: f64::NAN,
                precision: f64::NAN,
                recall: f64::NAN,
                support: 0,
            },
        ]
    }

    fn text(format: &str) -> String {
        let format = OutputFormat::named(format).unwrap();
        String::from_utf8(layout(&rows(), "f1", format, Digits::Shortest)).unwrap()
    }

    #[test]
    fn each_format_holds_the_same_records() {
        assert_eq!(
            text("csv"),
            "class,threshold,logit_threshold,f1,precision,recall,support\n\
             \"a,b\",0.5,0.0,0.75,1.0,0.6,5\nc,nan,nan,nan,nan,nan,0\n"
        );
        assert!(text("tsv").starts_with("class\tthreshold\t"));
        let json = text("json");
        assert!(json.starts_with("[{\"class\":\"a,b\",\"threshold\":0.5,\"logit_threshold\":0.0,"));
        assert!(json.ends_with("\"recall\":NaN,\"support\":0}]\n"));
        assert_eq!(text("jsonl").lines().count(), 2);
    }
}
