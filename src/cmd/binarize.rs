//! `mlloss binarize`: scikit-learn's `MultiLabelBinarizer().fit_transform`.
//!
//! With `--classes` the columns are known up front and rows stream straight
//! to the output. Without it the columns are the sorted set of every label,
//! known only at the end of the input: a regular file is then read twice
//! (classes, then rows), so memory holds the classes and nothing per row;
//! stdin or a pipe is read once and each sample kept as a list of small
//! integer ids (4 bytes a label) until the end.

use std::path::PathBuf;

use anyhow::Context;

use super::classes::{
    ClassIndex, ClassList, Unknown, UnknownLabels, classes_from_header, parse_classes,
    read_classes_file,
};
use crate::cmd::decision::{DecisionArgs, ThresholdList, parse_thresholds};
use crate::cmd::explain::Explanation;
use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::format::python_str_repr;
use crate::input::{
    ChunkLimit, FileIdentity, Format, HeaderMode, LabelLayout, LabelReader, MatrixReader, RowChunk,
    Sample, Source,
};
use crate::label::{Label, LabelKind, LabelMap, class_order};
use crate::metrics::decision::TopK;
use crate::metrics::{Decision, Scores};
use crate::output::{
    Batch, Cell, Digits, Element, Exporter, IndicatorRow, Output, OutputFormat, ResultKind,
    ResultShape, RowLayout, Stream, check_distinct_outputs,
};

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(group(clap::ArgGroup::new("rule").args(["threshold", "threshold_file", "top_k"]).multiple(true)))]
pub struct Args {
    /// Label lists, one sample per line (or per JSON array); - or nothing for stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,

    /// Input format, instead of guessing from the extension (stdin: csv).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,

    /// Fix the columns and their order, like scikit-learn's `classes=` (comma-separated).
    #[arg(long, value_name = "A,B,…", value_parser = parse_classes)]
    pub classes: Option<ClassList>,

    /// Like --classes, from a file of one class per line (e.g. written by --save-classes).
    #[arg(long, value_name = "FILE", conflicts_with = "classes")]
    pub classes_file: Option<PathBuf>,

    /// Like --classes, from the header of a table (a model's predictions, say), in its order.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["classes", "classes_file"])]
    pub classes_from: Option<PathBuf>,

    /// Also write the classes, one per line in column order, to FILE (for --classes-file).
    #[arg(long, value_name = "FILE")]
    pub save_classes: Option<PathBuf>,

    /// What to do with a label that is not in --classes.
    #[arg(long, value_enum, default_value_t = Unknown::Warn)]
    pub unknown: Unknown,

    /// Take the labels from this column: of a CSV/TSV with a header row, or of a Parquet or
    /// Arrow table (lists of strings or integers, or one string or integer a row).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,

    /// Split each field into labels at this separator (e.g. '|' or ' ').
    #[arg(long, value_name = "S")]
    pub sep: Option<String>,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Layout of the output [default: from -o FILE's extension, else csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Print the class names as a first line.
    #[arg(long)]
    pub header: bool,

    /// No progress bar (shown on stderr when it is a terminal and a run takes a while).
    #[arg(short, long)]
    pub quiet: bool,

    /// Say on stderr how the input was read: its format and what told it, where the labels are, where the
    /// classes come from.
    #[arg(long)]
    pub explain: bool,

    /// With --inverse and given classes: whether the matrix's first line is a header of names (auto:
    /// text, or pandas' names 0,1,… where the file tells), yes, no.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = HeaderMode::Auto)]
    pub input_header: HeaderMode,

    /// The other way (inverse_transform): read a 0/1 matrix, print each sample's labels.
    #[arg(long, conflicts_with_all = ["unknown", "column", "header"])]
    pub inverse: bool,

    /// With --inverse: values >= T count as 1 (probabilities), instead of requiring 0 or 1;
    /// T1,…,TC: one per class.
    #[arg(
        long,
        value_name = "T",
        requires = "inverse",
        allow_hyphen_values = true,
        value_parser = parse_thresholds
    )]
    pub threshold: Option<ThresholdList>,

    /// With --inverse --threshold: the matrix holds logits; a sigmoid is applied first (with
    /// --threshold-file, its logit_threshold column applies).
    #[arg(long, requires = "rule")]
    pub logits: bool,

    /// With --inverse.
    #[command(flatten)]
    pub decision: DecisionArgs,
}

