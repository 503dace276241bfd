//! The decision rule: which elements of a sample are predicted positive.
//! Pure: scores in, 0/1 out.
//!
//! - a threshold per class, or one for all: a probability T (σ(x) ≥ T for
//!   logits, compared exactly as σ would be, p ≥ T for probabilities) or a
//!   logit cut t (x ≥ t, any number, ±∞ included);
//! - `--top-k K`: each sample's K highest scores (ties in class order, as
//!   `precision_at_k` takes them), and where thresholds are given too, only
//!   those of them that pass their class's threshold.
//!
//! The rule of one threshold (the default) is what the tally's hot loop
//! runs: [`Rule::One`] keeps it a single comparison, and the per-class and
//! top-k rules are separate arms there, so that they cost it nothing.

use serde::{Deserialize, Serialize};

use super::Scores;
use super::curve::score_key;

/// One class's threshold, as given (`--threshold`'s list or a threshold
/// file's row): a probability or a logit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassThreshold {
    /// σ(x) ≥ T (logits) or p ≥ T (probabilities).
    Threshold(#[serde(with = "crate::numerics::json_f64::value")] f64),
    /// x ≥ t: logits only.
    LogitThreshold(#[serde(with = "crate::numerics::json_f64::value")] f64),
}

/// What a decision rule adds to the spec's one `threshold`: kept beside
/// the spec in a `--partial` state (and compared by `merge`), written
/// only when not the default, so that today's states stay as they were.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionExtras {
    /// A threshold per class, in column order: replaces `threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_thresholds: Option<Vec<ClassThreshold>>,
    /// `--top-k K`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<usize>,
    /// `--top-k` alone: no threshold applies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_threshold: bool,
}

impl DecisionExtras {
    pub fn is_default(&self) -> bool {
        *self == DecisionExtras::default()
    }

    /// The rule, with the spec's `scores` and one `threshold`.
    pub fn decision(&self, scores: Scores, threshold: f64) -> Decision {
        Decision::from_parts(
            scores,
            threshold,
            self.class_thresholds.as_deref(),
            !self.no_threshold,
            self.top_k,
        )
    }

    /// What is wrong with it for `classes` classes of `scores`, if anything.
    pub fn problem(&self, scores: Scores, classes: usize) -> Option<String> {
        if self.top_k == Some(0) {
            return Some("--top-k is at least 1".into());
        }
        let list = self.class_thresholds.as_deref()?;
        if list.len() != classes {
            return Some(format!("{} thresholds for {classes} classes", list.len()));
        }
        check_thresholds(scores, list).err().map(|p| p.to_string())
    }
}

impl std::fmt::Display for ThresholdProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThresholdProblem::LogitWithProbs => write!(
                f,
                "a logit_threshold applies to logits only (--scores logits), not to probabilities"
            ),
            ThresholdProblem::NotProbability(j, t) => write!(
                f,
                "class {j}'s threshold is a probability in [0, 1], not {t}"
            ),
            ThresholdProblem::NanLogit(j) => write!(f, "class {j}'s logit_threshold is NaN"),
        }
    }
}

/// The comparison one class's elements go through.
#[derive(Debug, Clone, Copy)]
pub enum Cut {
    /// score ≥ t.
    AtLeast(f64),
    /// σ(x) ≥ T, made without an exp per element: see [`Cut::sigma`].
    Sigma { threshold: f64, cut: f64, band: f64 },
}

impl Cut {
    /// The cut of a probability threshold `t` on `scores`.
    pub fn of_probability(scores: Scores, t: f64) -> Cut {
        match scores {
            Scores::Probs => Cut::AtLeast(t),
            Scores::Logits => Cut::sigma(t),
        }
    }

