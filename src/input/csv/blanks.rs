//! Numbers separated by runs of blanks (spaces and tabs), as `np.savetxt`
//! writes them by default and `np.loadtxt` reads them: leading and
//! trailing blanks ignored, no quoting. A first line starting with `#` is
//! a header of names (`np.savetxt(header="cat dog")` writes `# cat dog`).

use crate::domain::Domain;
use crate::error::InputError;
use crate::input::cell::parse_cell;
use crate::input::columns::{ColumnMap, MatrixInfo};
use crate::input::syntax::RowSyntax;
use crate::input::text::TextCutter;
use crate::input::{Delimiter, Dialect, HeaderMode};

/// Fields separated by runs of blanks, no quoting (`np.savetxt`).
#[derive(Debug)]
pub(super) struct Blanks;

impl RowSyntax for Blanks {
    fn decode(
        &self,
        record: &[u8],
        info: &MatrixInfo,
        line: u64,
        _: &mut Vec<f64>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let map = info.columns.as_deref();
        decode_row(record, info.domain, &info.file, line, map, key, values)
    }

    fn key(&self, record: &[u8], field: usize, _: &MatrixInfo, _: u64, key: &mut Vec<u8>) {
        if let Some(cell) = fields(record).nth(field) {
            key.extend_from_slice(cell);
        }
    }
}

/// Whether CSV text is really blank-separated: a first line with no comma
/// and no tab, but two or more numbers separated by blanks (what
/// `np.savetxt(path, a)` writes).
pub(super) fn looks_blank_separated(first: &[u8]) -> bool {
    let line = first
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first)
        .trim_ascii();
    if line.contains(&b',') || line.contains(&b'\t') {
        return false;
    }
    let mut tokens = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty());
    let numbers = tokens
        .by_ref()
        .take_while(|t| parse_cell(t, Domain::ANY).is_ok())
        .count();
    numbers >= 2 && tokens.next().is_none()
}

/// How the fields of text read as CSV (`delimiter`, no `--delimiter`) that
/// `np.savetxt` wrote: numbers separated by blanks (its default), or by
/// tabs (`delimiter="\t"`), after a `# names` line when it was given a
/// header (or, for tabs, a line of names between tabs, as
/// `to_csv(sep="\t")` writes). Tabs are read as TSV, not as blanks, so that
/// an empty cell later is an error, not a shift; the `#` of their header
/// is skipped, so that it is not part of the first name.
pub(super) fn savetxt_delimiter(
    text: &mut TextCutter,
    delimiter: Delimiter,
    dialect: Dialect,
) -> Result<Delimiter, InputError> {
    if delimiter != Delimiter::Char(b',') || dialect.delimiter.is_some() {
        return Ok(delimiter);
    }
    let first = text.first_row()?;
    let len = first.len();
    let blank_first = !first.contains(&b',') && !first.contains(&b'\t');
    let blanks = blank_first
        && (looks_blank_separated(first)
            // A line of names first: the data tell.
            || looks_blank_separated(&text.first_rows(2)?[len..]));
    if blanks {
        return Ok(Delimiter::Blanks);
    }
    let first = text.first_row()?;
    let commented = first.starts_with(b"#");
    let names_line = commented || (first.contains(&b'\t') && !first.contains(&b','));
    let tabs = looks_tab_separated(first)
        || names_line && looks_tab_separated(&text.first_rows(2)?[len..]);
    if !tabs {
        return Ok(delimiter);
    }
    if commented {
        text.skip(1);
    }
    Ok(Delimiter::Char(b'\t'))
}

/// Whether CSV text is really tab-separated numbers: a line with no comma
/// and two or more fields between tabs, every one a number (what
/// `np.savetxt(path, a, delimiter="\t")` writes). Read as TSV rather than
/// as runs of blanks, so that an empty cell later is an error, not a
/// shift of the row's values.
pub(super) fn looks_tab_separated(line: &[u8]) -> bool {
    let line = line
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(line)
        .trim_ascii();
    !line.contains(&b',')
        && line.contains(&b'\t')
        && line
            .split(|&b| b == b'\t')
            .all(|cell| parse_cell(cell.trim_ascii(), Domain::ANY).is_ok())
}

/// The header of names in a first line, if it is one: `# a b c`, or with
/// `Auto` a line of text and no number, or any line with `Yes`.
pub(super) fn header(first: &[u8], mode: HeaderMode) -> Option<Vec<String>> {
    let line = first
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first)
        .trim_ascii();
    let (commented, line) = match line.strip_prefix(b"#") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let names: Vec<String> = fields(line)
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    let text = !names.is_empty()
        && names
            .iter()
            .all(|n| parse_cell(n.as_bytes(), Domain::ANY).is_err());
    let is_header = match mode {
        HeaderMode::Auto => commented || text,
        HeaderMode::Yes => true,
        HeaderMode::No => false,
    };
    is_header.then_some(names)
}

/// The fields of a line.
pub(super) fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| *b == b' ' || *b == b'\t' || *b == b'\r' || *b == b'\n')
        .filter(|t| !t.is_empty())
}

/// Parses one row into `values` (through `map`, its key into `key`).
fn decode_row(
    record: &[u8],
    domain: Domain,
    file: &str,
    line: u64,
    map: Option<&ColumnMap>,
    key: &mut Vec<u8>,
    values: &mut Vec<f64>,
) -> Result<(), InputError> {
    values.clear();
    if let Some(map) = map {
        values.resize(map.columns.select.len(), 0.0);
    }
    let mut got = 0;
    for (field, cell) in fields(record).enumerate() {
        got += 1;
        let column = match map {
            None => Some(field),
            Some(map) => map.slot(field),
        };
        if let Some(column) = column {
            let value = parse_cell(cell, domain).map_err(|what| {
                let what = if field == 0 {
                    domain.hint_first_field(what, cell)
                } else {
                    what.to_owned()
                };
                InputError::new(file, what)
                    .at(line, Some(field as u64 + 1))
                    .text(cell)
            })?;
            match map {
                None => values.push(value),
                Some(_) => values[column] = value,
            }
        } else if map.is_some_and(|m| m.columns.key == Some(field)) {
            key.clear();
            key.extend_from_slice(cell);
        }
    }
    if got == 0 {
        return Err(InputError::new(file, "empty line in a numeric matrix").at(line, None));
    }
    match map {
        Some(map) if got != map.columns.fields => Err(map.ragged(got, file, line)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savetxt_output_is_recognised() {
        assert!(looks_blank_separated(
            b"5.000000000000000000e-01 -1.5e+00\n"
        ));
        assert!(looks_blank_separated(b"  1   2\t\n"));
        assert!(!looks_blank_separated(b"1,2\n"));
        assert!(!looks_blank_separated(b"1\n"));
        assert!(!looks_blank_separated(b"cat dog\n"));
        assert!(!looks_blank_separated(b"1 2\t3\n"));
    }

    #[test]
    fn headers_are_comment_lines_or_text() {
        let names = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            header(b"# cat dog\n", HeaderMode::Auto),
            names(&["cat", "dog"])
        );
        assert_eq!(
            header(b"cat  dog\n", HeaderMode::Auto),
            names(&["cat", "dog"])
        );
        assert_eq!(header(b"1 2\n", HeaderMode::Auto), None);
        assert_eq!(header(b"0 1\n", HeaderMode::Yes), names(&["0", "1"]));
        assert_eq!(header(b"# cat dog\n", HeaderMode::No), None);
    }
}
