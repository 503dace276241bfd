//! Numeric matrices (logits and targets).
//!
//! A [`MatrixReader`] cuts its input into [`RowChunk`]s of whole rows without
//! parsing them; [`RowChunk::rows`] then parses a chunk one row at a time on
//! whichever thread holds it, so that a row's values are still in the
//! cache when the loss kernels read them. Cutting is cheap (a newline
//! search), so threads can take turns at it, and two inputs can be cut at
//! the same row counts so that their chunks pair up.

use std::io::Read;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use super::csv::{QuoteState, RecordReader, is_header, parse_cell, parse_plain_record};
use super::npy::NpyMatrix;
use super::{Domain, Format, Source, count, json_error, read_all, read_error};
use crate::error::InputError;

/// How many rows to cut: at least this many bytes (then up to the end of
/// the row), or exactly this many rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkLimit {
    Bytes(usize),
    Rows(usize),
}

/// Whole rows of one input, not yet parsed.
#[derive(Debug, Default)]
pub struct RowChunk {
    /// CSV/TSV/JSONL: the rows' text, each row ending in a newline except
    /// perhaps the input's last.
    text: Vec<u8>,
    /// A JSON document: the rows' values, parsed when the document was read.
    values: Vec<f64>,
    /// CSV/TSV/JSONL: where each row ends in `text`, found while cutting.
    row_ends: Vec<usize>,
    rows: usize,
    first_line: u64,
    first_row: u64,
    /// Bytes of the input these rows took (0 for a JSON document).
    source_bytes: usize,
    /// A `.npy` value that failed its check: the row it is in (whose
    /// values are padding) and the error, reported when that row is reached
    /// so that the rows before it come first, as in the text formats.
    row_error: Option<(usize, InputError)>,
}

impl RowChunk {
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Bytes of the input these rows took, for progress (0 for a JSON document).
    pub fn source_bytes(&self) -> usize {
        self.source_bytes
    }

    /// The 0-based index of the chunk's first row in its input.
    pub fn first_row(&self) -> u64 {
        self.first_row
    }

    fn clear(&mut self) {
        self.text.clear();
        self.values.clear();
        self.row_ends.clear();
        self.rows = 0;
        self.source_bytes = 0;
        self.row_error = None;
    }

    /// The chunk's rows, parsed one at a time. Every row must have `cols`
    /// values when given, else as many as the chunk's first row.
    pub fn rows<'a>(&'a self, info: &'a MatrixInfo, cols: Option<usize>) -> Rows<'a> {
        let quoted = matches!(info.format, Format::Csv | Format::Tsv)
            && memchr::memchr(b'"', &self.text).is_some();
        Rows {
            chunk: self,
            info,
            cols,
            position: 0,
            row: 0,
            line: self.first_line,
            values: Vec::with_capacity(cols.unwrap_or(0)),
            records: quoted.then(|| {
                RecordReader::starting_at(
                    &self.text[..],
                    &info.file,
                    info.format.delimiter(),
                    self.first_line,
                )
            }),
        }
    }
}

/// A chunk's rows, parsed one at a time (see [`RowChunk::rows`]).
pub struct Rows<'a> {
    chunk: &'a RowChunk,
    info: &'a MatrixInfo,
    cols: Option<usize>,
    /// Where the next row starts in the text.
    position: usize,
    /// The index of the next row in the chunk.
    row: usize,
    /// The line of the next row.
    line: u64,
    values: Vec<f64>,
    /// CSV/TSV with quotes: the general record splitter.
    records: Option<RecordReader<&'a [u8]>>,
}

