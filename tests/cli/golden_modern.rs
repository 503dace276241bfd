//! The research losses of issue 27 against their papers' own code, run
//! verbatim in torch 2.15 float64 (fixtures/reference/torch-losses-modern.json,
//! copied from shared/reference/; provenance per kind in its `references`).
//! Each kind's cases run through the CLI at 1e-12 relative.

use serde_json::Value;

use crate::golden::{reference_cases, run_reference_cases};

/// The cases of one kind; a kind with none would make its test vacuous.
fn modern_cases(kind: &str) -> Vec<Value> {
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
