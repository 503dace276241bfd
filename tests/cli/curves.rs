//! `mlloss curves`: scikit-learn 1.9.1's points (fixtures/reference/
//! curves.json, written by gen_curves.py beside it) through the CLI, every
//! point at 1e-12 relative; the plots read back (SVG as XML, PNG decoded);
//! the usage errors; `-o` and `--plot` written only on success.

use serde_json::Value;

use crate::harness::{Workdir, csv, fixture};

const RTOL: f64 = 1e-12;

fn number(v: &Value) -> f64 {
    match v.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

/// A field of mlloss' CSV as a number (`nan`, `inf` as Python writes them).
fn field(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

fn same(got: f64, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    if want.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= RTOL * want.abs() || (want == 0.0 && got == 0.0)
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    let rows = v.as_array().expect("matrix");
    rows.iter()
        .map(|r| r.as_array().expect("row").iter().map(number).collect())
        .collect()
}

/// The case's matrices as CSV files (with the case's header, if any).
fn write_inputs(dir: &Workdir, case: &Value) {
    let header = case["header"]
        .as_array()
        .map(|h| {
            let names: Vec<&str> = h.iter().map(|n| n.as_str().unwrap()).collect();
            names.join(",") + "\n"
        })
        .unwrap_or_default();
    dir.write(
        "scores.csv",
        header.clone() + &csv(&matrix(&case["scores"])),
    );
    dir.write("targets.csv", header + &csv(&matrix(&case["targets"])));
}

fn args_of(case: &Value) -> Vec<String> {
    let mut args: Vec<String> = vec!["curves".into()];
    let given = case["args"].as_array().unwrap();
    args.extend(given.iter().map(|a| a.as_str().unwrap().to_owned()));
    args
}

fn run(dir: &Workdir, args: &[String], extra: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    all.extend(["scores.csv", "targets.csv"]);
    dir.run(&all)
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("reference/curves.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

#[test]
fn every_reference_case_gives_scikit_learns_points() {
    let cases = cases();
    assert!(cases.len() >= 46, "{} cases", cases.len());
    let dir = Workdir::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        write_inputs(&dir, case);
        let output = run(&dir, &args_of(case), &[]);
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            failures.push(format!("{name}: failed: {err}"));
            continue;
        }
        let stdout = String::from_utf8(output.stdout).unwrap();
        let mut lines = stdout.lines();
        let header = lines.next().unwrap_or_default();
        let got: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let want = case["rows"].as_array().unwrap();
        if got.len() != want.len() {
            failures.push(format!("{name}: {} rows, want {}", got.len(), want.len()));
            continue;
        }
        let width = header.split(',').count();
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            let w = w.as_array().unwrap();
            let ok = g.len() == width
                && w.len() == width
                && g[0] == w[0].as_str().unwrap()
                && g[1..]
                    .iter()
                    .zip(&w[1..])
                    .all(|(g, w)| same(field(g), number(w)));
            if !ok {
                failures.push(format!("{name}: row {k}: got {g:?}, want {w:?}"));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The reference case `name`, written to a fresh directory.
fn case_dir(name: &str) -> (Workdir, Vec<String>) {
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let dir = Workdir::new();
    write_inputs(&dir, &case);
    (dir, args_of(&case))
}

#[test]
fn an_svg_plot_is_xml_with_a_polyline_per_curve() {
    let (dir, args) = case_dir("named-roc");
    let svg = dir.path("roc.svg");
    let bare = dir.path("bare.svg");
    let polylines = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("the SVG is XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<String> = (doc.descendants())
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
            .collect();
        let count = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        (count, texts)
    };
    let out = run(&dir, &args, &["--plot", svg.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (five, texts) = polylines(&svg);
    // One class: the same figure with one line (and its legend mark) less
    // per class left out.
    let out = run(
        &dir,
        &args,
        &["--class", "cat", "--plot", bare.to_str().unwrap()],
    );
    assert!(out.status.success());
    let (one, _) = polylines(&bare);
    assert_eq!(five, one + 2 * 4, "a line and a legend mark per class");
    for name in ["cat", "dog", "bird", "fish", "frog"] {
        let legend = texts
            .iter()
            .find(|t| t.starts_with(&format!("{name} (AUC = ")));
        assert!(legend.is_some(), "{name} in {texts:?}");
    }
}

#[test]
fn a_png_plot_has_the_signature_and_size() {
    for (name, curve) in [("ties-reliability-uniform-5", "rel"), ("named-pr", "pr")] {
        let (dir, args) = case_dir(name);
        let png = dir.path(&format!("{curve}.png"));
        let out = run(&dir, &args, &["--plot", png.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        assert_eq!((reader.info().width, reader.info().height), (800, 600));
    }
}

#[test]
fn json_and_jsonl_hold_the_same_points_as_csv() {
    let (dir, args) = case_dir("undefined-roc");
    let csv_out = run(&dir, &args, &[]);
    let rows = String::from_utf8(csv_out.stdout).unwrap().lines().count() - 1;
    let json = run(&dir, &args, &["--output-format", "json"]);
    let text = String::from_utf8(json.stdout).unwrap();
    let parsed: Value = serde_json::from_str(
        &text
            .replace("NaN", "null")
            .replace("-Infinity", "null")
            .replace("Infinity", "null"),
    )
    .unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), rows);
    assert!(text.contains("\"tpr\": NaN"), "{}", &text[..200]);
    let jsonl = run(&dir, &args, &["--output-format", "jsonl"]);
    assert_eq!(
        String::from_utf8(jsonl.stdout).unwrap().lines().count(),
        rows
    );
    let err = String::from_utf8_lossy(&csv_out.stderr);
    assert!(
        err.contains("mlloss: warning: curves: 2, 3: no positive or no negative"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let tries: [(&str, &[&str]); 6] = [
        ("named-pr", &["--average", "macro"]),
        ("named-roc", &["--class", "zebra"]),
        ("named-roc", &["--class", "cat", "--class", "cat"]),
        ("named-roc", &["--plot", "p.jpg"]),
        ("named-roc", &["--average", "micro", "--class", "cat"]),
        ("named-reliability", &["--bins", "10"]),
    ];
    for (case, extra) in tries {
        let (dir, args) = case_dir(case);
        dir.write("old.csv", "kept\n");
        let old = dir.path("old.csv");
        let plot = dir.path("p.svg");
        let mut all = args.clone();
        all.extend(extra.iter().map(|s| s.to_string()));
        let mut files = vec!["-o", old.to_str().unwrap()];
        if !extra.contains(&"--plot") {
            files.extend(["--plot", plot.to_str().unwrap()]);
        }
        let out = run(&dir, &all, &files);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        // Usage errors are clap's: the line, then the usage.
        assert!(err.starts_with("error: --"), "{err}");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "kept\n");
        assert!(!plot.exists());
    }
}

#[test]
fn exact_points_do_not_depend_on_the_memory_limit_or_threads() {
    let (dir, args) = case_dir("named-pr");
    let base = run(&dir, &args, &[]);
    for extra in [&["-j", "1"][..], &["-j", "3", "--memory-limit", "192K"]] {
        let out = run(&dir, &args, extra);
        assert_eq!(out.stdout, base.stdout, "{extra:?}");
    }
}
