//! NumPy `.npy` inputs (fixtures/npy, written by fixtures/npy/generate.py):
//! every dtype, order and byte order gives exactly what the same values in
//! CSV give.

use crate::harness::{Workdir, fixture, npy_header, success};

fn npy(name: &str) -> String {
    fixture(&format!("npy/{name}")).display().to_string()
}

#[test]
fn npy_inputs_equal_their_csv_form() {
    let dir = Workdir::new();
    let logits = [
        "logits-f64",
        "logits-f32",
        "logits-f64-fortran",
        "logits-f64-bigendian",
        "logits-i32",
    ];
    let targets = ["targets-bool", "targets-u8", "targets-i64-fortran"];
    for x in logits {
        for y in targets {
            for reduction in ["none", "mean", "class"] {
                let run = |ext: &str| {
                    let (x, y) = (npy(&format!("{x}.{ext}")), npy(&format!("{y}.{ext}")));
                    success(&dir.run(&["loss", "-r", reduction, "-j", "2", &x, &y]))
                };
                assert_eq!(run("npy"), run("csv"), "{x} {y} {reduction}");
            }
        }
    }
    // A 1-D array is one sample (PyTorch's "no batch dimension"): its CSV
    // form is one line.
    let one_line = |file: &str| {
        let text = std::fs::read_to_string(npy(file)).unwrap();
        text.lines().collect::<Vec<_>>().join(",") + "\n"
    };
    dir.write("x.csv", one_line("column-f64.csv"))
        .write("y.csv", one_line("column-targets.csv"));
    let from_npy = success(&dir.run(&[
        "loss",
        "-r",
        "none",
        &npy("column-f64.npy"),
        &npy("column-targets.npy"),
    ]));
    assert_eq!(
        from_npy,
        success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]))
    );
    assert_eq!(from_npy.lines().count(), 1);
}

#[test]
fn npy_from_stdin_and_mixed_with_csv_files() {
    let dir = Workdir::new();
    let bytes = std::fs::read(npy("logits-f64.npy")).unwrap();
    // --format applies to every input; without it the extension decides.
    let out = dir.run_with_stdin(
        &["loss", "-f", "npy", "-", &npy("targets-bool.npy")],
        &bytes,
    );
    let want = success(&dir.run(&["loss", &npy("logits-f64.csv"), &npy("targets-bool.csv")]));
    assert_eq!(success(&out), want);
    let out = dir.run(&["loss", &npy("logits-f64.npy"), &npy("targets-bool.csv")]);
    assert_eq!(success(&out), want);
}

#[test]
fn npy_weight_files_and_inverse() {
    let dir = Workdir::new();
    // A (1, C) array is one row of per-class weights.
    let weights = std::fs::read(npy("targets-u8.npy")).unwrap();
    dir.write("w.npy", weights);
    let (x, y) = (npy("logits-f64.npy"), npy("targets-bool.npy"));
    let with_file = success(&dir.run(&["loss", "-r", "none", "--weight-file", "w.npy", &x, &y]));
    let with_csv = success(&dir.run(&[
        "loss",
        "-r",
        "none",
        "--weight-file",
        &npy("targets-u8.csv"),
        &x,
        &y,
    ]));
    assert_eq!(with_file, with_csv);
    // binarize --inverse reads a bool matrix.
    let back = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "a,b,c,d",
        &npy("targets-bool.npy"),
    ]);
    let back_csv = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "a,b,c,d",
        &npy("targets-bool.csv"),
    ]);
    assert_eq!(success(&back), success(&back_csv));
}

