//! Zip archives: NumPy's `.npz` (`np.savez`, `np.savez_compressed`) and
//! pandas' `to_csv("x.csv.zip")`. An archive of one member is that member;
//! of several, `FILE:NAME` names one (`x.npz:logits`, `.npy` optional).
//!
//! A stored member of a regular file (`np.savez`) is read where it lies, so
//! that a `.npy` in it is mapped as a `.npy` file is; a compressed one is
//! inflated on a thread of its own while the reader parses. Reading is done
//! by the `zip` crate, which checks each member's CRC at its end.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::pump::PumpedStream;
use super::{Content, HEAD_BYTES, Opened, PlainFile, read_error};
use crate::error::InputError;

/// How an archive's bytes are held: the file itself, or (from a pipe)
/// read whole.
pub(super) enum ArchiveBytes {
    File(File),
    Memory(Vec<u8>),
}

/// Opens `member` (or the one member) of the archive `bytes`; `name` is
/// the input's name in messages, `archive` the archive's.
pub(super) fn open_member(
    bytes: ArchiveBytes,
    member: Option<&str>,
    name: &str,
    archive: &str,
    is_stream: bool,
) -> Result<Opened, InputError> {
    match bytes {
        ArchiveBytes::File(file) => {
            let plain = file.try_clone().map_err(|e| read_error(name, &e))?;
            let zip = ZipArchive::new(file).map_err(|e| zip_error(archive, &e))?;
            open_in(zip, Some(plain), member, name, archive, is_stream)
        }
        ArchiveBytes::Memory(bytes) => {
            let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_error(archive, &e))?;
            open_in(zip, None, member, name, archive, is_stream)
        }
    }
}

fn open_in<R: Read + Seek + Send + 'static>(
    mut zip: ZipArchive<R>,
    plain: Option<File>,
    member: Option<&str>,
    name: &str,
    archive: &str,
    is_stream: bool,
) -> Result<Opened, InputError> {
    refuse_pytorch_file(&zip, archive)?;
    let index = choose_member(&zip, member, archive)?;
    let entry = zip.by_index_raw(index).map_err(|e| zip_error(name, &e))?;
    let (method, start, size) = (entry.compression(), entry.data_start(), entry.size());
    let encrypted = entry.encrypted();
    drop(entry);
    if encrypted {
        return Err(InputError::new(
            name,
            "an encrypted member, which mlloss does not read",
        ));
    }
    if let (CompressionMethod::Stored, Some(file), Some(start)) = (method, plain, start) {
        return open_stored(file, start, size, name, is_stream);
    }
    if !matches!(
        method,
        CompressionMethod::Stored | CompressionMethod::Deflated
    ) {
        let what = format!(
            "a member compressed with {method}, which mlloss does not read (it reads stored and deflated members)"
        );
        return Err(InputError::new(name, what));
    }
    let file = name.to_owned();
    let mut stream = PumpedStream::spawn("zip member reader", name, move |pump| {
        let describe = |e: &io::Error| format!("bad zip member data: {}", super::io_reason(e));
        match zip.by_index(index) {
            Ok(mut entry) => pump.send_all(&mut entry, describe),
            Err(e) => pump.fail(io::Error::other(zip_reason(&e))),
        }
    })?
    // A member is read from the archive's file or from memory.
    .reads_no_pipe(true);
    let head = stream.peek(HEAD_BYTES).map_err(|e| read_error(&file, &e))?;
    Ok(Opened {
        content: Content::of(head),
        stream: Box::new(stream),
        plain: None,
        is_stream,
    })
}

