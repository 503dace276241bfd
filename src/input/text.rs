//! Cutting text into chunks of whole rows, for the text formats (CSV, TSV,
//! JSON Lines): rows are found by a newline search (and, in CSV, by
//! tracking quotes, since a quoted field may hold a line break), and
//! handed out unparsed, so that any thread can parse them.
//!
//! Input is read straight into the chunk being cut; only the part of the
//! last read that belongs to the next chunk is copied, into `leftover`.

use std::io::Read;
use std::sync::Arc;

use super::chunk::{ChunkLimit, RowChunk, TextRows};
use super::syntax::RowSyntax;
use super::{Opened, read_error};
use crate::error::InputError;

/// The most a read from a pipe asks for (a pipe holds 64 KiB by default).
const STREAM_READ_BYTES: usize = 1 << 18;

/// Reads a text input and cuts it into chunks of whole rows.
pub(crate) struct TextCutter {
    file: Arc<str>,
    reader: Box<dyn Read + Send>,
    syntax: Arc<dyn RowSyntax>,
    /// Bytes read past the end of the last chunk: the start of the next rows.
    leftover: Vec<u8>,
    eof: bool,
    /// A pipe or terminal: reads return what has arrived instead of
    /// waiting for a full buffer, so that rows stream through promptly.
    is_stream: bool,
    /// An error found while cutting, reported after the rows before it.
    pending_error: Option<InputError>,
    /// The line the next chunk starts on.
    next_line: u64,
    /// Bytes cut so far, to size reads when cutting by rows.
    bytes_cut: u64,
}

impl TextCutter {
    /// Cuts `input`, already open.
    pub(crate) fn open(input: Opened, file: Arc<str>, syntax: Arc<dyn RowSyntax>) -> TextCutter {
        TextCutter {
            file,
            reader: input.stream,
            syntax,
            leftover: Vec::new(),
            eof: false,
            is_stream: input.is_stream,
            pending_error: None,
            next_line: 1,
            bytes_cut: 0,
        }
    }

    /// Cuts rows of this syntax from now on (decided from the first row).
    pub(crate) fn set_syntax(&mut self, syntax: Arc<dyn RowSyntax>) {
        self.syntax = syntax;
    }

