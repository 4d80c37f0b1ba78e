//! Prometheus metrics at `GET /metrics` (the `metrics` facade, rendered by
//! `metrics-exporter-prometheus`'s recorder, installed once per process): requests by
//! matched route and status, ingest event counts and batch latency, alerts raised by
//! code, storage errors, blob bytes stored. Labels are routes, statuses and
//! alert codes only: never a device id, a user or a path parameter.
//!
//! Access: a bearer admin token, or a request from a loopback peer (the connection's
//! address, when the listener records it) that carries no `Forwarded` /
//! `X-Forwarded-For` header (a reverse proxy on the same host must add one, so that the
//! proxy's own loopback address does not open the endpoint to the network).

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::auth::Admin;
use crate::error::ApiError;
use crate::AppState;

/// Requests answered, by `route` (the matched pattern, `unmatched` otherwise),
/// `method` and `status`.
pub const REQUESTS: &str = "clinic_vault_http_requests_total";
/// Events stored by ingest.
pub const EVENTS_STORED: &str = "clinic_vault_ingest_events_stored_total";
/// Batches ingested, by `result` (`stored`, `refused`, `error`).
pub const BATCHES: &str = "clinic_vault_ingest_batches_total";
/// Seconds from a batch's arrival to its answer (`stored` batches), a histogram.
pub const BATCH_SECONDS: &str = "clinic_vault_ingest_batch_seconds";
/// Alerts raised, by `code`.
pub const ALERTS: &str = "clinic_vault_alerts_raised_total";
/// Requests that failed on storage (the store or the blob store), by `what`.
pub const STORAGE_ERRORS: &str = "clinic_vault_storage_errors_total";
/// Blob bytes stored (uploads new to the blob store). The server has no blob download
/// route, so nothing counts bytes served.
pub const BLOB_BYTES_STORED: &str = "clinic_vault_blob_bytes_stored_total";

/// The batch latency histogram's buckets, in seconds.
pub const BATCH_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's recorder (once; later calls return
/// the same handle). `None` when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(BATCH_SECONDS.to_owned()), BATCH_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            ::metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    ::metrics::describe_counter!(REQUESTS, "Requests answered, by route, method and status");
    ::metrics::describe_counter!(EVENTS_STORED, "Audit events stored by ingest");
    ::metrics::describe_counter!(BATCHES, "Batches ingested, by result");
    ::metrics::describe_histogram!(
        BATCH_SECONDS,
        ::metrics::Unit::Seconds,
        "Time to store a batch and answer"
    );
    ::metrics::describe_counter!(ALERTS, "Alerts raised, by code");
    ::metrics::describe_counter!(STORAGE_ERRORS, "Requests failed on storage, by what");
    ::metrics::describe_counter!(BLOB_BYTES_STORED, "Blob bytes stored");
}

/// Counts a request.
pub fn request(route: &str, method: &str, status: u16) {
    ::metrics::counter!(
        REQUESTS,
        "route" => route.to_owned(),
        "method" => method.to_owned(),
        "status" => status.to_string()
    )
    .increment(1);
}

/// Counts a stored batch and its new events, with its latency.
pub fn batch_stored(n_stored: u64, seconds: f64) {
    ::metrics::counter!(BATCHES, "result" => "stored").increment(1);
    ::metrics::counter!(EVENTS_STORED).increment(n_stored);
    ::metrics::histogram!(BATCH_SECONDS).record(seconds);
}

/// Counts a refused batch.
pub fn batch_refused() {
    ::metrics::counter!(BATCHES, "result" => "refused").increment(1);
}

/// Counts an alert raised.
pub fn alert_raised(code: &str) {
    ::metrics::counter!(ALERTS, "code" => code.to_owned()).increment(1);
}

/// Counts a storage failure (`what`: `store` or `blobs`).
pub fn storage_error(what: &'static str) {
    ::metrics::counter!(STORAGE_ERRORS, "what" => what).increment(1);
}

/// Counts blob bytes stored.
pub fn blob_stored(bytes: u64) {
    ::metrics::counter!(BLOB_BYTES_STORED).increment(bytes);
}

/// Who may read the metrics: an admin, or a loopback peer not behind a proxy.
#[derive(Debug)]
pub struct MetricsReader;

fn local_unproxied(parts: &Parts) -> bool {
    // The TCP peer, as the server's own accept loop records it (`listen.rs`), or as
    // axum's `ConnectInfo` has it (in-process tests).
    let peer = parts
        .extensions
        .get::<crate::limits::Peer>()
        .map(|crate::limits::Peer(addr)| *addr)
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| *addr)
        });
    let loopback = peer.is_some_and(|addr| addr.ip().is_loopback());
    let forwarded =
        parts.headers.contains_key("forwarded") || parts.headers.contains_key("x-forwarded-for");
    loopback && !forwarded
}

impl FromRequestParts<AppState> for MetricsReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if local_unproxied(parts) {
            return Ok(MetricsReader);
        }
        Admin::from_request_parts(parts, state).await?;
        Ok(MetricsReader)
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn render(State(_state): State<AppState>, _reader: MetricsReader) -> Response {
    let body = install().map(PrometheusHandle::render).unwrap_or_default();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}
