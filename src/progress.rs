//! A progress bar on stderr for long runs (indicatif): shown only when
//! stderr is a terminal, only once a run has taken more than a moment, and
//! never with `--quiet`. Nothing goes to stdout.

use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{
    HumanBytes, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle,
};

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
        self.make_bar_to(ProgressDrawTarget::stderr_with_hz(10))
    }

    /// The bar, its clock started with the run: indicatif's own rate and
    /// ETA count from the bar's creation, so a bar appearing after the
    /// delay with gigabytes already read showed `17 TiB/s`; the rate and
    /// ETA shown are the run's ([`rate`], [`time_left`]).
    fn make_bar_to(&self, target: ProgressDrawTarget) -> ProgressBar {
        let bar = match self.total {
            Some(total) => {
                let bar = ProgressBar::with_draw_target(Some(total), target)
                    .with_elapsed(self.start.elapsed());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} ({run_rate}, {run_left} left)",
                    )
                    .expect("a valid template")
                    .with_key("run_rate", |state: &ProgressState, w: &mut dyn fmt::Write| {
                        let bytes = rate(state.pos(), state.elapsed()).unwrap_or(0.0);
                        let _ = write!(w, "{}/s", HumanBytes(bytes as u64));
                    })
                    .with_key("run_left", |state: &ProgressState, w: &mut dyn fmt::Write| {
                        let total = state.len().unwrap_or(0);
                        let left = time_left(state.pos(), total, state.elapsed());
                        let _ = write!(w, "{:#}", HumanDuration(left.unwrap_or_default()));
                    })
                    .progress_chars("=> "),
                );
                bar
            }
            None => {
                let bar =
                    ProgressBar::with_draw_target(None, target).with_elapsed(self.start.elapsed());
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

/// Work per second over the whole run: `done` in `elapsed` since the run
/// started (not since the bar appeared). `None` before any time has passed.
fn rate(done: u64, elapsed: Duration) -> Option<f64> {
    let seconds = elapsed.as_secs_f64();
    (seconds > 0.0).then(|| done as f64 / seconds)
}

/// The time the rest of `total` takes at the run's rate; `None` while
/// nothing is done (no rate to go by).
fn time_left(done: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    let per_second = rate(done, elapsed).filter(|&r| r > 0.0)?;
    let seconds = total.saturating_sub(done) as f64 / per_second;
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that shows its bar after 1.5 s, with 3 GiB read by then.
    fn late_bar() -> (Progress, ProgressBar) {
        let progress = Progress {
            enabled: true,
            start: Instant::now() - Duration::from_millis(1500),
            delay: DEFAULT_DELAY,
            total: Some(6 << 30),
            done: 3 << 30,
            what: "bytes",
            bar: None,
        };
        let bar = progress.make_bar_to(ProgressDrawTarget::hidden());
        (progress, bar)
    }

    /// The first frames' rate is the run's (2 GiB/s here), not the bytes
    /// read before the bar appeared over the moment since (TiB/s).
    #[test]
    fn the_rate_counts_from_the_start_of_the_run() {
        let (_progress, bar) = late_bar();
        assert!(bar.elapsed() >= Duration::from_millis(1500));
        let shown = rate(bar.position(), bar.elapsed()).unwrap();
        let two_gib = f64::from(2u32 << 30);
        assert!(shown <= two_gib && shown > 0.5 * two_gib, "{shown}");
        let left = time_left(bar.position(), 6 << 30, bar.elapsed()).unwrap();
        assert!(left >= Duration::from_millis(1500), "{left:?}");
    }

    #[test]
    fn rate_and_time_left_of_a_run() {
        assert_eq!(rate(10, Duration::from_secs(4)), Some(2.5));
        assert_eq!(rate(10, Duration::ZERO), None);
        assert_eq!(
            time_left(10, 30, Duration::from_secs(4)),
            Some(Duration::from_secs(8))
        );
        assert_eq!(time_left(0, 30, Duration::from_secs(4)), None);
        assert_eq!(
            time_left(30, 30, Duration::from_secs(4)),
            Some(Duration::ZERO)
        );
    }
}
