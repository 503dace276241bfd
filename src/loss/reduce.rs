//! Reductions: how the element losses of all rows become the result, and
//! the running totals (`mean`, `sum`, `class`) that hold O(C) numbers
//! whatever the number of rows and merge exactly across threads and shards.

use super::{Missing, Shape};
use crate::numerics::{ExactSum, Terms, compensated_sum, compensated_sum_parts};

/// How element losses are combined (`--reduction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// No reduction: the N×C matrix, or one value per sample for kinds of
    /// per-sample losses.
    None,
    /// PyTorch's `mean`: over the N×C elements, or the N samples.
    Mean,
    /// PyTorch's `sum`.
    Sum,
    /// Mean over the classes of each sample: N values.
    Row,
    /// Mean over the samples of each class: C values.
    Class,
}

/// What each row gives under a reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerRow {
    /// The row's element losses, printed as a row.
    Elements,
    /// The sample's loss ([`Loss::sample_loss`](super::Loss::sample_loss)), printed as a row.
    SampleLoss,
    /// Nothing printed: the row is added to the totals.
    Totals,
}

/// The result once every row has been read.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The rows printed were the result.
    Rows,
    /// One number.
    Scalar(f64),
    /// One number per class.
    PerClass(Vec<f64>),
}

impl Reduction {
    /// What each row of a loss of `shape` gives.
    pub fn per_row(self, shape: Shape) -> PerRow {
        match (self, shape) {
            (Reduction::None, Shape::Elements) => PerRow::Elements,
            (Reduction::None, Shape::Samples | Shape::Joint) | (Reduction::Row, _) => {
                PerRow::SampleLoss
            }
            (Reduction::Mean | Reduction::Sum | Reduction::Class, _) => PerRow::Totals,
        }
    }

    /// Why a loss of `shape` has no result under this reduction, if it has
    /// none: a joint per-sample loss (zlpr) has no per-class values.
    pub fn problem(self, shape: Shape) -> Option<&'static str> {
        (self == Reduction::Class && shape == Shape::Joint).then_some(
            "the loss is one value per sample, with no per-class values: --reduction class does \
             not apply (none, row, mean and sum do)",
        )
    }

    /// Whether the totals must keep a sum per class.
    pub fn per_class(self) -> bool {
        self == Reduction::Class
    }

    /// The result from the totals of every row.
    pub fn outcome(self, totals: &Accumulator) -> Outcome {
        match self {
            Reduction::None | Reduction::Row => Outcome::Rows,
            Reduction::Mean => Outcome::Scalar(totals.mean()),
            Reduction::Sum => Outcome::Scalar(totals.sum()),
            Reduction::Class => Outcome::PerClass(totals.class_means()),
        }
    }
}

/// Running state of the `mean`, `sum` and `class` reductions. It holds O(C)
/// numbers whatever the number of rows, and partial states from any split of
/// the rows merge into exactly the state of the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulator {
    per_sample: bool,
    /// A per-sample loss is the row's sum ([`Shape::Joint`]), not its mean.
    joint: bool,
    ignore: Option<Missing>,
    /// Samples counted: per-sample kinds skip one with nothing observed.
    rows: u64,
    /// Elements observed (not missing).
    observed: u64,
    /// Per-element kinds: the sum of the element losses (each row entering
    /// as its compensated sum); per-sample kinds: the sum of the samples' losses.
    total: ExactSum,
    /// The sum of each class's element losses; empty unless asked for.
    per_class: Vec<ExactSum>,
    /// Observed elements of each class (kept only with `--ignore-value`).
    per_class_observed: Vec<u64>,
    /// C for the `class` reduction, else 0. `per_class` is allocated by the
    /// first row (about 0.6 KB a class), so that a thread that gets no rows
    /// costs nothing.
    classes: usize,
}

