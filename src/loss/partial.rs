//! The state a sharded run's `loss --partial` prints and `merge` reads:
//! the loss with every parameter that shapes its values, the number of
//! classes, and the exact totals. Serde data, versioned; two states merge
//! only if their losses agree field by field.

use serde::{Deserialize, Serialize};

use super::batches::{BatchRun, BatchTotals};
use super::reduce::{Accumulator, Totals};
use super::{Kind, Loss};

/// The format of partial states; `merge` refuses others. Format 1 (before
/// this one) held the loss as a formatted string.
pub const VERSION: u32 = 2;

/// One shard's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartialState {
    /// Always [`VERSION`]; the field's name says what the file is.
    pub mlloss_partial: u32,
    pub loss: Loss,
    pub classes: usize,
    pub totals: Totals,
    /// A batch loss's batches (`two-way`): absent for the other kinds, so
    /// that their states read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<BatchTotals>,
}

impl PartialState {
    pub fn new(loss: &Loss, classes: usize, totals: &Accumulator) -> Self {
        PartialState {
            mlloss_partial: VERSION,
            loss: loss.clone(),
            classes,
            totals: totals.to_totals(),
            batches: None,
        }
    }

    /// The state of a batch loss's run over `rows` rows: the batches, and
    /// the rows counted as totals of no losses (so that counts check and
    /// merge as any state's).
    pub fn of_batches(loss: &Loss, classes: usize, rows: u64, batches: &BatchRun) -> Self {
        let observed = rows.saturating_mul(classes as u64);
        let totals = Totals {
            rows,
            observed,
            total: Default::default(),
            per_class: vec![Default::default(); classes],
            per_class_observed: vec![rows; classes],
        };
        PartialState {
            mlloss_partial: VERSION,
            loss: loss.clone(),
            classes,
            totals,
            batches: Some(batches.to_totals()),
        }
    }

    /// What is wrong with a state read from a file, if anything: another
    /// format, a loss the command line would refuse (the same checks), or
    /// totals that do not fit its classes or each other.
    pub fn problem(&self) -> Option<String> {
        if self.mlloss_partial != VERSION {
            return Some(format!(
                "a partial state of format {}, but this mlloss reads format {VERSION}",
                self.mlloss_partial
            ));
        }
        let bad = |what: String| Some(format!("inconsistent partial state ({what})"));
        if let Some(what) = self.loss_problem() {
            return bad(what);
        }
        let t = &self.totals;
        let fits = t.per_class.len() == self.classes && t.per_class_observed.len() == self.classes;
        if !fits {
            return bad("per-class sums".to_owned());
        }
        let sums = std::iter::once(&t.total).chain(&t.per_class);
        if let Some(terms) = sums.into_iter().find(|terms| !terms.special_is_known()) {
            let tag = terms.special.as_deref().unwrap_or_default();
            return bad(format!("a sum's special is {tag:?}, not nan, inf or -inf"));
        }
        if let Some(what) = self.batches_problem() {
            return bad(what);
        }
        self.counts_problem().and_then(bad)
    }

    /// A batch loss's batches, which it must have and no other kind may.
    fn batches_problem(&self) -> Option<String> {
        match (&self.loss.kind, &self.batches) {
            (Kind::TwoWay(loss), Some(batches)) => batches.problem(loss, self.classes),
            (Kind::TwoWay(_), None) => Some("a batch loss's state without its batches".into()),
            (_, Some(_)) => Some("batches for a loss that is not a batch loss".into()),
            (_, None) => None,
        }
    }

