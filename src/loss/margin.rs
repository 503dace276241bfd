//! `multilabel-margin`: `torch.nn.MultiLabelMarginLoss`, each 0/1 target
//! row being the set T of target classes (no −1 padding).
//!
//! ```text
//! ℓⱼ(x, T) = Σ_{k ∉ T} max(0, 1 − (xⱼ − xₖ)) for each target class j ∈ T, 0 for j ∉ T;
//! the sample's loss is (1/C) Σⱼ ℓⱼ.
//! ```
//!
//! It has no weights, and its targets are sets: `--weight`,
//! `--label-smoothing` and `--ignore-value` do not apply.

use serde::{Deserialize, Serialize};

use super::{Formula, Reduction, RowWeights, Shape};
use crate::domain::Domain;

/// Why PyTorch gives no number for a batch of no samples of `classes`
/// classes under `reduction`, if it gives none. PyTorch 2.15's CPU kernel
/// (`multilabel_margin_loss_forward_out_cpu_template`) refuses a (0, 0)
/// input in its shape check, and for (0, C) returns before writing its
/// `mean` or `sum` output: uninitialised memory, a different number each
/// run (`none` is an empty tensor, which mlloss prints as no rows).
fn empty_batch_problem(classes: usize, reduction: Reduction) -> Option<String> {
    if classes == 0 {
        return Some(
            "multilabel-margin of no samples and no classes: PyTorch refuses it (\"Expected \
             non-empty vector or matrix with optional 0-dim batch size\")"
                .to_owned(),
        );
    }
    matches!(reduction, Reduction::Mean | Reduction::Sum).then(|| {
        "multilabel-margin of no samples: PyTorch's mean and sum are then undefined (its kernel \
         returns an output it never wrote)"
            .to_owned()
    })
}

/// `torch.nn.MultiLabelMarginLoss`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MultiLabelMargin {}

impl Formula for MultiLabelMargin {
    fn about(&self) -> &'static str {
        "torch.nn.MultiLabelMarginLoss, with 0/1 target rows"
    }

    fn shape(&self) -> Shape {
        Shape::Samples
    }

    /// Scores of any scale: probabilities are as good as logits.
    fn takes_logits(&self) -> bool {
        false
    }

    fn targets_domain(&self) -> Domain {
        Domain::BINARY
    }

    fn takes_modifiers(&self) -> bool {
        false
    }

    /// `multilabel_margin_loss` takes (C) or (N, C) only.
    fn max_rank(&self) -> Option<usize> {
        Some(2)
    }

    fn empty_batch_problem(&self, classes: usize, reduction: Reduction) -> Option<String> {
        empty_batch_problem(classes, reduction)
    }

    fn element_losses(&self, x: &[f64], y: &[f64], _: RowWeights<'_>, out: &mut [f64]) {
        // Each target class j collects its hinge terms against every
        // non-target class k: max(0, 1 − (x_j − x_k)), summed in PyTorch's
        // order (k ascending).
        for j in 0..x.len() {
            out[j] = 0.0;
            if y[j] != 0.0 {
                let mut sum = 0.0;
                for (k, &x_k) in x.iter().enumerate() {
                    if y[k] == 0.0 {
                        let z = 1.0 - x[j] + x_k;
                        if z > 0.0 {
                            sum += z;
                        }
                    }
                }
                out[j] = sum;
            }
        }
    }
}
