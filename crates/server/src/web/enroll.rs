//! Enrollment codes: a one-time enrollment token for a named workstation, made by a
//! POST and shown once inside an enrollment code (proto's `EnrollCode`: the server's
//! `public_url` and the token in one copyable string). Without a valid `public_url` the
//! page makes none and says which setting to set.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use clinic_vault_proto::EnrollCode;
use serde::Deserialize;

use super::html::{page, Html, Section};
use super::session::{check_post, AdminSession};
use super::time::iso_utc;
use super::WebError;
use crate::tokens::{new_token, token_hash, ENROLL_PREFIX};
use crate::AppState;

/// The lifetimes offered: (form value, label, microseconds).
const LIFETIMES: [(&str, &str, i64); 3] = [
    ("1h", "1 hour", 3_600_000_000),
    ("24h", "24 hours", 86_400_000_000),
    ("7d", "7 days", 604_800_000_000),
];

/// The longest workstation name, in characters (the CLI's limit).
const MAX_NAME_CHARS: usize = 200;

/// Why no code can be made: the sentence the page shows, or `None` when it can.
fn unavailable(public_url: &str) -> Option<String> {
    if public_url.is_empty() {
        return Some(
            "This server has no public_url setting, so it cannot make enrollment codes. \
             Set public_url to the address workstations reach it at (for example \
             https://vault.clinic.example) in the settings file, or as \
             CLINIC_VAULT_SERVER_PUBLIC_URL, and restart the server."
                .to_owned(),
        );
    }
    // A stand-in token: only the URL is in question here.
    match EnrollCode::new(public_url, "check") {
        Ok(_) => None,
        Err(e) => Some(format!(
            "The public_url setting ({public_url}) cannot go into an enrollment code: {e}. \
             Correct it and restart the server."
        )),
    }
}

fn form_html(h: &mut Html, session: &AdminSession, name: &str) {
    h.raw(
        "<form class=\"enroll\" method=\"post\" action=\"/admin/enroll\">\
         <label>Workstation name <input name=\"workstation\" required maxlength=\"200\" \
         placeholder=\"Reception 1\" value=\"",
    )
    .text(name)
    .raw("\"></label><label>Valid for <select name=\"lifetime\">");
    for (value, label, _) in LIFETIMES {
        h.raw("<option value=\"").raw(value).raw("\"");
        if value == "24h" {
            h.raw(" selected");
        }
        h.raw(">").raw(label).raw("</option>");
    }
    h.raw("</select></label>")
        .hidden("csrf", &session.csrf)
        .raw("<button type=\"submit\">Make an enrollment code</button></form>")
        .raw(
            "<p class=\"hint\">The code is shown once. Paste it into the workstation's \
             sync settings; it enrolls one workstation, once.</p>",
        );
}

/// `GET /admin/enroll`: the form (never a code).
pub async fn form(State(state): State<AppState>, session: AdminSession) -> Response {
    let mut body = Html::new();
    match unavailable(&state.admin_web.public_url) {
        Some(sentence) => {
            body.raw("<p class=\"notice\" role=\"alert\">")
                .text(&sentence)
                .raw("</p>");
        }
        None => form_html(&mut body, &session, ""),
    }
    page(
        StatusCode::OK,
        "Enroll a workstation",
        Section::Enroll,
        Some(&session),
        body,
    )
}

/// The enrollment form.
#[derive(Debug, Deserialize)]
pub struct EnrollForm {
    #[serde(default)]
    workstation: String,
    #[serde(default)]
    lifetime: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/enroll`: a new one-time token, shown once in its code.
pub async fn create(
    State(state): State<AppState>,
    session: AdminSession,
    headers: HeaderMap,
    form: Result<Form<EnrollForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(|_| WebError::BadForm)?;
    let web = &state.admin_web;
    check_post(&headers, &web.public_url, &session, &form.csrf)?;
    let mut body = Html::new();
    let title = "Enroll a workstation";
    if let Some(sentence) = unavailable(&web.public_url) {
        body.raw("<p class=\"notice\" role=\"alert\">")
            .text(&sentence)
            .raw("</p>");
        return Ok(page(
            StatusCode::CONFLICT,
            title,
            Section::Enroll,
            Some(&session),
            body,
        ));
    }
    let name = form.workstation.trim();
    let n_chars = name.chars().count();
    let lifetime = LIFETIMES
        .iter()
        .find(|(value, _, _)| *value == form.lifetime);
    let (Some((_, _, ttl_us)), true) = (
        lifetime,
        n_chars > 0 && n_chars <= MAX_NAME_CHARS && !name.chars().any(char::is_control),
    ) else {
        body.raw(
            "<p class=\"notice\" role=\"alert\">Give the workstation a name of 1 to 200 \
                  characters and choose how long the code stays valid.</p>",
        );
        form_html(&mut body, &session, name);
        return Ok(page(
            StatusCode::BAD_REQUEST,
            title,
            Section::Enroll,
            Some(&session),
            body,
        ));
    };
    let token = new_token(ENROLL_PREFIX);
    let code = EnrollCode::new(&web.public_url, &token)
        .map_err(|_| WebError::BadForm)?
        .encode();
    let now_us = state.clock.now_us();
    let expires_us = now_us.saturating_add(*ttl_us);
    state
        .store
        .create_enroll_token(name, &token_hash(&token), expires_us, now_us)
        .await?;
    tracing::info!(
        admin = session.name,
        "enrollment code made on the admin page"
    );
    body.raw("<p>The enrollment code for <b>")
        .text(name)
        .raw("</b>, valid until ")
        .text(&iso_utc(expires_us))
        .raw(" and for one enrollment:</p><pre class=\"code\" id=\"enrollment-code\">")
        .text(&code)
        .raw(
            "</pre><p class=\"notice\">It is shown only now: copy it (click it to select \
             it all) and paste it into the workstation's sync settings. It holds the \
             server's address (",
        )
        .text(&web.public_url)
        .raw(") and the one-time token.</p><p><a href=\"/admin/enroll\">Make another</a></p>");
    Ok(page(
        StatusCode::OK,
        title,
        Section::Enroll,
        Some(&session),
        body,
    ))
}
