//! What arrow-rs would allocate before reading a typed table, checked
//! first: arrow-ipc allocates what a compressed buffer claims it holds
//! once decompressed, and decompresses a record batch whole; the parquet
//! crate decodes a file's whole footer (every row group's metadata) before
//! the first row. A file whose claims are beyond the bounds below is an
//! error naming the bound, not an allocation that aborts the process or
//! memory that grows with the rows.

use std::fs::File;
use std::io::Read;

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

use crate::error::InputError;

/// The rows a compressed IPC record batch may hold beyond
/// [`MAX_BATCH_BYTES`]: what pyarrow's Feather writer puts in one
/// (`write_feather`'s default `chunksize`), so that any file it writes is
/// read, whatever its columns.
const MAX_BATCH_ROWS: i64 = 65_536;

/// What a compressed IPC record batch of more than [`MAX_BATCH_ROWS`] rows
/// may hold once decompressed. arrow-ipc decompresses a batch whole before
/// its first row is read, so a batch of many rows would make memory grow
/// with the rows (a 20 KB zstd file holding one batch of 650 MB): such a
/// batch is an error naming the bound and how to write smaller ones.
const MAX_BATCH_BYTES: u64 = 64 << 20;

/// The longest Parquet footer (the file's metadata, every row group's
/// description) read: the parquet crate decodes it whole before the first
/// row, into about 10 times its size (statistics left out), so a file of
/// many small row groups (200,000 one-row groups: a 46 MB footer, 250 MB
/// decoded) would make memory grow with the rows; at this bound it takes
/// about 80 MB. Files written in the usual row groups (pyarrow: a million
/// rows each) have footers of a few hundred KB.
pub(super) const MAX_PARQUET_FOOTER_BYTES: u64 = 8 << 20;

/// Checks the length of a Parquet footer, from the file's last 8 bytes
/// (`tail`): beyond [`MAX_PARQUET_FOOTER_BYTES`] it is an error naming the
/// bound. A length the file cannot hold is left for the parquet crate.
pub(super) fn check_parquet_footer(
    tail: &[u8],
    file_len: u64,
    name: &str,
) -> Result<(), InputError> {
    let Some(length) = tail.get(..4).and_then(|b| b.try_into().ok()) else {
        return Ok(());
    };
    let length = u64::from(u32::from_le_bytes(length));
    if length <= MAX_PARQUET_FOOTER_BYTES || length > file_len {
        return Ok(());
    }
    let what = format!(
        "its footer (the metadata of every row group) is {} long, beyond the {} MiB mlloss decodes \
         (a file of very many small row groups? write it in larger ones: \
         pyarrow.parquet.write_table(..., row_group_size=1_000_000))",
        super::count(usize::try_from(length).unwrap_or(usize::MAX), "byte"),
        MAX_PARQUET_FOOTER_BYTES >> 20
    );
    Err(InputError::new(name, what))
}

/// [`check_parquet_footer`] on a regular file.
pub(super) fn check_parquet_file(file: &File, name: &str) -> Result<(), InputError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut tail = [0u8; 8];
    let mut reader = file;
    let len = reader.metadata().map(|m| m.len()).unwrap_or(0);
    let read = reader
        .seek(SeekFrom::End(-8))
        .and_then(|_| reader.read_exact(&mut tail));
    match read {
        Ok(()) => check_parquet_footer(&tail, len, name),
        // Too short, or unreadable: the parquet crate says what is wrong.
        Err(_) => Ok(()),
    }
}

/// A Parquet file (or its bytes) whose readers take the end of the file
/// as an error. The parquet crate skips a page header's unknown fields by
/// copying their declared length into a sink, and a short copy is no error
/// to it: a corrupt header declaring a list of two billion doubles read
/// past the file's end made it loop for minutes (one `read` at the end of
/// the file per element). A page header never lies beyond the file, so a
/// read that finds the end is an error at once.
pub(super) struct EndIsError<T>(pub T);

impl<T: Length> Length for EndIsError<T> {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl<T: ChunkReader> ChunkReader for EndIsError<T> {
    type T = EndIsError<T::T>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.0.get_read(start).map(EndIsError)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.0.get_bytes(start, length)
    }
}

impl<R: Read> Read for EndIsError<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 if !buf.is_empty() => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "a page header runs past the end of the file (a truncated or corrupt file?)",
            )),
            read => Ok(read),
        }
    }
}

/// Where an IPC file's messages start: after `ARROW1` and its padding.
pub(super) const IPC_FILE_START: usize = 8;

/// [`check_ipc_buffers`] on a regular file, mapped.
pub(super) fn check_ipc_file(file: &File, start: usize, name: &str) -> Result<(), InputError> {
    // SAFETY: the map is read only while this function runs; a file
    // changed meanwhile gives wrong bytes to check, never unsafety in
    // safe code beyond what reading it would give.
    let map = unsafe { memmap2::Mmap::map(file) };
    match map {
        Ok(map) => check_ipc_buffers(&map, start, name),
        // Unmappable (empty, special): arrow-ipc reports what is wrong.
        Err(_) => Ok(()),
    }
}

