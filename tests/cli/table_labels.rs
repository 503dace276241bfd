//! Targets as label lists beside scores whose columns name the classes,
//! and binarize taking its classes from a table's header.

use crate::tables::{PLAIN_TARGETS, dir, run};

/// Targets as label lists: no binarize step, no order to get wrong.
#[test]
fn target_labels_take_the_classes_from_logits_names() {
    let dir = dir();
    dir.write("tags.csv", "id,tags\n1,cat|bird\n2,dog|bird\n3,bird\n")
        .write(
            "tags.jsonl",
            "[\"cat\",\"bird\"]\n[\"bird\",\"dog\"]\n[\"bird\"]\n",
        )
        .write("indices.csv", "0,2\n2,1,-1,0\n2\n");
    for reduction in ["none", "mean", "row"] {
        let (want, _) = run(&dir, &["loss", "-r", reduction, "px.csv", "py.csv"]);
        let by_name = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "--column",
            "tags",
            "--sep",
            "|",
            "x.csv",
            "tags.csv",
        ];
        assert_eq!(run(&dir, &by_name).0, want, "{reduction} by name");
        let jsonl = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "x.csv",
            "tags.jsonl",
        ];
        assert_eq!(run(&dir, &jsonl).0, want, "{reduction} JSON Lines");
        let classes = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "--classes",
            "cat,dog,bird",
            "--column",
            "tags",
            "--sep",
            "|",
            "px.csv",
            "tags.csv",
        ];
        assert_eq!(run(&dir, &classes).0, want, "{reduction} --classes");
        // Neither names nor --classes: 0-based indices, -1 ends a list.
        let indices = [
            "loss",
            "-r",
            reduction,
            "--target-labels",
            "px.csv",
            "indices.csv",
        ];
        assert_eq!(run(&dir, &indices).0, want, "{reduction} indices");
    }
    // --classes in another order than LOGITS' named columns: by name.
    let (want, _) = run(&dir, &["loss", "px.csv", "py.csv"]);
    let args = [
        "loss",
        "--target-labels",
        "--classes",
        "bird,cat,dog",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "tags.csv",
    ];
    assert_eq!(run(&dir, &args).0, want);
}

#[test]
fn target_label_errors_name_the_label() {
    let dir = dir();
    dir.write("owl.csv", "tags\ncat|owl\ndog\nbird\n")
        .write("bad.csv", "0,3\n1\n2\n");
    let args = [
        "loss",
        "--target-labels",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "owl.csv",
    ];
    let out = dir.run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: owl.csv:2:1: label is not a class of x.csv (--unknown warn or ignore leaves such labels out) (\"owl\")\n"
    );
    let warn = [
        "loss",
        "--target-labels",
        "--unknown",
        "warn",
        "--column",
        "tags",
        "--sep",
        "|",
        "x.csv",
        "owl.csv",
    ];
    let (_, stderr) = run(&dir, &warn);
    assert_eq!(
        stderr,
        "mlloss: warning: unknown class(es) ['owl'] will be ignored\n"
    );
    let out = dir.run(&["loss", "--target-labels", "px.csv", "bad.csv"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: bad.csv:1:2: not a class index 0-2 of px.csv (or -1, which ends the list) (\"3\")\n"
    );
    for usage in [
        &["loss", "--target-labels", "--key", "id", "x.csv", "owl.csv"][..],
        &[
            "loss",
            "--target-labels",
            "--pos-weight",
            "auto",
            "x.csv",
            "owl.csv",
        ],
        &["loss", "--column", "tags", "x.csv", "owl.csv"],
    ] {
        assert_eq!(dir.run(usage).status.code(), Some(2), "{usage:?}");
    }
}

#[test]
fn binarize_takes_the_classes_from_a_tables_header() {
    let dir = dir();
    dir.write("tags.csv", "cat|bird\ndog|bird\nbird\n")
        .write("ix.csv", ",cat,dog,bird\n0,1,2,3\n");
    for table in ["x.csv", "ix.csv"] {
        let args = [
            "binarize",
            "--sep",
            "|",
            "--classes-from",
            table,
            "tags.csv",
        ];
        assert_eq!(run(&dir, &args).0, PLAIN_TARGETS, "{table}");
    }
}
