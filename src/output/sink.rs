//! The sink every subcommand writes through: a large buffer over a locked
//! stdout or over `-o FILE` (replaced only on success, see `atomic.rs`).

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::atomic::Replacement;

const WRITE_BUFFER_BYTES: usize = 1 << 16;

/// Set when stdout was closed at start (`>&-`; see `main`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Tells the outputs that stdout was closed when the process started:
/// writing to it is then the error a write to a closed descriptor is
/// (EBADF), not output lost with exit 0 on the /dev/null the runtime put
/// in its place.
pub fn stdout_was_closed() {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
}

/// Stdout when it was closed at start: every write fails as it would
/// have on the closed descriptor.
struct ClosedStdout;

impl Write for ClosedStdout {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from_raw_os_error(EBADF))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(unix)]
const EBADF: i32 = libc::EBADF;
#[cfg(not(unix))]
const EBADF: i32 = 9;
/// Where a command's output goes.
pub struct Output {
    writer: BufWriter<Box<dyn Write>>,
    /// Named in write errors: `stdout` or the file.
    name: String,
    /// `-o FILE` on a regular file: the temporary file to rename into place.
    replacement: Option<Replacement>,
    /// A progress bar counting rows, when asked for.
    progress: Option<crate::progress::Progress>,
    /// Room kept at the start for a header written last (a `.npy`'s).
    header: Option<PendingHeader>,
    /// The file written, for a table format that writes it itself.
    file: Option<File>,
}

/// A header to write at the start of the output once the result is known.
struct PendingHeader {
    /// The file written (the temporary file of `-o`, or the spool), to
    /// write the header into at its start.
    file: File,
    reserved: usize,
    /// Given by [`Output::set_header`].
    text: Option<Vec<u8>>,
    /// Stdout or a device: the output goes to a temporary file (`file`)
    /// first, copied here when complete, since it cannot be rewound.
    spooled_to: Option<Box<dyn Write>>,
}

impl Output {
    pub fn stdout() -> Self {
        let sink: Box<dyn Write> = if STDOUT_CLOSED.load(Ordering::Relaxed) {
            Box::new(ClosedStdout)
        } else {
            Box::new(io::stdout().lock())
        };
        Output::new(sink, "stdout".into(), None)
    }

    /// Where `-o` points, or stdout without it.
    pub fn to(destination: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = destination.filter(|p| !is_stdout(p)) else {
            return Ok(Output::stdout());
        };
        let name = path.display().to_string();
        let cannot = |e: io::Error| anyhow::anyhow!("cannot write to {name}: {}", reason(&e));
        // A device, FIFO or socket (`/dev/null`, `/dev/stderr`, `<(…)`) is
        // written in place: renaming over it would replace the node, or the
        // file behind a file descriptor. Appending keeps what a shell
        // redirection behind `/dev/stderr` has written so far.
        // A file descriptor's name (`/dev/stderr` behind `2> log`) is
        // written in place even when it leads to a regular file: replacing
        // it would replace the link, not what the descriptor writes to.
        // Regular files elsewhere under /dev (on /dev/shm, a tmpfs) are
        // replaced as anywhere else.
        let existing = fs::metadata(path).ok();
        if is_descriptor_name(path) || existing.as_ref().is_some_and(|m| !m.is_file()) {
            let file = File::options().append(true).open(path).map_err(cannot)?;
            let table_file = file.try_clone().map_err(cannot)?;
            return Ok(Output::new(Box::new(file), name, None).with_file(table_file));
        }
        let replacement = Replacement::beside(path, existing.as_ref()).map_err(cannot)?;
        let file = replacement.file().try_clone().map_err(cannot)?;
        let table_file = file.try_clone().map_err(cannot)?;
        Ok(Output::new(Box::new(file), name, Some(replacement)).with_file(table_file))
    }

    fn with_file(mut self, file: File) -> Self {
        self.file = Some(file);
        self
    }

    /// The file written, for a format that writes it itself (a table);
    /// `None` for stdout, or once taken.
    pub(super) fn take_file(&mut self) -> Option<File> {
        self.file.take()
    }

    fn new(sink: Box<dyn Write>, name: String, replacement: Option<Replacement>) -> Self {
        Output {
            writer: BufWriter::with_capacity(WRITE_BUFFER_BYTES, sink),
            name,
            replacement,
            progress: None,
            header: None,
            file: None,
        }
    }

