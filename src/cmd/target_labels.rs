//! `--target-labels`, which `loss` and `metrics` share: TARGETS as label
//! lists, read as `binarize` reads them (CSV/TSV fields, `--column NAME`,
//! `--sep S`, JSON arrays), each sample becoming a 0/1 row in LOGITS' (or
//! SCORES') column order. The classes are LOGITS' column names, or
//! `--classes`/`--classes-file`; with neither, labels are 0-based class
//! indices and a `-1` ends a sample's list (the index targets of
//! `MultiLabelMarginLoss`). No binarize step, so nothing to misalign.

use std::path::{Path, PathBuf};

use crate::cmd::classes::{ClassIndex, ClassList, Unknown, UnknownLabels, read_classes_file};
use crate::cmd::pairing::columns;
use crate::cmd::pairing::job::{Readers, TargetRows};
use crate::cmd::pairing::select::Spec;
use crate::error::{InputError, UsageError};
use crate::input::{Columns, Format, LabelLayout, LabelReader, RowChunk, Sample, Source};

/// The options of `--target-labels`, the same in every command that takes
/// them.
#[derive(Debug, Default, clap::Args)]
pub struct LabelArgs {
    /// TARGETS holds label lists (as binarize reads them), the classes being LOGITS' (SCORES')
    /// column names.
    #[arg(long)]
    pub target_labels: bool,

    /// With --target-labels: the labels are in this column (of a CSV/TSV with a header row, or of
    /// a Parquet or Arrow table).
    #[arg(long, value_name = "NAME", requires = "target_labels")]
    pub column: Option<String>,

    /// With --target-labels: split each field into labels at this separator (e.g. '|').
    #[arg(long, value_name = "S", requires = "target_labels")]
    pub sep: Option<String>,

    /// With --target-labels: the classes, in LOGITS' (SCORES') column order (instead of their
    /// names).
    #[arg(long, value_name = "A,B,…", value_parser = crate::cmd::classes::parse_classes, requires = "target_labels")]
    pub classes: Option<ClassList>,

    /// With --target-labels: the classes from a file, one per line.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "classes",
        requires = "target_labels"
    )]
    pub classes_file: Option<PathBuf>,

    /// With --target-labels: what to do with a label that is not a class [default: error].
    #[arg(long, value_enum, requires = "target_labels")]
    pub unknown: Option<Unknown>,
}

/// What else of a command's line `--target-labels` settles with: LOGITS'
/// columns, TARGETS, and the input format.
pub(crate) struct LabelInputs<'a> {
    /// The subcommand, for usage errors.
    pub(crate) command: &'static str,
    pub(crate) logits_columns: Option<&'a Spec>,
    pub(crate) targets: Option<&'a Path>,
    pub(crate) format: Option<Format>,
}

impl LabelArgs {
    /// Options that cannot go with label lists: rows paired by key, and
    /// TARGETS left out or given as columns of LOGITS' file.
    pub fn check(
        &self,
        command: &'static str,
        key: Option<&str>,
        targets: Option<&Path>,
        targets_columns: Option<&Spec>,
    ) -> Result<(), UsageError> {
        if !self.target_labels {
            return Ok(());
        }
        if key.is_some() {
            let what =
                "--key pairs the rows of two tables; label lists pair with LOGITS row by row";
            return Err(UsageError::new(command, what));
        }
        if targets.is_none() || targets_columns.is_some() {
            let what = "--target-labels reads TARGETS, a file of label lists";
            return Err(UsageError::new(command, what));
        }
        Ok(())
    }
}

/// Sets up TARGETS as label lists once LOGITS is open: LOGITS' class
/// columns (reordered to `--classes` when both name them), and how labels
/// name the classes. Returns the class names, when known.
pub(crate) fn settle(
    args: &LabelArgs,
    inputs: &LabelInputs,
    readers: &mut Readers,
) -> anyhow::Result<Option<Vec<String>>> {
    let logits = &readers.logits;
    let (mut columns, names) = columns::logits_alone(logits, inputs.logits_columns)?;
    let given = match (&args.classes, &args.classes_file) {
        (Some(ClassList(classes)), _) => Some(classes.clone()),
        (None, Some(path)) => Some(read_classes_file(path)?),
        (None, None) => None,
    };
    let width = columns
        .as_ref()
        .map_or(logits.fields().unwrap_or(0), |c| c.select.len());
    let classes = match (&given, &names) {
        (Some(given), Some(names)) => {
            // LOGITS' columns in the given classes' order.
            let fields = columns
                .as_ref()
                .map_or_else(|| (0..width).collect(), |c| c.select.clone());
            let mut select = Vec::with_capacity(given.len());
            for class in given {
                let Some(at) = names.iter().position(|n| n == class) else {
                    let what = format!("no column {class:?}, which --classes names");
                    return Err(InputError::new(logits.file(), what).at(1, None).into());
                };
                select.push(fields[at]);
            }
            let fields = logits.fields().unwrap_or(0);
            columns = Some(Columns {
                fields,
                select,
                key: None,
            });
            given.clone()
        }
        (Some(given), None) => given.clone(),
        (None, Some(names)) => names.clone(),
        (None, None) => Vec::new(),
    };
    let classes_of = if classes.is_empty() {
        Classes::Indices(width)
    } else {
        Classes::Named(ClassIndex::new(&classes), classes.len())
    };
    if let Some(columns) = columns {
        readers.logits.set_columns(columns)?;
    }
    let Some(targets) = inputs.targets else {
        let what = "--target-labels reads TARGETS, a file of label lists";
        return Err(UsageError::new(inputs.command, what).into());
    };
    let source = Source::from_arg(targets);
    let layout = LabelLayout {
        column: args.column.clone(),
        separator: args.sep.clone(),
    };
    let format = Format::detect(&source, inputs.format);
    let unknown = args.unknown.unwrap_or(Unknown::Error);
    let labels = LabelTargets::open(
        &source,
        format,
        &layout,
        classes_of,
        unknown,
        readers.logits.file(),
    )?;
    readers.labels = Some(Box::new(labels));
    Ok((!classes.is_empty()).then_some(classes))
}

