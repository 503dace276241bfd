//! Hostile outputs (issue 25, round three): a stderr whose reader is gone,
//! a closed or full stdout, two outputs naming one file, `-o` through a
//! dangling link, an empty table written as Parquet.

use std::process::{Command, Stdio};

use crate::harness::{Workdir, success};

/// mlloss with `args` in `dir`, as `std::process::Command`, for the tests
/// that arrange its standard streams themselves.
fn command(dir: &Workdir, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mlloss"));
    command.current_dir(dir.path("")).args(args);
    command
}

/// A header on one side only: a warning for every command that pairs.
fn one_side_named(dir: &Workdir) {
    dir.write("x.csv", "cat,dog\n0.5,-1\n2,0.25\n")
        .write("y.csv", "1,0\n0,1\n");
}

/// `mlloss metrics … 2>&1 | head -1`: a warning written to a pipe whose
/// reader is gone must not panic (it did: "failed printing to stderr",
/// exit 101). The command goes on and prints its result.
#[test]
fn warnings_to_a_stderr_whose_reader_is_gone_do_not_stop_the_command() {
    let dir = Workdir::new();
    one_side_named(&dir);
    dir.write("labels.csv", "a,q\nb\n");
    let cases: [&[&str]; 3] = [
        &["metrics", "--metric", "f1,hamming_loss", "x.csv", "y.csv"],
        &["loss", "x.csv", "y.csv"],
        &["binarize", "--classes", "a,b", "labels.csv"],
    ];
    for args in cases {
        let expected = dir.run(args);
        let stderr = String::from_utf8_lossy(&expected.stderr);
        assert!(
            stderr.starts_with("mlloss: warning: "),
            "{args:?}: {stderr}"
        );
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(&dir, args)
            .stdin(Stdio::null())
            .stderr(writer)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(out.stdout, success(&expected).as_bytes(), "{args:?}");
    }
}

