//! The stream of the formats written as they are laid out (CSV, TSV, JSON,
//! JSON Lines): batches go to the output as they are, after a header line
//! when the format writes one and it was asked for.

use std::io;

use super::model::{Batch, ResultShape, RowLayout, Stream};
use super::sink::Output;

/// Lays out a header line of column names (CSV, TSV).
pub(super) type HeaderLine = Box<dyn Fn(&mut Vec<u8>, &[&str]) + Send>;

/// A text format's stream: the output, and the format's header line.
pub(super) struct TextStream {
    out: Output,
    header_line: Option<HeaderLine>,
}

impl TextStream {
    pub(super) fn new(out: Output, header_line: Option<HeaderLine>) -> Self {
        TextStream { out, header_line }
    }
}

impl Stream for TextStream {
    fn begin(&mut self, layout: &RowLayout, batch: &mut Batch) -> io::Result<()> {
        if let Some(header_line) = self.header_line.as_ref().filter(|_| layout.header) {
            let names: Vec<&str> = (layout.key.iter())
                .chain(&layout.columns)
                .map(String::as_str)
                .collect();
            header_line(&mut batch.bytes, &names);
        }
        Ok(())
    }

    #[inline]
    fn write(&mut self, batch: &mut Batch) -> io::Result<()> {
        self.out.write_bytes(&batch.bytes)?;
        batch.bytes.clear();
        Ok(())
    }

    fn end(self: Box<Self>, _shape: &ResultShape) -> io::Result<Output> {
        Ok(self.out)
    }

    fn output(&mut self) -> &mut Output {
        &mut self.out
    }
}
