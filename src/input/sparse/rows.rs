//! What the sparse readers share: the row, the reader trait, the text
//! input read a line at a time, and the checks every row passes. It
//! imports no other reader, so that every file of `sparse/` (and the
//! `InputFormat` trait) can use it without a circle.

use std::io::{BufRead, Read};

use crate::error::InputError;
use crate::input::{line_too_long, max_line_bytes, read_error};

/// One sample: its label indices and, read as predictions, their scores.
///
/// As true labels (`SparseSide::Targets`) `values` stays empty: a file's
/// values are read (and must be numbers) but only say whether an entry is
/// a label (a stored 0 is not). As predictions (`SparseSide::Scores`)
/// `values[j]` is the score of `indices[j]`, every stored entry being a
/// candidate whatever its value. Indices keep the file's order (a CSR row
/// may be unsorted); they are distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseRow {
    pub indices: Vec<u32>,
    pub values: Vec<f64>,
    /// The sample's 1-based line in a text file, or row in an array.
    pub line: u64,
}

impl SparseRow {
    pub(crate) fn clear(&mut self, line: u64) {
        self.indices.clear();
        self.values.clear();
        self.line = line;
    }
}

/// Which side of a file is read: the true labels or the predictions. A
/// file that holds one side only is refused as the other by name; a
/// fastxml JSONL file holds both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparseSide {
    Targets,
    Scores,
}

/// A reader of sparse rows.
pub trait SparseSource: Send {
    /// Fills `row` with the next sample; false at the end (after checking
    /// that the file held what its header says).
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError>;

    /// L, when the file says it (a header, an array's shape) or it was given.
    fn labels(&self) -> Option<u64>;

    /// N, when the file says it before its rows.
    fn rows(&self) -> Option<u64>;

    /// The format's `--format` name, for messages and `--explain`.
    fn format_name(&self) -> &'static str;
}

/// The refusal of a dense format asked for sparse rows.
pub(crate) fn not_sparse(title: &str, file: &str) -> InputError {
    let what = format!(
        "{title} is read as a dense matrix, not as sparse rows: give --format xc, libsvm,          xclib-sparse, npz, topk-jsonl or fastxml (or leave it out to tell by content)"
    );
    InputError::new(file, what)
}

/// The sparse formats read as lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Xc,
    Libsvm,
    XclibSparse,
    TopkJsonl,
    Fastxml,
}

/// A text input whose first line was read ahead (to tell its format).
pub(crate) struct LineInput {
    pub file: String,
    stream: Box<dyn BufRead + Send>,
    first: Option<Vec<u8>>,
    /// Lines handed out so far.
    pub line: u64,
}

impl LineInput {
    pub fn new(first: Vec<u8>, stream: Box<dyn BufRead + Send>, file: String) -> LineInput {
        LineInput {
            file,
            stream,
            first: Some(first),
            line: 0,
        }
    }

    /// The next line into `buffer` (without its `\n` or `\r\n`); false at
    /// the end. A line longer than the line limit is an error.
    pub fn next_line(&mut self, buffer: &mut Vec<u8>) -> Result<bool, InputError> {
        buffer.clear();
        if let Some(first) = self.first.take() {
            *buffer = first;
        } else {
            read_line(&mut *self.stream, buffer, &self.file, self.line + 1)?;
        }
        if buffer.is_empty() {
            return Ok(false);
        }
        self.line += 1;
        let kept = trim_line_end(buffer).len();
        buffer.truncate(kept);
        Ok(true)
    }
}

/// Reads one line (with its `\n`) into `buffer`, up to the line limit.
pub(crate) fn read_line(
    stream: &mut dyn BufRead,
    buffer: &mut Vec<u8>,
    file: &str,
    line: u64,
) -> Result<(), InputError> {
    let limit = max_line_bytes();
    stream
        .take(limit as u64 + 1)
        .read_until(b'\n', buffer)
        .map_err(|e| read_error(file, &e))?;
    if buffer.len() > limit {
        return Err(line_too_long(file, line));
    }
    Ok(())
}