const EXAMPLES: &str = "\
Examples:
  mlloss binarize labels.csv
  mlloss binarize --classes cat,dog,bird --unknown error labels.csv
  mlloss binarize --column genres --sep '|' movies.csv
  mlloss binarize --save-classes classes.txt train.csv > train-targets.csv
  mlloss binarize --classes-file classes.txt --unknown ignore test.csv > test-targets.csv
  mlloss binarize --inverse --classes a,b,c --threshold 0.5 probabilities.csv
  mlloss binarize --inverse --logits --threshold-file thresholds.csv --top-k 3 logits.csv
  mlloss binarize --classes a,b,c labels.csv | mlloss loss --kind mlsm logits.csv -";

pub fn run(args: Args) -> anyhow::Result<()> {
    let given =
        args.classes.is_some() || args.classes_file.is_some() || args.classes_from.is_some();
    if !args.inverse && (args.decision.threshold_file.is_some() || args.decision.top_k.is_some()) {
        return Err(UsageError::new(
            "binarize",
            "--threshold-file and --top-k apply to --inverse only",
        )
        .into());
    }
    if args.unknown != Unknown::Warn && !given {
        return Err(UsageError::missing(
            "binarize",
            "--unknown needs --classes: without it every label is a class",
        )
        .into());
    }
    if let Some(classes_file) = args.save_classes.as_deref() {
        let outputs = [
            ("-o", args.output.as_deref()),
            ("--save-classes", Some(classes_file)),
        ];
        check_distinct_outputs("binarize", &outputs)?;
    }
    let format = OutputFormat::choose(args.output_format, args.output.as_deref());
    let rows = if args.inverse {
        ResultKind::LabelLists
    } else {
        ResultKind::Indicators
    };
    let names = args.header.then_some(ResultKind::ColumnNames);
    let kinds: Vec<ResultKind> = [Some(rows), names].into_iter().flatten().collect();
    format.check("binarize", &kinds, args.output.as_deref())?;
    let exporter = format.exporter(Digits::Shortest);
    if args.inverse {
        return run_inverse(&args, &*exporter);
    }
    let mut rows = RowWriter::new(&*exporter, args.header);
    let source = Source::from_arg(&args.file);
    let layout = LabelLayout {
        column: args.column.clone(),
        separator: args.sep.clone(),
    };
    let format = Format::detect(&source, args.format);
    if args.explain {
        explain_labels(&args, &source, format);
    }
    // Before the first read: a file replaced before the second is then told.
    let identity = FileIdentity::of(&source);
    let mut reader = LabelReader::open(&source, format, &layout)?;
    let given = given_classes(&args)?;
    let out = Output::to(args.output.as_deref())?.with_progress(args.quiet, "samples");
    let mut out = exporter.stream(out)?;
    // Opened now, so that a path that cannot be written fails before the
    // work, and so that both files are pending (and cleaned up on a
    // signal) together.
    let classes_out = args
        .save_classes
        .as_deref()
        .map(|p| Output::to(Some(p)))
        .transpose()?;
    let classes = match given {
        Some(classes) => {
            binarize_with_classes(&mut reader, &classes, args.unknown, &mut rows, &mut *out)?;
            classes
        }
        // A regular file can be read twice: once for the classes, once for
        // the rows, in memory that does not grow with the rows.
        None if source.is_regular_file() => {
            let classes = fit(&mut reader, identity)?;
            let mut reader = LabelReader::open(&source, format, &layout)?;
            transform(&mut reader, &source, &classes, &mut rows, &mut *out)?
        }
        None => binarize_fitted_in_memory(&mut reader, &mut rows, &mut *out)?,
    };
    let out = rows.end(out)?;
    finish_with_classes(out, classes_out, &classes)
}

