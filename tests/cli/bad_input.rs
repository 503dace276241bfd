//! One case per kind of bad input: the exit code, a one-line message that
//! names the file and line (and column where it applies), no panic, and no
//! result printed.

use crate::harness::Workdir;

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    args: &'static [&'static str],
    stdin: &'static [u8],
    code: i32,
    /// Every fragment must appear in stderr.
    message: &'static [&'static str],
}

/// Cases whose rows before the bad one stream to stdout by design (README,
/// "Errors"); every other case must print nothing.
const STREAMED: &[&str] = &["an unknown label with --unknown error"];

const X: (&str, &[u8]) = ("x.csv", b"0.5,1\n-2,3\n");
const Y: (&str, &[u8]) = ("y.csv", b"1,0\n0,1\n");

/// 200 arrays deep, closed: a valid 200-dimensional array, but deeper than
/// the parser recurses.
const DEEP_JSON: &[u8] = &{
    let mut text = [b']'; 401];
    let mut i = 0;
    while i < 200 {
        text[i] = b'[';
        i += 1;
    }
    text[200] = b'1';
    text
};

const CASES: &[Case] = &[
    Case {
        name: "a value that is not a number",
        files: &[("bad.csv", b"0.5,1\n-2,abc\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:2: not a number (\"abc\")"],
    },
    Case {
        name: "an empty cell",
        files: &[("bad.csv", b"0.5,\n-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:2: empty cell"],
    },
    Case {
        name: "a ragged row",
        files: &[("bad.csv", b"0.5,1\n-2\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2: ragged row: 1 value, but earlier rows have 2"],
    },
    Case {
        name: "an empty line in a matrix",
        files: &[
            ("bad.csv", b"0.5,1\n\n-2,3\n"),
            ("y3.csv", b"1,0\n0,1\n0,1\n"),
        ],
        args: &["loss", "bad.csv", "y3.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2: empty line"],
    },
    Case {
        name: "more logits rows than target rows",
        files: &[("x3.csv", b"0.5,1\n-2,3\n4,5\n"), Y],
        args: &["loss", "x3.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["x3.csv:3: row 3 has no partner: y.csv ends after 2 rows"],
    },
    Case {
        name: "more target rows than logits rows",
        files: &[("x1.csv", b"0.5,1\n"), Y],
        args: &["loss", "-r", "sum", "x1.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["y.csv:2: row 2 has no partner: x1.csv ends after 1 row"],
    },
    Case {
        name: "logits and targets differ in columns",
        files: &[X, ("y3.csv", b"1,0,0\n0,1,0\n")],
        args: &["loss", "x.csv", "y3.csv"],
        stdin: b"",
        code: 1,
        message: &["y3.csv:1: 3 columns, but x.csv has 2"],
    },
    Case {
        name: "a target above 1",
        files: &[X, ("y.csv", b"1,0\n0,1.5\n")],
        args: &["loss", "x.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["y.csv:2:2: target outside [0, 1] (\"1.5\")"],
    },
    Case {
        name: "a negative target",
        files: &[X, ("y.csv", b"1,-0.1\n0,1\n")],
        args: &["loss", "x.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["y.csv:1:2: target outside [0, 1] (\"-0.1\")"],
    },
    Case {
        name: "NaN in the logits",
        files: &[("bad.csv", b"0.5,1\nNaN,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:1: not a finite number (\"NaN\")"],
    },
    Case {
        name: "infinity in the logits",
        files: &[("bad.csv", b"0.5,-inf\n1,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:2: not a finite number (\"-inf\")"],
    },
    Case {
        name: "a number too large for f64",
        files: &[("bad.csv", b"0.5,1e400\n1,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:2: not a finite number (\"1e400\")"],
    },
    Case {
        name: "NaN in the targets",
        files: &[X, ("y.csv", b"1,0\nnan,1\n")],
        args: &["loss", "x.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["y.csv:2:1: not a finite number (\"nan\")"],
    },
    Case {
        name: "too many --weight values",
        files: &[X, Y],
        args: &["loss", "--weight", "1,2,3", "x.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["--weight has 3 values, but x.csv has 2 columns"],
    },
    Case {
        name: "too few --pos-weight values",
        files: &[("x3.csv", b"1,2,3\n"), ("y3.csv", b"1,0,1\n")],
        args: &["loss", "--pos-weight", "1,2", "x3.csv", "y3.csv"],
        stdin: b"",
        code: 1,
        message: &["--pos-weight has 2 values, but x3.csv has 3 columns"],
    },
    Case {
        name: "a non-number in --weight",
        files: &[X, Y],
        args: &["loss", "--weight", "1,x", "x.csv", "y.csv"],
        stdin: b"",
        code: 2,
        message: &["--weight", "\"x\" is not a number"],
    },
    Case {
        name: "a non-finite --pos-weight",
        files: &[X, Y],
        args: &["loss", "--pos-weight", "1,inf", "x.csv", "y.csv"],
        stdin: b"",
        code: 2,
        message: &["--pos-weight has inf, which is not a finite number"],
    },
    Case {
        name: "--pos-weight with mlsm",
        files: &[X, Y],
        args: &[
            "loss",
            "--kind",
            "mlsm",
            "--pos-weight",
            "2",
            "x.csv",
            "y.csv",
        ],
        stdin: b"",
        code: 2,
        message: &["--pos-weight applies to --kind bce only"],
    },
    Case {
        name: "a missing file",
        files: &[Y],
        args: &["loss", "missing.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["missing.csv: cannot open: No such file or directory"],
    },
    Case {
        name: "an unreadable file (a directory)",
        files: &[Y],
        args: &["loss", ".", "y.csv"],
        stdin: b"",
        code: 1,
        message: &[".: cannot read: Is a directory"],
    },
    Case {
        name: "JSON that is an object",
        files: &[("bad.json", b"{\"logits\": [[1, 2]]}"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        // An object is read only as pandas' to_json() writes a table.
        message: &[
            "bad.json: a JSON object whose member \"logits\" is not an object",
            "orient=\"records\"",
        ],
    },
    Case {
        name: "JSON that is a 1-D array: one sample, against two",
        files: &[("bad.json", b"[1, 2]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &[
            "y.csv:2:",
            "row 2 has no partner: bad.json ends after 1 row",
        ],
    },
    Case {
        name: "JSON nested to different depths",
        files: &[("bad.json", b"[\n  [1, [2]]\n]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:2:", "an array where a number belongs"],
    },
    Case {
        name: "JSON with a string value",
        files: &[("bad.json", b"[[1, 2],\n [3, \"4\"]]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &[
            "bad.json:2:",
            "invalid type: string \"4\", expected a number",
        ],
    },
    Case {
        name: "ragged JSON",
        files: &[("bad.json", b"[[1, 2],\n [3]]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &[
            "bad.json:2:",
            "ragged row: row 2 has 1 value, but earlier rows have 2",
        ],
    },
    Case {
        name: "truncated JSON",
        files: &[("bad.json", b"[[1, 2],\n [3, 4"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:2:", "EOF while parsing"],
    },
    Case {
        name: "a bad JSONL line",
        files: &[("bad.jsonl", b"[1, 2]\n[3, true]\n"), Y],
        args: &["loss", "bad.jsonl", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.jsonl:2:", "expected a number"],
    },
    Case {
        name: "invalid UTF-8 in a matrix",
        files: &[("bad.csv", b"0.5,1\n\xff\xfe,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:1: invalid UTF-8"],
    },
    Case {
        name: "invalid UTF-8 in a label",
        files: &[("labels.csv", b"a,b\nc,\xff\n")],
        args: &["binarize", "labels.csv"],
        stdin: b"",
        code: 1,
        message: &["labels.csv:2:2: invalid UTF-8"],
    },
    Case {
        name: "both inputs on stdin",
        files: &[],
        args: &["loss", "-", "-"],
        stdin: b"1\n",
        code: 2,
        message: &["only one input can be stdin (-)"],
    },
    Case {
        name: "duplicate --classes",
        files: &[],
        args: &["binarize", "--classes", "a,b,a"],
        stdin: b"a\n",
        code: 2,
        message: &["--classes", "class \"a\" is given twice"],
    },
    Case {
        name: "an unknown label with --unknown error",
        files: &[("labels.csv", b"a\nb,zz\n")],
        args: &[
            "binarize",
            "--classes",
            "a,b",
            "--unknown",
            "error",
            "labels.csv",
        ],
        stdin: b"",
        code: 1,
        message: &["labels.csv:2:2: label is not in --classes (\"zz\")"],
    },
    Case {
        name: "an unclosed quote",
        files: &[("labels.csv", b"a\n\"b,c\nd\n")],
        args: &["binarize", "labels.csv"],
        stdin: b"",
        code: 1,
        message: &["labels.csv:2: quoted field is never closed"],
    },
    Case {
        name: "a missing --column",
        files: &[("movies.csv", b"id,title\n1,Heat\n")],
        args: &["binarize", "--column", "genres", "movies.csv"],
        stdin: b"",
        code: 1,
        message: &["movies.csv:1: no column named \"genres\" in the header"],
    },
    Case {
        name: "a label that is not a string or number in JSON",
        files: &[("labels.jsonl", b"[\"a\"]\n[\"b\", null]\n")],
        args: &["binarize", "labels.jsonl"],
        stdin: b"",
        code: 1,
        message: &["labels.jsonl:2: label 2 is not a string or a number (\"null\")"],
    },
    Case {
        // Both empty is the loss of no samples (tests/cli/hostile.rs).
        name: "an input without data rows, the other with rows",
        files: &[("empty.csv", b""), Y],
        args: &["loss", "empty.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["empty.csv: no data rows"],
    },
    Case {
        name: "a bad value after a header with a quoted line break",
        files: &[
            ("bad.csv", b"\"first\nclass\",second\n0.5,1\n2,x\n"),
            ("y.csv", b"\"first\nclass\",second\n1,0\n0,1\n"),
        ],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:4:2: not a number (\"x\")"],
    },
    Case {
        name: "a header that is wider than the rows",
        files: &[("bad.csv", b"a,b,c\n1,2\n3,4\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2: ragged row: 2 values, but the header has 3"],
    },
    Case {
        name: "NUL bytes",
        files: &[("bad.csv", b"0.5,\0\n-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:2: not a number (\"\\0\")"],
    },
    Case {
        name: "a lone carriage return (not a line break)",
        files: &[("bad.csv", b"0.5,1\r-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:2: not a number (\"1\\r-2\")"],
    },
    Case {
        name: "a header only",
        files: &[("bad.csv", b"a,b\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv: no data rows"],
    },
    Case {
        // Blank lines at the end are dropped (writers leave them): none left.
        name: "zero columns: empty lines only",
        files: &[("bad.csv", b"\n\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv: no data rows"],
    },
    Case {
        name: "an empty line between rows",
        files: &[("bad.csv", b"0.5,1\n\n-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2: empty line in a numeric matrix"],
    },
    Case {
        name: "zero columns in JSON",
        files: &[("bad.json", b"[[],[]]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:3: row 1 has no values"],
    },
    Case {
        name: "a hexadecimal number",
        files: &[("bad.csv", b"0x10,1\n-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:1: not a number (\"0x10\")"],
    },
    Case {
        name: "digits grouped with underscores",
        files: &[("bad.csv", b"1_000,1\n-2,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:1: not a number (\"1_000\")"],
    },
    Case {
        name: "Infinity spelled out",
        files: &[("bad.csv", b"0.5,1\nInfinity,3\n"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:1: not a finite number (\"Infinity\")"],
    },
    Case {
        name: "a JSON number too large for f64",
        files: &[("bad.json", b"[[1e400,1],[1,2]]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:7: number out of range"],
    },
    Case {
        name: "NaN in JSON (not JSON), even with --nonfinite allow",
        files: &[("bad.json", b"[[NaN,1],[1,2]]"), Y],
        args: &["loss", "--nonfinite", "allow", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:3: expected value"],
    },
    Case {
        name: "deeply nested JSON",
        files: &[
            (
                "bad.json",
                b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1",
            ),
            Y,
        ],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:65: EOF while parsing a list"],
    },
    Case {
        name: "JSON nested beyond serde_json's recursion limit",
        files: &[("bad.json", DEEP_JSON), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:128: recursion limit exceeded"],
    },
    Case {
        name: "deeply nested JSON labels",
        files: &[("labels.json", b"[[[[[[[[[[[[\"a\"]]]]]]]]]]]]")],
        args: &["binarize", "labels.json"],
        stdin: b"",
        code: 1,
        message: &["labels.json: row 1: label 1 is not a string or a number"],
    },
    Case {
        name: "trailing text after a JSON document",
        files: &[("bad.json", b"[[1,2],[3,4]] [[5,6]]"), Y],
        args: &["loss", "bad.json", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.json:1:15: trailing characters"],
    },
    Case {
        name: "a blank line in JSON Lines",
        files: &[("bad.jsonl", b"[1,2]\n\n[3,4]\n"), Y],
        args: &["loss", "bad.jsonl", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.jsonl:2: "],
    },
    Case {
        name: "a UTF-16 file",
        files: &[("bad.csv", b"\xff\xfe0\x00.\x005\x00,\x001\x00\n\x00"), Y],
        args: &["loss", "bad.csv", "y.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:1:1: invalid UTF-8"],
    },
    Case {
        name: "an unclosed quote after a bad row",
        files: &[
            ("bad.csv", b"0.5,1\n-2,x\n\"3,4\n"),
            ("y3.csv", b"1,0\n0,1\n1,1\n"),
        ],
        args: &["loss", "bad.csv", "y3.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:2: not a number (\"x\")"],
    },
    Case {
        name: "a target that is infinite, even with --nonfinite allow off",
        files: &[X, ("bad.csv", b"1,0\ninf,1\n")],
        args: &["loss", "x.csv", "bad.csv"],
        stdin: b"",
        code: 1,
        message: &["bad.csv:2:1: not a finite number (\"inf\")"],
    },
];

#[test]
fn each_bad_input_gives_a_clear_error() {
    for case in CASES {
        let dir = Workdir::new();
        for (name, contents) in case.files {
            dir.write(name, contents);
        }
        let output = dir.run_with_stdin(case.args, case.stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = case.name;
        assert_eq!(
            output.status.code(),
            Some(case.code),
            "{name}: exit code; stderr {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{name}: panic: {stderr}");
        assert!(
            output.stdout.is_empty() || STREAMED.contains(&name),
            "{name}: printed a result: {:?}",
            String::from_utf8_lossy(&output.stdout)
        );
        for fragment in case.message {
            assert!(
                stderr.contains(fragment),
                "{name}: {fragment:?} not in {stderr:?}"
            );
        }
        if case.code == 1 {
            assert!(stderr.starts_with("mlloss: error: "), "{name}: {stderr:?}");
            assert_eq!(
                stderr.lines().count(),
                1,
                "{name}: not one line: {stderr:?}"
            );
        }
    }
}

#[test]
fn a_scalar_reduction_prints_nothing_when_a_late_row_is_bad() {
    let dir = Workdir::new();
    let mut x = "0.5,1\n".repeat(5000);
    x.push_str("oops,1\n");
    let y = "1,0\n".repeat(5001);
    dir.write("x.csv", x).write("y.csv", y);
    for reduction in ["mean", "sum", "class"] {
        let output = dir.run(&["loss", "-r", reduction, "x.csv", "y.csv"]);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty(), "{reduction}");
        assert!(
            String::from_utf8_lossy(&output.stderr)
                .contains("x.csv:5001:1: not a number (\"oops\")")
        );
    }
}

#[test]
fn a_closed_pipe_is_a_normal_end() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,1\n".repeat(200_000))
        .write("y.csv", "1,0\n".repeat(200_000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlloss"))
        .args(["loss", "-r", "none"])
        .arg(dir.path("x.csv"))
        .arg(dir.path("y.csv"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[cfg_attr(not(mlloss_has_dev_full), ignore = "skipped: no /dev/full here")]
fn a_full_disk_is_an_error() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,1\n").write("y.csv", "1,0\n");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mlloss"))
        .args(["loss", "-r", "none"])
        .arg(dir.path("x.csv"))
        .arg(dir.path("y.csv"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("mlloss: error: cannot write to stdout: No space left on device"),
        "{stderr}"
    );
}

/// Hostile-looking input that is valid: it must give exactly the output of
/// its plain form (`plain`, run with the same arguments), or `stdout` when
/// given, with nothing on stderr.
struct Accepted {
    name: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    plain: &'static [(&'static str, &'static [u8])],
    args: &'static [&'static str],
    stdout: Option<&'static str>,
}

const ACCEPTED: &[Accepted] = &[
    Accepted {
        name: "a UTF-8 byte order mark",
        files: &[("x.csv", b"\xEF\xBB\xBF0.5,1\n-2,3\n"), Y],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "CRLF line ends",
        files: &[
            ("x.csv", b"0.5,1\r\n-2,3\r\n"),
            ("y.csv", b"1,0\r\n0,1\r\n"),
        ],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "a missing final newline",
        files: &[("x.csv", b"0.5,1\n-2,3"), ("y.csv", b"1,0\n0,1")],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "a BOM, a header and CRLF together",
        // Both named, so that columns pair by name without a warning.
        files: &[
            ("x.csv", b"\xEF\xBB\xBFa,b\r\n0.5,1\r\n-2,3"),
            ("y.csv", b"a,b\n1,0\n0,1\n"),
        ],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "blank lines at the end, as writers leave them",
        files: &[
            ("x.csv", b"0.5,1\n-2,3\n\n\r\n  \n"),
            ("y.csv", b"1,0\n0,1\n\n"),
        ],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "pandas' True and False in TARGETS",
        files: &[X, ("y.csv", b"True,False\nfalse,TRUE\n")],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "-0, .5, 5. and +3",
        files: &[("x.csv", b"-0,.5\n5.,+3\n"), Y],
        plain: &[("x.csv", b"0,0.5\n5,3\n"), Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "spaces and tabs around numbers",
        files: &[
            ("x.csv", b" 0.5 ,\t1\n-2\t, 3 \n"),
            ("y.csv", b"1 , 0\n0,1\n"),
        ],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "quoted numbers, one with a line break inside",
        files: &[("x.csv", b"\"0.5\n\",\"1\"\n-2,3\n"), Y],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "exponents and many digits",
        files: &[
            ("x.csv", b"5e-1,1.0000000000000000000000001\n-2E0,3e+0\n"),
            Y,
        ],
        plain: &[X, Y],
        args: &["loss", "-r", "none", "x.csv", "y.csv"],
        stdout: None,
    },
    Accepted {
        name: "nan, inf, -Infinity and 1e400 with --nonfinite allow",
        files: &[
            ("x.csv", b"nan,inf\n-Infinity,1e400\n"),
            ("y.csv", b"1,1\n0,0\n"),
        ],
        plain: &[],
        args: &[
            "loss",
            "--nonfinite",
            "allow",
            "-r",
            "none",
            "x.csv",
            "y.csv",
        ],
        stdout: Some("nan,0.0\n0.0,inf\n"),
    },
    Accepted {
        name: "a quoted label with a line break and a comma",
        files: &[("labels.csv", b"\"a\nb\",c\n\"x,y\"\n")],
        plain: &[],
        args: &["binarize", "--header", "labels.csv"],
        stdout: Some("\"a\nb\",c,\"x,y\"\n1,1,0\n0,0,1\n"),
    },
    Accepted {
        name: "labels with a BOM, CRLF and empty lines",
        files: &[("labels.csv", b"\xEF\xBB\xBFa,b\r\n\r\nb\r\n")],
        plain: &[("labels.csv", b"a,b\n\nb\n")],
        args: &["binarize", "labels.csv"],
        stdout: None,
    },
];

#[test]
fn hostile_but_valid_inputs_work_as_documented() {
    for case in ACCEPTED {
        let name = case.name;
        let dir = Workdir::new();
        for (file, contents) in case.files {
            dir.write(file, contents);
        }
        let output = dir.run(case.args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {stderr}");
        assert!(stderr.is_empty(), "{name}: {stderr}");
        let got = String::from_utf8(output.stdout).unwrap();
        let want = match case.stdout {
            Some(want) => want.to_owned(),
            None => {
                let plain = Workdir::new();
                for (file, contents) in case.plain {
                    plain.write(file, contents);
                }
                crate::harness::success(&plain.run(case.args))
            }
        };
        assert_eq!(got, want, "{name}");
    }
}

/// The bad-input suite: at least 40 malformed or hostile inputs.
#[test]
fn the_suite_covers_forty_inputs() {
    assert!(CASES.len() + ACCEPTED.len() + 3 >= 40);
}

/// Inputs too large to write out: a 100 MB line, a million columns, and
/// JSON nested two million deep. Each works or fails cleanly, in time and
/// memory that grow linearly (a quadratic rescan of the long line took
/// minutes before it was fixed).
#[test]
fn huge_lines_wide_rows_and_deep_nesting() {
    let dir = Workdir::new();
    // 100 MB in one line: 25,000,001 values.
    let mut long = "0.5,".repeat(25_000_000);
    long.push_str("1\n");
    let mut long_targets = "1,".repeat(25_000_000);
    long_targets.push_str("0\n");
    dir.write("long.csv", long)
        .write("long_y.csv", long_targets);
    let mean = crate::harness::numbers(&crate::harness::success(&dir.run(&[
        "loss",
        "long.csv",
        "long_y.csv",
    ])))[0][0];
    let term = |x: f64, y: f64| (1.0 - y) * x + (-x).exp().ln_1p();
    let want = (25_000_000.0 * term(0.5, 1.0) + term(1.0, 0.0)) / 25_000_001.0;
    assert!((mean - want).abs() <= 1e-12 * want, "{mean} vs {want}");

    // A million columns, and a ragged row after it.
    let wide: String = (0..1_000_000)
        .map(|j| if j == 0 { "0.25" } else { ",0.25" })
        .collect();
    let wide_y: String = (0..1_000_000)
        .map(|j| if j == 0 { "1" } else { ",1" })
        .collect();
    dir.write("wide.csv", format!("{wide}\n{wide}\n"))
        .write("wide_y.csv", format!("{wide_y}\n{wide_y},1\n"));
    let output = dir.run(&["loss", "wide.csv", "wide_y.csv"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wide_y.csv:2: ragged row: 1000001 values, but earlier rows have 1000000"),
        "{stderr}"
    );
    dir.write("wide_y.csv", format!("{wide_y}\n{wide_y}\n"));
    let row = dir.run(&["loss", "-r", "row", "wide.csv", "wide_y.csv"]);
    let want = term(0.25, 1.0);
    for value in crate::harness::numbers(&crate::harness::success(&row)) {
        assert!((value[0] - want).abs() <= 1e-12 * want);
    }

    // Nesting beyond serde_json's recursion limit, in labels and matrices.
    dir.write("deep.json", "[".repeat(2_000_000));
    for args in [
        &["binarize", "deep.json"][..],
        &["loss", "deep.json", "wide.csv"],
    ] {
        let output = dir.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("mlloss: error: deep.json:1:"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1);
    }
}
