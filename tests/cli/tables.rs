//! Tables as users have them: columns paired by name, index columns,
//! header choices. Each case runs against the same data written plainly
//! (columns in LOGITS' order, no names), which must give the same bytes.
//! The data and helpers here serve the other table files too:
//! `keyed_tables.rs` (rows paired by key), `table_selections.rs` (one file
//! holding both, column selections), `table_labels.rs` (label lists beside
//! named scores), `table_formats.rs` (what the first bytes and the
//! separators tell).

use crate::harness::{Workdir, success};

pub(crate) const LOGITS: &str = "cat,dog,bird\n0.5,-1.5,2\n-3,0.25,1\n1.25,0.75,-0.5\n";
pub(crate) const TARGETS: &str = "cat,dog,bird\n1,0,1\n0,1,1\n0,0,1\n";
pub(crate) const PLAIN_LOGITS: &str = "0.5,-1.5,2\n-3,0.25,1\n1.25,0.75,-0.5\n";
pub(crate) const PLAIN_TARGETS: &str = "1,0,1\n0,1,1\n0,0,1\n";
/// TARGETS with its columns in another order: bird, cat, dog.
pub(crate) const PERMUTED_TARGETS: &str = "bird,cat,dog\n1,1,0\n1,0,1\n1,0,0\n";

pub(crate) fn dir() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", LOGITS)
        .write("y.csv", TARGETS)
        .write("px.csv", PLAIN_LOGITS)
        .write("py.csv", PLAIN_TARGETS)
        .write("permuted.csv", PERMUTED_TARGETS);
    dir
}

/// stdout and stderr of a run that must succeed.
pub(crate) fn run(dir: &Workdir, args: &[&str]) -> (String, String) {
    let out = dir.run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (success(&out), stderr)
}

pub(crate) fn with(args: &[&str], inputs: [&str; 2]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(inputs.iter().map(|s| s.to_string()));
    all
}

pub(crate) fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Keyed tables: LOGITS in one order, TARGETS as given.
pub(crate) fn keyed_dir(targets: &str) -> Workdir {
    let dir = dir();
    dir.write(
        "kx.csv",
        "id,cat,dog,bird\na,0.5,-1.5,2\nb,-3,0.25,1\nc,1.25,0.75,-0.5\n",
    )
    .write("ky.csv", targets);
    dir
}

/// `key,values…` lines from the plain run's lines and the keys a, b, c.
pub(crate) fn with_keys(plain: &str) -> String {
    plain
        .lines()
        .zip(["a", "b", "c"])
        .map(|(line, key)| format!("{key},{line}\n"))
        .collect()
}

#[test]
fn columns_named_in_another_order_pair_by_name() {
    let dir = dir();
    for reduction in ["none", "mean", "class", "row"] {
        let args = ["loss", "-r", reduction];
        let (want, _) = run(&dir, &strs(&with(&args, ["px.csv", "py.csv"])));
        let (got, stderr) = run(&dir, &strs(&with(&args, ["x.csv", "permuted.csv"])));
        assert_eq!(got, want, "{reduction}");
        assert!(stderr.is_empty(), "{stderr}");
    }
    // pos_weight auto counts each class in LOGITS' order.
    let args = ["loss", "--pos-weight", "auto", "-r", "none"];
    let (want, want_err) = run(&dir, &strs(&with(&args, ["px.csv", "py.csv"])));
    let (got, got_err) = run(&dir, &strs(&with(&args, ["x.csv", "permuted.csv"])));
    assert_eq!((got, got_err), (want, want_err));
}

