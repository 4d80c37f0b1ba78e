//! `PUT`/`HEAD`/`DELETE /v1/blobs/{hash}`: encrypted scans by content address. An upload
//! must hash to its address and fit the size limit; the same content is stored once,
//! and each device holds it until it deletes it (the object goes with the last hold).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use clinic_vault_proto::{BlobReceipt, ErrorAnswer};

use crate::auth::SignedRequest;
use crate::error::ApiError;
use crate::hex::{hex, parse_hash};
use crate::AppState;

/// The path of a blob route.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BlobPath {
    /// SHA-256 of the content, 64 lowercase hex digits.
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
}

fn checked(hash: &str) -> Result<(), ApiError> {
    parse_hash(hash)
        .map(|_| ())
        .ok_or(ApiError::BadInput("hash"))
}

/// Uploads an encrypted scan.
#[utoipa::path(
    put,
    path = "/v1/blobs/{hash}",
    params(BlobPath),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("device_signature" = [])),
    responses(
        (status = 200, body = BlobReceipt),
        (status = 422, description = "the content does not hash to its address", body = ErrorAnswer),
        (status = 413, body = ErrorAnswer),
        (status = 400, body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
        (status = 403, body = ErrorAnswer),
    )
)]
pub async fn put_blob(
    State(state): State<AppState>,
    Path(BlobPath { hash }): Path<BlobPath>,
    signed: SignedRequest,
) -> Result<Json<BlobReceipt>, ApiError> {
    checked(&hash)?;
    // The signature's own hash of the body: the bytes are hashed once.
    if hex(&signed.body_sha256) != hash {
        tracing::warn!(device_id = %signed.device.device_id, "blob refused: hash mismatch");
        return Err(ApiError::BlobHashMismatch);
    }
    let size = signed.body.len() as u64;
    let device_id = signed.device.device_id.clone();
    let now_us = state.clock.now_us();
    // Under the blob's lock, a delete by the last other holder cannot remove the object
    // between this hold and this put. The hold is recorded first and, when the put
    // fails, taken back if it was this request's: a hold never outlives a failed upload.
    // In a task of its own, so that a request timeout (or a client gone) cannot stop it
    // between the hold and the put.
    let task = tokio::spawn(async move {
        let lock = state.blobs.lock(&hash).await?;
        let outcome = hold_and_put(&state, &hash, &device_id, size, now_us, signed.body).await;
        lock.release().await;
        let stored = outcome?;
        if stored {
            crate::metrics::blob_stored(size);
        }
        tracing::info!(%device_id, stored, size, "blob held");
        Ok::<_, ApiError>(Json(BlobReceipt { hash, size, stored }))
    });
    task.await
        .map_err(|_| ApiError::Store(crate::store::StoreError::TaskLost))?
}

async fn hold_and_put(
    state: &AppState,
    hash: &str,
    device_id: &str,
    size: u64,
    now_us: i64,
    body: axum::body::Bytes,
) -> Result<bool, ApiError> {
    let new_hold = state.store.hold_blob(hash, device_id, size, now_us).await?;
    match state.blobs.put(hash, body).await {
        Ok(stored) => Ok(stored),
        Err(e) => {
            if new_hold {
                let _release = state.store.release_blob(hash, device_id).await?;
            }
            Err(e.into())
        }
    }
}

/// Whether the signing device holds this blob (`content-length`: its size).
#[utoipa::path(
    head,
    path = "/v1/blobs/{hash}",
    params(BlobPath),
    security(("device_signature" = [])),
    responses(
        (status = 200, description = "held"),
        (status = 404, description = "not held by this device"),
        (status = 400, description = "not a hash"),
        (status = 401, description = "not signed"),
    )
)]
pub async fn head_blob(
    State(state): State<AppState>,
    Path(BlobPath { hash }): Path<BlobPath>,
    signed: SignedRequest,
) -> Result<(StatusCode, HeaderMap), ApiError> {
    checked(&hash)?;
    let lock = state.blobs.lock(&hash).await?;
    let held = state.store.held_blob(&hash, &signed.device.device_id).await;
    let stored = state.blobs.size(&hash).await;
    lock.release().await;
    match (held?, stored?) {
        (Some(size), Some(_)) => {
            let mut headers = HeaderMap::new();
            headers.insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok((StatusCode::OK, headers))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Drops the signing device's hold; the object is deleted with the last hold.
#[utoipa::path(
    delete,
    path = "/v1/blobs/{hash}",
    params(BlobPath),
    security(("device_signature" = [])),
    responses(
        (status = 204, description = "released"),
        (status = 404, description = "not held by this device", body = ErrorAnswer),
        (status = 400, body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
    )
)]
pub async fn delete_blob(
    State(state): State<AppState>,
    Path(BlobPath { hash }): Path<BlobPath>,
    signed: SignedRequest,
) -> Result<StatusCode, ApiError> {
    checked(&hash)?;
    let device_id = signed.device.device_id;
    // In a task of its own, like the upload: the release and the object's deletion go
    // together even when the request is abandoned.
    let task = tokio::spawn(async move {
        let lock = state.blobs.lock(&hash).await?;
        let outcome = release_and_delete(&state, &hash, &device_id).await;
        lock.release().await;
        let n_remaining = outcome?;
        tracing::info!(%device_id, n_remaining, "blob released");
        Ok::<_, ApiError>(StatusCode::NO_CONTENT)
    });
    task.await
        .map_err(|_| ApiError::Store(crate::store::StoreError::TaskLost))?
}

async fn release_and_delete(
    state: &AppState,
    hash: &str,
    device_id: &str,
) -> Result<u64, ApiError> {
    let release = state.store.release_blob(hash, device_id).await?;
    if !release.was_held {
        return Err(ApiError::NotFound);
    }
    if release.n_remaining == 0 {
        state.blobs.delete(hash).await?;
    }
    Ok(release.n_remaining)
}
