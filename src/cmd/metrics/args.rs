//! The command line of `mlloss metrics`, as the user wrote it (clap
//! derive; the doc comments are the help text). [`super::plan`] checks it.

use clap::ValueEnum;

use super::inputs::{CurveArgs, InputArgs};
use crate::cmd::decision::{DecisionArgs, ThresholdList, parse_thresholds};
use crate::cmd::options::parse_zero_division;
use crate::metrics::{Average, Binning, Family, Metric, Param, Undefined, ZeroDivision, listing};
use crate::output::OutputFormat;

#[derive(Debug, clap::Args)]
#[command(after_help = format!("{EXAMPLES}\n\n{}", listing::metric_list()))]
pub struct Args {
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

    /// ece's and mce's bins of σ(x) or p per class [default: 15, torchmetrics' n_bins].
    #[arg(long, value_name = "B",
        value_parser = clap::value_parser!(u32).range(1..=crate::metrics::calibration::MAX_BINS as i64))]
    pub calibration_bins: Option<u32>,

    /// How ece and mce bin σ(x) or p: uniform (torchmetrics' BinaryCalibrationError) or quantile
    /// (scikit-learn's calibration_curve) [default: uniform].
    #[arg(long, value_enum, value_name = "HOW")]
    pub calibration_binning: Option<Binning>,

    // SCORES and TARGETS stay the positional arguments; their options are
    // listed after the metrics' own.
    #[command(flatten)]
    pub inputs: InputArgs,

    #[command(flatten)]
    pub curves: CurveArgs,

    /// Layout of the report: `metric,value` lines (csv, tsv), one object (json), an object per
    /// metric (jsonl), or an aligned table (table) [default: from -o FILE's extension, else table
    /// when stdout is a terminal, else csv].
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

    /// The output's format: `--output-format`, else `-o FILE`'s extension,
    /// else an aligned table when stdout is a terminal (CSV in pipes and
    /// files, so that scripts do not change).
    pub(super) fn output_format(&self) -> OutputFormat {
        use std::io::IsTerminal;
        let output = self.inputs.output.as_deref();
        let neither = self.output_format.is_none() && output.is_none();
        if neither && std::io::stdout().is_terminal() {
            return OutputFormat::table();
        }
        OutputFormat::choose(self.output_format, output)
    }
}
