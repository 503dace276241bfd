//! The loss family beyond the reference cases: missing targets with every
//! reduction, weight files, `--pos-weight auto`, option checks, and
//! streaming of the new kinds.

use crate::harness::{Workdir, assert_close, csv, numbers, success};

const LOGITS: &str = "0.5,-1.5,2\n-3,0,1\n1.25,0.75,-0.5\n";
const TARGETS: &str = "1,0,1\n0,1,1\n0,0,1\n";

fn dir() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", LOGITS).write("y.csv", TARGETS);
    dir
}

fn run(dir: &Workdir, args: &[&str]) -> Vec<Vec<f64>> {
    numbers(&success(&dir.run(args)))
}

fn bce(x: f64, y: f64) -> f64 {
    (1.0 - y) * x + (-x).exp().ln_1p()
}

#[test]
fn missing_targets_count_for_nothing_in_every_reduction() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,-1.5,2\n-3,0,1\n")
        .write("y.csv", "1,-1,1\n-1,-1,0\n");
    let x = [[0.5, -1.5, 2.0], [-3.0, 0.0, 1.0]];
    let y = [[1.0, -1.0, 1.0], [-1.0, -1.0, 0.0]];
    let l = |i: usize, j: usize| {
        if y[i][j] < 0.0 {
            0.0
        } else {
            bce(x[i][j], y[i][j])
        }
    };
    let args = |r: &'static str| ["loss", "--ignore-value", "-1", "-r", r, "x.csv", "y.csv"];
    let none = run(&dir, &args("none"));
    let want: Vec<Vec<f64>> = (0..2).map(|i| (0..3).map(|j| l(i, j)).collect()).collect();
    assert_close(&none, &want, 1e-14, "none: 0 where missing");
    let observed = l(0, 0) + l(0, 2) + l(1, 2);
    assert_close(&run(&dir, &args("sum")), &[vec![observed]], 1e-14, "sum");
    assert_close(
        &run(&dir, &args("mean")),
        &[vec![observed / 3.0]],
        1e-14,
        "mean over 3 observed",
    );
    let row = run(&dir, &args("row"));
    assert_close(
        &row,
        &[vec![(l(0, 0) + l(0, 2)) / 2.0], vec![l(1, 2)]],
        1e-14,
        "row",
    );
    // Class 1 is never observed: NaN, as documented.
    let class = run(&dir, &args("class"));
    assert!((class[0][0] - l(0, 0)).abs() <= 1e-14 * l(0, 0));
    assert!(class[0][1].is_nan());
    let both = (l(0, 2) + l(1, 2)) / 2.0;
    assert!((class[0][2] - both).abs() <= 1e-14 * both);

    // mlsm: each sample's loss is the mean over its observed classes.
    let mlsm = run(
        &dir,
        &[
            "loss",
            "-k",
            "mlsm",
            "--ignore-value=-1",
            "-r",
            "none",
            "x.csv",
            "y.csv",
        ],
    );
    assert_close(&mlsm, &row, 1e-14, "mlsm none");
    let mean = run(
        &dir,
        &["loss", "-k", "mlsm", "--ignore-value=-1", "x.csv", "y.csv"],
    );
    assert_close(
        &mean,
        &[vec![(row[0][0] + row[1][0]) / 2.0]],
        1e-14,
        "mlsm mean",
    );

    // NaN can be the marker; a row with nothing observed has a NaN row loss.
    dir.write("y.csv", "1,nan,1\nnan,nan,nan\n");
    let rows = run(
        &dir,
        &[
            "loss",
            "--ignore-value",
            "nan",
            "-r",
            "row",
            "x.csv",
            "y.csv",
        ],
    );
    assert!((rows[0][0] - (l(0, 0) + l(0, 2)) / 2.0).abs() < 1e-15);
    assert!(rows[1][0].is_nan());
}

