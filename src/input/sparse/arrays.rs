//! Sparse rows from arrays: scipy's `save_npz` (CSR streamed a row at a
//! time; CSC transposed in memory), a top-k `.npz` (`indices`, `scores`)
//! and a top-k pair of `.npy` files.
//!
//! CSC keeps a column's entries together, so a row needs every column:
//! it is read whole and sorted by row, in memory O(nnz) (16 bytes an
//! entry) — convert with `X.tocsr()` before `save_npz` to stream.

use super::npz::{NpyArray, Npz};
use super::rows::{RowCheck, SparseRow, SparseSide, SparseSource};
use crate::error::InputError;
use crate::input::Source;

/// Opens an `.npz`: scipy's sparse matrix, or a top-k pair, by its members.
pub(super) fn open_npz(
    source: &Source,
    num_labels: Option<u64>,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    let file = source.name();
    let path = source.file_path().expect("an .npz is a regular file");
    let npz = Npz::open(path, &file)?;
    let check = RowCheck::new(&file, num_labels, "--num-labels");
    if npz.has("format") && npz.has("shape") {
        return open_scipy(npz, check, side);
    }
    if npz.has("indices") && npz.has("scores") {
        if side == SparseSide::Targets {
            let what =
                "a top-k .npz (\"indices\" and \"scores\") holds predictions, not true labels";
            return Err(InputError::new(&file, what));
        }
        let indices = NpyArray::open(npz.stream("indices")?, &format!("{file}:indices"))?;
        let scores = NpyArray::open(npz.stream("scores")?, &format!("{file}:scores"))?;
        return TopkRows::open(indices, scores, check, &file);
    }
    let what = format!(
        "an .npz that is neither scipy's sparse matrix (save_npz: indptr, indices, data, shape, \
         format) nor top-k predictions (indices, scores); it holds: {}",
        npz.names().join(", ")
    );
    Err(InputError::new(&file, what))
}

/// Opens a top-k pair of `.npy` files.
pub(super) fn open_topk_pair(
    indices: &Source,
    scores: &Source,
    num_labels: Option<u64>,
) -> Result<Box<dyn SparseSource>, InputError> {
    let open = |source: &Source| -> Result<NpyArray, InputError> {
        let opened = source.open_sniffed()?;
        NpyArray::open(opened.stream, &source.name())
    };
    let check = RowCheck::new(&indices.name(), num_labels, "--num-labels");
    TopkRows::open(open(indices)?, open(scores)?, check, &indices.name())
}

/// The `shape` and `format` of scipy's matrix, then its rows.
fn open_scipy(
    npz: Npz,
    mut check: RowCheck,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    let file = npz.file.clone();
    let format_bytes = npz.small("format")?;
    let format = crate::input::npy_data::data_offset(&format_bytes)
        .and_then(|at| format_bytes.get(at..))
        .map(|data| {
            data.iter()
                .copied()
                .filter(|b| *b != 0)
                .collect::<Vec<u8>>()
        })
        .unwrap_or_default();
    let mut shape_array = NpyArray::open(npz.stream("shape")?, &format!("{file}:shape"))?;
    let mut shape = Vec::new();
    while let Some(dim) = shape_array.next_integer()? {
        shape.push(u64::try_from(dim).unwrap_or(u64::MAX));
        if shape.len() > 2 {
            break;
        }
    }
    let &[rows, cols] = shape.as_slice() else {
        return Err(InputError::new(
            &file,
            "the member shape is not two dimensions",
        ));
    };
    check.set_labels(cols, "the matrix's shape")?;
    if format != b"csr" && format != b"csc" {
        let what = format!(
            "a sparse matrix in {} format: mlloss reads CSR and CSC (save X.tocsr())",
            String::from_utf8_lossy(&format)
        );
        return Err(InputError::new(&file, what));
    }
    let arrays = |name: &str| NpyArray::open(npz.stream(name)?, &format!("{file}:{name}"));
    let (indptr, indices, data) = (arrays("indptr")?, arrays("indices")?, arrays("data")?);
    let csr = CsrRows {
        rows,
        indptr,
        indices,
        data,
        check,
        side,
        csc: format == b"csc",
        bytes: Vec::new(),
        row: 0,
        start: 0,
    };
    if format == b"csc" {
        Ok(Box::new(transpose_csc(csr.checked_lengths(cols)?, rows)?))
    } else {
        Ok(Box::new(csr.checked_lengths(rows)?))
    }
}

