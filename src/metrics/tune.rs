//! `mlloss tune`: the best threshold of one unit (a class, or every element
//! pooled for `--average micro`) for an objective, exactly, pure.
//!
//! The unit's distinct scores arrive highest first, each with the
//! positives and negatives that have it (the curve walk of [`super::curve`]).
//! Each is a *cut*: "predict where score ≥ s", whose tp and fp are the
//! counts at or above s. The objective is computed for every cut from
//! those integer counts, in float64, as scikit-learn computes it from the
//! 0/1 predictions of that cut (`fbeta_score`, and the `precision`,
//! `recall`, `tpr`, `fpr` of `precision_recall_curve` and `roc_curve`), and
//! the best cut kept: one sweep, no grid.
//!
//! Decisions (the README's "`mlloss tune`" says why):
//! - ties in the objective go to the higher threshold (the earlier cut:
//!   only a strictly better value replaces the best);
//! - "predict nothing" is never strictly better than predicting every
//!   element (f1, fbeta: 0 against more than 0; the constraints fail;
//!   youden: 0 = 0) and cannot always be written as a probability (a score
//!   of 1.0), so the cuts are the scores' own;
//! - a unit without positives has no recall, one without negatives no fpr
//!   (youden only), and a constraint may be met by no cut: [`Tuned::Undefined`].

use super::curve::GroupSink;

/// What `tune` maximises (`--objective`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "objective", rename_all = "kebab-case")]
pub enum Objective {
    /// scikit-learn's `f1_score` of the cut's predictions.
    F1,
    /// `fbeta_score(beta=β)` of the cut's predictions.
    Fbeta { beta: f64 },
    /// The highest precision among the cuts whose recall ≥ R.
    PrecisionAtRecall { min_recall: f64 },
    /// The highest recall among the cuts whose precision ≥ P.
    RecallAtPrecision { min_precision: f64 },
    /// Youden's J: tpr − fpr.
    Youden,
}

impl Objective {
    /// The objective's column in `tune`'s output.
    pub fn column(&self) -> &'static str {
        match self {
            Objective::F1 => "f1",
            Objective::Fbeta { .. } => "fbeta",
            Objective::PrecisionAtRecall { .. } => "precision_at_recall",
            Objective::RecallAtPrecision { .. } => "recall_at_precision",
            Objective::Youden => "youden",
        }
    }

    /// The parameter's domain, as the option says it (a usage error).
    pub fn check(&self) -> Result<(), String> {
        let unit = |name: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(format!(
                    "{name} is in (0, 1], not {v} (every cut meets 0, and predicting nothing has no precision)"
                ))
            }
        };
        match *self {
            Objective::Fbeta { beta } if !(beta >= 0.0 && (beta * beta).is_finite()) => Err(
                format!("--beta must be a number ≥ 0 whose square is finite, not {beta:?}"),
            ),
            Objective::PrecisionAtRecall { min_recall } => unit("--min-recall", min_recall),
            Objective::RecallAtPrecision { min_precision } => {
                unit("--min-precision", min_precision)
            }
            _ => Ok(()),
        }
    }

    /// Whether a unit of these totals has the objective at all.
    fn undefined_for(&self, positives: u64, negatives: u64) -> Option<Undefined> {
        if positives == 0 {
            Some(Undefined::NoPositives)
        } else if negatives == 0 && *self == Objective::Youden {
            Some(Undefined::NoNegatives)
        } else {
            None
        }
    }

    /// The objective of a cut; `None` where the cut misses a constraint.
    /// `positives` > 0 (and `negatives` > 0 for youden); tp + fp > 0.
    #[inline]
    fn value(&self, c: &Counts) -> Option<f64> {
        match *self {
            Objective::F1 => Some(c.f_score(1.0)),
            Objective::Fbeta { beta } => Some(c.f_score(beta.powi(2))),
            Objective::PrecisionAtRecall { min_recall } => {
                (c.recall() >= min_recall).then(|| c.precision())
            }
            Objective::RecallAtPrecision { min_precision } => {
                (c.precision() >= min_precision).then(|| c.recall())
            }
            Objective::Youden => Some(c.tpr() - c.fpr()),
        }
    }
}