#[test]
fn weight_files_broadcast_like_pytorch() {
    // Four samples of three classes: a file of one value a row is then
    // per sample (with as many rows as classes it would be ambiguous).
    let dir = dir();
    dir.write("x.csv", format!("{LOGITS}2,-0.25,0.5\n"))
        .write("y.csv", format!("{TARGETS}1,1,0\n"));
    let x = [
        [0.5, -1.5, 2.0],
        [-3.0, 0.0, 1.0],
        [1.25, 0.75, -0.5],
        [2.0, -0.25, 0.5],
    ];
    let y = [
        [1.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 0.0],
    ];
    let none = |extra: &[&str]| {
        let mut args = vec!["loss", "-r", "none"];
        args.extend(extra);
        args.extend(["x.csv", "y.csv"]);
        run(&dir, &args)
    };
    // One row of C values: the same as --weight.
    dir.write("w.csv", "0.5,2,1\n");
    assert_eq!(
        none(&["--weight-file", "w.csv"]),
        none(&["--weight", "0.5,2,1"])
    );
    // N rows of one value: per sample.
    dir.write("w.csv", "2\n0.5\n3\n1.5\n");
    let per_sample = [2.0, 0.5, 3.0, 1.5];
    let want: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            (0..3)
                .map(|j| bce(x[i][j], y[i][j]) * per_sample[i])
                .collect()
        })
        .collect();
    assert_close(
        &none(&["--weight-file", "w.csv"]),
        &want,
        1e-14,
        "per sample",
    );
    // N×C.
    let w = [
        [1.0, 2.0, 3.0],
        [0.0, 1.0, 0.5],
        [4.0, 1.0, 1.0],
        [1.0, 0.0, 2.0],
    ];
    dir.write("w.csv", csv(&w.map(|r| r.to_vec())));
    let want: Vec<Vec<f64>> = (0..4)
        .map(|i| (0..3).map(|j| bce(x[i][j], y[i][j]) * w[i][j]).collect())
        .collect();
    assert_close(&none(&["--weight-file", "w.csv"]), &want, 1e-14, "N×C");
    // pos_weight from a file of N rows.
    dir.write("p.csv", "2\n1\n3\n0.5\n");
    let p = [2.0, 1.0, 3.0, 0.5];
    let want: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            (0..3)
                .map(|j| {
                    let (xv, yv) = (x[i][j], y[i][j]);
                    let log_sigmoid = xv.min(0.0) - (-xv.abs()).exp().ln_1p();
                    (1.0 - yv) * xv - (1.0 + (p[i] - 1.0) * yv) * log_sigmoid
                })
                .collect()
        })
        .collect();
    assert_close(
        &none(&["--pos-weight-file", "p.csv"]),
        &want,
        1e-13,
        "pos_weight rows",
    );
    // The mean still divides by N×C, and threads do not change it.
    dir.write("w.csv", "2\n0.5\n3\n1.5\n");
    let mean = run(&dir, &["loss", "--weight-file", "w.csv", "x.csv", "y.csv"]);
    let total: f64 = (0..4)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| bce(x[i][j], y[i][j]) * per_sample[i])
        .sum();
    assert_close(&mean, &[vec![total / 12.0]], 1e-14, "mean");
    // A weight file is read once, so it may come from stdin (a pipe).
    for weights in ["2\n0.5\n3\n1.5\n", "0.5,2,1\n", "1\n"] {
        dir.write("w.csv", weights);
        let file = none(&["--weight-file", "w.csv"]);
        let args = ["loss", "-r", "none", "--weight-file", "-", "x.csv", "y.csv"];
        let piped = numbers(&success(&dir.run_with_stdin(&args, weights.as_bytes())));
        assert_eq!(piped, file, "{weights:?}");
    }
}