#[test]
fn bad_npy_files_are_clear_errors() {
    let dir = Workdir::new();
    let y = npy("targets-bool.npy");
    let cases = [
        (
            npy("three-d.npy"),
            "targets-bool.npy: an array of shape (6, 4), but",
        ),
        (
            npy("not-npy.npy"),
            "not a .npy file mlloss reads: no .npy magic string",
        ),
    ];
    for (x, message) in cases {
        let out = dir.run(&["loss", &x, &y]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
    // A value out of range is named by row and column.
    let out = dir.run(&["loss", &npy("logits-f64.npy"), &npy("logits-f64.npy")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logits-f64.npy:1:1: target outside [0, 1]"),
        "{stderr}"
    );
    let out = dir.run(&["binarize", &npy("logits-f64.npy")]);
    assert_eq!(out.status.code(), Some(1));
}

/// Bytes after the data are refused (ndarray-npy checks the length); rows
/// before a bad value are printed before its error, as for CSV.
#[test]
fn npy_trailing_bytes_and_late_errors() {
    let dir = Workdir::new();
    let mut bytes = std::fs::read(npy("logits-f64.npy")).unwrap();
    bytes.extend_from_slice(b"trailing junk that is not data");
    dir.write("x.npy", &bytes);
    let out = dir.run(&["loss", "x.npy", &npy("targets-bool.npy")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "x.npy: not a .npy file of numbers or bools mlloss reads: file had 30 extra bytes"
        ),
        "{stderr}"
    );
    // Logits as targets: row 1 is bad at once; a bool matrix with a 2 in row 4 later.
    let mut targets = std::fs::read(npy("targets-u8.npy")).unwrap();
    let data = targets.len() - 24;
    targets[data + 3 * 4 + 2] = 2;
    dir.write("y.npy", &targets);
    let out = dir.run(&["loss", "-r", "none", &npy("logits-f64.npy"), "y.npy"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("y.npy:4:3: target outside [0, 1] (\"2.0\")"),
        "{stderr}"
    );
    // The same bad value in CSV: the same output before the same error.
    let csv = std::fs::read_to_string(npy("targets-u8.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[2] = "2.0";
    lines[3] = cells.join(",");
    dir.write("y.csv", lines.join("\n") + "\n");
    let from_csv = dir.run(&["loss", "-r", "none", &npy("logits-f64.csv"), "y.csv"]);
    assert_eq!(out.stdout, from_csv.stdout);
    assert!(String::from_utf8_lossy(&from_csv.stderr).contains("y.csv:4:3: target outside [0, 1]"));
}

/// Headers that claim more than the file holds are refused before any
/// allocation of that size (a 3 GB header, a 10^6 × 10^6 array).
#[test]
fn npy_headers_larger_than_the_file_are_refused() {
    let dir = Workdir::new();
    let mut huge_header = b"\x93NUMPY\x03\x00".to_vec();
    huge_header.extend_from_slice(&0xbfea_548au32.to_le_bytes());
    huge_header.extend_from_slice(b"{'descr': '<f8'");
    dir.write("a.npy", &huge_header);
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }";
    let mut huge_shape = b"\x93NUMPY\x01\x00".to_vec();
    huge_shape.extend_from_slice(&(header.len() as u16 + 1).to_le_bytes());
    huge_shape.extend_from_slice(header.as_bytes());
    huge_shape.push(b'\n');
    huge_shape.extend_from_slice(&[0; 64]);
    dir.write("b.npy", &huge_shape);
    for (file, message) in [
        ("a.npy", "the header is longer than the file"),
        (
            "b.npy",
            "the shape holds more values than the file has bytes",
        ),
    ] {
        let bytes = std::fs::read(dir.path(file)).unwrap();
        // From a file (mapped) and from stdin (read whole).
        let outs = [
            dir.run(&["loss", file, file]),
            dir.run_with_stdin(&["loss", "-f", "npy", "-", file], &bytes),
        ];
        for out in outs {
            assert_eq!(out.status.code(), Some(1), "{file}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(message), "{file}: {stderr}");
        }
    }
}

/// float16 (AMP logits, `a.astype(np.float16)`), in either byte order,
/// mapped, from stdin and out of gzip: exactly the float64 values of its
/// CSV form. It was refused, while float16 Parquet was read.
#[test]
fn float16_npy_is_read_exactly() {
    use std::io::Write;
    let dir = Workdir::new();
    let y = npy("targets-bool.npy");
    let want = success(&dir.run(&["loss", "-r", "none", &npy("logits-f16.csv"), &y]));
    for file in ["logits-f16.npy", "logits-f16-bigendian.npy"] {
        let got = success(&dir.run(&["loss", "-r", "none", &npy(file), &y]));
        assert_eq!(got, want, "{file}");
        let bytes = std::fs::read(npy(file)).unwrap();
        let out = dir.run_with_stdin(&["loss", "-r", "none", "-f", "npy", "-", &y], &bytes);
        assert_eq!(success(&out), want, "{file} from stdin");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        dir.write("x.npy.gz", gz.finish().unwrap());
        let got = success(&dir.run(&["loss", "-r", "none", "x.npy.gz", &y]));
        assert_eq!(got, want, "{file} gzipped");
    }
}

/// A shape NumPy itself refuses ("array is too big": its non-zero
/// dimensions times the value's size exceed 2**63 bytes) is refused, even
/// with no value in it; (0, 2**61) of uint8 is a sound empty array.
#[test]
fn a_shape_numpy_refuses_is_refused() {
    let dir = Workdir::new();
    dir.write("big.npy", npy_header("<f8", "(0, 2305843009213693952)"))
        .write("bytes.npy", npy_header("|u1", "(0, 2305843009213693952)"));
    let bytes = std::fs::read(dir.path("big.npy")).unwrap();
    let runs = [
        ("big.npy", dir.run(&["loss", "big.npy", "big.npy"])),
        (
            "<stdin>",
            dir.run_with_stdin(&["loss", "-f", "npy", "-", "big.npy"], &bytes),
        ),
    ];
    for (name, out) in runs {
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "mlloss: error: {name}: not a .npy file mlloss reads: a shape of (0, \
                 2305843009213693952) with 8-byte values, which NumPy refuses too (\"array is \
                 too big\": its dimensions times the value's size exceed 2**63 bytes)\n"
            )
        );
    }
    let out = dir.run(&["loss", "bytes.npy", "bytes.npy"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("too big"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `.npy` from a stream ends where its header says: short data are an
/// error at the row they cut, after the rows before it, and bytes after
/// them an error after all rows, as from a file.
#[test]
fn a_streamed_npy_is_checked_at_its_end() {
    let dir = Workdir::new();
    let rows = 300;
    let (mut x, mut y) = (npy_header("<f8", "(300, 2)"), npy_header("<f8", "(300, 2)"));
    let mut next = crate::harness::uniform(5);
    for _ in 0..rows * 2 {
        x.extend((next() * 6.0 - 3.0).to_le_bytes());
        y.extend(f64::from(u8::from(next() < 0.5)).to_le_bytes());
    }
    // --format applies to every input: TARGETS is a .npy too.
    dir.write("y.npy", &y);
    let args = ["loss", "-r", "none", "-f", "npy", "-", "y.npy"];
    let whole = success(&dir.run_with_stdin(&args, &x));
    // Cut in row 250: the 249 rows before it are printed, then the error.
    let cut = x.len() - 51 * 16 + 4;
    let out = dir.run_with_stdin(&args, &x[..cut]);
    assert_eq!(out.status.code(), Some(1));
    let before: String = whole.lines().take(249).map(|l| format!("{l}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), before);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: <stdin>: not a .npy file mlloss reads: the shape holds more values than \
         the file has bytes (the data end in row 250 of 300: a truncated file?)\n"
    );
    x.extend(b"junk");
    let out = dir.run_with_stdin(&args, &x);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), whole);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: <stdin>: not a .npy file of numbers or bools mlloss reads: file had 4 \
         extra bytes after the data its header describes\n"
    );
}

/// A `.npy` out of gzip is converted as it streams, a chunk of rows at a
/// time: 30,000,000 uint8 zeros (a gzip of 130 KB) were converted whole to
/// f64, 240 MB for each input (540 MB resident in all; 17 MB now), and
/// failed under a cap of 300 MB of address space.
#[cfg(unix)]
#[test]
fn a_compressed_npy_is_converted_as_it_streams() {
    use std::io::Write;
    if !std::path::Path::new("/bin/bash").exists() {
        eprintln!("skipped: no /bin/bash to cap memory with ulimit");
        return;
    }
    let dir = Workdir::new();
    let (rows, cols) = (3_000_000usize, 10usize);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&npy_header("|u1", &format!("({rows}, {cols})")))
        .unwrap();
    let block = vec![0u8; 1 << 20];
    let mut left = rows * cols;
    while left > 0 {
        let n = left.min(block.len());
        gz.write_all(&block[..n]).unwrap();
        left -= n;
    }
    dir.write("zeros.npy.gz", gz.finish().unwrap());
    let out = std::process::Command::new("/bin/bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" loss -r sum -j 1 zeros.npy.gz zeros.npy.gz",
            300_000
        ))
        .arg(env!("CARGO_BIN_EXE_mlloss"))
        .current_dir(dir.path(""))
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .unwrap();
    let sum: f64 = success(&out).trim().parse().unwrap();
    let want = (rows * cols) as f64 * std::f64::consts::LN_2;
    assert!((sum - want).abs() <= 1e-12 * want, "{sum} against {want}");
}

/// A `.npy` from a stream is read as far as its header says: `/dev/zero`
/// is not a .npy at its first bytes (it was read until memory ran out), a
/// header claiming more than memory is an error, and data that go on past
/// the shape are trailing bytes.
#[test]
fn a_npy_stream_is_read_as_far_as_its_header_says() {
    let dir = Workdir::new();
    // --format applies to every input: TARGETS is a .npy too.
    let mut y = npy_header("<f8", "(1, 2)");
    y.extend(1.0f64.to_le_bytes());
    y.extend(0.0f64.to_le_bytes());
    dir.write("y.npy", &y);
    if std::path::Path::new("/dev/zero").exists() {
        let zeros = std::fs::File::open("/dev/zero").unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlloss"))
            .current_dir(dir.path(""))
            .args(["loss", "--format", "npy", "-", "y.npy"])
            .stdin(zeros)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "mlloss: error: <stdin>: not a .npy file mlloss reads: no .npy magic string\n"
        );
    }
    let huge = npy_header("<f8", "(1000000000000000, 2)");
    dir.write("huge.npy", &huge);
    let out = dir.run_with_stdin(&["loss", "--format", "npy", "-", "huge.npy"], &huge);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("out of memory: its header says 16000000000000000 bytes of data")
            || stderr.contains("the shape holds more values than the file has bytes"),
        "{stderr}"
    );
    let mut long = npy_header("<f8", "(1, 2)");
    long.extend(0.5f64.to_le_bytes());
    long.extend(1.5f64.to_le_bytes());
    long.extend([0u8; 5]);
    let out = dir.run_with_stdin(&["loss", "--format", "npy", "-", "y.npy"], &long);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("file had 5 extra bytes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
