//! How a row of text is written: all the generic text reader asks of a
//! text format. [`super::text::TextCutter`] cuts rows on one thread,
//! [`super::chunk::Rows`] parses them on any; each text format (CSV and
//! TSV, blank-separated numbers, JSON Lines, JSON records) implements
//! [`RowSyntax`] in its own module, so nothing generic names a format.

use std::sync::Arc;

use super::columns::{ColumnMap, MatrixInfo};
use crate::domain::Domain;
use crate::error::InputError;

/// One text format's rows: where they end, and how they become numbers.
pub(crate) trait RowSyntax: Send + Sync + std::fmt::Debug {
    /// The field delimiter of RFC 4180 quoting, for a format in which a
    /// quoted field may hold a line break (CSV, TSV): the cutter then
    /// tracks quotes to find where a row ends. `None`: a row is a line.
    fn quoting(&self) -> Option<u8> {
        None
    }

    /// Parses one row (`record`, with its line end if it has one, starting
    /// on `line`) into `values`, in the matrix's order when `info` maps
    /// the columns, the key field's text into `key`; `raw` is scratch.
    fn decode(
        &self,
        record: &[u8],
        info: &MatrixInfo,
        line: u64,
        raw: &mut Vec<f64>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError>;

    /// Appends the text of `record`'s field `field` (the row's key) to
    /// `key`; nothing when the row has no such field.
    fn key(&self, record: &[u8], field: usize, info: &MatrixInfo, line: u64, key: &mut Vec<u8>);

    /// The records of a chunk's `text` (starting on `first_line`) when
    /// its rows are not each one line that [`RowSyntax::decode`] takes
    /// (quoted CSV fields holding line breaks); `None` otherwise.
    fn spanning_records<'a>(
        &self,
        _text: &'a [u8],
        _file: &Arc<str>,
        _first_line: u64,
    ) -> Option<Box<dyn SpanningRecords + 'a>> {
        None
    }
}

/// The records of one chunk of text whose rows may span lines.
pub(crate) trait SpanningRecords {
    /// Parses the next record into `values` (through `map`, the key
    /// field's text into `key`); its line, or `None` after the last.
    fn next_row(
        &mut self,
        domain: Domain,
        map: Option<&ColumnMap>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<Option<u64>, InputError>;

    /// The next record's field `field` (empty when it has fewer fields)
    /// and its line; `None` after the last.
    fn next_key(&mut self, field: usize) -> Result<Option<(&[u8], u64)>, InputError>;
}
