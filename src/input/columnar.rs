//! Parquet and Arrow IPC (Feather v2, `.arrow`, file and stream forms):
//! tables of typed, named columns, read with arrow-rs as record batches
//! and turned into rows of numbers.
//!
//! Each numeric column (float64/32/16, every integer width, bool) is one
//! field, named by the column; a list or fixed-size list of numbers is a
//! row vector, one field per element, named `name[0]`, `name[1]`, …; text
//! columns are fields that can key the rows but are not numbers. The
//! header is these names, so every rule of the named tables applies
//! (matching by name, `--key`, `--logits-columns`); pandas' index column
//! (`__index_level_0__`, or the one its metadata names) is the index.
//!
//! The batches are decoded on a thread of their own, a batch of about a
//! megabyte of values at a time, while the rows of the previous one are
//! computed: memory stays a few batches, whatever the file's size, and a
//! Parquet file is read page by page, not row group by row group.

use std::fs::File;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::matrix::{ChunkLimit, Columns, Keys, MatrixInfo, MatrixSource, RowChunk};
use super::pandas_meta::{IndexRange, PandasIndex, pandas_index, tuple_label};
use super::table_limits::{
    IPC_FILE_START, check_ipc_buffers, check_ipc_file, check_parquet_file, check_parquet_footer,
};
use super::{IndexForm, Opened, count};
use crate::domain::Domain;
use crate::error::InputError;
use crate::format::f64_to_string;

/// Binds `$get` to a function from an index of the numeric array `$array`
/// to its value as f64, typed for the array's type, and runs `$body`.
macro_rules! with_getter {
    ($array:expr, $get:ident => $body:expr) => {{
        let array: &ArrayRef = $array;
        macro_rules! typed {
            ($t:ty, $to:expr) => {{
                let values = array.as_primitive::<$t>().values();
                #[allow(clippy::redundant_closure_call)]
                let $get = |i: usize| ($to)(values[i]);
                $body
            }};
        }
        match array.data_type() {
            DataType::Float64 => typed!(Float64Type, |v: f64| v),
            DataType::Float32 => typed!(Float32Type, f64::from),
            DataType::Float16 => typed!(Float16Type, |v: half::f16| v.to_f64()),
            DataType::Int8 => typed!(Int8Type, f64::from),
            DataType::Int16 => typed!(Int16Type, f64::from),
            DataType::Int32 => typed!(Int32Type, f64::from),
            DataType::Int64 => typed!(Int64Type, |v: i64| v as f64),
            DataType::UInt8 => typed!(UInt8Type, f64::from),
            DataType::UInt16 => typed!(UInt16Type, f64::from),
            DataType::UInt32 => typed!(UInt32Type, f64::from),
            DataType::UInt64 => typed!(UInt64Type, |v: u64| v as f64),
            DataType::Boolean => {
                let bools = array.as_boolean();
                let $get = |i: usize| f64::from(u8::from(bools.value(i)));
                $body
            }
            _ => {}
        }
    }};
}

/// Bytes of f64 values per decoded batch: small enough that a few batches
/// in flight stay a few megabytes, large enough to cost little per batch.
const BATCH_VALUE_BYTES: usize = 1 << 20;

/// Rows converted at a time within a block (see [`Converter::convert`]).
const CONVERT_TILE_ROWS: usize = 32;

