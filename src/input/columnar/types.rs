//! Arrow types as mlloss reads them: which hold numbers or labels, how a
//! user would name them, and a cell as text.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;

use crate::format::f64_to_string;
use crate::label::LabelKind;

pub(super) fn is_number(data_type: &DataType) -> bool {
    is_integer(data_type)
        || matches!(
            data_type,
            DataType::Float64 | DataType::Float32 | DataType::Float16 | DataType::Boolean
        )
}

pub(super) fn is_integer(data_type: &DataType) -> bool {
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

/// A type as a user would name it.
pub(super) fn type_words(data_type: &DataType) -> String {
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

/// Element `i` of a numeric array as f64 (keys; the matrix's values go
/// through [`with_getter`]).
pub(super) fn number(array: &ArrayRef, i: usize) -> f64 {
    let mut value = f64::NAN;
    with_getter!(array, get => value = get(i));
    value
}

/// Appends the text of element `i` of `column`: a string as it is, an
/// integer in decimal, another number as Python prints it; nothing for a
/// null or another type.
pub(super) fn cell_text(column: &ArrayRef, i: usize, text: &mut String) {
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
/// What kind of labels a column (or a list column's items) holds.
pub(super) fn label_kind(data_type: &DataType) -> Option<LabelKind> {
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
