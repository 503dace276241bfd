//! Rows paired by key (`--key NAME`, or the index columns of both
//! inputs): each row of TARGETS (and of a weight file read row by row)
//! goes with the row of LOGITS that has the same key.
//!
//! While the keys come in the same order, rows pair by position as they
//! are cut, and each job's keys are compared row by row: streamed, no
//! memory per row. At the first key that differs, the rest of the partner
//! is read into an index in memory (its values, already in LOGITS' column
//! order: 8 bytes a class, plus about 120 bytes and the key a row), and
//! from then on each job's partner rows are looked up by LOGITS' keys, on
//! the thread that cuts the jobs (random reads of that index: about 5 µs
//! a row of 50 classes on the benchmark machine, against 1.4 µs in order). A key that one side lacks, or that comes twice, is an
//! error naming it and where it is.

use std::collections::HashMap;

use crate::error::{InputError, quote};
use crate::input::{ChunkLimit, Keys, MatrixReader, RowChunk};

/// An input whose rows pair with LOGITS' by key.
pub(crate) struct KeyedPartner {
    /// The key column's name, for messages.
    key: String,
    logits_file: String,
    index: Option<Index>,
    keys: Keys,
    /// The rows of the chunk being built, in LOGITS' order.
    values: Vec<f64>,
    /// Rows paired while the keys came in the same order, before the
    /// chunk where they stopped (not kept: a key missing from the index
    /// may be one of them, repeated in LOGITS).
    paired_in_order: u64,
    /// The keys (and LOGITS' lines) of that chunk's rows paired in order.
    in_order_keys: HashMap<Box<[u8]>, u64>,
}

/// The partner's rows from the first key out of order on.
#[derive(Default)]
struct Index {
    /// Each row's values, one row after the other.
    values: Vec<f64>,
    width: usize,
    /// Each key's row in `values`, its line, and whether a LOGITS row has
    /// taken it (a second one is a repeat).
    rows: HashMap<Box<[u8]>, (usize, u64, bool)>,
}

impl Index {
    fn insert(&mut self, key: &[u8], row: &[f64], line: u64) -> Result<(), u64> {
        self.width = row.len();
        let at = self.values.len() / self.width.max(1);
        if let Some(&(_, first, _)) = self.rows.get(key) {
            return Err(first);
        }
        self.values.extend_from_slice(row);
        self.rows.insert(key.into(), (at, line, false));
        Ok(())
    }
}

impl KeyedPartner {
    pub(crate) fn new(key: &str, logits_file: &str) -> Self {
        KeyedPartner {
            key: key.to_owned(),
            logits_file: logits_file.to_owned(),
            index: None,
            keys: Keys::default(),
            values: Vec::new(),
            paired_in_order: 0,
            in_order_keys: HashMap::new(),
        }
    }

    /// Makes `chunk` (cut from `reader` with as many rows as LOGITS' chunk,
    /// whose keys are `x_keys`) hold the partner rows of those keys, in
    /// their order.
    pub(crate) fn pair(
        &mut self,
        x_keys: &Keys,
        reader: &mut MatrixReader,
        chunk: &mut RowChunk,
    ) -> Result<(), InputError> {
        self.values.clear();
        let from = match self.index {
            Some(_) => 0,
            None => {
                chunk.keys(reader.info(), &mut self.keys)?;
                let differs = (0..x_keys.len())
                    .position(|i| i >= self.keys.len() || x_keys.get(i).0 != self.keys.get(i).0);
                let Some(first_different) = differs else {
                    self.paired_in_order += x_keys.len() as u64;
                    if x_keys.is_empty() && !self.keys.is_empty() {
                        // LOGITS has ended, the partner has not.
                        return Err(self.unpaired(reader.file(), self.keys.get(0)));
                    }
                    return Ok(());
                };
                // The rows before the first difference pair as they were cut.
                let width = read_rows(reader, chunk, 0, |values, _, _| {
                    self.values.extend_from_slice(values);
                    Ok(())
                })?;
                self.values.truncate(first_different * width);
                self.in_order_keys = (0..first_different)
                    .map(|i| (x_keys.get(i).0.into(), x_keys.get(i).1))
                    .collect();
                self.index_rest(reader, chunk, first_different)?;
                first_different
            }
        };
        for i in from..x_keys.len() {
            self.look_up(x_keys.get(i), reader.file())?;
        }
        let index = self.index.as_ref().expect("indexed");
        if x_keys.is_empty()
            && let Some((key, &(_, line, _))) = index
                .rows
                .iter()
                .filter(|(_, (_, _, taken))| !taken)
                .min_by_key(|(_, (_, line, _))| *line)
        {
            // LOGITS has ended: every partner row must have been paired.
            return Err(self.unpaired(reader.file(), (key, line)));
        }
        chunk.set_ordered_values(index.width, &self.values);
        Ok(())
    }

