//! CSV and TSV: records and fields (RFC 4180 quoting), numbers in them,
//! and numeric matrices written this way ([`CsvSource`]).
//!
//! CSV is split here rather than by the `csv` crate: the `csv` crate skips
//! blank lines, but a blank line is a sample without labels (binarize) or a
//! hole that would misalign two matrices (loss), and fields are handed out as
//! byte slices with no allocation per field.

use std::io::BufRead;
use std::sync::Arc;

use super::first_line::{self, HeaderWhy};
use super::matrix::{ChunkLimit, ColumnMap, MatrixInfo, MatrixSource, RowChunk, Syntax, TextRows};
use super::text::TextCutter;
use super::{Delimiter, Dialect, Domain, Opened, read_error};
use crate::error::InputError;

/// A numeric matrix in CSV or TSV: a UTF-8 byte order mark is skipped, and
/// a first line of text with no number in it is a header.
pub(super) struct CsvSource {
    text: TextCutter,
    header: Option<Vec<String>>,
    /// The fields of the header, or else of the first row.
    fields: Option<usize>,
    /// How the first line was taken, and why.
    why: HeaderWhy,
    /// A first line that may be pandas' names `0,1,…` (and its length),
    /// until the pairing decides.
    candidate: Option<(Vec<String>, usize)>,
    /// How fields are separated, for `--explain`.
    syntax: Syntax,
}

impl CsvSource {
    /// `header` says whether the first line is a header: by its content
    /// (text and no number), or as the user says (`--input-header`).
    /// `delimiter` is the format's, unless `dialect` names one; a `,` input
    /// whose first line is numbers separated by blanks is read as such.
    pub(super) fn open(
        input: Opened,
        delimiter: u8,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<CsvSource, InputError> {
        let syntax = match dialect.delimiter {
            Some(Delimiter::Char(c)) => Syntax::Delimited(c),
            Some(Delimiter::Blanks) => Syntax::Blanks,
            None => Syntax::Delimited(delimiter),
        };
        let mut text = TextCutter::open(input, info.file.clone(), syntax);
        // Before anything looks at quotes: a quote after the mark (Excel's
        // "CSV UTF-8") opens the first field.
        if text.first_row()?.starts_with(super::UTF8_BOM) {
            text.skip(super::UTF8_BOM.len());
        }
        // np.savetxt's output, in a file read as CSV.
        let syntax = super::blanks::savetxt_syntax(&mut text, syntax, dialect)?;
        text.set_syntax(syntax);
        let first_line::Taken {
            header,
            fields,
            why,
            candidate,
        } = first_line::take(&mut text, syntax, &info.file, info.domain, dialect.header)?;
        Ok(CsvSource {
            text,
            header,
            fields,
            why,
            candidate,
            syntax,
        })
    }
}

impl MatrixSource for CsvSource {
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        self.text.next_chunk(limit, chunk)
    }

    fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    fn fields(&self) -> Option<usize> {
        self.fields
    }

    fn header_why(&self) -> Option<HeaderWhy> {
        Some(self.why)
    }

    fn format_name(&self) -> Option<&'static str> {
        Some(match self.syntax {
            Syntax::Delimited(b',') => "CSV",
            Syntax::Delimited(b'\t') => "TSV",
            Syntax::Delimited(_) => "CSV with --delimiter's separator",
            _ => "text of blank-separated numbers (np.savetxt)",
        })
    }

    fn header_candidate(&self) -> Option<&[String]> {
        self.candidate.as_ref().map(|(names, _)| &names[..])
    }

    fn settle_candidate(&mut self, why: HeaderWhy) {
        let Some((names, len)) = self.candidate.take() else {
            return;
        };
        self.why = why;
        if why.is_header() {
            self.text.skip(len);
            self.header = Some(names);
        }
    }
}

/// A record splitter over a chunk of CSV/TSV rows with quotes in them
/// (whose rows may span lines); `None` for rows without quotes, which are
/// split by the faster [`decode_row`].
pub(super) fn quoted_records<'a>(
    text: &'a TextRows,
    file: &Arc<str>,
    first_line: u64,
) -> Option<RecordReader<&'a [u8]>> {
    let Syntax::Delimited(delimiter) = text.syntax else {
        return None;
    };
    memchr::memchr(b'"', &text.text)?;
    Some(RecordReader::starting_at(
        &text.text[..],
        file,
        delimiter,
        first_line,
    ))
}

