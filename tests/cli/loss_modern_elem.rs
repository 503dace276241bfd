//! poly1, hill, apl and zlpr (issue 27) beyond their reference cases: the
//! exact values where the references round or overflow, and the options
//! each refuses.

use serde_json::Value;

use crate::golden_modern::modern_cases;
use crate::harness::{Workdir, csv, numbers, success};

fn matrix(value: &Value) -> Vec<Vec<f64>> {
    let rows = value.as_array().expect("matrix");
    rows.iter()
        .map(|row| {
            let row = row.as_array().expect("row");
            row.iter().map(|v| v.as_f64().expect("number")).collect()
        })
        .collect()
}

/// hill's loss of a positive whose σ(z), z = x − m, rounds to 1:
/// −log σ(z) · σ(−z)², each factor exact.
fn hill_far_positive(z: f64) -> f64 {
    let t = (-z).exp();
    t.ln_1p() * (t / (1.0 + t)).powi(2)
}

/// Where the reference's σ(x − m) rounds to 1, its 1 − σ is 0 and so is
/// its loss of a positive (`hill-pm50-none` holds that 0); mlloss gives
/// the exact value, as `hill-pm1000-none` holds it for x = 50. Every other
/// element is the reference's to 1e-12.
#[test]
fn hill_gives_exact_values_where_the_reference_rounds_to_zero() {
    let case = modern_cases("hill")
        .into_iter()
        .find(|case| case["name"] == "hill-pm50-none")
        .expect("the case");
    let (x, y, want) = (
        matrix(&case["logits"]),
        matrix(&case["targets"]),
        matrix(&case["expected"]),
    );
    let dir = Workdir::new();
    dir.write("x.csv", csv(&x)).write("y.csv", csv(&y));
    let got =
        numbers(&success(&dir.run(&[
            "loss", "--kind", "hill", "-r", "none", "x.csv", "y.csv",
        ])));
    let mut rounded = 0;
    for i in 0..x.len() {
        for j in 0..x[i].len() {
            let z = x[i][j] - 1.0;
            let reference_rounds = y[i][j] == 1.0 && 1.0 / (1.0 + (-z).exp()) == 1.0;
            let want = if reference_rounds {
                assert_eq!(want[i][j], 0.0, "({i}, {j})");
                rounded += 1;
                hill_far_positive(z)
            } else {
                want[i][j]
            };
            let g = got[i][j];
            assert!(
                (g - want).abs() <= 1e-12 * want.abs(),
                "({i}, {j}): {g:e} vs {want:e}"
            );
            assert!(!reference_rounds || g > 0.0, "({i}, {j})");
        }
    }
    assert!(rounded >= 3, "{rounded} rounded elements");
}
