//! What a thread needs to parse an input's rows, whatever its format:
//! the file and domain ([`MatrixInfo`]) and which fields become the
//! matrix's columns ([`Columns`], [`ColumnMap`]).

use std::sync::Arc;

use super::count;
use crate::domain::Domain;
use crate::error::InputError;

/// What a thread needs to parse an input's chunks.
#[derive(Debug, Clone)]
pub struct MatrixInfo {
    /// The input as messages name it.
    pub file: Arc<str>,
    pub domain: Domain,
    /// Which fields are the matrix's columns, when not all of them in order.
    pub columns: Option<Arc<ColumnMap>>,
    /// Rows of values are checked against `domain` as they are handed out
    /// (a view of a file whose reader checked another domain).
    pub check_values: bool,
}

/// Which fields of each row become the matrix's columns, in which order,
/// and which field keys the row: how the plan pairs inputs whose columns
/// are named in another order, or that have an index or key column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Fields in every row (the header's width).
    pub fields: usize,
    /// For each column of the matrix, the field it comes from.
    pub select: Vec<usize>,
    /// The field holding the row's key (an index or `--key` column).
    pub key: Option<usize>,
}

/// [`Columns`] ready for decoding: what each field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub columns: Columns,
    /// Per field: the matrix column it fills, or `None` (key, or left out).
    slots: Vec<Option<usize>>,
    /// When every field that is not a column comes first (an index or key
    /// in the first column, the usual case): how many; the rest of the row
    /// is then parsed by the fast path and reordered.
    lead: Option<usize>,
    /// With `lead`: the remaining fields are the columns in order (only an
    /// index or key was left out), so they need no reordering.
    in_order_after_lead: bool,
}

impl ColumnMap {
    pub fn new(columns: Columns) -> ColumnMap {
        let mut slots = vec![None; columns.fields];
        for (column, &field) in columns.select.iter().enumerate() {
            slots[field] = Some(column);
        }
        let lead = slots.iter().take_while(|s| s.is_none()).count();
        let lead = slots[lead..].iter().all(Option::is_some).then_some(lead);
        let in_order_after_lead = lead.is_some_and(|lead| {
            columns
                .select
                .iter()
                .enumerate()
                .all(|(column, &field)| field == lead + column)
        });
        ColumnMap {
            columns,
            slots,
            lead,
            in_order_after_lead,
        }
    }

    /// The matrix column that field `field` fills, if any.
    #[inline]
    pub(crate) fn slot(&self, field: usize) -> Option<usize> {
        self.slots.get(field).copied().flatten()
    }

    /// Leading fields that are not columns, if all such fields lead.
    pub(crate) fn lead(&self) -> Option<usize> {
        self.lead
    }

    /// Whether the fields after the leading ones are the columns in order.
    pub(crate) fn in_order_after_lead(&self) -> bool {
        self.in_order_after_lead
    }

    /// Puts `raw` (every field's value, in field order, or the fields after
    /// `skip` leading ones) into `values` in the matrix's order.
    #[inline]
    pub(crate) fn reorder(&self, raw: &[f64], skip: usize, values: &mut Vec<f64>) {
        values.clear();
        values.extend(self.columns.select.iter().map(|&field| raw[field - skip]));
    }

    /// The error for a row of `got` fields.
    pub(crate) fn ragged(&self, got: usize, file: &str, line: u64) -> InputError {
        let what = format!(
            "ragged row: {}, but the header has {}",
            count(got, "field"),
            self.columns.fields
        );
        InputError::new(file, what).at_line_if_known(line)
    }
}
