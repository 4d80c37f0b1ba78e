//! The silence check: every `silence_check_secs`, the devices that sent no accepted
//! batch for more than `silent_after_secs` get one `device_silent` alert per silence
//! ([`rules::silent`] decides; the store's conditional update makes two instances, or
//! two checks, raise it once).

use std::sync::Arc;
use std::time::Duration;

use super::rules;
use super::AlertSettings;
use crate::store::{Alert, Store, StoreError};
use crate::Clock;

/// One check at the clock's time: the alerts it raised.
pub async fn check(
    store: &dyn Store,
    clock: &dyn Clock,
    settings: &AlertSettings,
) -> Result<Vec<Alert>, StoreError> {
    if settings.silent_after_secs == 0 {
        return Ok(Vec::new());
    }
    let after_us =
        i64::try_from(settings.silent_after_secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
    let now_us = clock.now_us();
    let activity = store.activity().await?;
    let mut raised = Vec::new();
    for device in rules::silent(&activity, now_us, after_us) {
        if let Some(alert) = store
            .raise_silence(&device.device_id, device.last_seen_us, now_us)
            .await?
        {
            tracing::warn!(device_id = %alert.device_id, "device silent");
            crate::metrics::alert_raised(&alert.code);
            raised.push(alert);
        }
    }
    Ok(raised)
}

/// Runs [`check`] every `silence_check_secs` until the task is dropped; a failed check
/// is logged and tried again at the next tick. Nothing when the rule is off.
pub fn spawn(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: AlertSettings,
) -> Option<tokio::task::JoinHandle<()>> {
    if settings.silent_after_secs == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_secs(settings.silence_check_secs.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate: the first check waits one period (the server
        // migrates its store meanwhile).
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = check(store.as_ref(), clock.as_ref(), &settings).await {
                tracing::error!(detail = %e, "silence check: storage failed");
            }
        }
    }))
}
