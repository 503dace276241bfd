//! Whether the first line of a CSV/TSV table is a header, and why.
//!
//! A line of text with no number in it is a header; a line of numbers is
//! data. One writer makes this ambiguous: pandas names the columns of a
//! frame built from an array `0,1,…,C−1`, so
//! `pd.DataFrame(a).to_csv(path, index=False)` heads the file with a line
//! of numbers. That line is taken as a header only where the file itself
//! says so:
//!
//! - after an empty cell (`,0,1,2`: pandas' default `to_csv(path)`, whose
//!   index has no name): a numeric matrix has no empty cells;
//! - when a name is a value the input cannot hold (`2` in TARGETS);
//! - when the row below holds a number written as pandas writes a float
//!   (`0.5`, `1e-05`, `nan`, `True`): pandas writes every value of a float
//!   column with a point or an exponent, and the names without.
//!
//! Otherwise (`0,1` above `1,0`) it is a *candidate*: the pairing, which
//! sees the other input, decides (see `cmd::pairing::first_line`), or
//! refuses naming `--input-header`.

use std::io::BufRead;
use std::sync::Arc;

use super::record::RecordReader;
use crate::domain::Domain;
use crate::error::InputError;
use crate::input::cell::{as_bool, parse_cell};
use crate::input::header_why::HeaderWhy;
use crate::input::text::TextCutter;
use crate::input::{Delimiter, HeaderMode};

/// What a delimited table's first line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FirstLine {
    Header(HeaderWhy),
    Data(HeaderWhy),
    /// Exactly `0,1,…,C−1`, which could be pandas' names or data.
    Candidate,
}

/// A text table's first line, taken.
pub(super) struct Taken {
    /// Its names, when it is a header (then skipped).
    pub(super) header: Option<Vec<String>>,
    /// The fields of the header, or else of the first row.
    pub(super) fields: Option<usize>,
    pub(super) why: HeaderWhy,
    /// A candidate (see [`FirstLine::Candidate`]): its names and length.
    pub(super) candidate: Option<(Vec<String>, usize)>,
}

/// Takes the first line of `text`, its fields separated by `delimiter`: a
/// header (skipped) or the first row, whose fields are counted.
pub(super) fn take(
    text: &mut TextCutter,
    delimiter: Delimiter,
    file: &Arc<str>,
    domain: Domain,
    mode: HeaderMode,
) -> Result<Taken, InputError> {
    let first_len = text.first_row()?.len();
    let (header, first_fields, why, candidate) = match delimiter {
        Delimiter::Char(delimiter) => {
            let (line, names, fields) = split(text, first_len, delimiter, file, domain, mode)?;
            match line {
                FirstLine::Header(why) => (Some(names), None, why, None),
                FirstLine::Data(why) => (None, fields, why, None),
                FirstLine::Candidate => {
                    (None, fields, HeaderWhy::Numbers, Some((names, first_len)))
                }
            }
        }
        Delimiter::Blanks => {
            let header = super::blanks::header(text.first_row()?, mode);
            let why = match (mode, header.is_some()) {
                (HeaderMode::Auto, true) => HeaderWhy::Names,
                (HeaderMode::Auto, false) => HeaderWhy::Numbers,
                (_, true) => HeaderWhy::ToldHeader,
                (_, false) => HeaderWhy::ToldData,
            };
            (header, None, why, None)
        }
    };
    if header.is_some() {
        text.skip(first_len);
    }
    let fields = match (&header, first_fields) {
        (Some(names), _) => Some(names.len()),
        (None, Some(fields)) => Some(fields),
        (None, None) => {
            let first = text.first_row()?;
            match delimiter {
                Delimiter::Char(delimiter) => {
                    let mut records = RecordReader::starting_at(first, file, delimiter, 1);
                    // A bad first row is reported when it is parsed.
                    records.next_record().ok().map(|_| records.field_count())
                }
                Delimiter::Blanks => Some(super::blanks::fields(first).count()),
            }
        }
    };
    Ok(Taken {
        header,
        fields,
        why,
        candidate,
    })
}

/// Splits the first line (`first_len` bytes) of a delimited table and
/// decides what it is: with its cells as names, and its field count
/// (`None` for an empty input).
fn split(
    text: &mut TextCutter,
    first_len: usize,
    delimiter: u8,
    file: &Arc<str>,
    domain: Domain,
    mode: HeaderMode,
) -> Result<(FirstLine, Vec<String>, Option<usize>), InputError> {
    // The row below, for pandas' names `0,1,…`.
    let two = text.first_rows(2)?;
    let below = (two.len() > first_len).then(|| two[first_len..].to_vec());
    let first = &text.first_rows(1)?[..first_len];
    let mut records = RecordReader::starting_at(first, file, delimiter, 1);
    if !records.next_record()? {
        return Ok((FirstLine::Data(HeaderWhy::Numbers), Vec::new(), None));
    }
    let line = decide(&records, below.as_deref(), delimiter, mode, domain);
    let names = (0..records.field_count())
        .map(|i| String::from_utf8_lossy(records.field(i).trim_ascii()).into_owned())
        .collect();
    Ok((line, names, Some(records.field_count())))
}

