//! The alerts page: what the store's `alerts()` holds, newest first, read-only.
//! Acknowledging an alert belongs to the alert rules' work (the store's and the admin
//! API's); its form goes into `acknowledgement_cell`, and nothing here stores one.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{page, Html, Section};
use super::session::AdminSession;
use super::time::iso_utc;
use super::WebError;
use crate::store::Alert;
use crate::AppState;

/// The most alerts the page shows.
pub const MAX_SHOWN: usize = 500;

/// The last cell of an alert's row: where the acknowledgement form goes (a POST to
/// this page's own route with `session.csrf` in a hidden `csrf` field, checked with
/// `session::check_post`) once the store records acknowledgements. Until then it
/// says so.
fn acknowledgement_cell(h: &mut Html, _alert: &Alert, _session: &AdminSession) {
    h.raw("<td class=\"ack\">not recorded yet</td>");
}

/// `GET /admin/alerts`.
pub async fn list(
    State(state): State<AppState>,
    session: AdminSession,
) -> Result<Response, WebError> {
    let alerts = state.store.alerts().await?;
    let workstations: HashMap<String, String> = state
        .store
        .devices()
        .await?
        .into_iter()
        .map(|d| (d.device_id, d.workstation))
        .collect();
    let mut body = Html::new();
    if alerts.is_empty() {
        body.raw("<p class=\"empty\">No alerts: no batch has been refused.</p>");
        return Ok(page(
            StatusCode::OK,
            "Alerts",
            Section::Alerts,
            Some(&session),
            body,
        ));
    }
    body.raw("<p class=\"count\">")
        .num(alerts.len() as u64)
        .raw(if alerts.len() == 1 {
            " alert"
        } else {
            " alerts"
        })
        .raw(", newest first");
    if alerts.len() > MAX_SHOWN {
        body.raw(" (the latest ")
            .num(MAX_SHOWN as u64)
            .raw(" shown)");
    }
    body.raw(
        ".</p><table class=\"alerts\"><thead><tr><th>Time (UTC)</th>\
              <th>Workstation</th><th>Device id</th><th>Kind</th><th>Seq</th>\
              <th>Acknowledged</th></tr></thead><tbody>",
    );
    for alert in alerts.iter().rev().take(MAX_SHOWN) {
        let workstation = workstations
            .get(&alert.device_id)
            .map_or("(unknown device)", String::as_str);
        body.raw("<tr>")
            .cell(&iso_utc(alert.time_us))
            .cell(workstation)
            .raw("<td class=\"id\">");
        body.query_link(
            "/admin/audit",
            &[("device_id", &alert.device_id)],
            &alert.device_id,
        )
        .raw("</td>")
        .cell(&alert.kind)
        .raw("<td class=\"num\">");
        if let Some(seq) = alert.seq {
            body.num(seq);
        }
        body.raw("</td>");
        acknowledgement_cell(&mut body, alert, &session);
        body.raw("</tr>");
    }
    body.raw("</tbody></table>");
    Ok(page(
        StatusCode::OK,
        "Alerts",
        Section::Alerts,
        Some(&session),
        body,
    ))
}
