//! The values printed: each metric from a [`Tally`] (and, for AUROC and
//! AP averaged over classes or pooled, the units' [`Curve`]s), averaged as
//! `--average` says, with scikit-learn's `zero_division` and the
//! `--undefined` policy where a unit has no value.

use super::calibration::CalibrationUnit;
use super::curve::Curve;
use super::family::{
    CalibrationMetric, Computation, CurveMetric, Fallback, ThresholdedMetric, Totals,
};
use super::tally::{Confusion, SampleSum, Tally};
use super::{Average, Metric, Spec, Undefined, ZeroDivision};

/// One metric's result.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    Scalar(f64),
    /// `--average none`: one value per class.
    PerClass(Vec<f64>),
}

/// Every metric's result, in the spec's order, and the warnings to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub values: Vec<(Metric, MetricValue)>,
    pub warnings: Vec<String>,
}

/// `--undefined error`: a metric with units that have no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undefinedness {
    pub metric: Metric,
    /// The units, as a phrase (`classes a, b`, `3 samples`, `all elements`).
    pub units: String,
    /// Why they have none.
    pub why: &'static str,
}

impl std::fmt::Display for Undefinedness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is undefined for {} ({}; --undefined nan or skip gives a result)",
            self.metric.name(),
            self.units,
            self.why
        )
    }
}

impl std::error::Error for Undefinedness {}

/// The AUROC and AP units' curves: one per class, and all elements pooled
/// (for `--average micro`).
#[derive(Debug, Clone, Default)]
pub struct Curves {
    pub per_class: Vec<Curve>,
    pub pooled: Option<Curve>,
}

/// Every metric of `spec` from `tally` and `curves`; `classes` names the
/// classes in messages.
pub fn evaluate(
    spec: &Spec,
    tally: &Tally,
    curves: &Curves,
    classes: &[String],
) -> Result<Outcome, Undefinedness> {
    let mut report = Report {
        spec,
        tally,
        classes,
        warnings: Vec::new(),
    };
    let mut values = Vec::new();
    for &metric in &spec.metrics {
        let value = match metric.kind().computation() {
            Computation::SampleCounts(m) => MetricValue::Scalar(m.value(&report.totals())),
            Computation::Thresholded(m) => report.thresholded(metric, m),
            Computation::Curve(m) => report.curve_metric(metric, m, curves)?,
            Computation::SampleRanking(_) => report.sample_ranking(metric)?,
            Computation::Calibration(m) => report.calibration(metric, m),
        };
        values.push((metric, value));
    }
    Ok(Outcome {
        values,
        warnings: report.warnings,
    })
}

struct Report<'a> {
    spec: &'a Spec,
    tally: &'a Tally,
    classes: &'a [String],
    warnings: Vec<String>,
}

