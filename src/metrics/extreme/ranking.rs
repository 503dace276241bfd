//! A sample's k highest-scoring labels, best first.

use std::cmp::Ordering;

/// Fills `ranked` with the labels of the `k` highest `scores` (label
/// `labels[i]` scores `scores[i]`), best first. Ties go to the **lower label
/// index** (pyxclib has no rule: its default path ranks the higher index
/// first, its Cython path the lower). A NaN score ranks below every number
/// (the readers refuse NaN scores; this keeps the order total). Every
/// candidate counts, whatever its score (0 and negative included); fewer
/// than k candidates give fewer labels.
pub fn top_k(
    labels: &[u32],
    scores: &[f64],
    k: usize,
    ranked: &mut Vec<u32>,
    order: &mut Vec<u32>,
) {
    ranked.clear();
    order.clear();
    order.extend(0..labels.len() as u32);
    let better = |&a: &u32, &b: &u32| -> Ordering {
        let (sa, sb) = (scores[a as usize], scores[b as usize]);
        match (sa.is_nan(), sb.is_nan()) {
            (false, false) => sb.partial_cmp(&sa).unwrap_or(Ordering::Equal),
            (a_nan, b_nan) => a_nan.cmp(&b_nan),
        }
        .then(labels[a as usize].cmp(&labels[b as usize]))
    };
    let k = k.min(order.len());
    if k == 0 {
        return;
    }
    if k < order.len() {
        order.select_nth_unstable_by(k - 1, better);
        order.truncate(k);
    }
    order.sort_unstable_by(better);
    ranked.extend(order.iter().map(|&i| labels[i as usize]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(labels: &[u32], scores: &[f64], k: usize) -> Vec<u32> {
        let (mut out, mut order) = (Vec::new(), Vec::new());
        top_k(labels, scores, k, &mut out, &mut order);
        out
    }

    #[test]
    fn highest_first_ties_to_the_lower_label() {
        assert_eq!(ranked(&[4, 1, 9, 2], &[0.5, 0.9, 0.5, -1.0], 3), [1, 4, 9]);
        assert_eq!(ranked(&[9, 4], &[0.5, 0.5], 5), [4, 9]);
        assert_eq!(
            ranked(&[3, 7, 5], &[f64::NAN, 0.0, f64::NEG_INFINITY], 3),
            [7, 5, 3]
        );
        assert_eq!(ranked(&[], &[], 3), Vec::<u32>::new());
        assert_eq!(ranked(&[1, 2], &[0.1, 0.2], 0), Vec::<u32>::new());
        let labels: Vec<u32> = (0..1000).rev().collect();
        let scores: Vec<f64> = (0..1000).map(|i| (i % 7) as f64).collect();
        // Score 6 at i = 6, 13, …: labels 993, 986, … ranked from the lowest.
        assert_eq!(ranked(&labels, &scores, 3), [6, 13, 20]);
    }
}