    /// Indexes the partner's rows from row `from` of `chunk` to the end of
    /// the input.
    fn index_rest(
        &mut self,
        reader: &mut MatrixReader,
        chunk: &RowChunk,
        from: usize,
    ) -> Result<(), InputError> {
        let mut index = Index::default();
        let (key_name, file) = (&self.key, reader.file().to_owned());
        let in_order = &self.in_order_keys;
        let mut add = |values: &[f64], line: u64, key: &[u8]| {
            // A key of the rows that paired in order, again here: repeated
            // in this input (its line there is LOGITS').
            let repeated = |first| {
                let what = format!("{key_name} {} is repeated{}", quote(key), first_at(first));
                InputError::new(&file, what).at_line_if_known(line)
            };
            if in_order.contains_key(key) {
                return Err(repeated(0));
            }
            index.insert(key, values, line).map_err(repeated)
        };
        read_rows(reader, chunk, from, &mut add)?;
        let mut rest = RowChunk::default();
        loop {
            reader.next_chunk(ChunkLimit::Bytes(1 << 20), &mut rest)?;
            if rest.row_count() == 0 {
                break;
            }
            read_rows(reader, &rest, 0, &mut add)?;
        }
        self.index = Some(index);
        Ok(())
    }

    /// Appends the partner row of LOGITS' row `key` (at `line`).
    fn look_up(&mut self, (key, line): (&[u8], u64), partner: &str) -> Result<(), InputError> {
        // A key of the rows that paired in order, again in LOGITS.
        if let Some(&first) = self.in_order_keys.get(key) {
            let what = format!("{} {} is repeated{}", self.key, quote(key), first_at(first));
            return Err(InputError::new(&self.logits_file, what).at_line_if_known(line));
        }
        let index = self.index.as_mut().expect("indexed");
        let what = match index.rows.get_mut(key) {
            Some((row, _, taken)) if !*taken => {
                *taken = true;
                let width = index.width;
                self.values
                    .extend_from_slice(&index.values[*row * width..(*row + 1) * width]);
                return Ok(());
            }
            Some(_) => format!("{} {} is repeated", self.key, quote(key)),
            // Rows of earlier chunks paired in order and were not kept:
            // the key may be among them, repeated here.
            None if self.paired_in_order > 0 => format!(
                "{} {} is not among the rows of {partner} after the {} that paired in order: \
                 repeated in {}, or not in {partner}",
                self.key,
                quote(key),
                crate::input::count(self.paired_in_order as usize, "row"),
                self.logits_file
            ),
            None => format!("{} {} is not in {partner}", self.key, quote(key)),
        };
        Err(InputError::new(&self.logits_file, what).at_line_if_known(line))
    }

    /// The error for a partner row whose key LOGITS lacks.
    fn unpaired(&self, partner: &str, (key, line): (&[u8], u64)) -> InputError {
        let what = format!("{} {} is not in {}", self.key, quote(key), self.logits_file);
        InputError::new(partner, what).at_line_if_known(line)
    }
}

/// Where a repeated key was first, when its rows have lines (a typed
/// table's have none: 0).
fn first_at(line: u64) -> String {
    match line {
        0 => String::new(),
        line => format!(" (first at line {line})"),
    }
}

/// Parses the rows of `chunk` from row `from` on, handing each one's
/// values (in LOGITS' column order), line and key to `each`; returns the
/// width of the rows.
fn read_rows(
    reader: &MatrixReader,
    chunk: &RowChunk,
    from: usize,
    mut each: impl FnMut(&[f64], u64, &[u8]) -> Result<(), InputError>,
) -> Result<usize, InputError> {
    let mut rows = chunk.rows(reader.info(), None);
    let (mut row, mut width) = (0, 0);
    while let Some((values, line, key)) = rows.next_keyed_row()? {
        width = values.len();
        if row >= from {
            each(values, line, key)?;
        }
        row += 1;
    }
    Ok(width)
}
