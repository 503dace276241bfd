//! What a label is: its text and, from JSON, its type; when two labels are
//! the same class; and the order scikit-learn gives the classes. Pure: no I/O.
//!
//! scikit-learn's classes are `sorted(set(labels))` of Python objects, so
//! - CSV/TSV labels have no type (Python's csv module would give strings, but
//!   a user who wrote `1,2,10` means numbers): they sort numerically when
//!   every one is a number, else by code point ([`LabelKind::Text`]);
//! - JSON strings are strings: `"10"` < `"2"` ([`LabelKind::Str`]);
//! - JSON numbers are Python ints or floats ([`LabelKind::Number`]): exact
//!   (`18446744073709551616` and `…617` are two classes, as Python's ints),
//!   equal values one class (`1` and `1.0`, as in a Python set), ordered
//!   numerically; each is written as Python's `str()` writes it;
//! - strings mixed with numbers have no order (Python raises `TypeError`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use crate::format::{python_str_repr, write_f64};

/// Where a label's type comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelKind {
    /// A CSV/TSV field: untyped text.
    Text,
    /// A JSON string.
    Str,
    /// A JSON number, its text as Python's `str()` of it.
    Number,
}

/// One label as read: its text and where its type comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    pub text: &'a str,
    pub kind: LabelKind,
}

impl<'a> Label<'a> {
    /// What tells this label's class from another's: the text, except that a
    /// float with an integral value is keyed as that integer (`1.0` is `1`).
    /// A float's Python repr is unique to its value, so the other numbers
    /// are keyed by their text. Keys of different kinds never meet: one input
    /// is either text or JSON, and JSON mixing strings and numbers is an
    /// error when the classes are sorted.
    pub fn key(&self) -> Cow<'a, str> {
        if self.kind != LabelKind::Number || is_integer_text(self.text) {
            return Cow::Borrowed(self.text);
        }
        match self.text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.fract() == 0.0 => Cow::Owned(integer_digits(v)),
            _ => Cow::Borrowed(self.text),
        }
    }
}

/// Values by label, one per class: text labels and JSON strings by their
/// text, JSON numbers by value ([`Label::key`]), in two maps so that `"1"`
/// and `1` stay apart (a mix is an error once the classes are sorted).
#[derive(Debug)]
pub struct LabelMap<V> {
    by_text: HashMap<String, V>,
    by_number: HashMap<String, V>,
}

impl<V> Default for LabelMap<V> {
    fn default() -> Self {
        LabelMap {
            by_text: HashMap::new(),
            by_number: HashMap::new(),
        }
    }
}

impl<V: Copy> LabelMap<V> {
    /// Text labels, the common case, are looked up without building a key.
    #[inline(always)]
    pub fn get(&self, label: Label<'_>) -> Option<V> {
        match label.kind {
            LabelKind::Number => self.by_number.get(&*label.key()).copied(),
            LabelKind::Text | LabelKind::Str => self.by_text.get(label.text).copied(),
        }
    }

    /// `value` for the label's class, unless it has one already.
    pub fn insert_new(&mut self, label: Label<'_>, value: V) {
        let map = match label.kind {
            LabelKind::Number => &mut self.by_number,
            LabelKind::Text | LabelKind::Str => &mut self.by_text,
        };
        map.entry(label.key().into_owned()).or_insert(value);
    }
}

/// Python's `str()` of a JSON number's text: an integer as its digits (`-0`
/// is `0`), a float as Python's repr (`1E2` is `100.0`). `None` when the
/// number is beyond f64 (`1e400`), which Python would read as `inf`.
pub fn json_number_text(raw: &str) -> Option<String> {
    if is_integer_text(raw) {
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        return Some(if digits.bytes().all(|b| b == b'0') {
            "0".to_owned()
        } else {
            raw.to_owned()
        });
    }
    let value = raw.parse::<f64>().ok().filter(|v| v.is_finite())?;
    let mut out = Vec::new();
    write_f64(&mut out, value);
    String::from_utf8(out).ok()
}

/// An optional minus, then digits only.
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The exact integer an integral f64 is (Rust's fixed-precision formatting
/// is exact), `0` for both zeros.
fn integer_digits(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value:.0}")
    }
}

