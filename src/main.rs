//! The binary: parse the command line, run, and turn every error into one
//! line on stderr and an exit code (1 for bad input, 2 for usage errors).

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use mlloss::cli::Cli;
use mlloss::error::UsageError;

/// Whether file descriptor 1 was closed when the process started
/// (`mlloss … >&-`). Rust's runtime opens /dev/null on a closed standard
/// descriptor before `main`, where the output would vanish with exit 0;
/// so this is found out earlier, by a constructor the loader runs.
static STDOUT_CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn note_closed_stdout() {
    // SAFETY: F_GETFD only asks about descriptor 1; it fails (EBADF) when
    // the descriptor is not open.
    let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    STDOUT_CLOSED_AT_START.store(closed, Ordering::Relaxed);
}

/// Runs [`note_closed_stdout`] before the runtime's start-up (ELF's
/// `.init_array`, Mach-O's `__mod_init_func`).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

#[cfg(target_vendor = "apple")]
#[used]
#[unsafe(link_section = "__DATA,__mod_init_func")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

fn main() -> ExitCode {
    if STDOUT_CLOSED_AT_START.load(Ordering::Relaxed) {
        mlloss::output::stdout_was_closed();
    }
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
