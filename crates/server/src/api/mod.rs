//! The HTTP API: the router ([`app`]), its OpenAPI document (generated from the
//! handlers' annotations, served as JSON at `/openapi.json`), health and readiness, and
//! the request log (method, route, status, time; never a body, so never PHI).

pub mod admin;
pub mod audit;
pub mod blobs;
pub mod enroll;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;
use crate::AppState;

/// Parses a JSON body.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde's message names the field and position, not the value.
        let what = match e.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "not the expected shape",
            serde_json::error::Category::Eof => "truncated",
        };
        ApiError::BadBody(format!("{what} at line {} column {}", e.line(), e.column()))
    })
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                clinic_vault_proto::signing::HEADER_SIGNATURE,
                "Ed25519 request signature (crates/proto/src/signing.rs), with the \
                 x-clinic-vault-device, -timestamp and -nonce headers",
            ))),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// What any route may answer besides its own responses: the limits' refusals
/// ([`crate::limits`]), each an `ErrorAnswer`.
struct LimitResponses;

impl Modify for LimitResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::Header;
        use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
        use utoipa::openapi::{Content, ResponseBuilder};
        let answer = || Content::new(Some(Ref::from_schema_name("ErrorAnswer")));
        let responses = [
            (
                "429",
                ResponseBuilder::new()
                    .description("over the rate limit of the client's address or device")
                    .header(
                        "Retry-After",
                        Header::new(ObjectBuilder::new().schema_type(Type::Integer)),
                    )
                    .content("application/json", answer())
                    .build(),
            ),
            (
                "408",
                ResponseBuilder::new()
                    .description("the body did not arrive within the request time limit")
                    .content("application/json", answer())
                    .build(),
            ),
            (
                "503",
                ResponseBuilder::new()
                    .description("not answered within the request time limit")
                    .content("application/json", answer())
                    .build(),
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.head,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &responses {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| response.clone().into());
                }
            }
        }
    }
}

/// The OpenAPI document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "clinic-vault-server", description = "The clinic's sync server (part 1)"),
    paths(
        enroll::enroll,
        audit::ingest,
        audit::head,
        blobs::put_blob,
        blobs::head_blob,
        blobs::delete_blob,
        admin::search,
        admin::devices,
        admin::revoke,
        admin::alerts,
        admin::acknowledge,
        healthz,
        readyz,
    ),
    modifiers(&Security, &LimitResponses)
)]
pub struct ApiDoc;

/// The router over `state`: each route with its body limit, every request under the
/// per-address rate limit and the request time limit ([`crate::limits`]).
pub fn app(state: AppState) -> Router {
    crate::metrics::install();
    use crate::limits::{body_limit, ip_limit, timeout};
    use axum::middleware::{from_fn, from_fn_with_state};
    let json_limit = DefaultBodyLimit::max(state.limits.max_body_bytes);
    let blob_limit = DefaultBodyLimit::max(state.limits.max_blob_bytes);
    let json_declared = from_fn_with_state(state.limits.max_body_bytes, body_limit);
    let blob_declared = from_fn_with_state(state.limits.max_blob_bytes, body_limit);
    let admin_limit = DefaultBodyLimit::max(state.guard.admin_body_bytes());
    let admin_declared = from_fn_with_state(state.guard.admin_body_bytes(), body_limit);
    Router::new()
        .route(
            "/v1/enroll",
            post(enroll::enroll)
                .layer(json_limit)
                .layer(json_declared.clone()),
        )
        .route(
            "/v1/audit/batches",
            post(audit::ingest)
                .layer(json_limit)
                .layer(json_declared.clone()),
        )
        .route(
            "/v1/audit/head",
            get(audit::head).layer(json_limit).layer(json_declared),
        )
        .route(
            "/v1/blobs/{hash}",
            put(blobs::put_blob)
                .head(blobs::head_blob)
                .delete(blobs::delete_blob)
                .layer(blob_limit)
                .layer(blob_declared),
        )
        .route(
            "/v1/admin/audit",
            get(admin::search)
                .layer(admin_limit)
                .layer(admin_declared.clone()),
        )
        .route(
            "/v1/admin/devices",
            get(admin::devices)
                .layer(admin_limit)
                .layer(admin_declared.clone()),
        )
        .route(
            "/v1/admin/devices/{device_id}/revoke",
            post(admin::revoke)
                .layer(admin_limit)
                .layer(admin_declared.clone()),
        )
        .route(
            "/v1/admin/alerts",
            get(admin::alerts)
                .layer(admin_limit)
                .layer(admin_declared.clone()),
        )
        .route(
            "/v1/admin/alerts/{alert_id}/ack",
            post(admin::acknowledge)
                .layer(admin_limit)
                .layer(admin_declared),
        )
        .route("/metrics", get(crate::metrics::render))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi))
        .merge(crate::web::router(&state))
        .fallback(|| async { ApiError::NotFound })
        .layer(from_fn_with_state(state.clone(), timeout))
        .layer(from_fn_with_state(state.clone(), ip_limit))
        .layer(from_fn(log_request))
        .with_state(state)
}

async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    crate::metrics::request(&route, method.as_str(), response.status().as_u16());
    tracing::info!(
        method = %method,
        route,
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The store answers and its schema is current.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "ready"),
        (status = 503, description = "storage unreachable or schema not current")
    )
)]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let ready = match state.store.ping().await {
        Ok(()) => matches!(state.store.schema_status().await, Ok(s) if s.current == s.latest),
        Err(_) => false,
    };
    if ready {
        (StatusCode::OK, "ready")
    } else {
        tracing::warn!("not ready");
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}
