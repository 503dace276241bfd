//! Names the commit the binary is built from, for `--version`, and tells
//! the tests what this machine lacks, so that a test whose
//! prerequisite is missing is reported as ignored ("skipped: …") instead of
//! passing without having run. libtest cannot skip at run time; a `cfg` set
//! here lets a test say `#[cfg_attr(not(mlloss_has_script), ignore = "…")]`.
//!
//! The build script runs on the machine that builds the tests, which is the
//! one that runs them (`cargo test`). It looks again when PATH or what it
//! found changes; while something is missing it looks on every build.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    for name in [
        "mlloss_has_script",
        "mlloss_has_dev_full",
        "mlloss_host_avx2_fma",
        "mlloss_runs_as_root",
    ] {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    version();
    // script(1) (util-linux) gives the progress test a terminal.
    if present(&on_path("script")) {
        println!("cargo::rustc-cfg=mlloss_has_script");
    }
    // /dev/full makes every write fail with "no space left on device".
    if present(&[Path::new("/dev/full").to_owned()]) {
        println!("cargo::rustc-cfg=mlloss_has_dev_full");
    }
    // Only root may give a file to another owner (the -o ownership test).
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if status
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    {
        println!("cargo::rustc-cfg=mlloss_runs_as_root");
    }
    // Without AVX2 and FMA the dispatched loss kernel is the portable one,
    // and comparing the two compares a function with itself.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        println!("cargo::rustc-cfg=mlloss_host_avx2_fma");
    }
}

/// `MLLOSS_VERSION_TEXT`, what `--version` prints after the name: the
/// package's version, and when built from a git checkout the commit (with
/// `-dirty` if tracked files differ from it), so that a binary says what it
/// was built from. Built from a source archive (a wheel's sdist), the
/// version alone.
fn version() {
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let text = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if Path::new(".git").exists() => {
            // The commit changes with HEAD, the branch it names and packed refs;
            // `-dirty` with the index and the tracked files (src/, Cargo.toml).
            for path in [
                ".git/HEAD",
                ".git/index",
                ".git/packed-refs",
                "src",
                "Cargo.toml",
            ] {
                println!("cargo::rerun-if-changed={path}");
            }
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
                println!("cargo::rerun-if-changed=.git/{branch}");
            }
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|changes| !changes.is_empty());
            let suffix = if dirty { "-dirty" } else { "" };
            format!("{package} (commit {commit}{suffix})")
        }
        _ => package,
    };
    println!("cargo::rustc-env=MLLOSS_VERSION_TEXT={text}");
}

/// Where `program` would be on PATH.
fn on_path(program: &str) -> Vec<PathBuf> {
    let paths = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .collect()
}

/// Whether one of `candidates` exists. Cargo reruns this script when a
/// watched path changes, and on every build while one does not exist.
fn present(candidates: &[PathBuf]) -> bool {
    match candidates.iter().find(|path| path.exists()) {
        Some(found) => {
            println!("cargo::rerun-if-changed={}", found.display());
            true
        }
        None => {
            for path in candidates {
                println!("cargo::rerun-if-changed={}", path.display());
            }
            false
        }
    }
}
