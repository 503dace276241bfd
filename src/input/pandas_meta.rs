//! pandas' index, as pyarrow describes it in the `pandas` metadata of a
//! Parquet or Feather schema (`index_columns`): the columns that hold it,
//! or the RangeIndex it is when no column does.
//!
//! pyarrow stores a RangeIndex (pandas' default, and what a reversed frame
//! or a slice still has) as metadata alone, `{"kind": "range", "start",
//! "stop", "step"}`, and any other index as columns: one
//! (`__index_level_0__`, or the index's name), or one per level of a
//! MultiIndex. Each is the table's index, never a class, and rows pair by
//! its labels as by a CSV index column (see `cmd/pairing/columns.rs`).

use arrow_schema::Schema;
use serde_json::Value;

/// How pandas stored a frame's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PandasIndex {
    /// No index pandas described (or one described in a way not known here).
    None,
    /// One column holds it.
    Column(String),
    /// A RangeIndex, stored as metadata alone, and its name.
    Range(IndexRange, Option<String>),
    /// A MultiIndex: the columns of its levels, in order.
    Levels(Vec<String>),
}

/// A table's index as pandas' metadata describes it, where that tells more
/// than which field the index is: a RangeIndex (no column holds it), or
/// the levels of a MultiIndex (one field holds their tuples).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexForm {
    Range(IndexRange),
    /// The levels' names, in order.
    Levels(Vec<String>),
}

/// A RangeIndex: row `i`'s label is `start + i·step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRange {
    pub start: i64,
    pub step: i64,
}

impl IndexRange {
    /// Row `row`'s label (0-based row), as text: what a CSV index column
    /// written by `to_csv()` holds for it.
    pub(super) fn label(&self, row: u64, text: &mut String) {
        let label = i128::from(self.start) + i128::from(row) * i128::from(self.step);
        text.push_str(&label.to_string());
    }

    /// pandas' default index, 0, 1, 2, …: the rows are in the frame's
    /// first order, neither reordered nor filtered.
    pub fn is_default(&self) -> bool {
        self.start == 0 && self.step == 1
    }
}

/// How the index of the table with `schema` is stored, from its `pandas`
/// metadata.
pub(super) fn pandas_index(schema: &Schema) -> PandasIndex {
    let Some(meta) = schema.metadata().get("pandas") else {
        return PandasIndex::None;
    };
    let Ok(meta) = serde_json::from_str::<Value>(meta) else {
        return PandasIndex::None;
    };
    let Some(entries) = meta.get("index_columns").and_then(Value::as_array) else {
        return PandasIndex::None;
    };
    let present = |name: &str| schema.fields().iter().any(|f| f.name() == name);
    match entries.as_slice() {
        [Value::String(name)] if present(name) => PandasIndex::Column(name.clone()),
        [Value::Object(range)] => match index_range(range) {
            // Named as pyarrow names an unnamed index it stores as a column.
            Some(r) => PandasIndex::Range(r, range_name(range)),
            None => PandasIndex::None,
        },
        // Every level the table holds is an index level, never a class,
        // also when another was dropped from the table (its rows then pair
        // by the levels left).
        levels if levels.len() > 1 => {
            let names: Vec<String> = levels
                .iter()
                .filter_map(|level| level.as_str().filter(|n| present(n)).map(str::to_owned))
                .collect();
            match names.len() {
                0 => PandasIndex::None,
                _ => PandasIndex::Levels(names),
            }
        }
        _ => PandasIndex::None,
    }
}

/// A `{"kind": "range", …}` entry as a range; `None` for another kind, or
/// a range pandas could not have written (a step of 0).
fn index_range(entry: &serde_json::Map<String, Value>) -> Option<IndexRange> {
    if entry.get("kind")?.as_str()? != "range" {
        return None;
    }
    let start = entry.get("start")?.as_i64()?;
    let step = entry.get("step")?.as_i64().filter(|&s| s != 0)?;
    Some(IndexRange { start, step })
}

/// A range entry's name (`None` for pandas' unnamed default).
fn range_name(entry: &serde_json::Map<String, Value>) -> Option<String> {
    entry.get("name")?.as_str().map(str::to_owned)
}

/// The label of a MultiIndex row, from its levels' texts: a tuple as
/// Python writes it, strings quoted (`(0, 'v1')`), so that distinct tuples
/// never read alike.
pub(super) fn tuple_label(levels: &[(String, bool)], text: &mut String) {
    text.push('(');
    for (i, (level, quoted)) in levels.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        if *quoted {
            text.push('\'');
            for c in level.chars() {
                if matches!(c, '\'' | '\\') {
                    text.push('\\');
                }
                text.push(c);
            }
            text.push('\'');
        } else {
            text.push_str(level);
        }
    }
    text.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field};
    use std::collections::HashMap;

    fn schema(columns: &[&str], meta: &str) -> Schema {
        let fields: Vec<Field> = (columns.iter())
            .map(|c| Field::new(*c, DataType::Int64, false))
            .collect();
        let metadata = HashMap::from([("pandas".to_owned(), meta.to_owned())]);
        Schema::new(fields).with_metadata(metadata)
    }

    #[test]
    fn index_columns_as_pyarrow_writes_them() {
        let range = r#"{"index_columns": [{"kind": "range", "name": null, "start": 2, "stop": -1, "step": -1}]}"#;
        let PandasIndex::Range(r, None) = pandas_index(&schema(&["cat"], range)) else {
            panic!("a range");
        };
        let mut text = String::new();
        r.label(2, &mut text);
        assert_eq!((text.as_str(), r.is_default()), ("0", false));
        let column = r#"{"index_columns": ["__index_level_0__"]}"#;
        assert_eq!(
            pandas_index(&schema(&["cat", "__index_level_0__"], column)),
            PandasIndex::Column("__index_level_0__".into())
        );
        let levels = r#"{"index_columns": ["fold", "aug"]}"#;
        assert_eq!(
            pandas_index(&schema(&["cat", "fold", "aug"], levels)),
            PandasIndex::Levels(vec!["fold".into(), "aug".into()])
        );
        // A level the table lacks: the levels it holds are the index
        // (never classes).
        assert_eq!(
            pandas_index(&schema(&["cat", "fold"], levels)),
            PandasIndex::Levels(vec!["fold".into()])
        );
        let step0 = r#"{"index_columns": [{"kind": "range", "start": 0, "stop": 3, "step": 0}]}"#;
        assert_eq!(pandas_index(&schema(&["cat"], step0)), PandasIndex::None);
    }

    #[test]
    fn tuple_labels_are_unambiguous() {
        let label = |levels: &[(&str, bool)]| {
            let levels: Vec<(String, bool)> =
                levels.iter().map(|&(l, q)| (l.to_owned(), q)).collect();
            let mut text = String::new();
            tuple_label(&levels, &mut text);
            text
        };
        assert_eq!(label(&[("0", false), ("v1", true)]), "(0, 'v1')");
        assert_ne!(
            label(&[("a', 'b", true), ("c", true)]),
            label(&[("a", true), ("b', 'c", true)])
        );
    }
}