/// Batches decoded and converted ahead of the rows being cut.
const BATCHES_IN_FLIGHT: usize = 2;

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
                        let bytes = super::read_whole(
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
                ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).and_then(table)
            }
            None => {
                let bytes = bytes::Bytes::from(super::read_whole(
                    input.stream,
                    file,
                    "a Parquet file from a pipe or an archive",
                )?);
                let tail = bytes.len().saturating_sub(8);
                check_parquet_footer(&bytes[tail..], bytes.len() as u64, name)?;
                ParquetRecordBatchReaderBuilder::try_new_with_options(bytes, options)
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

/// What a field of the matrix is.
#[derive(Debug, Clone)]
enum FieldKind {
    /// A number: the whole column.
    Number,
    /// Element `index` of a list column of numbers.
    Element(usize),
    /// Text (or another type): the column's type, in words.
    NotNumber(String),
    /// pandas' index where no one column holds it: its labels key the
    /// rows, and it has no values.
    Index(IndexKey),
}

/// Where the labels of an index that no one column holds come from.
#[derive(Debug, Clone)]
enum IndexKey {
    /// A RangeIndex: from the row's number.
    Range(IndexRange),
    /// A MultiIndex: the tuple of its levels, these columns.
    Levels(Vec<usize>),
}

/// The column of a field that is no column of the table.
const NO_COLUMN: usize = usize::MAX;

/// One field of the matrix: which column of the table, and what it is.
#[derive(Debug, Clone)]
struct Field {
    column: usize,
    kind: FieldKind,
}

/// A Parquet or Arrow IPC table as a numeric matrix.
pub(super) struct ColumnarSource {
    info: MatrixInfo,
    fields: Arc<Vec<Field>>,
    header: Arc<Vec<String>>,
    index: Option<usize>,
    index_form: Option<IndexForm>,
    /// The batches before the first chunk: the converting thread starts
    /// then, once the selection is known.
    start: Option<(Batches, Option<RecordBatch>)>,
    /// The converting thread may wait on a pipe (an IPC stream from one).
    may_block: bool,
    converted: Option<Converted>,
    /// The block being cut, and the first of its rows not cut yet.
    pending: Option<(Block, usize)>,
    /// The fields that are the matrix's columns (checked), and the key
    /// field: from [`MatrixSource::set_columns`], else every field.
    selected: Vec<bool>,
    key: Option<usize>,
    /// Whether a selection was given (without one, every field must be a number).
    selection_given: bool,
    /// A read error met after some rows of a chunk: reported by the next one.
    read_error: Option<InputError>,
    failed: bool,
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>;

impl ColumnarSource {
    pub(super) fn open(
        format: Columnar,
        input: Opened,
        info: &MatrixInfo,
    ) -> Result<ColumnarSource, InputError> {
        // Only an IPC stream is decoded as it is read; Parquet and IPC
        // files from a pipe are read whole before.
        let may_block = format == Columnar::IpcStream && input.is_stream;
        let table = Table::open(format, input, &info.file)?;
        let schema = table.schema.clone();
        let mut batches = table.batches;
        // A list of numbers of no fixed size tells its size in its first row.
        let mut first = None;
        let needs_first_row = schema
            .fields()
            .iter()
            .any(|f| list_of_numbers(f.data_type()).is_some_and(|fixed| fixed.is_none()));
        if needs_first_row {
            match batches.next() {
                Some(Ok(batch)) => first = Some(batch),
                Some(Err(e)) => return Err(batch_error(&info.file, format, &e)),
                None => {}
            }
        }
        let pandas = pandas_index(&schema);
        // A MultiIndex's levels are no fields: their tuple is the index.
        let levels: Vec<usize> = match &pandas {
            PandasIndex::Levels(names) => (names.iter())
                .filter_map(|name| schema.index_of(name).ok())
                .collect(),
            _ => Vec::new(),
        };
        let (mut fields, mut header) = layout(&schema, first.as_ref(), &levels, &info.file)?;
        let mut index_field = |key: IndexKey, name: String| {
            fields.push(Field {
                column: NO_COLUMN,
                kind: FieldKind::Index(key),
            });
            header.push(name);
            Some(fields.len() - 1)
        };
        let (index, index_form) = match pandas {
            PandasIndex::None => (None, None),
            PandasIndex::Column(name) => {
                let column = schema.index_of(&name).ok();
                let field = fields.iter().position(|f| Some(f.column) == column);
                (field, None)
            }
            PandasIndex::Range(range, name) => {
                // Named as pyarrow names an unnamed index it stores.
                let name = name.unwrap_or_else(|| "__index_level_0__".to_owned());
                let field = index_field(IndexKey::Range(range), name);
                (field, Some(IndexForm::Range(range)))
            }
            PandasIndex::Levels(names) => {
                let field =
                    index_field(IndexKey::Levels(levels), format!("({})", names.join(", ")));
                (field, Some(IndexForm::Levels(names)))
            }
        };
        Ok(ColumnarSource {
            info: info.clone(),
            selected: vec![true; fields.len()],
            fields: Arc::new(fields),
            header: Arc::new(header),
            index,
            index_form,
            start: Some((batches, first)),
            may_block,
            converted: None,
            pending: None,
            key: None,
            selection_given: false,
            read_error: None,
            failed: false,
        })
    }

    /// The next block with rows left, or `None` at the end.
    fn block(&mut self) -> Result<Option<(Block, usize)>, InputError> {
        if let Some((batches, first)) = self.start.take() {
            let converter = Converter {
                fields: self.fields.clone(),
                header: self.header.clone(),
                selected: self.selected.clone(),
                key: self.key,
                domain: self.info.domain,
                file: self.info.file.clone(),
            };
            self.converted = Some(Converted::start(converter, batches, first, self.may_block));
        }
        loop {
            if let Some((block, at)) = self.pending.take() {
                if at < block.rows {
                    return Ok(Some((block, at)));
                }
                if let Some(converted) = &self.converted {
                    converted.recycle(block);
                }
            }
            let Some(converted) = &mut self.converted else {
                return Ok(None);
            };
            match converted.next() {
                None => return Ok(None),
                Some(Ok(block)) => self.pending = Some((block, 0)),
                Some(Err(e)) => {
                    return Err(InputError::new(
                        &self.info.file,
                        format!("cannot read: {e} (a truncated or corrupt file?)"),
                    ));
                }
            }
        }
    }

    /// The first field the matrix takes that is not a number.
    fn not_number_selected(&self) -> Option<InputError> {
        let (field, what) = self
            .fields
            .iter()
            .enumerate()
            .find_map(|(i, f)| match &f.kind {
                FieldKind::NotNumber(what) if self.selected[i] => Some((i, what)),
                _ => None,
            })?;
        let name = &self.header[field];
        let hint = if self.selection_given {
            String::new()
        } else {
            format!(
                " (a key? --key {name}; or choose the classes with --logits-columns/--targets-columns)"
            )
        };
        Some(InputError::new(
            &self.info.file,
            format!("column {name:?} holds {what}, not numbers{hint}"),
        ))
    }
}

impl MatrixSource for ColumnarSource {
    fn next_chunk(&mut self, limit: ChunkLimit, chunk: &mut RowChunk) -> Result<(), InputError> {
        let width = self.fields.len();
        let want = match limit {
            ChunkLimit::Rows(r) => r,
            ChunkLimit::Bytes(b) => b.div_ceil(width.saturating_mul(8).max(1)),
        };
        let body = chunk.value_rows(width);
        if self.failed {
            return Ok(());
        }
        // Once, before the first rows: the selection is settled by then.
        if self.start.is_some()
            && let Some(error) = self.not_number_selected()
        {
            self.failed = true;
            return Err(error);
        }
        let mut keys = self.key.map(|_| Keys::default());
        let mut rows = 0;
        if let Some(error) = self.read_error.take() {
            self.failed = true;
            return Err(error);
        }
        while rows < want {
            let (mut block, at) = match self.block() {
                Ok(Some(block)) => block,
                Ok(None) => break,
                // The rows before a read error are handed out first.
                Err(error) if rows > 0 => {
                    self.read_error = Some(error);
                    break;
                }
                Err(error) => {
                    self.failed = true;
                    return Err(error);
                }
            };
            let take = (want - rows).min(block.rows - at);
            // A chunk of about so many bytes ends with a block, so that the
            // next one can take a whole block without copying it.
            let whole_block = matches!(limit, ChunkLimit::Bytes(_));
            let (take, bad) = match &block.bad {
                // The rows before a bad value are handed out first.
                Some((bad, error)) if *bad < at + take => {
                    body.bad_row = Some((rows + bad - at, error.clone()));
                    (bad - at + 1, true)
                }
                _ => (take, false),
            };
            if rows == 0 && at == 0 && take == block.rows {
                // The chunk is the whole block: its buffer, not a copy.
                std::mem::swap(&mut body.values, &mut block.values);
            } else {
                body.values
                    .extend_from_slice(&block.values[at * width..(at + take) * width]);
            }
            if let (Some(keys), Some(block_keys)) = (&mut keys, &block.keys) {
                for i in at..at + take {
                    let (key, line) = block_keys.get(i);
                    keys.push_key(key, line);
                }
            }
            rows += take;
            self.pending = Some((block, at + take));
            if bad {
                self.failed = true;
                break;
            }
            if whole_block {
                break;
            }
        }
        body.keys = keys;
        chunk.rows = rows;
        chunk.first_line = 0;
        chunk.source_bytes = rows * width * 8;
        Ok(())
    }

    fn header(&self) -> Option<&[String]> {
        Some(&self.header)
    }

    fn index_field(&self) -> Option<usize> {
        self.index
    }

    fn index_form(&self) -> Option<&IndexForm> {
        self.index_form.as_ref()
    }

    fn class_name(&self, field: usize) -> Option<&str> {
        let name = self.header.get(field)?;
        match self.fields[field].kind {
            // The text after the list's name: `logits[3]` is class `3`.
            FieldKind::Element(_) => name.rsplit_once('[').map(|(_, e)| e.trim_end_matches(']')),
            _ => Some(name),
        }
    }

    fn not_number(&self, field: usize) -> Option<String> {
        match &self.fields.get(field)?.kind {
            FieldKind::NotNumber(what) => Some(what.clone()),
            FieldKind::Index(_) => Some("pandas' index labels".to_owned()),
            _ => None,
        }
    }

    fn set_columns(&mut self, columns: &Columns) {
        self.selected = vec![false; self.fields.len()];
        for &field in &columns.select {
            if let Some(s) = self.selected.get_mut(field) {
                *s = true;
            }
        }
        self.key = columns.key;
        self.selection_given = true;
    }
}

/// Rows of a batch converted to f64, row after row, with their keys; a
/// bad value ends the block, its row the last.
struct Block {
    values: Vec<f64>,
    rows: usize,
    keys: Option<Keys>,
    bad: Option<(usize, InputError)>,
}

/// What the converting thread needs: the fields, which are the matrix's
/// (checked against the domain), and which keys the rows.
struct Converter {
    fields: Arc<Vec<Field>>,
    header: Arc<Vec<String>>,
    selected: Vec<bool>,
    key: Option<usize>,
    domain: Domain,
    file: Arc<str>,
}

impl Converter {
    /// Converts `batch`, whose first row is row `first_row` (0-based) of
    /// the input, into `values` (a recycled buffer).
    fn convert(&self, batch: &RecordBatch, first_row: u64, mut values: Vec<f64>) -> Block {
        let (rows, width) = (batch.num_rows(), self.fields.len());
        // Every value is written below: a recycled buffer of the right
        // size is not cleared first.
        values.resize(rows * width, 0.0);
        // Tiles of rows whose values fit in the L1 cache: the fields are
        // written across each row, column after column.
        let mut converted = Ok(());
        for tile in (0..rows).step_by(CONVERT_TILE_ROWS) {
            let n = CONVERT_TILE_ROWS.min(rows - tile);
            let place = Place {
                file: &self.file,
                first_row: first_row + tile as u64,
                header: &self.header,
            };
            let out = &mut values[tile * width..(tile + n) * width];
            let fields = &self.fields;
            converted = convert(
                batch,
                tile,
                n,
                fields,
                &self.selected,
                self.domain,
                &place,
                out,
            )
            .map_err(|(row, e)| (tile + row, e));
            if converted.is_err() {
                break;
            }
        }
        let keys = self.key.map(|field| {
            let mut keys = Keys::default();
            key_texts(
                batch,
                &self.fields[field],
                0,
                rows,
                first_row + 1,
                &mut keys,
            );
            keys
        });
        let bad = converted.err();
        Block {
            values,
            rows: bad.as_ref().map_or(rows, |(row, _)| row + 1),
            keys,
            bad,
        }
    }
}

/// Batches decoded and converted on a thread of their own, a few ahead;
/// dropping it stops and joins the thread.
struct Converted {
    blocks: Option<Receiver<Result<Block, String>>>,
    empty: SyncSender<Vec<f64>>,
    thread: Option<JoinHandle<()>>,
    /// The thread may be waiting for a pipe to write more: not joined.
    may_block: bool,
}

impl Converted {
    fn start(
        converter: Converter,
        batches: Batches,
        first: Option<RecordBatch>,
        may_block: bool,
    ) -> Converted {
        let (send, blocks) = sync_channel(BATCHES_IN_FLIGHT);
        let (empty, recycled) = sync_channel::<Vec<f64>>(BATCHES_IN_FLIGHT + 2);
        let thread = std::thread::spawn(move || {
            let mut first_row = 0u64;
            // An IPC batch may hold a million rows: converted a block of
            // about BATCH_VALUE_BYTES at a time, so memory stays flat.
            let width = converter.fields.len().max(1);
            let block_rows = (BATCH_VALUE_BYTES / 8 / width).clamp(64, 65_536);
            for batch in first.map(Ok).into_iter().chain(batches) {
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => {
                        let _ = send.send(Err(e));
                        return;
                    }
                };
                for offset in (0..batch.num_rows()).step_by(block_rows) {
                    let rows = block_rows.min(batch.num_rows() - offset);
                    let buffer = recycled.try_recv().unwrap_or_default();
                    let block = converter.convert(&batch.slice(offset, rows), first_row, buffer);
                    first_row += block.rows as u64;
                    let stop = block.bad.is_some();
                    if send.send(Ok(block)).is_err() || stop {
                        return;
                    }
                }
            }
        });
        Converted {
            blocks: Some(blocks),
            empty,
            thread: Some(thread),
            may_block,
        }
    }

    fn next(&mut self) -> Option<Result<Block, String>> {
        self.blocks.as_ref()?.recv().ok()
    }

    /// Hands a block's buffer back for another batch.
    fn recycle(&self, block: Block) {
        let _ = self.empty.try_send(block.values);
    }
}

impl Drop for Converted {
    fn drop(&mut self) {
        // The thread's next send fails once the receiver is gone, and it
        // ends. One that may be waiting for a pipe to write more (an IPC
        // stream) is joined only if it has ended already, else left to end
        // with the process rather than waited for.
        drop(self.blocks.take());
        if let Some(thread) = self.thread.take()
            && (!self.may_block || thread.is_finished())
        {
            let _ = thread.join();
        }
    }
}

/// Whether `data_type` is a list of numbers, and its fixed size if it has one.
fn list_of_numbers(data_type: &DataType) -> Option<Option<usize>> {
    match data_type {
        DataType::FixedSizeList(item, n) if is_number(item.data_type()) => {
            Some(usize::try_from(*n).ok())
        }
        DataType::List(item) | DataType::LargeList(item) if is_number(item.data_type()) => {
            Some(None)
        }
        _ => None,
    }
}

fn is_number(data_type: &DataType) -> bool {
    is_integer(data_type)
        || matches!(
            data_type,
            DataType::Float64 | DataType::Float32 | DataType::Float16 | DataType::Boolean
        )
}

fn is_integer(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// The matrix's fields and their names: a column each, a field per
/// element of a list of numbers (its size from `first`, the first batch,
/// when the type does not fix it); the columns of `levels` (a MultiIndex's)
/// are none.
fn layout(
    schema: &Schema,
    first: Option<&RecordBatch>,
    levels: &[usize],
    file: &str,
) -> Result<(Vec<Field>, Vec<String>), InputError> {
    let mut fields = Vec::new();
    let mut names = Vec::new();
    for (column, field) in schema.fields().iter().enumerate() {
        if levels.contains(&column) {
            continue;
        }
        let data_type = field.data_type();
        let name = field.name();
        if is_number(data_type) {
            fields.push(Field {
                column,
                kind: FieldKind::Number,
            });
            names.push(name.clone());
            continue;
        }
        let Some(size) = list_of_numbers(data_type) else {
            fields.push(Field {
                column,
                kind: FieldKind::NotNumber(type_words(data_type)),
            });
            names.push(name.clone());
            continue;
        };
        let size = match (size, first) {
            (Some(size), _) => size,
            (None, Some(batch)) => list_len(batch.column(column), 0).unwrap_or(0),
            (None, None) => 0,
        };
        if size == 0 && first.is_some() {
            let what = format!("column {name:?}: the first row's list is empty or null");
            return Err(InputError::new(file, what).at(1, Some(fields.len() as u64 + 1)));
        }
        for element in 0..size {
            fields.push(Field {
                column,
                kind: FieldKind::Element(element),
            });
            names.push(format!("{name}[{element}]"));
        }
    }
    Ok((fields, names))
}

/// A type as a user would name it.
fn type_words(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "strings".into(),
        DataType::Dictionary(_, value)
            if matches!(**value, DataType::Utf8 | DataType::LargeUtf8) =>
        {
            "strings (categorical)".into()
        }
        DataType::List(item) | DataType::LargeList(item) | DataType::FixedSizeList(item, _) => {
            format!("lists of {}", type_words(item.data_type()))
        }
        other => format!("values of type {other}"),
    }
}

/// The length of row `row`'s list in a list column, `None` for a null.
fn list_len(array: &ArrayRef, row: usize) -> Option<usize> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::List(_) => Some(array.as_list::<i32>().value_length(row) as usize),
        DataType::LargeList(_) => Some(array.as_list::<i64>().value_length(row) as usize),
        DataType::FixedSizeList(_, n) => usize::try_from(*n).ok(),
        _ => None,
    }
}

