//! One file holding LOGITS and TARGETS, and `--logits-columns` /
//! `--targets-columns` selections on one file or two.

use crate::harness::success;
use crate::tables::{dir, run};

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
