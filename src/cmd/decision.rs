//! The decision options shared by every command that decides (`metrics`,
//! `report`, `binarize --inverse`): `--threshold T` or `T1,…,TC`,
//! `--threshold-file FILE`, `--top-k K`, and the threshold file's reader.
//!
//! A threshold file is CSV or TSV with a header line, a JSON array of
//! objects, or JSON Lines: column `class` (a class's name as in SCORES'
//! header, else its 0-based index) and `threshold` (a probability) and/or
//! `logit_threshold` (any number, ±inf included; logits only). With both,
//! logits read `logit_threshold` and probabilities `threshold`. Other
//! columns are ignored (`tune` writes its objective, precision, recall and
//! support too). Every class exactly once.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{InputError, UsageError};
use crate::input::csv::RecordReader;
use crate::metrics::decision::DecisionExtras;
use crate::metrics::{ClassThreshold, Scores};

/// `--threshold-file` and `--top-k`, flattened into each command that
/// decides (each keeps its own `--threshold`, whose help and domain
/// differ).
#[derive(Debug, Clone, clap::Args)]
pub struct DecisionArgs {
    /// Per-class thresholds from FILE (CSV/TSV/JSON/JSONL, columns class and threshold or
    /// logit_threshold, as `mlloss tune -o` writes them).
    #[arg(long, value_name = "FILE", conflicts_with = "threshold")]
    pub threshold_file: Option<PathBuf>,

    /// Predict each sample's K highest-scoring classes (ties in class order); with --threshold or
    /// --threshold-file, only where the threshold holds too.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub top_k: Option<u64>,
}

/// `--threshold T` or `--threshold T1,…,TC`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdList(pub Vec<f64>);

/// Parses `T` or `T1,…,TC`: numbers, none NaN (a NaN threshold would
/// predict nothing).
pub fn parse_thresholds(text: &str) -> Result<ThresholdList, String> {
    let mut values = Vec::new();
    for part in text.split(',') {
        match part.trim().parse::<f64>() {
            Ok(t) if !t.is_nan() => values.push(t),
            _ => return Err(format!("{:?} is not a number to compare values with", part)),
        }
    }
    Ok(ThresholdList(values))
}

/// The decision settled against the classes: the one threshold (or the
/// default) and what the rule adds.
pub struct Settled {
    pub threshold: f64,
    pub extras: DecisionExtras,
}

/// Settles `--threshold` (`given`, or `default`), `--threshold-file` and
/// `--top-k` for `classes` of `scores`. `probability` says that
/// thresholds are probabilities in [0, 1] (`metrics`, `report`; `binarize`
/// compares any number).
pub fn settle(
    command: &'static str,
    given: Option<&ThresholdList>,
    default: f64,
    args: &DecisionArgs,
    classes: &[String],
    scores: Scores,
    probability: bool,
) -> anyhow::Result<Settled> {
    let usage = |m: String| UsageError::new(command, m);
    let mut settled = Settled {
        threshold: default,
        extras: DecisionExtras {
            top_k: args.top_k.map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
            no_threshold: args.top_k.is_some() && given.is_none() && args.threshold_file.is_none(),
            class_thresholds: None,
        },
    };
    if let Some(ThresholdList(list)) = given {
        if probability && let Some(t) = list.iter().find(|t| !(0.0..=1.0).contains(*t)) {
            return Err(usage(format!("--threshold is a probability in [0, 1], not {t}")).into());
        }
        match list.as_slice() {
            [t] => settled.threshold = *t,
            _ if list.len() != classes.len() => {
                return Err(usage(format!(
                    "--threshold gives {} thresholds, but there are {} classes: one, or one per \
                     class",
                    list.len(),
                    classes.len()
                ))
                .into());
            }
            _ => {
                let cuts = list.iter().map(|&t| ClassThreshold::Threshold(t));
                settled.extras.class_thresholds = Some(cuts.collect());
            }
        }
    }
    if let Some(path) = &args.threshold_file {
        let cuts = read_threshold_file(path, classes, scores)?;
        settled.extras.class_thresholds = Some(cuts);
    }
    Ok(settled)
}

/// One row of a threshold file: where it is, its class, and its two
/// columns as text (absent: `None`).
struct FileRow {
    line: u64,
    class: String,
    /// (column, text) of `threshold` and of `logit_threshold`.
    threshold: Option<(u64, String)>,
    logit: Option<(u64, String)>,
}

/// Reads a threshold file: one threshold per class of `classes`, in their
/// order, for `scores`.
pub fn read_threshold_file(
    path: &Path,
    classes: &[String],
    scores: Scores,
) -> anyhow::Result<Vec<ClassThreshold>> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(&file, format!("cannot read the threshold file: {e}")))?;
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let rows = match start.map(|i| bytes[i]) {
        Some(b'[') => json_rows(&file, &bytes, false)?,
        Some(b'{') => json_rows(&file, &bytes, true)?,
        _ => {
            let tsv = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("tsv" | "tab" | "TSV")
            );
            delimited_rows(&file, &bytes, if tsv { b'\t' } else { b',' })?
        }
    };
    assign(&file, rows, classes, scores)
}

