//! `two-way`, a batch loss, through the CLI: batches cut by row index
//! whatever the chunks and threads, `--partial` and `merge`, missing
//! targets, the exact limit of the reference's masks, and its errors. The
//! reference's own numbers are `golden_modern.rs`'s.

use crate::harness::{Workdir, csv, numbers, success, uniform};

/// The Two-way loss of one batch, straight from the paper's formula in
/// two passes (masked terms left out, an empty mean 0): what each batch's
/// value must be, computed independently of mlloss's streaming states.
fn direct(x: &[Vec<f64>], y: &[Vec<f64>], tp: f64, tn: f64) -> f64 {
    let lse = |values: &[f64]| {
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = values.iter().map(|v| (v - max).exp()).sum();
        if values.is_empty() {
            f64::NEG_INFINITY
        } else {
            max + sum.ln()
        }
    };
    let softplus = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
    // The term of one row or column of (logit, target) pairs, if it has a
    // positive; −1 marks a missing target.
    let term = |pairs: &[(f64, f64)]| {
        let pos: Vec<f64> = pairs
            .iter()
            .filter(|p| p.1 > 0.0)
            .map(|p| -p.0 / tp)
            .collect();
        let neg: Vec<f64> = pairs
            .iter()
            .filter(|p| p.1 == 0.0)
            .map(|p| p.0 / tn)
            .collect();
        (!pos.is_empty()).then(|| softplus(tp * lse(&pos) + tn * lse(&neg)))
    };
    let mean = |v: Vec<f64>| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let rows = (0..x.len()).filter_map(|i| {
        term(
            &(0..x[i].len())
                .map(|j| (x[i][j], y[i][j]))
                .collect::<Vec<_>>(),
        )
    });
    let columns = (0..x[0].len())
        .filter_map(|j| term(&(0..x.len()).map(|i| (x[i][j], y[i][j])).collect::<Vec<_>>()));
    mean(columns.collect()) + mean(rows.collect())
}

/// `rows` × `classes` logits in [−8, 8] and 0/1 targets (−1 for a missing
/// one when `missing`), written as x.csv and y.csv.
fn inputs(dir: &Workdir, rows: usize, classes: usize, missing: bool) -> [Vec<Vec<f64>>; 2] {
    let mut next = uniform(0x9E37_79B9_7F4A_7C15);
    let x: Vec<Vec<f64>> = (0..rows)
        .map(|_| (0..classes).map(|_| 16.0 * next() - 8.0).collect())
        .collect();
    let y: Vec<Vec<f64>> = (0..rows)
        .map(|_| {
            (0..classes)
                .map(|_| match next() {
                    v if missing && v < 0.1 => -1.0,
                    v if v < 0.35 => 1.0,
                    _ => 0.0,
                })
                .collect()
        })
        .collect();
    dir.write("x.csv", csv(&x)).write("y.csv", csv(&y));
    [x, y]
}

fn assert_near(got: f64, want: f64, context: &str) {
    assert!(
        (got - want).abs() <= 1e-12 * want.abs(),
        "{context}: {got} != {want}"
    );
}

