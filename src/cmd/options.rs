//! Options that `loss` and `metrics` share: how their input tables are
//! read and paired, and the parsers of values both take.

use std::num::NonZeroUsize;

use crate::input::{Delimiter, Dialect, Format, HeaderMode};

/// How the input tables are read, and their rows paired.
#[derive(Debug, clap::Args)]
pub struct TableArgs {
    /// Pair rows by this column's value (in every input read row by row).
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,

    /// Whether the inputs' first line is a header of column names: auto (text, or pandas' names 0,1,…
    /// where the files tell), yes, no; or two, for LOGITS and TARGETS (yes,no).
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = InputHeader::parse)]
    pub input_header: InputHeader,

    /// What separates fields in CSV inputs, instead of the format's: one character; ' ' means runs of
    /// blanks (np.savetxt's default, also recognised without it).
    #[arg(long, value_name = "C", value_parser = Delimiter::parse, allow_hyphen_values = true)]
    pub delimiter: Option<Delimiter>,

    /// Say on stderr how each input was read: its format and what told it, whether its first line is a
    /// header and why, its index column, how columns and rows were paired, and the rows read.
    #[arg(long)]
    pub explain: bool,

    /// Input format of all inputs, instead of guessing from the extension (stdin: csv).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
}

impl TableArgs {
    /// How LOGITS (and a weight file) is written.
    pub fn dialect(&self) -> Dialect {
        Dialect {
            header: self.input_header.logits,
            delimiter: self.delimiter,
        }
    }

    /// How TARGETS is written.
    pub fn targets_dialect(&self) -> Dialect {
        Dialect {
            header: self.input_header.targets,
            ..self.dialect()
        }
    }
}

/// `--input-header`: one answer for every input, or LOGITS' and TARGETS'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputHeader {
    pub logits: HeaderMode,
    pub targets: HeaderMode,
}

impl InputHeader {
    pub fn parse(text: &str) -> Result<InputHeader, String> {
        let mode = |word: &str| {
            <HeaderMode as clap::ValueEnum>::from_str(word.trim(), true)
                .map_err(|_| format!("{word:?} is not auto, yes or no"))
        };
        match text.split_once(',') {
            None => {
                let both = mode(text)?;
                Ok(InputHeader {
                    logits: both,
                    targets: both,
                })
            }
            Some((logits, targets)) => Ok(InputHeader {
                logits: mode(logits)?,
                targets: mode(targets)?,
            }),
        }
    }
}

/// The most threads `-j` may ask for: far more than any machine's cores,
/// and few enough that their stacks are always there to be had (200,000
/// once aborted the process while the threads started).
pub const MAX_THREADS: usize = 1024;

/// The threads to run: `-j N`, else one per core.
pub fn thread_count(threads: Option<NonZeroUsize>) -> usize {
    threads
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get)
}

/// `-j N`.
pub fn parse_threads(text: &str) -> Result<NonZeroUsize, String> {
    let n: NonZeroUsize = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of threads (1–{MAX_THREADS})"))?;
    if n.get() > MAX_THREADS {
        return Err(format!("at most {MAX_THREADS} threads"));
    }
    Ok(n)
}

/// `--ignore-value V`: a number, `nan`, or `null`, which in a typed table
/// is read as NaN (as pandas reads a missing value), so it is NaN's marker.
/// `--zero-division` (metrics, report): 0, 1 or nan, as scikit-learn's
/// `zero_division=`.
pub fn parse_zero_division(text: &str) -> Result<f64, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "0" | "0.0" => Ok(0.0),
        "1" | "1.0" => Ok(1.0),
        "nan" => Ok(f64::NAN),
        _ => Err(format!("{text:?} is not 0, 1 or nan")),
    }
}

pub fn parse_ignore_value(text: &str) -> Result<f64, String> {
    if text.eq_ignore_ascii_case("null") {
        return Ok(f64::NAN);
    }
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("{text:?} is not a number, nan or null"))
}
