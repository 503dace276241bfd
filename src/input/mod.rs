//! The reading layer: files and stdin (`-`), the input formats, numeric
//! matrices for `loss` and label lists for `binarize`.
//!
//! Every problem in the data becomes an [`InputError`] naming the file, the
//! 1-based line and, where it applies, the column (the field number in
//! CSV/TSV, the character column in JSON) and the offending text.
//!
//! - [`matrix`]: numeric matrices in any format ([`MatrixReader`]), cut into
//!   chunks of whole rows that any thread can parse; each format is a
//!   `MatrixSource`: `csv.rs` (CSV, TSV; also records and numbers), `jsonl.rs`,
//!   `json.rs`, `npy.rs`; `text.rs` cuts the text formats into rows;
//! - [`labels`]: label lists, one sample at a time.
//!
//! The format of an input is decided once, when it is opened: from
//! `--format`, else from the extension ([`Format::detect`]). Adding a
//! format is its module and one arm in [`Format::matrix_source`] (and
//! [`Format::detect`] for its extension).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::domain::Domain;
use crate::error::InputError;

mod blanks;
pub mod csv;
mod json;
mod jsonl;
pub mod labels;
pub mod matrix;
mod npy;
mod records;
mod text;

pub use labels::{LabelLayout, LabelReader, Sample};
pub use matrix::{
    ChunkLimit, Columns, Keys, MatrixInfo, MatrixReader, RowChunk, Rows, array_matrix_shape,
    shape_text,
};

/// Size of the read buffer over a file or stdin.
const READ_BUFFER_BYTES: usize = 1 << 18;

/// Where an input comes from: a file, or stdin when the user writes `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Path(PathBuf),
}

impl Source {
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::Path(arg.to_owned())
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_owned(),
            Source::Path(p) => p.display().to_string(),
        }
    }

    pub fn is_stdin(&self) -> bool {
        matches!(self, Source::Stdin)
    }

    /// A regular file, which can be read to the end without waiting (and
    /// read twice); stdin, pipes and devices are not.
    pub fn is_regular_file(&self) -> bool {
        match self {
            Source::Stdin => false,
            Source::Path(path) => std::fs::metadata(path).is_ok_and(|m| m.is_file()),
        }
    }

    /// Opens the input for reading through a buffer.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, InputError> {
        Ok(Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            self.open_unbuffered()?,
        )))
    }

    /// Opens the input once, with its first bytes (up to 8) read ahead to
    /// tell its format: those bytes, and a stream that yields them again
    /// followed by the rest.
    pub fn open_sniffed(&self) -> Result<(Vec<u8>, Box<dyn Read + Send>), InputError> {
        let name = self.name();
        // A regular file goes back to its start rather than through a
        // chained reader, which would zero-fill every buffer it reads into.
        if let Source::Path(path) = self
            && self.is_regular_file()
        {
            let mut file = File::open(path)
                .map_err(|e| InputError::new(&name, format!("cannot open: {}", io_reason(&e))))?;
            let head = read_head(&mut file, &name)?;
            io::Seek::seek(&mut file, io::SeekFrom::Start(0)).map_err(|e| read_error(&name, &e))?;
            return Ok((head, Box::new(file)));
        }
        let mut stream = self.open_unbuffered()?;
        let head = read_head(&mut *stream, &name)?;
        let again = io::Cursor::new(head.clone()).chain(stream);
        Ok((head, Box::new(again)))
    }

    /// Opens the input for large reads of its own.
    pub fn open_unbuffered(&self) -> Result<Box<dyn Read + Send>, InputError> {
        match self {
            Source::Stdin => Ok(Box::new(io::stdin())),
            Source::Path(path) => {
                let file = File::open(path).map_err(|e| {
                    InputError::new(&self.name(), format!("cannot open: {}", io_reason(&e)))
                })?;
                Ok(Box::new(file))
            }
        }
    }
}

/// Up to 8 first bytes of `stream`.
fn read_head(stream: &mut dyn Read, name: &str) -> Result<Vec<u8>, InputError> {
    let mut head = vec![0u8; 8];
    let mut got = 0;
    while got < head.len() {
        match stream.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(name, &e)),
        }
    }
    head.truncate(got);
    Ok(head)
}

