//! The members of an `.npz` as streams of their own, and `.npy` arrays read
//! an element at a time.
//!
//! A scipy CSR matrix is three arrays read side by side (`indptr`,
//! `indices`, `data`): each member is opened on its own handle of the
//! file, at its data's offset, inflated if deflated (`save_npz`'s
//! default), its CRC-32 and length checked at its end. So a row costs its
//! entries, whatever N and nnz. An `.npz` must be a regular file (its
//! directory is at its end).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::Crc;
use flate2::read::DeflateDecoder;
use zip::{CompressionMethod, ZipArchive};

use super::rows::read_full;
use crate::error::InputError;
use crate::input::npy_data::{Dtype, read_header};
use crate::input::{Source, read_error};

/// Whether `source` is a regular file starting with a zip's magic.
pub(super) fn is_zip(source: &Source) -> Result<bool, InputError> {
    let Source::Path(path) = source else {
        return Ok(false);
    };
    if !source.is_regular_file() {
        return Ok(false);
    }
    let mut file = File::open(path).map_err(|e| read_error(&source.name(), &e))?;
    let mut head = [0u8; 4];
    let got = read_full(&mut file, &mut head, &source.name())?;
    Ok(got == 4 && &head == b"PK\x03\x04")
}

/// Where a member's data lie.
struct Member {
    name: String,
    start: u64,
    compressed: u64,
    size: u64,
    crc: u32,
    deflated: bool,
}

/// An `.npz` on disk and its members.
pub(super) struct Npz {
    path: PathBuf,
    pub file: String,
    members: Vec<Member>,
}

impl Npz {
    pub fn open(path: &Path, file: &str) -> Result<Npz, InputError> {
        let bad = |what: String| InputError::new(file, format!("not an .npz mlloss reads: {what}"));
        let handle = File::open(path).map_err(|e| read_error(file, &e))?;
        let mut zip = ZipArchive::new(handle).map_err(|e| bad(e.to_string()))?;
        let mut members = Vec::new();
        for index in 0..zip.len() {
            let entry = zip.by_index_raw(index).map_err(|e| bad(e.to_string()))?;
            let name = entry.name().map_err(|e| bad(e.to_string()))?.into_owned();
            if entry.is_dir() {
                continue;
            }
            let deflated = match entry.compression() {
                CompressionMethod::Stored => false,
                CompressionMethod::Deflated => true,
                method => return Err(bad(format!("a member compressed with {method}"))),
            };
            if entry.encrypted() {
                return Err(bad("an encrypted member".to_owned()));
            }
            let Some(start) = entry.data_start() else {
                return Err(bad(format!("no data offset for member {name}")));
            };
            members.push(Member {
                name,
                start,
                compressed: entry.compressed_size(),
                size: entry.size(),
                crc: entry.crc32(),
                deflated,
            });
        }
        Ok(Npz {
            path: path.to_owned(),
            file: file.to_owned(),
            members,
        })
    }

    /// The array names (members without `.npy`).
    pub fn names(&self) -> Vec<&str> {
        self.members
            .iter()
            .map(|m| m.name.strip_suffix(".npy").unwrap_or(&m.name))
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.names().contains(&name)
    }

    /// The member `name` (`name.npy`) as a stream of its uncompressed bytes.
    pub fn stream(&self, name: &str) -> Result<Box<dyn Read + Send>, InputError> {
        let member_name = format!("{}:{name}", self.file);
        let Some(member) = self
            .members
            .iter()
            .find(|m| m.name == name || m.name.strip_suffix(".npy") == Some(name))
        else {
            let what = format!(
                "the archive holds no member {name:?} (it holds: {})",
                self.names().join(", ")
            );
            return Err(InputError::new(&self.file, what));
        };
        let mut handle = File::open(&self.path).map_err(|e| read_error(&member_name, &e))?;
        handle
            .seek(SeekFrom::Start(member.start))
            .map_err(|e| read_error(&member_name, &e))?;
        let raw = BufReader::with_capacity(1 << 16, handle.take(member.compressed));
        let inner: Box<dyn Read + Send> = if member.deflated {
            Box::new(DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        Ok(Box::new(Checked {
            inner,
            crc: Crc::new(),
            size: member.size,
            crc_wanted: member.crc,
        }))
    }

    /// A small member read whole (`format`, at most 64 KiB).
    pub fn small(&self, name: &str) -> Result<Vec<u8>, InputError> {
        let mut bytes = Vec::new();
        self.stream(name)?
            .take(1 << 16)
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(&format!("{}:{name}", self.file), &e))?;
        Ok(bytes)
    }
}

/// A member's bytes, checked against its length and CRC-32 at their end.
struct Checked {
    inner: Box<dyn Read + Send>,
    crc: Crc,
    size: u64,
    crc_wanted: u32,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() {
            if u64::from(self.crc.amount()) != self.size & 0xffff_ffff {
                return Err(io::Error::other(
                    "the member's data are shorter than its directory says (a truncated file?)",
                ));
            }
            if self.crc.sum() != self.crc_wanted {
                return Err(io::Error::other(
                    "the member's CRC-32 does not match (a corrupt file)",
                ));
            }
        }
        Ok(n)
    }
}

