//! `loss`'s plan, in the manner of ripgrep's low-level → high-level
//! arguments: the command line is checked, the inputs opened, and the
//! first rows of each read to settle the shape (the width C, the headers)
//! and the weights; what is left is to compute. Every usage error comes
//! out of here, before any output.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use super::args::{Args, KindArg, Nonfinite, NumberList, PosWeight};
use super::columns;
use super::job::{Job, Keyed, Readers};
use super::weights;
use super::worker::Kernel;
use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::input::{ChunkLimit, Format, MatrixReader, RowChunk, Source, count, shape_text};
use crate::loss::{Kind, Loss, Missing, PerRow, Reduction};
use crate::output::{Cell, Digits, OutputFormat, TableLayout};

/// Rows of the first job, which the main thread runs itself: the plan
/// settles the shape on them before any worker starts.
const FIRST_JOB_ROWS: usize = 64;

/// Everything `loss` decided before computing.
pub(super) struct Plan {
    /// `--header`: the names to print as a first line.
    pub(super) header: Option<Vec<String>>,
    /// The columns of a table output (Parquet).
    pub(super) table: Option<TableLayout>,
    /// The loss, the shape and the layout, shared by every thread.
    pub(super) kernel: Kernel,
    /// The result to print at the end (`--partial`: the totals instead).
    pub(super) reduction: Reduction,
    pub(super) partial: bool,
    /// Every input, positioned after the first job.
    pub(super) readers: Readers,
    pub(super) first: Job,
    pub(super) threads: usize,
    pub(super) output: Option<PathBuf>,
    pub(super) quiet: bool,
    /// The size of LOGITS, for progress, when it is a file.
    pub(super) total_bytes: Option<u64>,
}

impl Plan {
    pub(super) fn new(args: &Args) -> anyhow::Result<Plan> {
        let mut kind = args.kind.kind(args);
        check_options(&kind, args)?;
        check_values(&kind, args)?;
        let sources = Sources::new(args)?;
        let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
        let targets_domain = kind
            .targets_domain()
            .with_nonfinite(allow_nonfinite)
            .with_missing(args.ignore_value);
        let logits_domain = kind.logits_domain().with_nonfinite(allow_nonfinite);
        let mut readers = open_readers(args, &sources, logits_domain, targets_domain)?;
        check_array_shapes(&kind, args, &readers)?;
        let settled = settle_columns(args, &mut readers)?;
        let mut first = Job::default();
        readers.cut(ChunkLimit::Rows(FIRST_JOB_ROWS), &mut first)?;
        let cols = match settle_shape(&readers, &first)? {
            Some(cols) => cols,
            // No samples at all: PyTorch's answer for an N = 0 batch (sum 0,
            // mean NaN, no rows), over the classes the headers name.
            None => {
                eprintln!(
                    "mlloss: warning: {} and {} have no data rows: the loss of no samples",
                    readers.logits.file(),
                    readers.targets.file()
                );
                settled.classes.as_ref().map_or(0, Vec::len)
            }
        };
        let weights = weights::settle(
            args,
            &sources,
            targets_domain,
            &mut readers,
            &mut first,
            cols,
        )?;
        // Warnings once the plan holds: an error alone is one line.
        for warning in settled.warning.iter().chain(&weights.warnings) {
            eprintln!("{warning}");
        }
        let [weight, pos_weight] = weights.per_class;
        if let Kind::Bce(bce) = &mut kind {
            bce.pos_weight = pos_weight;
        }
        let loss = Loss {
            kind,
            weight,
            label_smoothing: args.label_smoothing.unwrap_or(0.0),
            missing: args.ignore_value.map(Missing),
        };
        let kernel = kernel(loss, args, cols, &readers, weights.per_row);
        let (header, table) = output_names(args, &kernel, &readers, settled.classes);
        Ok(Plan {
            header,
            table,
            kernel,
            reduction: Reduction::from(args.reduction),
            partial: args.partial,
            readers,
            first,
            threads: args
                .threads
                .or_else(|| std::thread::available_parallelism().ok())
                .map_or(1, NonZeroUsize::get),
            output: args.output.clone(),
            quiet: args.quiet,
            total_bytes: sources.logits.plain_size(),
        })
    }
}

