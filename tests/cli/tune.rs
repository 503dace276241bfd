//! `mlloss tune` against `fixtures/reference/tune.json` (scikit-learn
//! 1.9.1's curves and a brute-force numpy sweep, `gen_tune.py`).

use mlloss::metrics::curve::score_key;
use mlloss::metrics::tune::{Objective, Sweep, Tuned, sigmoid};
use serde_json::Value;

use crate::harness::fixture;

const RTOL: f64 = 1e-12;

fn reference() -> Value {
    let text = std::fs::read_to_string(fixture("reference/tune.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn objective_of(case: &Value) -> Objective {
    let param = case["param"].as_f64();
    match case["objective"].as_str().unwrap() {
        "f1" => Objective::F1,
        "fbeta" => Objective::Fbeta {
            beta: param.unwrap(),
        },
        "precision-at-recall" => Objective::PrecisionAtRecall {
            min_recall: param.unwrap(),
        },
        "recall-at-precision" => Objective::RecallAtPrecision {
            min_precision: param.unwrap(),
        },
        "youden" => Objective::Youden,
        other => panic!("objective {other}"),
    }
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// One unit's sweep over (score, target) pairs, grouped by distinct score
/// best first, as the command's walk feeds it.
fn sweep(objective: Objective, mut elements: Vec<(f64, bool)>) -> Tuned {
    elements.sort_by_key(|&(s, _)| score_key(s));
    let positives = elements.iter().filter(|e| e.1).count() as u64;
    let mut sweep = Sweep::new(objective, positives, elements.len() as u64 - positives);
    let mut i = 0;
    while i < elements.len() {
        let key = score_key(elements[i].0);
        let (mut pos, mut neg) = (0, 0);
        let score = elements[i].0;
        while i < elements.len() && score_key(elements[i].0) == key {
            if elements[i].1 {
                pos += 1
            } else {
                neg += 1
            }
            i += 1;
        }
        sweep.push(score, pos, neg);
    }
    sweep.finish()
}

fn close(got: f64, want: f64, context: &str) {
    assert!(
        got == want || (got - want).abs() <= RTOL * want.abs(),
        "{context}: got {got:?}, want {want:?}"
    );
}

/// Each unit's (score, target) pairs: each class's observed ones, or all
/// pooled for micro.
fn units(case: &Value) -> Vec<Vec<(f64, bool)>> {
    let scores = matrix(&case["scores"]);
    let targets = matrix(&case["targets"]);
    let ignore = case["ignore_value"].as_f64();
    let classes = scores[0].len();
    let mut units = vec![Vec::new(); classes];
    for (s_row, t_row) in scores.iter().zip(&targets) {
        for j in 0..classes {
            if Some(t_row[j]) != ignore {
                units[j].push((s_row[j], t_row[j] == 1.0));
            }
        }
    }
    if case["average"] == "micro" {
        return vec![units.concat()];
    }
    units
}

#[test]
fn the_sweep_matches_every_reference_case() {
    let reference = reference();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let objective = objective_of(case);
        let logits = case["scores_kind"] == "logits";
        for (unit, want) in units(case)
            .into_iter()
            .zip(case["expected"].as_array().unwrap())
        {
            let context = format!("{name} {}", want["class"]);
            match sweep(objective, unit) {
                Tuned::Undefined(why) => assert_eq!(want["undefined"], why.why(), "{context}"),
                Tuned::Best(cut) => {
                    assert!(want["undefined"].is_null(), "{context}: {want}");
                    assert_eq!(cut.counts.tp, want["tp"].as_u64().unwrap(), "{context}");
                    assert_eq!(cut.counts.fp, want["fp"].as_u64().unwrap(), "{context}");
                    close(cut.value, want["value"].as_f64().unwrap(), &context);
                    let threshold = if logits {
                        sigmoid(cut.score)
                    } else {
                        cut.score
                    };
                    close(threshold, want["threshold"].as_f64().unwrap(), &context);
                    if logits {
                        assert_eq!(cut.score, want["logit_threshold"].as_f64().unwrap());
                    }
                }
            }
        }
    }
}
