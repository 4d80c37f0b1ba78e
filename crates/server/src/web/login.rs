//! Logging in with an admin token (checked against the store's hash of it, as the admin
//! API checks a bearer token; failed attempts limited per client and in all) and out.
//! The login form has no session yet, so it passes the same-origin check only.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::html::{page, Html, Section};
use super::limit::ClientIp;
use super::session::{
    check_post, check_same_origin, clear_cookie, set_cookie, AdminSession, CookieValue,
};
use super::WebError;
use crate::tokens::token_hash;
use crate::AppState;

/// The longest token the form accepts (an admin token is 40 characters).
const MAX_TOKEN_LEN: usize = 200;

fn login_page(status: StatusCode, notice: Option<&str>) -> Response {
    let mut body = Html::new();
    if let Some(notice) = notice {
        body.raw("<p class=\"notice\" role=\"alert\">")
            .text(notice)
            .raw("</p>");
    }
    body.raw(
        "<form class=\"login\" method=\"post\" action=\"/admin/login\">\
         <label for=\"token\">Admin token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" \
         required maxlength=\"200\" autofocus>\
         <button type=\"submit\">Log in</button></form>\
         <p class=\"hint\">Make one on the server with \
         <code>clinic-vault-server admin-token create --name NAME</code>.</p>",
    );
    page(status, "Log in", Section::Login, None, body)
}

/// `GET /admin/login`: the form (or the audit page when already logged in).
pub async fn form(session: Option<axum::Extension<AdminSession>>) -> Response {
    if session.is_some() {
        return Redirect::to("/admin/audit").into_response();
    }
    login_page(StatusCode::OK, None)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /admin/login`: a session cookie for a known admin token.
pub async fn login(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, WebError> {
    check_same_origin(&headers, &state.admin_web.public_url)?;
    let Form(form) = form.map_err(|_| WebError::BadForm)?;
    let web = &state.admin_web;
    let now_us = state.clock.now_us();
    if let Err(retry_after_secs) = web.logins.check(client, now_us) {
        tracing::warn!(retry_after_secs, "admin page: logins held back");
        let mut response = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed logins. Wait a few minutes, then try again."),
        );
        if let Ok(value) = retry_after_secs.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let token = form.token.trim();
    let known = if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        None
    } else {
        let hash = token_hash(token);
        state
            .store
            .admin_by_token(&hash)
            .await?
            .map(|name| (name, hash))
    };
    let Some((name, hash)) = known else {
        web.logins.failed(client, now_us);
        tracing::warn!("admin page: failed login");
        return Ok(login_page(
            StatusCode::UNAUTHORIZED,
            Some("That is not an admin token of this server."),
        ));
    };
    tracing::info!(admin = name, "admin page: logged in");
    let cookie = CookieValue::new(hash, now_us).seal(&web.keys);
    let mut response = Redirect::to("/admin/audit").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&cookie, web.idle_us / 1_000_000),
    );
    Ok(response)
}

/// The logout form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/logout`: the session ends here and its cookie is cleared.
pub async fn logout(
    State(state): State<AppState>,
    session: AdminSession,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(|_| WebError::BadForm)?;
    let web = &state.admin_web;
    check_post(&headers, &web.public_url, &session, &form.csrf)?;
    let now_us = state.clock.now_us();
    let until_us = session.cookie.issued_us.saturating_add(web.max_us);
    web.ended.end(session.cookie.session_id, until_us, now_us);
    tracing::info!(admin = session.name, "admin page: logged out");
    let mut response = Redirect::to("/admin/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    Ok(response)
}
