//! The command line of `mlloss curves` (clap derive; the doc comments are
//! the help text). SCORES and TARGETS read as `metrics` reads them.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::cmd::decision::{DecisionArgs, ThresholdList, parse_thresholds};
use crate::cmd::metrics::{CurveArgs, InputArgs};
use crate::output::OutputFormat;

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(mut_arg("bins", |a| a.help(
    "ROC and precision–recall points from B bins of σ(x) or p per class (bounded memory, \
     approximate: thresholds are the bins' lower edges) instead of every score")))]
#[command(mut_arg("memory_limit", |a| a.help(
    "Memory for the exact curves: scores beyond it are sorted in runs, kept in temporary \
     files ($TMPDIR) and merged. K, M, G suffixes are powers of 1024")))]
pub struct Args {
    /// The curve: roc (scikit-learn's roc_curve), pr (precision_recall_curve) or reliability
    /// (calibration_curve).
    #[arg(long, value_enum, value_name = "CURVE")]
    pub curve: CurveKind,

    /// Only this class (SCORES' column name, or 0-based index without a header); repeat for
    /// several, written in the order given.
    #[arg(long = "class", value_name = "NAME")]
    pub classes: Vec<String>,

    /// One curve of every element pooled (micro: scikit-learn's ravel()), or the mean of the
    /// classes' ROC curves on 1000 false positive rates (macro, ROC only) [default: one curve
    /// per class].
    #[arg(short, long, value_enum, value_name = "AVERAGE")]
    pub average: Option<CurveAverage>,

    /// Reliability: the number of bins (calibration_curve's n_bins).
    #[arg(long, value_name = "N", default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub calibration_bins: u32,

    /// Reliability: equal-width bins of [0, 1], or bins of equal counts (calibration_curve's
    /// strategy).
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Binning::Uniform)]
    pub calibration_binning: Binning,

    /// Also draw the curves into FILE.svg or FILE.png (AUC or AP in the legend; replaced only
    /// if the command succeeds).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,

    // No clap default: without a decision option no point is marked.
    #[arg(long, value_name = "T", value_parser = parse_thresholds,
        help = "Mark each curve's operating point where a class is predicted at σ(x) ≥ T (logits) \
            or p ≥ T (probs); T1,…,TC: one per class (needs --plot or --operating-points)")]
    pub threshold: Option<ThresholdList>,

    #[command(flatten)]
    pub decision: DecisionArgs,

    /// Write each curve's operating point under the decision rule (class, threshold, tp, fp, fn,
    /// tn, and fpr, tpr or precision, recall) to FILE: csv, tsv, json or jsonl by its extension
    /// [default rule: --threshold 0.5].
    #[arg(long, value_name = "FILE")]
    pub operating_points: Option<PathBuf>,

    #[command(flatten)]
    pub inputs: InputArgs,

    #[command(flatten)]
    pub curves: CurveArgs,

    /// Layout of the points: delimited rows (csv, tsv), one array of objects (json), or an
    /// object per point (jsonl) [default: from -o FILE's extension, else csv].
    #[arg(
        long,
        value_name = "FORMAT",
        value_parser = crate::output::formats_holding(crate::output::ResultKind::Report)
    )]
    pub output_format: Option<OutputFormat>,

    /// Print N significant digits (like printf's %.Ng) instead of the shortest round-trip form.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: Option<u8>,
}

const EXAMPLES: &str = "\
Examples:
  mlloss curves --curve roc logits.csv targets.csv
  mlloss curves --curve pr --class cat --class dog --plot pr.svg logits.csv targets.csv
  mlloss curves --curve roc --average macro --plot roc.png -o roc.csv logits.csv targets.csv
  mlloss curves --curve roc --threshold-file thresholds.csv --plot roc.svg \
      --operating-points points.csv logits.csv targets.csv
  mlloss curves --curve reliability --calibration-bins 10 --scores probs probs.csv targets.csv";

/// `--curve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CurveKind {
    /// class,threshold,fpr,tpr (roc_curve, drop_intermediate=True).
    Roc,
    /// class,threshold,precision,recall (precision_recall_curve).
    Pr,
    /// class,bin,mean_predicted,fraction_positive,count (calibration_curve).
    Reliability,
}

/// `--average`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CurveAverage {
    /// Every observed element pooled into one curve (rows labelled micro).
    Micro,
    /// ROC only: the classes' curves interpolated on np.linspace(0, 1, 1000) and averaged.
    Macro,
}

/// `--calibration-binning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Binning {
    /// np.linspace(0, 1, N + 1) edges.
    Uniform,
    /// np.percentile edges: bins of equal counts.
    Quantile,
}

impl Args {
    /// The output's format: `--output-format`, else `-o FILE`'s extension.
    pub(super) fn output_format(&self) -> OutputFormat {
        OutputFormat::choose(self.output_format, self.inputs.output.as_deref())
    }
}
