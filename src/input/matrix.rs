//! Numeric matrices (logits, targets, weights), whatever their format.
//!
//! Each format is a [`MatrixSource`] (see `formats.rs`), chosen once
//! when the input is opened; a [`MatrixReader`]
//! holds one and cuts the input into [`RowChunk`]s of whole rows.
//! [`RowChunk::rows`] then hands out a chunk's rows as numbers on whichever
//! thread holds it. Text formats cut rows without parsing them (a newline
//! search), so that the parsing happens on the worker threads, where the
//! loss kernels read the values while they are still in the cache; the
//! others (a JSON document, `.npy`) hand out rows already converted.
//! Two inputs cut at the same row counts give chunks that pair up.

use std::sync::Arc;

use super::chunk::{ChunkLimit, RowChunk};
use super::columns::{ColumnMap, Columns, MatrixInfo};
use super::source::MatrixSource;
use super::{Dialect, Domain, Format, HeaderWhy, IndexForm, Source};
use crate::error::InputError;

/// The source of a [`MatrixReader::view`]: its rows are the viewed
/// reader's, copied by whoever cuts them.
struct View {
    header: Option<Vec<String>>,
    fields: Option<usize>,
    index: Option<usize>,
    index_form: Option<IndexForm>,
    class_names: Option<Vec<String>>,
    /// The fields that are not numbers, and what they hold.
    not_numbers: Vec<(usize, String)>,
}

impl MatrixSource for View {
    fn next_chunk(&mut self, _: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        chunk.value_rows(0);
        Ok(())
    }

    fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    fn fields(&self) -> Option<usize> {
        self.fields
    }

    fn index_field(&self) -> Option<usize> {
        self.index
    }

    fn index_form(&self) -> Option<&IndexForm> {
        self.index_form.as_ref()
    }

    fn class_name(&self, field: usize) -> Option<&str> {
        self.class_names.as_ref()?.get(field).map(String::as_str)
    }

    fn not_number(&self, field: usize) -> Option<String> {
        let found = self.not_numbers.iter().find(|(f, _)| *f == field);
        found.map(|(_, what)| what.clone())
    }
}

/// What an input was read as.
#[derive(Debug, Clone, Copy)]
struct ReadAs {
    format: &'static str,
    /// Its first bytes told (a `.npy`, Parquet, Arrow), whatever the
    /// extension or `--format`.
    by_content: bool,
}

/// A numeric matrix in any format, cut into chunks of rows.
pub struct MatrixReader {
    info: MatrixInfo,
    source: Box<dyn MatrixSource>,
    /// What it was read as, for `--explain`.
    read_as: ReadAs,
    rows_cut: u64,
}

impl MatrixReader {
    /// Opens `source` in `format`; `dialect` says how text is written (its
    /// header line, its delimiter).
    pub fn open(
        source: &Source,
        format: Format,
        domain: Domain,
        dialect: impl Into<Dialect>,
    ) -> Result<Self, InputError> {
        let info = MatrixInfo {
            file: source.name().into(),
            domain,
            columns: None,
            check_values: false,
        };
        let (source, format, by_content) = format.open_matrix(source, &info, dialect.into())?;
        Ok(MatrixReader {
            read_as: ReadAs {
                format: format.title(),
                by_content,
            },
            info,
            source,
            rows_cut: 0,
        })
    }

    pub fn info(&self) -> &MatrixInfo {
        &self.info
    }

    pub fn file(&self) -> &str {
        &self.info.file
    }

    /// Another view of this reader's rows, read with `domain` and columns of
    /// its own (LOGITS and TARGETS in one file). It cuts no rows: its chunks
    /// are copies of this reader's. This reader must accept every value
    /// (`Domain::ANY`); each view checks its own.
    pub fn view(&self, domain: Domain) -> MatrixReader {
        MatrixReader {
            info: MatrixInfo {
                domain,
                columns: None,
                check_values: true,
                ..self.info.clone()
            },
            source: Box::new(View {
                header: self.source.header().map(<[String]>::to_vec),
                fields: self.source.fields(),
                index: self.source.index_field(),
                index_form: self.source.index_form().cloned(),
                class_names: (self.source.header()).map(|names| {
                    (0..names.len())
                        .map(|f| self.class_name(f).to_owned())
                        .collect()
                }),
                not_numbers: (0..self.source.fields().unwrap_or(0))
                    .filter_map(|f| Some((f, self.source.not_number(f)?)))
                    .collect(),
            }),
            read_as: self.read_as,
            rows_cut: 0,
        }
    }

