//! Jobs: about a megabyte of whole rows of LOGITS, and the same rows of
//! TARGETS and of the weight files read row by row, cut together so that
//! their rows pair up. The inputs are a [`Feed`] for [`crate::parallel`].

use super::columns::Key;
use super::keyed::KeyedPartner;
use crate::error::InputError;
use crate::input::{ChunkLimit, Keys, MatrixReader, RowChunk};
use crate::parallel::{Cut, Feed};

/// Bytes of LOGITS per job: large enough to make handing a job over cheap,
/// small enough to keep memory flat.
const JOB_BYTES: usize = 1 << 20;

/// Every input, cut at the same rows.
pub(crate) struct Readers {
    pub(crate) logits: MatrixReader,
    pub(crate) targets: MatrixReader,
    /// LOGITS' file holds the targets too: `targets` is a view of its rows,
    /// and each job's TARGETS rows are a copy of its LOGITS rows.
    pub(crate) one_file: bool,
    /// `--weight-file` and `--pos-weight-file` when they have a row per sample.
    pub(crate) weights: [Option<MatrixReader>; 2],
    /// When rows pair by key rather than by position.
    pub(crate) keyed: Option<Keyed>,
    /// TARGETS as label lists (`targets` then only names them).
    pub(crate) labels: Option<Box<dyn TargetRows>>,
}

/// TARGETS' rows made by something other than a matrix reader (`loss
/// --target-labels`: label lists turned into 0/1 rows), given LOGITS' rows.
pub(crate) trait TargetRows: Send {
    /// Fills `chunk` with the next `rows` rows of targets.
    fn fill(&mut self, rows: usize, chunk: &mut RowChunk) -> Result<(), InputError>;
    /// Prints what the rows' reading found to warn about, once at the end.
    fn warn(&self);
}

/// Rows paired by key: LOGITS' keys of the job being cut, and how each
/// other input's rows are found for them.
pub(crate) struct Keyed {
    pub(crate) key: Key,
    x_keys: Keys,
    targets: KeyedPartner,
    /// The weight files read row by row whose rows carry the key.
    weights: [Option<KeyedPartner>; 2],
}

impl Keyed {
    pub(crate) fn new(key: Key, logits_file: &str) -> Keyed {
        Keyed {
            targets: KeyedPartner::new(key.name(), logits_file),
            key,
            x_keys: Keys::default(),
            weights: [None, None],
        }
    }

    /// Pairs a weight file read row by row: by key if its rows carry the
    /// key (`keyed`), by position otherwise, which `--key NAME` refuses.
    pub(crate) fn pair_weights(
        &mut self,
        i: usize,
        x: &RowChunk,
        logits: &MatrixReader,
        reader: &mut MatrixReader,
        chunk: &mut RowChunk,
        keyed: bool,
    ) -> Result<(), InputError> {
        if !keyed {
            return match &self.key {
                Key::Index => Ok(()),
                Key::Named(name) => {
                    let what = format!("no column {name:?} (--key) in the header");
                    Err(InputError::new(reader.file(), what).at(1, None))
                }
            };
        }
        x.keys(logits.info(), &mut self.x_keys)?;
        let mut partner = KeyedPartner::new(self.key.name(), logits.file());
        partner.pair(&self.x_keys, reader, chunk)?;
        self.weights[i] = Some(partner);
        Ok(())
    }
}

impl Readers {
    /// Cuts the next job: LOGITS by `limit`, the others by the same row count.
    pub(crate) fn cut(&mut self, limit: ChunkLimit, job: &mut Job) -> Result<(), InputError> {
        self.logits.next_chunk(limit, &mut job.x)?;
        // When LOGITS has ended, one more row of the others tells whether they have too.
        let rows = ChunkLimit::Rows(job.x.row_count().max(1));
        if let Some(labels) = &mut self.labels {
            labels.fill(job.x.row_count().max(1), &mut job.y)?;
        } else if self.one_file {
            job.y.clone_from(&job.x);
        } else {
            self.targets.next_chunk(rows, &mut job.y)?;
        }
        for (reader, chunk) in self.weights.iter_mut().zip(&mut job.weights) {
            if let Some(reader) = reader {
                reader.next_chunk(rows, chunk)?;
            }
        }
        if let Some(keyed) = &mut self.keyed {
            job.x.keys(self.logits.info(), &mut keyed.x_keys)?;
            keyed
                .targets
                .pair(&keyed.x_keys, &mut self.targets, &mut job.y)?;
            let weights = self.weights.iter_mut().zip(&mut job.weights);
            for ((reader, chunk), partner) in weights.zip(&mut keyed.weights) {
                if let (Some(reader), Some(partner)) = (reader, partner) {
                    partner.pair(&keyed.x_keys, reader, chunk)?;
                }
            }
        }
        let x_rows = job.x.row_count();
        job.is_last = x_rows == 0
            || job.y.row_count() < x_rows
            || (self.weights.iter().zip(&job.weights))
                .any(|(reader, chunk)| reader.is_some() && chunk.row_count() < x_rows);
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
pub(crate) struct Job {
    pub(crate) x: RowChunk,
    pub(crate) y: RowChunk,
    pub(crate) weights: [RowChunk; 2],
    /// No job follows: the inputs ended, or one of them did before the other.
    pub(crate) is_last: bool,
}

impl Job {
    /// No rows in any input: the inputs have ended together.
    fn is_empty(&self) -> bool {
        self.x.row_count() == 0
            && self.y.row_count() == 0
            && self.weights.iter().all(|w| w.row_count() == 0)
    }
}