/// A CSR matrix streamed a row at a time: `indptr` one value a row,
/// `indices` and `data` as many as the row holds.
struct CsrRows {
    rows: u64,
    indptr: NpyArray,
    indices: NpyArray,
    data: NpyArray,
    check: RowCheck,
    side: SparseSide,
    /// CSC: the slices are columns.
    csc: bool,
    /// The bytes of the slice last read.
    bytes: Vec<u8>,
    /// Slices read, and where the next starts in `indices`.
    row: u64,
    start: u64,
}

impl CsrRows {
    /// Checks the arrays' lengths against each other and `outer`, the
    /// number of rows (CSR) or columns (CSC): `indptr` has one more.
    fn checked_lengths(mut self, outer: u64) -> Result<CsrRows, InputError> {
        let file = &self.check.file;
        if self.indptr.shape.len() != 1 || self.indptr.len != outer.saturating_add(1) {
            let what = format!(
                "indptr holds {} values, but the shape needs {} (one more than its {})",
                self.indptr.len,
                outer.saturating_add(1),
                if self.csc { "columns" } else { "rows" }
            );
            return Err(InputError::new(file, what));
        }
        if self.indices.len != self.data.len {
            let what = format!(
                "indices holds {} values but data {} (one value an entry)",
                self.indices.len, self.data.len
            );
            return Err(InputError::new(file, what));
        }
        let first = self.indptr.next_integer()?;
        if first != Some(0) {
            let what = "indptr does not start at 0 (a corrupt matrix)";
            return Err(InputError::new(file, what));
        }
        Ok(self)
    }

    /// The next outer slice (a CSR row, a CSC column): its inner indices
    /// (unchecked against L) and values; `None` after the last.
    fn next_slice(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        let file = &self.check.file;
        let Some(end) = self.indptr.next_integer()? else {
            if self.start != self.indices.len {
                let what = format!(
                    "indptr ends at {}, but indices holds {} entries",
                    self.start, self.indices.len
                );
                return Err(InputError::new(file, what));
            }
            self.indptr.finish()?;
            self.indices.finish()?;
            self.data.finish()?;
            return Ok(false);
        };
        self.row += 1;
        row.clear(self.row);
        let start = i128::from(self.start);
        if end < start || end > i128::from(self.indices.len) {
            let what = format!(
                "indptr goes from {start} to {end} at {} {} (it must not decrease, nor pass the {} entries)",
                if self.csc { "column" } else { "row" },
                self.row,
                self.indices.len
            );
            return Err(InputError::new(file, what).at(self.row, None));
        }
        let n = (end - start) as u64;
        let (check, line) = (&self.check, self.row);
        self.indices.next_integers(n, &mut self.bytes, |index| {
            row.indices.push(check.index(index, line, None)?);
            Ok(())
        })?;
        self.data.next_values(n, &mut self.bytes, &mut row.values)?;
        self.start = end as u64;
        Ok(true)
    }
}

impl SparseSource for CsrRows {
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        if !self.next_slice(row)? {
            return Ok(false);
        }
        settle(row, self.side, &mut self.check)
    }

    fn labels(&self) -> Option<u64> {
        self.check.labels
    }

    fn rows(&self) -> Option<u64> {
        Some(self.rows)
    }

    fn format_name(&self) -> &'static str {
        "npz"
    }
}

/// A CSR row read: as true labels, its labels kept; its indices checked
/// distinct.
fn settle(row: &mut SparseRow, side: SparseSide, check: &mut RowCheck) -> Result<bool, InputError> {
    if side == SparseSide::Targets {
        keep_labels(row);
    }
    check.distinct(row)?;
    Ok(true)
}

