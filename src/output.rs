//! The writer every subcommand prints through: a large buffer over a locked
//! stdout or over `-o FILE`, values formatted by [`crate::format`].
//!
//! `-o FILE` never leaves a half-written FILE: the output goes to a
//! temporary file beside it (same directory, so the final rename cannot
//! cross file systems), which is synced and renamed over FILE only when
//! the command succeeds. On an error the temporary file is removed as the
//! error unwinds; on SIGINT, SIGTERM or SIGHUP a handler removes it and
//! exits with 130. Either way FILE keeps its old content.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use tempfile::NamedTempFile;

use crate::format::write_f64;

const WRITE_BUFFER_BYTES: usize = 1 << 16;

/// Exit code after a termination signal while writing `-o FILE` (128 + SIGINT).
const SIGNAL_EXIT_CODE: i32 = 130;

pub struct Output {
    writer: BufWriter<Box<dyn Write>>,
    /// Named in write errors: `stdout` or the file.
    name: String,
    /// `-o FILE` on a regular file: the temporary file to rename into place.
    replacement: Option<Replacement>,
    /// One line being assembled, reused across lines.
    line: Vec<u8>,
}

impl Output {
    pub fn stdout() -> Self {
        Output::new(Box::new(io::stdout().lock()), "stdout".into(), None)
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
        let existing = fs::metadata(path).ok();
        let special = path.starts_with("/dev") || path.starts_with("/proc");
        if special || existing.as_ref().is_some_and(|m| !m.is_file()) {
            let file = File::options().append(true).open(path).map_err(cannot)?;
            return Ok(Output::new(Box::new(file), name, None));
        }
        let replacement = Replacement::beside(path, existing.as_ref()).map_err(cannot)?;
        let file = replacement.file().try_clone().map_err(cannot)?;
        Ok(Output::new(Box::new(file), name, Some(replacement)))
    }

    fn new(sink: Box<dyn Write>, name: String, replacement: Option<Replacement>) -> Self {
        Output {
            writer: BufWriter::with_capacity(WRITE_BUFFER_BYTES, sink),
            name,
            replacement,
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes values separated by commas, then a newline.
    pub fn write_values(&mut self, values: &[f64]) -> io::Result<()> {
        self.line.clear();
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.line.push(b',');
            }
            write_f64(&mut self.line, v);
        }
        self.line.push(b'\n');
        let result = self.writer.write_all(&self.line);
        result.map_err(|e| self.write_error(e))
    }

    /// Writes bytes as they are (the caller supplies the newline).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer
            .write_all(bytes)
            .map_err(|e| self.write_error(e))
    }

    /// Flushes, and with `-o FILE` puts the new content in place.
    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush().map_err(|e| self.write_error(e))?;
        if let Some(replacement) = self.replacement.take() {
            replacement.commit().map_err(|e| self.write_error(e))?;
        }
        Ok(())
    }

    /// Says what failed while keeping the kind, so that `main` still
    /// recognises a broken pipe.
    fn write_error(&self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!("cannot write to {}: {}", self.name, reason(&e)),
        )
    }
}

/// `-o -` and `-o /dev/stdout` mean stdout itself.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-" || path == Path::new("/dev/stdout")
}

/// The OS's reason without Rust's " (os error N)" suffix.
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A temporary file that becomes FILE on [`Replacement::commit`] and is
/// removed otherwise (when dropped, or by the signal handler).
struct Replacement {
    /// Taken by `commit`.
    temp: Option<NamedTempFile>,
    target: PathBuf,
}

/// The temporary file to remove if a termination signal arrives. The
/// handler and `commit` both hold the lock while they act, so a signal
/// either removes the file before the rename or finds nothing to remove.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);
static HANDLER: Once = Once::new();

impl Replacement {
    fn beside(path: &Path, existing: Option<&fs::Metadata>) -> io::Result<Replacement> {
        // Through a symlink, replace the file it points to, not the link.
        let target = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
            _ => path.to_owned(),
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let file_name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        install_signal_handler();
        let mut pending = lock_pending();
        let prefix = format!(".{file_name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".mlloss-tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // What a plain `> FILE` would give a new file (the umask applies).
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(dir)?;
        if let Some(existing) = existing {
            // Keep the mode of the file being replaced.
            fs::set_permissions(temp.path(), existing.permissions())?;
        }
        *pending = Some(temp.path().to_owned());
        Ok(Replacement {
            temp: Some(temp),
            target,
        })
    }

    fn file(&self) -> &File {
        self.temp.as_ref().expect("not committed").as_file()
    }

    fn commit(mut self) -> io::Result<()> {
        let temp = self.temp.take().expect("committed once");
        // Held until the rename is done: a signal meanwhile waits, then
        // finds nothing to remove.
        let mut pending = lock_pending();
        let result = temp.as_file().sync_all().and_then(|()| {
            // On failure `persist` hands the file back; dropping it removes it.
            temp.persist(&self.target).map(drop).map_err(|e| e.error)
        });
        *pending = None;
        result
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        // The temporary file itself is removed by NamedTempFile's drop.
        if let Some(temp) = &self.temp {
            let mut pending = lock_pending();
            if pending.as_deref() == Some(temp.path()) {
                *pending = None;
            }
        }
    }
}

fn lock_pending() -> std::sync::MutexGuard<'static, Option<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary file, exit 130.
/// Installed only when `-o FILE` is used, so that otherwise the signals
/// keep their default action.
fn install_signal_handler() {
    HANDLER.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            let pending = lock_pending();
            if let Some(path) = pending.as_deref() {
                let _ = fs::remove_file(path);
            }
            std::process::exit(SIGNAL_EXIT_CODE);
        });
        // Without a handler (one installed elsewhere) a signal still kills
        // the process, leaving the temporary file but never a partial FILE.
        drop(installed);
    });
}
