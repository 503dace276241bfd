//! `mlloss completions SHELL` and `mlloss man`: generated from the clap
//! definition, so that they always match the options.

use clap::CommandFactory;

use crate::cli::Cli;
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

pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mlloss", &mut script);
    write_all(&script)
}

pub fn man(args: ManArgs) -> anyhow::Result<()> {
    let cli = Cli::command();
    let command = match &args.subcommand {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                return Err(anyhow::Error::new(cli.clone().error(
                    clap::error::ErrorKind::InvalidValue,
                    format!("no subcommand named {name:?}"),
                )));
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
