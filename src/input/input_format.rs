//! What an input format is: the [`InputFormat`] each format's module
//! implements and `formats.rs` registers.

use super::columns::MatrixInfo;
use super::labels::{LabelLayout, LabelSource};
use super::source::MatrixSource;
use super::sparse::rows::{LineInput, RowCheck, SparseSide, SparseSource};
use super::{Dialect, Opened, Source};
use crate::error::InputError;

/// One input format.
pub(crate) trait InputFormat: Sync {
    /// `--format`'s value.
    fn name(&self) -> &'static str;

    /// Other values `--format` takes for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// What it is, in one line for `--format`'s help (no final stop).
    fn help(&self) -> &'static str;

    /// Its name in messages and `--explain` (`CSV`, `NumPy .npy`).
    fn title(&self) -> &'static str;

    /// The file extensions (lower case, no dot) that choose it.
    fn extensions(&self) -> &'static [&'static str];

    /// The bytes its content starts with. They decide the format whatever
    /// the extension or `--format` say.
    fn magics(&self) -> &'static [&'static [u8]] {
        &[]
    }

    /// For a format that always starts with one of its magics: what an
    /// input chosen as it (by `--format` or the extension) that does not
    /// is, as an error.
    fn without_magic(&self) -> Option<&'static str> {
        None
    }

    /// What its content is called where text is expected (a classes file,
    /// a partial state), for a binary format.
    fn binary(&self) -> Option<&'static str> {
        None
    }

    /// Whether progress can be measured in its bytes (not for tables,
    /// whose decoded values have no such measure).
    fn counts_bytes(&self) -> bool {
        true
    }

    /// Opens `opened` (the input `source`, of this format) as a numeric
    /// matrix; `dialect` says how text is written.
    fn open_matrix(
        &self,
        opened: Opened,
        magic: Option<usize>,
        source: &Source,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError>;

    /// Why it cannot hold label lists laid out as `layout`, if it cannot.
    fn refuses_labels(&self, _layout: &LabelLayout) -> Option<&'static str> {
        None
    }

    /// Opens `opened` (named `file`, of this format) as label lists.
    fn open_labels(
        &self,
        opened: Opened,
        magic: Option<usize>,
        file: &str,
        layout: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError>;

    /// Whether it holds sparse rows (label lists and top-k candidates)
    /// rather than a matrix. No command reads those yet: they stay out of
    /// `--format`'s help and of the formats errors list until `metrics`
    /// takes them (issue 29).
    fn is_sparse(&self) -> bool {
        false
    }

    /// Opens `input` (a text input whose first line was read ahead) as
    /// sparse rows of `side`, checked by `check`; a dense format refuses.
    fn open_sparse(
        &self,
        input: LineInput,
        _check: RowCheck,
        _side: SparseSide,
    ) -> Result<Box<dyn SparseSource>, InputError> {
        Err(super::sparse::rows::not_sparse(self.title(), &input.file))
    }
}