/// `--inverse`: scikit-learn's `inverse_transform`. Each row of the 0/1
/// matrix (or of probabilities with `--threshold`, or logits with
/// `--logits`) becomes the sample's labels in class order: one CSV line of
/// them (empty for none), or one field joined by `--sep`. Class names come
/// from `--classes`/`--classes-file`, else from the matrix's header row.
fn run_inverse(args: &Args, exporter: &dyn Exporter) -> anyhow::Result<()> {
    let (mut reader, classes) = open_inverse(args)?;
    let decision = inverse_decision(args, &classes)?;
    let (mut top, mut chosen) = (TopK::default(), Vec::new());
    let out = Output::to(args.output.as_deref())?.with_progress(args.quiet, "samples");
    let mut out = exporter.stream(out)?;
    // Opened now, so that a path that cannot be written fails before the
    // work, and so that both files are pending (and cleaned up on a
    // signal) together.
    let classes_out = args
        .save_classes
        .as_deref()
        .map(|p| Output::to(Some(p)))
        .transpose()?;
    let layout = RowLayout {
        key: None,
        columns: vec!["labels".to_owned()],
        cell: Cell::Labels,
        header: false,
    };
    let mut batch = Batch::default();
    out.begin(&layout, &mut batch)?;
    let sep = args.sep.as_deref();
    let mut chunk = RowChunk::default();
    let mut labels: Vec<&str> = Vec::new();
    let mut index = 0u64;
    loop {
        reader.next_chunk(ChunkLimit::Bytes(1 << 20), &mut chunk)?;
        if chunk.row_count() == 0 {
            break;
        }
        // The first row is checked against the classes below, with its own message.
        let mut rows = chunk.rows(reader.info(), (index > 0).then_some(classes.len()));
        while let Some((values, row_line)) = rows.next_row()? {
            if index == 0 && values.len() != classes.len() {
                let what = width_against_classes(values.len(), classes.len());
                return Err(InputError::new(reader.file(), what)
                    .at_line_if_known(row_line)
                    .into());
            }
            labels.clear();
            match &decision {
                None => labels.extend(
                    (values.iter().zip(&classes))
                        .filter(|&(&v, _)| v == 1.0)
                        .map(|(_, c)| c.as_str()),
                ),
                Some(decision) => {
                    decision.predict_row(values, &mut top, &mut chosen);
                    labels.extend(
                        (chosen.iter().zip(&classes))
                            .filter(|&(&one, _)| one)
                            .map(|(_, c)| c.as_str()),
                    );
                }
            }
            exporter.labels_row(&mut batch, &labels, sep, index);
            if batch.is_full() {
                out.write(&mut batch)?;
            }
            out.output().advance();
            index += 1;
        }
    }
    // An array of no rows still has a width, which must be the classes'.
    if let Some(width) = reader.dims().and_then(<[usize]>::last)
        && index == 0
        && *width != classes.len()
    {
        let what = width_against_classes(*width, classes.len());
        return Err(InputError::new(reader.file(), what).into());
    }
    exporter.end_rows(&mut batch, index);
    out.write(&mut batch)?;
    let shape = ResultShape {
        dims: vec![index],
        element: Element::U8,
    };
    finish_with_classes(out.end(&shape)?, classes_out, &classes)
}

/// `--inverse`'s rule for values other than 0 and 1: `--threshold` (any
/// number, one or per class), `--threshold-file`, `--top-k`; none keeps
/// the 0/1 matrix.
fn inverse_decision(args: &Args, classes: &[String]) -> anyhow::Result<Option<Decision>> {
    if !has_rule(args) {
        return Ok(None);
    }
    let scores = if args.logits {
        Scores::Logits
    } else {
        Scores::Probs
    };
    let settled = crate::cmd::decision::settle(
        "binarize",
        args.threshold.as_ref(),
        0.5,
        &args.decision,
        classes,
        scores,
        false,
    )?;
    Ok(Some(settled.extras.decision(scores, settled.threshold)))
}

