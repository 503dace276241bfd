//! The ordered, bounded pipeline that `loss` streams its inputs through.
//!
//! Worker threads take turns cutting the next job from a [`Feed`] (one at a
//! time, under a lock), then work on it in parallel; the calling thread
//! writes the jobs in the order they were cut. A worker cuts the job it is
//! about to work on, so the bytes it reads arrive in its own cache.
//!
//! - Order: jobs are written in the order they were cut, whatever the
//!   number of threads and whichever finishes first.
//! - Memory: at most `2 × threads + 1` jobs are cut and not yet written,
//!   however slow the writing; written jobs' buffers are reused.
//! - Errors: the first error in input order wins. A failed cut counts at
//!   its place, after every job cut before it; a job whose work fails is
//!   still written — what it did before failing, such as the rows before a
//!   bad one — and then its error returned; no job after the error is
//!   written, and no more are cut.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard, mpsc};

/// Where jobs come from.
pub trait Feed: Send {
    /// A unit of work, with its buffers (reused from job to job).
    type Job: Default + Send;
    type Error: Send;

    /// Cuts the next job into `job` (a new one, or one already written).
    fn cut(&mut self, job: &mut Self::Job) -> Result<Cut, Self::Error>;
}

/// What [`Feed::cut`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// A job, and more may follow.
    More,
    /// A job, and none follows.
    Last,
    /// No job: the feed has ended.
    End,
}

/// Runs `work` on every job of `feed` on `threads` threads and `write` on
/// each in input order on the calling thread. Each thread keeps a state of
/// its own (`new_state`), returned at the end for the caller to combine.
///
/// If fewer threads can be started than asked for, the run goes on with
/// those that could; with none, the spawn error is returned.
pub fn run<F, S, E>(
    threads: usize,
    feed: &mut F,
    new_state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &mut F::Job) -> Result<(), E> + Sync,
    mut write: impl FnMut(&mut F::Job) -> Result<(), E>,
) -> Result<Vec<S>, E>
where
    F: Feed<Error = E>,
    S: Send,
    E: Send + From<std::io::Error>,
{
    let shared = Shared {
        state: Mutex::new(State {
            feed,
            next_seq: 0,
            written: 0,
            stop: false,
            spare: Vec::new(),
        }),
        room: Condvar::new(),
        max_in_flight: 2 * threads.max(1) as u64 + 1,
    };
    let (done_tx, done_rx) = mpsc::channel::<Done<F::Job, E>>();
    std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads.max(1) {
            let done_tx = done_tx.clone();
            let (shared, new_state, work) = (&shared, &new_state, &work);
            let spawned = std::thread::Builder::new()
                .spawn_scoped(scope, move || worker(shared, new_state(), work, done_tx));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(_) if !workers.is_empty() => break,
                Err(e) => return Err(E::from(e)),
            }
        }
        drop(done_tx);
        let outcome = write_in_order(&shared, &done_rx, &mut write);
        // On an error, stop the workers cutting; they finish what they hold.
        shared.lock().stop = true;
        shared.room.notify_all();
        drop(done_rx);
        let states = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        outcome.map(|()| states)
    })
}

/// As [`run`], with an output of each job beside it (`O`, made once per
/// buffer and reused as jobs are): `work` fills it, `write` takes it in
/// input order. The jobs' outputs are the caller's type, not the feed's:
/// `loss` lays out its rows as its output format needs them.
pub fn run_with_output<F, S, O, E>(
    threads: usize,
    feed: &mut F,
    new_state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &mut F::Job, &mut O) -> Result<(), E> + Sync,
    mut write: impl FnMut(&mut F::Job, &mut O) -> Result<(), E>,
) -> Result<Vec<S>, E>
where
    F: Feed<Error = E>,
    S: Send,
    O: Default + Send,
    E: Send + From<std::io::Error>,
{
    let mut feed = WithOutput {
        feed,
        output: std::marker::PhantomData,
    };
    run(
        threads,
        &mut feed,
        new_state,
        |state, (job, output)| work(state, job, output),
        |(job, output)| write(job, output),
    )
}

/// A feed whose jobs carry an output of type `O` beside them.
struct WithOutput<'f, F, O> {
    feed: &'f mut F,
    output: std::marker::PhantomData<fn() -> O>,
}

impl<F: Feed, O: Default + Send> Feed for WithOutput<'_, F, O> {
    type Job = (F::Job, O);
    type Error = F::Error;

    fn cut(&mut self, (job, _): &mut Self::Job) -> Result<Cut, Self::Error> {
        self.feed.cut(job)
    }
}

