//! gzip and zstd inputs: told by their magic bytes, whatever the name
//! (`.csv.gz`, `.jsonl.zst`, stdin), and decompressed on a thread of their
//! own while the others parse, so that decompression overlaps the work.
//!
//! The decompressed text is what every reader sees: lines and columns in
//! errors are those of the decompressed text.

use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::pump::PumpedStream;
use crate::error::InputError;

/// The magic number of a zstd frame.
pub(super) const ZSTD_MAGIC: &[u8] = b"\x28\xb5\x2f\xfd";

/// The last three bytes of a skippable frame's magic number; its first is
/// 0x50 to 0x5F.
const SKIPPABLE_MAGIC_END: &[u8] = b"\x2a\x4d\x18";

/// Whether `head` starts a zstd skippable frame.
fn is_skippable_frame(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == *SKIPPABLE_MAGIC_END
}

/// Whether more bytes could make `head` a skippable frame's magic.
pub(super) fn may_become_skippable_frame(head: &[u8]) -> bool {
    match head.split_first() {
        Some((first, rest)) => {
            first & 0xf0 == 0x50 && rest.len() < 3 && SKIPPABLE_MAGIC_END.starts_with(rest)
        }
        None => true,
    }
}

/// A compression mlloss reads through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression whose magic bytes `head` starts with. zstd data may
    /// start with a skippable frame (magic 0x184D2A50 to 0x184D2A5F, little
    /// endian), as `pzstd` writes them: libzstd reads past it.
    pub fn of(head: &[u8]) -> Option<Compression> {
        if head.starts_with(b"\x1f\x8b") {
            Some(Compression::Gzip)
        } else if head.starts_with(ZSTD_MAGIC) || is_skippable_frame(head) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// File name extensions that only say the file is compressed: the
    /// format is the extension before (`x.csv.gz` is CSV).
    pub fn is_extension(extension: &str) -> bool {
        matches!(extension, "gz" | "gzip" | "zst" | "zstd")
    }

    /// The decompressed content of `raw`, decompressed ahead of the reader
    /// on a thread. Concatenated gzip members (`cat a.gz b.gz`, bgzip) and
    /// zstd frames are read one after the other, as `gzip -dc` does.
    /// `regular_file`: `raw` is one (or memory), never a pipe.
    pub fn decompress(
        self,
        raw: Box<dyn Read + Send>,
        file: &str,
        regular_file: bool,
    ) -> Result<PumpedStream, InputError> {
        let name = self.name();
        let stream = PumpedStream::spawn(&format!("{name} decoder"), file, move |pump| {
            let raw = BufReader::with_capacity(1 << 16, raw);
            let describe = |e: &io::Error| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    format!("the {name} data end early (a truncated file?)")
                } else {
                    format!("bad {name} data: {}", super::io_reason(e))
                }
            };
            match self {
                Compression::Gzip => pump.send_all(&mut MultiGzDecoder::new(raw), describe),
                Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(raw) {
                    Ok(mut decoder) => pump.send_all(&mut decoder, describe),
                    Err(e) => pump.fail(io::Error::new(e.kind(), describe(&e))),
                },
            }
        })?;
        Ok(stream.reads_no_pipe(regular_file))
    }
}
