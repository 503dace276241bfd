//! JSON Lines: one JSON array per line. Numeric matrices ([`JsonLinesSource`],
//! one row per line) and, for label lists, a reader of trimmed lines.

use std::io::BufRead;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::json::RowSeed;
use super::matrix::{ChunkLimit, MatrixInfo, MatrixSource, RowChunk, Syntax};
use super::records::RecordNames;
use super::text::TextCutter;
use super::{Domain, Opened, json_error, read_error};
use crate::error::InputError;

/// A numeric matrix in JSON Lines: rows are cut as lines and parsed by
/// whichever thread takes them ([`decode_row`]).
pub(super) struct JsonLinesSource {
    text: TextCutter,
    /// The values of the first line.
    fields: Option<usize>,
    /// Lines of objects: their column names.
    records: Option<Arc<RecordNames>>,
}

impl JsonLinesSource {
    pub(super) fn open(input: Opened, info: &MatrixInfo) -> Result<JsonLinesSource, InputError> {
        let mut text = TextCutter::open(input, info.file.clone(), Syntax::JsonLines);
        if text.first_row()?.starts_with(super::UTF8_BOM) {
            text.skip(super::UTF8_BOM.len());
        }
        if let Some(records) = RecordNames::of_first(text.first_row()?) {
            text.set_syntax(Syntax::Records);
            return Ok(JsonLinesSource {
                text,
                fields: Some(records.names.len()),
                records: Some(records),
            });
        }
        let mut first = Vec::new();
        // A bad first line is reported when it is parsed.
        let fields = decode_row(text.first_row()?, Domain::ANY, &info.file, 1, &mut first)
            .ok()
            .map(|()| first.len());
        Ok(JsonLinesSource {
            text,
            fields,
            records: None,
        })
    }
}

impl MatrixSource for JsonLinesSource {
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        self.text.next_chunk(limit, chunk)
    }

    fn fields(&self) -> Option<usize> {
        self.fields
    }

    fn header(&self) -> Option<&[String]> {
        self.records.as_ref().map(|r| &r.names[..])
    }

    fn records(&self) -> Option<Arc<RecordNames>> {
        self.records.clone()
    }
}

/// Parses one line (`[1.5, 0, 2]`) at `line` into `out`.
pub(super) fn decode_row(
    record: &[u8],
    domain: Domain,
    file: &str,
    line: u64,
    out: &mut Vec<f64>,
) -> Result<(), InputError> {
    let record = record.trim_ascii();
    if record.is_empty() {
        return Err(InputError::new(file, "empty line in a numeric matrix").at(line, None));
    }
    let mut de = serde_json::Deserializer::from_slice(record);
    RowSeed {
        out: &mut *out,
        domain,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| json_error(file, &e, line))?;
    if out.is_empty() {
        return Err(InputError::new(file, "row with no values").at(line, None));
    }
    Ok(())
}

/// JSON Lines: one JSON text per line, handed out trimmed with its line number.
pub(crate) struct LineReader {
    reader: Box<dyn BufRead + Send>,
    line: Vec<u8>,
    line_number: u64,
}

impl LineReader {
    pub(crate) fn new(reader: Box<dyn BufRead + Send>) -> Self {
        LineReader {
            reader,
            line: Vec::new(),
            line_number: 0,
        }
    }

    /// The next line without surrounding whitespace, and its number; `None`
    /// at the end. An empty line is an error saying `empty`.
    pub(crate) fn next_line(
        &mut self,
        file: &str,
        empty: &str,
    ) -> Result<Option<(&[u8], u64)>, InputError> {
        self.line.clear();
        let room = super::max_line_bytes() as u64 + 1;
        let n = std::io::Read::take(&mut self.reader, room)
            .read_until(b'\n', &mut self.line)
            .map_err(|e| read_error(file, &e))?;
        if self.line.len() > super::max_line_bytes() {
            return Err(super::line_too_long(file, self.line_number + 1));
        }
        if n == 0 {
            return Ok(None);
        }
        self.line_number += 1;
        let mut text = &self.line[..];
        if self.line_number == 1 {
            text = text.strip_prefix(super::UTF8_BOM).unwrap_or(text);
        }
        let text = text.trim_ascii();
        if text.is_empty() {
            return Err(InputError::new(file, empty).at(self.line_number, None));
        }
        Ok(Some((text, self.line_number)))
    }
}