    /// The loss's parameters, checked as the command line checks them.
    fn loss_problem(&self) -> Option<String> {
        let loss = &self.loss;
        if let Err(bad) = loss.kind.check() {
            return Some(format!("{} {}, not {}", bad.param, bad.problem, bad.value));
        }
        if let Err(problem) = loss.kind.check_typed() {
            return Some(problem);
        }
        if let Err(problem) = super::check_label_smoothing(loss.label_smoothing) {
            return Some(format!("label_smoothing {problem}"));
        }
        let modified = loss.weight.is_some() || loss.label_smoothing != 0.0;
        let missing = loss.missing.is_some() && !loss.kind.takes_ignore_value();
        if (modified && !loss.kind.takes_modifiers()) || missing {
            let kind = loss.kind.name();
            return Some(format!(
                "weight, label_smoothing or missing with {kind}, which takes none"
            ));
        }
        if loss.weight.is_some() && !loss.kind.takes_weight() {
            return Some(format!(
                "weight with {}, which takes none",
                loss.kind.name()
            ));
        }
        let mut kind = loss.kind.clone();
        let pos_weight = kind.pos_weight().and_then(|p| p.as_ref());
        for (field, values) in [("weight", loss.weight.as_ref()), ("pos_weight", pos_weight)] {
            if let Some(values) = values.filter(|v| v.len() != self.classes) {
                let (n, c) = (values.len(), self.classes);
                return Some(format!("{field} has {n} values for {c} classes"));
            }
        }
        None
    }

    /// The counts, which must be what rows of C classes give: every class
    /// observed in at most every row, and the classes' counts adding up to
    /// the observed elements (all of them without missing targets).
    fn counts_problem(&self) -> Option<String> {
        let t = &self.totals;
        let most = t.rows.checked_mul(self.classes as u64);
        let class_sum = (t.per_class_observed.iter()).try_fold(0u64, |a, &b| a.checked_add(b));
        let sums_empty = std::iter::once(&t.total)
            .chain(&t.per_class)
            .all(|terms| terms.terms.is_empty() && terms.special.is_none());
        if t.rows == 0 && !sums_empty {
            return Some("sums of losses, but no rows".to_owned());
        }
        let complete = self.loss.missing.is_none();
        if t.per_class_observed.iter().any(|&n| n > t.rows)
            || most.is_none_or(|most| t.observed > most || (complete && t.observed != most))
            || class_sum != Some(t.observed)
        {
            let (rows, observed) = (t.rows, t.observed);
            return Some(format!(
                "{observed} observed elements do not fit {rows} rows of {} classes and the \
                 per-class counts",
                self.classes
            ));
        }
        None
    }

    /// Whether the state is of no rows: an empty shard (GNU parallel may
    /// hand one a header and no rows), whose width says nothing, so that it
    /// merges with any state of the same loss.
    pub fn is_empty(&self) -> bool {
        self.totals.rows == 0 && self.totals.observed == 0
    }

    /// Why `other` cannot be merged into this state, if it cannot: the
    /// first field of the loss in which they differ, or the classes (which
    /// an empty state's do not).
    pub fn mismatch(&self, other: &PartialState) -> Option<Mismatch> {
        let (mut mine, mut theirs) = (to_value(&self.loss), to_value(&other.loss));
        // An empty shard had no width to take `--weight`/`--pos-weight`
        // values to (nor do they change a sum of no rows): its per-class
        // vectors hold nothing to.
        if self.is_empty() || other.is_empty() {
            for value in [&mut mine, &mut theirs] {
                drop_class_vectors(value);
            }
        }
        if let Some(detail) = first_difference("", &mine, &theirs) {
            return Some(Mismatch {
                what: "loss",
                detail,
            });
        }
        let shaped = !self.is_empty() && !other.is_empty();
        (shaped && self.classes != other.classes).then(|| Mismatch {
            what: "shape",
            detail: format!("{} classes, not {}", other.classes, self.classes),
        })
    }

    /// The totals, ready to merge.
    pub fn accumulator(&self) -> Accumulator {
        Accumulator::from_totals(self.loss.kind.shape(), &self.totals)
    }

    /// A batch loss's batches, ready to merge.
    pub fn batch_run(&self) -> Option<BatchRun> {
        match (&self.loss.kind, &self.batches) {
            (Kind::TwoWay(loss), Some(totals)) => Some(BatchRun::from_totals(loss, totals)),
            _ => None,
        }
    }
}

/// How two states differ: in their `loss` or their `shape`, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub what: &'static str,
    pub detail: String,
}