/// `mlloss … >&-`: the output cannot be written, which is an error naming
/// it (it was exit 0 with the output lost); with `-o FILE` a closed stdout
/// does not matter.
#[test]
#[cfg(unix)]
fn a_closed_stdout_is_an_error() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,1\n").write("y.csv", "1,0\n");
    dir.write("labels.csv", "a,b\nc\n");
    let cases: [&[&str]; 4] = [
        &["loss", "x.csv", "y.csv"],
        &[
            "loss",
            "-r",
            "none",
            "--output-format",
            "npy",
            "x.csv",
            "y.csv",
        ],
        &["metrics", "--metric", "f1", "x.csv", "y.csv"],
        &["binarize", "--save-classes", "classes.txt", "labels.csv"],
    ];
    for args in cases {
        let out = Command::new("sh")
            .current_dir(dir.path(""))
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(env!("CARGO_BIN_EXE_mlloss"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr, "mlloss: error: cannot write to stdout: Bad file descriptor\n",
            "{args:?}"
        );
    }
    // Nothing was put in place: --save-classes waits for stdout.
    assert!(!dir.path("classes.txt").exists());
    let out = Command::new("sh")
        .current_dir(dir.path(""))
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(env!("CARGO_BIN_EXE_mlloss"))
        .args(["loss", "-o", "out.csv", "x.csv", "y.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.path("out.csv").exists());
}

/// `mlloss … > /dev/full` is exit 1 naming the cause; `| head` (a reader
/// gone) stays a normal end.
#[test]
#[cfg_attr(not(mlloss_has_dev_full), ignore = "skipped: no /dev/full here")]
fn a_full_stdout_is_an_error_and_a_gone_reader_is_not() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,1\n").write("y.csv", "1,0\n");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(&dir, &["loss", "x.csv", "y.csv"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: cannot write to stdout: No space left on device\n"
    );
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = command(&dir, &["loss", "x.csv", "y.csv"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `binarize -o F --save-classes F`, the two reaching one file through a
/// link, or `--save-classes F > F`: one output would replace the other (it
/// did, with exit 0). A usage error, and F untouched.
#[test]
#[cfg(unix)]
fn two_outputs_naming_one_file_are_a_usage_error() {
    let dir = Workdir::new();
    dir.write("labels.csv", "a,b\nc\n").write("F", "old\n");
    std::os::unix::fs::symlink("F", dir.path("link")).unwrap();
    std::os::unix::fs::symlink("new", dir.path("dangling")).unwrap();
    let cases: [&[&str]; 5] = [
        &["binarize", "-o", "F", "--save-classes", "F", "labels.csv"],
        &[
            "binarize",
            "-o",
            "link",
            "--save-classes",
            "./F",
            "labels.csv",
        ],
        &[
            "binarize",
            "-o",
            "new",
            "--save-classes",
            "dangling",
            "labels.csv",
        ],
        &[
            "binarize",
            "-o",
            "F",
            "--save-classes",
            "F",
            "--inverse",
            "--classes",
            "p,q",
            "m.csv",
        ],
        &["binarize", "-o", "-", "--save-classes", "F", "labels.csv"],
    ];
    dir.write("m.csv", "1,0\n");
    for (i, args) in cases.iter().enumerate() {
        let mut command = command(&dir, args);
        if i == 4 {
            // Stdout is F itself (`> F`).
            command.stdout(
                std::fs::File::options()
                    .append(true)
                    .open(dir.path("F"))
                    .unwrap(),
            );
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("are the same file"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(dir.path("F")).unwrap(), "old\n");
        assert!(!dir.path("new").exists(), "{args:?}");
    }
    // Two files: fine.
    let out = dir.run(&[
        "binarize",
        "-o",
        "F",
        "--save-classes",
        "classes.txt",
        "labels.csv",
    ]);
    success(&out);
    assert_eq!(
        std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
        "a\nb\nc\n"
    );
}

/// `-o link` where link dangles: `> link` creates the link's target, and
/// so does `-o` now (atomically); it failed with "No such file".
#[test]
#[cfg(unix)]
fn output_through_a_dangling_link_creates_its_target() {
    let dir = Workdir::new();
    dir.write("labels.csv", "a,b\nc\n");
    std::fs::create_dir(dir.path("sub")).unwrap();
    std::os::unix::fs::symlink("sub/target.csv", dir.path("link")).unwrap();
    std::os::unix::fs::symlink("../elsewhere.csv", dir.path("sub/up")).unwrap();
    success(&dir.run(&["binarize", "-o", "link", "labels.csv"]));
    assert_eq!(
        std::fs::read_to_string(dir.path("sub/target.csv")).unwrap(),
        "1,1,0\n0,0,1\n"
    );
    assert!(
        std::fs::symlink_metadata(dir.path("link"))
            .unwrap()
            .is_symlink()
    );
    success(&dir.run(&["binarize", "-o", "sub/up", "labels.csv"]));
    assert!(dir.path("elsewhere.csv").exists());
    assert!(
        std::fs::symlink_metadata(dir.path("sub/up"))
            .unwrap()
            .is_symlink()
    );
    assert!(crate::output::leftovers(&dir.path("")).is_empty());
    assert!(crate::output::leftovers(&dir.path("sub")).is_empty());
}

/// `binarize -o x.parquet` on samples without labels: no classes, so no
/// columns, and Parquet keeps rows only in columns (pyarrow writes such a
/// frame as no rows). It failed with arrow's "must either specify a row
/// count"; now the error names the cause and the fix. A sample without
/// labels among others is an all-zero row, read back as written.
#[test]
fn parquet_of_samples_without_labels_names_the_cause() {
    let dir = Workdir::new();
    dir.write("none.csv", "\n\n").write("some.csv", "a\n\n");
    let out = dir.run(&["binarize", "-o", "x.parquet", "none.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no sample has a label") && stderr.contains("--classes"),
        "{stderr}"
    );
    assert!(!dir.path("x.parquet").exists());
    success(&dir.run(&["binarize", "--classes", "a", "-o", "x.parquet", "none.csv"]));
    success(&dir.run(&["binarize", "-o", "y.parquet", "some.csv"]));
    let back = success(&dir.run(&["binarize", "--inverse", "--classes", "a", "y.parquet"]));
    assert_eq!(back, "a\n\n");
}
