//! `mlloss metrics --metric ece,mce,brier`: every case of
//! fixtures/reference/calibration.json (torchmetrics 1.9.0's
//! BinaryCalibrationError, scikit-learn 1.9.1's calibration_curve and
//! brier_score_loss; gen_calibration.py) under each average, to 1e-12
//! relative; `--partial` states merging to the unsharded bytes; and the
//! options' refusals.

use serde_json::Value;

use crate::harness::{Workdir, csv, fixture, success};
use crate::metrics::{matrix, number, parse_with_nan, same};

const AVERAGES: [&str; 4] = ["none", "macro", "weighted", "micro"];
const METRICS: [&str; 3] = ["ece", "mce", "brier"];

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("reference/calibration.json")).unwrap();
    parse_with_nan(&text)["cases"].as_array().unwrap().clone()
}

fn args_of(case: &Value) -> Vec<&str> {
    case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

/// What differs between `got` and `want` (a number or a list), if anything.
fn mismatch(got: &Value, want: &Value) -> Option<String> {
    let (got_list, want_list) = match (got.as_array(), want.as_array()) {
        (Some(g), Some(w)) => (g.clone(), w.clone()),
        (None, None) => (vec![got.clone()], vec![want.clone()]),
        _ => return Some(format!("got {got}, want {want}")),
    };
    let agree = got_list.len() == want_list.len()
        && got_list
            .iter()
            .zip(&want_list)
            .all(|(g, w)| !g.is_null() && same(number(g), number(w)));
    (!agree).then(|| format!("got {got}, want {want}"))
}

#[test]
fn every_reference_case_matches_torchmetrics_and_scikit_learn() {
    let cases = cases();
    assert!(cases.len() >= 29, "{} cases", cases.len());
    let dir = Workdir::new();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        dir.write("scores.csv", csv(&matrix(&case["scores"])));
        dir.write("targets.csv", csv(&matrix(&case["targets"])));
        for average in AVERAGES {
            let mut args = vec!["metrics", "--metric", "ece,mce,brier", "--average", average];
            args.extend(args_of(case));
            args.extend(["--output-format", "json", "scores.csv", "targets.csv"]);
            let output = dir.run(&args);
            if !output.status.success() {
                let err = String::from_utf8_lossy(&output.stderr);
                failures.push(format!("{name} {average}: failed: {err}"));
                continue;
            }
            let got = parse_with_nan(std::str::from_utf8(&output.stdout).unwrap());
            for metric in METRICS {
                let want = &case["expected"][metric][average];
                if let Some(what) = mismatch(&got[metric], want) {
                    failures.push(format!("{name} {metric} {average}: {what}"));
                }
                compared += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared, cases.len() * 12);
}

/// Four samples of three classes, split in two shards.
fn shards() -> Workdir {
    let dir = Workdir::new();
    let rows = [
        ("0.1,0.9,0.5", "0,1,1"),
        ("0.4,0.2,1.0", "1,0,1"),
        ("0.8,0.6,0.0", "1,1,0"),
        ("0.35,0.75,0.3", "0,0,-1"),
    ];
    let scores =
        |rows: &[(&str, &str)]| -> String { rows.iter().map(|r| format!("{}\n", r.0)).collect() };
    let targets =
        |rows: &[(&str, &str)]| -> String { rows.iter().map(|r| format!("{}\n", r.1)).collect() };
    dir.write("x.csv", scores(&rows));
    dir.write("y.csv", targets(&rows));
    dir.write("x1.csv", scores(&rows[..2]));
    dir.write("y1.csv", targets(&rows[..2]));
    dir.write("x2.csv", scores(&rows[2..]));
    dir.write("y2.csv", targets(&rows[2..]));
    dir
}

#[test]
fn partial_states_merge_to_the_unsharded_result() {
    let dir = shards();
    for average in AVERAGES {
        let common = [
            "metrics",
            "--metric",
            "brier,ece,f1,mce",
            "--scores",
            "probs",
            "--calibration-bins",
            "4",
            "--ignore-value",
            "-1",
            "--average",
            average,
        ];
        let run = |files: [&str; 2], partial: bool| {
            let mut args = common.to_vec();
            if partial {
                args.push("--partial");
            }
            args.extend(files);
            success(&dir.run(&args))
        };
        let whole = run(["x.csv", "y.csv"], false);
        dir.write("a.json", run(["x1.csv", "y1.csv"], true));
        dir.write("b.json", run(["x2.csv", "y2.csv"], true));
        let merged = success(&dir.run(&["merge", "b.json", "a.json"]));
        assert_eq!(merged, whole, "--average {average}");
    }
}

#[test]
fn a_state_whose_bins_do_not_add_up_is_refused() {
    let dir = shards();
    let state = success(&dir.run(&[
        "metrics",
        "--metric",
        "ece",
        "--scores",
        "probs",
        "--partial",
        "--ignore-value",
        "-1",
        "x.csv",
        "y.csv",
    ]));
    let tampered = state.replacen("\"count\":1", "\"count\":2", 1);
    assert_ne!(tampered, state);
    dir.write("s.json", tampered);
    let output = dir.run(&["merge", "s.json"]);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("calibration bins that do not add up"), "{err}");
}

#[test]
fn refusals_name_the_option() {
    let dir = shards();
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["metrics", "--scores", "probs", "--ignore-value", "-1"];
        all.extend(args);
        all.extend(["x.csv", "y.csv"]);
        let output = dir.run(&all);
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    };
    refused(
        &["--metric", "f1,brier", "--calibration-bins", "5"],
        "apply to ece and mce only",
    );
    refused(
        &["--metric", "ece", "--average", "samples"],
        "--average samples does not apply to ece, mce and brier",
    );
    refused(
        &[
            "--metric",
            "mce",
            "--calibration-binning",
            "quantile",
            "--partial",
        ],
        "--calibration-binning quantile needs every probability",
    );
    refused(&["--metric", "ece", "--calibration-bins", "0"], "0");
}

