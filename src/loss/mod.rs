//! The loss maths: numbers in, numbers out, no I/O.
//!
//! Formulas follow PyTorch's float64 CPU kernels term by term (README,
//! "Formulas"), so that results agree with PyTorch to about 1e-15 relative.
//!
//! - A [`Loss`] is a [`Kind`] with its parameters, plus what applies to
//!   every kind: class weights, label smoothing, missing targets.
//! - Each kind is a module holding its parameters, formula and domains
//!   (what LOGITS and TARGETS may hold), by implementing [`Formula`]:
//!   `logit.rs` (bce, multilabel-soft-margin), `probs.rs` (bce-probs),
//!   `focal.rs`, `asymmetric.rs` (asl), `margin.rs` (multilabel-margin),
//!   `poly.rs` (poly1), `hill.rs`, `polynomial.rs` (apl), `zlpr.rs`.
//! - `kernel.rs`: log σ and the softplus polynomial every kind builds on;
//!   `reduce.rs`: reductions and the running totals; `partial.rs`: the
//!   totals of a sharded run; the sums are [`crate::numerics`]'.
//!
//! Adding a kind is its module and one line in `register_kinds!` below:
//! the command line takes its name, aliases, help and parameter options
//! from here (`cmd/loss/kind_options.rs`).

use serde::{Deserialize, Serialize};

use crate::domain::Domain;
use crate::numerics::{compensated_sum, json_f64, row_mean};

mod asymmetric;
mod batches;
mod class_balanced;
mod distribution_balanced;
mod focal;
mod hill;
mod kernel;
mod logit;
mod margin;
mod params;
mod partial;
mod poly;
mod polynomial;
mod probs;
mod reduce;
mod rows;
mod splc;
mod two_way;
mod zlpr;

pub use asymmetric::Asymmetric;
pub use batches::{BatchRun, BatchTotals, JobBatches};
pub use class_balanced::{Base, ClassBalanced};
pub use distribution_balanced::DistributionBalanced;
pub use focal::Focal;
pub use hill::Hill;
pub use kernel::{log_sigmoid, log1p_exp_neg};
pub use logit::{Bce, MultiLabelSoftMargin};
pub use margin::MultiLabelMargin;
pub use params::{Choice, Given, Slot, ValueType};
pub use partial::{Mismatch, PartialState, VERSION as PARTIAL_VERSION};
pub use poly::Poly1;
pub use polynomial::AsymmetricPolynomial;
pub use probs::BceProbs;
pub use reduce::{Accumulator, Outcome, PerRow, Reduction, Totals};
pub use splc::Splc;
pub use two_way::TwoWay;
pub use zlpr::Zlpr;

/// What a loss kind defines. Each kind's module implements it for the
/// struct of the kind's parameters.
pub trait Formula {
    /// What the kind is, in one line for `--kind`'s help (no final stop).
    fn about(&self) -> &'static str;

    /// Whether the kind's losses are per element or per sample.
    fn shape(&self) -> Shape;

    /// The kind's numeric parameters, each with the field that holds it:
    /// each becomes an option (`--gamma-neg G`) whose default is the
    /// field's value in the kind's `Default`.
    fn params(&mut self) -> Vec<(Param, &mut f64)> {
        Vec::new()
    }

    /// Every parameter, of any type ([`Slot`]): counts, choices, numbers
    /// with no default, per-class counts. By default the numbers of
    /// [`Formula::params`]; a kind with other types declares them all here
    /// instead.
    fn typed_params(&mut self) -> Vec<(Param, Slot<'_>)> {
        let params = self.params().into_iter();
        params.map(|(p, value)| (p, Slot::Number(value))).collect()
    }

    /// The first parameter that [`Formula::check`]'s numbers do not cover
    /// (counts, per-class counts) outside its domain, as a message that
    /// starts with its option (`--class-counts …`).
    fn check_typed(&self) -> Result<(), String> {
        Ok(())
    }

    /// Computes what the parameters imply for every row (per-class
    /// weights), once they are checked.
    fn prepare(&mut self) {}

    /// Where the kind keeps a per-class weight of positive targets
    /// (`--pos-weight`), if it takes one.
    fn pos_weight(&mut self) -> Option<&mut Option<Vec<f64>>> {
        None
    }

    /// Where a batch loss (one value per batch of rows, not per element
    /// or sample) keeps its rows per batch (`--batch-size`; `None`: the
    /// whole input is one batch), if the kind is one.
    fn batch_size(&mut self) -> Option<&mut Option<u64>> {
        None
    }

