//! `-o FILE` never leaves a half-written FILE: the output goes to a
//! temporary file beside it (same directory, so the final rename cannot
//! cross file systems), which is synced and renamed over FILE only when
//! the command succeeds. On an error the temporary file is removed as the
//! error unwinds; on SIGINT, SIGTERM or SIGHUP a handler removes it and
//! raises the signal again. Either way FILE keeps its old content. A FILE
//! the user could not write with `>` is refused; a replaced FILE keeps its
//! mode, and its owner and group where the user may set them. FILE is
//! replaced, so other hard links to it keep the old content.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use tempfile::NamedTempFile;

/// A temporary file that becomes FILE on [`Replacement::commit`] and is
/// removed otherwise (when dropped, or by the signal handler).
pub(super) struct Replacement {
    /// Taken by `commit`.
    temp: Option<NamedTempFile>,
    target: PathBuf,
}

/// The temporary files to remove if a termination signal arrives (one
/// per file a command writes: `-o` and `--save-classes`). The handler and
/// `commit` both hold the lock while they act, so a signal either removes
/// a file before its rename or finds it gone from the list.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

impl Replacement {
    pub(super) fn beside(path: &Path, existing: Option<&fs::Metadata>) -> io::Result<Replacement> {
        // Through a symlink, replace the file it points to, not the link;
        // a dangling link's target is created, as `> link` creates it.
        let target = link_target(path)?;
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
        if existing.is_some() {
            // `-o` does not do what `> FILE` would refuse: replacing a file
            // the user may not write (the directory's permission alone
            // would let the rename through). Opening it to write, without
            // truncating, asks the same question `>` asks.
            fs::File::options().write(true).open(&target)?;
        }
        let temp = builder.tempfile_in(dir)?;
        if let Some(existing) = existing {
            // Keep the mode of the file being replaced, and its owner and
            // group where this user may set them (root may; others may
            // keep a group they belong to); where not, the new file is the
            // user's own, as after `cp`.
            fs::set_permissions(temp.path(), existing.permissions())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let (uid, gid) = (existing.uid(), existing.gid());
                if std::os::unix::fs::chown(temp.path(), Some(uid), Some(gid)).is_err() {
                    let _ = std::os::unix::fs::chown(temp.path(), None, Some(gid));
                }
            }
        }
        pending.push(temp.path().to_owned());
        Ok(Replacement {
            temp: Some(temp),
            target,
        })
    }

    pub(super) fn file(&self) -> &File {
        self.temp.as_ref().expect("not committed").as_file()
    }

    /// Puts the content on disk, so that the rename of [`Replacement::commit`]
    /// is all that is left to do.
    pub(super) fn sync(&self) -> io::Result<()> {
        self.file().sync_all()
    }

    pub(super) fn commit(mut self) -> io::Result<()> {
        let temp = self.temp.take().expect("committed once");
        // Held until the rename is done: a signal meanwhile waits, then
        // finds the file gone from the list.
        let mut pending = lock_pending();
        // On failure `persist` hands the file back; dropping it removes it.
        let path = temp.path().to_owned();
        let result = temp.persist(&self.target).map(drop).map_err(|e| e.error);
        pending.retain(|p| *p != path);
        result
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        // The temporary file itself is removed by NamedTempFile's drop.
        if let Some(temp) = &self.temp {
            lock_pending().retain(|p| p != temp.path());
        }
    }
}

/// Links followed at most, as the kernel's own limit (ELOOP) is 40.
const MAX_LINKS: usize = 40;

/// Where writing to `path` lands: the end of its chain of symbolic links,
/// which need not exist yet (a dangling link), or `path` itself.
pub(super) fn link_target(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = fs::read_link(&target)?;
                // Relative to the link's directory; an absolute one replaces it.
                target = match target.parent() {
                    Some(dir) => dir.join(next),
                    None => next,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

fn lock_pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
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
                for path in pending.iter() {
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
