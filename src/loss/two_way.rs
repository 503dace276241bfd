//! `two-way`: the Two-way loss (Kobayashi, CVPR 2023), as its reference
//! code computes it (tk1980/TwoWayMultiLabelLoss `utils/criterion.py`,
//! `TwoWayLoss.forward`), in the exact limit of its masks.
//!
//! ```text
//! For a batch of rows i and classes j, Pⱼ / Nⱼ the rows where class j is
//! positive (y > 0) / negative (y = 0), Pᵢ / Nᵢ the classes where row i is:
//!   aⱼ = Tp·log Σ_{i∈Pⱼ} exp(−xᵢⱼ/Tp) + Tn·log Σ_{i∈Nⱼ} exp(xᵢⱼ/Tn)
//!   bᵢ = Tp·log Σ_{j∈Pᵢ} exp(−xᵢⱼ/Tp) + Tn·log Σ_{j∈Nᵢ} exp(xᵢⱼ/Tn)
//!   loss = mean_{j: Pⱼ≠∅} softplus(aⱼ) + mean_{i: Pᵢ≠∅} softplus(bᵢ)
//! ```
//!
//! The reference masks with −100 added to x/T instead of leaving masked
//! terms out; here they are left out (log Σ of nothing is −∞, so a class
//! or row with no negative contributes softplus(−∞) = 0 and still counts
//! in its mean). A batch without any positive has two empty means, which
//! the reference gives as NaN; here each empty mean is 0 (README).
//!
//! It is a batch loss: the class terms need each class's log-sum-exp over
//! the rows of the batch, kept as mergeable running states
//! ([`LogSumExp`]) in a [`TwoWayBatch`]; the row terms are computed row by
//! row and summed exactly.

use serde::{Deserialize, Serialize};

mod chunk;

use chunk::{ClassSums, add_chunk};

use super::kernel::log1p_exp_neg;
use super::rows::CHUNK;
use super::{Formula, Missing, Param, ParamError, RowWeights, Shape};
use crate::numerics::{ExactSum, Terms, compensated_sum, json_f64};

/// The Two-way loss's temperatures, and the rows of a batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TwoWay {
    /// The temperature of the positive logits (`Tp`).
    pub tp: f64,
    /// The temperature of the negative logits (`Tn`).
    pub tn: f64,
    /// Rows per batch (`--batch-size`); `None`: the whole input is one
    /// batch.
    pub batch_size: Option<u64>,
}

impl Default for TwoWay {
    /// The reference's defaults (`TwoWayLoss(Tp=4., Tn=1.)`).
    fn default() -> Self {
        TwoWay {
            tp: 4.0,
            tn: 1.0,
            batch_size: None,
        }
    }
}

impl Formula for TwoWay {
    fn about(&self) -> &'static str {
        "the Two-way loss (Kobayashi, CVPR 2023), one value per batch of rows, as its reference"
    }

    fn shape(&self) -> Shape {
        Shape::Samples
    }

    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        let tp = Param {
            name: "tp",
            value_name: "T",
            help: "the temperature of the positive logits, above 0",
        };
        let tn = Param {
            name: "tn",
            value_name: "T",
            help: "the temperature of the negative logits, above 0",
        };
        vec![(tp, &mut self.tp), (tn, &mut self.tn)]
    }

    fn batch_size(&mut self) -> Option<&mut Option<u64>> {
        Some(&mut self.batch_size)
    }

    fn takes_modifiers(&self) -> bool {
        false
    }

    fn takes_ignore_value(&self) -> bool {
        // A missing target is neither positive nor negative, as the
        // reference's masks treat a target of −1.
        true
    }

    fn check(&self) -> Result<(), ParamError> {
        for (param, value) in [("tp", self.tp), ("tn", self.tn)] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(ParamError {
                    param,
                    value,
                    problem: "must be a finite number above 0",
                });
            }
        }
        match self.batch_size {
            Some(0) => Err(ParamError {
                param: "batch-size",
                value: 0.0,
                problem: "must be at least 1",
            }),
            _ => Ok(()),
        }
    }

    /// A batch loss has no loss per element: its values come from
    /// [`TwoWayBatch`]. Never called for it; NaN says so if it were.
    fn element_losses(&self, _: &[f64], _: &[f64], _: RowWeights<'_>, out: &mut [f64]) {
        out.fill(f64::NAN);
    }
}

