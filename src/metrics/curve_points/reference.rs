//! The curves' maths against scikit-learn's points
//! (fixtures/reference/curves.json, written by gen_curves.py beside it),
//! without the command: each case's columns grouped by distinct score,
//! highest first, as the walk feeds them. The command's own test runs the
//! same cases through the binary (tests/cli/curves.rs).

use serde_json::Value;

use super::{Binning, MacroRoc, PrPoints, ReliabilityBins, RocPoints};

fn number(v: &Value) -> f64 {
    match v.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => v.as_f64().expect("a number"),
    }
}

fn same(got: f64, want: f64) -> bool {
    if want.is_nan() || want.is_infinite() {
        return got.is_nan() == want.is_nan() && (want.is_nan() || got == want);
    }
    (got - want).abs() <= 1e-12 * want.abs()
}

/// (score, positive) of the unit's observed elements, highest first, as
/// (score, positives, negatives) groups.
fn groups(mut elements: Vec<(f64, bool)>) -> Vec<(f64, u64, u64)> {
    elements.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<(f64, u64, u64)> = Vec::new();
    for (s, positive) in elements {
        match out.last_mut() {
            Some(g) if g.0 == s => {
                g.1 += u64::from(positive);
                g.2 += u64::from(!positive);
            }
            _ => out.push((s, u64::from(positive), u64::from(!positive))),
        }
    }
    out
}

fn option<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|w| w[0] == name)
        .map(|w| w[1].as_str())
        .collect()
}

/// A unit's name and its groups, highest first.
type Unit = (String, Vec<(f64, u64, u64)>);
/// A row: the class, then its numbers.
type Row = (String, Vec<f64>);

/// The case's units: each selected class, or every element pooled.
fn units(case: &Value, args: &[String]) -> Vec<Unit> {
    let matrix = |key: &str| -> Vec<Vec<f64>> {
        case[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(number).collect())
            .collect()
    };
    let (scores, targets) = (matrix("scores"), matrix("targets"));
    let c = scores[0].len();
    let names: Vec<String> = match case["header"].as_array() {
        Some(h) => h.iter().map(|n| n.as_str().unwrap().to_owned()).collect(),
        None => (0..c).map(|j| j.to_string()).collect(),
    };
    let selected: Vec<usize> = match option(args, "--class") {
        given if given.is_empty() => (0..c).collect(),
        given => given
            .iter()
            .map(|g| names.iter().position(|n| n == g).unwrap())
            .collect(),
    };
    let column = |j: usize| -> Vec<(f64, bool)> {
        scores
            .iter()
            .zip(&targets)
            .filter(|(_, t)| t[j] != -1.0)
            .map(|(s, t)| (s[j], t[j] == 1.0))
            .collect()
    };
    match option(args, "--average").first().copied() {
        Some("micro") => vec![(
            "micro".into(),
            groups(selected.iter().flat_map(|&j| column(j)).collect()),
        )],
        _ => selected
            .iter()
            .map(|&j| (names[j].clone(), groups(column(j))))
            .collect(),
    }
}

/// The rows the maths give for a case.
fn rows(case: &Value) -> Vec<Row> {
    let args: Vec<String> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let units = units(case, &args);
    if option(&args, "--average").first() == Some(&"macro") {
        return macro_rows(&units);
    }
    let logits = option(&args, "--scores")[0] == "logits";
    let mut out = Vec::new();
    for (name, groups) in units {
        match option(&args, "--curve")[0] {
            "roc" => {
                let mut roc = RocPoints::new();
                groups.iter().for_each(|&(s, p, n)| roc.push(s, p, n));
                for p in roc.finish() {
                    out.push((name.clone(), vec![p.threshold, p.fpr, p.tpr]));
                }
            }
            "pr" => {
                let mut pr = PrPoints::new();
                groups.iter().for_each(|&(s, p, n)| pr.push(s, p, n));
                for p in pr.finish() {
                    out.push((name.clone(), vec![p.threshold, p.precision, p.recall]));
                }
            }
            _ => out.extend(reliability_rows(&args, &name, &groups, logits)),
        }
    }
    out
}

fn reliability_rows(
    args: &[String],
    name: &str,
    groups: &[(f64, u64, u64)],
    logits: bool,
) -> Vec<Row> {
    let total: u64 = groups.iter().map(|g| g.1 + g.2).sum();
    let n_bins: usize = option(args, "--calibration-bins")[0].parse().unwrap();
    let binning = match option(args, "--calibration-binning")[0] {
        "quantile" => Binning::Quantile,
        _ => Binning::Uniform,
    };
    let mut bins = ReliabilityBins::new(n_bins, binning, total, logits);
    groups.iter().for_each(|&(s, p, n)| bins.push(s, p, n));
    (bins.finish().iter())
        .map(|b| {
            let values = vec![
                b.bin as f64,
                b.mean_predicted,
                b.fraction_positive,
                b.count as f64,
            ];
            (name.to_owned(), values)
        })
        .collect()
}

/// The macro ROC over the units whose ROC is defined.
fn macro_rows(units: &[Unit]) -> Vec<Row> {
    let mut macro_roc = MacroRoc::new();
    for (_, groups) in units {
        let mut roc = RocPoints::new();
        groups.iter().for_each(|&(s, p, n)| roc.push(s, p, n));
        let points = roc.finish();
        if points
            .iter()
            .all(|p| p.fpr.is_finite() && p.tpr.is_finite())
        {
            macro_roc.add(&points);
        }
    }
    (macro_roc.finish().into_iter())
        .map(|(x, y)| ("macro".into(), vec![f64::NAN, x, y]))
        .collect()
}

#[test]
fn every_reference_case_gives_scikit_learns_points() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/reference/curves.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want: Vec<(String, Vec<f64>)> = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r = r.as_array().unwrap();
                (
                    r[0].as_str().unwrap().to_owned(),
                    r[1..].iter().map(number).collect(),
                )
            })
            .collect();
        let got = rows(case);
        if got.len() != want.len() {
            failures.push(format!("{name}: {} rows, want {}", got.len(), want.len()));
            continue;
        }
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            let ok = g.0 == w.0 && g.1.iter().zip(&w.1).all(|(&a, &b)| same(a, b));
            if !ok {
                failures.push(format!("{name}: row {k}: got {g:?}, want {w:?}"));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