/// What every thread needs: the loss, what each row gives, the layout of
/// the output, and how to parse each input.
fn kernel(
    loss: Loss,
    args: &Args,
    cols: usize,
    readers: &Readers,
    per_row_weights: [Option<usize>; 2],
) -> Kernel {
    // A partial state keeps every total, per class too.
    let rows_reduction = if args.partial {
        Reduction::Class
    } else {
        Reduction::from(args.reduction)
    };
    let weight_infos = [0, 1].map(|i| {
        let reader = readers.weights[i].as_ref();
        reader
            .zip(per_row_weights[i])
            .map(|(r, width)| (r.info().clone(), width))
    });
    Kernel {
        per_row: rows_reduction.per_row(loss.kind.shape()),
        per_class: rows_reduction.per_class(),
        keyed: readers.keyed.is_some(),
        loss,
        exporter: args
            .output_format()
            .exporter(Digits::from_precision(args.precision)),
        cols,
        x_info: readers.logits.info().clone(),
        y_info: readers.targets.info().clone(),
        weight_infos,
    }
}

/// Where each input comes from.
pub(super) struct Sources {
    pub(super) logits: Source,
    /// `None`: LOGITS' file holds the targets too.
    pub(super) targets: Option<Source>,
    /// `--weight-file`, `--pos-weight-file`.
    pub(super) weights: [Option<Source>; 2],
}

impl Sources {
    /// Refuses what cannot be read: two inputs on stdin, and a second pass
    /// over TARGETS (`--pos-weight auto`) on a stream.
    fn new(args: &Args) -> Result<Sources, UsageError> {
        let sources = Sources {
            logits: Source::from_arg(&args.logits),
            targets: args.targets.as_deref().map(Source::from_arg),
            weights: [&args.weight_file, &args.pos_weight_file]
                .map(|f| f.as_deref().map(Source::from_arg)),
        };
        let from_stdin = [Some(&sources.logits), sources.targets.as_ref()]
            .into_iter()
            .chain(sources.weights.iter().map(Option::as_ref))
            .flatten()
            .filter(|s| s.is_stdin())
            .count();
        if from_stdin > 1 {
            return Err(usage("only one input can be stdin (-)".into()));
        }
        if args.pos_weight == Some(PosWeight::Auto) && args.target_labels {
            return Err(usage(
                "--pos-weight auto counts a matrix of targets; with --target-labels give --pos-weight values"
                    .into(),
            ));
        }
        if args.target_labels && args.key.is_some() {
            return Err(usage(
                "--key pairs the rows of two tables; label lists pair with LOGITS row by row"
                    .into(),
            ));
        }
        if args.target_labels && (args.targets.is_none() || args.targets_columns.is_some()) {
            return Err(usage(
                "--target-labels reads TARGETS, a file of label lists".into(),
            ));
        }
        if args.pos_weight == Some(PosWeight::Auto) && !sources.targets().is_regular_file() {
            return Err(usage(
                "--pos-weight auto reads TARGETS twice: give TARGETS as a file, not a pipe or stdin"
                    .into(),
            ));
        }
        Ok(sources)
    }
}

impl Sources {
    /// The file TARGETS is read from.
    pub(super) fn targets(&self) -> &Source {
        self.targets.as_ref().unwrap_or(&self.logits)
    }
}