    /// Keeps `bytes` at the start of the output for a header written when
    /// the command finishes (see [`Output::set_header`]); nothing for 0.
    /// Stdout and devices cannot be rewound: their output is then written
    /// to a temporary file first (unlinked at once, so nothing is left
    /// behind), and copied to them when complete.
    pub(super) fn reserve_header(&mut self, bytes: usize) -> io::Result<()> {
        if bytes == 0 {
            return Ok(());
        }
        let name = self.name.clone();
        let cannot = |e: io::Error| {
            io::Error::new(e.kind(), format!("cannot write to {name}: {}", reason(&e)))
        };
        let (file, spooled_to) = match &self.replacement {
            Some(replacement) => (replacement.file().try_clone().map_err(cannot)?, None),
            None => {
                let spool = tempfile::tempfile().map_err(cannot)?;
                let writer: Box<dyn Write> = Box::new(spool.try_clone().map_err(cannot)?);
                let sink = std::mem::replace(
                    &mut self.writer,
                    BufWriter::with_capacity(WRITE_BUFFER_BYTES, writer),
                );
                let sink = sink.into_inner().map_err(|e| cannot(e.into_error()))?;
                (spool, Some(sink))
            }
        };
        self.header = Some(PendingHeader {
            file,
            reserved: bytes,
            text: None,
            spooled_to,
        });
        self.write_bytes(&vec![0; bytes])
    }

    /// The header for the room reserved at the start, which it must fill
    /// exactly.
    pub(super) fn set_header(&mut self, text: Vec<u8>) -> io::Result<()> {
        match &mut self.header {
            Some(header) if text.len() == header.reserved => header.text = Some(text),
            _ => {
                return Err(io::Error::other(
                    "the header does not fit the room kept for it",
                ));
            }
        }
        Ok(())
    }

    /// Counts the rows written in a progress bar (shown on a terminal
    /// after a moment; see [`crate::progress`]).
    pub fn with_progress(mut self, quiet: bool, unit: &'static str) -> Self {
        self.progress = Some(crate::progress::Progress::new(quiet, None, unit));
        self
    }

    /// One more row written by the caller's own means.
    pub fn advance(&mut self) {
        if let Some(progress) = &mut self.progress {
            progress.advance(1);
        }
    }

    /// Writes bytes as they are (the caller supplies the newline).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer
            .write_all(bytes)
            .map_err(|e| self.write_error(e))
    }

    /// Flushes, and with `-o FILE` puts the new content in place.
    pub fn finish(self) -> io::Result<()> {
        Output::finish_all([self])
    }

    /// Finishes every output a command wrote, or none: all are flushed
    /// (and their files synced) first, and only when every one succeeded
    /// are the files put in place. So `binarize --save-classes F > /dev/full`
    /// fails with F untouched.
    pub fn finish_all<const N: usize>(mut outputs: [Output; N]) -> io::Result<()> {
        for output in &mut outputs {
            output.flush()?;
        }
        for mut output in outputs {
            if let Some(replacement) = output.replacement.take() {
                replacement.commit().map_err(|e| output.write_error(e))?;
            }
        }
        Ok(())
    }

    /// Ends the progress bar, flushes, and syncs a file to replace.
    fn flush(&mut self) -> io::Result<()> {
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        self.writer.flush().map_err(|e| self.write_error(e))?;
        if let Some(header) = self.header.take() {
            header.write().map_err(|e| self.write_error(e))?;
        }
        if let Some(replacement) = &self.replacement {
            replacement.sync().map_err(|e| self.write_error(e))?;
        }
        Ok(())
    }

    /// Says what failed while keeping the kind, so that `main` still
    /// recognises a broken pipe.
    pub(super) fn write_error(&self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!("cannot write to {}: {}", self.name, reason(&e)),
        )
    }
}

impl PendingHeader {
    /// Writes the header at the start of the file, and copies a spool to
    /// where it goes.
    fn write(mut self) -> io::Result<()> {
        let text = self
            .text
            .ok_or_else(|| io::Error::other("the result's shape was never given"))?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(&text)?;
        if let Some(mut sink) = self.spooled_to {
            self.file.seek(SeekFrom::Start(0))?;
            io::copy(&mut self.file, &mut sink)?;
            sink.flush()?;
        }
        Ok(())
    }
}

/// `/dev/stdin`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/…/fd/N`:
/// names of open file descriptors.
fn is_descriptor_name(path: &Path) -> bool {
    let std_stream = ["/dev/stdin", "/dev/stdout", "/dev/stderr"]
        .iter()
        .any(|name| path == Path::new(name));
    let parent_is_fd = path.parent().is_some_and(|dir| {
        dir == Path::new("/dev/fd") || (dir.starts_with("/proc") && dir.ends_with("fd"))
    });
    std_stream || parent_is_fd
}

/// `-o -` and `-o /dev/stdout` mean stdout itself.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-" || path == Path::new("/dev/stdout")
}

/// The OS's reason without Rust's " (os error N)" suffix.
pub(super) fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error")
        .next()
        .unwrap_or_default()
        .to_owned()
}
