//! `--nonfinite allow` for the research kinds (issue 27): a NaN, +inf or
//! -inf logit with target 0 or 1, against what each kind's reference code
//! gives in torch float64 on the same 3 x 3 input
//! (`fixtures/reference/modern-nonfinite.json`, written by
//! `python fixtures/reference/gen_modern_nonfinite.py`). Equal to the
//! reference except where the reference's NaN or inf comes from an
//! intermediate (0 · ∞, a −100 mask added to ±∞) while the loss has a
//! limit: there mlloss gives the limit (README, "Non-finite values").

use serde_json::Value;

use crate::harness::{Workdir, fixture, numbers, success};

/// The limit mlloss gives where the reference does not, with why.
/// `relabelling`: splc at `--epoch` ≥ `--change-epoch`.
fn limit(kind: &str, relabelling: bool, x: f64, y: f64) -> Option<f64> {
    let inf = f64::INFINITY;
    let element_wise_bce = matches!(kind, "poly1" | "class-balanced");
    match (kind, x, y) {
        // log(1 − y) = −∞ added to +∞: the positive's e^{−∞} = 0 is the limit.
        ("zlpr", f64::INFINITY, 1.0) => Some(0.787_338_671_698_329_5),
        // the −100 mask leaves ±∞ infinite; the element's exp(−∞) adds 0.
        ("two-way", f64::INFINITY, 1.0) | ("two-way", f64::NEG_INFINITY, 0.0) => {
            Some(1.487_116_043_052_254)
        }
        // 0 · (−∞) in los_neg; the limit of (λ − p)p² · 1 is 0.
        ("hill", f64::NEG_INFINITY, 0.0) => Some(0.0),
        // torch's BCE-with-logits NaN (PyTorch issues 49844, 102894).
        (_, f64::INFINITY, 1.0) | (_, f64::NEG_INFINITY, 0.0) if element_wise_bce => Some(0.0),
        (_, f64::NEG_INFINITY, 1.0) if element_wise_bce => Some(inf),
        // 0 · (−∞) in the term whose target factor is 0; splc relabels a
        // negative at +∞ positive.
        ("splc", f64::INFINITY, 1.0) | ("splc", f64::NEG_INFINITY, 0.0) => Some(0.0),
        ("splc", f64::INFINITY, 0.0) if relabelling => Some(0.0),
        // ∞ · 0 in the logit regularisation z·(1 − y)·s + z·y.
        ("distribution-balanced", f64::INFINITY, 1.0)
        | ("distribution-balanced", f64::NEG_INFINITY, 0.0) => Some(0.0),
        ("distribution-balanced", _, _) if x.is_infinite() => Some(inf),
        _ => None,
    }
}

#[test]
fn research_kinds_give_the_reference_or_its_limit_at_nonfinite_logits() {
    let text = std::fs::read_to_string(fixture("reference/modern-nonfinite.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let parse = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let grid = |key: &str, special: &str| -> String {
        let rows = doc[key].as_array().unwrap().iter().map(|row| {
            let cells = row.as_array().unwrap().iter().map(|v| match v {
                Value::String(_) => special.to_string(),
                v => format!("{:?}", v.as_f64().unwrap()),
            });
            cells.collect::<Vec<_>>().join(",")
        });
        rows.map(|row| row + "\n").collect()
    };
    let dir = Workdir::new();
    let (mut limits, mut cases) = (0, 0);
    for case in doc["cases"].as_array().unwrap() {
        let kind = case["kind"].as_str().unwrap();
        let (x, y, reference) = (
            parse(&case["x"]),
            case["y"].as_f64().unwrap(),
            parse(&case["reference"]),
        );
        dir.write("x.csv", grid("logits", &format!("{x:?}")))
            .write("y.csv", grid("targets", &format!("{y:?}")));
        let mut args = vec!["loss", "--nonfinite", "allow", "-r", "none", "-k", kind];
        let extra: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        args.extend(extra.iter().copied());
        args.extend(["x.csv", "y.csv"]);
        let got = numbers(&success(&dir.run(&args)))[0][0];
        let context = format!("{kind} {extra:?} x = {x} y = {y}: {got} vs reference {reference}");
        let want = match limit(kind, extra.ends_with(&["--epoch", "1"]), x, y) {
            Some(value) => {
                assert!(reference.is_nan() || reference.is_infinite(), "{context}");
                limits += 1;
                value
            }
            None => reference,
        };
        if want.is_nan() {
            assert!(got.is_nan(), "{context}");
        } else if want.is_infinite() || want == 0.0 {
            assert_eq!(got, want, "{context}");
        } else {
            assert!((got - want).abs() <= 1e-12 * want.abs(), "{context}");
        }
        cases += 1;
    }
    assert_eq!(
        (cases, limits),
        (60, 22),
        "the fixture covers every kind and limit"
    );
}
