//! Tables as users have them: columns paired by name, index columns,
//! header choices. Each case runs against the same data written plainly
//! (columns in LOGITS' order, no names), which must give the same bytes.

use crate::harness::{Workdir, success};

const LOGITS: &str = "cat,dog,bird\n0.5,-1.5,2\n-3,0.25,1\n1.25,0.75,-0.5\n";
const TARGETS: &str = "cat,dog,bird\n1,0,1\n0,1,1\n0,0,1\n";
const PLAIN_LOGITS: &str = "0.5,-1.5,2\n-3,0.25,1\n1.25,0.75,-0.5\n";
const PLAIN_TARGETS: &str = "1,0,1\n0,1,1\n0,0,1\n";
/// TARGETS with its columns in another order: bird, cat, dog.
const PERMUTED_TARGETS: &str = "bird,cat,dog\n1,1,0\n1,0,1\n1,0,0\n";

fn dir() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", LOGITS)
        .write("y.csv", TARGETS)
        .write("px.csv", PLAIN_LOGITS)
        .write("py.csv", PLAIN_TARGETS)
        .write("permuted.csv", PERMUTED_TARGETS);
    dir
}

/// stdout and stderr of a run that must succeed.
fn run(dir: &Workdir, args: &[&str]) -> (String, String) {
    let out = dir.run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (success(&out), stderr)
}