    /// Why a batch of no samples of `classes` classes has no result under
    /// `reduction`, where PyTorch gives none.
    fn empty_batch_problem(&self, _classes: usize, _reduction: Reduction) -> Option<String> {
        None
    }

    /// What LOGITS may hold.
    fn logits_domain(&self) -> Domain {
        Domain::FINITE
    }

    /// What TARGETS may hold (before `--ignore-value` and `--nonfinite`).
    fn targets_domain(&self) -> Domain {
        Domain::UNIT_INTERVAL
    }

    /// Whether LOGITS are logits (σ applied inside): then scores that all
    /// lie in [0, 1] are most likely probabilities, which earn a warning.
    fn takes_logits(&self) -> bool {
        true
    }

    /// Whether class weights, label smoothing and missing targets apply.
    fn takes_modifiers(&self) -> bool {
        true
    }

    /// Whether missing targets (`--ignore-value`) apply: with the other
    /// modifiers, or alone (a batch loss's masks).
    fn takes_ignore_value(&self) -> bool {
        self.takes_modifiers()
    }

    /// Whether class weights (`--weight`) apply, when the other modifiers
    /// do.
    fn takes_weight(&self) -> bool {
        true
    }

    /// The most dimensions PyTorch's loss takes (`None`: any, the last
    /// being the classes).
    fn max_rank(&self) -> Option<usize> {
        None
    }

    /// The first parameter outside its domain, if any.
    fn check(&self) -> Result<(), ParamError> {
        Ok(())
    }

    /// Writes into `out` the loss of each element of one sample, each times
    /// its weight in `weights` (for [`Shape::Samples`] kinds: the terms
    /// whose mean over the classes is the sample's loss). All slices have
    /// one value per class.
    fn element_losses(
        &self,
        logits: &[f64],
        targets: &[f64],
        weights: RowWeights<'_>,
        out: &mut [f64],
    );
}

/// Declares [`Kind`], one variant per kind holding its parameters, and
/// dispatches [`Formula`] to them. `Variant(module::Type) = "name"`, where
/// the name is the kind's name in messages, partial states and `--kind`,
/// followed by `| "alias"` for each other name `--kind` takes. The first
/// kind is `--kind`'s default.
macro_rules! register_kinds {
    ($($(#[$doc:meta])* $variant:ident($ty:ty) = $name:literal $(| $alias:literal)*,)*) => {
        /// A loss kind with its parameters.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum Kind {
            $($(#[$doc])* #[serde(rename = $name)] $variant($ty),)*
        }

        impl Kind {
            /// The kind's name in messages and partial states.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Kind::$variant(_) => $name,)*
                }
            }

            /// The kind's other names on the command line (`mlsm`).
            pub fn aliases(&self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant(_) => &[$($alias),*],)*
                }
            }

            /// Every kind, with its default parameters, the default kind
            /// first.
            pub fn all() -> Vec<Kind> {
                vec![$(Kind::$variant(<$ty>::default()),)*]
            }

            fn formula(&self) -> &dyn Formula {
                match self {
                    $(Kind::$variant(kind) => kind,)*
                }
            }

            fn formula_mut(&mut self) -> &mut dyn Formula {
                match self {
                    $(Kind::$variant(kind) => kind,)*
                }
            }
        }
    };
}

register_kinds! {
    /// `torch.nn.BCEWithLogitsLoss`.
    Bce(Bce) = "bce",
    /// `torch.nn.MultiLabelSoftMarginLoss`.
    MultiLabelSoftMargin(MultiLabelSoftMargin) = "multilabel-soft-margin" | "mlsm",
    /// `torch.nn.BCELoss`, on probabilities.
    BceProbs(BceProbs) = "bce-probs",
    /// `torchvision.ops.sigmoid_focal_loss`.
    Focal(Focal) = "focal",
    /// Asymmetric Loss (Ridnik et al., 2021), as its reference implementation.
    Asymmetric(Asymmetric) = "asl",
    /// `torch.nn.MultiLabelMarginLoss`, the 0/1 target row as the set of targets.
    MultiLabelMargin(MultiLabelMargin) = "multilabel-margin" | "margin",
    /// The Two-way loss (Kobayashi, CVPR 2023), as its reference code.
    TwoWay(TwoWay) = "two-way",
    /// Poly-1 on the sigmoid (Leng et al., 2022), as abhuse/polyloss-pytorch.
    Poly1(Poly1) = "poly1",
    /// The Hill loss (Zhang et al., 2021), as xinyu1205/robust-loss-mlml.
    Hill(Hill) = "hill",
    /// The Asymmetric Polynomial Loss (Huang et al., 2023), as LUMIA-Group/APL.
    AsymmetricPolynomial(AsymmetricPolynomial) = "apl",
    /// The multi-label categorical cross-entropy (ZLPR), as bert4keras.
    Zlpr(Zlpr) = "zlpr" | "mlcce",
    /// SPLC (Zhang et al., 2021), as its reference code.
    Splc(Splc) = "splc",
    /// The class-balanced loss (Cui et al., 2019), per element.
    ClassBalanced(ClassBalanced) = "class-balanced",
    /// The Distribution-Balanced loss (Wu et al., 2020), as its reference code.
    DistributionBalanced(DistributionBalanced) = "distribution-balanced",
}