/// How labels name classes.
enum Classes {
    /// By name: each class's column, and how many classes.
    Named(ClassIndex, usize),
    /// By 0-based index, below this many classes.
    Indices(usize),
}

/// TARGETS read as label lists.
struct LabelTargets {
    reader: LabelReader,
    classes: Classes,
    cols: usize,
    unknown: Unknown,
    /// Labels left out under `--unknown warn`.
    unknown_seen: UnknownLabels,
    /// Samples read so far.
    rows: u64,
    sample: Sample,
    values: Vec<f64>,
    /// LOGITS, for messages.
    logits_file: String,
}

impl LabelTargets {
    fn open(
        source: &Source,
        format: Format,
        layout: &LabelLayout,
        classes: Classes,
        unknown: Unknown,
        logits_file: &str,
    ) -> Result<LabelTargets, InputError> {
        let cols = match &classes {
            Classes::Named(_, count) => *count,
            Classes::Indices(cols) => *cols,
        };
        Ok(LabelTargets {
            reader: LabelReader::open(source, format, layout)?,
            classes,
            cols,
            unknown,
            unknown_seen: UnknownLabels::default(),
            rows: 0,
            sample: Sample::default(),
            values: Vec::new(),
            logits_file: logits_file.to_owned(),
        })
    }

    /// Replaces `chunk` with the next `rows` samples (fewer at the end) as
    /// rows of 0/1.
    fn fill_rows(&mut self, rows: usize, chunk: &mut RowChunk) -> Result<(), InputError> {
        self.values.clear();
        let first_row = self.rows;
        for _ in 0..rows {
            if !self.reader.next_sample(&mut self.sample)? {
                break;
            }
            let start = self.values.len();
            self.values.resize(start + self.cols, 0.0);
            self.row(start)?;
            self.rows += 1;
        }
        chunk.set_filled_values(first_row, self.cols, &self.values);
        Ok(())
    }

    /// Sets the current sample's classes in the row at `start`.
    fn row(&mut self, start: usize) -> Result<(), InputError> {
        let file = self.reader.file().to_owned();
        let at = |line: u64, column: u64, what: String, label: &str| {
            let error = InputError::new(&file, what).text(label.as_bytes());
            if line > 0 {
                error.at(line, Some(column))
            } else {
                error
            }
        };
        let line = self.sample.line;
        for (label, column) in self.sample.labels() {
            let text = label.text;
            let class = match &self.classes {
                Classes::Named(index, _) => index.get(label),
                Classes::Indices(cols) => {
                    if text == "-1" {
                        break;
                    }
                    match text.parse::<usize>() {
                        Ok(j) if j < *cols => Some(j),
                        _ => {
                            let what = format!(
                                "not a class index 0-{} of {} (or -1, which ends the list)",
                                cols - 1,
                                self.logits_file
                            );
                            return Err(at(line, column, what, text));
                        }
                    }
                }
            };
            match (class, self.unknown) {
                (Some(j), _) => self.values[start + j] = 1.0,
                (None, Unknown::Error) => {
                    let what = format!(
                        "label is not a class of {} (--unknown warn or ignore leaves such labels out)",
                        self.logits_file
                    );
                    return Err(at(line, column, what, text));
                }
                (None, Unknown::Warn) => {
                    self.unknown_seen.insert(label);
                }
                (None, Unknown::Ignore) => {}
            }
        }
        Ok(())
    }
}

impl TargetRows for LabelTargets {
    fn fill(&mut self, rows: usize, chunk: &mut RowChunk) -> Result<(), InputError> {
        self.fill_rows(rows, chunk)
    }

    /// After the run: the labels left out under `--unknown warn`.
    fn warn(&self) {
        self.unknown_seen.warn();
    }
}
