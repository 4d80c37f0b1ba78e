//! `clinic-vault-render`: enters the sandbox, reads one request from stdin, writes one
//! answer to stdout and exits 0; on failure writes one word on stderr and exits non-zero.
//! Usage: `clinic-vault-render [--max-memory-bytes N] [--max-cpu-seconds N]`.

use std::io::{self, Write};
use std::process::ExitCode;

use clinic_vault_render::protocol::{self, Operation};
use clinic_vault_render::sandbox::{self, Limits};
use clinic_vault_render::{raster, Failure};

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Limits, Failure> {
    let mut limits = Limits::default();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or(Failure::BadArguments)?;
        match flag.as_str() {
            "--max-memory-bytes" => limits.max_memory_bytes = value,
            "--max-cpu-seconds" => limits.max_cpu_seconds = value,
            _ => return Err(Failure::BadArguments),
        }
    }
    Ok(limits)
}

fn run() -> Result<(), Failure> {
    // A panic's message may quote what `hayro` was parsing: say nothing, the caught
    // panic becomes the word `panicked`.
    std::panic::set_hook(Box::new(|_| {}));
    let limits = parse_args(std::env::args().skip(1))?;
    sandbox::enter(&limits)?;
    let (header, pdf) = protocol::read_request(&mut io::stdin().lock())?;
    let mut out = io::stdout().lock();
    match header.operation {
        Operation::Count => {
            let n_pages = raster::page_count(pdf)?;
            protocol::write_count(&mut out, n_pages).map_err(|_| Failure::WriteFailed)
        }
        Operation::Page { page, width_px } => {
            let drawn = raster::render_page(pdf, page, width_px)?;
            protocol::write_page(&mut out, drawn.width, drawn.height, &drawn.rgba)
                .map_err(|_| Failure::WriteFailed)
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // One word, never content: the parent may put it in an audit event.
            let _ = writeln!(io::stderr(), "{}", failure.reason());
            ExitCode::from(u8::try_from(failure.exit_code()).unwrap_or(1))
        }
    }
}
