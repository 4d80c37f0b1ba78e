//! The audit search page: the store's `AuditQuery` from a GET form (device, user,
//! patient id, action, outcome, a UTC time range), a table of one page of events, and
//! links to the pages before and after.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::html::{page, Html, Section};
use super::session::AdminSession;
use super::time::{iso_utc, parse_utc};
use super::WebError;
use crate::store::{AuditQuery, StoredEvent};
use crate::AppState;

/// Events on one page.
pub const PAGE_SIZE: u32 = 50;

/// The search form's fields, as typed (empty means no filter).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchForm {
    device_id: String,
    user: String,
    patient_id: String,
    action: String,
    outcome: String,
    from: String,
    to: String,
    offset: String,
}

fn filter(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Why a search form could not become a query: the sentence shown above the form.
fn query_of(form: &SearchForm) -> Result<AuditQuery, &'static str> {
    let time = |text: &str| match filter(text) {
        None => Ok(None),
        Some(text) => parse_utc(&text).map(Some).map_err(|_| {
            "Times are UTC, written like 2024-11-19, 2024-11-19T07:06 or 2024-11-19T07:06:40Z."
        }),
    };
    let offset = match filter(&form.offset) {
        None => 0,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .ok_or("The page offset is not a number.")?,
    };
    if let Some(outcome) = filter(&form.outcome) {
        if !matches!(outcome.as_str(), "success" | "failure" | "denied") {
            return Err("The outcome is success, failure or denied.");
        }
    }
    Ok(AuditQuery {
        device_id: filter(&form.device_id),
        actor: filter(&form.user),
        patient_id: filter(&form.patient_id),
        action: filter(&form.action),
        outcome: filter(&form.outcome),
        from_us: time(&form.from)?,
        to_us: time(&form.to)?,
        // One more than a page, to know whether there is a next one.
        limit: PAGE_SIZE + 1,
        offset,
    })
}

fn field(h: &mut Html, name: &'static str, label: &'static str, value: &str, hint: &'static str) {
    h.raw("<label>")
        .raw(label)
        .raw(" <input name=\"")
        .raw(name)
        .raw("\" value=\"")
        .text(value)
        .raw("\" placeholder=\"")
        .raw(hint)
        .raw("\"></label>");
}

fn search_form(h: &mut Html, form: &SearchForm) {
    h.raw("<form class=\"filters\" method=\"get\" action=\"/admin/audit\">");
    field(h, "device_id", "Device id", &form.device_id, "any");
    field(h, "user", "User", &form.user, "any");
    field(h, "patient_id", "Patient id", &form.patient_id, "any");
    field(h, "action", "Action", &form.action, "e.g. patient.view");
    h.raw("<label>Outcome <select name=\"outcome\">");
    for (value, label) in [
        ("", "any"),
        ("success", "success"),
        ("failure", "failure"),
        ("denied", "denied"),
    ] {
        h.raw("<option value=\"").text(value).raw("\"");
        if form.outcome.trim() == value {
            h.raw(" selected");
        }
        h.raw(">").text(label).raw("</option>");
    }
    h.raw("</select></label>");
    field(h, "from", "From (UTC)", &form.from, "2024-11-19T07:00");
    field(h, "to", "Before (UTC)", &form.to, "2024-11-20");
    h.raw("<button type=\"submit\">Search</button> <a href=\"/admin/audit\">Clear</a></form>");
}

/// The form's filters as link parameters, with another offset.
fn page_link(h: &mut Html, form: &SearchForm, offset: u64, label: &str) {
    let offset = offset.to_string();
    h.query_link(
        "/admin/audit",
        &[
            ("device_id", form.device_id.trim()),
            ("user", form.user.trim()),
            ("patient_id", form.patient_id.trim()),
            ("action", form.action.trim()),
            ("outcome", form.outcome.trim()),
            ("from", form.from.trim()),
            ("to", form.to.trim()),
            ("offset", &offset),
        ],
        label,
    );
}

