//! JSON Lines of sparse rows, one object a line:
//!
//! - top-k predictions (`--format topk-jsonl`): `{"indices": [..],
//!   "scores": [..]}`, two lists of one length (shorter than k is fine: the
//!   missing places are misses); read as scores only;
//! - fastxml's output (`--format fastxml`): `{"labels": [true labels],
//!   "predict": [["17", 0.8], …]}`, labels as integers or strings of
//!   integers, in any order. The file holds both sides: read as
//!   [`SparseSide::Targets`] it gives `labels`, as
//!   [`SparseSide::Scores`] `predict` (open it twice, once a side).
//!
//! Other keys are ignored. A blank line is an error (a sample is an
//! object), as is a line without the keys its side needs.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::rows::{LineInput, LineKind, RowCheck, SparseRow, SparseSide, SparseSource};
use crate::error::InputError;
use crate::input::json_error;

/// A label index as JSON writes it: an integer, or a string of one
/// (fastxml writes its labels as strings).
#[derive(Debug, Clone, Copy)]
struct LabelIndex(i128);

impl<'de> Deserialize<'de> for LabelIndex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LabelIndexVisitor)
    }
}

struct LabelIndexVisitor;

impl Visitor<'_> for LabelIndexVisitor {
    type Value = LabelIndex;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a label index (an integer, or a string of one)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LabelIndex, E> {
        Ok(LabelIndex(i128::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LabelIndex, E> {
        Ok(LabelIndex(i128::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LabelIndex, E> {
        super::text::parse_integer(v.trim().as_bytes())
            .map(LabelIndex)
            .ok_or_else(|| E::custom(format!("label {v:?} is no integer")))
    }
}

/// One line: the keys of both layouts, each optional.
#[derive(Deserialize)]
struct Line {
    indices: Option<Vec<LabelIndex>>,
    scores: Option<Vec<f64>>,
    labels: Option<Vec<LabelIndex>>,
    predict: Option<Vec<(LabelIndex, f64)>>,
}

/// The layout of a first line that is a JSON object, by its keys.
pub(super) fn kind_of_line(line: &[u8], file: &str) -> Result<LineKind, InputError> {
    let parsed: Line = serde_json::from_slice(line).map_err(|e| json_error(file, &e, 1))?;
    if parsed.indices.is_some() || parsed.scores.is_some() {
        Ok(LineKind::TopkJsonl)
    } else if parsed.predict.is_some() || parsed.labels.is_some() {
        Ok(LineKind::Fastxml)
    } else {
        Err(InputError::new(
            file,
            "a JSON object with none of the keys of sparse rows (\"indices\" and \"scores\" of \
             top-k JSONL, \"labels\" and \"predict\" of fastxml)",
        )
        .at(1, None))
    }
}

struct JsonRows {
    kind: LineKind,
    input: LineInput,
    check: RowCheck,
    side: SparseSide,
    buffer: Vec<u8>,
}

pub(super) fn open(
    kind: LineKind,
    input: LineInput,
    check: RowCheck,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    if kind == LineKind::TopkJsonl && side == SparseSide::Targets {
        let what = "top-k JSONL (\"indices\" and \"scores\") holds predictions, not true labels \
                    (fastxml's JSONL holds both: \"labels\" and \"predict\")";
        return Err(InputError::new(&input.file, what));
    }
    Ok(Box::new(JsonRows {
        kind,
        input,
        check,
        side,
        buffer: Vec::new(),
    }))
}

impl SparseSource for JsonRows {
    fn next_row(&mut self, row: &mut SparseRow) -> Result<bool, InputError> {
        if !self.input.next_line(&mut self.buffer)? {
            return Ok(false);
        }
        let line = self.input.line;
        row.clear(line);
        let file = &self.input.file;
        let parsed: Line =
            serde_json::from_slice(&self.buffer).map_err(|e| json_error(file, &e, line))?;
        let missing = |keys: &str| {
            Err(InputError::new(file, format!("a line without {keys}")).at(line, None))
        };
        match (self.kind, self.side) {
            (LineKind::Fastxml, SparseSide::Targets) => {
                let Some(labels) = parsed.labels else {
                    return missing("\"labels\" (the true labels of fastxml's JSONL)");
                };
                for label in labels {
                    row.indices.push(self.check.index(label.0, line, None)?);
                }
            }
            (LineKind::Fastxml, SparseSide::Scores) => {
                let Some(predict) = parsed.predict else {
                    return missing("\"predict\" (fastxml's [label, score] pairs)");
                };
                for (label, score) in predict {
                    row.indices.push(self.check.index(label.0, line, None)?);
                    row.values.push(score);
                }
            }
            _ => {
                let (Some(indices), Some(scores)) = (parsed.indices, parsed.scores) else {
                    return missing("both \"indices\" and \"scores\"");
                };
                if indices.len() != scores.len() {
                    let what = format!(
                        "{} indices but {} scores (each index needs its score)",
                        indices.len(),
                        scores.len()
                    );
                    return Err(InputError::new(file, what).at(line, None));
                }
                for index in indices {
                    row.indices.push(self.check.index(index.0, line, None)?);
                }
                row.values = scores;
            }
        }
        self.check.distinct(row)?;
        Ok(true)
    }

    fn labels(&self) -> Option<u64> {
        self.check.labels
    }

    fn rows(&self) -> Option<u64> {
        None
    }

    fn format_name(&self) -> &'static str {
        match self.kind {
            LineKind::Fastxml => "fastxml",
            _ => "topk-jsonl",
        }
    }
}