/// The error for a file arrow-rs cannot read, in its words without the
/// crate's own prefixes.
fn batch_error(file: &str, format: Columnar, e: &str) -> InputError {
    let e = e.trim_start_matches("Parquet error: ");
    let e = e.trim_start_matches("Ipc error: ");
    InputError::new(file, format!("not a readable {} file: {e}", format.name()))
}

/// Where the rows being converted are, for messages.
struct Place<'a> {
    file: &'a str,
    /// The 0-based row in the input of the first row converted.
    first_row: u64,
    header: &'a [String],
}

impl Place<'_> {
    /// An error at row `row` of those converted (0-based), field `field`.
    fn error(&self, row: usize, field: usize, what: impl Into<String>) -> InputError {
        let line = self.first_row + row as u64 + 1;
        InputError::new(self.file, what).at(line, Some(field as u64 + 1))
    }
}

/// Converts rows `at..at + rows` of `batch` into `out`, row after row; a
/// bad value's row (among those converted) and its error.
#[allow(clippy::too_many_arguments)]
fn convert(
    batch: &RecordBatch,
    at: usize,
    rows: usize,
    fields: &[Field],
    selected: &[bool],
    domain: Domain,
    place: &Place<'_>,
    out: &mut [f64],
) -> Result<(), (usize, InputError)> {
    let mut bad: Option<(usize, InputError)> = None;
    for (f, field) in fields.iter().enumerate() {
        if let FieldKind::NotNumber(_) | FieldKind::Index(_) = field.kind {
            for row in 0..rows {
                out[row * fields.len() + f] = f64::NAN;
            }
            continue;
        }
        let column = batch.column(field.column);
        // Every number is converted (a view of the same file may take
        // other columns), but only the matrix's own are checked.
        let slot = Slot {
            f,
            width: fields.len(),
            domain,
            checked: selected[f],
            place,
        };
        match field.kind {
            FieldKind::Number if column.null_count() == 0 => {
                with_getter!(column, get => slot.fill_plain(&get, at, rows, out, &mut bad));
            }
            FieldKind::Number => {
                let index = |row: usize| Ok(at + row);
                with_getter!(column, get => slot.fill(&get, column.nulls(), &index, rows, out, &mut bad));
            }
            FieldKind::Element(e) => {
                let size = width_of(fields, field.column);
                let index = |row: usize| {
                    let (start, len) = list_span(column, at + row);
                    if len == size {
                        Ok(start + e)
                    } else if column.is_null(at + row) {
                        Err("null list (a missing row of values)".to_owned())
                    } else {
                        Err(format!(
                            "ragged row: a list of {}, but the first row's has {size}",
                            count(len, "value")
                        ))
                    }
                };
                let values = match column.data_type() {
                    DataType::FixedSizeList(..) => column.as_fixed_size_list().values(),
                    DataType::List(_) => column.as_list::<i32>().values(),
                    DataType::LargeList(_) => column.as_list::<i64>().values(),
                    _ => continue,
                };
                with_getter!(values, get => slot.fill(&get, values.nulls(), &index, rows, out, &mut bad));
            }
            FieldKind::NotNumber(_) | FieldKind::Index(_) => {}
        }
        // Nothing before the first row can be handed out: stop early.
        if bad.as_ref().is_some_and(|(row, _)| *row == 0) {
            break;
        }
    }
    match bad {
        Some(bad) => Err(bad),
        None => Ok(()),
    }
}

