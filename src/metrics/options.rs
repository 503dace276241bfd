//! The options every metric shares, as the spec keeps them: `--average`,
//! `--zero-division`, `--undefined` and `--scores`.

use serde::{Deserialize, Serialize};

/// scikit-learn's `average=` (`--average`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Average {
    /// All elements pooled as one unit.
    Micro,
    /// The unweighted mean over the classes.
    #[default]
    Macro,
    /// The mean over the classes weighted by their positives (support).
    Weighted,
    /// The mean over the samples of each sample's value.
    Samples,
    /// One value per class.
    None,
}

/// scikit-learn's `zero_division=` (`--zero-division`): the value of a
/// precision, recall, F-score or Jaccard whose denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDivision {
    /// scikit-learn's default `"warn"`: 0, with a warning.
    Warn,
    Value(#[serde(with = "crate::numerics::json_f64::value")] f64),
}

impl ZeroDivision {
    /// The value given to a zero division (NaN: left out of averages).
    pub fn value(self) -> f64 {
        match self {
            ZeroDivision::Warn => 0.0,
            ZeroDivision::Value(v) => v,
        }
    }
}

/// What to do with a unit whose value is undefined (`--undefined`): an
/// AUROC or AP, or any metric whose definition has a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// The reference library's answer (scikit-learn 1.9.1's), with its
    /// warning.
    #[default]
    Sklearn,
    /// Stop with an error naming the units.
    Error,
    /// NaN for the unit, and for every average over it.
    Nan,
    /// Average over the defined units only.
    Skip,
}

/// Whether SCORES are logits or probabilities (`--scores`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Scores {
    /// Logits: predicted positive where σ(x) ≥ T.
    #[default]
    Logits,
    /// Probabilities in [0, 1]: predicted positive where p ≥ T.
    Probs,
}
