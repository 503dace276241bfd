//! Label lists in JSON: a document (an array of lists) or JSON Lines (a
//! list a line), each label a string or a number.

use std::borrow::Borrow;

use serde_json::value::RawValue;

use std::io::BufRead;

use crate::error::InputError;
use crate::input::labels::{LabelLayout, LabelSource, Sample, push_split};
use crate::input::{UTF8_BOM, json_error, line_too_long, max_line_bytes, read_all, read_error};
use crate::label::{LabelKind, json_number_text};

/// Why JSON label lists cannot be laid out so (both JSON formats).
pub(super) fn refuses_labels(layout: &LabelLayout) -> Option<&'static str> {
    layout
        .column
        .as_ref()
        .map(|_| "--column needs a CSV or TSV input with a header row")
}

/// A JSON document of label lists, read whole.
pub(super) struct JsonLabels {
    file: String,
    rows: std::vec::IntoIter<Vec<Box<RawValue>>>,
    row: u64,
}

impl JsonLabels {
    pub(super) fn open(
        mut reader: Box<dyn std::io::BufRead + Send>,
        file: &str,
    ) -> Result<JsonLabels, InputError> {
        let text = read_all(&mut reader, file)?;
        let rows: Vec<Vec<Box<RawValue>>> =
            serde_json::from_slice(&text).map_err(|e| json_error(file, &e, 1))?;
        Ok(JsonLabels {
            file: file.to_owned(),
            rows: rows.into_iter(),
            row: 0,
        })
    }
}

impl LabelSource for JsonLabels {
    fn next_sample(
        &mut self,
        sample: &mut Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError> {
        let Some(values) = self.rows.next() else {
            return Ok(false);
        };
        self.row += 1;
        sample.line = 0;
        let row = self.row;
        push_json_labels(sample, &values, &self.file, None, separator).map_err(|e| InputError {
            what: format!("row {row}: {}", e.what),
            ..e
        })?;
        Ok(true)
    }
}

/// JSON Lines of label lists, a list a line.
pub(super) struct JsonLinesLabels {
    file: String,
    lines: LineReader,
}

impl JsonLinesLabels {
    pub(super) fn new(reader: Box<dyn std::io::BufRead + Send>, file: &str) -> JsonLinesLabels {
        JsonLinesLabels {
            file: file.to_owned(),
            lines: LineReader::new(reader),
        }
    }
}

impl LabelSource for JsonLinesLabels {
    fn next_sample(
        &mut self,
        sample: &mut Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError> {
        let empty = "empty line: write [] for a sample without labels";
        let Some((text, line_number)) = self.lines.next_line(&self.file, empty)? else {
            return Ok(false);
        };
        sample.line = line_number;
        let values: Vec<&RawValue> =
            serde_json::from_slice(text).map_err(|e| json_error(&self.file, &e, line_number))?;
        push_json_labels(sample, &values, &self.file, Some(line_number), separator)?;
        Ok(true)
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

/// JSON Lines: one JSON text per line, handed out trimmed with its line number.
struct LineReader {
    reader: Box<dyn BufRead + Send>,
    line: Vec<u8>,
    line_number: u64,
}

impl LineReader {
    fn new(reader: Box<dyn BufRead + Send>) -> Self {
        LineReader {
            reader,
            line: Vec::new(),
            line_number: 0,
        }
    }

    /// The next line without surrounding whitespace, and its number; `None`
    /// at the end. An empty line is an error saying `empty`.
    fn next_line(&mut self, file: &str, empty: &str) -> Result<Option<(&[u8], u64)>, InputError> {
        self.line.clear();
        let room = max_line_bytes() as u64 + 1;
        let n = std::io::Read::take(&mut self.reader, room)
            .read_until(b'\n', &mut self.line)
            .map_err(|e| read_error(file, &e))?;
        if self.line.len() > max_line_bytes() {
            return Err(line_too_long(file, self.line_number + 1));
        }
        if n == 0 {
            return Ok(None);
        }
        self.line_number += 1;
        let mut text = &self.line[..];
        if self.line_number == 1 {
            text = text.strip_prefix(UTF8_BOM).unwrap_or(text);
        }
        let text = text.trim_ascii();
        if text.is_empty() {
            return Err(InputError::new(file, empty).at(self.line_number, None));
        }
        Ok(Some((text, self.line_number)))
    }
}