/// Opens LOGITS and TARGETS; when one file holds both, it is read once
/// and TARGETS is a view of its rows.
fn open_readers(
    args: &Args,
    sources: &Sources,
    logits_domain: Domain,
    targets_domain: Domain,
) -> Result<Readers, InputError> {
    let open = |source: &Source, domain: Domain| {
        MatrixReader::open(
            source,
            Format::detect(source, args.format),
            domain,
            args.dialect(),
        )
    };
    let (logits, targets) = match &sources.targets {
        // Label lists are opened once the classes are known.
        Some(targets) if args.target_labels => (
            open(&sources.logits, logits_domain)?,
            MatrixReader::filled_elsewhere(&targets.name(), targets_domain),
        ),
        Some(targets) => (
            open(&sources.logits, logits_domain)?,
            open(targets, targets_domain)?,
        ),
        None => {
            let mut logits = open(&sources.logits, Domain::ANY)?;
            logits.narrow_domain(logits_domain);
            let targets = logits.view(targets_domain);
            (logits, targets)
        }
    };
    Ok(Readers {
        logits,
        targets,
        one_file: sources.targets.is_none(),
        weights: [None, None],
        keyed: None,
        labels: None,
    })
}

/// What the columns settled: the class names, when the inputs name them,
/// and the warning to print if columns pair by position though one side
/// names them.
struct Settled {
    classes: Option<Vec<String>>,
    warning: Option<String>,
}

/// Which fields of LOGITS and TARGETS are the classes, and whether rows
/// pair by key.
fn settle_columns(args: &Args, readers: &mut Readers) -> anyhow::Result<Settled> {
    if args.target_labels {
        let classes = super::labels::settle(args, readers)?;
        return Ok(Settled {
            classes,
            warning: None,
        });
    }
    let key = if readers.one_file {
        if let Some(name) = &args.key {
            let what = format!("--key {name} pairs the rows of two files, but one file holds both");
            return Err(usage(what).into());
        }
        None
    } else {
        columns::key(args.key.as_deref(), &readers.logits, &readers.targets)?
    };
    let (logits, targets) = (&readers.logits, &readers.targets);
    let pairing = match [args.logits_columns.as_ref(), args.targets_columns.as_ref()] {
        [None, None] => columns::pair(logits, targets, key.as_ref())?,
        selections => columns::pair_selected(selections, logits, targets, key.as_ref())?,
    };
    if let Some(columns) = pairing.logits {
        readers.logits.set_columns(columns)?;
    }
    if let Some(columns) = pairing.other {
        readers.targets.set_columns(columns)?;
    }
    readers.keyed = key.map(|key| Keyed::new(key, readers.logits.file()));
    Ok(Settled {
        classes: pairing.classes,
        warning: pairing.warning,
    })
}

/// The names the output gives its columns: `--header`'s line, or a
/// table's columns (Parquet, which always names them).
fn output_names(
    args: &Args,
    kernel: &Kernel,
    readers: &Readers,
    classes: Option<Vec<String>>,
) -> (Option<Vec<String>>, Option<TableLayout>) {
    if !kernel.exporter.is_table() {
        let header = args
            .header
            .then(|| header_line(args, kernel, readers, classes));
        return (header, None);
    }
    let names = header_line(args, kernel, readers, classes);
    let keyed = readers.keyed.is_some() && kernel.per_row != PerRow::Totals;
    let (key, columns) = match names.split_first() {
        Some((key, columns)) if keyed => (Some(key), columns),
        _ => (None, &names[..]),
    };
    // pandas' name for an index it stores as a column.
    let key = key.map(|k| match k.as_str() {
        "" => "__index_level_0__".to_owned(),
        k => k.to_owned(),
    });
    let table = TableLayout {
        key,
        columns: columns.to_vec(),
        cell: Cell::F64,
    };
    (None, Some(table))
}

