//! The admin API (bearer admin token): audit search with paging, the devices, revoking
//! one, the alerts (filters, paging) and acknowledging one.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use clinic_vault_proto::ErrorAnswer;
use serde::{Deserialize, Serialize};

use crate::auth::Admin;
use crate::error::ApiError;
use crate::store::{Alert, AlertQuery, AuditQuery, Device, StoredEvent};
use crate::AppState;

/// The most events one page holds.
pub const MAX_PAGE: u32 = 1_000;

/// Audit search filters (all optional) and paging.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Only this device's events.
    pub device_id: Option<String>,
    /// Only this user's (the event's actor).
    pub user: Option<String>,
    /// Only events naming this patient.
    pub patient_id: Option<String>,
    /// Only this action (e.g. `patient.view`).
    pub action: Option<String>,
    /// Only this outcome (`success`, `failure`, `denied`).
    pub outcome: Option<String>,
    /// Only events at or after this time (microseconds UTC).
    pub from_us: Option<i64>,
    /// Only events before this time (microseconds UTC).
    pub to_us: Option<i64>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Events to skip (default 0).
    pub offset: Option<u64>,
}

/// One page of audit events.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// The events, by (time, device, seq).
    pub events: Vec<StoredEvent>,
    /// The offset of the next page, when this one was full.
    pub next_offset: Option<u64>,
}

/// Searches the audit trail.
#[utoipa::path(
    get,
    path = "/v1/admin/audit",
    params(SearchParams),
    security(("admin_token" = [])),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    _admin: Admin,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(params) = params.map_err(|_| ApiError::BadInput("the query"))?;
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::BadInput("limit"));
    }
    let offset = params.offset.unwrap_or(0);
    if i64::try_from(offset).is_err() {
        return Err(ApiError::BadInput("offset"));
    }
    let query = AuditQuery {
        device_id: params.device_id,
        actor: params.user,
        patient_id: params.patient_id,
        action: params.action,
        outcome: params.outcome,
        from_us: params.from_us,
        to_us: params.to_us,
        limit,
        offset,
    };
    let events = state.store.search(&query).await?;
    let next_offset = (events.len() == limit as usize).then(|| offset + u64::from(limit));
    Ok(Json(AuditPage {
        events,
        next_offset,
    }))
}

/// Every enrolled device.
#[utoipa::path(
    get,
    path = "/v1/admin/devices",
    security(("admin_token" = [])),
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorAnswer))
)]
pub async fn devices(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<Device>>, ApiError> {
    Ok(Json(state.store.devices().await?))
}

/// Revokes a device: its requests are refused from now on.
#[utoipa::path(
    post,
    path = "/v1/admin/devices/{device_id}/revoke",
    params(("device_id" = String, Path, description = "the device")),
    security(("admin_token" = [])),
    responses(
        (status = 200, body = Device),
        (status = 404, description = "no such active device", body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    admin: Admin,
    Path(device_id): Path<String>,
) -> Result<Json<Device>, ApiError> {
    if !state
        .store
        .revoke_device(&device_id, state.clock.now_us())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    tracing::info!(%device_id, admin = admin.name, "device revoked");
    state
        .store
        .device(&device_id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Alert list filters (all optional) and paging.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Only acknowledged (`true`) or open (`false`) alerts.
    pub acknowledged: Option<bool>,
    /// Only this device's alerts.
    pub device_id: Option<String>,
    /// Only this code (e.g. `chain_fork`, `failed_unlocks`, `alert_action`,
    /// `prelock_reports`, `device_silent`).
    pub code: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Alerts to skip (default 0).
    pub offset: Option<u64>,
}

/// One page of alerts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertPage {
    /// The alerts, newest first.
    pub alerts: Vec<Alert>,
    /// The offset of the next page, when this one was full.
    pub next_offset: Option<u64>,
}

/// The alerts, newest first: refused batches, and what the rules raised from stored
/// events and silences.
#[utoipa::path(
    get,
    path = "/v1/admin/alerts",
    params(AlertParams),
    security(("admin_token" = [])),
    responses(
        (status = 200, body = AlertPage),
        (status = 400, body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
    )
)]
pub async fn alerts(
    State(state): State<AppState>,
    _admin: Admin,
    params: Result<Query<AlertParams>, QueryRejection>,
) -> Result<Json<AlertPage>, ApiError> {
    let Query(params) = params.map_err(|_| ApiError::BadInput("the query"))?;
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::BadInput("limit"));
    }
    let offset = params.offset.unwrap_or(0);
    if i64::try_from(offset).is_err() {
        return Err(ApiError::BadInput("offset"));
    }
    let query = AlertQuery {
        acknowledged: params.acknowledged,
        device_id: params.device_id,
        code: params.code,
        limit,
        offset,
    };
    let alerts = state.store.alerts(&query).await?;
    let next_offset = (alerts.len() == limit as usize).then(|| offset + u64::from(limit));
    Ok(Json(AlertPage {
        alerts,
        next_offset,
    }))
}

/// Acknowledges an alert (idempotent: acknowledging it again changes nothing and
/// answers who acknowledged it first, and when).
#[utoipa::path(
    post,
    path = "/v1/admin/alerts/{alert_id}/ack",
    params(("alert_id" = i64, Path, description = "the alert")),
    security(("admin_token" = [])),
    responses(
        (status = 200, body = Alert),
        (status = 400, body = ErrorAnswer),
        (status = 404, description = "no such alert", body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
    )
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    admin: Admin,
    alert_id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Alert>, ApiError> {
    let Path(alert_id) = alert_id.map_err(|_| ApiError::BadInput("alert_id"))?;
    let acked = state
        .store
        .acknowledge_alert(alert_id, &admin.name, state.clock.now_us())
        .await?
        .ok_or(ApiError::NotFound)?;
    if acked.now {
        tracing::info!(alert_id, admin = admin.name, "alert acknowledged");
    }
    Ok(Json(acked.alert))
}
