//! The decision rules (issue 28 §1): `--threshold T1,…,TC`,
//! `--threshold-file`, `--top-k`, for `metrics` and `binarize --inverse`:
//! each against running one class alone, or a brute force written here.

use crate::harness::{Workdir, success, uniform};

const C: usize = 4;
const N: usize = 60;

/// Logits (a few tied, a few exactly on a cut) and 0/1 targets, without
/// headers; returns them as rows.
fn data(dir: &Workdir) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut next = uniform(28);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..N {
        let row: Vec<f64> = (0..C)
            .map(|j| match (i + j) % 9 {
                // Ties across classes, and logits exactly at 0 (σ = 0.5).
                0 => 0.0,
                1 => 1.5,
                _ => ((next() * 8.0 - 4.0) * 4.0).round() / 4.0,
            })
            .collect();
        x.push(row);
        y.push((0..C).map(|_| f64::from(u8::from(next() < 0.4))).collect());
    }
    let text = |m: &Vec<Vec<f64>>| {
        m.iter()
            .map(|r| {
                r.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let header = "a,b,c,d\n";
    dir.write("x.csv", text(&x))
        .write("y.csv", text(&y))
        .write("xh.csv", format!("{header}{}", text(&x)))
        .write("yh.csv", format!("{header}{}", text(&y)));
    (x, y)
}

fn sigma(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Each class's (tp, fp, fn) for the predictions `predicted`.
fn counts(predicted: &[Vec<bool>], y: &[Vec<f64>]) -> Vec<(f64, f64, f64)> {
    (0..C)
        .map(|j| {
            let mut c = (0.0, 0.0, 0.0);
            for (p, t) in predicted.iter().zip(y) {
                match (p[j], t[j] == 1.0) {
                    (true, true) => c.0 += 1.0,
                    (true, false) => c.1 += 1.0,
                    (false, true) => c.2 += 1.0,
                    _ => {}
                }
            }
            c
        })
        .collect()
}

/// Per-class precision and recall lines as `metrics` prints them.
fn precision_recall(counts: &[(f64, f64, f64)]) -> Vec<Vec<f64>> {
    let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
    vec![
        counts.iter().map(|c| ratio(c.0, c.0 + c.1)).collect(),
        counts.iter().map(|c| ratio(c.0, c.0 + c.2)).collect(),
    ]
}

/// The numbers of `metrics --metric precision,recall --average none`.
fn per_class(dir: &Workdir, extra: &[&str], files: [&str; 2]) -> Vec<Vec<f64>> {
    let mut args = vec![
        "metrics",
        "--metric",
        "precision,recall",
        "--average",
        "none",
        "--zero-division",
        "0",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&files);
    success(&dir.run(&args))
        .lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|v| v.parse().expect("a number"))
                .collect()
        })
        .collect()
}

/// The K highest of a row, ties to the lower class.
fn top_k(row: &[f64], k: usize) -> Vec<bool> {
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].partial_cmp(&row[a]).unwrap().then(a.cmp(&b)));
    let mut chosen = vec![false; row.len()];
    for &j in order.iter().take(k) {
        chosen[j] = true;
    }
    chosen
}

#[test]
fn per_class_thresholds_equal_each_class_alone() {
    let dir = Workdir::new();
    data(&dir);
    let thresholds = ["0.3", "0.5", "0.8175744761936437", "0.95"];
    let list = thresholds.join(",");
    let all = per_class(&dir, &["--threshold", &list], ["x.csv", "y.csv"]);
    for (j, t) in thresholds.iter().enumerate() {
        let alone = per_class(&dir, &["--threshold", t], ["x.csv", "y.csv"]);
        for (line, alone_line) in all.iter().zip(&alone) {
            assert_eq!(line[j].to_bits(), alone_line[j].to_bits(), "class {j}");
        }
    }
    // Probabilities too.
    let probs: Vec<String> = (0..N)
        .map(|i| format!("{},0.5,0.25,1\n", i as f64 / N as f64))
        .collect();
    dir.write("p.csv", probs.concat());
    let all = per_class(
        &dir,
        &["--scores", "probs", "--threshold", "0.5,0.5,0.3,1"],
        ["p.csv", "y.csv"],
    );
    let alone = per_class(
        &dir,
        &["--scores", "probs", "--threshold", "0.3"],
        ["p.csv", "y.csv"],
    );
    assert_eq!(all[0][2].to_bits(), alone[0][2].to_bits());
}