impl Rows<'_> {
    /// The next row's values and the line it starts on (0 in a JSON
    /// document); `None` after the last row.
    pub fn next_row(&mut self) -> Result<Option<(&[f64], u64)>, InputError> {
        let info = self.info;
        let file = &*info.file;
        self.values.clear();
        let line =
            match info.format {
                Format::Json | Format::Npy => {
                    let width = info.json_cols;
                    if self.row >= self.chunk.rows {
                        return Ok(None);
                    }
                    let row = self.row;
                    self.row += 1;
                    if let Some((bad, error)) = &self.chunk.row_error
                        && *bad == row
                    {
                        return Err(error.clone());
                    }
                    return Ok(Some((
                        &self.chunk.values[row * width..(row + 1) * width],
                        0,
                    )));
                }
                _ if self.records.is_some() => {
                    let records = self.records.as_mut().expect("checked");
                    if !records.next_record()? {
                        return Ok(None);
                    }
                    for i in 0..records.field_count() {
                        let value = parse_cell(records.field(i), info.domain)
                            .map_err(|what| records.error_at(i, what))?;
                        self.values.push(value);
                    }
                    if records.field_count() == 0 {
                        return Err(InputError::new(file, "empty line in a numeric matrix")
                            .at(records.line(), None));
                    }
                    records.line()
                }
                _ => {
                    let Some(&end) = self.chunk.row_ends.get(self.row) else {
                        return Ok(None);
                    };
                    let record = &self.chunk.text[self.position..end];
                    self.position = end;
                    self.row += 1;
                    let line = self.line;
                    self.line += 1;
                    if info.format == Format::Jsonl {
                        let record = record.trim_ascii();
                        if record.is_empty() {
                            return Err(InputError::new(file, "empty line in a numeric matrix")
                                .at(line, None));
                        }
                        let mut de = serde_json::Deserializer::from_slice(record);
                        RowSeed {
                            out: &mut self.values,
                            domain: info.domain,
                        }
                        .deserialize(&mut de)
                        .and_then(|()| de.end())
                        .map_err(|e| json_error(file, &e, line))?;
                        if self.values.is_empty() {
                            return Err(InputError::new(file, "row with no values").at(line, None));
                        }
                    } else {
                        let record = record.strip_suffix(b"\n").unwrap_or(record);
                        let record = record.strip_suffix(b"\r").unwrap_or(record);
                        if record.is_empty() {
                            return Err(InputError::new(file, "empty line in a numeric matrix")
                                .at(line, None));
                        }
                        let delimiter = info.format.delimiter();
                        parse_plain_record(record, delimiter, info.domain, &mut self.values)
                            .map_err(|(field, what)| {
                                let cell = record
                                    .split(|&b| b == delimiter)
                                    .nth(field)
                                    .unwrap_or_default();
                                InputError::new(file, what)
                                    .at(line, Some(field as u64 + 1))
                                    .text(cell)
                            })?;
                    }
                    line
                }
            };
        let want = *self.cols.get_or_insert(self.values.len());
        check_width(self.values.len(), want, file, line, "earlier rows have")?;
        Ok(Some((&self.values, line)))
    }
}

/// What a thread needs to parse an input's chunks.
#[derive(Debug, Clone)]
pub struct MatrixInfo {
    pub file: Arc<str>,
    pub format: Format,
    pub domain: Domain,
    /// The width of a JSON document's rows.
    json_cols: usize,
}

/// A numeric matrix (logits or targets), cut into chunks of rows. CSV, TSV
/// and JSONL stream; a JSON document is parsed whole when opened (see
/// README, "Limits").
///
/// Input is read straight into the chunk being cut; only the part of the
/// last read that belongs to the next chunk is copied, into `leftover`.
pub struct MatrixReader {
    info: MatrixInfo,
    reader: Box<dyn Read + Send>,
    /// Bytes read past the end of the last chunk: the start of the next rows.
    leftover: Vec<u8>,
    eof: bool,
    /// A pipe or terminal: reads return what has arrived instead of
    /// waiting for a full buffer, so that rows stream through promptly.
    is_stream: bool,
    /// An error found while cutting, reported after the rows before it.
    pending_error: Option<InputError>,
    next_line: u64,
    rows_cut: u64,
    /// Bytes per row so far, to size reads when cutting by rows.
    bytes_cut: u64,
    header_width: Option<usize>,
    /// The header's fields (CSV/TSV), unquoted.
    header_names: Vec<String>,
    /// A JSON document's values.
    json_values: Vec<f64>,
    /// A `.npy` file, read a chunk of rows at a time.
    npy: Option<NpyMatrix>,
}

/// Finds row ends in text that starts at a row boundary.
struct RowScanner {
    /// CSV/TSV: newlines inside quotes do not end a row.
    quoted: bool,
    delimiter: u8,
    quotes: QuoteState,
    /// Where the search resumes.
    position: usize,
    /// The text before this offset has no quote character, so newlines
    /// there end rows without a look at quoting.
    quote_free_until: usize,
    /// Whether any row so far contained a quote (then lines != rows).
    saw_quotes: bool,
    /// The text up to here has no newline after `position`: a long row
    /// read in pieces is searched once, not again with every piece.
    searched_until: usize,
}

impl RowScanner {
    fn new(info: &MatrixInfo) -> Self {
        RowScanner {
            quoted: matches!(info.format, Format::Csv | Format::Tsv),
            delimiter: info.format.delimiter(),
            quotes: QuoteState::default(),
            position: 0,
            quote_free_until: 0,
            saw_quotes: false,
            searched_until: 0,
        }
    }

