//! The sparse readers of issue 29 (`mlloss::input::sparse`), driven through
//! their library API: each format read right on small hand-written files
//! and scipy's own `.npz` (fixtures/sparse/, written by gen_sparse.py, with
//! expected.json holding the rows as scipy reads them back), and each
//! malformed input refused with a message naming file, row and value.

use std::path::Path;

use mlloss::input::sparse::{SparseRow, SparseSide, open_sparse, open_topk_pair};
use mlloss::input::{Format, Source};

use crate::harness::{Workdir, fixture};

type Rows = Vec<(Vec<u32>, Vec<f64>)>;

/// Every row of `path` read as `side`, or the error's one line.
fn read(
    path: &Path,
    format: Option<&str>,
    labels: Option<u64>,
    side: SparseSide,
) -> Result<Rows, String> {
    let format = format.map(|name| Format::named(name).expect("a registered format"));
    let source = Source::Path(path.to_owned());
    // Messages name the file as given: shown here without its folder.
    let folder = format!("{}/", path.parent().unwrap().display());
    let short = |e: mlloss::error::InputError| e.to_string().replacen(&folder, "", 1);
    let mut reader = open_sparse(&source, format, labels, side).map_err(short)?;
    let mut rows = Vec::new();
    let mut row = SparseRow::default();
    while reader.next_row(&mut row).map_err(short)? {
        let header = usize::from(matches!(reader.format_name(), "xc" | "xclib-sparse"));
        assert_eq!(row.line as usize, rows.len() + 1 + header, "line of row");
        rows.push((row.indices.clone(), row.values.clone()));
    }
    Ok(rows)
}

fn labels_only(rows: &[&[u32]]) -> Rows {
    rows.iter().map(|r| (r.to_vec(), Vec::new())).collect()
}

fn error_of(result: Result<Rows, String>) -> String {
    match result {
        Ok(rows) => panic!("read {rows:?} where an error was expected"),
        Err(e) => e,
    }
}

#[test]
fn xc_text_reads_labels_and_keeps_blank_lines_in_place() {
    let dir = Workdir::new();
    // Sample 2 is blank (pyxclib would drop it), sample 3 starts with a
    // blank and sample 4 with a feature: both have no label.
    let text = "5 4 6\n0,5 1:0.5 3:1\n\n 2:0.25\n1:1.0\n3,2\r\n";
    dir.write("train.txt", text);
    let want = labels_only(&[&[0, 5], &[], &[], &[], &[3, 2]]);
    for format in [None, Some("xc")] {
        let got = read(&dir.path("train.txt"), format, None, SparseSide::Targets).unwrap();
        assert_eq!(got, want, "{format:?}");
    }
    let source = Source::Path(dir.path("train.txt"));
    let reader = open_sparse(&source, None, None, SparseSide::Targets).unwrap();
    assert_eq!((reader.rows(), reader.labels()), (Some(5), Some(6)));
    assert_eq!(reader.format_name(), "xc");
}

#[test]
fn xc_text_errors_name_file_row_and_value() {
    let dir = Workdir::new();
    let path = dir.path("x.txt");
    let cases = [
        (
            "2 4 6\n0,6 1:1\n1\n",
            "x.txt:2:3: label index 6 is not below the number of labels, 6 (the header) (\"6\")",
        ),
        (
            "2 4 6\n0,-1\n1\n",
            "x.txt:2:3: a negative label index (\"-1\")",
        ),
        (
            "2 4 6\n0\n4,1,4 2:1\n",
            "x.txt:3: label 4 appears twice in the sample",
        ),
        (
            "3 4 6\n0\n1\n",
            "x.txt:1: the header says 3 samples, but the file holds 2",
        ),
        (
            "1 4 6\n0\n1\n",
            "x.txt:3: the header (line 1) says 1 samples, but there are more",
        ),
        ("2 4 6\n0,x\n1\n", "x.txt:2:3: a label that is no integer"),
    ];
    for (text, want) in cases {
        dir.write("x.txt", text);
        let error = error_of(read(&path, None, None, SparseSide::Targets));
        assert!(error.starts_with(want), "{text:?}: {error}");
    }
    dir.write("x.txt", "2 4 6\n0\n1\n");
    let error = error_of(read(&path, None, Some(5), SparseSide::Targets));
    assert!(
        error.contains("the header says 6 labels, but --num-labels says 5"),
        "{error}"
    );
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(error.contains("not scores"), "{error}");
}

