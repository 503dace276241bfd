//! The command line of `mlloss loss`, as the user wrote it (clap derive;
//! the doc comments are the help text). [`super::plan`] checks it and
//! settles everything else.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::ValueEnum;

use super::kind_options::{
    KindChoice, KindParams, default_kind_name, pos_weight_file_help, pos_weight_help,
};
use crate::cmd::options::{TableArgs, parse_ignore_value, parse_threads};
use crate::cmd::pairing::PairOptions;
use crate::cmd::pairing::select::{self, Spec};
use crate::cmd::target_labels::LabelArgs;
use crate::loss::Reduction;
use crate::output::OutputFormat;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Model outputs (logits; probabilities for bce-probs): an N×C numeric matrix, or - for stdin.
    #[arg(value_name = "LOGITS")]
    pub logits: PathBuf,

    /// Targets in [0, 1] (hard 0/1 or soft): an N×C matrix, or - for stdin; none when LOGITS holds
    /// both (--logits-columns and --targets-columns).
    #[arg(value_name = "TARGETS", required_unless_present_all = ["logits_columns", "targets_columns"])]
    pub targets: Option<PathBuf>,

    /// LOGITS' columns: names (p_* wildcards; a list column's name selects its elements) or
    /// 1-based positions and ranges, comma-separated.
    #[arg(long, value_name = "SPEC", value_parser = select::parse)]
    pub logits_columns: Option<Spec>,

    /// TARGETS' columns, as --logits-columns; with both, TARGETS may be left out: one file holds both.
    #[arg(long, value_name = "SPEC", value_parser = select::parse)]
    pub targets_columns: Option<Spec>,

    /// The loss to compute.
    #[arg(short, long, value_enum, default_value = default_kind_name())]
    pub kind: KindChoice,

    /// How to combine the element losses.
    #[arg(short, long, value_enum, default_value_t = ReductionArg::Mean)]
    pub reduction: ReductionArg,

    /// Per-class weights w1,…,wC (PyTorch's `weight`); one value applies to every class.
    #[arg(long, value_name = "W1,…,WC", value_parser = parse_number_list, allow_hyphen_values = true)]
    pub weight: Option<NumberList>,

    /// Weights from a file: one row (or a 1-D array) of C values, N rows of one value, or N×C.
    #[arg(long, value_name = "FILE", conflicts_with = "weight")]
    pub weight_file: Option<PathBuf>,

    /// Per-class weights of positive targets (PyTorch's `pos_weight`), or `auto` (help: from
    /// the kinds that take it).
    #[arg(long, value_name = "P1,…,PC|auto", value_parser = parse_pos_weight, allow_hyphen_values = true, help = pos_weight_help())]
    pub pos_weight: Option<PosWeight>,

    /// pos_weight from a file (help: from the kinds that take it).
    #[arg(long, value_name = "FILE", conflicts_with = "pos_weight", help = pos_weight_file_help())]
    pub pos_weight_file: Option<PathBuf>,

    /// Each kind's parameters (`--alpha`, `--gamma-neg`, …), from the
    /// registry of kinds.
    #[command(flatten)]
    pub params: KindParams,

    /// Batch losses (two-way): one loss per consecutive batch of B rows, as a training loop logs
    /// it [default: the whole input is one batch].
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,

    /// Targets become y·(1 − EPS) + EPS/2 (Keras' convention).
    #[arg(long, value_name = "EPS", allow_hyphen_values = true)]
    pub label_smoothing: Option<f64>,

    /// Target elements equal to V are missing: they count for nothing (e.g. -1, nan, or null:
    /// the nulls of a Parquet or Arrow table, and NaN).
    #[arg(long, value_name = "V", value_parser = parse_ignore_value, allow_hyphen_values = true)]
    pub ignore_value: Option<f64>,

    #[command(flatten)]
    pub labels: LabelArgs,

    #[command(flatten)]
    pub table: TableArgs,

    /// Layout of the output [default: from -o FILE's extension, else csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,

    /// Print the running totals as JSON for `mlloss merge` instead of a result (sharded runs).
    #[arg(long, conflicts_with_all = ["output_format", "precision"])]
    pub partial: bool,

    /// Print a first line of names: the classes (none, class), or `loss`; the key's name first.
    #[arg(long, conflicts_with = "partial")]
    pub header: bool,

    /// No progress bar (shown on stderr when it is a terminal and a run takes a while).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// What to do with NaN and ±infinity in the inputs and weights.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Nonfinite::Error)]
    pub nonfinite: Nonfinite,

    /// Threads that parse and compute, 1–1024 (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_threads)]
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
  mlloss loss --kind two-way --batch-size 64 --reduction none logits.csv targets.csv
  mlloss binarize --classes a,b,c labels.csv | mlloss loss --kind mlsm logits.csv -";

impl Args {
    /// The output's format: `--output-format`, else `-o FILE`'s extension.
    pub(super) fn output_format(&self) -> OutputFormat {
        OutputFormat::choose(self.output_format, self.output.as_deref())
    }

    /// How LOGITS and TARGETS pair.
    pub(super) fn pair_options(&self) -> PairOptions<'_> {
        PairOptions {
            command: "loss",
            logits_columns: self.logits_columns.as_ref(),
            targets_columns: self.targets_columns.as_ref(),
            key: self.table.key.as_deref(),
            format: self.table.format,
            dialects: [self.table.dialect(), self.table.targets_dialect()],
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
    /// No reduction: the N×C matrix; for mlsm and multilabel-margin one value per sample, for
    /// two-way one per batch.
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