/// Parses the next record of `records` into `out`; its line, or `None`
/// at the end.
pub(super) fn decode_record(
    records: &mut RecordReader<&[u8]>,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Result<Option<u64>, InputError> {
    if !records.next_record()? {
        return Ok(None);
    }
    for i in 0..records.field_count() {
        let value = parse_cell(records.field(i), domain)
            .map_err(|what| cell_error(records, i, what, domain))?;
        out.push(value);
    }
    if records.field_count() == 0 {
        return Err(
            InputError::new(records.file(), "empty line in a numeric matrix")
                .at(records.line(), None),
        );
    }
    Ok(Some(records.line()))
}

/// Parses the next record of `records` into `values` through `map`
/// (fields reordered, the key field into `key`); its line, or `None` at
/// the end.
pub(super) fn decode_mapped_record(
    records: &mut RecordReader<&[u8]>,
    domain: Domain,
    map: &ColumnMap,
    key: &mut Vec<u8>,
    values: &mut Vec<f64>,
) -> Result<Option<u64>, InputError> {
    if !records.next_record()? {
        return Ok(None);
    }
    let fields = records.field_count();
    if fields == 0 {
        return Err(
            InputError::new(records.file(), "empty line in a numeric matrix")
                .at(records.line(), None),
        );
    }
    if fields != map.columns.fields {
        return Err(map.ragged(fields, records.file(), records.line()));
    }
    values.clear();
    values.resize(map.columns.select.len(), 0.0);
    for i in 0..fields {
        if let Some(column) = map.slot(i) {
            values[column] = parse_cell(records.field(i), domain)
                .map_err(|what| cell_error(records, i, what, domain))?;
        } else if map.columns.key == Some(i) {
            key.clear();
            key.extend_from_slice(records.field(i).trim_ascii());
        }
    }
    Ok(Some(records.line()))
}

/// What is wrong with `cell`, field `field` (0-based) of its row: in the
/// first field, with the hint that names an index column where it fits.
/// Every path that parses a row says it alike, so that the message does
/// not depend on how the input was cut into chunks.
fn first_field_hint(domain: Domain, field: usize, what: &'static str, cell: &[u8]) -> String {
    match field {
        0 => domain.hint_first_field(what, cell),
        _ => what.to_owned(),
    }
}

/// [`first_field_hint`]'s error for field `i` of the current record.
fn cell_error(
    records: &RecordReader<&[u8]>,
    i: usize,
    what: &'static str,
    domain: Domain,
) -> InputError {
    records.error_at(i, first_field_hint(domain, i, what, records.field(i)))
}

/// One quote-free row to parse, through a [`ColumnMap`] when the matrix's
/// columns are not all the fields in order.
pub(super) struct MappedRow<'a> {
    pub(super) delimiter: u8,
    pub(super) domain: Domain,
    pub(super) file: &'a str,
    pub(super) line: u64,
    pub(super) map: Option<&'a ColumnMap>,
}

