//! The reading layer: files and stdin (`-`), the input formats, numeric
//! matrices for `loss` and label lists for `binarize`.
//!
//! Every problem in the data becomes an [`InputError`] naming the file, the
//! 1-based line and, where it applies, the column (the field number in
//! CSV/TSV, the character column in JSON) and the offending text.
//!
//! - `formats.rs`: every input format described once (name, extensions,
//!   magic bytes, how it opens as a matrix or as label lists) and
//!   registered in one table; the format of an input is decided once, when
//!   it is opened: by its first bytes where they tell, else `--format`,
//!   else the extension ([`Format::detect`]);
//! - [`matrix`]: numeric matrices in any format ([`MatrixReader`]), cut into
//!   chunks of whole rows ([`RowChunk`]) that any thread can parse; each
//!   format is a `MatrixSource` (`source.rs`); the text formats are cut
//!   into rows by `text.rs` and parsed through their `RowSyntax`
//!   (`syntax.rs`) by `chunk.rs`;
//! - [`labels`]: label lists, one sample at a time ([`LabelReader`]).
//!
//! The formats: `csv/` (CSV, TSV, blank-separated numbers), `json/` (a JSON
//! document, JSON Lines, records), `npy.rs`, `columnar.rs` (Parquet, Arrow
//! IPC); inputs may be gzip- or zstd-compressed (`decompress.rs`) or a
//! member of a zip archive (`archive.rs`).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use decompress::Compression;

use crate::domain::Domain;
use crate::error::InputError;

mod archive;
mod cell;
mod chunk;
mod columnar;
mod columns;
pub mod csv;
mod decompress;
mod formats;
mod header_why;
mod input_format;
mod json;
mod label_reader;
pub mod labels;
pub mod matrix;
mod npy;
mod npy_data;
mod pandas_meta;
mod pump;
mod shape;
mod source;
pub mod sparse;
mod syntax;
mod table_limits;
mod text;

pub use chunk::{ChunkLimit, KeyedRow, Keys, RowChunk, Rows};
pub use columns::{ColumnMap, Columns, MatrixInfo};
pub(crate) use formats::Content;
pub use formats::Format;
pub use header_why::HeaderWhy;
pub use label_reader::LabelReader;
pub use labels::{LabelLayout, Sample};
pub use matrix::MatrixReader;
pub use pandas_meta::{IndexForm, IndexRange};
pub use shape::{array_matrix_shape, shape_text};

/// Size of the read buffer over a file or stdin.
const READ_BUFFER_BYTES: usize = 1 << 18;

/// Where an input comes from: a file, or stdin when the user writes `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Path(PathBuf),
    /// A member of an archive: `x.npz:logits`.
    Member {
        archive: PathBuf,
        member: String,
    },
}

