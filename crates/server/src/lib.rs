//! The clinic's sync server as a library: [`app`] builds the axum router over an
//! [`AppState`] (store, blob store, clock, signing key, limits), so every handler is
//! tested in-process; `main.rs` is a thin command line over [`cli`].
//!
//! The server never depends on core: everything hashed, signed or sent comes from
//! `clinic-vault-proto` (a tidy test checks the manifest).
#![deny(missing_docs)]

pub mod alerts;
pub mod api;
pub mod auth;
pub mod blobs;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod error;
pub mod hex;
pub mod keys;
pub mod limits;
pub mod listen;
pub mod logging;
pub mod metrics;
pub mod rate;
pub mod serve;
pub mod settings;
pub mod store;
pub mod tls;
pub mod tokens;
pub mod web;

use std::sync::Arc;

use clinic_vault_proto::ed25519_dalek::SigningKey;

pub use api::app;
pub use blobs::Blobs;
pub use clock::{Clock, ManualClock, SystemClock};
pub use settings::Settings;
pub use store::Store;

/// The limits a running server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest blob, in bytes.
    pub max_blob_bytes: usize,
    /// The largest JSON body, in bytes.
    pub max_body_bytes: usize,
    /// The most events in one batch.
    pub max_batch_events: usize,
    /// The timestamp window (either side of the server's clock), in microseconds.
    pub window_us: i64,
}

impl Limits {
    /// The limits the settings ask for.
    pub fn from_settings(settings: &Settings) -> Limits {
        Limits {
            max_blob_bytes: usize::try_from(settings.max_blob_bytes).unwrap_or(usize::MAX),
            max_body_bytes: usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX),
            max_batch_events: settings.max_batch_events as usize,
            window_us: i64::from(settings.timestamp_window_secs) * 1_000_000,
        }
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The blob store.
    pub blobs: Blobs,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The key that signs head receipts.
    pub signing_key: Arc<SigningKey>,
    /// The limits.
    pub limits: Limits,
    /// The admin page's settings, keys, logouts and login limit.
    pub admin_web: web::AdminWeb,
    /// Rate tables, time and body limits (`[limits]`).
    pub guard: limits::Guard,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signing key is a secret: only its public half is shown.
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("blobs", &self.blobs)
            .field("clock", &self.clock)
            .field(
                "server_public_key",
                &hex::hex(self.signing_key.verifying_key().as_bytes()),
            )
            .field("limits", &self.limits)
            .field("admin_web", &self.admin_web)
            .field("guard", &self.guard)
            .finish()
    }
}