/// What the threads share.
struct Shared<'f, F: Feed> {
    state: Mutex<State<'f, F>>,
    /// Signalled when a job is written or the run stops.
    room: Condvar,
    max_in_flight: u64,
}

impl<'f, F: Feed> Shared<'f, F> {
    fn lock(&self) -> MutexGuard<'_, State<'f, F>> {
        // A worker that panicked holding the lock is re-raised at the end.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct State<'f, F: Feed> {
    feed: &'f mut F,
    /// The number of the next job to cut.
    next_seq: u64,
    /// Jobs written so far.
    written: u64,
    /// No more jobs: the feed ended, or a cut or the writing failed.
    stop: bool,
    /// Buffers of written jobs, to cut the next ones into.
    spare: Vec<F::Job>,
}

/// A job back from a worker.
struct Done<J, E> {
    seq: u64,
    job: J,
    result: Result<(), E>,
    /// The job was cut and worked on (so on an error it holds what the
    /// work did before failing); false when the cut failed.
    worked: bool,
}

/// A worker: cut a job when there is room, work on it, hand it back.
fn worker<F: Feed, S>(
    shared: &Shared<'_, F>,
    mut state: S,
    work: &(impl Fn(&mut S, &mut F::Job) -> Result<(), F::Error> + Sync),
    done: mpsc::Sender<Done<F::Job, F::Error>>,
) -> S {
    let _stop_on_panic = StopOnPanic(shared);
    loop {
        let mut guard = shared.lock();
        while !guard.stop && guard.next_seq - guard.written >= shared.max_in_flight {
            guard = shared.room.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        if guard.stop {
            break;
        }
        let mut job = guard.spare.pop().unwrap_or_default();
        let cut = guard.feed.cut(&mut job);
        if matches!(cut, Ok(Cut::End)) {
            guard.stop = true;
            break;
        }
        let seq = guard.next_seq;
        guard.next_seq += 1;
        guard.stop |= !matches!(cut, Ok(Cut::More));
        drop(guard);
        let worked = cut.is_ok();
        let result = cut.and_then(|_| work(&mut state, &mut job));
        let finished = Done {
            seq,
            job,
            result,
            worked,
        };
        if done.send(finished).is_err() {
            break;
        }
    }
    // Wake the others: the run may have stopped.
    shared.room.notify_all();
    state
}

/// Stops the run if its worker panics: the job it held will never be
/// written, so the others must not wait for it. `run` re-raises the panic.
struct StopOnPanic<'s, 'f, F: Feed>(&'s Shared<'f, F>);

impl<F: Feed> Drop for StopOnPanic<'_, '_, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().stop = true;
            self.0.room.notify_all();
        }
    }
}

