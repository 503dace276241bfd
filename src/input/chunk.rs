//! Chunks of whole rows and what a thread needs to parse them: a
//! [`RowChunk`] (rows of text, or of values a source converted), its
//! [`Rows`] handed out as numbers, the keys of keyed rows, and the
//! [`MatrixInfo`] (domain, column map) that says how to read them. Cut by a
//! [`super::MatrixReader`] on one thread, parsed on whichever holds them.

use std::sync::Arc;

use super::columns::{ColumnMap, MatrixInfo};
use super::count;
use super::syntax::{RowSyntax, SpanningRecords};
use crate::error::InputError;

/// How many rows to cut: at least this many bytes (then up to the end of
/// the row), or exactly this many rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkLimit {
    Bytes(usize),
    Rows(usize),
}

/// Whole rows of one input.
#[derive(Debug, Default, Clone)]
pub struct RowChunk {
    pub(super) body: Body,
    pub(super) rows: usize,
    /// The line of the first row; 0 when lines are unknown (a JSON
    /// document, `.npy`), and errors then name rows instead.
    pub(super) first_line: u64,
    pub(super) first_row: u64,
    /// Bytes of the input these rows took (0 for a JSON document).
    pub(super) source_bytes: usize,
}

/// What a chunk holds.
#[derive(Debug, Clone)]
pub(super) enum Body {
    /// Rows of text, parsed when handed out.
    Text(TextRows),
    /// Rows already converted to numbers.
    Values(ValueRows),
}

impl Default for Body {
    fn default() -> Self {
        Body::Values(ValueRows::default())
    }
}

/// Rows of text, each ending in a newline except perhaps the input's last.
#[derive(Debug, Clone)]
pub(super) struct TextRows {
    pub(super) text: Vec<u8>,
    /// Where each row ends in `text`, found while cutting.
    pub(super) row_ends: Vec<usize>,
    /// How the rows are written (the format's).
    pub(super) syntax: Arc<dyn RowSyntax>,
}

/// Rows of numbers, row after row.
#[derive(Debug, Default, Clone)]
pub(super) struct ValueRows {
    pub(super) values: Vec<f64>,
    pub(super) width: usize,
    /// A value that failed its check: the row it is in (whose values are
    /// padding) and the error, reported when that row is reached so that
    /// the rows before it come first, as in the text formats.
    pub(super) bad_row: Option<(usize, InputError)>,
    /// The rows are already the matrix's columns, in order (rows looked up
    /// by key): the column map is not applied again.
    pub(super) in_order: bool,
    /// Each row's key, when the source hands them out (typed tables).
    pub(super) keys: Option<Keys>,
}

impl RowChunk {
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Bytes of the input these rows took, for progress (0 for a JSON document).
    pub fn source_bytes(&self) -> usize {
        self.source_bytes
    }

    /// The 0-based index of the chunk's first row in its input.
    pub fn first_row(&self) -> u64 {
        self.first_row
    }

    /// The chunk as empty text rows of `syntax`, for a text source to cut
    /// into (its buffers reused).
    pub(super) fn text_rows(&mut self, syntax: &Arc<dyn RowSyntax>) -> &mut TextRows {
        if !matches!(&self.body, Body::Text(t) if Arc::ptr_eq(&t.syntax, syntax)) {
            self.body = Body::Text(TextRows {
                text: Vec::new(),
                row_ends: Vec::new(),
                syntax: syntax.clone(),
            });
        }
        let Body::Text(rows) = &mut self.body else {
            unreachable!("set just above")
        };
        rows.text.clear();
        rows.row_ends.clear();
        rows
    }

    /// The chunk as empty rows of `width` values (its buffer reused).
    pub(super) fn value_rows(&mut self, width: usize) -> &mut ValueRows {
        if !matches!(self.body, Body::Values(_)) {
            self.body = Body::Values(ValueRows::default());
        }
        let Body::Values(rows) = &mut self.body else {
            unreachable!("set just above")
        };
        rows.values.clear();
        rows.width = width;
        rows.bad_row = None;
        rows.in_order = false;
        rows.keys = None;
        rows
    }

