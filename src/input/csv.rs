//! CSV and TSV: records and fields (RFC 4180 quoting), and numbers in them.
//!
//! CSV is split here rather than by the `csv` crate: the `csv` crate skips
//! blank lines, but a blank line is a sample without labels (binarize) or a
//! hole that would misalign two matrices (loss), and fields are handed out as
//! byte slices with no allocation per field.

use std::io::BufRead;

use super::{Domain, read_error};
use crate::error::InputError;

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
        Self::starting_at(reader, file, delimiter, 1)
    }

    /// A reader whose first record is on line `first_line` of the file.
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

/// Parses one CSV/TSV cell as a number. Spaces around it are allowed.
pub(crate) fn parse_cell(cell: &[u8], domain: Domain) -> Result<f64, &'static str> {
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

/// A first CSV line is a header when it has text and none of its non-empty
/// fields is a number. A line mixing numbers and text is data, so that a typo
/// in the first row is reported instead of the row being dropped.
pub(crate) fn is_header<R: BufRead>(records: &RecordReader<R>) -> bool {
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

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a plain decimal (`-12.5`, `3`, `.5`, `1.25e-3`) at the start of
/// `bytes`, returning the value and the bytes used; `None` for anything else
/// or when the fast path cannot round exactly (the caller then falls back to
/// the general parser).
///
/// Clinger's fast path: a significand below 2^53 and a power of ten up to
/// 10^22 are both exact in f64, so one multiplication or division gives the
/// correctly rounded value. Numbers written with up to 15 significant
/// digits, as savetxt's `%.7g` and most dumps write them, take this path.
#[inline]
pub fn parse_plain_decimal(bytes: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut significand: u64 = 0;
    let mut digits = take_digits(bytes, &mut i, &mut significand);
    let mut exponent: i32 = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let fraction = take_digits(bytes, &mut i, &mut significand);
        digits += fraction;
        exponent -= fraction as i32;
    }
    if digits == 0 || digits > 19 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        let exponent_negative = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut written: u64 = 0;
        let exponent_digits = take_digits(bytes, &mut i, &mut written);
        if exponent_digits == 0 || exponent_digits > 4 {
            return None;
        }
        exponent += if exponent_negative {
            -(written as i32)
        } else {
            written as i32
        };
    }
    if significand > (1u64 << 53) || !(-22..=22).contains(&exponent) {
        return None;
    }
    let magnitude = significand as f64;
    let value = if exponent < 0 {
        magnitude / EXACT_POWERS_OF_TEN[(-exponent) as usize]
    } else {
        magnitude * EXACT_POWERS_OF_TEN[exponent as usize]
    };
    Some((if negative { -value } else { value }, i))
}

/// Appends the run of ASCII digits at `bytes[*i..]` to `value` (wrapping
/// past 19 digits, which callers reject), advancing `i`; returns the count.
/// Eight bytes are examined at a time where the input allows.
#[inline]
fn take_digits(bytes: &[u8], i: &mut usize, value: &mut u64) -> usize {
    let start = *i;
    while let Some(word) = bytes.get(*i..*i + 8) {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let n = leading_digit_bytes(word);
        if n == 0 {
            return *i - start;
        }
        // Keep the first n digit bytes, moved to the top, with '0's below.
        let digits = if n == 8 {
            word
        } else {
            (word << (8 * (8 - n))) | (0x3030_3030_3030_3030u64 >> (8 * n))
        };
        *value = value
            .wrapping_mul(POWERS_OF_TEN_U64[n])
            .wrapping_add(eight_digits_value(digits));
        *i += n;
        if n < 8 {
            return *i - start;
        }
    }
    while let Some(&b) = bytes.get(*i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        *value = value.wrapping_mul(10).wrapping_add(d as u64);
        *i += 1;
    }
    *i - start
}

