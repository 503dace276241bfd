//! `--explain`: how each input was read, said on stderr; the output is
//! the same with it as without.

use crate::harness::{fixture, mlloss};

/// Runs `args` in `fixtures/<folder>` with and without `--explain` (after
/// the subcommand): the same stdout; the lines it added on stderr.
fn explained(folder: &str, args: &[&str]) -> String {
    let run = |args: &[&str]| {
        mlloss()
            .current_dir(fixture(folder))
            .args(args)
            .output()
            .unwrap()
    };
    let plain = run(args);
    let mut with = vec![args[0], "--explain"];
    with.extend(&args[1..]);
    let out = run(&with);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, plain.stdout, "{args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let plain_stderr = String::from_utf8_lossy(&plain.stderr);
    stderr
        .lines()
        .filter(|line| !plain_stderr.contains(line))
        .map(|line| {
            assert!(line.starts_with("mlloss: explain: "), "{line}");
            format!("{}\n", &line["mlloss: explain: ".len()..])
        })
        .collect()
}

#[test]
fn explain_says_how_pandas_default_files_were_read_and_paired() {
    let said = explained(
        "misreads",
        &["loss", "logits-index.csv", "targets-index-shuffled.csv"],
    );
    let want = "\
LOGITS logits-index.csv: CSV (told by its extension); a header: pandas' default names 0,1,… after an empty cell (its index) (\"\", \"0\", \"1\", \"2\"); field 1 is an index, not a class
TARGETS targets-index-shuffled.csv: CSV (told by its extension); a header: pandas' default names 0,1,… after an empty cell (its index) (\"\", \"0\", \"1\", \"2\"); field 1 is an index, not a class
columns: by name (TARGETS' columns taken in LOGITS' order): \"0\", \"1\", \"2\"
rows: by the index columns of both (pandas' index)
read 7 rows of 3 classes
";
    assert_eq!(said, want);
}

#[test]
fn explain_says_why_a_first_line_of_numbers_is_a_header_or_data() {
    let said = explained(
        "misreads",
        &["loss", "logits-savetxt.csv", "targets-pandas.csv"],
    );
    assert!(said.contains("LOGITS logits-savetxt.csv: CSV (told by its extension); no header (the first line holds numbers)"), "{said}");
    assert!(said.contains("TARGETS targets-pandas.csv: CSV (told by its extension); a header: pandas' default names 0,1,…,C-1, as the other input's, which has one row less than this has lines"), "{said}");
    assert!(
        said.contains("rows: by position: row k of one with row k of the other"),
        "{said}"
    );
    let said = explained(
        "misreads",
        &["loss", "logits-pandas.csv", "targets-savetxt.csv"],
    );
    assert!(said.contains("targets-savetxt.csv: CSV (told by its extension); no header: its first line could be pandas' names 0,1,…,C-1, but it has as many lines as the other input has rows"), "{said}");
}

#[test]
fn explain_covers_metrics_weights_keys_and_binarize() {
    let said = explained(
        "misreads",
        &[
            "metrics",
            "--metric",
            "roc_auc",
            "probabilities.npy",
            "targets.npy",
        ],
    );
    assert!(said.contains("SCORES probabilities.npy: NumPy .npy (told by its first bytes), an array of shape (7, 3); no column names; no index column"), "{said}");
    assert!(said.ends_with("read 7 rows of 3 classes\n"), "{said}");
    let said = explained(
        "misreads",
        &[
            "loss",
            "--weight-file",
            "weight-per-sample.txt",
            "logits-savetxt.csv",
            "targets-pandas.csv",
        ],
    );
    assert!(
        said.contains("--weight-file weight-per-sample.txt: one weight a sample, row by row"),
        "{said}"
    );
    let said = explained(
        "tables",
        &[
            "loss",
            "--key",
            "id",
            "logits-id.csv",
            "targets-id-shuffled.csv",
        ],
    );
    assert!(
        said.contains("rows: by the value of column \"id\" (--key)"),
        "{said}"
    );
    let said = explained(
        "tables",
        &["binarize", "--column", "tags", "--sep", "|", "tags.csv"],
    );
    assert!(said.contains("FILE tags.csv: label lists as CSV (told by its extension (or its first bytes)); column \"tags\", labels joined by \"|\""), "{said}");
    assert!(
        said.contains("classes: the labels seen, sorted as scikit-learn sorts them"),
        "{said}"
    );
}