/// Decides on `first`, the first record (already split), with the row
/// below it, `below`, unsplit (`None` at the end of the input).
pub(super) fn decide<R: BufRead>(
    first: &RecordReader<R>,
    below: Option<&[u8]>,
    delimiter: u8,
    mode: HeaderMode,
    domain: Domain,
) -> FirstLine {
    match mode {
        HeaderMode::Yes => return FirstLine::Header(HeaderWhy::ToldHeader),
        HeaderMode::No => return FirstLine::Data(HeaderWhy::ToldData),
        HeaderMode::Auto => {}
    }
    if is_header(first) {
        return FirstLine::Header(HeaderWhy::Names);
    }
    let cells: Vec<&[u8]> = (0..first.field_count())
        .map(|i| first.field(i).trim_ascii())
        .collect();
    match pandas_names(&cells) {
        None => FirstLine::Data(HeaderWhy::Numbers),
        Some(Names::AfterIndex) => FirstLine::Header(HeaderWhy::PandasIndexed),
        Some(Names::Plain) => {
            if cells.iter().any(|cell| parse_cell(cell, domain).is_err()) {
                FirstLine::Header(HeaderWhy::PandasOutOfDomain)
            } else if below.is_some_and(|row| holds_float_text(row, delimiter)) {
                FirstLine::Header(HeaderWhy::PandasAboveFloats)
            } else {
                FirstLine::Candidate
            }
        }
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
        if parse_cell(cell, Domain::FINITE) != Err("not a number") || as_bool(cell).is_some() {
            return false;
        }
        has_text = true;
    }
    has_text
}

/// The two ways pandas names the columns of a frame built from an array.
#[derive(Debug, PartialEq, Eq)]
enum Names {
    /// `0,1,…,C−1`.
    Plain,
    /// `,0,1,…,C−1`: the index (no name) first.
    AfterIndex,
}

fn pandas_names(cells: &[&[u8]]) -> Option<Names> {
    let (names, kind) = match cells.split_first() {
        Some((first, rest)) if first.is_empty() && !rest.is_empty() => (rest, Names::AfterIndex),
        Some(_) => (cells, Names::Plain),
        None => return None,
    };
    crate::input::pandas_default_labels(names.iter().copied()).then_some(kind)
}

/// Whether a row holds a cell that is not a bare integer: a float as
/// pandas (and NumPy) write one, with a point or an exponent, or `nan`,
/// `inf`, `True`.
fn holds_float_text(row: &[u8], delimiter: u8) -> bool {
    let mut records = RecordReader::new(row, "", delimiter);
    if !matches!(records.next_record(), Ok(true)) {
        return false;
    }
    (0..records.field_count()).any(|i| {
        let cell = records.field(i).trim_ascii();
        let digits = cell.strip_prefix(b"-").unwrap_or(cell);
        !cell.is_empty() && (digits.is_empty() || !digits.iter().all(u8::is_ascii_digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_line(text: &str, domain: Domain) -> FirstLine {
        let (first, below) = text.split_once('\n').unwrap_or((text, ""));
        let mut records = RecordReader::new(first.as_bytes(), "t.csv", b',');
        records.next_record().unwrap();
        let below = (!below.is_empty()).then_some(below.as_bytes());
        decide(&records, below, b',', HeaderMode::Auto, domain)
    }

    #[test]
    fn pandas_names_are_a_header_where_the_file_says_so() {
        let targets = Domain::UNIT_INTERVAL;
        let any = Domain::FINITE;
        assert_eq!(
            first_line(",0,1\n0,0.5,1.5", any),
            FirstLine::Header(HeaderWhy::PandasIndexed)
        );
        assert_eq!(
            first_line("0,1,2\n0,1,0", targets),
            FirstLine::Header(HeaderWhy::PandasOutOfDomain)
        );
        assert_eq!(
            first_line("0,1\n0.5,-1.25", any),
            FirstLine::Header(HeaderWhy::PandasAboveFloats)
        );
        assert_eq!(
            first_line("0\n1e-05", any),
            FirstLine::Header(HeaderWhy::PandasAboveFloats)
        );
        assert_eq!(first_line("0,1\n1,0", targets), FirstLine::Candidate);
        assert_eq!(first_line("0,1", targets), FirstLine::Candidate);
        assert_eq!(
            first_line("1,0\n0.5,2", any),
            FirstLine::Data(HeaderWhy::Numbers)
        );
        assert_eq!(
            first_line("0,2\n0.5,2", any),
            FirstLine::Data(HeaderWhy::Numbers)
        );
        assert_eq!(
            first_line("0.0,1.0\n0.5,2", any),
            FirstLine::Data(HeaderWhy::Numbers)
        );
        assert_eq!(
            first_line("cat,dog\n1,2", any),
            FirstLine::Header(HeaderWhy::Names)
        );
    }

    #[test]
    fn integers_below_leave_the_names_undecided() {
        assert!(!holds_float_text(b"1,-2,0\r\n", b','));
        assert!(holds_float_text(b"1,nan,0\n", b','));
        assert!(holds_float_text(b"True,False", b','));
        assert!(holds_float_text(b"1\t2.5", b'\t'));
        assert!(!holds_float_text(b"\"1\n\",0", b','));
    }
}
