//! Hostile inputs, round two (issue 12): each case failed before its fix.

use crate::harness::{Workdir, npy_header, npy_header_in_order, success};

const BOM: &str = "\u{feff}";

/// stdout of a run that must succeed.
fn ok(dir: &Workdir, args: &[&str]) -> String {
    success(&dir.run(args))
}

/// A UTF-8 byte order mark is skipped at the start of every text input,
/// JSON included, and a quote right after it opens the first field (what
/// Excel's "CSV UTF-8" writes).
#[test]
fn a_byte_order_mark_is_skipped_before_json_and_quotes() {
    let dir = Workdir::new();
    dir.write("x.csv", "1.5,2\n-3,4\n")
        .write("y.csv", "1,0\n0,1\n")
        .write("x.json", format!("{BOM}[[1.5,2],[-3,4]]"))
        .write("x.jsonl", format!("{BOM}[1.5,2]\n[-3,4]\n"))
        .write("q.csv", format!("{BOM}\"1.5\n\",2\n-3,4\n"))
        .write("labels.csv", "a,b\nc\n")
        .write("labels.json", format!("{BOM}[[\"a\",\"b\"],[\"c\"]]"))
        .write("labels.jsonl", format!("{BOM}[\"a\",\"b\"]\n[\"c\"]\n"))
        .write("quoted-labels.csv", format!("{BOM}\"a\",b\nc\n"))
        .write("multiline-labels.csv", format!("{BOM}\"a\nb\",c\n"))
        .write("m.csv", format!("{BOM}\"1\n\",0\n0,1\n"));
    let want = ok(&dir, &["loss", "-r", "none", "x.csv", "y.csv"]);
    for x in ["x.json", "x.jsonl", "q.csv"] {
        assert_eq!(ok(&dir, &["loss", "-r", "none", x, "y.csv"]), want, "{x}");
    }
    let labels = ok(&dir, &["binarize", "--header", "labels.csv"]);
    for file in ["labels.json", "labels.jsonl", "quoted-labels.csv"] {
        assert_eq!(ok(&dir, &["binarize", "--header", file]), labels, "{file}");
    }
    assert_eq!(
        ok(&dir, &["binarize", "--header", "multiline-labels.csv"]),
        "\"a\nb\",c\n1,1\n"
    );
    let inverse = ["binarize", "--inverse", "--classes", "a,b", "m.csv"];
    assert_eq!(ok(&dir, &inverse), "a\nb\n");
}

/// A quoted field holding a line break in the last row of a file that
/// has no final newline is a whole row, not an unclosed quote.
#[test]
fn a_quoted_line_break_in_a_last_row_without_newline() {
    let dir = Workdir::new();
    dir.write("x.csv", "1.5,2\n")
        .write("y.csv", "1,0\n")
        .write("q.csv", "\"1.5\n\",2")
        .write("m.csv", "0,1\n\"1\n\",0")
        .write("labels.csv", "x\n\"a\nb\",c");
    assert_eq!(
        ok(&dir, &["loss", "-r", "none", "q.csv", "y.csv"]),
        ok(&dir, &["loss", "-r", "none", "x.csv", "y.csv"])
    );
    let inverse = ["binarize", "--inverse", "--classes", "a,b", "m.csv"];
    assert_eq!(ok(&dir, &inverse), "b\na\n");
    assert_eq!(ok(&dir, &["binarize", "labels.csv"]), "0,0,1\n1,1,0\n");
    // Still an error when the quote is in truth never closed.
    dir.write("open.csv", "0,1\n\"1\n,0");
    let out = dir.run(&["loss", "open.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: open.csv:2: quoted field is never closed\n"
    );
}

/// A shape whose row is 2**64 bytes (no rows, 2**61 columns) once made a
/// byte count wrap to zero and a division panic.
#[test]
fn a_shape_whose_byte_count_wraps_is_no_panic() {
    let dir = Workdir::new();
    for descr in ["<f8", "|u1"] {
        dir.write("big.npy", npy_header(descr, "(0, 2305843009213693952)"));
        for args in [
            &["binarize", "--inverse", "--classes", "a", "big.npy"][..],
            &["loss", "big.npy", "big.npy"],
            &["loss", "--format", "npy", "-", "big.npy"],
        ] {
            let out = dir.run_with_stdin(args, &std::fs::read(dir.path("big.npy")).unwrap());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{descr} {args:?}: {stderr}");
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{descr} {args:?}: {stderr}"
            );
        }
    }
}