/// Field `f` of every row being converted.
struct Slot<'a> {
    f: usize,
    width: usize,
    domain: Domain,
    /// Whether the field is the matrix's: else a bad value reads as NaN.
    checked: bool,
    place: &'a Place<'a>,
}

impl Slot<'_> {
    /// [`Slot::fill`] for a column without nulls: row `row`'s value is
    /// `get(at + row)`. The common case, kept to a plain copy.
    #[inline(always)]
    fn fill_plain(
        &self,
        get: &impl Fn(usize) -> f64,
        at: usize,
        rows: usize,
        out: &mut [f64],
        bad: &mut Option<(usize, InputError)>,
    ) {
        let (f, width) = (self.f, self.width);
        let slots = out.iter_mut().skip(f).step_by(width).take(rows);
        for (slot, i) in slots.zip(at..at + rows) {
            *slot = get(i);
        }
        if !self.checked {
            return;
        }
        let domain = self.domain;
        if let Some(row) = (0..rows).find(|&row| domain.check(get(at + row)).is_some()) {
            let value = get(at + row);
            let what = domain.check(value).unwrap_or_default();
            let text = f64_to_string(value);
            let error = self.place.error(row, f, what).text(text.as_bytes());
            if bad.as_ref().is_none_or(|(first, _)| row < *first) {
                *bad = Some((row, error));
            }
        }
    }

    /// Fills the field in `rows` rows of `out`: row `row`'s value is
    /// `get(index(row))`, unless `nulls` says it is null or `index` says
    /// what is wrong with the row. The first bad row goes into `bad`.
    #[inline(always)]
    fn fill(
        &self,
        get: &impl Fn(usize) -> f64,
        nulls: Option<&arrow_buffer::NullBuffer>,
        index: &impl Fn(usize) -> Result<usize, String>,
        rows: usize,
        out: &mut [f64],
        bad: &mut Option<(usize, InputError)>,
    ) {
        let (f, width, domain) = (self.f, self.width, self.domain);
        let nulls = nulls.filter(|n| n.null_count() > 0);
        let null_is_missing = domain.missing.is_some_and(f64::is_nan);
        let any = !self.checked;
        let mut note = |row: usize, error: InputError| {
            if bad.as_ref().is_none_or(|(first, _)| row < *first) {
                *bad = Some((row, error));
            }
        };
        for row in 0..rows {
            let i = match index(row) {
                Ok(i) => i,
                Err(_) if any => {
                    out[row * width + f] = f64::NAN;
                    continue;
                }
                Err(what) => {
                    out[row * width + f] = 0.0;
                    note(row, self.place.error(row, f, what));
                    break;
                }
            };
            if nulls.is_some_and(|n| n.is_null(i)) {
                out[row * width + f] = f64::NAN;
                if !null_is_missing && !any {
                    let name = &self.place.header[f];
                    let what = format!(
                        "null in column {name:?} (a missing value: in TARGETS, --ignore-value null masks it)"
                    );
                    note(row, self.place.error(row, f, what));
                    break;
                }
                continue;
            }
            let value = get(i);
            out[row * width + f] = value;
            if let Some(what) = domain.check(value).filter(|_| !any) {
                let text = f64_to_string(value);
                note(row, self.place.error(row, f, what).text(text.as_bytes()));
                break;
            }
        }
    }
}

