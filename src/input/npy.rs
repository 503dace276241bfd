//! NumPy `.npy` files, as `np.save` writes a model's outputs: float64,
//! float32, signed and unsigned integer and bool dtypes, C or Fortran order,
//! of any rank but 0: as PyTorch's losses see a tensor, the last dimension
//! is the classes and the others the samples, so a 1-D array is one sample
//! (PyTorch's "no batch dimension") and an (A, B, C) array A·B samples.
//!
//! A file in the machine's byte order is memory-mapped and checked by
//! ndarray-npy (`ViewNpyExt`: header, dtype, shape, order, length, and for
//! bool every byte), then rows are converted to f64 from the mapped bytes
//! as they are cut, so a large file is never read into memory. Other byte
//! orders, and stdin, are read whole with `ReadNpyExt`.

use std::io::Read;

use memmap2::{Mmap, MmapOptions};
use ndarray::{ArrayD, ArrayViewD};
use ndarray_npy::{ReadNpyExt, ViewNpyExt};

use super::matrix::{ChunkLimit, MatrixInfo, MatrixSource, RowChunk, array_matrix_shape};
use super::{Domain, Opened, Source, count, read_error};
use crate::error::InputError;
use crate::format::f64_to_string;

/// A `.npy` file as a numeric matrix: rows converted to f64, and checked,
/// as they are cut; an error names the row and column as line and column.
pub(super) struct NpySource {
    matrix: NpyMatrix,
    info: MatrixInfo,
}

impl NpySource {
    pub(super) fn open(
        source: &Source,
        input: Opened,
        info: &MatrixInfo,
    ) -> Result<NpySource, InputError> {
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

/// The element types mlloss reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dtype {
    F64,
    F32,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
}

impl Dtype {
    fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::I16 | Dtype::U16 => 2,
            Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// The element at the start of `b`, in the machine's byte order.
    #[inline]
    fn read(self, b: &[u8]) -> f64 {
        let array = |n: usize| -> [u8; 8] {
            let mut a = [0u8; 8];
            a[..n].copy_from_slice(&b[..n]);
            a
        };
        match self {
            Dtype::F64 => f64::from_ne_bytes(array(8)),
            Dtype::F32 => f64::from(f32::from_ne_bytes(array(4)[..4].try_into().unwrap())),
            Dtype::I64 => i64::from_ne_bytes(array(8)) as f64,
            Dtype::I32 => f64::from(i32::from_ne_bytes(array(4)[..4].try_into().unwrap())),
            Dtype::I16 => f64::from(i16::from_ne_bytes([b[0], b[1]])),
            Dtype::I8 => f64::from(b[0] as i8),
            Dtype::U64 => u64::from_ne_bytes(array(8)) as f64,
            Dtype::U32 => f64::from(u32::from_ne_bytes(array(4)[..4].try_into().unwrap())),
            Dtype::U16 => f64::from(u16::from_ne_bytes([b[0], b[1]])),
            Dtype::U8 | Dtype::Bool => f64::from(b[0]),
        }
    }
}

/// Where the numbers are.
enum Storage {
    /// The mapped file. `released[s]` is how far stream `s` (the data for C order, each
    /// column for Fortran order) has been handed back to the OS.
    Mapped {
        map: Mmap,
        dtype: Dtype,
        /// Where the data start: after the header (ndarray-npy has checked
        /// that they fill the rest of the file).
        data_start: usize,
        released: Vec<usize>,
    },
    /// Read whole and converted, in row-major order.
    Owned(Vec<f64>),
}

/// A `.npy` matrix, read row by row.
struct NpyMatrix {
    storage: Storage,
    /// The array's shape, as `np.save` wrote it.
    dims: Vec<usize>,
    rows: usize,
    cols: usize,
    /// Column-major data (`order='F'`).
    fortran: bool,
}

/// Tries `$body` for each dtype until one fits.
macro_rules! for_each_dtype {
    ($body:ident) => {
        $body!(f64, Dtype::F64);
        $body!(f32, Dtype::F32);
        $body!(i64, Dtype::I64);
        $body!(i32, Dtype::I32);
        $body!(i16, Dtype::I16);
        $body!(i8, Dtype::I8);
        $body!(u64, Dtype::U64);
        $body!(u32, Dtype::U32);
        $body!(u16, Dtype::U16);
        $body!(u8, Dtype::U8);
        $body!(bool, Dtype::Bool);
    };
}

impl NpyMatrix {
    /// Maps a regular file; reads anything else (stdin, a pipe, a
    /// compressed file) whole from `input`, the input already open.
    pub fn open(source: &Source, input: Opened) -> Result<NpyMatrix, InputError> {
        let name = source.name();
        let mut stream = input.stream;
        if let Some(plain) = input.plain
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
            if let Ok(map) = map
                && let Some(matrix) =
                    check_sizes(&map, &name).and_then(|()| Self::view(map, &name))?
            {
                return Ok(matrix);
            }
        }
        let bytes = read_npy_stream(&mut stream, &name)?;
        Self::read_whole(&bytes, &name)
    }

