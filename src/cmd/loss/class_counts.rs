//! `--class-counts c1,…,cC | FILE`: the number of training samples of
//! each class, as a list on the command line or in a file. A FILE holds
//! the counts separated by commas, spaces or line breaks — one per line, a
//! CSV line, or a JSON list `[c1, …, cC]` (also NumPy's printed `[c1 c2 …]`).
//! An argument that names an existing file is that file; anything else is
//! a list.

use crate::error::{InputError, UsageError};
use crate::input::Source;

/// Reads `text`, the value of `--<option>`: the counts it lists, or those
/// of the file it names.
pub(super) fn read(option: &str, text: &str) -> anyhow::Result<Vec<u64>> {
    let path = std::path::Path::new(text);
    // Not stdin (`-`), which LOGITS or TARGETS may be: a FILE is a file.
    if !path.is_file() {
        return parse_list(text).map_err(|problem| {
            let message = format!(
                "--{option} {text:?} is neither an existing FILE nor counts c1,…,cC ({problem})"
            );
            UsageError::new("loss", message).into()
        });
    }
    let source = Source::from_arg(path);
    let name = source.name();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut *source.open()?, &mut bytes)
        .map_err(|e| crate::input::read_error(&name, &e))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| InputError::new(&name, format!("invalid UTF-8 (--{option})")))?;
    read_file_text(text.strip_prefix('\u{feff}').unwrap_or(text), &name, option)
}

/// The counts of a FILE's text, an error at the line and column of the
/// first that is not a count.
fn read_file_text(text: &str, name: &str, option: &str) -> anyhow::Result<Vec<u64>> {
    let body = text.trim();
    let bracketed = body.starts_with('[') && body.ends_with(']') && body.len() >= 2;
    let mut counts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let separator = |c: char| c == ',' || c.is_whitespace() || c == '[' || c == ']';
        for token in line.split(separator).filter(|t| !t.is_empty()) {
            // The character column of the token, for the error.
            let offset = token.as_ptr() as usize - line.as_ptr() as usize;
            let column = line[..offset].chars().count() as u64 + 1;
            let count = parse_count(token).ok_or_else(|| {
                let what = format!("not a count, a whole number ≥ 0 (--{option})");
                InputError::new(name, what)
                    .at(i as u64 + 1, Some(column))
                    .text(token.as_bytes())
            })?;
            counts.push(count);
        }
    }
    if !bracketed && (body.contains('[') || body.contains(']')) {
        let what = format!("an unclosed list (--{option}: a JSON list is [c1, …, cC])");
        return Err(InputError::new(name, what).into());
    }
    if counts.is_empty() {
        return Err(InputError::new(name, format!("no counts (--{option})")).into());
    }
    Ok(counts)
}

/// The counts of a list given on the command line.
fn parse_list(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            parse_count(item).ok_or_else(|| format!("{item:?} is not a whole number ≥ 0"))
        })
        .collect()
}

/// One count: a whole number ≥ 0, also written as a float (`1128.0`, as
/// NumPy prints a float array of counts).
fn parse_count(token: &str) -> Option<u64> {
    if let Ok(count) = token.parse::<u64>() {
        return Some(count);
    }
    match token.parse::<f64>() {
        // Up to 2^53 a float names one integer exactly.
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 => Some(v as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_file_texts() {
        assert_eq!(parse_list("10, 3,7"), Ok(vec![10, 3, 7]));
        assert_eq!(parse_list("4.0"), Ok(vec![4]));
        assert!(parse_list("1,-2").is_err());
        assert!(parse_list("1,2.5").is_err());
        assert!(parse_list("1,,2").is_err());
        let read = |text: &str| read_file_text(text, "f", "class-counts");
        assert_eq!(read("1\n2\r\n3\n").unwrap(), [1, 2, 3]);
        assert_eq!(read("[1128, 37, 276]").unwrap(), [1128, 37, 276]);
        assert_eq!(read("[1128   37\n 276]\n").unwrap(), [1128, 37, 276]);
        assert_eq!(read("5,6\n").unwrap(), [5, 6]);
        let bad = read("1\n2\nx\n").unwrap_err().to_string();
        assert!(bad.starts_with("f:3:1: not a count"), "{bad}");
        assert!(read("\n").is_err());
        assert!(read("[1, 2").is_err());
    }
}
