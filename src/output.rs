//! The writer every subcommand prints through: a large buffer over a locked
//! stdout or over `-o FILE`, values formatted by [`crate::format`].
//!
//! `-o FILE` never leaves a half-written FILE: the output goes to a
//! temporary file beside it (same directory, so the final rename cannot
//! cross file systems), which is synced and renamed over FILE only when
//! the command succeeds. On an error the temporary file is removed as the
//! error unwinds; on SIGINT, SIGTERM or SIGHUP a handler removes it and
//! re-raises the signal. Either way FILE keeps its old content.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use tempfile::NamedTempFile;

use crate::format::write_f64;

const WRITE_BUFFER_BYTES: usize = 1 << 16;

/// How results are laid out (`--output-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Comma-separated values.
    #[default]
    Csv,
    /// Tab-separated values.
    Tsv,
    /// One JSON value: a number, an array, or an array of arrays.
    Json,
    /// JSON Lines: one number or array per line.
    Jsonl,
}

/// The output format and the digits of each number.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    pub format: OutputFormat,
    /// Significant digits; `None`: the shortest round-trip form.
    pub precision: Option<usize>,
}

impl Layout {
    /// One number. JSON has no NaN or infinity: they are written as
    /// Python's `json` module writes them (`NaN`, `Infinity`).
    #[inline]
    pub fn number(&self, out: &mut Vec<u8>, value: f64) {
        let json = matches!(self.format, OutputFormat::Json | OutputFormat::Jsonl);
        if json && !value.is_finite() {
            out.extend_from_slice(if value.is_nan() {
                b"NaN"
            } else if value > 0.0 {
                b"Infinity"
            } else {
                b"-Infinity"
            });
            return;
        }
        match self.precision {
            None => write_f64(out, value),
            Some(digits) => crate::format::write_f64_digits(out, value, digits),
        }
    }

    fn separator(&self) -> u8 {
        if self.format == OutputFormat::Tsv {
            b'\t'
        } else {
            b','
        }
    }

    fn is_json(&self) -> bool {
        matches!(self.format, OutputFormat::Json | OutputFormat::Jsonl)
    }

    /// Before row `index` (0-based) of a many-row output: a JSON document
    /// opens its array, or separates the rows.
    pub fn row_prefix(&self, out: &mut Vec<u8>, index: u64) {
        if self.format == OutputFormat::Json {
            out.extend_from_slice(if index == 0 { b"[" } else { b",\n" });
        }
    }

    /// After the last row of a many-row output.
    pub fn rows_end(&self) -> &'static [u8] {
        if self.format == OutputFormat::Json {
            b"]\n"
        } else {
            b""
        }
    }

    fn line_end(&self, out: &mut Vec<u8>) {
        if self.format != OutputFormat::Json {
            out.push(b'\n');
        }
    }

    /// Row `index` of a matrix: `a,b,c` (CSV), `[a,b,c]` (JSON).
    #[inline]
    pub fn matrix_row(&self, out: &mut Vec<u8>, values: &[f64], index: u64) {
        self.row_prefix(out, index);
        self.array(out, values);
        self.line_end(out);
    }

    /// Row `index` of a column of numbers (one per sample).
    #[inline]
    pub fn column_row(&self, out: &mut Vec<u8>, value: f64, index: u64) {
        self.row_prefix(out, index);
        self.number(out, value);
        self.line_end(out);
    }

    /// Values as one array (CSV: one line of them), without a line end.
    pub fn array(&self, out: &mut Vec<u8>, values: &[f64]) {
        if self.is_json() {
            out.push(b'[');
        }
        for (j, &v) in values.iter().enumerate() {
            if j > 0 {
                out.push(self.separator());
            }
            self.number(out, v);
        }
        if self.is_json() {
            out.push(b']');
        }
    }

    /// A whole output of one line: a number or an array.
    pub fn single_line(&self, values: &[f64], as_array: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if as_array {
            self.array(&mut out, values);
        } else {
            self.number(&mut out, values[0]);
        }
        out.push(b'\n');
        out
    }

    /// A template of one 0/1 row of `columns` zeros, and where column j's
    /// digit is in it (`offset + 2·j`): binarize writes its rows by
    /// flipping digits.
    pub fn binary_row_template(&self, columns: usize) -> (Vec<u8>, usize) {
        let mut line = Vec::with_capacity(2 * columns + 3);
        if self.is_json() {
            line.push(b'[');
        }
        let offset = line.len();
        for i in 0..columns {
            if i > 0 {
                line.push(self.separator());
            }
            line.push(b'0');
        }
        if self.is_json() {
            line.push(b']');
        }
        self.line_end(&mut line);
        (line, offset)
    }
}

pub struct Output {
    writer: BufWriter<Box<dyn Write>>,
    /// Named in write errors: `stdout` or the file.
    name: String,
    /// `-o FILE` on a regular file: the temporary file to rename into place.
    replacement: Option<Replacement>,
    /// Rows written with [`Output::write_row`].
    rows: u64,
    /// A progress bar counting rows, when asked for.
    progress: Option<crate::progress::Progress>,
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
            rows: 0,
            progress: None,
        }
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

    /// Writes one row of a many-row output that `template` lays out whole
    /// (binarize's 0/1 rows), after `layout`'s row prefix.
    pub fn write_row(&mut self, layout: &Layout, row: &[u8]) -> io::Result<()> {
        let mut prefix = Vec::new();
        layout.row_prefix(&mut prefix, self.rows);
        self.rows += 1;
        self.advance();
        self.write_bytes(&prefix)?;
        self.write_bytes(row)
    }

    /// Ends a many-row output written with [`Output::write_row`].
    pub fn end_rows(&mut self, layout: &Layout) -> io::Result<()> {
        if self.rows == 0 && layout.format == OutputFormat::Json {
            return self.write_bytes(b"[]\n");
        }
        self.write_bytes(layout.rows_end())
    }

    /// Writes bytes as they are (the caller supplies the newline).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer
            .write_all(bytes)
            .map_err(|e| self.write_error(e))
    }

    /// Flushes, and with `-o FILE` puts the new content in place.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
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

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary file, then die of
/// the same signal, as the process would without a handler (the shell sees
/// 128 + the signal's number: 130, 143, 129). Installed only when `-o FILE`
/// is used, so that otherwise the signals keep their default action.
#[cfg(unix)]
fn install_signal_handler() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    HANDLER.call_once(|| {
        // Without a handler (the registration failed) a signal still kills
        // the process, leaving the temporary file but never a partial FILE.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process ends: a commit cannot start meanwhile.
                let pending = lock_pending();
                if let Some(path) = pending.as_deref() {
                    let _ = fs::remove_file(path);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // Only if the signal could not be raised again.
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Elsewhere a termination leaves the temporary file (never a partial FILE).
#[cfg(not(unix))]
fn install_signal_handler() {}
