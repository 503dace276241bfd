//! Bad input and bad outputs that only show in a stream: a bad row after
//! thousands of good ones, a reader that closes the pipe, a full disk, and
//! lines, rows and nesting too large to write out.

use crate::harness::Workdir;

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
