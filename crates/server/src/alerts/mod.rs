//! Alerts: the rules ([`rules`], pure), their settings (the `[alerts]` section), and
//! the silence check ([`silence`]), a background task over the store with an injected
//! clock. Event rules run inside the ingest transaction (the stores call
//! [`rules::raise`]), so an alert is stored exactly when its events are; a refused batch
//! is recorded as an alert under its refusal's code.

pub mod rules;
pub mod silence;
pub mod webhook;

use serde::Deserialize;

/// The `[alerts]` settings section. The webhook secret is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// Raise `device_silent` for an active device that sent no accepted batch for more
    /// than this many seconds; 0: never.
    pub silent_after_secs: u64,
    /// How often the silence check runs, in seconds.
    pub silence_check_secs: u64,
    /// Each new alert is POSTed here as JSON (`https://…`, or `http://` to a loopback
    /// address); empty: no webhook.
    pub webhook_url: String,
    /// The HMAC-SHA256 key of the webhook's signature header (a secret; required with a
    /// URL).
    pub webhook_secret: String,
    /// Attempts per delivery round (exponential backoff between them); a round that
    /// fails leaves the alert queued for a later round.
    pub webhook_attempts: u32,
    /// The first backoff, in milliseconds (doubling each attempt, at most 60 s).
    pub webhook_backoff_ms: u64,
    /// How often the queue is read, in seconds.
    pub webhook_poll_secs: u64,
}

impl std::fmt::Debug for AlertSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertSettings")
            .field("silent_after_secs", &self.silent_after_secs)
            .field("silence_check_secs", &self.silence_check_secs)
            .field(
                "webhook_url",
                &crate::settings::redact_url(&self.webhook_url),
            )
            .field(
                "webhook_secret",
                &if self.webhook_secret.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("webhook_attempts", &self.webhook_attempts)
            .field("webhook_backoff_ms", &self.webhook_backoff_ms)
            .field("webhook_poll_secs", &self.webhook_poll_secs)
            .finish()
    }
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            silent_after_secs: 0,
            silence_check_secs: 60,
            webhook_url: String::new(),
            webhook_secret: String::new(),
            webhook_attempts: 5,
            webhook_backoff_ms: 1_000,
            webhook_poll_secs: 5,
        }
    }
}

/// Why an `[alerts]` environment variable was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertSettingsError {
    /// Not a number.
    #[error("not a number")]
    NotSeconds,
    /// No such setting.
    #[error("no such alerts setting")]
    Unknown,
}

impl AlertSettings {
    /// Sets `key` (the variable's name after `CLINIC_VAULT_SERVER_ALERTS_`).
    pub fn set_from_env(&mut self, key: &str, value: &str) -> Result<(), AlertSettingsError> {
        let secs = || {
            value
                .parse::<u64>()
                .map_err(|_| AlertSettingsError::NotSeconds)
        };
        match key {
            "SILENT_AFTER_SECS" => self.silent_after_secs = secs()?,
            "SILENCE_CHECK_SECS" => self.silence_check_secs = secs()?.max(1),
            "WEBHOOK_URL" => self.webhook_url = value.to_owned(),
            "WEBHOOK_SECRET" => self.webhook_secret = value.to_owned(),
            "WEBHOOK_ATTEMPTS" => {
                self.webhook_attempts =
                    u32::try_from(secs()?).map_err(|_| AlertSettingsError::NotSeconds)?;
            }
            "WEBHOOK_BACKOFF_MS" => self.webhook_backoff_ms = secs()?,
            "WEBHOOK_POLL_SECS" => self.webhook_poll_secs = secs()?.max(1),
            _ => return Err(AlertSettingsError::Unknown),
        }
        Ok(())
    }
}
