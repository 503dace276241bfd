//! Sparse inputs of extreme classification: each sample a list of label
//! indices (the true labels) or of candidate labels and their scores (a
//! model's top-k), read one row at a time so that memory is one row and a
//! read buffer, never N × L.
//!
//! - `text.rs`: the Extreme Classification Repository's text (`N F L`
//!   header, `l1,l2 f:v …`), LIBSVM multi-label (the same body, no
//!   header) and pyxclib's sparse text (`N L` header, `idx:val …`);
//! - `jsonl.rs`: JSON Lines of top-k lists (`{"indices", "scores"}`) and
//!   fastxml's (`{"labels", "predict"}`, both sides in one file);
//! - `npz.rs`: the members of a zip archive as streams, and `.npy` arrays
//!   read an element at a time; `arrays.rs`: scipy's `save_npz` (CSR,
//!   CSC), a top-k `.npz` (`indices`, `scores`) and a pair of top-k `.npy`;
//! - `formats.rs`: each as an `InputFormat` (`--format`'s names and help).
//!
//! Every reader checks each row ([`RowCheck`]): an index negative, beyond
//! L or twice in a sample is an error naming file, row and value.

use std::io::{BufRead, Read};

use super::{Format, Source, max_line_bytes, read_error};
use crate::error::InputError;

mod arrays;
pub(super) mod formats;
pub(crate) use formats::NPZ_NAME;
mod jsonl;
mod npz;
mod text;

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
    fn clear(&mut self, line: u64) {
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

/// Opens `source` as sparse rows of `side`: read as `format` when given,
/// else as its content says (see [`detect`]). `num_labels` is L from the
/// command line or the other input; a file's own L must agree with it.
pub fn open_sparse(
    source: &Source,
    format: Option<Format>,
    num_labels: Option<u64>,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    let file = source.name();
    if npz::is_zip(source)? {
        if let Some(format) = format.filter(|f| f.name() != NPZ_NAME) {
            let what = format!(
                "a zip archive (an .npz), not {}: leave --format out, or give --format npz",
                format.title()
            );
            return Err(InputError::new(&file, what));
        }
        return arrays::open_npz(source, num_labels, side);
    }
    let mut stream = source.open()?;
    let first = first_line(&mut *stream, &file)?;
    let check = RowCheck::new(&file, num_labels, "--num-labels");
    match format {
        Some(format) => format.open_sparse(LineInput::new(first, stream, file), check, side),
        None => {
            let kind = detect(&first, &file)?;
            kind.open(LineInput::new(first, stream, file), check, side)
        }
    }
}

/// The refusal of a dense format asked for sparse rows.
pub(crate) fn not_sparse(title: &str, file: &str) -> InputError {
    let what = format!(
        "{title} is read as a dense matrix, not as sparse rows: give --format xc, libsvm,          xclib-sparse, npz, topk-jsonl or fastxml (or leave it out to tell by content)"
    );
    InputError::new(file, what)
}

/// Opens a top-k pair of `.npy` arrays, N × k each: `indices` (integers)
/// and `scores` (numbers), row i's k candidates and their scores.
pub fn open_topk_pair(
    indices: &Source,
    scores: &Source,
    num_labels: Option<u64>,
) -> Result<Box<dyn SparseSource>, InputError> {
    arrays::open_topk_pair(indices, scores, num_labels)
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

impl LineKind {
    fn open(
        self,
        input: LineInput,
        check: RowCheck,
        side: SparseSide,
    ) -> Result<Box<dyn SparseSource>, InputError> {
        match self {
            LineKind::Xc | LineKind::Libsvm | LineKind::XclibSparse => {
                text::open(self, input, check, side)
            }
            LineKind::TopkJsonl | LineKind::Fastxml => jsonl::open(self, input, check, side),
        }
    }
}

/// The format of a text input, from its first line: a header of three
/// integers (XC), of two (pyxclib's sparse text), a JSON object (its keys
/// tell top-k from fastxml). A LIBSVM file's first line is a sample,
/// which looks like CSV: it is read only when named (`--format libsvm`).
fn detect(first: &[u8], file: &str) -> Result<LineKind, InputError> {
    let line = trim_line_end(first);
    if line.first() == Some(&b'{') {
        return jsonl::kind_of_line(line, file);
    }
    let fields: Vec<&[u8]> = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    let all_integers =
        !fields.is_empty() && fields.iter().all(|f| f.iter().all(|b| b.is_ascii_digit()));
    match fields.len() {
        3 if all_integers => Ok(LineKind::Xc),
        2 if all_integers => Ok(LineKind::XclibSparse),
        _ => Err(InputError::new(
            file,
            "cannot tell which sparse format this is (no header of `N F L` or `N L`, no JSON \
             object): name it with --format (libsvm for label lists without a header)",
        )
        .at(1, None)
        .text(line)),
    }
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
    fn new(first: Vec<u8>, stream: Box<dyn BufRead + Send>, file: String) -> LineInput {
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
pub(super) fn read_line(
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
        return Err(super::line_too_long(file, line));
    }
    Ok(())
}

fn first_line(stream: &mut dyn BufRead, file: &str) -> Result<Vec<u8>, InputError> {
    let mut first = Vec::new();
    read_line(stream, &mut first, file, 1)?;
    if first.starts_with(super::UTF8_BOM) {
        first.drain(..super::UTF8_BOM.len());
    }
    Ok(first)
}

pub(super) fn trim_line_end(line: &[u8]) -> &[u8] {
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
pub(super) fn read_full(
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