#[test]
fn libsvm_reads_only_when_named_and_checks_the_given_labels() {
    let dir = Workdir::new();
    let path = dir.path("y.svm");
    dir.write("y.svm", "1,2 5:1\n\n0\n");
    let error = error_of(read(&path, None, None, SparseSide::Targets));
    assert!(error.contains("cannot tell which sparse format"), "{error}");
    let got = read(&path, Some("libsvm"), None, SparseSide::Targets).unwrap();
    assert_eq!(got, labels_only(&[&[1, 2], &[], &[0]]));
    let error = error_of(read(&path, Some("libsvm"), Some(2), SparseSide::Targets));
    assert!(
        error.starts_with(
            "y.svm:1:3: label index 2 is not below the number of labels, 2 (--num-labels)"
        ),
        "{error}"
    );
}

#[test]
fn xclib_sparse_text_reads_scores_and_labels() {
    let dir = Workdir::new();
    let path = dir.path("p.txt");
    dir.write("p.txt", "3 5\n4:0.5 1:-2.25\n\n0:0 2:1e-3\n");
    let got = read(&path, None, None, SparseSide::Scores).unwrap();
    let want: Rows = vec![
        (vec![4, 1], vec![0.5, -2.25]),
        (vec![], vec![]),
        (vec![0, 2], vec![0.0, 1e-3]),
    ];
    assert_eq!(got, want);
    // As true labels, a stored 0 is no label.
    let got = read(&path, Some("xclib-sparse"), None, SparseSide::Targets).unwrap();
    assert_eq!(got, labels_only(&[&[4, 1], &[], &[2]]));
    dir.write("p.txt", "2 5\n4:0.5 5:1\n1:1\n");
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with(
            "p.txt:2:7: label index 5 is not below the number of labels, 5 (the header)"
        ),
        "{error}"
    );
    dir.write("p.txt", "2 5\n4:0.5 4:1\n1:1\n");
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with("p.txt:2: label 4 appears twice"),
        "{error}"
    );
    dir.write("p.txt", "2 5\n4:0.5 3\n1:1\n");
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with("p.txt:2:7: an entry that is not `index:value`"),
        "{error}"
    );
}

#[test]
fn topk_jsonl_reads_short_lists_and_refuses_unequal_ones() {
    let dir = Workdir::new();
    let path = dir.path("p.jsonl");
    dir.write("p.jsonl", "{\"indices\": [3, 1], \"scores\": [0.5, 0.25]}\n{\"indices\": [], \"scores\": []}\n{\"scores\": [1.0], \"indices\": [7], \"id\": 9}\n");
    let got = read(&path, None, None, SparseSide::Scores).unwrap();
    let want: Rows = vec![
        (vec![3, 1], vec![0.5, 0.25]),
        (vec![], vec![]),
        (vec![7], vec![1.0]),
    ];
    assert_eq!(got, want);
    let error = error_of(read(&path, None, Some(5), SparseSide::Scores));
    assert!(
        error.starts_with(
            "p.jsonl:3: label index 7 is not below the number of labels, 5 (--num-labels)"
        ),
        "{error}"
    );
    let error = error_of(read(&path, None, None, SparseSide::Targets));
    assert!(
        error.contains("holds predictions, not true labels"),
        "{error}"
    );
    dir.write("p.jsonl", "{\"indices\": [3, 1], \"scores\": [0.5]}\n");
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with("p.jsonl:1: 2 indices but 1 scores"),
        "{error}"
    );
    dir.write(
        "p.jsonl",
        "{\"indices\": [3, -1], \"scores\": [0.5, 0.1]}\n",
    );
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with("p.jsonl:1: a negative label index (\"-1\")"),
        "{error}"
    );
    dir.write("p.jsonl", "{\"indices\": [3, 3], \"scores\": [0.5, 0.1]}\n");
    let error = error_of(read(&path, None, None, SparseSide::Scores));
    assert!(
        error.starts_with("p.jsonl:1: label 3 appears twice"),
        "{error}"
    );
}

