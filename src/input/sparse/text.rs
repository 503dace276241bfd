//! The sparse text formats, one sample a line:
//!
//! - the Extreme Classification Repository's (`--format xc`): a header
//!   `N F L`, then `l1,l2,… f:v f:v …`; only the labels are read (the
//!   features are skipped, not parsed);
//! - LIBSVM multi-label (`--format libsvm`): the same lines, no header;
//! - pyxclib's sparse text (`--format xclib-sparse`, written by
//!   `xclib.data.data_utils.write_sparse_file`): a header `N L`, then
//!   `idx:val idx:val …`, the values a prediction's scores.
//!
//! A blank line is a sample with no label (pyxclib's reader drops it and
//! shifts every later sample: mlloss keeps the rows in place), as is a
//! line whose first field is a feature (`f:v`) or starts with a blank.

use super::rows::{LineInput, LineKind, RowCheck, SparseRow, SparseSide, SparseSource};
use crate::error::InputError;

/// A reader of one of the three text formats.
struct TextRows {
    kind: LineKind,
    input: LineInput,
    check: RowCheck,
    side: SparseSide,
    /// N from the header.
    rows: Option<u64>,
    /// Samples read.
    read: u64,
    /// The line of the header, when there is one (1).
    header_line: u64,
    buffer: Vec<u8>,
}

pub(super) fn open(
    kind: LineKind,
    mut input: LineInput,
    mut check: RowCheck,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    if kind == LineKind::Libsvm && side == SparseSide::Scores {
        let what = "a LIBSVM file holds true labels, not scores (predictions are read from \
                    xclib-sparse text, an .npz, top-k JSONL or a top-k .npy pair)";
        return Err(InputError::new(&input.file, what));
    }
    if kind == LineKind::Xc && side == SparseSide::Scores {
        let what = "an XC repository file holds true labels and features, not scores \
                    (predictions are read from xclib-sparse text, an .npz, top-k JSONL or a \
                    top-k .npy pair)";
        return Err(InputError::new(&input.file, what));
    }
    let mut rows = None;
    let mut header_line = 0;
    if kind != LineKind::Libsvm {
        let mut header = Vec::new();
        let counts = if input.next_line(&mut header)? {
            parse_header(&header, kind)
        } else {
            None
        };
        let Some(counts) = counts else {
            let want = if kind == LineKind::Xc {
                "`N F L`"
            } else {
                "`N L`"
            };
            return Err(InputError::new(
                &input.file,
                format!("the first line is no header {want} of non-negative integers"),
            )
            .at(1, None)
            .text(&header));
        };
        check.set_labels(*counts.last().unwrap_or(&0), "the header")?;
        rows = Some(counts[0]);
        header_line = 1;
    }
    Ok(Box::new(TextRows {
        kind,
        input,
        check,
        side,
        rows,
        read: 0,
        header_line,
        buffer: Vec::new(),
    }))
}

/// The integers of a header line: three for XC, two for pyxclib's.
fn parse_header(line: &[u8], kind: LineKind) -> Option<Vec<u64>> {
    let want = if kind == LineKind::Xc { 3 } else { 2 };
    let counts: Vec<u64> = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .map(|f| std::str::from_utf8(f).ok()?.parse().ok())
        .collect::<Option<_>>()?;
    (counts.len() == want).then_some(counts)
}

impl SparseSource for TextRows {
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        if !self.input.next_line(&mut self.buffer)? {
            return self.at_end();
        }
        self.read += 1;
        let line = self.input.line;
        if let Some(rows) = self.rows
            && self.read > rows
        {
            return Err(InputError::new(
                &self.input.file,
                format!(
                    "the header (line 1) says {rows} samples, but there are more: this is sample {}",
                    self.read
                ),
            )
            .at(line, None));
        }
        row.clear(line);
        match self.kind {
            LineKind::XclibSparse => self.entries(row)?,
            _ => self.label_list(row)?,
        }
        self.check.distinct(row)?;
        Ok(true)
    }

    fn labels(&self) -> Option<u64> {
        self.check.labels
    }

    fn rows(&self) -> Option<u64> {
        self.rows
    }

    fn format_name(&self) -> &'static str {
        match self.kind {
            LineKind::Xc => "xc",
            LineKind::Libsvm => "libsvm",
            _ => "xclib-sparse",
        }
    }
}

impl TextRows {
    fn at_end(&self) -> Result<bool, InputError> {
        match self.rows {
            Some(rows) if rows != self.read => Err(InputError::new(
                &self.input.file,
                format!(
                    "the header says {rows} samples, but the file holds {}",
                    self.read
                ),
            )
            .at(self.header_line, None)),
            _ => Ok(false),
        }
    }

    /// `l1,l2,… f:v …`: the labels before the first blank; none when the
    /// line is blank, starts with a blank, or its first field is a feature.
    fn label_list(&mut self, row: &mut SparseRow) -> Result<(), InputError> {
        let line = &self.buffer;
        let end = line
            .iter()
            .position(|b| *b == b' ' || *b == b'\t')
            .unwrap_or(line.len());
        let field = &line[..end];
        if field.is_empty() || field.contains(&b':') {
            return Ok(());
        }
        let mut column = 1u64;
        for label in field.split(|b| *b == b',') {
            let value = parse_integer(label).ok_or_else(|| {
                InputError::new(
                    &self.input.file,
                    "a label that is no integer (labels are `l1,l2,…` before the features)",
                )
                .at(row.line, Some(column))
                .text(label)
            })?;
            let index = self.check.index(value, row.line, Some(column))?;
            row.indices.push(index);
            column += label.len() as u64 + 1;
        }
        Ok(())
    }

    /// `idx:val idx:val …`: as scores, every entry; as true labels, the
    /// entries whose value is not 0.
    fn entries(&mut self, row: &mut SparseRow) -> Result<(), InputError> {
        let mut column = 1u64;
        for field in self.buffer.split(|b| *b == b' ' || *b == b'\t') {
            let at = column;
            column += field.len() as u64 + 1;
            if field.is_empty() {
                continue;
            }
            let parsed = field.iter().position(|b| *b == b':').and_then(|colon| {
                let index = parse_integer(&field[..colon])?;
                let value = std::str::from_utf8(&field[colon + 1..]).ok()?;
                Some((index, value.parse::<f64>().ok()?))
            });
            let Some((index, value)) = parsed else {
                return Err(InputError::new(
                    &self.input.file,
                    "an entry that is not `index:value` (an integer, a colon, a number)",
                )
                .at(row.line, Some(at))
                .text(field));
            };
            let index = self.check.index(index, row.line, Some(at))?;
            match self.side {
                SparseSide::Scores => {
                    row.indices.push(index);
                    row.values.push(value);
                }
                SparseSide::Targets if value != 0.0 => row.indices.push(index),
                SparseSide::Targets => {}
            }
        }
        Ok(())
    }
}

/// An optionally signed decimal integer; `None` for anything else (or one
/// beyond 2^64, reported as not an integer).
pub(super) fn parse_integer(text: &[u8]) -> Option<i128> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i128, |n, d| n * 10 + i128::from(d - b'0'));
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::parse_integer;

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_integer(b"17"), Some(17));
        assert_eq!(parse_integer(b"-3"), Some(-3));
        assert_eq!(parse_integer(b""), None);
        assert_eq!(parse_integer(b"1.0"), None);
        assert_eq!(parse_integer(b"-"), None);
        assert_eq!(parse_integer(b"123456789012345678901"), None);
    }
}
