//! Reference answers from PyTorch 2.15 (float64) and scikit-learn 1.9.1
//! (fixtures/reference/, copied from shared/reference/), run through the CLI.

use serde_json::Value;

use crate::harness::{Workdir, assert_close, csv, fixture, numbers, success};

/// The product's promise: PyTorch's float64 numbers to 1e-12 relative.
const RTOL: f64 = 1e-12;

fn matrix(value: &Value) -> Vec<Vec<f64>> {
    value
        .as_array()
        .expect("matrix")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|v| v.as_f64().expect("number"))
                .collect()
        })
        .collect()
}

/// The expected output as lines of numbers: a scalar is one line, a vector
/// one value per line (mlsm `none`), a matrix one row per line.
fn expected_lines(value: &Value) -> Vec<Vec<f64>> {
    match value {
        Value::Number(n) => vec![vec![n.as_f64().unwrap()]],
        Value::Array(items) if items.first().is_some_and(Value::is_array) => matrix(value),
        Value::Array(items) => items.iter().map(|v| vec![v.as_f64().unwrap()]).collect(),
        other => panic!("unexpected expected value {other}"),
    }
}

fn number_list(value: &Value) -> Option<String> {
    let items = value.as_array()?;
    let texts: Vec<String> = items
        .iter()
        .map(|v| format!("{:?}", v.as_f64().unwrap()))
        .collect();
    Some(texts.join(","))
}

fn torch_cases() -> Vec<Value> {
    reference_cases("reference/torch-losses.json")
}

pub(crate) fn reference_cases(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(file)).expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn loss_args(case: &Value) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "loss".into(),
        "--kind".into(),
        case["kind"].as_str().unwrap().into(),
        "--reduction".into(),
        case["reduction"].as_str().unwrap().into(),
    ];
    if let Some(w) = number_list(&case["weight"]) {
        args.push(format!("--weight={w}"));
    }
    if let Some(p) = number_list(&case["pos_weight"]) {
        args.push(format!("--pos-weight={p}"));
    }
    // The extended cases' options, as `--alpha=-1`.
    if let Some(options) = case["options"].as_object() {
        for (name, value) in options {
            // A string (`"class-counts": "10,3,7"`) is given as it is.
            match value.as_str() {
                Some(text) => args.push(format!("--{name}={text}")),
                None => args.push(format!("--{name}={value}")),
            }
        }
    }
    args
}

