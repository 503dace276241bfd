//! The output formats, registered once: `--output-format`'s values and
//! help, the `-o FILE` extensions, and the refusal of what a format cannot
//! hold all come from [`FORMATS`].

use std::path::Path;
use std::sync::LazyLock;

use super::model::{Batch, Digits, Exporter, FormatEntry, NamedValues, ResultKind};
use super::{arrow, csv, json, npy, parquet, table};
use crate::error::UsageError;

/// Every output format, in the order `--help` lists them; the first is the
/// default.
static FORMATS: &[FormatEntry] = &[
    csv::CSV,
    csv::TSV,
    json::JSON,
    json::JSONL,
    npy::NPY,
    parquet::PARQUET,
    arrow::ARROW,
];

/// The formats for a person at a terminal: taken by name, but left out of
/// the lists of values and of the refusals, which scripts read and which
/// do not change.
static TERMINAL_FORMATS: &[FormatEntry] = &[table::TABLE];

/// An output format (`--output-format`), one of [`FORMATS`].
#[derive(Clone, Copy)]
pub struct OutputFormat(&'static FormatEntry);

impl PartialEq for OutputFormat {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for OutputFormat {}

impl std::fmt::Debug for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Default for OutputFormat {
    fn default() -> Self {
        OutputFormat(&FORMATS[0])
    }
}

/// Every format as a value, for clap.
static ALL: LazyLock<Vec<OutputFormat>> =
    LazyLock::new(|| FORMATS.iter().map(OutputFormat).collect());

impl clap::ValueEnum for OutputFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name).help(self.0.help))
    }
}

impl OutputFormat {
    /// The format called `name`, if one is.
    pub fn named(name: &str) -> Option<OutputFormat> {
        (FORMATS.iter().chain(TERMINAL_FORMATS))
            .find(|f| f.name == name)
            .map(OutputFormat)
    }

    /// The aligned table, for a report printed to a terminal.
    pub fn table() -> OutputFormat {
        OutputFormat(&TERMINAL_FORMATS[0])
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The exporter of this format, printing numbers with `digits`.
    pub fn exporter(self, digits: Digits) -> Box<dyn Exporter> {
        (self.0.exporter)(digits)
    }

    /// `chosen` (`--output-format`) when given, else the format `-o FILE`'s
    /// extension names, else CSV.
    pub fn choose(chosen: Option<OutputFormat>, output: Option<&Path>) -> OutputFormat {
        if let Some(format) = chosen {
            return format;
        }
        let extension = output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let named = |f: &&FormatEntry| {
            extension
                .as_deref()
                .is_some_and(|e| f.extensions.contains(&e))
        };
        FORMATS
            .iter()
            .find(named)
            .map_or_else(OutputFormat::default, OutputFormat)
    }

    /// Whether this format holds results of `kind`.
    pub fn holds(self, kind: ResultKind) -> bool {
        self.0.holds.contains(&kind)
    }

    /// Refuses, as a usage error of `command`, a result of `kinds` that
    /// this format cannot hold, or cannot write to `output` (stdout when
    /// `None` or `-`): said before any work.
    pub fn check(
        self,
        command: &'static str,
        kinds: &[ResultKind],
        output: Option<&Path>,
    ) -> Result<(), UsageError> {
        let name = self.0.name;
        if let Some(&kind) = kinds.iter().find(|&&k| !self.holds(k)) {
            let holders: Vec<&str> = (FORMATS.iter())
                .filter(|f| f.holds.contains(&kind))
                .map(|f| f.name)
                .collect();
            let list = listed(&holders);
            let what = match kind {
                ResultKind::ColumnNames => {
                    format!(
                        "--header applies to {list} output, which name their columns ({name} does not)"
                    )
                }
                ResultKind::LabelLists => {
                    format!("--inverse writes label lists, which {name} cannot hold (use {list})")
                }
                ResultKind::Report => {
                    format!(
                        "metrics print {list} (a report of named values, which {name} cannot hold)"
                    )
                }
                ResultKind::State => {
                    format!(
                        "--partial writes a state for merge, which {name} cannot hold (use {list})"
                    )
                }
                ResultKind::Numbers | ResultKind::Indicators => {
                    format!("{name} cannot hold this result (use {list})")
                }
            };
            return Err(UsageError::new(command, what));
        }
        let to_stdout = output.is_none_or(|o| o == Path::new("-"));
        if self.0.needs_file && to_stdout {
            let what = format!("--output-format {name} writes a file: give -o FILE");
            return Err(UsageError::new(command, what));
        }
        Ok(())
    }

    /// `report` as this format lays it out (a format that holds reports).
    pub fn report_text(self, digits: Digits, report: &NamedValues) -> Vec<u8> {
        let mut batch = Batch::default();
        self.exporter(digits).report(&mut batch, report);
        batch.bytes
    }
}

/// The values of an `--output-format` that offers only the formats holding
/// `kind` (`metrics`: reports), for clap.
pub fn formats_holding(
    kind: ResultKind,
) -> impl clap::builder::TypedValueParser<Value = OutputFormat> {
    use clap::builder::TypedValueParser;
    let listed = FORMATS.iter().map(|f| (f, false));
    let hidden = TERMINAL_FORMATS.iter().map(|f| (f, true));
    let values = (listed.chain(hidden))
        .filter(move |(f, _)| f.holds.contains(&kind))
        .map(|(f, hide)| {
            clap::builder::PossibleValue::new(f.name)
                .help(f.help)
                .hide(hide)
        });
    clap::builder::PossibleValuesParser::new(values)
        .map(|name| OutputFormat::named(&name).expect("a registered format"))
}

/// `a, b or c`.
fn listed(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
