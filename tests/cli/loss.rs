//! `mlloss loss`: options, reductions, layouts and streaming behaviour.

use crate::harness::{Workdir, assert_close, fixture, numbers, success};

const LOGITS: &str = "0.5,-1.5,2\n-3,0,1\n";
const TARGETS: &str = "1,0,1\n0,0.25,1\n";

fn dir() -> Workdir {
    let dir = Workdir::new();
    dir.write("x.csv", LOGITS).write("y.csv", TARGETS);
    dir
}

fn run_numbers(dir: &Workdir, args: &[&str]) -> Vec<Vec<f64>> {
    numbers(&success(&dir.run(args)))
}

/// Element losses computed here from the textbook formula.
fn element(x: f64, y: f64) -> f64 {
    let p = 1.0 / (1.0 + (-x).exp());
    -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
}

fn expected_matrix() -> Vec<Vec<f64>> {
    let x = [[0.5, -1.5, 2.0], [-3.0, 0.0, 1.0]];
    let y = [[1.0, 0.0, 1.0], [0.0, 0.25, 1.0]];
    (0..2)
        .map(|i| (0..3).map(|j| element(x[i][j], y[i][j])).collect())
        .collect()
}

#[test]
fn default_is_bce_mean() {
    let dir = dir();
    let all: f64 = expected_matrix().iter().flatten().sum();
    assert_close(
        &run_numbers(&dir, &["loss", "x.csv", "y.csv"]),
        &[vec![all / 6.0]],
        1e-13,
        "mean",
    );
}

#[test]
fn row_and_class_reductions() {
    let dir = dir();
    let m = expected_matrix();
    let rows: Vec<Vec<f64>> = m
        .iter()
        .map(|r| vec![r.iter().sum::<f64>() / 3.0])
        .collect();
    let classes = vec![
        (0..3)
            .map(|j| (m[0][j] + m[1][j]) / 2.0)
            .collect::<Vec<f64>>(),
    ];
    for kind in ["bce", "mlsm"] {
        assert_close(
            &run_numbers(&dir, &["loss", "-k", kind, "-r", "row", "x.csv", "y.csv"]),
            &rows,
            1e-13,
            "row",
        );
        assert_close(
            &run_numbers(&dir, &["loss", "-k", kind, "-r", "class", "x.csv", "y.csv"]),
            &classes,
            1e-13,
            "class",
        );
    }
    // mlsm `none` is the per-sample mean, the same as `row`.
    assert_close(
        &run_numbers(
            &dir,
            &["loss", "-k", "mlsm", "-r", "none", "x.csv", "y.csv"],
        ),
        &rows,
        1e-13,
        "mlsm none",
    );
}

#[test]
fn kind_has_its_pytorch_name_as_well_as_the_alias() {
    let dir = dir();
    let long = success(&dir.run(&["loss", "--kind", "multilabel-soft-margin", "x.csv", "y.csv"]));
    let short = success(&dir.run(&["loss", "--kind", "mlsm", "x.csv", "y.csv"]));
    assert_eq!(long, short);
}

#[test]
fn mean_divides_by_n_times_c_not_by_the_weights() {
    let dir = dir();
    let m = expected_matrix();
    let w = [2.0, 0.5, 3.0];
    let weighted: f64 = m
        .iter()
        .map(|r| (0..3).map(|j| r[j] * w[j]).sum::<f64>())
        .sum();
    let got = run_numbers(&dir, &["loss", "--weight", "2,0.5,3", "x.csv", "y.csv"]);
    assert_close(&got, &[vec![weighted / 6.0]], 1e-13, "weighted mean");
}

#[test]
fn a_single_weight_broadcasts() {
    let dir = dir();
    let one = run_numbers(
        &dir,
        &["loss", "-r", "sum", "--weight", "2", "x.csv", "y.csv"],
    );
    let all = run_numbers(
        &dir,
        &["loss", "-r", "sum", "--weight", "2,2,2", "x.csv", "y.csv"],
    );
    assert_eq!(one, all);
    let one = run_numbers(
        &dir,
        &["loss", "-r", "sum", "--pos-weight", "3", "x.csv", "y.csv"],
    );
    let all = run_numbers(
        &dir,
        &[
            "loss",
            "-r",
            "sum",
            "--pos-weight",
            "3,3,3",
            "x.csv",
            "y.csv",
        ],
    );
    assert_eq!(one, all);
}

