//! `mlloss loss`: BCEWithLogitsLoss and MultiLabelSoftMarginLoss on files.
//!
//! A job is about a megabyte of whole rows of LOGITS and the same number of
//! rows of TARGETS. Worker threads take turns cutting the next job from the
//! inputs, then parse it a row at a time, run the loss kernels, and either
//! format its rows (`none`, `row`) or fold them into their own
//! [`Accumulator`] (`mean`, `sum`, `class`), whose size does not depend on
//! the number of rows. The main thread writes the jobs' output in input
//! order and reports the first error in input order; the accumulators merge
//! exactly, so the result does not depend on the number of threads or on
//! where the chunks were cut.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::domain::Domain;
use crate::error::{InputError, UsageError};
use crate::format::write_f64;
use crate::input::{ChunkLimit, Format, MatrixInfo, MatrixReader, RowChunk, Rows, Source, count};
use crate::loss::{
    self, Accumulator, Asymmetric, Bce, BceProbs, ExactSum, Focal, Kind, Loss, Missing,
    MultiLabelMargin, MultiLabelSoftMargin, Outcome, PartialState, PerRow, Reduction, RowWeights,
};
use crate::output::{Digits, Exporter, Output, OutputFormat};
use crate::parallel::{self, Cut, Feed};
use crate::progress::Progress;

/// Bytes of LOGITS per job: large enough to make handing a job over cheap,
/// small enough to keep memory flat.
const JOB_BYTES: usize = 1 << 20;

/// Rows of the first job, which the main thread runs itself to learn the
/// width and settle shape errors before any worker starts.
const FIRST_JOB_ROWS: usize = 64;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Model outputs (logits; probabilities for bce-probs): an N×C numeric matrix, or - for stdin.
    #[arg(value_name = "LOGITS")]
    pub logits: PathBuf,

    /// Targets in [0, 1] (hard 0/1 or soft): an N×C matrix, or - for stdin.
    #[arg(value_name = "TARGETS")]
    pub targets: PathBuf,

    /// The loss to compute.
    #[arg(short, long, value_enum, default_value_t = KindArg::Bce)]
    pub kind: KindArg,

    /// How to combine the element losses.
    #[arg(short, long, value_enum, default_value_t = ReductionArg::Mean)]
    pub reduction: ReductionArg,

    /// Per-class weights w1,…,wC (PyTorch's `weight`); one value applies to every class.
    #[arg(long, value_name = "W1,…,WC", value_parser = parse_number_list, allow_hyphen_values = true)]
    pub weight: Option<NumberList>,

    /// Weights from a file: one row of C values, N rows of one value, or N×C.
    #[arg(long, value_name = "FILE", conflicts_with = "weight")]
    pub weight_file: Option<PathBuf>,

    /// Per-class weights of positive targets p1,…,pC (PyTorch's `pos_weight`; bce only), or
    /// `auto`: negatives / positives of each class in TARGETS.
    #[arg(long, value_name = "P1,…,PC|auto", value_parser = parse_pos_weight, allow_hyphen_values = true)]
    pub pos_weight: Option<PosWeight>,

    /// pos_weight from a file: one row of C values, N rows of one value, or N×C (bce only).
    #[arg(long, value_name = "FILE", conflicts_with = "pos_weight")]
    pub pos_weight_file: Option<PathBuf>,

    /// focal: weight of positives (1 − alpha for negatives); negative turns it off [default: 0.25].
    #[arg(long, value_name = "A", allow_hyphen_values = true)]
    pub alpha: Option<f64>,

    /// focal: the focusing exponent [default: 2].
    #[arg(long, value_name = "G", allow_hyphen_values = true)]
    pub gamma: Option<f64>,

    /// asl: the focusing exponent of negatives [default: 4].
    #[arg(long, value_name = "G", allow_hyphen_values = true)]
    pub gamma_neg: Option<f64>,

    /// asl: the focusing exponent of positives [default: 1].
    #[arg(long, value_name = "G", allow_hyphen_values = true)]
    pub gamma_pos: Option<f64>,

    /// asl: probability margin for negatives; 0 turns shifting off [default: 0.05].
    #[arg(long, value_name = "M", allow_hyphen_values = true)]
    pub clip: Option<f64>,

    /// Targets become y·(1 − EPS) + EPS/2 (Keras' convention).
    #[arg(long, value_name = "EPS", allow_hyphen_values = true)]
    pub label_smoothing: Option<f64>,

    /// Target elements equal to V are missing: they count for nothing (e.g. -1, or nan).
    #[arg(long, value_name = "V", allow_hyphen_values = true)]
    pub ignore_value: Option<f64>,

    /// Input format of all inputs, instead of guessing from the extension (stdin: csv).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,

    /// Layout of the output: csv, tsv, json (a number, array or array of arrays) or jsonl.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Csv)]
    pub output_format: OutputFormat,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,

    /// Print the running totals as JSON for `mlloss merge` instead of a result (sharded runs).
    #[arg(long, conflicts_with_all = ["output_format", "precision"])]
    pub partial: bool,

    /// No progress bar (shown on stderr when it is a terminal and a run takes a while).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// What to do with NaN and ±infinity in the inputs and weights.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Nonfinite::Error)]
    pub nonfinite: Nonfinite,

    /// Threads that parse and compute (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,
}