/// `log(1 + exp(x))`, exactly (the reference's `softplus` returns x above
/// 20, 2e-9 short: the exact value is what the paper defines).
#[inline]
pub fn softplus(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    x.max(0.0) + log1p_exp_neg(x.abs())
}

/// A running `log Σ exp(vₖ)` of any number of values: `max + log(sum)`,
/// `sum` being Σ exp(vₖ − max) (with its compensation). Two states merge
/// into the state of both sets; the empty state is −∞.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogSumExp {
    #[serde(with = "json_f64::value")]
    max: f64,
    #[serde(with = "json_f64::value")]
    sum: f64,
    #[serde(with = "json_f64::value")]
    compensation: f64,
}

impl Default for LogSumExp {
    fn default() -> Self {
        LogSumExp {
            max: f64::NEG_INFINITY,
            sum: 0.0,
            compensation: 0.0,
        }
    }
}

impl LogSumExp {
    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.sum == 0.0 && self.compensation == 0.0 && self.max == f64::NEG_INFINITY
    }

    /// Adds exp(`v`).
    #[inline]
    pub fn add(&mut self, v: f64) {
        if v == self.max && v.is_infinite() {
            // exp(v − max) would be exp(NaN): a value of exp(−∞) = 0 adds
            // nothing but makes the set non-empty (sum 1 at max −∞, whose
            // value is −∞), another +∞ leaves it +∞ (`--nonfinite allow`).
            if self.is_empty() || v > 0.0 {
                self.add_scaled(1.0);
            }
        } else if v > self.max {
            // exp(−∞) = 0 when the state was empty.
            let scale = (self.max - v).exp();
            self.sum *= scale;
            self.compensation *= scale;
            self.max = v;
            self.add_scaled(1.0);
        } else if v.is_nan() {
            self.max = f64::NAN;
        } else {
            self.add_scaled((v - self.max).exp());
        }
    }

    /// Adds a term already scaled by exp(−max), compensated (Neumaier),
    /// so that millions of rows lose nothing to the sum's rounding.
    #[inline]
    fn add_scaled(&mut self, term: f64) {
        let t = self.sum + term;
        self.compensation += if self.sum.abs() >= term.abs() {
            (self.sum - t) + term
        } else {
            (term - t) + self.sum
        };
        self.sum = t;
    }

    /// Adds the values of another state.
    pub fn merge(&mut self, other: &LogSumExp) {
        if other.is_empty() {
            return;
        }
        if other.max > self.max || self.is_empty() {
            let mine = *self;
            *self = *other;
            self.merge(&mine);
            return;
        }
        if other.max.is_nan() || self.max.is_nan() {
            self.max = f64::NAN;
            return;
        }
        if other.max == self.max && other.max.is_infinite() {
            // Only values of exp(−∞) = 0, or +∞ joining +∞: nothing changes.
            return;
        }
        let scale = (other.max - self.max).exp();
        self.add_scaled(other.sum * scale);
        self.add_scaled(other.compensation * scale);
    }

    /// `log Σ exp(vₖ)`; −∞ for no values.
    pub fn value(&self) -> f64 {
        if self.is_empty() {
            return f64::NEG_INFINITY;
        }
        self.max + (self.sum + self.compensation).ln()
    }

    /// Whether the state is one that [`LogSumExp::add`] can make (for
    /// states read from a file).
    fn is_sound(&self) -> bool {
        self.is_empty()
            || self.max.is_nan()
            || (self.sum + self.compensation >= 1.0 && self.max.is_finite())
            || (self.sum >= 1.0 && self.compensation == 0.0 && self.max.is_infinite())
    }
}

/// The running state of one batch: each class's log-sum-exps over the
/// rows read so far, and the exact sum of the row terms. O(C) numbers
/// whatever the rows; states of consecutive rows merge (in order or not:
/// only the last bits of a log-sum-exp depend on the order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TwoWayBatch {
    rows: u64,
    /// Per class: log Σ exp(−x/Tp) over its positives, and log Σ exp(x/Tn)
    /// over its negatives.
    positives: ClassSums,
    negatives: ClassSums,
    /// Σ softplus(bᵢ) over the rows with a positive, and their count.
    row_terms: ExactSum,
    rows_with_positive: u64,
}