    /// Makes the chunk `values.len() / width` rows of `width` values that
    /// are already the matrix's columns in order (rows paired by key and
    /// looked up), keeping its place in the input.
    pub fn set_ordered_values(&mut self, width: usize, values: &[f64]) {
        let rows = self.value_rows(width);
        rows.values.extend_from_slice(values);
        rows.in_order = true;
        self.rows = values.len() / width.max(1);
        self.first_line = 0;
        self.source_bytes = 0;
    }

    /// Makes the chunk rows of values filled by the caller (label lists
    /// turned into rows), starting at row `first_row` of the input.
    pub fn set_filled_values(&mut self, first_row: u64, width: usize, values: &[f64]) {
        self.first_row = first_row;
        self.set_ordered_values(width, values);
    }

    /// Appends the key of each row (the key column's text, trimmed) to
    /// `keys`, with the row's line. The key column is `info`'s.
    pub fn keys(&self, info: &MatrixInfo, keys: &mut Keys) -> Result<(), InputError> {
        keys.clear();
        let Some(field) = info.columns.as_ref().and_then(|map| map.columns.key) else {
            return Ok(());
        };
        let text = match &self.body {
            Body::Text(text) => text,
            Body::Values(rows) => {
                if let Some(row_keys) = &rows.keys {
                    keys.clone_from(row_keys);
                }
                return Ok(());
            }
        };
        if let Some(mut records) =
            (text.syntax).spanning_records(&text.text, &info.file, self.first_line)
        {
            while let Some((key, line)) = records.next_key(field)? {
                keys.push_key(key, line);
            }
            return Ok(());
        }
        let mut start = 0;
        let mut key = Vec::new();
        for (row, &end) in text.row_ends.iter().enumerate() {
            let record = &text.text[start..end];
            start = end;
            let record = record.strip_suffix(b"\n").unwrap_or(record);
            let record = record.strip_suffix(b"\r").unwrap_or(record);
            let line = self.first_line + row as u64;
            key.clear();
            text.syntax.key(record, field, info, line, &mut key);
            keys.push_key(&key, line);
        }
        Ok(())
    }

    /// The chunk's rows, parsed one at a time. Every row must have `cols`
    /// values when given, else as many as the chunk's first row.
    pub fn rows<'a>(&'a self, info: &'a MatrixInfo, cols: Option<usize>) -> Rows<'a> {
        let records = match &self.body {
            Body::Text(text) => {
                (text.syntax).spanning_records(&text.text, &info.file, self.first_line)
            }
            Body::Values(_) => None,
        };
        Rows {
            chunk: self,
            info,
            cols,
            position: 0,
            row: 0,
            line: self.first_line,
            values: Vec::with_capacity(cols.unwrap_or(0)),
            raw: Vec::new(),
            key: Vec::new(),
            records,
        }
    }
}

/// A chunk's rows, parsed one at a time (see [`RowChunk::rows`]).
pub struct Rows<'a> {
    chunk: &'a RowChunk,
    info: &'a MatrixInfo,
    cols: Option<usize>,
    /// Where the next row starts in the text.
    position: usize,
    /// The index of the next row in the chunk.
    row: usize,
    /// The line of the next row.
    line: u64,
    values: Vec<f64>,
    /// Every field's value before reordering, when the columns are mapped.
    raw: Vec<f64>,
    /// The current row's key, when the columns have one.
    key: Vec<u8>,
    /// Rows that may span lines (CSV with quotes): their own splitter.
    records: Option<Box<dyn SpanningRecords + 'a>>,
}

impl<'a> Rows<'a> {
    /// The next row's values and the line it starts on (0 when lines are
    /// unknown); `None` after the last row.
    pub fn next_row(&mut self) -> Result<Option<(&[f64], u64)>, InputError> {
        let (file, domain) = (&*self.info.file, self.info.domain);
        let map = self.info.columns.as_deref();
        self.values.clear();
        let text = match &self.chunk.body {
            Body::Values(rows) => return self.next_value_row(rows),
            Body::Text(text) => text,
        };
        let line = if let Some(records) = &mut self.records {
            match records.next_row(domain, map, &mut self.key, &mut self.values)? {
                Some(line) => line,
                None => return Ok(None),
            }
        } else {
            let Some(&end) = text.row_ends.get(self.row) else {
                return Ok(None);
            };
            let record = &text.text[self.position..end];
            self.position = end;
            self.row += 1;
            let line = self.line;
            self.line += 1;
            let (raw, key, values) = (&mut self.raw, &mut self.key, &mut self.values);
            (text.syntax).decode(record, self.info, line, raw, key, values)?;
            line
        };
        let want = *self.cols.get_or_insert(self.values.len());
        check_width(self.values.len(), want, file, line, "earlier rows have")?;
        Ok(Some((&self.values, line)))
    }

