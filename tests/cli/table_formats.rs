//! What tells a table's format and separators: errors naming the likely
//! cause, the first bytes, blank-separated text, JSON records.

use crate::harness::success;
use crate::tables::{dir, run, with_keys};

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