const EXAMPLES: &str = "\
Examples:
  mlloss loss logits.csv targets.csv
  mlloss loss --kind bce --reduction none logits.csv targets.csv
  mlloss loss --kind mlsm --weight 1,2,1,1,1,1,1 logits.csv targets.csv
  mlloss loss --kind focal --alpha 0.5 --gamma 1 logits.csv targets.csv
  mlloss loss --ignore-value -1 --reduction class logits.csv chexpert-labels.csv
  mlloss loss --pos-weight auto --label-smoothing 0.1 logits.csv targets.csv
  mlloss binarize --classes a,b,c labels.csv | mlloss loss --kind mlsm logits.csv -";

/// The loss to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// torch.nn.BCEWithLogitsLoss.
    Bce,
    /// torch.nn.MultiLabelSoftMarginLoss (alias: mlsm).
    #[value(alias = "mlsm")]
    MultilabelSoftMargin,
    /// torch.nn.BCELoss, on probabilities (each log term clamped at -100).
    BceProbs,
    /// torchvision.ops.sigmoid_focal_loss (--alpha, --gamma).
    Focal,
    /// Asymmetric Loss, Ridnik et al. 2021 (--gamma-neg, --gamma-pos, --clip).
    Asl,
    /// torch.nn.MultiLabelMarginLoss, with 0/1 target rows (alias: margin).
    #[value(alias = "margin")]
    MultilabelMargin,
}

impl KindArg {
    /// The kind with its parameters from the options, or their defaults.
    /// (bce's `pos_weight` needs the number of classes: it is set later.)
    fn kind(self, args: &Args) -> Kind {
        match self {
            KindArg::Bce => Kind::Bce(Bce::default()),
            KindArg::MultilabelSoftMargin => Kind::MultiLabelSoftMargin(MultiLabelSoftMargin {}),
            KindArg::BceProbs => Kind::BceProbs(BceProbs {}),
            KindArg::Focal => {
                let d = Focal::default();
                Kind::Focal(Focal {
                    alpha: args.alpha.unwrap_or(d.alpha),
                    gamma: args.gamma.unwrap_or(d.gamma),
                })
            }
            KindArg::Asl => {
                let d = Asymmetric::default();
                Kind::Asymmetric(Asymmetric {
                    gamma_neg: args.gamma_neg.unwrap_or(d.gamma_neg),
                    gamma_pos: args.gamma_pos.unwrap_or(d.gamma_pos),
                    clip: args.clip.unwrap_or(d.clip),
                })
            }
            KindArg::MultilabelMargin => Kind::MultiLabelMargin(MultiLabelMargin {}),
        }
    }

    fn name(self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned())
    }
}

/// What to do with NaN and ±infinity in the inputs and weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Nonfinite {
    /// Stop with an error naming the value's place.
    Error,
    /// Compute as PyTorch does, but give the limit where PyTorch gives NaN for one (README).
    Allow,
}