    /// Appends up to `bytes` more of the input to `text`; `false` at its end.
    fn read_more(&mut self, text: &mut Vec<u8>, bytes: usize) -> Result<bool, InputError> {
        if self.eof {
            return Ok(false);
        }
        let n = if self.is_stream {
            // One read: whatever the pipe holds, at least a byte. The buffer
            // is zeroed first, so it is kept to about what a pipe holds: a
            // long row read in pieces would otherwise zero its whole length
            // again on every read (quadratic time).
            let start = text.len();
            let bytes = bytes.min(STREAM_READ_BYTES);
            text.try_reserve(bytes)
                .map_err(|_| InputError::new(&self.file, "out of memory while reading"))?;
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
            text.try_reserve(bytes)
                .map_err(|_| InputError::new(&self.file, "out of memory while reading"))?;
            (&mut self.reader).take(bytes as u64).read_to_end(text)
        }
        .map_err(|e| read_error(&self.file, &e))?;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// The input's first row (with its line end, if it has one), read
    /// ahead and not yet cut: a format looks at it for a byte order mark
    /// or a header, then [`TextCutter::skip`]s what is not data.
    pub(crate) fn first_row(&mut self) -> Result<&[u8], InputError> {
        self.first_rows(1)
    }

    /// The input's first `rows` rows, read ahead and not yet cut.
    pub(crate) fn first_rows(&mut self, rows: usize) -> Result<&[u8], InputError> {
        let mut text = std::mem::take(&mut self.leftover);
        let mut scanner = RowScanner::new(self.syntax.quoting());
        let (mut found, mut end) = (0, 0);
        while found < rows {
            let row_end = scanner.next_row_end(&text);
            if row_end.unwrap_or(text.len()) - end > super::max_line_bytes() {
                return Err(super::line_too_long(
                    &self.file,
                    self.next_line + found as u64,
                ));
            }
            if let Some(row_end) = row_end {
                (found, end) = (found + 1, row_end);
                continue;
            }
            if !self.read_more(&mut text, 1 << 16)? {
                end = text.len();
                break;
            }
        }
        self.leftover = text;
        Ok(&self.leftover[..end])
    }

    /// Drops the first `bytes` of what is not yet cut (a byte order mark,
    /// a header line), counting its lines.
    pub(crate) fn skip(&mut self, bytes: usize) {
        let skipped = self.leftover.drain(..bytes);
        self.next_line += memchr::memchr_iter(b'\n', skipped.as_slice()).count() as u64;
    }

    /// How much to read next into a chunk that has `rows` rows and `held`
    /// bytes, `unfinished` of them a row not yet whole: about what the
    /// limit still needs, so that little is left over; but at least as much
    /// as the unfinished row so far, so that a very long row takes few
    /// reads.
    fn read_size(
        &self,
        limit: ChunkLimit,
        rows_before: u64,
        rows: usize,
        unfinished: usize,
        held: usize,
    ) -> usize {
        match limit {
            ChunkLimit::Bytes(b) => b.saturating_sub(held) + (1 << 14),
            ChunkLimit::Rows(r) => {
                let per_row = (self.bytes_cut / rows_before.max(1)).max(16) as usize;
                r.saturating_sub(rows) * per_row + (1 << 12)
            }
        }
        .max(unfinished)
    }

    /// The line of offset `at` of `text`, the text of the chunk being cut.
    fn line_at(&self, text: &[u8], at: usize) -> u64 {
        self.next_line + memchr::memchr_iter(b'\n', &text[..at]).count() as u64
    }

    /// The error for a quoted field still open at the end of the input,
    /// in the row starting at offset `at` of `text`.
    #[cold]
    fn never_closed(&self, text: &[u8], at: usize) -> InputError {
        let error = InputError::new(&self.file, "quoted field is never closed");
        error.at(self.line_at(text, at), None)
    }

    /// Counts `text`, `rows` rows just cut, as behind.
    fn count_cut(&mut self, text: &[u8], rows: usize, saw_quotes: bool) {
        // Without quotes, a row is a line (the last perhaps without its newline).
        self.next_line += if saw_quotes {
            memchr::memchr_iter(b'\n', text).count() as u64
        } else {
            rows as u64 - u64::from(text.last().is_some_and(|&b| b != b'\n'))
        };
        self.bytes_cut += text.len() as u64;
    }

    /// Replaces `chunk` with the next rows; an empty chunk means the end.
    /// `chunk.first_row` is the number of rows cut before.
    pub(crate) fn next_chunk(
        &mut self,
        limit: ChunkLimit,
        chunk: &mut RowChunk,
    ) -> Result<(), InputError> {
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        let rows_before = chunk.first_row;
        chunk.first_line = self.next_line;
        let body = chunk.text_rows(&self.syntax);
        body.text.extend_from_slice(&self.leftover);
        self.leftover.clear();
        let mut scanner = RowScanner::new(self.syntax.quoting());
        let Cut {
            mut rows,
            mut end,
            mut blank,
            stop,
        } = self.cut(limit, rows_before, body, &mut scanner);
        if let Some((error, at)) = stop {
            // The rows before it come first, so that an error in one of
            // them is the one reported.
            if rows == 0 && blank.is_empty() {
                return Err(error);
            }
            rows += take_blank(&mut body.row_ends, &mut blank);
            end = at;
            self.pending_error = Some(error);
        }
        self.leftover.extend_from_slice(&body.text[end..]);
        body.text.truncate(end);
        self.count_cut(&body.text, rows, scanner.saw_quotes);
        chunk.rows = rows;
        chunk.source_bytes = end;
        Ok(())
    }

    /// Cuts rows into `body` (which starts with what was left over) until
    /// `limit` is met, the input ends, or an error stops it.
    fn cut(
        &mut self,
        limit: ChunkLimit,
        rows_before: u64,
        body: &mut TextRows,
        scanner: &mut RowScanner,
    ) -> Cut {
        let (mut rows, mut end) = (0, 0);
        // Blank rows after `end`: rows (and errors) if data follows, but
        // dropped at the end of the input, where writers leave them.
        let mut blank: Vec<usize> = Vec::new();
        let max_line = super::max_line_bytes();
        let text = &mut body.text;
        // An error in the row starting at this offset.
        let mut stop: Option<(InputError, usize)> = None;
        loop {
            let enough = match limit {
                ChunkLimit::Rows(r) => rows >= r,
                ChunkLimit::Bytes(b) => end >= b,
            };
            if enough && blank.is_empty() {
                break;
            }
            let after = blank.last().copied().unwrap_or(end);
            let found = scanner.next_row_end(text);
            // A row (found, or so far) longer than the limit.
            if found.unwrap_or(text.len()) - after > max_line {
                let line = self.line_at(text, after);
                stop = Some((super::line_too_long(&self.file, line), after));
                break;
            }
            if let Some(row_end) = found {
                // Most rows start with their data: one byte tells.
                let row = &text[after..row_end];
                if row[0].is_ascii_whitespace() && row.trim_ascii().is_empty() {
                    blank.push(row_end);
                    continue;
                }
                rows += take_blank(&mut body.row_ends, &mut blank);
                (rows, end) = (rows + 1, row_end);
                body.row_ends.push(row_end);
                continue;
            }
            let want = self.read_size(limit, rows_before, rows, text.len() - end, text.len());
            // A failed read (a truncated gzip file): the whole rows first,
            // then the error at the unfinished row's line.
            let more = self.read_more(text, want);
            if let Err(error) = more {
                stop = Some((error.at(self.line_at(text, after), None), after));
                break;
            }
            if more == Ok(false) {
                // The last row may lack its newline.
                if !text[after..].trim_ascii().is_empty() {
                    if scanner.ends_inside_quotes(text) {
                        stop = Some((self.never_closed(text, after), after));
                        break;
                    }
                    rows += take_blank(&mut body.row_ends, &mut blank);
                    (rows, end) = (rows + 1, text.len());
                    body.row_ends.push(end);
                }
                // What is left after the last row is blank: dropped.
                text.truncate(end);
                break;
            }
        }
        Cut {
            rows,
            end,
            blank,
            stop,
        }
    }
}

/// Where cutting a chunk stopped: its rows, where the last ends, blank
/// rows after it, and an error in the row starting at an offset.
struct Cut {
    rows: usize,
    end: usize,
    blank: Vec<usize>,
    stop: Option<(InputError, usize)>,
}

/// Makes the blank rows held back (`blank`, their ends) rows after all,
/// since a row follows them; returns how many.
fn take_blank(row_ends: &mut Vec<usize>, blank: &mut Vec<usize>) -> usize {
    let taken = blank.len();
    row_ends.append(blank);
    taken
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
    /// A scanner for rows whose quoted fields (with this delimiter) may
    /// hold line breaks, or (`None`) whose rows are lines.
    fn new(quoting: Option<u8>) -> Self {
        let (quoted, delimiter) = match quoting {
            Some(delimiter) => (true, delimiter),
            None => (false, b','),
        };
        RowScanner {
            quoted,
            delimiter,
            quotes: QuoteState::default(),
            position: 0,
            quote_free_until: 0,
            saw_quotes: false,
            searched_until: 0,
        }
    }

    /// Whether `text`, which has no newline after the last row found,
    /// ends inside a quoted field: the last row's bytes after its last
    /// newline may close it (`"1\n",2` without a final newline).
    fn ends_inside_quotes(&mut self, text: &[u8]) -> bool {
        if self.quotes.inside {
            self.quotes.feed(&text[self.position..], self.delimiter);
        }
        self.quotes.inside
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

/// Tracks whether a record's bytes so far end inside a quoted field, so
/// that a newline there continues the record.
#[derive(Debug)]
pub(crate) struct QuoteState {
    pub(crate) inside: bool,
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
    pub(crate) fn feed(&mut self, bytes: &[u8], delimiter: u8) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A pipe: hands out at most 64 KiB a read, and records the largest
    /// buffer it was given (each buffer is zeroed before the read).
    struct Pipe {
        text: Vec<u8>,
        at: usize,
        largest: Arc<Mutex<usize>>,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let mut largest = self.largest.lock().unwrap();
            *largest = (*largest).max(buf.len());
            let n = buf.len().min(self.text.len() - self.at).min(1 << 16);
            buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Rows of a quoted format; they are cut, never parsed here.
    #[derive(Debug)]
    struct QuotedLines;

    impl RowSyntax for QuotedLines {
        fn quoting(&self) -> Option<u8> {
            Some(b',')
        }

        fn decode(
            &self,
            _: &[u8],
            _: &crate::input::MatrixInfo,
            _: u64,
            _: &mut Vec<f64>,
            _: &mut Vec<u8>,
            _: &mut Vec<f64>,
        ) -> Result<(), InputError> {
            unreachable!("the test only cuts rows")
        }

        fn key(&self, _: &[u8], _: usize, _: &crate::input::MatrixInfo, _: u64, _: &mut Vec<u8>) {}
    }

    /// A long row from a pipe is read in buffers of a bounded size, not
    /// ones as long as the row so far (which made it quadratic).
    #[test]
    fn a_long_row_from_a_pipe_is_read_in_bounded_buffers() {
        let mut text = b"1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b"1,".as_slice(), 2_000_000).flatten());
        text.extend(b"1\n");
        let largest = Arc::new(Mutex::new(0));
        let pipe = Pipe {
            text,
            at: 0,
            largest: largest.clone(),
        };
        let input = Opened {
            content: super::super::Content::Other,
            stream: Box::new(pipe),
            plain: None,
            is_stream: true,
        };
        let mut cutter = TextCutter::open(input, "p".into(), Arc::new(QuotedLines));
        let mut chunk = RowChunk::default();
        let mut rows = 0;
        loop {
            cutter
                .next_chunk(ChunkLimit::Bytes(1 << 20), &mut chunk)
                .unwrap();
            if chunk.rows == 0 {
                break;
            }
            rows += chunk.rows;
        }
        assert_eq!(rows, 2);
        assert!(*largest.lock().unwrap() <= STREAM_READ_BYTES);
    }
}