/// The OS's reason without Rust's " (os error N)" suffix.
fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

pub fn read_error(file: &str, e: &io::Error) -> InputError {
    InputError::new(file, format!("cannot read: {}", io_reason(e)))
}

/// Whether an input's first line is a header of column names
/// (`--input-header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HeaderMode {
    /// A first line with text and no number in it is a header.
    #[default]
    Auto,
    /// The first line is a header, whatever it holds (pandas' default
    /// column names `0,1,2` are numbers).
    Yes,
    /// The first line is data.
    No,
}

/// How a text matrix is written: whether its first line names the
/// columns, and what separates fields (the format's own by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dialect {
    pub header: HeaderMode,
    pub delimiter: Option<Delimiter>,
}

impl From<HeaderMode> for Dialect {
    fn from(header: HeaderMode) -> Dialect {
        Dialect {
            header,
            delimiter: None,
        }
    }
}

/// What separates fields (`--delimiter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// This byte (`;`, `|`, a tab), with CSV quoting.
    Char(u8),
    /// Runs of spaces and tabs, as `np.loadtxt` splits.
    Blanks,
}

impl Delimiter {
    /// `--delimiter C`: one character; a space means runs of blanks, and
    /// `\t` (or `tab`) a tab.
    pub fn parse(text: &str) -> Result<Delimiter, String> {
        match text {
            " " => Ok(Delimiter::Blanks),
            "\\t" | "tab" | "\t" => Ok(Delimiter::Char(b'\t')),
            _ if text.len() == 1 && !matches!(text, "\"" | "\n" | "\r") => {
                Ok(Delimiter::Char(text.as_bytes()[0]))
            }
            _ => Err(format!(
                "{text:?} is not one character (a space means runs of blanks)"
            )),
        }
    }
}

/// The text format of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// Tab-separated values.
    Tsv,
    /// One JSON document: an array of rows.
    Json,
    /// JSON Lines: one array per line.
    #[value(alias = "ndjson")]
    Jsonl,
    /// NumPy's .npy (np.save): numbers or bools of any rank, the last dimension the classes.
    Npy,
}

impl Format {
    /// `chosen` when given, else by extension: `.tsv`/`.tab`, `.json`,
    /// `.jsonl`/`.ndjson`, and CSV for everything else, stdin included.
    pub fn detect(source: &Source, chosen: Option<Format>) -> Format {
        if let Some(format) = chosen {
            return format;
        }
        let Source::Path(path) = source else {
            return Format::Csv;
        };
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match extension.as_deref() {
            Some("tsv") | Some("tab") => Format::Tsv,
            Some("json") => Format::Json,
            Some("jsonl") | Some("ndjson") => Format::Jsonl,
            Some("npy") => Format::Npy,
            _ => Format::Csv,
        }
    }

    pub fn delimiter(self) -> u8 {
        if self == Format::Tsv { b'\t' } else { b',' }
    }

    /// The reader of numeric matrices for `source`. The input is opened
    /// once; its first bytes decide first (a `.npy` is read as one whatever
    /// `--format` says; compressed and binary formats mlloss does not read
    /// are named), then this format; `header` says how a CSV/TSV's first
    /// line is taken.
    fn matrix_source(
        self,
        source: &Source,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<Box<dyn matrix::MatrixSource>, InputError> {
        let (head, stream) = source.open_sniffed()?;
        let content = Content::of(&head);
        if let Some(what) = content.unread() {
            let what = format!(
                "looks like {what}, which mlloss does not read (it reads CSV, TSV, JSON, JSON Lines and .npy)"
            );
            return Err(InputError::new(&info.file, what));
        }
        let format = if content == Content::Npy {
            Format::Npy
        } else {
            self
        };
        Ok(match format {
            Format::Csv | Format::Tsv => Box::new(csv::CsvSource::open(
                source,
                stream,
                format.delimiter(),
                info,
                dialect,
            )?),
            Format::Json => Box::new(json::JsonSource::open(stream, info)?),
            Format::Jsonl => Box::new(jsonl::JsonLinesSource::open(source, stream, info)?),
            Format::Npy => Box::new(npy::NpySource::open(source, stream, info)?),
        })
    }
}

/// What an input's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Npy,
    Gzip,
    Zstd,
    Zip,
    Parquet,
    Arrow,
    /// Anything else: text, or garbage the format's reader reports.
    Other,
}