/// Whether `--inverse` reads scores (a threshold or `--top-k`).
fn has_rule(args: &Args) -> bool {
    args.threshold.is_some()
        || args.decision.threshold_file.is_some()
        || args.decision.top_k.is_some()
}

fn width_against_classes(width: usize, classes: usize) -> String {
    let classes = if classes == 1 {
        "1 class".to_owned()
    } else {
        format!("{classes} classes")
    };
    format!(
        "{}, but there are {classes}",
        crate::input::count(width, "column")
    )
}

/// The matrix `--inverse` reads, and the class names of its columns: from
/// `--classes`/`--classes-file`, else from its first line, numbers or not.
fn open_inverse(args: &Args) -> anyhow::Result<(MatrixReader, Vec<String>)> {
    let source = Source::from_arg(&args.file);
    let domain = if has_rule(args) {
        Domain::FINITE
    } else {
        Domain::INDICATOR
    };
    let names_in_file =
        args.classes.is_none() && args.classes_file.is_none() && args.classes_from.is_none();
    let header = if names_in_file {
        HeaderMode::Yes
    } else {
        args.input_header
    };
    let format = Format::detect(&source, args.format);
    let reader = MatrixReader::open(&source, format, domain, header)?;
    if let Some(names) = reader.header_candidate() {
        // No second input to settle it: said, and each sample is a line
        // of the output, so a first sample too many shows.
        crate::error::warn(&format!(
            "{} begins with the line {}, read as a first sample; if it is pandas' column names \
             (pd.DataFrame(a).to_csv(index=False)), --input-header yes reads it as names",
            reader.file(),
            names.join(",")
        ));
    }
    if args.explain {
        let mut explanation = Explanation::default();
        explanation.input("MATRIX", &reader, &source, args.format);
        explanation.print(true);
    }
    let classes = match given_classes(args)? {
        Some(classes) => classes,
        None => match reader.header_names() {
            Some(names) => names.to_vec(),
            None => {
                return Err(UsageError::missing(
                    "binarize",
                    "--inverse needs the class names: --classes, --classes-file, or a header row in FILE",
                )
                .into());
            }
        },
    };
    Ok((reader, classes))
}

/// The classes from `--classes`, `--classes-file` or `--classes-from`.
/// `--explain` for label lists: where the labels are, and the classes.
fn explain_labels(args: &Args, source: &Source, format: Format) {
    let mut explanation = Explanation::default();
    let told = match (args.format, source.is_stdin()) {
        (Some(_), _) => "--format",
        (None, true) => "stdin's default",
        (None, false) => "its extension (or its first bytes)",
    };
    let labels = match (&args.column, &args.sep) {
        (Some(column), Some(sep)) => format!("column {column:?}, labels joined by {sep:?}"),
        (Some(column), None) => format!("column {column:?} (a list, or one label a row)"),
        (None, Some(sep)) => format!("each row's one field, labels joined by {sep:?}"),
        (None, None) => "each row's fields (a JSON array's elements) are its labels".to_owned(),
    };
    let classes = match (&args.classes, &args.classes_file, &args.classes_from) {
        (Some(_), _, _) => "--classes, in that order",
        (None, Some(_), _) => "--classes-file, in its order",
        (None, None, Some(_)) => "--classes-from's header, in its order",
        (None, None, None) => "the labels seen, sorted as scikit-learn sorts them",
    };
    let file = source.name();
    let format = clap::ValueEnum::to_possible_value(&format)
        .map_or_else(String::new, |v| v.get_name().to_uppercase());
    explanation.note(format!(
        "FILE {file}: label lists as {format} (told by {told}); {labels}"
    ));
    explanation.note(format!("classes: {classes}"));
    explanation.print(true);
}