    /// σ(x) ≥ T, made the way scikit-learn's reference makes it but
    /// without an exp per element: a logit is compared with logit(T), and
    /// only one near it has σ computed — within 1e-6 relative, or within
    /// the logits over which the rounding of σ (a few ulps of 1) spans when
    /// σ is flat, about ε / (T (1 − T)) (T near 1: σ(27.7257…) rounds to
    /// ≥ 1 − 2⁻⁴⁰ from 1e-4 below logit(T)).
    pub fn sigma(threshold: f64) -> Cut {
        let cut = (threshold / (1.0 - threshold)).ln();
        let flat = 64.0 * f64::EPSILON / (threshold * (1.0 - threshold));
        Cut::Sigma {
            threshold,
            cut,
            band: (1e-6 * cut.abs().max(1.0)).max(flat),
        }
    }

    #[inline]
    pub fn positive(&self, score: f64) -> bool {
        match *self {
            Cut::AtLeast(t) => score >= t,
            Cut::Sigma {
                threshold,
                cut,
                band,
            } => {
                if cut.is_finite() && (score - cut).abs() > band {
                    score > cut
                } else {
                    1.0 / (1.0 + (-score).exp()) >= threshold
                }
            }
        }
    }
}

/// The thresholds of a rule.
#[derive(Debug, Clone)]
pub enum Rule {
    /// One threshold for every class (the default, 0.5).
    One(Cut),
    /// A threshold per class, in column order.
    PerClass(Vec<Cut>),
    /// No threshold: `--top-k` alone.
    Every,
}

impl Rule {
    #[inline]
    pub fn positive(&self, class: usize, score: f64) -> bool {
        match self {
            Rule::One(cut) => cut.positive(score),
            Rule::PerClass(cuts) => cuts[class].positive(score),
            Rule::Every => true,
        }
    }
}

/// The decision of every element: thresholds, and `--top-k`.
#[derive(Debug, Clone)]
pub struct Decision {
    pub rule: Rule,
    pub top_k: Option<usize>,
}

/// Why per-class thresholds cannot apply.
#[derive(Debug, Clone, PartialEq)]
pub enum ThresholdProblem {
    /// A `logit_threshold` alone with probabilities.
    LogitWithProbs,
    /// A probability threshold outside [0, 1] or NaN (at this class).
    NotProbability(usize, f64),
    /// A logit threshold that is NaN (at this class).
    NanLogit(usize),
}

impl Decision {
    /// One probability threshold for every class (today's `--threshold T`).
    pub fn new(scores: Scores, threshold: f64) -> Decision {
        Decision {
            rule: Rule::One(Cut::of_probability(scores, threshold)),
            top_k: None,
        }
    }

    /// A rule from its parts: one threshold (`threshold`) unless per-class
    /// ones are given, none at all with `top_k` and `thresholded` false.
    pub fn from_parts(
        scores: Scores,
        threshold: f64,
        per_class: Option<&[ClassThreshold]>,
        thresholded: bool,
        top_k: Option<usize>,
    ) -> Decision {
        let rule = match per_class {
            _ if !thresholded => Rule::Every,
            None => Rule::One(Cut::of_probability(scores, threshold)),
            Some(list) => Rule::PerClass(
                list.iter()
                    .map(|t| match *t {
                        ClassThreshold::Threshold(t) => Cut::of_probability(scores, t),
                        ClassThreshold::LogitThreshold(t) => Cut::AtLeast(t),
                    })
                    .collect(),
            ),
        };
        Decision { rule, top_k }
    }

    /// Marks in `chosen` (one per score) the elements predicted positive.
    pub fn predict_row(&self, scores: &[f64], top: &mut TopK, chosen: &mut Vec<bool>) {
        chosen.clear();
        match self.top_k {
            None => chosen.extend(
                scores
                    .iter()
                    .enumerate()
                    .map(|(j, &s)| self.rule.positive(j, s)),
            ),
            Some(k) => {
                let mask = top.mark(scores, k);
                chosen.extend(
                    scores
                        .iter()
                        .enumerate()
                        .map(|(j, &s)| mask[j] && self.rule.positive(j, s)),
                );
            }
        }
    }
}