fn to_value(loss: &Loss) -> serde_json::Value {
    serde_json::to_value(loss).expect("a loss is plain data")
}

/// The first place where `b` differs from `a`, as `field is B, not A`.
/// Removes the per-class vectors (`weight`, `pos_weight`) of a loss, at
/// any depth.
fn drop_class_vectors(value: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = value {
        map.remove("weight");
        map.remove("pos_weight");
        map.values_mut().for_each(drop_class_vectors);
    }
}

fn first_difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    if let (Value::Object(a), Value::Object(b)) = (a, b) {
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        return keys.into_iter().find_map(|key| {
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let (a, b) = (a.get(key), b.get(key));
            let null = Value::Null;
            first_difference(&path, a.unwrap_or(&null), b.unwrap_or(&null))
        });
    }
    (a != b).then(|| format!("{path} is {b}, not {a}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{Kind, Missing, Shape};

    /// A state of one row of zeros.
    fn state(loss: Loss, classes: usize) -> PartialState {
        let mut totals = Accumulator::new(loss.kind.shape(), loss.missing, classes);
        totals.add_row(&vec![0.0; classes], &vec![0.0; classes]);
        PartialState::new(&loss, classes, &totals)
    }

    /// An empty shard's state (no rows: no width to hold others to)
    /// merges with a state of any width, but not of another loss.
    #[test]
    fn an_empty_state_merges_with_any_width() {
        let bce = Loss::new(Kind::Bce(Default::default()));
        let empty = |loss: &Loss| {
            let totals = Accumulator::new(loss.kind.shape(), None, 0);
            PartialState::new(loss, 0, &totals)
        };
        assert!(empty(&bce).is_empty() && empty(&bce).problem().is_none());
        assert_eq!(empty(&bce).mismatch(&state(bce.clone(), 4)), None);
        assert_eq!(state(bce.clone(), 4).mismatch(&empty(&bce)), None);
        let mlsm = Loss::new(Kind::MultiLabelSoftMargin(Default::default()));
        assert!(empty(&mlsm).mismatch(&state(bce, 4)).is_some());
    }

    #[test]
    fn states_round_trip_through_json() {
        let mut loss = Loss::new(Kind::Focal(Default::default()));
        loss.weight = Some(vec![1.0, f64::NAN]);
        loss.missing = Some(Missing(f64::NAN));
        let json = serde_json::to_string(&state(loss, 2)).unwrap();
        let back: PartialState = serde_json::from_str(&json).unwrap();
        assert_eq!(back.problem(), None);
        assert_eq!(state(back.loss.clone(), 2).mismatch(&back), None, "{json}");
        assert_eq!(back.accumulator().class_means().len(), 2);
        assert_eq!(back.loss.kind.shape(), Shape::Elements);
    }

    #[test]
    fn a_mismatch_names_the_first_field_that_differs() {
        let bce = Loss::new(Kind::Bce(Default::default()));
        let mlsm = Loss::new(Kind::MultiLabelSoftMargin(Default::default()));
        let detail = |a: Loss, b: Loss, classes: [usize; 2]| {
            let mismatch = state(a, classes[0]).mismatch(&state(b, classes[1]));
            mismatch.map(|m| format!("{}: {}", m.what, m.detail))
        };
        assert_eq!(
            detail(bce.clone(), mlsm, [3, 3]).as_deref(),
            Some("loss: kind is \"multilabel-soft-margin\", not \"bce\"")
        );
        let mut weighted = bce.clone();
        weighted.weight = Some(vec![2.0; 3]);
        assert_eq!(
            detail(bce.clone(), weighted, [3, 3]).as_deref(),
            Some("loss: weight is [2.0,2.0,2.0], not null")
        );
        let mut nan = bce.clone();
        nan.missing = Some(Missing(f64::NAN));
        assert_eq!(detail(nan.clone(), nan, [3, 3]), None);
        assert_eq!(
            detail(bce.clone(), bce, [3, 4]).as_deref(),
            Some("shape: 4 classes, not 3")
        );
    }
}