/// A state of `mlloss tune --partial`: what `merge` tunes from the merged
/// histograms, and how it writes the threshold file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TuneLayout {
    #[serde(flatten)]
    pub objective: Objective,
    /// One threshold for every element pooled (`--average micro`).
    pub pooled: bool,
    /// `--undefined`: `nan`, `error` or `skip`.
    pub undefined: String,
    /// `csv`, `tsv`, `json` or `jsonl`.
    pub format: String,
    /// `--precision N`, if given.
    pub precision: Option<u8>,
}

impl TuneLayout {
    /// What is wrong with a layout read from a state, if anything.
    pub fn problem(&self, spec: &super::Spec) -> Option<String> {
        if let Err(problem) = self.objective.check() {
            return Some(problem);
        }
        if spec.bins.is_none() || !spec.walks_curves {
            return Some("a tune state holds --bins' histograms".to_owned());
        }
        if !matches!(self.undefined.as_str(), "nan" | "error" | "skip") {
            return Some(format!("undefined {:?}", self.undefined));
        }
        if !matches!(self.format.as_str(), "csv" | "tsv" | "json" | "jsonl") {
            return Some(format!("format {:?}", self.format));
        }
        match self.precision {
            Some(0) | Some(18..) => Some("precision outside 1..=17".to_owned()),
            _ => None,
        }
    }
}

/// Why a unit has no tuned threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// No positive target: recall (and tpr) is 0/0.
    NoPositives,
    /// No negative target: fpr is 0/0 (youden).
    NoNegatives,
    /// No cut meets `--min-precision`.
    Unreachable,
}

impl Undefined {
    pub fn why(self) -> &'static str {
        match self {
            Undefined::NoPositives => "no positive target",
            Undefined::NoNegatives => "no negative target",
            Undefined::Unreachable => "no threshold reaches --min-precision",
        }
    }
}

/// A cut's counts and its unit's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tp: u64,
    pub fp: u64,
    pub positives: u64,
    pub negatives: u64,
}

impl Counts {
    /// tp / (tp + fp), as `precision_score` and `precision_recall_curve`.
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp) as f64
    }

    /// tp / P, as `recall_score` and `precision_recall_curve` (`tps / tps[-1]`).
    pub fn recall(&self) -> f64 {
        self.tp as f64 / self.positives as f64
    }

    fn tpr(&self) -> f64 {
        self.recall()
    }

    /// fp / N, as `roc_curve` (`fps / fps[-1]`).
    fn fpr(&self) -> f64 {
        self.fp as f64 / self.negatives as f64
    }

    /// (1 + β²) tp / (β² (tp + fn) + tp + fp): `metrics`' `f_score`
    /// (`src/metrics/kinds/f1.rs`) term for term, so that `metrics
    /// --threshold-file` reproduces the tuned value bit for bit.
    fn f_score(&self, beta2: f64) -> f64 {
        let tp = self.tp as f64;
        let fn_ = (self.positives - self.tp) as f64;
        let fp = self.fp as f64;
        (1.0 + beta2) * tp / (beta2 * (tp + fn_) + (tp + fp))
    }
}

/// The best cut of a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    /// The lowest score predicted, in the scores' own units.
    pub score: f64,
    /// The objective's value there.
    pub value: f64,
    pub counts: Counts,
}

/// A unit's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tuned {
    Best(Cut),
    Undefined(Undefined),
}

/// One unit's sweep: fed its distinct scores highest first
/// ([`Sweep::push`]), it keeps the best cut so far.
#[derive(Debug, Clone)]
pub struct Sweep {
    objective: Objective,
    /// Running tp and fp, and the unit's totals.
    counts: Counts,
    best: Option<Cut>,
}

impl Sweep {
    /// A unit of `positives` positives and `negatives` negatives.
    pub fn new(objective: Objective, positives: u64, negatives: u64) -> Sweep {
        Sweep {
            objective,
            counts: Counts {
                tp: 0,
                fp: 0,
                positives,
                negatives,
            },
            best: None,
        }
    }

    /// The unit's observed positives (its support).
    pub fn positives(&self) -> u64 {
        self.counts.positives
    }

    /// The best cut, or why there is none.
    pub fn finish(&self) -> Tuned {
        let totals = &self.counts;
        if let Some(why) = self
            .objective
            .undefined_for(totals.positives, totals.negatives)
        {
            return Tuned::Undefined(why);
        }
        match self.best {
            Some(cut) => Tuned::Best(cut),
            None => Tuned::Undefined(Undefined::Unreachable),
        }
    }
}

