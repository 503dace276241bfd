//! A JSON document holding a numeric matrix: an array of rows, all of one
//! length. It is parsed whole when opened (use JSON Lines for large data),
//! then handed out in chunks of rows.

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use std::sync::Arc;

use super::chunk::{Body, ChunkLimit, RowChunk};
use super::columns::MatrixInfo;
use super::input_format::InputFormat;
use super::labels::{LabelLayout, LabelSource};
use super::shape::array_matrix_shape;
use super::source::MatrixSource;
use super::syntax::RowSyntax;
use super::{Dialect, Domain, Opened, Source, count, json_error, read_all, text_stream};
use crate::error::InputError;
use records::{RecordNames, Records};

mod labels;
pub(crate) mod lines;
mod pandas;
mod records;
mod values;

/// One JSON document: an array of rows (or of records, or a pandas table).
pub(crate) struct JsonFormat;

pub(crate) static JSON: JsonFormat = JsonFormat;

impl InputFormat for JsonFormat {
    fn name(&self) -> &'static str {
        "json"
    }

    fn help(&self) -> &'static str {
        "One JSON document: an array of rows"
    }

    fn title(&self) -> &'static str {
        "JSON"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    fn open_matrix(
        &self,
        opened: Opened,
        _: Option<usize>,
        _: &Source,
        info: &MatrixInfo,
        _: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        Ok(Box::new(JsonSource::open(opened.stream, info)?))
    }

    fn refuses_labels(&self, layout: &LabelLayout) -> Option<&'static str> {
        labels::refuses_labels(layout)
    }

    fn open_labels(
        &self,
        opened: Opened,
        _: Option<usize>,
        file: &str,
        _: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        let reader = text_stream(opened, file)?;
        Ok(Box::new(labels::JsonLabels::open(reader, file)?))
    }
}

/// A JSON document's matrix, read whole: an array of rows, or of records
/// (objects), whose text is then handed out as rows of JSON Lines would
/// be (a record's number standing for its line in messages).
struct JsonSource {
    values: Vec<f64>,
    width: usize,
    /// The array's shape (not for records).
    dims: Option<Vec<usize>>,
    /// Records, when the rows are objects.
    records: Option<RecordRows>,
}

impl JsonSource {
    fn open(
        mut stream: Box<dyn std::io::Read + Send>,
        info: &MatrixInfo,
    ) -> Result<JsonSource, InputError> {
        let text = read_all(&mut stream, &info.file)?;
        let start = text.trim_ascii_start();
        if start.starts_with(b"[") && start[1..].trim_ascii_start().starts_with(b"{") {
            return Self::records(&text, info);
        }
        if start.starts_with(b"{") {
            let table = pandas::records(&text, &info.file)?;
            let names = RecordNames::of_names(table.names);
            return Ok(JsonSource {
                values: Vec::new(),
                width: names.names.len(),
                dims: None,
                records: Some(records_of(names, table.text, table.ends)),
            });
        }
        let mut values = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(&text);
        let (mut dims, mut rank) = (Vec::new(), None);
        ArraySeed {
            out: &mut values,
            domain: info.domain,
            dims: &mut dims,
            rank: &mut rank,
            depth: 0,
            place: 1,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| json_error(&info.file, &e, 1))?;
        let dims: Vec<usize> = dims.into_iter().map(|d| d.unwrap_or(0)).collect();
        // `[]` (no numbers, so no rank) is the empty 1-D array.
        let dims = if rank.is_some() { dims } else { vec![0] };
        let (_, width) =
            array_matrix_shape(&dims).map_err(|what| InputError::new(&info.file, what))?;
        Ok(JsonSource {
            values,
            width,
            dims: Some(dims),
            records: None,
        })
    }

    /// `orient="records"`: each object's text, one per line.
    fn records(text: &[u8], info: &MatrixInfo) -> Result<JsonSource, InputError> {
        let rows: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(text).map_err(|e| json_error(&info.file, &e, 1))?;
        let mut joined = Vec::with_capacity(text.len());
        let mut ends = Vec::with_capacity(rows.len());
        for row in &rows {
            joined.extend_from_slice(row.get().as_bytes());
            joined.push(b'\n');
            ends.push(joined.len());
        }
        let first = ends.first().map_or(&joined[..0], |&end| &joined[..end]);
        let Some(names) = RecordNames::of_first(first) else {
            return Err(InputError::new(
                &info.file,
                "an array of records (objects), but the first is not one",
            ));
        };
        Ok(JsonSource {
            values: Vec::new(),
            width: names.names.len(),
            dims: None,
            records: Some(records_of(names, joined, ends)),
        })
    }

    /// The next records, as rows of text.
    fn next_records(&self, limit: ChunkLimit, chunk: &mut RowChunk) {
        let Some(RecordRows {
            syntax, text, ends, ..
        }) = &self.records
        else {
            return;
        };
        let first = chunk.first_row as usize;
        let rows = match limit {
            ChunkLimit::Rows(r) => r,
            ChunkLimit::Bytes(b) => b.div_ceil(64),
        }
        .min(ends.len() - first);
        let start = if first == 0 { 0 } else { ends[first - 1] };
        let body = chunk.text_rows(syntax);
        if rows > 0 {
            body.text
                .extend_from_slice(&text[start..ends[first + rows - 1]]);
            body.row_ends
                .extend(ends[first..first + rows].iter().map(|&e| e - start));
        }
        chunk.rows = rows;
        chunk.first_line = first as u64 + 1;
        chunk.source_bytes = body_len(chunk);
    }
}