/// How many fields column `column` has (a list's size).
fn width_of(fields: &[Field], column: usize) -> usize {
    fields.iter().filter(|f| f.column == column).count()
}

/// Where row `row`'s list starts in its values, and its length (0 for a null).
fn list_span(column: &ArrayRef, row: usize) -> (usize, usize) {
    if column.is_null(row) {
        return (0, 0);
    }
    match column.data_type() {
        DataType::FixedSizeList(..) => {
            let list = column.as_fixed_size_list();
            (list.value_offset_at(row), list.value_length() as usize)
        }
        DataType::List(_) => {
            let list = column.as_list::<i32>();
            (
                list.value_offsets()[row] as usize,
                list.value_length(row) as usize,
            )
        }
        DataType::LargeList(_) => {
            let list = column.as_list::<i64>();
            (
                list.value_offsets()[row] as usize,
                list.value_length(row) as usize,
            )
        }
        _ => (0, 0),
    }
}

/// Element `i` of a numeric array as f64 (keys; the matrix's values go
/// through [`with_getter`]).
fn number(array: &ArrayRef, i: usize) -> f64 {
    let mut value = f64::NAN;
    with_getter!(array, get => value = get(i));
    value
}

/// Appends the text of field `field` for rows `at..at + rows` to `keys`
/// (`line` is the first row's number).
fn key_texts(
    batch: &RecordBatch,
    field: &Field,
    at: usize,
    rows: usize,
    line: u64,
    keys: &mut Keys,
) {
    if let FieldKind::Index(index) = &field.kind {
        return index_texts(batch, index, at, rows, line, keys);
    }
    let column = batch.column(field.column);
    let mut text = String::new();
    for row in 0..rows {
        text.clear();
        cell_text(column, at + row, &mut text);
        keys.push_key(text.as_bytes(), line + row as u64);
    }
}

