//! JSON Lines: one JSON array per line. Numeric matrices ([`JsonLinesSource`],
//! one row per line) and, for label lists, a reader of trimmed lines.

use std::io::BufRead;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::records::{RecordNames, Records};
use super::values::RowSeed;
use crate::domain::Domain;
use crate::error::InputError;
use crate::input::chunk::{ChunkLimit, RowChunk};
use crate::input::columns::MatrixInfo;
use crate::input::source::MatrixSource;
use crate::input::syntax::RowSyntax;
use crate::input::text::TextCutter;
use crate::input::{Opened, UTF8_BOM, json_error, line_too_long, max_line_bytes, read_error};

/// A JSON array per line.
#[derive(Debug)]
struct JsonLines;

impl RowSyntax for JsonLines {
    fn decode(
        &self,
        record: &[u8],
        info: &MatrixInfo,
        line: u64,
        raw: &mut Vec<f64>,
        _: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let (file, domain) = (&*info.file, info.domain);
        let Some(map) = info.columns.as_deref() else {
            return decode_row(record, domain, file, line, values);
        };
        raw.clear();
        decode_row(record, domain, file, line, raw)?;
        if raw.len() != map.columns.fields {
            return Err(map.ragged(raw.len(), file, line));
        }
        map.reorder(raw, 0, values);
        Ok(())
    }

    /// An array's fields have no names, so no key.
    fn key(&self, _: &[u8], _: usize, _: &MatrixInfo, _: u64, _: &mut Vec<u8>) {}
}

/// A numeric matrix in JSON Lines: rows are cut as lines and parsed by
/// whichever thread takes them ([`decode_row`]).
pub(crate) struct JsonLinesSource {
    text: TextCutter,
    /// The values of the first line.
    fields: Option<usize>,
    /// Lines of objects: their column names.
    records: Option<Vec<String>>,
}

impl JsonLinesSource {
    pub(crate) fn open(input: Opened, info: &MatrixInfo) -> Result<JsonLinesSource, InputError> {
        let mut text = TextCutter::open(input, info.file.clone(), Arc::new(JsonLines));
        if text.first_row()?.starts_with(UTF8_BOM) {
            text.skip(UTF8_BOM.len());
        }
        if let Some(records) = RecordNames::of_first(text.first_row()?) {
            let names = records.names.clone();
            text.set_syntax(Arc::new(Records(records)));
            return Ok(JsonLinesSource {
                text,
                fields: Some(names.len()),
                records: Some(names),
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
        self.records.as_deref()
    }
}

/// Parses one line (`[1.5, 0, 2]`) at `line` into `out`.
fn decode_row(
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
