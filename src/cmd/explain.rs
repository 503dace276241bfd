//! `--explain`: how each input was read, on stderr, for when a number
//! surprises: the format and what told it, whether the first line was a
//! header and why, the index column, how columns and rows were paired,
//! and at the end how many rows and classes were read. Every line starts
//! `mlloss: explain: `, so that it can be told from the output and from
//! warnings.

use std::io::Write;

use crate::cmd::pairing::columns::Key;
use crate::cmd::pairing::job::Readers;
use crate::input::{Format, MatrixReader, Source};

/// What `--explain` says, gathered before the run and printed at once.
#[derive(Debug, Default)]
pub(crate) struct Explanation {
    lines: Vec<String>,
}

impl Explanation {
    /// How `reader` (named `role`: LOGITS, TARGETS, a weight file) was
    /// read from `source`; `chosen` is `--format`.
    pub(crate) fn input(
        &mut self,
        role: &str,
        reader: &MatrixReader,
        source: &Source,
        chosen: Option<Format>,
    ) {
        let (format, by_content) = reader.read_as();
        let told = if by_content {
            "its first bytes"
        } else if chosen.is_some() {
            "--format"
        } else if source.is_stdin() {
            "stdin's default"
        } else {
            "its extension"
        };
        let mut line = format!("{role} {}: {format} (told by {told})", reader.file());
        if let Some(dims) = reader.dims() {
            line += &format!(", an array of shape {}", crate::input::shape_text(dims));
        }
        match (reader.header_why(), reader.header_names()) {
            _ if reader.header_candidate().is_some() => {
                line +=
                    "; no header: its first line could be pandas' names 0,1,…,C-1, read as data";
            }
            (Some(why), _) => line += &format!("; {}", why.text()),
            (None, Some(_)) => line += "; column names from the file's schema or keys",
            (None, None) => line += "; no column names",
        }
        if let Some(names) = reader.header_names() {
            line += &format!(" ({})", shorten(names));
        }
        match reader.index_field() {
            Some(field) => {
                line += &format!("; field {} is an index, not a class", field + 1);
            }
            None => line += "; no index column",
        }
        self.lines.push(line);
    }

    /// How the columns and rows of LOGITS and TARGETS were paired.
    pub(crate) fn pairing(&mut self, readers: &Readers, classes: Option<&[String]>) {
        let (x, y) = (&readers.logits, &readers.targets);
        let columns = if readers.labels.is_some() {
            "TARGETS are label lists: each label is the class of that name (or number)".to_owned()
        } else if readers.one_file {
            "one file holds both: the selected columns pair in the order selected".to_owned()
        } else if x.info().columns.is_some() || y.info().columns.is_some() {
            match (x.header_names(), y.header_names()) {
                (Some(_), Some(_)) => "by name (TARGETS' columns taken in LOGITS' order)",
                _ => "by position, once an index or key column is set aside",
            }
            .to_owned()
        } else {
            match (x.header_names(), y.header_names()) {
                (Some(_), Some(_)) => "by name, in the same order",
                (None, None) => "by position (neither input names its columns)",
                _ => "by position (one input names its columns, the other does not)",
            }
            .to_owned()
        };
        let classes = classes.map_or(String::new(), |c| format!(": {}", shorten(c)));
        self.lines.push(format!("columns: {columns}{classes}"));
        let rows = match readers.keyed.as_ref().map(|k| &k.key) {
            Some(Key::Named(name)) => format!("by the value of column {name:?} (--key)"),
            Some(Key::Index) => "by the index columns of both (pandas' index)".to_owned(),
            None if readers.one_file || readers.labels.is_some() => "row by row".to_owned(),
            None => "by position: row k of one with row k of the other".to_owned(),
        };
        self.lines.push(format!("rows: {rows}"));
    }

    /// A line of its own.
    pub(crate) fn note(&mut self, line: String) {
        self.lines.push(line);
    }

    /// Prints what was gathered (nothing when `--explain` is off).
    pub(crate) fn print(&mut self, on: bool) {
        if on {
            let mut stderr = std::io::stderr().lock();
            for line in self.lines.drain(..) {
                let _ = writeln!(stderr, "mlloss: explain: {line}");
            }
        }
        self.lines.clear();
    }
}

/// The end of a run: how many rows and classes were read.
pub(crate) fn rows_read(on: bool, rows: u64, classes: usize) {
    if on {
        let _ = writeln!(
            std::io::stderr().lock(),
            "mlloss: explain: read {rows} rows of {classes} classes"
        );
    }
}

/// Names, the first few of many.
fn shorten(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("{n:?}")).collect();
    match names.len() {
        n if n > SHOWN => format!("{} … ({n} names)", shown.join(", ")),
        _ => shown.join(", "),
    }
}
