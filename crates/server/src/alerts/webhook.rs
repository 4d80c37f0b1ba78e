//! Delivery of new alerts to a webhook: every alert is queued in the store in the
//! transaction that stores it (`webhook_queue`), so none is lost and delivery resumes
//! after a restart; a task claims the due ones, POSTs each as JSON with an HMAC-SHA256
//! signature, retried with exponential backoff (`backon`); a round that still fails
//! leaves the alert queued, due again after a longer wait. Delivery is at least once
//! (a crash after the receiver's answer and before the queue row is deleted sends it
//! again): receivers deduplicate by `alert_id`.
//!
//! The payload holds what the alert holds: its id, code, device id, seq, the user id
//! and action name as the events carry them, times and a count; never PHI.

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::AlertSettings;
use crate::hex::hex;
use crate::store::{Alert, Store, StoreError};
use crate::Clock;

/// The header with the signature, `sha256=` and 64 lowercase hex digits.
pub const HEADER_SIGNATURE: &str = "x-clinic-vault-signature";
/// The header with the time signed, microseconds since the epoch.
pub const HEADER_TIMESTAMP: &str = "x-clinic-vault-timestamp";
/// How long a claimed alert is left to one deliverer before another may take it.
pub const LEASE_US: i64 = 5 * 60 * 1_000_000;
/// The most alerts one round claims.
pub const ROUND_SIZE: u32 = 50;
/// The longest wait between rounds for one alert (1 hour).
pub const MAX_ROUND_WAIT_US: i64 = 3_600 * 1_000_000;

/// Why the webhook cannot run or a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The URL is neither `https://` nor `http://` to a loopback address.
    #[error("alerts.webhook_url must be https, or http to a loopback address")]
    InsecureUrl,
    /// A URL was set without a secret.
    #[error("alerts.webhook_secret must be set with alerts.webhook_url")]
    NoSecret,
    /// The HTTP client could not be built.
    #[error("webhook client: {0}")]
    Client(reqwest::Error),
    /// The request failed (connection, timeout).
    #[error("webhook request failed")]
    Request(#[source] reqwest::Error),
    /// The receiver answered other than 2xx.
    #[error("the webhook answered {0}")]
    Status(u16),
    /// The payload could not be encoded.
    #[error("webhook payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// The JSON body of one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload<'a> {
    /// The alert's id (deduplicate by it).
    pub alert_id: i64,
    /// When it was raised, microseconds UTC.
    pub time_us: i64,
    /// Its code.
    pub code: &'a str,
    /// The device.
    pub device_id: &'a str,
    /// The seq it names.
    pub seq: Option<u64>,
    /// The user id the event names.
    pub actor: Option<&'a str>,
    /// The action's name in the catalogue.
    pub action: Option<&'a str>,
    /// The event's time.
    pub event_time_us: Option<i64>,
    /// How many events it covers.
    pub n_events: Option<u64>,
}

impl<'a> Payload<'a> {
    /// The payload of `alert`.
    pub fn of(alert: &'a Alert) -> Payload<'a> {
        Payload {
            alert_id: alert.alert_id,
            time_us: alert.time_us,
            code: &alert.code,
            device_id: &alert.device_id,
            seq: alert.seq,
            actor: alert.actor.as_deref(),
            action: alert.action.as_deref(),
            event_time_us: alert.event_time_us,
            n_events: alert.n_events,
        }
    }
}

/// The signature header's value for `body` sent at `timestamp_us`:
/// `sha256=` + hex(HMAC-SHA256(secret, "{timestamp_us}." ‖ body)).
pub fn signature(secret: &[u8], timestamp_us: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp_us.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

fn loopback_http(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// A configured webhook.
pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: Vec<u8>,
    backoff: ExponentialBuilder,
    first_wait_us: i64,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &crate::settings::redact_url(self.url.as_str()))
            .field("secret", &"***")
            .finish()
    }
}

impl Webhook {
    /// The webhook the settings name; `None` when no URL is set.
    pub fn from_settings(settings: &AlertSettings) -> Result<Option<Webhook>, WebhookError> {
        if settings.webhook_url.trim().is_empty() {
            return Ok(None);
        }
        let url: reqwest::Url = settings
            .webhook_url
            .trim()
            .parse()
            .map_err(|_| WebhookError::InsecureUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if loopback_http(&url) => {}
            _ => return Err(WebhookError::InsecureUrl),
        }
        if settings.webhook_secret.is_empty() {
            return Err(WebhookError::NoSecret);
        }
        crate::tls::install_crypto();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(WebhookError::Client)?;
        let first = Duration::from_millis(settings.webhook_backoff_ms.max(1));
        let backoff = ExponentialBuilder::default()
            .with_min_delay(first)
            .with_max_delay(Duration::from_secs(60))
            .with_max_times(settings.webhook_attempts.max(1) as usize - 1);
        Ok(Some(Webhook {
            client,
            url,
            secret: settings.webhook_secret.as_bytes().to_vec(),
            backoff,
            first_wait_us: i64::try_from(first.as_micros()).unwrap_or(i64::MAX),
        }))
    }

