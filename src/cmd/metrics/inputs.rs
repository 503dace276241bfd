//! The options of every command that reads SCORES and TARGETS as `metrics`
//! does (`metrics`, and the commands built on its pipeline): clap structs
//! each command flattens into its own arguments, so that the inputs, their
//! pairing and the curves' memory are spelled and checked once.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use crate::cmd::options::{TableArgs, parse_ignore_value, parse_threads};
use crate::cmd::pairing::PairOptions;
use crate::cmd::pairing::select::{self, Spec};
use crate::cmd::target_labels::{LabelArgs, LabelInputs};
use crate::metrics::{Family, Scores, listing};

/// SCORES and TARGETS, how they pair, and where the result goes.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Scores: logits (or probabilities with --scores probs), an N×C numeric matrix, or - for stdin.
    #[arg(value_name = "SCORES")]
    pub scores_file: PathBuf,

    /// Targets, 0 or 1: an N×C matrix, or - for stdin; none when SCORES holds both
    /// (--scores-columns and --targets-columns).
    #[arg(value_name = "TARGETS", required_unless_present_all = ["scores_columns", "targets_columns"])]
    pub targets: Option<PathBuf>,

    /// Whether SCORES are logits or probabilities.
    #[arg(long = "scores", value_enum, value_name = "KIND", default_value_t = Scores::Logits)]
    pub scores_kind: Scores,

    /// Target elements equal to V are missing: they take no part (e.g. -1, nan, or null).
    #[arg(long, value_name = "V", value_parser = parse_ignore_value, allow_hyphen_values = true)]
    pub ignore_value: Option<f64>,

    /// SCORES' columns: names (p_* wildcards) or 1-based positions and ranges, comma-separated.
    #[arg(long, value_name = "SPEC", value_parser = select::parse, visible_alias = "logits-columns")]
    pub scores_columns: Option<Spec>,

    /// TARGETS' columns, as --scores-columns; with both, TARGETS may be left out: one file holds
    /// both.
    #[arg(long, value_name = "SPEC", value_parser = select::parse)]
    pub targets_columns: Option<Spec>,

    #[command(flatten)]
    pub labels: LabelArgs,

    #[command(flatten)]
    pub table: TableArgs,

    /// No progress bar (shown on stderr when it is a terminal and a run takes a while).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write to FILE instead of stdout; FILE is replaced only if the command succeeds.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Threads that parse and compute, 1–1024 (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<NonZeroUsize>,
}

/// How each class's scores are walked (every score, spilled within the
/// limit, or B bins): for the commands that read the curves.
#[derive(Debug, clap::Args)]
pub struct CurveArgs {
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u32).range(1..=100_000_000),
        help = format!("{} from B bins of σ(x) or p per class (mergeable, bounded memory, \
            approximate) instead of every score", listing::family(Family::Curve)))]
    pub bins: Option<u32>,

    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, default_value = "256M",
        help = format!("Memory for exact {}: scores beyond it are sorted in runs, kept in \
            temporary files ($TMPDIR) and merged. K, M, G suffixes are powers of 1024",
            listing::family(Family::Curve)))]
    pub memory_limit: u64,
}

impl InputArgs {
    /// How SCORES and TARGETS pair, for `command`'s messages.
    pub(crate) fn pair_options(&self, command: &'static str) -> PairOptions<'_> {
        PairOptions {
            command,
            logits_columns: self.scores_columns.as_ref(),
            targets_columns: self.targets_columns.as_ref(),
            key: self.table.key.as_deref(),
            format: self.table.format,
            dialects: [self.table.dialect(), self.table.targets_dialect()],
        }
    }

    /// What `--target-labels` settles with.
    pub(crate) fn label_inputs(&self, command: &'static str) -> LabelInputs<'_> {
        LabelInputs {
            command,
            logits_columns: self.scores_columns.as_ref(),
            targets: self.targets.as_deref(),
            format: self.table.format,
        }
    }
}

/// `--memory-limit`: bytes, with K, M, G or T (powers of 1024; an optional
/// `B` or `iB` after it).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let upper = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, shift) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 10),
        Some('M') => (&upper[..upper.len() - 1], 20),
        Some('G') => (&upper[..upper.len() - 1], 30),
        Some('T') => (&upper[..upper.len() - 1], 40),
        _ => (upper, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 256M, 1G, 65536)"))?;
    n.checked_mul(1 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{text:?} is not a size between 1 byte and 16 EiB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("256M"), Ok(256 << 20));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        assert_eq!(parse_bytes("64KiB"), Ok(64 << 10));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("12X").is_err());
        assert!(parse_bytes("99999999999T").is_err());
    }
}
