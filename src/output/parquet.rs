//! Parquet output (`--output-format parquet`, or `-o x.parquet`): the
//! table of `arrow_table.rs`, written with arrow-rs' `ArrowWriter` a row
//! group every [`ROW_GROUP_VALUES`] values, so memory stays a few
//! megabytes whatever the rows.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::arrow_table::{Table, TableFile};
use super::model::{Cell, Digits, FormatEntry, ResultKind, RowLayout};

/// Values per row group: about 8 MiB of float64, so that memory does not
/// grow with the rows.
const ROW_GROUP_VALUES: usize = 1 << 20;

pub(super) const PARQUET: FormatEntry = FormatEntry {
    name: "parquet",
    help: "Apache Parquet (needs -o FILE): a column per class, named; binarize writes int8",
    extensions: &["parquet", "pq"],
    holds: &[
        ResultKind::Numbers,
        ResultKind::Indicators,
        ResultKind::LabelLists,
        ResultKind::ColumnNames,
    ],
    needs_file: true,
    exporter: |_: Digits| {
        Box::new(Table {
            name: "Parquet",
            open: open_parquet,
        })
    },
};

fn open_parquet(
    file: File,
    schema: Arc<Schema>,
    layout: &RowLayout,
) -> io::Result<Box<dyn TableFile>> {
    let width = layout.columns.len().max(1);
    let rows_per_group = (ROW_GROUP_VALUES / width).max(1024);
    // Losses are incompressible doubles: written plain, without a
    // dictionary or compression, which would cost time and save
    // nothing; 0/1 columns and labels compress well with both.
    let doubles = layout.cell == Cell::F64;
    let compression = if doubles {
        Compression::UNCOMPRESSED
    } else {
        Compression::SNAPPY
    };
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .set_dictionary_enabled(!doubles)
        // Min/max statistics of losses would cost a pass over every
        // value and serve no reader of a result.
        .set_statistics_enabled(EnabledStatistics::None)
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let writer = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema,
        Some(properties),
    )
    .map_err(io::Error::other)?;
    Ok(Box::new(ParquetFile(writer)))
}

struct ParquetFile(ArrowWriter<BufWriter<File>>);

impl TableFile for ParquetFile {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.0.write(batch).map_err(io::Error::other)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        let mut file = self.0.into_inner().map_err(io::Error::other)?;
        file.flush()
    }
}
