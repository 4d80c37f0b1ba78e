//! The admin API (bearer admin token): audit search with paging, the devices, revoking
//! one, and the recorded refusals.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use clinic_vault_proto::ErrorAnswer;
use serde::{Deserialize, Serialize};

use crate::auth::Admin;
use crate::error::ApiError;
use crate::store::{Alert, AuditQuery, Device, StoredEvent};
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

/// The refusals recorded for review, oldest first.
#[utoipa::path(
    get,
    path = "/v1/admin/alerts",
    security(("admin_token" = [])),
    responses((status = 200, body = Vec<Alert>), (status = 401, body = ErrorAnswer))
)]
pub async fn alerts(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<Alert>>, ApiError> {
    Ok(Json(state.store.alerts().await?))
}
