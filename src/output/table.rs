//! An aligned table for a person at a terminal (`--output-format table`,
//! and `metrics`' default when stdout is a terminal and neither `-o` nor
//! `--output-format` is given): names left-aligned, numbers right-aligned
//! on their last digit, columns two spaces apart.
//!
//! A report of one value per metric is two columns, `metric` and `value`.
//! One with values per class (`--average none`) is turned on its side:
//! a row per class and a column per metric, so that many classes make it
//! longer, not wider; the metrics of one value follow in a table of their
//! own.
//!
//! It holds reports only: scripts read CSV or JSON, whose layouts do not
//! change.

use std::io;

use super::model::{
    Batch, Digits, Exporter, FormatEntry, IndicatorRow, NamedValues, ResultKind, Stream,
};
use super::sink::Output;
use super::text::TextStream;

pub(super) const TABLE: FormatEntry = FormatEntry {
    name: "table",
    help: "An aligned table (the default on a terminal)",
    extensions: &[],
    holds: &[ResultKind::Report],
    needs_file: false,
    exporter: |digits| Box::new(Table { digits }),
};

struct Table {
    digits: Digits,
}

/// A cell and whether it is a number (right-aligned).
type Cell = (String, bool);

impl Table {
    fn number(&self, value: f64) -> Cell {
        let mut text = Vec::new();
        self.digits.write(&mut text, value);
        (String::from_utf8_lossy(&text).into_owned(), true)
    }
}

/// `rows` (the first one the header, whose names stand over their
/// column's alignment) with each column as wide as its widest cell.
fn lay_out(out: &mut Vec<u8>, rows: &[Vec<Cell>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            let cells = rows.iter().filter_map(|r| r.get(c));
            cells.map(|(t, _)| t.chars().count()).max().unwrap_or(0)
        })
        .collect();
    let numeric: Vec<bool> = (0..columns)
        .map(|c| rows[1..].iter().any(|r| r.get(c).is_some_and(|(_, n)| *n)))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, (text, _)) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[c] - text.chars().count());
            if numeric[c] {
                line.push_str(&pad);
                line.push_str(text);
            } else {
                line.push_str(text);
                if c + 1 < row.len() {
                    line.push_str(&pad);
                }
            }
        }
        out.extend_from_slice(line.trim_end().as_bytes());
        out.push(b'\n');
    }
}

fn name(text: &str) -> Cell {
    (text.to_owned(), false)
}

impl Exporter for Table {
    // Never asked: a table holds reports only, and the registry refuses
    // the rest before any work.
    fn numbers_row(&self, _: &mut Batch, _: Option<&str>, _: &[f64], _: u64) {}

    fn number_row(&self, _: &mut Batch, _: Option<&str>, _: f64, _: u64) {}

    fn scalar(&self, _: &mut Batch, _: f64) {}

    fn per_class(&self, _: &mut Batch, _: &[f64]) {}

    fn indicator_row(&self, columns: usize) -> IndicatorRow {
        IndicatorRow::new(columns, b' ', b"", b"\n")
    }

    fn indicator(&self, _: &mut Batch, _: &IndicatorRow, _: u64) {}

    fn report(&self, out: &mut Batch, report: &NamedValues) {
        let out = &mut out.bytes;
        let (per_class, single): (Vec<_>, Vec<_>) =
            report.entries.iter().partition(|(_, _, array)| *array);
        if !per_class.is_empty() {
            let mut header = vec![name("class")];
            header.extend(per_class.iter().map(|(metric, _, _)| name(metric)));
            let mut rows = vec![header];
            for (j, class) in report.columns.iter().enumerate() {
                let mut row = vec![name(class)];
                row.extend(
                    per_class
                        .iter()
                        .map(|(_, values, _)| self.number(values[j])),
                );
                rows.push(row);
            }
            lay_out(out, &rows);
            if !single.is_empty() {
                out.push(b'\n');
            }
        }
        if !single.is_empty() {
            let mut rows = vec![vec![name("metric"), name("value")]];
            for (metric, values, _) in &single {
                rows.push(vec![name(metric), self.number(values[0])]);
            }
            lay_out(out, &rows);
        }
    }

    fn stream(&self, out: Output) -> io::Result<Box<dyn Stream>> {
        Ok(Box::new(TextStream::new(out, None)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(report: &NamedValues) -> String {
        let mut batch = Batch::default();
        Table {
            digits: Digits::Shortest,
        }
        .report(&mut batch, report);
        String::from_utf8(batch.bytes).unwrap()
    }

    #[test]
    fn scalars_are_two_aligned_columns() {
        let report = NamedValues {
            columns: vec!["value".into()],
            entries: vec![
                ("hamming_loss".into(), vec![0.5], false),
                ("f1".into(), vec![0.38095238095238093], false),
                ("roc_auc".into(), vec![f64::NAN], false),
            ],
        };
        let want = "\
metric                      value
hamming_loss                  0.5
f1            0.38095238095238093
roc_auc                       nan
";
        assert_eq!(laid_out(&report), want);
    }

    #[test]
    fn per_class_values_are_a_row_per_class() {
        let report = NamedValues {
            columns: vec!["cat".into(), "a longer name".into()],
            entries: vec![
                ("hamming_loss".into(), vec![0.25], false),
                ("f1".into(), vec![1.0, 0.5], true),
                ("precision".into(), vec![0.25, 1.0], true),
            ],
        };
        let want = "\
class           f1  precision
cat            1.0       0.25
a longer name  0.5        1.0

metric        value
hamming_loss   0.25
";
        assert_eq!(laid_out(&report), want);
    }
}
