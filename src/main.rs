//! The binary: parse the command line, run, and turn every error into one
//! line on stderr and an exit code (1 for bad input, 2 for usage errors).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use mlloss::cli::Cli;
use mlloss::error::UsageError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(err),
    }
}

fn report(err: anyhow::Error) -> ExitCode {
    // A reader that went away (`mlloss … | head`) is a normal end.
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    // Usage errors found after parsing: print and exit 2 as clap does.
    if let Some(usage) = err.downcast_ref::<UsageError>() {
        let _ = usage.to_clap().print();
        return ExitCode::from(2);
    }
    let message = err
        .chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    let _ = writeln!(
        io::stderr().lock(),
        "mlloss: error: {}",
        message.replace('\n', " ")
    );
    ExitCode::from(1)
}
