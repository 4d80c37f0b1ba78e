//! Structured logs: one JSON object per line on stderr, filtered by `RUST_LOG` (default
//! `info`). Handlers log ids, codes and counts, never an event's content, a name or a
//! body, so the log holds no PHI.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber; a second call (tests) leaves the first in place.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_set = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .try_init();
}
