//! The sparse formats as `--format` values: each an [`InputFormat`] whose
//! dense readers refuse (a sparse file is no matrix `loss` reads, nor label
//! lists `binarize` reads) and whose `open_sparse` reads it as rows.

use super::rows::{LineInput, LineKind, RowCheck, SparseSide, SparseSource};
use super::{jsonl, text};
use crate::error::InputError;
use crate::input::columns::MatrixInfo;
use crate::input::input_format::InputFormat;
use crate::input::labels::{LabelLayout, LabelSource};
use crate::input::source::MatrixSource;
use crate::input::{Dialect, Opened, Source};

/// `--format`'s name for scipy's `.npz` (and a top-k `.npz`).
pub(crate) const NPZ_NAME: &str = "npz";

/// One sparse format.
pub(crate) struct SparseFormat {
    name: &'static str,
    title: &'static str,
    help: &'static str,
    kind: Option<LineKind>,
}

pub(crate) static XC: SparseFormat = SparseFormat {
    name: "xc",
    title: "XC repository text",
    help: "sparse: the Extreme Classification Repository's text (header `N F L`, then \
           `l1,l2 f:v …`; labels read, features skipped)",
    kind: Some(LineKind::Xc),
};

pub(crate) static LIBSVM: SparseFormat = SparseFormat {
    name: "libsvm",
    title: "LIBSVM multi-label text",
    help: "sparse: LIBSVM multi-label text (`l1,l2 f:v …` a line, no header)",
    kind: Some(LineKind::Libsvm),
};

pub(crate) static XCLIB_SPARSE: SparseFormat = SparseFormat {
    name: "xclib-sparse",
    title: "pyxclib sparse text",
    help: "sparse: pyxclib's write_sparse_file (header `N L`, then `idx:val …`)",
    kind: Some(LineKind::XclibSparse),
};

pub(crate) static NPZ: SparseFormat = SparseFormat {
    name: NPZ_NAME,
    title: "scipy sparse .npz",
    help: "sparse: scipy.sparse.save_npz (CSR, CSC), or a top-k .npz of `indices` and `scores`",
    kind: None,
};

pub(crate) static TOPK_JSONL: SparseFormat = SparseFormat {
    name: "topk-jsonl",
    title: "top-k JSON Lines",
    help: "sparse: JSON Lines of top-k predictions, {\"indices\": […], \"scores\": […]}",
    kind: Some(LineKind::TopkJsonl),
};

pub(crate) static FASTXML: SparseFormat = SparseFormat {
    name: "fastxml",
    title: "fastxml JSON Lines",
    help: "sparse: fastxml's JSON Lines, {\"labels\": […], \"predict\": [[label, score], …]}",
    kind: Some(LineKind::Fastxml),
};

impl SparseFormat {
    fn not_dense(&self) -> String {
        format!(
            "{} is a sparse format (--format {}): no command reads sparse rows yet (the \
             metrics at k of extreme classification will); write the matrix densely (CSV, \
             .npy) for this command",
            self.title, self.name
        )
    }
}

impl InputFormat for SparseFormat {
    fn is_sparse(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn help(&self) -> &'static str {
        self.help
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn extensions(&self) -> &'static [&'static str] {
        // None: `train.txt` is no proof of XC text, and `.npz` already
        // reads as NumPy's archive of arrays; detection is by content.
        &[]
    }

    fn open_matrix(
        &self,
        _: Opened,
        _: Option<usize>,
        _: &Source,
        info: &MatrixInfo,
        _: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        Err(InputError::new(&info.file, self.not_dense()))
    }

    fn refuses_labels(&self, _: &LabelLayout) -> Option<&'static str> {
        Some(
            "a sparse format (--format xc, libsvm, xclib-sparse, npz, topk-jsonl, fastxml) is not read as binarize's label lists: give the labels as CSV, JSON Lines or Parquet lists",
        )
    }

    fn open_labels(
        &self,
        _: Opened,
        _: Option<usize>,
        file: &str,
        _: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        Err(InputError::new(file, self.not_dense()))
    }

    fn open_sparse(
        &self,
        input: LineInput,
        check: RowCheck,
        side: SparseSide,
    ) -> Result<Box<dyn SparseSource>, InputError> {
        match self.kind {
            Some(kind) => open_lines(kind, input, check, side),
            None => Err(InputError::new(
                &input.file,
                "not a zip archive, so no .npz (save_npz writes one; an .npz must be a file, \
                 not a pipe)",
            )),
        }
    }
}

/// Opens `input` as the line format `kind`.
pub(super) fn open_lines(
    kind: LineKind,
    input: LineInput,
    check: RowCheck,
    side: SparseSide,
) -> Result<Box<dyn SparseSource>, InputError> {
    match kind {
        LineKind::Xc | LineKind::Libsvm | LineKind::XclibSparse => {
            text::open(kind, input, check, side)
        }
        LineKind::TopkJsonl | LineKind::Fastxml => jsonl::open(kind, input, check, side),
    }
}
