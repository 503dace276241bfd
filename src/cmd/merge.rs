//! `mlloss merge`: combines the `--partial` states of sharded `loss` (or
//! `metrics`) runs into what the unsharded run prints. The states hold exact sums
//! (as f64 terms) and counts, so the merge is exact whatever the shards.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::error::{InputError, UsageError};
use crate::input::{Source, read_error};
use crate::loss::{
    Accumulator, BatchRun, Mismatch, Outcome, PARTIAL_VERSION, PartialState, Reduction,
};
use crate::metrics::state::MetricsState;
use crate::output::{
    Batch, Cell, Digits, Element, Output, OutputFormat, ResultKind, ResultShape, RowLayout,
};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlloss loss --partial logits-1.csv targets-1.csv > part-1.json
  mlloss merge --reduction mean part-*.json
  split -l 100000 logits.csv x- && split -l 100000 targets.csv y- && \\
    ls x-* | sed 's/^x-//' | xargs -P 2 -I{} sh -c 'mlloss loss --partial x-{} y-{} > part-{}.json' && \\
    mlloss merge part-*.json
  parallel --pipepart -a table.csv --header 1 --block 10M \\
    mlloss loss --partial --logits-columns 'p_*' --targets-columns 'y_*' - | mlloss merge -")]
pub struct Args {
    /// States written by the --partial of `mlloss loss`, `metrics`, `report` or `tune`: files,
    /// or - for stdin; a file or stdin may hold any number, one per line.
    #[arg(value_name = "PARTIAL", required = true)]
    pub partials: Vec<PathBuf>,

    /// The result to print from the merged totals of loss states (metrics states print their
    /// metrics).
    #[arg(short, long, value_enum, default_value_t = MergeReduction::Mean)]
    pub reduction: MergeReduction,

    /// Layout of the output [default: from -o FILE's extension, else csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The reductions that totals can give (`none` and `row` are per row:
/// concatenate the shards' outputs instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeReduction {
    /// PyTorch's mean: one number.
    Mean,
    /// PyTorch's sum: one number.
    Sum,
    /// Mean over the samples of each class: C values on one line.
    Class,
}