/// [`key_texts`] of an index that no one column holds: a RangeIndex's
/// labels from the rows' numbers, a MultiIndex's tuples from its levels.
fn index_texts(
    batch: &RecordBatch,
    index: &IndexKey,
    at: usize,
    rows: usize,
    line: u64,
    keys: &mut Keys,
) {
    let mut text = String::new();
    let mut levels: Vec<(String, bool)> = Vec::new();
    for row in 0..rows {
        text.clear();
        // `line` is 1-based, and the first of the batch's rows from `at`.
        let number = line + row as u64;
        match index {
            IndexKey::Range(range) => range.label(number - 1, &mut text),
            IndexKey::Levels(columns) => {
                levels.clear();
                for &c in columns {
                    let column = batch.column(c);
                    let mut level = String::new();
                    cell_text(column, at + row, &mut level);
                    levels.push((
                        level,
                        label_kind(column.data_type()) == Some(LabelKind::Str),
                    ));
                }
                tuple_label(&levels, &mut text);
            }
        }
        keys.push_key(text.as_bytes(), number);
    }
}

/// Appends the text of element `i` of `column`: a string as it is, an
/// integer in decimal, another number as Python prints it; nothing for a
/// null or another type.
fn cell_text(column: &ArrayRef, i: usize, text: &mut String) {
    if column.is_null(i) {
        return;
    }
    match column.data_type() {
        DataType::Utf8 => text.push_str(column.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => text.push_str(column.as_string::<i64>().value(i)),
        DataType::Utf8View => text.push_str(column.as_string_view().value(i)),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let value = match column.data_type() {
                DataType::Int64 => column.as_primitive::<Int64Type>().value(i),
                _ => number(column, i) as i64,
            };
            text.push_str(&value.to_string());
        }
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
            let value = match column.data_type() {
                DataType::UInt64 => column.as_primitive::<UInt64Type>().value(i),
                _ => number(column, i) as u64,
            };
            text.push_str(&value.to_string());
        }
        DataType::Dictionary(..) => {
            if let Some(dict) = column.as_any_dictionary_opt() {
                let key = dict.normalized_keys()[i];
                cell_text(dict.values(), key, text);
            }
        }
        data_type if is_number(data_type) => text.push_str(&f64_to_string(number(column, i))),
        _ => {}
    }
}

