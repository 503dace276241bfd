//! JSON records, as pandas writes a table with `to_json(orient="records")`
//! (a document: an array of objects) or `orient="records", lines=True`
//! (JSON Lines of objects): each object is a row, its keys the column
//! names, in the first object's order. Every object must have exactly
//! those keys (in any order); one that lacks a key, or has another, is an
//! error naming it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::values::NumberSeed;
use crate::domain::Domain;
use crate::error::InputError;
use crate::input::columns::{ColumnMap, MatrixInfo};
use crate::input::json_error;
use crate::input::syntax::RowSyntax;

/// A JSON object per row, its keys the column names (`orient="records"`).
#[derive(Debug)]
pub(super) struct Records(pub(super) Arc<RecordNames>);

impl Records {
    fn record<'a>(
        &'a self,
        info: &'a MatrixInfo,
        map: Option<&'a ColumnMap>,
        line: u64,
    ) -> Record<'a> {
        Record {
            names: &self.0,
            map,
            domain: info.domain,
            file: &info.file,
            line,
        }
    }
}

impl RowSyntax for Records {
    fn decode(
        &self,
        record: &[u8],
        info: &MatrixInfo,
        line: u64,
        _: &mut Vec<f64>,
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let map = info.columns.as_deref();
        self.record(info, map, line).decode(record, key, values)
    }

    fn key(&self, record: &[u8], field: usize, info: &MatrixInfo, line: u64, key: &mut Vec<u8>) {
        key.extend_from_slice(&self.record(info, None, line).key(record, field));
    }
}

/// The column names of records, and each one's field.
#[derive(Debug)]
pub struct RecordNames {
    pub names: Vec<String>,
    fields: HashMap<String, usize>,
}

impl RecordNames {
    /// Records whose keys are `names`, in this order.
    pub(super) fn of_names(names: Vec<String>) -> Arc<RecordNames> {
        let fields = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Arc::new(RecordNames { names, fields })
    }

    /// The keys of the object `first`, in order; `None` if it is no object.
    pub(super) fn of_first(first: &[u8]) -> Option<Arc<RecordNames>> {
        let first = first.trim_ascii();
        if !first.starts_with(b"{") {
            return None;
        }
        let mut de = serde_json::Deserializer::from_slice(first);
        let names = KeysInOrder.deserialize(&mut de).ok()?;
        Some(Self::of_names(names))
    }
}

/// The keys of an object, in order.
struct KeysInOrder;

impl<'de> DeserializeSeed<'de> for KeysInOrder {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysInOrder {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(key);
        }
        Ok(keys)
    }
}

/// One record to decode.
struct Record<'a> {
    names: &'a RecordNames,
    map: Option<&'a ColumnMap>,
    domain: Domain,
    file: &'a str,
    line: u64,
}

impl Record<'_> {
    /// Parses one object into `values` in the matrix's order (its key
    /// field's value, as text, into `key`).
    fn decode(
        &self,
        text: &[u8],
        key: &mut Vec<u8>,
        values: &mut Vec<f64>,
    ) -> Result<(), InputError> {
        let text = text.trim_ascii();
        if text.is_empty() {
            return Err(
                InputError::new(self.file, "empty line in a numeric matrix").at(self.line, None)
            );
        }
        let columns = self
            .map
            .map_or(self.names.names.len(), |m| m.columns.select.len());
        values.clear();
        values.resize(columns, 0.0);
        let mut seen = vec![false; self.names.names.len()];
        let mut de = serde_json::Deserializer::from_slice(text);
        let seed = RecordSeed {
            record: self,
            seen: &mut seen,
            key,
            values,
        };
        seed.deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| json_error(self.file, &e, self.line))?;
        if let Some(missing) = seen.iter().position(|s| !s) {
            let what = format!(
                "the record lacks key {:?}, which the first record has",
                self.names.names[missing]
            );
            return Err(InputError::new(self.file, what).at_line_if_known(self.line));
        }
        Ok(())
    }

    /// The text of the key field's value in `text` (a string's contents,
    /// or a number as written).
    fn key(&self, text: &[u8], field: usize) -> Vec<u8> {
        let value: Result<HashMap<String, serde_json::Value>, _> = serde_json::from_slice(text);
        let name = &self.names.names[field];
        match value.ok().as_ref().and_then(|m| m.get(name)) {
            Some(serde_json::Value::String(s)) => s.as_bytes().to_vec(),
            Some(other) => other.to_string().into_bytes(),
            None => Vec::new(),
        }
    }
}

struct RecordSeed<'r, 'a> {
    record: &'r Record<'a>,
    seen: &'r mut Vec<bool>,
    key: &'r mut Vec<u8>,
    values: &'r mut Vec<f64>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object, as the first record is")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.record;
        let number = NumberSeed {
            bools: record.domain.takes_bools(),
        };
        while let Some(name) = map.next_key::<String>()? {
            let Some(&field) = record.names.fields.get(&name) else {
                return Err(de::Error::custom(format!(
                    "key {name:?} is not in the first record"
                )));
            };
            if std::mem::replace(&mut self.seen[field], true) {
                return Err(de::Error::custom(format!("key {name:?} is given twice")));
            }
            let column = match record.map {
                None => Some(field),
                Some(m) => m.slot(field),
            };
            if let Some(column) = column {
                let value = map.next_value_seed(number)?;
                if let Some(what) = record.domain.check(value) {
                    return Err(de::Error::custom(format!(
                        "{what} ({value}) at key {name:?}"
                    )));
                }
                self.values[column] = value;
            } else if record.map.is_some_and(|m| m.columns.key == Some(field)) {
                let value: serde_json::Value = map.next_value()?;
                self.key.clear();
                match value {
                    serde_json::Value::String(s) => self.key.extend_from_slice(s.as_bytes()),
                    other => self.key.extend_from_slice(other.to_string().as_bytes()),
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