impl Accumulator {
    /// Totals of a loss of `shape` whose targets equal to `missing` are
    /// missing; `per_class` is C when the `class` reduction is wanted, 0
    /// otherwise.
    pub fn new(shape: Shape, missing: Option<Missing>, per_class: usize) -> Self {
        Accumulator {
            per_sample: shape != Shape::Elements,
            joint: shape == Shape::Joint,
            ignore: missing,
            rows: 0,
            observed: 0,
            total: ExactSum::default(),
            per_class: Vec::new(),
            per_class_observed: Vec::new(),
            classes: per_class,
        }
    }

    /// Adds one sample's element losses (from [`Loss::element_losses`](super::Loss::element_losses));
    /// `targets` are the row's targets as read, to tell the missing ones.
    #[inline]
    pub fn add_row(&mut self, element_losses: &[f64], targets: &[f64]) {
        let observed = match self.ignore {
            None => element_losses.len(),
            Some(missing) => targets.iter().filter(|&&y| !missing.is(y)).count(),
        };
        if self.per_sample {
            // The mean over the observed classes; a sample with none adds nothing.
            if observed > 0 {
                self.rows += 1;
                self.observed += observed as u64;
                let sum = compensated_sum(element_losses);
                self.total.add(if self.joint {
                    sum
                } else {
                    sum / observed as f64
                });
            }
        } else {
            self.rows += 1;
            self.observed += observed as u64;
            // The row sum's two parts, added exactly: a row's rounding does
            // not survive into the total when rows cancel each other.
            let (sum, compensation) = compensated_sum_parts(element_losses);
            if (sum + compensation).is_finite() {
                self.total.add(sum);
                self.total.add(compensation);
            } else {
                self.total.add(compensated_sum(element_losses));
            }
        }
        if self.classes > 0 {
            if self.per_class.len() < self.classes {
                self.per_class.resize(self.classes, ExactSum::default());
                if self.ignore.is_some() {
                    self.per_class_observed.resize(self.classes, 0);
                }
            }
            for (sum, &l) in self.per_class.iter_mut().zip(element_losses) {
                sum.add(l);
            }
            if let Some(missing) = self.ignore {
                for (n, &y) in self.per_class_observed.iter_mut().zip(targets) {
                    *n += u64::from(!missing.is(y));
                }
            }
        }
    }

    /// Adds the state of other rows.
    pub fn merge(&mut self, other: &Accumulator) {
        self.rows += other.rows;
        self.observed += other.observed;
        self.total.merge(&other.total);
        if self.per_class.len() < other.per_class.len() {
            self.per_class
                .resize(other.per_class.len(), ExactSum::default());
        }
        for (a, b) in self.per_class.iter_mut().zip(&other.per_class) {
            a.merge(b);
        }
        if self.per_class_observed.len() < other.per_class_observed.len() {
            self.per_class_observed
                .resize(other.per_class_observed.len(), 0);
        }
        for (a, b) in self
            .per_class_observed
            .iter_mut()
            .zip(&other.per_class_observed)
        {
            *a += b;
        }
    }

    /// Adds the state of other rows read from a file (`merge`), or nothing
    /// and `None` if a count would overflow 64 bits.
    pub fn checked_merge(&mut self, other: &Accumulator) -> Option<()> {
        self.rows.checked_add(other.rows)?;
        self.observed.checked_add(other.observed)?;
        for (j, &b) in other.per_class_observed.iter().enumerate() {
            let a = self.per_class_observed.get(j).copied().unwrap_or(0);
            a.checked_add(b)?;
        }
        self.merge(other);
        Some(())
    }

    /// PyTorch's `sum`.
    pub fn sum(&self) -> f64 {
        self.total.value()
    }

    /// PyTorch's `mean`: over the observed elements, or for per-sample
    /// kinds over the samples (with at least one observed element).
    pub fn mean(&self) -> f64 {
        let count = if self.per_sample {
            self.rows
        } else {
            self.observed
        };
        self.total.value() / count as f64
    }

