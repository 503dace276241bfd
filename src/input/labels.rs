//! Label lists (binarize's input), one sample at a time.

use std::borrow::Borrow;
use std::io::BufRead;

use super::csv::RecordReader;
use super::json::lines::LineReader;
use super::{Format, Source, json_error, read_all};
use crate::error::InputError;
use crate::label::{Label, LabelKind, json_number_text};
use serde_json::value::RawValue;

/// How label lists are laid out.
#[derive(Debug, Clone, Default)]
pub struct LabelLayout {
    /// Take the labels from this column of a CSV/TSV with a header row.
    pub column: Option<String>,
    /// Split each field into several labels at this separator.
    pub separator: Option<String>,
}

/// One sample's labels: trimmed, non-empty, in input order (duplicates kept).
#[derive(Debug, Default, Clone)]
pub struct Sample {
    text: String,
    /// Byte range of each label in `text`, its 1-based column, its type.
    labels: Vec<(usize, usize, u64, LabelKind)>,
    /// The line on which the sample starts.
    pub line: u64,
}

impl Sample {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.labels.clear();
    }

    pub(super) fn push(&mut self, label: &str, column: u64, kind: LabelKind) {
        let label = label.trim();
        if label.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(label);
        self.labels.push((start, self.text.len(), column, kind));
    }

    /// Labels with the column they came from.
    pub fn labels(&self) -> impl Iterator<Item = (Label<'_>, u64)> {
        self.labels.iter().map(|&(start, end, column, kind)| {
            let text = &self.text[start..end];
            (Label { text, kind }, column)
        })
    }
}

/// Label lists (binarize's input), one sample at a time.
pub struct LabelReader {
    file: String,
    separator: Option<String>,
    body: LabelBody,
}

enum LabelBody {
    Delimited {
        records: RecordReader<Box<dyn BufRead + Send>>,
        /// The field holding the labels when `--column` is given.
        column: Option<usize>,
    },
    JsonLines(LineReader),
    Json {
        rows: std::vec::IntoIter<Vec<Box<RawValue>>>,
        row: u64,
    },
    /// A column of a Parquet or Arrow IPC table.
    Table(super::columnar::LabelColumn),
}