impl Report<'_> {
    /// Each class's observed positives: the weights of `weighted`.
    fn supports(&self) -> Vec<f64> {
        let classes = self.tally.per_class.iter();
        classes.map(|c| c.positives() as f64).collect()
    }

    /// What the metrics of the 0/1 predictions per sample read.
    fn totals(&self) -> Totals {
        let t = self.tally;
        let (wrong, observed) = t.per_class.iter().fold((0u64, 0u64), |(w, o), c| {
            (w + c.fp + c.fn_, o + c.observed())
        });
        Totals {
            rows: t.rows,
            exact_rows: t.exact_rows,
            wrong,
            observed,
        }
    }

    /// A ranking metric averaged over samples: the mean of the samples'
    /// values, its undefined samples as `--undefined` says if it has any.
    fn sample_ranking(&mut self, metric: Metric) -> Result<MetricValue, Undefinedness> {
        match metric.fallback() {
            Some(fallback) => self.samples_undefinable(metric, fallback),
            None => {
                let t = self.tally;
                let sum = t.sample_sum(metric).expect("kept for every ranking metric");
                Ok(MetricValue::Scalar(sum.sum.value() / t.rows as f64))
            }
        }
    }

    /// Jaccard, precision, recall and F-scores.
    fn thresholded(&mut self, metric: Metric, kind: &dyn ThresholdedMetric) -> MetricValue {
        let spec = self.spec;
        let zero_division = spec.zero_division;
        let zd = zero_division.value();
        let settings = spec.settings();
        let of = |c: &Confusion| kind.of_counts(c.tp as f64, c.fp as f64, c.fn_ as f64, &settings);
        let leave_out_nan = !kind.averages_keep_nan();
        let (value, undefined, unit) = match spec.average {
            Average::Samples => {
                let sum = self.tally.sample_sum(metric).expect("kept for samples");
                let value = samples_mean(sum, self.tally.rows, zd, leave_out_nan);
                (MetricValue::Scalar(value), sum.undefined, "samples")
            }
            Average::Micro => {
                let mut pooled = Confusion::default();
                for c in &self.tally.per_class {
                    pooled.merge(c);
                }
                let value = of(&pooled);
                let undefined = u64::from(value.is_none());
                (
                    MetricValue::Scalar(value.unwrap_or(zd)),
                    undefined,
                    "labels",
                )
            }
            average => {
                let per_class: Vec<Option<f64>> = self.tally.per_class.iter().map(of).collect();
                let undefined = per_class.iter().filter(|v| v.is_none()).count() as u64;
                let values: Vec<f64> = per_class.iter().map(|v| v.unwrap_or(zd)).collect();
                let value = match average {
                    Average::None => MetricValue::PerClass(values),
                    Average::Weighted => {
                        let supports = self.supports();
                        MetricValue::Scalar(weighted_mean(&values, &supports, leave_out_nan))
                    }
                    _ => MetricValue::Scalar(mean(&values, leave_out_nan)),
                };
                (value, undefined, "labels")
            }
        };
        if undefined > 0 && zero_division == ZeroDivision::Warn {
            let (what, condition) = kind.zero_division_warning();
            self.warnings.push(format!(
                "{}: {what} ill-defined and being set to 0.0 in {unit} with {condition} \
                 (scikit-learn's warning; --zero-division sets the value)",
                metric.name()
            ));
        }
        value
    }

    /// AUROC and AP.
    fn curve_metric(
        &mut self,
        metric: Metric,
        kind: &dyn CurveMetric,
        curves: &Curves,
    ) -> Result<MetricValue, Undefinedness> {
        let policy = self.spec.undefined;
        let of = |c: &Curve| kind.of_curve(c);
        let fallback = kind.fallback();
        let why = fallback.why;
        let average = self.spec.average;
        if average == Average::Samples {
            return self.samples_undefinable(metric, fallback);
        }
        if average == Average::Micro {
            let pooled = curves.pooled.as_ref().expect("pooled curve for micro");
            return self.micro_curve(metric, of(pooled), fallback);
        }
        let per_class: Vec<Option<f64>> = curves.per_class.iter().map(of).collect();
        let undefined: Vec<&str> = per_class
            .iter()
            .zip(self.classes)
            .filter(|(v, _)| v.is_none())
            .map(|(_, name)| name.as_str())
            .collect();
        let units = || {
            let noun = if undefined.len() == 1 {
                "class"
            } else {
                "classes"
            };
            format!("{noun} {}", undefined.join(", "))
        };
        let fill = match policy {
            _ if undefined.is_empty() => f64::NAN,
            Undefined::Error => {
                return Err(Undefinedness {
                    metric,
                    units: units(),
                    why,
                });
            }
            Undefined::Sklearn => {
                self.sklearn_warning(metric, units(), fallback);
                fallback.value
            }
            Undefined::Skip => {
                if average != Average::None {
                    self.skipped(metric, units());
                }
                f64::NAN
            }
            Undefined::Nan => f64::NAN,
        };
        let values: Vec<f64> = per_class.iter().map(|v| v.unwrap_or(fill)).collect();
        let skip = policy == Undefined::Skip;
        let value = match average {
            Average::None => MetricValue::PerClass(values),
            Average::Weighted => {
                let supports = self.supports();
                MetricValue::Scalar(if skip {
                    weighted_mean(&values, &supports, true)
                } else if policy == Undefined::Nan && !undefined.is_empty() {
                    f64::NAN
                } else {
                    sklearn_weighted(&values, &supports)
                })
            }
            _ => MetricValue::Scalar(mean(&values, skip)),
        };
        Ok(value)
    }

    /// ECE, MCE and Brier: per class (a class of no observed element has
    /// none: NaN, named in a warning), their mean, their mean weighted by
    /// the classes' positives (NaN when no class has one), or of every
    /// element pooled.
    fn calibration(&mut self, metric: Metric, kind: &dyn CalibrationMetric) -> MetricValue {
        let tally = self.tally;
        let sums = tally.calibration.as_ref().expect("kept for calibration");
        if self.spec.average == Average::Micro {
            let pooled = sums.pooled_bins();
            let unit = CalibrationUnit {
                bins: &pooled,
                squared_error: sums.pooled_squared_error(),
                count: tally.per_class.iter().map(|c| c.observed()).sum(),
            };
            return MetricValue::Scalar(kind.of_unit(&unit).unwrap_or(f64::NAN));
        }
        let values: Vec<Option<f64>> = (0..tally.classes)
            .map(|j| {
                kind.of_unit(&CalibrationUnit {
                    bins: sums.class_bins(j),
                    squared_error: sums.squared_error(j),
                    count: tally.per_class[j].observed(),
                })
            })
            .collect();
        let undefined: Vec<&str> = values
            .iter()
            .zip(self.classes)
            .filter(|(v, _)| v.is_none())
            .map(|(_, name)| name.as_str())
            .collect();
        if !undefined.is_empty() {
            self.warnings.push(format!(
                "{}: undefined for classes {} (no observed element): NaN",
                metric.name(),
                undefined.join(", ")
            ));
        }
        let values: Vec<f64> = values.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        match self.spec.average {
            Average::None => MetricValue::PerClass(values),
            Average::Weighted => {
                let supports = self.supports();
                let total: f64 = supports.iter().sum();
                let weighted = values.iter().zip(&supports).filter(|(_, w)| **w > 0.0);
                let sum: f64 = weighted.map(|(v, w)| v * w).sum();
                MetricValue::Scalar(if total == 0.0 { f64::NAN } else { sum / total })
            }
            _ => MetricValue::Scalar(mean(&values, false)),
        }
    }

    /// A metric averaged over samples, of which some may be undefined
    /// (AUROC or AP of each sample, or a ranking metric with a fallback).
    fn samples_undefinable(
        &mut self,
        metric: Metric,
        fallback: Fallback,
    ) -> Result<MetricValue, Undefinedness> {
        let why = fallback.why;
        let sum = self.tally.sample_sum(metric).expect("kept for samples");
        let rows = self.tally.rows;
        let undefined = sum.undefined;
        let units = || format!("{undefined} of {rows} samples");
        let value = match self.spec.undefined {
            _ if undefined == 0 => sum.sum.value() / rows as f64,
            Undefined::Error => {
                return Err(Undefinedness {
                    metric,
                    units: units(),
                    why,
                });
            }
            Undefined::Nan => f64::NAN,
            Undefined::Skip => {
                self.skipped(metric, units());
                samples_mean(sum, rows, f64::NAN, true)
            }
            Undefined::Sklearn => {
                self.sklearn_warning(metric, units(), fallback);
                samples_mean(sum, rows, fallback.value, false)
            }
        };
        Ok(MetricValue::Scalar(value))
    }

    /// AUROC or AP of all elements pooled (`value`: `None` if undefined).
    fn micro_curve(
        &mut self,
        metric: Metric,
        value: Option<f64>,
        fallback: Fallback,
    ) -> Result<MetricValue, Undefinedness> {
        let why = fallback.why;
        let units = "all elements pooled";
        let value = match (value, self.spec.undefined) {
            (Some(v), _) => v,
            (None, Undefined::Error) => {
                return Err(Undefinedness {
                    metric,
                    units: units.into(),
                    why,
                });
            }
            (None, Undefined::Sklearn) => {
                self.sklearn_warning(metric, units.into(), fallback);
                fallback.value
            }
            (None, _) => f64::NAN,
        };
        Ok(MetricValue::Scalar(value))
    }

    /// The reference library's value for undefined units, with its warning.
    fn sklearn_warning(&mut self, metric: Metric, units: String, fallback: Fallback) {
        let Fallback {
            why,
            value,
            given_by,
        } = fallback;
        self.warnings.push(format!(
            "{}: undefined for {units} ({why}): {value}, as {given_by} gives \
             (--undefined error, nan or skip)",
            metric.name()
        ));
    }

    fn skipped(&mut self, metric: Metric, units: String) {
        self.warnings.push(format!(
            "{}: skipped {units}, which have no value (--undefined skip)",
            metric.name()
        ));
    }
}

