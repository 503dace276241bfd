//! The command line, shared by the binary and the tests.

use clap::{Parser, Subcommand};

use crate::cmd;

/// Multi-label classification losses exactly as PyTorch computes them, and
/// scikit-learn's MultiLabelBinarizer, on CSV, TSV, JSON and JSONL files.
#[derive(Debug, Parser)]
#[command(
    name = "mlloss",
    version,
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
    Binarize(cmd::binarize::Args),
    /// Compute a multi-label loss (BCEWithLogitsLoss, MultiLabelSoftMarginLoss, focal, …) from files.
    Loss(cmd::loss::Args),
}

impl Cli {
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Binarize(args) => cmd::binarize::run(args),
            Command::Loss(args) => cmd::loss::run(args),
        }
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