/// As true labels, the stored entries whose value is not 0; values dropped.
fn keep_labels(row: &mut SparseRow) {
    let mut kept = 0;
    for j in 0..row.indices.len() {
        if row.values[j] != 0.0 {
            row.indices[kept] = row.indices[j];
            kept += 1;
        }
    }
    row.indices.truncate(kept);
    row.values.clear();
}

/// A CSC matrix read whole and handed out by rows.
struct CscRows {
    /// (row, column, value), sorted by row then column.
    entries: Vec<(u64, u32, f64)>,
    next: usize,
    rows: u64,
    row: u64,
    check: RowCheck,
    side: SparseSide,
}

fn transpose_csc(mut csc: CsrRows, rows: u64) -> Result<CscRows, InputError> {
    // A column's indices are rows, checked against N while the slices are
    // read; the columns are labels, checked against L.
    let row_check = RowCheck::new(
        &csc.check.file,
        Some(rows),
        "shape[0]: a CSC column's indices are rows",
    );
    let label_check = std::mem::replace(&mut csc.check, row_check);
    let mut entries = Vec::new();
    let mut column = SparseRow::default();
    let mut col = 0u64;
    while csc.next_slice(&mut column)? {
        let label = label_check.index(i128::from(col), column.line, None)?;
        for (&r, &v) in column.indices.iter().zip(&column.values) {
            entries.push((u64::from(r), label, v));
        }
        col += 1;
    }
    entries.sort_by_key(|&(r, c, _)| (r, c));
    Ok(CscRows {
        entries,
        next: 0,
        rows,
        row: 0,
        check: label_check,
        side: csc.side,
    })
}

impl SparseSource for CscRows {
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        if self.row == self.rows {
            return Ok(false);
        }
        row.clear(self.row + 1);
        while let Some(&(r, c, v)) = self.entries.get(self.next)
            && r == self.row
        {
            row.indices.push(c);
            row.values.push(v);
            self.next += 1;
        }
        self.row += 1;
        settle(row, self.side, &mut self.check)
    }

    fn labels(&self) -> Option<u64> {
        self.check.labels
    }

    fn rows(&self) -> Option<u64> {
        Some(self.rows)
    }

    fn format_name(&self) -> &'static str {
        "npz"
    }
}

/// Top-k arrays, N × k each: row i's candidates and their scores.
struct TopkRows {
    indices: NpyArray,
    scores: NpyArray,
    rows: u64,
    k: u64,
    row: u64,
    check: RowCheck,
    bytes: Vec<u8>,
}

impl TopkRows {
    fn open(
        indices: NpyArray,
        scores: NpyArray,
        check: RowCheck,
        file: &str,
    ) -> Result<Box<dyn SparseSource>, InputError> {
        if indices.shape.len() != 2 || indices.shape != scores.shape {
            let what = format!(
                "top-k indices of shape {} and scores of shape {}: both must be N × k, the same",
                crate::input::shape_text(&indices.shape),
                crate::input::shape_text(&scores.shape)
            );
            return Err(InputError::new(file, what));
        }
        let (rows, k) = (indices.shape[0] as u64, indices.shape[1] as u64);
        Ok(Box::new(TopkRows {
            indices,
            scores,
            rows,
            k,
            row: 0,
            check,
            bytes: Vec::new(),
        }))
    }
}

impl SparseSource for TopkRows {
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        if self.row == self.rows {
            self.indices.finish()?;
            self.scores.finish()?;
            return Ok(false);
        }
        self.row += 1;
        row.clear(self.row);
        let (check, line) = (&self.check, self.row);
        self.indices
            .next_integers(self.k, &mut self.bytes, |index| {
                row.indices.push(check.index(index, line, None)?);
                Ok(())
            })?;
        self.scores
            .next_values(self.k, &mut self.bytes, &mut row.values)?;
        self.check.distinct(row)?;
        Ok(true)
    }

    fn labels(&self) -> Option<u64> {
        self.check.labels
    }

    fn rows(&self) -> Option<u64> {
        Some(self.rows)
    }

    fn format_name(&self) -> &'static str {
        "topk-npy"
    }
}
