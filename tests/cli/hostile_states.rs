//! Hostile merge states (issue 25, round three): forged counts, sums and
//! settings are refused as the command line refuses them; an empty shard's
//! state merges with any; a byte order mark before a state is fine; and
//! multilabel-margin of no samples does what PyTorch does.

use serde_json::{Value, json};

use crate::harness::{Workdir, success};

/// Two shards of 3 samples × 2 classes and their whole.
fn shards(dir: &Workdir) {
    dir.write("x0.csv", "0.5,-1\n2,0.25\n")
        .write("y0.csv", "1,0\n0,1\n")
        .write("x1.csv", "-3,1.5\n")
        .write("y1.csv", "1,1\n")
        .write("x.csv", "0.5,-1\n2,0.25\n-3,1.5\n")
        .write("y.csv", "1,0\n0,1\n1,1\n");
}

fn state(dir: &Workdir, args: &[&str]) -> Value {
    serde_json::from_str(&success(&dir.run(args))).unwrap()
}

/// `merge` of `states` (written to files) with `options`: its output.
fn merge(dir: &Workdir, states: &[&Value], options: &[&str]) -> std::process::Output {
    let mut args = vec!["merge".to_owned()];
    args.extend(options.iter().map(|o| (*o).to_owned()));
    for (i, state) in states.iter().enumerate() {
        let name = format!("s{i}.json");
        dir.write(&name, state.to_string() + "\n");
        args.push(name);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    dir.run(&args)
}

/// One line, exit 1, naming the file and what is wrong.
fn assert_refused(out: &std::process::Output, file: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("mlloss: error: {file}")) && stderr.contains(what),
        "want {file} … {what}: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Counts that would wrap (`observed` 2⁶⁴−1 became 3, a wrong mean with
/// exit 0), and counts that do not fit the rows, are refused.
#[test]
fn forged_loss_counts_are_refused() {
    let dir = Workdir::new();
    shards(&dir);
    let real = state(&dir, &["loss", "--partial", "x0.csv", "y0.csv"]);
    // 2⁶³ rows of one class, consistent alone: two of them overflow.
    let mut huge = real.clone();
    huge["classes"] = json!(1);
    huge["totals"]["rows"] = json!(1u64 << 63);
    huge["totals"]["observed"] = json!(1u64 << 63);
    huge["totals"]["per_class"] = json!([{"terms": [1.0]}]);
    huge["totals"]["per_class_observed"] = json!([1u64 << 63]);
    let out = merge(&dir, &[&huge, &huge], &[]);
    assert_refused(&out, "s1.json", "64-bit counts");
    for (field, value) in [
        ("observed", json!(u64::MAX)),
        ("rows", json!(1)),
        ("per_class_observed", json!([2, 3])),
    ] {
        let mut forged = real.clone();
        forged["totals"][field] = value;
        let out = merge(&dir, &[&real, &forged], &[]);
        assert_refused(&out, "s1.json:1", "observed elements");
    }
    let mut tagged = real.clone();
    tagged["totals"]["total"]["special"] = json!("bogus");
    assert_refused(&merge(&dir, &[&tagged], &[]), "s0.json:1", "special");
}

/// A loss the command line refuses is refused in a state, by the same
/// checks.
#[test]
fn forged_loss_settings_are_refused() {
    let dir = Workdir::new();
    shards(&dir);
    let focal = state(
        &dir,
        &["loss", "--partial", "-k", "focal", "x0.csv", "y0.csv"],
    );
    let forgeries = [
        ("alpha", json!(7.0), "alpha"),
        (
            "label_smoothing",
            json!(2.0),
            "label_smoothing must lie in [0, 1]",
        ),
        (
            "weight",
            json!([1.0, 2.0, 3.0]),
            "weight has 3 values for 2 classes",
        ),
    ];
    for (field, value, what) in forgeries {
        let mut forged = focal.clone();
        forged["loss"][field] = value;
        assert_refused(&merge(&dir, &[&forged], &[]), "s0.json:1", what);
    }
    let margin = state(
        &dir,
        &["loss", "--partial", "-k", "margin", "x0.csv", "y0.csv"],
    );
    let mut smoothed = margin.clone();
    smoothed["loss"]["label_smoothing"] = json!(0.5);
    assert_refused(&merge(&dir, &[&smoothed], &[]), "s0.json:1", "takes none");
}

/// Metrics settings the command line refuses, and per-sample sums no
/// samples give (a sum of 1e300 printed f1 = 3.3e+299), are refused.
#[test]
fn forged_metrics_states_are_refused() {
    let dir = Workdir::new();
    shards(&dir);
    let args = [
        "metrics",
        "--partial",
        "--metric",
        "f1,ndcg,roc_auc",
        "--average",
        "samples",
        "x0.csv",
        "y0.csv",
    ];
    let real = state(&dir, &args);
    let f1_sum = |v: Value| {
        let mut forged = real.clone();
        forged["tally"]["samples"][0][1]["sum"] = v;
        forged
    };
    let forgeries = [
        (f1_sum(json!({"terms": [1e300]})), "outside [0, 2]"),
        (f1_sum(json!({"terms": [-0.5]})), "outside [0, 2]"),
        (
            f1_sum(json!({"terms": [], "special": "inf"})),
            "outside [0, 2]",
        ),
    ];
    for (forged, what) in forgeries {
        assert_refused(&merge(&dir, &[&forged], &[]), "s0.json:1", what);
    }
    let spec_forgeries = [
        ("threshold", json!(7.0), "spec.threshold"),
        ("k", json!(0), "spec.k"),
        ("zero_division", json!({"value": 0.5}), "spec.zero_division"),
        (
            "metrics",
            json!(["f1", "f1", "ndcg", "roc_auc"]),
            "spec.metrics",
        ),
    ];
    for (field, value, what) in spec_forgeries {
        let mut forged = real.clone();
        forged["spec"][field] = value;
        assert_refused(&merge(&dir, &[&forged], &[]), "s0.json:1", what);
    }
}

/// `--beta -1` and `--bins 0` in a state, refused as on the command line.
#[test]
fn forged_beta_and_bins_are_refused() {
    let dir = Workdir::new();
    shards(&dir);
    let args = [
        "metrics",
        "--partial",
        "--metric",
        "fbeta,roc_auc",
        "--beta",
        "2",
        "--bins",
        "10",
        "x0.csv",
        "y0.csv",
    ];
    let real = state(&dir, &args);
    for (field, value) in [("beta", json!(-1.0)), ("bins", json!(0))] {
        let mut forged = real.clone();
        forged["spec"][field] = value;
        let out = merge(&dir, &[&forged], &[]);
        assert_refused(&out, "s0.json:1", &format!("spec.{field}"));
    }
}

/// GNU parallel can hand a shard a header and no rows, or nothing at all:
/// its state merges with the others' (it was "computed with another
/// shape"), for loss and metrics, and the merge is the unsharded result.
#[test]
fn an_empty_shards_state_merges_with_any() {
    let dir = Workdir::new();
    shards(&dir);
    dir.write("empty.csv", "").write("header.csv", "a,b,c\n");
    for empty in ["empty.csv", "header.csv"] {
        let loss = |x: &str, y: &str| state(&dir, &["loss", "--partial", x, y]);
        let states = [
            loss(empty, empty),
            loss("x0.csv", "y0.csv"),
            loss("x1.csv", "y1.csv"),
        ];
        for reduction in ["mean", "sum", "class"] {
            let whole = dir.run(&["loss", "-r", reduction, "x.csv", "y.csv"]);
            for order in [[0, 1, 2], [1, 0, 2], [1, 2, 0]] {
                let ordered = order.map(|i| &states[i]);
                let out = merge(&dir, &ordered, &["-r", reduction]);
                assert_eq!(
                    success(&out),
                    success(&whole),
                    "{empty} {reduction} {order:?}"
                );
            }
        }
        let metrics = [
            "metrics",
            "--metric",
            "f1,hamming_loss,lrap",
            "--average",
            "micro",
        ];
        let partial =
            |x: &str, y: &str| state(&dir, &[&metrics[..], &["--partial", x, y]].concat());
        let states = [
            partial(empty, empty),
            partial("x0.csv", "y0.csv"),
            partial("x1.csv", "y1.csv"),
        ];
        let whole = dir.run(&[&metrics[..], &["x.csv", "y.csv"]].concat());
        for order in [[0, 1, 2], [1, 0, 2], [1, 2, 0]] {
            let ordered = order.map(|i| &states[i]);
            assert_eq!(
                success(&merge(&dir, &ordered, &[])),
                success(&whole),
                "{order:?}"
            );
        }
        // Empty states alone: the unsharded run's answer on no rows.
        let out = merge(&dir, &[&states[0]], &[]);
        assert_refused(&out, "s0.json", "no data rows");
    }
}

/// Windows tools put a byte order mark before a file's text: a state
/// after one merges (it was refused), also on each line of a `cat`.
#[test]
fn a_byte_order_mark_before_a_state_is_skipped() {
    let dir = Workdir::new();
    shards(&dir);
    let a = success(&dir.run(&["loss", "--partial", "x0.csv", "y0.csv"]));
    let b = success(&dir.run(&["loss", "--partial", "x1.csv", "y1.csv"]));
    let whole = success(&dir.run(&["loss", "x.csv", "y.csv"]));
    dir.write("a.json", format!("\u{feff}{a}"))
        .write("both.json", format!("\u{feff}{a}\u{feff}{b}"))
        .write("b.json", &b);
    assert_eq!(success(&dir.run(&["merge", "a.json", "b.json"])), whole);
    assert_eq!(success(&dir.run(&["merge", "both.json"])), whole);
}

/// PyTorch's `multilabel_margin_loss` on a batch of no samples: (0, C)
/// gives an empty tensor for `none` but never writes its `mean` or `sum`
/// (uninitialised memory: checked with torch 2.15, a different number each
/// call), and (0, 0) raises. mlloss printed 0.0 and NaN; it refuses them
/// now, on a run and on a merge of empty states alike.
#[test]
fn multilabel_margin_of_no_samples_does_what_pytorch_does() {
    let dir = Workdir::new();
    dir.write("empty.csv", "").write("header.csv", "a,b\n");
    for reduction in ["mean", "sum"] {
        for file in ["empty.csv", "header.csv"] {
            let out = dir.run(&["loss", "-k", "margin", "-r", reduction, file, file]);
            assert_refused(&out, file, "multilabel-margin of no samples");
        }
    }
    let out = dir.run(&[
        "loss",
        "-k",
        "margin",
        "-r",
        "none",
        "empty.csv",
        "empty.csv",
    ]);
    assert_refused(&out, "empty.csv", "PyTorch refuses it");
    let out = dir.run(&[
        "loss",
        "-k",
        "margin",
        "-r",
        "none",
        "header.csv",
        "header.csv",
    ]);
    assert_eq!(success(&out), "");
    let partial = state(
        &dir,
        &[
            "loss",
            "-k",
            "margin",
            "--partial",
            "header.csv",
            "header.csv",
        ],
    );
    let out = merge(&dir, &[&partial], &["-r", "mean"]);
    assert_refused(&out, "s0.json", "multilabel-margin of no samples");
    // Other kinds keep PyTorch's defined answers: sum 0, mean NaN.
    let out = dir.run(&[
        "loss",
        "-k",
        "mlsm",
        "-r",
        "sum",
        "header.csv",
        "header.csv",
    ]);
    assert_eq!(success(&out), "0.0\n");
}
