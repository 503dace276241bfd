//! The writer every subcommand prints through: a large buffer over a locked
//! stdout, values formatted by [`crate::format`].

use std::io::{self, BufWriter, StdoutLock, Write};

use crate::format::write_f64;

const WRITE_BUFFER_BYTES: usize = 1 << 16;

pub struct Output {
    writer: BufWriter<StdoutLock<'static>>,
    /// One line being assembled, reused across lines.
    line: Vec<u8>,
}

impl Output {
    pub fn stdout() -> Self {
        Output {
            writer: BufWriter::with_capacity(WRITE_BUFFER_BYTES, io::stdout().lock()),
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes values separated by commas, then a newline.
    pub fn write_values(&mut self, values: &[f64]) -> io::Result<()> {
        self.line.clear();
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.line.push(b',');
            }
            write_f64(&mut self.line, v);
        }
        self.line.push(b'\n');
        self.writer.write_all(&self.line).map_err(stdout_error)
    }

    /// Writes bytes as they are (the caller supplies the newline).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).map_err(stdout_error)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush().map_err(stdout_error)
    }
}

/// Says what failed while keeping the kind, so that `main` still recognises
/// a broken pipe.
fn stdout_error(e: io::Error) -> io::Error {
    let reason = e.to_string();
    let reason = reason.split(" (os error").next().unwrap_or_default();
    io::Error::new(e.kind(), format!("cannot write to stdout: {reason}"))
}
