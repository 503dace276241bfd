//! A column of label lists in a typed table, read row by row.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use super::table::{Columnar, Table};
use super::types::{cell_text, label_kind, type_words};
use crate::error::InputError;
use crate::input::{Opened, count};
use crate::label::LabelKind;

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

impl crate::input::labels::LabelSource for LabelColumn {
    fn next_sample(
        &mut self,
        sample: &mut crate::input::Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError> {
        LabelColumn::next_sample(self, sample, separator)
    }
}

impl LabelColumn {
    /// Opens `layout.column` of the table (or its only column).
    pub(crate) fn open(
        format: Columnar,
        input: Opened,
        file: &str,
        layout: &crate::input::LabelLayout,
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
        sample: &mut crate::input::Sample,
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
                kind => crate::input::labels::push_split(
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

/// Label `i` of a column of strings or integers, as text.
fn label_text(values: &ArrayRef, i: usize) -> String {
    let mut text = String::new();
    cell_text(values, i, &mut text);
    text
}
