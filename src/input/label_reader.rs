//! Label lists in any format, one sample at a time ([`LabelReader`]).

use super::Source;
use super::formats::Format;
use super::labels::{LabelLayout, LabelSource, Sample};
use crate::error::InputError;

/// Label lists (binarize's input), one sample at a time.
pub struct LabelReader {
    file: String,
    separator: Option<String>,
    source: Box<dyn LabelSource>,
}

impl LabelReader {
    /// Opens `source` as label lists in `format`, unless its first bytes
    /// say it is another.
    pub fn open(source: &Source, format: Format, layout: &LabelLayout) -> Result<Self, InputError> {
        Ok(LabelReader {
            file: source.name(),
            separator: layout.separator.clone().filter(|s| !s.is_empty()),
            source: format.open_labels(source, layout)?,
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next sample into `sample`; `false` at the end.
    pub fn next_sample(&mut self, sample: &mut Sample) -> Result<bool, InputError> {
        sample.clear();
        self.source.next_sample(sample, self.separator.as_deref())
    }
}
