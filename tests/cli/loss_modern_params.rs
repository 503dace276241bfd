//! Issue 27's kinds with training-set parameters (splc, class-balanced,
//! distribution-balanced): their options' errors, edge cases, and sharded
//! runs. Their numbers against the reference code are in golden_modern.rs.

use std::process::Output;

use crate::harness::{Workdir, numbers, success};

/// A 4 × 3 problem, in two shards of two rows too.
fn problem() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,-1,2\n3,0.1,-2\n-0.3,1.5,0.2\n4,-4,0\n")
        .write("y.csv", "1,0,0\n0,1,1\n0,0,1\n1,1,0\n")
        .write("x0.csv", "0.5,-1,2\n3,0.1,-2\n")
        .write("y0.csv", "1,0,0\n0,1,1\n")
        .write("x1.csv", "-0.3,1.5,0.2\n4,-4,0\n")
        .write("y1.csv", "0,0,1\n1,1,0\n");
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A usage error (exit 2) whose message contains `what`.
fn assert_usage(output: &Output, what: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(what), "{}", stderr(output));
}

/// An input error (exit 1), one line starting with `start`.
fn assert_input(output: &Output, start: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    let text = stderr(output);
    assert!(text.starts_with(start), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

/// Sum of the shards' `--partial` states, merged, against the whole run.
fn assert_merges(dir: &Workdir, options: &[&str]) {
    let whole =
        success(&dir.run(&[&["loss", "-r", "mean"], options, &["x.csv", "y.csv"]].concat()));
    for shard in ["0", "1"] {
        let (x, y) = (format!("x{shard}.csv"), format!("y{shard}.csv"));
        let state = success(&dir.run(&[&["loss", "--partial"], options, &[&x, &y]].concat()));
        dir.write(&format!("s{shard}.json"), state);
    }
    let merged = success(&dir.run(&["merge", "-r", "mean", "s0.json", "s1.json"]));
    assert_eq!(merged, whole, "{options:?}");
}

#[test]
fn splc_needs_its_epoch() {
    let dir = problem();
    let out = dir.run(&["loss", "--kind", "splc", "x.csv", "y.csv"]);
    assert_usage(
        &out,
        "loss --kind splc needs --epoch E (the 0-based epoch, as the reference's training \
         script passes it)",
    );
    assert_usage(
        &dir.run(&["loss", "--kind", "splc", "--epoch", "-1", "x.csv", "y.csv"]),
        "--epoch",
    );
    assert_usage(
        &dir.run(&["loss", "--kind", "splc", "--epoch", "1.5", "x.csv", "y.csv"]),
        "--epoch",
    );
    assert_usage(
        &dir.run(&["loss", "--epoch", "1", "x.csv", "y.csv"]),
        "--epoch applies to --kind splc only, not bce",
    );
    assert_usage(
        &dir.run(&[
            "loss",
            "-k",
            "focal",
            "--change-epoch",
            "1",
            "x.csv",
            "y.csv",
        ]),
        "--change-epoch applies to --kind splc only, not focal",
    );
}

/// Negatives with σ(x) > τ become positives from --change-epoch on, and
/// not before.
#[test]
fn splc_relabels_from_the_change_epoch() {
    let dir = problem();
    let run = |epoch: &str, change: &str| {
        let args = [
            "loss",
            "-k",
            "splc",
            "-r",
            "sum",
            "--epoch",
            epoch,
            "--change-epoch",
            change,
        ];
        numbers(&success(
            &dir.run(&[&args[..], &["x.csv", "y.csv"]].concat()),
        ))[0][0]
    };
    assert_eq!(run("0", "1"), run("2", "3"));
    assert_eq!(run("1", "1"), run("7", "0"));
    assert_ne!(run("0", "1"), run("1", "1"));
    // Rows of targets 0 and logits where σ < 0.6 everywhere: no relabelling.
    dir.write("low.csv", "-1,0.2\n").write("zero.csv", "0,0\n");
    let low = |epoch: &str| {
        let args = [
            "loss", "-k", "splc", "-r", "none", "--epoch", epoch, "low.csv", "zero.csv",
        ];
        success(&dir.run(&args))
    };
    assert_eq!(low("0"), low("5"));
}

#[test]
fn splc_shards_merge_and_other_epochs_do_not() {
    let dir = problem();
    assert_merges(&dir, &["-k", "splc", "--epoch", "3", "--tau", "0.7"]);
    let a = success(&dir.run(&[
        "loss",
        "-k",
        "splc",
        "--epoch",
        "1",
        "--partial",
        "x0.csv",
        "y0.csv",
    ]));
    let b = success(&dir.run(&[
        "loss",
        "-k",
        "splc",
        "--epoch",
        "2",
        "--partial",
        "x1.csv",
        "y1.csv",
    ]));
    dir.write("a.json", a).write("b.json", b);
    let out = dir.run(&["merge", "a.json", "b.json"]);
    assert_input(
        &out,
        "mlloss: error: b.json: computed with another loss than a.json (epoch is 2, not 1)",
    );
}

fn class_balanced(dir: &Workdir, options: &[&str]) -> Output {
    dir.run(
        &[
            &["loss", "-k", "class-balanced"],
            options,
            &["x.csv", "y.csv"],
        ]
        .concat(),
    )
}

#[test]
fn class_balanced_needs_one_count_per_class() {
    let dir = problem();
    assert_usage(
        &class_balanced(&dir, &[]),
        "loss --kind class-balanced needs --class-counts C1,…,CC|FILE (the training samples of \
         each class",
    );
    assert_input(
        &class_balanced(&dir, &["--class-counts", "10,3"]),
        "mlloss: error: x.csv: 3 classes, but --class-counts gives 2 counts",
    );
    assert_usage(
        &class_balanced(&dir, &["--class-counts", "10,0,7"]),
        "--class-counts gives class 1 (0-based) no training samples",
    );
    assert_usage(
        &class_balanced(&dir, &["--class-counts", "10,x,7"]),
        "--class-counts \"10,x,7\" is neither an existing FILE nor counts",
    );
    assert_usage(
        &class_balanced(&dir, &["--class-counts", "10,-3,7"]),
        "--class-counts",
    );
    dir.write("bad.txt", "10\n3\n 7x\n");
    assert_input(
        &class_balanced(&dir, &["--class-counts", "bad.txt"]),
        "mlloss: error: bad.txt:3:2: not a count",
    );
    assert_usage(
        &dir.run(&[
            "loss",
            "-k",
            "splc",
            "--epoch",
            "0",
            "--class-counts",
            "1,2,3",
            "x.csv",
            "y.csv",
        ]),
        "--class-counts applies to --kind class-balanced",
    );
}

/// A FILE of counts, in each layout, gives what the list gives.
#[test]
fn class_counts_from_a_file() {
    let dir = problem();
    let list = success(&class_balanced(
        &dir,
        &["--class-counts", "10,3,7", "--beta", "0.99"],
    ));
    for (name, text) in [
        ("lines.txt", "10\n3\r\n7\n"),
        ("line.csv", "10,3,7\n"),
        ("list.json", "[10, 3, 7]"),
        ("numpy.txt", "[10.  3.  7.]\n"),
    ] {
        dir.write(name, text);
        let out = success(&class_balanced(
            &dir,
            &["--class-counts", name, "--beta", "0.99"],
        ));
        assert_eq!(out, list, "{name}");
    }
}

#[test]
fn class_balanced_options_apply_to_their_base() {
    let dir = problem();
    let counts = ["--class-counts", "10,3,7"];
    assert_usage(
        &class_balanced(&dir, &[&counts[..], &["--alpha", "0.25"]].concat()),
        "--alpha applies to --kind class-balanced with --base focal only",
    );
    assert_usage(
        &class_balanced(&dir, &[&counts[..], &["--base", "hinge"]].concat()),
        "--base",
    );
    assert_usage(
        &class_balanced(&dir, &[&counts[..], &["--beta", "1"]].concat()),
        "--beta must be in [0, 1), not 1",
    );
    assert_usage(
        &class_balanced(
            &dir,
            &[&counts[..], &["--base", "focal", "--alpha", "2"]].concat(),
        ),
        "--alpha must be in [0, 1], or -1 for no weighting, not 2",
    );
    // Equal counts weigh every class 1: the base loss itself.
    let equal = [
        "--class-counts",
        "5,5,5",
        "--base",
        "focal",
        "--alpha",
        "0.25",
    ];
    let weighted = success(&class_balanced(&dir, &equal));
    let focal = success(&dir.run(&["loss", "-k", "focal", "x.csv", "y.csv"]));
    assert_eq!(numbers(&weighted), numbers(&focal));
    let plain = success(&class_balanced(&dir, &["--class-counts", "5,5,5"]));
    let bce = success(&dir.run(&["loss", "x.csv", "y.csv"]));
    assert_eq!(numbers(&plain), numbers(&bce));
}

#[test]
fn class_balanced_shards_merge_and_other_counts_do_not() {
    let dir = problem();
    assert_merges(
        &dir,
        &[
            "-k",
            "class-balanced",
            "--class-counts",
            "10,3,7",
            "--base",
            "focal",
        ],
    );
    assert_merges(
        &dir,
        &[
            "-k",
            "class-balanced",
            "--class-counts",
            "9,2,4",
            "--ignore-value=-1",
        ],
    );
    let run = |counts: &str, x: &str, y: &str| {
        let args = [
            "loss",
            "-k",
            "class-balanced",
            "--partial",
            "--class-counts",
            counts,
            x,
            y,
        ];
        success(&dir.run(&args))
    };
    dir.write("a.json", run("10,3,7", "x0.csv", "y0.csv"))
        .write("b.json", run("10,3,8", "x1.csv", "y1.csv"));
    let out = dir.run(&["merge", "a.json", "b.json"]);
    assert_input(
        &out,
        "mlloss: error: b.json: computed with another loss than a.json (class_counts",
    );
}

fn distribution_balanced(dir: &Workdir, options: &[&str]) -> Output {
    let kind = ["loss", "-k", "distribution-balanced"];
    dir.run(&[&kind[..], options, &["x.csv", "y.csv"]].concat())
}

#[test]
fn distribution_balanced_needs_the_training_set() {
    let dir = problem();
    assert_usage(
        &distribution_balanced(&dir, &["--train-samples", "20"]),
        "loss --kind distribution-balanced needs --class-counts C1,…,CC|FILE",
    );
    assert_usage(
        &distribution_balanced(&dir, &["--class-counts", "10,3,7"]),
        "loss --kind distribution-balanced needs --train-samples N (the reference reads it \
         from its class_freq.pkl)",
    );
    let counts = ["--class-counts", "10,3,7", "--train-samples", "20"];
    for bad in ["0,3,7", "10,20,7", "10,3,21"] {
        let args = ["--class-counts", bad, "--train-samples", "20"];
        assert_usage(
            &distribution_balanced(&dir, &args),
            "--class-counts gives class",
        );
    }
    assert_input(
        &distribution_balanced(&dir, &["--class-counts", "10,3", "--train-samples", "20"]),
        "mlloss: error: x.csv: 3 classes, but --class-counts gives 2 counts",
    );
    // What the reference has no meaning for is refused, naming the option.
    for (option, value) in [
        ("--weight", "1,2,3"),
        ("--ignore-value", "-1"),
        ("--label-smoothing", "0.1"),
    ] {
        let out = distribution_balanced(&dir, &[&counts[..], &[option, value]].concat());
        assert_usage(&out, &format!("{option} applies to --kind bce"));
    }
    assert_usage(
        &distribution_balanced(&dir, &[&counts[..], &["--neg-scale", "0"]].concat()),
        "--neg-scale must be positive, not 0",
    );
}

/// The rebalanced weight of a row depends on the row's positives only, so
/// each row's losses are the same alone as among others (streaming).
#[test]
fn distribution_balanced_rows_do_not_depend_on_each_other() {
    let dir = problem();
    let counts = [
        "--class-counts",
        "10,3,7",
        "--train-samples",
        "20",
        "-r",
        "none",
    ];
    let whole = numbers(&success(&distribution_balanced(&dir, &counts)));
    let mut rows = Vec::new();
    for shard in ["0", "1"] {
        let (x, y) = (format!("x{shard}.csv"), format!("y{shard}.csv"));
        let kind = ["loss", "-k", "distribution-balanced"];
        rows.extend(numbers(&success(
            &dir.run(&[&kind[..], &counts, &[&x, &y]].concat()),
        )));
    }
    assert_eq!(rows, whole);
    assert_merges(
        &dir,
        &[
            "-k",
            "distribution-balanced",
            "--class-counts",
            "10,3,7",
            "--train-samples",
            "20",
        ],
    );
    let run = |n: &str, x: &str, y: &str| {
        let args = [
            "--class-counts",
            "10,3,7",
            "--train-samples",
            n,
            "--partial",
        ];
        let kind = ["loss", "-k", "distribution-balanced"];
        success(&dir.run(&[&kind[..], &args, &[x, y]].concat()))
    };
    dir.write("a.json", run("20", "x0.csv", "y0.csv"))
        .write("b.json", run("21", "x1.csv", "y1.csv"));
    let out = dir.run(&["merge", "a.json", "b.json"]);
    assert_input(
        &out,
        "mlloss: error: b.json: computed with another loss than a.json (train_samples is 21, not 20)",
    );
}