impl Kind {
    pub fn about(&self) -> &'static str {
        self.formula().about()
    }

    pub fn shape(&self) -> Shape {
        self.formula().shape()
    }

    pub fn params(&mut self) -> Vec<(Param, &mut f64)> {
        self.formula_mut().params()
    }

    pub fn typed_params(&mut self) -> Vec<(Param, Slot<'_>)> {
        self.formula_mut().typed_params()
    }

    pub fn check_typed(&self) -> Result<(), String> {
        self.formula().check_typed()
    }

    pub fn prepare(&mut self) {
        self.formula_mut().prepare()
    }

    pub fn pos_weight(&mut self) -> Option<&mut Option<Vec<f64>>> {
        self.formula_mut().pos_weight()
    }

    /// Whether the kind takes a per-class weight of positive targets.
    pub fn takes_pos_weight(&self) -> bool {
        self.clone().pos_weight().is_some()
    }

    pub fn batch_size(&mut self) -> Option<&mut Option<u64>> {
        self.formula_mut().batch_size()
    }

    /// Whether the kind is a batch loss (one value per batch of rows).
    pub fn is_batch_loss(&self) -> bool {
        self.clone().batch_size().is_some()
    }

    pub fn takes_ignore_value(&self) -> bool {
        self.formula().takes_ignore_value()
    }

    pub fn logits_domain(&self) -> Domain {
        self.formula().logits_domain()
    }

    pub fn targets_domain(&self) -> Domain {
        self.formula().targets_domain()
    }

    pub fn takes_logits(&self) -> bool {
        self.formula().takes_logits()
    }

    pub fn takes_modifiers(&self) -> bool {
        self.formula().takes_modifiers()
    }

    /// Whether the kind takes class weights (`--weight`).
    pub fn takes_weight(&self) -> bool {
        self.takes_modifiers() && self.formula().takes_weight()
    }

    pub fn max_rank(&self) -> Option<usize> {
        self.formula().max_rank()
    }

    pub fn check(&self) -> Result<(), ParamError> {
        self.formula().check()
    }

    fn element_losses(&self, x: &[f64], y: &[f64], weights: RowWeights<'_>, out: &mut [f64]) {
        self.formula().element_losses(x, y, weights, out);
    }
}

/// Whether a kind's losses are per element or per sample: what `none`
/// prints and what `mean` averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A loss per element (bce): `none` is the N×C matrix.
    Elements,
    /// A loss per sample, the mean of its element terms over the classes
    /// (mlsm): `none` is one value per sample.
    Samples,
    /// A loss per sample that is a function of the whole row, not a mean
    /// of element terms (zlpr's log-sum-exps): `none` is one value per
    /// sample, `mean` their mean; there are no per-class values. The
    /// kind's `element_losses` writes the sample's loss as the row's first
    /// term and 0 in the others, so that the row's sum is the loss; a
    /// missing element reaches it as a logit of −∞, which the kind leaves
    /// out.
    Joint,
}

/// A kind's numeric parameter, as the command line takes it (`--gamma-neg
/// G`); its default is the field's value in the kind's `Default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The option's name without its dashes (`gamma-neg`), as
    /// [`ParamError`] names it too. Kinds that share a name share the
    /// option.
    pub name: &'static str,
    /// The value's placeholder in the help (`G`).
    pub value_name: &'static str,
    /// What it is, for the help (the kind's name and the default are
    /// added there).
    pub help: &'static str,
}

/// A kind's parameter outside its domain (`--clip -0.1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamError {
    /// The parameter's name, as its option spells it (`gamma-neg`).
    pub param: &'static str,
    pub value: f64,
    /// What it must be (`must not be negative`).
    pub problem: &'static str,
}