impl From<MergeReduction> for Reduction {
    fn from(reduction: MergeReduction) -> Reduction {
        match reduction {
            MergeReduction::Mean => Reduction::Mean,
            MergeReduction::Sum => Reduction::Sum,
            MergeReduction::Class => Reduction::Class,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (merged, merged_metrics) = merge_all(&args)?;
    let format = OutputFormat::choose(args.output_format, args.output.as_deref());
    let digits = Digits::from_precision(args.precision);
    if let Some((state, name)) = merged_metrics {
        let text = match (&state.report, &state.tune) {
            (Some(layout), _) => crate::cmd::report::merged(&state, layout, &name)?,
            (None, Some(layout)) => crate::cmd::tune::merged(&state, layout, &name)?,
            (None, None) => crate::cmd::metrics::merged_report(&state, format, digits, &name)?,
        };
        let mut out = Output::to(args.output.as_deref())?;
        out.write_bytes(&text)?;
        return Ok(out.finish()?);
    }
    let (state, total, batches, name) = merged.expect("clap requires one PARTIAL");
    let reduction = Reduction::from(args.reduction);
    if let Some(problem) = reduction.problem(state.loss.kind.shape()) {
        let kind = state.loss.kind.name();
        return Err(UsageError::new("merge", format!("--kind {kind}: {problem}")).into());
    }
    let outcome = match batches {
        Some(batches) => batch_outcome(batches, reduction, state.loss.kind.name())?,
        None => reduction.outcome(&total),
    };
    if let Some(problem) = (state.loss)
        .empty_batch_problem(state.classes, reduction)
        .filter(|_| state.is_empty())
    {
        return Err(InputError::new(&name, problem).into());
    }
    format.check("merge", &[ResultKind::Numbers], args.output.as_deref())?;
    let (exporter, mut out) =
        crate::output::start(format, digits, Output::to(args.output.as_deref())?)?;
    let mut batch = Batch::default();
    // A table's one row: `loss`, or the classes numbered (a state keeps no
    // names).
    let columns = match &outcome {
        Outcome::PerClass(values) => (0..values.len()).map(|j| j.to_string()).collect(),
        _ => vec!["loss".to_owned()],
    };
    let layout = RowLayout {
        key: None,
        columns,
        cell: Cell::F64,
        header: false,
    };
    out.begin(&layout, &mut batch)?;
    let dims = match outcome {
        Outcome::Scalar(value) => {
            exporter.scalar(&mut batch, value);
            vec![]
        }
        Outcome::PerClass(values) => {
            exporter.per_class(&mut batch, &values);
            vec![values.len() as u64]
        }
        Outcome::Rows => unreachable!("merge reductions are totals"),
    };
    out.write(&mut batch)?;
    let element = Element::F64;
    out.end(&ResultShape { dims, element })?.finish()?;
    Ok(())
}

/// A batch loss's result from its merged batches: the last batch closed,
/// then the mean or sum over the batches (no per-class values).
fn batch_outcome(
    mut batches: BatchRun,
    reduction: Reduction,
    kind: &str,
) -> anyhow::Result<Outcome> {
    batches.finish(&mut |_, _| {});
    match reduction {
        Reduction::Mean => Ok(Outcome::Scalar(batches.mean())),
        Reduction::Sum => Ok(Outcome::Scalar(batches.sum())),
        _ => {
            let what = format!(
                "--reduction class does not apply to {kind}, a loss of batches of rows: use \
                 mean or sum (over the batches)"
            );
            Err(UsageError::new("merge", what).into())
        }
    }
}

/// The merged loss states: the first state, the totals, a batch loss's
/// batches, and the first state's name.
type MergedLoss = (PartialState, Accumulator, Option<BatchRun>, String);

/// The merged states of every PARTIAL: loss states, or metrics states.
type Merged = (Option<MergedLoss>, Option<(MetricsState, String)>);

/// Reads and merges every state of every source, refusing states that do
/// not merge (another kind, loss, spec or shape) and sources without any.
fn merge_all(args: &Args) -> anyhow::Result<Merged> {
    let mut merged: Option<MergedLoss> = None;
    let mut merged_metrics: Option<(MetricsState, String)> = None;
    let stdin_twice = (args.partials.iter())
        .filter(|p| Source::from_arg(p).is_stdin())
        .count()
        > 1;
    if stdin_twice {
        let what = "- (stdin) is given twice: its states are read once, all of them";
        return Err(UsageError::new("merge", what.to_owned()).into());
    }
    for path in &args.partials {
        let source = Source::from_arg(path);
        for (state, name) in read_states(&source)? {
            let state = match state {
                State::Loss(state) if merged_metrics.is_none() => state,
                State::Metrics(state) if merged.is_none() => {
                    merge_metrics(&mut merged_metrics, state, name)?;
                    continue;
                }
                _ => {
                    let what = "a loss state and a metrics state do not merge";
                    return Err(InputError::new(&name, what).into());
                }
            };
            let accumulator = state.accumulator();
            let batches = state.batch_run();
            match &mut merged {
                None => merged = Some((state, accumulator, batches, name)),
                Some((first, total, first_batches, first_name)) => {
                    if let Some(Mismatch { what, detail }) = first.mismatch(&state) {
                        let what =
                            format!("computed with another {what} than {first_name} ({detail})");
                        return Err(InputError::new(&name, what).into());
                    }
                    // An empty shard's state adds nothing, and its width
                    // (none, without a header) is no shape to hold others to.
                    if first.is_empty() {
                        (*first, *total, *first_batches, *first_name) =
                            (state, accumulator, batches, name);
                    } else if !state.is_empty() && total.checked_merge(&accumulator).is_none() {
                        let what = "more rows than 64-bit counts hold, with the states before it";
                        return Err(InputError::new(&name, what).into());
                    } else if let (Some(mine), Some(theirs)) = (first_batches, &batches)
                        && let Err(what) = mine.merge(theirs)
                    {
                        return Err(InputError::new(&name, what).into());
                    }
                }
            }
        }
    }
    if merged.is_none() && merged_metrics.is_none() {
        let names: Vec<String> = args
            .partials
            .iter()
            .map(|p| Source::from_arg(p).name())
            .collect();
        let what = "no partial state (each run of loss or metrics --partial prints one line)";
        return Err(InputError::new(&names.join(", "), what).into());
    }
    Ok((merged, merged_metrics))
}

/// Merges a metrics state into `merged`, if their specs and classes agree.
fn merge_metrics(
    merged: &mut Option<(MetricsState, String)>,
    state: MetricsState,
    name: String,
) -> anyhow::Result<()> {
    match merged {
        None => *merged = Some((state, name)),
        Some((first, first_name)) => {
            if let Some(detail) = first.mismatch(&state) {
                let what = format!("{detail}, unlike {first_name}");
                return Err(InputError::new(&name, what).into());
            }
            // An empty shard's state adds nothing, and its classes (none,
            // without a header) are no shape to hold others to.
            if first.is_empty() {
                (*first, *first_name) = (state, name);
            } else if !state.is_empty() {
                first.tally.merge(&state.tally);
            }
        }
    }
    Ok(())
}

/// A state of `loss --partial` or of `metrics --partial`.
// Variants of different sizes are fine: states are few (one a file) and
// read once.
#[allow(clippy::large_enum_variant)]
enum State {
    Loss(PartialState),
    Metrics(MetricsState),
}

/// Reads every state of a file or stdin: JSON documents, one per line as
/// `--partial` prints them (any whitespace between them will do). Each is
/// named for messages by its file, and its line when not the first.
fn read_states(source: &Source) -> anyhow::Result<Vec<(State, String)>> {
    let name = source.name();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut *source.open()?, &mut text)
        .map_err(|e| read_error(&name, &e))?;
    remove_byte_order_marks(&mut text);
    let mut states = Vec::new();
    let mut documents =
        serde_json::Deserializer::from_slice(&text).into_iter::<&serde_json::value::RawValue>();
    let mut end = 0;
    loop {
        let start = end
            + text[end..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let line = 1 + memchr::memchr_iter(b'\n', &text[..start]).count() as u64;
        let document = match documents.next() {
            None => break,
            Some(Ok(document)) => document,
            Some(Err(e)) => return Err(crate::input::json_error(&name, &e, 1).into()),
        };
        end = documents.byte_offset();
        let label = if line == 1 {
            name.clone()
        } else {
            format!("{name}:{line}")
        };
        let state = read_state(document.get().as_bytes(), &name, line)?;
        states.push((state, label));
    }
    Ok(states)
}

/// UTF-8 byte order marks at the start of a line (Windows tools write one
/// before a file's text, and `cat` of such files puts one on each state's
/// line) are removed: a JSON string holds no line break, so a mark there
/// cannot be inside a state. Lines are kept, so messages name them.
fn remove_byte_order_marks(text: &mut Vec<u8>) {
    const MARK: &[u8] = b"\xef\xbb\xbf";
    if memchr::memmem::find(text, MARK).is_none() {
        return;
    }
    let mut kept = Vec::with_capacity(text.len());
    let mut line_start = true;
    let mut i = 0;
    while i < text.len() {
        if line_start && text[i..].starts_with(MARK) {
            i += MARK.len();
            continue;
        }
        let b = text[i];
        line_start = b == b'\n' || (line_start && b.is_ascii_whitespace());
        kept.push(b);
        i += 1;
    }
    *text = kept;
}

/// Reads one state (a JSON document starting at `line` of `name`),
/// refusing other formats and inconsistent totals.
fn read_state(text: &[u8], name: &str, line: u64) -> anyhow::Result<State> {
    /// Which kind of state: the name of its version field.
    #[derive(serde::Deserialize)]
    struct Kind {
        mlloss_metrics_partial: Option<serde::de::IgnoredAny>,
    }
    if let Ok(Kind {
        mlloss_metrics_partial: Some(_),
    }) = serde_json::from_slice::<Kind>(text)
    {
        let state: MetricsState =
            serde_json::from_slice(text).map_err(|e| crate::input::json_error(name, &e, line))?;
        if let Some(problem) = state.problem() {
            return Err(InputError::new(name, problem).at(line, None).into());
        }
        return Ok(State::Metrics(state));
    }
    let state: PartialState = serde_json::from_slice(text).map_err(|e| {
        /// The version alone, to tell an older mlloss's state from a bad file.
        #[derive(serde::Deserialize)]
        struct Version {
            mlloss_partial: u32,
        }
        match serde_json::from_slice::<Version>(text) {
            Ok(Version { mlloss_partial: v }) if v < PARTIAL_VERSION => InputError::new(
                name,
                format!(
                    "a partial state of format {v} (an older mlloss), but this mlloss reads \
                     format {PARTIAL_VERSION}: run loss --partial again"
                ),
            ),
            _ => crate::input::json_error(name, &e, line),
        }
    })?;
    if let Some(problem) = state.problem() {
        return Err(InputError::new(name, problem).at(line, None).into());
    }
    Ok(State::Loss(state))
}