/// Each batch's value is the formula on its rows alone, for batch sizes
/// that split the first job (64 rows) and the 1 MB chunks after it, and
/// the output is the same to the bit on 1 and 2 threads.
#[test]
fn batches_are_cut_by_row_whatever_the_chunks() {
    let dir = Workdir::new();
    // About 3.5 MB of CSV: several chunks of 1 MB.
    let [x, y] = inputs(&dir, 30_000, 6, false);
    for size in [7usize, 64, 1000, 4096] {
        let run = |threads: &str| {
            let b = size.to_string();
            let args = ["loss", "-k", "two-way", "--batch-size", &b, "-r", "none"];
            success(&dir.run(&[&args[..], &["-j", threads, "x.csv", "y.csv"]].concat()))
        };
        let text = run("2");
        assert_eq!(
            text,
            run("1"),
            "batch size {size}: threads changed the output"
        );
        let values: Vec<f64> = numbers(&text).into_iter().flatten().collect();
        assert_eq!(values.len(), x.len().div_ceil(size), "batch size {size}");
        for (b, value) in values.iter().enumerate() {
            let rows = b * size..((b + 1) * size).min(x.len());
            let want = direct(&x[rows.clone()], &y[rows], 4.0, 1.0);
            assert_near(*value, want, &format!("batch size {size}, batch {b}"));
        }
        let sum: f64 = values.iter().sum();
        let b = size.to_string();
        for (reduction, want) in [("sum", sum), ("mean", sum / values.len() as f64)] {
            let args = ["loss", "-k", "two-way", "--batch-size", &b, "-r", reduction];
            let got = numbers(&success(
                &dir.run(&[&args[..], &["x.csv", "y.csv"]].concat()),
            ));
            assert_near(got[0][0], want, &format!("batch size {size}, {reduction}"));
        }
    }
    // Without --batch-size the whole input is one batch.
    let whole = success(&dir.run(&["loss", "-k", "two-way", "--tp", "2", "x.csv", "y.csv"]));
    assert_near(numbers(&whole)[0][0], direct(&x, &y, 2.0, 1.0), "one batch");
}

/// Missing targets are neither positive nor negative, as the reference's
/// masks treat a target of −1; JSON output holds one value per batch.
#[test]
fn missing_targets_are_left_out_of_both_sets() {
    let dir = Workdir::new();
    let [x, y] = inputs(&dir, 200, 5, true);
    let args = ["loss", "-k", "two-way", "--tn", "0.5", "--ignore-value=-1"];
    let none = ["--batch-size", "64", "-r", "none", "x.csv", "y.csv"];
    let got = success(&dir.run(&[&args[..], &none[..]].concat()));
    let got: Vec<f64> = numbers(&got).into_iter().flatten().collect();
    assert_eq!(got.len(), 4);
    for (b, value) in got.iter().enumerate() {
        let rows = b * 64..((b + 1) * 64).min(200);
        assert_near(
            *value,
            direct(&x[rows.clone()], &y[rows], 4.0, 0.5),
            "batch",
        );
    }
    let json = [
        "--batch-size",
        "64",
        "-r",
        "none",
        "--output-format",
        "json",
    ];
    let text = success(&dir.run(&[&args[..], &json[..], &["x.csv", "y.csv"]].concat()));
    let parsed: Vec<f64> = serde_json::from_str(&text).expect("a JSON array");
    assert_eq!(parsed, got);
    // Without --ignore-value, −1 is outside the targets' domain.
    let refused = dir.run(&["loss", "-k", "two-way", "x.csv", "y.csv"]);
    assert_eq!(refused.status.code(), Some(1));
}

/// The reference adds −100 to x/T where we leave terms out: with one
/// all-positive row and --tn 0.1 it is 4.65% high (README's figure).
#[test]
fn masked_terms_are_left_out_exactly() {
    let dir = Workdir::new();
    dir.write("x.csv", "4,4\n4,-4\n-4,4\n")
        .write("y.csv", "1,1\n1,0\n0,1\n");
    let out = success(&dir.run(&["loss", "-k", "two-way", "--tn", "0.1", "x.csv", "y.csv"]));
    let x = vec![vec![4.0, 4.0], vec![4.0, -4.0], vec![-4.0, 4.0]];
    let y = vec![vec![1.0, 1.0], vec![1.0, 0.0], vec![0.0, 1.0]];
    let exact = direct(&x, &y, 4.0, 0.1);
    assert_near(numbers(&out)[0][0], exact, "exact limit");
    assert_near(exact, 0.005576653129240905, "the README's figure");
    // A batch without a positive gives 0 (the reference: NaN); in the
    // next, class 0 has no negative (0, counted) and class 1 no positive
    // (left out), so its value is row 3's term, softplus(4·0.25 + 1).
    dir.write("x3.csv", "1,2\n3,4\n-1,1\n")
        .write("y3.csv", "0,0\n0,0\n1,0\n");
    let none = ["loss", "-k", "two-way", "--batch-size", "2", "-r", "none"];
    let out = success(&dir.run(&[&none[..], &["x3.csv", "y3.csv"]].concat()));
    assert_eq!(numbers(&out), [[0.0], [2.1269280110429727]]);
}