fn given_classes(args: &Args) -> anyhow::Result<Option<Vec<String>>> {
    Ok(
        match (&args.classes, &args.classes_file, &args.classes_from) {
            (Some(ClassList(classes)), _, _) => Some(classes.clone()),
            (None, Some(path), _) => Some(read_classes_file(path)?),
            (None, None, Some(path)) => Some(classes_from_header(path, None)?),
            (None, None, None) => None,
        },
    )
}

/// Finishes the output and, with `--save-classes FILE`, FILE: both or
/// neither (see [`Output::finish_all`]).
fn finish_with_classes(
    out: Output,
    classes_out: Option<Output>,
    classes: &[String],
) -> anyhow::Result<()> {
    match classes_out {
        Some(mut file) => {
            write_classes(&mut file, classes)?;
            Output::finish_all([file, out])?;
        }
        None => out.finish()?,
    }
    Ok(())
}

/// `--save-classes`: the classes one per line.
fn write_classes(file: &mut Output, classes: &[String]) -> anyhow::Result<()> {
    if let Some(bad) = classes.iter().find(|c| c.contains(['\n', '\r'])) {
        anyhow::bail!(
            "--save-classes: class {} holds a line break and cannot be written one per line",
            python_str_repr(bad)
        );
    }
    for class in classes {
        file.write_bytes(class.as_bytes())?;
        file.write_bytes(b"\n")?;
    }
    Ok(())
}

/// Writes binarize's rows of 0/1, one per sample, after the header line
/// when asked for.
struct RowWriter<'e> {
    exporter: &'e dyn Exporter,
    header: bool,
    /// The current row; all zeros between writes.
    row: IndicatorRow,
    /// The columns set in the current row.
    set: Vec<usize>,
    /// The rows laid out and not yet written.
    batch: Batch,
    rows: u64,
    classes: usize,
}

impl<'e> RowWriter<'e> {
    fn new(exporter: &'e dyn Exporter, header: bool) -> Self {
        RowWriter {
            exporter,
            header,
            row: exporter.indicator_row(0),
            set: Vec::new(),
            batch: Batch::default(),
            rows: 0,
            classes: 0,
        }
    }

    /// Once the classes are known: the columns, named.
    fn begin(&mut self, out: &mut dyn Stream, classes: &[String]) -> std::io::Result<()> {
        self.row = self.exporter.indicator_row(classes.len());
        self.classes = classes.len();
        let layout = RowLayout {
            key: None,
            columns: classes.to_vec(),
            cell: Cell::Indicator,
            header: self.header,
        };
        out.begin(&layout, &mut self.batch)
    }

    /// Writes a row with a 1 in each of `columns` (repeats are harmless).
    fn write(
        &mut self,
        out: &mut dyn Stream,
        columns: impl Iterator<Item = usize>,
    ) -> std::io::Result<()> {
        for column in columns {
            self.row.set(column, true);
            self.set.push(column);
        }
        self.exporter
            .indicator(&mut self.batch, &self.row, self.rows);
        for column in self.set.drain(..) {
            self.row.set(column, false);
        }
        self.rows += 1;
        out.output().advance();
        if self.batch.is_full() {
            return out.write(&mut self.batch);
        }
        Ok(())
    }

    /// After the last row: the output, complete.
    fn end(&mut self, mut out: Box<dyn Stream + '_>) -> std::io::Result<Output> {
        self.exporter.end_rows(&mut self.batch, self.rows);
        out.write(&mut self.batch)?;
        let shape = ResultShape {
            dims: vec![self.rows, self.classes as u64],
            element: Element::U8,
        };
        out.end(&shape)
    }
}

