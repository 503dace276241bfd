//! Chunks of whole rows and what a thread needs to parse them: a
//! [`RowChunk`] (rows of text, or of values a source converted), its
//! [`Rows`] handed out as numbers, the keys of keyed rows, and the
//! [`MatrixInfo`] (domain, column map) that says how to read them. Cut by a
//! [`super::MatrixReader`] on one thread, parsed on whichever holds them.

use std::sync::Arc;

use super::records::RecordNames;
use super::{Domain, count};
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
    pub(super) syntax: Syntax,
}

/// How a row of text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    /// Fields separated by this byte, RFC 4180 quoting (CSV, TSV).
    Delimited(u8),
    /// Fields separated by runs of blanks, no quoting (`np.savetxt`).
    Blanks,
    /// A JSON object per row, its keys the column names (`records`).
    Records,
    /// A JSON array per line.
    JsonLines,
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
    pub(super) fn text_rows(&mut self, syntax: Syntax) -> &mut TextRows {
        if !matches!(&self.body, Body::Text(t) if t.syntax == syntax) {
            self.body = Body::Text(TextRows {
                text: Vec::new(),
                row_ends: Vec::new(),
                syntax,
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
        if let Some(mut records) = super::csv::quoted_records(text, &info.file, self.first_line) {
            while records.next_record()? {
                let key = (field < records.field_count()).then(|| records.field(field));
                keys.push_key(key.unwrap_or_default(), records.line());
            }
            return Ok(());
        }
        let mut start = 0;
        for (row, &end) in text.row_ends.iter().enumerate() {
            let record = &text.text[start..end];
            start = end;
            let record = record.strip_suffix(b"\n").unwrap_or(record);
            let record = record.strip_suffix(b"\r").unwrap_or(record);
            let key = match text.syntax {
                Syntax::Delimited(delimiter) => record.split(|&b| b == delimiter).nth(field),
                Syntax::Blanks => super::blanks::fields(record).nth(field),
                Syntax::Records => {
                    let line = self.first_line + row as u64;
                    if let Some(names) = &info.records {
                        let record_key = super::records::Record {
                            names,
                            map: None,
                            domain: info.domain,
                            file: &info.file,
                            line,
                        };
                        keys.push_key(&record_key.key(record, field), line);
                        continue;
                    }
                    None
                }
                Syntax::JsonLines => None,
            };
            keys.push_key(key.unwrap_or_default(), self.first_line + row as u64);
        }
        Ok(())
    }

    /// The chunk's rows, parsed one at a time. Every row must have `cols`
    /// values when given, else as many as the chunk's first row.
    pub fn rows<'a>(&'a self, info: &'a MatrixInfo, cols: Option<usize>) -> Rows<'a> {
        let records = match &self.body {
            Body::Text(text) => super::csv::quoted_records(text, &info.file, self.first_line),
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
    /// CSV/TSV with quotes: the general record splitter.
    records: Option<super::csv::RecordReader<&'a [u8]>>,
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
            let decoded = match map {
                None => super::csv::decode_record(records, domain, &mut self.values)?,
                Some(map) => super::csv::decode_mapped_record(
                    records,
                    domain,
                    map,
                    &mut self.key,
                    &mut self.values,
                )?,
            };
            match decoded {
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
            match (text.syntax, map) {
                // The common case on its own: no map, so nothing to reorder
                // and no key, and the field loop keeps `values` to itself.
                (Syntax::Delimited(delimiter), None) => {
                    super::csv::decode_row(record, delimiter, domain, file, line, &mut self.values)?
                }
                (syntax, _) => {
                    let (raw, key, values) = (&mut self.raw, &mut self.key, &mut self.values);
                    decode_text_row(syntax, record, self.info, line, raw, key, values)?
                }
            }
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

/// Parses one row of text of `syntax` (at `line`) into `values`, through
/// `info`'s column map; `raw` is scratch, `key` gets the key field.
#[inline(always)]
fn decode_text_row(
    syntax: Syntax,
    record: &[u8],
    info: &MatrixInfo,
    line: u64,
    raw: &mut Vec<f64>,
    key: &mut Vec<u8>,
    values: &mut Vec<f64>,
) -> Result<(), InputError> {
    let (file, domain) = (&*info.file, info.domain);
    let map = info.columns.as_deref();
    match (syntax, map) {
        (Syntax::Delimited(delimiter), map) => {
            let row = super::csv::MappedRow {
                delimiter,
                domain,
                file,
                line,
                map,
            };
            row.decode(record, raw, key, values)?
        }
        (Syntax::Blanks, map) => {
            super::blanks::decode_row(record, domain, file, line, map, key, values)?
        }
        (Syntax::Records, map) => match &info.records {
            Some(names) => {
                let record_text = record;
                let names = &**names;
                let record = super::records::Record {
                    names,
                    map,
                    domain,
                    file,
                    line,
                };
                record.decode(record_text, key, values)?
            }
            None => super::jsonl::decode_row(record, domain, file, line, values)?,
        },
        (Syntax::JsonLines, None) => super::jsonl::decode_row(record, domain, file, line, values)?,
        (Syntax::JsonLines, Some(map)) => {
            super::jsonl::decode_row(record, domain, file, line, raw)?;
            if raw.len() != map.columns.fields {
                return Err(map.ragged(raw.len(), file, line));
            }
            map.reorder(raw, 0, values);
        }
    }
    Ok(())
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

/// What a thread needs to parse an input's chunks.
#[derive(Debug, Clone)]
pub struct MatrixInfo {
    /// The input as messages name it.
    pub file: Arc<str>,
    pub domain: Domain,
    /// Which fields are the matrix's columns, when not all of them in order.
    pub columns: Option<Arc<ColumnMap>>,
    /// Rows of values are checked against `domain` as they are handed out
    /// (a view of a file whose reader checked another domain).
    pub check_values: bool,
    /// The column names of JSON records, when the rows are objects.
    pub records: Option<Arc<RecordNames>>,
}

/// Which fields of each row become the matrix's columns, in which order,
/// and which field keys the row: how the plan pairs inputs whose columns
/// are named in another order, or that have an index or key column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Fields in every row (the header's width).
    pub fields: usize,
    /// For each column of the matrix, the field it comes from.
    pub select: Vec<usize>,
    /// The field holding the row's key (an index or `--key` column).
    pub key: Option<usize>,
}

/// [`Columns`] ready for decoding: what each field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub columns: Columns,
    /// Per field: the matrix column it fills, or `None` (key, or left out).
    slots: Vec<Option<usize>>,
    /// When every field that is not a column comes first (an index or key
    /// in the first column, the usual case): how many; the rest of the row
    /// is then parsed by the fast path and reordered.
    lead: Option<usize>,
    /// With `lead`: the remaining fields are the columns in order (only an
    /// index or key was left out), so they need no reordering.
    in_order_after_lead: bool,
}

impl ColumnMap {
    pub fn new(columns: Columns) -> ColumnMap {
        let mut slots = vec![None; columns.fields];
        for (column, &field) in columns.select.iter().enumerate() {
            slots[field] = Some(column);
        }
        let lead = slots.iter().take_while(|s| s.is_none()).count();
        let lead = slots[lead..].iter().all(Option::is_some).then_some(lead);
        let in_order_after_lead = lead.is_some_and(|lead| {
            columns
                .select
                .iter()
                .enumerate()
                .all(|(column, &field)| field == lead + column)
        });
        ColumnMap {
            columns,
            slots,
            lead,
            in_order_after_lead,
        }
    }

    /// The matrix column that field `field` fills, if any.
    #[inline]
    pub(super) fn slot(&self, field: usize) -> Option<usize> {
        self.slots.get(field).copied().flatten()
    }

    /// Leading fields that are not columns, if all such fields lead.
    pub(super) fn lead(&self) -> Option<usize> {
        self.lead
    }

    /// Whether the fields after the leading ones are the columns in order.
    pub(super) fn in_order_after_lead(&self) -> bool {
        self.in_order_after_lead
    }

    /// Puts `raw` (every field's value, in field order, or the fields after
    /// `skip` leading ones) into `values` in the matrix's order.
    #[inline]
    pub(super) fn reorder(&self, raw: &[f64], skip: usize, values: &mut Vec<f64>) {
        values.clear();
        values.extend(self.columns.select.iter().map(|&field| raw[field - skip]));
    }

    /// The error for a row of `got` fields.
    pub(super) fn ragged(&self, got: usize, file: &str, line: u64) -> InputError {
        let what = format!(
            "ragged row: {}, but the header has {}",
            count(got, "field"),
            self.columns.fields
        );
        InputError::new(file, what).at_line_if_known(line)
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
