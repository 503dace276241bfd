//! Compressed and archived inputs (fixtures/containers/, written by pandas,
//! NumPy, gzip and zstd): each must give the bytes its plain CSV gives, and
//! hostile ones (truncated, corrupt, lying about their size) one-line errors.

#[test]
fn containers_read_as_their_plain_csv() {
    crate::harness::run_fixture_cases("containers", 30);
}

/// A truncated gzip file: every whole row decompressed before the break is
/// computed and printed, then the error names the line of the unfinished
/// row (the rows of the chunk being cut used to be dropped).
#[test]
fn rows_before_a_truncation_are_printed() {
    use std::io::Write;
    let dir = crate::harness::Workdir::new();
    let mut logits = String::from("a,b\n");
    let mut targets = String::from("a,b\n");
    for i in 0..200_000 {
        logits.push_str(&format!("{}.25,-{}.5\n", i % 7, i % 5));
        targets.push_str("1,0\n");
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(logits.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    dir.write("logits.csv", &logits)
        .write("targets.csv", &targets)
        .write("cut.csv.gz", &gz[..gz.len() * 3 / 5]);
    let out = dir.run(&["loss", "-r", "none", "cut.csv.gz", "targets.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let rows = printed.lines().count();
    assert!(rows > 100_000, "{rows} rows printed");
    // Line 1 is the header: the unfinished row is on line rows + 2.
    let want = format!(
        "mlloss: error: cut.csv.gz:{}: cannot read: the gzip data end early (a truncated file?)\n",
        rows + 2
    );
    assert_eq!(stderr, want);
    let whole =
        crate::harness::success(&dir.run(&["loss", "-r", "none", "logits.csv", "targets.csv"]));
    assert!(whole.starts_with(&printed));
}