/// How element losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReductionArg {
    /// No reduction: the N×C matrix; for mlsm and multilabel-margin one value per sample.
    None,
    /// PyTorch's mean: one number.
    Mean,
    /// PyTorch's sum: one number.
    Sum,
    /// Mean over the classes of each sample: N values, one per line.
    Row,
    /// Mean over the samples of each class: C values on one line.
    Class,
}

impl From<ReductionArg> for Reduction {
    fn from(reduction: ReductionArg) -> Reduction {
        match reduction {
            ReductionArg::None => Reduction::None,
            ReductionArg::Mean => Reduction::Mean,
            ReductionArg::Sum => Reduction::Sum,
            ReductionArg::Row => Reduction::Row,
            ReductionArg::Class => Reduction::Class,
        }
    }
}

/// Numbers given on the command line as `a,b,c`.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberList(pub Vec<f64>);

fn parse_number_list(text: &str) -> Result<NumberList, String> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            item.parse::<f64>()
                .map_err(|_| format!("{item:?} is not a number"))
        })
        .collect::<Result<_, _>>()
        .map(NumberList)
}

/// `--pos-weight`: numbers, or `auto`.
#[derive(Debug, Clone, PartialEq)]
pub enum PosWeight {
    Values(NumberList),
    Auto,
}

fn parse_pos_weight(text: &str) -> Result<PosWeight, String> {
    if text.trim().eq_ignore_ascii_case("auto") {
        Ok(PosWeight::Auto)
    } else {
        parse_number_list(text).map(PosWeight::Values)
    }
}