/// A column of label lists in a table (`binarize --column topics`,
/// `loss --target-labels`): a list of strings or of integers per row, or
/// one string (split with `--sep`) or integer per row.
pub(crate) struct LabelColumn {
    file: String,
    /// The column's name and index in the table.
    name: String,
    column: usize,
    batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
    pending: Option<(RecordBatch, usize)>,
    /// Rows read so far: the next row's number is one more.
    row: u64,
}

impl LabelColumn {
    /// Opens `layout.column` of the table (or its only column).
    pub(crate) fn open(
        format: Columnar,
        input: Opened,
        file: &str,
        layout: &super::LabelLayout,
    ) -> Result<LabelColumn, InputError> {
        let table = Table::open(format, input, file)?;
        let fields = table.schema.fields();
        let column = match &layout.column {
            Some(name) => fields
                .iter()
                .position(|f| f.name() == name)
                .ok_or_else(|| {
                    InputError::new(file, format!("no column named {name:?} in the table"))
                })?,
            None if fields.len() == 1 => 0,
            None => {
                let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
                let what = format!(
                    "a table of {} ({}): say which holds the labels with --column NAME",
                    count(names.len(), "column"),
                    names.join(", ")
                );
                return Err(InputError::new(file, what));
            }
        };
        let field = &fields[column];
        if label_kind(field.data_type()).is_none() {
            let what = format!(
                "column {:?} holds {}, not label lists (lists of strings or integers, or one string or integer a row)",
                field.name(),
                type_words(field.data_type())
            );
            return Err(InputError::new(file, what));
        }
        Ok(LabelColumn {
            file: file.to_owned(),
            name: field.name().clone(),
            column,
            batches: table.into_batches(),
            pending: None,
            row: 0,
        })
    }