fn binarize_with_classes(
    reader: &mut LabelReader,
    classes: &[String],
    unknown: Unknown,
    row: &mut RowWriter<'_>,
    out: &mut dyn Stream,
) -> anyhow::Result<()> {
    let index = ClassIndex::new(classes);
    let mut unknown_labels = UnknownLabels::default();
    row.begin(out, classes)?;
    let mut sample = Sample::default();
    let mut columns = Vec::new();
    while reader.next_sample(&mut sample)? {
        columns.clear();
        for (label, column) in sample.labels() {
            match index.get(label) {
                Some(i) => columns.push(i),
                None => match unknown {
                    Unknown::Error => {
                        let mut e = InputError::new(reader.file(), "label is not in --classes")
                            .text(label.text.as_bytes());
                        if sample.line > 0 {
                            e = e.at(sample.line, Some(column));
                        }
                        return Err(e.into());
                    }
                    Unknown::Warn => {
                        unknown_labels.insert(label);
                    }
                    Unknown::Ignore => {}
                },
            }
        }
        row.write(out, columns.iter().copied())?;
    }
    unknown_labels.warn();
    Ok(())
}

/// Every distinct label, numbered in order of first appearance.
#[derive(Debug, Default)]
struct Vocabulary {
    ids: LabelMap<u32>,
    /// Each class's first-seen label: its text names the class.
    names: Vec<String>,
    kinds: Vec<LabelKind>,
}

impl Vocabulary {
    fn intern(&mut self, label: Label<'_>) -> anyhow::Result<u32> {
        if let Some(id) = self.ids.get(label) {
            return Ok(id);
        }
        let id = u32::try_from(self.names.len()).context("more than 4 billion distinct labels")?;
        self.ids.insert_new(label, id);
        self.names.push(label.text.to_owned());
        self.kinds.push(label.kind);
        Ok(id)
    }

    fn get(&self, label: Label<'_>) -> Option<u32> {
        self.ids.get(label)
    }

    /// The classes in scikit-learn's order: the column of each label id, and
    /// the names in column order.
    fn columns(&self, file: &str) -> anyhow::Result<(Vec<usize>, Vec<String>)> {
        let labels: Vec<Label<'_>> = self
            .names
            .iter()
            .zip(&self.kinds)
            .map(|(text, &kind)| Label { text, kind })
            .collect();
        let order = class_order(&labels).map_err(|what| InputError::new(file, what))?;
        let mut column_of = vec![0usize; self.names.len()];
        for (column, &id) in order.iter().enumerate() {
            column_of[id] = column;
        }
        let names = order.iter().map(|&id| self.names[id].clone()).collect();
        Ok((column_of, names))
    }
}

/// The classes of a whole input, and its number of samples.
struct Fitted {
    vocabulary: Vocabulary,
    samples: u64,
    /// How often each label (by id) occurs: the second read must see the
    /// same, or the file changed (a label gone would leave a column of 0s).
    occurrences: Vec<u64>,
    /// The file as it was when the first read began.
    identity: Option<FileIdentity>,
}

/// First pass over a file: the classes.
fn fit(reader: &mut LabelReader, identity: Option<FileIdentity>) -> anyhow::Result<Fitted> {
    let mut vocabulary = Vocabulary::default();
    let mut samples = 0;
    let mut occurrences: Vec<u64> = Vec::new();
    let mut sample = Sample::default();
    while reader.next_sample(&mut sample)? {
        for (label, _) in sample.labels() {
            let id = vocabulary.intern(label)? as usize;
            if id == occurrences.len() {
                occurrences.push(0);
            }
            occurrences[id] += 1;
        }
        samples += 1;
    }
    Ok(Fitted {
        vocabulary,
        samples,
        occurrences,
        identity,
    })
}

