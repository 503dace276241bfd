//! The registry's metrics as help texts and messages name them: lists
//! made from [`Metric::ALL`] and what each metric declares, so that no
//! text names a metric by hand.

use super::family::{Family, Param};
use super::kinds::Metric;

/// "a", "a and b", "a, b and c" (`last` instead of "and" if asked).
pub fn join(names: &[&str], last: &str) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., final_one] => format!("{} {last} {final_one}", rest.join(", ")),
    }
}

/// The metrics of a family, joined ("roc_auc and average_precision").
pub fn family(family: Family) -> String {
    names(Metric::ALL.iter().filter(|m| m.family() == family), "and")
}

/// The metrics that take `--average`.
pub fn averaged() -> String {
    names(Metric::ALL.iter().filter(|m| m.takes_average()), "and")
}

/// The metrics that take `param`, joined with `last` ("and", "or").
pub fn taking(param: Param, last: &str) -> String {
    let takers: Vec<Metric> = Metric::taking(param).map(|(m, _)| m).collect();
    names(takers.iter(), last)
}

/// `--help` of a metric's parameter: "fbeta's β (required with fbeta)",
/// "ndcg's and precision_at_k's k (required with precision_at_k; ndcg
/// without it uses every class)".
pub fn parameter_help(param: Param, symbol: &str) -> String {
    let takers: Vec<&str> = Metric::taking(param).map(|(m, _)| m.name()).collect();
    let possessive: Vec<String> = takers.iter().map(|n| format!("{n}'s")).collect();
    let possessive: Vec<&str> = possessive.iter().map(String::as_str).collect();
    let required: Vec<&str> = Metric::taking(param)
        .filter(|(_, u)| u.required)
        .map(|(m, _)| m.name())
        .collect();
    let mut notes = Vec::new();
    if !required.is_empty() {
        notes.push(format!("required with {}", join(&required, "and")));
    }
    notes.extend(Metric::taking(param).filter_map(|(_, u)| u.without.map(str::to_owned)));
    let mut help = format!("{} {symbol}", join(&possessive, "and"));
    if !notes.is_empty() {
        help.push_str(&format!(" ({})", notes.join("; ")));
    }
    help
}

/// `--metric`'s list, after the examples of `--help`, wrapped at 100
/// columns.
pub fn metric_list() -> String {
    let mut text = String::from("Metrics (--metric):");
    let mut line = text.len();
    for (i, m) in Metric::ALL.iter().enumerate() {
        let end = if i + 1 == Metric::ALL.len() { "." } else { "," };
        let word = format!("{}{end}", m.name());
        let width = word.chars().count();
        if line + 1 + width > 100 {
            text.push('\n');
            line = 0;
        } else {
            text.push(' ');
            line += 1;
        }
        text.push_str(&word);
        line += width;
    }
    text
}

/// The default of `--metric`: comma-separated names.
pub fn defaults() -> String {
    let names: Vec<&str> = Metric::DEFAULTS.iter().map(|m| m.name()).collect();
    names.join(",")
}

fn names<'a>(metrics: impl Iterator<Item = &'a Metric>, last: &str) -> String {
    let names: Vec<&str> = metrics.map(|m| m.name()).collect();
    join(&names, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(join(&[], "and"), "");
        assert_eq!(join(&["a"], "and"), "a");
        assert_eq!(join(&["a", "b"], "or"), "a or b");
        assert_eq!(join(&["a", "b", "c"], "and"), "a, b and c");
    }
}
