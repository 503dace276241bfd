//! Where each of `loss`'s inputs comes from (LOGITS, TARGETS, the weight
//! files), and what cannot be read from there: the plan opens them, and
//! `weights.rs` reads the weight files and TARGETS' second pass.

use super::args::{Args, PosWeight};
use crate::error::UsageError;
use crate::input::{FileIdentity, Source};

/// Where each input comes from.
pub(super) struct Sources {
    pub(super) logits: Source,
    /// `None`: LOGITS' file holds the targets too.
    pub(super) targets: Option<Source>,
    /// `--weight-file`, `--pos-weight-file`.
    pub(super) weights: [Option<Source>; 2],
    /// TARGETS' file before anything was read (`--pos-weight auto` reads
    /// it twice: it must not change in between).
    pub(super) targets_identity: Option<FileIdentity>,
}

impl Sources {
    /// Refuses what cannot be read: two inputs on stdin, and a second pass
    /// over TARGETS (`--pos-weight auto`) on a stream.
    pub(super) fn new(args: &Args) -> Result<Sources, UsageError> {
        let sources = Sources {
            logits: Source::from_arg(&args.logits),
            targets: args.targets.as_deref().map(Source::from_arg),
            weights: [&args.weight_file, &args.pos_weight_file]
                .map(|f| f.as_deref().map(Source::from_arg)),
            targets_identity: None,
        };
        let sources = Sources {
            targets_identity: FileIdentity::of(sources.targets()),
            ..sources
        };
        let from_stdin = [Some(&sources.logits), sources.targets.as_ref()]
            .into_iter()
            .chain(sources.weights.iter().map(Option::as_ref))
            .flatten()
            .filter(|s| s.is_stdin())
            .count();
        if from_stdin > 1 {
            return Err(usage("only one input can be stdin (-)".into()));
        }
        if args.pos_weight == Some(PosWeight::Auto) && args.labels.target_labels {
            return Err(usage(
                "--pos-weight auto counts a matrix of targets; with --target-labels give --pos-weight values"
                    .into(),
            ));
        }
        args.labels.check(
            "loss",
            args.table.key.as_deref(),
            args.targets.as_deref(),
            args.targets_columns.as_ref(),
        )?;
        if args.pos_weight == Some(PosWeight::Auto) && !sources.targets().is_regular_file() {
            return Err(usage(
                "--pos-weight auto reads TARGETS twice: give TARGETS as a file, not a pipe or stdin"
                    .into(),
            ));
        }
        Ok(sources)
    }
}

impl Sources {
    /// The file TARGETS is read from.
    pub(super) fn targets(&self) -> &Source {
        self.targets.as_ref().unwrap_or(&self.logits)
    }
}

fn usage(message: String) -> UsageError {
    UsageError::new("loss", message)
}