fn usage_error(message: String) -> anyhow::Error {
    UsageError::new("loss", message).into()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut kind = args.kind.kind(&args);
    let reduction = Reduction::from(args.reduction);
    check_options(&kind, &args)?;
    let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
    let logits_source = Source::from_arg(&args.logits);
    let targets_source = Source::from_arg(&args.targets);
    let weight_sources =
        [&args.weight_file, &args.pos_weight_file].map(|f| f.as_deref().map(Source::from_arg));
    let from_stdin = [Some(&logits_source), Some(&targets_source)]
        .into_iter()
        .chain(weight_sources.iter().map(Option::as_ref))
        .flatten()
        .filter(|s| s.is_stdin())
        .count();
    if from_stdin > 1 {
        return Err(usage_error("only one input can be stdin (-)".into()));
    }
    if args.pos_weight == Some(PosWeight::Auto) && !targets_source.is_regular_file() {
        return Err(usage_error(
            "--pos-weight auto reads TARGETS twice: give TARGETS as a file, not a pipe or stdin"
                .into(),
        ));
    }
    let logits_domain = kind.logits_domain();
    let targets_domain = kind
        .targets_domain()
        .with_nonfinite(allow_nonfinite)
        .with_missing(args.ignore_value);
    let weight_domain = Domain::FINITE.with_nonfinite(allow_nonfinite);
    let mut readers = Readers {
        logits: MatrixReader::open(
            &logits_source,
            Format::detect(&logits_source, args.format),
            logits_domain.with_nonfinite(allow_nonfinite),
        )?,
        targets: MatrixReader::open(
            &targets_source,
            Format::detect(&targets_source, args.format),
            targets_domain,
        )?,
        weights: [None, None],
    };
    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);

    // The first rows fix the width C, which the weights and the workers need.
    let mut first = Job::default();
    cut_job(&mut readers, ChunkLimit::Rows(FIRST_JOB_ROWS), &mut first)?;
    // An empty input (or a header alone) is named as such, rather than as
    // the other input's rows having no partner.
    for (chunk, reader) in [(&first.x, &readers.logits), (&first.y, &readers.targets)] {
        if chunk.row_count() == 0 {
            return Err(InputError::new(reader.file(), "no data rows").into());
        }
    }
    // Each input's first row: its width and line. (The worker parses this
    // one row again with the rest of the first job.)
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
            let what = format!("{y_cols} columns, but {} has {cols}", readers.logits.file());
            let error = InputError::new(readers.targets.file(), what).at_line_if_known(y_line);
            return Err(error.into());
        }
        check_header(&readers.targets, y, cols)?;
    }

    // Weights: from the command line, from TARGETS (auto), or from files,
    // whose rows then join the jobs.
    let logits_file = readers.logits.file().to_owned();
    let expand = |values: &[f64], option: &str| -> anyhow::Result<Vec<f64>> {
        loss::broadcast(values, cols).ok_or_else(|| {
            anyhow::anyhow!(
                "{option} has {} values, but {logits_file} has {cols} columns (give {cols} values, or one for all)",
                values.len()
            )
        })
    };
    let mut per_class = [
        args.weight
            .as_ref()
            .map(|NumberList(v)| expand(v, "--weight"))
            .transpose()?,
        match &args.pos_weight {
            Some(PosWeight::Values(NumberList(v))) => Some(expand(v, "--pos-weight")?),
            Some(PosWeight::Auto) => Some(auto_pos_weight(
                &targets_source,
                Format::detect(&targets_source, args.format),
                targets_domain,
                cols,
            )?),
            None => None,
        },
    ];
    let mut weight_infos: [Option<(MatrixInfo, usize)>; 2] = [None, None];
    for (i, source) in weight_sources.iter().enumerate() {
        let Some(source) = source else { continue };
        let format = Format::detect(source, args.format);
        match open_weight_file(source, format, weight_domain, cols, &logits_file)? {
            WeightFile::PerClass(values) => per_class[i] = Some(values),
            WeightFile::PerRow(reader, width) => {
                weight_infos[i] = Some((reader.info().clone(), width));
                readers.weights[i] = Some(*reader);
            }
        }
    }
    if readers.weights.iter().any(Option::is_some) {
        // The first job was cut before the weight files were open.
        let limit = ChunkLimit::Rows(first.x.row_count());
        cut_weights(&mut readers, limit, &mut first)?;
    }
    let [weight, pos_weight] = per_class;
    if let Kind::Bce(bce) = &mut kind {
        bce.pos_weight = pos_weight;
    }
    let loss = Loss {
        kind,
        weight,
        label_smoothing: args.label_smoothing.unwrap_or(0.0),
        missing: args.ignore_value.map(Missing),
    };
    let exporter = args
        .output_format
        .exporter(Digits::from_precision(args.precision));
    // A partial state keeps every total, per class too.
    let rows_reduction = if args.partial {
        Reduction::Class
    } else {
        reduction
    };
    let kernel = Kernel {
        per_row: rows_reduction.per_row(loss.kind.shape()),
        reduction: rows_reduction,
        loss,
        exporter,
        cols,
        x_info: readers.logits.info().clone(),
        y_info: readers.targets.info().clone(),
        weight_infos,
    };
    let mut out = Output::to(args.output.as_deref())?;
    let total_bytes = match &logits_source {
        Source::Path(path) => std::fs::metadata(path).ok().map(|m| m.len()),
        Source::Stdin => None,
    };
    let mut progress = Progress::new(args.quiet, total_bytes, "bytes");
    let mut main_worker = Worker::new(&kernel);
    let mut text = Vec::new();
    main_worker.run(&first, &mut text)?;
    out.write_bytes(&text)?;
    progress.advance(first.x.source_bytes() as u64);
    let mut accumulator = main_worker.accumulator;
    let mut rows = first.x.row_count() as u64;
    if !first.is_last {
        rows += run_parallel(
            &kernel,
            threads,
            &mut readers,
            &mut out,
            &mut accumulator,
            &mut progress,
        )?;
    }
    progress.finish();
    if args.partial {
        let state = PartialState::new(&kernel.loss, cols, &accumulator);
        let mut json = serde_json::to_vec(&state)?;
        json.push(b'\n');
        out.write_bytes(&json)?;
        out.finish()?;
        return Ok(());
    }
    let exporter = &kernel.exporter;
    let mut text = Vec::new();
    match reduction.outcome(&accumulator) {
        Outcome::Scalar(value) => exporter.scalar(&mut text, value),
        Outcome::PerClass(values) => exporter.array(&mut text, &values),
        Outcome::Rows => exporter.end_rows(&mut text, rows),
    }
    out.write_bytes(&text)?;
    out.finish()?;
    Ok(())
}