/// The mean over samples from their sum: the undefined ones count as
/// `fill`, or are left out when `fill` is NaN and `leave_out_nan`.
fn samples_mean(sum: &SampleSum, rows: u64, fill: f64, leave_out_nan: bool) -> f64 {
    if fill.is_nan() && leave_out_nan {
        let defined = rows - sum.undefined;
        return if defined == 0 {
            f64::NAN
        } else {
            sum.sum.value() / defined as f64
        };
    }
    if sum.undefined == 0 {
        return sum.sum.value() / rows as f64;
    }
    let mut total = sum.sum.clone();
    total.add(fill * sum.undefined as f64);
    total.value() / rows as f64
}

/// The mean, NaN left out if `leave_out_nan` (scikit-learn's `_nanaverage`:
/// NaN when every value is NaN).
fn mean(values: &[f64], leave_out_nan: bool) -> f64 {
    let kept: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| !(leave_out_nan && v.is_nan()))
        .collect();
    if kept.is_empty() {
        return f64::NAN;
    }
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// Σ v w / Σ w, NaN left out if `leave_out_nan`; unweighted when the
/// weights kept sum to 0 (scikit-learn's `_nanaverage`).
fn weighted_mean(values: &[f64], weights: &[f64], leave_out_nan: bool) -> f64 {
    let kept: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .map(|(&v, &w)| (v, w))
        .filter(|(v, _)| !(leave_out_nan && v.is_nan()))
        .collect();
    if kept.is_empty() {
        return f64::NAN;
    }
    let total: f64 = kept.iter().map(|(_, w)| w).sum();
    if total == 0.0 {
        return kept.iter().map(|(v, _)| v).sum::<f64>() / kept.len() as f64;
    }
    kept.iter().map(|(v, w)| v * w).sum::<f64>() / total
}

/// scikit-learn's weighted average of AUROC and AP: 0 when no class has a
/// positive; a class of weight 0 counts 0 (so its NaN does not spread).
fn sklearn_weighted(values: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total == 0.0 {
        return 0.0;
    }
    values
        .iter()
        .zip(weights)
        .map(|(&v, &w)| if w == 0.0 { 0.0 } else { v * w })
        .sum::<f64>()
        / total
}
