//! The metrics at k of extreme classification ([`mlloss::metrics::extreme`])
//! against `fixtures/reference/xc.json`: a float64 port of pyxclib's
//! `xc_metrics`, itself checked against pyxclib (`gen_xc.py`). The hand-made
//! cases (ties, empty label lists, fewer than k candidates, 0 and negative
//! scores, unsorted indices, more true labels than k, L = 1, no labelled
//! sample) are run here through the maths; the random ones' files wait for
//! the readers.

use mlloss::metrics::extreme::propensity::PropensityModel;
use mlloss::metrics::extreme::{AtK, AtKSpec, AtKSums, Scratch, top_k};
use serde_json::Value;

use crate::harness::fixture;

const RTOL: f64 = 1e-12;

fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        _ => v.as_f64().unwrap_or_else(|| panic!("a number: {v}")),
    }
}

fn close(got: Option<f64>, want: f64, context: &str) {
    let got = got.unwrap_or(f64::NAN);
    if want.is_nan() {
        assert!(got.is_nan(), "{context}: {got} instead of NaN");
        return;
    }
    let scale = want.abs().max(f64::MIN_POSITIVE);
    assert!(
        (got - want).abs() <= RTOL * scale,
        "{context}: {got} instead of {want}"
    );
}

/// The case's samples: each one's ranked labels (the spec's depth) and
/// true labels.
fn samples(case: &Value, depth: usize) -> Vec<(Vec<u32>, Vec<u32>)> {
    let truths = case["true_labels"].as_array().unwrap();
    let predictions = case["predictions"].as_array().unwrap();
    let (mut ranked, mut order) = (Vec::new(), Vec::new());
    truths
        .iter()
        .zip(predictions)
        .map(|(truth, prediction)| {
            let pairs = prediction.as_array().unwrap();
            let labels: Vec<u32> = pairs
                .iter()
                .map(|p| p[0].as_u64().unwrap() as u32)
                .collect();
            let scores: Vec<f64> = pairs.iter().map(|p| number(&p[1])).collect();
            top_k(&labels, &scores, depth, &mut ranked, &mut order);
            let truth = truth.as_array().unwrap();
            (
                ranked.clone(),
                truth.iter().map(|l| l.as_u64().unwrap() as u32).collect(),
            )
        })
        .collect()
}

fn sums(case: &Value, metrics: &[AtK], skip: bool, weights: Option<&[f64]>) -> AtKSums {
    let ks: Vec<usize> = case["ks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_u64().unwrap() as usize)
        .collect();
    let spec = AtKSpec {
        metrics: metrics.to_vec(),
        ks,
        skip_unlabelled: skip,
    };
    let mut sums = AtKSums::new(spec.clone());
    let mut scratch = Scratch::default();
    for (ranked, truth) in samples(case, spec.depth()) {
        sums.add_sample(&ranked, &truth, weights, &mut scratch);
    }
    sums
}

#[test]
fn hand_cases_match_the_float64_port_of_pyxclib() {
    let text = std::fs::read_to_string(fixture("reference/xc.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let cases: Vec<&Value> = reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("true_labels").is_some())
        .collect();
    assert!(cases.len() >= 8, "the hand-made cases");
    let plain = [AtK::PrecisionAtK, AtK::RecallAtK, AtK::NdcgAtK];
    let scored = [AtK::PspAtK, AtK::PsndcgAtK, AtK::PsrAtK];
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let ks = case["ks"].as_array().unwrap();
        for (undefined, skip) in [("keep", false), ("skip", true)] {
            let expected = &case["expected"][undefined];
            let got = sums(case, &plain, skip, None);
            for (m, metric) in plain.iter().enumerate() {
                for (j, k) in ks.iter().enumerate() {
                    let want = number(&expected[metric.name()][k.to_string()]);
                    let context = format!("{name} {undefined} {}@{k}", metric.name());
                    close(got.value(m, j, true), want, &context);
                }
            }
            for (preset, model) in PropensityModel::PRESETS {
                let train = &case["train"];
                let counts: Vec<u64> = (train["label_counts"].as_array().unwrap().iter())
                    .map(|c| c.as_u64().unwrap())
                    .collect();
                let samples = train["num_samples"].as_u64().unwrap();
                let weights = model.inverse_propensities(&counts, samples);
                let given = case["propensity"][preset]["inverse_propensity"]
                    .as_array()
                    .unwrap();
                for (l, w) in given.iter().enumerate() {
                    close(
                        Some(weights[l]),
                        number(w),
                        &format!("{name} {preset} w[{l}]"),
                    );
                }
                let got = sums(case, &scored, skip, Some(&weights));
                for (normalized, form) in [(true, "normalized"), (false, "unnormalized")] {
                    let expected = &expected["ps"][preset][form];
                    for (m, metric) in scored.iter().enumerate() {
                        for (j, k) in ks.iter().enumerate() {
                            let want = number(&expected[metric.name()][k.to_string()]);
                            let context =
                                format!("{name} {undefined} {preset} {form} {}@{k}", metric.name());
                            close(got.value(m, j, normalized), want, &context);
                        }
                    }
                }
            }
        }
    }
}
