//! Arrow IPC output (`--output-format arrow`, or `-o x.arrow`, `.feather`,
//! `.ipc`): the table of `arrow_table.rs` as an Arrow IPC *file* (Feather
//! v2), as `pyarrow.feather.read_table`, `pyarrow.ipc.open_file` and
//! `pd.read_feather` read it; the same columns and types as Parquet's,
//! uncompressed (losses are incompressible doubles, and a reader maps
//! an uncompressed file without decoding it).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::writer::FileWriter;
use arrow_schema::Schema;

use super::arrow_table::{Table, TableFile};
use super::model::{Digits, FormatEntry, ResultKind, RowLayout};

pub(super) const ARROW: FormatEntry = FormatEntry {
    name: "arrow",
    help: "Arrow IPC file, i.e. Feather v2 (needs -o FILE): the columns of parquet",
    extensions: &["arrow", "feather", "ipc"],
    holds: &[
        ResultKind::Numbers,
        ResultKind::Indicators,
        ResultKind::LabelLists,
        ResultKind::ColumnNames,
    ],
    needs_file: true,
    exporter: |_: Digits| {
        Box::new(Table {
            name: "Arrow IPC",
            open: open_arrow,
        })
    },
};

fn open_arrow(file: File, schema: Arc<Schema>, _: &RowLayout) -> io::Result<Box<dyn TableFile>> {
    let writer = FileWriter::try_new(BufWriter::with_capacity(1 << 20, file), &schema)
        .map_err(io::Error::other)?;
    Ok(Box::new(ArrowFile(writer)))
}

struct ArrowFile(FileWriter<BufWriter<File>>);

impl TableFile for ArrowFile {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.0.write(batch).map_err(io::Error::other)
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.0.finish().map_err(io::Error::other)?;
        self.0.get_mut().flush()
    }
}