#[test]
fn negative_weights_are_allowed_as_in_pytorch() {
    let dir = dir();
    let plain = run_numbers(&dir, &["loss", "-r", "sum", "x.csv", "y.csv"]);
    let negated = run_numbers(
        &dir,
        &["loss", "-r", "sum", "--weight", "-1", "x.csv", "y.csv"],
    );
    assert_close(&negated, &[vec![-plain[0][0]]], 1e-15, "negated");
}

#[test]
fn extreme_logits_stay_finite() {
    let dir = Workdir::new();
    dir.write("x.csv", "1e6,-1e6,1000,-1000\n")
        .write("y.csv", "0,1,0.5,0.5\n");
    let got = run_numbers(&dir, &["loss", "-r", "none", "x.csv", "y.csv"]);
    assert_eq!(got, vec![vec![1e6, 1e6, 500.0, 500.0]]);
}

#[test]
fn a_header_line_is_skipped_in_either_input() {
    let dir = dir();
    dir.write("xh.csv", format!("a,b,c\n{LOGITS}"));
    dir.write("yh.tsv", format!("a\tb\tc\n{}", TARGETS.replace(',', "\t")));
    let plain = success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]));
    assert_eq!(
        success(&dir.run(&["loss", "-r", "none", "xh.csv", "yh.tsv"])),
        plain
    );
}

#[test]
fn either_input_may_come_from_stdin() {
    let dir = dir();
    let plain = success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]));
    let got = dir.run_with_stdin(&["loss", "-r", "none", "-", "y.csv"], LOGITS.as_bytes());
    assert_eq!(success(&got), plain);
    let got = dir.run_with_stdin(&["loss", "-r", "none", "x.csv", "-"], TARGETS.as_bytes());
    assert_eq!(success(&got), plain);
    // --format says how the inputs are written, stdin included.
    dir.write("x.jsonl", "[0.5,-1.5,2]\n[-3,0,1]\n");
    let jsonl = "[1,0,1]\n[0,0.25,1]\n";
    let got = dir.run_with_stdin(
        &["loss", "-r", "none", "--format", "jsonl", "x.jsonl", "-"],
        jsonl.as_bytes(),
    );
    assert_eq!(success(&got), plain);
}

#[test]
fn crlf_quotes_spaces_and_bom_are_read() {
    let dir = dir();
    dir.write("x2.csv", "\u{feff}0.5, -1.5 ,\"2\"\r\n-3,0,1\r\n");
    let plain = success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]));
    assert_eq!(
        success(&dir.run(&["loss", "-r", "none", "x2.csv", "y.csv"])),
        plain
    );
}

#[test]
fn output_is_python_repr_shortest_round_trip() {
    let dir = Workdir::new();
    dir.write("x.csv", "0\n40\n").write("y.csv", "0\n0\n");
    // Both begin with `0`, which could be pandas' name of one column.
    let args = [
        "loss",
        "--input-header",
        "no",
        "-r",
        "none",
        "x.csv",
        "y.csv",
    ];
    let out = success(&dir.run(&args));
    // log(2) and 40 + log1p(e^-40) as CPython prints them.
    assert_eq!(out, "0.6931471805599453\n40.0\n");
}

#[test]
fn large_input_streams_through() {
    let dir = Workdir::new();
    let rows = 50_000;
    let mut x = String::new();
    let mut y = String::new();
    for i in 0..rows {
        x.push_str(&format!("{},{}\n", (i % 7) as f64 - 3.0, 0.5));
        y.push_str(if i % 2 == 0 { "1,0\n" } else { "0,1\n" });
    }
    dir.write("x.csv", &x).write("y.csv", &y);
    let none = success(&dir.run(&["loss", "-r", "none", "x.csv", "y.csv"]));
    assert_eq!(none.lines().count(), rows);
    let total: f64 = numbers(&none).iter().flatten().sum();
    let sum = run_numbers(&dir, &["loss", "-r", "sum", "x.csv", "y.csv"]);
    assert_close(&sum, &[vec![total]], 1e-10, "sum of none");
}