    /// One POST of `alert`, signed at `now_us`.
    pub async fn send(&self, alert: &Alert, now_us: i64) -> Result<(), WebhookError> {
        let body = serde_json::to_vec(&Payload::of(alert))?;
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER_TIMESTAMP, now_us.to_string())
            .header(HEADER_SIGNATURE, signature(&self.secret, now_us, &body))
            .body(body)
            .send()
            .await
            .map_err(WebhookError::Request)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(status.as_u16()))
        }
    }

    /// `send` with the configured attempts and exponential backoff between them.
    pub async fn send_with_retries(
        &self,
        alert: &Alert,
        clock: &dyn Clock,
    ) -> Result<(), WebhookError> {
        (|| async { self.send(alert, clock.now_us()).await })
            .retry(self.backoff)
            .sleep(tokio::time::sleep)
            .notify(|e, wait| {
                tracing::warn!(alert_id = alert.alert_id, detail = %e, wait_ms = wait.as_millis() as u64, "webhook: retrying");
            })
            .await
    }

    /// How long after its `n_failed`-th failed round an alert is due again: the first
    /// backoff doubled per round, at most [`MAX_ROUND_WAIT_US`].
    pub fn round_wait_us(&self, n_failed: u32) -> i64 {
        let doubled = self
            .first_wait_us
            .saturating_mul(1_i64.checked_shl(n_failed.min(40)).unwrap_or(i64::MAX));
        doubled.clamp(self.first_wait_us, MAX_ROUND_WAIT_US)
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Alerts the webhook took.
    pub delivered: usize,
    /// Alerts left queued after their attempts failed.
    pub failed: usize,
}

/// Claims the due alerts and delivers each (oldest first).
pub async fn deliver_due(
    store: &dyn Store,
    clock: &dyn Clock,
    webhook: &Webhook,
) -> Result<Round, StoreError> {
    let now_us = clock.now_us();
    let claimed = store
        .claim_deliveries(now_us, now_us.saturating_add(LEASE_US), ROUND_SIZE)
        .await?;
    let mut round = Round::default();
    for delivery in claimed {
        let alert_id = delivery.alert.alert_id;
        match webhook.send_with_retries(&delivery.alert, clock).await {
            Ok(()) => {
                store.delivered(alert_id).await?;
                round.delivered += 1;
            }
            Err(e) => {
                let next = clock
                    .now_us()
                    .saturating_add(webhook.round_wait_us(delivery.n_attempts));
                tracing::warn!(alert_id, detail = %e, "webhook: delivery failed; queued again");
                store.delivery_failed(alert_id, next).await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// Runs [`deliver_due`] every `webhook_poll_secs` until dropped.
pub fn spawn(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    webhook: Webhook,
    poll_secs: u64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(poll_secs.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(store.as_ref(), clock.as_ref(), &webhook).await {
                tracing::error!(detail = %e, "webhook: storage failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_timestamp_and_body() {
        // The MAC of the bytes "{timestamp}." ‖ body, computed apart.
        let body = br#"{"alert_id":1}"#;
        let got = signature(b"Jefe", 1_700_000_000_000_000, body);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"1700000000000000.{\"alert_id\":1}");
        assert_eq!(got, format!("sha256={}", hex(&mac.finalize().into_bytes())));
        assert_eq!(got.len(), "sha256=".len() + 64);
        assert_ne!(got, signature(b"Jefe", 1_700_000_000_000_001, body));
    }

    #[test]
    fn only_https_or_loopback_http_with_a_secret() {
        let with = |url: &str, secret: &str| AlertSettings {
            webhook_url: url.into(),
            webhook_secret: secret.into(),
            ..AlertSettings::default()
        };
        assert!(matches!(Webhook::from_settings(&with("", "")), Ok(None)));
        for ok in [
            "https://hooks.example/alerts",
            "http://127.0.0.1:9000/x",
            "http://[::1]:9000/x",
            "http://localhost/x",
        ] {
            assert!(
                matches!(Webhook::from_settings(&with(ok, "k")), Ok(Some(_))),
                "{ok}"
            );
        }
        for insecure in ["http://hooks.example/x", "ftp://127.0.0.1/", "not a url"] {
            assert!(
                matches!(
                    Webhook::from_settings(&with(insecure, "k")),
                    Err(WebhookError::InsecureUrl)
                ),
                "{insecure}"
            );
        }
        assert!(matches!(
            Webhook::from_settings(&with("https://hooks.example/", "")),
            Err(WebhookError::NoSecret)
        ));
        let debug = format!("{:?}", with("https://hooks.example/", "s3cr3t"));
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }

    #[test]
    fn rounds_wait_longer_each_time_up_to_an_hour() -> Result<(), WebhookError> {
        let settings = AlertSettings {
            webhook_url: "https://hooks.example/".into(),
            webhook_secret: "k".into(),
            webhook_backoff_ms: 1_000,
            ..AlertSettings::default()
        };
        let webhook = Webhook::from_settings(&settings)?.ok_or(WebhookError::NoSecret)?;
        let waits: Vec<i64> = (0..4).map(|n| webhook.round_wait_us(n)).collect();
        assert_eq!(waits, [1_000_000, 2_000_000, 4_000_000, 8_000_000]);
        assert_eq!(webhook.round_wait_us(30), MAX_ROUND_WAIT_US);
        assert_eq!(webhook.round_wait_us(u32::MAX), MAX_ROUND_WAIT_US);
        Ok(())
    }
}