/// Second pass over the same file: the rows.
fn transform(
    reader: &mut LabelReader,
    source: &Source,
    fitted: &Fitted,
    row: &mut RowWriter<'_>,
    out: &mut dyn Stream,
) -> anyhow::Result<Vec<String>> {
    let file = reader.file().to_owned();
    let changed = || InputError::new(&file, "changed while being read (it is read twice)");
    if FileIdentity::of(source) != fitted.identity {
        return Err(changed().into());
    }
    let mut occurrences = vec![0u64; fitted.occurrences.len()];
    let vocabulary = &fitted.vocabulary;
    let (column_of, names) = vocabulary.columns(reader.file())?;
    row.begin(out, &names)?;
    let mut columns = Vec::new();
    let mut sample = Sample::default();
    let mut samples = 0;
    while reader.next_sample(&mut sample)? {
        columns.clear();
        for (label, _) in sample.labels() {
            let id = vocabulary.get(label).ok_or_else(changed)?;
            occurrences[id as usize] += 1;
            columns.push(column_of[id as usize]);
        }
        row.write(out, columns.iter().copied())?;
        samples += 1;
    }
    // Checked at the end, so the rows were written already; but the output
    // is not committed (`-o`), and the exit code says it is wrong.
    if samples != fitted.samples || occurrences != fitted.occurrences {
        return Err(changed().into());
    }
    Ok(names)
}

/// Stdin or a pipe, which can be read only once: each sample is kept as its
/// label ids (4 bytes a label) until the classes are known.
fn binarize_fitted_in_memory(
    reader: &mut LabelReader,
    row: &mut RowWriter<'_>,
    out: &mut dyn Stream,
) -> anyhow::Result<Vec<String>> {
    let mut vocabulary = Vocabulary::default();
    // Every sample's label ids back to back; `ends[i]` is where sample i ends.
    let mut labels: Vec<u32> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    let mut sample = Sample::default();
    while reader.next_sample(&mut sample)? {
        for (label, _) in sample.labels() {
            labels.push(vocabulary.intern(label)?);
        }
        ends.push(labels.len());
    }
    let (column_of, names) = vocabulary.columns(reader.file())?;
    row.begin(out, &names)?;
    let mut start = 0;
    for &end in &ends {
        row.write(
            out,
            labels[start..end].iter().map(|&id| column_of[id as usize]),
        )?;
        start = end;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registered input format `name`.
    fn format_named(name: &str) -> Format {
        Format::named(name).expect("a registered input format")
    }

    /// The first read of `first`, then the second read of the file as
    /// `second` left it (written in between, unless the same): the outcome
    /// of transform.
    fn read_twice(first: &str, second: &str, same_identity: bool) -> anyhow::Result<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.csv");
        std::fs::write(&path, first).unwrap();
        let source = Source::Path(path.clone());
        let layout = LabelLayout {
            column: None,
            separator: None,
        };
        let mut reader = LabelReader::open(&source, format_named("csv"), &layout).unwrap();
        let mut fitted = fit(&mut reader, FileIdentity::of(&source)).unwrap();
        if second != first {
            std::fs::write(&path, second).unwrap();
        }
        if same_identity {
            // As if size and time had not told (a coarse clock, the same size).
            fitted.identity = FileIdentity::of(&source);
        }
        let mut reader = LabelReader::open(&source, format_named("csv"), &layout).unwrap();
        let exporter = OutputFormat::default().exporter(Digits::Shortest);
        let mut row = RowWriter::new(&*exporter, false);
        let out = Output::to(Some(&dir.path().join("out.csv"))).unwrap();
        let mut out = exporter.stream(out).unwrap();
        transform(&mut reader, &source, &fitted, &mut row, &mut *out)
    }

    /// A file replaced between binarize's two reads is an error, not a
    /// column of zeros for the label that is gone.
    #[test]
    fn a_file_changed_between_the_two_reads_is_an_error() {
        assert_eq!(
            read_twice("a,b\nc\n", "a,b\nc\n", false).unwrap(),
            ["a", "b", "c"]
        );
        for same_identity in [false, true] {
            // Same samples, same size: a label gone, another doubled.
            let error = read_twice("a,b\nc\n", "a,a\nc\n", same_identity).unwrap_err();
            assert!(
                error.to_string().contains("changed while being read"),
                "{same_identity}: {error}"
            );
        }
    }
}
