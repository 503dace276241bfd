//! What values a numeric matrix may hold: each loss kind says what its
//! LOGITS and TARGETS may hold, and the readers check every value as they
//! read it, so that an error can say where the value is.

/// What values a numeric matrix may hold; checked as each value is read so
/// that the error can say where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain {
    pub range: Range,
    /// NaN and ±infinity are accepted (`--nonfinite allow`).
    pub nonfinite: bool,
    /// This value marks a missing element and is accepted as it is
    /// (`--ignore-value`; NaN marks NaN).
    pub missing: Option<f64>,
}

/// The finite values a matrix may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// Any finite number (logits, weights).
    Any,
    /// [0, 1], with what to say about a value outside it.
    UnitInterval(&'static str),
    /// 0 or 1, with what to say about another value.
    Binary(&'static str),
}

impl Domain {
    /// Any value at all, NaN and infinities included (a file read for
    /// several views, each of which checks its own domain).
    pub const ANY: Domain = Domain {
        range: Range::Any,
        nonfinite: true,
        missing: None,
    };
    /// Any finite number (logits).
    pub const FINITE: Domain = Domain {
        range: Range::Any,
        nonfinite: false,
        missing: None,
    };
    /// A number in [0, 1] (targets).
    pub const UNIT_INTERVAL: Domain = Domain {
        range: Range::UnitInterval("target outside [0, 1]"),
        ..Domain::FINITE
    };
    /// A probability (bce-probs' input).
    pub const PROBABILITY: Domain = Domain {
        range: Range::UnitInterval("probability outside [0, 1]"),
        ..Domain::FINITE
    };
    /// 0 or 1 (binarize --inverse's matrix).
    pub const INDICATOR: Domain = Domain {
        range: Range::Binary("not 0 or 1 (--threshold T reads probabilities)"),
        ..Domain::FINITE
    };
    /// 0 or 1 (multilabel-margin's targets).
    pub const BINARY: Domain = Domain {
        range: Range::Binary("target is not 0 or 1"),
        ..Domain::FINITE
    };

    /// Whether `True`/`False` read as 1/0: for targets, which pandas may
    /// write as bools.
    pub fn takes_bools(self) -> bool {
        self.range != Range::Any
    }

    /// The same domain, with NaN and ±infinity accepted or not.
    pub fn with_nonfinite(self, nonfinite: bool) -> Domain {
        Domain { nonfinite, ..self }
    }

    /// The same domain, accepting `missing` as a marker.
    pub fn with_missing(self, missing: Option<f64>) -> Domain {
        Domain { missing, ..self }
    }

    /// `None` when `value` belongs, else what is wrong with it. Called for
    /// every value read, so the common case is decided first.
    #[inline]
    pub fn check(self, value: f64) -> Option<&'static str> {
        let plainly_fine = match self.range {
            Range::Any => value.is_finite(),
            Range::UnitInterval(_) => (0.0..=1.0).contains(&value),
            Range::Binary(_) => value == 0.0 || value == 1.0,
        };
        if plainly_fine {
            None
        } else {
            self.check_rest(value)
        }
    }

    #[cold]
    fn check_rest(self, value: f64) -> Option<&'static str> {
        if let Some(m) = self.missing
            && (value == m || (value.is_nan() && m.is_nan()))
        {
            return None;
        }
        if !value.is_finite() {
            return (!self.nonfinite).then_some("not a finite number");
        }
        match self.range {
            Range::Any => None,
            // -1 is how CheXpert, VOC and others mark a missing label.
            Range::UnitInterval(what) | Range::Binary(what)
                if value == -1.0 && what.starts_with("target") =>
            {
                Some(if matches!(self.range, Range::Binary(_)) {
                    "target is not 0 or 1 (if -1 marks a missing label: --ignore-value -1)"
                } else {
                    "target outside [0, 1] (if -1 marks a missing label: --ignore-value -1)"
                })
            }
            Range::UnitInterval(what) | Range::Binary(what) => Some(what),
        }
    }

    /// What to say about value `cell` in the first field of a row: a
    /// count (0, 1, 2, …) outside a target's range there is most likely a
    /// pandas index written without a header.
    pub fn hint_first_field(self, what: &'static str, cell: &[u8]) -> String {
        let count = cell.trim_ascii();
        let is_count = !count.is_empty() && count.iter().all(u8::is_ascii_digit);
        match self.range {
            Range::UnitInterval(range) | Range::Binary(range) if what == range && is_count => {
                format!("{what} (an index column? see --key, --logits-columns, --targets-columns)")
            }
            _ => what.to_owned(),
        }
    }
}