impl ParamError {
    /// Ok if `value` is finite.
    pub fn finite(param: &'static str, value: f64) -> Result<(), ParamError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(ParamError {
                param,
                value,
                problem: "must be a finite number",
            })
        }
    }
}

/// Label smoothing's domain, checked on the command line
/// (`--label-smoothing`) and in the states `merge` reads.
pub fn check_label_smoothing(eps: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&eps) {
        Ok(())
    } else {
        Err(format!("must lie in [0, 1], not {eps}"))
    }
}

/// A loss ready to apply to rows of C values.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Loss {
    #[serde(flatten)]
    pub kind: Kind,
    /// Per-class rescaling weight (`weight=`), C values.
    #[serde(with = "json_f64::option_vec")]
    pub weight: Option<Vec<f64>>,
    /// Targets become y·(1 − ε) + ε/2; 0 leaves them alone.
    pub label_smoothing: f64,
    /// Targets equal to this value are missing (`--ignore-value`).
    pub missing: Option<Missing>,
}

/// The target value that marks an element as missing; NaN marks NaN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Missing(#[serde(with = "json_f64::value")] pub f64);

impl Missing {
    #[inline]
    pub fn is(self, y: f64) -> bool {
        y == self.0 || (y.is_nan() && self.0.is_nan())
    }
}

/// Weights of one row read from `--weight-file`/`--pos-weight-file`, C
/// values each, or `None` to use the loss's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowWeights<'a> {
    pub weight: Option<&'a [f64]>,
    pub pos_weight: Option<&'a [f64]>,
}

impl Loss {
    /// `kind` without weights, smoothing or missing targets.
    pub fn new(kind: Kind) -> Self {
        Loss {
            kind,
            weight: None,
            label_smoothing: 0.0,
            missing: None,
        }
    }

    /// Writes the (weighted) loss of each element of one sample into `out`
    /// (see [`Formula::element_losses`]); a missing element gets 0.
    /// `row_weights`, when given, replace the loss's own for this row
    /// (weights from a file); `scratch` holds the smoothed targets.
    #[inline]
    pub fn element_losses(
        &self,
        logits: &[f64],
        targets: &[f64],
        row_weights: RowWeights<'_>,
        scratch: &mut Vec<f64>,
        out: &mut [f64],
    ) {
        debug_assert!(logits.len() == targets.len() && logits.len() == out.len());
        let weights = RowWeights {
            weight: row_weights.weight.or(self.weight.as_deref()),
            pos_weight: row_weights.pos_weight,
        };
        // Whether a target is missing is decided on the value read.
        let raw_targets = targets;
        scratch.clear();
        if self.label_smoothing != 0.0 {
            let eps = self.label_smoothing;
            scratch.extend(targets.iter().map(|&y| y * (1.0 - eps) + eps / 2.0));
        }
        let joint_missing = self.missing.filter(|_| self.kind.shape() == Shape::Joint);
        if let Some(missing) = joint_missing {
            // A joint kind leaves out a logit of −∞ (padding).
            let masked = logits.iter().zip(raw_targets);
            scratch
                .extend(masked.map(|(&x, &y)| if missing.is(y) { f64::NEG_INFINITY } else { x }));
        }
        let (smoothed, masked) =
            scratch.split_at(scratch.len() - logits.len() * usize::from(joint_missing.is_some()));
        let targets = if self.label_smoothing != 0.0 {
            smoothed
        } else {
            targets
        };
        let logits = if joint_missing.is_some() {
            masked
        } else {
            logits
        };
        self.kind.element_losses(logits, targets, weights, out);
        if let Some(missing) = self.missing.filter(|_| joint_missing.is_none()) {
            for (o, &y) in out.iter_mut().zip(raw_targets) {
                if missing.is(y) {
                    *o = 0.0;
                }
            }
        }
    }

    /// Why a batch of no samples of `classes` classes has no result under
    /// `reduction`, where PyTorch gives none (multilabel-margin).
    pub fn empty_batch_problem(&self, classes: usize, reduction: Reduction) -> Option<String> {
        self.kind.formula().empty_batch_problem(classes, reduction)
    }

