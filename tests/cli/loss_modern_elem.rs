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

/// One zlpr loss from its definition, for the rows below.
fn zlpr(s: &[f64], y: &[f64]) -> f64 {
    let pairs = || s.iter().zip(y);
    let neg: f64 = pairs().map(|(s, y)| (1.0 - y) * s.exp()).sum();
    let pos: f64 = pairs().map(|(s, y)| y * (-s).exp()).sum();
    neg.ln_1p() + pos.ln_1p()
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-14 * want.abs(), "{got} vs {want}");
}

/// Sharded zlpr runs merge into the whole run's mean and sum: the
/// per-sample losses are what the states hold.
#[test]
fn zlpr_partial_states_merge_into_the_whole() {
    let dir = Workdir::new();
    dir.write("a.csv", "1,-2,3\n0.5,0,-1\n")
        .write("ay.csv", "1,0,1\n0,1,1\n");
    dir.write("b.csv", "4,0.25,-3\n")
        .write("by.csv", "0,0.5,1\n");
    dir.write("x.csv", "1,-2,3\n0.5,0,-1\n4,0.25,-3\n");
    dir.write("y.csv", "1,0,1\n0,1,1\n0,0.5,1\n");
    let run = |args: &[&str]| numbers(&success(&dir.run(args)))[0][0];
    let losses = [
        zlpr(&[1.0, -2.0, 3.0], &[1.0, 0.0, 1.0]),
        zlpr(&[0.5, 0.0, -1.0], &[0.0, 1.0, 1.0]),
        zlpr(&[4.0, 0.25, -3.0], &[0.0, 0.5, 1.0]),
    ];
    let sum: f64 = losses.iter().sum();
    close(
        run(&["loss", "-k", "zlpr", "-r", "sum", "x.csv", "y.csv"]),
        sum,
    );
    close(run(&["loss", "-k", "mlcce", "x.csv", "y.csv"]), sum / 3.0);
    for (shard, x, y) in [("a.json", "a.csv", "ay.csv"), ("b.json", "b.csv", "by.csv")] {
        let state = success(&dir.run(&["loss", "-k", "zlpr", "--partial", x, y]));
        dir.write(shard, state);
    }
    close(run(&["merge", "-r", "sum", "a.json", "b.json"]), sum);
    close(run(&["merge", "a.json", "b.json"]), sum / 3.0);
    let class = dir.run(&["merge", "-r", "class", "a.json", "b.json"]);
    assert_eq!(class.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&class.stderr).contains("--reduction class does not apply"));
}

/// A missing target (--ignore-value) is left out of both sums, as a
/// padding logit of −inf is; a sample with nothing observed prints NaN
/// and adds nothing to the mean.
#[test]
fn zlpr_missing_targets_are_padding() {
    let dir = Workdir::new();
    dir.write("x.csv", "-inf,2,1\n0.5,-1,3\n7,8,9\n");
    dir.write("y.csv", "1,1,0\n0,1,1\n0,1,0\n");
    dir.write("masked.csv", "1,1,0\n0,-1,1\n-1,-1,-1\n");
    let none = |args: &[&str]| numbers(&success(&dir.run(args)));
    let padded = none(&[
        "loss",
        "-k",
        "zlpr",
        "-r",
        "none",
        "--nonfinite",
        "allow",
        "x.csv",
        "y.csv",
    ]);
    let want = [
        zlpr(&[2.0, 1.0], &[1.0, 0.0]),
        zlpr(&[0.5, -1.0, 3.0], &[0.0, 1.0, 1.0]),
        zlpr(&[7.0, 8.0, 9.0], &[0.0, 1.0, 0.0]),
    ];
    for (got, want) in padded.iter().zip(want) {
        close(got[0], want);
    }
    let args = [
        "loss",
        "-k",
        "zlpr",
        "--nonfinite",
        "allow",
        "--ignore-value",
        "-1",
    ];
    let masked = none(&[&args[..], &["-r", "none", "x.csv", "masked.csv"]].concat());
    close(masked[0][0], want[0]);
    close(masked[1][0], zlpr(&[0.5, 3.0], &[0.0, 1.0]));
    assert!(masked[2][0].is_nan());
    let mean = none(&[&args[..], &["x.csv", "masked.csv"]].concat());
    close(mean[0][0], (masked[0][0] + masked[1][0]) / 2.0);
}

/// zlpr's reference has no class weights: --weight is a usage error naming
/// it, as are --pos-weight and --reduction class.
#[test]
fn zlpr_refuses_what_its_reference_has_no_meaning_for() {
    let dir = Workdir::new();
    dir.write("x.csv", "1,2\n").write("y.csv", "1,0\n");
    for (option, expected) in [
        (&["--weight", "1,2"][..], "--weight applies to --kind"),
        (&["--pos-weight", "2"][..], "--pos-weight applies to --kind"),
        (&["-r", "class"][..], "--reduction class does not apply"),
    ] {
        let args = [&["loss", "-k", "zlpr"][..], option, &["x.csv", "y.csv"]].concat();
        let output = dir.run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{option:?}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("zlpr"),
            "{stderr}"
        );
    }
}
