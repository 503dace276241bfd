//! Label lists in CSV/TSV: every field of a row, or one column's.

use std::io::BufRead;

use super::record::RecordReader;
use crate::error::InputError;
use crate::input::labels::{LabelLayout, LabelSource, Sample, push_split};
use crate::label::LabelKind;

/// A CSV/TSV of label lists: a row's fields are its labels, or with
/// `--column` one field is.
pub(super) struct DelimitedLabels {
    records: RecordReader<Box<dyn BufRead + Send>>,
    /// The field holding the labels when `--column` is given.
    column: Option<usize>,
}

impl DelimitedLabels {
    pub(super) fn open(
        reader: Box<dyn BufRead + Send>,
        file: &str,
        delimiter: u8,
        layout: &LabelLayout,
    ) -> Result<DelimitedLabels, InputError> {
        let mut records = RecordReader::new(reader, file, delimiter);
        let column = match &layout.column {
            None => None,
            Some(name) => Some(find_column(&mut records, name)?),
        };
        Ok(DelimitedLabels { records, column })
    }
}

impl LabelSource for DelimitedLabels {
    fn next_sample(
        &mut self,
        sample: &mut Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError> {
        let records = &mut self.records;
        if !records.next_record()? {
            return Ok(false);
        }
        sample.line = records.line();
        let fields = match self.column {
            Some(index) => {
                if records.field_count() <= index {
                    let what = format!(
                        "row has {} fields, but the label column is field {}",
                        records.field_count(),
                        index + 1
                    );
                    return Err(InputError::new(records.file(), what).at(records.line(), None));
                }
                index..index + 1
            }
            None => 0..records.field_count(),
        };
        for i in fields {
            let text = std::str::from_utf8(records.field(i))
                .map_err(|_| records.error_at(i, "invalid UTF-8"))?;
            push_split(sample, text, i as u64 + 1, LabelKind::Text, separator);
        }
        Ok(true)
    }
}

/// Reads the header row and finds the column named `name`.
fn find_column<R: BufRead>(records: &mut RecordReader<R>, name: &str) -> Result<usize, InputError> {
    if !records.next_record()? {
        return Err(InputError::new(
            records.file(),
            format!("no header row to find column {name:?} in"),
        ));
    }
    (0..records.field_count())
        .find(|&i| records.field(i).trim_ascii() == name.as_bytes())
        .ok_or_else(|| {
            InputError::new(
                records.file(),
                format!("no column named {name:?} in the header"),
            )
            .at(records.line(), None)
        })
}
