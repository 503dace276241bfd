//! `mlloss metrics`' command line and resources: `--target-labels` as
//! `loss` takes it, the help texts (input formats, output formats, no `-k`
//! with two meanings), `--bins` against `--memory-limit` over every thread,
//! and spill failures that name the temporary directory.

use crate::harness::{Workdir, mlloss, success, uniform};

/// Scores named by class, their 0/1 targets as a matrix, and the same
/// targets as label lists in the ways `--target-labels` reads them.
fn labelled(dir: &Workdir) {
    let mut next = uniform(7);
    let (mut x, mut px, mut y) = (
        String::from("cat,dog,bird\n"),
        String::new(),
        String::from("cat,dog,bird\n"),
    );
    let (mut tags, mut jsonl, mut indices) =
        (String::from("id,tags\n"), String::new(), String::new());
    let names = ["cat", "dog", "bird"];
    for i in 0..40 {
        let scores: Vec<String> = (0..3)
            .map(|_| format!("{:?}", next() * 8.0 - 4.0))
            .collect();
        x += &(scores.join(",") + "\n");
        px += &(scores.join(",") + "\n");
        let on: Vec<bool> = (0..3).map(|_| next() < 0.4).collect();
        let row: Vec<&str> = on.iter().map(|&b| if b { "1" } else { "0" }).collect();
        y += &(row.join(",") + "\n");
        let mine: Vec<&str> = (0..3).filter(|&j| on[j]).map(|j| names[j]).collect();
        tags += &format!("{i},{}\n", mine.join("|"));
        let quoted: Vec<String> = mine.iter().map(|n| format!("{n:?}")).collect();
        jsonl += &format!("[{}]\n", quoted.join(","));
        let idx: Vec<String> = (0..3).filter(|&j| on[j]).map(|j| j.to_string()).collect();
        indices += &if idx.is_empty() {
            "-1".to_owned()
        } else {
            idx.join(",")
        };
        indices += "\n";
    }
    dir.write("x.csv", x)
        .write("px.csv", px)
        .write("y.csv", y)
        .write("tags.csv", tags)
        .write("tags.jsonl", jsonl)
        .write("indices.csv", indices)
        .write("classes.txt", "cat\ndog\nbird\n");
}

/// `metrics --target-labels` gives the numbers of the 0/1 matrix of the
/// same targets, with every option `loss` takes with it.
#[test]
fn metrics_take_target_labels_as_loss_does() {
    let dir = Workdir::new();
    labelled(&dir);
    let metrics = "hamming_loss,subset_accuracy,f1,roc_auc,average_precision,lrap,ndcg";
    for average in ["macro", "micro", "none"] {
        let common = ["metrics", "--metric", metrics, "--average", average];
        let want = success(&dir.run(&[&common[..], &["x.csv", "y.csv"]].concat()));
        let forms: [&[&str]; 5] = [
            &["--column", "tags", "--sep", "|", "x.csv", "tags.csv"],
            &["x.csv", "tags.jsonl"],
            &[
                "--classes",
                "cat,dog,bird",
                "--column",
                "tags",
                "--sep",
                "|",
                "px.csv",
                "tags.csv",
            ],
            &[
                "--classes-file",
                "classes.txt",
                "--column",
                "tags",
                "--sep",
                "|",
                "x.csv",
                "tags.csv",
            ],
            &["px.csv", "indices.csv"],
        ];
        for form in forms {
            let args = [&common[..], &["--target-labels"], form].concat();
            let out = dir.run(&args);
            let got = success(&out);
            // Without names the classes are numbered; the values agree.
            let values = |text: &str| -> Vec<String> {
                text.lines()
                    .skip(1)
                    .map(|l| l.split_once(',').map_or(l, |(_, v)| v).to_owned())
                    .collect()
            };
            assert_eq!(values(&got), values(&want), "{average} {form:?}");
            if form[0] != "px.csv" && form[form.len() - 2] != "px.csv" {
                assert_eq!(got, want, "{average} {form:?}");
            }
        }
    }
}

