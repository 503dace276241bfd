//! `mlloss metrics`: scikit-learn 1.9.1's answers (fixtures/metrics/,
//! copied from shared/reference/sklearn-metrics.json) through the CLI, the
//! undefined-case policies, errors, and the properties the README promises:
//! invariance under row order, threads and shards, exactness whatever the
//! memory limit, and `--bins` approaching the exact value.

use serde_json::Value;

use crate::harness::{Workdir, csv, fixture, success, uniform};

/// The product's promise: scikit-learn's float64 numbers to 1e-12 relative.
const RTOL: f64 = 1e-12;

/// JSON with Python's bare `NaN` (the reference file's and mlloss's): NaN
/// becomes the string "NaN".
pub(crate) fn parse_with_nan(text: &str) -> Value {
    let text = text
        .replace("\"expected\": NaN", "\"expected\": \"NaN\"")
        .replace(", NaN", ", \"NaN\"")
        .replace("[NaN", "[\"NaN\"")
        .replace(":NaN", ":\"NaN\"")
        .replace(",NaN", ",\"NaN\"");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON: {e}: {text}"))
}

pub(crate) fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        v => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

pub(crate) fn matrix(v: &Value) -> Vec<Vec<f64>> {
    let rows = v.as_array().expect("matrix");
    rows.iter()
        .map(|r| r.as_array().expect("row").iter().map(number).collect())
        .collect()
}

pub(crate) fn same(got: f64, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    (got - want).abs() <= RTOL * want.abs() || (want == 0.0 && got.abs() <= 1e-15)
}

