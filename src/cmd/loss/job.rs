//! Jobs: about a megabyte of whole rows of LOGITS, and the same rows of
//! TARGETS and of the weight files read row by row, cut together so that
//! their rows pair up. The inputs are a [`Feed`] for [`crate::parallel`].

use crate::error::InputError;
use crate::input::{ChunkLimit, MatrixReader, RowChunk};
use crate::parallel::{Cut, Feed};

/// Bytes of LOGITS per job: large enough to make handing a job over cheap,
/// small enough to keep memory flat.
const JOB_BYTES: usize = 1 << 20;

/// Every input, cut at the same rows.
pub(super) struct Readers {
    pub(super) logits: MatrixReader,
    pub(super) targets: MatrixReader,
    /// `--weight-file` and `--pos-weight-file` when they have a row per sample.
    pub(super) weights: [Option<MatrixReader>; 2],
}

impl Readers {
    /// Cuts the next job: LOGITS by `limit`, the others by the same row count.
    pub(super) fn cut(&mut self, limit: ChunkLimit, job: &mut Job) -> Result<(), InputError> {
        self.logits.next_chunk(limit, &mut job.x)?;
        // When LOGITS has ended, one more row of the others tells whether they have too.
        let rows = ChunkLimit::Rows(job.x.row_count().max(1));
        self.targets.next_chunk(rows, &mut job.y)?;
        job.is_last = job.x.row_count() == 0 || job.y.row_count() < job.x.row_count();
        for (reader, chunk) in self.weights.iter_mut().zip(&mut job.weights) {
            if let Some(reader) = reader {
                reader.next_chunk(rows, chunk)?;
                job.is_last |= chunk.row_count() < job.x.row_count();
            }
        }
        Ok(())
    }
}

impl Feed for Readers {
    type Job = Job;
    type Error = anyhow::Error;

    fn cut(&mut self, job: &mut Job) -> anyhow::Result<Cut> {
        Readers::cut(self, ChunkLimit::Bytes(JOB_BYTES), job)?;
        Ok(if job.is_empty() {
            Cut::End
        } else if job.is_last {
            Cut::Last
        } else {
            Cut::More
        })
    }
}

/// One set of chunks: rows of LOGITS and the same rows of TARGETS (and of
/// the weight files read row by row).
#[derive(Debug, Default)]
pub(super) struct Job {
    pub(super) x: RowChunk,
    pub(super) y: RowChunk,
    pub(super) weights: [RowChunk; 2],
    /// No job follows: the inputs ended, or one of them did before the other.
    pub(super) is_last: bool,
    /// The buffer its printed rows go into, reused from job to job.
    pub(super) text: Vec<u8>,
}

impl Job {
    /// No rows in any input: the inputs have ended together.
    fn is_empty(&self) -> bool {
        self.x.row_count() == 0
            && self.y.row_count() == 0
            && self.weights.iter().all(|w| w.row_count() == 0)
    }
}
