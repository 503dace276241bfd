//! Pairing columns by name, and finding the key column.
//!
//! When LOGITS and TARGETS (or a weight file of C columns) both name their
//! columns in a header, TARGETS' columns are taken in LOGITS' order, and a
//! name missing on one side or named twice is an error; when only one side
//! has names, columns pair by position and a warning says so. A header
//! whose first cell is empty (pandas' default `to_csv`) marks an index
//! column, which is not a class; when both inputs have one, rows pair by
//! it, as by `--key NAME`, whose column is not a class either.

use super::select::{Selected, Spec, without_common_prefix};
use crate::error::{InputError, UsageError};
use crate::input::{Columns, IndexForm, MatrixReader};

/// The columns of an input with a header.
#[derive(Debug, Clone)]
struct Header<'r> {
    file: &'r str,
    fields: usize,
    /// The index column (a first cell with no name), if any.
    index: Option<usize>,
    /// The index is pandas' default RangeIndex (0, 1, 2, …): the rows are
    /// in the frame's first order.
    index_in_order: bool,
    /// The column whose values key the rows, if rows pair by key.
    key: Option<usize>,
    /// Each class column's field and name, in the file's order.
    classes: Vec<(usize, &'r str)>,
    /// The classes are the elements of a list column (a row vector): their
    /// names are positions, so they pair by position.
    positional: bool,
    /// The error for a class column that holds text (a typed table's), for
    /// when its classes are taken as they are.
    text_class: Option<InputError>,
}

/// What keys the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// `--key NAME`.
    Named(String),
    /// The index columns of both inputs.
    Index,
}

impl Key {
    /// How messages name the key: `id "s1" is not in targets.csv`.
    pub(crate) fn name(&self) -> &str {
        match self {
            Key::Named(name) => name,
            Key::Index => "index",
        }
    }
}