    /// The mapped file, if it holds a supported dtype in the machine's byte
    /// order; `None` to fall back to reading it whole.
    fn view(map: Mmap, name: &str) -> Result<Option<NpyMatrix>, InputError> {
        macro_rules! try_view {
            ($t:ty, $dtype:expr) => {
                if let Ok(view) = ArrayViewD::<$t>::view_npy(&map) {
                    let shape = view.shape().to_vec();
                    let (rows, cols) = matrix_shape(&shape, name)?;
                    // A 2-D view that is not row-major is column-major: the
                    // file is contiguous one way or the other. Higher ranks
                    // in Fortran order are rare: read whole, in logical order.
                    let fortran = shape.len() == 2 && !view.is_standard_layout();
                    if shape.len() > 2 && !view.is_standard_layout() {
                        return Ok(None);
                    }
                    let streams = if fortran { cols } else { 1 };
                    // The view starts at the first element in memory, in either order.
                    let data_start = view.as_ptr() as usize - map.as_ptr() as usize;
                    drop(view);
                    // Checking a bool file touched all of it: hand those pages
                    // back (they are read again, in order, as rows are cut).
                    // SAFETY: as in `release_before`; the view is gone.
                    let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
                    // Rows are read in order: let the kernel read ahead.
                    let _ = map.advise(memmap2::Advice::Sequential);
                    return Ok(Some(NpyMatrix {
                        storage: Storage::Mapped {
                            map,
                            dtype: $dtype,
                            data_start,
                            released: vec![0; streams],
                        },
                        dims: shape,
                        rows,
                        cols,
                        fortran,
                    }));
                }
            };
        }
        for_each_dtype!(try_view);
        Ok(None)
    }

