//! Tables whose rows pair by a key column or pandas' index, in any order,
//! weight files included, across chunks and threads.

use crate::harness::Workdir;
use crate::tables::{dir, keyed_dir, run, with_keys};

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
