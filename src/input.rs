//! The reading layer: files and stdin (`-`), CSV/TSV/JSON/JSONL, numeric
//! matrices for `loss` and label lists for `binarize`.
//!
//! Every problem in the data becomes an [`InputError`] naming the file, the
//! 1-based line and, where it applies, the column (the field number in
//! CSV/TSV, the character column in JSON) and the offending text.
//!
//! CSV and TSV are split by [`RecordReader`] rather than the `csv` crate: the
//! `csv` crate skips blank lines, but here a blank line is a sample without
//! labels (binarize) or a hole that would misalign two matrices (loss), and
//! fields are handed out as byte slices with no allocation per field.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use crate::error::InputError;

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

    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, InputError> {
        match self {
            Source::Stdin => Ok(Box::new(BufReader::with_capacity(
                READ_BUFFER_BYTES,
                io::stdin(),
            ))),
            Source::Path(path) => {
                let file = File::open(path).map_err(|e| {
                    InputError::new(&self.name(), format!("cannot open: {}", io_reason(&e)))
                })?;
                Ok(Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, file)))
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

fn read_error(file: &str, e: &io::Error) -> InputError {
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
            _ => Format::Csv,
        }
    }

    fn delimiter(self) -> u8 {
        if self == Format::Tsv { b'\t' } else { b',' }
    }
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
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(reader: R, file: &str, delimiter: u8) -> Self {
        RecordReader {
            reader,
            file: file.to_owned(),
            delimiter,
            record: Vec::new(),
            unquoted: Vec::new(),
            uses_unquoted: false,
            fields: Vec::new(),
            line: 0,
            next_line: 1,
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
            let n = self
                .reader
                .read_until(b'\n', &mut self.record)
                .map_err(|e| read_error(&self.file, &e))?;
            if n == 0 && start == 0 {
                return Ok(false);
            }
            if n > 0 {
                self.next_line += 1;
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
            if self.record.last() == Some(&b'\r') {
                self.record.pop();
            }
        }
        if self.line == 1 && self.record.starts_with(b"\xEF\xBB\xBF") {
            self.record.drain(..3);
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

/// JSON Lines: one JSON text per line, handed out trimmed with its line number.
struct JsonLines {
    reader: Box<dyn BufRead + Send>,
    line: Vec<u8>,
    line_number: u64,
}

impl JsonLines {
    fn new(reader: Box<dyn BufRead + Send>) -> Self {
        JsonLines {
            reader,
            line: Vec::new(),
            line_number: 0,
        }
    }

    /// The next line without surrounding whitespace, and its number; `None`
    /// at the end. An empty line is an error saying `empty`.
    fn next_line(&mut self, file: &str, empty: &str) -> Result<Option<(&[u8], u64)>, InputError> {
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
fn read_all(mut reader: Box<dyn BufRead + Send>, file: &str) -> Result<Vec<u8>, InputError> {
    let mut text = Vec::new();
    reader
        .read_to_end(&mut text)
        .map_err(|e| read_error(file, &e))?;
    Ok(text)
}

/// Tracks whether a record's bytes so far end inside a quoted field, so
/// that a newline there continues the record.
#[derive(Debug)]
struct QuoteState {
    inside: bool,
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
    fn feed(&mut self, bytes: &[u8], delimiter: u8) {
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

/// What values a numeric matrix may hold; checked as each value is read so
/// that the error can say where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Any finite number (logits).
    Finite,
    /// A number in [0, 1] (targets, hard or soft).
    UnitInterval,
}

impl Domain {
    /// `None` when `value` belongs, else what is wrong with it.
    fn check(self, value: f64) -> Option<&'static str> {
        if !value.is_finite() {
            return Some("not a finite number");
        }
        if self == Domain::UnitInterval && !(0.0..=1.0).contains(&value) {
            return Some("target outside [0, 1]");
        }
        None
    }
}

/// Parses one CSV/TSV cell as a number. Spaces around it are allowed.
fn parse_cell(cell: &[u8], domain: Domain) -> Result<f64, &'static str> {
    let trimmed = cell.trim_ascii();
    if trimmed.is_empty() {
        return Err("empty cell");
    }
    match fast_float2::parse::<f64, _>(trimmed) {
        Ok(value) => domain.check(value).map_or(Ok(value), Err),
        Err(_) if std::str::from_utf8(cell).is_err() => Err("invalid UTF-8"),
        Err(_) => Err("not a number"),
    }
}

/// Rows of a numeric matrix, read in batches.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Row-major values, `cols` per row.
    pub values: Vec<f64>,
    /// The line on which each row starts; 0 where the format does not tell
    /// (a JSON document).
    pub lines: Vec<u64>,
    /// Values per row; 0 until the first row is read.
    pub cols: usize,
}

impl Batch {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    pub fn row(&self, index: usize) -> &[f64] {
        &self.values[index * self.cols..(index + 1) * self.cols]
    }

    fn clear(&mut self) {
        self.values.clear();
        self.lines.clear();
    }
}

/// A numeric matrix (logits or targets) read row by row. CSV, TSV and JSONL
/// are streamed; a JSON document is parsed whole (see README, "Limits").
pub struct MatrixReader {
    file: String,
    domain: Domain,
    /// Values per row, fixed by the first row.
    cols: usize,
    /// Data rows handed out so far.
    rows_read: u64,
    body: MatrixBody,
}

enum MatrixBody {
    Delimited {
        records: RecordReader<Box<dyn BufRead + Send>>,
        header_checked: bool,
    },
    JsonLines(JsonLines),
    Json {
        values: Vec<f64>,
        position: usize,
    },
}

impl MatrixReader {
    pub fn open(source: &Source, format: Format, domain: Domain) -> Result<Self, InputError> {
        let file = source.name();
        let reader = source.open()?;
        let body = match format {
            Format::Csv | Format::Tsv => MatrixBody::Delimited {
                records: RecordReader::new(reader, &file, format.delimiter()),
                header_checked: false,
            },
            Format::Jsonl => MatrixBody::JsonLines(JsonLines::new(reader)),
            Format::Json => {
                let text = read_all(reader, &file)?;
                let (values, cols) = parse_json_matrix(&text, &file, domain)?;
                let reader = MatrixReader {
                    file,
                    domain,
                    cols,
                    rows_read: 0,
                    body: MatrixBody::Json {
                        values,
                        position: 0,
                    },
                };
                return Ok(reader);
            }
        };
        Ok(MatrixReader {
            file,
            domain,
            cols: 0,
            rows_read: 0,
            body,
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Replaces `batch` with up to `max_rows` rows; an empty batch means the
    /// end of the input.
    pub fn read_batch(&mut self, batch: &mut Batch, max_rows: usize) -> Result<(), InputError> {
        batch.clear();
        while batch.rows() < max_rows {
            let line = match &mut self.body {
                MatrixBody::Delimited {
                    records,
                    header_checked,
                } => {
                    if !records.next_record()? {
                        break;
                    }
                    if !*header_checked {
                        *header_checked = true;
                        if is_header(records) {
                            // Its width is checked against the first data row.
                            self.cols = records.field_count();
                            if !records.next_record()? {
                                break;
                            }
                            check_width(
                                records.field_count(),
                                self.cols,
                                &self.file,
                                records.line(),
                                "the header has",
                            )?;
                        }
                    }
                    let n = records.field_count();
                    if n == 0 {
                        return Err(
                            InputError::new(&self.file, "empty line in a numeric matrix")
                                .at(records.line(), None),
                        );
                    }
                    if self.cols == 0 {
                        self.cols = n;
                    }
                    check_width(
                        n,
                        self.cols,
                        &self.file,
                        records.line(),
                        "earlier rows have",
                    )?;
                    for i in 0..n {
                        let value = parse_cell(records.field(i), self.domain)
                            .map_err(|what| records.error_at(i, what))?;
                        batch.values.push(value);
                    }
                    records.line()
                }
                MatrixBody::JsonLines(lines) => {
                    let Some((text, line_number)) =
                        lines.next_line(&self.file, "empty line in a numeric matrix")?
                    else {
                        break;
                    };
                    let start = batch.values.len();
                    let seed = RowSeed {
                        out: &mut batch.values,
                        domain: self.domain,
                    };
                    let mut de = serde_json::Deserializer::from_slice(text);
                    seed.deserialize(&mut de)
                        .and_then(|()| de.end())
                        .map_err(|e| json_error(&self.file, &e, line_number))?;
                    let width = batch.values.len() - start;
                    if width == 0 {
                        return Err(
                            InputError::new(&self.file, "row with no values").at(line_number, None)
                        );
                    }
                    if self.cols == 0 {
                        self.cols = width;
                    }
                    check_width(
                        width,
                        self.cols,
                        &self.file,
                        line_number,
                        "earlier rows have",
                    )?;
                    line_number
                }
                MatrixBody::Json { values, position } => {
                    if *position >= values.len() {
                        break;
                    }
                    batch
                        .values
                        .extend_from_slice(&values[*position..*position + self.cols]);
                    *position += self.cols;
                    0
                }
            };
            batch.lines.push(line);
            self.rows_read += 1;
        }
        batch.cols = self.cols;
        Ok(())
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

/// `1 value`, `3 values`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A first CSV line is a header when it has text and none of its non-empty
/// fields is a number. A line mixing numbers and text is data, so that a typo
/// in the first row is reported instead of the row being dropped.
fn is_header<R: BufRead>(records: &RecordReader<R>) -> bool {
    let mut has_text = false;
    for i in 0..records.field_count() {
        let cell = records.field(i).trim_ascii();
        if cell.is_empty() {
            continue;
        }
        if parse_cell(cell, Domain::Finite) != Err("not a number") {
            return false;
        }
        has_text = true;
    }
    has_text
}

/// Turns a serde_json error into an InputError at its line and column;
/// `line_base` is the file line of the JSON text's first line.
fn json_error(file: &str, e: &serde_json::Error, line_base: u64) -> InputError {
    let text = e.to_string();
    let what = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    let line = line_base + e.line().saturating_sub(1) as u64;
    let column = (e.column() > 0).then_some(e.column() as u64);
    InputError::new(file, what).at(line.max(1), column)
}

/// Parses a JSON document that must be a non-empty 2-D array of numbers.
fn parse_json_matrix(
    text: &[u8],
    file: &str,
    domain: Domain,
) -> Result<(Vec<f64>, usize), InputError> {
    let mut values = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(text);
    let cols = MatrixSeed {
        out: &mut values,
        domain,
    }
    .deserialize(&mut de)
    .and_then(|cols| de.end().map(|()| cols))
    .map_err(|e| json_error(file, &e, 1))?;
    Ok((values, cols))
}

/// Deserializes `[[n, …], …]` into a flat vector, checking that every row
/// has the width of the first; returns that width.
struct MatrixSeed<'a> {
    out: &'a mut Vec<f64>,
    domain: Domain,
}

impl<'de> DeserializeSeed<'de> for MatrixSeed<'_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MatrixSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a 2-D array of numbers (an array of rows)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut cols = 0;
        let mut row = 0u64;
        loop {
            let start = self.out.len();
            let seed = RowSeed {
                out: &mut *self.out,
                domain: self.domain,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            row += 1;
            let width = self.out.len() - start;
            if width == 0 {
                return Err(de::Error::custom(format!("row {row} has no values")));
            }
            if cols == 0 {
                cols = width;
            } else if width != cols {
                return Err(de::Error::custom(format!(
                    "ragged row: row {row} has {}, but earlier rows have {cols}",
                    count(width, "value")
                )));
            }
        }
        if row == 0 {
            return Err(de::Error::custom("no rows: the array is empty"));
        }
        Ok(cols)
    }
}

/// Deserializes one row `[n, …]`, appending its numbers to `out`.
struct RowSeed<'a> {
    out: &'a mut Vec<f64>,
    domain: Domain,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a row: an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element_seed(NumberSeed)? {
            if let Some(what) = self.domain.check(value) {
                return Err(de::Error::custom(format!("{what} ({value})")));
            }
            self.out.push(value);
        }
        Ok(())
    }
}

/// Deserializes one JSON number (integer or float) as f64.
struct NumberSeed;

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = f64;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_f64(self)
    }
}

impl<'de> Visitor<'de> for NumberSeed {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
}

/// How label lists are laid out.
#[derive(Debug, Clone, Default)]
pub struct LabelLayout {
    /// Take the labels from this column of a CSV/TSV with a header row.
    pub column: Option<String>,
    /// Split each field into several labels at this separator.
    pub separator: Option<String>,
}

/// One sample's labels: trimmed, non-empty, in input order (duplicates kept).
#[derive(Debug, Default, Clone)]
pub struct Sample {
    text: String,
    /// Byte range of each label in `text`, and its 1-based column.
    labels: Vec<(usize, usize, u64)>,
    /// The line on which the sample starts.
    pub line: u64,
}

impl Sample {
    fn clear(&mut self) {
        self.text.clear();
        self.labels.clear();
    }

    fn push(&mut self, label: &str, column: u64) {
        let label = label.trim();
        if label.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(label);
        self.labels.push((start, self.text.len(), column));
    }

    /// Labels with the column they came from.
    pub fn labels(&self) -> impl Iterator<Item = (&str, u64)> {
        self.labels
            .iter()
            .map(|&(start, end, column)| (&self.text[start..end], column))
    }
}

/// Label lists (binarize's input), one sample at a time.
pub struct LabelReader {
    file: String,
    separator: Option<String>,
    body: LabelBody,
}

enum LabelBody {
    Delimited {
        records: RecordReader<Box<dyn BufRead + Send>>,
        /// The field holding the labels when `--column` is given.
        column: Option<usize>,
    },
    JsonLines(JsonLines),
    Json {
        rows: std::vec::IntoIter<Vec<serde_json::Value>>,
        row: u64,
    },
}

impl LabelReader {
    pub fn open(source: &Source, format: Format, layout: &LabelLayout) -> Result<Self, InputError> {
        let file = source.name();
        let reader = source.open()?;
        if layout.column.is_some() && !matches!(format, Format::Csv | Format::Tsv) {
            return Err(InputError::new(
                &file,
                "--column needs a CSV or TSV input with a header row",
            ));
        }
        let body = match format {
            Format::Csv | Format::Tsv => {
                let mut records = RecordReader::new(reader, &file, format.delimiter());
                let column = match &layout.column {
                    None => None,
                    Some(name) => Some(find_column(&mut records, name)?),
                };
                LabelBody::Delimited { records, column }
            }
            Format::Jsonl => LabelBody::JsonLines(JsonLines::new(reader)),
            Format::Json => {
                let text = read_all(reader, &file)?;
                let rows: Vec<Vec<serde_json::Value>> =
                    serde_json::from_slice(&text).map_err(|e| json_error(&file, &e, 1))?;
                LabelBody::Json {
                    rows: rows.into_iter(),
                    row: 0,
                }
            }
        };
        Ok(LabelReader {
            file,
            separator: layout.separator.clone().filter(|s| !s.is_empty()),
            body,
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next sample into `sample`; `false` at the end.
    pub fn next_sample(&mut self, sample: &mut Sample) -> Result<bool, InputError> {
        sample.clear();
        match &mut self.body {
            LabelBody::Delimited { records, column } => {
                if !records.next_record()? {
                    return Ok(false);
                }
                sample.line = records.line();
                let fields = match *column {
                    Some(index) => {
                        if records.field_count() <= index {
                            let what = format!(
                                "row has {} fields, but the label column is field {}",
                                records.field_count(),
                                index + 1
                            );
                            return Err(
                                InputError::new(records.file(), what).at(records.line(), None)
                            );
                        }
                        index..index + 1
                    }
                    None => 0..records.field_count(),
                };
                for i in fields {
                    let text = std::str::from_utf8(records.field(i))
                        .map_err(|_| records.error_at(i, "invalid UTF-8"))?;
                    push_split(sample, text, i as u64 + 1, self.separator.as_deref());
                }
            }
            LabelBody::JsonLines(lines) => {
                let empty = "empty line: write [] for a sample without labels";
                let Some((text, line_number)) = lines.next_line(&self.file, empty)? else {
                    return Ok(false);
                };
                sample.line = line_number;
                let values: Vec<serde_json::Value> = serde_json::from_slice(text)
                    .map_err(|e| json_error(&self.file, &e, line_number))?;
                push_json_labels(
                    sample,
                    &values,
                    &self.file,
                    Some(line_number),
                    self.separator.as_deref(),
                )?;
            }
            LabelBody::Json { rows, row } => {
                let Some(values) = rows.next() else {
                    return Ok(false);
                };
                *row += 1;
                sample.line = 0;
                push_json_labels(sample, &values, &self.file, None, self.separator.as_deref())
                    .map_err(|e| InputError {
                        what: format!("row {row}: {}", e.what),
                        ..e
                    })?;
            }
        }
        Ok(true)
    }
}

fn push_split(sample: &mut Sample, text: &str, column: u64, separator: Option<&str>) {
    match separator {
        Some(sep) => text.split(sep).for_each(|label| sample.push(label, column)),
        None => sample.push(text, column),
    }
}

fn push_json_labels(
    sample: &mut Sample,
    values: &[serde_json::Value],
    file: &str,
    line: Option<u64>,
    separator: Option<&str>,
) -> Result<(), InputError> {
    for (i, value) in values.iter().enumerate() {
        let column = i as u64 + 1;
        match value {
            serde_json::Value::String(s) => push_split(sample, s, column, separator),
            serde_json::Value::Number(n) => sample.push(&n.to_string(), column),
            other => {
                let mut e =
                    InputError::new(file, format!("label {column} is not a string or a number"))
                        .text(other.to_string().as_bytes());
                if let Some(line) = line {
                    e = e.at(line, None);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Reads the header row and finds the column named `name`.
fn find_column<R: BufRead>(records: &mut RecordReader<R>, name: &str) -> Result<usize, InputError> {
    if !records.next_record()? {
        return Err(InputError::new(
            records.file(),
            format!("no header row to find column {name:?} in"),
        ));
    }
    (0..records.field_count())
        .find(|&i| records.field(i).trim_ascii() == name.as_bytes())
        .ok_or_else(|| {
            InputError::new(
                records.file(),
                format!("no column named {name:?} in the header"),
            )
            .at(records.line(), None)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn parse_cell_rules() {
        assert_eq!(parse_cell(b" 1.5 ", Domain::Finite), Ok(1.5));
        assert_eq!(parse_cell(b"", Domain::Finite), Err("empty cell"));
        assert_eq!(parse_cell(b"x", Domain::Finite), Err("not a number"));
        assert_eq!(
            parse_cell(b"nan", Domain::Finite),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1e400", Domain::Finite),
            Err("not a finite number")
        );
        assert_eq!(
            parse_cell(b"1.5", Domain::UnitInterval),
            Err("target outside [0, 1]")
        );
        assert_eq!(parse_cell(b"\xff", Domain::Finite), Err("invalid UTF-8"));
    }
}