impl LabelReader {
    pub fn open(source: &Source, format: Format, layout: &LabelLayout) -> Result<Self, InputError> {
        let file = source.name();
        let delimited = match format {
            Format::Csv | Format::Tsv => true,
            Format::Json | Format::Jsonl | Format::Parquet | Format::Arrow => false,
            Format::Npy => {
                return Err(InputError::new(
                    &file,
                    "a .npy file holds numbers, not label lists (binarize --inverse reads a 0/1 matrix)",
                ));
            }
        };
        let table = matches!(format, Format::Parquet | Format::Arrow);
        if layout.column.is_some() && !delimited && !table {
            return Err(InputError::new(
                &file,
                "--column needs a CSV or TSV input with a header row",
            ));
        }
        let opened = source.open_sniffed()?;
        if let Some(columnar) = super::Format::columnar_content(&opened, &file, format)? {
            let column = super::columnar::LabelColumn::open(columnar, opened, &file, layout)?;
            return Ok(LabelReader {
                file,
                separator: layout.separator.clone().filter(|s| !s.is_empty()),
                body: LabelBody::Table(column),
            });
        }
        let mut reader = super::text_stream(opened, &file)?;
        let body = if delimited {
            let mut records = RecordReader::new(reader, &file, format.delimiter());
            let column = match &layout.column {
                None => None,
                Some(name) => Some(find_column(&mut records, name)?),
            };
            LabelBody::Delimited { records, column }
        } else if format == Format::Jsonl {
            LabelBody::JsonLines(LineReader::new(reader))
        } else {
            let text = read_all(&mut reader, &file)?;
            let rows: Vec<Vec<Box<RawValue>>> =
                serde_json::from_slice(&text).map_err(|e| json_error(&file, &e, 1))?;
            LabelBody::Json {
                rows: rows.into_iter(),
                row: 0,
            }
        };
        Ok(LabelReader {
            file,
            separator: layout.separator.clone().filter(|s| !s.is_empty()),
            body,
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next sample into `sample`; `false` at the end.
    pub fn next_sample(&mut self, sample: &mut Sample) -> Result<bool, InputError> {
        sample.clear();
        match &mut self.body {
            LabelBody::Delimited { records, column } => {
                if !records.next_record()? {
                    return Ok(false);
                }
                sample.line = records.line();
                let fields = match *column {
                    Some(index) => {
                        if records.field_count() <= index {
                            let what = format!(
                                "row has {} fields, but the label column is field {}",
                                records.field_count(),
                                index + 1
                            );
                            return Err(
                                InputError::new(records.file(), what).at(records.line(), None)
                            );
                        }
                        index..index + 1
                    }
                    None => 0..records.field_count(),
                };
                for i in fields {
                    let text = std::str::from_utf8(records.field(i))
                        .map_err(|_| records.error_at(i, "invalid UTF-8"))?;
                    push_split(
                        sample,
                        text,
                        i as u64 + 1,
                        LabelKind::Text,
                        self.separator.as_deref(),
                    );
                }
            }
            LabelBody::JsonLines(lines) => {
                let empty = "empty line: write [] for a sample without labels";
                let Some((text, line_number)) = lines.next_line(&self.file, empty)? else {
                    return Ok(false);
                };
                sample.line = line_number;
                let values: Vec<&RawValue> = serde_json::from_slice(text)
                    .map_err(|e| json_error(&self.file, &e, line_number))?;
                push_json_labels(
                    sample,
                    &values,
                    &self.file,
                    Some(line_number),
                    self.separator.as_deref(),
                )?;
            }
            LabelBody::Table(column) => {
                return column.next_sample(sample, self.separator.as_deref());
            }
            LabelBody::Json { rows, row } => {
                let Some(values) = rows.next() else {
                    return Ok(false);
                };
                *row += 1;
                sample.line = 0;
                push_json_labels(sample, &values, &self.file, None, self.separator.as_deref())
                    .map_err(|e| InputError {
                        what: format!("row {row}: {}", e.what),
                        ..e
                    })?;
            }
        }
        Ok(true)
    }
}

pub(super) fn push_split(
    sample: &mut Sample,
    text: &str,
    column: u64,
    kind: LabelKind,
    separator: Option<&str>,
) {
    match separator {
        Some(sep) => text
            .split(sep)
            .for_each(|label| sample.push(label, column, kind)),
        None => sample.push(text, column, kind),
    }
}

/// JSON labels are read from their raw text, so that a number keeps its
/// exact value (serde_json's `Value` would round `18446744073709551617`
/// to an f64) and a string stays a string.
fn push_json_labels<V: Borrow<RawValue>>(
    sample: &mut Sample,
    values: &[V],
    file: &str,
    line: Option<u64>,
    separator: Option<&str>,
) -> Result<(), InputError> {
    for (i, value) in values.iter().enumerate() {
        let column = i as u64 + 1;
        let raw = value.borrow().get();
        let bad = |what: String| {
            let e = InputError::new(file, what).text(raw.as_bytes());
            match line {
                Some(line) => e.at(line, None),
                None => e,
            }
        };
        match raw.as_bytes().first() {
            Some(b'"') => {
                let text: String = serde_json::from_str(raw)
                    .map_err(|_| bad(format!("label {column} is not a valid JSON string")))?;
                push_split(sample, &text, column, LabelKind::Str, separator);
            }
            Some(b'-' | b'0'..=b'9') => {
                let text = json_number_text(raw).ok_or_else(|| {
                    bad(format!(
                        "label {column} is a number beyond the range of a float"
                    ))
                })?;
                sample.push(&text, column, LabelKind::Number);
            }
            _ => return Err(bad(format!("label {column} is not a string or a number"))),
        }
    }
    Ok(())
}

/// Reads the header row and finds the column named `name`.
fn find_column<R: BufRead>(records: &mut RecordReader<R>, name: &str) -> Result<usize, InputError> {
    if !records.next_record()? {
        return Err(InputError::new(
            records.file(),
            format!("no header row to find column {name:?} in"),
        ));
    }
    (0..records.field_count())
        .find(|&i| records.field(i).trim_ascii() == name.as_bytes())
        .ok_or_else(|| {
            InputError::new(
                records.file(),
                format!("no column named {name:?} in the header"),
            )
            .at(records.line(), None)
        })
}