    /// Reads this reader's rows as `domain`, each value checked as it is
    /// handed out: for a file opened with `Domain::ANY` because it also
    /// holds another view's columns (see [`MatrixReader::view`]).
    pub fn narrow_domain(&mut self, domain: Domain) {
        self.info.domain = domain;
        self.info.check_values = true;
    }

    /// A reader whose rows someone else fills (label lists turned into
    /// rows of 0/1), named `file`, its values checked against `domain`.
    pub fn filled_elsewhere(file: &str, domain: Domain) -> MatrixReader {
        MatrixReader {
            info: MatrixInfo {
                file: file.into(),
                domain,
                columns: None,
                check_values: true,
            },
            source: Box::new(View {
                header: None,
                fields: None,
                index: None,
                index_form: None,
                class_names: None,
                not_numbers: Vec::new(),
            }),
            read_as: ReadAs {
                format: "label lists",
                by_content: false,
            },
            rows_cut: 0,
        }
    }

    /// The fields of each row, when known before reading the rows.
    pub fn fields(&self) -> Option<usize> {
        self.source.fields()
    }

    /// The number of fields of the header line, if the input has one.
    pub fn header_width(&self) -> Option<usize> {
        self.source.header().map(<[String]>::len)
    }

    /// The header line's names, if the input has one.
    pub fn header_names(&self) -> Option<&[String]> {
        self.source.header()
    }

    /// The format it was read as, and whether its first bytes told.
    pub fn read_as(&self) -> (&'static str, bool) {
        let format = self.source.format_name().unwrap_or(self.read_as.format);
        (format, self.read_as.by_content)
    }

    /// How a text table's first line was taken, and why.
    pub fn header_why(&self) -> Option<HeaderWhy> {
        self.source.header_why()
    }

    /// A first line that may be pandas' names or data (see
    /// [`MatrixSource::header_candidate`]).
    pub fn header_candidate(&self) -> Option<&[String]> {
        self.source.header_candidate()
    }

    /// Takes the candidate first line as `why` says; only before any row
    /// is cut.
    pub fn settle_candidate(&mut self, why: HeaderWhy) {
        debug_assert_eq!(self.rows_cut, 0, "the first line is settled before any row");
        self.source.settle_candidate(why);
    }

    /// The array's shape, when the input is an array rather than a table.
    pub fn dims(&self) -> Option<&[usize]> {
        self.source.dims()
    }

    /// Field `field`'s name as a class (see [`MatrixSource::class_name`]).
    pub fn class_name(&self, field: usize) -> &str {
        self.source.class_name(field).unwrap_or_default()
    }

    /// What field `field` holds when it is not numbers (a text column of a
    /// typed table), in words.
    pub fn not_number(&self, field: usize) -> Option<String> {
        self.source.not_number(field)
    }

    /// The field that is the table's index (not a class), if any.
    pub fn index_field(&self) -> Option<usize> {
        self.source.index_field()
    }

    /// See [`MatrixSource::index_form`].
    pub fn index_form(&self) -> Option<&IndexForm> {
        self.source.index_form()
    }

    /// Takes the matrix's columns from these fields of each row, from the
    /// next chunk on; a field that holds no numbers cannot be one.
    pub fn set_columns(&mut self, columns: Columns) -> Result<(), InputError> {
        if let Some((field, what)) = columns
            .select
            .iter()
            .find_map(|&f| Some((f, self.source.not_number(f)?)))
        {
            let name = self
                .header_names()
                .and_then(|n| n.get(field))
                .map_or_else(|| format!("field {}", field + 1), |n| format!("{n:?}"));
            let what = format!("column {name} holds {what}, not numbers");
            return Err(InputError::new(&self.info.file, what));
        }
        self.source.set_columns(&columns);
        self.info.columns = Some(Arc::new(ColumnMap::new(columns)));
        Ok(())
    }

    /// Replaces `chunk` with the next rows; an empty chunk means the end.
    pub fn next_chunk(
        &mut self,
        limit: ChunkLimit,
        chunk: &mut RowChunk,
    ) -> Result<(), InputError> {
        chunk.rows = 0;
        chunk.source_bytes = 0;
        chunk.first_row = self.rows_cut;
        self.source.next_chunk(limit, chunk)?;
        self.rows_cut += chunk.rows as u64;
        Ok(())
    }
}
