//! The loss maths: numbers in, numbers out, no I/O.
//!
//! Formulas follow PyTorch's float64 CPU kernels term by term (README,
//! "Formulas"), so that results agree with PyTorch to about 1e-15 relative.

/// Which PyTorch loss to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `torch.nn.BCEWithLogitsLoss`.
    Bce,
    /// `torch.nn.MultiLabelSoftMarginLoss`.
    MultiLabelSoftMargin,
}

/// How element losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// No reduction: the N×C matrix for bce, one value per sample for mlsm.
    None,
    /// PyTorch's `mean`: bce divides the sum by N×C, mlsm averages the per-sample values.
    Mean,
    /// PyTorch's `sum`.
    Sum,
    /// Mean over the classes of each sample: N values.
    Row,
    /// Mean over the samples of each class: C values.
    Class,
}

/// `log(sigmoid(x))` without overflow for any finite `x`, as PyTorch computes it.
#[inline]
pub fn log_sigmoid(x: f64) -> f64 {
    x.min(0.0) - (-x.abs()).exp().ln_1p()
}

/// A loss with its per-class parameters, ready to apply to rows of C values.
#[derive(Debug, Clone)]
pub struct Loss {
    kind: Kind,
    /// Per-class rescaling weight (`weight=`), C values.
    weight: Option<Vec<f64>>,
    /// Per-class weight of positive targets (`pos_weight=`, bce only), C values.
    pos_weight: Option<Vec<f64>>,
}

impl Loss {
    /// `weight` and `pos_weight` must already hold one value per class
    /// (see [`broadcast`]); `pos_weight` is ignored unless `kind` is bce.
    pub fn new(kind: Kind, weight: Option<Vec<f64>>, pos_weight: Option<Vec<f64>>) -> Self {
        let pos_weight = if kind == Kind::Bce { pos_weight } else { None };
        Loss {
            kind,
            weight,
            pos_weight,
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Writes the (weighted) loss of each element of one sample into `out`.
    ///
    /// All three slices have one value per class.
    pub fn element_losses(&self, logits: &[f64], targets: &[f64], out: &mut [f64]) {
        debug_assert!(logits.len() == targets.len() && logits.len() == out.len());
        match self.kind {
            Kind::Bce => match &self.pos_weight {
                // loss = (1 - y)·x - ((p - 1)·y + 1)·logσ(x)
                Some(pos_weight) => {
                    for (((o, &x), &y), &p) in
                        out.iter_mut().zip(logits).zip(targets).zip(pos_weight)
                    {
                        let log_weight = (p - 1.0) * y + 1.0;
                        *o = (1.0 - y) * x - log_sigmoid(x) * log_weight;
                    }
                }
                None => {
                    for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                        *o = (1.0 - y) * x - log_sigmoid(x);
                    }
                }
            },
            // loss = -(y·logσ(x) + (1 - y)·logσ(-x))
            Kind::MultiLabelSoftMargin => {
                for ((o, &x), &y) in out.iter_mut().zip(logits).zip(targets) {
                    *o = -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x));
                }
            }
        }
        if let Some(weight) = &self.weight {
            for (o, &w) in out.iter_mut().zip(weight) {
                *o *= w;
            }
        }
    }
}

/// Expands per-class values given on the command line to `classes` values:
/// a single value broadcasts, as a one-element tensor does in PyTorch.
/// Returns `None` when the count fits neither.
pub fn broadcast(values: &[f64], classes: usize) -> Option<Vec<f64>> {
    match values.len() {
        1 => Some(vec![values[0]; classes]),
        n if n == classes => Some(values.to_vec()),
        _ => None,
    }
}