const POWERS_OF_TEN_U64: [u64; 9] = [
    1,
    10,
    100,
    1000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the eight bytes (in memory order) are ASCII digits before
/// the first that is not.
#[inline]
fn leading_digit_bytes(word: u64) -> usize {
    let t = word ^ 0x3030_3030_3030_3030; // a digit byte becomes 0..=9
    // A byte's high bit ends up set iff it is not a digit; a carry out of a
    // non-digit byte can only disturb bytes after it, which do not count.
    let non_digit = (t.wrapping_add(0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080;
    (non_digit.trailing_zeros() / 8) as usize
}

/// The value of eight ASCII digits loaded little-endian (first digit in the
/// lowest byte), by the usual multiply-and-shift reduction.
#[inline]
fn eight_digits_value(word: u64) -> u64 {
    let v = word - 0x3030_3030_3030_3030;
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let low = (v & 0x0000_00FF_0000_00FF).wrapping_mul(0x000F_4240_0000_0064);
    let high = ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(0x0000_2710_0000_0001);
    low.wrapping_add(high) >> 32
}

/// Parses the fields of one quote-free record into `out`, returning how
/// many there were. `Err` carries the 0-based field index and what is wrong.
#[inline]
pub(crate) fn parse_plain_record(
    record: &[u8],
    delimiter: u8,
    domain: Domain,
    out: &mut Vec<f64>,
) -> Result<usize, (usize, &'static str)> {
    let mut position = 0;
    let mut field = 0;
    loop {
        let rest = &record[position..];
        let (value, used) = match rest {
            // Hard 0/1 targets and other one-digit values.
            [d @ b'0'..=b'9', tail @ ..] if tail.first().is_none_or(|&b| b == delimiter) => {
                ((d - b'0') as f64, 1)
            }
            _ => match parse_plain_decimal(rest) {
                Some((value, used)) if rest.get(used).is_none_or(|&b| b == delimiter) => {
                    (value, used)
                }
                // Spaces, `inf`, long numbers, garbage: the general parser
                // decides, and checks the domain.
                _ => {
                    let used = memchr::memchr(delimiter, rest).unwrap_or(rest.len());
                    let value = parse_cell(&rest[..used], domain).map_err(|what| (field, what))?;
                    (value, used)
                }
            },
        };
        // The fast paths only produce finite values; targets also need their range.
        if domain == Domain::UnitInterval
            && let Some(what) = domain.check(value)
        {
            return Err((field, what));
        }
        out.push(value);
        field += 1;
        position += used;
        if position >= record.len() {
            return Ok(field);
        }
        position += 1; // the delimiter
        if position == record.len() {
            // A trailing delimiter leaves an empty last field.
            return Err((field, "empty cell"));
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

    #[test]
    fn plain_decimals_parse_exactly_or_defer() {
        for text in [
            "0",
            "-0",
            "3",
            "+3",
            ".5",
            "5.",
            "-12.5",
            "1.25e-3",
            "1E5",
            "9007199254740992",
            "0.1",
            "-0.08474924",
            "1.234568e-05",
            "123456789012345e-22",
        ] {
            let (value, used) =
                parse_plain_decimal(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(used, text.len(), "{text}");
            assert_eq!(
                value.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
        // Beyond the exact fast path, or not a plain decimal: the caller decides.
        for text in [
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "9007199254740993",
            "1e23",
            "1e-23",
            "12345678901234567890",
            "inf",
            "nan",
            "1e00001",
        ] {
            assert_eq!(parse_plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse_plain_decimal(b"1.5,2"), Some((1.5, 3)));
        // A prefix that is a number: the record parser sees what follows and defers.
        assert_eq!(parse_plain_decimal(b"0x10"), Some((0.0, 1)));
    }

    #[test]
    fn plain_decimals_agree_with_the_standard_parser() {
        let mut state = 99u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 16
        };
        for _ in 0..200_000 {
            let int_digits = (next() % 12) as usize;
            let frac_digits = (next() % 12) as usize;
            let mut text = String::new();
            if next() % 3 == 0 {
                text.push('-');
            }
            (0..int_digits).for_each(|_| text.push((b'0' + (next() % 10) as u8) as char));
            if next() % 4 != 0 {
                text.push('.');
                (0..frac_digits).for_each(|_| text.push((b'0' + (next() % 10) as u8) as char));
            }
            if next() % 3 == 0 {
                text.push_str(&format!("e{}", next() as i64 % 40 - 20));
            }
            let tail = [",1", "\n", "", "x"][(next() % 4) as usize];
            let input = format!("{text}{tail}");
            if let Some((value, used)) = parse_plain_decimal(input.as_bytes()) {
                assert_eq!(used, text.len(), "{input:?}");
                let want: f64 = text.parse().unwrap();
                assert_eq!(value.to_bits(), want.to_bits(), "{input:?}");
            } else {
                // Deferred: not a plain decimal, or beyond the exact fast path.
                let digits = text
                    .bytes()
                    .take_while(|b| *b != b'e')
                    .filter(u8::is_ascii_digit)
                    .count();
                let plain = text.trim_start_matches('-').parse::<f64>().is_ok();
                assert!(
                    !plain || digits == 0 || digits > 15 || text.contains('e'),
                    "{input:?}"
                );
            }
        }
    }

    #[test]
    fn plain_records_fall_back_for_anything_unusual() {
        let mut out = Vec::new();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e400x,", b',', Domain::Finite, &mut out),
            Err((2, "not a number"))
        );
        out.clear();
        assert_eq!(
            parse_plain_record(b"1, 2 ,1e23", b',', Domain::Finite, &mut out),
            Ok(3)
        );
        assert_eq!(out, [1.0, 2.0, 1e23]);
        out.clear();
        assert_eq!(
            parse_plain_record(b"1,", b',', Domain::Finite, &mut out),
            Err((1, "empty cell"))
        );
        assert_eq!(
            parse_plain_record(b"0,2", b',', Domain::UnitInterval, &mut out),
            Err((1, "target outside [0, 1]"))
        );
        assert_eq!(
            parse_plain_record(b"nan", b',', Domain::Finite, &mut out),
            Err((0, "not a finite number"))
        );
        assert_eq!(
            parse_plain_record(b"1,0x10", b',', Domain::Finite, &mut out),
            Err((1, "not a number"))
        );
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