/// The rows of a CSV/TSV threshold file (header line first).
fn delimited_rows(file: &str, bytes: &[u8], delimiter: u8) -> anyhow::Result<Vec<FileRow>> {
    let mut records = RecordReader::new(bytes, file, delimiter);
    if !records.next_record()? {
        return Err(InputError::new(
            file,
            "empty: a threshold file starts with a header line (class,threshold)",
        )
        .into());
    }
    let names: Vec<String> = (0..records.field_count())
        .map(|i| String::from_utf8_lossy(records.field(i)).trim().to_owned())
        .collect();
    let find = |name: &str| names.iter().position(|n| n == name);
    let class = find("class").ok_or_else(|| {
        InputError::new(file, "no column `class` in the header line").at(records.line(), None)
    })?;
    let (threshold, logit) = (find("threshold"), find("logit_threshold"));
    if threshold.is_none() && logit.is_none() {
        let what = "no column `threshold` or `logit_threshold` in the header line";
        return Err(InputError::new(file, what).at(records.line(), None).into());
    }
    let mut rows = Vec::new();
    while records.next_record()? {
        if records.field_count() == 0 {
            continue;
        }
        let cell = |i: usize| {
            (i < records.field_count()).then(|| {
                (
                    i as u64 + 1,
                    String::from_utf8_lossy(records.field(i)).trim().to_owned(),
                )
            })
        };
        let Some((_, class_name)) = cell(class) else {
            let what = format!("no field {} (class)", class + 1);
            return Err(InputError::new(file, what).at(records.line(), None).into());
        };
        rows.push(FileRow {
            line: records.line(),
            class: class_name,
            threshold: threshold.and_then(cell),
            logit: logit.and_then(cell),
        });
    }
    Ok(rows)
}

/// The rows of a JSON array of objects, or of JSON Lines (`lines`).
fn json_rows(file: &str, bytes: &[u8], lines: bool) -> anyhow::Result<Vec<FileRow>> {
    let bad = |line: u64, e: &dyn std::fmt::Display| {
        let error = InputError::new(file, format!("not a threshold file's JSON ({e})"));
        if line > 0 {
            error.at(line, None)
        } else {
            error
        }
    };
    let objects: Vec<(u64, serde_json::Value)> = if lines {
        let mut objects = Vec::new();
        for (i, line) in bytes.lines().enumerate() {
            let line = line.map_err(|e| bad(i as u64 + 1, &e))?;
            if line.trim().is_empty() {
                continue;
            }
            let value = serde_json::from_str(&line).map_err(|e| bad(i as u64 + 1, &e))?;
            objects.push((i as u64 + 1, value));
        }
        objects
    } else {
        let values: Vec<serde_json::Value> =
            serde_json::from_slice(bytes).map_err(|e| bad(e.line() as u64, &e))?;
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u64 + 1, v))
            .collect()
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    let mut rows = Vec::new();
    for (place, value) in objects {
        let Some(object) = value.as_object() else {
            return Err(bad(
                place,
                &"each row is an object {\"class\": …, \"threshold\": …}",
            )
            .into());
        };
        let Some(class) = object.get("class") else {
            return Err(bad(place, &"an object without \"class\"").into());
        };
        rows.push(FileRow {
            line: place,
            class: text(class),
            threshold: object.get("threshold").map(|v| (0, text(v))),
            logit: object.get("logit_threshold").map(|v| (0, text(v))),
        });
    }
    Ok(rows)
}

/// Each class's threshold from the rows: every class exactly once.
fn assign(
    file: &str,
    rows: Vec<FileRow>,
    classes: &[String],
    scores: Scores,
) -> anyhow::Result<Vec<ClassThreshold>> {
    let index: std::collections::HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(j, c)| (c.as_str(), j))
        .collect();
    let mut found: Vec<Option<ClassThreshold>> = vec![None; classes.len()];
    for row in rows {
        let at = |column: u64, what: String| {
            let error = InputError::new(file, what).at(row.line, (column > 0).then_some(column));
            anyhow::Error::from(error)
        };
        let Some(&j) = index.get(row.class.as_str()) else {
            return Err(at(
                0,
                format!("unknown class {:?}: not one of SCORES' classes", row.class),
            ));
        };
        if found[j].is_some() {
            return Err(at(0, format!("class {:?} is given twice", row.class)));
        }
        let cut = match (scores, &row.logit, &row.threshold) {
            (Scores::Logits, Some((column, text)), _) => {
                let t =
                    number(text).ok_or_else(|| at(*column, bad_number(text, "logit_threshold")))?;
                ClassThreshold::LogitThreshold(t)
            }
            (_, _, Some((column, text))) => {
                let t = number(text)
                    .filter(|t| (0.0..=1.0).contains(t))
                    .ok_or_else(|| at(*column, bad_number(text, "threshold")))?;
                ClassThreshold::Threshold(t)
            }
            (Scores::Probs, Some((column, _)), None) => {
                let what = "only a logit_threshold, which applies to logits: give a threshold \
                            column for --scores probs, or use --scores logits";
                return Err(at(*column, what.to_owned()));
            }
            (_, None, None) => {
                return Err(at(0, format!("no threshold for class {:?}", row.class)));
            }
        };
        found[j] = Some(cut);
    }
    let missing: Vec<&str> = (classes.iter().zip(&found))
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !missing.is_empty() {
        let what = format!(
            "no threshold for class{} {} (every class of SCORES needs one)",
            if missing.len() == 1 { "" } else { "es" },
            missing
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Err(InputError::new(file, what).into());
    }
    Ok(found
        .into_iter()
        .map(|f| f.expect("every class found"))
        .collect())
}

/// A threshold's number: decimal, or inf/-inf/infinity; not NaN.
fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|t| !t.is_nan())
}

fn bad_number(text: &str, column: &str) -> String {
    if column == "threshold" {
        format!("{text:?} is not a {column}: a probability in [0, 1]")
    } else {
        format!("{text:?} is not a {column}: a number (inf and -inf allowed, not NaN)")
    }
}
