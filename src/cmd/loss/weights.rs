//! Weights and positive weights: per class, from the command line, from
//! TARGETS (`--pos-weight auto`) or from a file of one row; or per row,
//! from a file of N rows read along with the other inputs.

use super::args::{Args, NumberList, PosWeight};
use super::sources::Sources;
use crate::cmd::pairing::job::{Job, Readers};
use crate::cmd::pairing::{columns, first_line};
use crate::domain::Domain;
use crate::error::InputError;
use crate::format::write_f64;
use crate::input::{
    ChunkLimit, Dialect, FileIdentity, Format, HeaderMode, HeaderWhy, MatrixReader, RowChunk,
    count, shape_text,
};
use crate::loss::{self, Missing};
use crate::numerics::ExactSum;

/// The weights a plan settled on.
#[derive(Debug, Default)]
pub(super) struct Weights {
    /// Per class, C values each (`weight`, then `pos_weight`).
    pub(super) per_class: [Option<Vec<f64>>; 2],
    /// The width (1 or C) of each weight file read row by row; its reader
    /// is in the inputs and its first rows in the first job.
    pub(super) per_row: [Option<usize>; 2],
    /// Weight files of C columns without names, paired by position.
    pub(super) warnings: Vec<String>,
    /// How each weight file was read, for `--explain`.
    pub(super) explained: Vec<String>,
}

/// Settles the weights once the inputs' width `cols` is known. A weight
/// file is opened once: its first rows are cut along with the first job's,
/// and a file of one row applies to every sample; otherwise its reader
/// joins the inputs.
pub(super) fn settle(
    args: &Args,
    sources: &Sources,
    targets_domain: Domain,
    readers: &mut Readers,
    first: &mut Job,
    cols: usize,
) -> anyhow::Result<Weights> {
    // No samples: nothing to weigh (the loss of no samples is the same with
    // any weight), and no width to check the weights against.
    if first.x.row_count() == 0 {
        return Ok(Weights::default());
    }
    let logits_file = readers.logits.file().to_owned();
    let expand = |values: &[f64], option: &str| -> anyhow::Result<Vec<f64>> {
        loss::broadcast(values, cols).ok_or_else(|| {
            anyhow::anyhow!(
                "{option} has {} values, but {logits_file} has {cols} columns (give {cols} values, or one for all)",
                values.len()
            )
        })
    };
    let mut weights = Weights::default();
    weights.per_class[0] = args
        .weight
        .as_ref()
        .map(|NumberList(v)| expand(v, "--weight"))
        .transpose()?;
    weights.per_class[1] = match &args.pos_weight {
        Some(PosWeight::Values(NumberList(v))) => Some(expand(v, "--pos-weight")?),
        Some(PosWeight::Auto) => Some(pos_weight_pass(
            args,
            sources,
            readers,
            targets_domain,
            cols,
        )?),
        None => None,
    };
    let domain = Domain::FINITE.with_nonfinite(args.nonfinite == super::args::Nonfinite::Allow);
    for (i, source) in sources.weights.iter().enumerate() {
        let Some(source) = source else { continue };
        let file = WeightFile {
            i,
            source,
            domain,
            cols,
        };
        file.settle(args, sources, readers, first, &mut weights)?;
    }
    Ok(weights)
}