/// The calling thread's part: write the jobs as they come back, in input
/// order, until all are written or one fails.
fn write_in_order<F: Feed>(
    shared: &Shared<'_, F>,
    done: &mpsc::Receiver<Done<F::Job, F::Error>>,
    write: &mut impl FnMut(&mut F::Job) -> Result<(), F::Error>,
) -> Result<(), F::Error> {
    let mut pending = BTreeMap::new();
    let mut next_to_write = 0u64;
    for finished in done {
        pending.insert(finished.seq, finished);
        while let Some(Done {
            mut job,
            result,
            worked,
            ..
        }) = pending.remove(&next_to_write)
        {
            next_to_write += 1;
            if let Err(error) = result {
                if worked {
                    write(&mut job)?;
                }
                return Err(error);
            }
            write(&mut job)?;
            let mut state = shared.lock();
            state.written += 1;
            state.spare.push(job);
            shared.room.notify_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// Jobs numbered 0, 1, …, `len - 1`; `bad_cut` fails the cut of that job.
    struct Numbers<'c> {
        next: u64,
        len: u64,
        bad_cut: Option<u64>,
        counters: &'c Counters,
    }

    /// What the tests watch: jobs cut and not yet written, and buffers made.
    #[derive(Default)]
    struct Counters {
        in_flight: AtomicU64,
        most_in_flight: AtomicU64,
    }

    #[derive(Default)]
    struct Job {
        number: u64,
        /// The work's result.
        square: u64,
    }

    #[derive(Debug, PartialEq)]
    enum Error {
        Cut(u64),
        Work(u64),
        Write(u64),
        Io,
    }

    impl From<std::io::Error> for Error {
        fn from(_: std::io::Error) -> Self {
            Error::Io
        }
    }

    impl Feed for Numbers<'_> {
        type Job = Job;
        type Error = Error;

        fn cut(&mut self, job: &mut Job) -> Result<Cut, Error> {
            if self.next == self.len {
                return Ok(Cut::End);
            }
            if self.bad_cut == Some(self.next) {
                return Err(Error::Cut(self.next));
            }
            let c = self.counters;
            let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            c.most_in_flight.fetch_max(now, Ordering::SeqCst);
            job.number = self.next;
            self.next += 1;
            Ok(if self.next == self.len {
                Cut::Last
            } else {
                Cut::More
            })
        }
    }

    /// Runs 0..len through the pipeline; the work squares each number
    /// (slowly for some, so that jobs finish out of order) and fails at
    /// `bad_work`; the writing fails at `bad_write`. Returns what was
    /// written, the outcome, and the most jobs in flight at once.
    fn pipeline(
        threads: usize,
        len: u64,
        bad: (Option<u64>, Option<u64>, Option<u64>),
    ) -> (Vec<u64>, Result<u64, Error>, u64) {
        let (bad_cut, bad_work, bad_write) = bad;
        let counters = Counters::default();
        let mut feed = Numbers {
            next: 0,
            len,
            bad_cut,
            counters: &counters,
        };
        let mut written = Vec::new();
        let outcome = run(
            threads,
            &mut feed,
            || 0u64,
            |jobs_done, job| {
                if job.number % 7 == 3 {
                    std::thread::sleep(Duration::from_millis(2));
                }
                // A failing job has done its part first, which is written.
                job.square = job.number * job.number;
                if bad_work == Some(job.number) {
                    return Err(Error::Work(job.number));
                }
                *jobs_done += 1;
                Ok(())
            },
            |job| {
                if bad_write == Some(job.number) {
                    return Err(Error::Write(job.number));
                }
                assert_eq!(job.square, job.number * job.number);
                written.push(job.number);
                counters.in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .map(|states| states.iter().sum());
        let most = counters.most_in_flight.load(Ordering::SeqCst);
        (written, outcome, most)
    }

    #[test]
    fn jobs_are_written_in_input_order_with_any_thread_count() {
        for threads in [1, 2, 3, 8] {
            let (written, outcome, _) = pipeline(threads, 200, (None, None, None));
            assert_eq!(written, (0..200).collect::<Vec<_>>(), "{threads} threads");
            // Every job was worked on by some thread, once.
            assert_eq!(outcome, Ok(200), "{threads} threads");
        }
    }

    #[test]
    fn at_most_two_jobs_per_thread_and_one_more_are_in_flight() {
        for threads in [1, 2, 4] {
            let (_, _, most) = pipeline(threads, 300, (None, None, None));
            assert!(most <= 2 * threads as u64 + 1, "{threads} threads: {most}");
        }
    }

    #[test]
    fn the_first_error_in_input_order_is_reported() {
        for threads in [1, 2, 5] {
            // A work error before a failed cut wins, and the other way round.
            // The job whose work failed is written too (what it did before
            // failing), then the error; one whose cut failed is not.
            let (written, outcome, _) = pipeline(threads, 100, (Some(60), Some(40), None));
            assert_eq!(outcome, Err(Error::Work(40)), "{threads} threads");
            assert_eq!(written, (0..=40).collect::<Vec<_>>());
            let (written, outcome, _) = pipeline(threads, 100, (Some(30), Some(40), None));
            assert_eq!(outcome, Err(Error::Cut(30)), "{threads} threads");
            assert_eq!(written, (0..30).collect::<Vec<_>>());
            // A failed write stops the run there.
            let (written, outcome, _) = pipeline(threads, 100, (None, None, Some(10)));
            assert_eq!(outcome, Err(Error::Write(10)), "{threads} threads");
            assert_eq!(written, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn an_empty_feed_writes_nothing() {
        for threads in [1, 3] {
            let (written, outcome, _) = pipeline(threads, 0, (None, None, None));
            assert!(written.is_empty());
            assert_eq!(outcome, Ok(0));
        }
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let counters = Counters::default();
        let mut feed = Numbers {
            next: 0,
            len: 10,
            bad_cut: None,
            counters: &counters,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(
                2,
                &mut feed,
                || (),
                |(), job| {
                    assert!(job.number != 4, "worker bug");
                    Ok::<(), Error>(())
                },
                |_| Ok(()),
            )
        }));
        assert!(outcome.is_err());
    }
}
