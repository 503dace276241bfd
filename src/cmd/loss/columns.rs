//! Pairing columns by name. When LOGITS and TARGETS (or a weight file of C
//! columns) both name their columns in a header, TARGETS' columns are
//! taken in LOGITS' order, and a name missing on one side or named twice
//! is an error; when only one side has names, columns pair by position and
//! a warning says so. A header whose first cell is empty (pandas' default
//! `to_csv`) marks an index column, which is not a class.

use crate::error::InputError;
use crate::input::{Columns, MatrixReader};

/// The class columns of an input with a header.
#[derive(Debug, Clone)]
struct Header<'r> {
    file: &'r str,
    fields: usize,
    /// The index column (a first cell with no name), if any.
    index: Option<usize>,
    /// Each class column's field and name, in the file's order.
    classes: Vec<(usize, &'r str)>,
}

impl<'r> Header<'r> {
    fn of(reader: &'r MatrixReader) -> Option<Header<'r>> {
        let names = reader.header_names()?;
        let index = names.first().filter(|n| n.trim().is_empty()).map(|_| 0);
        let classes = names
            .iter()
            .enumerate()
            .filter(|&(field, _)| Some(field) != index)
            .map(|(field, name)| (field, name.as_str()))
            .collect();
        Some(Header {
            file: reader.file(),
            fields: names.len(),
            index,
            classes,
        })
    }

    fn names(&self) -> impl Iterator<Item = &'r str> + '_ {
        self.classes.iter().map(|&(_, name)| name)
    }

    /// Its class columns in its own order: a map only if a field is left out.
    fn own_order(&self) -> Option<Columns> {
        self.index.map(|_| Columns {
            fields: self.fields,
            select: self.classes.iter().map(|&(field, _)| field).collect(),
            key: None,
        })
    }

    /// A name given twice, which would make pairing by name ambiguous.
    fn check_unique(&self, other: &Header<'_>) -> Result<(), InputError> {
        let mut seen = std::collections::HashSet::new();
        match self.names().find(|name| !seen.insert(*name)) {
            None => Ok(()),
            Some(name) => Err(InputError::new(
                self.file,
                format!(
                    "column {name:?} is named twice in the header (its columns are paired with {}'s by name)",
                    other.file
                ),
            )
            .at(1, None)),
        }
    }

    /// This input's class columns in `order`'s order, matched by name.
    fn in_order_of(&self, order: &Header<'_>) -> Result<Option<Columns>, InputError> {
        self.check_unique(order)?;
        order.check_unique(self)?;
        let paired = |what: String| {
            let why = format!("{what} (columns are paired by name)");
            InputError::new(self.file, why).at(1, None)
        };
        let mut select = Vec::with_capacity(order.classes.len());
        for name in order.names() {
            match self.classes.iter().find(|&&(_, mine)| mine == name) {
                Some(&(field, _)) => select.push(field),
                None => {
                    return Err(paired(format!(
                        "no column {name:?}, which {} has",
                        order.file
                    )));
                }
            }
        }
        if let Some(extra) = self.names().find(|name| !order.names().any(|n| n == *name)) {
            return Err(paired(format!("column {extra:?} is not in {}", order.file)));
        }
        let identity = select
            .iter()
            .enumerate()
            .all(|(column, &field)| column == field);
        Ok(
            (!identity || select.len() != self.fields).then_some(Columns {
                fields: self.fields,
                select,
                key: None,
            }),
        )
    }
}

/// How the columns of LOGITS and of one other input pair up.
#[derive(Debug, Default)]
pub(super) struct Pairing {
    /// The fields each one's matrix columns come from, when not all in order.
    pub(super) logits: Option<Columns>,
    pub(super) other: Option<Columns>,
    /// The warning to print when only one of the two has names.
    pub(super) warning: Option<String>,
}

/// Pairs the columns of `other` (TARGETS, or a weight file of C columns)
/// with LOGITS'.
pub(super) fn pair(logits: &MatrixReader, other: &MatrixReader) -> Result<Pairing, InputError> {
    match (Header::of(logits), Header::of(other)) {
        (Some(l), Some(o)) => Ok(Pairing {
            logits: l.own_order(),
            other: o.in_order_of(&l)?,
            warning: None,
        }),
        (l, o) => {
            let warning = match (&l, &o) {
                (Some(named), None) => Some(positional_warning(other.file(), named.file)),
                (None, Some(named)) => Some(positional_warning(logits.file(), named.file)),
                _ => None,
            };
            Ok(Pairing {
                logits: l.as_ref().and_then(Header::own_order),
                other: o.as_ref().and_then(Header::own_order),
                warning,
            })
        }
    }
}

/// The columns of a weight file: one value a row (or a row of one value)
/// needs no names; C values are paired with LOGITS' columns by name.
pub(super) fn pair_weights(
    logits: &MatrixReader,
    weights: &MatrixReader,
) -> Result<(Option<Columns>, Option<String>), InputError> {
    match Header::of(weights) {
        Some(w) if w.classes.len() == 1 => Ok((w.own_order(), None)),
        _ => pair(logits, weights).map(|p| (p.other, p.warning)),
    }
}

fn positional_warning(unnamed: &str, named: &str) -> String {
    format!(
        "mlloss: warning: {unnamed} has no header: its columns are paired with {named}'s by position"
    )
}