impl MappedRow<'_> {
    /// Parses `record` (with its line end, if any) into `values` in the
    /// matrix's order, its key field into `key`; `raw` is scratch.
    ///
    /// Every row goes through one call of [`decode_fields`], the fast path:
    /// all of it, or the fields after the leading ones that are not
    /// columns (an index, a key), then reordered if need be. Only a map
    /// that leaves out fields between columns takes the field-by-field
    /// path.
    #[inline]
    pub(super) fn decode(
        &self,
        record: &[u8],
        raw: &mut Vec<f64>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let record = without_line_end(record, self.file, self.line)?;
        let (rest, lead, in_order) = match self.map {
            None => (record, 0, true),
            Some(map) => match map.lead() {
                Some(lead) => (
                    self.split_lead(record, lead, map, key)?,
                    lead,
                    map.in_order_after_lead(),
                ),
                None => return self.decode_each(record, map, key, values),
            },
        };
        let parsed = if in_order { &mut *values } else { &mut *raw };
        parsed.clear();
        let got = decode_fields(
            rest,
            self.delimiter,
            self.domain,
            self.file,
            self.line,
            lead,
            parsed,
        )
        .map_err(|error| self.ragged_first(record, error))?;
        if let Some(map) = self.map {
            if lead + got != map.columns.fields {
                return Err(map.ragged(lead + got, self.file, self.line));
            }
            if !in_order {
                map.reorder(raw, lead, values);
            }
        }
        Ok(())
    }

    /// A row that does not fit the map is reported as ragged before any
    /// bad value in it, as the quoted-record path (which counts fields
    /// first) reports it: the message must not depend on how the input
    /// was cut into chunks.
    #[cold]
    fn ragged_first(&self, record: &[u8], error: InputError) -> InputError {
        match self.map {
            Some(map) => {
                let fields = memchr::memchr_iter(self.delimiter, record).count() + 1;
                if fields == map.columns.fields {
                    error
                } else {
                    map.ragged(fields, self.file, self.line)
                }
            }
            None => error,
        }
    }

    /// The fields after the first `lead`, taking the key from among them.
    fn split_lead<'r>(
        &self,
        record: &'r [u8],
        lead: usize,
        map: &ColumnMap,
        key: &mut Vec<u8>,
    ) -> Result<&'r [u8], InputError> {
        let mut start = 0;
        for field in 0..lead {
            let Some(end) = memchr::memchr(self.delimiter, &record[start..]) else {
                return Err(map.ragged(field + 1, self.file, self.line));
            };
            if map.columns.key == Some(field) {
                key.clear();
                key.extend_from_slice(record[start..start + end].trim_ascii());
            }
            start += end + 1;
        }
        if start == record.len() {
            let error =
                InputError::new(self.file, "empty cell").at(self.line, Some(lead as u64 + 1));
            return Err(self.ragged_first(record, error.text(b"")));
        }
        Ok(&record[start..])
    }

    /// Field by field, for maps that leave out fields between columns.
    fn decode_each(
        &self,
        record: &[u8],
        map: &ColumnMap,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        values.clear();
        values.resize(map.columns.select.len(), 0.0);
        let mut got = 0;
        for (field, cell) in record.split(|&b| b == self.delimiter).enumerate() {
            got += 1;
            if let Some(column) = map.slot(field) {
                values[column] = parse_cell(cell, self.domain).map_err(|what| {
                    let error = InputError::new(
                        self.file,
                        first_field_hint(self.domain, field, what, cell),
                    )
                    .at(self.line, Some(field as u64 + 1))
                    .text(cell);
                    self.ragged_first(record, error)
                })?;
            } else if map.columns.key == Some(field) {
                key.clear();
                key.extend_from_slice(cell.trim_ascii());
            }
        }
        if got != map.columns.fields {
            return Err(map.ragged(got, self.file, self.line));
        }
        Ok(())
    }
}

/// Parses a quote-free `record` (with its line end, if any) of a matrix read
/// without a column map into `out`.
#[inline]
pub(super) fn decode_row(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    file: &str,
    line: u64,
    out: &mut Vec<f64>,
) -> Result<(), InputError> {
    let record = without_line_end(record, file, line)?;
    decode_fields(record, delimiter, domain, file, line, 0, out)?;
    Ok(())
}

/// `record` without its `\n` or `\r\n`; an empty line is an error.
#[inline]
fn without_line_end<'r>(record: &'r [u8], file: &str, line: u64) -> Result<&'r [u8], InputError> {
    let record = record.strip_suffix(b"\n").unwrap_or(record);
    let record = record.strip_suffix(b"\r").unwrap_or(record);
    if record.is_empty() {
        return Err(InputError::new(file, "empty line in a numeric matrix").at(line, None));
    }
    Ok(record)
}

/// Parses the quote-free `fields` of a row, the first of which is field
/// `first_field` (0-based) of the row, into `out`; returns how many.
/// Always inlined: it is the row loop, and a call costs 4% of `mean`
/// when the compiler chooses not to inline it (it did so once when
/// unrelated code nearby changed).
#[inline(always)]
fn decode_fields(
    fields: &[u8],
    delimiter: u8,
    domain: Domain,
    file: &str,
    line: u64,
    first_field: usize,
    out: &mut Vec<f64>,
) -> Result<usize, InputError> {
    parse_plain_record(fields, delimiter, domain, out).map_err(|(field, what)| {
        let cell = fields
            .split(|&b| b == delimiter)
            .nth(field)
            .unwrap_or_default();
        let what = first_field_hint(domain, first_field + field, what, cell);
        InputError::new(file, what)
            .at(line, Some((first_field + field) as u64 + 1))
            .text(cell)
    })
}