/// `--pos-weight auto`: a first pass over TARGETS, its columns taken as in
/// the run, for the negatives-to-positives ratio of each class.
fn pos_weight_pass(
    args: &Args,
    sources: &Sources,
    readers: &Readers,
    targets_domain: Domain,
    cols: usize,
) -> anyhow::Result<Vec<f64>> {
    let source = sources.targets();
    let format = Format::detect(source, args.table.format);
    // Its first line read as the run reads it (pandas' names may
    // have been settled beside LOGITS).
    let run_reader = if sources.targets.is_some() {
        &readers.targets
    } else {
        &readers.logits
    };
    let header = match run_reader.header_why() {
        Some(why) if why.is_header() => HeaderMode::Yes,
        Some(_) => HeaderMode::No,
        None => args.table.targets_dialect().header,
    };
    let dialect = Dialect {
        header,
        ..args.table.targets_dialect()
    };
    let mut reader = MatrixReader::open(source, format, Domain::ANY, dialect)?;
    reader.narrow_domain(targets_domain);
    if let Some(map) = &readers.targets.info().columns {
        reader.set_columns(map.columns.clone())?;
    }
    let pos_weight = auto_pos_weight(reader, cols)?;
    // Read twice: the same file both times, as binarize checks.
    if FileIdentity::of(source) != sources.targets_identity {
        let what = "changed while being read (--pos-weight auto reads it twice)";
        return Err(InputError::new(&source.name(), what).into());
    }
    Ok(pos_weight)
}

/// A weight file (`i`: 0 for `--weight-file`, 1 for `--pos-weight-file`).
struct WeightFile<'a> {
    i: usize,
    source: &'a crate::input::Source,
    domain: Domain,
    cols: usize,
}

impl WeightFile<'_> {
    /// Opens it and reads its first rows along with the first job's: one
    /// row applies to every sample; otherwise its reader joins the inputs.
    fn settle(
        &self,
        args: &Args,
        sources: &Sources,
        readers: &mut Readers,
        first: &mut Job,
        weights: &mut Weights,
    ) -> anyhow::Result<()> {
        let WeightFile {
            i,
            source,
            domain,
            cols,
        } = *self;
        let logits_file = readers.logits.file().to_owned();
        let format = Format::detect(source, args.table.format);
        let mut reader = MatrixReader::open(source, format, domain, args.table.dialect())?;
        first_line::settle_weights(
            "loss",
            &readers.logits,
            &mut reader,
            [&sources.logits, source],
        )?;
        if let (Some(w), Some(x)) = (reader.dims(), readers.logits.dims()) {
            // The classes are LOGITS' selected columns, when selected.
            let mut x = x.to_vec();
            if let Some(last) = x.last_mut() {
                *last = cols;
            }
            check_broadcast(w, &x, &logits_file)
                .map_err(|what| InputError::new(reader.file(), what))?;
        }
        let key = readers.keyed.as_ref().map(|k| &k.key);
        let paired = columns::pair_weights(&readers.logits, &reader, key)?;
        if let Some(columns) = paired.columns {
            reader.set_columns(columns)?;
        }
        // Two rows at least, to tell a file of one row from a file of N.
        let rows = first.x.row_count().max(2);
        let chunk = &mut first.weights[i];
        reader.next_chunk(ChunkLimit::Rows(rows), chunk)?;
        let values = first_row(&reader, chunk, cols, &logits_file)?;
        if values.len() == 1 && chunk.row_count() > 1 && readers.keyed.is_none() {
            check_not_per_class(&reader, source, cols, &logits_file)?;
        }
        // The first job is cut by rows (64): two rows in it are all of
        // LOGITS.
        if first.x.row_count() == 2 {
            check_two_lines(&reader, chunk.row_count(), &logits_file)?;
        }
        // One weight a row needs no names to pair with.
        weights
            .warnings
            .extend(paired.warning.filter(|_| values.len() != 1));
        let said = explanation(i, reader.file(), chunk.row_count(), values.len());
        weights.explained.push(said);
        if chunk.row_count() == 1 {
            weights.per_class[i] = loss::broadcast(&values, cols);
            *chunk = RowChunk::default();
        } else {
            if let Some(keyed) = &mut readers.keyed {
                keyed.pair_weights(
                    i,
                    &first.x,
                    &readers.logits,
                    &mut reader,
                    chunk,
                    paired.keyed,
                )?;
            }
            first.is_last |= chunk.row_count() < first.x.row_count();
            weights.per_row[i] = Some(values.len());
            readers.weights[i] = Some(reader);
        }
        Ok(())
    }
}