/// With `none`, every row before a bad one is printed, then the error:
/// the good rows of the chunk holding the bad row used to be dropped.
#[test]
fn every_row_before_a_bad_one_is_printed() {
    let dir = Workdir::new();
    let mut next = crate::harness::uniform(12);
    let (rows, bad) = (120_000, 70_000);
    let mut x = String::new();
    let mut y = String::new();
    for i in 0..rows {
        let v: Vec<String> = (0..3)
            .map(|_| format!("{:.4}", next() * 6.0 - 3.0))
            .collect();
        x += &(v.join(",") + "\n");
        y += if i == bad { "1,abc,0\n" } else { "1,0,1\n" };
    }
    let head_y: String = y.lines().take(bad).map(|l| l.to_owned() + "\n").collect();
    let head_x: String = x.lines().take(bad).map(|l| l.to_owned() + "\n").collect();
    dir.write("x.csv", &x)
        .write("y.csv", &y)
        .write("hx.csv", &head_x)
        .write("hy.csv", &head_y);
    let want = ok(&dir, &["loss", "-r", "none", "hx.csv", "hy.csv"]);
    assert_eq!(want.lines().count(), bad);
    for threads in ["1", "2", "3"] {
        let out = dir.run(&["loss", "-j", threads, "-r", "none", "x.csv", "y.csv"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "mlloss: error: y.csv:70001:2: not a number (\"abc\")\n"
        );
        assert!(
            out.stdout == want.as_bytes(),
            "{threads} threads: {} lines",
            out.stdout.split(|&b| b == b'\n').count() - 1
        );
    }
}

/// Every file a command writes is put in place only when the whole
/// command succeeds: a failed stdout leaves `--save-classes FILE` as it was.
#[test]
fn a_failed_output_leaves_save_classes_untouched() {
    let dir = Workdir::new();
    dir.write("labels.csv", "a,b\nc\n")
        .write("classes.txt", "old\n");
    for args in [
        &["binarize", "--save-classes", "classes.txt", "labels.csv"][..],
        &[
            "binarize",
            "--inverse",
            "--classes",
            "a,b",
            "--save-classes",
            "classes.txt",
            "m.csv",
        ],
    ] {
        dir.write("m.csv", "1,0\n0,1\n");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlloss"))
            .current_dir(dir.path(""))
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("No space left on device"));
        assert_eq!(
            std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
            "old\n"
        );
        assert_eq!(
            crate::output::leftovers(&dir.path("")),
            Vec::<String>::new()
        );
    }
    // And both files are written when it succeeds.
    ok(
        &dir,
        &[
            "binarize",
            "-o",
            "out.csv",
            "--save-classes",
            "classes.txt",
            "labels.csv",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
        "a\nb\nc\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("out.csv")).unwrap(),
        "1,1,0\n0,0,1\n"
    );
}

/// A signal while both `-o FILE` and `--save-classes FILE` are pending
/// removes both temporary files (the handler used to track one).
#[cfg(unix)]
#[test]
fn a_signal_removes_every_pending_file() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = Workdir::new();
    dir.write("out.csv", "old\n").write("classes.txt", "old\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlloss"))
        .current_dir(dir.path(""))
        .args([
            "binarize",
            "--classes",
            "a,b",
            "-o",
            "out.csv",
            "--save-classes",
            "classes.txt",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mlloss");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "a\nb").unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while crate::output::leftovers(&dir.path("")).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no temporary files appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(output.status.signal(), Some(2));
    assert_eq!(
        crate::output::leftovers(&dir.path("")),
        Vec::<String>::new()
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("out.csv")).unwrap(),
        "old\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
        "old\n"
    );
}

