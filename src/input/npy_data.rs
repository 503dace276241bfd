//! The data of a `.npy` file, apart from where it lies: its header read
//! from a stream within bounds, its dtype (float16 and either byte order
//! too), the shapes NumPy itself refuses, and the rows of an array that is
//! not mapped converted to f64 a chunk at a time as they stream.
//!
//! Streaming matters for what is not a plain file in the machine's byte
//! order: stdin, `.npy.gz`/`.npy.zst`, a deflated `.npz` member. Read whole
//! and converted, such an array took 8 bytes a value of the whole array at
//! once (a 870 KB gzip of uint8 asked for 1.6 GB); now it takes a chunk of
//! rows. Only a Fortran-order array, whose rows are not contiguous, is read
//! whole, as its bytes (not as f64).

use std::io::Read;

use super::read_error;
use crate::error::InputError;

/// The element types mlloss reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dtype {
    F64,
    F32,
    F16,
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
    pub(super) fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F16 | Dtype::I16 | Dtype::U16 => 2,
            Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// The element at the start of `b`, in the machine's byte order. Every
    /// dtype converts exactly but 64-bit integers beyond 2^53 (rounded).
    #[inline]
    pub(super) fn read(self, b: &[u8]) -> f64 {
        let array = |n: usize| -> [u8; 8] {
            let mut a = [0u8; 8];
            a[..n].copy_from_slice(&b[..n]);
            a
        };
        match self {
            Dtype::F64 => f64::from_ne_bytes(array(8)),
            Dtype::F32 => f64::from(f32::from_ne_bytes(array(4)[..4].try_into().unwrap())),
            Dtype::F16 => half::f16::from_ne_bytes([b[0], b[1]]).to_f64(),
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

    /// The dtype of a header's descriptor (`'<f8'`), and whether its bytes
    /// are in the other byte order than the machine's; a dtype mlloss does
    /// not read is an error naming it.
    fn parse(descr: &str, name: &str) -> Result<(Dtype, bool), InputError> {
        let code = descr.trim_matches('\'');
        let (order, code) = match code.split_at_checked(1) {
            Some((order @ ("<" | ">" | "|" | "="), rest)) => (order, rest),
            _ => ("=", code),
        };
        let dtype = match code {
            "f8" => Some(Dtype::F64),
            "f4" => Some(Dtype::F32),
            "f2" => Some(Dtype::F16),
            "i8" => Some(Dtype::I64),
            "i4" => Some(Dtype::I32),
            "i2" => Some(Dtype::I16),
            "i1" => Some(Dtype::I8),
            "u8" => Some(Dtype::U64),
            "u4" => Some(Dtype::U32),
            "u2" => Some(Dtype::U16),
            "u1" => Some(Dtype::U8),
            "b1" => Some(Dtype::Bool),
            _ => None,
        };
        let Some(dtype) = dtype else {
            let (kind, size) = code.split_at(code.len().min(1));
            let what = match (kind, size.parse::<usize>()) {
                ("f", Ok(bytes)) => format!("float{}", bytes * 8),
                ("c", _) => "complex".to_owned(),
                ("U" | "S", _) => "strings".to_owned(),
                ("O", _) => "Python objects".to_owned(),
                ("M" | "m", _) => "datetimes".to_owned(),
                _ => "a structured or unknown dtype".to_owned(),
            };
            return Err(InputError::new(
                name,
                format!(
                    "dtype {descr} ({what}) is not one mlloss reads: float64, float32, float16, \
                     int8-int64, uint8-uint64 or bool (convert it first: a.astype(np.float64))"
                ),
            ));
        };
        let little = cfg!(target_endian = "little");
        let swapped = dtype.size() > 1 && matches!((order, little), (">", true) | ("<", false));
        Ok((dtype, swapped))
    }
}

/// What a `.npy` header says.
#[derive(Debug, Clone)]
pub(super) struct NpyHeader {
    pub dtype: Dtype,
    /// The data are in the other byte order than the machine's.
    pub swapped: bool,
    pub shape: Vec<usize>,
    pub fortran: bool,
    /// Where the data start: the length of the magic string, version and
    /// header.
    pub data_start: u64,
    /// The bytes of the data: the shape's values times the dtype's size.
    pub data_bytes: u64,
}

/// The longest header read: numpy writes a few hundred bytes.
const MAX_HEADER_BYTES: usize = 1 << 20;

/// Reads the magic string and header from the start of `stream`, leaving
/// it at the first byte of the data. The header's length is read no
/// further than 1 MiB, so that a 45-byte file claiming a 3 GB header is an
/// error, not an allocation of 3 GB.
pub(super) fn read_header(stream: &mut dyn Read, name: &str) -> Result<NpyHeader, InputError> {
    let bad = |what: &str| InputError::new(name, format!("not a .npy file mlloss reads: {what}"));
    let mut bytes = Vec::new();
    read_up_to(stream, &mut bytes, 12, name)?;
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return Err(bad("no .npy magic string"));
    }
    let Some(data_start) = data_offset(&bytes) else {
        return Err(bad("truncated header"));
    };
    if data_start < bytes.len() {
        // A version 1 header of fewer than 2 bytes (no dict fits).
        return Err(bad("truncated header"));
    }
    // A header beyond 1 MiB is read no further than that: a stream that
    // ends first is a truncated file.
    let header_rest = data_start.min(MAX_HEADER_BYTES + 1) - bytes.len();
    read_up_to(stream, &mut bytes, header_rest as u64, name)?;
    if bytes.len() < data_start {
        if bytes.len() <= MAX_HEADER_BYTES {
            return Err(bad("the header is longer than the file"));
        }
        return Err(bad(&format!(
            "a header of {data_start} bytes (more than 1 MiB)"
        )));
    }
    if let Some(depth) = nested_deeper_than(&bytes[..data_start], MAX_HEADER_DEPTH) {
        return Err(bad(&format!(
            "a header nested {depth} brackets deep (a dict of a dtype, a flag and a shape \
             nests {MAX_HEADER_DEPTH} at most)"
        )));
    }
    let header = ndarray_npy::npy::header::Header::from_reader(&mut &bytes[..])
        .map_err(|e| bad(&e.to_string()))?;
    let (dtype, swapped) = Dtype::parse(&header.type_descriptor.to_string(), name)?;
    let data_bytes = array_bytes(&header.shape, dtype.size(), name)?;
    Ok(NpyHeader {
        dtype,
        swapped,
        shape: header.shape,
        fortran: header.layout.is_fortran(),
        data_start: data_start as u64,
        data_bytes,
    })
}