#[test]
fn every_reference_case_matches_scikit_learn() {
    let text = std::fs::read_to_string(fixture("metrics/sklearn-metrics.json")).unwrap();
    let cases = parse_with_nan(&text)["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 178, "{} cases", cases.len());
    let dir = Workdir::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        dir.write("scores.csv", csv(&matrix(&case["scores"])));
        dir.write("targets.csv", csv(&matrix(&case["targets"])));
        let mut args: Vec<String> = vec!["metrics".into()];
        args.extend(
            case["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned()),
        );
        args.extend(["--output-format", "json", "scores.csv", "targets.csv"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = dir.run(&args);
        let expected = &case["expected"];
        if expected == "error" {
            let code = output.status.code();
            if !matches!(code, Some(1 | 2)) || !output.stdout.is_empty() {
                failures.push(format!("{name}: expected an error, got {code:?}"));
            }
            continue;
        }
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            failures.push(format!("{name}: failed: {err}"));
            continue;
        }
        let got = parse_with_nan(std::str::from_utf8(&output.stdout).unwrap());
        let got = &got[case["metric"].as_str().unwrap()];
        let ok = match expected {
            Value::Array(want) => {
                let got = got
                    .as_array()
                    .map(|g| g.iter().map(number).collect::<Vec<_>>());
                got.is_some_and(|g| {
                    g.len() == want.len() && g.iter().zip(want).all(|(&g, w)| same(g, number(w)))
                })
            }
            want => !got.is_array() && !got.is_null() && same(number(got), number(want)),
        };
        if !ok {
            failures.push(format!("{name}: got {got}, want {expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README's worked example, on the seed fixtures.
#[test]
fn the_readme_example_on_the_seed_fixtures() {
    let out = crate::harness::mlloss()
        .arg("metrics")
        .arg(fixture("seed/logits.csv"))
        .arg(fixture("seed/targets.csv"))
        .output()
        .unwrap();
    assert_eq!(
        success(&out),
        "metric,value\nhamming_loss,0.5\nsubset_accuracy,0.0\nf1,0.38095238095238093\n\
         roc_auc,nan\naverage_precision,0.5\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roc_auc: undefined for classes 5, 6"), "{err}");
}

/// A seeded N×C problem: logits, and 0/1 targets (-1 for missing where
/// `missing`), with ties among the scores.
fn problem(seed: u64, rows: usize, cols: usize, missing: bool) -> (String, String) {
    let mut u = uniform(seed);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..rows {
        let mut xr = Vec::new();
        let mut yr = Vec::new();
        for j in 0..cols {
            let label = u() < 0.3 + 0.05 * j as f64;
            // Rounded to a tenth: many ties, as real scores have.
            let score = ((u() * 8.0 - 4.0 + if label { 1.0 } else { 0.0 }) * 10.0).round() / 10.0;
            xr.push(score);
            yr.push(if missing && u() < 0.1 {
                -1.0
            } else if label {
                1.0
            } else {
                0.0
            });
        }
        x.push(xr);
        y.push(yr);
    }
    (csv(&x), csv(&y))
}

const ALL_AVERAGED: &str = "jaccard,precision,recall,f1,roc_auc,average_precision";
const PER_SAMPLE: &str = "hamming_loss,subset_accuracy,zero_one_loss,label_ranking_loss,coverage_error,lrap,ndcg,precision_at_k";

/// The same bytes whatever the order of the rows, the threads and the
/// memory limit (tiny: hundreds of sorted runs spilled and merged).
#[test]
fn results_do_not_depend_on_row_order_threads_or_memory() {
    let dir = Workdir::new();
    // ~1.3 MB of scores: more than one job, so every thread gets rows.
    let (x, y) = problem(7, 60_000, 6, true);
    dir.write("x.csv", &x).write("y.csv", &y);
    // The rows reversed.
    let reverse = |t: &str| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.reverse();
        lines.join("\n") + "\n"
    };
    dir.write("xr.csv", reverse(&x))
        .write("yr.csv", reverse(&y));
    for average in ["macro", "micro", "weighted", "samples", "none"] {
        let run = |extra: &[&str], files: [&str; 2]| {
            let mut args = vec![
                "metrics",
                "--metric",
                ALL_AVERAGED,
                "--average",
                average,
                "--ignore-value",
                "-1",
                "--output-format",
                "json",
            ];
            args.extend(extra);
            args.extend(files);
            success(&dir.run(&args))
        };
        let base = run(&["-j", "1"], ["x.csv", "y.csv"]);
        assert_eq!(
            run(&["-j", "3"], ["x.csv", "y.csv"]),
            base,
            "{average} -j 3"
        );
        assert_eq!(
            run(&["-j", "2"], ["xr.csv", "yr.csv"]),
            base,
            "{average} reversed"
        );
        let tiny = ["-j", "2", "--memory-limit", "128K"];
        assert_eq!(run(&tiny, ["x.csv", "y.csv"]), base, "{average} spilled");
    }
    let run = |extra: &[&str]| {
        let mut args = vec![
            "metrics",
            "--metric",
            PER_SAMPLE,
            "--k",
            "2",
            "--ignore-value",
            "-1",
        ];
        args.extend(extra);
        success(&dir.run(&args))
    };
    let base = run(&["-j", "1", "x.csv", "y.csv"]);
    assert_eq!(run(&["-j", "2", "xr.csv", "yr.csv"]), base);
}

/// Shards merged in any order print the unsharded output, bit for bit.
#[test]
fn merged_shards_print_the_unsharded_output() {
    let dir = Workdir::new();
    let (x, y) = problem(11, 3_000, 5, true);
    let (xs, ys): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    let cuts = [0, 1, 700, 2_100, 3_000];
    for (i, w) in cuts.windows(2).enumerate() {
        dir.write(&format!("x{i}.csv"), xs[w[0]..w[1]].join("\n") + "\n");
        dir.write(&format!("y{i}.csv"), ys[w[0]..w[1]].join("\n") + "\n");
    }
    dir.write("x.csv", &x).write("y.csv", &y);
    let setups: [&[&str]; 4] = [
        &[
            "--metric",
            "hamming_loss,subset_accuracy,jaccard,precision,recall,f1",
            "--average",
            "micro",
        ],
        &[
            "--metric",
            "f1,fbeta,jaccard,roc_auc,average_precision",
            "--beta",
            "2",
            "--average",
            "samples",
        ],
        &[
            "--metric",
            "roc_auc,average_precision,precision",
            "--bins",
            "64",
            "--average",
            "none",
        ],
        &[
            "--metric",
            "label_ranking_loss,coverage_error,lrap,ndcg,precision_at_k",
            "--k",
            "3",
        ],
    ];
    for setup in setups {
        let mut args = vec!["metrics", "--ignore-value", "-1"];
        args.extend(setup);
        let whole = success(&dir.run(&[&args[..], &["x.csv", "y.csv"]].concat()));
        let mut states = Vec::new();
        for i in 0..4 {
            let (xi, yi) = (format!("x{i}.csv"), format!("y{i}.csv"));
            let shard_args = [&args[..], &["--partial", &xi, &yi]].concat();
            let state = success(&dir.run(&shard_args));
            dir.write(&format!("s{i}.json"), &state);
            states.push(format!("s{i}.json"));
        }
        let merged = success(&dir.run(&["merge", "s3.json", "s1.json", "s0.json", "s2.json"]));
        assert_eq!(merged, whole, "{setup:?}");
    }
    // NaN in a spec (--zero-division nan) equals itself: such states merge.
    let nan = [
        "metrics",
        "--ignore-value",
        "-1",
        "--metric",
        "precision,f1",
        "--zero-division",
        "nan",
        "--average",
        "samples",
    ];
    let whole = success(&dir.run(&[&nan[..], &["x.csv", "y.csv"]].concat()));
    let mut states = String::new();
    for i in 0..4 {
        let (xi, yi) = (format!("x{i}.csv"), format!("y{i}.csv"));
        states += &success(&dir.run(&[&nan[..], &["--partial", &xi, &yi]].concat()));
    }
    assert_eq!(
        success(&dir.run_with_stdin(&["merge", "-"], states.as_bytes())),
        whole
    );
    // A state whose counts do not add up is refused, not trusted.
    let state = states.lines().nth(2).unwrap();
    let rows = state.find("\"rows\":").unwrap();
    let end = rows + state[rows..].find(',').unwrap();
    dir.write(
        "forged.json",
        format!("{}\"rows\":0{}", &state[..rows], &state[end..]),
    );
    let out = dir.run(&["merge", "forged.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("forged.json:1: inconsistent metrics state"),
        "{err}"
    );
    // States of another spec do not merge.
    let f1 = [
        "metrics",
        "--partial",
        "--metric",
        "f1",
        "--ignore-value",
        "-1",
    ];
    let a = success(&dir.run(&[&f1[..], &["x0.csv", "y0.csv"]].concat()));
    let b = success(&dir.run(&[&f1[..], &["--threshold", "0.3", "x1.csv", "y1.csv"]].concat()));
    dir.write("a.json", a).write("b.json", b);
    let out = dir.run(&["merge", "a.json", "b.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b.json: computed with another threshold"),
        "{err}"
    );
}

/// `--bins B` is within its stated bound of the exact AUROC, and tends to
/// the exact AUROC and AP as B grows.
#[test]
fn binned_curves_approach_the_exact_ones() {
    let dir = Workdir::new();
    let mut u = uniform(5);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..2_000 {
        let label = u() < 0.4;
        x.push(vec![u() * 6.0 - 3.0 + if label { 0.8 } else { 0.0 }]);
        y.push(vec![if label { 1.0 } else { 0.0 }]);
    }
    dir.write("x.csv", csv(&x)).write("y.csv", csv(&y));
    let value = |extra: &[&str]| -> (f64, f64, String) {
        let args = [
            &[
                "metrics",
                "--metric",
                "roc_auc,average_precision",
                "--output-format",
                "json",
            ],
            extra,
            &["x.csv", "y.csv"],
        ]
        .concat();
        let out = dir.run(&args);
        let v = parse_with_nan(&success(&out));
        (
            number(&v["roc_auc"]),
            number(&v["average_precision"]),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (auc, ap, _) = value(&[]);
    let mut last_bound = f64::INFINITY;
    // Nested bins (each a refinement of the one before): the bound can
    // only shrink.
    for b in ["4", "16", "256", "4096", "65536"] {
        let (binned, binned_ap, note) = value(&["--bins", b]);
        let bound: f64 = note
            .split("within ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no bound in {note:?}"));
        // The note prints the bound to 4 digits.
        assert!(
            (binned - auc).abs() <= bound * (1.0 + 1e-3),
            "B {b}: {binned} vs {auc}, bound {bound}"
        );
        assert!(
            bound <= last_bound,
            "B {b}: bound {bound} after {last_bound}"
        );
        last_bound = bound;
        if b == "65536" {
            assert!(
                (binned - auc).abs() < 1e-4 && (binned_ap - ap).abs() < 1e-4,
                "{binned_ap} vs {ap}"
            );
        }
    }
    assert!(last_bound < 1e-4, "{last_bound}");
}

/// What `--undefined` does with classes whose AUROC or AP has no value.
#[test]
fn undefined_policies() {
    let dir = Workdir::new();
    dir.write("x.csv", "s1,s2,s3\n0.1,0.9,0.3\n0.8,0.2,0.4\n0.3,0.7,0.9\n");
    dir.write("y.csv", "s1,s2,s3\n0,1,0\n1,1,0\n0,1,0\n");
    let run = |extra: &[&str]| {
        let args = [
            &[
                "metrics",
                "--metric",
                "roc_auc,average_precision",
                "--scores",
                "probs",
            ],
            extra,
            &["x.csv", "y.csv"],
        ]
        .concat();
        dir.run(&args)
    };
    let out = run(&["--undefined", "error"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        "mlloss: error: y.csv: roc_auc is undefined for classes s2, s3 (no positive or no negative target; \
         --undefined nan or skip gives a result)\n"
    );
    let out = run(&["--undefined", "skip", "--average", "none"]);
    assert_eq!(
        success(&out),
        "metric,s1,s2,s3\nroc_auc,1.0,nan,nan\naverage_precision,1.0,1.0,nan\n"
    );
    let out = run(&["--undefined", "skip"]);
    assert_eq!(
        success(&out),
        "metric,value\nroc_auc,1.0\naverage_precision,1.0\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roc_auc: skipped classes s2, s3"), "{err}");
    assert!(err.contains("average_precision: skipped class s3"), "{err}");
    let out = run(&["--undefined", "nan", "--average", "weighted"]);
    assert_eq!(
        success(&out),
        "metric,value\nroc_auc,nan\naverage_precision,nan\n"
    );
    // scikit-learn's default: NaN for AUROC, 0 for AP, with its warnings.
    let out = run(&[]);
    assert_eq!(
        success(&out),
        "metric,value\nroc_auc,nan\naverage_precision,0.6666666666666666\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("as scikit-learn 1.9.1 gives"));
}

/// Columns pair by name and rows by key, as for `loss`.
#[test]
fn named_and_keyed_tables_pair_as_for_loss() {
    let dir = Workdir::new();
    dir.write(
        "x.csv",
        "id,a,b,c\nr1,2.0,-1.0,0.5\nr2,-3.0,1.5,0.1\nr3,0.2,0.3,-2.0\n",
    );
    // TARGETS with its columns and rows in another order.
    dir.write("y.csv", "c,id,b,a\n1,r3,1,0\n0,r1,0,1\n1,r2,1,0\n");
    dir.write("x_plain.csv", "2.0,-1.0,0.5\n-3.0,1.5,0.1\n0.2,0.3,-2.0\n");
    dir.write("y_plain.csv", "1,0,0\n0,1,1\n0,1,1\n");
    let args = [
        "metrics",
        "--metric",
        "f1,roc_auc,lrap",
        "--average",
        "none",
    ];
    let keyed = success(&dir.run(&[&args[..], &["--key", "id", "x.csv", "y.csv"]].concat()));
    let plain = success(&dir.run(&[&args[..], &["x_plain.csv", "y_plain.csv"]].concat()));
    assert_eq!(
        keyed.lines().skip(1).collect::<Vec<_>>(),
        plain.lines().skip(1).collect::<Vec<_>>()
    );
    assert!(keyed.starts_with("metric,a,b,c\n"), "{keyed}");
}

#[test]
fn bad_options_and_inputs_are_errors() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.1,0.9\n0.8,0.2\n");
    dir.write("y.csv", "0,1\n1,1\n");
    dir.write("soft.csv", "0,1\n0.5,1\n");
    dir.write("short.csv", "0,1\n");
    dir.write("x1.csv", "0.1\n0.8\n");
    dir.write("y1.csv", "0\n1\n");
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--metric", "fbeta", "x.csv", "y.csv"],
            2,
            "fbeta needs --beta B",
        ),
        (
            &["--metric", "fbeta", "--beta", "-1", "x.csv", "y.csv"],
            2,
            "--beta must be a number ≥ 0 whose square is finite",
        ),
        (
            &["--metric", "precision_at_k", "x.csv", "y.csv"],
            2,
            "precision_at_k needs --k K",
        ),
        (
            &["--metric", "ndcg", "--k", "0", "x.csv", "y.csv"],
            2,
            "--k must be at least 1",
        ),
        (
            &[
                "--metric",
                "jaccard",
                "--zero-division",
                "nan",
                "x.csv",
                "y.csv",
            ],
            2,
            "jaccard takes --zero-division 0 or 1",
        ),
        (
            &["--metric", "nope", "x.csv", "y.csv"],
            2,
            "invalid value 'nope'",
        ),
        (
            &["--threshold", "1.5", "x.csv", "y.csv"],
            2,
            "--threshold is a probability",
        ),
        (
            &["--partial", "--metric", "roc_auc", "x.csv", "y.csv"],
            2,
            "add --bins B",
        ),
        (
            &[
                "--metric",
                "roc_auc",
                "--bins",
                "100000000",
                "x.csv",
                "y.csv",
            ],
            2,
            "takes 3200000000 bytes of counts per histogram",
        ),
        (
            &["--metric", "fbeta", "--beta", "1e308", "x.csv", "y.csv"],
            2,
            "whose square is finite",
        ),
        (
            &[
                "--metric",
                "roc_auc",
                "--memory-limit",
                "64K",
                "-j",
                "2",
                "x.csv",
                "y.csv",
            ],
            2,
            "--memory-limit 65536 is too small for exact roc_auc and average_precision of 2 classes on 2 threads",
        ),
        (
            &["-o", "out.npy", "x.csv", "y.csv"],
            2,
            "metrics print csv, tsv, json or jsonl",
        ),
        (
            &["x.csv", "soft.csv"],
            1,
            "soft.csv:2:1: target is not 0 or 1 (\"0.5\")",
        ),
        (
            &["x.csv", "short.csv"],
            1,
            "x.csv:2: row 2 has no partner: short.csv ends after 1 row",
        ),
        (
            &["--metric", "ndcg", "x1.csv", "y1.csv"],
            1,
            "x1.csv: one class: ndcg ranks the classes",
        ),
        (
            &["--scores", "probs", "--metric", "f1", "y.csv", "x.csv"],
            1,
            "x.csv:1:1: target is not 0 or 1 (\"0.1\")",
        ),
    ];
    for (args, code, message) in cases {
        let out = dir.run(&[&["metrics"], *args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn output_formats() {
    let dir = Workdir::new();
    dir.write("x.csv", "a,b\n0.1,0.9\n0.8,-0.2\n");
    dir.write("y.csv", "a,b\n0,1\n1,1\n");
    let run = |format: &str| {
        success(&dir.run(&[
            "metrics",
            "--metric",
            "hamming_loss,recall",
            "--average",
            "none",
            "--output-format",
            format,
            "x.csv",
            "y.csv",
        ]))
    };
    assert_eq!(run("csv"), "metric,a,b\nhamming_loss,0.5\nrecall,1.0,0.5\n");
    assert_eq!(
        run("tsv"),
        "metric\ta\tb\nhamming_loss\t0.5\nrecall\t1.0\t0.5\n"
    );
    assert_eq!(run("json"), "{\"hamming_loss\":0.5,\"recall\":[1.0,0.5]}\n");
    assert_eq!(
        run("jsonl"),
        "{\"metric\":\"hamming_loss\",\"value\":0.5}\n{\"metric\":\"recall\",\"value\":[1.0,0.5]}\n"
    );
}

/// Every input rule of `loss`: one table holding both, pandas' index,
/// columns by name, JSON Lines records, stdin, .npy — the same numbers as
/// the plain, aligned CSV files.
#[test]
fn inputs_pair_as_loss_reads_them() {
    let run = |dir: &std::path::Path, args: &[&str], stdin: Option<&str>| {
        let mut command = crate::harness::mlloss();
        command
            .current_dir(dir)
            .arg("metrics")
            .args(["--metric", "f1,roc_auc,lrap,hamming_loss"]);
        command.args(args);
        if let Some(file) = stdin {
            command.write_stdin(std::fs::read(dir.join(file)).unwrap());
        }
        success(&command.output().unwrap())
    };
    let tables = fixture("tables");
    let plain = run(&tables, &["logits.csv", "targets-permuted.csv"], None);
    let variants: [(&[&str], Option<&str>); 4] = [
        (&["logits-index.csv", "targets-index-shuffled.csv"], None),
        (&["logits.csv", "targets.jsonl"], None),
        (&["logits.csv", "-"], Some("targets-permuted.csv")),
        (
            &[
                "--scores-columns",
                "p_*",
                "--targets-columns",
                "y_*",
                "table.csv",
            ],
            None,
        ),
    ];
    for (args, stdin) in variants {
        assert_eq!(run(&tables, args, stdin), plain, "{args:?}");
    }
    let npy = fixture("npy");
    assert_eq!(
        run(&npy, &["logits-f32.npy", "targets-u8.npy"], None),
        run(&npy, &["logits-f32.csv", "targets-u8.csv"], None)
    );
}