    /// One sample's loss as `row` (and the per-sample kinds' `none`)
    /// defines it: the mean of its element losses over the observed
    /// classes; NaN when none is observed.
    /// For [`Shape::Joint`] kinds, the row's sum (their loss), NaN when
    /// nothing is observed.
    #[inline]
    pub fn sample_loss(&self, element_losses: &[f64], targets: &[f64]) -> f64 {
        let joint = self.kind.shape() == Shape::Joint;
        match self.missing {
            None if joint => compensated_sum(element_losses),
            None => row_mean(element_losses),
            Some(missing) => {
                let observed = targets.iter().filter(|&&y| !missing.is(y)).count();
                if joint {
                    let nothing = if observed == 0 { f64::NAN } else { 0.0 };
                    compensated_sum(element_losses) + nothing
                } else {
                    compensated_sum(element_losses) / observed as f64
                }
            }
        }
    }
}

#[inline]
fn apply_weight(out: &mut [f64], weight: Option<&[f64]>) {
    if let Some(weight) = weight {
        for (o, &w) in out.iter_mut().zip(weight) {
            *o *= w;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast(&[2.0], 3), Some(vec![2.0; 3]));
        assert_eq!(broadcast(&[1.0, 2.0], 2), Some(vec![1.0, 2.0]));
        assert_eq!(broadcast(&[1.0, 2.0], 3), None);
    }

    #[test]
    fn kinds_have_distinct_names_and_sound_defaults() {
        let kinds = Kind::all();
        let names: std::collections::BTreeSet<_> = kinds.iter().map(Kind::name).collect();
        assert_eq!(names.len(), kinds.len());
        for kind in &kinds {
            assert_eq!(kind.check(), Ok(()), "{}", kind.name());
            // A loss of this kind reads back from its JSON as the same kind.
            let json = serde_json::to_string(&Loss::new(kind.clone())).unwrap();
            let back: Loss = serde_json::from_str(&json).unwrap();
            assert_eq!(back.kind.name(), kind.name(), "{json}");
        }
    }

    /// Setting a parameter through [`Kind::params`] changes the kind.
    #[test]
    fn params_write_through() {
        let mut kind = Kind::all().remove(3);
        assert_eq!(kind.name(), "focal");
        for (param, value) in kind.params() {
            if param.name == "gamma" {
                *value = 0.5;
            }
        }
        assert!(matches!(kind, Kind::Focal(Focal { gamma: 0.5, .. })));
        assert!(Kind::all()[0].takes_pos_weight());
        assert!(!Kind::all()[1].takes_pos_weight());
    }

    /// Smoothing moves the targets, a missing target gives 0, and row
    /// weights replace the loss's own.
    #[test]
    fn modifiers_apply_to_every_kind_that_takes_them() {
        let (x, y) = ([0.5, -1.0, 2.0], [1.0, 0.0, -1.0]);
        for kind in Kind::all().into_iter().filter(Kind::takes_modifiers) {
            let mut loss = Loss::new(kind);
            loss.missing = Some(Missing(-1.0));
            let (mut scratch, mut out) = (Vec::new(), [0.0; 3]);
            let one = |loss: &Loss, w: RowWeights<'_>, scratch: &mut Vec<f64>| {
                let mut out = [0.0; 3];
                loss.element_losses(&x, &[1.0, 0.0, 0.5], w, scratch, &mut out);
                out
            };
            loss.element_losses(&x, &y, RowWeights::default(), &mut scratch, &mut out);
            assert_eq!(out[2], 0.0, "{}", loss.kind.name());
            let plain = one(&loss, RowWeights::default(), &mut scratch);
            let double = [2.0; 3];
            let weighted = RowWeights {
                weight: Some(&double),
                pos_weight: None,
            };
            if !loss.kind.takes_weight() {
                // zlpr: no weights to apply (refused on the command line).
                let smoothed = Loss {
                    label_smoothing: 0.2,
                    ..loss.clone()
                };
                assert_ne!(one(&smoothed, RowWeights::default(), &mut scratch), plain);
                continue;
            }
            let twice = one(&loss, weighted, &mut scratch);
            // poly1's weight scales its bce term only (as its reference):
            // there, the row weights must act as the loss's own do.
            let whole = !matches!(loss.kind, Kind::Poly1(_));
            let own = Loss {
                weight: Some(double.to_vec()),
                ..loss.clone()
            };
            let reference = if whole {
                plain.map(|a| 2.0 * a)
            } else {
                one(&own, RowWeights::default(), &mut scratch)
            };
            for (a, b) in reference.iter().zip(twice) {
                assert_eq!(*a, b, "{}", loss.kind.name());
            }
            if !whole {
                assert_ne!(twice, plain, "{}", loss.kind.name());
            }
            loss.label_smoothing = 0.2;
            let smoothed = one(&loss, RowWeights::default(), &mut scratch);
            assert_ne!(smoothed, plain, "{}", loss.kind.name());
        }
    }
}