/// Shards at multiples of the batch size merge into the unsharded result;
/// shards that end inside a batch, or of another batch size, are refused.
#[test]
fn partial_states_merge_into_the_whole_run() {
    let dir = Workdir::new();
    let [x, y] = inputs(&dir, 1000, 4, false);
    let pieces = [0..300, 300..600, 600..1000];
    for (i, rows) in pieces.iter().enumerate() {
        dir.write(&format!("x{i}.csv"), csv(&x[rows.clone()]))
            .write(&format!("y{i}.csv"), csv(&y[rows.clone()]));
    }
    for size in [None, Some("100"), Some("150"), Some("7")] {
        let batch: Vec<&str> = size.map_or(vec![], |b| vec!["--batch-size", b]);
        for i in 0..3 {
            let (x, y, part) = (
                format!("x{i}.csv"),
                format!("y{i}.csv"),
                format!("p{i}.json"),
            );
            let args = ["loss", "-k", "two-way", "--partial", "-o", &part, &x, &y];
            success(&dir.run(&[&args[..6], &batch, &args[6..]].concat()));
        }
        for reduction in ["mean", "sum"] {
            let whole = ["loss", "-k", "two-way", "-r", reduction, "x.csv", "y.csv"];
            let whole = dir.run(&[&whole[..5], &batch, &whole[5..]].concat());
            let merged = dir.run(&["merge", "-r", reduction, "p2.json", "p0.json", "p1.json"]);
            if size == Some("7") {
                // 300 rows are not whole batches of 7.
                assert_eq!(merged.status.code(), Some(1));
                let message = String::from_utf8_lossy(&merged.stderr);
                assert!(message.contains("multiples of --batch-size 7"), "{message}");
                continue;
            }
            let (a, b) = (numbers(&success(&merged)), numbers(&success(&whole)));
            assert_near(a[0][0], b[0][0], &format!("{size:?} {reduction}"));
        }
    }
    // States of another batch size, or a per-class result, are refused.
    let args = [
        "loss",
        "-k",
        "two-way",
        "--partial",
        "-o",
        "q.json",
        "x0.csv",
        "y0.csv",
    ];
    success(&dir.run(&args));
    let other = dir.run(&["merge", "q.json", "p1.json"]);
    let message = String::from_utf8_lossy(&other.stderr);
    assert!(message.contains("batch_size"), "{message}");
    let class = dir.run(&["merge", "-r", "class", "q.json"]);
    assert_eq!(class.status.code(), Some(2));
}

/// Usage errors (exit 2) name what does not apply.
#[test]
fn options_that_do_not_apply_are_usage_errors() {
    let dir = Workdir::new();
    inputs(&dir, 10, 3, false);
    let cases: [(&[&str], &str); 6] = [
        (
            &["-k", "two-way", "-r", "row"],
            "--reduction row does not apply to --kind two-way",
        ),
        (
            &["-k", "two-way", "-r", "class"],
            "--reduction class does not apply",
        ),
        (
            &["-k", "bce", "--batch-size", "4"],
            "--batch-size applies to --kind two-way only",
        ),
        (&["-k", "two-way", "--weight", "1"], "--weight applies to"),
        (
            &["-k", "two-way", "--tn", "0"],
            "--tn must be a finite number above 0",
        ),
        (&["-k", "two-way", "--batch-size", "0"], "--batch-size"),
    ];
    for (options, message) in cases {
        let out = dir.run(&[&["loss"][..], options, &["x.csv", "y.csv"]].concat());
        assert_eq!(out.status.code(), Some(2), "{options:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{options:?}: {stderr}");
    }
}
