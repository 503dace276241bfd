//! The reading layer: files and stdin (`-`), CSV/TSV/JSON/JSONL, numeric
//! matrices for `loss` and label lists for `binarize`.
//!
//! Every problem in the data becomes an [`InputError`] naming the file, the
//! 1-based line and, where it applies, the column (the field number in
//! CSV/TSV, the character column in JSON) and the offending text.
//!
//! - [`csv`]: records and fields of CSV/TSV text, and numbers in them;
//! - [`matrix`]: numeric matrices, cut into chunks of whole rows that any
//!   thread can parse;
//! - [`labels`]: label lists, one sample at a time.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use crate::domain::Domain;
use crate::error::InputError;

pub mod csv;
pub mod labels;
pub mod matrix;
pub mod npy;

pub use labels::{LabelLayout, LabelReader, Sample};
pub use matrix::{ChunkLimit, MatrixInfo, MatrixReader, RowChunk, Rows};

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
    /// NumPy's .npy (np.save): numbers or bools, 1-D or 2-D (numeric matrices only).
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
}

/// JSON Lines: one JSON text per line, handed out trimmed with its line number.
pub(crate) struct JsonLines {
    reader: Box<dyn BufRead + Send>,
    line: Vec<u8>,
    line_number: u64,
}

impl JsonLines {
    pub(crate) fn new(reader: Box<dyn BufRead + Send>) -> Self {
        JsonLines {
            reader,
            line: Vec::new(),
            line_number: 0,
        }
    }

    /// The next line without surrounding whitespace, and its number; `None`
    /// at the end. An empty line is an error saying `empty`.
    pub(crate) fn next_line(
        &mut self,
        file: &str,
        empty: &str,
    ) -> Result<Option<(&[u8], u64)>, InputError> {
        self.line.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.line)
            .map_err(|e| read_error(file, &e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_number += 1;
        let text = self.line.trim_ascii();
        if text.is_empty() {
            return Err(InputError::new(file, empty).at(self.line_number, None));
        }
        Ok(Some((text, self.line_number)))
    }
}

/// Reads a whole input (a JSON document).
pub(crate) fn read_all(reader: &mut dyn Read, file: &str) -> Result<Vec<u8>, InputError> {
    let mut text = Vec::new();
    reader
        .read_to_end(&mut text)
        .map_err(|e| read_error(file, &e))?;
    Ok(text)
}

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