    /// Reads the next row's labels into `sample`; `false` at the end.
    pub(crate) fn next_sample(
        &mut self,
        sample: &mut super::Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError> {
        sample.clear();
        let (batch, at) = loop {
            match self.pending.take() {
                Some((batch, at)) if at < batch.num_rows() => break (batch, at),
                _ => match self.batches.next() {
                    None => return Ok(false),
                    Some(Ok(batch)) => self.pending = Some((batch, 0)),
                    Some(Err(e)) => {
                        let what = format!("cannot read: {e} (a truncated or corrupt file?)");
                        return Err(InputError::new(&self.file, what));
                    }
                },
            }
        };
        self.row += 1;
        sample.line = self.row;
        let column = batch.column(self.column);
        let error = |what: String| {
            InputError::new(&self.file, what).at(self.row, Some(self.column as u64 + 1))
        };
        if column.is_null(at) {
            return Err(error(format!(
                "null in column {:?} (write an empty list for a sample without labels)",
                self.name
            )));
        }
        let (values, range) = match column.data_type() {
            DataType::List(_) => {
                let list = column.as_list::<i32>();
                let offsets = list.value_offsets();
                (
                    list.values(),
                    offsets[at] as usize..offsets[at + 1] as usize,
                )
            }
            DataType::LargeList(_) => {
                let list = column.as_list::<i64>();
                let offsets = list.value_offsets();
                (
                    list.values(),
                    offsets[at] as usize..offsets[at + 1] as usize,
                )
            }
            DataType::FixedSizeList(..) => {
                let list = column.as_fixed_size_list();
                let start = list.value_offset_at(at);
                (list.values(), start..start + list.value_length() as usize)
            }
            _ => (column, at..at + 1),
        };
        for i in range {
            if values.is_null(i) {
                return Err(error(format!("null label in column {:?}", self.name)));
            }
            let label = label_text(values, i);
            match label_kind(values.data_type()) {
                Some(LabelKind::Number) => sample.push(&label, 1, LabelKind::Number),
                kind => super::labels::push_split(
                    sample,
                    &label,
                    1,
                    kind.unwrap_or(LabelKind::Str),
                    separator,
                ),
            }
        }
        self.pending = Some((batch, at + 1));
        Ok(true)
    }
}

use crate::label::LabelKind;

/// What kind of labels a column (or a list column's items) holds.
fn label_kind(data_type: &DataType) -> Option<LabelKind> {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(LabelKind::Str),
        DataType::Dictionary(_, value)
            if matches!(**value, DataType::Utf8 | DataType::LargeUtf8) =>
        {
            Some(LabelKind::Str)
        }
        integer if is_integer(integer) => Some(LabelKind::Number),
        DataType::List(item) | DataType::LargeList(item) | DataType::FixedSizeList(item, _) => {
            match item.data_type() {
                DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => None,
                inner => label_kind(inner),
            }
        }
        _ => None,
    }
}

/// Label `i` of a column of strings or integers, as text.
fn label_text(values: &ArrayRef, i: usize) -> String {
    let mut text = String::new();
    cell_text(values, i, &mut text);
    text
}