    /// The end (one past the newline) of the next row in `text`, if whole.
    fn next_row_end(&mut self, text: &[u8]) -> Option<usize> {
        loop {
            let from = self.position.max(self.searched_until);
            let Some(offset) = memchr::memchr(b'\n', &text[from..]) else {
                self.searched_until = text.len();
                return None;
            };
            let newline = from + offset;
            if self.quoted && newline >= self.quote_free_until {
                // One search finds the next quote for many rows to come.
                self.quote_free_until = memchr::memchr(b'"', &text[self.position..])
                    .map_or(text.len(), |q| self.position + q);
            }
            if self.quoted && (self.quotes.inside || newline >= self.quote_free_until) {
                self.saw_quotes = true;
                self.quotes
                    .feed(&text[self.position..=newline], self.delimiter);
            }
            self.position = newline + 1;
            if !self.quotes.inside {
                self.quotes = QuoteState::default();
                return Some(self.position);
            }
        }
    }
}

impl MatrixReader {
    pub fn open(source: &Source, format: Format, domain: Domain) -> Result<Self, InputError> {
        Self::open_with_header(source, format, domain, false)
    }

    /// `open`, but with `header` the first CSV/TSV line is a header
    /// whatever it holds (class names that are numbers, say).
    pub fn open_with_header(
        source: &Source,
        format: Format,
        domain: Domain,
        header: bool,
    ) -> Result<Self, InputError> {
        let mut reader = MatrixReader {
            info: MatrixInfo {
                file: source.name().into(),
                format,
                domain,
                json_cols: 0,
            },
            // A .npy file is mapped (or stdin read whole) by NpyMatrix.
            reader: if format == Format::Npy {
                Box::new(std::io::empty())
            } else {
                source.open_unbuffered()?
            },
            leftover: Vec::new(),
            eof: false,
            is_stream: !source.is_regular_file(),
            pending_error: None,
            next_line: 1,
            rows_cut: 0,
            bytes_cut: 0,
            header_width: None,
            header_names: Vec::new(),
            npy: None,
            json_values: Vec::new(),
        };
        match format {
            Format::Npy => {
                let npy = NpyMatrix::open(source)?;
                reader.info.json_cols = npy.cols();
                reader.npy = Some(npy);
            }
            Format::Json => reader.read_json()?,
            Format::Csv | Format::Tsv => reader.skip_bom_and_header(header)?,
            Format::Jsonl => {}
        }
        Ok(reader)
    }

    pub fn info(&self) -> &MatrixInfo {
        &self.info
    }

    pub fn file(&self) -> &str {
        &self.info.file
    }

    /// The number of fields of the header line, if the input has one.
    pub fn header_width(&self) -> Option<usize> {
        self.header_width
    }

    /// The header line's names, if the input has one.
    pub fn header_names(&self) -> Option<&[String]> {
        self.header_width.map(|_| &self.header_names[..])
    }

    fn read_json(&mut self) -> Result<(), InputError> {
        let text = read_all(&mut self.reader, &self.info.file)?;
        let mut de = serde_json::Deserializer::from_slice(&text);
        let cols = MatrixSeed {
            out: &mut self.json_values,
            domain: self.info.domain,
        }
        .deserialize(&mut de)
        .and_then(|cols| de.end().map(|()| cols))
        .map_err(|e| json_error(&self.info.file, &e, 1))?;
        self.info.json_cols = cols;
        self.eof = true;
        Ok(())
    }

