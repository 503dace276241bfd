//! `mlloss completions SHELL` and `mlloss man`: generated from the clap
//! definition, so that they always match the options.

use crate::error::UsageError;
use crate::output::Output;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlloss completions bash > ~/.local/share/bash-completion/completions/mlloss
  mlloss completions zsh > ~/.zfunc/_mlloss
  mlloss completions fish > ~/.config/fish/completions/mlloss.fish")]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlloss man > mlloss.1 && man ./mlloss.1
  mlloss man loss | man -l -")]
pub struct ManArgs {
    /// The subcommand whose page to write (binarize, loss, …); the tool's page without it.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

/// `cli` is the whole command line's definition, which the script describes.
pub fn completions(args: CompletionsArgs, mut cli: clap::Command) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "mlloss", &mut script);
    write_all(&script)
}

/// `cli` is the whole command line's definition, which the page describes.
pub fn man(args: ManArgs, cli: clap::Command) -> anyhow::Result<()> {
    let command = match &args.subcommand {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                return Err(UsageError {
                    kind: crate::error::UsageKind::InvalidValue,
                    ..UsageError::new("man", format!("no subcommand named {name:?}"))
                }
                .into());
            };
            // The page is named as `man` looks it up: mlloss-loss(1).
            sub.clone().name(format!("mlloss-{name}"))
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    write_all(&page)
}

fn write_all(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = Output::stdout();
    out.write_bytes(bytes)?;
    out.finish()?;
    Ok(())
}