/// `--header`'s names: the key's (rows by key), then the classes' for
/// rows of element losses and for `class`, else `loss`. Without names in
/// the inputs, the classes are numbered from 0.
fn header_line(
    args: &Args,
    kernel: &Kernel,
    readers: &Readers,
    classes: Option<Vec<String>>,
) -> Vec<String> {
    let classes = || classes.unwrap_or_else(|| (0..kernel.cols).map(|j| j.to_string()).collect());
    let key = readers.keyed.as_ref().map(|k| match &k.key {
        super::columns::Key::Named(name) => name.clone(),
        super::columns::Key::Index => String::new(),
    });
    let values = match (kernel.per_row, Reduction::from(args.reduction)) {
        (PerRow::Elements, _) | (_, Reduction::Class) => classes(),
        _ => vec!["loss".to_owned()],
    };
    let key = key.filter(|_| kernel.per_row != PerRow::Totals);
    key.into_iter().chain(values).collect()
}

fn usage(message: String) -> UsageError {
    UsageError::new("loss", message)
}

/// Arrays (`.npy`, JSON documents) must have the rank the kind takes, and
/// LOGITS and TARGETS one shape, as PyTorch requires of its tensors: no
/// broadcasting, so (5, 1) against (5,) is an error (with column selections,
/// one shape of samples). A table (CSV, TSV, JSON Lines, records) has rows
/// and columns only, which are checked as read.
fn check_array_shapes(kind: &Kind, args: &Args, readers: &Readers) -> Result<(), InputError> {
    for reader in [&readers.logits, &readers.targets] {
        if let (Some(dims), Some(max)) = (reader.dims(), kind.max_rank())
            && dims.len() > max
        {
            let what = format!(
                "an array of shape {}, but {} takes 1-D or 2-D inputs, as PyTorch's",
                shape_text(dims),
                kind.name()
            );
            return Err(InputError::new(reader.file(), what));
        }
    }
    // With `--logits-columns`/`--targets-columns` the classes are a
    // selection: the samples' dimensions must still agree.
    let selected = args.logits_columns.is_some() || args.targets_columns.is_some();
    let samples = |dims: &[usize]| dims.split_last().map(|(_, leading)| leading.to_vec());
    if let (Some(x), Some(y)) = (readers.logits.dims(), readers.targets.dims())
        && if selected {
            samples(x) != samples(y)
        } else {
            x != y
        }
    {
        let what = format!(
            "an array of shape {}, but {} has shape {} (PyTorch requires one shape; \
             a 1-D array is one sample, a column of N values has shape (N, 1))",
            shape_text(y),
            readers.logits.file(),
            shape_text(x)
        );
        return Err(InputError::new(readers.targets.file(), what));
    }
    Ok(())
}

/// The width C from the inputs' first rows, which must agree with each
/// other and with their headers. (The first job parses these two rows
/// again: one row, not worth carrying the values along.)
fn settle_shape(readers: &Readers, first: &Job) -> Result<Option<usize>, InputError> {
    if first.x.row_count() == 0 && first.y.row_count() == 0 {
        return Ok(None);
    }
    // One input empty (or a header alone) is named as such, rather than as
    // the other input's rows having no partner.
    for (chunk, reader) in [(&first.x, &readers.logits), (&first.y, &readers.targets)] {
        if chunk.row_count() == 0 {
            return Err(InputError::new(reader.file(), "no data rows"));
        }
    }
    // Each input's first row: its width and line.
    let first_row = |chunk: &RowChunk, reader: &MatrixReader| -> Result<_, InputError> {
        Ok(chunk
            .rows(reader.info(), None)
            .next_row()?
            .map(|(v, line)| (v.len(), line)))
    };
    let x = first_row(&first.x, &readers.logits)?;
    let y = first_row(&first.y, &readers.targets)?;
    let cols = x.or(y).map_or(0, |(width, _)| width);
    check_header(&readers.logits, x, cols)?;
    if let (Some(_), Some((y_cols, y_line))) = (x, y) {
        if y_cols != cols {
            let mut what = format!("{y_cols} columns, but {} has {cols}", readers.logits.file());
            if y_cols.abs_diff(cols) == 1 {
                what += " (an index column in one of them? see --key, --logits-columns, --targets-columns)";
            }
            return Err(InputError::new(readers.targets.file(), what).at_line_if_known(y_line));
        }
        check_header(&readers.targets, y, cols)?;
    }
    Ok(Some(cols))
}

