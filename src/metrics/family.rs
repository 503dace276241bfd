//! What a metric defines, by family: the traits each metric's module
//! (`kinds/<name>.rs`) implements, and the parameters a metric may take.
//! The family-level machinery (the tally, the curves, the report) calls a
//! metric only through these, so that a metric is its module plus one
//! line in the registry (`kinds/mod.rs`).
//!
//! Nothing here knows any metric: the metrics' modules use this file, and
//! the registry uses both.

use super::calibration::CalibrationUnit;
use super::curve::Curve;
use super::options::ZeroDivision;
use super::row::RankedRow;

/// How the values of the metric's units are put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// From the 0/1 predictions, per sample only (Hamming, subset accuracy).
    SampleCounts,
    /// From the 0/1 predictions, with scikit-learn's `average=`.
    Thresholded,
    /// A ranking curve per unit, with `average=` (AUROC, AP).
    Curve,
    /// A ranking metric of each sample, averaged over the samples.
    SampleRanking,
    /// From a unit's probabilities in bins (ECE, MCE) or their squared
    /// errors (Brier), with `average=` over classes or pooled.
    Calibration,
}

/// A metric: its family and computation, the options it takes and its own
/// checks of them. Each metric's module implements it for a unit struct.
pub trait MetricKind: Sync {
    /// The metric's computation, which says its family.
    fn computation(&self) -> Computation<'_>;

    /// The options only some metrics take (`--k`, `--beta`) that this one
    /// takes. `--bins` goes with the [`Family::Curve`] family, and
    /// `--undefined` with a [`Fallback`] (every curve metric has one).
    fn uses(&self) -> &'static [Use] {
        &[]
    }

    /// The metric's own refusal of the options, after the shared checks
    /// (scikit-learn refuses jaccard with `zero_division=nan`).
    fn check(&self, _settings: &Settings) -> Result<(), SpecProblem> {
        Ok(())
    }

    /// Why the metric has no value on one class, if it has none (ndcg
    /// ranks the classes of a sample).
    fn single_class_problem(&self) -> Option<&'static str> {
        None
    }
}

/// A metric's computation, by family.
#[derive(Clone, Copy)]
pub enum Computation<'a> {
    SampleCounts(&'a dyn SampleCountsMetric),
    Thresholded(&'a dyn ThresholdedMetric),
    Curve(&'a dyn CurveMetric),
    SampleRanking(&'a dyn RankingMetric),
    Calibration(&'a dyn CalibrationMetric),
}

impl Computation<'_> {
    pub fn family(self) -> Family {
        match self {
            Computation::SampleCounts(_) => Family::SampleCounts,
            Computation::Thresholded(_) => Family::Thresholded,
            Computation::Curve(_) => Family::Curve,
            Computation::SampleRanking(_) => Family::SampleRanking,
            Computation::Calibration(_) => Family::Calibration,
        }
    }
}

/// The counts of all the rows that [`Family::SampleCounts`] metrics read.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    pub rows: u64,
    /// Samples whose observed elements are all predicted right.
    pub exact_rows: u64,
    /// Observed elements predicted wrong, and observed elements.
    pub wrong: u64,
    pub observed: u64,
}

/// A metric of the 0/1 predictions per sample only.
pub trait SampleCountsMetric {
    fn value(&self, totals: &Totals) -> f64;
}

/// A metric of a unit's confusion counts, averaged as `--average` says
/// (scikit-learn's precision, recall, F-scores, Jaccard).
pub trait ThresholdedMetric {
    /// The unit's value from its true positives, false positives and false
    /// negatives; `None` (a zero division) when the denominator is 0.
    fn of_counts(&self, tp: f64, fp: f64, fn_: f64, settings: &Settings) -> Option<f64>;

    /// scikit-learn's warning for a zero division: what is ill-defined
    /// ("Precision is") and the condition ("no predicted samples").
    fn zero_division_warning(&self) -> (&'static str, &'static str);

    /// Whether averages keep a NaN value (`--zero-division nan`) instead of
    /// leaving it out.
    fn averages_keep_nan(&self) -> bool {
        false
    }
}

/// A metric of a unit's ranking curve (AUROC, AP), averaged as `--average`
/// says.
pub trait CurveMetric {
    /// What a unit without a value (no positive, say) gives by default,
    /// and why it has none.
    fn fallback(&self) -> Fallback;

    fn of_curve(&self, curve: &Curve) -> Option<f64>;

    /// Whether `--bins` prints how far the binned value may be from the
    /// exact one (AUROC: pairs sharing a bin count one half).
    fn binned_bound(&self) -> bool {
        false
    }
}

/// A metric of each sample's ranking, averaged over the samples.
pub trait RankingMetric {
    /// The sample's value; `None` when it is undefined (then
    /// [`RankingMetric::fallback`] says what it counts as).
    fn of_sample(&self, row: &RankedRow, table: &[f64], settings: &Settings) -> Option<f64>;

    /// What an undefined sample gives by default, and why it has none;
    /// `None`: no sample is undefined. A metric with a fallback takes
    /// `--undefined`.
    fn fallback(&self) -> Option<Fallback> {
        None
    }

    /// A table computed once per run and handed to every
    /// [`RankingMetric::of_sample`] (ndcg's discounts), for `classes`.
    fn table(&self, _settings: &Settings, _classes: usize) -> Vec<f64> {
        Vec::new()
    }

    /// The largest value a sample can have (the check of a state's sums).
    fn largest_value(&self, _classes: usize) -> f64 {
        1.0
    }
}

/// A metric of a unit's calibration (a class, or all elements pooled),
/// averaged as `--average` says.
pub trait CalibrationMetric {
    /// The unit's value; `None` for a unit of no observed element.
    fn of_unit(&self, unit: &CalibrationUnit) -> Option<f64>;

    /// Whether it reads the unit's bins (ECE, MCE), not only its squared
    /// errors (Brier).
    fn binned(&self) -> bool;
}

/// What an undefined unit (a class, a sample, or all elements pooled)
/// gives when `--undefined` is left to the reference library.
#[derive(Debug, Clone, Copy)]
pub struct Fallback {
    /// Why a unit has no value ("no positive target").
    pub why: &'static str,
    /// The reference library's value for it.
    pub value: f64,
    /// The reference library, as the warning names it ("scikit-learn 1.9.1").
    pub given_by: &'static str,
}

/// The options a metric's computation and checks read, from the spec.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub beta: Option<f64>,
    pub k: Option<usize>,
    pub zero_division: ZeroDivision,
}

/// An option that only some metrics take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Beta,
    K,
    Bins,
    Undefined,
}