pub(crate) fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The checks every row passes: indices below L (when L is known) and
/// distinct within the sample.
pub(crate) struct RowCheck {
    pub file: String,
    pub labels: Option<u64>,
    /// Where L came from, in messages (`the header`, `--num-labels`).
    pub labels_from: &'static str,
    seen: Vec<u32>,
    bits: Vec<u64>,
}

impl RowCheck {
    pub fn new(file: &str, labels: Option<u64>, labels_from: &'static str) -> RowCheck {
        RowCheck {
            file: file.to_owned(),
            labels,
            labels_from,
            seen: Vec::new(),
            bits: Vec::new(),
        }
    }

    /// Takes the file's own L (`from` names it), which must agree with
    /// one already known.
    pub fn set_labels(&mut self, labels: u64, from: &'static str) -> Result<(), InputError> {
        match self.labels {
            Some(known) if known != labels => Err(InputError::new(
                &self.file,
                format!(
                    "{from} says {labels} labels, but {} says {known}",
                    self.labels_from
                ),
            )),
            _ => {
                self.labels = Some(labels);
                self.labels_from = from;
                Ok(())
            }
        }
    }

    /// An index read as a signed integer, checked: not negative, below L,
    /// within u32. `line` and `column` place it.
    pub fn index(&self, value: i128, line: u64, column: Option<u64>) -> Result<u32, InputError> {
        let error = |what: String| {
            Err(InputError::new(&self.file, what)
                .at(line, column)
                .text(value.to_string().as_bytes()))
        };
        if value < 0 {
            return error("a negative label index".to_owned());
        }
        if let Some(labels) = self.labels
            && value >= i128::from(labels)
        {
            return error(format!(
                "label index {value} is not below the number of labels, {labels} ({})",
                self.labels_from
            ));
        }
        match u32::try_from(value) {
            Ok(index) => Ok(index),
            Err(_) => error(format!(
                "label index {value} beyond 2^32 − 1, the most mlloss reads"
            )),
        }
    }

    /// The row's indices are distinct: a label twice is an error naming it.
    /// A bitmap of the labels seen (grown to the largest index read, at
    /// most 2^26 bits, 8 MiB) makes it O(row); larger indices sort a copy.
    pub fn distinct(&mut self, row: &SparseRow) -> Result<(), InputError> {
        let Some(&largest) = row.indices.iter().max() else {
            return Ok(());
        };
        let twice = if largest < 1 << 26 {
            self.twice_by_bitmap(&row.indices, largest)
        } else {
            self.seen.clear();
            self.seen.extend_from_slice(&row.indices);
            self.seen.sort_unstable();
            self.seen.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
        };
        match twice {
            Some(label) => Err(InputError::new(
                &self.file,
                format!("label {label} appears twice in the sample"),
            )
            .at(row.line, None)),
            None => Ok(()),
        }
    }

    /// The first label of `indices` seen twice, through the bitmap, which
    /// is left cleared.
    fn twice_by_bitmap(&mut self, indices: &[u32], largest: u32) -> Option<u32> {
        let words = largest as usize / 64 + 1;
        if self.bits.len() < words {
            self.bits.resize(words, 0);
        }
        let mut twice = None;
        for &index in indices {
            let (word, bit) = (index as usize / 64, 1u64 << (index % 64));
            if self.bits[word] & bit != 0 && twice.is_none() {
                twice = Some(index);
            }
            self.bits[word] |= bit;
        }
        for &index in indices {
            self.bits[index as usize / 64] = 0;
        }
        twice
    }
}

/// Reads up to `buffer.len()` bytes: how many came (fewer at the end).
pub(crate) fn read_full(
    stream: &mut dyn Read,
    buffer: &mut [u8],
    file: &str,
) -> Result<usize, InputError> {
    let mut got = 0;
    while got < buffer.len() {
        match stream.read(&mut buffer[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(file, &e)),
        }
    }
    Ok(got)
}
