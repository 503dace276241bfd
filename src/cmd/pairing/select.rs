//! Column selections (`--logits-columns SPEC`, `--targets-columns SPEC`):
//! a comma list of names (with `*` and `?` wildcards, in the file's order)
//! and of 1-based positions and ranges (`5`, `2-13`), in the order given.

use crate::error::InputError;
use crate::input::MatrixReader;

/// A selection as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    text: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// A name, or a pattern with `*` (any text) and `?` (one character).
    Name(String),
    /// Fields `first..=last`, 1-based.
    Range(usize, usize),
}

/// Parses SPEC (clap's value parser).
pub(crate) fn parse(text: &str) -> Result<Spec, String> {
    let mut items = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err("an empty item".into());
        }
        let position = |t: &str| t.parse::<usize>().ok().filter(|&n| n > 0);
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let range = item
            .split_once('-')
            .filter(|(a, b)| all_digits(a) && all_digits(b));
        items.push(match (range, all_digits(item)) {
            (Some((a, b)), _) => match (position(a), position(b)) {
                (Some(a), Some(b)) if a <= b => Item::Range(a, b),
                _ => return Err(format!("{item:?} is not a range of 1-based positions")),
            },
            (None, true) => match position(item) {
                Some(n) => Item::Range(n, n),
                None => return Err("positions start at 1".into()),
            },
            (None, false) => Item::Name(item.to_owned()),
        });
    }
    Ok(Spec {
        text: text.to_owned(),
        items,
    })
}

/// The selected fields of an input, in the order selected, and their
/// names when the input has a header.
#[derive(Debug, Clone)]
pub(crate) struct Selected {
    pub(crate) fields: Vec<usize>,
    pub(crate) names: Option<Vec<String>>,
}

impl Spec {
    /// The fields of `reader` that `option` (this spec) selects.
    pub(crate) fn resolve(
        &self,
        option: &str,
        reader: &MatrixReader,
    ) -> Result<Selected, InputError> {
        let error = |what: String| {
            let what = format!("{option} {}: {what}", self.text);
            InputError::new(reader.file(), what)
        };
        let names = reader.header_names();
        let width = reader
            .fields()
            .ok_or_else(|| error("no data rows to select from".into()))?;
        let mut fields = Vec::new();
        for item in &self.items {
            match item {
                Item::Range(first, last) => {
                    if *last > width {
                        return Err(error(format!("the rows have {width} fields")));
                    }
                    fields.extend(first - 1..*last);
                }
                Item::Name(pattern) => {
                    let Some(names) = names else {
                        return Err(error(
                            "no header of names to select from (give the file its header line, or select by position, e.g. 2-13)".into(),
                        ));
                    };
                    let before = fields.len();
                    // A list column's name selects its elements (`logits`
                    // → `logits[0]`, `logits[1]`, …).
                    let selects = |name: &str| {
                        matches(pattern, name) || list_of(name).is_some_and(|l| matches(pattern, l))
                    };
                    // An index no column holds (pandas' RangeIndex) is no
                    // column to select.
                    let described = reader.index_form().and(reader.index_field());
                    let fields_named = (0..names.len()).filter(|&f| Some(f) != described);
                    fields.extend(fields_named.filter(|&f| selects(&names[f])));
                    if fields.len() == before {
                        return Err(error(format!("no column matches {pattern:?}")));
                    }
                }
            }
        }
        let mut seen = vec![false; width];
        if let Some(&twice) = fields
            .iter()
            .find(|&&f| std::mem::replace(&mut seen[f], true))
        {
            let name = names.map_or_else(
                || format!("field {}", twice + 1),
                |n| format!("{:?}", n[twice]),
            );
            return Err(error(format!("selects {name} twice")));
        }
        // Class names: a list column's elements are named by position.
        let class = |f: usize| reader.class_name(f).to_owned();
        Ok(Selected {
            names: names.map(|_| fields.iter().map(|&f| class(f)).collect()),
            fields,
        })
    }
}

/// The list column that `name` is an element of (`logits[3]` → `logits`).
pub(super) fn list_of(name: &str) -> Option<&str> {
    let (list, index) = name.strip_suffix(']')?.rsplit_once('[')?;
    (!index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())).then_some(list)
}

/// Whether `name` matches `pattern` (`*`: any text, `?`: one character).
fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Greedy matching with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            (i, j) = (i + 1, j + 1);
        } else if i < p.len() && p[i] == '*' {
            (star, mark, i) = (Some(i), j, i + 1);
        } else if let Some(s) = star {
            mark += 1;
            (i, j) = (s + 1, mark);
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// `names` without their common prefix, cut back to a separator (a
/// character that is not a letter or digit): `p_cat`, `p_cow` → `cat`,
/// `cow`.
pub(crate) fn without_common_prefix(names: &[String]) -> Vec<&str> {
    let Some(first) = names.first() else {
        return Vec::new();
    };
    let mut prefix = first.len();
    for name in &names[1..] {
        prefix = first
            .char_indices()
            .zip(name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, c), _)| i + c.len_utf8())
            .min(prefix);
    }
    let cut = first[..prefix]
        .char_indices()
        .rfind(|(_, c)| !c.is_alphanumeric())
        .map_or(0, |(i, c)| i + c.len_utf8());
    names.iter().map(|n| &n[cut..]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_into_names_positions_and_ranges() {
        let spec = parse("p_*, 3, 5-7,cat").unwrap();
        assert_eq!(
            spec.items,
            [
                Item::Name("p_*".into()),
                Item::Range(3, 3),
                Item::Range(5, 7),
                Item::Name("cat".into())
            ]
        );
        assert!(parse("0").is_err());
        assert!(parse("7-5").is_err());
        assert!(parse("a,,b").is_err());
        // Not all digits: a name that happens to hold a dash.
        assert_eq!(parse("x-1").unwrap().items, [Item::Name("x-1".into())]);
    }

    #[test]
    fn wildcards() {
        for (pattern, name, want) in [
            ("p_*", "p_cat", true),
            ("p_*", "y_cat", false),
            ("*_cat", "p_cat", true),
            ("p?", "p1", true),
            ("p?", "p12", false),
            ("*", "", true),
            ("a*b*c", "aXbYbc", true),
            ("a*b*c", "aXbYb", false),
            ("é*", "éa", true),
        ] {
            assert_eq!(matches(pattern, name), want, "{pattern} {name}");
        }
    }

    #[test]
    fn common_prefixes_end_at_a_separator() {
        let strip = |names: &[&str]| {
            let owned: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            without_common_prefix(&owned)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&["p_cat", "p_cow"]), ["cat", "cow"]);
        assert_eq!(strip(&["logit.a", "logit.b"]), ["a", "b"]);
        assert_eq!(strip(&["cat", "cow"]), ["cat", "cow"]);
        assert_eq!(strip(&["p_cat"]), ["cat"]);
    }
}
