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
//! - `formats.rs`: each as an `InputFormat` (`--format`'s names and help);
//! - `rows.rs`: what they share (the row, the trait, line input, the
//!   checks every row passes: an index negative, beyond L or twice in a
//!   sample is an error naming file, row and value).

use std::io::BufRead;

use super::{Format, Source};
use crate::error::InputError;

mod arrays;
pub(super) mod formats;
mod jsonl;
mod npz;
pub(crate) mod rows;
mod text;

pub(crate) use formats::NPZ_NAME;
use rows::{LineInput, LineKind, RowCheck, read_line, trim_line_end};
pub use rows::{SparseRow, SparseSide, SparseSource};

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
            formats::open_lines(kind, LineInput::new(first, stream, file), check, side)
        }
    }
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

fn first_line(stream: &mut dyn BufRead, file: &str) -> Result<Vec<u8>, InputError> {
    let mut first = Vec::new();
    read_line(stream, &mut first, file, 1)?;
    if first.starts_with(super::UTF8_BOM) {
        first.drain(..super::UTF8_BOM.len());
    }
    Ok(first)
}
