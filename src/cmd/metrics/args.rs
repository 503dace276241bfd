//! The command line of `mlloss metrics`, as the user wrote it (clap
//! derive; the doc comments are the help text). [`super::plan`] checks it.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::cmd::decision::{DecisionArgs, ThresholdList, parse_thresholds};
use crate::cmd::options::{TableArgs, parse_ignore_value, parse_threads};
use crate::cmd::pairing::PairOptions;
use crate::cmd::pairing::select::{self, Spec};
use crate::cmd::target_labels::{LabelArgs, LabelInputs};
use crate::metrics::{Average, Family, Metric, Param, Scores, Undefined, ZeroDivision, listing};
use crate::output::OutputFormat;

#[derive(Debug, clap::Args)]
#[command(after_help = format!("{EXAMPLES}\n\n{}", listing::metric_list()))]
pub struct Args {
    /// Scores: logits (or probabilities with --scores probs), an N×C numeric matrix, or - for stdin.
    #[arg(value_name = "SCORES")]
    pub scores_file: PathBuf,

    /// Targets, 0 or 1: an N×C matrix, or - for stdin; none when SCORES holds both
    /// (--scores-columns and --targets-columns).
    #[arg(value_name = "TARGETS", required_unless_present_all = ["scores_columns", "targets_columns"])]
    pub targets: Option<PathBuf>,

    /// The metrics, comma-separated (scikit-learn's names; see the list below).
    #[arg(
        short,
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = listing::defaults(),
        hide_possible_values = true
    )]
    pub metric: Vec<Metric>,

    // The metrics that take it come from the registry.
    #[arg(short, long, value_enum, default_value_t = Average::Macro,
        help = format!("scikit-learn's average= for {}; none gives one value per class",
            listing::averaged()))]
    pub average: Average,

    /// Whether SCORES are logits or probabilities.
    #[arg(long = "scores", value_enum, value_name = "KIND", default_value_t = Scores::Logits)]
    pub scores_kind: Scores,

    // No clap default: `--top-k` alone applies no threshold, so whether
    // one was given matters; the help says the default.
    #[arg(long, value_name = "T", value_parser = parse_thresholds,
        help = "A class is predicted where σ(x) ≥ T (logits) or p ≥ T (probs); T1,…,TC: one per \
            class [default: 0.5]",
        long_help = "A class is predicted where σ(x) ≥ T (logits) or p ≥ T (probs); T1,…,TC: one \
            per class\n\n[default: 0.5]")]
    pub threshold: Option<ThresholdList>,

    #[command(flatten)]
    pub decision: DecisionArgs,

    #[arg(long, value_name = "0|1|nan", value_parser = parse_zero_division,
        help = format!("The value of {} where its denominator is 0 [default: 0, with \
            scikit-learn's warning]", listing::family(Family::Thresholded).replace(" and ", " or ")))]
    pub zero_division: Option<f64>,

    #[arg(long, value_name = "B", allow_hyphen_values = true,
        help = listing::parameter_help(Param::Beta, "β"))]
    pub beta: Option<f64>,

    // No short flag: `loss -k` is --kind.
    #[arg(long, value_name = "K",
        help = format!("{}. No short flag: `loss -k` is --kind", listing::parameter_help(Param::K, "k")))]
    pub k: Option<usize>,

    #[arg(long, value_enum, value_name = "WHAT",
        help = format!("A class (or sample) without a value of {}: error, nan (its averages NaN \
            too), or skip (averages over the defined ones) [default: the value the metric's \
            library gives, with its warning]", listing::taking(Param::Undefined, "or")))]
    pub undefined: Option<UndefinedArg>,

    /// Target elements equal to V are missing: they take no part (e.g. -1, nan, or null).
    #[arg(long, value_name = "V", value_parser = parse_ignore_value, allow_hyphen_values = true)]
    pub ignore_value: Option<f64>,

    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u32).range(1..=100_000_000),
        help = format!("{} from B bins of σ(x) or p per class (mergeable, bounded memory, \
            approximate) instead of every score", listing::family(Family::Curve)))]
    pub bins: Option<u32>,

    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, default_value = "256M",
        help = format!("Memory for exact {}: scores beyond it are sorted in runs, kept in \
            temporary files ($TMPDIR) and merged. K, M, G suffixes are powers of 1024",
            listing::family(Family::Curve)))]
    pub memory_limit: u64,

    /// SCORES' columns: names (p_* wildcards) or 1-based positions and ranges, comma-separated.
    #[arg(long, value_name = "SPEC", value_parser = select::parse, visible_alias = "logits-columns")]
    pub scores_columns: Option<Spec>,

    /// TARGETS' columns, as --scores-columns; with both, TARGETS may be left out: one file holds
    /// both.
    #[arg(long, value_name = "SPEC", value_parser = select::parse)]
    pub targets_columns: Option<Spec>,

    #[command(flatten)]
    pub labels: LabelArgs,

    #[command(flatten)]
    pub table: TableArgs,

    /// Layout of the report: `metric,value` lines (csv, tsv), one object (json), or an object per
    /// metric (jsonl) [default: from -o FILE's extension, else csv].
    #[arg(
        long,
        value_name = "FORMAT",
        value_parser = crate::output::formats_holding(crate::output::ResultKind::Report)
    )]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,

    #[arg(long, conflicts_with_all = ["output_format", "precision"],
        help = format!("Print the state as JSON for `mlloss merge` instead of the metrics \
            (sharded runs; exact {} need --bins or --average samples)",
            listing::family(Family::Curve)))]
    pub partial: bool,

    /// No progress bar (shown on stderr when it is a terminal and a run takes a while).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Threads that parse and compute, 1–1024 (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<NonZeroUsize>,
}