fn with(args: &[&str], inputs: [&str; 2]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(inputs.iter().map(|s| s.to_string()));
    all
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
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

/// Keyed tables: LOGITS in one order, TARGETS as given.
fn keyed_dir(targets: &str) -> Workdir {
    let dir = dir();
    dir.write(
        "kx.csv",
        "id,cat,dog,bird\na,0.5,-1.5,2\nb,-3,0.25,1\nc,1.25,0.75,-0.5\n",
    )
    .write("ky.csv", targets);
    dir
}

/// `key,values…` lines from the plain run's lines and the keys a, b, c.
fn with_keys(plain: &str) -> String {
    plain
        .lines()
        .zip(["a", "b", "c"])
        .map(|(line, key)| format!("{key},{line}\n"))
        .collect()
}

#[test]
fn rows_pair_by_key_in_any_order() {
    let same = "id,bird,cat,dog\na,1,1,0\nb,1,0,1\nc,1,0,0\n";
    let shuffled = "id,bird,cat,dog\nc,1,0,0\na,1,1,0\nb,1,0,1\n";
    // The key in another column than LOGITS' first one.
    let moved = "cat,id,dog,bird\n0,b,1,1\n0,c,0,1\n1,a,0,1\n";
    for targets in [same, shuffled, moved] {
        let dir = keyed_dir(targets);
        for reduction in ["none", "row", "mean", "class"] {
            let (plain, _) = run(&dir, &["loss", "-r", reduction, "px.csv", "py.csv"]);
            let want = if matches!(reduction, "none" | "row") {
                with_keys(&plain)
            } else {
                plain
            };
            let args = ["loss", "--key", "id", "-r", reduction, "kx.csv", "ky.csv"];
            let (got, stderr) = run(&dir, &args);
            assert_eq!(got, want, "{reduction} {targets:?}");
            assert!(stderr.is_empty(), "{stderr}");
            // Any number of threads; JSON rows carry the key too.
            let args = [
                "loss", "--key", "id", "-j", "3", "-r", reduction, "kx.csv", "ky.csv",
            ];
            assert_eq!(run(&dir, &args).0, want);
        }
        let args = [
            "loss",
            "--key",
            "id",
            "-r",
            "row",
            "--output-format",
            "jsonl",
            "kx.csv",
            "ky.csv",
        ];
        let (got, _) = run(&dir, &args);
        assert!(got.starts_with("{\"key\":\"a\",\"loss\":"), "{got}");
    }
}

/// pandas' to_csv writes the index first, unnamed: rows pair by it.
#[test]
fn index_columns_of_both_inputs_pair_rows() {
    let dir = dir();
    dir.write(
        "ix.csv",
        ",cat,dog,bird\n0,0.5,-1.5,2\n1,-3,0.25,1\n2,1.25,0.75,-0.5\n",
    )
    .write("iy.csv", ",cat,dog,bird\n2,0,0,1\n0,1,0,1\n1,0,1,1\n");
    let (plain, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let want: String = plain
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{i},{line}\n"))
        .collect();
    assert_eq!(
        run(&dir, &["loss", "-r", "none", "ix.csv", "iy.csv"]).0,
        want
    );
    let (mean, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    assert_eq!(run(&dir, &["loss", "ix.csv", "iy.csv"]).0, mean);
    // Quoted keys, found by the general record splitter.
    dir.write(
        "qx.csv",
        "\"\",cat,dog,bird\n\"r,0\",0.5,-1.5,2\n\"r 1\",-3,0.25,1\n\"2\",1.25,0.75,-0.5\n",
    )
    .write(
        "qy.csv",
        ",cat,dog,bird\n2,0,0,1\n\"r,0\",1,0,1\nr 1,0,1,1\n",
    );
    assert_eq!(run(&dir, &["loss", "qx.csv", "qy.csv"]).0, mean);
}

#[test]
fn a_key_missing_or_repeated_is_an_error_naming_it() {
    let cases = [
        // Same order until the end, then a key LOGITS lacks.
        (
            "id,cat,dog,bird\na,1,0,1\nb,0,1,1\nc,0,0,1\nd,1,1,1\n",
            "ky.csv:5: id \"d\" is not in kx.csv",
        ),
        (
            "id,cat,dog,bird\na,1,0,1\nb,0,1,1\n",
            "kx.csv:4: id \"c\" is not in ky.csv",
        ),
        (
            "id,cat,dog,bird\nb,1,0,1\na,0,1,1\nz,0,0,1\n",
            "kx.csv:4: id \"c\" is not in ky.csv",
        ),
        (
            "id,cat,dog,bird\nb,1,0,1\na,0,1,1\nb,0,0,1\n",
            "ky.csv:4: id \"b\" is repeated (first at line 2)",
        ),
    ];
    for (targets, message) in cases {
        let dir = keyed_dir(targets);
        let out = dir.run(&["loss", "--key", "id", "kx.csv", "ky.csv"]);
        assert_eq!(out.status.code(), Some(1), "{targets:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, format!("mlloss: error: {message}\n"), "{targets:?}");
    }
    // A key repeated in LOGITS, found while looking rows up.
    let dir = keyed_dir("id,cat,dog,bird\nc,1,0,1\nb,0,1,1\na,0,0,1\n");
    dir.write(
        "kx.csv",
        "id,cat,dog,bird\na,0.5,-1.5,2\na,-3,0.25,1\nc,1.25,0.75,-0.5\n",
    );
    let out = dir.run(&["loss", "--key", "id", "kx.csv", "ky.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "mlloss: error: kx.csv:3: id \"a\" is repeated\n");
    // A key column that an input lacks, or an input without names.
    let out = dir.run(&["loss", "--key", "nope", "kx.csv", "ky.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: error: kx.csv:1: no column \"nope\" (--key) in the header\n"
    );
    let out = dir.run(&["loss", "--key", "id", "kx.csv", "py.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("py.csv has no header of names"));
}

#[test]
fn weight_files_read_row_by_row_pair_by_key() {
    let dir = keyed_dir("id,bird,cat,dog\nc,1,0,0\na,1,1,0\nb,1,0,1\n");
    dir.write("kw.csv", "id,w\nb,0.5\nc,3\na,2\n")
        // The same weights per element (one value a row would be ambiguous
        // with as many rows as classes).
        .write("pw.csv", "2,2,2\n0.5,0.5,0.5\n3,3,3\n");
    let (plain, _) = run(
        &dir,
        &[
            "loss",
            "-r",
            "none",
            "--weight-file",
            "pw.csv",
            "px.csv",
            "py.csv",
        ],
    );
    let args = [
        "loss",
        "--key",
        "id",
        "-r",
        "none",
        "--weight-file",
        "kw.csv",
        "kx.csv",
        "ky.csv",
    ];
    assert_eq!(run(&dir, &args).0, with_keys(&plain));
    // Without the key column, --key refuses a weight file read row by row.
    dir.write("nw.csv", "w\n2\n0.5\n3\n");
    let args = [
        "loss",
        "--key",
        "id",
        "--weight-file",
        "nw.csv",
        "kx.csv",
        "ky.csv",
    ];
    let out = dir.run(&args);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: error: nw.csv:1: no column \"id\" (--key) in the header\n"
    );
}

/// Many rows (jobs of a megabyte, several threads): keys in the same
/// order stream; shuffled after the first rows they are looked up; both
/// give the positional run's numbers.
#[test]
fn keyed_rows_across_chunks_and_threads() {
    let mut next = crate::harness::uniform(0x9E37_79B9_7F4A_7C15);
    let rows = 40_000;
    let (mut x, mut y, mut px, mut py) = (
        String::from("id,a,b,c\n"),
        Vec::new(),
        String::new(),
        String::new(),
    );
    for i in 0..rows {
        let logits: Vec<String> = (0..3)
            .map(|_| format!("{:?}", 20.0 * next() - 10.0))
            .collect();
        let targets: Vec<String> = (0..3).map(|_| format!("{:?}", next())).collect();
        x += &format!("k{i},{}\n", logits.join(","));
        px += &format!("{}\n", logits.join(","));
        py += &format!("{}\n", targets.join(","));
        y.push(format!("k{i},{}\n", targets.join(",")));
    }
    let dir = Workdir::new();
    dir.write("x.csv", &x)
        .write("px.csv", &px)
        .write("py.csv", &py);
    dir.write("same.csv", format!("id,a,b,c\n{}", y.concat()));
    // The first 1,000 rows in order, the rest reversed.
    let (head, tail) = y.split_at(1000);
    let shuffled: String = head.iter().chain(tail.iter().rev()).cloned().collect();
    dir.write("shuffled.csv", format!("id,a,b,c\n{shuffled}"));
    let (mean, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    let (none, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let keyed_none: String = none
        .lines()
        .enumerate()
        .map(|(i, line)| format!("k{i},{line}\n"))
        .collect();
    for targets in ["same.csv", "shuffled.csv"] {
        for threads in ["1", "2", "4"] {
            let args = ["loss", "--key", "id", "-j", threads, "x.csv", targets];
            assert_eq!(run(&dir, &args).0, mean, "{targets} -j {threads}");
        }
        let args = ["loss", "--key", "id", "-r", "none", "x.csv", targets];
        assert_eq!(run(&dir, &args).0, keyed_none, "{targets}");
    }
}

/// LOGITS and TARGETS in one file, as GNU parallel --pipepart and Spark's
/// RDD.pipe hand a shard over: one stream.
const ONE_FILE: &str = "id,note,p_cat,p_dog,p_bird,y_cat,y_dog,y_bird\n\
a,x,0.5,-1.5,2,1,0,1\n\
b,\"y, z\",-3,0.25,1,0,1,1\n\
c,,1.25,0.75,-0.5,0,0,1\n";

#[test]
fn one_file_holds_both_selected_by_name_or_position() {
    let dir = dir();
    dir.write("both.csv", ONE_FILE).write(
        "plain.csv",
        "0.5,-1.5,2,1,0,1\n-3,0.25,1,0,1,1\n1.25,0.75,-0.5,0,0,1\n",
    );
    for reduction in ["none", "mean", "class"] {
        let (want, _) = run(&dir, &["loss", "-r", reduction, "px.csv", "py.csv"]);
        let by_name = [
            "loss",
            "-r",
            reduction,
            "--logits-columns",
            "p_*",
            "--targets-columns",
            "y_*",
            "both.csv",
        ];
        let (got, stderr) = run(&dir, &by_name);
        assert_eq!(got, want, "{reduction} by name");
        assert!(stderr.is_empty(), "{stderr}");
        let stdin = dir.run_with_stdin(
            &[
                "loss",
                "-r",
                reduction,
                "--logits-columns",
                "p_*",
                "--targets-columns",
                "y_*",
                "-",
            ],
            ONE_FILE.as_bytes(),
        );
        assert_eq!(success(&stdin), want, "{reduction} from stdin");
        let by_position = [
            "loss",
            "-r",
            reduction,
            "--logits-columns",
            "1-3",
            "--targets-columns",
            "4,5,6",
            "plain.csv",
        ];
        assert_eq!(run(&dir, &by_position).0, want, "{reduction} by position");
        // Names one by one, in another order on both sides.
        let reordered = [
            "loss",
            "-r",
            reduction,
            "--logits-columns",
            "p_dog,p_cat,p_bird",
            "--targets-columns",
            "y_dog,y_cat,y_bird",
            "both.csv",
        ];
        let (got, _) = run(&dir, &reordered);
        if reduction == "mean" {
            assert_eq!(got, want, "reordered");
        }
    }
    // A partial state of a one-file shard merges like any other.
    let part = success(&dir.run(&[
        "loss",
        "--partial",
        "--logits-columns",
        "p_*",
        "--targets-columns",
        "y_*",
        "both.csv",
    ]));
    dir.write("part.json", part);
    assert_eq!(
        success(&dir.run(&["merge", "part.json"])),
        run(&dir, &["loss", "px.csv", "py.csv"]).0
    );
}

#[test]
fn selections_on_two_files_leave_columns_out() {
    let dir = dir();
    dir.write(
        "meta.csv",
        "note,cat,dog,bird\nx,0.5,-1.5,2\ny,-3,0.25,1\nz,1.25,0.75,-0.5\n",
    );
    let (want, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    let args = [
        "loss",
        "-r",
        "none",
        "--logits-columns",
        "cat,dog,bird",
        "meta.csv",
        "permuted.csv",
    ];
    assert_eq!(run(&dir, &args).0, want);
    let args = [
        "loss",
        "-r",
        "none",
        "--logits-columns",
        "2-4",
        "meta.csv",
        "py.csv",
    ];
    assert_eq!(run(&dir, &args).0, want);
}

#[test]
fn bad_selections_are_errors_naming_the_cause() {
    let dir = dir();
    dir.write("both.csv", ONE_FILE);
    let cases: [(&[&str], i32, &str); 7] = [
        (
            &[
                "--logits-columns",
                "p_*",
                "--targets-columns",
                "y_dog,y_cat,y_bird",
            ],
            1,
            "mlloss: error: both.csv: the selections pair \"p_cat\" of both.csv with \"y_dog\", whose names differ after their common prefixes (\"cat\" and \"dog\")\n",
        ),
        (
            &[
                "--logits-columns",
                "p_*",
                "--targets-columns",
                "y_cat,y_dog",
            ],
            1,
            "mlloss: error: both.csv: 2 columns selected, but both.csv has 3\n",
        ),
        (
            &["--logits-columns", "q_*", "--targets-columns", "y_*"],
            1,
            "mlloss: error: both.csv: --logits-columns q_*: no column matches \"q_*\"\n",
        ),
        (
            &["--logits-columns", "3-9", "--targets-columns", "y_*"],
            1,
            "mlloss: error: both.csv: --logits-columns 3-9: the rows have 8 fields\n",
        ),
        (
            &[
                "--logits-columns",
                "p_cat,p_cat",
                "--targets-columns",
                "y_*",
            ],
            1,
            "mlloss: error: both.csv: --logits-columns p_cat,p_cat: selects \"p_cat\" twice\n",
        ),
        (
            &["--logits-columns", "0", "--targets-columns", "y_*"],
            2,
            "positions start at 1",
        ),
        (
            &[
                "--key",
                "id",
                "--logits-columns",
                "p_*",
                "--targets-columns",
                "y_*",
            ],
            2,
            "one file holds both",
        ),
    ];
    for (options, code, message) in cases {
        let mut args = vec!["loss"];
        args.extend(options);
        args.push("both.csv");
        let out = dir.run(&args);
        assert_eq!(out.status.code(), Some(code), "{options:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{options:?}: {stderr}");
    }
    // A name on a file without a header; TARGETS left out with one selection.
    let out = dir.run(&[
        "loss",
        "--logits-columns",
        "cat",
        "--targets-columns",
        "1-3",
        "px.csv",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("px.csv: --logits-columns cat: no header of names"),
        "{stderr}"
    );
    assert_eq!(
        dir.run(&["loss", "--logits-columns", "p_*", "both.csv"])
            .status
            .code(),
        Some(2)
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

/// Targets as label lists: no binarize step, no order to get wrong.
#[test]
fn target_labels_take_the_classes_from_logits_names() {
    let dir = dir();
    dir.write("tags.csv", "id,tags\n1,cat|bird\n2,dog|bird\n3,bird\n")
        .write(
            "tags.jsonl",
            "[\"cat\",\"bird\"]\n[\"bird\",\"dog\"]\n[\"bird\"]\n",
        )
        .write("indices.csv", "0,2\n2,1,-1,0\n2\n");
    for reduction in ["none", "mean", "row"] {
        let (want, _) = run(&dir, &["loss", "-r", reduction, "px.csv", "py.csv"]);
        let by_name = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "--column",
            "tags",
            "--sep",
            "|",
            "x.csv",
            "tags.csv",
        ];
        assert_eq!(run(&dir, &by_name).0, want, "{reduction} by name");
        let jsonl = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "x.csv",
            "tags.jsonl",
        ];
        assert_eq!(run(&dir, &jsonl).0, want, "{reduction} JSON Lines");
        let classes = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "--classes",
            "cat,dog,bird",
            "--column",
            "tags",
            "--sep",
            "|",
            "px.csv",
            "tags.csv",
        ];
        assert_eq!(run(&dir, &classes).0, want, "{reduction} --classes");
        // Neither names nor --classes: 0-based indices, -1 ends a list.
        let indices = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "px.csv",
            "indices.csv",
        ];
        assert_eq!(run(&dir, &indices).0, want, "{reduction} indices");
    }
    // --classes in another order than LOGITS' named columns: by name.
    let (want, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    let args = [
        "loss",
        "--target-labels",
        "--classes",
        "bird,cat,dog",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "tags.csv",
    ];
    assert_eq!(run(&dir, &args).0, want);
}

#[test]
fn target_label_errors_name_the_label() {
    let dir = dir();
    dir.write("owl.csv", "tags\ncat|owl\ndog\nbird\n")
        .write("bad.csv", "0,3\n1\n2\n");
    let args = [
        "loss",
        "--target-labels",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "owl.csv",
    ];
    let out = dir.run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: owl.csv:2:1: label is not a class of x.csv (--unknown warn or ignore leaves such labels out) (\"owl\")\n"
    );
    let warn = [
        "loss",
        "--target-labels",
        "--unknown",
        "warn",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "owl.csv",
    ];
    let (_, stderr) = run(&dir, &warn);
    assert_eq!(
        stderr,
        "mlloss: warning: unknown class(es) ['owl'] will be ignored\n"
    );
    let out = dir.run(&["loss", "--target-labels", "px.csv", "bad.csv"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: bad.csv:1:2: not a class index 0-2 of px.csv (or -1, which ends the list) (\"3\")\n"
    );
    for usage in [
        &["loss", "--target-labels", "--key", "id", "x.csv", "owl.csv"][..],
        &[
            "loss",
            "--target-labels",
            "--pos-weight",
            "auto",
            "x.csv",
            "owl.csv",
        ],
        &["loss", "--column", "tags", "x.csv", "owl.csv"],
    ] {
        assert_eq!(dir.run(usage).status.code(), Some(2), "{usage:?}");
    }
}

#[test]
fn binarize_takes_the_classes_from_a_tables_header() {
    let dir = dir();
    dir.write("tags.csv", "cat|bird\ndog|bird\nbird\n")
        .write("ix.csv", ",cat,dog,bird\n0,1,2,3\n");
    for table in ["x.csv", "ix.csv"] {
        let args = [
            "binarize",
            "--sep",
            "|",
            "--classes-from",
            table,
            "tags.csv",
        ];
        assert_eq!(run(&dir, &args).0, PLAIN_TARGETS, "{table}");
    }
}

/// Files as pandas writes them by default give errors that name the cause.
#[test]
fn errors_name_the_likely_cause() {
    let dir = dir();
    // to_csv(header=False) keeps the index: a count in the first column.
    dir.write("x4.csv", "0.5,-1.5,2,1\n-3,0.25,1,1\n1.25,0.75,-0.5,1\n")
        .write("indexed.csv", "0,1,0,1\n1,0,1,1\n2,0,0,1\n")
        .write("minus.csv", "1,-1,1\n0,1,1\n0,0,1\n");
    let cases = [
        (
            &["loss", "px.csv", "indexed.csv"][..],
            "indexed.csv:1: 4 columns, but px.csv has 3 (an index column in one of them? see --key, --logits-columns, --targets-columns)",
        ),
        (
            &["loss", "x4.csv", "indexed.csv"],
            "indexed.csv:3:1: target outside [0, 1] (an index column? see --key, --logits-columns, --targets-columns) (\"2\")",
        ),
        (
            &["loss", "px.csv", "minus.csv"],
            "minus.csv:1:2: target outside [0, 1] (if -1 marks a missing label: --ignore-value -1) (\"-1\")",
        ),
    ];
    for (args, message) in cases {
        let out = dir.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("mlloss: error: {message}\n")
        );
    }
}

/// The content decides first: a .npy on stdin needs no --format, and a
/// compressed file is named as such instead of failing as bad CSV.
#[test]
fn the_first_bytes_tell_the_format() {
    let dir = dir();
    let npy = std::fs::read(crate::harness::fixture("npy/logits-f64.npy")).unwrap();
    let targets = crate::harness::fixture("npy/targets-u8.csv");
    let targets = targets.to_str().unwrap();
    let from_file = success(
        &dir.run(&[
            "loss",
            crate::harness::fixture("npy/logits-f64.npy")
                .to_str()
                .unwrap(),
            targets,
        ]),
    );
    for format in [&[][..], &["--format", "csv"]] {
        let mut args = vec!["loss"];
        args.extend(format);
        args.extend(["-", targets]);
        assert_eq!(
            success(&dir.run_with_stdin(&args, &npy)),
            from_file,
            "{format:?}"
        );
    }
    let cases: [(&[u8], &str); 3] = [
        // Decompressed as they are read: these end inside the header.
        (
            b"\x1f\x8b\x08\x00rest",
            "cannot read: the gzip data end early",
        ),
        (
            b"\x28\xb5\x2f\xfdrest",
            "cannot read: the zstd data end early",
        ),
        // Read as Parquet now: a file this short has no footer.
        (b"PAR1rest", "not a readable Parquet file"),
    ];
    for (bytes, message) in cases {
        dir.write("p.csv", bytes);
        let out = dir.run(&["loss", "p.csv", "py.csv"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("mlloss: error: p.csv: {message}")),
            "{stderr}"
        );
    }
}

/// np.savetxt writes numbers separated by spaces (its default), with
/// `# names` when given a header; --delimiter names another separator.
#[test]
fn blank_separated_and_other_delimiters() {
    let dir = dir();
    let e = |v: f64| format!("{v:.18e}").replace('e', "e+").replace("e+-", "e-");
    let savetxt =
        |rows: &[[f64; 3]]| -> String { rows.iter().map(|r| r.map(e).join(" ") + "\n").collect() };
    let x = [[0.5, -1.5, 2.0], [-3.0, 0.25, 1.0], [1.25, 0.75, -0.5]];
    let y = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]];
    let y_permuted = [[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
    dir.write("sx.txt", savetxt(&x))
        .write("sy.csv", savetxt(&y))
        .write("hx.txt", format!("# cat dog bird\n{}", savetxt(&x)))
        .write(
            "hy.txt",
            format!("# bird cat dog\n{}", savetxt(&y_permuted)),
        )
        .write("names.txt", format!("cat  dog bird\n{}", savetxt(&x)))
        .write("semi.csv", "0.5;-1.5;2\n-3;0.25;1\n1.25;0.75;-0.5\n")
        .write("semiy.csv", "1;0;1\n0;1;1\n0;0;1\n");
    let (want, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    for args in [
        &["sx.txt", "sy.csv"][..],
        &["hx.txt", "hy.txt"],
        &["names.txt", "py.csv"],
        &["--delimiter", " ", "sx.txt", "sy.csv"],
        &["--delimiter", ";", "semi.csv", "semiy.csv"],
    ] {
        let mut all = vec!["loss", "-r", "none"];
        all.extend(args);
        let out = dir.run(&all);
        assert_eq!(success(&out), want, "{args:?}");
    }
    assert_eq!(
        dir.run(&["loss", "--delimiter", "ab", "sx.txt", "sy.csv"])
            .status
            .code(),
        Some(2)
    );
}

/// pandas' to_json(orient="records"[, lines=True]): objects whose keys
/// are the column names.
#[test]
fn json_records_pair_by_their_keys() {
    let dir = dir();
    dir.write("rx.jsonl", "{\"cat\":0.5,\"dog\":-1.5,\"bird\":2.0}\n{\"cat\":-3.0,\"dog\":0.25,\"bird\":1.0}\n{\"cat\":1.25,\"dog\":0.75,\"bird\":-0.5}\n")
        .write("ry.jsonl", "{\"bird\":true,\"cat\":true,\"dog\":false}\n{\"bird\":true,\"cat\":false,\"dog\":true}\n{\"dog\":false,\"bird\":true,\"cat\":false}\n")
        .write("ry.json", "[{\"cat\":1,\"dog\":0,\"bird\":1},{\"cat\":0,\"dog\":1,\"bird\":1},{\"cat\":0,\"dog\":0,\"bird\":1}]")
        .write("kx.jsonl", "{\"id\":\"a\",\"cat\":0.5,\"dog\":-1.5,\"bird\":2.0}\n{\"id\":\"b\",\"cat\":-3.0,\"dog\":0.25,\"bird\":1.0}\n{\"id\":\"c\",\"cat\":1.25,\"dog\":0.75,\"bird\":-0.5}\n")
        .write("ky.jsonl", "{\"id\":\"c\",\"cat\":0,\"dog\":0,\"bird\":1}\n{\"id\":\"a\",\"cat\":1,\"dog\":0,\"bird\":1}\n{\"id\":\"b\",\"cat\":0,\"dog\":1,\"bird\":1}\n");
    let (want, _) = run(&dir, &["loss", "-r", "none", "px.csv", "py.csv"]);
    for (x, y) in [
        ("rx.jsonl", "ry.jsonl"),
        ("rx.jsonl", "ry.json"),
        ("x.csv", "ry.jsonl"),
    ] {
        assert_eq!(run(&dir, &["loss", "-r", "none", x, y]).0, want, "{x} {y}");
    }
    let keyed = run(
        &dir,
        &["loss", "-r", "none", "--key", "id", "kx.jsonl", "ky.jsonl"],
    )
    .0;
    assert_eq!(keyed, with_keys(&want));
    let cases = [
        (
            "{\"cat\":1,\"dog\":0,\"bird\":1}\n{\"cat\":0,\"dog\":1}\n",
            "bad.jsonl:2: the record lacks key \"bird\", which the first record has",
        ),
        (
            "{\"cat\":1,\"dog\":0,\"bird\":1}\n{\"cat\":0,\"dog\":1,\"bird\":1,\"owl\":0}\n",
            "bad.jsonl:2:31: key \"owl\" is not in the first record",
        ),
    ];
    for (targets, message) in cases {
        dir.write("bad.jsonl", targets);
        let out = dir.run(&["loss", "rx.jsonl", "bad.jsonl"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("mlloss: error: {message}")),
            "{stderr}"
        );
    }
}
