//! `metrics --output-format table`: the aligned table a terminal gets by
//! default (tests run without a terminal, so they ask for it), and CSV
//! unchanged in pipes.

use crate::harness::{fixture, mlloss, success};

fn seed_metrics(extra: &[&str]) -> String {
    let mut args = vec!["metrics"];
    args.extend(extra);
    let (x, y) = (fixture("seed/logits.csv"), fixture("seed/targets.csv"));
    let out = mlloss().args(&args).arg(x).arg(y).output().unwrap();
    success(&out)
}

#[test]
fn one_value_per_metric_is_two_aligned_columns() {
    let got = seed_metrics(&["--output-format", "table"]);
    let want = "\
metric                           value
hamming_loss                       0.5
subset_accuracy                    0.0
f1                 0.38095238095238093
roc_auc                            nan
average_precision                  0.5
";
    assert_eq!(got, want);
}

#[test]
fn values_per_class_are_a_row_per_class_then_the_others() {
    let got = seed_metrics(&[
        "--metric",
        "hamming_loss,precision,recall",
        "--average",
        "none",
        "--precision",
        "3",
        "--output-format",
        "table",
    ]);
    let want = "\
class  precision  recall
0              0       0
1              1       1
2              1       1
3              0       0
4            0.5       1
5              0       0
6              0       0

metric        value
hamming_loss    0.5
";
    assert_eq!(got, want);
}

#[test]
fn pipes_keep_csv_and_other_commands_refuse_the_table() {
    let csv = seed_metrics(&[]);
    assert!(csv.starts_with("metric,value\nhamming_loss,0.5\n"), "{csv}");
    let (x, y) = (fixture("seed/logits.csv"), fixture("seed/targets.csv"));
    let out = mlloss()
        .args(["loss", "--output-format", "table"])
        .arg(&x)
        .arg(&y)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Hidden from the lists of values scripts and users read.
    let out = mlloss()
        .args(["metrics", "--output-format", "npy"])
        .arg(&x)
        .arg(&y)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[possible values: csv, tsv, json, jsonl]"),
        "{err}"
    );
}