/// Runs every case of a reference file through the binary, as a user
/// would, and holds the output to the expected values at `RTOL`.
pub(crate) fn run_reference_cases(cases: &[Value]) {
    let dir = Workdir::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        dir.write("logits.csv", csv(&matrix(&case["logits"])));
        dir.write("targets.csv", csv(&matrix(&case["targets"])));
        let mut args = loss_args(case);
        args.extend(["logits.csv".into(), "targets.csv".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = numbers(&success(&dir.run(&args)));
        assert_close(&got, &expected_lines(&case["expected"]), RTOL, name);
    }
}

#[test]
fn torch_reference_cases_through_the_cli() {
    let cases = torch_cases();
    assert!(
        cases.len() > 100,
        "the reference file has {} cases",
        cases.len()
    );
    run_reference_cases(&cases);
}

/// The loss family beyond PyTorch's two (bce-probs, focal, asl,
/// multilabel-margin, label smoothing, missing targets), against the
/// reference answers computed with PyTorch 2.15 in float64.
#[test]
fn extended_reference_cases_through_the_cli() {
    let cases = reference_cases("reference/torch-losses-extended.json");
    assert!(cases.len() >= 100, "the file has {} cases", cases.len());
    run_reference_cases(&cases);
}

/// The same case must print the same text whatever the input format.
#[test]
fn every_format_gives_identical_output() {
    let dir = Workdir::new();
    for case in torch_cases().iter().filter(|c| c["reduction"] == "none") {
        let logits = matrix(&case["logits"]);
        let targets = matrix(&case["targets"]);
        let tsv = |m: &[Vec<f64>]| csv(m).replace(',', "\t");
        let jsonl = |m: &[Vec<f64>]| {
            csv(m)
                .lines()
                .map(|l| format!("[{l}]\n"))
                .collect::<String>()
        };
        dir.write("x.csv", csv(&logits))
            .write("y.csv", csv(&targets));
        dir.write("x.tsv", tsv(&logits))
            .write("y.tsv", tsv(&targets));
        dir.write("x.json", serde_json::to_string(&case["logits"]).unwrap());
        dir.write("y.json", serde_json::to_string(&case["targets"]).unwrap());
        dir.write("x.jsonl", jsonl(&logits))
            .write("y.jsonl", jsonl(&targets));
        let kind = case["kind"].as_str().unwrap();
        let run = |x: &str, y: &str| success(&dir.run(&["loss", "-k", kind, "-r", "none", x, y]));
        let reference = run("x.csv", "y.csv");
        for ext in ["tsv", "json", "jsonl"] {
            let got = run(&format!("x.{ext}"), &format!("y.{ext}"));
            assert_eq!(got, reference, "{} via {ext}", case["name"]);
        }
    }
}

#[test]
fn sklearn_binarizer_cases_through_the_cli() {
    let text =
        std::fs::read_to_string(fixture("reference/sklearn-binarizer.json")).expect("fixture");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let dir = Workdir::new();
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let input: String = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let labels: Vec<&str> = row
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap())
                    .collect();
                labels.join(",") + "\n"
            })
            .collect();
        let mut args = vec!["binarize".to_string(), "--header".into()];
        if let Some(classes) = case["classes"].as_array() {
            let names: Vec<&str> = classes.iter().map(|c| c.as_str().unwrap()).collect();
            args.push(format!("--classes={}", names.join(",")));
        }
        args.push("-".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = dir.run_with_stdin(&args, input.as_bytes());
        let stdout = success(&output);
        let mut lines = stdout.lines();
        let classes: Vec<&str> = case["expected_classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(
            lines.next(),
            Some(classes.join(",").as_str()),
            "{name}: classes"
        );
        let want: Vec<String> = case["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let cells: Vec<String> = row
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.to_string())
                    .collect();
                cells.join(",")
            })
            .collect();
        assert_eq!(lines.collect::<Vec<_>>(), want, "{name}: matrix");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match case["warning"].as_array() {
            Some(warnings) => {
                for w in warnings {
                    assert!(
                        stderr.contains(w.as_str().unwrap()),
                        "{name}: warning {stderr:?}"
                    );
                }
            }
            None => assert!(stderr.is_empty(), "{name}: unexpected stderr {stderr:?}"),
        }
    }
}

/// The README's examples, on the files it names.
#[test]
fn seed_examples_match_their_fixtures() {
    let seed = |name: &str| fixture(&format!("seed/{name}")).display().to_string();
    for (kind, reduction) in [
        ("bce", "none"),
        ("bce", "mean"),
        ("mlsm", "none"),
        ("mlsm", "mean"),
    ] {
        let output = crate::harness::mlloss()
            .args(["loss", "--kind", kind, "--reduction", reduction])
            .args([seed("logits.csv"), seed("targets.csv")])
            .output()
            .unwrap();
        let want =
            std::fs::read_to_string(seed(&format!("{kind}-{reduction}.expected.csv"))).unwrap();
        assert_close(
            &numbers(&success(&output)),
            &numbers(&want),
            RTOL,
            &format!("{kind} {reduction}"),
        );
    }
    let output = crate::harness::mlloss()
        .args(["binarize", &seed("labels.csv")])
        .output()
        .unwrap();
    let want = std::fs::read_to_string(seed("binarize.expected.csv")).unwrap();
    assert_eq!(success(&output), want);
}