fn events_table(h: &mut Html, events: &[StoredEvent], workstations: &HashMap<String, String>) {
    h.raw(
        "<table class=\"events\"><thead><tr><th>Time (UTC)</th><th>Workstation</th>\
         <th>Seq</th><th>User</th><th>Role</th><th>Action</th><th>Resource</th>\
         <th>Patient</th><th>Outcome</th></tr></thead><tbody>",
    );
    for stored in events {
        let event = &stored.event;
        h.raw("<tr>").cell(&iso_utc(event.time_us)).raw("<td>");
        let shown = workstations
            .get(&event.device_id)
            .map_or(event.device_id.as_str(), String::as_str);
        h.query_link("/admin/audit", &[("device_id", &event.device_id)], shown)
            .raw("</td><td class=\"num\">")
            .num(event.seq)
            .raw("</td><td>");
        h.query_link("/admin/audit", &[("user", &event.actor)], &event.actor)
            .raw("</td>")
            .cell(&event.role)
            .raw("<td>");
        h.query_link("/admin/audit", &[("action", &event.action)], &event.action)
            .raw("</td>")
            .cell(&event.resource_type)
            .raw("<td>");
        if let Some(patient_id) = &event.patient_id {
            h.query_link("/admin/audit", &[("patient_id", patient_id)], patient_id);
        }
        h.raw("</td><td class=\"outcome-")
            .text(match event.outcome.as_str() {
                "success" | "failure" | "denied" => event.outcome.as_str(),
                _ => "other",
            })
            .raw("\">")
            .text(&event.outcome)
            .raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}

/// `GET /admin/audit`: the search form, then one page of results.
pub async fn search(
    State(state): State<AppState>,
    session: AdminSession,
    form: Result<Query<SearchForm>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(form) = form.map_err(|_| WebError::BadForm)?;
    let mut body = Html::new();
    search_form(&mut body, &form);
    let query = match query_of(&form) {
        Ok(query) => query,
        Err(sentence) => {
            body.raw("<p class=\"notice\" role=\"alert\">")
                .text(sentence)
                .raw("</p>");
            let status = StatusCode::BAD_REQUEST;
            return Ok(page(
                status,
                "Audit trail",
                Section::Audit,
                Some(&session),
                body,
            ));
        }
    };
    let mut events = state.store.search(&query).await?;
    let has_next = events.len() > PAGE_SIZE as usize;
    events.truncate(PAGE_SIZE as usize);
    let workstations: HashMap<String, String> = state
        .store
        .devices()
        .await?
        .into_iter()
        .map(|d| (d.device_id, d.workstation))
        .collect();
    if events.is_empty() {
        body.raw("<p class=\"empty\">");
        if query.offset > 0 {
            body.raw("No more events match these filters.");
        } else {
            body.raw("No events match these filters.");
        }
        body.raw("</p>");
    } else {
        body.raw("<p class=\"count\">Events ")
            .num(query.offset + 1)
            .raw("–")
            .num(query.offset + events.len() as u64)
            .raw(", oldest first.</p>");
        events_table(&mut body, &events, &workstations);
    }
    body.raw("<nav class=\"pages\">");
    if query.offset > 0 {
        page_link(
            &mut body,
            &form,
            query.offset.saturating_sub(u64::from(PAGE_SIZE)),
            "← Previous page",
        );
    }
    if has_next {
        page_link(
            &mut body,
            &form,
            query.offset + u64::from(PAGE_SIZE),
            "Next page →",
        );
    }
    body.raw("</nav>");
    Ok(page(
        StatusCode::OK,
        "Audit trail",
        Section::Audit,
        Some(&session),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_a_query() {
        let form = SearchForm {
            user: " rita ".into(),
            outcome: "failure".into(),
            from: "2024-11-19T07:06:40Z".into(),
            offset: "50".into(),
            ..SearchForm::default()
        };
        let query = query_of(&form).expect("valid");
        assert_eq!(query.actor.as_deref(), Some("rita"));
        assert_eq!(query.outcome.as_deref(), Some("failure"));
        assert_eq!(query.from_us, Some(1_732_000_000_000_000));
        assert_eq!((query.device_id, query.to_us), (None, None));
        assert_eq!((query.limit, query.offset), (PAGE_SIZE + 1, 50));
        for bad in [
            SearchForm {
                from: "yesterday".into(),
                ..SearchForm::default()
            },
            SearchForm {
                offset: "-1".into(),
                ..SearchForm::default()
            },
            SearchForm {
                offset: u64::MAX.to_string(),
                ..SearchForm::default()
            },
            SearchForm {
                outcome: "maybe".into(),
                ..SearchForm::default()
            },
        ] {
            assert!(query_of(&bad).is_err(), "{bad:?}");
        }
    }
}
