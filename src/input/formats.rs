//! The input formats, each described once (an [`InputFormat`]: its name,
//! extensions, magic bytes and how it opens as a matrix or as label
//! lists) and registered in [`FORMATS`]. `--format`'s values and help,
//! detection by extension and by content, and the errors that list what
//! mlloss reads all come from here.
//!
//! Adding a format is its module (implementing [`InputFormat`], and
//! [`super::syntax::RowSyntax`] for a text format, to be cut and parsed in
//! parallel like CSV) and one line in [`FORMATS`].

use std::path::Path;
use std::sync::OnceLock;

use clap::ValueEnum;
use clap::builder::PossibleValue;

use super::columns::MatrixInfo;
use super::input_format::InputFormat;
use super::labels::{LabelLayout, LabelSource};
use super::source::MatrixSource;
use super::sparse::rows::{LineInput, RowCheck, SparseSide, SparseSource};
use super::{Compression, Dialect, Opened, Source, decompress};
use crate::error::InputError;

/// Every input format, in `--format`'s order; the first is the default
/// (an unknown extension, stdin). One line a format.
static FORMATS: [&dyn InputFormat; 13] = [
    &super::csv::CSV,
    &super::csv::TSV,
    &super::json::JSON,
    &super::json::lines::JSON_LINES,
    &super::npy::NPY,
    &super::columnar::format::PARQUET,
    &super::columnar::format::ARROW,
    &super::sparse::formats::XC,
    &super::sparse::formats::LIBSVM,
    &super::sparse::formats::XCLIB_SPARSE,
    &super::sparse::formats::NPZ,
    &super::sparse::formats::TOPK_JSONL,
    &super::sparse::formats::FASTXML,
];

/// An input format: `--format`'s value, or what detection found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Format(usize);

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Format {
    fn spec(self) -> &'static dyn InputFormat {
        FORMATS[self.0]
    }

    /// The format registered as `name`.
    pub fn named(name: &str) -> Option<Format> {
        FORMATS.iter().position(|f| f.name() == name).map(Format)
    }

    /// `--format`'s value for it.
    pub fn name(self) -> &'static str {
        self.spec().name()
    }

    /// Its name in messages (`CSV`, `NumPy .npy`).
    pub fn title(self) -> &'static str {
        self.spec().title()
    }

    /// `chosen` when given, else by extension, a compression's or a zip's
    /// extension looked through (`x.jsonl.gz` is JSON Lines); the first
    /// format (CSV) for anything else, stdin included.
    pub fn detect(source: &Source, chosen: Option<Format>) -> Format {
        if let Some(format) = chosen {
            return format;
        }
        let Source::Path(path) = source else {
            return Format(0);
        };
        let extension_of = |path: &Path| {
            path.extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase())
        };
        let mut extension = extension_of(path);
        if extension
            .as_deref()
            .is_some_and(|e| Compression::is_extension(e) || e == "zip")
        {
            extension = path
                .file_stem()
                .and_then(|stem| extension_of(Path::new(stem)));
        }
        let by_extension = extension.and_then(|extension| {
            FORMATS
                .iter()
                .position(|f| f.extensions().contains(&extension.as_str()))
        });
        Format(by_extension.unwrap_or(0))
    }

    /// The format `opened` is read as, and which magic told it: its
    /// content's magic decides first, then this format (the extension or
    /// `--format`), which must then not be one that always has a magic.
    fn for_content(
        self,
        opened: &Opened,
        file: &str,
    ) -> Result<(Format, Option<usize>), InputError> {
        if let Some(what) = opened.content.unread() {
            let what = format!(
                "looks like {what}, which mlloss does not read (it reads {}, gzip- or zstd-compressed or not)",
                Format::listing()
            );
            return Err(InputError::new(file, what));
        }
        if let Content::Format(format, magic) = opened.content {
            return Ok((format, Some(magic)));
        }
        match self.spec().without_magic() {
            Some(what) => Err(InputError::new(file, what)),
            None => Ok((self, None)),
        }
    }

    /// Opens `source` as a numeric matrix, read as `self` unless its
    /// first bytes say otherwise; with whether they did.
    pub(crate) fn open_matrix(
        self,
        source: &Source,
        info: &MatrixInfo,
        dialect: Dialect,
    ) -> Result<(Box<dyn MatrixSource>, Format, bool), InputError> {
        let opened = source.open_sniffed()?;
        let (format, magic) = self.for_content(&opened, &info.file)?;
        let matrix = format
            .spec()
            .open_matrix(opened, magic, source, info, dialect)?;
        Ok((matrix, format, magic.is_some()))
    }

    /// Opens `source` as label lists laid out as `layout`, read as `self`
    /// unless its first bytes say otherwise.
    pub(crate) fn open_labels(
        self,
        source: &Source,
        layout: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        let file = source.name();
        if let Some(why) = self.spec().refuses_labels(layout) {
            return Err(InputError::new(&file, why));
        }
        let opened = source.open_sniffed()?;
        let (format, magic) = self.for_content(&opened, &file)?;
        if let Some(why) = format.spec().refuses_labels(layout) {
            return Err(InputError::new(&file, why));
        }
        format.spec().open_labels(opened, magic, &file, layout)
    }

    /// Opens `input` as sparse rows of `side`, read as this format.
    pub(crate) fn open_sparse(
        self,
        input: LineInput,
        check: RowCheck,
        side: SparseSide,
    ) -> Result<Box<dyn SparseSource>, InputError> {
        self.spec().open_sparse(input, check, side)
    }

    /// Every dense format's title, as a list in words: `CSV, TSV, … and
    /// Arrow IPC`.
    pub fn listing() -> String {
        let dense = FORMATS.iter().filter(|f| !f.is_sparse());
        let titles: Vec<&str> = dense.map(|f| f.title()).collect();
        match titles.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: OnceLock<Vec<Format>> = OnceLock::new();
        ALL.get_or_init(|| (0..FORMATS.len()).map(Format).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let spec = self.spec();
        let value = PossibleValue::new(spec.name())
            .aliases(spec.aliases().iter().copied())
            .help(spec.help())
            .hide(spec.is_sparse());
        Some(value)
    }
}

