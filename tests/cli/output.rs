//! `-o/--output FILE`: replaced only on success, never left half-written,
//! no temporary file left behind, whatever ends the command.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Workdir, success};

const OLD: &str = "old content\n";

/// Every file in the directory other than the inputs: what `-o` may leave.
pub(crate) fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("mlloss-tmp"))
        .collect();
    names.sort();
    names
}

fn big_inputs(dir: &Workdir, rows: usize) {
    let logits: String = (0..rows).map(|i| format!("{}.25,-1.5\n", i % 7)).collect();
    let targets: String = (0..rows).map(|i| format!("{},1\n", i % 2)).collect();
    dir.write("x.csv", logits).write("y.csv", targets);
}

#[test]
fn output_file_is_written_on_success() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,1\n").write("y.csv", "1,0\n");
    dir.write("labels.csv", "a,b\nc\n").write("out.csv", OLD);
    let to_stdout = success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]));
    let out = dir.run(&["loss", "-r", "none", "-o", "out.csv", "x.csv", "y.csv"]);
    assert_eq!(success(&out), "", "nothing on stdout");
    assert_eq!(
        std::fs::read_to_string(dir.path("out.csv")).unwrap(),
        to_stdout
    );
    let out = dir.run(&["binarize", "--output", "out.csv", "labels.csv"]);
    assert_eq!(success(&out), "");
    assert_eq!(
        std::fs::read_to_string(dir.path("out.csv")).unwrap(),
        "1,1,0\n0,0,1\n"
    );
    // A new file in a subdirectory; `-o -` is stdout.
    std::fs::create_dir(dir.path("sub")).unwrap();
    success(&dir.run(&["binarize", "-o", "sub/new.csv", "labels.csv"]));
    assert!(dir.path("sub/new.csv").exists());
    assert_eq!(
        success(&dir.run(&["binarize", "-o", "-", "labels.csv"])),
        "1,1,0\n0,0,1\n"
    );
    assert!(leftovers(&dir.path("")).is_empty());
    assert!(leftovers(&dir.path("sub")).is_empty());
}

#[cfg(unix)]
#[test]
fn output_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Workdir::new();
    dir.write("labels.csv", "a\n").write("out.csv", OLD);
    let mode = std::fs::Permissions::from_mode(0o640);
    std::fs::set_permissions(dir.path("out.csv"), mode).unwrap();
    success(&dir.run(&["binarize", "-o", "out.csv", "labels.csv"]));
    let meta = std::fs::metadata(dir.path("out.csv")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
}

/// Errors before any output, after some streamed output (a bad row late
/// in a large `none` run), and in binarize: the old content survives.
#[test]
fn output_file_keeps_its_old_content_on_error() {
    let dir = Workdir::new();
    big_inputs(&dir, 200_000);
    // The last row bad (as many rows as x.csv: an extra row would make a
    // first line `0,1` pandas' column names, by the count).
    let mut bad = std::fs::read_to_string(dir.path("y.csv")).unwrap();
    bad.truncate(bad.trim_end().rfind('\n').map_or(0, |i| i + 1));
    bad.push_str("0,7\n");
    dir.write("bad.csv", bad).write("labels.csv", "a\n\"b\n");
    let runs: [&[&str]; 4] = [
        &["loss", "-o", "out.csv", "x.csv", "missing.csv"],
        &["loss", "-r", "none", "-o", "out.csv", "x.csv", "bad.csv"],
        &["loss", "-r", "mean", "-o", "out.csv", "x.csv", "bad.csv"],
        &["binarize", "-o", "out.csv", "labels.csv"],
    ];
    for args in runs {
        dir.write("out.csv", OLD);
        let out = dir.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("mlloss: error: "), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(dir.path("out.csv")).unwrap(),
            OLD,
            "{args:?}"
        );
        assert_eq!(leftovers(&dir.path("")), Vec::<String>::new(), "{args:?}");
    }
}