impl TwoWayBatch {
    /// No rows yet (keeps its buffers).
    pub fn clear(&mut self) {
        self.rows = 0;
        self.positives.clear();
        self.negatives.clear();
        if self.rows_with_positive > 0 {
            self.row_terms = ExactSum::default();
        }
        self.rows_with_positive = 0;
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds one row of logits `x` and targets `y`; targets equal to
    /// `missing` are neither positive nor negative.
    #[inline]
    pub fn add_row(&mut self, loss: &TwoWay, x: &[f64], y: &[f64], missing: Option<Missing>) {
        self.positives.widen(x.len());
        self.negatives.widen(x.len());
        let mut row = [LogSumExp::default(); 2];
        for start in (0..x.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(x.len());
            let sets = [&mut self.positives, &mut self.negatives];
            let chunk = add_chunk(loss, &x[start..end], &y[start..end], missing, sets, start);
            row[0].merge(&chunk[0]);
            row[1].merge(&chunk[1]);
        }
        let [row_positive, row_negative] = row;
        self.rows += 1;
        if !row_positive.is_empty() {
            let b = loss.tp * row_positive.value() + loss.tn * row_negative.value();
            self.row_terms.add(softplus(b));
            self.rows_with_positive += 1;
        }
    }

    /// Adds the rows of another state of the same batch.
    pub fn merge(&mut self, other: &TwoWayBatch) {
        self.positives.merge(&other.positives);
        self.negatives.merge(&other.negatives);
        self.rows += other.rows;
        self.row_terms.merge(&other.row_terms);
        self.rows_with_positive += other.rows_with_positive;
    }

    /// The batch's loss: the mean of the class terms over the classes with
    /// a positive plus the mean of the row terms over the rows with one,
    /// an empty mean being 0.
    pub fn value(&self, loss: &TwoWay) -> f64 {
        let (positives, negatives) = (self.positives.states(), self.negatives.states());
        let class_terms: Vec<f64> = (positives.iter().zip(&negatives))
            .filter(|(positive, _)| !positive.is_empty())
            .map(|(positive, negative)| {
                softplus(loss.tp * positive.value() + loss.tn * negative.value())
            })
            .collect();
        let mean = |sum: f64, count: usize| if count == 0 { 0.0 } else { sum / count as f64 };
        let classes = mean(compensated_sum(&class_terms), class_terms.len());
        let rows = mean(self.row_terms.value(), self.rows_with_positive as usize);
        classes + rows
    }

    /// The state as plain data, for `--partial`.
    pub fn to_totals(&self) -> BatchState {
        BatchState {
            rows: self.rows,
            positives: self.positives.states(),
            negatives: self.negatives.states(),
            row_terms: self.row_terms.to_terms(),
            rows_with_positive: self.rows_with_positive,
        }
    }

    /// The state that `totals` describe.
    pub fn from_totals(totals: &BatchState) -> Self {
        TwoWayBatch {
            rows: totals.rows,
            positives: ClassSums::from_states(&totals.positives),
            negatives: ClassSums::from_states(&totals.negatives),
            row_terms: ExactSum::from_terms(&totals.row_terms),
            rows_with_positive: totals.rows_with_positive,
        }
    }
}

/// A [`TwoWayBatch`] as plain data (`--partial`'s state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchState {
    pub rows: u64,
    pub positives: Vec<LogSumExp>,
    pub negatives: Vec<LogSumExp>,
    pub row_terms: Terms,
    pub rows_with_positive: u64,
}