/// The usage errors that the command line alone shows: options of other
/// kinds, and numbers out of their range.
fn check_options(kind: &Kind, args: &Args) -> anyhow::Result<()> {
    let name = args.kind.name();
    // The options of one kind's parameters.
    let pos_weight = args.pos_weight.is_some() || args.pos_weight_file.is_some();
    let kind_options = [
        (pos_weight, "--pos-weight", KindArg::Bce),
        (args.alpha.is_some(), "--alpha", KindArg::Focal),
        (args.gamma.is_some(), "--gamma", KindArg::Focal),
        (args.gamma_neg.is_some(), "--gamma-neg", KindArg::Asl),
        (args.gamma_pos.is_some(), "--gamma-pos", KindArg::Asl),
        (args.clip.is_some(), "--clip", KindArg::Asl),
    ];
    for (given, option, owner) in kind_options {
        if given && args.kind != owner {
            return Err(usage_error(format!(
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
        return Err(usage_error(format!(
            "{option} applies to --kind {} and {last} only, not {name}",
            rest.join(", ")
        )));
    }
    if let Some(eps) = args.label_smoothing
        && !(0.0..=1.0).contains(&eps)
    {
        return Err(usage_error(format!(
            "--label-smoothing must lie in [0, 1], not {eps}"
        )));
    }
    if let Err(bad) = kind.check() {
        return Err(usage_error(format!(
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
            return Err(usage_error(format!(
                "{option} has {v}, which is not a finite number (--nonfinite allow accepts it)"
            )));
        }
    }
    Ok(())
}

/// Where `--weight-file` and `--pos-weight-file` put their weights.
enum WeightFile {
    /// One row: C values (or one) for every sample.
    PerClass(Vec<f64>),
    /// N rows of C values or of one: read along with the other inputs.
    PerRow(Box<MatrixReader>, usize),
}

/// Reads a weight file's first rows to tell its layout. A file of one row
/// applies to every sample; otherwise it is read again, row by row, so it
/// must be a file rather than a pipe.
fn open_weight_file(
    source: &Source,
    format: Format,
    domain: Domain,
    cols: usize,
    logits_file: &str,
) -> anyhow::Result<WeightFile> {
    let mut reader = MatrixReader::open(source, format, domain)?;
    let mut chunk = RowChunk::default();
    reader.next_chunk(ChunkLimit::Rows(2), &mut chunk)?;
    let mut rows = chunk.rows(reader.info(), None);
    let Some((values, line)) = rows.next_row()? else {
        return Err(InputError::new(reader.file(), "no data rows").into());
    };
    let (values, width) = (values.to_vec(), values.len());
    if width != 1 && width != cols {
        let what = format!(
            "{}, but {logits_file} has {cols} columns (give {cols} values a row, or one)",
            count(width, "value")
        );
        return Err(InputError::new(reader.file(), what)
            .at_line_if_known(line)
            .into());
    }
    if chunk.row_count() == 1 {
        return Ok(WeightFile::PerClass(
            loss::broadcast(&values, cols).expect("width is 1 or C"),
        ));
    }
    if !source.is_regular_file() {
        let what = "a weight file of several rows is read along with the inputs and must be a file, not a pipe";
        return Err(InputError::new(reader.file(), what).into());
    }
    let reader = MatrixReader::open(source, format, domain)?;
    Ok(WeightFile::PerRow(Box::new(reader), width))
}

/// `--pos-weight auto`: for each class, the negatives divided by the
/// positives in TARGETS (soft targets count y as positive and 1 − y as
/// negative; missing elements count for neither), from a first pass over
/// the file. Reported on stderr.
fn auto_pos_weight(
    source: &Source,
    format: Format,
    domain: Domain,
    cols: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut reader = MatrixReader::open(source, format, domain)?;
    let missing = domain.missing.map(Missing);
    let mut positives = vec![ExactSum::default(); cols];
    let mut negatives = vec![ExactSum::default(); cols];
    let mut chunk = RowChunk::default();
    loop {
        reader.next_chunk(ChunkLimit::Bytes(JOB_BYTES), &mut chunk)?;
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
    line.push(b'\n');
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), &line);
    Ok(pos_weight)
}

/// Every input, cut at the same rows.
struct Readers {
    logits: MatrixReader,
    targets: MatrixReader,
    /// `--weight-file` and `--pos-weight-file` when they have a row per sample.
    weights: [Option<MatrixReader>; 2],
}

impl Feed for Readers {
    type Job = Job;
    type Error = anyhow::Error;

    fn cut(&mut self, job: &mut Job) -> anyhow::Result<Cut> {
        cut_job(self, ChunkLimit::Bytes(JOB_BYTES), job)?;
        Ok(if job.is_empty() {
            Cut::End
        } else if job.is_last {
            Cut::Last
        } else {
            Cut::More
        })
    }
}

/// One set of chunks: rows of LOGITS and the same rows of TARGETS (and of
/// the weight files read row by row).
#[derive(Debug, Default)]
struct Job {
    x: RowChunk,
    y: RowChunk,
    weights: [RowChunk; 2],
    /// No job follows: the inputs ended, or one of them did before the other.
    is_last: bool,
    /// The buffer its printed rows go into, reused from job to job.
    text: Vec<u8>,
}

impl Job {
    /// No rows in any input: the inputs have ended together.
    fn is_empty(&self) -> bool {
        self.x.row_count() == 0
            && self.y.row_count() == 0
            && self.weights.iter().all(|w| w.row_count() == 0)
    }
}

/// Cuts the next job: LOGITS by `limit`, the others by the same row count.
fn cut_job(readers: &mut Readers, limit: ChunkLimit, job: &mut Job) -> Result<(), InputError> {
    readers.logits.next_chunk(limit, &mut job.x)?;
    // When LOGITS has ended, one more row of the others tells whether they have too.
    let rows = ChunkLimit::Rows(job.x.row_count().max(1));
    readers.targets.next_chunk(rows, &mut job.y)?;
    job.is_last = job.x.row_count() == 0 || job.y.row_count() < job.x.row_count();
    cut_weights(readers, rows, job)
}

fn cut_weights(readers: &mut Readers, rows: ChunkLimit, job: &mut Job) -> Result<(), InputError> {
    for (reader, chunk) in readers.weights.iter_mut().zip(&mut job.weights) {
        if let Some(reader) = reader {
            reader.next_chunk(rows, chunk)?;
            job.is_last |= chunk.row_count() < job.x.row_count();
        }
    }
    Ok(())
}

/// What every thread shares: the loss, the shape, and how to parse.
struct Kernel {
    loss: Loss,
    exporter: Box<dyn Exporter>,
    /// What the rows give: the reduction's rule for this loss.
    reduction: Reduction,
    per_row: PerRow,
    cols: usize,
    x_info: MatrixInfo,
    y_info: MatrixInfo,
    /// The weight files read row by row, with their width (1 or C).
    weight_infos: [Option<(MatrixInfo, usize)>; 2],
}

/// A thread's own buffers and partial sums.
struct Worker<'k> {
    kernel: &'k Kernel,
    element_losses: Vec<f64>,
    /// Smoothed targets.
    scratch: Vec<f64>,
    /// A row of each weight file, widened to C values.
    row_weights: [Vec<f64>; 2],
    accumulator: Accumulator,
}

impl<'k> Worker<'k> {
    fn new(kernel: &'k Kernel) -> Self {
        let per_class = if kernel.reduction.per_class() {
            kernel.cols
        } else {
            0
        };
        let loss = &kernel.loss;
        Worker {
            kernel,
            element_losses: vec![0.0; kernel.cols],
            scratch: Vec::new(),
            row_weights: [Vec::new(), Vec::new()],
            accumulator: Accumulator::new(loss.kind.shape(), loss.missing, per_class),
        }
    }

    /// Parses and computes one job a row at a time, appending its printed
    /// rows to `text`. The first bad row, in input order, is the error.
    fn run(&mut self, job: &Job, text: &mut Vec<u8>) -> Result<(), InputError> {
        let k = self.kernel;
        let mut xs = job.x.rows(&k.x_info, Some(k.cols));
        let mut ys = job.y.rows(&k.y_info, Some(k.cols));
        let mut weight_rows: [Option<(Rows<'_>, &MatrixInfo)>; 2] = [None, None];
        for (i, info) in k.weight_infos.iter().enumerate() {
            if let Some((info, width)) = info {
                weight_rows[i] = Some((job.weights[i].rows(info, Some(*width)), info));
            }
        }
        let mut paired = 0u64;
        loop {
            let (x, x_line, y) = match (xs.next_row()?, ys.next_row()?) {
                (Some((x, x_line)), Some((y, _))) => (x, x_line, y),
                (None, None) => {
                    // The weight files must end here too.
                    for (rows, info) in weight_rows.iter_mut().flatten() {
                        if let Some((_, line)) = rows.next_row()? {
                            return Err(unpaired_row(
                                info,
                                line,
                                &k.x_info,
                                job.x.first_row() + paired,
                            ));
                        }
                    }
                    return Ok(());
                }
                (Some((_, line)), None) => {
                    return Err(unpaired_row(
                        &k.x_info,
                        line,
                        &k.y_info,
                        job.y.first_row() + paired,
                    ));
                }
                (None, Some((_, line))) => {
                    return Err(unpaired_row(
                        &k.y_info,
                        line,
                        &k.x_info,
                        job.x.first_row() + paired,
                    ));
                }
            };
            for (i, slot) in weight_rows.iter_mut().enumerate() {
                let Some((rows, info)) = slot else { continue };
                let Some((w, _)) = rows.next_row()? else {
                    let rows = job.weights[i].first_row() + paired;
                    return Err(unpaired_row(&k.x_info, x_line, info, rows));
                };
                let buffer = &mut self.row_weights[i];
                buffer.clear();
                if w.len() == 1 {
                    buffer.resize(k.cols, w[0]);
                } else {
                    buffer.extend_from_slice(w);
                }
            }
            paired += 1;
            let row_weights = RowWeights {
                weight: weight_rows[0].as_ref().map(|_| &self.row_weights[0][..]),
                pos_weight: weight_rows[1].as_ref().map(|_| &self.row_weights[1][..]),
            };
            let losses = &mut self.element_losses;
            k.loss
                .element_losses(x, y, row_weights, &mut self.scratch, losses);
            // The row's index in the output (JSON separates rows).
            let index = job.x.first_row() + paired - 1;
            match k.per_row {
                PerRow::Elements => k.exporter.numbers_row(text, losses, index),
                PerRow::SampleLoss => {
                    k.exporter
                        .number_row(text, k.loss.sample_loss(losses, y), index)
                }
                PerRow::Totals => self.accumulator.add_row(losses, y),
            }
        }
    }
}

/// The error for inputs of different lengths: the first row of the longer
/// input (at `line`) that has no partner, the shorter having ended after
/// `rows` rows.
fn unpaired_row(longer: &MatrixInfo, line: u64, shorter: &MatrixInfo, rows: u64) -> InputError {
    let what = format!(
        "row {} has no partner: {} ends after {}",
        rows + 1,
        shorter.file,
        count(rows as usize, "row")
    );
    InputError::new(&longer.file, what).at_line_if_known(line)
}

/// Runs the remaining jobs on `threads` workers (see [`parallel`]),
/// writing their output in input order and merging their partial sums into
/// `total`; returns the number of rows.
fn run_parallel(
    kernel: &Kernel,
    threads: usize,
    readers: &mut Readers,
    out: &mut Output,
    total: &mut Accumulator,
    progress: &mut Progress,
) -> anyhow::Result<u64> {
    let mut rows = 0;
    let workers = parallel::run(
        threads,
        readers,
        || Worker::new(kernel),
        |worker, job| {
            let mut text = std::mem::take(&mut job.text);
            text.clear();
            let result = worker.run(job, &mut text);
            job.text = text;
            Ok(result?)
        },
        |job| {
            out.write_bytes(&job.text)?;
            rows += job.x.row_count() as u64;
            progress.advance(job.x.source_bytes() as u64);
            Ok(())
        },
    )?;
    for worker in workers {
        total.merge(&worker.accumulator);
    }
    Ok(rows)
}

/// A header line must be as wide as the rows under it; `first` is the width
/// and line of the first row.
fn check_header(
    reader: &MatrixReader,
    first: Option<(usize, u64)>,
    cols: usize,
) -> Result<(), InputError> {
    match (reader.header_width(), first) {
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