fn body_len(chunk: &RowChunk) -> usize {
    match &chunk.body {
        Body::Text(t) => t.text.len(),
        Body::Values(_) => 0,
    }
}

impl MatrixSource for JsonSource {
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        if self.records.is_some() {
            self.next_records(limit, chunk);
            return Ok(());
        }
        let cols = self.width.max(1);
        let first = chunk.first_row as usize;
        let rows = match limit {
            ChunkLimit::Rows(r) => r,
            ChunkLimit::Bytes(b) => b.div_ceil(8 * cols),
        }
        .min(self.values.len() / cols - first);
        chunk
            .value_rows(self.width)
            .values
            .extend_from_slice(&self.values[first * cols..(first + rows) * cols]);
        chunk.rows = rows;
        chunk.first_line = 0;
        Ok(())
    }

    fn fields(&self) -> Option<usize> {
        Some(self.width)
    }

    fn header(&self) -> Option<&[String]> {
        self.records.as_ref().map(|r| &r.names[..])
    }

    fn dims(&self) -> Option<&[usize]> {
        self.dims.as_deref()
    }
}

/// Deserializes a nested array of numbers of any rank (`[1, 2]`,
/// `[[1, 2], [3, 4]]`, deeper) into a flat vector in row-major order,
/// checking that it is not ragged; returns its shape. `[]` is no rows.
struct ArraySeed<'a> {
    out: &'a mut Vec<f64>,
    domain: Domain,
    /// The length of the arrays at each depth, as far as known.
    dims: &'a mut Vec<Option<usize>>,
    /// The depth of the numbers, once the first is seen.
    rank: &'a mut Option<usize>,
    depth: usize,
    /// 1-based place among its parent's elements.
    place: u64,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.depth == 0 {
            deserializer.deserialize_seq(self)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match *self.rank {
            _ if self.depth == 0 => "an array of numbers (a row, or an array of rows)",
            Some(rank) if rank == self.depth => "a number",
            Some(_) => "an array of numbers",
            None => "a number or an array of numbers",
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.rank.is_some_and(|rank| self.depth >= rank) {
            return Err(de::Error::custom(
                "an array where a number belongs: rows nest to different depths",
            ));
        }
        let mut length = 0usize;
        loop {
            let seed = ArraySeed {
                out: &mut *self.out,
                domain: self.domain,
                dims: &mut *self.dims,
                rank: &mut *self.rank,
                depth: self.depth + 1,
                place: length as u64 + 1,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            length += 1;
        }
        if length == 0 && self.depth > 0 {
            // At depth 1 of a 3-D array an empty array is a block of rows.
            let rows_are_here = self.rank.is_none_or(|rank| rank == 2);
            return Err(de::Error::custom(if self.depth == 1 && rows_are_here {
                format!("row {} has no values", self.place)
            } else {
                format!("an empty array at depth {}", self.depth + 1)
            }));
        }
        if self.dims.len() <= self.depth {
            self.dims.resize(self.depth + 1, None);
        }
        match self.dims[self.depth] {
            None => self.dims[self.depth] = Some(length),
            Some(known) if known != length => {
                // The flat index of this array's first element tells its row.
                let width = self
                    .dims
                    .iter()
                    .skip(self.depth)
                    .flatten()
                    .product::<usize>();
                let row = (self.out.len() - length.min(self.out.len())) / width.max(1) + 1;
                let what = if self.rank.is_some_and(|rank| rank == self.depth + 1) {
                    format!(
                        "ragged row: row {row} has {}, but earlier rows have {known}",
                        count(length, "value")
                    )
                } else {
                    format!(
                        "ragged array: an array at depth {} has {}, but earlier ones have {known}",
                        self.depth + 1,
                        count(length, "element")
                    )
                };
                return Err(de::Error::custom(what));
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.number(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(v as f64)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        if self.domain.takes_bools() {
            self.number(f64::from(u8::from(v)))
        } else {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        }
    }
}

impl ArraySeed<'_> {
    fn number<E: de::Error>(self, value: f64) -> Result<(), E> {
        match *self.rank {
            None => *self.rank = Some(self.depth),
            Some(rank) if rank != self.depth => {
                return Err(E::custom(
                    "a number where an array belongs: rows nest to different depths",
                ));
            }
            Some(_) => {}
        }
        if let Some(what) = self.domain.check(value) {
            return Err(E::custom(format!("{what} ({value})")));
        }
        self.out.push(value);
        Ok(())
    }
}

/// A document's records: their rows' syntax (which holds their names),
/// their text, one after the other, and where each ends.
struct RecordRows {
    syntax: Arc<dyn RowSyntax>,
    names: Vec<String>,
    text: Vec<u8>,
    ends: Vec<usize>,
}

/// The records' syntax and names, with their text and where each ends.
fn records_of(names: Arc<RecordNames>, text: Vec<u8>, ends: Vec<usize>) -> RecordRows {
    RecordRows {
        names: names.names.clone(),
        syntax: Arc::new(Records(names)),
        text,
        ends,
    }
}
