//! What a format's reader of numeric matrices does: the [`MatrixSource`]
//! trait that each format implements and [`super::MatrixReader`] holds.

use super::chunk::{ChunkLimit, RowChunk};
use super::columns::Columns;
use super::header_why::HeaderWhy;
use super::pandas_meta::IndexForm;
use crate::error::InputError;

/// One format's reader of numeric matrices.
pub trait MatrixSource: Send {
    /// Replaces `chunk` with the next rows; an empty chunk means the end.
    /// `chunk.first_row` already holds the number of rows cut before.
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError>;

    /// The names in the input's header line, if it has one.
    fn header(&self) -> Option<&[String]> {
        None
    }

    /// The fields of each row, when the header or the first row tells it
    /// without reading further (to select columns by position).
    fn fields(&self) -> Option<usize> {
        self.header().map(<[String]>::len)
    }

    /// How the first line of a text table was taken, and why; `None` for
    /// a format whose names (or their absence) are certain.
    fn header_why(&self) -> Option<HeaderWhy> {
        None
    }

    /// The format's name, where the source tells it more precisely than
    /// the format it was opened as (CSV split at blanks).
    fn format_name(&self) -> Option<&'static str> {
        None
    }

    /// A first line that may be pandas' default names `0,1,…,C−1` or
    /// data, until [`MatrixSource::settle_candidate`] decides.
    fn header_candidate(&self) -> Option<&[String]> {
        None
    }

    /// Takes the candidate first line as `why` says (a header, or data),
    /// before any row is cut.
    fn settle_candidate(&mut self, _why: HeaderWhy) {}

    /// The array's shape, for an input that is an array (`.npy`, a JSON
    /// document of numbers) rather than a table of rows.
    fn dims(&self) -> Option<&[usize]> {
        None
    }

    /// The field that is the table's index, not a class: a header whose
    /// first cell is empty (pandas' `to_csv`), or what the file's own
    /// metadata says (pandas' Parquet).
    fn index_field(&self) -> Option<usize> {
        let first = self.header()?.first()?;
        first.trim().is_empty().then_some(0)
    }

    /// What pandas' metadata says of the index beyond its field (a typed
    /// table's RangeIndex or MultiIndex).
    fn index_form(&self) -> Option<&IndexForm> {
        None
    }

    /// The name of field `field` as a class: its header name, but for an
    /// element of a list column (`logits[3]`), which is class `3`.
    fn class_name(&self, field: usize) -> Option<&str> {
        self.header()?.get(field).map(String::as_str)
    }

    /// What field `field` holds when it is not numbers (a typed column of
    /// text), in words; such a field can key the rows but not be a class.
    fn not_number(&self, _field: usize) -> Option<String> {
        None
    }

    /// Which fields the matrix takes and which keys the rows, for a source
    /// that converts (and checks) only those, and hands out the keys.
    fn set_columns(&mut self, _columns: &Columns) {}
}
