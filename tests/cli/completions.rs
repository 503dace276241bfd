//! `mlloss completions` and `mlloss man`: non-empty, and valid where a
//! checker is at hand (bash -n, groff).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{Workdir, success};

/// Runs `program args` on `input`; `None` when the program is not installed.
fn check_with(program: &str, args: &[&str], input: &str) -> Option<(bool, String)> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn completion_scripts_for_every_shell() {
    let dir = Workdir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = success(&dir.run(&["completions", shell]));
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for word in ["loss", "binarize", "reduction", "ignore-value"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let bash = success(&dir.run(&["completions", "bash"]));
    if let Some((ok, stderr)) = check_with("bash", &["-n"], &bash) {
        assert!(ok, "bash -n: {stderr}");
    }
    let out = dir.run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn manual_pages_render() {
    let dir = Workdir::new();
    for page in [None, Some("loss"), Some("binarize")] {
        let args: Vec<&str> = ["man"].into_iter().chain(page).collect();
        let roff = success(&dir.run(&args));
        assert!(roff.contains(".TH mlloss"), "{page:?}");
        assert!(
            roff.contains(".SH NAME") && roff.contains(".SH SYNOPSIS"),
            "{page:?}"
        );
        if page == Some("loss") {
            assert!(roff.contains("label\\-smoothing"), "options are listed");
        }
        // groff: -k reads UTF-8, -ww warns about everything, -z renders to nothing.
        if let Some((ok, stderr)) = check_with("groff", &["-k", "-man", "-ww", "-z"], &roff) {
            assert!(ok && stderr.is_empty(), "{page:?}: {stderr}");
        }
    }
    let out = dir.run(&["man", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
}
