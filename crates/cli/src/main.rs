//! `clinicvault`: parses the command line, reads secrets from stdin, calls core, prints
//! one result per command (text, or one JSON object per line with `--json`) and turns
//! every failure into one clear line and a stable error code. Never a panic trace.
#![allow(clippy::print_stdout)]

mod args;
mod error;
mod input;
mod messages;
mod records;
mod render;
mod run;
mod scans;
mod sync;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use error::Error;

static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

/// Prints an error: one line on stderr, and the JSON object on stdout with `--json`.
pub(crate) fn report_error(err: &Error) {
    if JSON_ERRORS.load(Ordering::Relaxed) {
        println!("{}", render::json_line(&render::error_json(err)));
    }
    eprintln!(
        "clinicvault: {} ({})",
        one_line(&messages::error_message(err)),
        err.code()
    );
}

/// A message as one terminal line: control characters (line breaks, escape sequences
/// from typed input) are shown escaped.
fn one_line(message: &str) -> String {
    render::terminal_safe(message, false)
}

fn main() -> ExitCode {
    clinic_vault_core::hardening::disable_core_dumps();
    std::panic::set_hook(Box::new(|_| {
        report_error(&Error::Io(
            "unexpected internal error; nothing was changed after the last reported result".into(),
        ));
    }));
    // Decide on JSON errors before clap runs, so usage errors honour --json too.
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    JSON_ERRORS.store(raw.iter().any(|a| a == "--json"), Ordering::Relaxed);
    let cli = match args::Cli::try_parse_from(&raw) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match std::panic::catch_unwind(|| run::run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            report_error(&err);
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(70),
    }
}

fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    report_error(&Error::Usage(clap_message(&e)));
    ExitCode::from(2)
}

/// The first line of clap's message, without its "error: " prefix or styling.
pub(crate) fn clap_message(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    format!(
        "{} (see clinicvault --help)",
        first.trim_start_matches("error: ").trim()
    )
}
