//! NumPy `.npy` files, as `np.save` writes a model's outputs: float64,
//! float32, signed and unsigned integer and bool dtypes, C or Fortran order,
//! of any rank but 0: as PyTorch's losses see a tensor, the last dimension
//! is the classes and the others the samples, so a 1-D array is one sample
//! (PyTorch's "no batch dimension") and an (A, B, C) array A·B samples.
//!
//! The header is read first, from the input's stream (`npy_data`). A file
//! in the machine's byte order is then memory-mapped and checked by
//! ndarray-npy (`ViewNpyExt`: header, dtype, shape, order, length, and for
//! bool every byte), and rows are converted to f64 from the mapped bytes
//! as they are cut, so a large file is never read into memory. Anything
//! else (float16, the other byte order, stdin, compressed data, a deflated
//! `.npz` member, a file ndarray-npy refuses) streams: C-order rows are
//! read and converted a chunk at a time; a Fortran-order array is read
//! whole as bytes.

use memmap2::{Mmap, MmapOptions};
use ndarray::ArrayViewD;
use ndarray_npy::ViewNpyExt;

use super::chunk::{ChunkLimit, RowChunk};
use super::columns::MatrixInfo;
use super::input_format::InputFormat;
use super::labels::{LabelLayout, LabelSource};
use super::npy_data::{Dtype, NpyHeader, RowStream, data_offset, read_all_data, read_header};
use super::shape::array_matrix_shape;
use super::source::MatrixSource;
use super::{Dialect, Domain, Opened, Source, count};
use crate::error::InputError;
use crate::format::f64_to_string;

/// NumPy's `.npy` (`np.save`): numbers or bools of any rank, the last
/// dimension the classes.
pub(crate) struct NpyFormat;

pub(crate) static NPY: NpyFormat = NpyFormat;

/// A `.npy` is numbers: label lists come as text or a table.
const NOT_LABELS: &str =
    "a .npy file holds numbers, not label lists (binarize --inverse reads a 0/1 matrix)";

impl InputFormat for NpyFormat {
    fn name(&self) -> &'static str {
        "npy"
    }

    fn help(&self) -> &'static str {
        "NumPy's .npy (np.save): numbers or bools of any rank, the last dimension the classes"
    }

    fn title(&self) -> &'static str {
        "NumPy .npy"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["npy"]
    }

    fn magics(&self) -> &'static [&'static [u8]] {
        &[b"\x93NUMPY"]
    }

    fn binary(&self) -> Option<&'static str> {
        Some("a .npy file (numbers)")
    }

    fn open_matrix(
        &self,
        opened: Opened,
        _: Option<usize>,
        source: &Source,
        info: &MatrixInfo,
        _: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        Ok(Box::new(NpySource::open(source, opened, info)?))
    }

    fn refuses_labels(&self, _: &LabelLayout) -> Option<&'static str> {
        Some(NOT_LABELS)
    }

    fn open_labels(
        &self,
        _: Opened,
        _: Option<usize>,
        file: &str,
        _: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        Err(InputError::new(file, NOT_LABELS))
    }
}

/// A `.npy` file as a numeric matrix: rows converted to f64, and checked,
/// as they are cut; an error names the row and column as line and column.
struct NpySource {
    matrix: NpyMatrix,
    info: MatrixInfo,
}

impl NpySource {
    fn open(source: &Source, input: Opened, info: &MatrixInfo) -> Result<NpySource, InputError> {
        Ok(NpySource {
            matrix: NpyMatrix::open(source, input)?,
            info: info.clone(),
        })
    }
}

impl MatrixSource for NpySource {
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        let npy = &mut self.matrix;
        let cols = npy.cols();
        let first = chunk.first_row as usize;
        let rows = match limit {
            ChunkLimit::Rows(r) => r,
            // Saturating: a shape of (0, 2**61) has a row of 2**64 bytes.
            ChunkLimit::Bytes(b) => b.div_ceil(cols.saturating_mul(8).max(1)),
        }
        .min(npy.rows() - first);
        if rows == 0
            && let Storage::Streamed(stream) = &mut npy.storage
        {
            stream.finish(&self.info.file)?;
        }
        let body = chunk.value_rows(cols);
        let (good, error) = npy.fill_rows(
            first,
            rows,
            self.info.domain,
            &self.info.file,
            &mut body.values,
        );
        // A bad value ends the chunk; its row is reported when reached.
        let rows = match error {
            Some(error) => {
                body.values.resize((good + 1) * cols, 0.0);
                body.bad_row = Some((good, error));
                good + 1
            }
            None => good,
        };
        chunk.source_bytes = rows * npy.row_bytes();
        chunk.rows = rows;
        chunk.first_line = 0;
        Ok(())
    }

    fn fields(&self) -> Option<usize> {
        Some(self.matrix.cols())
    }

    fn dims(&self) -> Option<&[usize]> {
        Some(&self.matrix.dims)
    }
}

