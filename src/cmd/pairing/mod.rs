//! Pairing the rows and columns of two inputs (LOGITS or SCORES, and
//! TARGETS), which `loss` and `metrics` share: opening them (one file may
//! hold both), settling which fields are the classes and whether rows pair
//! by key, the width C from the first rows, and cutting jobs of paired rows.
//!
//! - `select.rs`: `--logits-columns`/`--targets-columns` selections;
//! - `first_line.rs`: whether a first line `0,1,…` is pandas' names, from
//!   both inputs;
//! - `columns.rs`: columns paired by name, the key column;
//! - `keyed.rs`: rows paired by key;
//! - `job.rs`: jobs of whole rows cut from every input at once.

pub(crate) mod columns;
pub(crate) mod first_line;
pub(crate) mod job;
pub(crate) mod keyed;
pub(crate) mod select;

use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::input::{
    Dialect, Format, MatrixInfo, MatrixReader, RowChunk, Source, count, shape_text,
};
use job::{Job, Keyed, Readers};
use select::Spec;

/// The options that say how two inputs pair, as each command spells them.
pub(crate) struct PairOptions<'a> {
    /// The subcommand, for usage errors.
    pub(crate) command: &'static str,
    pub(crate) logits_columns: Option<&'a Spec>,
    pub(crate) targets_columns: Option<&'a Spec>,
    pub(crate) key: Option<&'a str>,
    pub(crate) format: Option<Format>,
    /// How LOGITS and TARGETS are written (`--input-header` may differ).
    pub(crate) dialects: [Dialect; 2],
}

/// Opens LOGITS and TARGETS (`None`: LOGITS' file holds both, and TARGETS
/// is a view of its rows, read once). `targets_elsewhere`: TARGETS' rows
/// come from elsewhere (label lists, opened once the classes are known).
pub(crate) fn open_readers(
    options: &PairOptions<'_>,
    logits: &Source,
    targets: Option<&Source>,
    targets_elsewhere: bool,
    logits_domain: Domain,
    targets_domain: Domain,
) -> anyhow::Result<Readers> {
    let open = |source: &Source, domain: Domain, dialect: Dialect| {
        MatrixReader::open(
            source,
            Format::detect(source, options.format),
            domain,
            dialect,
        )
    };
    let [logits_dialect, targets_dialect] = options.dialects;
    let (logits, targets, one_file) = match targets {
        Some(targets) if targets_elsewhere => {
            let mut logits = open(logits, logits_domain, logits_dialect)?;
            first_line::settle_alone(options.command, &mut logits)?;
            let targets = MatrixReader::filled_elsewhere(&targets.name(), targets_domain);
            (logits, targets, false)
        }
        Some(targets) => {
            let sources = [logits, targets];
            let (mut logits, mut targets) = (
                open(logits, logits_domain, logits_dialect)?,
                open(targets, targets_domain, targets_dialect)?,
            );
            first_line::settle(options.command, [&mut logits, &mut targets], sources)?;
            (logits, targets, false)
        }
        None => {
            let mut logits = open(logits, Domain::ANY, logits_dialect)?;
            first_line::settle_alone(options.command, &mut logits)?;
            logits.narrow_domain(logits_domain);
            let targets = logits.view(targets_domain);
            (logits, targets, true)
        }
    };
    Ok(Readers {
        logits,
        targets,
        one_file,
        weights: [None, None],
        keyed: None,
        labels: None,
    })
}

/// What the columns settled: the class names, when the inputs name them,
/// and the warning to print if columns pair by position though one side
/// names them.
pub(crate) struct Settled {
    pub(crate) classes: Option<Vec<String>>,
    pub(crate) warning: Option<String>,
}

/// Which fields of LOGITS and TARGETS are the classes, and whether rows
/// pair by key.
pub(crate) fn settle_columns(
    options: &PairOptions,
    readers: &mut Readers,
) -> anyhow::Result<Settled> {
    let key = if readers.one_file {
        if let Some(name) = options.key {
            let what = format!("--key {name} pairs the rows of two files, but one file holds both");
            return Err(UsageError::new(options.command, what).into());
        }
        None
    } else {
        columns::key(options.key, &readers.logits, &readers.targets)?
    };
    let (logits, targets) = (&readers.logits, &readers.targets);
    let pairing = match [options.logits_columns, options.targets_columns] {
        [None, None] => columns::pair(logits, targets, key.as_ref())?,
        selections => columns::pair_selected(selections, logits, targets, key.as_ref())?,
    };
    if readers.one_file
        && let (Some(x), Some(y)) = (&pairing.logits, &pairing.other)
        && let Some(&field) = x.select.iter().find(|f| y.select.contains(f))
    {
        let name = readers.logits.header_names().and_then(|n| n.get(field));
        let column = name.map_or_else(|| format!("{}", field + 1), |n| format!("{n:?}"));
        let scores = match options.command {
            "metrics" => "--scores-columns",
            _ => "--logits-columns",
        };
        let what = format!(
            "{scores} and --targets-columns both select column {column}: \
             a column is either a score or a target"
        );
        return Err(UsageError::new(options.command, what).into());
    }
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

/// Arrays (`.npy`, JSON documents) must have the rank the command takes
/// (`rank`: at most that many dimensions, and who says so), and
/// LOGITS and TARGETS one shape, as PyTorch requires of its tensors: no
/// broadcasting, so (5, 1) against (5,) is an error (with column selections,
/// one shape of samples). A table (CSV, TSV, JSON Lines, records) has rows
/// and columns only, which are checked as read.
pub(crate) fn check_array_shapes(
    rank: Option<(usize, &str)>,
    options: &PairOptions,
    readers: &Readers,
) -> Result<(), InputError> {
    for reader in [&readers.logits, &readers.targets] {
        if let (Some(dims), Some((max, taker))) = (reader.dims(), rank)
            && dims.len() > max
        {
            let what = format!(
                "an array of shape {}, but {} takes 1-D or 2-D inputs, as PyTorch's",
                shape_text(dims),
                taker
            );
            return Err(InputError::new(reader.file(), what));
        }
    }
    // With `--logits-columns`/`--targets-columns` the classes are a
    // selection: the samples' dimensions must still agree.
    let selected = options.logits_columns.is_some() || options.targets_columns.is_some();
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
pub(crate) fn settle_shape(readers: &Readers, first: &Job) -> Result<Option<usize>, InputError> {
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

/// The error for inputs of different lengths: the first row of the longer
/// input (at `line`) that has no partner, the shorter having ended after
/// `rows` rows.
pub(crate) fn unpaired_row(
    longer: &MatrixInfo,
    line: u64,
    shorter: &MatrixInfo,
    rows: u64,
) -> InputError {
    let what = format!(
        "row {} has no partner: {} ends after {}",
        rows + 1,
        shorter.file,
        count(rows as usize, "row")
    );
    InputError::new(&longer.file, what).at_line_if_known(line)
}
