//! Kind parameters of every type: besides the numbers with a default
//! ([`super::Formula::params`]), numbers with no default, counts (integers
//! ≥ 0) with or without a default, choices among names, and per-class
//! counts. A kind declares them by [`super::Formula::typed_params`]; the
//! command line derives one option from each (`cmd/loss/kind_options.rs`).

/// Where a kind keeps one parameter, and of what type it is.
pub enum Slot<'a> {
    /// A number with a default (the field's value in the kind's `Default`).
    Number(&'a mut f64),
    /// A number with no default: `None` unless given.
    OptionalNumber(&'a mut Option<f64>),
    /// An integer ≥ 0 with a default.
    Count(&'a mut u64),
    /// An integer ≥ 0 that must be given; `needs` says why, for the error
    /// when it is not (`the 0-based epoch, …`).
    RequiredCount {
        value: &'a mut Option<u64>,
        needs: &'static str,
    },
    /// One of a few names (`--base bce|focal`).
    Choice(&'a mut dyn Choice),
    /// One integer ≥ 0 per class (`--class-counts`), which must be given;
    /// `needs` says why.
    ClassCounts {
        value: &'a mut Option<Vec<u64>>,
        needs: &'static str,
    },
}

/// A parameter that is one of a few names; `Default` gives the default.
pub trait Choice {
    /// The names, as the option takes them.
    fn names(&self) -> &'static [&'static str];
    /// The place of the current value in [`Choice::names`].
    fn index(&self) -> usize;
    /// Sets the value to the name at `index` in [`Choice::names`].
    fn select(&mut self, index: usize);
}

/// How an option's value is parsed: kinds that share an option's name
/// must agree on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A number (f64).
    Number,
    /// An integer ≥ 0.
    Count,
    /// One of the names.
    Name(&'static [&'static str]),
    /// Text read later (a list of counts or a FILE).
    Text,
}

/// A parameter's value as the command line gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Number(f64),
    Count(u64),
    Name(String),
    Counts(Vec<u64>),
}

impl Slot<'_> {
    pub fn value_type(&self) -> ValueType {
        match self {
            Slot::Number(_) | Slot::OptionalNumber(_) => ValueType::Number,
            Slot::Count(_) | Slot::RequiredCount { .. } => ValueType::Count,
            Slot::Choice(choice) => ValueType::Name(choice.names()),
            Slot::ClassCounts { .. } => ValueType::Text,
        }
    }

    /// The default as the help shows it (`0.25`, `none`, `bce`), or `None`
    /// for a parameter that must be given.
    pub fn default_text(&self) -> Option<String> {
        match self {
            Slot::Number(value) => Some(value.to_string()),
            Slot::OptionalNumber(value) => Some(value.map_or("none".to_owned(), |v| v.to_string())),
            Slot::Count(value) => Some(value.to_string()),
            Slot::Choice(choice) => Some(choice.names()[choice.index()].to_owned()),
            Slot::RequiredCount { .. } | Slot::ClassCounts { .. } => None,
        }
    }

    /// Why the parameter must be given, if it must and is not.
    pub fn missing(&self) -> Option<&'static str> {
        match self {
            Slot::RequiredCount { value: None, needs } => Some(needs),
            Slot::ClassCounts { value: None, needs } => Some(needs),
            _ => None,
        }
    }

    /// The per-class counts, if the parameter is per-class counts given.
    pub fn class_counts(&self) -> Option<&[u64]> {
        match self {
            Slot::ClassCounts {
                value: Some(counts),
                ..
            } => Some(counts),
            _ => None,
        }
    }

    /// Sets the value; false if `given` is not of the slot's type (or not
    /// one of its names).
    pub fn set(self, given: &Given) -> bool {
        match (self, given) {
            (Slot::Number(value), Given::Number(v)) => *value = *v,
            (Slot::OptionalNumber(value), Given::Number(v)) => *value = Some(*v),
            (Slot::Count(value), Given::Count(v)) => *value = *v,
            (Slot::RequiredCount { value, .. }, Given::Count(v)) => *value = Some(*v),
            (Slot::ClassCounts { value, .. }, Given::Counts(v)) => *value = Some(v.clone()),
            (Slot::Choice(choice), Given::Name(name)) => {
                match choice.names().iter().position(|n| n == name) {
                    Some(index) => choice.select(index),
                    None => return false,
                }
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Base(usize);

    impl Choice for Base {
        fn names(&self) -> &'static [&'static str] {
            &["bce", "focal"]
        }
        fn index(&self) -> usize {
            self.0
        }
        fn select(&mut self, index: usize) {
            self.0 = index;
        }
    }

    #[test]
    fn slots_take_values_of_their_type_only() {
        let mut base = Base::default();
        assert_eq!(Slot::Choice(&mut base).default_text().unwrap(), "bce");
        assert!(Slot::Choice(&mut base).set(&Given::Name("focal".into())));
        assert_eq!(base.0, 1);
        assert!(!Slot::Choice(&mut base).set(&Given::Name("hinge".into())));
        let mut epoch = None;
        let slot = Slot::RequiredCount {
            value: &mut epoch,
            needs: "why",
        };
        assert_eq!(slot.missing(), Some("why"));
        assert!(!slot.set(&Given::Number(1.0)));
        let slot = Slot::RequiredCount {
            value: &mut epoch,
            needs: "why",
        };
        assert!(slot.set(&Given::Count(3)));
        assert_eq!(epoch, Some(3));
        let mut alpha = None;
        assert_eq!(
            Slot::OptionalNumber(&mut alpha).default_text().unwrap(),
            "none"
        );
    }
}