#[test]
fn fastxml_jsonl_gives_both_sides_with_labels_as_strings() {
    let dir = Workdir::new();
    let path = dir.path("f.jsonl");
    let text = "{\"labels\": [\"4\", \"0\"], \"predict\": [[\"17\", 0.8], [\"4\", 0.5]]}\n{\"labels\": [], \"predict\": [[2, 0.1]]}\n";
    dir.write("f.jsonl", text);
    let scores = read(&path, None, None, SparseSide::Scores).unwrap();
    assert_eq!(
        scores,
        vec![(vec![17, 4], vec![0.8, 0.5]), (vec![2], vec![0.1])]
    );
    let targets = read(&path, Some("fastxml"), None, SparseSide::Targets).unwrap();
    assert_eq!(targets, labels_only(&[&[4, 0], &[]]));
    dir.write("f.jsonl", "{\"labels\": [\"4\", \"x\"], \"predict\": []}\n");
    let error = error_of(read(&path, None, None, SparseSide::Targets));
    assert!(error.starts_with("f.jsonl:1:"), "{error}");
    assert!(error.contains("label \"x\" is no integer"), "{error}");
}

fn expected_rows(name: &str) -> Rows {
    let text = std::fs::read_to_string(fixture("sparse/expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = json["files"][name]["rows"].as_array().unwrap();
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    rows.iter()
        .map(|r| {
            let indices = numbers(&r["indices"]).iter().map(|&i| i as u32).collect();
            (indices, numbers(&r["values"]))
        })
        .collect()
}

/// scipy's CSR (unsorted indices, compressed or stored) and CSC read as
/// scipy reads them back: the rows, their stored 0.0 and negative scores.
#[test]
fn scipy_npz_reads_as_scipy_does() {
    for name in ["csr_unsorted.npz", "csr_stored.npz", "csc.npz"] {
        let path = fixture(&format!("sparse/{name}"));
        let want = expected_rows(name);
        let got = read(&path, None, None, SparseSide::Scores).unwrap();
        assert_eq!(got, want, "{name}");
        let got = read(&path, Some("npz"), Some(6), SparseSide::Targets).unwrap();
        let labels: Rows = want
            .iter()
            .map(|(i, v)| {
                (
                    i.iter()
                        .zip(v)
                        .filter(|(_, v)| **v != 0.0)
                        .map(|(i, _)| *i)
                        .collect(),
                    vec![],
                )
            })
            .collect();
        assert_eq!(got, labels, "{name} as labels");
        let source = Source::Path(path.clone());
        let reader = open_sparse(&source, None, None, SparseSide::Scores).unwrap();
        assert_eq!(
            (reader.rows(), reader.labels()),
            (Some(4), Some(6)),
            "{name}"
        );
    }
    let error = error_of(read(
        &fixture("sparse/csr_unsorted.npz"),
        None,
        Some(7),
        SparseSide::Scores,
    ));
    assert!(
        error.contains("the matrix's shape says 6 labels, but --num-labels says 7"),
        "{error}"
    );
}

#[test]
fn malformed_npz_are_refused_naming_the_row() {
    let cases = [
        (
            "bad_beyond.npz",
            ":1: label index 6 is not below the number of labels, 6 (the matrix's shape) (\"6\")",
        ),
        ("bad_indptr.npz", ":2: indptr goes from 2 to 1 at row 2"),
        (
            "bad_duplicate.npz",
            ":3: label 5 appears twice in the sample",
        ),
        (
            "coo.npz",
            ": a sparse matrix in coo format: mlloss reads CSR and CSC (save X.tocsr())",
        ),
    ];
    for (name, want) in cases {
        let path = fixture(&format!("sparse/{name}"));
        let error = error_of(read(&path, None, None, SparseSide::Scores));
        assert!(error.starts_with(&format!("{name}{want}")), "{error}");
    }
}

#[test]
fn topk_arrays_read_from_an_npz_or_a_pair_of_npy() {
    let want = expected_rows("topk.npz");
    let got = read(&fixture("sparse/topk.npz"), None, None, SparseSide::Scores).unwrap();
    assert_eq!(got, want);
    let error = error_of(read(
        &fixture("sparse/topk.npz"),
        None,
        None,
        SparseSide::Targets,
    ));
    assert!(
        error.contains("holds predictions, not true labels"),
        "{error}"
    );
    let pair = |indices: &str, scores: &str, labels| -> Result<Rows, String> {
        let indices = Source::Path(fixture(&format!("sparse/{indices}")));
        let scores = Source::Path(fixture(&format!("sparse/{scores}")));
        let mut reader = open_topk_pair(&indices, &scores, labels).map_err(|e| e.to_string())?;
        let (mut rows, mut row) = (Vec::new(), SparseRow::default());
        while reader.next_row(&mut row).map_err(|e| e.to_string())? {
            rows.push((row.indices.clone(), row.values.clone()));
        }
        Ok(rows)
    };
    assert_eq!(
        pair("topk_indices.npy", "topk_scores.npy", None).unwrap(),
        want
    );
    let error = error_of(pair("topk_indices.npy", "topk_scores.npy", Some(5)));
    assert!(
        error.contains("topk_indices.npy:1: label index 5 is not below the number of labels, 5"),
        "{error}"
    );
    let error = error_of(pair("topk_indices_negative.npy", "topk_scores.npy", None));
    assert!(
        error.contains("topk_indices_negative.npy:2: a negative label index (\"-1\")"),
        "{error}"
    );
    let error = error_of(pair("topk_indices.npy", "topk_scores_narrow.npy", None));
    assert!(
        error.contains("top-k indices of shape (3, 3) and scores of shape (3, 2)"),
        "{error}"
    );
}

/// The dense formats refuse to be read as sparse rows, and the sparse ones
/// to be read as matrices by `loss`; `--format`'s help lists them.
#[test]
fn sparse_and_dense_formats_refuse_each_other() {
    let dir = Workdir::new();
    dir.write("x.csv", "1,2\n");
    let error = error_of(read(
        &dir.path("x.csv"),
        Some("csv"),
        None,
        SparseSide::Scores,
    ));
    assert!(
        error.contains("CSV is read as a dense matrix, not as sparse rows"),
        "{error}"
    );
    let out = dir.run(&["loss", "--format", "xc", "x.csv", "x.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("XC repository text is a sparse format"),
        "{stderr}"
    );
    // No command reads sparse rows yet: their --format values parse (and
    // are refused by name, above) but stay out of --help.
    let out = dir.run(&["loss", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("parquet:"), "{help}");
    for name in [
        "xc",
        "libsvm",
        "xclib-sparse",
        "npz",
        "topk-jsonl",
        "fastxml",
    ] {
        assert!(!help.contains(&format!("{name}:")), "{name} in --help");
    }
}

/// A header claiming 10^18 samples or labels allocates nothing: the
/// counts are checked against the body at its end.
#[test]
fn huge_header_claims_allocate_nothing() {
    let dir = Workdir::new();
    dir.write("h.txt", "1000000000000000000 4 1000000000000000000\n0,7\n");
    let error = error_of(read(&dir.path("h.txt"), None, None, SparseSide::Targets));
    assert!(
        error.starts_with(
            "h.txt:1: the header says 1000000000000000000 samples, but the file holds 1"
        ),
        "{error}"
    );
}

/// Text inputs may be gzip-compressed, as the repository ships them.
#[test]
fn compressed_text_reads_as_plain() {
    use std::io::Write;
    let dir = Workdir::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"2 4 6\n0,5 1:0.5\n\n").unwrap();
    dir.write("train.txt.gz", gz.finish().unwrap());
    let got = read(&dir.path("train.txt.gz"), None, None, SparseSide::Targets).unwrap();
    assert_eq!(got, labels_only(&[&[0, 5], &[]]));
}
