//! A progress bar on stderr for long runs (indicatif): shown only when
//! stderr is a terminal, only once a run has taken more than a moment, and
//! never with `--quiet`. Nothing goes to stdout.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before its bar appears: short runs stay silent.
const DEFAULT_DELAY: Duration = Duration::from_millis(1500);

pub struct Progress {
    enabled: bool,
    start: Instant,
    delay: Duration,
    /// Total work in the unit of `advance` (bytes of input), if known.
    total: Option<u64>,
    done: u64,
    what: &'static str,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `total`: bytes (or items) to do, when known; `what`: the unit shown
    /// by a bar without a total.
    pub fn new(quiet: bool, total: Option<u64>, what: &'static str) -> Self {
        // MLLOSS_PROGRESS_DELAY_MS shortens the wait (the tests use it).
        let delay = std::env::var("MLLOSS_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DEFAULT_DELAY, Duration::from_millis);
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            delay,
            total,
            done: 0,
            what,
            bar: None,
        }
    }

    /// Records `amount` more work done.
    #[inline]
    pub fn advance(&mut self, amount: u64) {
        self.done += amount;
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() >= self.delay {
            self.bar = Some(self.make_bar());
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        }
    }

    fn make_bar(&self) -> ProgressBar {
        let target = ProgressDrawTarget::stderr_with_hz(10);
        let bar = match self.total {
            Some(total) => {
                let bar = ProgressBar::with_draw_target(Some(total), target);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
                bar
            }
            None => {
                let bar = ProgressBar::with_draw_target(None, target);
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {human_pos} {msg}")
                        .expect("a valid template"),
                );
                bar.set_message(self.what);
                bar
            }
        };
        bar.set_position(self.done);
        bar
    }

    /// Removes the bar, so that what follows on stderr starts on a clean line.
    pub fn finish(mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An error also ends the run: clear the bar before its message.
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
