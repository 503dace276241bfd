//! CSV/TSV rows as numbers: the [`Delimited`] row syntax (fields between
//! one delimiter byte), its fast path for quote-free rows, and its record
//! splitter for chunks with quotes, whose rows may span lines.

use std::sync::Arc;

use super::plain::parse_plain_record;
use super::record::RecordReader;
use crate::domain::Domain;
use crate::error::InputError;
use crate::input::cell::parse_cell;
use crate::input::columns::{ColumnMap, MatrixInfo};
use crate::input::syntax::{RowSyntax, SpanningRecords};

/// Fields separated by this byte, RFC 4180 quoting (CSV, TSV).
#[derive(Debug)]
pub(crate) struct Delimited(pub(crate) u8);

impl RowSyntax for Delimited {
    fn quoting(&self) -> Option<u8> {
        Some(self.0)
    }

    #[inline]
    fn decode(
        &self,
        record: &[u8],
        info: &MatrixInfo,
        line: u64,
        raw: &mut Vec<f64>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let (file, domain, delimiter) = (&*info.file, info.domain, self.0);
        match info.columns.as_deref() {
            // The common case on its own: no map, so nothing to reorder
            // and no key, and the field loop keeps `values` to itself.
            None => decode_row(record, delimiter, domain, file, line, values),
            map => {
                let row = MappedRow {
                    delimiter,
                    domain,
                    file,
                    line,
                    map,
                };
                row.decode(record, raw, key, values)
            }
        }
    }

    fn key(&self, record: &[u8], field: usize, _: &MatrixInfo, _: u64, key: &mut Vec<u8>) {
        if let Some(cell) = record.split(|&b| b == self.0).nth(field) {
            key.extend_from_slice(cell);
        }
    }

    /// Rows with quotes go through the general record splitter; rows
    /// without any through the faster [`decode_row`].
    fn spanning_records<'a>(
        &self,
        text: &'a [u8],
        file: &Arc<str>,
        first_line: u64,
    ) -> Option<Box<dyn SpanningRecords + 'a>> {
        memchr::memchr(b'"', text)?;
        let records = RecordReader::starting_at(text, file, self.0, first_line);
        Some(Box::new(QuotedRecords(records)))
    }
}

/// The records of a chunk of CSV/TSV with quotes in it.
struct QuotedRecords<'a>(RecordReader<&'a [u8]>);

impl SpanningRecords for QuotedRecords<'_> {
    fn next_row(
        &mut self,
        domain: Domain,
        map: Option<&ColumnMap>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<Option<u64>, InputError> {
        match map {
            None => decode_record(&mut self.0, domain, values),
            Some(map) => decode_mapped_record(&mut self.0, domain, map, key, values),
        }
    }

    fn next_key(&mut self, field: usize) -> Result<Option<(&[u8], u64)>, InputError> {
        if !self.0.next_record()? {
            return Ok(None);
        }
        let key = if field < self.0.field_count() {
            self.0.field(field)
        } else {
            &[]
        };
        Ok(Some((key, self.0.line())))
    }
}

/// Parses the next record of `records` into `out`; its line, or `None`
/// at the end.
pub(crate) fn decode_record(
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
pub(crate) fn decode_mapped_record(
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
pub(crate) struct MappedRow<'a> {
    pub(crate) delimiter: u8,
    pub(crate) domain: Domain,
    pub(crate) file: &'a str,
    pub(crate) line: u64,
    pub(crate) map: Option<&'a ColumnMap>,
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
    pub(crate) fn decode(
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
pub(crate) fn decode_row(
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