/// fixtures/tables/: files as pandas and NumPy write them (index columns,
/// columns in another order, shuffled keyed rows, bools, records, savetxt,
/// one-file tables, label lists), each run as the README says and compared
/// with PyTorch's answer on the data paired by hand in pandas. A key field
/// (a string in the expected line) must match exactly.
#[test]
fn files_written_by_pandas_and_numpy_give_pytorchs_answers() {
    run_fixture_cases("tables", 21);
}

/// fixtures/shapes/: 1-D arrays (one sample, every kind and layout), 3-D
/// arrays, per-class and per-sample weight arrays, and the shape mismatches
/// PyTorch raises for, as its own criterion tests use them.
#[test]
fn array_shapes_are_pytorchs() {
    run_fixture_cases("shapes", 36);
}

/// fixtures/misreads/: files as pandas and NumPy write them by default
/// that an earlier mlloss misread silently (pandas' names `0,1,…` read as a
/// sample) or refused wrongly; and what is ambiguous, refused naming the
/// option that settles it.
#[test]
fn files_once_misread_are_read_as_their_writers_meant() {
    run_fixture_cases("misreads", 34);
}

/// Runs `fixtures/<dir>/cases.json`: each case's `args` in that directory
/// (stdin from the output of `stdin_from`, or the fixture `stdin`), its
/// output compared with `expected` to 1e-12, or, for a case with an
/// `error`, exit 1 and the error's text on stderr; a case with an `exit`
/// code must fail with it and say `stderr`; one with `stderr` and
/// `expected` must succeed and say it.
fn run_fixture_cases(dir: &str, at_least: usize) {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{dir}/cases.json"))).expect("fixture"),
    )
    .expect("fixture JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(
        cases.len() >= at_least,
        "{dir}/cases.json holds {} cases",
        cases.len()
    );
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let stdin = match case["stdin_from"].as_array() {
            Some(_) => {
                let out = crate::harness::mlloss()
                    .current_dir(fixture(dir))
                    .args(strings(&case["stdin_from"]))
                    .output()
                    .unwrap();
                success(&out).into_bytes()
            }
            None => case["stdin"]
                .as_str()
                .map(|f| std::fs::read(fixture(&format!("{dir}/{f}"))).expect("fixture"))
                .unwrap_or_default(),
        };
        let out = crate::harness::mlloss()
            .current_dir(fixture(dir))
            .args(strings(&case["args"]))
            .write_stdin(stdin)
            .output()
            .unwrap();
        if let Some(error) = case.get("error").and_then(Value::as_str) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
            assert!(stderr.contains(error), "{name}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
            continue;
        }
        let said = case.get("stderr").and_then(Value::as_str);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(code) = case.get("exit").and_then(Value::as_i64) {
            assert_eq!(out.status.code(), Some(code as i32), "{name}: {stderr}");
            assert!(
                stderr.contains(said.unwrap_or_default()),
                "{name}: {stderr}"
            );
            continue;
        }
        if let Some(said) = said {
            assert!(stderr.contains(said), "{name}: {stderr}");
        }
        let stdout = success(&out);
        let want = case["expected"].as_array().unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), want.len(), "{name}: lines");
        for (line, want) in lines.iter().zip(want) {
            let fields: Vec<&str> = line.split(',').collect();
            let want = want.as_array().unwrap();
            assert_eq!(fields.len(), want.len(), "{name}: fields of {line:?}");
            let (mut got_numbers, mut want_numbers) = (Vec::new(), Vec::new());
            for (field, want) in fields.iter().zip(want) {
                match want {
                    Value::String(key) => assert_eq!(field, key, "{name}: the key"),
                    number => {
                        got_numbers.push(field.parse::<f64>().expect("a number"));
                        want_numbers.push(number.as_f64().unwrap());
                    }
                }
            }
            assert_close(&[got_numbers], &[want_numbers], RTOL, name);
        }
    }
}
