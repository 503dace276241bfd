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

/// Runs `fixtures/<folder>/cases.json` (at least `at_least` cases, written
/// by the folder's generate.py): each case's command (in the folder, with a
/// fixture as stdin if it names one) must print what its plain command
/// prints, byte for byte, or fail with exit 1 and one line containing its
/// error.
pub fn run_fixture_cases(folder: &str, at_least: usize) {
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let run = |args: &[String], stdin: Option<&str>| {
        let stdin = stdin.map_or_else(Vec::new, |f| {
            std::fs::read(fixture(&format!("{folder}/{f}"))).unwrap()
        });
        mlloss()
            .current_dir(fixture(folder))
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    let text = std::fs::read_to_string(fixture(&format!("{folder}/cases.json"))).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= at_least, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let out = run(&strings(&case["args"]), case["stdin"].as_str());
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(error) = case["error"].as_str() {
            assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
            assert!(
                stderr.starts_with("mlloss: error: ") && stderr.contains(error),
                "{name}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
            continue;
        }
        assert!(out.status.success(), "{name}: {stderr}");
        let plain = run(&strings(&case["same_as"]), None);
        assert!(plain.status.success(), "{name} (plain)");
        assert!(!plain.stdout.is_empty(), "{name} (plain) printed nothing");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&plain.stdout),
            "{name}"
        );
    }
}

/// A `.npy` header for `shape` of little-endian float64 (or `descr`), no data.
pub fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    npy_header_in_order(descr, shape, false)
}

/// The same in Fortran order when `fortran`.
pub fn npy_header_in_order(descr: &str, shape: &str, fortran: bool) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes
}