/// Inputs of several megabytes are cut into many chunks and spread over
/// threads; the printed rows and the sums must not depend on either.
#[test]
fn results_do_not_depend_on_threads_or_chunks() {
    let dir = Workdir::new();
    let rows = 25_000;
    let (mut x, mut y) = (String::from("a,b,c,d,e,f,g,h\r\n"), String::new());
    let mut state = 12345u64;
    for i in 0..rows {
        for j in 0..8 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 40.0;
            // Mix plain, quoted, spaced and long numbers, and both line ends.
            let cell = match (i + j) % 5 {
                0 => format!("\"{v}\""),
                1 => format!(" {v:.3} "),
                2 => format!("{v:e}"),
                _ => format!("{v:.7}"),
            };
            x.push_str(&cell);
            x.push(if j < 7 { ',' } else { '\r' });
            y.push_str(if (state >> 7).is_multiple_of(3) {
                "1"
            } else {
                "0.25"
            });
            y.push(if j < 7 { ',' } else { '\n' });
        }
        x.push('\n');
    }
    dir.write("x.csv", &x).write("y.csv", &y);
    for reduction in ["none", "row", "mean", "sum", "class"] {
        let one = success(&dir.run(&["loss", "-r", reduction, "-j", "1", "x.csv", "y.csv"]));
        for threads in ["2", "3", "8"] {
            let many =
                success(&dir.run(&["loss", "-r", reduction, "-j", threads, "x.csv", "y.csv"]));
            assert_eq!(many, one, "{reduction} with {threads} threads");
        }
        if reduction == "none" {
            assert_eq!(one.lines().count(), rows);
        }
    }
}

#[test]
fn a_late_error_names_its_line_in_a_large_input() {
    let dir = Workdir::new();
    let mut x = "0.5,1.25\n".repeat(300_000);
    x.push_str("0.5,oops\n");
    x.push_str(&"0.5,1.25\n".repeat(1000));
    dir.write("x.csv", &x)
        .write("y.csv", "1,0\n".repeat(301_001));
    for threads in ["1", "2"] {
        let output = dir.run(&["loss", "-j", threads, "x.csv", "y.csv"]);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr,
            "mlloss: error: x.csv:300001:2: not a number (\"oops\")\n"
        );
    }
    // Different lengths, found only at the end of a long input.
    dir.write("y_short.csv", "1,0\n".repeat(300_000));
    dir.write("x_ok.csv", "0.5,1.25\n".repeat(300_001));
    let output = dir.run(&["loss", "x_ok.csv", "y_short.csv"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "mlloss: error: x_ok.csv:300001: row 300001 has no partner: y_short.csv ends after 300000 rows\n"
    );
}

/// Every format and stdin go through the same chunking; several megabytes
/// of each must give the same text as the CSV file.
#[test]
fn large_inputs_agree_across_formats_and_stdin() {
    let dir = Workdir::new();
    let rows = 30_000;
    let (mut csv, mut tsv, mut jsonl, mut y) =
        (String::new(), String::new(), String::new(), String::new());
    let mut json = String::from("[");
    for i in 0..rows {
        let values: Vec<String> = (0..6)
            .map(|j| format!("{:?}", ((i * 7 + j * 13) % 101) as f64 / 7.0 - 7.0))
            .collect();
        csv.push_str(&(values.join(",") + "\n"));
        tsv.push_str(&(values.join("\t") + "\n"));
        jsonl.push_str(&format!("[{}]\n", values.join(",")));
        json.push_str(&format!(
            "{}[{}]",
            if i > 0 { ",\n" } else { "" },
            values.join(", ")
        ));
        y.push_str(["1,0,0,1,0,1\n", "0,0.5,1,0,0,0\n"][i % 2]);
    }
    json.push(']');
    dir.write("x.csv", &csv)
        .write("x.tsv", &tsv)
        .write("x.jsonl", &jsonl)
        .write("x.json", &json)
        .write("y.csv", &y);
    for reduction in ["none", "class"] {
        let want = success(&dir.run(&["loss", "-r", reduction, "x.csv", "y.csv"]));
        for file in ["x.tsv", "x.jsonl", "x.json"] {
            let got = success(&dir.run(&["loss", "-r", reduction, file, "y.csv"]));
            assert_eq!(got, want, "{reduction} {file}");
        }
        let piped = dir.run_with_stdin(&["loss", "-r", reduction, "-", "y.csv"], csv.as_bytes());
        assert_eq!(success(&piped), want, "{reduction} stdin");
    }
}

