//! A record batch's rows converted to f64, row after row, each field
//! checked against the input's domain (a target in [0, 1], …), a null or
//! a ragged list an error at its row and column.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use super::{Field, FieldKind};
use crate::domain::Domain;
use crate::error::InputError;
use crate::format::f64_to_string;
use crate::input::count;

/// Where the rows being converted are, for messages.
pub(super) struct Place<'a> {
    pub(super) file: &'a str,
    /// The 0-based row in the input of the first row converted.
    pub(super) first_row: u64,
    pub(super) header: &'a [String],
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
pub(super) fn convert(
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
