//! Label lists (binarize's input, `--target-labels`), one sample at a
//! time: what a format's reader of label lists ([`LabelSource`]) fills.

use crate::error::InputError;
use crate::label::{Label, LabelKind};

/// How label lists are laid out.
#[derive(Debug, Clone, Default)]
pub struct LabelLayout {
    /// Take the labels from this column of a CSV/TSV with a header row.
    pub column: Option<String>,
    /// Split each field into several labels at this separator.
    pub separator: Option<String>,
}

/// One sample's labels: trimmed, non-empty, in input order (duplicates kept).
#[derive(Debug, Default, Clone)]
pub struct Sample {
    text: String,
    /// Byte range of each label in `text`, its 1-based column, its type.
    labels: Vec<(usize, usize, u64, LabelKind)>,
    /// The line on which the sample starts.
    pub line: u64,
}

impl Sample {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.labels.clear();
    }

    pub(super) fn push(&mut self, label: &str, column: u64, kind: LabelKind) {
        let label = label.trim();
        if label.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(label);
        self.labels.push((start, self.text.len(), column, kind));
    }

    /// Labels with the column they came from.
    pub fn labels(&self) -> impl Iterator<Item = (Label<'_>, u64)> {
        self.labels.iter().map(|&(start, end, column, kind)| {
            let text = &self.text[start..end];
            (Label { text, kind }, column)
        })
    }
}

/// One format's reader of label lists.
pub(crate) trait LabelSource: Send {
    /// Reads the next sample into `sample` (cleared), each field split at
    /// `separator` when given; `false` at the end.
    fn next_sample(
        &mut self,
        sample: &mut Sample,
        separator: Option<&str>,
    ) -> Result<bool, InputError>;
}

pub(crate) fn push_split(
    sample: &mut Sample,
    text: &str,
    column: u64,
    kind: LabelKind,
    separator: Option<&str>,
) {
    match separator {
        Some(sep) => text
            .split(sep)
            .for_each(|label| sample.push(label, column, kind)),
        None => sample.push(text, column, kind),
    }
}
