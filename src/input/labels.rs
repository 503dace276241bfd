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
    #[inline]
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.labels.clear();
    }

    #[inline]
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

#[inline]
pub(crate) fn push_split(
    sample: &mut Sample,
    text: &str,
    column: u64,
    kind: LabelKind,
    separator: Option<&str>,
) {
    let Some(sep) = separator else {
        return sample.push(text, column, kind);
    };
    match sep.as_bytes() {
        // One ASCII byte (`|`, `;`, the usual): the memchr crate's search,
        // and slices at its positions (always char boundaries); std's
        // substring search cost binarize 10-15% more instructions.
        &[byte] => {
            let mut start = 0;
            for end in memchr::memchr_iter(byte, text.as_bytes()) {
                sample.push(&text[start..end], column, kind);
                start = end + 1;
            }
            sample.push(&text[start..], column, kind);
        }
        _ => text
            .split(sep)
            .for_each(|label| sample.push(label, column, kind)),
    }
}