#[test]
fn threshold_files_by_name_by_index_and_logits() {
    let dir = Workdir::new();
    let (x, y) = data(&dir);
    let by_list = per_class(
        &dir,
        &["--threshold", "0.3,0.5,0.8,0.95"],
        ["x.csv", "y.csv"],
    );
    // Rows in any order, other columns ignored; CSV, TSV, JSON, JSON Lines.
    dir.write("names.csv", "f1,class,threshold\n9,c,0.8\n9,a,0.3\n9,d,0.95\n9,b,0.5\n")
        .write("index.tsv", "class\tthreshold\n3\t0.95\n0\t0.3\n1\t0.5\n2\t0.8\n")
        .write(
            "names.json",
            r#"[{"class":"a","threshold":0.3},{"class":"b","threshold":0.5},{"class":"c","threshold":0.8},{"class":"d","threshold":0.95}]"#,
        )
        .write("index.jsonl", "{\"class\":0,\"threshold\":0.3}\n{\"class\":1,\"threshold\":0.5}\n{\"class\":\"2\",\"threshold\":0.8}\n{\"class\":3,\"threshold\":0.95}\n");
    for (file, inputs) in [
        ("names.csv", ["xh.csv", "yh.csv"]),
        ("names.json", ["xh.csv", "yh.csv"]),
        ("index.tsv", ["x.csv", "y.csv"]),
        ("index.jsonl", ["x.csv", "y.csv"]),
    ] {
        let got = per_class(&dir, &["--threshold-file", file], inputs);
        assert_eq!(got, by_list, "{file}");
    }
    // logit_threshold: x ≥ t, ±inf allowed; read instead of threshold with logits.
    dir.write(
        "logits.csv",
        "class,threshold,logit_threshold\na,0.99,0.25\nb,0.99,-inf\nc,0.99,inf\nd,0.99,1.5\n",
    );
    let got = per_class(
        &dir,
        &["--threshold-file", "logits.csv"],
        ["xh.csv", "yh.csv"],
    );
    let cuts = [0.25, f64::NEG_INFINITY, f64::INFINITY, 1.5];
    let predicted: Vec<Vec<bool>> = x
        .iter()
        .map(|r| r.iter().zip(cuts).map(|(&v, t)| v >= t).collect())
        .collect();
    assert_eq!(got, precision_recall(&counts(&predicted, &y)));
    // The threshold column is what probabilities read.
    let probs: Vec<String> = x
        .iter()
        .map(|r| {
            r.iter()
                .map(|&v| format!("{:?}", sigma(v)))
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    dir.write("ph.csv", format!("a,b,c,d\n{}", probs.concat()));
    let got = per_class(
        &dir,
        &["--scores", "probs", "--threshold-file", "logits.csv"],
        ["ph.csv", "yh.csv"],
    );
    let predicted: Vec<Vec<bool>> = x
        .iter()
        .map(|r| r.iter().map(|&v| sigma(v) >= 0.99).collect())
        .collect();
    assert_eq!(got, precision_recall(&counts(&predicted, &y)));
}

#[test]
fn threshold_errors_name_their_cause() {
    let dir = Workdir::new();
    data(&dir);
    let cases: [(&str, &str, i32, &str); 8] = [
        (
            "missing.csv",
            "class,threshold\na,0.3\nb,0.5\nc,0.5\n",
            1,
            "missing.csv: no threshold for class \"d\"",
        ),
        (
            "unknown.csv",
            "class,threshold\na,0.3\nb,0.5\nc,0.5\nd,0.1\ne,0.2\n",
            1,
            "unknown.csv:6: unknown class \"e\"",
        ),
        (
            "twice.csv",
            "class,threshold\na,0.3\nb,0.5\nb,0.5\n",
            1,
            "twice.csv:4: class \"b\" is given twice",
        ),
        (
            "number.csv",
            "class,threshold\na,0.3\nb,x\nc,0.5\nd,0.1\n",
            1,
            "number.csv:3:2: \"x\" is not a threshold",
        ),
        (
            "range.csv",
            "class,threshold\na,0.3\nb,1.5\nc,0.5\nd,0.1\n",
            1,
            "range.csv:3:2: \"1.5\" is not a threshold: a probability in [0, 1]",
        ),
        (
            "nan.csv",
            "class,logit_threshold\na,nan\nb,1\nc,0.5\nd,0.1\n",
            1,
            "nan.csv:2:2: \"nan\" is not a logit_threshold",
        ),
        (
            "nocol.csv",
            "class,f1\na,0.3\n",
            1,
            "nocol.csv:1: no column `threshold` or `logit_threshold`",
        ),
        (
            "logit_only.csv",
            "class,logit_threshold\na,0.3\nb,1\nc,0.5\nd,0.1\n",
            1,
            "logit_only.csv:2:2: only a logit_threshold",
        ),
    ];
    for (file, text, code, message) in cases {
        dir.write(file, text);
        let mut args = vec!["metrics", "--threshold-file", file];
        if file == "logit_only.csv" {
            args.extend(["--scores", "probs"]);
            let probs = "a,b,c,d\n0.5,0.5,0.5,0.5\n";
            dir.write("ph.csv", probs)
                .write("yh1.csv", "a,b,c,d\n1,0,1,0\n");
            args.extend(["ph.csv", "yh1.csv"]);
        } else {
            args.extend(["xh.csv", "yh.csv"]);
        }
        let out = dir.run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{file}: {stderr}");
        assert!(
            stderr.contains(&format!("mlloss: error: {message}")),
            "{file}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    // Usage errors: a count other than 1 or C, a bad number, both options.
    for (args, message) in [
        (
            vec!["--threshold", "0.5,0.5"],
            "--threshold gives 2 thresholds, but there are 4 classes",
        ),
        (
            vec!["--threshold", "0.5,1.5,0.5,0.5"],
            "--threshold is a probability in [0, 1], not 1.5",
        ),
        (vec!["--threshold", "0.5,x"], "\"x\" is not a number"),
        (
            vec!["--threshold", "0.5", "--threshold-file", "names.csv"],
            "cannot be used with",
        ),
        (vec!["--top-k", "0"], "0 is not in 1.."),
    ] {
        let mut full = vec!["metrics"];
        full.extend(args);
        full.extend(["x.csv", "y.csv"]);
        let out = dir.run(&full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{full:?}: {stderr}");
        assert!(stderr.contains(message), "{full:?}: {stderr}");
    }
}

#[test]
fn top_k_alone_and_with_thresholds_against_a_brute_force() {
    let dir = Workdir::new();
    let (x, y) = data(&dir);
    for k in [1, 2, 3, 4, 7] {
        let ks = k.to_string();
        let got = per_class(&dir, &["--top-k", &ks], ["x.csv", "y.csv"]);
        let predicted: Vec<Vec<bool>> = x.iter().map(|r| top_k(r, k)).collect();
        assert_eq!(got, precision_recall(&counts(&predicted, &y)), "k {k}");
        // With thresholds: both must hold.
        let got = per_class(
            &dir,
            &["--top-k", &ks, "--threshold", "0.5,0.6,0.3,0.5"],
            ["x.csv", "y.csv"],
        );
        let cuts = [0.5, 0.6, 0.3, 0.5];
        let predicted: Vec<Vec<bool>> = x
            .iter()
            .map(|r| {
                let top = top_k(r, k);
                (0..C).map(|j| top[j] && sigma(r[j]) >= cuts[j]).collect()
            })
            .collect();
        assert_eq!(
            got,
            precision_recall(&counts(&predicted, &y)),
            "k {k} with thresholds"
        );
        let got = per_class(
            &dir,
            &["--top-k", &ks, "--threshold", "0.6"],
            ["x.csv", "y.csv"],
        );
        let predicted: Vec<Vec<bool>> = x
            .iter()
            .map(|r| {
                let top = top_k(r, k);
                (0..C).map(|j| top[j] && sigma(r[j]) >= 0.6).collect()
            })
            .collect();
        assert_eq!(
            got,
            precision_recall(&counts(&predicted, &y)),
            "k {k} with 0.6"
        );
    }
}

#[test]
fn partial_states_keep_the_rule_and_merge() {
    let dir = Workdir::new();
    data(&dir);
    let rule = ["--threshold", "0.3,0.5,0.8,0.95", "--top-k", "2"];
    let whole = success(
        &dir.run(
            &[
                &["metrics", "--metric", "f1,precision"][..],
                &rule,
                &["x.csv", "y.csv"],
            ]
            .concat(),
        ),
    );
    let lines: Vec<String> = std::fs::read_to_string(dir.path("x.csv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let targets: Vec<String> = std::fs::read_to_string(dir.path("y.csv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    dir.write("x1.csv", lines[..25].join("\n") + "\n")
        .write("x2.csv", lines[25..].join("\n") + "\n")
        .write("y1.csv", targets[..25].join("\n") + "\n")
        .write("y2.csv", targets[25..].join("\n") + "\n");
    let partial = |x: &str, y: &str, rule: &[&str]| {
        success(
            &dir.run(
                &[
                    &["metrics", "--partial", "--metric", "f1,precision"][..],
                    rule,
                    &[x, y],
                ]
                .concat(),
            ),
        )
    };
    dir.write("s1.json", partial("x1.csv", "y1.csv", &rule))
        .write("s2.json", partial("x2.csv", "y2.csv", &rule))
        .write("other.json", partial("x2.csv", "y2.csv", &["--top-k", "2"]));
    assert_eq!(success(&dir.run(&["merge", "s2.json", "s1.json"])), whole);
    let out = dir.run(&["merge", "s1.json", "other.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another decision rule"));
}

#[test]
fn binarize_inverse_takes_each_rule() {
    let dir = Workdir::new();
    let (x, _) = data(&dir);
    let labels = |chosen: &[Vec<bool>]| -> String {
        chosen
            .iter()
            .map(|c| {
                let names: Vec<&str> = ["a", "b", "c", "d"]
                    .iter()
                    .zip(c)
                    .filter(|&(_, &on)| on)
                    .map(|(n, _)| *n)
                    .collect();
                names.join(",") + "\n"
            })
            .collect()
    };
    let run = |extra: &[&str]| {
        success(
            &dir.run(
                &[
                    &["binarize", "--inverse", "--classes", "a,b,c,d"][..],
                    extra,
                    &["x.csv"],
                ]
                .concat(),
            ),
        )
    };
    // Per-class thresholds on raw values (binarize compares any number).
    let cuts = [0.0, -1.0, 1.5, 2.0];
    let want: Vec<Vec<bool>> = x
        .iter()
        .map(|r| r.iter().zip(cuts).map(|(&v, t)| v >= t).collect())
        .collect();
    assert_eq!(run(&["--threshold", "0,-1,1.5,2"]), labels(&want));
    // Through σ with --logits, from a file's threshold column.
    dir.write(
        "t.csv",
        "class,threshold\na,0.5\nb,0.3\nc,0.8175744761936437\nd,0.9\n",
    );
    let cuts = [0.5, 0.3, 0.8175744761936437, 0.9];
    let want: Vec<Vec<bool>> = x
        .iter()
        .map(|r| r.iter().zip(cuts).map(|(&v, t)| sigma(v) >= t).collect())
        .collect();
    assert_eq!(
        run(&["--logits", "--threshold-file", "t.csv"]),
        labels(&want)
    );
    // logit_threshold with --logits.
    dir.write(
        "l.csv",
        "class,logit_threshold\na,0\nb,-inf\nc,inf\nd,1.5\n",
    );
    let cuts = [0.0, f64::NEG_INFINITY, f64::INFINITY, 1.5];
    let want: Vec<Vec<bool>> = x
        .iter()
        .map(|r| r.iter().zip(cuts).map(|(&v, t)| v >= t).collect())
        .collect();
    assert_eq!(
        run(&["--logits", "--threshold-file", "l.csv"]),
        labels(&want)
    );
    // Without --logits a logit_threshold alone is refused.
    let out = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "a,b,c,d",
        "--threshold-file",
        "l.csv",
        "x.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    // --top-k alone, and with a threshold.
    let want: Vec<Vec<bool>> = x.iter().map(|r| top_k(r, 2)).collect();
    assert_eq!(run(&["--top-k", "2"]), labels(&want));
    let want: Vec<Vec<bool>> = x
        .iter()
        .map(|r| {
            top_k(r, 2)
                .iter()
                .zip(r)
                .map(|(&t, &v)| t && v >= 0.5)
                .collect()
        })
        .collect();
    assert_eq!(run(&["--top-k", "2", "--threshold", "0.5"]), labels(&want));
    // --top-k and --threshold-file need --inverse.
    let out = dir.run(&["binarize", "--top-k", "2", "x.csv"]);
    assert_eq!(out.status.code(), Some(2));
}