#[test]
fn a_name_missing_or_twice_is_an_error_naming_it_and_both_files() {
    let dir = dir();
    let cases = [
        (
            "cat,dog,owl\n1,0,1\n",
            "t.csv:1: no column \"bird\", which x.csv has (columns are paired by name)",
        ),
        (
            "cat,dog,bird,owl\n1,0,1,0\n",
            "t.csv:1: column \"owl\" is not in x.csv (columns are paired by name)",
        ),
        (
            "cat,cat,bird\n1,0,1\n",
            "t.csv:1: column \"cat\" is named twice in the header (its columns are paired with x.csv's by name)",
        ),
    ];
    for (targets, message) in cases {
        dir.write("t.csv", targets);
        let out = dir.run(&["loss", "x.csv", "t.csv"]);
        assert_eq!(out.status.code(), Some(1), "{targets:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, format!("mlloss: error: {message}\n"));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn one_side_without_names_pairs_by_position_with_a_warning() {
    let dir = dir();
    let (want, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let out = dir.run_with_stdin(
        &["loss", "-r", "none", "x.csv", "-"],
        PLAIN_TARGETS.as_bytes(),
    );
    assert_eq!(success(&out), want);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: warning: <stdin> has no header: its columns are paired with x.csv's by position\n"
    );
    let (got, stderr) = run(&dir, &["loss", "-r", "none", "px.csv", "y.csv"]);
    assert_eq!(got, want);
    assert_eq!(
        stderr,
        "mlloss: warning: px.csv has no header: its columns are paired with y.csv's by position\n"
    );
}

/// pandas' default `to_csv` writes the index as a first column whose
/// header cell is empty: it is not a class. (With an index in both inputs
/// rows pair by it: see below.)
#[test]
fn an_index_column_is_not_a_class() {
    let dir = dir();
    dir.write(
        "ix.csv",
        ",cat,dog,bird\n0,0.5,-1.5,2\n1,-3,0.25,1\n2,1.25,0.75,-0.5\n",
    )
    .write(
        "quoted.csv",
        "\"\",bird,cat,dog\n\"r,0\",1,1,0\n\"r 1\",1,0,1\n\"2\",\"1\",0,0\n",
    );
    for reduction in ["none", "mean"] {
        let (want, _) = run(&dir, &["loss", "-r", reduction, "px.csv", "py.csv"]);
        let (got, stderr) = run(&dir, &["loss", "-r", reduction, "ix.csv", "permuted.csv"]);
        assert_eq!(got, want, "{reduction}: index in LOGITS");
        // An index on one side only: its rows may have been shuffled.
        assert_eq!(
            stderr,
            "mlloss: warning: ix.csv has an index column and permuted.csv has none: their rows are paired by position\n"
        );
        // Quotes send rows through the general record splitter.
        let (got, stderr) = run(&dir, &["loss", "-r", reduction, "x.csv", "quoted.csv"]);
        assert_eq!(got, want, "{reduction}: index in TARGETS, quoted");
        assert!(stderr.contains("quoted.csv has an index column and x.csv has none"));
    }
}

#[test]
fn input_header_forces_the_choice() {
    let dir = dir();
    // pandas' default column names are numbers: `yes` takes them as names.
    dir.write("nx.csv", "0,1,2\n0.5,-1.5,2\n-3,0.25,1\n1.25,0.75,-0.5\n")
        .write("ny.csv", "2,0,1\n1,1,0\n1,0,1\n1,0,0\n");
    let (want, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let args = [
        "loss",
        "--input-header",
        "yes",
        "-r",
        "none",
        "nx.csv",
        "ny.csv",
    ];
    assert_eq!(run(&dir, &args).0, want);
    // `no`: a first line of text is data, and so an error.
    let out = dir.run(&["loss", "--input-header", "no", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "mlloss: error: x.csv:1:1: not a number (\"cat\")\n");
}

#[test]
fn weight_files_with_names_pair_by_name() {
    let dir = dir();
    dir.write("w.csv", "bird,cat,dog\n3,1,2\n")
        .write("pw.csv", "1,2,3\n")
        .write("rw.csv", "bird,cat,dog\n3,1,2\n1,1,1\n0.5,2,0\n")
        .write("prw.csv", "1,2,3\n1,1,1\n2,0,0.5\n")
        .write("one.csv", "weight\n2\n0.5\n3\n")
        .write("pone.csv", "2\n0.5\n3\n");
    for (named, plain) in [("w.csv", "pw.csv"), ("rw.csv", "prw.csv")] {
        let (want, _) = run(
            &dir,
            &[
                "loss",
                "-r",
                "none",
                "--weight-file",
                plain,
                "px.csv",
                "py.csv",
            ],
        );
        let (got, stderr) = run(
            &dir,
            &[
                "loss",
                "-r",
                "none",
                "--weight-file",
                named,
                "x.csv",
                "y.csv",
            ],
        );
        assert_eq!(got, want, "{named}");
        assert!(stderr.is_empty(), "{named}: {stderr}");
    }
    // One value a row, as many rows as classes (np.savetxt(f, pos_weight)
    // writes C lines): per class or per sample? Refused, both named.
    for (file, x, y) in [
        ("one.csv", "x.csv", "y.csv"),
        ("pone.csv", "px.csv", "py.csv"),
    ] {
        let out = dir.run(&["loss", "--pos-weight-file", file, x, y]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("per-class weights or one weight a sample?")
                && stderr.contains("w[None]")
                && stderr.contains("(N, 1)"),
            "{file}: {stderr}"
        );
    }
    // C weights without names beside named inputs: by position, with a warning.
    let (_, stderr) = run(&dir, &["loss", "--weight-file", "pw.csv", "x.csv", "y.csv"]);
    assert_eq!(
        stderr,
        "mlloss: warning: pw.csv has no header: its columns are paired with x.csv's by position\n"
    );
}

#[test]
fn header_names_the_output_columns() {
    let dir = keyed_dir("id,bird,cat,dog\nc,1,0,0\na,1,1,0\nb,1,0,1\n");
    let (plain, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let (got, _) = run(
        &dir,
        &["loss", "--header", "-r", "none", "x.csv", "permuted.csv"],
    );
    assert_eq!(got, format!("cat,dog,bird\n{plain}"));
    let (got, _) = run(
        &dir,
        &[
            "loss", "--header", "--key", "id", "-r", "none", "kx.csv", "ky.csv",
        ],
    );
    assert_eq!(got, format!("id,cat,dog,bird\n{}", with_keys(&plain)));
    let (row, _) = run(&dir, &["loss", "-r", "row", "px.csv", "py.csv"]);
    let (got, _) = run(
        &dir,
        &[
            "loss", "--header", "--key", "id", "-r", "row", "kx.csv", "ky.csv",
        ],
    );
    assert_eq!(got, format!("id,loss\n{}", with_keys(&row)));
    let (class, _) = run(&dir, &["loss", "-r", "class", "px.csv", "py.csv"]);
    assert_eq!(
        run(&dir, &["loss", "--header", "-r", "class", "x.csv", "y.csv"]).0,
        format!("cat,dog,bird\n{class}")
    );
    let (mean, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    assert_eq!(
        run(&dir, &["loss", "--header", "x.csv", "y.csv"]).0,
        format!("loss\n{mean}")
    );
    // Without names, the classes are numbered from 0.
    assert_eq!(
        run(
            &dir,
            &["loss", "--header", "-r", "none", "px.csv", "py.csv"]
        )
        .0,
        format!("0,1,2\n{plain}")
    );
    assert_eq!(
        dir.run(&[
            "loss",
            "--header",
            "--output-format",
            "json",
            "x.csv",
            "y.csv"
        ])
        .status
        .code(),
        Some(2)
    );
}

/// The issue's second case: binarize sorts the classes (bird, cat, dog),
/// the model's columns are in its own order (cat, dog, bird); with
/// binarize --header the names pair them.
#[test]
fn binarize_header_pipes_into_loss_by_name() {
    let dir = dir();
    dir.write("tags.csv", "id,tags\n1,cat|bird\n2,dog|bird\n3,bird\n");
    let (want, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    let labels = success(&dir.run(&[
        "binarize", "--header", "--column", "tags", "--sep", "|", "tags.csv",
    ]));
    assert!(labels.starts_with("bird,cat,dog\n"), "{labels}");
    let out = dir.run_with_stdin(&["loss", "x.csv", "-"], labels.as_bytes());
    assert_eq!(success(&out), want);
    assert!(out.stderr.is_empty());
}