/// Splits CSV/TSV text into records and fields.
///
/// RFC 4180 quoting is honoured (`"a,b"` is one field, `""` is a quote, a
/// quoted field may span lines); lines end in `\n` or `\r\n`; a UTF-8 byte
/// order mark at the start is skipped. An empty line is a record with no
/// fields.
pub struct RecordReader<R> {
    reader: R,
    file: String,
    delimiter: u8,
    /// The raw bytes of the current record, without its line terminator.
    record: Vec<u8>,
    /// Unescaped field bytes, used only when the record contains quotes.
    unquoted: Vec<u8>,
    uses_unquoted: bool,
    /// Byte ranges of the fields, into `record` or `unquoted`.
    fields: Vec<(usize, usize)>,
    /// Line on which the current record starts.
    line: u64,
    /// Line on which the next record starts.
    next_line: u64,
    /// The input's start is here, so a byte order mark is to be skipped.
    at_input_start: bool,
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(reader: R, file: &str, delimiter: u8) -> Self {
        RecordReader {
            at_input_start: true,
            ..Self::starting_at(reader, file, delimiter, 1)
        }
    }

    /// A reader of text taken from line `first_line` of the file, after
    /// any byte order mark.
    pub fn starting_at(reader: R, file: &str, delimiter: u8, first_line: u64) -> Self {
        RecordReader {
            reader,
            file: file.to_owned(),
            delimiter,
            record: Vec::new(),
            unquoted: Vec::new(),
            uses_unquoted: false,
            fields: Vec::new(),
            line: 0,
            next_line: first_line,
            at_input_start: false,
        }
    }

    /// Reads the next record; `false` at the end of the input.
    pub fn next_record(&mut self) -> Result<bool, InputError> {
        self.record.clear();
        self.fields.clear();
        self.line = self.next_line;
        let mut quotes = QuoteState::default();
        loop {
            let start = self.record.len();
            // At most the longest line allowed, plus one byte to tell.
            let room = (super::max_line_bytes() + 1).saturating_sub(start) as u64;
            let n = std::io::Read::take(&mut self.reader, room)
                .read_until(b'\n', &mut self.record)
                .map_err(|e| read_error(&self.file, &e))?;
            if self.record.len() > super::max_line_bytes() {
                return Err(super::line_too_long(&self.file, self.line));
            }
            if n == 0 && start == 0 {
                return Ok(false);
            }
            if n > 0 {
                self.next_line += 1;
                // The mark goes before any quote is looked at: a quote
                // after it opens the first field.
                if self.at_input_start
                    && self.line == 1
                    && start == 0
                    && self.record.starts_with(super::UTF8_BOM)
                {
                    self.record.drain(..super::UTF8_BOM.len());
                }
                let chunk = &self.record[start..];
                if quotes.inside || memchr::memchr(b'"', chunk).is_some() {
                    quotes.feed(chunk, self.delimiter);
                }
            }
            if !quotes.inside {
                break;
            }
            // A quoted field goes on past this newline, unless the input ended.
            if n == 0 || self.record.last() != Some(&b'\n') {
                return Err(
                    InputError::new(&self.file, "quoted field is never closed").at(self.line, None)
                );
            }
        }
        if self.record.last() == Some(&b'\n') {
            self.record.pop();
        }
        // `\r\n`, or a `\r` that ends the input: either way a line ending,
        // as the quote-free path reads it.
        if self.record.last() == Some(&b'\r') {
            self.record.pop();
        }
        self.split_fields()?;
        Ok(true)
    }