/// A text file of one value a row (`np.savetxt(f, pos_weight)`) holding
/// exactly C values: per class, or per sample? It reads as per sample
/// (one weight a row), so refused when it could be the C per-class
/// weights: a wrong guess changes the number. An array says which by its
/// shape; a keyed file is per sample.
fn check_not_per_class(
    reader: &MatrixReader,
    source: &crate::input::Source,
    cols: usize,
    logits_file: &str,
) -> anyhow::Result<()> {
    let Some(why) = reader.header_why() else {
        return Ok(());
    };
    if cols < 2 || !source.is_regular_file() {
        return Ok(());
    }
    let rows = first_line::count_lines(source)?.saturating_sub(u64::from(why.is_header()));
    if rows != cols as u64 {
        return Ok(());
    }
    let file = reader.file();
    let what = format!(
        "{file} holds one value a row, {cols} rows, and {logits_file} has {cols} classes: \
         per-class weights or one weight a sample? Write per-class weights as one row \
         (np.savetxt(f, w[None], delimiter=\",\")), as a .npy of shape (C,), or give them as \
         --weight/--pos-weight values; per-sample weights as a .npy of shape (N, 1), or with \
         the key column (--key)"
    );
    Err(crate::error::UsageError::new("loss", what).into())
}

/// A weight file of two lines beside two samples, whose first line could
/// be pandas' names (`0,1,…` taken as a header or as data): a header over
/// one row of weights for every sample, or two rows, one a sample? Both
/// pair; refused (its other reading would be silent).
fn check_two_lines(reader: &MatrixReader, rows: usize, logits_file: &str) -> anyhow::Result<()> {
    let could_be_names = matches!(
        reader.header_why(),
        Some(
            HeaderWhy::PandasAboveFloats
                | HeaderWhy::PandasByCount
                | HeaderWhy::DataByCount
                | HeaderWhy::CandidateAsData
        )
    );
    let two_lines = rows + usize::from(reader.header_names().is_some()) == 2;
    if !could_be_names || !two_lines {
        return Ok(());
    }
    let what = format!(
        "{} has two lines and {logits_file} two samples: its first line could be pandas' column \
         names over one row of weights for every sample, or the first of two rows of weights, \
         one a sample. Write per-class weights with names (pd.DataFrame([w], columns=names)), \
         as --weight/--pos-weight values or as a .npy of shape (C,); per-sample ones as a .npy \
         of shape (N, 1)",
        reader.file()
    );
    Err(crate::error::UsageError::new("loss", what).into())
}

/// A weight array against LOGITS' array, as PyTorch broadcasts `weight`:
/// aligned on the right, each dimension LOGITS' or 1. Of the shapes that
/// broadcast, mlloss computes those that are per class (every leading
/// dimension 1: `(C,)`, `(1, C)`, a scalar) or per sample or element (the
/// leading dimensions LOGITS'); `(A, 1, C)` over `(A, B, C)` would need a
/// broadcast mlloss does not do, and is an error rather than a misreading.
fn check_broadcast(w: &[usize], x: &[usize], logits_file: &str) -> Result<(), String> {
    let shapes = || {
        format!(
            "{} against {logits_file}'s {}",
            shape_text(w),
            shape_text(x)
        )
    };
    if w.len() > x.len() {
        return Err(format!(
            "a weight array of shape {} has more dimensions than LOGITS",
            shapes()
        ));
    }
    let padded: Vec<usize> = std::iter::repeat_n(1, x.len() - w.len())
        .chain(w.iter().copied())
        .collect();
    if padded.iter().zip(x).any(|(&p, &d)| p != d && p != 1) {
        let hint = if w.len() == 1 {
            " (a 1-D array is per class, as in PyTorch; per-sample weights have shape (N, 1))"
        } else {
            ""
        };
        return Err(format!(
            "a weight array of shape {}, which does not broadcast over it{hint}",
            shapes()
        ));
    }
    let (w_lead, x_lead) = (&padded[..x.len() - 1], &x[..x.len() - 1]);
    if w_lead.iter().all(|&d| d == 1) || w_lead == x_lead {
        return Ok(());
    }
    Err(format!(
        "a weight array of shape {}: mlloss takes weights per class ((C,) or (1, C)), \
         per sample ((N, 1)) or per element (LOGITS' shape); reshape it",
        shapes()
    ))
}