    /// Reads and converts a whole file (another byte order, or stdin).
    fn read_whole(bytes: &[u8], name: &str) -> Result<NpyMatrix, InputError> {
        check_sizes(bytes, name)?;
        let mut first_error = None;
        macro_rules! try_read {
            ($t:ty, $dtype:expr) => {
                match ArrayD::<$t>::read_npy(bytes) {
                    Ok(array) => {
                        let (rows, cols) = matrix_shape(array.shape(), name)?;
                        // `iter` walks in logical (row-major) order whatever the file's.
                        let values = array.iter().map(|&v| to_f64(v)).collect();
                        return Ok(NpyMatrix {
                            storage: Storage::Owned(values),
                            dims: array.shape().to_vec(),
                            rows,
                            cols,
                            fortran: false,
                        });
                    }
                    Err(e) => {
                        first_error.get_or_insert(e.to_string());
                    }
                }
            };
        }
        for_each_dtype!(try_read);
        Err(unread(bytes, name).unwrap_or_else(|| {
            let reason = first_error.unwrap_or_default();
            InputError::new(
                name,
                format!("not a .npy file of numbers or bools mlloss reads: {reason}"),
            )
        }))
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Bytes of the file per row (for progress).
    pub fn row_bytes(&self) -> usize {
        let size = match &self.storage {
            Storage::Mapped { dtype, .. } => dtype.size(),
            Storage::Owned(_) => 8,
        };
        self.cols.saturating_mul(size)
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
        for i in first..first + count {
            let row_start = out.len();
            for j in 0..self.cols {
                let index = if self.fortran {
                    j * self.rows + i
                } else {
                    i * self.cols + j
                };
                let value = match &self.storage {
                    Storage::Owned(values) => values[index],
                    Storage::Mapped {
                        map,
                        dtype,
                        data_start,
                        ..
                    } => dtype.read(&map[data_start + index * dtype.size()..]),
                };
                if let Some(what) = domain.check(value) {
                    out.truncate(row_start);
                    self.release_before(i);
                    let error = InputError::new(file, what)
                        .at(i as u64 + 1, Some(j as u64 + 1))
                        .text(f64_to_string(value).as_bytes());
                    return (i - first, Some(error));
                }
                out.push(value);
            }
        }
        self.release_before(first + count);
        (count, None)
    }

    /// Hands the mapped pages of rows before `row` back to the OS, so that
    /// the process's resident memory does not grow with the file (the
    /// pages stay in the page cache; rows are never read twice).
    fn release_before(&mut self, row: usize) {
        let (rows, cols, fortran) = (self.rows, self.cols, self.fortran);
        let Storage::Mapped {
            map,
            dtype,
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

/// Refuses a header whose sizes exceed the file, before ndarray-npy sees
/// it: it allocates the header's length, and when reading (not viewing) the
/// shape's element count, before reading, so that a 45-byte file claiming
/// a 3 GB header or a 10¹² × 10¹² array would exhaust memory. (Found by the
/// read_npy fuzz target.)
fn check_sizes(bytes: &[u8], name: &str) -> Result<(), InputError> {
    let bad = |what: &str| {
        Err(InputError::new(
            name,
            format!("not a .npy file mlloss reads: {what}"),
        ))
    };
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return bad("no .npy magic string");
    }
    let Some(data) = data_offset(bytes) else {
        return bad("truncated header");
    };
    if data > bytes.len() {
        return bad("the header is longer than the file");
    }
    let header = ndarray_npy::npy::header::Header::from_reader(&mut &bytes[..])
        .map_err(|e| InputError::new(name, format!("not a .npy file mlloss reads: {e}")))?;
    let elements = header
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d));
    // Every element takes at least a byte.
    match elements {
        Some(n) if n <= bytes.len() - data => Ok(()),
        _ => bad("the shape holds more values than the file has bytes"),
    }
}

/// A `.npy` from a stream (stdin, a pipe, a file in another byte order),
/// read as far as its header says and no further: the magic string and
/// header first, then the data the shape and dtype hold (allocated with
/// `try_reserve`, so that a header claiming more than memory is an error),
/// and at most 1 MiB after them, enough to report trailing bytes. Without
/// this, `--format npy - < /dev/zero` read until memory ran out. What is
/// not a sound header is returned as read, for `read_whole` to name.
fn read_npy_stream(stream: &mut dyn Read, name: &str) -> Result<Vec<u8>, InputError> {
    const TRAILING_BYTES_READ: u64 = 1 << 20;
    const MAX_HEADER_BYTES: usize = 1 << 20;
    let read = |stream: &mut dyn Read, bytes: &mut Vec<u8>, limit: u64| {
        stream
            .take(limit)
            .read_to_end(bytes)
            .map_err(|e| read_error(name, &e))
    };
    let mut bytes = Vec::new();
    read(stream, &mut bytes, 12)?;
    if !bytes.starts_with(b"\x93NUMPY") {
        return Ok(bytes);
    }
    let Some(data_start) = data_offset(&bytes) else {
        return Ok(bytes);
    };
    // A header beyond 1 MiB (numpy writes a few hundred bytes) is read no
    // further than that: a stream that ends first is a truncated file.
    let header_rest = data_start
        .min(MAX_HEADER_BYTES + 1)
        .saturating_sub(bytes.len());
    read(stream, &mut bytes, header_rest as u64)?;
    if bytes.len() < data_start {
        if bytes.len() <= MAX_HEADER_BYTES {
            return Ok(bytes);
        }
        return Err(InputError::new(
            name,
            format!(
                "not a .npy file mlloss reads: a header of {data_start} bytes (more than 1 MiB)"
            ),
        ));
    }
    let Ok(header) = ndarray_npy::npy::header::Header::from_reader(&mut &bytes[..]) else {
        return Ok(bytes);
    };
    let descr = header.type_descriptor.to_string();
    let element_bytes = descr
        .trim_matches('\'')
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse::<usize>()
        .ok();
    let data_bytes = header
        .shape
        .iter()
        .try_fold(element_bytes.unwrap_or(1), |n, &d| n.checked_mul(d));
    // A shape beyond any size: `read_whole` says so.
    let Some(data_bytes) = data_bytes else {
        return Ok(bytes);
    };
    // In steps, so that a header claiming more than the stream holds is
    // reported as short data (by `read_whole`), and memory running out as
    // such, while data still come.
    const STEP_BYTES: usize = 64 << 20;
    let end = data_start.saturating_add(data_bytes);
    let limit = end.saturating_add(TRAILING_BYTES_READ as usize);
    while bytes.len() < limit {
        let step = STEP_BYTES.min(limit - bytes.len());
        if bytes.try_reserve_exact(step).is_err() {
            return Err(InputError::new(
                name,
                format!(
                    "out of memory after {} bytes of the {data_bytes} its header says, read whole \
                     from a stream (give it as a file, to be mapped)",
                    bytes.len()
                ),
            ));
        }
        if read(stream, &mut bytes, step as u64)? == 0 {
            break;
        }
    }
    if bytes.len() >= limit {
        return Err(InputError::new(
            name,
            "not a .npy file mlloss reads: more than 1 MiB of bytes after the data its header describes",
        ));
    }
    Ok(bytes)
}

/// Where the data of a `.npy` file start (after the magic string, the
/// version, the header's length and the header), if its bytes say.
fn data_offset(bytes: &[u8]) -> Option<usize> {
    // Magic string (6 bytes), version (2), then the header's length: 2
    // bytes little-endian in version 1, 4 in versions 2 and 3.
    match *bytes.get(6)? {
        1 => Some(10 + usize::from(u16::from_le_bytes([*bytes.get(8)?, *bytes.get(9)?]))),
        _ => {
            let len: [u8; 4] = bytes.get(8..12)?.try_into().ok()?;
            Some(12usize.checked_add(u32::from_le_bytes(len) as usize)?)
        }
    }
}

/// Why no dtype could read a file whose header is sound, where that can be
/// said better than "incorrect descriptor": a dtype mlloss does not read,
/// or a bool array holding a byte other than 0 and 1 (at its place).
fn unread(bytes: &[u8], name: &str) -> Option<InputError> {
    let header = ndarray_npy::npy::header::Header::from_reader(&mut &bytes[..]).ok()?;
    let descr = header.type_descriptor.to_string();
    let code = descr.trim_matches('\'');
    let code = code.trim_start_matches(['<', '>', '|', '=']);
    let (kind, size) = code.split_at(code.len().min(1));
    let what = match (kind, size) {
        ("b", "1") => {
            let elements = header.shape.iter().product::<usize>();
            let data = bytes.get(data_offset(bytes)?..)?.get(..elements)?;
            let at = data.iter().position(|&b| b > 1)?;
            let shape = &header.shape;
            let cols = *shape.last()?;
            // The element's place in logical (row-major) order.
            let logical = if header.layout.is_fortran() {
                let mut stride_in_file = 1;
                let mut logical = 0;
                let mut stride_in_order = elements;
                for &dim in shape {
                    stride_in_order /= dim;
                    logical += (at / stride_in_file) % dim * stride_in_order;
                    stride_in_file *= dim;
                }
                logical
            } else {
                at
            };
            let (row, col) = (logical / cols, logical % cols);
            let error = InputError::new(name, "a bool other than 0 or 1 (False or True)");
            return Some(
                error
                    .at(row as u64 + 1, Some(col as u64 + 1))
                    .text(format!("{}", data[at]).as_bytes()),
            );
        }
        ("f", "2") => "float16".to_owned(),
        ("f", "8" | "4") | ("i" | "u", "1" | "2" | "4" | "8") => return None,
        ("f", bytes) => format!("float{}", bytes.parse::<usize>().ok()? * 8),
        ("c", _) => "complex".to_owned(),
        ("U" | "S", _) => "strings".to_owned(),
        ("O", _) => "Python objects".to_owned(),
        ("M" | "m", _) => "datetimes".to_owned(),
        _ => "a structured or unknown dtype".to_owned(),
    };
    Some(InputError::new(
        name,
        format!(
            "dtype {descr} ({what}) is not one mlloss reads: float64, float32, int8-int64, \
             uint8-uint64 or bool (convert it first: a.astype(np.float64))"
        ),
    ))
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

/// Every supported element as f64 (64-bit integers beyond 2^53 round).
trait ToF64: Copy {
    fn to_f64(self) -> f64;
}

macro_rules! to_f64_as {
    ($($t:ty),*) => {$(
        impl ToF64 for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
to_f64_as!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);

impl ToF64 for bool {
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
}

fn to_f64<T: ToF64>(value: T) -> f64 {
    value.to_f64()
}
