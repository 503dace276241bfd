//! One case per kind of bad input: the exit code, a one-line message that
//! names the file and line (and column where it applies), no panic, and no
//! result printed. (Valid inputs that look hostile: `accepted_input.rs`;
//! late bad rows, closed pipes, full disks and huge lines:
//! `bad_streams.rs`.)

use crate::harness::Workdir;

pub(crate) struct Case {
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

pub(crate) const X: (&str, &[u8]) = ("x.csv", b"0.5,1\n-2,3\n");
pub(crate) const Y: (&str, &[u8]) = ("y.csv", b"1,0\n0,1\n");

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

pub(crate) const CASES: &[Case] = &[
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
        message: &["--pos-weight applies to --kind bce and poly1 only, not multilabel-soft-margin"],
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