#[test]
fn unwritable_output_is_an_error() {
    let dir = Workdir::new();
    dir.write("labels.csv", "a\n");
    let out = dir.run(&["binarize", "-o", "no/such/dir/out.csv", "labels.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: error: cannot write to no/such/dir/out.csv: No such file or directory\n"
    );
}

#[test]
#[cfg_attr(not(mlloss_has_dev_full), ignore = "skipped: no /dev/full here")]
fn a_full_device_under_dash_o_is_an_error() {
    let dir = Workdir::new();
    dir.write("labels.csv", "a\n");
    let out = dir.run(&["binarize", "-o", "/dev/full", "labels.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write to /dev/full: No space left on device"),
        "{stderr}"
    );
}

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP while mlloss is writing `-o FILE`:
/// it dies of that signal after cleaning up (a shell reports 128 + its
/// number: 130, 143, 129), FILE keeps its old content and no temporary file
/// remains.
/// TARGETS comes from a pipe that the test keeps open, so mlloss is
/// certainly mid-run (the temporary file exists) when the signal arrives.
#[cfg(unix)]
#[test]
fn a_signal_leaves_the_output_file_untouched() {
    let dir = Workdir::new();
    big_inputs(&dir, 10_000);
    use std::os::unix::process::ExitStatusExt;
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        dir.write("out.csv", OLD);
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlloss"))
            .current_dir(dir.path(""))
            .args(["loss", "-r", "none", "-o", "out.csv", "x.csv", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mlloss");
        let mut stdin = child.stdin.take().unwrap();
        // More than the first job's rows, fewer than the logits.
        for i in 0..1000 {
            writeln!(stdin, "{},1", i % 2).unwrap();
        }
        stdin.flush().unwrap();
        let start = Instant::now();
        while leftovers(&dir.path("")).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no temporary file appeared"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(output.status.signal(), Some(number), "SIG{signal}");
        assert!(output.stderr.is_empty(), "SIG{signal}");
        assert_eq!(
            std::fs::read_to_string(dir.path("out.csv")).unwrap(),
            OLD,
            "SIG{signal}"
        );
        assert_eq!(
            leftovers(&dir.path("")),
            Vec::<String>::new(),
            "SIG{signal}"
        );
    }
}

/// The progress bar appears on a terminal (a pseudo-terminal from
/// `script`), never on stdout, and not with --quiet; elsewhere stderr stays
/// empty. MLLOSS_PROGRESS_DELAY_MS=0 shows it at once instead of after the
/// usual moment.
#[cfg(unix)]
#[test]
#[cfg_attr(
    not(mlloss_has_script),
    ignore = "skipped: no script(1) here to give mlloss a terminal"
)]
fn progress_goes_to_a_terminal_only() {
    let dir = Workdir::new();
    big_inputs(&dir, 20_000);
    let binary = env!("CARGO_BIN_EXE_mlloss");
    let run_on_terminal = |extra: &str, out: &str| {
        let command = format!("{binary} loss {extra} -r none x.csv y.csv > {out}");
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir.path(""))
            .env("MLLOSS_PROGRESS_DELAY_MS", "0")
            .output()
            .expect("run script")
    };
    let plain = dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]);
    assert!(plain.stderr.is_empty());
    let shown = run_on_terminal("", "a.csv");
    assert!(shown.status.success());
    let terminal = String::from_utf8_lossy(&shown.stdout);
    assert!(
        terminal.contains("KiB"),
        "no bar on the terminal: {terminal:?}"
    );
    assert_eq!(std::fs::read(dir.path("a.csv")).unwrap(), plain.stdout);
    let quiet = run_on_terminal("--quiet", "b.csv");
    assert!(quiet.status.success());
    assert!(
        quiet.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&quiet.stdout)
    );
    assert_eq!(std::fs::read(dir.path("b.csv")).unwrap(), plain.stdout);
}