/// Checks per-class thresholds against the scores' kind: a probability in
/// [0, 1], a logit any number but NaN, and logits only for a logit cut.
pub fn check_thresholds(
    scores: Scores,
    thresholds: &[ClassThreshold],
) -> Result<(), ThresholdProblem> {
    for (j, t) in thresholds.iter().enumerate() {
        match *t {
            ClassThreshold::Threshold(t) if !(0.0..=1.0).contains(&t) => {
                return Err(ThresholdProblem::NotProbability(j, t));
            }
            ClassThreshold::LogitThreshold(_) if scores == Scores::Probs => {
                return Err(ThresholdProblem::LogitWithProbs);
            }
            ClassThreshold::LogitThreshold(t) if t.is_nan() => {
                return Err(ThresholdProblem::NanLogit(j));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Scratch space for `--top-k`: each sample's scores ranked, best first,
/// then the lower class, and the mask of the K first.
#[derive(Debug, Default)]
pub struct TopK {
    keys: Vec<(u64, u32)>,
    mask: Vec<bool>,
}

impl TopK {
    /// The mask of `scores`' K highest (ties to the lower class; −0 = +0).
    pub fn mark(&mut self, scores: &[f64], k: usize) -> &[bool] {
        self.mask.clear();
        if k >= scores.len() {
            self.mask.resize(scores.len(), true);
            return &self.mask;
        }
        self.mask.resize(scores.len(), false);
        self.keys.clear();
        self.keys.extend(
            scores
                .iter()
                .enumerate()
                .map(|(j, &s)| (score_key(s), j as u32)),
        );
        if k > 0 {
            self.keys.select_nth_unstable(k - 1);
            for &(_, j) in &self.keys[..k] {
                self.mask[j as usize] = true;
            }
        }
        &self.mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_decision_agrees_with_sigma() {
        let near_one = 1.0 - 2f64.powi(-40);
        for t in [
            0.0,
            1e-300,
            1e-12,
            0.1,
            0.25,
            0.3,
            0.5,
            0.7,
            0.9,
            1.0 - 1e-12,
            near_one,
            1.0,
        ] {
            let d = Cut::sigma(t);
            let cut = (t / (1.0 - t)).ln();
            let mut xs = vec![0.0, -0.0, 1.0, -1.0, 40.0, -40.0, 800.0, -800.0];
            if cut.is_finite() {
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_up();
                }
                let mut x = cut;
                for _ in 0..200 {
                    xs.push(x);
                    x = x.next_down();
                }
            }
            // Across a wide band around the cut, in steps of 1e-6 of it.
            if cut.is_finite() {
                let step = 1e-6 * cut.abs().max(1.0);
                xs.extend((-2000..=2000).map(|i| cut + f64::from(i) * step));
            }
            for x in xs {
                let sigma = 1.0 / (1.0 + (-x).exp());
                assert_eq!(d.positive(x), sigma >= t, "x {x} t {t}");
            }
        }
    }

    #[test]
    fn top_k_breaks_ties_in_class_order() {
        let mut top = TopK::default();
        assert_eq!(
            top.mark(&[0.5, 0.9, 0.5, 0.5, -0.0], 2),
            &[true, true, false, false, false]
        );
        assert_eq!(top.mark(&[0.0, -0.0, 0.0], 2), &[true, true, false]);
        assert_eq!(top.mark(&[1.0, 2.0], 5), &[true, true]);
        assert_eq!(top.mark(&[1.0, 2.0], 0), &[false, false]);
    }

    #[test]
    fn per_class_and_top_k_combine() {
        let thresholds = [
            ClassThreshold::Threshold(0.5),
            ClassThreshold::LogitThreshold(f64::NEG_INFINITY),
            ClassThreshold::LogitThreshold(3.0),
        ];
        let d = Decision::from_parts(Scores::Logits, 0.5, Some(&thresholds), true, Some(2));
        let (mut top, mut chosen) = (TopK::default(), Vec::new());
        d.predict_row(&[0.1, -50.0, 2.9], &mut top, &mut chosen);
        // Top 2 are classes 0 and 2; class 2's logit cut 3 fails.
        assert_eq!(chosen, [true, false, false]);
        assert_eq!(
            check_thresholds(Scores::Probs, &thresholds),
            Err(ThresholdProblem::LogitWithProbs)
        );
    }
}