    fn split_fields(&mut self) -> Result<(), InputError> {
        if self.record.is_empty() {
            self.uses_unquoted = false;
            return Ok(());
        }
        if memchr::memchr(b'"', &self.record).is_none() {
            self.uses_unquoted = false;
            let mut start = 0;
            for end in memchr::memchr_iter(self.delimiter, &self.record) {
                self.fields.push((start, end));
                start = end + 1;
            }
            self.fields.push((start, self.record.len()));
            return Ok(());
        }
        self.uses_unquoted = true;
        self.unquoted.clear();
        let bytes = &self.record;
        let mut i = 0;
        loop {
            let field_start = self.unquoted.len();
            let column = self.fields.len() as u64 + 1;
            if bytes.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match memchr::memchr(b'"', &bytes[i..]) {
                        None => {
                            return Err(InputError::new(
                                &self.file,
                                "quoted field is never closed",
                            )
                            .at(self.line, Some(column)));
                        }
                        Some(q) => {
                            self.unquoted.extend_from_slice(&bytes[i..i + q]);
                            i += q + 1;
                            if bytes.get(i) == Some(&b'"') {
                                self.unquoted.push(b'"');
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                match bytes.get(i) {
                    None => {}
                    Some(&b) if b == self.delimiter => {}
                    Some(_) => {
                        let end = memchr::memchr(self.delimiter, &bytes[i..])
                            .map_or(bytes.len(), |d| i + d);
                        return Err(InputError::new(&self.file, "text after a closing quote")
                            .at(self.line, Some(column))
                            .text(&bytes[i..end]));
                    }
                }
            } else {
                let end =
                    memchr::memchr(self.delimiter, &bytes[i..]).map_or(bytes.len(), |d| i + d);
                if memchr::memchr(b'"', &bytes[i..end]).is_some() {
                    return Err(
                        InputError::new(&self.file, "quote inside an unquoted field")
                            .at(self.line, Some(column))
                            .text(&bytes[i..end]),
                    );
                }
                self.unquoted.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            self.fields.push((field_start, self.unquoted.len()));
            if i >= bytes.len() {
                break;
            }
            i += 1; // the delimiter
            if i == bytes.len() {
                // A trailing delimiter ends with an empty field.
                self.fields.push((self.unquoted.len(), self.unquoted.len()));
                break;
            }
        }
        Ok(())
    }

    /// The line on which the current record starts (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    pub fn field(&self, index: usize) -> &[u8] {
        let (start, end) = self.fields[index];
        if self.uses_unquoted {
            &self.unquoted[start..end]
        } else {
            &self.record[start..end]
        }
    }

    /// An error at field `index` (0-based) of the current record.
    pub fn error_at(&self, index: usize, what: impl Into<String>) -> InputError {
        InputError::new(&self.file, what)
            .at(self.line, Some(index as u64 + 1))
            .text(self.field(index))
    }
}

/// Tracks whether a record's bytes so far end inside a quoted field, so
/// that a newline there continues the record.
#[derive(Debug)]
pub(crate) struct QuoteState {
    pub(crate) inside: bool,
    at_field_start: bool,
    /// The previous byte closed a quoted field: a quote now is an escaped `""`.
    just_closed: bool,
}

impl Default for QuoteState {
    fn default() -> Self {
        QuoteState {
            inside: false,
            at_field_start: true,
            just_closed: false,
        }
    }
}

impl QuoteState {
    pub(crate) fn feed(&mut self, bytes: &[u8], delimiter: u8) {
        for &b in bytes {
            if self.inside {
                if b == b'"' {
                    self.inside = false;
                    self.just_closed = true;
                }
                continue;
            }
            if b == b'"' && (self.at_field_start || self.just_closed) {
                self.inside = true;
            }
            self.just_closed = false;
            self.at_field_start = b == delimiter || b == b'\n';
        }
    }
}

/// Parses one CSV/TSV cell as a number. Spaces around it are allowed.
pub(crate) fn parse_cell(cell: &[u8], domain: Domain) -> Result<f64, &'static str> {
    let trimmed = cell.trim_ascii();
    if trimmed.is_empty() {
        return Err("empty cell");
    }
    match fast_float2::parse::<f64, _>(trimmed) {
        Ok(value) => domain.check(value).map_or(Ok(value), Err),
        Err(_) if domain.takes_bools() && as_bool(trimmed).is_some() => {
            Ok(f64::from(u8::from(as_bool(trimmed) == Some(true))))
        }
        Err(_) if std::str::from_utf8(cell).is_err() => Err("invalid UTF-8"),
        Err(_) => Err("not a number"),
    }
}

/// `True`/`False` as pandas writes bools (and `true`, `TRUE`, …).
fn as_bool(text: &[u8]) -> Option<bool> {
    match text {
        b"True" | b"true" | b"TRUE" => Some(true),
        b"False" | b"false" | b"FALSE" => Some(false),
        _ => None,
    }
}

/// A first CSV line is a header when it has text and none of its non-empty
/// fields is a number. A line mixing numbers and text is data, so that a typo
/// in the first row is reported instead of the row being dropped.
pub(crate) fn is_header<R: BufRead>(records: &RecordReader<R>) -> bool {
    let mut has_text = false;
    for i in 0..records.field_count() {
        let cell = records.field(i).trim_ascii();
        if cell.is_empty() {
            continue;
        }
        if parse_cell(cell, Domain::FINITE) != Err("not a number") || as_bool(cell).is_some() {
            return false;
        }
        has_text = true;
    }
    has_text
}

/// A record of one-digit fields (`0,1,0,…`: hard targets, binarize's
/// output) in one pass without per-field branches; `None` if the record is
/// anything else.
#[inline]
fn parse_digit_record(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Option<Result<usize, (usize, &'static str)>> {
    let fields = record.len().div_ceil(2);
    // Most other records fail on their second byte.
    if record.len().is_multiple_of(2) || record.get(1).is_some_and(|&b| b != delimiter) {
        return None;
    }
    // Digits at even offsets, delimiters at odd ones.
    let mut mismatch = 0u8;
    for (i, &b) in record.iter().enumerate() {
        let want_digit = i % 2 == 0;
        let is_digit = b.wrapping_sub(b'0') <= 9;
        let is_delimiter = b == delimiter;
        mismatch |= u8::from(if want_digit { !is_digit } else { !is_delimiter });
    }
    if mismatch != 0 {
        return None;
    }
    out.extend(record.iter().step_by(2).map(|&d| f64::from(d - b'0')));
    if domain.range != crate::domain::Range::Any {
        // Each digit that occurs is checked once, not each field: a check
        // per field cost more than the parse (and its codegen shifted with
        // unrelated changes elsewhere).
        let digits = || record.iter().step_by(2).map(|&d| d - b'0');
        let present = digits().fold(0u16, |seen, d| seen | 1 << d);
        let bad = (0..10u8)
            .filter(|&d| present >> d & 1 != 0 && domain.check(f64::from(d)).is_some())
            .fold(0u16, |bad, d| bad | 1 << d);
        if bad != 0
            && let Some((field, d)) = digits().enumerate().find(|&(_, d)| bad >> d & 1 != 0)
            && let Some(what) = domain.check(f64::from(d))
        {
            return Some(Err((field, what)));
        }
    }
    Some(Ok(fields))
}

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A field `[-+]digits[.digits]` of at most 15 digits, ending at the
/// delimiter or the record's end: its value and length. Such a value is
/// m / 10^k with m < 2^53 and k ≤ 15, both exact in f64, so the one
/// division is correctly rounded (Clinger's fast path): the same f64 as
/// fast-float2 gives, without depending on LLVM inlining fast-float2's
/// parser into the field loop (which code elsewhere in the crate tipped
/// either way, at 10% of a CSV `mean`'s instructions). Anything else
/// (more digits, an exponent, spaces) is `None`, for fast-float2.
#[inline(always)]
fn short_decimal(field: &[u8], delimiter: u8) -> Option<(f64, usize)> {
    let (negative, mut i) = match field.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    // The digits from `i` on, appended to `mantissa`: how many.
    let mut mantissa = 0u64;
    let mut run = |i: &mut usize| {
        let start = *i;
        while let Some(d) = field
            .get(*i)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|&d| d <= 9)
        {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            *i += 1;
        }
        *i - start
    };
    let digits = run(&mut i);
    let mut decimals = 0usize;
    if field.get(i) == Some(&b'.') {
        i += 1;
        decimals = run(&mut i);
    }
    let total = digits + decimals;
    if total == 0 || total > 15 || field.get(i).is_some_and(|&b| b != delimiter) {
        return None;
    }
    // m < 10^15 < 2^53: exact as f64.
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
    Some((if negative { -value } else { value }, i))
}

/// Parses the fields of one quote-free record into `out`, returning how
/// many there were. `Err` carries the 0-based field index and what is wrong.
#[inline]
pub fn parse_plain_record(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Result<usize, (usize, &'static str)> {
    if let Some(fields) = parse_digit_record(record, delimiter, domain, out) {
        return fields;
    }
    let mut position = 0;
    let mut field = 0;
    loop {
        let rest = &record[position..];
        let (value, used) = match rest {
            // Hard 0/1 targets and other one-digit values.
            [d @ b'0'..=b'9', tail @ ..] if tail.first().is_none_or(|&b| b == delimiter) => {
                ((d - b'0') as f64, 1)
            }
            // Short plain decimals (`-1.234567`, what `%.7g` writes), exactly.
            _ if let Some((value, used)) = short_decimal(rest, delimiter) => (value, used),
            // fast-float2 reads the number and says where it ends; the field
            // must end there too.
            _ => match fast_float2::parse_partial::<f64, _>(rest) {
                Ok((value, used)) if rest.get(used).is_none_or(|&b| b == delimiter) => {
                    (value, used)
                }
                // Spaces, `0x10`, garbage: the general parser decides.
                _ => {
                    let used = memchr::memchr(delimiter, rest).unwrap_or(rest.len());
                    let value = parse_cell(&rest[..used], domain).map_err(|what| (field, what))?;
                    (value, used)
                }
            },
        };
        if let Some(what) = domain.check(value) {
            return Err((field, what));
        }
        out.push(value);
        field += 1;
        position += used;
        if position >= record.len() {
            return Ok(field);
        }
        position += 1; // the delimiter
        if position == record.len() {
            // A trailing delimiter leaves an empty last field.
            return Err((field, "empty cell"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short-decimal path gives fast-float2's f64, bit for bit, on
    /// every form it takes, and declines the others.
    #[test]
    fn short_decimals_are_fast_floats_values() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut taken = 0;
        for _ in 0..200_000 {
            let r = next();
            let int_digits = (r % 9) as usize;
            let decimals = (r >> 8) as usize % 12;
            let mut text = String::new();
            match (r >> 16) % 3 {
                0 => text.push('-'),
                1 => text.push('+'),
                _ => {}
            }
            for _ in 0..int_digits {
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
            if (r >> 20) % 4 != 0 {
                text.push('.');
                for _ in 0..decimals {
                    text.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            let field = format!("{text},1");
            let got = short_decimal(field.as_bytes(), b',');
            let want = fast_float2::parse_partial::<f64, _>(text.as_bytes())
                .ok()
                .filter(|&(_, used)| used == text.len());
            match got {
                Some((value, used)) => {
                    taken += 1;
                    assert_eq!(used, text.len(), "{text}");
                    let (w, _) = want.unwrap_or_else(|| panic!("{text}: fast-float2 refuses"));
                    assert_eq!(value.to_bits(), w.to_bits(), "{text}");
                }
                None => {
                    let digits = text.bytes().filter(u8::is_ascii_digit).count();
                    assert!(digits == 0 || digits > 15, "{text} declined");
                }
            }
        }
        assert!(taken > 100_000, "{taken}");
        for declined in [
            "1e5", "1.5e-3", " 1", "1 ", "0x10", "1_000", "--1", "1.2.3", ".", "-", "",
        ] {
            let field = format!("{declined},");
            assert!(
                short_decimal(field.as_bytes(), b',').is_none(),
                "{declined}"
            );
        }
        assert_eq!(
            short_decimal(b"-0.0", b',').map(|(v, _)| v.to_bits()),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(short_decimal(b"5.", b','), Some((5.0, 2)));
        assert_eq!(short_decimal(b".5", b','), Some((0.5, 2)));
    }

    fn records(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut r = RecordReader::new(text.as_bytes(), "t.csv", b',');
        let mut out = Vec::new();
        while r.next_record().unwrap() {
            let fields = (0..r.field_count())
                .map(|i| String::from_utf8(r.field(i).to_vec()).unwrap())
                .collect();
            out.push((r.line(), fields));
        }
        out
    }

    #[test]
    fn splits_records_and_keeps_blank_lines() {
        let got = records("a,b\n\nc\r\n,\n");
        assert_eq!(
            got,
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec![]),
                (3, vec!["c".into()]),
                (4, vec!["".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn last_line_without_newline_is_a_record() {
        assert_eq!(
            records("1\n2"),
            vec![(1, vec!["1".into()]), (2, vec!["2".into()])]
        );
    }

    #[test]
    fn honours_quotes_across_lines() {
        let got = records("\"a,b\",\"say \"\"hi\"\"\"\n\"x\ny\",z,\n");
        assert_eq!(
            got,
            vec![
                (1, vec!["a,b".into(), "say \"hi\"".into()]),
                (2, vec!["x\ny".into(), "z".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn skips_byte_order_mark() {
        assert_eq!(records("\u{feff}a\n"), vec![(1, vec!["a".into()])]);
    }

    #[test]
    fn bad_quoting_is_an_error_with_place() {
        let mut r = RecordReader::new(&b"ok\na\"b,c\n"[..], "t.csv", b',');
        assert!(r.next_record().unwrap());
        let e = r.next_record().unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:2:1: quote inside an unquoted field (\"a\\\"b\")"
        );
        let mut r = RecordReader::new(&b"\"abc\n"[..], "t.csv", b',');
        assert_eq!(r.next_record().unwrap_err().line, Some(1));
    }

    #[test]
    fn plain_records_fall_back_for_anything_unusual() {
        let mut out = Vec::new();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e400x,", b',', Domain::FINITE, &mut out),
            Err((2, "not a number"))
        );
        out.clear();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e23", b',', Domain::FINITE, &mut out),
            Ok(3)
        );
        assert_eq!(out, [1.0, 2.0, 1e23]);
        out.clear();
        assert_eq!(
            parse_plain_record(b"1,", b',', Domain::FINITE, &mut out),
            Err((1, "empty cell"))
        );
        assert_eq!(
            parse_plain_record(b"0,2", b',', Domain::UNIT_INTERVAL, &mut out),
            Err((1, "target outside [0, 1]"))
        );
        assert_eq!(
            parse_plain_record(b"nan", b',', Domain::FINITE, &mut out),
            Err((0, "not a finite number"))
        );
        out.clear();
        assert_eq!(
            parse_plain_record(b"0,1,1,0", b',', Domain::UNIT_INTERVAL, &mut out),
            Ok(4)
        );
        assert_eq!(out, [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(
            parse_plain_record(b"0,1,2,0", b',', Domain::UNIT_INTERVAL, &mut out),
            Err((2, "target outside [0, 1]"))
        );
        assert_eq!(
            parse_plain_record(b"1,0x10", b',', Domain::FINITE, &mut out),
            Err((1, "not a number"))
        );
    }

    #[test]
    fn parse_cell_rules() {
        assert_eq!(parse_cell(b" 1.5 ", Domain::FINITE), Ok(1.5));
        assert_eq!(parse_cell(b"", Domain::FINITE), Err("empty cell"));
        assert_eq!(parse_cell(b"x", Domain::FINITE), Err("not a number"));
        assert_eq!(
            parse_cell(b"nan", Domain::FINITE),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1e400", Domain::FINITE),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1.5", Domain::UNIT_INTERVAL),
            Err("target outside [0, 1]")
        );
        assert_eq!(parse_cell(b"\xff", Domain::FINITE), Err("invalid UTF-8"));
    }

    #[test]
    fn nonfinite_values_pass_only_when_allowed() {
        let logits = Domain::FINITE.with_nonfinite(true);
        let targets = Domain::UNIT_INTERVAL.with_nonfinite(true);
        assert!(parse_cell(b"nan", logits).unwrap().is_nan());
        assert_eq!(parse_cell(b"-Infinity", logits), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_cell(b"1e400", logits), Ok(f64::INFINITY));
        assert_eq!(parse_cell(b"inf", targets), Ok(f64::INFINITY));
        // Finite targets must still lie in [0, 1].
        assert_eq!(parse_cell(b"2", targets), Err("target outside [0, 1]"));
        let mut out = Vec::new();
        assert_eq!(
            parse_plain_record(b"1,nan,-inf", b',', logits, &mut out),
            Ok(3)
        );
        assert!(out[1].is_nan() && out[2] == f64::NEG_INFINITY);
    }
}
