//! `mlloss binarize`: layouts, class order, unknown labels.

use crate::harness::{Workdir, success};

fn binarize(dir: &Workdir, args: &[&str], stdin: &str) -> String {
    let mut all = vec!["binarize"];
    all.extend_from_slice(args);
    success(&dir.run_with_stdin(&all, stdin.as_bytes()))
}

#[test]
fn seed_example() {
    let dir = Workdir::new();
    assert_eq!(
        binarize(&dir, &[], "1,2\n3\n1,3\n"),
        "1,1,0\n0,0,1\n1,0,1\n"
    );
    assert_eq!(
        binarize(&dir, &["--header"], "1,2\n3\n1,3\n"),
        "1,2,3\n1,1,0\n0,0,1\n1,0,1\n"
    );
}

#[test]
fn one_output_row_per_sample_even_when_empty() {
    let dir = Workdir::new();
    assert_eq!(binarize(&dir, &[], "\na\n\n"), "0\n1\n0\n");
    // A final line without a newline is still a sample.
    assert_eq!(binarize(&dir, &[], "a\nb"), "1,0\n0,1\n");
}

#[test]
fn labels_are_trimmed_deduplicated_and_empties_ignored() {
    let dir = Workdir::new();
    assert_eq!(
        binarize(&dir, &["--header"], " a , b,,a\nb ,\n"),
        "a,b\n1,1\n0,1\n"
    );
}

#[test]
fn csv_quoting_is_honoured() {
    let dir = Workdir::new();
    let out = binarize(&dir, &["--header"], "\"a,b\",c\nc\n");
    assert_eq!(out, "\"a,b\",c\n1,1\n0,1\n");
}

#[test]
fn numbers_sort_numerically_strings_by_code_point() {
    let dir = Workdir::new();
    assert_eq!(
        binarize(&dir, &["--header"], "10,2\n1\n").lines().next(),
        Some("1,2,10")
    );
    assert_eq!(
        binarize(&dir, &["--header"], "b,B\nä,a\n").lines().next(),
        Some("B,a,b,ä")
    );
    assert_eq!(
        binarize(&dir, &["--header"], "10,x\n2\n").lines().next(),
        Some("10,2,x")
    );
}

#[test]
fn classes_fix_order_and_add_empty_columns() {
    let dir = Workdir::new();
    assert_eq!(
        binarize(&dir, &["--classes", "c,b,a,z"], "a,c\nb\n"),
        "1,0,1,0\n0,1,0,0\n"
    );
}