impl Source {
    /// `-` is stdin; `FILE:NAME` names a member of the archive FILE when
    /// no file has that whole name.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            return Source::Stdin;
        }
        if std::fs::symlink_metadata(arg).is_err()
            && let Some((archive, member)) = arg.to_str().and_then(|a| a.rsplit_once(':'))
            && !member.is_empty()
            && Path::new(archive).is_file()
        {
            return Source::Member {
                archive: archive.into(),
                member: member.to_owned(),
            };
        }
        Source::Path(arg.to_owned())
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_owned(),
            Source::Path(p) => p.display().to_string(),
            Source::Member { archive, member } => format!("{}:{member}", archive.display()),
        }
    }

    pub fn is_stdin(&self) -> bool {
        matches!(self, Source::Stdin)
    }

    /// The file on disk the input is read from: the file, or the archive.
    pub fn file_path(&self) -> Option<&Path> {
        match self {
            Source::Stdin => None,
            Source::Path(path) | Source::Member { archive: path, .. } => Some(path),
        }
    }

    /// A regular file (or a member of one), which can be read to the end
    /// without waiting (and read twice); stdin, pipes and devices are not.
    pub fn is_regular_file(&self) -> bool {
        self.file_path()
            .is_some_and(|path| std::fs::metadata(path).is_ok_and(|m| m.is_file()))
    }

    /// The size of a regular file read as it is (not decompressed, not an
    /// archive's member), to show progress against.
    pub fn plain_size(&self) -> Option<u64> {
        let Source::Path(path) = self else {
            return None;
        };
        if !self.is_regular_file() {
            return None;
        }
        let mut file = File::open(path).ok()?;
        let head = read_head(&mut file, "").ok()?;
        // Progress counts the bytes of text read; a table's decoded values
        // have no such measure.
        let plain = Compression::of(&head).is_none() && Content::of(&head).counts_bytes();
        plain.then(|| file.metadata().ok().map(|m| m.len()))?
    }

    /// Opens a text input (label lists, classes, partial states) for
    /// reading through a buffer, decompressed if it is gzip or zstd; a
    /// binary format is refused by name.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, InputError> {
        text_stream(self.open_sniffed()?, &self.name())
    }

    /// Opens the input once, with its first bytes read ahead to tell its
    /// format: decompressed if it is gzip or zstd, and its member if it is
    /// a zip archive (an `.npz`).
    pub(crate) fn open_sniffed(&self) -> Result<Opened, InputError> {
        let name = self.name();
        let is_regular_file = self.is_regular_file();
        if let Source::Member { archive, member } = self {
            return self.open_member(archive, member, is_regular_file);
        }
        let (head, raw, file) = self.open_raw(is_regular_file)?;
        if Content::of(&head) == Content::Zip {
            let bytes = match file {
                Some(file) => archive::ArchiveBytes::File(file),
                None => archive::ArchiveBytes::Memory(read_archive(raw, &name)?),
            };
            return archive::open_member(bytes, None, &name, &name, !is_regular_file);
        }
        if let Some(compression) = Compression::of(&head) {
            let mut stream = compression.decompress(raw, &name, is_regular_file)?;
            let head = stream.peek(HEAD_BYTES).map_err(|e| read_error(&name, &e))?;
            return Ok(Opened {
                content: Content::of(head),
                stream: Box::new(stream),
                plain: None,
                is_stream: !is_regular_file,
            });
        }
        Ok(Opened {
            content: Content::of(&head),
            stream: raw,
            plain: file.map(|f| PlainFile::whole(f, &name)).transpose()?,
            is_stream: !is_regular_file,
        })
    }

    /// The input's first bytes and a stream from its first byte; and the
    /// file itself when it is a regular file (to map, or to seek in).
    #[allow(clippy::type_complexity)]
    fn open_raw(
        &self,
        is_regular_file: bool,
    ) -> Result<(Vec<u8>, Box<dyn Read + Send>, Option<File>), InputError> {
        let name = self.name();
        match self {
            // A regular file goes back to its start rather than through a
            // chained reader, which would zero-fill every buffer it reads
            // into.
            Source::Path(path) if is_regular_file => {
                let mut file = File::open(path).map_err(|e| {
                    InputError::new(&name, format!("cannot open: {}", io_reason(&e)))
                })?;
                let head = read_head(&mut file, &name)?;
                io::Seek::seek(&mut file, io::SeekFrom::Start(0))
                    .map_err(|e| read_error(&name, &e))?;
                let stream = file.try_clone().map_err(|e| read_error(&name, &e))?;
                Ok((head, Box::new(stream), Some(file)))
            }
            _ => {
                let mut stream = self.open_unbuffered()?;
                let head = read_head(&mut *stream, &name)?;
                let again = io::Cursor::new(head.clone()).chain(stream);
                Ok((head, Box::new(again), None))
            }
        }
    }

    /// Opens `member` of the zip archive `archive` (`x.npz:logits`).
    fn open_member(
        &self,
        archive: &Path,
        member: &str,
        is_regular_file: bool,
    ) -> Result<Opened, InputError> {
        let name = self.name();
        let mut file = File::open(archive)
            .map_err(|e| InputError::new(&name, format!("cannot open: {}", io_reason(&e))))?;
        let bytes = if is_regular_file {
            let head = read_head(&mut file, &name)?;
            io::Seek::seek(&mut file, io::SeekFrom::Start(0)).map_err(|e| read_error(&name, &e))?;
            if Content::of(&head) != Content::Zip {
                let what = format!(
                    "{} is not a zip archive (FILE:NAME names a member of an .npz or a .zip)",
                    archive.display()
                );
                return Err(InputError::new(&name, what));
            }
            archive::ArchiveBytes::File(file)
        } else {
            archive::ArchiveBytes::Memory(read_archive(Box::new(file), &name)?)
        };
        let archive = archive.display().to_string();
        archive::open_member(bytes, Some(member), &name, &archive, !is_regular_file)
    }

    /// Opens the input for large reads of its own.
    fn open_unbuffered(&self) -> Result<Box<dyn Read + Send>, InputError> {
        match self {
            Source::Stdin => Ok(Box::new(io::stdin())),
            Source::Path(path) | Source::Member { archive: path, .. } => {
                let file = File::open(path).map_err(|e| {
                    InputError::new(&self.name(), format!("cannot open: {}", io_reason(&e)))
                })?;
                Ok(Box::new(file))
            }
        }
    }
}