#[test]
fn metrics_target_labels_unknown_labels_and_usage() {
    let dir = Workdir::new();
    labelled(&dir);
    dir.write("owl.csv", "tags\ncat|owl\n")
        .write("one.csv", "cat,dog,bird\n1,2,3\n");
    let args = ["metrics", "--metric", "hamming_loss", "--target-labels"];
    let out = dir.run(
        &[
            &args[..],
            &["--column", "tags", "--sep", "|", "one.csv", "owl.csv"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: error: owl.csv:2:1: label is not a class of one.csv (--unknown warn or ignore leaves such labels out) (\"owl\")\n"
    );
    let warn = [
        "--unknown",
        "warn",
        "--column",
        "tags",
        "--sep",
        "|",
        "one.csv",
        "owl.csv",
    ];
    let out = dir.run(&[&args[..], &warn].concat());
    success(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "mlloss: warning: unknown class(es) ['owl'] will be ignored\n"
    );
    for usage in [
        &[
            "metrics",
            "--target-labels",
            "--key",
            "id",
            "x.csv",
            "tags.csv",
        ][..],
        &["metrics", "--column", "tags", "x.csv", "tags.csv"],
        &[
            "metrics",
            "--target-labels",
            "--scores-columns",
            "1-3",
            "--targets-columns",
            "4",
            "x.csv",
        ],
    ] {
        assert_eq!(dir.run(usage).status.code(), Some(2), "{usage:?}");
    }
}

/// `mlloss --help` names every input format it reads.
#[test]
fn help_names_every_input_format() {
    let out = mlloss().arg("--help").output().unwrap();
    // Lines wrap at the terminal's width: words, not lines.
    let help = success(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for format in [
        "CSV",
        "TSV",
        "JSON",
        "JSON Lines",
        ".npy",
        ".npz",
        "Parquet",
        "Arrow IPC",
        "Feather",
        "gzip",
        "zstd",
        "zip",
        "stdin",
    ] {
        assert!(help.contains(format), "{format} not in: {help}");
    }
}

/// metrics' --output-format offers only what metrics writes, and `-k` is
/// `loss --kind` only.
#[test]
fn metrics_options_offer_what_metrics_does() {
    let out = mlloss().args(["metrics", "--help"]).output().unwrap();
    let help = success(&out);
    let at = help.find("--output-format").unwrap();
    let section = &help[at..at + help[at..].find("\n      --precision").unwrap()];
    assert!(
        !section.contains("npy") && !section.contains("parquet"),
        "{section}"
    );
    assert!(!help.contains("-k, --k"), "{help}");
    let dir = Workdir::new();
    dir.write("x.csv", "1,2\n").write("y.csv", "1,0\n");
    let out = dir.run(&["metrics", "--output-format", "npy", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[possible values: csv, tsv, json, jsonl]"),
        "{stderr}"
    );
    let out = dir.run(&["metrics", "--metric", "ndcg", "-k", "1", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dir.run(&["loss", "-k", "mlsm", "x.csv", "y.csv"]);
    success(&out);
}

/// A generated SCORES/TARGETS pair of `rows` × `cols`.
fn scores_and_targets(dir: &Workdir, rows: usize, cols: usize) {
    let mut next = uniform(11);
    let (mut x, mut y) = (String::new(), String::new());
    for _ in 0..rows {
        let s: Vec<String> = (0..cols)
            .map(|_| format!("{:.4}", next() * 6.0 - 3.0))
            .collect();
        let t: Vec<&str> = (0..cols)
            .map(|_| if next() < 0.3 { "1" } else { "0" })
            .collect();
        x += &(s.join(",") + "\n");
        y += &(t.join(",") + "\n");
    }
    dir.write("x.csv", x).write("y.csv", y);
}

/// Every thread's histograms count against --memory-limit: 8 threads of
/// 1000 bins × 100 classes (1.6 MB each) do not fit in 4 MiB.
#[test]
fn bins_count_every_threads_histograms() {
    let dir = Workdir::new();
    scores_and_targets(&dir, 200, 100);
    let run = |threads: &str| {
        dir.run(&[
            "metrics",
            "--metric",
            "roc_auc",
            "--bins",
            "1000",
            "--memory-limit",
            "4M",
            "-j",
            threads,
            "x.csv",
            "y.csv",
        ])
    };
    let out = run("8");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--bins 1000")
            && stderr.contains("--memory-limit")
            && stderr.contains("9 histograms"),
        "{stderr}"
    );
    success(&run("1"));
}

/// Histograms the system refuses (here a cap on address space, 400 MB,
/// under 9 of 100 MB that --memory-limit 2G allows) are an error naming
/// --bins, not an allocation abort.
#[test]
fn bins_the_system_refuses_are_an_error() {
    let dir = Workdir::new();
    scores_and_targets(&dir, 200, 10);
    let command = format!(
        "ulimit -v 400000; exec {} metrics --metric roc_auc --bins 625000 --memory-limit 2G -j 8 \
         x.csv y.csv",
        env!("CARGO_BIN_EXE_mlloss")
    );
    let out = std::process::Command::new("sh")
        .current_dir(dir.path(""))
        .args(["-c", &command])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("mlloss: error: cannot allocate the 100000000 bytes of a --bins 625000"),
        "{stderr}"
    );
}

/// A spill that cannot be written names the directory, where it comes
/// from, the cause, and the ways out.
#[test]
fn spill_failures_name_the_temporary_directory() {
    let dir = Workdir::new();
    scores_and_targets(&dir, 12_000, 2);
    let out = mlloss()
        .current_dir(dir.path(""))
        .env("TMPDIR", "/nonexistent")
        .args([
            "metrics",
            "--metric",
            "roc_auc",
            "--memory-limit",
            "64K",
            "-j",
            "1",
            "x.csv",
            "y.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mlloss: error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in [
        "/nonexistent ($TMPDIR)",
        "does not exist",
        "TMPDIR=",
        "--memory-limit",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}