/// Options that do not apply to the kind: another kind's parameters, and
/// what only some kinds take (weights, smoothing, missing targets).
fn check_options(kind: &Kind, args: &Args) -> Result<(), UsageError> {
    let name = args.kind.name();
    if args.output_format() == OutputFormat::Parquet {
        if args.output.as_deref().is_none_or(|o| o == Path::new("-")) {
            return Err(usage(
                "--output-format parquet writes a file: give -o FILE".into(),
            ));
        }
        if args.partial {
            let what = "--partial writes a state for merge, not a Parquet table";
            return Err(usage(what.into()));
        }
    }
    if args.header && !args.output_format().exporter(Digits::Shortest).has_header() {
        let what = "--header applies to csv and tsv output (JSON rows name their fields; a .npy holds numbers only)";
        return Err(usage(what.into()));
    }
    for (given, option, owner) in KindArg::parameter_options(args) {
        if given && args.kind != owner {
            return Err(usage(format!(
                "{option} applies to --kind {} only, not {name}",
                owner.name()
            )));
        }
    }
    // What applies to every kind that takes it.
    let modifiers = [
        (
            args.weight.is_some() || args.weight_file.is_some(),
            "--weight",
        ),
        (args.label_smoothing.is_some(), "--label-smoothing"),
        (args.ignore_value.is_some(), "--ignore-value"),
    ];
    if let Some((_, option)) = modifiers.iter().find(|(given, _)| *given)
        && !kind.takes_modifiers()
    {
        let takers: Vec<&str> = Kind::all()
            .iter()
            .filter(|k| k.takes_modifiers())
            .map(Kind::name)
            .collect();
        let (last, rest) = takers.split_last().expect("some kinds take them");
        return Err(usage(format!(
            "{option} applies to --kind {} and {last} only, not {name}",
            rest.join(", ")
        )));
    }
    Ok(())
}

/// Numbers out of their range: a kind's parameters, the smoothing, and
/// non-finite weights without `--nonfinite allow`.
fn check_values(kind: &Kind, args: &Args) -> Result<(), UsageError> {
    if let Some(eps) = args.label_smoothing
        && !(0.0..=1.0).contains(&eps)
    {
        return Err(usage(format!(
            "--label-smoothing must lie in [0, 1], not {eps}"
        )));
    }
    if let Err(bad) = kind.check() {
        return Err(usage(format!(
            "--{} {}, not {}",
            bad.param, bad.problem, bad.value
        )));
    }
    let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
    let pos_weight_values = match &args.pos_weight {
        Some(PosWeight::Values(list)) => Some(list),
        _ => None,
    };
    for (option, list) in [
        ("--weight", args.weight.as_ref()),
        ("--pos-weight", pos_weight_values),
    ] {
        let values = list.map_or(&[][..], |NumberList(v)| v);
        if let Some(v) = values
            .iter()
            .find(|v| !v.is_finite())
            .filter(|_| !allow_nonfinite)
        {
            return Err(usage(format!(
                "{option} has {v}, which is not a finite number (--nonfinite allow accepts it)"
            )));
        }
    }
    Ok(())
}

/// A header line must be as wide as the rows under it; `first` is the width
/// and line of the first row.
fn check_header(
    reader: &MatrixReader,
    first: Option<(usize, u64)>,
    cols: usize,
) -> Result<(), InputError> {
    // With a column map, each row's fields are checked against the header.
    let header = reader
        .header_width()
        .filter(|_| reader.info().columns.is_none());
    match (header, first) {
        (Some(header), Some((_, line))) if header != cols => {
            let what = format!(
                "ragged row: {}, but the header has {header}",
                count(cols, "value")
            );
            Err(InputError::new(reader.file(), what).at(line, None))
        }
        _ => Ok(()),
    }
}
