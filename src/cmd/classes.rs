//! Class vocabularies shared by `binarize` and `loss --target-labels`:
//! `--classes`, `--classes-file`, `--classes-from`, and what to do with a
//! label that is not a class.

use std::collections::{BTreeSet, HashSet};

use clap::ValueEnum;

use crate::error::InputError;
use crate::format::python_str_repr;
use crate::input::{Format, HeaderMode, MatrixReader, Source};
use crate::label::{Label, LabelKind, LabelMap, json_number_text};

/// What to do with a label that is not in --classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Unknown {
    /// Ignore it, and name all such labels in one warning on stderr (scikit-learn's behaviour).
    Warn,
    /// Ignore it silently.
    Ignore,
    /// Stop with an error naming the label and its line.
    Error,
}

/// Class names from `--classes`, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassList(pub Vec<String>);

pub fn parse_classes(text: &str) -> Result<ClassList, String> {
    let mut seen = BTreeSet::new();
    let mut classes = Vec::new();
    for name in text.split(',').map(str::trim) {
        if name.is_empty() {
            return Err("a class name is empty".into());
        }
        if !seen.insert(name) {
            return Err(format!("class {name:?} is given twice"));
        }
        classes.push(name.to_owned());
    }
    Ok(ClassList(classes))
}

/// `--classes-file`: one class per line (a `\r\n` line end is fine);
/// surrounding spaces are trimmed as in --classes; an empty line or a
/// class named twice is an error at its line.
pub fn read_classes_file(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let source = Source::from_arg(path);
    let name = source.name();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut *source.open()?, &mut text)
        .map_err(|e| crate::input::read_error(&name, &e))?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| InputError::new(&name, "invalid UTF-8 in a class name"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen = BTreeSet::new();
    let mut classes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let class = line.trim();
        let at = |what: &str| InputError::new(&name, what).at(i as u64 + 1, None);
        if class.is_empty() {
            return Err(at("empty class name").into());
        }
        if !seen.insert(class) {
            return Err(at("class named twice").text(class.as_bytes()).into());
        }
        classes.push(class.to_owned());
    }
    if classes.is_empty() {
        return Err(InputError::new(&name, "no classes").into());
    }
    Ok(classes)
}

/// `--classes-from FILE`: the class names in a table's header, in order
/// (an index column, whose first cell is empty, left out).
pub fn classes_from_header(
    path: &std::path::Path,
    format: Option<Format>,
) -> anyhow::Result<Vec<String>> {
    let source = Source::from_arg(path);
    let format = Format::detect(&source, format);
    let reader = MatrixReader::open(
        &source,
        format,
        crate::domain::Domain::ANY,
        HeaderMode::Auto,
    )?;
    let Some(names) = reader.header_names() else {
        return Err(InputError::new(reader.file(), "no header of class names").into());
    };
    // The index (an empty first CSV cell, pandas' index in a typed table)
    // names no class.
    let index = reader.index_field();
    let classes = names.iter().enumerate().filter(|&(f, _)| Some(f) != index);
    Ok(classes.map(|(_, name)| name.clone()).collect())
}

/// Given classes (`--classes`, a header) by label: text labels by their
/// text, JSON numbers by value, so that `1` finds class `1.0` as in
/// scikit-learn (`classes=[1.0]` matches the label 1) and a `--save-classes`
/// file gives the same columns when read back. The first of two classes
/// equal as numbers takes the number.
#[derive(Debug, Default)]
pub struct ClassIndex(LabelMap<usize>);

impl ClassIndex {
    pub fn new(classes: &[String]) -> ClassIndex {
        let mut index = LabelMap::default();
        for (column, class) in classes.iter().enumerate() {
            let text = Label {
                text: class,
                kind: LabelKind::Text,
            };
            index.insert_new(text, column);
            if let Some(number) = json_number_text(class) {
                let number = Label {
                    text: &number,
                    kind: LabelKind::Number,
                };
                index.insert_new(number, column);
            }
        }
        ClassIndex(index)
    }

    pub fn get(&self, label: Label<'_>) -> Option<usize> {
        self.0.get(label)
    }
}

/// Labels that are not classes, for the warning scikit-learn prints.
#[derive(Debug, Default)]
pub struct UnknownLabels {
    /// Each label's text and whether it is a number; ordered by text, as
    /// scikit-learn's `sorted(unknown, key=str)`.
    seen: BTreeSet<(String, bool)>,
    /// The labels in `seen` by [`Label::key`] (and whether a number): a
    /// set of values, as Python's (`1` and `1.0` once, as first seen).
    keys: HashSet<(String, bool)>,
}

impl UnknownLabels {
    pub fn insert(&mut self, label: Label<'_>) {
        let number = label.kind == LabelKind::Number;
        if self.keys.insert((label.key().into_owned(), number)) {
            self.seen.insert((label.text.to_owned(), number));
        }
    }

    /// The warning, in scikit-learn's wording (so that scripts matching on
    /// it keep working): each label as Python's `repr` writes it, a number
    /// bare (`[0, 4]`), text quoted (`['q', 'y']`). Nothing if there are none.
    pub fn warn(&self) {
        if self.seen.is_empty() {
            return;
        }
        let names: Vec<String> = self
            .seen
            .iter()
            .map(|(text, number)| {
                if *number {
                    text.clone()
                } else {
                    python_str_repr(text)
                }
            })
            .collect();
        crate::error::warn(&format!(
            "unknown class(es) [{}] will be ignored",
            names.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_reject_duplicates_and_empties() {
        assert!(parse_classes("a,b,a").is_err());
        assert!(parse_classes("a,,b").is_err());
        assert_eq!(
            parse_classes("c, b").unwrap(),
            ClassList(vec!["c".into(), "b".into()])
        );
    }
}
