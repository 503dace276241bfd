//! Hand-checked values of the metrics at k; the reference cases
//! (pyxclib's formulas in float64) are in tests/cli.

use super::*;

fn spec(metrics: &[AtK], ks: &[usize], skip: bool) -> AtKSpec {
    AtKSpec {
        metrics: metrics.to_vec(),
        ks: ks.to_vec(),
        skip_unlabelled: skip,
    }
}

#[test]
fn precision_recall_and_ndcg_of_two_samples() {
    let metrics = [AtK::PrecisionAtK, AtK::RecallAtK, AtK::NdcgAtK];
    let mut sums = AtKSums::new(spec(&metrics, &[1, 2, 3], false));
    let mut scratch = Scratch::default();
    // Ranked 5, 2, 7; true 2, 9: a hit at place 2.
    sums.add_sample(&[5, 2, 7], &[9, 2], None, &mut scratch);
    // Only one candidate, a hit; the other places are misses.
    sums.add_sample(&[3], &[3], None, &mut scratch);
    let d = |r: f64| 1.0 / (r + 1.0).log2();
    assert_eq!(sums.value(0, 0, true), Some((0.0 + 1.0) / 2.0));
    assert_eq!(sums.value(0, 1, true), Some((0.5 + 0.5) / 2.0));
    assert_eq!(sums.value(0, 2, true), Some((1.0 / 3.0 + 1.0 / 3.0) / 2.0));
    assert_eq!(sums.value(1, 1, true), Some((0.5 + 1.0) / 2.0));
    let first = d(2.0) / (d(1.0) + d(2.0));
    let got = sums.value(2, 2, true).unwrap();
    assert!((got - (first + 1.0) / 2.0).abs() < 1e-15, "{got}");
}

#[test]
fn unlabelled_samples_count_zero_or_are_skipped() {
    let mut scratch = Scratch::default();
    for (skip, want) in [(false, 0.5), (true, 1.0)] {
        let mut sums = AtKSums::new(spec(&[AtK::PrecisionAtK], &[1], skip));
        sums.add_sample(&[1], &[1], None, &mut scratch);
        sums.add_sample(&[1], &[], None, &mut scratch);
        assert_eq!(sums.value(0, 0, true), Some(want));
        assert_eq!(sums.skipped, u64::from(skip));
    }
}

#[test]
fn propensity_scored_ratio_of_averages_and_unnormalised() {
    let w = [1.0, 2.0, 4.0, 8.0];
    let mut sums = AtKSums::new(spec(&[AtK::PspAtK, AtK::PsrAtK], &[1, 2], false));
    let mut scratch = Scratch::default();
    // True 1 and 3 (w 2, 8); ranked 1 then 0: hit of w 2 at place 1.
    sums.add_sample(&[1, 0], &[3, 1], Some(&w), &mut scratch);
    // True 2 (w 4), ranked first.
    sums.add_sample(&[2, 3], &[2], Some(&w), &mut scratch);
    // psp@1: values 2/1 and 4/1, best 8/1 and 4/1.
    assert_eq!(sums.value(0, 0, true), Some((2.0 + 4.0) / (8.0 + 4.0)));
    assert_eq!(sums.value(0, 0, false), Some((2.0 + 4.0) / 2.0));
    // psp@2: values 2/2 and 4/2; best (8 + 2)/2 and 4/2.
    assert_eq!(sums.value(0, 1, true), Some((1.0 + 2.0) / (5.0 + 2.0)));
    // psr@2: values 2/2 and 4/1; best 10/2 and 4/1.
    assert_eq!(sums.value(1, 1, true), Some((1.0 + 4.0) / (5.0 + 4.0)));
}

#[test]
fn shards_merge_into_the_whole() {
    let metrics = AtK::ALL;
    let w: Vec<f64> = (0..50).map(|l| 1.0 + 1.0 / (l as f64 + 1.0)).collect();
    let samples: Vec<(Vec<u32>, Vec<u32>)> = (0..40u32)
        .map(|i| {
            let ranked = (0..5).map(|r| (i * 7 + r * 3) % 50).collect();
            let truth = (0..(i % 4)).map(|t| (i * 5 + t * 11) % 50).collect();
            (ranked, truth)
        })
        .collect();
    let mut scratch = Scratch::default();
    let mut whole = AtKSums::new(spec(&metrics, &[1, 3, 5], false));
    let mut parts = [whole.clone(), whole.clone()];
    for (i, (ranked, truth)) in samples.iter().enumerate() {
        whole.add_sample(ranked, truth, Some(&w), &mut scratch);
        parts[i % 2].add_sample(ranked, truth, Some(&w), &mut scratch);
    }
    let [mut a, b] = parts;
    a.merge(&b);
    let json = serde_json::to_string(&a).unwrap();
    let read: AtKSums = serde_json::from_str(&json).unwrap();
    assert!(read.is_consistent());
    for m in 0..metrics.len() {
        for k in 0..3 {
            for normalized in [true, false] {
                let want = whole.value(m, k, normalized);
                assert_eq!(read.value(m, k, normalized), want, "{m} {k}");
            }
        }
    }
}
