//! `curves` with a decision rule: each curve's operating point (written by
//! `--operating-points`) has the confusion counts `report --confusion`
//! gives for that class under the same rule and files (pooled for
//! `--average micro`), its rates from those counts; the plot marks it; the
//! options' usage errors.

use serde_json::Value;

use crate::harness::{Workdir, csv, fixture};

fn case(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture("reference/curves.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    cases.iter().find(|c| c["name"] == name).unwrap().clone()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    let rows = v.as_array().unwrap().iter();
    rows.map(|r| {
        r.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    })
    .collect()
}

/// The case's files in a fresh directory, its `curves` arguments, and the
/// input options `report` takes from them (`--scores`, `--ignore-value`).
fn setup(name: &str) -> (Workdir, Vec<String>, Vec<String>, Vec<String>) {
    let case = case(name);
    let dir = Workdir::new();
    let header: Vec<String> = case["header"].as_array().map_or_else(
        || {
            (0..matrix(&case["scores"])[0].len())
                .map(|j| j.to_string())
                .collect()
        },
        |h| h.iter().map(|n| n.as_str().unwrap().to_owned()).collect(),
    );
    let head = match case["header"].is_array() {
        true => header.join(",") + "\n",
        false => String::new(),
    };
    dir.write("x.csv", head.clone() + &csv(&matrix(&case["scores"])));
    dir.write("y.csv", head + &csv(&matrix(&case["targets"])));
    let given = case["args"].as_array().unwrap().iter();
    let args: Vec<String> = given.map(|a| a.as_str().unwrap().to_owned()).collect();
    let mut inputs = Vec::new();
    for pair in args.windows(2) {
        if pair[0] == "--scores" || pair[0] == "--ignore-value" {
            inputs.extend(pair.iter().cloned());
        }
    }
    let mut curves = vec!["curves".to_owned()];
    curves.extend(args);
    (dir, curves, inputs, header)
}

fn run_ok(dir: &Workdir, args: &[String]) -> String {
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = dir.run(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{all:?}: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

fn rate(part: u64, whole: u64, at_zero: f64) -> f64 {
    if whole == 0 {
        at_zero
    } else {
        part as f64 / whole as f64
    }
}

fn same(got: &Value, want: f64) -> bool {
    match got.as_str() {
        Some("NaN") => want.is_nan(),
        _ => got.as_f64() == Some(want),
    }
}

/// Runs `curves` with `rule` and `report --confusion` with `rule`, and
/// compares each written point with the report's counts of its class.
fn check_case(name: &str, rule: &[&str], files: &[(&str, &str)]) {
    let (dir, mut curves, inputs, classes) = setup(name);
    for (file, text) in files {
        dir.write(file, text);
    }
    let rule: Vec<String> = rule.iter().map(|s| s.to_string()).collect();
    curves.extend(rule.iter().cloned());
    curves.extend(["--operating-points", "ops.json", "x.csv", "y.csv"].map(String::from));
    run_ok(&dir, &curves);
    let mut report = vec!["report".to_owned(), "--confusion".into()];
    report.extend(["--output-format", "json"].map(String::from));
    report.extend(inputs.iter().cloned().chain(rule.iter().cloned()));
    report.extend(["x.csv", "y.csv"].map(String::from));
    let report: Value =
        serde_json::from_str(&run_ok(&dir, &report).replace("NaN", "\"NaN\"")).unwrap();
    let text = std::fs::read_to_string(dir.path("ops.json")).unwrap();
    let points: Value = serde_json::from_str(&text.replace("NaN", "\"NaN\"")).unwrap();
    let points = points.as_array().unwrap();
    let pr = curves.iter().any(|a| a == "pr");
    let micro = curves.iter().any(|a| a == "micro");
    let wanted: Vec<String> = match curves.iter().position(|a| a == "--class") {
        Some(_) => curves
            .windows(2)
            .filter(|w| w[0] == "--class")
            .map(|w| w[1].clone())
            .collect(),
        None if micro => vec!["micro".to_owned()],
        None => classes.clone(),
    };
    let names: Vec<&str> = points
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    assert_eq!(names, wanted, "{name} {rule:?}");
    for point in points {
        let class = point["class"].as_str().unwrap();
        let members: Vec<&String> = match micro {
            true => classes.iter().collect(),
            false => classes.iter().filter(|c| *c == class).collect(),
        };
        let [tp, fp, fn_, tn] = ["tp", "fp", "fn", "tn"].map(|k| {
            members
                .iter()
                .map(|c| count(&report[c.as_str()][k]))
                .sum::<u64>()
        });
        let got = ["tp", "fp", "fn", "tn"].map(|k| count(&point[k]));
        assert_eq!(got, [tp, fp, fn_, tn], "{name} {rule:?} {class}");
        let (x, y) = match pr {
            true => (
                ("precision", rate(tp, tp + fp, 1.0)),
                ("recall", rate(tp, tp + fn_, 1.0)),
            ),
            false => (
                ("fpr", rate(fp, fp + tn, f64::NAN)),
                ("tpr", rate(tp, tp + fn_, f64::NAN)),
            ),
        };
        for (key, want) in [x, y] {
            assert!(
                same(&point[key], want),
                "{name} {rule:?} {class} {key}: {}",
                point[key]
            );
        }
    }
}

#[test]
fn operating_points_have_reports_confusion_counts() {
    let rules: [&[&str]; 5] = [
        &["--threshold", "0.3"],
        &["--top-k", "2"],
        &["--top-k", "1", "--threshold", "0.45"],
        &["--threshold", "0.2,0.5,0.7"],
        &["--threshold", "0"],
    ];
    for name in [
        "logits-roc",
        "logits-pr",
        "masked-roc",
        "constant-pr",
        "logits-roc-micro",
        "logits-pr-micro",
    ] {
        for rule in rules {
            check_case(name, rule, &[]);
        }
    }
    for name in [
        "named-roc",
        "named-pr-micro",
        "named-roc-class",
        "undefined-roc",
        "undefined-pr",
    ] {
        check_case(name, &["--threshold", "0.6"], &[]);
        check_case(name, &["--top-k", "3"], &[]);
    }
}

const THRESHOLDS: &str = "class,threshold\nfrog,0.9\ncat,0.1\ndog,0.5\nbird,0.35\nfish,0.6\n";

#[test]
fn a_threshold_file_gives_the_same_points_as_report() {
    let (dir, mut curves, _, _) = setup("named-pr");
    dir.write("t.csv", THRESHOLDS);
    let more = [
        "--threshold-file",
        "t.csv",
        "--operating-points",
        "ops.csv",
        "x.csv",
        "y.csv",
    ];
    curves.extend(more.map(String::from));
    run_ok(&dir, &curves);
    let text = std::fs::read_to_string(dir.path("ops.csv")).unwrap();
    let mut lines = text.lines();
    let head = "class,threshold,tp,fp,fn,tn,precision,recall";
    assert_eq!(lines.next(), Some(head));
    let thresholds: Vec<&str> = lines.map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(thresholds, ["0.1", "0.5", "0.35", "0.6", "0.9"]);
    check_case(
        "named-pr",
        &["--threshold-file", "t.csv"],
        &[("t.csv", THRESHOLDS)],
    );
    check_case(
        "named-roc-micro",
        &["--threshold-file", "t.csv"],
        &[("t.csv", THRESHOLDS)],
    );
}

/// The SVG's circles and texts.
fn svg(path: &std::path::Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is XML");
    let circles = doc.descendants().filter(|n| n.has_tag_name("circle"));
    let texts = doc.descendants().filter(|n| n.has_tag_name("text"));
    let texts = texts.filter_map(|n| n.text().map(|t| t.trim().to_owned()));
    (circles.count(), texts.collect())
}

#[test]
fn the_plot_marks_each_curves_point_and_names_the_rule() {
    let (dir, mut curves, _, _) = setup("named-roc");
    curves.extend(["x.csv", "y.csv"].map(String::from));
    let mut plain = curves.clone();
    plain.extend(["--plot", "plain.svg"].map(String::from));
    run_ok(&dir, &plain);
    let mut marked = curves.clone();
    marked.extend(["--plot", "marked.svg", "--top-k", "2"].map(String::from));
    run_ok(&dir, &marked);
    let (none, _) = svg(&dir.path("plain.svg"));
    let (five, texts) = svg(&dir.path("marked.svg"));
    // A disc and its ring per class.
    assert_eq!(five, none + 2 * 5);
    assert!(
        texts.iter().any(|t| t == "ROC curves (●: top 2)"),
        "{texts:?}"
    );
    // The micro curve: one point.
    let mut micro = curves.clone();
    micro.extend(
        [
            "--average",
            "micro",
            "--plot",
            "micro.svg",
            "--threshold",
            "0.5",
        ]
        .map(String::from),
    );
    run_ok(&dir, &micro);
    let (one, texts) = svg(&dir.path("micro.svg"));
    assert_eq!(one, none + 2);
    assert!(
        texts
            .iter()
            .any(|t| t == "Micro-average ROC curve (●: p ≥ 0.5)"),
        "{texts:?}"
    );
}

#[test]
fn decision_options_where_no_point_is_marked_are_usage_errors() {
    let tries: [(&str, &[&str], &str); 5] = [
        (
            "named-roc",
            &["--threshold", "0.5"],
            "--threshold marks operating points: give --plot",
        ),
        (
            "named-reliability",
            &["--top-k", "1", "--plot", "p.svg"],
            "--top-k marks a decision",
        ),
        (
            "named-reliability",
            &["--operating-points", "o.csv"],
            "--operating-points marks",
        ),
        (
            "named-roc-macro",
            &["--threshold", "0.5", "--plot", "p.svg"],
            "--threshold: no decision",
        ),
        (
            "named-roc",
            &["--top-k", "1", "--operating-points", "o.npy"],
            "--operating-points o.npy",
        ),
    ];
    for (name, extra, says) in tries {
        let (dir, mut curves, _, _) = setup(name);
        curves.extend(extra.iter().map(|s| s.to_string()));
        curves.extend(["x.csv", "y.csv"].map(String::from));
        let all: Vec<&str> = curves.iter().map(String::as_str).collect();
        let out = dir.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.starts_with(&format!("error: {says}")),
            "{extra:?}: {err}"
        );
        assert!(out.stdout.is_empty());
        assert!(!dir.path("p.svg").exists() && !dir.path("o.csv").exists());
    }
}