/// A member stored as it is, `size` bytes from `start` of `file`.
fn open_stored(
    mut file: File,
    start: u64,
    size: u64,
    name: &str,
    is_stream: bool,
) -> Result<Opened, InputError> {
    let file_len = file.metadata().map_err(|e| read_error(name, &e))?.len();
    if start.checked_add(size).is_none_or(|end| end > file_len) {
        return Err(InputError::new(
            name,
            "the archive says the member holds more bytes than the file has (a truncated file?)",
        ));
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.seek(SeekFrom::Start(start))
        .and_then(|_| {
            (&mut file)
                .take(size.min(HEAD_BYTES as u64))
                .read_to_end(&mut head)
        })
        .and_then(|_| file.seek(SeekFrom::Start(start)))
        .map_err(|e| read_error(name, &e))?;
    let mapped = file.try_clone().map_err(|e| read_error(name, &e))?;
    Ok(Opened {
        content: Content::of(&head),
        stream: Box::new(file.take(size)),
        plain: Some(PlainFile {
            file: mapped,
            start,
            len: size,
        }),
        is_stream,
    })
}

/// Refuses what `torch.save` writes: a zip whose members are
/// `NAME/data.pkl` (a pickle), `NAME/data/0`, … (the storages) and
/// `NAME/version`. Its members are no table or array mlloss reads (the
/// pickle says how the storages make tensors), so it is named, with what
/// to write instead, rather than listed as members to pick from.
fn refuse_pytorch_file<R: Read + Seek>(
    zip: &ZipArchive<R>,
    archive: &str,
) -> Result<(), InputError> {
    let names: Vec<String> = (0..zip.len())
        .filter_map(|i| Some(zip.name_for_index(i)?.ok()?.into_owned()))
        .collect();
    let is_pytorch = names.iter().any(|name| {
        name.strip_suffix("/data.pkl").is_some_and(|prefix| {
            !prefix.contains('/') && names.contains(&format!("{prefix}/version"))
        })
    });
    if is_pytorch {
        return Err(InputError::new(
            archive,
            "a PyTorch file (torch.save), which mlloss does not read: save the tensor with \
             np.save(path, t.numpy()) (t.detach().cpu().numpy() for one that needs grad or \
             is on a GPU) and give the .npy",
        ));
    }
    Ok(())
}

/// The index of the member named `member` (or `member.npy`), or of the
/// only member.
fn choose_member<R: Read + Seek>(
    zip: &ZipArchive<R>,
    member: Option<&str>,
    archive: &str,
) -> Result<usize, InputError> {
    let files: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| {
            let entry = zip.by_index_data(i).ok()?;
            let name = zip.name_for_index(i)?.ok()?.into_owned();
            (!entry.is_dir()).then_some((i, name))
        })
        .collect();
    let listed = || {
        let names: Vec<&str> = files
            .iter()
            .map(|(_, n)| n.strip_suffix(".npy").unwrap_or(n))
            .collect();
        names.join(", ")
    };
    match member {
        Some(wanted) => files
            .iter()
            .find(|(_, n)| n == wanted || n.strip_suffix(".npy") == Some(wanted))
            .map(|&(i, _)| i)
            .ok_or_else(|| {
                InputError::new(
                    archive,
                    format!(
                        "the archive holds no member {wanted:?} (it holds: {})",
                        listed()
                    ),
                )
            }),
        None => match files.as_slice() {
            [(i, _)] => Ok(*i),
            [] => Err(InputError::new(archive, "an archive with no members")),
            _ => {
                let first = files[0].1.strip_suffix(".npy").unwrap_or(&files[0].1);
                let how = if archive == "<stdin>" {
                    "give it as a file and name one, as FILE:NAME".to_owned()
                } else {
                    format!("name one, as {archive}:{first}")
                };
                let what = format!(
                    "the archive holds {} members ({}): {how}",
                    files.len(),
                    listed()
                );
                Err(InputError::new(archive, what))
            }
        },
    }
}

fn zip_error(file: &str, e: &ZipError) -> InputError {
    InputError::new(file, zip_reason(e))
}

fn zip_reason(e: &ZipError) -> String {
    match e {
        ZipError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "the zip archive ends early (a truncated file?)".to_owned()
        }
        ZipError::Io(e) => format!("cannot read: {}", super::io_reason(e)),
        ZipError::InvalidArchive(what) if what.contains("EOCD") => {
            "a zip archive without its directory at the end (a truncated file?)".to_owned()
        }
        e => format!("not a zip archive mlloss reads: {e}"),
    }
}