#[test]
fn unknown_labels_warn_by_default_once() {
    let dir = Workdir::new();
    let out = dir.run_with_stdin(&["binarize", "--classes", "a,b", "-"], b"a,q\nb,y\nq\n");
    assert_eq!(success(&out), "1,0\n0,1\n0,0\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: warning: unknown class(es) ['q', 'y'] will be ignored\n"
    );
    // Each name as Python's repr() writes it (CPython 3.11 printed these).
    let out = dir.run_with_stdin(
        &["binarize", "--classes", "a", "-"],
        "\"a\tb\",it's\\,x\u{ad}y\n".as_bytes(),
    );
    assert_eq!(success(&out), "0\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "mlloss: warning: unknown class(es) ['a\\tb', \"it's\\\\\", 'x\\xady'] will be ignored\n"
    );
}

#[test]
fn unknown_labels_can_be_ignored_silently() {
    let dir = Workdir::new();
    let out = dir.run_with_stdin(
        &["binarize", "--classes", "a", "--unknown", "ignore"],
        b"a,q\n",
    );
    assert_eq!(success(&out), "1\n");
    assert!(out.stderr.is_empty());
}

#[test]
fn column_and_separator() {
    let dir = Workdir::new();
    dir.write(
        "movies.csv",
        "id,title,genres\n1,Heat,Action|Crime\n2,\"Up, Up\",\n3,Big,Comedy | Action\n",
    );
    let out = success(&dir.run(&[
        "binarize",
        "--header",
        "--column",
        "genres",
        "--sep",
        "|",
        "movies.csv",
    ]));
    assert_eq!(out, "Action,Comedy,Crime\n1,0,1\n0,0,0\n1,1,0\n");
    dir.write(
        "planet.tsv",
        "image_name\ttags\nx\tclear primary\ny\thaze\n",
    );
    let out = success(&dir.run(&["binarize", "--column", "tags", "--sep", " ", "planet.tsv"]));
    assert_eq!(out, "1,0,1\n0,1,0\n");
}

#[test]
fn json_and_jsonl_label_lists() {
    let dir = Workdir::new();
    dir.write("l.json", r#"[[1, 2], [3], [1, 3], []]"#);
    dir.write("l.jsonl", "[\"cat\",\"dog\"]\n[]\n[\"bird\"]\n");
    assert_eq!(
        success(&dir.run(&["binarize", "l.json"])),
        "1,1,0\n0,0,1\n1,0,1\n0,0,0\n"
    );
    assert_eq!(
        success(&dir.run(&["binarize", "--header", "l.jsonl"])),
        "bird,cat,dog\n0,1,1\n0,0,0\n1,0,0\n"
    );
}

#[test]
fn tsv_labels_split_at_tabs() {
    let dir = Workdir::new();
    dir.write("l.tsv", "a\tb,c\n");
    assert_eq!(
        success(&dir.run(&["binarize", "--header", "l.tsv"])),
        "a,\"b,c\"\n1,1\n"
    );
}

#[test]
fn binarize_pipes_into_loss() {
    let dir = Workdir::new();
    dir.write("x.csv", "2,-1\n0,3\n")
        .write("labels.csv", "a\nb\n")
        .write("y.csv", "1,0\n0,1\n");
    let matrix = success(&dir.run(&["binarize", "labels.csv"]));
    let piped = dir.run_with_stdin(&["loss", "--kind", "mlsm", "x.csv", "-"], matrix.as_bytes());
    assert_eq!(
        success(&piped),
        success(&dir.run(&["loss", "--kind", "mlsm", "x.csv", "y.csv"]))
    );
}

#[test]
fn format_comes_from_the_extension_or_the_flag() {
    let dir = Workdir::new();
    dir.write("l.ndjson", "[\"a\"]\n[\"b\",\"a\"]\n");
    assert_eq!(success(&dir.run(&["binarize", "l.ndjson"])), "1,0\n1,1\n");
    dir.write("l.txt", "[\"a\"]\n[\"b\",\"a\"]\n");
    assert_eq!(
        success(&dir.run(&["binarize", "--format", "jsonl", "l.txt"])),
        "1,0\n1,1\n"
    );
    let stdin = dir.run_with_stdin(&["binarize", "--format", "tsv", "-"], b"a\tb\n");
    assert_eq!(success(&stdin), "1,1\n");
}

/// A file is read twice (classes, then rows) and stdin once (rows kept as
/// ids): both must give the same matrix.
#[test]
fn file_and_stdin_give_the_same_matrix() {
    let dir = Workdir::new();
    let mut text = String::new();
    for i in 0..5000 {
        let labels: Vec<String> = (0..i % 4)
            .map(|j| format!("c{}", (i * 7 + j * 13) % 37))
            .collect();
        text.push_str(&(labels.join(",") + "\n"));
    }
    dir.write("labels.csv", &text);
    let from_file = success(&dir.run(&["binarize", "--header", "labels.csv"]));
    let from_stdin = success(&dir.run_with_stdin(&["binarize", "--header", "-"], text.as_bytes()));
    assert_eq!(from_file, from_stdin);
    assert_eq!(from_file.lines().count(), 5001);
}

/// Train and test files share columns through a saved vocabulary.
#[test]
fn saved_classes_give_test_files_the_training_columns() {
    let dir = Workdir::new();
    dir.write("train.csv", "b,a\nc\n")
        .write("test.csv", "a,d\nc\n");
    let train = dir.run(&["binarize", "--save-classes", "classes.txt", "train.csv"]);
    assert_eq!(crate::harness::success(&train), "1,1,0\n0,0,1\n");
    assert_eq!(
        std::fs::read_to_string(dir.path("classes.txt")).unwrap(),
        "a\nb\nc\n"
    );
    let test = dir.run(&[
        "binarize",
        "--classes-file",
        "classes.txt",
        "--unknown",
        "ignore",
        "test.csv",
    ]);
    assert_eq!(crate::harness::success(&test), "1,0,0\n0,0,1\n");
    // The same as --classes, and --save-classes with --classes writes them as given.
    let given = dir.run(&[
        "binarize",
        "--classes",
        "c,a",
        "--save-classes",
        "given.txt",
        "test.csv",
    ]);
    assert_eq!(crate::harness::success(&given), "0,1\n1,0\n");
    assert_eq!(
        std::fs::read_to_string(dir.path("given.txt")).unwrap(),
        "c\na\n"
    );
    // Bad vocabulary files name the line.
    for (text, message) in [
        ("a\n\nb\n", "bad.txt:2: empty class name"),
        ("a\nb\na\n", "bad.txt:3: class named twice (\"a\")"),
        ("", "bad.txt: no classes"),
    ] {
        dir.write("bad.txt", text);
        let out = dir.run(&["binarize", "--classes-file", "bad.txt", "test.csv"]);
        assert_eq!(out.status.code(), Some(1), "{text:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{text:?}"
        );
    }
    let both = dir.run(&[
        "binarize",
        "--classes",
        "a",
        "--classes-file",
        "classes.txt",
        "test.csv",
    ]);
    assert_eq!(both.status.code(), Some(2));
}

/// `--inverse` undoes binarize (scikit-learn's inverse_transform): labels in
/// class order, an empty line for a sample without labels.
#[test]
fn inverse_undoes_binarize() {
    let dir = Workdir::new();
    dir.write("labels.csv", "dog,cat\n\nbird\ncat,bird,dog\n");
    let matrix = crate::harness::success(&dir.run(&["binarize", "--header", "labels.csv"]));
    dir.write("matrix.csv", &matrix);
    let back = crate::harness::success(&dir.run(&["binarize", "--inverse", "matrix.csv"]));
    assert_eq!(back, "cat,dog\n\nbird\nbird,cat,dog\n");
    // Without --classes the first line holds the names, even numbers.
    dir.write("numbers.csv", "1,2\n3\n1,3\n");
    let matrix = crate::harness::success(&dir.run(&["binarize", "--header", "numbers.csv"]));
    dir.write("matrix.csv", &matrix);
    let back = crate::harness::success(&dir.run(&["binarize", "--inverse", "matrix.csv"]));
    assert_eq!(back, "1,2\n3\n1,3\n");
    // Names from --classes instead of a header; --sep joins them into one field.
    dir.write("plain.csv", "1,0,1\n0,0,0\n");
    let joined = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "a,b,c",
        "--sep",
        "|",
        "plain.csv",
    ]);
    assert_eq!(crate::harness::success(&joined), "a|c\n\n");
    let jsonl = dir.run(&[
        "binarize",
        "--inverse",
        "--classes",
        "a,b,c",
        "--output-format",
        "jsonl",
        "plain.csv",
    ]);
    assert_eq!(crate::harness::success(&jsonl), "[\"a\",\"c\"]\n[]\n");
    // A name with a comma is quoted, so that the line reads back as its labels.
    dir.write("quoted.csv", "\"x,1\",y\n1,1\n");
    let quoted = dir.run(&["binarize", "--inverse", "quoted.csv"]);
    assert_eq!(crate::harness::success(&quoted), "\"x,1\",y\n");
}

