//! Parquet and Arrow IPC as input formats: their descriptions, and how
//! each opens as a matrix or as label lists.

use super::ColumnarSource;
use super::labels::LabelColumn;
use super::table::Columnar;
use crate::error::InputError;
use crate::input::columns::MatrixInfo;
use crate::input::input_format::InputFormat;
use crate::input::labels::{LabelLayout, LabelSource};
use crate::input::source::MatrixSource;
use crate::input::{Dialect, Opened, Source};

/// A typed table's format: Apache Parquet, or Arrow IPC (a file or a
/// stream).
pub(crate) struct TableFormat {
    name: &'static str,
    aliases: &'static [&'static str],
    title: &'static str,
    help: &'static str,
    extensions: &'static [&'static str],
    magics: &'static [&'static [u8]],
    without_magic: &'static str,
    binary: &'static str,
    /// What each magic says the table is.
    kinds: &'static [Columnar],
}

pub(crate) static PARQUET: TableFormat = TableFormat {
    name: "parquet",
    aliases: &[],
    title: "Parquet",
    help: "Apache Parquet: numeric columns are the classes, named; a list column is a row vector",
    extensions: &["parquet", "pq"],
    magics: &[b"PAR1"],
    without_magic: "not a Parquet file (it does not start with PAR1)",
    binary: "a Parquet file (a table)",
    kinds: &[Columnar::Parquet],
};

pub(crate) static ARROW: TableFormat = TableFormat {
    name: "arrow",
    aliases: &["feather", "ipc"],
    title: "Arrow IPC",
    help: "Arrow IPC, file or stream (Feather v2, .arrow): as Parquet",
    extensions: &["arrow", "arrows", "feather", "ipc"],
    // A file's magic, and a stream's first message's continuation marker.
    magics: &[b"ARROW1", b"\xff\xff\xff\xff"],
    without_magic: "not an Arrow IPC file (it starts with neither ARROW1 nor a stream message)",
    binary: "an Arrow IPC file (a table)",
    kinds: &[Columnar::IpcFile, Columnar::IpcStream],
};

impl TableFormat {
    /// What the magic (always one: see `without_magic`) says the table is.
    fn kind(&self, magic: Option<usize>) -> Columnar {
        self.kinds[magic.unwrap_or(0)]
    }
}

impl InputFormat for TableFormat {
    fn name(&self) -> &'static str {
        self.name
    }

    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    fn help(&self) -> &'static str {
        self.help
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn extensions(&self) -> &'static [&'static str] {
        self.extensions
    }

    fn magics(&self) -> &'static [&'static [u8]] {
        self.magics
    }

    fn without_magic(&self) -> Option<&'static str> {
        Some(self.without_magic)
    }

    fn binary(&self) -> Option<&'static str> {
        Some(self.binary)
    }

    fn counts_bytes(&self) -> bool {
        false
    }

    fn open_matrix(
        &self,
        opened: Opened,
        magic: Option<usize>,
        _: &Source,
        info: &MatrixInfo,
        _: Dialect,
    ) -> Result<Box<dyn MatrixSource>, InputError> {
        let source = ColumnarSource::open(self.kind(magic), opened, info)?;
        Ok(Box::new(source))
    }

    fn open_labels(
        &self,
        opened: Opened,
        magic: Option<usize>,
        file: &str,
        layout: &LabelLayout,
    ) -> Result<Box<dyn LabelSource>, InputError> {
        let column = LabelColumn::open(self.kind(magic), opened, file, layout)?;
        Ok(Box::new(column))
    }
}
