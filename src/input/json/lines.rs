//! JSON Lines: one JSON array per line. Numeric matrices ([`JsonLinesSource`],
//! one row per line) and, for label lists, a reader of trimmed lines.

use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::records::{RecordNames, Records};
use super::values::RowSeed;
use crate::domain::Domain;
use crate::error::InputError;
use crate::input::chunk::{ChunkLimit, RowChunk};
use crate::input::columns::MatrixInfo;
use crate::input::input_format::InputFormat;
use crate::input::labels::{LabelLayout, LabelSource};
use crate::input::source::MatrixSource;
use crate::input::syntax::RowSyntax;
use crate::input::text::TextCutter;
use crate::input::{Dialect, Opened, Source, UTF8_BOM, json_error, text_stream};

/// JSON Lines: one array (or record) per line.
pub(crate) struct JsonLinesFormat;

pub(crate) static JSON_LINES: JsonLinesFormat = JsonLinesFormat;

impl InputFormat for JsonLinesFormat {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["ndjson"]
    }

    fn help(&self) -> &'static str {
        "JSON Lines: one array per line"
    }

    fn title(&self) -> &'static str {
        "JSON Lines"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl", "ndjson"]
    }

    fn open_matrix(
        &self,
        opened: Opened,
        _: Option<usize>,
        _: &Source,
        info: &MatrixInfo,
        _: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        Ok(Box::new(JsonLinesSource::open(opened, info)?))
    }

    fn refuses_labels(&self, layout: &LabelLayout) -> Option<&'static str> {
        super::labels::refuses_labels(layout)
    }

    fn open_labels(
        &self,
        opened: Opened,
        _: Option<usize>,
        file: &str,
        _: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        let reader = text_stream(opened, file)?;
        Ok(Box::new(super::labels::JsonLinesLabels::new(reader, file)))
    }
}

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
struct JsonLinesSource {
    text: TextCutter,
    /// The values of the first line.
    fields: Option<usize>,
    /// Lines of objects: their column names.
    records: Option<Vec<String>>,
}

impl JsonLinesSource {
    fn open(input: Opened, info: &MatrixInfo) -> Result<JsonLinesSource, InputError> {
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