/// Where the numbers are.
enum Storage {
    /// The mapped file. `released[s]` is how far stream `s` (the data for C order, each
    /// column for Fortran order) has been handed back to the OS.
    Mapped {
        map: Mmap,
        /// Where the data start: after the header (ndarray-npy has checked
        /// that they fill the rest of the file).
        data_start: usize,
        released: Vec<usize>,
    },
    /// A Fortran-order array's data, read whole, in the machine's byte order.
    Whole(Vec<u8>),
    /// C-order rows read as they are cut.
    Streamed(RowStream),
}

/// A `.npy` matrix, read row by row.
struct NpyMatrix {
    storage: Storage,
    dtype: Dtype,
    /// The array's shape, as `np.save` wrote it.
    dims: Vec<usize>,
    rows: usize,
    cols: usize,
    /// Column-major data (`order='F'`).
    fortran: bool,
}

impl NpyMatrix {
    /// Reads the header from `input`, then maps a regular file in the
    /// machine's byte order; anything else (stdin, a pipe, compressed
    /// data, float16, the other byte order) streams from `input`.
    pub fn open(source: &Source, input: Opened) -> Result<NpyMatrix, InputError> {
        let name = source.name();
        let mut stream = input.stream;
        let header = read_header(&mut *stream, &name)?;
        let (rows, cols) = matrix_shape(&header.shape, &name)?;
        if let Some(plain) = &input.plain
            && !header.swapped
            && header.dtype != Dtype::F16
            && let Ok(len) = usize::try_from(plain.len)
        {
            // SAFETY: the map is only read; mlloss does not write the file,
            // and a file truncated by another process while mapped is the
            // documented risk of every memory-mapped reader.
            let map = unsafe {
                MmapOptions::new()
                    .offset(plain.start)
                    .len(len)
                    .map(&plain.file)
            };
            // A file ndarray-npy does not view (a bad bool, bytes after the
            // data, a 3-D Fortran array) streams, and is reported as read.
            if let Ok(map) = map
                && check_sizes(&map, &header)
                && let Some(matrix) = Self::view(map, &header, rows, cols)
            {
                return Ok(matrix);
            }
        }
        let storage = if header.fortran && header.shape.len() > 1 {
            Storage::Whole(read_all_data(
                stream,
                &header,
                input.plain.is_none(),
                &name,
            )?)
        } else {
            Storage::Streamed(RowStream::new(stream, &header))
        };
        Ok(NpyMatrix {
            storage,
            dtype: header.dtype,
            fortran: header.fortran && header.shape.len() > 1,
            dims: header.shape,
            rows,
            cols,
        })
    }