/// An opened input as text, through a buffer; a binary format is
/// refused by name.
pub(crate) fn text_stream(
    opened: Opened,
    name: &str,
) -> Result<Box<dyn BufRead + Send>, InputError> {
    if let Some(what) = opened.content.binary() {
        let what = format!("looks like {what}, not text");
        return Err(InputError::new(name, what));
    }
    Ok(Box::new(BufReader::with_capacity(
        READ_BUFFER_BYTES,
        opened.stream,
    )))
}

/// A zip archive from a pipe, read whole (its directory is at its end).
fn read_archive(stream: Box<dyn Read + Send>, name: &str) -> Result<Vec<u8>, InputError> {
    read_whole(stream, name, "a zip archive from a pipe")
}

/// An input that is read whole (`what` names it in the error): up to the
/// line limit, so that an endless stream is an error.
pub(crate) fn read_whole(
    mut stream: Box<dyn Read + Send>,
    name: &str,
    what: &str,
) -> Result<Vec<u8>, InputError> {
    let limit = max_line_bytes();
    let mut bytes = Vec::new();
    (&mut stream)
        .take((limit as u64).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(name, &e))?;
    if bytes.len() > limit {
        let what = format!(
            "{what} longer than {} (one is read whole: give it as a file)",
            limit_text(limit)
        );
        return Err(InputError::new(name, what));
    }
    Ok(bytes)
}

/// How many first bytes tell a format.
const HEAD_BYTES: usize = 8;

/// An input opened once: what its first bytes say it is, and its content.
pub(crate) struct Opened {
    /// What the content's first bytes (after decompression) say it is.
    pub content: Content,
    /// The content from its first byte, decompressed.
    pub stream: Box<dyn Read + Send>,
    /// Where the content lies as it is in a regular file, which can then
    /// be mapped: the whole file, or a stored member of an archive.
    pub plain: Option<PlainFile>,
    /// Bytes arrive as a pipe delivers them rather than as fast as they
    /// are asked for.
    pub is_stream: bool,
}

/// Bytes `start..start + len` of a regular file, open.
pub(crate) struct PlainFile {
    pub file: File,
    pub start: u64,
    pub len: u64,
}

impl PlainFile {
    fn whole(file: File, name: &str) -> Result<PlainFile, InputError> {
        let len = file.metadata().map_err(|e| read_error(name, &e))?.len();
        Ok(PlainFile {
            file,
            start: 0,
            len,
        })
    }
}

/// The first bytes of `stream`, up to [`HEAD_BYTES`]: no more than tell
/// its format, so that a pipe's first line is not held back waiting for
/// more (`printf 'a\n' | mlloss binarize -` answers at once).
fn read_head(stream: &mut dyn Read, name: &str) -> Result<Vec<u8>, InputError> {
    let mut head = vec![0u8; HEAD_BYTES];
    let mut got = 0;
    while got < head.len() && (got == 0 || Content::may_become_magic(&head[..got])) {
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

/// What tells a file from another, or from itself rewritten: device and
/// inode, size and modification time.
#[derive(Debug, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileIdentity {
    pub fn of(source: &Source) -> Option<FileIdentity> {
        let meta = std::fs::metadata(source.file_path()?).ok()?;
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Some(FileIdentity {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// Whether `labels` are pandas' default labels `0, 1, …` in order (at
/// least one): what it names the columns, and the rows, of a frame built
/// from an array.
pub(crate) fn pandas_default_labels<'a>(labels: impl IntoIterator<Item = &'a [u8]>) -> bool {
    let mut n = 0usize;
    for label in labels {
        if label != n.to_string().as_bytes() {
            return false;
        }
        n += 1;
    }
    n > 0
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
