//! The command line, shared by the binary and the tests.

use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd;
use crate::error::UsageError;

/// Multi-label classification losses exactly as PyTorch computes them, scikit-learn's multi-label
/// metrics and its MultiLabelBinarizer, on files.
///
/// Inputs, files or - for stdin: CSV, TSV, JSON, JSON Lines, NumPy .npy and .npz, Parquet, and
/// Arrow IPC (file or stream: Feather v2, .arrow); each may be gzip- or zstd-compressed or in a
/// zip archive (FILE:MEMBER). The format comes from the content, else --format, else the
/// extension (the README's "Input formats").
#[derive(Debug, Parser)]
#[command(
    name = "mlloss",
    version = env!("MLLOSS_VERSION_TEXT"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Turn label lists into a 0/1 matrix (MultiLabelBinarizer.fit_transform).
    Binarize(Box<cmd::binarize::Args>),
    /// Compute a multi-label loss (BCEWithLogitsLoss, MultiLabelSoftMarginLoss, focal, …) from files.
    Loss(Box<cmd::loss::Args>),
    /// scikit-learn's multi-label metrics (F1, AUROC, AP, ranking metrics, …) from files.
    Metrics(Box<cmd::metrics::Args>),
    /// scikit-learn's classification_report (per class and averaged precision, recall, F1) from scores.
    Report(Box<cmd::report::Args>),
    /// Each class's best threshold for an objective (F1, Fβ, precision at recall, …), exactly.
    Tune(Box<cmd::tune::Args>),
    /// ROC, precision–recall and reliability curves' points (scikit-learn's), and their plots.
    Curves(Box<cmd::curves::Args>),
    /// Combine the `loss --partial` (or `metrics --partial`) states of sharded runs into the unsharded result.
    Merge(cmd::merge::Args),
    /// Write a shell completion script to stdout.
    Completions(cmd::completions::CompletionsArgs),
    /// Write the manual page (roff) to stdout.
    Man(cmd::completions::ManArgs),
}

impl Cli {
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Binarize(args) => cmd::binarize::run(*args),
            Command::Loss(args) => cmd::loss::run(*args),
            Command::Metrics(args) => cmd::metrics::run(*args),
            Command::Report(args) => cmd::report::run(*args),
            Command::Tune(args) => cmd::tune::run(*args),
            Command::Curves(args) => cmd::curves::run(*args),
            Command::Merge(args) => cmd::merge::run(args),
            Command::Completions(args) => cmd::completions::completions(args, Cli::command()),
            Command::Man(args) => cmd::completions::man(args, Cli::command()),
        }
    }
}

impl UsageError {
    /// The error as clap prints it: the message, then the subcommand's
    /// usage line and a pointer to `--help`.
    pub fn to_clap(&self) -> clap::Error {
        let cli = Cli::command();
        let mut command = match cli.find_subcommand(self.subcommand) {
            Some(sub) => sub.clone().bin_name(format!("mlloss {}", self.subcommand)),
            None => cli,
        };
        command.error(self.kind, &self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_help_ends_with_examples() {
        for sub in Cli::command().get_subcommands() {
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Examples:\n  mlloss "),
                "{}",
                sub.get_name()
            );
        }
    }

    #[test]
    fn every_argument_is_documented() {
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "{} {id} has no help",
                    sub.get_name()
                );
            }
        }
    }
}
