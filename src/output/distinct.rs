//! Two outputs of one command naming one file (`binarize -o F
//! --save-classes F`, two names of it through a link, or stdout redirected
//! to F) would each replace or overwrite the other: a usage error, found
//! before anything is written.

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic::link_target;
use crate::error::UsageError;

/// What an output is, to compare two: an existing regular file by its
/// device and inode (whatever name or link reaches it), a file still to
/// be created by where it will be created.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    NewFile(PathBuf),
}

/// Refuses outputs of `command` that are one file: each is the option that
/// names it (`-o`) and its path, `None` for stdout (which may be a file
/// too: `> F`).
pub fn check_distinct_outputs(
    command: &'static str,
    outputs: &[(&str, Option<&Path>)],
) -> Result<(), UsageError> {
    let identities: Vec<Option<Identity>> = outputs.iter().map(|(_, p)| identity(*p)).collect();
    for (i, a) in identities.iter().enumerate() {
        for (j, b) in identities.iter().enumerate().skip(i + 1) {
            if a.is_some() && a == b {
                let what = |k: usize| match outputs[k] {
                    (option, Some(path)) if !is_stdout(path) => {
                        format!("{option} {}", path.display())
                    }
                    _ => "stdout".to_owned(),
                };
                let message = format!(
                    "{} and {} are the same file: one output would replace the other (give each \
                     its own file)",
                    what(i),
                    what(j)
                );
                return Err(UsageError::new(command, message));
            }
        }
    }
    Ok(())
}

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-" || path == Path::new("/dev/stdout")
}

/// The output's identity; `None` for what is written in place (devices,
/// FIFOs: two writers there are the user's intent) or cannot be known (a
/// directory that does not exist: opening it fails anyway).
fn identity(path: Option<&Path>) -> Option<Identity> {
    let Some(path) = path.filter(|p| !is_stdout(p)) else {
        return stdout_identity();
    };
    match fs::metadata(path) {
        Ok(m) => regular_file_identity(&m),
        Err(_) => {
            let target = link_target(path).ok()?;
            let dir = match target.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let name = target.file_name()?;
            Some(Identity::NewFile(fs::canonicalize(dir).ok()?.join(name)))
        }
    }
}

#[cfg(unix)]
fn regular_file_identity(m: &fs::Metadata) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    m.is_file().then(|| Identity::Inode(m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn regular_file_identity(_: &fs::Metadata) -> Option<Identity> {
    None
}

/// Stdout redirected to a regular file (`> F`).
#[cfg(unix)]
fn stdout_identity() -> Option<Identity> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    regular_file_identity(&fs::File::from(fd).metadata().ok()?)
}

#[cfg(not(unix))]
fn stdout_identity() -> Option<Identity> {
    None
}
