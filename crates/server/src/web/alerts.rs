//! The alerts page: open alerts first (newest first), each with an Acknowledge button
//! (a POST form to `/admin/alerts/{id}/ack` carrying the session's CSRF token, checked
//! with `session::check_post` as the device revocation is), then the acknowledged ones,
//! marked with who acknowledged them and when.

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::html::{page, Html, Section};
use super::session::{check_post, AdminSession};
use super::time::iso_utc;
use super::WebError;
use crate::store::{Alert, AlertQuery};
use crate::AppState;

/// The most alerts the page shows of each kind (open, acknowledged).
pub const MAX_SHOWN: u32 = 500;

fn acknowledgement_cell(h: &mut Html, alert: &Alert, session: &AdminSession) {
    match (&alert.acknowledged_by, alert.acknowledged_us) {
        (Some(by), Some(at)) => {
            h.raw("<td class=\"ack done\">acknowledged by ")
                .text(by)
                .raw(", ")
                .text(&iso_utc(at))
                .raw("</td>");
        }
        _ => {
            h.raw("<td class=\"ack\"><form method=\"post\" action=\"/admin/alerts/")
                .num(alert.alert_id)
                .raw("/ack\">")
                .hidden("csrf", &session.csrf)
                .raw("<button type=\"submit\">Acknowledge</button></form></td>");
        }
    }
}

fn table(
    h: &mut Html,
    alerts: &[Alert],
    workstations: &HashMap<String, String>,
    session: &AdminSession,
    class: &'static str,
) {
    h.raw("<table class=\"alerts ").raw(class).raw(
        "\"><thead><tr><th>Raised (UTC)</th><th>Workstation</th><th>Device id</th>\
             <th>Code</th><th>Seq</th><th>User</th><th>Action</th><th>Events</th>\
             <th>Acknowledged</th></tr></thead><tbody>",
    );
    for alert in alerts {
        let workstation = workstations
            .get(&alert.device_id)
            .map_or("(unknown device)", String::as_str);
        h.raw("<tr>")
            .cell(&iso_utc(alert.time_us))
            .cell(workstation)
            .raw("<td class=\"id\">");
        h.query_link(
            "/admin/audit",
            &[("device_id", &alert.device_id)],
            &alert.device_id,
        )
        .raw("</td>")
        .cell(&alert.code)
        .raw("<td class=\"num\">");
        if let Some(seq) = alert.seq {
            h.num(seq);
        }
        h.raw("</td>")
            .cell(alert.actor.as_deref().unwrap_or(""))
            .cell(alert.action.as_deref().unwrap_or(""))
            .raw("<td class=\"num\">");
        if let Some(n) = alert.n_events {
            h.num(n);
        }
        h.raw("</td>");
        acknowledgement_cell(h, alert, session);
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

/// `GET /admin/alerts`.
pub async fn list(
    State(state): State<AppState>,
    session: AdminSession,
) -> Result<Response, WebError> {
    let query = |acknowledged| AlertQuery {
        acknowledged: Some(acknowledged),
        limit: MAX_SHOWN,
        ..AlertQuery::default()
    };
    let open = state.store.alerts(&query(false)).await?;
    let acknowledged = state.store.alerts(&query(true)).await?;
    let workstations: HashMap<String, String> = state
        .store
        .devices()
        .await?
        .into_iter()
        .map(|d| (d.device_id, d.workstation))
        .collect();
    let mut body = Html::new();
    if open.is_empty() && acknowledged.is_empty() {
        body.raw("<p class=\"empty\">No alerts.</p>");
        return Ok(page(
            StatusCode::OK,
            "Alerts",
            Section::Alerts,
            Some(&session),
            body,
        ));
    }
    body.raw("<h2>Open</h2>");
    if open.is_empty() {
        body.raw("<p class=\"empty open\">No open alerts.</p>");
    } else {
        body.raw("<p class=\"count open\">")
            .num(open.len() as u64)
            .raw(if open.len() == 1 {
                " open alert"
            } else {
                " open alerts"
            })
            .raw(", newest first");
        if open.len() as u32 == MAX_SHOWN {
            body.raw(" (the latest ").num(MAX_SHOWN).raw(" shown)");
        }
        body.raw(".</p>");
        table(&mut body, &open, &workstations, &session, "open");
    }
    if !acknowledged.is_empty() {
        body.raw("<h2>Acknowledged</h2><p class=\"count acknowledged\">")
            .num(acknowledged.len() as u64)
            .raw(" acknowledged, newest first");
        if acknowledged.len() as u32 == MAX_SHOWN {
            body.raw(" (the latest ").num(MAX_SHOWN).raw(" shown)");
        }
        body.raw(".</p>");
        table(
            &mut body,
            &acknowledged,
            &workstations,
            &session,
            "acknowledged",
        );
    }
    Ok(page(
        StatusCode::OK,
        "Alerts",
        Section::Alerts,
        Some(&session),
        body,
    ))
}

/// The acknowledge form.
#[derive(Debug, Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/alerts/{id}/ack`: acknowledges (once; again changes nothing), then
/// back to the list.
pub async fn acknowledge(
    State(state): State<AppState>,
    session: AdminSession,
    headers: HeaderMap,
    alert_id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    form: Result<Form<AckForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Path(alert_id) = alert_id.map_err(|_| WebError::NotFound)?;
    let Form(form) = form.map_err(|_| WebError::BadForm)?;
    check_post(&headers, &state.admin_web.public_url, &session, &form.csrf)?;
    let acked = state
        .store
        .acknowledge_alert(alert_id, &session.name, state.clock.now_us())
        .await?
        .ok_or(WebError::NotFound)?;
    if acked.now {
        tracing::info!(
            alert_id,
            admin = session.name,
            "alert acknowledged from the admin page"
        );
    }
    Ok(Redirect::to("/admin/alerts").into_response())
}
