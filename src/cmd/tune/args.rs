//! The command line of `mlloss tune`: the objective and its parameter,
//! what to tune (each class, or one threshold for all), what to do with a
//! class that has no threshold, and the output; the inputs are `metrics`'
//! (flattened).

use clap::ValueEnum;

use crate::metrics::tune::Objective;
use crate::output::OutputFormat;

/// `--objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// f1_score of the class's predictions.
    F1,
    /// fbeta_score (--beta B).
    Fbeta,
    /// The highest precision whose recall ≥ R (--min-recall R).
    PrecisionAtRecall,
    /// The highest recall whose precision ≥ P (--min-precision P).
    RecallAtPrecision,
    /// Youden's J: tpr − fpr (roc_curve's).
    Youden,
}

/// `--average`: each class its threshold, or one for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TuneAverage {
    /// One threshold per class.
    #[default]
    None,
    /// One threshold shared by every class, maximising the objective of all elements pooled.
    Micro,
}

/// `--undefined`: a class that has no threshold (no positive target; no
/// negative one for youden; no cut reaching --min-precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TuneUndefined {
    /// Stop with an error naming the classes.
    Error,
    /// A row of NaN, with a warning naming the classes.
    #[default]
    Nan,
    /// Leave the class's row out, naming it on stderr.
    Skip,
}

/// The objective and its parameter, checked as a usage error.
pub(super) fn objective(
    arg: ObjectiveArg,
    beta: Option<f64>,
    min_recall: Option<f64>,
    min_precision: Option<f64>,
) -> Result<Objective, String> {
    let given = [
        ("--beta", beta.is_some(), ObjectiveArg::Fbeta, "fbeta"),
        (
            "--min-recall",
            min_recall.is_some(),
            ObjectiveArg::PrecisionAtRecall,
            "precision-at-recall",
        ),
        (
            "--min-precision",
            min_precision.is_some(),
            ObjectiveArg::RecallAtPrecision,
            "recall-at-precision",
        ),
    ];
    for (flag, is_given, taker, name) in given {
        if is_given && arg != taker {
            return Err(format!("{flag} applies to --objective {name} only"));
        }
        if !is_given && arg == taker {
            let value = if flag == "--beta" { "B" } else { "R" };
            let value = if flag == "--min-precision" {
                "P"
            } else {
                value
            };
            return Err(format!("--objective {name} needs {flag} {value}"));
        }
    }
    let objective = match arg {
        ObjectiveArg::F1 => Objective::F1,
        ObjectiveArg::Fbeta => Objective::Fbeta {
            beta: beta.unwrap_or(1.0),
        },
        ObjectiveArg::PrecisionAtRecall => Objective::PrecisionAtRecall {
            min_recall: min_recall.unwrap_or(1.0),
        },
        ObjectiveArg::RecallAtPrecision => Objective::RecallAtPrecision {
            min_precision: min_precision.unwrap_or(1.0),
        },
        ObjectiveArg::Youden => Objective::Youden,
    };
    objective.check()?;
    Ok(objective)
}

/// The output format: `--output-format`, else `-o FILE`'s extension.
pub(super) fn output_format(
    chosen: Option<OutputFormat>,
    output: Option<&std::path::Path>,
) -> OutputFormat {
    OutputFormat::choose(chosen, output)
}

pub(super) const EXAMPLES: &str = "\
Examples:
  mlloss tune --objective f1 -o thresholds.csv val-logits.csv val-targets.csv
  mlloss metrics --metric f1 --average none --threshold-file thresholds.csv test-logits.csv test-targets.csv
  mlloss tune --objective precision-at-recall --min-recall 0.9 --scores probs probs.npy targets.npy
  mlloss tune --objective youden --bins 1000 logits.csv targets.csv";
