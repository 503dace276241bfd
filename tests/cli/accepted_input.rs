//! Hostile-looking input that is valid (a byte order mark, odd spellings
//! of numbers and booleans, …): the same output as its plain form.

use crate::bad_input::{CASES, X, Y};
use crate::harness::Workdir;

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
