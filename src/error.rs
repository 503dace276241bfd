//! The two kinds of error a user can fix.
//!
//! Every problem found in the data becomes an [`InputError`], whose one-line
//! display is `<file>:<line>[:<column>]: <what> (<the text>)` (exit 1). A
//! problem visible from the command line alone is a [`UsageError`] (exit 2),
//! which `main` prints in clap's words with the subcommand's usage line.
//! Everything else travels as `anyhow::Error` and is exit 1.

use std::fmt;
use std::io::Write;

pub use clap::error::ErrorKind as UsageKind;

/// Longest offending text quoted in a message; longer text is cut with `…`.
const MAX_QUOTED_CHARS: usize = 40;

/// A problem at a known place in an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file as the user named it (`<stdin>` for `-`).
    pub file: String,
    /// 1-based line; `None` when the problem concerns the whole file.
    pub line: Option<u64>,
    /// 1-based column: the field number in CSV/TSV, the character column in JSON.
    pub column: Option<u64>,
    /// What is wrong, in a few words.
    pub what: String,
    /// The offending text, already quoted and escaped.
    pub text: Option<String>,
}

impl InputError {
    pub fn new(file: &str, what: impl Into<String>) -> Self {
        InputError {
            file: file.to_owned(),
            line: None,
            column: None,
            what: what.into(),
            text: None,
        }
    }

    pub fn at(mut self, line: u64, column: Option<u64>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }

    /// At `line` when it is known; 0 stands for unknown (a row of a JSON
    /// document, whose parser reports no line per row).
    pub fn at_line_if_known(self, line: u64) -> Self {
        if line > 0 { self.at(line, None) } else { self }
    }

    /// Quotes `bytes` as the offending text: lossy UTF-8, escaped, cut short.
    pub fn text(mut self, bytes: &[u8]) -> Self {
        self.text = Some(quote(bytes));
        self
    }
}

/// Quotes raw bytes for a one-line message: invalid UTF-8 shows as U+FFFD,
/// control characters are escaped, and long text is cut.
pub fn quote(bytes: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(bytes);
    let mut cut: String = lossy.chars().take(MAX_QUOTED_CHARS).collect();
    let truncated = cut.len() < lossy.len();
    if truncated {
        cut.push('…');
    }
    format!("{cut:?}")
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.what)?;
        if let Some(text) = &self.text {
            write!(f, " ({text})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Options that contradict each other or the inputs' kind (`--alpha` with
/// bce, two inputs on stdin), found after clap has parsed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// The subcommand whose usage line goes with the message (`loss`).
    pub subcommand: &'static str,
    /// How clap classifies it.
    pub kind: UsageKind,
    pub message: String,
}

impl UsageError {
    /// A conflict between options, the usual case.
    pub fn new(subcommand: &'static str, message: impl Into<String>) -> Self {
        UsageError {
            subcommand,
            kind: UsageKind::ArgumentConflict,
            message: message.into(),
        }
    }

    /// Something required is missing.
    pub fn missing(subcommand: &'static str, message: impl Into<String>) -> Self {
        UsageError {
            kind: UsageKind::MissingRequiredArgument,
            ..UsageError::new(subcommand, message)
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// Prints `mlloss: warning: {message}` on stderr. Every warning goes
/// through here, so that a stderr whose reader is gone (`mlloss … 2>&1 |
/// head -1`) is treated as a closed stdout is: the line is lost and the
/// command goes on (`eprintln!` would panic).
pub fn warn(message: &str) {
    stderr_line(&format!("mlloss: warning: {message}"));
}

/// Prints `mlloss: note: {message}` on stderr (something true of the
/// result that is no warning), as [`warn`] prints.
pub fn note(message: &str) {
    stderr_line(&format!("mlloss: note: {message}"));
}

/// One line on stderr in one write, a write error ignored.
pub fn stderr_line(line: &str) {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    let _ = std::io::stderr().lock().write_all(&bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_file_line_column_and_text() {
        let e = InputError::new("x.csv", "not a number")
            .at(3, Some(2))
            .text(b"abc");
        assert_eq!(e.to_string(), r#"x.csv:3:2: not a number ("abc")"#);
    }

    #[test]
    fn quote_escapes_and_cuts() {
        assert_eq!(quote(b"a\tb"), r#""a\tb""#);
        assert_eq!(quote(b"\xff"), "\"\u{fffd}\"");
        let long = vec![b'x'; 100];
        assert_eq!(quote(&long).chars().count(), MAX_QUOTED_CHARS + 3);
    }
}
