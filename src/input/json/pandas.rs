//! pandas' `to_json()` orients that write a table as one JSON object:
//! `"split"` (`{"columns": [...], "index": [...], "data": [[...], …]}`) is
//! turned into records (one object a row, as `orient="records"` writes
//! them) whose first key, named `""`, is pandas' index: an index column, as
//! the empty first header cell of pandas' CSV is, not a class, pairing rows
//! when both inputs have one.
//!
//! An object of objects is what orient `"columns"` (the default) writes,
//! and `"index"` too, rows and columns swapped, and no arrangement of its
//! keys tells which: `{"cat": {"0": …}}` is `"columns"` over pandas'
//! default index, and just as well `"index"` of a frame whose rows are
//! named and whose columns are 0, 1, … (`pd.DataFrame(a, index=ids)`), read
//! transposed. It is refused, naming the orients that say which is which
//! (`"records"`, `"split"`).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::InputError;

/// The table as records: the column names (the index first, named `""`,
/// when there is one), and the text of each record, one a line.
pub(super) struct Records {
    pub names: Vec<String>,
    pub text: Vec<u8>,
    /// Where each record's line ends in `text`.
    pub ends: Vec<usize>,
}

/// An object's members in the file's order.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(MembersVisitor)
    }
}

/// pandas' `split` orient.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Split<'a> {
    columns: Vec<String>,
    #[serde(borrow, default)]
    index: Option<Vec<&'a RawValue>>,
    #[serde(borrow)]
    data: Vec<Vec<&'a RawValue>>,
}

/// What to write instead of an object mlloss cannot read unambiguously.
const READ_ORIENTS: &str = "write it with to_json(orient=\"records\") or orient=\"split\", \
                            which mlloss reads";

/// The records of a JSON document that is one object, as pandas writes a
/// table with `to_json()`.
pub(super) fn records(text: &[u8], file: &str) -> Result<Records, InputError> {
    let error = |what: String| InputError::new(file, what);
    let members: Members =
        serde_json::from_slice(text).map_err(|e| crate::input::json_error(file, &e, 1))?;
    let keys: Vec<&str> = members.0.iter().map(|(k, _)| k.as_str()).collect();
    if keys.contains(&"data") && (keys.contains(&"columns") || keys.contains(&"schema")) {
        if keys.contains(&"schema") {
            return Err(error(format!(
                "a JSON object of pandas' orient=\"table\", which mlloss does not read: \
                 {READ_ORIENTS}"
            )));
        }
        let split: Split = serde_json::from_slice(text).map_err(|e| {
            error(format!(
                "a JSON object with \"columns\" and \"data\", but not as pandas' \
                 orient=\"split\" writes one: {}",
                e.to_string().split(" at line ").next().unwrap_or_default()
            ))
        })?;
        return from_split(split, file);
    }
    let mut nested = Vec::with_capacity(members.0.len());
    for (key, value) in &members.0 {
        match serde_json::from_str::<Members>(value.get()) {
            Ok(inner) => nested.push((key.as_str(), inner.0)),
            Err(_) => {
                return Err(error(format!(
                    "a JSON object whose member {key:?} is not an object: mlloss reads an \
                     object only as pandas' to_json() writes a table (orient \"columns\", \
                     \"index\" or \"split\"); {READ_ORIENTS}"
                )));
            }
        }
    }
    let outer_is_index =
        crate::input::pandas_default_labels(nested.iter().map(|(k, _)| k.as_bytes()));
    let inner_is_index = nested.first().is_some_and(|(_, first)| {
        crate::input::pandas_default_labels(first.iter().map(|(k, _)| k.as_bytes()))
    });
    // Orient "columns" over pandas' default index and orient "index" of
    // columns named 0, 1, … write the same shape: (false, true) is either,
    // so no arrangement of keys says which; both are refused.
    let keys = match (outer_is_index, inner_is_index) {
        (false, true) => {
            "its objects' keys are 0, 1, …: orient \"columns\" (the default) over pandas' \
             default index, or orient \"index\" of columns named 0, 1, …"
        }
        (true, true) => "both its keys and its objects' keys are 0, 1, …",
        (true, false) => {
            "its keys are 0, 1, …: orient \"index\" over pandas' default index, or \
             orient \"columns\" of columns named 0, 1, …"
        }
        (false, false) => {
            "neither its keys nor its objects' keys are pandas' default index (0, 1, …)"
        }
    };
    Err(error(format!(
        "a JSON object of objects, as pandas' to_json() writes with orient \"columns\" (the \
         default) and with orient \"index\", rows and columns swapped; {keys}, so the file does \
         not say which it is: {READ_ORIENTS}"
    )))
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `orient="split"`: the names, the index (if written) and the rows.
fn from_split(split: Split, file: &str) -> Result<Records, InputError> {
    let width = split.columns.len();
    let mut records = if split.index.is_some() {
        Records::with_names(split.columns.iter().map(String::as_str))
    } else {
        Records {
            names: split.columns.clone(),
            text: Vec::new(),
            ends: Vec::new(),
        }
    };
    if let Some(index) = &split.index
        && index.len() != split.data.len()
    {
        let what = format!(
            "an index of {} labels, but {} rows of data",
            index.len(),
            split.data.len()
        );
        return Err(InputError::new(file, what));
    }
    for (row, values) in split.data.iter().enumerate() {
        if values.len() != width {
            let what = format!(
                "ragged row: {} values, but \"columns\" names {width}",
                values.len()
            );
            return Err(InputError::new(file, what).at(row as u64 + 1, None));
        }
        match &split.index {
            Some(index) => records.push(index[row].get(), values.iter().copied()),
            None => records.push_unindexed(values.iter().copied()),
        }
    }
    Ok(records)
}

impl Records {
    /// No records yet, of the index and the columns `names`.
    fn with_names<'n>(names: impl Iterator<Item = &'n str>) -> Records {
        Records {
            names: std::iter::once(String::new())
                .chain(names.map(str::to_owned))
                .collect(),
            text: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Appends a record: `index` (JSON text), then a value a column.
    fn push<'v>(&mut self, index: &str, values: impl Iterator<Item = &'v RawValue>) {
        self.text.extend_from_slice(b"{\"\":");
        self.text.extend_from_slice(index.as_bytes());
        self.push_values(values, 1);
    }

    /// Appends a record without an index.
    fn push_unindexed<'v>(&mut self, values: impl Iterator<Item = &'v RawValue>) {
        self.text.push(b'{');
        self.push_values(values, 0);
    }

    fn push_values<'v>(&mut self, values: impl Iterator<Item = &'v RawValue>, first: usize) {
        for (i, value) in values.enumerate() {
            if i + first > 0 {
                self.text.push(b',');
            }
            self.text
                .extend_from_slice(json_string(&self.names[i + first]).as_bytes());
            self.text.push(b':');
            self.text.extend_from_slice(value.get().as_bytes());
        }
        self.text.extend_from_slice(b"}\n");
        self.ends.push(self.text.len());
    }
}