/// A `.npy` array read an element at a time, in C order.
pub(super) struct NpyArray {
    stream: BufReader<Box<dyn Read + Send>>,
    dtype: Dtype,
    swapped: bool,
    pub shape: Vec<usize>,
    /// Its elements, and how many were read.
    pub len: u64,
    read: u64,
    pub name: String,
}

impl NpyArray {
    pub fn open(stream: Box<dyn Read + Send>, name: &str) -> Result<NpyArray, InputError> {
        let mut stream = BufReader::with_capacity(1 << 16, stream);
        let header = read_header(&mut stream, name)?;
        if header.fortran && header.shape.len() > 1 {
            return Err(InputError::new(
                name,
                "a Fortran-order array: its rows are not contiguous (save it in C order: \
                 np.ascontiguousarray(a))",
            ));
        }
        // read_header checked that the non-zero dimensions' product fits.
        let len = if header.shape.contains(&0) {
            0
        } else {
            header.shape.iter().map(|&d| d as u64).product()
        };
        Ok(NpyArray {
            stream,
            dtype: header.dtype,
            swapped: header.swapped,
            shape: header.shape,
            len,
            read: 0,
            name: name.to_owned(),
        })
    }

    /// The next value as an integer; an array of another dtype is an error.
    pub fn next_integer(&mut self) -> Result<Option<i128>, InputError> {
        if self.read == self.len {
            return Ok(None);
        }
        let (mut bytes, mut value) = (Vec::new(), 0);
        self.next_integers(1, &mut bytes, |v| {
            value = v;
            Ok(())
        })?;
        Ok(Some(value))
    }

    /// The next `n` elements' bytes (fewer at the end of the array) into
    /// `bytes`, in the machine's byte order. The buffer grows as bytes
    /// arrive, never to a claim.
    fn next_bytes(&mut self, n: u64, bytes: &mut Vec<u8>) -> Result<(), InputError> {
        let n = n.min(self.len - self.read);
        let size = self.dtype.size();
        bytes.clear();
        let want = n * size as u64;
        (&mut self.stream)
            .take(want)
            .read_to_end(bytes)
            .map_err(|e| read_error(&self.name, &e))?;
        if (bytes.len() as u64) < want {
            let what = format!(
                "the data end after {} of the {} values its header says (a truncated file?)",
                self.read + (bytes.len() / size) as u64,
                self.len
            );
            return Err(InputError::new(&self.name, what));
        }
        if self.swapped {
            bytes.chunks_exact_mut(size).for_each(<[u8]>::reverse);
        }
        self.read += n;
        Ok(())
    }

    /// The next `n` values as numbers, appended to `out`.
    pub fn next_values(
        &mut self,
        n: u64,
        bytes: &mut Vec<u8>,
        out: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        self.next_bytes(n, bytes)?;
        let dtype = self.dtype;
        out.extend(bytes.chunks_exact(dtype.size()).map(|b| dtype.read(b)));
        Ok(())
    }

    /// The next `n` values as integers, each passed to `each`; an array of
    /// another dtype is an error.
    pub fn next_integers(
        &mut self,
        n: u64,
        bytes: &mut Vec<u8>,
        mut each: impl FnMut(i128) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        self.integer_dtype()?;
        self.next_bytes(n, bytes)?;
        let dtype = self.dtype;
        for b in bytes.chunks_exact(dtype.size()) {
            let value = match dtype {
                Dtype::I64 => i128::from(i64::from_ne_bytes(b.try_into().unwrap_or_default())),
                Dtype::U64 => i128::from(u64::from_ne_bytes(b.try_into().unwrap_or_default())),
                _ => dtype.read(b) as i128,
            };
            each(value)?;
        }
        Ok(())
    }

    fn integer_dtype(&self) -> Result<(), InputError> {
        match self.dtype {
            Dtype::F64 | Dtype::F32 | Dtype::F16 | Dtype::Bool => {
                let what = format!(
                    "an array of {:?} values where label indices (integers) are expected",
                    self.dtype
                );
                Err(InputError::new(&self.name, what))
            }
            _ => Ok(()),
        }
    }

    /// After the last element: nothing may follow.
    pub fn finish(&mut self) -> Result<(), InputError> {
        let mut extra = [0u8; 1];
        if read_full(&mut self.stream, &mut extra, &self.name)? > 0 {
            return Err(InputError::new(
                &self.name,
                "bytes after the data its header says (a corrupt file?)",
            ));
        }
        Ok(())
    }
}