/// The deepest a header's brackets may nest. NumPy writes a dict of a
/// dtype string (a list of tuples for a structured dtype, which mlloss
/// refuses anyway), a flag and a shape tuple: 2 deep, 5 for nested
/// structured dtypes. The parser ndarray-npy uses backtracks on nesting,
/// in time exponential in the depth: 20 levels took 24 s, 24 took 400 s
/// (fuzzing found a 134-byte file that took 10 s).
const MAX_HEADER_DEPTH: usize = 8;

/// How deep `header`'s brackets (`(`, `[`, `{`, outside quoted strings)
/// nest, when deeper than `limit`.
fn nested_deeper_than(header: &[u8], limit: usize) -> Option<usize> {
    let (mut depth, mut deepest, mut quote) = (0usize, 0usize, None);
    for &byte in header {
        match (quote, byte) {
            (Some(q), _) if byte == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'(' | b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (deepest > limit).then_some(deepest)
}

/// The bytes of an array of `shape` and elements of `size` bytes, refused
/// as NumPy refuses it ("array is too big") when the product of its
/// non-zero dimensions times the size exceeds what an `isize` holds:
/// `(0, 2**61)` float64 is no array NumPy can make, though it holds no
/// value.
fn array_bytes(shape: &[usize], size: usize, name: &str) -> Result<u64, InputError> {
    let fits = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(size as u64, |n, &d| n.checked_mul(d as u64))
        .is_some_and(|n| n <= i64::MAX as u64);
    if !fits {
        let shape = super::shape_text(shape);
        return Err(InputError::new(
            name,
            format!(
                "not a .npy file mlloss reads: a shape of {shape} with {size}-byte values, which \
                 NumPy refuses too (\"array is too big\": its dimensions times the value's size \
                 exceed 2**63 bytes)"
            ),
        ));
    }
    Ok(shape.iter().product::<usize>() as u64 * size as u64)
}

/// Where the data of a `.npy` file start (after the magic string, the
/// version, the header's length and the header), if its bytes say.
pub(super) fn data_offset(bytes: &[u8]) -> Option<usize> {
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

/// Appends up to `limit` bytes of `stream` to `bytes`; how many came.
fn read_up_to(
    stream: &mut dyn Read,
    bytes: &mut Vec<u8>,
    limit: u64,
    name: &str,
) -> Result<usize, InputError> {
    stream
        .take(limit)
        .read_to_end(bytes)
        .map_err(|e| read_error(name, &e))
}

/// The error for data that end before the shape's values do.
pub(super) fn short_data(name: &str, detail: &str) -> InputError {
    InputError::new(
        name,
        format!(
            "not a .npy file mlloss reads: the shape holds more values than the file has bytes \
             ({detail}: a truncated file?)"
        ),
    )
}

/// The error for `extra` bytes after the data (`None`: more than 1 MiB).
pub(super) fn trailing_bytes(name: &str, extra: Option<u64>) -> InputError {
    let what = match extra {
        Some(n) => format!("file had {n} extra bytes after the data its header describes"),
        None => "more than 1 MiB of bytes after the data its header describes".to_owned(),
    };
    InputError::new(
        name,
        format!("not a .npy file of numbers or bools mlloss reads: {what}"),
    )
}

/// Reads what follows the data, up to 1 MiB and one byte, to report
/// trailing bytes as ndarray-npy does for a mapped file.
fn check_end(stream: &mut dyn Read, name: &str) -> Result<(), InputError> {
    let mut rest = Vec::new();
    let extra = read_up_to(stream, &mut rest, MAX_HEADER_BYTES as u64 + 1, name)?;
    match extra {
        0 => Ok(()),
        n if n <= MAX_HEADER_BYTES => Err(trailing_bytes(name, Some(n as u64))),
        _ => Err(trailing_bytes(name, None)),
    }
}

/// Puts each `size`-byte element of `bytes` in the machine's byte order.
fn swap_elements(bytes: &mut [u8], size: usize) {
    for element in bytes.chunks_exact_mut(size) {
        element.reverse();
    }
}

/// The data of a Fortran-order array, read whole as bytes (its rows are
/// not contiguous) in the machine's byte order: from a stream up to the
/// line limit (1 GiB), as other inputs read whole; in steps, so that a
/// header claiming more than the file holds is an error after what came,
/// not an allocation of the claim.
pub(super) fn read_all_data(
    mut stream: Box<dyn Read + Send>,
    header: &NpyHeader,
    from_stream: bool,
    name: &str,
) -> Result<Vec<u8>, InputError> {
    let limit = super::max_line_bytes();
    if from_stream && header.data_bytes > limit as u64 {
        return Err(InputError::new(
            name,
            format!(
                "a Fortran-order .npy of {} bytes, read from a stream or out of compressed \
                 data: more than {} (its rows are not contiguous, so it is read whole: give it \
                 as a plain file, or save it in C order)",
                header.data_bytes,
                super::limit_text(limit)
            ),
        ));
    }
    const STEP_BYTES: u64 = 64 << 20;
    let mut data = Vec::new();
    while (data.len() as u64) < header.data_bytes {
        let step = STEP_BYTES.min(header.data_bytes - data.len() as u64);
        if data.try_reserve_exact(step as usize).is_err() {
            return Err(InputError::new(
                name,
                format!(
                    "out of memory after {} bytes of the {} its header says (a Fortran-order \
                     array is read whole)",
                    data.len(),
                    header.data_bytes
                ),
            ));
        }
        if read_up_to(&mut stream, &mut data, step, name)? == 0 {
            break;
        }
    }
    if (data.len() as u64) < header.data_bytes {
        let detail = format!(
            "{} bytes of data, but the header says {}",
            data.len(),
            header.data_bytes
        );
        return Err(short_data(name, &detail));
    }
    check_end(&mut stream, name)?;
    if header.swapped {
        swap_elements(&mut data, header.dtype.size());
    }
    Ok(data)
}

/// The rows of a C-order array as they stream, a chunk at a time.
pub(super) struct RowStream {
    stream: Box<dyn Read + Send>,
    dtype: Dtype,
    swapped: bool,
    /// The bytes of the rows last read, in the machine's byte order.
    pub buffer: Vec<u8>,
    /// The end was checked for trailing bytes.
    finished: bool,
}

impl RowStream {
    pub(super) fn new(stream: Box<dyn Read + Send>, header: &NpyHeader) -> RowStream {
        RowStream {
            stream,
            dtype: header.dtype,
            swapped: header.swapped,
            buffer: Vec::new(),
            finished: false,
        }
    }

    /// Reads the next `rows` rows of `cols` values into the buffer: how
    /// many came whole, and the error that ended them early (data ending,
    /// a read failing). The buffer grows as bytes arrive, never to a claim.
    pub(super) fn read_rows(
        &mut self,
        rows: usize,
        cols: usize,
        total_rows: usize,
        first: usize,
        name: &str,
    ) -> (usize, Option<InputError>) {
        let row_bytes = cols * self.dtype.size();
        let want = (rows * row_bytes) as u64;
        self.buffer.clear();
        let error = match read_up_to(&mut self.stream, &mut self.buffer, want, name) {
            Err(e) => Some(e),
            Ok(n) if (n as u64) < want => {
                let row = first + n / row_bytes.max(1) + 1;
                Some(short_data(
                    name,
                    &format!("the data end in row {row} of {total_rows}"),
                ))
            }
            Ok(_) => None,
        };
        let whole = self.buffer.len() / row_bytes.max(1);
        if self.swapped {
            swap_elements(&mut self.buffer[..whole * row_bytes], self.dtype.size());
        }
        (whole, error)
    }

    /// After the last row: nothing may follow the data.
    pub(super) fn finish(&mut self, name: &str) -> Result<(), InputError> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        check_end(&mut self.stream, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NumPy's headers pass; one nested deeper than any dtype, shape and
    /// flag nest (which the parser would take exponential time on) is
    /// refused before it is parsed; brackets in quoted strings do not count.
    #[test]
    fn headers_nested_too_deep_are_refused_unparsed() {
        let plain = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
        assert_eq!(nested_deeper_than(plain, MAX_HEADER_DEPTH), None);
        let structured =
            b"{'descr': [('a', '<f8'), ('b', [('c', '<i4', (2, 2))])], 'shape': (3,), }";
        assert_eq!(nested_deeper_than(structured, MAX_HEADER_DEPTH), None);
        let quoted = b"{'descr': '((((((((((((', 'shape': (1,), }";
        assert_eq!(nested_deeper_than(quoted, MAX_HEADER_DEPTH), None);
        let hostile = b"{ [ [ [ [ [ [ [ [ [ [ {";
        assert_eq!(nested_deeper_than(hostile, MAX_HEADER_DEPTH), Some(12));
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        let header = b"{ [ [ [ [ [ [ [ [ [ [ {                                        \n";
        file.extend_from_slice(&(header.len() as u16).to_le_bytes());
        file.extend_from_slice(header);
        let error = read_header(&mut &file[..], "x.npy")
            .map(|_| ())
            .unwrap_err();
        assert!(error.what.contains("nested 12 brackets deep"), "{error}");
    }

    /// NumPy 2.4's own limit: np.empty((0, 2**60 - 1)) is an array,
    /// np.empty((0, 2**60)) "array is too big" (8 · 2**60 = 2**63 bytes);
    /// zero dimensions do not count, as in NumPy.
    #[test]
    fn shapes_are_refused_where_numpy_refuses_them() {
        assert_eq!(array_bytes(&[0, (1 << 60) - 1], 8, "x").unwrap(), 0);
        assert!(array_bytes(&[0, 1 << 60], 8, "x").is_err());
        assert!(array_bytes(&[0, 1 << 61], 1, "x").is_ok());
        assert!(array_bytes(&[1 << 32, 1 << 32], 1, "x").is_err());
        assert_eq!(array_bytes(&[3, 4], 2, "x").unwrap(), 24);
        assert_eq!(array_bytes(&[], 8, "x").unwrap(), 8);
    }

    #[test]
    fn descriptors_give_the_dtype_and_byte_order() {
        let little = cfg!(target_endian = "little");
        let parse = |d: &str| Dtype::parse(d, "x").map_err(|e| e.to_string());
        assert_eq!(parse("'<f2'").unwrap(), (Dtype::F16, !little));
        assert_eq!(parse("'>f2'").unwrap(), (Dtype::F16, little));
        assert_eq!(parse("'|b1'").unwrap(), (Dtype::Bool, false));
        assert_eq!(parse("'>u1'").unwrap(), (Dtype::U8, false));
        assert_eq!(parse("'=i8'").unwrap(), (Dtype::I64, false));
        let error = parse("'<c16'").unwrap_err();
        assert!(
            error.contains("dtype '<c16' (complex) is not one mlloss reads"),
            "{error}"
        );
        let error = parse("'<f16'").unwrap_err();
        assert!(error.contains("(float128)"), "{error}");
    }

    /// float16 converts exactly: its every value is a float64.
    #[test]
    fn float16_values_are_exact() {
        for bits in [0x3c00u16, 0xc000, 0x0001, 0x7bff, 0x7c00] {
            let value = Dtype::F16.read(&bits.to_ne_bytes());
            assert_eq!(value, half::f16::from_bits(bits).to_f64());
        }
        assert_eq!(Dtype::F16.read(&0x3c00u16.to_ne_bytes()), 1.0);
        assert_eq!(Dtype::F16.read(&0x0001u16.to_ne_bytes()), 2f64.powi(-24));
    }
}