impl BatchState {
    /// What is wrong with a state read from a file of `classes` classes.
    pub fn problem(&self, classes: usize) -> Option<String> {
        let width = |v: &[LogSumExp]| v.is_empty() || v.len() == classes;
        if !width(&self.positives) || self.positives.len() != self.negatives.len() {
            return Some(format!(
                "per-class log-sum-exps for other than {classes} classes"
            ));
        }
        let states = self.positives.iter().chain(&self.negatives);
        if states.into_iter().any(|s| !s.is_sound()) {
            return Some("a log-sum-exp whose sum is below 1 or whose max is infinite".into());
        }
        if self.rows_with_positive > self.rows || (self.rows == 0 && !self.positives.is_empty()) {
            return Some("rows with a positive do not fit the rows".into());
        }
        if !self.row_terms.special_is_known() {
            return Some("a sum's special is not nan, inf or -inf".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's 5 × 4 case (torch-losses-modern.json, `two-way-5x4`).
    const X: [[f64; 4]; 5] = [
        [-1.293937, -0.404391, -1.306502, -6.842148],
        [4.305638, -6.125111, 0.051519, -1.775163],
        [4.326256, 1.312938, -1.61147, -5.141881],
        [-3.336418, 3.997978, 0.763873, 2.461442],
        [1.612505, -6.928188, -1.291858, -0.869877],
    ];
    const Y: [[f64; 4]; 5] = [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0],
    ];

    fn batch(loss: &TwoWay, rows: std::ops::Range<usize>) -> TwoWayBatch {
        let mut state = TwoWayBatch::default();
        for i in rows {
            state.add_row(loss, &X[i], &Y[i], None);
        }
        state
    }

    #[test]
    fn matches_the_reference_and_merges_at_any_split() {
        let loss = TwoWay::default();
        let whole = batch(&loss, 0..5).value(&loss);
        let expected = 4.2430362307412635;
        assert!((whole - expected).abs() <= 1e-13 * expected, "{whole}");
        for split in 0..=5 {
            let mut first = batch(&loss, 0..split);
            first.merge(&batch(&loss, split..5));
            let value = first.value(&loss);
            assert!((value - whole).abs() <= 1e-15 * whole, "{split}: {value}");
            let mut second = batch(&loss, split..5);
            second.merge(&TwoWayBatch::from_totals(
                &batch(&loss, 0..split).to_totals(),
            ));
            assert!((second.value(&loss) - whole).abs() <= 1e-15 * whole);
        }
    }

    /// No positive: both means are empty, 0; a row of positives only has
    /// a row term of softplus(−∞) = 0 that counts in the mean.
    #[test]
    fn empty_means_are_zero_and_rows_without_negatives_add_zero() {
        let loss = TwoWay::default();
        let mut none = TwoWayBatch::default();
        none.add_row(&loss, &[1.0, 2.0], &[0.0, 0.0], None);
        assert_eq!(none.value(&loss), 0.0);
        assert_eq!(TwoWayBatch::default().value(&loss), 0.0);
        let mut all = TwoWayBatch::default();
        all.add_row(&loss, &[1.0, 2.0], &[1.0, 1.0], None);
        assert_eq!(all.value(&loss), 0.0);
        // With a negative row beside it, the positive row's term is 0 and
        // halves the row mean.
        all.add_row(&loss, &[1.0, -3.0], &[1.0, 0.0], None);
        // Class 0 has no negative (0); class 1: 4·(−2/4) + (−3); row 1:
        // 4·(−1/4) + (−3).
        let expected = softplus(-5.0) / 2.0 + softplus(-4.0) / 2.0;
        assert!((all.value(&loss) - expected).abs() <= 1e-15 * expected);
    }

    /// A missing target is neither positive nor negative.
    #[test]
    fn missing_targets_are_left_out() {
        let loss = TwoWay::default();
        let mut with_missing = TwoWayBatch::default();
        with_missing.add_row(
            &loss,
            &[1.0, 5.0, -2.0],
            &[1.0, -1.0, 0.0],
            Some(Missing(-1.0)),
        );
        let mut without = TwoWayBatch::default();
        without.add_row(&loss, &[1.0, -2.0], &[1.0, 0.0], None);
        assert_eq!(with_missing.value(&loss), without.value(&loss));
    }

    /// The batch's value one element at a time, by [`LogSumExp::add`]
    /// alone (the form before the chunked exps).
    fn scalar_value(loss: &TwoWay, x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
        let classes = x[0].len();
        let mut columns = vec![[LogSumExp::default(); 2]; classes];
        let mut rows = Vec::new();
        for (x, y) in x.iter().zip(y) {
            let mut row = [LogSumExp::default(); 2];
            for ((&x, &y), column) in x.iter().zip(y).zip(&mut columns) {
                let (set, v) = match y {
                    1.0 => (0, -x / loss.tp),
                    0.0 => (1, x / loss.tn),
                    _ => continue,
                };
                row[set].add(v);
                column[set].add(v);
            }
            rows.push(row);
        }
        let term = |[p, n]: [LogSumExp; 2]| {
            (!p.is_empty()).then(|| softplus(loss.tp * p.value() + loss.tn * n.value()))
        };
        let mean = |terms: Vec<f64>| terms.iter().sum::<f64>() / terms.len().max(1) as f64;
        let class_terms = columns.into_iter().filter_map(term).collect();
        mean(class_terms) + mean(rows.into_iter().filter_map(term).collect())
    }

    /// The chunked, vectorised exps agree with the scalar form: rows wider
    /// than a chunk, maxima that grow (rescaling), logits of ±1000 beyond
    /// the polynomial's range, and NaN or infinities, which take the
    /// scalar path.
    #[test]
    fn chunks_agree_with_the_scalar_form() {
        let loss = TwoWay {
            tp: 3.0,
            tn: 0.7,
            batch_size: None,
        };
        let classes = 150;
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x: Vec<Vec<f64>> = (0..40)
            .map(|i| {
                (0..classes)
                    .map(|_| (next() - 0.5) * (2.0 + i as f64))
                    .collect()
            })
            .collect();
        let y: Vec<Vec<f64>> = (0..40)
            .map(|_| {
                (0..classes)
                    .map(|_| f64::from(u8::from(next() < 0.2)))
                    .collect()
            })
            .collect();
        let value = |x: &[Vec<f64>]| {
            let mut batch = TwoWayBatch::default();
            x.iter()
                .zip(&y)
                .for_each(|(x, y)| batch.add_row(&loss, x, y, None));
            batch.value(&loss)
        };
        let (chunked, scalar) = (value(&x), scalar_value(&loss, &x, &y));
        assert!(
            (chunked - scalar).abs() <= 1e-14 * scalar,
            "{chunked} {scalar}"
        );
        x[3][70] = -1000.0;
        x[5][2] = 1000.0;
        let (chunked, scalar) = (value(&x), scalar_value(&loss, &x, &y));
        assert!(
            (chunked - scalar).abs() <= 1e-14 * scalar,
            "{chunked} {scalar}"
        );
        for special in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            x[9][100] = special;
            let (chunked, scalar) = (value(&x), scalar_value(&loss, &x, &y));
            let same = chunked == scalar
                || (chunked - scalar).abs() <= 1e-14 * scalar.abs()
                || (chunked.is_nan() && scalar.is_nan());
            assert!(same, "{special}: {chunked} {scalar}");
        }
    }

    impl LogSumExp {
        fn of(values: &[f64]) -> f64 {
            let mut state = LogSumExp::default();
            values.iter().for_each(|&v| state.add(v));
            state.value()
        }
    }

    /// A positive at +∞ or a negative at −∞ adds exp(−∞) = 0 to its sets,
    /// which still count as non-empty (`--nonfinite allow`): the limit, not
    /// NaN; +∞ twice stays +∞.
    #[test]
    fn infinite_logits_add_their_limits() {
        let (inf, mut lse) = (f64::INFINITY, LogSumExp::default());
        lse.add(-inf);
        assert!(!lse.is_empty() && lse.is_sound());
        assert_eq!(lse.value(), -inf);
        lse.add(-inf);
        assert_eq!(lse.value(), -inf);
        let mut other = LogSumExp::default();
        other.add(-inf);
        lse.merge(&other);
        assert_eq!(lse.value(), -inf);
        lse.add(0.0);
        assert_eq!(lse.value(), 0.0);
        let mut top = LogSumExp::default();
        top.add(inf);
        top.add(inf);
        assert_eq!(top.value(), inf);
        let loss = TwoWay::default();
        let mut batch = TwoWayBatch::default();
        batch.add_row(&loss, &[inf, -inf], &[1.0, 0.0], None);
        assert_eq!(batch.value(&loss), 0.0);
    }

    #[test]
    fn log_sum_exp_is_exact_far_from_zero() {
        let lse = LogSumExp::of(&[-1000.0, -1000.0]);
        assert!((lse - (-1000.0 + std::f64::consts::LN_2)).abs() < 1e-12);
        assert_eq!(LogSumExp::default().value(), f64::NEG_INFINITY);
        assert_eq!(softplus(f64::NEG_INFINITY), 0.0);
        assert_eq!(softplus(800.0), 800.0);
    }
}
