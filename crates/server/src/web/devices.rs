//! The devices page: every enrolled workstation with its last sync (the arrival of its
//! newest held event), its head, its chain status and whether it is revoked; and
//! revoking one (a confirmation page, then a POST).
//!
//! The held chain is continuous by construction (ingest stores only events that link to
//! it), so a device's chain status is its head plus the batches the server refused for
//! breaking the chain (alerts with a `chain_*` code: gap, fork, tampered, reordered),
//! and how many of those are still open (not acknowledged on the alerts page).

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::html::{page, percent, Html, Section};
use super::session::{check_post, AdminSession};
use super::time::iso_utc;
use super::WebError;
use crate::store::{Alert, AlertQuery, Device};
use crate::AppState;

/// The most alerts the page reads for the chain statuses (the newest).
pub const MAX_ALERTS_READ: u32 = 100_000;

/// What the page says about a device's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    /// No event held yet.
    Empty,
    /// Held without a break up to `head_seq`, and no batch refused.
    Intact {
        /// The highest seq held.
        head_seq: u64,
    },
    /// Held without a break up to `head_seq`, but batches were refused for breaking it.
    Refusals {
        /// The highest seq held.
        head_seq: u64,
        /// How many batches were refused.
        n_refused: usize,
        /// How many of those alerts are not acknowledged.
        n_open: usize,
        /// The latest refusal.
        latest: Refusal,
    },
}

/// A recorded refusal, as this page reads it from an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The device whose batch it was.
    pub device_id: String,
    /// The refusal's code, e.g. `chain_fork`.
    pub kind: String,
    /// The seq at fault, if any.
    pub seq: Option<u64>,
    /// When, microseconds UTC.
    pub time_us: i64,
    /// Whether its alert was acknowledged.
    pub acknowledged: bool,
}

impl Refusal {
    /// The refusal an alert records.
    pub fn of(alert: &Alert) -> Refusal {
        Refusal {
            device_id: alert.device_id.clone(),
            kind: alert.code.clone(),
            seq: alert.seq,
            time_us: alert.time_us,
            acknowledged: alert.acknowledged_us.is_some(),
        }
    }
}

/// The chain status of `device` given the recorded alerts (oldest first); only
/// `chain_*` codes count.
pub fn chain_status(device: &Device, refusals: &[Refusal]) -> ChainStatus {
    let mut chain_refusals = refusals
        .iter()
        .filter(|r| r.device_id == device.device_id && r.kind.starts_with("chain_"));
    let n_refused = chain_refusals.clone().count();
    let n_open = chain_refusals.clone().filter(|r| !r.acknowledged).count();
    match chain_refusals.next_back() {
        Some(latest) => ChainStatus::Refusals {
            head_seq: device.head_seq,
            n_refused,
            n_open,
            latest: latest.clone(),
        },
        None if device.head_seq == 0 => ChainStatus::Empty,
        None => ChainStatus::Intact {
            head_seq: device.head_seq,
        },
    }
}

fn status_cell(h: &mut Html, status: &ChainStatus) {
    match status {
        ChainStatus::Empty => {
            h.raw("<td class=\"chain\">no events yet</td>");
        }
        ChainStatus::Intact { head_seq } => {
            h.raw("<td class=\"chain ok\">intact to seq ")
                .num(*head_seq)
                .raw("</td>");
        }
        ChainStatus::Refusals {
            head_seq,
            n_refused,
            n_open,
            latest,
        } => {
            h.raw(if *n_open == 0 {
                "<td class=\"chain reviewed\">intact to seq "
            } else {
                "<td class=\"chain bad\">intact to seq "
            })
            .num(*head_seq)
            .raw("; ")
            .num(*n_refused as u64)
            .raw(if *n_refused == 1 {
                " batch refused"
            } else {
                " batches refused"
            })
            .raw(" (latest: ")
            .text(&latest.kind);
            if let Some(seq) = latest.seq {
                h.raw(" at seq ").num(seq);
            }
            h.raw(", ").text(&iso_utc(latest.time_us)).raw("); ");
            if *n_open == 0 {
                h.raw("all acknowledged</td>");
            } else {
                h.num(*n_open as u64).raw(" open</td>");
            }
        }
    }
}