    /// The key of the row last returned, when the columns have one.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// [`Rows::next_row`], with the row's key.
    pub fn next_keyed_row(&mut self) -> Result<Option<KeyedRow<'_>>, InputError> {
        let Some((_, line)) = self.next_row()? else {
            return Ok(None);
        };
        // `next_row` left the row in `values`, or handed out a row of the
        // chunk's values unchanged.
        let values = match &self.chunk.body {
            Body::Values(rows) if self.info.columns.is_none() || rows.in_order => {
                let (row, width) = (self.row - 1, rows.width);
                &rows.values[row * width..(row + 1) * width]
            }
            _ => &self.values[..],
        };
        Ok(Some((values, line, &self.key)))
    }

    /// The next row of a chunk of numbers.
    fn next_value_row(&mut self, rows: &'a ValueRows) -> Result<Option<(&[f64], u64)>, InputError> {
        if self.row >= self.chunk.rows {
            return Ok(None);
        }
        let row = self.row;
        self.row += 1;
        if let Some((bad, error)) = &rows.bad_row
            && *bad == row
        {
            return Err(error.clone());
        }
        let width = rows.width;
        let values = &rows.values[row * width..(row + 1) * width];
        if let Some(keys) = &rows.keys {
            self.key.clear();
            self.key.extend_from_slice(keys.get(row).0);
        }
        let map = self.info.columns.as_deref().filter(|_| !rows.in_order);
        let values = match map {
            None => values,
            Some(map) if width != map.columns.fields => {
                return Err(map.ragged(width, &self.info.file, row as u64 + 1));
            }
            Some(map) => {
                map.reorder(values, 0, &mut self.values);
                &self.values
            }
        };
        if self.info.check_values {
            let row = self.chunk.first_row + row as u64 + 1;
            check(values, row, map, self.info)?;
        }
        Ok(Some((values, 0)))
    }
}

/// Checks a row of values (row `row`, 1-based) against the domain (see
/// [`MatrixInfo::check_values`]); the error names the value's field.
#[cold]
fn check(
    values: &[f64],
    row: u64,
    map: Option<&ColumnMap>,
    info: &MatrixInfo,
) -> Result<(), InputError> {
    for (j, &value) in values.iter().enumerate() {
        if let Some(what) = info.domain.check(value) {
            let field = map.map_or(j, |m| m.columns.select[j]);
            let text = crate::format::f64_to_string(value);
            let error = InputError::new(&info.file, what).at(row, Some(field as u64 + 1));
            return Err(error.text(text.as_bytes()));
        }
    }
    Ok(())
}

/// A row's values, line and key.
pub type KeyedRow<'r> = (&'r [f64], u64, &'r [u8]);

/// The keys of a chunk's rows, one after the other, with their lines.
#[derive(Debug, Default, Clone)]
pub struct Keys {
    text: Vec<u8>,
    ends: Vec<usize>,
    lines: Vec<u64>,
}

impl Keys {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.lines.clear();
    }

    pub(super) fn push_key(&mut self, key: &[u8], line: u64) {
        self.text.extend_from_slice(key.trim_ascii());
        self.ends.push(self.text.len());
        self.lines.push(line);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Row `i`'s key and line.
    pub fn get(&self, i: usize) -> (&[u8], u64) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (&self.text[start..self.ends[i]], self.lines[i])
    }
}

fn check_width(
    got: usize,
    want: usize,
    file: &str,
    line: u64,
    whose: &str,
) -> Result<(), InputError> {
    if got == want {
        return Ok(());
    }
    Err(InputError::new(
        file,
        format!("ragged row: {}, but {whose} {want}", count(got, "value")),
    )
    .at(line, None))
}
