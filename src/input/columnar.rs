//! Parquet and Arrow IPC (Feather v2, `.arrow`, file and stream forms):
//! tables of typed, named columns, read with arrow-rs as record batches
//! and turned into rows of numbers.
//!
//! Each numeric column (float64/32/16, every integer width, bool) is one
//! field, named by the column; a list or fixed-size list of numbers is a
//! row vector, one field per element, named `name[0]`, `name[1]`, …; text
//! columns are fields that can key the rows but are not numbers. The
//! header is these names, so every rule of the named tables applies
//! (matching by name, `--key`, `--logits-columns`); pandas' index, as its
//! metadata describes it (`pandas_meta.rs`), is the index: a stored column,
//! or a field of its own for a RangeIndex or a MultiIndex's tuples.
//!
//! `table.rs` opens a file as record batches, `convert.rs` turns a batch's
//! rows into checked f64 values, and `labels.rs` reads a column of label
//! lists.
//!
//! The batches are decoded on a thread of their own, a batch of about a
//! megabyte of values at a time, while the rows of the previous one are
//! computed: memory stays a few batches, whatever the file's size, and a
//! Parquet file is read page by page, not row group by row group.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::chunk::{ChunkLimit, Keys, RowChunk};
use super::columns::{Columns, MatrixInfo};
use super::pandas_meta::{IndexRange, PandasIndex, pandas_index, tuple_label};
use super::source::MatrixSource;
use super::{IndexForm, Opened};
use crate::domain::Domain;
use crate::error::InputError;

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

mod convert;
pub(crate) mod format;
mod labels;
mod table;
mod types;

use crate::label::LabelKind;
use convert::{Place, convert};
use table::batch_error;
pub(crate) use table::{Columnar, Table};
use types::{cell_text, is_number, label_kind, type_words};

/// Bytes of f64 values per decoded batch: small enough that a few batches
/// in flight stay a few megabytes, large enough to cost little per batch.
const BATCH_VALUE_BYTES: usize = 1 << 20;

/// Rows converted at a time within a block (see [`Converter::convert`]).
const CONVERT_TILE_ROWS: usize = 32;

/// Batches decoded and converted ahead of the rows being cut.
const BATCHES_IN_FLIGHT: usize = 2;

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
    /// What the table is, for `--explain`.
    kind: Columnar,
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
        let mut batches = table.into_batches();
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
            kind: format,
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
    fn format_name(&self) -> Option<&'static str> {
        Some(match self.kind {
            Columnar::Parquet => "Parquet",
            Columnar::IpcFile => "Arrow IPC file (Feather)",
            Columnar::IpcStream => "Arrow IPC stream",
        })
    }

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