/// An input without line breaks is refused at a documented limit (1 GiB,
/// lowered here by MLLOSS_MAX_LINE_BYTES) instead of buffered until the
/// allocation fails and the process aborts; the rows before it come first.
#[test]
fn a_line_beyond_the_limit_is_an_error() {
    let dir = Workdir::new();
    let long = "1,".repeat(3000) + "1";
    dir.write("y.csv", "1,0\n0,1\n")
        .write("long.csv", format!("0.5,1\n{long}\n"))
        .write("long.jsonl", format!("[0.5,1]\n[{long}]\n"))
        .write("labels.csv", format!("a\n{long}\n"))
        .write("labels.jsonl", format!("[\"a\"]\n[{long}]\n"))
        .write("m.csv", format!("1,0\n{long}\n"));
    let message = "line longer than 1000 bytes (no line break: is this a text file?)";
    for (args, file) in [
        (&["loss", "-r", "none", "long.csv", "y.csv"][..], "long.csv"),
        (&["loss", "-r", "none", "long.jsonl", "y.csv"], "long.jsonl"),
        (&["loss", "-r", "none", "-", "y.csv"], "<stdin>"),
        (&["binarize", "labels.csv"], "labels.csv"),
        (&["binarize", "labels.jsonl"], "labels.jsonl"),
        (
            &["binarize", "--inverse", "--classes", "a,b", "m.csv"],
            "m.csv",
        ),
    ] {
        let out = crate::harness::mlloss()
            .current_dir(dir.path(""))
            .env("MLLOSS_MAX_LINE_BYTES", "1000")
            .args(args)
            .write_stdin(std::fs::read(dir.path("long.csv")).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("mlloss: error: {file}:2: {message}\n"),
            "{args:?}"
        );
    }
    // A JSON document is read whole, and bounded by the same limit.
    dir.write("long.json", format!("[[0.5,1],\n[{long}]]"))
        .write("labels.json", format!("[[\"a\"],\n[{long}]]"));
    for args in [
        &["loss", "long.json", "y.csv"][..],
        &["binarize", "labels.json"],
    ] {
        let out = crate::harness::mlloss()
            .current_dir(dir.path(""))
            .env("MLLOSS_MAX_LINE_BYTES", "1000")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(".json: a JSON document longer than 1000 bytes (one is read whole"),
            "{stderr}"
        );
    }
    // The real limit, on an input that never ends a line.
    if std::path::Path::new("/dev/zero").exists() {
        let out = dir.run(&["loss", "/dev/zero", "y.csv"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "mlloss: error: /dev/zero:1: line longer than 1 GiB (no line break: is this a text file?)\n"
        );
        let out = dir.run(&["loss", "--format", "json", "/dev/zero", "y.csv"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("mlloss: error: /dev/zero: a JSON document longer than 1 GiB"),
            "{stderr}"
        );
    }
}

/// A `.npy` that cannot be read says why: a dtype mlloss does not read is
/// named as such, and a bool byte other than 0 and 1 is reported at its
/// row and column (both used to say "incorrect descriptor ('|b1')").
#[test]
fn npy_dtypes_and_bad_bools_are_named() {
    let dir = Workdir::new();
    let mut complex = npy_header("<c16", "(2, 2)");
    complex.extend([0; 64]);
    let mut bools = npy_header("|b1", "(2, 3)");
    bools.extend([1, 0, 1, 0, 2, 0]);
    dir.write("c16.npy", complex)
        .write("bools.npy", bools)
        .write("x.csv", "1,2\n3,4\n")
        .write("x3.csv", "1,2,3\n3,4,5\n");
    let cases = [
        (
            &["loss", "x.csv", "c16.npy"][..],
            "c16.npy: dtype '<c16' (complex) is not one mlloss reads: float64, float32, float16, int8-int64, uint8-uint64 or bool (convert it first: a.astype(np.float64))",
        ),
        (
            &["loss", "x3.csv", "bools.npy"],
            "bools.npy:2:2: a bool other than 0 or 1 (False or True) (\"2\")",
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

/// A `.npy` read from a named pipe is opened once: opening a FIFO
/// a second time blocks until another writer comes, which never does.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_opened_once() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = Workdir::new();
    let mut npy = npy_header("<f8", "(2, 2)");
    for v in [0.5f64, -1.0, 2.0, 0.25] {
        npy.extend(v.to_le_bytes());
    }
    let mut y = npy_header("<f8", "(2, 2)");
    for v in [1.0f64, 0.0, 0.0, 1.0] {
        y.extend(v.to_le_bytes());
    }
    dir.write("x.npy", &npy).write("y.npy", &y);
    let want = ok(&dir, &["loss", "x.npy", "y.npy"]);
    // Told by its first bytes, or by --format.
    for (i, args) in [&[][..], &["--format", "npy"]]
        .iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let fifo = dir.path(&format!("fifo{i}"));
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let bytes = npy.clone();
        let path = fifo.clone();
        let writer = std::thread::spawn(move || {
            let _ = std::fs::write(path, bytes);
        });
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlloss"))
            .current_dir(dir.path(""))
            .arg("loss")
            .args(*args)
            .arg(&fifo)
            .arg(dir.path("y.npy"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("mlloss hung on a FIFO ({args:?})");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{args:?}");
        writer.join().unwrap();
    }
}

/// Inputs with no data rows are a batch of no samples, as PyTorch takes
/// one: `sum` 0, `mean` NaN, `class` NaN for each class the headers name,
/// `none` and `row` nothing; a warning says so, and the empty state of
/// `--partial` merges with others.
#[test]
fn inputs_without_rows_are_a_batch_of_no_samples() {
    let dir = Workdir::new();
    dir.write("e1.csv", "")
        .write("e2.csv", "")
        .write("h1.csv", "cat,dog\n")
        .write("h2.csv", "dog,cat\n")
        .write("x.csv", "cat,dog\n0.5,-1\n")
        .write("y.csv", "cat,dog\n1,0\n");
    for (x, y) in [("e1.csv", "e2.csv"), ("h1.csv", "h2.csv")] {
        for (reduction, want) in [
            ("sum", "0.0\n"),
            ("mean", "nan\n"),
            ("none", ""),
            ("row", ""),
            ("class", if x == "h1.csv" { "nan,nan\n" } else { "\n" }),
        ] {
            let out = dir.run(&["loss", "-r", reduction, x, y]);
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                want,
                "{x} {reduction}"
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("mlloss: warning: {x} and {y} have no data rows: the loss of no samples\n"),
                "{x} {reduction}"
            );
        }
        let out = dir.run(&["loss", "-k", "mlsm", x, y]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "nan\n");
    }
    let empty = ok(
        &dir,
        &["loss", "--partial", "-r", "class", "h1.csv", "h2.csv"],
    );
    let full = ok(
        &dir,
        &["loss", "--partial", "-r", "class", "x.csv", "y.csv"],
    );
    dir.write("p1.json", empty).write("p2.json", full);
    for reduction in ["mean", "class"] {
        assert_eq!(
            ok(&dir, &["merge", "-r", reduction, "p1.json", "p2.json"]),
            ok(&dir, &["loss", "-r", reduction, "x.csv", "y.csv"]),
            "{reduction}"
        );
    }
    // One side empty and the other not is still an error.
    let out = dir.run(&["loss", "e1.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: e1.csv: no data rows\n"
    );
}

/// `-o FILE` refuses what `> FILE` would: a file the user may not write
/// is not replaced, though the directory would let the rename through.
/// As root (who may write anything), the command runs as `nobody`.
#[cfg(unix)]
#[test]
fn o_refuses_a_file_the_user_may_not_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Workdir::new();
    dir.write("l.csv", "a\n").write("out.csv", "old\n");
    std::fs::set_permissions(dir.path(""), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(dir.path("out.csv"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let bin = env!("CARGO_BIN_EXE_mlloss");
    let mut command = if cfg!(mlloss_runs_as_root) {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        std::process::Command::new(bin)
    };
    let out = command
        .current_dir(dir.path(""))
        .args(["binarize", "-o", "out.csv", "l.csv"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: cannot write to out.csv: Permission denied\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("out.csv")).unwrap(),
        "old\n"
    );
    assert_eq!(
        crate::output::leftovers(&dir.path("")),
        Vec::<String>::new()
    );
}

/// A file replaced by `-o` keeps its owner and group (root may set them;
/// it used to be left root's).
#[cfg(unix)]
#[test]
#[cfg_attr(
    not(mlloss_runs_as_root),
    ignore = "skipped: only root may give a file to another owner"
)]
fn o_keeps_the_owner_of_a_replaced_file() {
    use std::os::unix::fs::MetadataExt;
    let dir = Workdir::new();
    dir.write("l.csv", "a\n").write("out.csv", "old\n");
    std::os::unix::fs::chown(dir.path("out.csv"), Some(65534), Some(65534)).unwrap();
    ok(&dir, &["binarize", "-o", "out.csv", "l.csv"]);
    let meta = std::fs::metadata(dir.path("out.csv")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(std::fs::read_to_string(dir.path("out.csv")).unwrap(), "1\n");
}

/// JSON labels keep their JSON type and exact value (issue 12, items 10
/// and 18). The answers are scikit-learn 1.9.1's, from
/// `MultiLabelBinarizer().fit_transform(json.load(f))` and `classes_`
/// printed with `str()`:
/// - integers beyond f64's precision are two classes, as Python's ints;
/// - an integral float is the integer's class (`1.0` and `1`, a Python set),
///   named as first seen; floats are written as Python writes them;
/// - JSON strings sort as strings, though they look like numbers;
/// - strings mixed with numbers have no order (Python's TypeError).
#[test]
fn json_labels_keep_their_type_and_exact_value() {
    let dir = Workdir::new();
    dir.write(
        "big.json",
        "[[18446744073709551616],[18446744073709551617, 1.0],[1, 2.5, 1E2]]",
    )
    .write(
        "big.jsonl",
        "[18446744073709551616]\n[18446744073709551617]\n",
    )
    .write("strings.json", r#"[["10"],["2"]]"#)
    .write("mixed.json", r#"[["a"],[1]]"#);
    assert_eq!(
        ok(&dir, &["binarize", "--header", "big.json"]),
        "1.0,2.5,100.0,18446744073709551616,18446744073709551617\n\
         0,0,0,1,0\n1,0,0,0,1\n1,1,1,0,0\n"
    );
    assert_eq!(
        ok(&dir, &["binarize", "--header", "big.jsonl"]),
        "18446744073709551616,18446744073709551617\n1,0\n0,1\n"
    );
    // Read once, from stdin, the same.
    let piped = dir.run_with_stdin(
        &["binarize", "--header", "--format", "jsonl", "-"],
        b"[18446744073709551617]\n[18446744073709551616]\n",
    );
    assert_eq!(
        success(&piped),
        "18446744073709551616,18446744073709551617\n0,1\n1,0\n"
    );
    assert_eq!(
        ok(&dir, &["binarize", "--header", "strings.json"]),
        "10,2\n1,0\n0,1\n"
    );
    let mixed = dir.run(&["binarize", "mixed.json"]);
    assert_eq!(mixed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert!(
        stderr.contains("mix strings and numbers ('a' and 1)"),
        "{stderr}"
    );
}

/// The unknown-label warning writes numbers as Python does (`[0, 4]`),
/// strings quoted, in scikit-learn's order (`sorted(unknown, key=str)`):
/// scikit-learn 1.9.1 warns `unknown class(es) [0, 4, 'a'] will be ignored`
/// for `classes=["1", "2"]` on `[[0, 4], ["a"]]`.
#[test]
fn the_unknown_label_warning_writes_numbers_as_python() {
    let dir = Workdir::new();
    dir.write("labels.jsonl", "[0,4]\n[\"a\"]\n")
        .write("x.csv", "0.5,1\n2,-1\n");
    let out = dir.run(&["binarize", "--classes", "1,2", "labels.jsonl"]);
    assert_eq!(success(&out), "0,0\n0,0\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: warning: unknown class(es) [0, 4, 'a'] will be ignored\n"
    );
    // A set of values, as Python's: 1 and 1.0 once, -0.0 and 0 once.
    dir.write("dups.json", r#"[[1, 1.0, -0.0, 0, 10, 9, "10"]]"#);
    let out = dir.run(&["binarize", "--classes", "x", "dups.json"]);
    success(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: warning: unknown class(es) [-0.0, 1, '10', 10, 9] will be ignored\n"
    );
    // loss --target-labels: the same warning.
    let out = dir.run(&[
        "loss",
        "--target-labels",
        "--classes",
        "1,2",
        "--unknown",
        "warn",
        "x.csv",
        "labels.jsonl",
    ]);
    success(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown class(es) [0, 4, 'a'] will be ignored"),
        "{stderr}"
    );
}

/// A 0-dimensional array (a scalar) has no classes: an error, not a
/// sample of one class. (Higher ranks are fixtures/shapes/.)
#[test]
fn a_zero_dimensional_array_is_an_error() {
    let dir = Workdir::new();
    let mut scalar = npy_header("<f8", "()");
    scalar.extend(1.5f64.to_le_bytes());
    dir.write("x.npy", &scalar).write("y.csv", "1\n");
    let out = dir.run(&["loss", "x.npy", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: x.npy: a 0-dimensional array (a scalar), but a loss needs samples of \
         classes: save at least a 1-D array\n"
    );
}

/// A bad bool in a 3-D array is located in logical order, whatever the
/// file's: the byte at offset 1 of a (2, 2, 2) Fortran-order array is
/// element [1, 0, 0], the 5th in row-major order: sample 3, class 1.
#[test]
fn a_bad_bool_in_a_3d_fortran_array_is_located() {
    let dir = Workdir::new();
    let mut fortran = npy_header_in_order("|b1", "(2, 2, 2)", true);
    fortran.extend([0, 2, 0, 0, 0, 0, 0, 0]);
    let mut c_order = npy_header_in_order("|b1", "(2, 2, 2)", false);
    c_order.extend([0, 2, 0, 0, 0, 0, 0, 0]);
    dir.write("f.npy", &fortran).write("c.npy", &c_order);
    for (file, place) in [("f.npy", "3:1"), ("c.npy", "1:2")] {
        let out = dir.run(&["loss", file, file]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{file}:{place}: a bool other than 0 or 1")),
            "{stderr}"
        );
    }
}

/// `-o` on /dev/shm (a tmpfs of regular files, where the fuzz targets
/// write) creates and replaces files as anywhere else; it took every path
/// under /dev for a device and failed with "No such file or directory".
#[test]
fn o_writes_regular_files_under_dev_shm() {
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        eprintln!("skipped: no /dev/shm on this machine");
        return;
    }
    let dir = tempfile::tempdir_in(shm).unwrap();
    let work = Workdir::new();
    work.write("x.csv", "0.5,-1\n").write("y.csv", "1,0\n");
    let out = dir.path().join("out.csv");
    let out_name = out.to_str().unwrap();
    for _ in 0..2 {
        // Created, then replaced.
        success(&work.run(&["loss", "-r", "sum", "-o", out_name, "x.csv", "y.csv"]));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            ok(&work, &["loss", "-r", "sum", "x.csv", "y.csv"])
        );
    }
}

/// `binarize --inverse` on an array of no rows still compares its width
/// with the classes: (0, 3) with two classes is an error, (0, 2) prints
/// nothing.
#[test]
fn inverse_of_no_rows_checks_the_width() {
    let dir = Workdir::new();
    dir.write("three.npy", npy_header("<f8", "(0, 3)"))
        .write("two.npy", npy_header("<f8", "(0, 2)"));
    let out = dir.run(&["binarize", "--inverse", "--classes", "a,b", "three.npy"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: three.npy: 3 columns, but there are 2 classes\n"
    );
    assert_eq!(
        ok(
            &dir,
            &["binarize", "--inverse", "--classes", "a,b", "two.npy"]
        ),
        ""
    );
}

/// Classes saved from JSON numbers give the same columns when read back:
/// a number label matches a given class by value (scikit-learn's
/// `classes=[1.0]` matches the label 1), a text label by its text.
#[test]
fn saved_number_classes_read_back_to_the_same_columns() {
    let dir = Workdir::new();
    dir.write("labels.json", "[[1.0],[1],[2.5, \"1\"]]");
    let out = dir.run(&["binarize", "--save-classes", "classes.txt", "labels.json"]);
    assert_eq!(out.status.code(), Some(1), "strings mixed with numbers");
    dir.write("labels.json", "[[1.0],[1],[2.5]]");
    let fitted = ok(
        &dir,
        &["binarize", "--save-classes", "classes.txt", "labels.json"],
    );
    assert_eq!(fitted, "1,0\n1,0\n0,1\n");
    assert_eq!(
        std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
        "1.0\n2.5\n"
    );
    let given = dir.run(&["binarize", "--classes-file", "classes.txt", "labels.json"]);
    assert_eq!(success(&given), fitted);
    assert_eq!(String::from_utf8_lossy(&given.stderr), "");
    // A JSON string is text: "1" is not the class 1.0.
    dir.write("strings.json", "[[\"1\"],[\"1.0\"]]");
    let out = dir.run(&["binarize", "--classes", "1.0", "strings.json"]);
    assert_eq!(success(&out), "0\n1\n");
}

/// Under /dev, only a file descriptor's name (`/dev/stderr`) or a device is
/// written in place: a link on /dev/shm to a regular file has its target
/// replaced, as anywhere else (it was appended to).
#[test]
fn a_link_under_dev_shm_is_replaced_not_appended_to() {
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        eprintln!("skipped: no /dev/shm on this machine");
        return;
    }
    let dir = Workdir::new();
    dir.write("labels.csv", "a\n").write("target.csv", "OLD\n");
    let links = tempfile::tempdir_in(shm).unwrap();
    let link = links.path().join("link.csv");
    std::os::unix::fs::symlink(dir.path("target.csv"), &link).unwrap();
    success(&dir.run(&["binarize", "-o", link.to_str().unwrap(), "labels.csv"]));
    assert_eq!(
        std::fs::read_to_string(dir.path("target.csv")).unwrap(),
        "1\n"
    );
    assert!(link.is_symlink());
}
