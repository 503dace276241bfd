//! The research losses of issue 27 against their papers' own code, run
//! verbatim in torch 2.15 float64 (fixtures/reference/torch-losses-modern.json,
//! copied from shared/reference/; provenance per kind in its `references`).
//! Each kind's cases run through the CLI at 1e-12 relative.

use serde_json::Value;

use crate::golden::{reference_cases, run_reference_cases};

/// The cases of one kind; a kind with none would make its test vacuous.
pub(crate) fn modern_cases(kind: &str) -> Vec<Value> {
    let cases: Vec<Value> = reference_cases("reference/torch-losses-modern.json")
        .into_iter()
        .filter(|case| case["kind"] == kind)
        .collect();
    assert!(cases.len() >= 20, "{kind}: {} cases", cases.len());
    cases
}

/// Runs one kind's reference cases through the binary.
// Each kind's test calls it as the kind lands (issue 27).
fn run_kind(kind: &str) {
    run_reference_cases(&modern_cases(kind));
}

#[test]
fn two_way() {
    run_kind("two-way");
}

/// Poly-1 (abhuse/polyloss-pytorch `Poly1FocalLoss`, γ = 0), `weight` on
/// the bce term only.
#[test]
fn poly1_matches_its_reference() {
    run_kind("poly1");
}

/// Hill (xinyu1205/robust-loss-mlml `Hill`), with the exact limits where
/// the reference's log σ(x − m) underflows.
/// `hill-pm50-none` is left to `loss_modern_elem`: it holds the
/// reference's rounded 0 where σ(x − m) rounds to 1, while
/// `hill-pm1000-none` holds the exact value for the same element.
#[test]
fn hill_matches_its_reference() {
    let cases: Vec<Value> = modern_cases("hill")
        .into_iter()
        .filter(|case| case["name"] != "hill-pm50-none")
        .collect();
    run_reference_cases(&cases);
}

/// APL (LUMIA-Group/APL `APLLoss`), its 1e-8 floor kept as asl keeps it.
#[test]
fn apl_matches_its_reference() {
    run_kind("apl");
}

/// ZLPR (bert4keras `multilabel_categorical_crossentropy`, soft targets
/// included): one loss per sample.
#[test]
fn zlpr_matches_its_reference() {
    run_kind("zlpr");
}

#[test]
fn splc() {
    run_kind("splc");
}

#[test]
fn class_balanced() {
    run_kind("class-balanced");
}

#[test]
fn distribution_balanced() {
    run_kind("distribution-balanced");
}
