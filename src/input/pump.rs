//! A stream read on a thread of its own: the thread reads (decompresses,
//! extracts) ahead into a few buffers while the reader parses, so that the
//! two overlap. Used for gzip and zstd inputs and for members of archives.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::error::InputError;

/// The size of the buffers handed from the reading thread.
const BUFFER_BYTES: usize = 1 << 18;

/// Buffers in flight: enough to keep both threads busy, few enough that
/// memory stays a megabyte or two whatever the input's size.
const BUFFERS_IN_FLIGHT: usize = 4;

/// What the reading thread sends: a buffer of bytes (never empty), or the
/// error that ended the stream, already in words for the user.
type Piece = Result<Vec<u8>, io::Error>;

/// The thread's end: where it sends what it reads.
pub struct Pump {
    full: SyncSender<Piece>,
    empty: Receiver<Vec<u8>>,
}

impl Pump {
    /// Sends everything `reader` yields, then stops; a read error is sent
    /// as `describe` words it. Stops early when the reader has gone away.
    pub fn send_all(&self, reader: &mut dyn Read, describe: impl Fn(&io::Error) -> String) {
        loop {
            let mut buffer = self.empty.try_recv().unwrap_or_default();
            buffer.clear();
            let failure = match reader.take(BUFFER_BYTES as u64).read_to_end(&mut buffer) {
                Ok(0) => return,
                Ok(_) => None,
                Err(e) => Some(io::Error::new(e.kind(), describe(&e))),
            };
            // What was read before an error is read on before it.
            if !buffer.is_empty() && self.full.send(Ok(buffer)).is_err() {
                return;
            }
            if let Some(e) = failure {
                self.fail(e);
                return;
            }
        }
    }

    /// Ends the stream with an error.
    pub fn fail(&self, e: io::Error) {
        let _ = self.full.send(Err(e));
    }
}

/// The reading end of a stream pumped by a thread.
pub struct PumpedStream {
    full: Receiver<Piece>,
    empty: SyncSender<Vec<u8>>,
    buffer: Vec<u8>,
    position: usize,
    /// The error that ended the stream, given again to every later read.
    failure: Option<(io::ErrorKind, String)>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The thread may be waiting on a pipe: not waited for when dropped.
    may_block: bool,
}

impl PumpedStream {
    /// Runs `produce` on a new thread named `thread`, feeding the stream
    /// returned.
    pub fn spawn(
        thread: &str,
        file: &str,
        produce: impl FnOnce(&Pump) + Send + 'static,
    ) -> Result<PumpedStream, InputError> {
        let (full_tx, full_rx) = sync_channel(BUFFERS_IN_FLIGHT);
        let (empty_tx, empty_rx) = sync_channel(BUFFERS_IN_FLIGHT + 1);
        let pump = Pump {
            full: full_tx,
            empty: empty_rx,
        };
        let thread = std::thread::Builder::new()
            .name(thread.to_owned())
            .spawn(move || produce(&pump))
            .map_err(|e| {
                let what = format!("cannot start a thread to read: {}", super::io_reason(&e));
                InputError::new(file, what)
            })?;
        Ok(PumpedStream {
            full: full_rx,
            empty: empty_tx,
            buffer: Vec::new(),
            position: 0,
            failure: None,
            thread: Some(thread),
            may_block: true,
        })
    }

    /// Says that the thread reads a regular file or memory, never a pipe,
    /// so that dropping the stream waits for it to end (it ends at its next
    /// send) instead of leaving it running.
    pub fn reads_no_pipe(mut self, no_pipe: bool) -> Self {
        self.may_block = !no_pipe;
        self
    }

    /// Makes `buffer` hold unread bytes, if any are left; `false` at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if let Some((kind, what)) = &self.failure {
            return Err(io::Error::new(*kind, what.clone()));
        }
        if self.position < self.buffer.len() {
            return Ok(true);
        }
        match self.full.recv() {
            // The end: the thread has stopped.
            Err(_) => Ok(false),
            Ok(Ok(buffer)) => {
                let used = std::mem::replace(&mut self.buffer, buffer);
                let _ = self.empty.try_send(used);
                self.position = 0;
                Ok(true)
            }
            Ok(Err(e)) => {
                self.failure = Some((e.kind(), e.to_string()));
                self.fill()
            }
        }
    }

    /// Up to `n` first bytes, without consuming them.
    pub fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        if !self.fill()? {
            return Ok(&[]);
        }
        // Buffers are full but for the last, so a first buffer shorter
        // than `n` is the whole content.
        let end = (self.position + n).min(self.buffer.len());
        Ok(&self.buffer[self.position..end])
    }
}

impl Drop for PumpedStream {
    fn drop(&mut self) {
        // The thread's next send fails once the receiver is gone (swapped
        // for a closed one here), and it ends. One that may be waiting for
        // a pipe is joined only if it has ended already.
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.full, closed));
        if let Some(thread) = self.thread.take()
            && (!self.may_block || thread.is_finished())
        {
            let _ = thread.join();
        }
    }
}

impl Read for PumpedStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || !self.fill()? {
            return Ok(0);
        }
        let n = out.len().min(self.buffer.len() - self.position);
        out[..n].copy_from_slice(&self.buffer[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}