    /// Appends up to `bytes` more of the input to `text`; `false` at its end.
    fn read_more(&mut self, text: &mut Vec<u8>, bytes: usize) -> Result<bool, InputError> {
        if self.eof {
            return Ok(false);
        }
        let n = if self.is_stream {
            // One read: whatever the pipe holds, at least a byte.
            let start = text.len();
            text.resize(start + bytes, 0);
            let n = loop {
                match self.reader.read(&mut text[start..]) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    result => break result,
                }
            };
            text.truncate(start + *n.as_ref().unwrap_or(&0));
            n
        } else {
            // A file: fill the request (no zeroing, few calls).
            (&mut self.reader).take(bytes as u64).read_to_end(text)
        }
        .map_err(|e| read_error(&self.info.file, &e))?;
        self.eof = n == 0;
        Ok(n > 0)
    }

    fn skip_bom_and_header(&mut self, force: bool) -> Result<(), InputError> {
        let mut text = std::mem::take(&mut self.leftover);
        let mut scanner = RowScanner::new(&self.info);
        let end = loop {
            if let Some(end) = scanner.next_row_end(&text) {
                break end;
            }
            if !self.read_more(&mut text, 1 << 16)? {
                break text.len();
            }
        };
        let start = if text.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        // Past the byte order mark: a second one would be data.
        let mut records = RecordReader::starting_at(
            &text[start..end],
            &self.info.file,
            self.info.format.delimiter(),
            1,
        );
        let header = records.next_record()? && (force || is_header(&records));
        let skip = if header {
            self.header_width = Some(records.field_count());
            self.header_names = (0..records.field_count())
                .map(|i| String::from_utf8_lossy(records.field(i).trim_ascii()).into_owned())
                .collect();
            self.next_line += memchr::memchr_iter(b'\n', &text[..end]).count() as u64;
            end
        } else {
            start
        };
        text.drain(..skip);
        self.leftover = text;
        Ok(())
    }

    /// Replaces `chunk` with the next rows; an empty chunk means the end.
    pub fn next_chunk(
        &mut self,
        limit: ChunkLimit,
        chunk: &mut RowChunk,
    ) -> Result<(), InputError> {
        chunk.clear();
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        chunk.first_row = self.rows_cut;
        chunk.first_line = self.next_line;
        if let Some(npy) = &mut self.npy {
            let first = self.rows_cut as usize;
            let rows = match limit {
                ChunkLimit::Rows(r) => r,
                ChunkLimit::Bytes(b) => b.div_ceil(8 * npy.cols().max(1)),
            }
            .min(npy.rows() - first);
            let (good, error) = npy.fill_rows(
                first,
                rows,
                self.info.domain,
                &self.info.file,
                &mut chunk.values,
            );
            // A bad value ends the chunk; its row is reported when reached.
            let rows = match error {
                Some(error) => {
                    chunk.values.resize((good + 1) * npy.cols(), 0.0);
                    chunk.row_error = Some((good, error));
                    good + 1
                }
                None => good,
            };
            chunk.source_bytes = rows * npy.row_bytes();
            chunk.rows = rows;
            chunk.first_line = 0;
            self.rows_cut += rows as u64;
            return Ok(());
        }
        if self.info.format == Format::Json {
            let cols = self.info.json_cols.max(1);
            let first = self.rows_cut as usize;
            let rows = match limit {
                ChunkLimit::Rows(r) => r,
                ChunkLimit::Bytes(b) => b.div_ceil(8 * cols),
            }
            .min(self.json_values.len() / cols - first);
            chunk
                .values
                .extend_from_slice(&self.json_values[first * cols..(first + rows) * cols]);
            chunk.rows = rows;
            chunk.first_line = 0;
            self.rows_cut += rows as u64;
            return Ok(());
        }
        let text = &mut chunk.text;
        text.extend_from_slice(&self.leftover);
        self.leftover.clear();
        let mut scanner = RowScanner::new(&self.info);
        let (mut rows, mut end) = (0, 0);
        loop {
            let enough = match limit {
                ChunkLimit::Rows(r) => rows >= r,
                ChunkLimit::Bytes(b) => end >= b,
            };
            if enough {
                break;
            }
            if let Some(row_end) = scanner.next_row_end(text) {
                (rows, end) = (rows + 1, row_end);
                chunk.row_ends.push(row_end);
                continue;
            }
            // Read about what the limit still needs, so that little is left
            // over; but at least as much as the unfinished row so far, so
            // that a very long row takes few reads.
            let want = match limit {
                ChunkLimit::Bytes(b) => b.saturating_sub(text.len()) + (1 << 14),
                ChunkLimit::Rows(r) => {
                    let per_row = (self.bytes_cut / self.rows_cut.max(1)).max(16) as usize;
                    (r - rows) * per_row + (1 << 12)
                }
            }
            .max(text.len() - end);
            if !self.read_more(text, want)? {
                // The last row may lack its newline.
                if text.len() > end {
                    if scanner.quotes.inside {
                        let line = self.next_line
                            + memchr::memchr_iter(b'\n', &text[..end]).count() as u64;
                        let error =
                            InputError::new(&self.info.file, "quoted field is never closed")
                                .at(line, None);
                        // The rows before it come first, so that an error
                        // in one of them is the one reported.
                        if rows == 0 {
                            return Err(error);
                        }
                        self.pending_error = Some(error);
                        break;
                    }
                    (rows, end) = (rows + 1, text.len());
                    chunk.row_ends.push(end);
                }
                break;
            }
        }
        self.leftover.extend_from_slice(&text[end..]);
        text.truncate(end);
        chunk.rows = rows;
        // Without quotes, a row is a line (the last perhaps without its newline).
        self.next_line += if scanner.saw_quotes {
            memchr::memchr_iter(b'\n', text).count() as u64
        } else {
            rows as u64 - u64::from(text.last().is_some_and(|&b| b != b'\n'))
        };
        self.rows_cut += rows as u64;
        self.bytes_cut += end as u64;
        chunk.source_bytes = end;
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