/// `--nonfinite allow` against PyTorch's own values for NaN and infinite
/// logits and targets (fixtures/nonfinite): equal wherever PyTorch's value
/// is not NaN, and the documented limit where PyTorch gives NaN although
/// the loss tends to one (x = +inf with y = 1 and x = -inf with y = 0: 0;
/// x = -inf with y > 0 in bce: +inf).
#[test]
fn nonfinite_values_match_pytorch_or_its_limits() {
    let text = std::fs::read_to_string(fixture("nonfinite/torch-nonfinite.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let parse = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let dir = Workdir::new();
    let mut limits = 0;
    for case in cases["cases"].as_array().unwrap() {
        let (x, y, torch) = (parse(&case["x"]), parse(&case["y"]), parse(&case["torch"]));
        let kind = case["kind"].as_str().unwrap();
        dir.write("x.csv", format!("{x:?},0.5\n"))
            .write("y.csv", format!("{y:?},1\n"));
        let mut args = vec!["loss", "--nonfinite", "allow", "-r", "none", "-k", kind];
        let pos_weight = case["pos_weight"].as_f64().map(|p| p.to_string());
        if let Some(p) = &pos_weight {
            args.extend(["--pos-weight", p]);
        }
        args.extend(["x.csv", "y.csv"]);
        let got = numbers(&success(&dir.run(&args)));
        // bce prints both elements; mlsm their mean, so take it apart again.
        let got = if kind == "bce" {
            got[0][0]
        } else {
            2.0 * got[0][0] - (-0.5f64).exp().ln_1p()
        };
        let context = format!("{kind} x = {x} y = {y} pos_weight = {pos_weight:?}");
        if torch.is_nan() {
            let limit = match (kind, x) {
                (_, f64::INFINITY) if y == 1.0 => Some(0.0),
                (_, f64::NEG_INFINITY) if y == 0.0 => Some(0.0),
                ("bce", f64::NEG_INFINITY) if y > 0.0 && y.is_finite() => Some(f64::INFINITY),
                _ => None,
            };
            match limit {
                Some(limit) => {
                    limits += 1;
                    assert_eq!(got, limit, "{context}");
                }
                None => assert!(got.is_nan(), "{context}: {got} instead of NaN"),
            }
        } else if torch.is_infinite() {
            assert_eq!(got, torch, "{context}");
        } else {
            assert!(
                (got - torch).abs() <= 1e-12 * torch.abs(),
                "{context}: {got} vs {torch}"
            );
        }
    }
    assert_eq!(limits, 10, "the fixture covers every limit case");
}

#[test]
fn nonfinite_values_are_errors_by_default_and_reduce_like_ieee_when_allowed() {
    let dir = Workdir::new();
    dir.write("x.csv", "0.5,inf\n1,2\n")
        .write("y.csv", "1,0\n0,1\n");
    let out = dir.run(&["loss", "x.csv", "y.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("x.csv:1:2: not a finite number (\"inf\")")
    );
    for reduction in ["mean", "sum"] {
        let out = dir.run(&[
            "loss",
            "--nonfinite",
            "allow",
            "-r",
            reduction,
            "x.csv",
            "y.csv",
        ]);
        assert_eq!(success(&out), "inf\n", "{reduction}");
    }
    let rows = run_numbers(
        &dir,
        &[
            "loss",
            "--nonfinite",
            "allow",
            "-r",
            "row",
            "x.csv",
            "y.csv",
        ],
    );
    assert_eq!(rows[0], [f64::INFINITY]);
    let second = (element(1.0, 0.0) + element(2.0, 1.0)) / 2.0;
    assert_close(&rows[1..], &[vec![second]], 1e-14, "finite row");
    dir.write("y.csv", "nan,0\n0,1\n");
    let out = dir.run(&[
        "loss",
        "--nonfinite",
        "allow",
        "-r",
        "class",
        "x.csv",
        "y.csv",
    ]);
    assert_eq!(success(&out), "nan,inf\n");
}