/// The classes' order, scikit-learn's `sorted(set(...))`, as indices into
/// `labels` (distinct classes, each by its first-seen label); or why there is
/// none.
pub fn class_order(labels: &[Label<'_>]) -> Result<Vec<usize>, String> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    let string = labels.iter().find(|l| l.kind == LabelKind::Str);
    let number = labels.iter().find(|l| l.kind == LabelKind::Number);
    match (string, number) {
        (Some(s), Some(n)) => {
            return Err(format!(
                "labels mix strings and numbers ({} and {}), which have no order \
                 (scikit-learn raises TypeError); write every label as a string, or give --classes",
                python_str_repr(s.text),
                n.text
            ));
        }
        (None, Some(_)) => {
            let keys: Vec<Cow<'_, str>> = labels.iter().map(Label::key).collect();
            order.sort_by(|&a, &b| compare_numbers(&keys[a], &keys[b]));
        }
        (Some(_), None) => order.sort_by(|&a, &b| labels[a].text.cmp(labels[b].text)),
        (None, None) => {
            let numbers: Option<Vec<f64>> = labels.iter().map(|l| text_as_number(l.text)).collect();
            match numbers {
                // Equal numbers written differently ("1", "1.0") fall back to text order.
                Some(values) => order.sort_by(|&a, &b| {
                    values[a]
                        .total_cmp(&values[b])
                        .then_with(|| labels[a].text.cmp(labels[b].text))
                }),
                // Rust compares strings bytewise, which for UTF-8 is code-point order.
                None => order.sort_by(|&a, &b| labels[a].text.cmp(labels[b].text)),
            }
        }
    }
    Ok(order)
}

/// A text label counts as a number when it is a finite decimal such as `3`,
/// `-2.5` or `1e3`; `nan`, `inf` and `0x10` are text.
fn text_as_number(label: &str) -> Option<f64> {
    let looks_decimal = label
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !looks_decimal {
        return None;
    }
    label.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Two number keys (integer digits, or a non-integral float's repr) by
/// value, exactly.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    match (is_integer_text(a), is_integer_text(b)) {
        (true, true) => compare_integers(a, b),
        // An integer and a non-integral float are never equal, and rounding
        // the integer to f64 keeps their order: a non-integral float is
        // below 2^52, where every integer is exact.
        _ => {
            let (x, y) = (a.parse::<f64>(), b.parse::<f64>());
            match (x, y) {
                (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.cmp(b),
            }
        }
    }
}

/// Two integers in canonical digits (no leading zeros, no `-0`).
fn compare_integers(a: &str, b: &str) -> Ordering {
    let (a_negative, b_negative) = (a.starts_with('-'), b.starts_with('-'));
    let (ma, mb) = (a.trim_start_matches('-'), b.trim_start_matches('-'));
    let by_magnitude = ma.len().cmp(&mb.len()).then_with(|| ma.cmp(mb));
    match (a_negative, b_negative) {
        (false, false) => by_magnitude,
        (true, true) => by_magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(kind: LabelKind, texts: &[&str]) -> Result<Vec<String>, String> {
        let labels: Vec<Label<'_>> = texts.iter().map(|&text| Label { text, kind }).collect();
        Ok(class_order(&labels)?
            .into_iter()
            .map(|i| texts[i].to_owned())
            .collect())
    }

    #[test]
    fn text_labels_sort_numerically_when_all_are_numbers() {
        let text = |t: &[&str]| sorted(LabelKind::Text, t).unwrap();
        assert_eq!(text(&["10", "2", "1"]), ["1", "2", "10"]);
        assert_eq!(text(&["10", "2", "a"]), ["10", "2", "a"]);
        assert_eq!(text(&["b", "B", "a", "é"]), ["B", "a", "b", "é"]);
        assert_eq!(text(&["-1", "0.5", "1e1"]), ["-1", "0.5", "1e1"]);
        assert_eq!(text(&["nan", "1"]), ["1", "nan"]);
    }

    /// scikit-learn on `[["10", "2"]]` gives classes `['10', '2']`.
    #[test]
    fn json_strings_sort_as_strings() {
        assert_eq!(sorted(LabelKind::Str, &["2", "10"]).unwrap(), ["10", "2"]);
    }

    #[test]
    fn json_numbers_sort_by_exact_value() {
        let numbers = |t: &[&str]| sorted(LabelKind::Number, t).unwrap();
        assert_eq!(numbers(&["10", "2", "-3", "0.5"]), ["-3", "0.5", "2", "10"]);
        // Beyond f64's precision, still ordered (Python's ints).
        assert_eq!(
            numbers(&[
                "18446744073709551617",
                "18446744073709551616",
                "-18446744073709551617"
            ]),
            [
                "-18446744073709551617",
                "18446744073709551616",
                "18446744073709551617"
            ]
        );
        assert_eq!(numbers(&["-2", "-10", "1e+16"]), ["-10", "-2", "1e+16"]);
    }

    #[test]
    fn mixed_strings_and_numbers_have_no_order() {
        let labels = [
            Label {
                text: "a",
                kind: LabelKind::Str,
            },
            Label {
                text: "1",
                kind: LabelKind::Number,
            },
        ];
        let error = class_order(&labels).unwrap_err();
        assert!(error.contains("mix strings and numbers"), "{error}");
    }

    #[test]
    fn numbers_are_keyed_by_value() {
        let key = |text| {
            Label {
                text,
                kind: LabelKind::Number,
            }
            .key()
            .into_owned()
        };
        assert_eq!(key("1.0"), "1");
        assert_eq!(key("1e+16"), "10000000000000000");
        assert_eq!(key("-0.0"), "0");
        assert_eq!(key("0.5"), "0.5");
        assert_eq!(key("18446744073709551617"), "18446744073709551617");
        // Text and JSON strings are their text.
        assert_eq!(
            Label {
                text: "1.0",
                kind: LabelKind::Str
            }
            .key(),
            "1.0"
        );
    }

    #[test]
    fn json_numbers_are_written_as_python_writes_them() {
        let text = |raw| json_number_text(raw);
        assert_eq!(
            text("18446744073709551617").as_deref(),
            Some("18446744073709551617")
        );
        assert_eq!(text("-0").as_deref(), Some("0"));
        assert_eq!(text("1E2").as_deref(), Some("100.0"));
        assert_eq!(text("1e16").as_deref(), Some("1e+16"));
        assert_eq!(text("0.00001").as_deref(), Some("1e-05"));
        assert_eq!(text("2.50").as_deref(), Some("2.5"));
        assert_eq!(text("1e400"), None);
    }
}