impl Content {
    fn of(head: &[u8]) -> Content {
        let magics: [(&[u8], Content); 6] = [
            (b"\x93NUMPY", Content::Npy),
            (b"\x1f\x8b", Content::Gzip),
            (b"\x28\xb5\x2f\xfd", Content::Zstd),
            (b"PK\x03\x04", Content::Zip),
            (b"PAR1", Content::Parquet),
            (b"ARROW1", Content::Arrow),
        ];
        magics
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map_or(Content::Other, |&(_, content)| content)
    }

    /// What to call a format mlloss recognises but does not read.
    fn unread(self) -> Option<&'static str> {
        match self {
            Content::Gzip => Some("a gzip file (decompress it first: gzip -dc FILE | mlloss … -)"),
            Content::Zstd => Some("a zstd file (decompress it first: zstd -dc FILE | mlloss … -)"),
            Content::Zip => Some("a zip archive (an .npz? extract its .npy files)"),
            Content::Parquet => Some("a Parquet file"),
            Content::Arrow => Some("an Arrow IPC file"),
            Content::Npy | Content::Other => None,
        }
    }
}

/// Reads a whole input (a JSON document), without a leading byte order mark.
pub(crate) fn read_all(reader: &mut dyn Read, file: &str) -> Result<Vec<u8>, InputError> {
    // A JSON document is often one line (`json.dump` writes no line
    // breaks), and it is held whole: the line limit bounds it too, so that
    // `/dev/zero` is an error rather than memory running out.
    let limit = max_line_bytes();
    let mut text = Vec::new();
    reader
        .take((limit as u64).saturating_add(1))
        .read_to_end(&mut text)
        .map_err(|e| read_error(file, &e))?;
    if text.len() > limit {
        return Err(InputError::new(
            file,
            format!(
                "a JSON document longer than {} (one is read whole: write JSON Lines, one row a line, for large data)",
                limit_text(limit)
            ),
        ));
    }
    if text.starts_with(UTF8_BOM) {
        text.drain(..UTF8_BOM.len());
    }
    Ok(text)
}

/// The longest line (a row, or a quoted record spanning lines) a text
/// input may have: 1 GiB. Beyond it the input is refused rather than
/// buffered until memory runs out (`/dev/zero`, a binary file read as
/// text). `MLLOSS_MAX_LINE_BYTES` lowers it (the tests use it).
pub(crate) fn max_line_bytes() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("MLLOSS_MAX_LINE_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1 << 30)
    })
}

/// The error for a line longer than [`max_line_bytes`], starting at `line`.
pub(crate) fn line_too_long(file: &str, line: u64) -> InputError {
    let size = limit_text(max_line_bytes());
    InputError::new(
        file,
        format!("line longer than {size} (no line break: is this a text file?)"),
    )
    .at(line, None)
}

/// A byte limit in words: `1 GiB`, `100 bytes`.
fn limit_text(limit: usize) -> String {
    if limit >= 1 << 30 && limit.is_multiple_of(1 << 30) {
        format!("{} GiB", limit >> 30)
    } else {
        count(limit, "byte")
    }
}

/// The UTF-8 byte order mark, which Windows tools write at the start of
/// text files: skipped at the start of every text input.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `1 value`, `3 values`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Turns a serde_json error into an InputError at its line and column;
/// `line_base` is the file line of the JSON text's first line.
pub fn json_error(file: &str, e: &serde_json::Error, line_base: u64) -> InputError {
    let text = e.to_string();
    let what = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    let line = line_base + e.line().saturating_sub(1) as u64;
    let column = (e.column() > 0).then_some(e.column() as u64);
    InputError::new(file, what).at(line.max(1), column)
}