impl<'r> Header<'r> {
    /// The header of `reader`, if it has one; `key` names the key column,
    /// which it must then have.
    fn of(reader: &'r MatrixReader, key: Option<&Key>) -> Result<Option<Header<'r>>, InputError> {
        let Some(names) = reader.header_names() else {
            return Ok(None);
        };
        let index = reader.index_field();
        let key = match key {
            None => None,
            Some(Key::Index) => index,
            Some(Key::Named(name)) => match names.iter().position(|n| n == name) {
                Some(field) => Some(field),
                None => {
                    let what = format!("no column {name:?} (--key) in the header");
                    return Err(InputError::new(reader.file(), what).at(1, None));
                }
            },
        };
        let classes = names
            .iter()
            .enumerate()
            .filter(|&(field, _)| Some(field) != index && Some(field) != key)
            .map(|(field, _)| (field, reader.class_name(field)))
            .collect::<Vec<_>>();
        // A typed table's text column cannot be a class: most likely the
        // key that pairs the rows.
        let text_class = classes
            .iter()
            .find_map(|&(field, _)| Some((field, reader.not_number(field)?)))
            .map(|(field, what)| {
                let name = &names[field];
                let what = format!(
                    "column {name:?} holds {what}, not numbers (a key? --key {name}; or choose the classes with --logits-columns/--targets-columns)"
                );
                InputError::new(reader.file(), what)
            });
        let positional = !classes.is_empty()
            && classes
                .iter()
                .all(|&(field, class)| class != names[field].as_str());
        let index_in_order =
            matches!(reader.index_form(), Some(IndexForm::Range(r)) if r.is_default());
        Ok(Some(Header {
            file: reader.file(),
            fields: names.len(),
            index,
            index_in_order,
            key,
            classes,
            positional,
            text_class,
        }))
    }

    /// Fails if a class column holds no numbers.
    fn numbers(&self) -> Result<(), InputError> {
        self.text_class.clone().map_or(Ok(()), Err)
    }

    fn names(&self) -> impl Iterator<Item = &'r str> + '_ {
        self.classes.iter().map(|&(_, name)| name)
    }

    /// Its class columns in its own order: a map only if a field is left
    /// out or keys the rows.
    fn own_order(&self) -> Option<Columns> {
        (self.index.is_some() || self.key.is_some()).then(|| Columns {
            fields: self.fields,
            select: self.classes.iter().map(|&(field, _)| field).collect(),
            key: self.key,
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
        let all = select.len() == self.fields;
        Ok(
            (!identity || !all || self.key.is_some()).then_some(Columns {
                fields: self.fields,
                select,
                key: self.key,
            }),
        )
    }
}

/// How the columns of LOGITS and of one other input pair up.
#[derive(Debug, Default)]
pub(crate) struct Pairing {
    /// The fields each one's matrix columns come from, when not all in order.
    pub(crate) logits: Option<Columns>,
    pub(crate) other: Option<Columns>,
    /// The warning to print when only one of the two has names.
    pub(crate) warning: Option<String>,
    /// The class names in the matrix's order, when either side names them.
    pub(crate) classes: Option<Vec<String>>,
}

/// What keys the rows of LOGITS and TARGETS: `--key NAME`, which both must
/// have names for (a usage error otherwise), or the index columns of both.
pub(crate) fn key(
    name: Option<&str>,
    logits: &MatrixReader,
    targets: &MatrixReader,
) -> Result<Option<Key>, UsageError> {
    let Some(name) = name else {
        let index = |r: &MatrixReader| r.index_field().is_some();
        // Two RangeIndexes of one start and step label row k alike: the
        // rows pair in order, as without an index.
        let same_range = match (logits.index_form(), targets.index_form()) {
            (Some(IndexForm::Range(l)), Some(IndexForm::Range(t))) => l == t,
            _ => false,
        };
        return Ok((index(logits) && index(targets) && !same_range).then_some(Key::Index));
    };
    for reader in [logits, targets] {
        if reader.header_names().is_none() {
            return Err(UsageError::new(
                "loss",
                format!(
                    "--key {name} pairs rows by a named column, but {} has no header of names \
                     (.npy, JSON arrays and CSV without a header pair rows by position)",
                    reader.file()
                ),
            ));
        }
    }
    Ok(Some(Key::Named(name.to_owned())))
}

/// Pairs the columns of `other` (TARGETS, or a weight file of C columns)
/// with LOGITS'; with `key`, both have the key column.
pub(crate) fn pair(
    logits: &MatrixReader,
    other: &MatrixReader,
    key: Option<&Key>,
) -> Result<Pairing, InputError> {
    if key == Some(&Key::Index) {
        same_index_levels(logits, other)?;
    }
    let headers = (Header::of(logits, key)?, Header::of(other, key)?);
    for header in [&headers.0, &headers.1].into_iter().flatten() {
        header.numbers()?;
    }
    pair_headers(headers, logits.file(), other.file())
}

fn pair_headers(
    headers: (Option<Header<'_>>, Option<Header<'_>>),
    logits_file: &str,
    other_file: &str,
) -> Result<Pairing, InputError> {
    let names = |h: &Header<'_>| h.names().map(str::to_owned).collect();
    match headers {
        // A row vector's elements have no names: by position, quietly.
        (Some(l), Some(o)) if l.positional || o.positional => Ok(Pairing {
            logits: l.own_order(),
            other: o.own_order(),
            warning: None,
            classes: Some(names(if l.positional { &o } else { &l })),
        }),
        (Some(l), Some(o)) => Ok(Pairing {
            logits: l.own_order(),
            other: o.in_order_of(&l)?,
            // Rows that pair by key do not care; otherwise an index on one
            // side only may mean its rows were shuffled or filtered (not
            // when it is pandas' default 0, 1, 2, …).
            warning: match (l.key, l.index, o.index) {
                (None, Some(_), None) if !l.index_in_order => {
                    Some(one_index_warning(logits_file, other_file))
                }
                (None, None, Some(_)) if !o.index_in_order => {
                    Some(one_index_warning(other_file, logits_file))
                }
                _ => None,
            },
            classes: Some(names(&l)),
        }),
        (l, o) => {
            let warning = match (&l, &o) {
                (Some(named), None) => Some(unnamed_warning(other_file, named)),
                (None, Some(named)) => Some(unnamed_warning(logits_file, named)),
                _ => None,
            };
            Ok(Pairing {
                logits: l.as_ref().and_then(Header::own_order),
                other: o.as_ref().and_then(Header::own_order),
                warning,
                classes: l.as_ref().or(o.as_ref()).map(names),
            })
        }
    }
}

/// LOGITS' class columns when nothing pairs them by name (TARGETS are
/// label lists): all but an index, or `selection`; and their names.
pub(crate) fn logits_alone(
    logits: &MatrixReader,
    selection: Option<&Spec>,
) -> Result<(Option<Columns>, Option<Vec<String>>), InputError> {
    let header = Header::of(logits, None)?;
    if let Some(spec) = selection {
        let selected = spec.resolve("--logits-columns", logits)?;
        let columns = Columns {
            fields: logits.fields().unwrap_or(0),
            select: selected.fields,
            key: None,
        };
        return Ok((Some(columns), selected.names));
    }
    if let Some(header) = &header {
        header.numbers()?;
    }
    let names = header
        .as_ref()
        .map(|h| h.names().map(str::to_owned).collect());
    Ok((header.as_ref().and_then(Header::own_order), names))
}

/// The columns of a weight file.
#[derive(Debug, Default)]
pub(crate) struct WeightColumns {
    pub(crate) columns: Option<Columns>,
    pub(crate) warning: Option<String>,
    /// Whether its rows carry the key (then they pair by it when the file
    /// is read row by row).
    pub(crate) keyed: bool,
}

/// The columns of a weight file: one value a row (or a row of one value)
/// needs no names; C values are paired with LOGITS' columns by name. The
/// key column, when the file has it, is not a weight.
pub(crate) fn pair_weights(
    logits: &MatrixReader,
    weights: &MatrixReader,
    key: Option<&Key>,
) -> Result<WeightColumns, InputError> {
    // A file without the key column may still be a row of per-class weights.
    let has_key = |k: &&Key| matches!(Header::of(weights, Some(k)), Ok(Some(h)) if h.key.is_some());
    let weights_key = key.filter(has_key);
    let header = Header::of(weights, weights_key)?;
    if let Some(header) = &header {
        header.numbers()?;
    }
    match header {
        Some(w) if w.classes.len() == 1 => Ok(WeightColumns {
            columns: w.own_order(),
            warning: None,
            keyed: w.key.is_some(),
        }),
        header => {
            let logits_header = Header::of(logits, key)?;
            if let Some(header) = &logits_header {
                header.numbers()?;
            }
            let pairing = pair_headers((logits_header, header), logits.file(), weights.file())?;
            Ok(WeightColumns {
                keyed: pairing.other.as_ref().is_some_and(|c| c.key.is_some()),
                columns: pairing.other,
                warning: pairing.warning,
            })
        }
    }
}

/// How LOGITS' and TARGETS' columns pair when either selection is given:
/// the k-th selected column of one with the k-th of the other. A side
/// without a selection takes the other's names (both named), or all its
/// columns but an index or key (by position). When both sides' selected
/// columns have names, the names after their common prefixes must agree
/// (`p_cat` with `y_cat`).
pub(crate) fn pair_selected(
    selections: [Option<&Spec>; 2],
    logits: &MatrixReader,
    targets: &MatrixReader,
    key: Option<&Key>,
) -> Result<Pairing, InputError> {
    if key == Some(&Key::Index) {
        same_index_levels(logits, targets)?;
    }
    let (l_header, t_header) = (Header::of(logits, key)?, Header::of(targets, key)?);
    let resolve = |spec: Option<&Spec>, option: &str, reader: &MatrixReader| {
        spec.map(|s| s.resolve(option, reader)).transpose()
    };
    let l = resolve(selections[0], "--logits-columns", logits)?;
    let t = resolve(selections[1], "--targets-columns", targets)?;
    let all = |header: &Option<Header<'_>>, reader: &MatrixReader| match header {
        Some(h) => h.numbers().map(|()| Selected {
            fields: h.classes.iter().map(|&(f, _)| f).collect(),
            names: Some(h.names().map(str::to_owned).collect()),
        }),
        None => Ok(Selected {
            fields: (0..reader.fields().unwrap_or(0)).collect(),
            names: None,
        }),
    };
    let (l, t) = match (l, t) {
        (Some(l), None) => {
            let t = match by_names(&l, t_header.as_ref(), targets.file())? {
                Some(t) => t,
                None => all(&t_header, targets)?,
            };
            (l, t)
        }
        (l, t) => {
            let l = match l {
                Some(l) => l,
                None => all(&l_header, logits)?,
            };
            let t = match t {
                Some(t) => t,
                None => all(&t_header, targets)?,
            };
            check_names_agree(&l, &t, logits, targets)?;
            (l, t)
        }
    };
    if l.fields.len() != t.fields.len() {
        let what = format!(
            "{} columns selected{}, but {} has {}",
            t.fields.len(),
            label_list_hint(targets, &t.fields).unwrap_or_default(),
            logits.file(),
            l.fields.len()
        );
        return Err(InputError::new(targets.file(), what));
    }
    let columns =
        |selected: Selected, reader: &MatrixReader, header: &Option<Header<'_>>| Columns {
            fields: reader.fields().unwrap_or(0),
            select: selected.fields,
            key: header.as_ref().and_then(|h| h.key),
        };
    let warning = match (&l_header, &t_header) {
        (Some(named), None) => Some(positional_warning(targets.file(), named.file)),
        (None, Some(named)) => Some(positional_warning(logits.file(), named.file)),
        _ => None,
    };
    let classes = l.names.clone().or_else(|| t.names.clone());
    Ok(Pairing {
        logits: Some(columns(l, logits, &l_header)),
        other: Some(columns(t, targets, &t_header)),
        warning,
        classes,
    })
}

/// When `fields` are the elements of one list column (`labels[0]`, …),
/// which a list of labels would be, what to say of it: its length is its
/// first row's, and `--target-labels` reads such a list as labels.
fn label_list_hint(reader: &MatrixReader, fields: &[usize]) -> Option<String> {
    let names = reader.header_names()?;
    let lists: Vec<&str> = (fields.iter())
        .map(|&f| super::select::list_of(names.get(f)?))
        .collect::<Option<_>>()?;
    let list = *lists.first()?;
    lists.iter().all(|&l| l == list).then(|| {
        format!(
            " (the elements of list column {list:?}, as many as in its first row: if it holds each sample's labels, read it with --target-labels --column {list})"
        )
    })
}

/// The fields of `header` named as `selected`'s names, in their order,
/// when both have names; a name it lacks is an error.
fn by_names(
    selected: &Selected,
    header: Option<&Header<'_>>,
    file: &str,
) -> Result<Option<Selected>, InputError> {
    let (Some(names), Some(header)) = (&selected.names, header) else {
        return Ok(None);
    };
    let mut fields = Vec::with_capacity(names.len());
    for name in names {
        match header.classes.iter().find(|&&(_, n)| n == name) {
            Some(&(field, _)) => fields.push(field),
            None => {
                let what = format!(
                    "no column {name:?}, which --logits-columns selects (columns are paired by name)"
                );
                return Err(InputError::new(file, what).at(1, None));
            }
        }
    }
    Ok(Some(Selected {
        fields,
        names: Some(names.clone()),
    }))
}

/// With both selections named, the k-th names must agree once each
/// selection's common prefix is removed.
fn check_names_agree(
    l: &Selected,
    t: &Selected,
    logits: &MatrixReader,
    targets: &MatrixReader,
) -> Result<(), InputError> {
    let (Some(l_names), Some(t_names)) = (&l.names, &t.names) else {
        return Ok(());
    };
    let (a, b) = (
        without_common_prefix(l_names),
        without_common_prefix(t_names),
    );
    let differ = a.iter().zip(&b).position(|(x, y)| x != y);
    match differ {
        None => Ok(()),
        Some(k) => Err(InputError::new(
            targets.file(),
            format!(
                "the selections pair {:?} of {} with {:?}, whose names differ after their common prefixes ({:?} and {:?})",
                l_names[k],
                logits.file(),
                t_names[k],
                a[k],
                b[k]
            ),
        )),
    }
}

/// Rows pair by the index only where both indexes have the same levels:
/// a MultiIndex's tuples are no labels of another index.
fn same_index_levels(logits: &MatrixReader, other: &MatrixReader) -> Result<(), InputError> {
    let levels = |r: &MatrixReader| match r.index_form() {
        Some(IndexForm::Levels(names)) => format!("a MultiIndex ({})", names.join(", ")),
        _ => "an index of one level".to_owned(),
    };
    let (theirs, mine) = (levels(logits), levels(other));
    if theirs == mine {
        return Ok(());
    }
    let what = format!(
        "rows pair by their indexes, but it has {mine} and {} {theirs} \
         (write both with the same levels, in one order: DataFrame.reorder_levels)",
        logits.file()
    );
    Err(InputError::new(other.file(), what))
}

fn one_index_warning(indexed: &str, other: &str) -> String {
    format!("{indexed} has an index column and {other} has none: their rows are paired by position")
}

/// The warning for an input without names beside one with them: columns
/// pair by position, and so do rows, though the named one's index (pandas'
/// `to_csv()`, a Parquet index) says its rows may have been reordered.
fn unnamed_warning(unnamed: &str, named: &Header<'_>) -> String {
    let columns = positional_warning(unnamed, named.file);
    match named.index {
        // pandas' default RangeIndex: its rows are in their first order.
        Some(_) if named.index_in_order => columns,
        Some(_) => format!(
            "{columns}; and {} has an index column, which {unnamed} has not: their rows are paired by position \
             (if its rows were shuffled or filtered, write {unnamed} with the index, or pair by a column both have: --key)",
            named.file
        ),
        None => columns,
    }
}

fn positional_warning(unnamed: &str, named: &str) -> String {
    format!("{unnamed} has no header: its columns are paired with {named}'s by position")
}