/// Checks what each compressed buffer of the IPC messages in `data`
/// claims to hold once decompressed: the messages one after the other
/// from `start` (a stream), and for a file (`start` past its magic) also
/// the blocks its footer lists, which are what its reader reads.
/// arrow-ipc allocates that claim before decompressing
/// (`Vec::with_capacity`), so a corrupt or hostile file claiming exabytes
/// would abort the process on the failed allocation, which no error
/// handling can catch: a claim beyond 1 GiB (the limit of a whole read) is
/// an error here instead, and so is a batch beyond [`MAX_BATCH_ROWS`] and
/// [`MAX_BATCH_BYTES`]. Whatever else is wrong is left for arrow-ipc.
pub(super) fn check_ipc_buffers(data: &[u8], start: usize, name: &str) -> Result<(), InputError> {
    let mut at = Some(start);
    while let Some(message) = at {
        at = check_ipc_message(data, message, None, name)?;
    }
    if start == IPC_FILE_START
        && let Some(footer) = ipc_footer(data)
    {
        let blocks = (footer.recordBatches().into_iter().flatten())
            .chain(footer.dictionaries().into_iter().flatten());
        for block in blocks {
            // The reader finds the body after the block's metadata length.
            let offset = usize::try_from(block.offset()).ok();
            let meta = usize::try_from(block.metaDataLength()).ok();
            let body = usize::try_from(block.bodyLength()).ok();
            // The reader allocates the block before reading it: one that
            // lies beyond the file is refused first.
            let end = offset
                .zip(meta)
                .and_then(|(o, m)| o.checked_add(m)?.checked_add(body?));
            if end.is_none_or(|end| end > data.len()) {
                let what = "not a readable Arrow IPC file: its footer lists a block beyond the file's end (a truncated or corrupt file?)";
                return Err(InputError::new(name, what));
            }
            if let (Some(offset), Some(meta), Some(end)) = (offset, meta, end) {
                let block = Block {
                    body: offset + meta,
                    end,
                };
                check_ipc_message(data, offset, Some(block), name)?;
            }
        }
    }
    Ok(())
}

/// An IPC file's footer: its length and `ARROW1` close the file.
fn ipc_footer(data: &[u8]) -> Option<arrow_ipc::Footer<'_>> {
    let end = data.len().checked_sub(10)?;
    let length = i32::from_le_bytes(data.get(end..end + 4)?.try_into().ok()?);
    let start = end.checked_sub(usize::try_from(length).ok()?)?;
    arrow_ipc::root_as_footer(data.get(start..end)?).ok()
}

/// A record or dictionary batch as an IPC file's footer lists it: where
/// its body starts and where the block ends.
struct Block {
    body: usize,
    end: usize,
}

/// Checks the message at `at` (see [`check_ipc_buffers`]): in a stream,
/// its metadata is as long as its length word says and its body follows;
/// in a file's `block`, arrow-ipc decodes the metadata from the whole
/// block (whatever the length word says: a corrupt one made this check
/// skip a batch that arrow-ipc then read, and allocate its claim), and
/// the body starts where the footer says. Returns where the next message
/// starts, or `None` when there is none to read or it cannot be.
fn check_ipc_message(
    data: &[u8],
    at: usize,
    block: Option<Block>,
    name: &str,
) -> Result<Option<usize>, InputError> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(
            data.get(at..at.checked_add(4)?)?.try_into().ok()?,
        ))
    };
    let Some(marker) = word(at) else {
        return Ok(None);
    };
    // A continuation marker before the length (format ≥ 0.15).
    let length_at = if marker == u32::MAX { at + 4 } else { at };
    let meta_start = length_at + 4;
    let (meta, body_start) = match block {
        Some(block) => (data.get(meta_start..block.end), block.body),
        None => {
            let Some(meta_len) = word(length_at).and_then(|l| usize::try_from(l as i32).ok())
            else {
                return Ok(None);
            };
            let end = meta_start.checked_add(meta_len);
            let meta = end.and_then(|end| data.get(meta_start..end));
            (meta.filter(|m| !m.is_empty()), meta_start + meta_len)
        }
    };
    let Some(message) = meta.and_then(|meta| arrow_ipc::root_as_message(meta).ok()) else {
        return Ok(None);
    };
    let batch = (message.header_as_record_batch())
        .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
    let limit = super::max_line_bytes() as u64;
    if let Some(batch) = batch.filter(|b| b.compression().is_some()) {
        let mut batch_bytes = 0u64;
        for buffer in batch.buffers().iter().flatten() {
            let claim = usize::try_from(buffer.offset())
                .ok()
                .and_then(|offset| body_start.checked_add(offset))
                .filter(|_| buffer.length() >= 8)
                .and_then(|at| data.get(at..at.checked_add(8)?))
                .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()));
            if let Some(claim) = claim
                && claim > 0
                && claim as u64 > limit
            {
                let what = format!(
                    "not a readable Arrow IPC file: a compressed buffer claims {claim} bytes once decompressed (a corrupt file?)"
                );
                return Err(InputError::new(name, what));
            }
            // A buffer stored as it is says so with -1.
            batch_bytes = batch_bytes.saturating_add(match claim {
                Some(-1) => u64::try_from(buffer.length())
                    .unwrap_or(0)
                    .saturating_sub(8),
                Some(claim) => u64::try_from(claim).unwrap_or(0),
                None => 0,
            });
        }
        if batch.length() > MAX_BATCH_ROWS && batch_bytes > MAX_BATCH_BYTES {
            let what = format!(
                "a compressed record batch of {} rows holds {} once decompressed, beyond the {} MiB \
                 mlloss decompresses at once for a batch of more than {MAX_BATCH_ROWS} rows \
                 (write smaller batches: pyarrow.feather.write_feather(..., chunksize=65536))",
                batch.length(),
                super::count(usize::try_from(batch_bytes).unwrap_or(usize::MAX), "byte"),
                MAX_BATCH_BYTES >> 20
            );
            return Err(InputError::new(name, what));
        }
    }
    let next = usize::try_from(message.bodyLength())
        .ok()
        .and_then(|body| body_start.checked_add(body));
    Ok(next)
}
