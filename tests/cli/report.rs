//! `mlloss report` against scikit-learn 1.9.1's `classification_report`
//! and `multilabel_confusion_matrix` (`fixtures/reference/report.json`,
//! written by `fixtures/reference/gen_report.py`): the text byte for byte,
//! `output_dict` as JSON at 1e-12, the confusion counts exactly, and
//! `--partial` + `merge` printing the unsharded report.

use serde_json::Value;

use crate::harness::{Workdir, fixture, success};

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("reference/report.json")).expect("fixture");
    let all: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(all["provenance"]["scikit-learn"], "1.9.1");
    all["cases"].as_array().expect("cases").clone()
}

fn matrix(rows: &Value, header: Option<&Value>) -> String {
    let mut out = String::new();
    if let Some(names) = header.and_then(Value::as_array) {
        let names: Vec<&str> = names.iter().map(|n| n.as_str().unwrap()).collect();
        out += &(names.join(",") + "\n");
    }
    for row in rows.as_array().unwrap() {
        let cells: Vec<String> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{:?}", v.as_f64().unwrap()))
            .collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

/// The command line of a case's decision and options.
fn options(case: &Value) -> Vec<String> {
    let mut args = vec![
        "--scores".to_owned(),
        case["kind"].as_str().unwrap().to_owned(),
    ];
    if let Some(t) = case["thresholds"].as_array() {
        let list: Vec<String> = t
            .iter()
            .map(|v| format!("{:?}", v.as_f64().unwrap()))
            .collect();
        args.extend(["--threshold".to_owned(), list.join(",")]);
    }
    if let Some(k) = case["top_k"].as_u64() {
        args.extend(["--top-k".to_owned(), k.to_string()]);
    }
    let zd = case["zero_division"].as_str().unwrap();
    if zd != "warn" {
        args.extend(["--zero-division".to_owned(), zd.to_owned()]);
    }
    args.extend(["--digits".to_owned(), case["digits"].to_string()]);
    args.extend(["--ignore-value".to_owned(), "-1".to_owned()]);
    args
}

fn write_case(dir: &Workdir, case: &Value) {
    let names = case.get("names").filter(|n| !n.is_null());
    dir.write("x.csv", matrix(&case["scores"], names))
        .write("y.csv", matrix(&case["targets"], names));
}

fn run(dir: &Workdir, case: &Value, extra: &[&str], files: [&str; 2]) -> String {
    let mut args: Vec<String> = vec!["report".to_owned()];
    args.extend(options(case));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(files.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    success(&dir.run(&args))
}

fn close(got: &Value, want: &Value, context: &str) {
    match (got.as_f64(), want.as_f64(), want.as_str()) {
        (Some(g), Some(w), _) => {
            let ok = g == w || (g - w).abs() <= 1e-12 * w.abs().max(g.abs());
            assert!(ok, "{context}: {g} against {w}");
        }
        (_, _, Some("NaN")) => assert!(got.as_f64().is_none_or(f64::is_nan), "{context}: {got}"),
        _ => panic!("{context}: {got} against {want}"),
    }
}

#[test]
fn text_equals_sklearn_byte_for_byte() {
    let dir = Workdir::new();
    let cases = cases();
    assert!(cases.len() >= 13);
    for case in &cases {
        write_case(&dir, case);
        let got = run(&dir, case, &[], ["x.csv", "y.csv"]);
        assert_eq!(got, case["text"].as_str().unwrap(), "{}", case["name"]);
    }
}

#[test]
fn json_is_output_dict_and_confusion_is_sklearns() {
    let dir = Workdir::new();
    for case in &cases() {
        let name = case["name"].as_str().unwrap();
        write_case(&dir, case);
        let got = run(
            &dir,
            case,
            &["--output-format", "json", "--confusion"],
            ["x.csv", "y.csv"],
        );
        // NaN is written as Python's json writes it; read it back as a string.
        let got: Value = serde_json::from_str(&got.replace("NaN", "\"NaN\"")).expect("JSON");
        let (got, want) = (got.as_object().unwrap(), case["dict"].as_object().unwrap());
        let keys: Vec<&String> = got.keys().collect();
        assert_eq!(keys, want.keys().collect::<Vec<_>>(), "{name}");
        for (row, values) in want {
            for (key, value) in values.as_object().unwrap() {
                close(&got[row][key], value, &format!("{name} {row} {key}"));
            }
        }
        // (serde_json's maps sort their keys: the classes' order is the
        // reference's columns, and the text layout test checks the rows'.)
        let confusion = case["confusion"].as_array().unwrap();
        let classes: Vec<String> = match case["names"].as_array() {
            Some(names) => names
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect(),
            None => (0..confusion.len()).map(|j| j.to_string()).collect(),
        };
        for (class, counts) in classes.iter().zip(confusion) {
            let c: Vec<u64> = counts
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let row = &got[class.as_str()];
            let mine = ["tn", "fp", "fn", "tp"].map(|k| row[k].as_u64().unwrap());
            assert_eq!(mine.to_vec(), c, "{name} {class}");
        }
    }
}

#[test]
fn partial_states_merge_into_the_unsharded_report() {
    let dir = Workdir::new();
    for case in cases().iter().filter(|c| c["names"].is_null()) {
        write_case(&dir, case);
        let whole = run(&dir, case, &["--confusion"], ["x.csv", "y.csv"]);
        let x = std::fs::read_to_string(dir.path("x.csv")).unwrap();
        let y = std::fs::read_to_string(dir.path("y.csv")).unwrap();
        let (x, y): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
        let half = x.len() / 2;
        dir.write("x1.csv", x[..half].join("\n") + "\n")
            .write("x2.csv", x[half..].join("\n") + "\n")
            .write("y1.csv", y[..half].join("\n") + "\n")
            .write("y2.csv", y[half..].join("\n") + "\n");
        let s1 = run(
            &dir,
            case,
            &["--confusion", "--partial"],
            ["x1.csv", "y1.csv"],
        );
        let s2 = run(
            &dir,
            case,
            &["--confusion", "--partial"],
            ["x2.csv", "y2.csv"],
        );
        dir.write("s1.json", s1).write("s2.json", s2);
        let merged = success(&dir.run(&["merge", "s2.json", "s1.json"]));
        assert_eq!(merged, whole, "{}", case["name"]);
    }
}

#[test]
fn csv_rows_and_errors() {
    let dir = Workdir::new();
    dir.write("x.csv", "a,b\n1,-1\n-1,2\n")
        .write("y.csv", "a,b\n1,0\n1,1\n");
    let out = success(&dir.run(&[
        "report",
        "--output-format",
        "csv",
        "--confusion",
        "x.csv",
        "y.csv",
    ]));
    assert_eq!(
        out,
        "class,precision,recall,f1-score,support,tp,fp,fn,tn\n\
         a,1.0,0.5,0.6666666666666666,2,1,0,1,0\n\
         b,1.0,1.0,1.0,1,1,0,0,1\n\
         micro avg,1.0,0.6666666666666666,0.8,3,,,,\n\
         macro avg,1.0,0.75,0.8333333333333333,3,,,,\n\
         weighted avg,1.0,0.6666666666666666,0.7777777777777777,3,,,,\n\
         samples avg,1.0,0.75,0.8333333333333333,3,,,,\n"
    );
    let out = dir.run(&["report", "--threshold", "2", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dir.run(&["report", "--threshold", "0.5,0.5,0.5", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(2));
}
