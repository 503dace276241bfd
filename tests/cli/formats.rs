//! `--output-format csv|tsv|json|jsonl` and `--precision N`: the same
//! numbers in every layout, shaped like the reduction.

use serde_json::Value;

use crate::harness::{Workdir, fixture, numbers, success};

fn seed_dir() -> Workdir {
    let dir = Workdir::new();
    for name in ["logits.csv", "targets.csv", "labels.csv"] {
        dir.write(
            name,
            std::fs::read(fixture(&format!("seed/{name}"))).unwrap(),
        );
    }
    dir
}

fn json_numbers(value: &Value) -> Vec<Vec<f64>> {
    match value {
        Value::Number(n) => vec![vec![n.as_f64().unwrap()]],
        Value::Array(items) if items.iter().all(Value::is_number) => {
            vec![items.iter().map(|v| v.as_f64().unwrap()).collect()]
        }
        Value::Array(rows) => rows.iter().flat_map(json_numbers).collect(),
        other => panic!("unexpected JSON {other}"),
    }
}

#[test]
fn every_layout_holds_the_same_numbers_in_the_reduction_shape() {
    let dir = seed_dir();
    let cases: [(&[&str], &str); 5] = [
        (&["-r", "none"], "matrix"),
        (&["-k", "mlsm", "-r", "none"], "column"),
        (&["-r", "row"], "column"),
        (&["-r", "class"], "array"),
        (&["-r", "mean"], "number"),
    ];
    for (options, shape) in cases {
        let run = |format: &str| {
            let mut args = vec!["loss", "--output-format", format];
            args.extend(options);
            args.extend(["logits.csv", "targets.csv"]);
            success(&dir.run(&args))
        };
        let csv = run("csv");
        let want = numbers(&csv);
        assert_eq!(run("tsv"), csv.replace(',', "\t"), "{options:?}");
        let json: Value = serde_json::from_str(&run("json")).expect("valid JSON");
        match shape {
            "matrix" => assert!(json.as_array().unwrap().iter().all(Value::is_array)),
            "column" => assert!(json.as_array().unwrap().iter().all(Value::is_number)),
            "array" => assert!(json.is_array()),
            _ => assert!(json.is_number()),
        }
        let got = json_numbers(&json);
        let flat = |m: Vec<Vec<f64>>| m.into_iter().flatten().collect::<Vec<f64>>();
        assert_eq!(flat(got), flat(want.clone()), "{options:?} json");
        let lines: Vec<Vec<f64>> = run("jsonl")
            .lines()
            .flat_map(|l| json_numbers(&serde_json::from_str(l).expect("a JSON line")))
            .collect();
        assert_eq!(flat(lines), flat(want), "{options:?} jsonl");
    }
}

#[test]
fn binarize_layouts() {
    let dir = seed_dir();
    let run =
        |format: &str| success(&dir.run(&["binarize", "--output-format", format, "labels.csv"]));
    assert_eq!(run("tsv"), "1\t1\t0\n0\t0\t1\n1\t0\t1\n");
    // The header takes the rows' delimiter.
    let tsv = success(&dir.run(&[
        "binarize",
        "--header",
        "--output-format",
        "tsv",
        "labels.csv",
    ]));
    assert_eq!(tsv.lines().next(), Some("1\t2\t3"));
    assert_eq!(run("jsonl"), "[1,1,0]\n[0,0,1]\n[1,0,1]\n");
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json, serde_json::json!([[1, 1, 0], [0, 0, 1], [1, 0, 1]]));
    dir.write("none.csv", "");
    let empty = success(&dir.run(&["binarize", "--output-format", "json", "none.csv"]));
    assert_eq!(empty, "[]\n");
    let out = dir.run(&[
        "binarize",
        "--output-format",
        "json",
        "--header",
        "labels.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `--precision N`: N significant digits, correctly rounded, in %g layout.
#[test]
fn precision_rounds_to_significant_digits() {
    let dir = seed_dir();
    let full = numbers(&success(&dir.run(&[
        "loss",
        "-r",
        "none",
        "logits.csv",
        "targets.csv",
    ])));
    for digits in [1usize, 3, 6, 12, 17] {
        let arg = digits.to_string();
        let args = [
            "loss",
            "-r",
            "none",
            "--precision",
            &arg,
            "logits.csv",
            "targets.csv",
        ];
        let text = success(&dir.run(&args));
        for (line, want_row) in text.lines().zip(&full) {
            for (cell, &v) in line.split(',').zip(want_row) {
                let rounded: f64 = format!("{v:.*e}", digits - 1).parse().unwrap();
                assert_eq!(
                    cell.parse::<f64>().unwrap(),
                    rounded,
                    "{v} to {digits} digits: {cell}"
                );
                let significant = cell
                    .split('e')
                    .next()
                    .unwrap()
                    .trim_start_matches(['-', '0', '.'])
                    .replace('.', "");
                assert!(
                    significant.len() <= digits,
                    "{cell} has more than {digits} digits"
                );
            }
        }
    }
    for bad in ["0", "18"] {
        let out = dir.run(&["loss", "--precision", bad, "logits.csv", "targets.csv"]);
        assert_eq!(out.status.code(), Some(2));
    }
}
