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

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use clap::ValueEnum;
use clap::error::ErrorKind;

use crate::error::InputError;
use crate::format::write_f64;
use crate::input::{ChunkLimit, Domain, Format, MatrixInfo, MatrixReader, RowChunk, Source, count};
use crate::loss::{self, Accumulator, Kind, Loss, Reduction};
use crate::output::Output;

/// Bytes of LOGITS per job: large enough to make handing a job over cheap,
/// small enough to keep memory flat.
const JOB_BYTES: usize = 1 << 20;

/// Rows of the first job, which the main thread runs itself to learn the
/// width and settle shape errors before any worker starts.
const FIRST_JOB_ROWS: usize = 64;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Model outputs (logits): an N×C numeric matrix, or - for stdin.
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

    /// Per-class weights of positive targets p1,…,pC (PyTorch's `pos_weight`; bce only).
    #[arg(long, value_name = "P1,…,PC", value_parser = parse_number_list, allow_hyphen_values = true)]
    pub pos_weight: Option<NumberList>,

    /// Input format of both inputs, instead of guessing from the extension (stdin: csv).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,

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
  mlloss binarize --classes a,b,c labels.csv | mlloss loss --kind mlsm logits.csv -";

/// The loss to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// torch.nn.BCEWithLogitsLoss.
    Bce,
    /// torch.nn.MultiLabelSoftMarginLoss (alias: mlsm).
    #[value(alias = "mlsm")]
    MultilabelSoftMargin,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Kind {
        match kind {
            KindArg::Bce => Kind::Bce,
            KindArg::MultilabelSoftMargin => Kind::MultiLabelSoftMargin,
        }
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
    /// No reduction: bce prints the N×C matrix, mlsm one value per sample.
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

fn usage_error(message: String) -> anyhow::Error {
    use clap::CommandFactory;
    let mut command = crate::cli::Cli::command();
    let loss = command
        .find_subcommand_mut("loss")
        .expect("loss is a subcommand")
        .clone();
    anyhow::Error::new(
        loss.bin_name("mlloss loss")
            .error(ErrorKind::ArgumentConflict, message),
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let kind = Kind::from(args.kind);
    let reduction = Reduction::from(args.reduction);
    if kind != Kind::Bce && args.pos_weight.is_some() {
        return Err(usage_error(
            "--pos-weight applies to --kind bce only (MultiLabelSoftMarginLoss has no pos_weight)"
                .into(),
        ));
    }
    let allow_nonfinite = args.nonfinite == Nonfinite::Allow;
    for (option, list) in [
        ("--weight", &args.weight),
        ("--pos-weight", &args.pos_weight),
    ] {
        let values = list.as_ref().map_or(&[][..], |NumberList(v)| v);
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
    let logits_source = Source::from_arg(&args.logits);
    let targets_source = Source::from_arg(&args.targets);
    if logits_source.is_stdin() && targets_source.is_stdin() {
        return Err(usage_error(
            "LOGITS and TARGETS cannot both be stdin (-)".into(),
        ));
    }
    let mut logits = MatrixReader::open(
        &logits_source,
        Format::detect(&logits_source, args.format),
        Domain::FINITE.with_nonfinite(allow_nonfinite),
    )?;
    let mut targets = MatrixReader::open(
        &targets_source,
        Format::detect(&targets_source, args.format),
        Domain::UNIT_INTERVAL.with_nonfinite(allow_nonfinite),
    )?;
    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);

    // The first job fixes the width C, which the weights and the workers need.
    let mut first = Job::default();
    cut_job(
        &mut logits,
        &mut targets,
        ChunkLimit::Rows(FIRST_JOB_ROWS),
        &mut first,
    )?;
    // An empty input (or a header alone) is named as such, rather than as
    // the other input's rows having no partner.
    for (chunk, reader) in [(&first.x, &logits), (&first.y, &targets)] {
        if chunk.row_count() == 0 {
            return Err(InputError::new(reader.file(), "no data rows").into());
        }
    }
    // Each input's first row: its width and line. (The worker parses this
    // one row again with the rest of the first job.)
    let x = first
        .x
        .rows(logits.info(), None)
        .next_row()?
        .map(|(v, line)| (v.len(), line));
    let y = first
        .y
        .rows(targets.info(), None)
        .next_row()?
        .map(|(v, line)| (v.len(), line));
    let cols = x.or(y).map_or(0, |(width, _)| width);
    check_header(&logits, x, cols)?;
    if let (Some(_), Some((y_cols, y_line))) = (x, y) {
        if y_cols != cols {
            let what = format!("{y_cols} columns, but {} has {cols}", logits.file());
            let error = InputError::new(targets.file(), what).at_line_if_known(y_line);
            return Err(error.into());
        }
        check_header(&targets, y, cols)?;
    }
    let kernel = Kernel {
        loss: build_loss(kind, &args, cols, logits.file())?,
        kind,
        reduction,
        cols,
        x_info: logits.info().clone(),
        y_info: targets.info().clone(),
    };
    let mut out = Output::to(args.output.as_deref())?;
    let mut main_worker = Worker::new(&kernel);
    let mut text = Vec::new();
    main_worker.run(&first, &mut text)?;
    out.write_bytes(&text)?;
    let mut accumulator = main_worker.accumulator;
    if !first.is_last {
        run_parallel(
            &kernel,
            threads,
            &mut logits,
            &mut targets,
            &mut out,
            &mut accumulator,
        )?;
    }
    match reduction {
        Reduction::Mean => out.write_values(&[accumulator.mean(cols)])?,
        Reduction::Sum => out.write_values(&[accumulator.sum()])?,
        Reduction::Class => out.write_values(&accumulator.class_means())?,
        Reduction::None | Reduction::Row => {}
    }
    out.finish()?;
    Ok(())
}

/// One pair of chunks: rows of LOGITS and the same rows of TARGETS.
#[derive(Debug, Default)]
struct Job {
    seq: u64,
    x: RowChunk,
    y: RowChunk,
    /// No job follows: the inputs ended, or one of them did before the other.
    is_last: bool,
    /// The buffer its printed rows go into, reused from job to job.
    text: Vec<u8>,
}

/// Cuts the next job: LOGITS by `limit`, TARGETS by the same row count.
fn cut_job(
    logits: &mut MatrixReader,
    targets: &mut MatrixReader,
    limit: ChunkLimit,
    job: &mut Job,
) -> Result<(), InputError> {
    logits.next_chunk(limit, &mut job.x)?;
    // When LOGITS has ended, one more TARGETS row tells whether it has too.
    let rows = job.x.row_count().max(1);
    targets.next_chunk(ChunkLimit::Rows(rows), &mut job.y)?;
    job.is_last = job.x.row_count() == 0 || job.y.row_count() < job.x.row_count();
    Ok(())
}

/// What every thread shares: the loss, the shape, and how to parse.
struct Kernel {
    loss: Loss,
    kind: Kind,
    reduction: Reduction,
    cols: usize,
    x_info: MatrixInfo,
    y_info: MatrixInfo,
}

/// A thread's own buffers and partial sums.
struct Worker<'k> {
    kernel: &'k Kernel,
    element_losses: Vec<f64>,
    accumulator: Accumulator,
}

impl<'k> Worker<'k> {
    fn new(kernel: &'k Kernel) -> Self {
        let per_class = if kernel.reduction == Reduction::Class {
            kernel.cols
        } else {
            0
        };
        Worker {
            kernel,
            element_losses: vec![0.0; kernel.cols],
            accumulator: Accumulator::new(kernel.kind, per_class),
        }
    }

    /// Parses and computes one job a row at a time, appending its printed
    /// rows to `text`. The first bad row, in input order, is the error.
    fn run(&mut self, job: &Job, text: &mut Vec<u8>) -> Result<(), InputError> {
        let k = self.kernel;
        let mut xs = job.x.rows(&k.x_info, Some(k.cols));
        let mut ys = job.y.rows(&k.y_info, Some(k.cols));
        let mut paired = 0u64;
        loop {
            let (x, y) = match (xs.next_row()?, ys.next_row()?) {
                (Some((x, _)), Some((y, _))) => (x, y),
                (None, None) => return Ok(()),
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
            paired += 1;
            let losses = &mut self.element_losses;
            k.loss.element_losses(x, y, losses);
            match k.reduction {
                Reduction::None if k.kind == Kind::Bce => {
                    for (j, &l) in losses.iter().enumerate() {
                        if j > 0 {
                            text.push(b',');
                        }
                        write_f64(text, l);
                    }
                    text.push(b'\n');
                }
                Reduction::None | Reduction::Row => {
                    write_f64(text, loss::row_mean(losses));
                    text.push(b'\n');
                }
                Reduction::Mean | Reduction::Sum | Reduction::Class => {
                    self.accumulator.add_row(losses)
                }
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

/// Runs the remaining jobs on `threads` workers, writing their output in
/// input order and merging their partial sums into `total`.
///
/// Each worker cuts its own job from the inputs (one at a time, under a
/// lock) and so reads the bytes it is about to parse: they arrive in its
/// own cache. At most `2 × threads + 1` jobs are cut and not yet written,
/// which bounds memory whatever the speed of the output.
fn run_parallel(
    kernel: &Kernel,
    threads: usize,
    logits: &mut MatrixReader,
    targets: &mut MatrixReader,
    out: &mut Output,
    total: &mut Accumulator,
) -> anyhow::Result<()> {
    /// A job back from a worker, with its printed rows.
    struct Done {
        job: Job,
        text: Vec<u8>,
        result: Result<(), InputError>,
    }
    /// What the workers share.
    struct Feed<'r> {
        logits: &'r mut MatrixReader,
        targets: &'r mut MatrixReader,
        /// The number of the next job to cut (jobs are numbered from 1).
        next_seq: u64,
        /// Jobs written so far.
        written: u64,
        /// No more jobs: the inputs ended, one of them failed, or the output did.
        stop: bool,
        /// Buffers of written jobs, to cut the next ones into.
        spare: Vec<Job>,
    }
    let max_in_flight = 2 * threads as u64 + 1;
    let feed = Mutex::new(Feed {
        logits,
        targets,
        next_seq: 1,
        written: 0,
        stop: false,
        spare: Vec::new(),
    });
    let room = Condvar::new();
    let lock = || feed.lock().unwrap_or_else(|e| e.into_inner());
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done_tx = done_tx.clone();
                let (feed, room) = (&feed, &room);
                scope.spawn(move || {
                    let mut worker = Worker::new(kernel);
                    loop {
                        let mut state = feed.lock().unwrap_or_else(|e| e.into_inner());
                        while !state.stop && state.next_seq - state.written > max_in_flight {
                            state = room.wait(state).unwrap_or_else(|e| e.into_inner());
                        }
                        if state.stop {
                            break;
                        }
                        let mut job = state.spare.pop().unwrap_or_default();
                        job.seq = state.next_seq;
                        let cut = {
                            let Feed {
                                logits, targets, ..
                            } = &mut *state;
                            cut_job(logits, targets, ChunkLimit::Bytes(JOB_BYTES), &mut job)
                        };
                        let result = match cut {
                            Ok(()) if job.x.row_count() == 0 && job.y.row_count() == 0 => {
                                state.stop = true;
                                room.notify_all();
                                break;
                            }
                            Ok(()) => Ok(()),
                            // A cutting error comes after every row already handed out.
                            Err(error) => Err(error),
                        };
                        state.next_seq += 1;
                        state.stop |= job.is_last || result.is_err();
                        drop(state);
                        let mut text = std::mem::take(&mut job.text);
                        text.clear();
                        let result = result.and_then(|()| worker.run(&job, &mut text));
                        if done_tx.send(Done { job, text, result }).is_err() {
                            break;
                        }
                    }
                    room.notify_all();
                    worker.accumulator
                })
            })
            .collect();
        drop(done_tx);

        let outcome = (|| -> anyhow::Result<()> {
            let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
            let mut next_to_write = 1u64;
            for done in &done_rx {
                pending.insert(done.job.seq, done);
                while let Some(done) = pending.remove(&next_to_write) {
                    next_to_write += 1;
                    done.result?;
                    out.write_bytes(&done.text)?;
                    let mut job = done.job;
                    job.text = done.text;
                    let mut state = lock();
                    state.written += 1;
                    state.spare.push(job);
                    room.notify_all();
                }
            }
            Ok(())
        })();
        // On an error, stop the workers cutting; they finish what they hold.
        lock().stop = true;
        room.notify_all();
        drop(done_rx);
        for worker in workers {
            let partial = worker
                .join()
                .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
            total.merge(&partial);
        }
        outcome
    })
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

fn build_loss(kind: Kind, args: &Args, classes: usize, file: &str) -> anyhow::Result<Loss> {
    let expand = |list: &Option<NumberList>, option: &str| -> anyhow::Result<Option<Vec<f64>>> {
        let Some(NumberList(values)) = list else {
            return Ok(None);
        };
        loss::broadcast(values, classes).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "{option} has {} values, but {file} has {classes} columns (give {classes} values, or one for all)",
                values.len()
            )
        })
    };
    Ok(Loss::new(
        kind,
        expand(&args.weight, "--weight")?,
        expand(&args.pos_weight, "--pos-weight")?,
    ))
}