/// `GET /admin/devices`.
pub async fn list(
    State(state): State<AppState>,
    session: AdminSession,
) -> Result<Response, WebError> {
    let devices = state.store.devices().await?;
    let mut refusals: Vec<Refusal> = state
        .store
        .alerts(&AlertQuery {
            limit: MAX_ALERTS_READ,
            ..AlertQuery::default()
        })
        .await?
        .iter()
        .map(Refusal::of)
        .collect();
    // Newest first from the store; the status reads them oldest first.
    refusals.reverse();
    let mut body = Html::new();
    if devices.is_empty() {
        body.raw(
            "<p class=\"empty\">No workstation has enrolled yet. \
             <a href=\"/admin/enroll\">Make an enrollment code</a> for one.</p>",
        );
        return Ok(page(
            StatusCode::OK,
            "Devices",
            Section::Devices,
            Some(&session),
            body,
        ));
    }
    body.raw(
        "<table class=\"devices\"><thead><tr><th>Workstation</th><th>Device id</th>\
         <th>Enrolled (UTC)</th><th>Last sync (UTC)</th><th>Head</th><th>Chain</th>\
         <th>State</th><th></th></tr></thead><tbody>",
    );
    for device in &devices {
        let last_sync = state.store.last_received_us(&device.device_id).await?;
        body.raw("<tr>")
            .cell(&device.workstation)
            .raw("<td class=\"id\">");
        body.query_link(
            "/admin/audit",
            &[("device_id", &device.device_id)],
            &device.device_id,
        )
        .raw("</td>")
        .cell(&iso_utc(device.enrolled_us))
        .cell(&last_sync.map_or_else(|| "never".to_owned(), iso_utc))
        .raw("<td class=\"num\">")
        .num(device.head_seq)
        .raw("</td>");
        status_cell(&mut body, &chain_status(device, &refusals));
        match device.revoked_us {
            Some(revoked_us) => {
                body.raw("<td class=\"revoked\">revoked ")
                    .text(&iso_utc(revoked_us))
                    .raw("</td><td></td>");
            }
            None => {
                body.raw("<td>active</td><td><a class=\"danger\" href=\"/admin/devices/")
                    .text(&percent(&device.device_id))
                    .raw("/revoke\">Revoke…</a></td>");
            }
        }
        body.raw("</tr>");
    }
    body.raw("</tbody></table>");
    Ok(page(
        StatusCode::OK,
        "Devices",
        Section::Devices,
        Some(&session),
        body,
    ))
}

async fn active_device(state: &AppState, device_id: &str) -> Result<Device, WebError> {
    match state.store.device(device_id).await? {
        Some(device) if device.revoked_us.is_none() => Ok(device),
        _ => Err(WebError::NotFound),
    }
}

/// `GET /admin/devices/{id}/revoke`: asks to confirm; changes nothing.
pub async fn confirm_revoke(
    State(state): State<AppState>,
    session: AdminSession,
    Path(device_id): Path<String>,
) -> Result<Response, WebError> {
    let device = active_device(&state, &device_id).await?;
    let mut body = Html::new();
    body.raw("<p>Revoke <b>")
        .text(&device.workstation)
        .raw("</b> (device <code>")
        .text(&device.device_id)
        .raw(
            "</code>)? The server refuses its requests from then on; its trail stays. \
             It cannot be undone: the workstation would need a new enrollment.</p>",
        )
        .raw("<form method=\"post\" action=\"/admin/devices/")
        .text(&percent(&device.device_id))
        .raw("/revoke\">")
        .hidden("csrf", &session.csrf)
        .raw("<button class=\"danger\" type=\"submit\">Revoke this device</button> ")
        .raw("<a href=\"/admin/devices\">Cancel</a></form>");
    Ok(page(
        StatusCode::OK,
        "Revoke a device",
        Section::Devices,
        Some(&session),
        body,
    ))
}

/// The revoke form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/devices/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    session: AdminSession,
    headers: HeaderMap,
    Path(device_id): Path<String>,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(|_| WebError::BadForm)?;
    check_post(&headers, &state.admin_web.public_url, &session, &form.csrf)?;
    if !state
        .store
        .revoke_device(&device_id, state.clock.now_us())
        .await?
    {
        return Err(WebError::NotFound);
    }
    tracing::info!(%device_id, admin = session.name, "device revoked from the admin page");
    Ok(Redirect::to("/admin/devices").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(head_seq: u64) -> Device {
        Device {
            device_id: "d1".into(),
            vault_id: "v".into(),
            workstation: "w".into(),
            public_key: String::new(),
            enrolled_us: 0,
            revoked_us: None,
            head_seq,
            head_hash: String::new(),
        }
    }

    fn alert(device_id: &str, kind: &str, seq: Option<u64>) -> Refusal {
        Refusal {
            time_us: 5,
            device_id: device_id.into(),
            kind: kind.into(),
            seq,
            acknowledged: false,
        }
    }

    #[test]
    fn chain_status_from_head_and_refusals() {
        assert_eq!(chain_status(&device(0), &[]), ChainStatus::Empty);
        assert_eq!(
            chain_status(&device(7), &[alert("d2", "chain_fork", Some(3))]),
            ChainStatus::Intact { head_seq: 7 },
            "another device's refusal"
        );
        assert_eq!(
            chain_status(&device(7), &[alert("d1", "malformed_event", None)]),
            ChainStatus::Intact { head_seq: 7 },
            "not a chain refusal"
        );
        let alerts = [
            alert("d1", "chain_gap", Some(9)),
            alert("d2", "chain_fork", Some(3)),
            alert("d1", "chain_fork", Some(4)),
        ];
        assert_eq!(
            chain_status(&device(7), &alerts),
            ChainStatus::Refusals {
                head_seq: 7,
                n_refused: 2,
                n_open: 2,
                latest: alert("d1", "chain_fork", Some(4)),
            }
        );
        let mut reviewed = alerts.clone();
        reviewed[0].acknowledged = true;
        assert_eq!(
            chain_status(&device(7), &reviewed),
            ChainStatus::Refusals {
                head_seq: 7,
                n_refused: 2,
                n_open: 1,
                latest: alert("d1", "chain_fork", Some(4)),
            },
            "one acknowledged"
        );
        assert_eq!(
            chain_status(&device(7), &[alert("d1", "failed_unlocks", Some(6))]),
            ChainStatus::Intact { head_seq: 7 },
            "a rule's alert is not a chain break"
        );
    }
}