const EXAMPLES: &str = "\
Examples:
  mlloss metrics logits.csv targets.csv
  mlloss metrics --metric f1,precision,recall --average micro --threshold 0.3 logits.csv targets.csv
  mlloss metrics --metric roc_auc --average none --undefined skip logits.csv targets.csv
  mlloss metrics --metric f1 --average none --threshold-file thresholds.csv logits.csv targets.csv
  mlloss metrics --metric ndcg,precision_at_k --k 5 --scores probs probs.npy targets.npy
  mlloss metrics --ignore-value -1 --output-format json logits.csv chexpert-labels.csv";

/// `--threshold`'s default.
pub(crate) const DEFAULT_THRESHOLD: f64 = 0.5;

/// `--undefined`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UndefinedArg {
    /// Stop with an error naming the classes (or samples).
    Error,
    /// NaN for the unit, and for every average over it.
    Nan,
    /// Average over the defined units only, naming the skipped ones on stderr.
    Skip,
}

impl Args {
    /// The one `--threshold` of the spec: the one given, else the default
    /// (with per-class thresholds, the default stands unused).
    pub(super) fn one_threshold(&self) -> f64 {
        match self.threshold.as_ref().map(|t| t.0.as_slice()) {
            Some([t]) => *t,
            _ => DEFAULT_THRESHOLD,
        }
    }

    pub(super) fn undefined(&self) -> Undefined {
        match self.undefined {
            None => Undefined::Sklearn,
            Some(UndefinedArg::Error) => Undefined::Error,
            Some(UndefinedArg::Nan) => Undefined::Nan,
            Some(UndefinedArg::Skip) => Undefined::Skip,
        }
    }

    pub(super) fn zero_division(&self) -> ZeroDivision {
        self.zero_division
            .map_or(ZeroDivision::Warn, ZeroDivision::Value)
    }

    /// The output's format: `--output-format`, else `-o FILE`'s extension.
    pub(super) fn output_format(&self) -> OutputFormat {
        OutputFormat::choose(self.output_format, self.output.as_deref())
    }

    /// How SCORES and TARGETS pair.
    pub(super) fn pair_options(&self) -> PairOptions<'_> {
        PairOptions {
            command: "metrics",
            logits_columns: self.scores_columns.as_ref(),
            targets_columns: self.targets_columns.as_ref(),
            key: self.table.key.as_deref(),
            format: self.table.format,
            dialects: [self.table.dialect(), self.table.targets_dialect()],
        }
    }

    /// What `--target-labels` settles with.
    pub(super) fn label_inputs(&self) -> LabelInputs<'_> {
        LabelInputs {
            command: "metrics",
            logits_columns: self.scores_columns.as_ref(),
            targets: self.targets.as_deref(),
            format: self.table.format,
        }
    }
}

fn parse_zero_division(text: &str) -> Result<f64, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "0" | "0.0" => Ok(0.0),
        "1" | "1.0" => Ok(1.0),
        "nan" => Ok(f64::NAN),
        _ => Err(format!("{text:?} is not 0, 1 or nan")),
    }
}

/// `--memory-limit`: bytes, with K, M, G or T (powers of 1024; an optional
/// `B` or `iB` after it).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let upper = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, shift) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 10),
        Some('M') => (&upper[..upper.len() - 1], 20),
        Some('G') => (&upper[..upper.len() - 1], 30),
        Some('T') => (&upper[..upper.len() - 1], 40),
        _ => (upper, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 256M, 1G, 65536)"))?;
    n.checked_mul(1 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{text:?} is not a size between 1 byte and 16 EiB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("256M"), Ok(256 << 20));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        assert_eq!(parse_bytes("64KiB"), Ok(64 << 10));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("12X").is_err());
        assert!(parse_bytes("99999999999T").is_err());
    }
}