    /// The mapped file, if ndarray-npy views it as the header's dtype;
    /// `None` to fall back to streaming it.
    fn view(map: Mmap, header: &NpyHeader, rows: usize, cols: usize) -> Option<NpyMatrix> {
        macro_rules! view_as {
            ($t:ty) => {{
                let view = ArrayViewD::<$t>::view_npy(&map).ok()?;
                // A 2-D view that is not row-major is column-major: the
                // file is contiguous one way or the other. Higher ranks
                // in Fortran order are rare: read whole, in logical order.
                let standard = view.is_standard_layout();
                let data_start = view.as_ptr() as usize - map.as_ptr() as usize;
                (standard, data_start)
            }};
        }
        // The view starts at the first element in memory, in either order.
        let (standard, data_start) = match header.dtype {
            Dtype::F64 => view_as!(f64),
            Dtype::F32 => view_as!(f32),
            Dtype::I64 => view_as!(i64),
            Dtype::I32 => view_as!(i32),
            Dtype::I16 => view_as!(i16),
            Dtype::I8 => view_as!(i8),
            Dtype::U64 => view_as!(u64),
            Dtype::U32 => view_as!(u32),
            Dtype::U16 => view_as!(u16),
            Dtype::U8 => view_as!(u8),
            Dtype::Bool => view_as!(bool),
            Dtype::F16 => return None,
        };
        let shape = &header.shape;
        if shape.len() > 2 && !standard {
            return None;
        }
        let fortran = shape.len() == 2 && !standard;
        let streams = if fortran { cols } else { 1 };
        // Checking a bool file touched all of it: hand those pages
        // back (they are read again, in order, as rows are cut).
        // SAFETY: as in `release_before`; the view is gone.
        let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        // Rows are read in order: let the kernel read ahead.
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(NpyMatrix {
            storage: Storage::Mapped {
                map,
                data_start,
                released: vec![0; streams],
            },
            dtype: header.dtype,
            dims: shape.clone(),
            rows,
            cols,
            fortran,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Bytes of the file per row (for progress).
    pub fn row_bytes(&self) -> usize {
        self.cols.saturating_mul(self.dtype.size())
    }

    /// Appends rows `first..first + count` to `out` as f64, checking each
    /// value against `domain`. Returns how many rows were appended and, if
    /// a value was bad, the error for the row after them, which names the
    /// row and column (1-based) as line and column.
    pub fn fill_rows(
        &mut self,
        first: usize,
        count: usize,
        domain: Domain,
        file: &str,
        out: &mut Vec<f64>,
    ) -> (usize, Option<InputError>) {
        // Streamed rows are read first; an end or a failure of the stream
        // is the error of the row it cut.
        let (count, stream_error) = match &mut self.storage {
            Storage::Streamed(stream) => stream.read_rows(count, self.cols, self.rows, first, file),
            _ => (count, None),
        };
        let size = self.dtype.size();
        for i in first..first + count {
            let row_start = out.len();
            for j in 0..self.cols {
                let bytes = match &self.storage {
                    Storage::Mapped {
                        map, data_start, ..
                    } => &map[data_start + self.index(i, j) * size..],
                    Storage::Whole(data) => &data[self.index(i, j) * size..],
                    Storage::Streamed(stream) => {
                        &stream.buffer[((i - first) * self.cols + j) * size..]
                    }
                };
                let value = self.dtype.read(bytes);
                // ndarray-npy checks a mapped bool file; a streamed one is
                // checked here, at its place.
                let what = if self.dtype == Dtype::Bool && value > 1.0 {
                    Some("a bool other than 0 or 1 (False or True)")
                } else {
                    domain.check(value)
                };
                if let Some(what) = what {
                    let text = if self.dtype == Dtype::Bool {
                        bytes[0].to_string()
                    } else {
                        f64_to_string(value)
                    };
                    out.truncate(row_start);
                    self.release_before(i);
                    let error = InputError::new(file, what)
                        .at(i as u64 + 1, Some(j as u64 + 1))
                        .text(text.as_bytes());
                    return (i - first, Some(error));
                }
                out.push(value);
            }
        }
        self.release_before(first + count);
        (count, stream_error)
    }

    /// Where the value of row `i`, column `j` is among the data, in
    /// elements: row-major for C order; for Fortran order, the row index
    /// split into the leading dimensions (first varying fastest).
    #[inline]
    fn index(&self, i: usize, j: usize) -> usize {
        if !self.fortran {
            return i * self.cols + j;
        }
        if self.dims.len() == 2 {
            return j * self.rows + i;
        }
        // No dimension is 0 here: an array with a value has none.
        let (mut logical, mut index) = (i * self.cols + j, 0);
        let mut stride: usize = self.dims.iter().product();
        for &dim in self.dims.iter().rev() {
            stride /= dim;
            index += logical % dim * stride;
            logical /= dim;
        }
        index
    }

    /// Hands the mapped pages of rows before `row` back to the OS, so that
    /// the process's resident memory does not grow with the file (the
    /// pages stay in the page cache; rows are never read twice).
    fn release_before(&mut self, row: usize) {
        let (rows, cols, fortran) = (self.rows, self.cols, self.fortran);
        let dtype = self.dtype;
        let Storage::Mapped {
            map,
            data_start,
            released,
        } = &mut self.storage
        else {
            return;
        };
        let data = *data_start;
        const PAGE: usize = 4096;
        // Release in steps (1 MiB in all), not page by page.
        let step = ((1usize << 20) / released.len()).max(1 << 16);
        let size = dtype.size();
        for (stream, done) in released.iter_mut().enumerate() {
            let (start, end) = if fortran {
                let column = data + stream * rows * size;
                (column, column + row * size)
            } else {
                (data, data + row * cols * size)
            };
            let from = (start + *done).next_multiple_of(PAGE);
            let to = end / PAGE * PAGE;
            if to > from + step {
                // SAFETY: the map is read-only and shared; no borrow of its
                // bytes is alive here, and pages dropped from this process
                // are read again from the file if ever touched.
                let _ = unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
                };

                *done = to - start;
            }
        }
    }
}

/// Whether the mapped file holds the data its header describes, no more
/// and no less, before ndarray-npy sees it: it allocates the header's
/// length, so that a 45-byte file claiming a 3 GB header would exhaust
/// memory (found by the read_npy fuzz target). A file that does not is
/// streamed instead, and reported where its data end.
fn check_sizes(bytes: &[u8], header: &NpyHeader) -> bool {
    data_offset(bytes).is_some_and(|data| data as u64 == header.data_start)
        && (bytes.len() as u64).checked_sub(header.data_start) == Some(header.data_bytes)
}

/// Samples and classes of an array: the last dimension is the classes, the
/// others the samples (a 1-D array is one sample).
fn matrix_shape(shape: &[usize], name: &str) -> Result<(usize, usize), InputError> {
    array_matrix_shape(shape)
        .map_err(|what| InputError::new(name, what))
        .and_then(|(rows, cols)| {
            if cols == 0 && rows > 0 {
                Err(InputError::new(
                    name,
                    format!("{} of no values", count(rows, "row")),
                ))
            } else {
                Ok((rows, cols))
            }
        })
}
