//! CSV and TSV: records and fields (RFC 4180 quoting), numbers in them,
//! and numeric matrices written this way ([`CsvSource`]).
//!
//! CSV is split here rather than by the `csv` crate: the `csv` crate skips
//! blank lines, but a blank line is a sample without labels (binarize) or a
//! hole that would misalign two matrices (loss), and fields are handed out as
//! byte slices with no allocation per field.

use std::sync::Arc;

use super::chunk::{ChunkLimit, RowChunk};
use super::columns::MatrixInfo;
use super::header_why::HeaderWhy;
use super::input_format::InputFormat;
use super::labels::{LabelLayout, LabelSource};
use super::source::MatrixSource;
use super::syntax::RowSyntax;
use super::text::TextCutter;
use super::{Delimiter, Dialect, Opened, Source, UTF8_BOM, text_stream};
use crate::error::InputError;

mod blanks;
mod first_line;
mod labels;
mod plain;
mod record;
pub use record::RecordReader;
mod row;

/// CSV or TSV: fields between one delimiter byte, RFC 4180 quoting.
pub(crate) struct DelimitedFormat {
    name: &'static str,
    title: &'static str,
    help: &'static str,
    extensions: &'static [&'static str],
    delimiter: u8,
}

/// Comma-separated values (and, read as CSV, what `np.savetxt` writes).
pub(crate) static CSV: DelimitedFormat = DelimitedFormat {
    name: "csv",
    title: "CSV",
    help: "Comma-separated values",
    extensions: &["csv"],
    delimiter: b',',
};

/// Tab-separated values.
pub(crate) static TSV: DelimitedFormat = DelimitedFormat {
    name: "tsv",
    title: "TSV",
    help: "Tab-separated values",
    extensions: &["tsv", "tab"],
    delimiter: b'\t',
};

impl InputFormat for DelimitedFormat {
    fn name(&self) -> &'static str {
        self.name
    }

    fn help(&self) -> &'static str {
        self.help
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn extensions(&self) -> &'static [&'static str] {
        self.extensions
    }

    fn open_matrix(
        &self,
        opened: Opened,
        _: Option<usize>,
        _: &Source,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        let source = CsvSource::open(opened, self.delimiter, info, dialect)?;
        Ok(Box::new(source))
    }

    fn open_labels(
        &self,
        opened: Opened,
        _: Option<usize>,
        file: &str,
        layout: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        let reader = text_stream(opened, file)?;
        let labels = labels::DelimitedLabels::open(reader, file, self.delimiter, layout)?;
        Ok(Box::new(labels))
    }
}

pub use plain::parse_plain_record;

/// A numeric matrix in CSV or TSV: a UTF-8 byte order mark is skipped, and
/// a first line of text with no number in it is a header.
struct CsvSource {
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
    delimiter: Delimiter,
}

impl CsvSource {
    /// `header` says whether the first line is a header: by its content
    /// (text and no number), or as the user says (`--input-header`).
    /// `delimiter` is the format's, unless `dialect` names one; a `,` input
    /// whose first line is numbers separated by blanks is read as such.
    fn open(
        input: Opened,
        delimiter: u8,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<CsvSource, InputError> {
        let delimiter = dialect.delimiter.unwrap_or(Delimiter::Char(delimiter));
        let mut text = TextCutter::open(input, info.file.clone(), row_syntax(delimiter));
        // Before anything looks at quotes: a quote after the mark (Excel's
        // "CSV UTF-8") opens the first field.
        if text.first_row()?.starts_with(UTF8_BOM) {
            text.skip(UTF8_BOM.len());
        }
        // np.savetxt's output, in a file read as CSV.
        let delimiter = blanks::savetxt_delimiter(&mut text, delimiter, dialect)?;
        text.set_syntax(row_syntax(delimiter));
        let first_line::Taken {
            header,
            fields,
            why,
            candidate,
        } = first_line::take(
            &mut text,
            delimiter,
            &info.file,
            info.domain,
            dialect.header,
        )?;
        Ok(CsvSource {
            text,
            header,
            fields,
            why,
            candidate,
            delimiter,
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
        Some(match self.delimiter {
            Delimiter::Char(b',') => "CSV",
            Delimiter::Char(b'\t') => "TSV",
            Delimiter::Char(_) => "CSV with --delimiter's separator",
            Delimiter::Blanks => "text of blank-separated numbers (np.savetxt)",
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

/// The rows of a table whose fields are separated so.
fn row_syntax(delimiter: Delimiter) -> Arc<dyn RowSyntax> {
    match delimiter {
        Delimiter::Char(byte) => Arc::new(row::Delimited(byte)),
        Delimiter::Blanks => Arc::new(blanks::Blanks),
    }
}