impl GroupSink for Sweep {
    /// The next distinct score, lower than the ones before, with the
    /// positives and negatives that have it.
    #[inline]
    fn push(&mut self, score: f64, positives: u64, negatives: u64) {
        self.counts.tp += positives;
        self.counts.fp += negatives;
        if self.counts.positives == 0 || (self.counts.tp + self.counts.fp) == 0 {
            return;
        }
        if self.objective == Objective::Youden && self.counts.negatives == 0 {
            return;
        }
        // A cut that adds only negatives to one already weighed cannot beat
        // the best: Fβ's numerator stays and its denominator grows (in
        // float64 too: each rounding is monotone), so its value is at most
        // the last cut's, and ties keep the higher threshold. The division
        // skipped was a fifth of tune's walk.
        if positives == 0
            && self.best.is_some()
            && matches!(self.objective, Objective::F1 | Objective::Fbeta { .. })
        {
            return;
        }
        if let Some(value) = self.objective.value(&self.counts)
            && self.best.is_none_or(|b| value > b.value)
        {
            self.best = Some(Cut {
                score,
                value,
                counts: self.counts,
            });
        }
    }
}

/// σ(x) as `metrics` computes it where it decides (`Decision::positive`),
/// so that a logit cut written as a probability decides as σ does.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The smallest probability t with `bin(t) ≥ bin` for `Bins::bin`'s
/// `floor(p · B)` (clamped to B − 1): `p ≥ t` then holds exactly for the
/// probabilities of bins `bin` and above, so a binned cut read back by
/// `--threshold-file` predicts what its bins counted.
pub fn bin_threshold(bin: usize, bins: usize) -> f64 {
    let index = |p: f64| ((p * bins as f64) as usize).min(bins - 1);
    if bin == 0 {
        return 0.0;
    }
    let mut t = (bin as f64 / bins as f64).clamp(0.0, 1.0);
    while index(t) < bin {
        t = t.next_up();
    }
    while t > 0.0 && index(t.next_down()) >= bin {
        t = t.next_down();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every distinct score's cut by brute force: the best value, ties to
    /// the higher score.
    fn brute(objective: Objective, scores: &[f64], targets: &[bool]) -> Tuned {
        let positives = targets.iter().filter(|&&t| t).count() as u64;
        let negatives = targets.len() as u64 - positives;
        let mut cuts: Vec<f64> = scores.to_vec();
        cuts.sort_by(|a, b| b.total_cmp(a));
        cuts.dedup_by(|a, b| a == b);
        let mut sweep = Sweep::new(objective, positives, negatives);
        let mut best: Option<Cut> = None;
        for &s in &cuts {
            let predicted = |i: usize| scores[i] >= s;
            let tp = (0..scores.len())
                .filter(|&i| predicted(i) && targets[i])
                .count() as u64;
            let fp = (0..scores.len())
                .filter(|&i| predicted(i) && !targets[i])
                .count() as u64;
            let counts = Counts {
                tp,
                fp,
                positives,
                negatives,
            };
            let pos_here = (0..scores.len())
                .filter(|&i| scores[i] == s && targets[i])
                .count();
            let neg_here = (0..scores.len())
                .filter(|&i| scores[i] == s && !targets[i])
                .count();
            sweep.push(s, pos_here as u64, neg_here as u64);
            if positives == 0 || (objective == Objective::Youden && negatives == 0) {
                continue;
            }
            if let Some(value) = objective.value(&counts)
                && best.is_none_or(|b| value > b.value)
            {
                best = Some(Cut {
                    score: s,
                    value,
                    counts,
                });
            }
        }
        let tuned = match objective.undefined_for(positives, negatives) {
            Some(why) => Tuned::Undefined(why),
            None => best.map_or(Tuned::Undefined(Undefined::Unreachable), Tuned::Best),
        };
        assert_eq!(sweep.finish(), tuned);
        tuned
    }

    const SCORES: [f64; 8] = [0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.2, 0.1];
    const TARGETS: [bool; 8] = [true, false, true, true, false, true, false, false];

    fn best(tuned: Tuned) -> Cut {
        match tuned {
            Tuned::Best(cut) => cut,
            Tuned::Undefined(why) => panic!("undefined: {why:?}"),
        }
    }

    #[test]
    fn f1_takes_the_best_cut_by_its_counts() {
        let cut = best(brute(Objective::F1, &SCORES, &TARGETS));
        // ≥ 0.7: tp 3, fp 1, fn 1: 6/8; ≥ 0.5: tp 4, fp 2: 8/10.
        assert_eq!(cut.score, 0.5);
        assert_eq!(cut.value, 0.8);
        assert_eq!((cut.counts.tp, cut.counts.fp), (4, 2));
    }

    #[test]
    fn ties_go_to_the_higher_threshold() {
        // ≥ 2: tp 1 fp 0 (J = 1/2); ≥ 1: tp 2 fp 1 (J = 1 − 1/2 = 1/2).
        let cut = best(brute(
            Objective::Youden,
            &[2.0, 1.0, 1.0, 0.0],
            &[true, true, false, false],
        ));
        assert_eq!(cut.score, 2.0);
        assert_eq!(cut.value, 0.5);
    }

    #[test]
    fn constraints_compare_as_a_python_loop() {
        let at_recall = best(brute(
            Objective::PrecisionAtRecall { min_recall: 0.75 },
            &SCORES,
            &TARGETS,
        ));
        assert_eq!((at_recall.score, at_recall.value), (0.7, 0.75));
        let at_precision = best(brute(
            Objective::RecallAtPrecision { min_precision: 0.7 },
            &SCORES,
            &TARGETS,
        ));
        assert_eq!((at_precision.score, at_precision.value), (0.7, 0.75));
        // Recall 1/3 ≥ 0.1/0.3 in float64 (0.333… ≥ 0.333…): the float
        // comparison decides, as `tp / P >= R` would in Python.
        let third = 0.1 / 0.3;
        let tuned = brute(
            Objective::PrecisionAtRecall { min_recall: third },
            &[3.0, 2.0, 1.0],
            &[true, true, true],
        );
        assert_eq!(
            best(tuned).score,
            if 1.0 / 3.0 >= third { 3.0 } else { 2.0 }
        );
    }

    #[test]
    fn undefined_units_say_why() {
        for objective in [Objective::F1, Objective::Youden] {
            assert_eq!(
                brute(objective, &[0.3, 0.2], &[false, false]),
                Tuned::Undefined(Undefined::NoPositives)
            );
        }
        assert_eq!(
            brute(Objective::Youden, &[0.3, 0.2], &[true, true]),
            Tuned::Undefined(Undefined::NoNegatives)
        );
        assert_eq!(
            best(brute(Objective::F1, &[0.3, 0.2], &[true, true])).value,
            1.0
        );
        assert_eq!(
            brute(
                Objective::RecallAtPrecision { min_precision: 0.9 },
                &[0.9, 0.1],
                &[false, true]
            ),
            Tuned::Undefined(Undefined::Unreachable)
        );
    }

    #[test]
    fn constant_column_is_one_cut() {
        let cut = best(brute(
            Objective::Fbeta { beta: 2.0 },
            &[0.5; 4],
            &[true, false, false, true],
        ));
        assert_eq!(cut.score, 0.5);
        assert_eq!((cut.counts.tp, cut.counts.fp), (2, 2));
    }

    #[test]
    fn parameters_are_checked() {
        assert!(
            Objective::PrecisionAtRecall { min_recall: 0.0 }
                .check()
                .is_err()
        );
        assert!(
            Objective::RecallAtPrecision { min_precision: 1.5 }
                .check()
                .is_err()
        );
        assert!(Objective::Fbeta { beta: -1.0 }.check().is_err());
        assert!(Objective::Fbeta { beta: 0.0 }.check().is_ok());
        assert!(
            Objective::PrecisionAtRecall { min_recall: 1.0 }
                .check()
                .is_ok()
        );
    }

    #[test]
    fn bin_thresholds_decide_as_the_bins() {
        for bins in [1, 3, 7, 10, 49, 100, 1000] {
            for bin in 0..bins {
                let t = bin_threshold(bin, bins);
                let index = |p: f64| ((p * bins as f64) as usize).min(bins - 1);
                assert!(index(t) >= bin);
                if t > 0.0 {
                    assert!(index(t.next_down()) < bin, "bins {bins} bin {bin}");
                }
            }
        }
    }
}