/// Neumaier's compensated sum: the error of a long sum stays at a few ulps of
/// the result instead of growing with the number of terms, and the result
/// does not depend on how the input is chunked into rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// Adds another partial sum, keeping its compensation.
    pub fn merge(&mut self, other: &CompensatedSum) {
        self.add(other.sum);
        self.compensation += other.compensation;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Sum of a slice with compensation.
pub fn compensated_sum(values: &[f64]) -> f64 {
    let mut sum = CompensatedSum::default();
    for &v in values {
        sum.add(v);
    }
    sum.value()
}

/// The loss of one sample as mlsm `none` and the `row` reduction define it:
/// the mean of its element losses.
pub fn row_mean(element_losses: &[f64]) -> f64 {
    compensated_sum(element_losses) / element_losses.len() as f64
}

/// Running state of the `mean`, `sum` and `class` reductions. It holds O(C)
/// numbers whatever the number of rows.
#[derive(Debug, Clone)]
pub struct Accumulator {
    kind: Kind,
    rows: u64,
    /// bce: the sum of all element losses; mlsm: the sum of the per-sample means.
    total: CompensatedSum,
    /// The sum of each class's element losses; empty unless asked for.
    per_class: Vec<CompensatedSum>,
}

impl Accumulator {
    /// `classes` is C when the `class` reduction is wanted, 0 otherwise.
    pub fn new(kind: Kind, per_class: usize) -> Self {
        Accumulator {
            kind,
            rows: 0,
            total: CompensatedSum::default(),
            per_class: vec![CompensatedSum::default(); per_class],
        }
    }

    /// Adds one sample's element losses (from [`Loss::element_losses`]).
    pub fn add_row(&mut self, element_losses: &[f64]) {
        self.rows += 1;
        match self.kind {
            Kind::Bce => {
                for &l in element_losses {
                    self.total.add(l);
                }
            }
            Kind::MultiLabelSoftMargin => self.total.add(row_mean(element_losses)),
        }
        for (sum, &l) in self.per_class.iter_mut().zip(element_losses) {
            sum.add(l);
        }
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// PyTorch's `sum`.
    pub fn sum(&self) -> f64 {
        self.total.value()
    }

    /// PyTorch's `mean`; `classes` is C.
    pub fn mean(&self, classes: usize) -> f64 {
        match self.kind {
            Kind::Bce => self.total.value() / (self.rows as f64 * classes as f64),
            Kind::MultiLabelSoftMargin => self.total.value() / self.rows as f64,
        }
    }

    /// The `class` reduction: each class's mean over the samples.
    pub fn class_means(&self) -> Vec<f64> {
        self.per_class
            .iter()
            .map(|s| s.value() / self.rows as f64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_sigmoid_is_stable_at_extremes() {
        assert_eq!(log_sigmoid(0.0), -std::f64::consts::LN_2);
        assert_eq!(log_sigmoid(1e6), -0.0);
        assert_eq!(log_sigmoid(-1e6), -1e6);
        assert!((log_sigmoid(-745.0) + 745.0).abs() < 1e-12);
    }

    #[test]
    fn bce_matches_direct_formula_at_moderate_logits() {
        let loss = Loss::new(Kind::Bce, None, None);
        let (x, y) = ([0.3, -1.2, 2.0], [1.0, 0.0, 0.25]);
        let mut out = [0.0; 3];
        loss.element_losses(&x, &y, &mut out);
        for i in 0..3 {
            let p = 1.0 / (1.0 + (-x[i]).exp());
            let direct = -(y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln());
            assert!((out[i] - direct).abs() < 1e-14, "{} vs {direct}", out[i]);
        }
    }

    #[test]
    fn pos_weight_scales_positive_term_only() {
        let plain = Loss::new(Kind::Bce, None, None);
        let weighted = Loss::new(Kind::Bce, None, Some(vec![3.0]));
        let (mut a, mut b) = ([0.0], [0.0]);
        plain.element_losses(&[0.7], &[0.0], &mut a);
        weighted.element_losses(&[0.7], &[0.0], &mut b);
        assert_eq!(a, b);
        plain.element_losses(&[0.7], &[1.0], &mut a);
        weighted.element_losses(&[0.7], &[1.0], &mut b);
        assert!((b[0] - 3.0 * a[0]).abs() < 1e-15);
    }

    #[test]
    fn compensated_sum_recovers_cancelled_terms() {
        assert_eq!(compensated_sum(&[1e100, 1.0, -1e100]), 1.0);
        let mut parts = CompensatedSum::default();
        let mut tail = CompensatedSum::default();
        parts.add(1e100);
        tail.add(1.0);
        tail.add(-1e100);
        parts.merge(&tail);
        assert_eq!(parts.value(), 1.0);
    }

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast(&[2.0], 3), Some(vec![2.0; 3]));
        assert_eq!(broadcast(&[1.0, 2.0], 2), Some(vec![1.0, 2.0]));
        assert_eq!(broadcast(&[1.0, 2.0], 3), None);
    }
}