#[test]
fn inverse_thresholds_probabilities_and_logits() {
    let dir = Workdir::new();
    dir.write("p.csv", "0.9,0.2,0.5\n0.1,0.7,0.49\n");
    let args = [
        "binarize",
        "--inverse",
        "--classes",
        "x,y,z",
        "--threshold",
        "0.5",
        "p.csv",
    ];
    assert_eq!(crate::harness::success(&dir.run(&args)), "x,z\ny\n");
    dir.write("l.csv", "2,-1,0\n");
    let args = [
        "binarize",
        "--inverse",
        "--classes",
        "x,y,z",
        "--threshold",
        "0.5",
        "--logits",
        "l.csv",
    ];
    assert_eq!(crate::harness::success(&dir.run(&args)), "x,z\n");
    // A NaN threshold would make every value 0: a usage error.
    for bad in ["nan", "NaN", "x"] {
        let args = [
            "binarize",
            "--inverse",
            "--classes",
            "x,y,z",
            "--threshold",
            bad,
            "p.csv",
        ];
        let out = dir.run(&args);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
    }
    // Without --threshold, anything but 0 and 1 is an error at its place.
    let out = dir.run(&["binarize", "--inverse", "--classes", "x,y,z", "p.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("p.csv:1:1: not 0 or 1 (--threshold T reads probabilities) (\"0.9\")"),
        "{stderr}"
    );
    // Class names are needed, and must match the width.
    dir.write("m.csv", "1,0\n").write("m.json", "[[1,0]]");
    assert_eq!(
        dir.run(&["binarize", "--inverse", "m.json"]).status.code(),
        Some(2)
    );
    let out = dir.run(&["binarize", "--inverse", "--classes", "a,b,c", "m.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("m.csv:1: 2 columns, but there are 3 classes")
    );
    assert_eq!(
        dir.run(&["binarize", "--logits", "m.csv"]).status.code(),
        Some(2)
    );
}
