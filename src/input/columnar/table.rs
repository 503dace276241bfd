//! A Parquet or Arrow IPC file opened as its schema and its record
//! batches, decoded as they are read; a panic of arrow-rs on a corrupt
//! file becomes an error.

use std::fs::File;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Schema};

use super::BATCH_VALUE_BYTES;
use crate::error::InputError;
use crate::input::Opened;
use crate::input::table_limits::{
    EndIsError, IPC_FILE_START, check_ipc_buffers, check_ipc_file, check_parquet_file,
    check_parquet_footer,
};

/// Which columnar format an input is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Columnar {
    Parquet,
    /// Arrow IPC file (Feather v2): `ARROW1` at both ends.
    IpcFile,
    /// Arrow IPC stream: messages one after the other.
    IpcStream,
}

impl Columnar {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Columnar::Parquet => "Parquet",
            Columnar::IpcFile | Columnar::IpcStream => "Arrow IPC",
        }
    }
}

/// A columnar file opened: its schema, and its batches as they are decoded.
pub(crate) struct Table {
    pub schema: Arc<Schema>,
    batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
}

/// A batch iterator that stops at the first error, its words ready.
fn batches<I, E>(iter: I) -> Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>
where
    I: Iterator<Item = Result<RecordBatch, E>> + Send + 'static,
    E: std::fmt::Display,
{
    Box::new(iter.map(|b| b.map_err(|e| e.to_string())))
}

impl Table {
    /// Opens `input` as `format`, decoding batches of about [`batch_rows`]
    /// rows; a panic of the decoder on a corrupt file is an error.
    pub(crate) fn open(format: Columnar, input: Opened, file: &str) -> Result<Table, InputError> {
        let open = std::panic::AssertUnwindSafe(|| Table::open_unguarded(format, input, file));
        let table = quiet_panic(open).map_err(|e| batch_error(file, format, &e))??;
        Ok(Table {
            schema: table.schema,
            batches: guarded(table.batches),
        })
    }

    fn open_unguarded(format: Columnar, input: Opened, file: &str) -> Result<Table, InputError> {
        let bad = |e: &dyn std::fmt::Display| batch_error(file, format, &e.to_string());
        let name = file;
        match format {
            Columnar::Parquet => Table::open_parquet(input, file),
            Columnar::IpcFile => {
                use arrow_ipc::reader::FileReader;
                let reader = match whole_file(&input) {
                    Some(file) => {
                        check_ipc_file(&file, IPC_FILE_START, name)?;
                        let reader = FileReader::try_new(file, None).map_err(|e| bad(&e))?;
                        (reader.schema(), batches(reader))
                    }
                    None => {
                        let bytes = crate::input::read_whole(
                            input.stream,
                            file,
                            "an Arrow IPC file from a pipe or an archive",
                        )?;
                        check_ipc_buffers(&bytes, IPC_FILE_START, name)?;
                        let reader = FileReader::try_new(std::io::Cursor::new(bytes), None)
                            .map_err(|e| bad(&e))?;
                        (reader.schema(), batches(reader))
                    }
                };
                Ok(Table {
                    schema: reader.0,
                    batches: reader.1,
                })
            }
            Columnar::IpcStream => {
                use arrow_ipc::reader::StreamReader;
                // A stream from a pipe cannot be looked at ahead: its
                // buffers are not checked (see `table_limits::check_ipc_buffers`).
                if let Some(file) = whole_file(&input) {
                    check_ipc_file(&file, 0, name)?;
                }
                let buffered = std::io::BufReader::with_capacity(1 << 18, input.stream);
                let reader = StreamReader::try_new(buffered, None).map_err(|e| bad(&e))?;
                Ok(Table {
                    schema: reader.schema(),
                    batches: batches(reader),
                })
            }
        }
    }

