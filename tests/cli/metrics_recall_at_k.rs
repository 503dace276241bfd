//! `mlloss metrics --metric recall_at_k`: R@k against the reference
//! answers of fixtures/metrics/recall_at_k/ (numpy twice, cross-checked
//! with torchmetrics' retrieval_recall), its undefined samples under each
//! `--undefined`, its `--k`, and its `--partial` states merging to the
//! unsharded result.

use serde_json::Value;

use crate::harness::{Workdir, csv, fixture, success};
use crate::metrics::{matrix, number, parse_with_nan, same};

#[test]
fn every_reference_case_matches() {
    let text = std::fs::read_to_string(fixture("metrics/recall_at_k/recall-at-k.json")).unwrap();
    let cases = parse_with_nan(&text)["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 90, "{} cases", cases.len());
    let dir = Workdir::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        dir.write("scores.csv", csv(&matrix(&case["scores"])));
        dir.write("targets.csv", csv(&matrix(&case["targets"])));
        let mut args = vec!["metrics"];
        args.extend(
            case["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap()),
        );
        args.extend(["--output-format", "json", "scores.csv", "targets.csv"]);
        let output = dir.run(&args);
        if case["expected"] == "error" {
            let err = String::from_utf8_lossy(&output.stderr);
            let refused = output.status.code() == Some(1) && output.stdout.is_empty();
            if !refused || !err.contains("recall_at_k is undefined for") {
                failures.push(format!("{name}: expected an error, got {err}"));
            }
            continue;
        }
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            failures.push(format!("{name}: failed: {err}"));
            continue;
        }
        let got = parse_with_nan(std::str::from_utf8(&output.stdout).unwrap());
        let (got, want) = (&got["recall_at_k"], &case["expected"]);
        if got.is_null() || got.is_array() || !same(number(got), number(want)) {
            failures.push(format!("{name}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Three samples, the second without a true label.
fn three_samples() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", "0.9,0.1,0.5\n0.2,0.8,0.4\n0.3,0.3,0.6\n");
    dir.write("y.csv", "1,0,1\n0,0,0\n1,1,0\n");
    dir
}

#[test]
fn samples_without_a_true_label_follow_undefined() {
    let dir = three_samples();
    let run = |extra: &[&str]| {
        let args = [&["metrics", "--metric", "recall_at_k", "--k", "1"], extra].concat();
        dir.run(&[&args[..], &["x.csv", "y.csv"]].concat())
    };
    // R@1: 1/2, undefined, 0/2.
    let out = run(&[]);
    assert_eq!(
        success(&out),
        "metric,value\nrecall_at_k,0.16666666666666666\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "recall_at_k: undefined for 1 of 3 samples (no true label): 0, as torchmetrics' \
             retrieval_recall gives"
        ),
        "{err}"
    );
    assert_eq!(
        success(&run(&["--undefined", "skip"])),
        "metric,value\nrecall_at_k,0.25\n"
    );
    assert_eq!(
        success(&run(&["--undefined", "nan"])),
        "metric,value\nrecall_at_k,nan\n"
    );
    let out = run(&["--undefined", "error"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "y.csv: recall_at_k is undefined for 1 of 3 samples (no true label; --undefined nan \
             or skip gives a result)"
        ),
        "{err}"
    );
}

#[test]
fn k_is_required_and_shared_with_the_other_top_k_metrics() {
    let dir = three_samples();
    let out = dir.run(&["metrics", "--metric", "recall_at_k", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recall_at_k needs --k K"));
    let out = dir.run(&["metrics", "--metric", "f1", "--k", "2", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--k applies to ndcg, precision_at_k and recall_at_k only"),
        "{err}"
    );
    // Next to P@k, with the same k.
    let out = dir.run(&[
        "metrics",
        "--metric",
        "precision_at_k,recall_at_k",
        "--k",
        "2",
        "--undefined",
        "skip",
        "x.csv",
        "y.csv",
    ]);
    assert_eq!(
        success(&out),
        "metric,value\nprecision_at_k,0.5\nrecall_at_k,0.75\n"
    );
    let help = success(&dir.run(&["metrics", "--help"]));
    assert!(help.contains("recall_at_k."), "the list of metrics: {help}");
}

#[test]
fn partial_states_merge_to_the_whole_run() {
    let dir = three_samples();
    dir.write("x0.csv", "0.9,0.1,0.5\n0.2,0.8,0.4\n");
    dir.write("y0.csv", "1,0,1\n0,0,0\n");
    dir.write("x1.csv", "0.3,0.3,0.6\n");
    dir.write("y1.csv", "1,1,0\n");
    for policy in ["skip", "nan", "error"] {
        let args = ["metrics", "--metric", "recall_at_k,lrap", "--k", "2"];
        let args = [&args[..], &["--undefined", policy]].concat();
        let whole = dir.run(&[&args[..], &["x.csv", "y.csv"]].concat());
        let mut states = String::new();
        for shard in ["0", "1"] {
            let (x, y) = (format!("x{shard}.csv"), format!("y{shard}.csv"));
            states += &success(&dir.run(&[&args[..], &["--partial", &x, &y]].concat()));
        }
        let merged = dir.run_with_stdin(&["merge", "-"], states.as_bytes());
        assert_eq!(merged.status.code(), whole.status.code(), "{policy}");
        assert_eq!(merged.stdout, whole.stdout, "{policy}");
    }
    let state: Value = serde_json::from_str(&success(&dir.run(&[
        "metrics",
        "--metric",
        "recall_at_k",
        "--k",
        "1",
        "--partial",
        "x.csv",
        "y.csv",
    ])))
    .unwrap();
    assert_eq!(state["tally"]["samples"][0][0], "recall_at_k");
    assert_eq!(state["tally"]["samples"][0][1]["undefined"], 1);
}
