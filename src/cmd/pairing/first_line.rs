//! Whether a first line `0,1,…,C−1` is pandas' default column names or a
//! first sample, when the file alone does not tell (see
//! `input::first_line`): the two inputs settle it together.
//!
//! - Where both are files and the other's rows can be counted (a text
//!   table, an array): the counts tell. One line more than the other's
//!   rows is a header; as many is data.
//! - Otherwise (a stream cannot be counted ahead), beside pandas' names
//!   for the same classes: refused naming `--input-header`; beside data
//!   or other names: data. Had it been a header, the two inputs' rows
//!   would not pair, which is an error, not a silent misreading.
//! - The same line on both sides, each of which could be data: refused
//!   naming `--input-header` (both readings pair).

use std::io::BufRead;

use crate::error::{InputError, UsageError};
use crate::input::{HeaderWhy, MatrixReader, Source, read_error};

/// Settles the first lines of two inputs read side by side (LOGITS and
/// TARGETS, or LOGITS and a weight file), read from `sources`.
pub(crate) fn settle(
    command: &'static str,
    readers: [&mut MatrixReader; 2],
    sources: [&Source; 2],
) -> anyhow::Result<()> {
    let [a, b] = readers;
    match (a.header_candidate(), b.header_candidate()) {
        (None, None) => {}
        (Some(x), Some(y)) if x == y => {
            let what = format!(
                "{} and {} both begin with the line {}: pandas' default column names, or a first sample? \
                 --input-header yes reads it as names, --input-header no as data",
                a.file(),
                b.file(),
                x.join(",")
            );
            return Err(UsageError::new(command, what).into());
        }
        (Some(_), Some(_)) => {
            // Of different widths: they cannot pair either way.
            a.settle_candidate(HeaderWhy::CandidateAsData);
            b.settle_candidate(HeaderWhy::CandidateAsData);
        }
        (Some(_), None) => {
            let why = beside(command, [&*a, &*b], [sources[0], sources[1]], 0, same_rows)?;
            a.settle_candidate(why);
        }
        (None, Some(_)) => {
            let why = beside(command, [&*b, &*a], [sources[1], sources[0]], 1, same_rows)?;
            b.settle_candidate(why);
        }
    }
    Ok(())
}

/// Settles the first line of a weight file read beside `logits` (whose
/// own is settled): one row of per-class weights under pandas' names, or
/// one row a sample.
pub(crate) fn settle_weights(
    command: &'static str,
    logits: &MatrixReader,
    weights: &mut MatrixReader,
    sources: [&Source; 2],
) -> anyhow::Result<()> {
    if weights.header_candidate().is_none() {
        return Ok(());
    }
    // Two lines beside other than two samples: names over the one row.
    let per_class_or_sample = |lines: u64, rows: u64| match (lines, rows) {
        (2, rows) if rows != 2 => Some(HeaderWhy::PandasByCount),
        _ => same_rows(lines, rows),
    };
    let why = beside(
        command,
        [&*weights, logits],
        [sources[1], sources[0]],
        2,
        per_class_or_sample,
    )?;
    weights.settle_candidate(why);
    Ok(())
}

/// Counts of two inputs read row by row: the candidate is a header when
/// it has one line more than the other's rows, data with as many.
fn same_rows(lines: u64, rows: u64) -> Option<HeaderWhy> {
    if lines == rows + 1 {
        Some(HeaderWhy::PandasByCount)
    } else {
        (lines == rows).then_some(HeaderWhy::DataByCount)
    }
}

/// Settles the first line of an input that has no partner to tell (one
/// file holding both, LOGITS beside label lists): refused if it could be
/// either.
pub(crate) fn settle_alone(
    command: &'static str,
    reader: &mut MatrixReader,
) -> Result<(), UsageError> {
    match reader.header_candidate() {
        None => Ok(()),
        Some(names) => Err(UsageError::new(
            command,
            format!(
                "{} begins with the line {}: pandas' default column names, or a first sample? \
                 --input-header yes reads it as names, --input-header no as data",
                reader.file(),
                names.join(",")
            ),
        )),
    }
}

/// How the candidate line of `readers[0]` is taken beside `readers[1]`,
/// whose first line is settled; `position` is the candidate's place on
/// the command line (0: LOGITS, 1: TARGETS, 2: a weight file), for the
/// option that settles it.
fn beside(
    command: &'static str,
    [candidate, other]: [&MatrixReader; 2],
    sources: [&Source; 2],
    position: usize,
    by_count: impl Fn(u64, u64) -> Option<HeaderWhy>,
) -> anyhow::Result<HeaderWhy> {
    let names = candidate.header_candidate().unwrap_or_default();
    let pandas = matches!(
        other.header_why(),
        Some(
            HeaderWhy::PandasIndexed
                | HeaderWhy::PandasOutOfDomain
                | HeaderWhy::PandasAboveFloats
                | HeaderWhy::PandasByCount
        )
    );
    let classes = other.header_names().map(|all| match all.split_first() {
        Some((index, rest)) if index.is_empty() => rest,
        _ => all,
    });
    let same_names = pandas && classes == Some(names);
    let other_rows = match (other.dims(), other.header_why()) {
        (Some(dims), _) => Some(
            dims.split_last()
                .map_or(1, |(_, lead)| lead.iter().product()),
        ),
        (None, Some(why)) if sources[1].is_regular_file() => {
            Some(count_lines(sources[1])?.saturating_sub(u64::from(why.is_header())) as usize)
        }
        _ => None,
    };
    let counted = other_rows
        .filter(|_| sources[0].is_regular_file())
        .map(|rows| Ok::<_, InputError>((count_lines(sources[0])?, rows as u64)))
        .transpose()?;
    if let Some((lines, rows)) = counted {
        // A count that pairs neither way is reported as rows without a
        // partner.
        return Ok(by_count(lines, rows).unwrap_or(HeaderWhy::CandidateAsData));
    }
    // An input beside other names or data could not pair with a header
    // of these names.
    if !same_names {
        return Ok(HeaderWhy::CandidateAsData);
    }
    let fix = match position {
        0 => "--input-header yes,yes reads both as names, --input-header no,yes reads it as data"
            .to_owned(),
        1 => "--input-header yes,yes reads both as names, --input-header yes,no reads it as data"
            .to_owned(),
        // A weight file takes LOGITS' --input-header: no spelling of it
        // reads the two apart.
        _ => {
            "write the weights under names of text (pd.DataFrame([w], columns=names)), or as a .npy"
                .to_owned()
        }
    };
    let what = format!(
        "{} begins with the line {}, and {} with pandas' default column names {}: names, or a \
         first sample? {fix}",
        candidate.file(),
        names.join(","),
        other.file(),
        names.join(","),
    );
    Err(UsageError::new(command, what).into())
}

/// The lines of a text input (a last line without its line end counts).
pub(crate) fn count_lines(source: &Source) -> Result<u64, InputError> {
    let name = source.name();
    let mut reader = source.open()?;
    let (mut count, mut last) = (0u64, b'\n');
    loop {
        let buffer = reader.fill_buf().map_err(|e| read_error(&name, &e))?;
        let Some(&end) = buffer.last() else { break };
        count += memchr::memchr_iter(b'\n', buffer).count() as u64;
        last = end;
        let n = buffer.len();
        reader.consume(n);
    }
    Ok(count + u64::from(last != b'\n'))
}