#[test]
fn a_class_without_observed_elements_is_nan_with_a_warning() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.2,0.7\n0.9,0.1\n");
    dir.write("y.csv", "1,-1\n0,-1\n");
    let output = dir.run(&[
        "metrics",
        "--metric",
        "brier",
        "--average",
        "none",
        "--scores",
        "probs",
        "--ignore-value",
        "-1",
        "x.csv",
        "y.csv",
    ]);
    let out = success(&output);
    let class_0 = ((0.2f64 - 1.0) * (0.2 - 1.0) + 0.9 * 0.9) / 2.0;
    assert_eq!(out, format!("metric,0,1\nbrier,{class_0:?},nan\n"));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("brier: undefined for classes 1 (no observed element)"),
        "{err}"
    );
}

#[test]
fn quantile_bins_do_not_depend_on_spilling_or_threads() {
    let dir = Workdir::new();
    let mut next = crate::harness::uniform(28);
    let (mut x, mut y) = (String::new(), String::new());
    for _ in 0..6000 {
        // Two decimals: many ties, some across the edges.
        let p: Vec<f64> = (0..3).map(|_| (next() * 100.0).round() / 100.0).collect();
        let t: Vec<u8> = p.iter().map(|&p| u8::from(next() < p)).collect();
        x.push_str(&format!("{},{},{}\n", p[0], p[1], p[2]));
        y.push_str(&format!("{},{},{}\n", t[0], t[1], t[2]));
    }
    dir.write("x.csv", x).write("y.csv", y);
    for average in ["none", "micro"] {
        let run = |extra: &[&str]| {
            let mut args = vec![
                "metrics",
                "--metric",
                "ece,mce",
                "--calibration-binning",
                "quantile",
                "--calibration-bins",
                "7",
                "--scores",
                "probs",
                "--average",
                average,
            ];
            args.extend(extra);
            args.extend(["x.csv", "y.csv"]);
            success(&dir.run(&args))
        };
        let whole = run(&["-j", "1"]);
        // 18,000 scores of 8 bytes in 64 KiB: several sorted runs on disk.
        assert_eq!(run(&["--memory-limit", "64K", "-j", "1"]), whole);
        assert_eq!(run(&["--memory-limit", "256K", "-j", "3"]), whole);
    }
}