    /// The `class` reduction: each class's mean over the samples in which
    /// it is observed (NaN if it never is).
    pub fn class_means(&self) -> Vec<f64> {
        // The sums are allocated by the first row: with no rows, each class
        // is 0 / 0, NaN, as PyTorch's mean over an empty batch.
        (0..self.per_class.len().max(self.classes))
            .map(|j| {
                let sum = self.per_class.get(j).map_or(0.0, ExactSum::value);
                let count = self.per_class_observed.get(j).copied().unwrap_or(self.rows);
                sum / count as f64
            })
            .collect()
    }

    /// The whole state as plain numbers, for `--partial`: every exact sum
    /// as its terms (f64 values whose exact sum it is), and the counts.
    pub fn to_totals(&self) -> Totals {
        // Per-class sums are allocated by the first row: before it, zeros.
        let classes = self.per_class.len().max(self.classes);
        let mut per_class: Vec<Terms> = self.per_class.iter().map(ExactSum::to_terms).collect();
        per_class.resize(classes, Terms::default());
        let mut per_class_observed = self.per_class_observed.clone();
        if per_class_observed.is_empty() {
            // Without missing targets, every row observes every class.
            per_class_observed = vec![self.rows; classes];
        }
        per_class_observed.resize(classes, 0);
        Totals {
            rows: self.rows,
            observed: self.observed,
            total: self.total.to_terms(),
            per_class,
            per_class_observed,
        }
    }

    /// The state that `totals` of a loss of `shape` describe.
    pub fn from_totals(shape: Shape, totals: &Totals) -> Self {
        Accumulator {
            per_sample: shape != Shape::Elements,
            joint: shape == Shape::Joint,
            ignore: None,
            rows: totals.rows,
            observed: totals.observed,
            total: ExactSum::from_terms(&totals.total),
            per_class: totals.per_class.iter().map(ExactSum::from_terms).collect(),
            per_class_observed: totals.per_class_observed.clone(),
            classes: totals.per_class.len(),
        }
    }
}

/// An [`Accumulator`]'s state in plain numbers (`mlloss loss --partial`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub rows: u64,
    pub observed: u64,
    pub total: Terms,
    pub per_class: Vec<Terms>,
    pub per_class_observed: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows that cancel each other: the second row's sum, -1e16 + 0.5,
    /// is not an f64 (it rounds to -1e16), but the total 2.5 is.
    #[test]
    fn totals_keep_what_a_rounded_row_sum_would_lose() {
        let mut total = Accumulator::new(Shape::Elements, None, 0);
        total.add_row(&[1e16, 1.0, 1.0], &[0.0; 3]);
        total.add_row(&[-1e16, 0.5], &[0.0; 2]);
        assert_eq!(total.sum(), 2.5);
    }

    /// A state written as terms and read back merges exactly as the
    /// original does: `--partial` and `merge` lose nothing.
    #[test]
    fn partial_states_round_trip_exactly() {
        let new = || Accumulator::new(Shape::Elements, None, 3);
        let mut whole = new();
        let mut parts = [new(), new()];
        let rows = [
            [1e16, 1.0, 1e-300],
            [-1e16, 0.5, 3.0],
            [0.1, 0.2, 0.3],
            [7e-5, 1e300, 2.0],
        ];
        for (i, row) in rows.iter().enumerate() {
            whole.add_row(row, &[0.0; 3]);
            parts[i % 2].add_row(row, &[0.0; 3]);
        }
        let back = |a: &Accumulator| Accumulator::from_totals(Shape::Elements, &a.to_totals());
        let mut merged = back(&parts[0]);
        merged.merge(&back(&parts[1]));
        assert_eq!(merged.sum(), whole.sum());
        assert_eq!(merged.mean(), whole.mean());
        assert_eq!(merged.class_means(), whole.class_means());
        let json = serde_json::to_string(&whole.to_totals()).unwrap();
        let totals: Totals = serde_json::from_str(&json).unwrap();
        assert_eq!(
            Accumulator::from_totals(Shape::Elements, &totals).sum(),
            whole.sum()
        );
    }
}
