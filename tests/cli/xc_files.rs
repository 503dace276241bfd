//! The random cases of `fixtures/reference/xc.json` (pyxclib's metrics in
//! float64, `gen_xc.py`) read from every file their writers made —
//! targets as XC text, LIBSVM, pyxclib sparse text, scipy CSR and CSC
//! `.npz`; scores as CSR `.npz`, sparse text, top-k `.npz`, the `.npy`
//! pair, top-k JSONL and fastxml JSONL — through the sparse readers into
//! the metrics at k, with propensities from the training labels' file.

use std::path::PathBuf;

use mlloss::input::sparse::{SparseRow, SparseSide, open_sparse, open_topk_pair};
use mlloss::input::{Format, Source};
use mlloss::metrics::extreme::propensity::PropensityModel;
use mlloss::metrics::extreme::{AtK, AtKSpec, AtKSums, Scratch, top_k};
use serde_json::Value;

const RTOL: f64 = 1e-12;

fn path(relative: &Value) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative.as_str().unwrap())
}

/// Every row of a file, as (indices, values).
fn rows(source: Source, format: Option<&str>, side: SparseSide, labels: u64) -> Vec<SparseRow> {
    let format = format.map(|f| Format::named(f).unwrap());
    let mut reader = open_sparse(&source, format, Some(labels), side).unwrap();
    collect(&mut *reader)
}

fn collect(reader: &mut dyn mlloss::input::sparse::SparseSource) -> Vec<SparseRow> {
    let mut all = Vec::new();
    let mut row = SparseRow::default();
    while reader.next_row(&mut row).unwrap() {
        all.push(row.clone());
    }
    all
}

fn sorted(mut labels: Vec<u32>) -> Vec<u32> {
    labels.sort_unstable();
    labels
}

fn sums(
    metrics: &[AtK],
    ks: &[usize],
    skip: bool,
    scores: &[SparseRow],
    truth: &[Vec<u32>],
    weights: Option<&[f64]>,
) -> AtKSums {
    let spec = AtKSpec {
        metrics: metrics.to_vec(),
        ks: ks.to_vec(),
        skip_unlabelled: skip,
    };
    let mut sums = AtKSums::new(spec.clone());
    let (mut ranked, mut order, mut scratch) = (Vec::new(), Vec::new(), Scratch::default());
    assert_eq!(scores.len(), truth.len(), "samples");
    for (row, labels) in scores.iter().zip(truth) {
        top_k(
            &row.indices,
            &row.values,
            spec.depth(),
            &mut ranked,
            &mut order,
        );
        sums.add_sample(&ranked, labels, weights, &mut scratch);
    }
    sums
}

fn check(got: Option<f64>, want: &Value, context: &str) {
    let want = want.as_f64().unwrap_or(f64::NAN);
    let got = got.unwrap_or(f64::NAN);
    let ok = (want.is_nan() && got.is_nan()) || (got - want).abs() <= RTOL * want.abs();
    assert!(ok, "{context}: {got} instead of {want}");
}

fn check_case(case: &Value, scores: &[SparseRow], truth: &[Vec<u32>], weights: &[f64], from: &str) {
    let name = case["name"].as_str().unwrap();
    let ks: Vec<usize> = (case["ks"].as_array().unwrap().iter())
        .map(|k| k.as_u64().unwrap() as usize)
        .collect();
    let plain = [AtK::PrecisionAtK, AtK::RecallAtK, AtK::NdcgAtK];
    let scored = [AtK::PspAtK, AtK::PsndcgAtK, AtK::PsrAtK];
    for (undefined, skip) in [("keep", false), ("skip", true)] {
        let expected = &case["expected"][undefined];
        let got = sums(&plain, &ks, skip, scores, truth, None);
        let ps = sums(&scored, &ks, skip, scores, truth, Some(weights));
        for (j, k) in ks.iter().enumerate() {
            for (m, metric) in plain.iter().enumerate() {
                let context = format!("{name} {from} {undefined} {}@{k}", metric.name());
                check(
                    got.value(m, j, true),
                    &expected[metric.name()][k.to_string()],
                    &context,
                );
            }
            for (normalized, form) in [(true, "normalized"), (false, "unnormalized")] {
                for (m, metric) in scored.iter().enumerate() {
                    let want = &expected["ps"]["default"][form][metric.name()][k.to_string()];
                    let context = format!("{name} {from} {undefined} {form} {}@{k}", metric.name());
                    check(ps.value(m, j, normalized), want, &context);
                }
            }
        }
    }
}

#[test]
fn random_cases_from_every_writers_file() {
    let text = std::fs::read_to_string(path(&Value::from("fixtures/reference/xc.json"))).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let random = reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("inputs").is_some());
    let mut checked = 0;
    for case in random {
        let labels = case["num_labels"].as_u64().unwrap();
        let inputs = &case["inputs"];
        let read_targets = |key: &str, format: Option<&str>| -> Vec<Vec<u32>> {
            let source = Source::Path(path(&inputs["targets"][key]));
            let read = rows(source, format, SparseSide::Targets, labels);
            read.into_iter().map(|r| sorted(r.indices)).collect()
        };
        let truth = read_targets("xc", None);
        for (key, format) in [
            ("libsvm", Some("libsvm")),
            ("sparse_text", None),
            ("csr_npz", None),
            ("csc_npz", None),
        ] {
            assert_eq!(
                read_targets(key, format),
                truth,
                "{} targets {key}",
                case["name"]
            );
        }
        // Propensities from the training labels' file: each label's count
        // among every training sample.
        let train = rows(
            Source::Path(path(&inputs["train"]["csr_npz"])),
            None,
            SparseSide::Targets,
            labels,
        );
        assert_eq!(
            train.len() as u64,
            case["train"]["num_samples"].as_u64().unwrap()
        );
        let mut counts = vec![0u64; labels as usize];
        train
            .iter()
            .flat_map(|r| &r.indices)
            .for_each(|&l| counts[l as usize] += 1);
        let model = PropensityModel::preset("default").unwrap();
        let weights = model.inverse_propensities(&counts, train.len() as u64);
        let scores = &inputs["scores"];
        for key in ["csr_npz", "sparse_text", "topk_npz", "topk_jsonl"] {
            if scores.get(key).is_some() {
                let read = rows(
                    Source::Path(path(&scores[key])),
                    None,
                    SparseSide::Scores,
                    labels,
                );
                check_case(case, &read, &truth, &weights, key);
                checked += 1;
            }
        }
        if scores.get("topk_indices_npy").is_some() {
            let indices = Source::Path(path(&scores["topk_indices_npy"]));
            let values = Source::Path(path(&scores["topk_scores_npy"]));
            let read = collect(&mut *open_topk_pair(&indices, &values, Some(labels)).unwrap());
            check_case(case, &read, &truth, &weights, "npy pair");
            checked += 1;
        }
        for key in ["fastxml_jsonl", "fastxml_jsonl_string_labels"] {
            if let Some(file) = inputs.get("both").and_then(|b| b.get(key)) {
                let read = |side| rows(Source::Path(path(file)), None, side, labels);
                let own_truth: Vec<Vec<u32>> = read(SparseSide::Targets)
                    .into_iter()
                    .map(|r| sorted(r.indices))
                    .collect();
                assert_eq!(own_truth, truth, "{key}'s true labels");
                check_case(case, &read(SparseSide::Scores), &truth, &weights, key);
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "{checked} score files checked");
}