/// A weight file's first row, which must have 1 or C values.
fn first_row(
    reader: &MatrixReader,
    chunk: &RowChunk,
    cols: usize,
    logits_file: &str,
) -> Result<Vec<f64>, InputError> {
    let mut rows = chunk.rows(reader.info(), None);
    let Some((values, line)) = rows.next_row()? else {
        return Err(InputError::new(reader.file(), "no data rows"));
    };
    let width = values.len();
    if width != 1 && width != cols {
        let hint = if reader.dims().is_some_and(|d| d.len() == 1) {
            "a 1-D array is per class, as in PyTorch; per-sample weights have shape (N, 1)".into()
        } else {
            format!("give {cols} values a row, or one")
        };
        let what = format!(
            "{}, but {logits_file} has {cols} columns ({hint})",
            count(width, "value")
        );
        return Err(InputError::new(reader.file(), what).at_line_if_known(line));
    }
    Ok(values.to_vec())
}

/// `--pos-weight auto`: for each class, the negatives divided by the
/// positives in TARGETS (soft targets count y as positive and 1 − y as
/// negative; missing elements count for neither), from a first pass over
/// the file. Reported on stderr.
fn auto_pos_weight(mut reader: MatrixReader, cols: usize) -> anyhow::Result<Vec<f64>> {
    let missing = reader.info().domain.missing.map(Missing);
    let mut positives = vec![ExactSum::default(); cols];
    let mut negatives = vec![ExactSum::default(); cols];
    let mut chunk = RowChunk::default();
    loop {
        reader.next_chunk(ChunkLimit::Bytes(1 << 20), &mut chunk)?;
        if chunk.row_count() == 0 {
            break;
        }
        let mut rows = chunk.rows(reader.info(), Some(cols));
        while let Some((targets, _)) = rows.next_row()? {
            for (j, &y) in targets.iter().enumerate() {
                if !missing.is_some_and(|m| m.is(y)) {
                    positives[j].add(y);
                    negatives[j].add(1.0 - y);
                }
            }
        }
    }
    let mut pos_weight = Vec::with_capacity(cols);
    for (j, (p, n)) in positives.iter().zip(&negatives).enumerate() {
        let p = p.value();
        if p <= 0.0 {
            let what = format!(
                "--pos-weight auto: class {} (column {}) has no positive targets",
                j,
                j + 1
            );
            return Err(InputError::new(reader.file(), what).into());
        }
        pos_weight.push(n.value() / p);
    }
    let mut line = b"mlloss: --pos-weight auto: ".to_vec();
    for (j, &p) in pos_weight.iter().enumerate() {
        if j > 0 {
            line.push(b',');
        }
        write_f64(&mut line, p);
    }
    crate::error::stderr_line(&String::from_utf8_lossy(&line));
    Ok(pos_weight)
}

/// What `--explain` says of weight file `i` (named `file`), whose first
/// chunk has `rows` rows of `values` values.
fn explanation(i: usize, file: &str, rows: usize, values: usize) -> String {
    let option = ["--weight-file", "--pos-weight-file"][i];
    match (rows, values) {
        (1, _) => format!("{option} {file}: one row, the same weights for every sample"),
        (_, 1) => format!("{option} {file}: one weight a sample, row by row"),
        _ => format!("{option} {file}: one weight an element, row by row"),
    }
}
