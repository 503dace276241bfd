//! `mlloss tune` against `fixtures/reference/tune.json` (scikit-learn
//! 1.9.1's curves and a brute-force numpy sweep, `gen_tune.py`).

use mlloss::metrics::curve::{GroupSink, score_key};
use mlloss::metrics::tune::{Objective, Sweep, Tuned, sigmoid};
use serde_json::Value;

use crate::harness::{Workdir, fixture, success, uniform};

const RTOL: f64 = 1e-12;

fn reference() -> Value {
    let text = std::fs::read_to_string(fixture("reference/tune.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn objective_of(case: &Value) -> Objective {
    let param = case["param"].as_f64();
    match case["objective"].as_str().unwrap() {
        "f1" => Objective::F1,
        "fbeta" => Objective::Fbeta {
            beta: param.unwrap(),
        },
        "precision-at-recall" => Objective::PrecisionAtRecall {
            min_recall: param.unwrap(),
        },
        "recall-at-precision" => Objective::RecallAtPrecision {
            min_precision: param.unwrap(),
        },
        "youden" => Objective::Youden,
        other => panic!("objective {other}"),
    }
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// One unit's sweep over (score, target) pairs, grouped by distinct score
/// best first, as the command's walk feeds it.
fn sweep(objective: Objective, mut elements: Vec<(f64, bool)>) -> Tuned {
    elements.sort_by_key(|&(s, _)| score_key(s));
    let positives = elements.iter().filter(|e| e.1).count() as u64;
    let mut sweep = Sweep::new(objective, positives, elements.len() as u64 - positives);
    let mut i = 0;
    while i < elements.len() {
        let key = score_key(elements[i].0);
        let (mut pos, mut neg) = (0, 0);
        let score = elements[i].0;
        while i < elements.len() && score_key(elements[i].0) == key {
            if elements[i].1 {
                pos += 1
            } else {
                neg += 1
            }
            i += 1;
        }
        sweep.push(score, pos, neg);
    }
    sweep.finish()
}

fn close(got: f64, want: f64, context: &str) {
    assert!(
        got == want || (got - want).abs() <= RTOL * want.abs(),
        "{context}: got {got:?}, want {want:?}"
    );
}

/// Each unit's (score, target) pairs: each class's observed ones, or all
/// pooled for micro.
fn units(case: &Value) -> Vec<Vec<(f64, bool)>> {
    let scores = matrix(&case["scores"]);
    let targets = matrix(&case["targets"]);
    let ignore = case["ignore_value"].as_f64();
    let classes = scores[0].len();
    let mut units = vec![Vec::new(); classes];
    for (s_row, t_row) in scores.iter().zip(&targets) {
        for j in 0..classes {
            if Some(t_row[j]) != ignore {
                units[j].push((s_row[j], t_row[j] == 1.0));
            }
        }
    }
    if case["average"] == "micro" {
        return vec![units.concat()];
    }
    units
}

#[test]
fn the_sweep_matches_every_reference_case() {
    let reference = reference();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let objective = objective_of(case);
        let logits = case["scores_kind"] == "logits";
        for (unit, want) in units(case)
            .into_iter()
            .zip(case["expected"].as_array().unwrap())
        {
            let context = format!("{name} {}", want["class"]);
            match sweep(objective, unit) {
                Tuned::Undefined(why) => assert_eq!(want["undefined"], why.why(), "{context}"),
                Tuned::Best(cut) => {
                    assert!(want["undefined"].is_null(), "{context}: {want}");
                    assert_eq!(cut.counts.tp, want["tp"].as_u64().unwrap(), "{context}");
                    assert_eq!(cut.counts.fp, want["fp"].as_u64().unwrap(), "{context}");
                    close(cut.value, want["value"].as_f64().unwrap(), &context);
                    let threshold = if logits {
                        sigmoid(cut.score)
                    } else {
                        cut.score
                    };
                    close(threshold, want["threshold"].as_f64().unwrap(), &context);
                    if logits {
                        assert_eq!(cut.score, want["logit_threshold"].as_f64().unwrap());
                    }
                }
            }
        }
    }
}

/// The command's arguments for a reference case.
fn case_args(case: &Value) -> Vec<String> {
    let mut args: Vec<String> = ["tune", "-q", "--objective"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(case["objective"].as_str().unwrap().to_owned());
    let flag = match case["objective"].as_str().unwrap() {
        "fbeta" => Some("--beta"),
        "precision-at-recall" => Some("--min-recall"),
        "recall-at-precision" => Some("--min-precision"),
        _ => None,
    };
    if let Some(flag) = flag {
        args.extend([
            flag.to_owned(),
            format!("{:?}", case["param"].as_f64().unwrap()),
        ]);
    }
    args.extend([
        "--scores".to_owned(),
        case["scores_kind"].as_str().unwrap().to_owned(),
    ]);
    args.extend([
        "--average".to_owned(),
        case["average"].as_str().unwrap().to_owned(),
    ]);
    if let Some(v) = case["ignore_value"].as_f64() {
        args.push(format!("--ignore-value={v:?}"));
    }
    args.extend(["scores.csv".to_owned(), "targets.csv".to_owned()]);
    args
}

/// Rows of a CSV with a header, as maps of column to text.
fn records(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split(','))
                .map(|(k, v)| (k.to_string(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn number(record: &std::collections::HashMap<String, String>, key: &str) -> f64 {
    record[key].parse().unwrap()
}

#[test]
fn the_command_matches_every_reference_case() {
    let reference = reference();
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let dir = Workdir::new();
        dir.write("scores.csv", case["scores_csv"].as_str().unwrap());
        dir.write("targets.csv", case["targets_csv"].as_str().unwrap());
        let args = case_args(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = dir.run(&args);
        let got = records(&success(&output));
        let column = objective_of(case).column();
        let want = case["expected"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}");
        for (row, want) in got.iter().zip(want) {
            let context = format!("{name} {}", want["class"]);
            assert_eq!(row["class"], want["class"].as_str().unwrap(), "{context}");
            assert_eq!(number(row, "support"), want["support"].as_f64().unwrap());
            if let Some(why) = want["undefined"].as_str() {
                assert!(number(row, "threshold").is_nan() && number(row, column).is_nan());
                let stderr = String::from_utf8_lossy(&output.stderr);
                assert!(stderr.contains(why), "{context}: {stderr}");
                continue;
            }
            for (key, field) in [
                ("threshold", "threshold"),
                (column, "value"),
                ("precision", "precision"),
                ("recall", "recall"),
            ] {
                close(number(row, key), want[field].as_f64().unwrap(), &context);
            }
            if case["scores_kind"] == "logits" {
                let logit = number(row, "logit_threshold");
                assert_eq!(
                    logit,
                    want["logit_threshold"].as_f64().unwrap(),
                    "{context}"
                );
            }
        }
    }
}

/// `rows` × `classes` probabilities on a grid of `steps` (ties) and 0/1
/// targets that follow them loosely, as CSV with a header.
fn generated(rows: usize, classes: usize, steps: f64, seed: u64) -> (String, String) {
    let mut next = uniform(seed);
    let header: Vec<String> = (0..classes).map(|j| format!("c{j}")).collect();
    let (mut scores, mut targets) = (header.join(",") + "\n", header.join(",") + "\n");
    for _ in 0..rows {
        let mut s = Vec::new();
        let mut t = Vec::new();
        for _ in 0..classes {
            let p = (next() * steps).floor() / steps;
            s.push(format!("{p:?}"));
            t.push(if next() < 0.3 + 0.5 * p { "1" } else { "0" });
        }
        scores += &(s.join(",") + "\n");
        targets += &(t.join(",") + "\n");
    }
    (scores, targets)
}

fn generated_dir(rows: usize, classes: usize, steps: f64) -> Workdir {
    let (scores, targets) = generated(rows, classes, steps, 28);
    let dir = Workdir::new();
    dir.write("scores.csv", scores)
        .write("targets.csv", targets);
    dir
}

#[test]
fn thresholds_read_back_by_metrics_give_the_tuned_values_bit_for_bit() {
    let dir = generated_dir(400, 4, 50.0);
    for (objective, beta) in [("f1", None), ("fbeta", Some("0.5")), ("youden", None)] {
        let mut args = vec!["tune", "-q", "--scores", "probs", "--objective", objective];
        args.extend(beta.iter().flat_map(|b| ["--beta", b]));
        args.extend(["scores.csv", "targets.csv"]);
        let tuned = records(&success(&dir.run(&args)));
        for (j, row) in tuned.iter().enumerate() {
            let scored = if objective == "youden" {
                "f1"
            } else {
                objective
            };
            let mut metrics = metrics_at_args(
                &format!("{scored},precision,recall"),
                number(row, "threshold"),
            );
            metrics.extend(
                beta.iter()
                    .flat_map(|b| ["--beta".to_owned(), b.to_string()]),
            );
            let values = run_metrics(&dir, &metrics);
            if objective != "youden" {
                assert_eq!(values[0][j], row[objective], "{objective} class {j}");
            }
            assert_eq!(values[1][j], row["precision"], "{objective} class {j}");
            assert_eq!(values[2][j], row["recall"], "{objective} class {j}");
        }
    }
}

fn metrics_at_args(metric: &str, threshold: f64) -> Vec<String> {
    [
        "metrics",
        "-q",
        "--scores",
        "probs",
        "--average",
        "none",
        "--metric",
        metric,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["--threshold".to_owned(), format!("{threshold:?}")])
    .collect()
}

/// Each metric's line of per-class values.
fn run_metrics(dir: &Workdir, args: &[String]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["scores.csv", "targets.csv"]);
    let out = success(&dir.run(&args));
    out.lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(str::to_owned).collect())
        .collect()
}

#[test]
fn spilled_runs_and_threads_give_the_same_bytes() {
    let dir = generated_dir(20_000, 3, 1e6);
    let run = |extra: &[&str]| {
        let mut args = vec!["tune", "-q", "--scores", "probs", "--objective", "f1"];
        args.extend(extra);
        args.extend(["scores.csv", "targets.csv"]);
        success(&dir.run(&args))
    };
    let whole = run(&[]);
    assert_eq!(run(&["--memory-limit", "128K", "-j", "2"]), whole);
    assert_eq!(run(&["-j", "1"]), whole);
    let micro = run(&["--average", "micro", "--memory-limit", "128K", "-j", "2"]);
    assert_eq!(micro, run(&["--average", "micro"]));
    assert!(micro.lines().nth(1).unwrap().starts_with("micro,"));
}

#[test]
fn binned_thresholds_predict_what_their_bins_counted() {
    let dir = generated_dir(2_000, 3, 1e6);
    for bins in ["7", "20", "1000"] {
        let tuned = records(&success(&dir.run(&[
            "tune",
            "-q",
            "--scores",
            "probs",
            "--objective",
            "f1",
            "--bins",
            bins,
            "scores.csv",
            "targets.csv",
        ])));
        for (j, row) in tuned.iter().enumerate() {
            let t = number(row, "threshold");
            let values = run_metrics(&dir, &metrics_at_args("f1,precision,recall", t));
            assert_eq!(values[0][j], row["f1"], "--bins {bins} class {j}");
            assert_eq!(values[1][j], row["precision"]);
            assert_eq!(values[2][j], row["recall"]);
        }
    }
}

#[test]
fn undefined_classes_follow_undefined() {
    let dir = Workdir::new();
    dir.write("s.csv", "a,b\n0.2,0.9\n0.8,0.1\n0.5,0.4\n")
        .write("t.csv", "a,b\n0,0\n1,0\n1,0\n");
    let run = |extra: &[&str]| {
        let mut args = vec!["tune", "--scores", "probs", "--objective", "f1"];
        args.extend(extra);
        args.extend(["s.csv", "t.csv"]);
        dir.run(&args)
    };
    let default = run(&[]);
    assert_eq!(
        success(&default).lines().nth(2).unwrap(),
        "b,nan,nan,nan,nan,0"
    );
    let stderr = String::from_utf8_lossy(&default.stderr);
    assert!(stderr.contains("warning: tune: no threshold for classes b (no positive target)"));
    let skip = run(&["--undefined", "skip"]);
    assert_eq!(success(&skip).lines().count(), 2);
    let error = run(&["--undefined", "error", "-o", "out.csv"]);
    assert_eq!(error.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&error.stderr);
    assert!(stderr.starts_with("mlloss: error: t.csv"), "{stderr}");
    assert!(
        stderr.contains("classes b (no positive target)"),
        "{stderr}"
    );
    assert!(!dir.path("out.csv").exists());
    dir.write("empty.csv", "a,b\n");
    let empty = dir.run(&["tune", "--objective", "f1", "empty.csv", "empty.csv"]);
    assert_eq!(empty.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert!(
        stderr.contains("empty.csv: no data rows: tune needs at least one sample"),
        "{stderr}"
    );
}

#[test]
fn parameters_are_usage_errors() {
    let dir = generated_dir(10, 2, 10.0);
    for (extra, message) in [
        (
            &["--objective", "fbeta"][..],
            "--objective fbeta needs --beta B",
        ),
        (
            &["--objective", "f1", "--beta", "2"][..],
            "--beta applies to --objective fbeta only",
        ),
        (
            &["--objective", "precision-at-recall", "--min-recall", "0"][..],
            "--min-recall is in (0, 1]",
        ),
        (
            &[
                "--objective",
                "recall-at-precision",
                "--min-precision",
                "1.5",
            ][..],
            "--min-precision is in (0, 1]",
        ),
        (
            &["--objective", "f1", "-o", "t.npy"][..],
            "tune writes a threshold file",
        ),
    ] {
        let mut args = vec!["tune", "--scores", "probs"];
        args.extend(extra);
        args.extend(["scores.csv", "targets.csv"]);
        let output = dir.run(&args);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
}

#[test]
fn json_and_jsonl_hold_the_csv_records() {
    let dir = generated_dir(50, 3, 10.0);
    let run = |format: &str| {
        success(&dir.run(&[
            "tune",
            "--scores",
            "logits",
            "--objective",
            "f1",
            "--output-format",
            format,
            "scores.csv",
            "targets.csv",
        ]))
    };
    let csv = records(&run("csv"));
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let lines: Vec<Value> = run("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json.as_array().unwrap(), &lines);
    for (record, object) in csv.iter().zip(&lines) {
        assert_eq!(object["class"], record["class"].as_str());
        for key in [
            "threshold",
            "logit_threshold",
            "f1",
            "precision",
            "recall",
            "support",
        ] {
            assert_eq!(object[key].as_f64().unwrap(), number(record, key), "{key}");
        }
    }
}

/// `tune -o FILE` read back by `metrics --threshold-file FILE` on the same
/// files: each class's tuned value, precision and recall, bit for bit.
fn round_trip(dir: &Workdir, scores: &str, objective: &[&str], file: &str, metric: &str) {
    let mut args = vec!["tune", "-q", "--scores", scores, "-o", file];
    args.extend(objective);
    args.extend(["scores.csv", "targets.csv"]);
    success(&dir.run(&args));
    let mut csv_args = vec!["tune", "-q", "--scores", scores];
    csv_args.extend(objective);
    csv_args.extend(["scores.csv", "targets.csv"]);
    let tuned = records(&success(&dir.run(&csv_args)));
    let metrics = format!("{metric},precision,recall");
    let mut read_back = vec!["metrics", "-q", "--scores", scores, "--average", "none"];
    read_back.extend(["--metric", &metrics, "--threshold-file", file]);
    if let Some(beta) = objective.iter().position(|&a| a == "--beta") {
        read_back.extend(["--beta", objective[beta + 1]]);
    }
    read_back.extend(["scores.csv", "targets.csv"]);
    let out = success(&dir.run(&read_back));
    let values: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).collect())
        .collect();
    for (j, row) in tuned.iter().enumerate() {
        let context = format!("{scores} {objective:?} {file} class {j}");
        if metric != "jaccard" {
            assert_eq!(values[0][j], row[metric], "{context}");
        }
        assert_eq!(values[1][j], row["precision"], "{context}");
        assert_eq!(values[2][j], row["recall"], "{context}");
    }
}

#[test]
fn threshold_files_reproduce_the_tuned_values() {
    let dir = generated_dir(300, 4, 40.0);
    round_trip(&dir, "probs", &["--objective", "f1"], "t.csv", "f1");
    round_trip(
        &dir,
        "probs",
        &["--objective", "fbeta", "--beta", "2"],
        "t.json",
        "fbeta",
    );
    round_trip(
        &dir,
        "probs",
        &["--objective", "youden"],
        "t.tsv",
        "jaccard",
    );
    // Logits beyond ±40, where σ is 0 or 1: only logit_threshold keeps the
    // cuts apart (the reference case `logits_f1_None`).
    let reference = reference();
    let case = reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "logits_f1_None")
        .unwrap();
    let dir = Workdir::new();
    dir.write("scores.csv", case["scores_csv"].as_str().unwrap())
        .write("targets.csv", case["targets_csv"].as_str().unwrap());
    round_trip(&dir, "logits", &["--objective", "f1"], "t.jsonl", "f1");
    let logits = ["--objective", "precision-at-recall", "--min-recall", "0.8"];
    round_trip(&dir, "logits", &logits, "t.csv", "jaccard");
}

#[test]
fn binned_partial_states_merge_into_the_unsharded_thresholds() {
    let (scores, targets) = generated(3_000, 3, 1e6, 29);
    let half = |text: &str, first: bool| {
        let lines: Vec<&str> = text.lines().collect();
        let (head, body) = (lines[0], &lines[1..]);
        let part = if first {
            &body[..1_200]
        } else {
            &body[1_200..]
        };
        format!("{head}\n{}\n", part.join("\n"))
    };
    let dir = Workdir::new();
    dir.write("scores.csv", scores.clone())
        .write("targets.csv", targets.clone())
        .write("s1.csv", half(&scores, true))
        .write("t1.csv", half(&targets, true))
        .write("s2.csv", half(&scores, false))
        .write("t2.csv", half(&targets, false));
    let tune = |extra: &[&str], files: [&str; 2]| {
        let mut args = vec!["tune", "-q", "--scores", "probs", "--bins", "40"];
        args.extend(extra);
        args.extend(files);
        success(&dir.run(&args))
    };
    for extra in [
        &["--objective", "f1"][..],
        &["--objective", "youden", "--average", "micro"],
        &[
            "--objective",
            "fbeta",
            "--beta",
            "2",
            "--output-format",
            "json",
        ],
    ] {
        let whole = tune(extra, ["scores.csv", "targets.csv"]);
        let partial: Vec<&str> = extra.iter().copied().chain(["--partial"]).collect();
        dir.write("p1.json", tune(&partial, ["s1.csv", "t1.csv"]))
            .write("p2.json", tune(&partial, ["s2.csv", "t2.csv"]));
        let merged = success(&dir.run(&["merge", "p2.json", "p1.json"]));
        assert_eq!(merged, whole, "{extra:?}");
    }
    // A state of another objective, or of metrics, does not merge with it.
    dir.write(
        "f1.json",
        tune(&["--objective", "f1", "--partial"], ["s1.csv", "t1.csv"]),
    );
    let other = tune(
        &["--objective", "youden", "--partial"],
        ["s2.csv", "t2.csv"],
    );
    dir.write("youden.json", other);
    let refused = dir.run(&["merge", "f1.json", "youden.json"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("another tune objective"), "{stderr}");
    let state = std::fs::read_to_string(dir.path("f1.json")).unwrap();
    dir.write(
        "bad.json",
        state.replace(r#""format":"csv""#, r#""format":"xml""#),
    );
    let bad = dir.run(&["merge", "bad.json"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("inconsistent tune state"));
    // Exact thresholds need every score: no state without --bins.
    let exact = dir.run(&["tune", "--objective", "f1", "--partial", "s1.csv", "t1.csv"]);
    assert_eq!(exact.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&exact.stderr).contains("--partial needs --bins"));
}