    /// [`Table::open`] of a Parquet file.
    fn open_parquet(input: Opened, file: &str) -> Result<Table, InputError> {
        use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
        use parquet::file::metadata::ParquetStatisticsPolicy;
        let name = file;
        // Statistics prune row groups for queries, which mlloss does not
        // make: not decoded, they take no memory.
        let options = ArrowReaderOptions::new()
            .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
            .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll)
            .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll);
        // The footer is at the end: a regular file is read where it lies,
        // anything else whole (bounded, as an archive from a pipe).
        fn table<T: parquet::file::reader::ChunkReader + 'static>(
            builder: ParquetRecordBatchReaderBuilder<T>,
        ) -> Result<Table, parquet::errors::ParquetError> {
            let schema = builder.schema().clone();
            let rows = batch_rows(&schema);
            let reader = builder.with_batch_size(rows).build()?;
            Ok(Table {
                schema,
                batches: batches(reader),
            })
        }
        match whole_file(&input) {
            Some(file) => {
                check_parquet_file(&file, name)?;
                ParquetRecordBatchReaderBuilder::try_new_with_options(EndIsError(file), options)
                    .and_then(table)
            }
            None => {
                let bytes = bytes::Bytes::from(crate::input::read_whole(
                    input.stream,
                    file,
                    "a Parquet file from a pipe or an archive",
                )?);
                let tail = bytes.len().saturating_sub(8);
                check_parquet_footer(&bytes[tail..], bytes.len() as u64, name)?;
                ParquetRecordBatchReaderBuilder::try_new_with_options(EndIsError(bytes), options)
                    .and_then(table)
            }
        }
        .map_err(|e| batch_error(name, Columnar::Parquet, &e.to_string()))
    }

    /// The batches, decoded on this thread (label lists).
    pub(crate) fn into_batches(
        self,
    ) -> Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send> {
        self.batches
    }
}

/// Batches whose decoding may panic on a corrupt file: the panic becomes
/// the error that ends them.
fn guarded(
    mut batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
) -> Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send> {
    let mut failed = false;
    Box::new(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let next = quiet_panic(std::panic::AssertUnwindSafe(|| batches.next()));
        match next {
            Ok(batch) => batch,
            Err(e) => {
                failed = true;
                Some(Err(e))
            }
        }
    }))
}

thread_local! {
    /// Set while running code whose panics are caught and reported as errors.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into an error in its words: arrow-rs' readers
/// can panic on a corrupt file, which mlloss must report as an error (one
/// line, exit 1), not as a crash. The panic's own message is not printed.
fn quiet_panic<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(f);
    QUIET.with(|q| q.set(false));
    result.map_err(|panic| {
        let why = (panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the decoder failed on corrupt data ({why})")
    })
}

/// Rows per batch: about [`BATCH_VALUE_BYTES`] of f64 values.
fn batch_rows(schema: &Schema) -> usize {
    let width: usize = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::FixedSizeList(_, n) => usize::try_from(*n).unwrap_or(1).max(1),
            _ => 1,
        })
        .sum();
    (BATCH_VALUE_BYTES / 8 / width.max(1)).clamp(64, 65_536)
}

/// The open regular file, when the input is one read as it is.
fn whole_file(input: &Opened) -> Option<File> {
    let plain = input.plain.as_ref()?;
    let len = plain.file.metadata().ok()?.len();
    (plain.start == 0 && plain.len == len)
        .then(|| plain.file.try_clone().ok())
        .flatten()
}

/// The error for a file arrow-rs cannot read, in its words without the
/// crate's own prefixes.
pub(super) fn batch_error(file: &str, format: Columnar, e: &str) -> InputError {
    let e = e.trim_start_matches("Parquet error: ");
    let e = e.trim_start_matches("Ipc error: ");
    // An error of mlloss' own reader (`EndIsError`), wrapped twice.
    let e = e.trim_start_matches("Parquet argument error: External: ");
    InputError::new(file, format!("not a readable {} file: {e}", format.name()))
}