#[test]
fn weight_files_must_fit_the_inputs() {
    let dir = dir();
    let cases: [(&str, &str); 3] = [
        (
            "2\n0.5\n",
            "x.csv:3: row 3 has no partner: w.csv ends after 2 rows",
        ),
        (
            "2\n0.5\n3\n4\n",
            "w.csv:4: row 4 has no partner: x.csv ends after 3 rows",
        ),
        (
            "1,2\n3,4\n5,6\n",
            "w.csv:1: 2 values, but x.csv has 3 columns (give 3 values a row, or one)",
        ),
    ];
    for (weights, message) in cases {
        dir.write("w.csv", weights);
        let out = dir.run(&["loss", "--weight-file", "w.csv", "x.csv", "y.csv"]);
        assert_eq!(out.status.code(), Some(1), "{weights:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{weights:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn pos_weight_auto_is_negatives_over_positives() {
    let dir = dir();
    // Positives per class: 1, 1, 3 of 3 rows.
    let out = dir.run(&[
        "loss",
        "--pos-weight",
        "auto",
        "-r",
        "none",
        "x.csv",
        "y.csv",
    ]);
    let auto = numbers(&success(&out));
    let explicit = run(
        &dir,
        &[
            "loss",
            "--pos-weight",
            "2,2,0",
            "-r",
            "none",
            "x.csv",
            "y.csv",
        ],
    );
    assert_eq!(auto, explicit);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "mlloss: --pos-weight auto: 2.0,2.0,0.0\n");
    // A class without positives is an error naming it; stdin cannot be read twice.
    dir.write("y0.csv", "1,0,1\n0,0,1\n0,0,1\n");
    let out = dir.run(&["loss", "--pos-weight", "auto", "x.csv", "y0.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("y0.csv: --pos-weight auto: class 1 (column 2) has no positive targets"),
        "{stderr}"
    );
    let out = dir.run_with_stdin(
        &["loss", "--pos-weight", "auto", "x.csv", "-"],
        TARGETS.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn options_of_other_kinds_and_bad_values_are_usage_errors() {
    let dir = dir();
    let cases: [&[&str]; 13] = [
        &["--alpha", "0.5"],
        // torchvision raises for alpha outside [0, 1] other than -1.
        &["-k", "focal", "--alpha", "1.5"],
        &["-k", "focal", "--alpha=-0.5"],
        // Thread counts: at most 1024 (200000 used to abort spawning).
        &["-j", "1025"],
        &["-j", "200000"],
        &["-k", "mlsm", "--gamma", "2"],
        &["-k", "focal", "--clip", "0.1"],
        &["-k", "multilabel-margin", "--weight", "1"],
        &["-k", "margin", "--ignore-value", "-1"],
        &["-k", "asl", "--pos-weight", "2"],
        &["--label-smoothing", "1.5"],
        &["-k", "asl", "--clip=-0.1"],
        &["-k", "focal", "--gamma", "inf"],
    ];
    for extra in cases {
        let mut args = vec!["loss"];
        args.extend(extra);
        args.extend(["x.csv", "y.csv"]);
        let out = dir.run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(out.stdout.is_empty());
    }
    for fine in [
        &["-k", "focal", "--alpha=-1"][..],
        &["-k", "focal", "--alpha", "1"],
        &["-j", "1024"],
    ] {
        let mut args = vec!["loss"];
        args.extend(fine);
        args.extend(["x.csv", "y.csv"]);
        success(&dir.run(&args));
    }
}

#[test]
fn new_kinds_check_their_inputs() {
    let dir = dir();
    dir.write("p.csv", "0.5,1,1.5\n0,0,0\n0,0,0\n");
    let out = dir.run(&["loss", "-k", "bce-probs", "p.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("p.csv:1:3: probability outside [0, 1] (\"1.5\")"),
        "{stderr}"
    );
    dir.write("soft.csv", "1,0,0.5\n0,1,1\n0,0,1\n");
    let out = dir.run(&["loss", "-k", "multilabel-margin", "x.csv", "soft.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("soft.csv:1:3: target is not 0 or 1 (\"0.5\")"),
        "{stderr}"
    );
}

/// Label smoothing is the loss on the smoothed targets.
#[test]
fn label_smoothing_equals_smoothed_targets() {
    let dir = dir();
    let smoothed: Vec<Vec<f64>> = numbers(TARGETS)
        .iter()
        .map(|r| r.iter().map(|&y| y * (1.0 - 0.2) + 0.1).collect())
        .collect();
    dir.write("smooth.csv", csv(&smoothed));
    for kind in ["bce", "mlsm", "focal", "asl", "bce-probs"] {
        let x = if kind == "bce-probs" {
            "p.csv"
        } else {
            "x.csv"
        };
        dir.write("p.csv", "0.5,0.25,0.75\n0.125,0.5,1\n0.625,0.375,0.5\n");
        let a = run(
            &dir,
            &[
                "loss",
                "-k",
                kind,
                "--label-smoothing",
                "0.2",
                "-r",
                "none",
                x,
                "y.csv",
            ],
        );
        let b = run(&dir, &["loss", "-k", kind, "-r", "none", x, "smooth.csv"]);
        assert_close(&a, &b, 1e-15, kind);
    }
}

/// The new kinds stream in chunks on several threads like the core ones:
/// the same bytes for 1 and 3 threads on an input of many chunks.
#[test]
fn new_kinds_stream_and_do_not_depend_on_threads() {
    let dir = Workdir::new();
    let rows = 30_000;
    let logits: String = (0..rows)
        .map(|i| format!("{}.5,-1.25,{}e-1,0.75\n", i % 5 - 2, i % 9))
        .collect();
    let probs: String = (0..rows)
        .map(|i| format!("0.{},0.5,0.25,1\n", i % 10))
        .collect();
    let targets: String = (0..rows)
        .map(|i| format!("{},1,0,{}\n", i % 2, (i / 2) % 2))
        .collect();
    dir.write("x.csv", logits)
        .write("p.csv", probs)
        .write("y.csv", targets);
    for kind in ["bce-probs", "focal", "asl", "multilabel-margin"] {
        let x = if kind == "bce-probs" {
            "p.csv"
        } else {
            "x.csv"
        };
        for reduction in ["none", "mean", "class"] {
            let args = |j: &'static str| ["loss", "-k", kind, "-r", reduction, "-j", j, x, "y.csv"];
            let one = success(&dir.run(&args("1")));
            let three = success(&dir.run(&args("3")));
            assert_eq!(one, three, "{kind} {reduction}");
            assert!(!one.is_empty());
        }
    }
}
