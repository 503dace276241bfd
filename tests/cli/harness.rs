//! A small harness: a scratch directory, running mlloss, reading its numbers.

use std::path::{Path, PathBuf};
use std::process::Output;

pub use assert_cmd::Command;

/// The mlloss binary built for these tests.
pub fn mlloss() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlloss"))
}

/// The repository's `fixtures/` folder.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// A scratch directory that commands run in, so that messages show short
/// relative file names.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &Self {
        std::fs::write(self.dir.path().join(name), contents).expect("write fixture");
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// mlloss with `args`, run inside the directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, b"")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        mlloss()
            .current_dir(self.dir.path())
            .args(args)
            .write_stdin(stdin.to_vec())
            .output()
            .expect("run mlloss")
    }
}

/// stdout that must be a success, as text.
pub fn success(output: &Output) -> String {
    assert!(
        output.status.success(),
        "mlloss failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// The numbers mlloss printed, one inner vector per line.
pub fn numbers(stdout: &str) -> Vec<Vec<f64>> {
    stdout
        .lines()
        .map(|line| {
            line.split(',')
                .map(|v| {
                    v.parse::<f64>()
                        .unwrap_or_else(|_| panic!("not a number: {v:?}"))
                })
                .collect()
        })
        .collect()
}

/// Writes a matrix as CSV with every value in shortest round-trip form.
pub fn csv(matrix: &[Vec<f64>]) -> String {
    matrix
        .iter()
        .map(|row| {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            cells.join(",") + "\n"
        })
        .collect()
}

/// |got - want| <= rtol·|want|, elementwise, same shape.
pub fn assert_close(got: &[Vec<f64>], want: &[Vec<f64>], rtol: f64, context: &str) {
    assert_eq!(
        got.iter().map(Vec::len).collect::<Vec<_>>(),
        want.iter().map(Vec::len).collect::<Vec<_>>(),
        "{context}: shape"
    );
    for (g_row, w_row) in got.iter().zip(want) {
        for (&g, &w) in g_row.iter().zip(w_row) {
            assert!(
                (g - w).abs() <= rtol * w.abs(),
                "{context}: got {g:?}, want {w:?} (relative error {:e})",
                ((g - w) / w).abs()
            );
        }
    }
}

/// Seeded uniform numbers in [0, 1) (xorshift64), for generated inputs.
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}