impl Param {
    /// The spec's field, for the errors of states.
    pub fn field(self) -> &'static str {
        match self {
            Param::Beta => "beta",
            Param::K => "k",
            Param::Bins => "bins",
            Param::Undefined => "undefined",
        }
    }

    /// Said when the option is given without a metric that takes it.
    pub fn misuse_hint(self) -> Option<&'static str> {
        match self {
            Param::Undefined => Some("--zero-division to the others"),
            _ => None,
        }
    }

    /// The option and its value's name, as `--help` spells them.
    pub fn flag(self) -> (&'static str, &'static str) {
        match self {
            Param::Beta => ("--beta", "B"),
            Param::K => ("--k", "K"),
            Param::Bins => ("--bins", "B"),
            Param::Undefined => ("--undefined", "WHAT"),
        }
    }
}

/// A metric's use of a [`Param`].
#[derive(Debug, Clone, Copy)]
pub struct Use {
    pub param: Param,
    pub required: bool,
    /// What the metric does without it (`--help`), if it may go without.
    pub without: Option<&'static str>,
    /// Said when the option is given without the metric ("f1 is β = 1").
    pub misuse_hint: Option<&'static str>,
}

impl Use {
    /// Taken, with nothing to say about it.
    pub const fn accepted(param: Param) -> Use {
        Use {
            param,
            required: false,
            without: None,
            misuse_hint: None,
        }
    }

    pub const fn required(param: Param) -> Use {
        Use {
            param,
            required: true,
            without: None,
            misuse_hint: None,
        }
    }

    /// Optional: `without` says what the metric does then.
    pub const fn optional(param: Param, without: &'static str) -> Use {
        Use {
            param,
            required: false,
            without: Some(without),
            misuse_hint: None,
        }
    }

    pub const fn misuse_hint(self, hint: &'static str) -> Use {
        Use {
            misuse_hint: Some(hint),
            ..self
        }
    }
}

/// An option of a spec that the reference library would refuse: the
/// spec's field, and the message naming the option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    pub field: &'static str,
    pub message: String,
}

/// `numerator / denominator`, undefined (`None`) when the denominator is 0.
#[inline]
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}