/// What an input's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Gzip,
    Zstd,
    Zip,
    /// A format's magic: the format, and which of its magics.
    Format(Format, usize),
    /// Anything else: text, or garbage the format's reader reports.
    Other,
}

/// The magic bytes of the layers an input may be wrapped in.
const CONTAINER_MAGICS: [(&[u8], Content); 3] = [
    (b"\x1f\x8b", Content::Gzip),
    (decompress::ZSTD_MAGIC, Content::Zstd),
    (b"PK\x03\x04", Content::Zip),
];

impl Content {
    pub(crate) fn of(head: &[u8]) -> Content {
        if Compression::of(head) == Some(Compression::Zstd) {
            return Content::Zstd;
        }
        if let Some(&(_, content)) = CONTAINER_MAGICS.iter().find(|(m, _)| head.starts_with(m)) {
            return content;
        }
        for (index, format) in FORMATS.iter().enumerate() {
            if let Some(magic) = format.magics().iter().position(|m| head.starts_with(m)) {
                return Content::Format(Format(index), magic);
            }
        }
        Content::Other
    }

    /// Whether more bytes could still make `head` a magic: until then the
    /// format is not told.
    pub(crate) fn may_become_magic(head: &[u8]) -> bool {
        let longer = |magic: &&[u8]| magic.len() > head.len() && magic.starts_with(head);
        CONTAINER_MAGICS.iter().map(|(m, _)| m).any(longer)
            || FORMATS.iter().flat_map(|f| f.magics()).any(longer)
            || decompress::may_become_skippable_frame(head)
    }

    /// What to call a layer mlloss recognises but does not read here.
    pub(crate) fn unread(self) -> Option<&'static str> {
        match self {
            // Only seen inside compressed data or an archive: the outer
            // layer is opened as the input is.
            Content::Gzip | Content::Zstd | Content::Zip => Some(
                "compressed data inside compressed data or an archive (unpack the outer layer first)",
            ),
            Content::Format(..) | Content::Other => None,
        }
    }

    /// What binary content is called where text is expected.
    pub(crate) fn binary(self) -> Option<&'static str> {
        match self {
            Content::Format(format, _) => format.spec().binary(),
            content => content.unread(),
        }
    }

    /// Whether progress can be measured in the content's bytes.
    pub(crate) fn counts_bytes(self) -> bool {
        match self {
            Content::Zip => false,
            Content::Format(format, _) => format.spec().counts_bytes(),
            Content::Gzip | Content::Zstd | Content::Other => true,
        }
    }
}
