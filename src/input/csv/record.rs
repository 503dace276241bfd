//! CSV/TSV records and fields, RFC 4180 quoting honoured.

use std::io::BufRead;

use crate::error::InputError;
use crate::input::text::QuoteState;
use crate::input::{UTF8_BOM, line_too_long, max_line_bytes, read_error};

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
    /// The input's start is here, so a byte order mark is to be skipped.
    at_input_start: bool,
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(reader: R, file: &str, delimiter: u8) -> Self {
        RecordReader {
            at_input_start: true,
            ..Self::starting_at(reader, file, delimiter, 1)
        }
    }

    /// A reader of text taken from line `first_line` of the file, after
    /// any byte order mark.
    pub fn starting_at(reader: R, file: &str, delimiter: u8, first_line: u64) -> Self {
        RecordReader {
            reader,
            file: file.to_owned(),
            delimiter,
            record: Vec::new(),
            unquoted: Vec::new(),
            uses_unquoted: false,
            fields: Vec::new(),
            line: 0,
            next_line: first_line,
            at_input_start: false,
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
            // At most the longest line allowed, plus one byte to tell.
            let room = (max_line_bytes() + 1).saturating_sub(start) as u64;
            let n = std::io::Read::take(&mut self.reader, room)
                .read_until(b'\n', &mut self.record)
                .map_err(|e| read_error(&self.file, &e))?;
            if self.record.len() > max_line_bytes() {
                return Err(line_too_long(&self.file, self.line));
            }
            if n == 0 && start == 0 {
                return Ok(false);
            }
            if n > 0 {
                self.next_line += 1;
                // The mark goes before any quote is looked at: a quote
                // after it opens the first field.
                if self.at_input_start
                    && self.line == 1
                    && start == 0
                    && self.record.starts_with(UTF8_BOM)
                {
                    self.record.drain(..UTF8_BOM.len());
                }
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
        }
        // `\r\n`, or a `\r` that ends the input: either way a line ending,
        // as the quote-free path reads it.
        if self.record.last() == Some(&b'\r') {
            self.record.pop();
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
            i = if bytes.get(i) == Some(&b'"') {
                let at = (&*self.file, self.line, column, self.delimiter);
                unquote(bytes, i + 1, &mut self.unquoted, at)?
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
                end
            };
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

/// The contents of the quoted field whose opening quote is just before
/// `bytes[i]`, appended to `out` unescaped; returns where the field ends
/// (at the delimiter or the end). `at` is the file, line, column and
/// delimiter, for errors.
fn unquote(
    bytes: &[u8],
    mut i: usize,
    out: &mut Vec<u8>,
    (file, line, column, delimiter): (&str, u64, u64, u8),
) -> Result<usize, InputError> {
    loop {
        let Some(q) = memchr::memchr(b'"', &bytes[i..]) else {
            let error = InputError::new(file, "quoted field is never closed");
            return Err(error.at(line, Some(column)));
        };
        out.extend_from_slice(&bytes[i..i + q]);
        i += q + 1;
        if bytes.get(i) != Some(&b'"') {
            break;
        }
        out.push(b'"');
        i += 1;
    }
    match bytes.get(i) {
        None => Ok(i),
        Some(&b) if b == delimiter => Ok(i),
        Some(_) => {
            let end = memchr::memchr(delimiter, &bytes[i..]).map_or(bytes.len(), |d| i + d);
            Err(InputError::new(file, "text after a closing quote")
                .at(line, Some(column))
                .text(&bytes[i..end]))
        }
    }
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
}
