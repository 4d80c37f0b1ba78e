//! `POST /v1/audit/batches` (ingest: the pure checks of `chain`, then one store
//! transaction, which also stores the alerts the rules raise from its new events, then
//! a signed receipt of the head) and `GET /v1/audit/head`. A refused batch stores
//! nothing and is recorded as an alert under its refusal's code.

use axum::extract::State;
use axum::Json;
use clinic_vault_proto::{BatchAnswer, ErrorAnswer, EventBatch, HeadReceipt, SignedHead};

use crate::auth::SignedRequest;
use crate::chain::{prepare, Refusal};
use crate::error::ApiError;
use crate::hex::hex;
use crate::store::{Device, IngestError, NewAlert};
use crate::AppState;

fn signed_head(
    state: &AppState,
    device: &Device,
    seq: u64,
    hash: String,
) -> Result<SignedHead, ApiError> {
    Ok(HeadReceipt {
        device_id: device.device_id.clone(),
        vault_id: device.vault_id.clone(),
        seq,
        hash,
        server_time_us: state.clock.now_us(),
    }
    .sign(&state.signing_key)?)
}

async fn refuse(state: &AppState, device: &Device, refusal: Refusal) -> ApiError {
    let alert = NewAlert {
        time_us: state.clock.now_us(),
        device_id: device.device_id.clone(),
        code: refusal.code().to_owned(),
        // Stores keep seqs as signed 64-bit integers; a seq past that is kept as unknown.
        seq: refusal.seq().filter(|&seq| i64::try_from(seq).is_ok()),
        ..NewAlert::default()
    };
    tracing::warn!(device_id = %device.device_id, code = alert.code, seq = alert.seq, "batch refused");
    crate::metrics::batch_refused();
    match state.store.record_alert(&alert).await {
        Ok(alert) => {
            crate::metrics::alert_raised(&alert.code);
            ApiError::Batch(refusal)
        }
        Err(e) => ApiError::Store(e),
    }
}

/// Stores a batch of the signing device's events.
#[utoipa::path(
    post,
    path = "/v1/audit/batches",
    request_body = EventBatch,
    security(("device_signature" = [])),
    responses(
        (status = 200, description = "stored (or already held); the signed head", body = BatchAnswer),
        (status = 409, description = "a gap or a fork", body = ErrorAnswer),
        (status = 422, description = "malformed, reordered, tampered, or another device's events", body = ErrorAnswer),
        (status = 401, body = ErrorAnswer),
        (status = 403, body = ErrorAnswer),
        (status = 413, body = ErrorAnswer),
    )
)]
pub async fn ingest(
    State(state): State<AppState>,
    signed: SignedRequest,
) -> Result<Json<BatchAnswer>, ApiError> {
    let started = std::time::Instant::now();
    let device = signed.device;
    let batch: EventBatch = crate::api::parse_json(&signed.body)?;
    let prepared = match prepare(&device.device_id, batch, state.limits.max_batch_events) {
        Ok(prepared) => prepared,
        Err(refusal) => return Err(refuse(&state, &device, refusal).await),
    };
    let ingested = match state
        .store
        .ingest(&device.device_id, prepared, state.clock.now_us())
        .await
    {
        Ok(ingested) => ingested,
        Err(IngestError::Refused(refusal)) => return Err(refuse(&state, &device, refusal).await),
        Err(IngestError::Store(e)) => return Err(e.into()),
    };
    for alert in &ingested.raised {
        tracing::warn!(device_id = %device.device_id, code = alert.code, seq = alert.seq, "alert raised");
        crate::metrics::alert_raised(&alert.code);
    }
    tracing::info!(
        device_id = %device.device_id,
        held_seq = ingested.head_seq,
        n_stored = ingested.n_stored,
        "batch stored"
    );
    crate::metrics::batch_stored(ingested.n_stored, started.elapsed().as_secs_f64());
    let head = signed_head(&state, &device, ingested.head_seq, hex(&ingested.head_hash))?;
    Ok(Json(BatchAnswer {
        held_seq: ingested.head_seq,
        n_stored: ingested.n_stored,
        head,
    }))
}

/// The signed head the server holds for the signing device.
#[utoipa::path(
    get,
    path = "/v1/audit/head",
    security(("device_signature" = [])),
    responses(
        (status = 200, body = SignedHead),
        (status = 401, body = ErrorAnswer),
        (status = 403, body = ErrorAnswer),
    )
)]
pub async fn head(
    State(state): State<AppState>,
    signed: SignedRequest,
) -> Result<Json<SignedHead>, ApiError> {
    let device = signed.device;
    Ok(Json(signed_head(
        &state,
        &device,
        device.head_seq,
        device.head_hash.clone(),
    )?))
}
