//! `POST /v1/enroll`: a one-time token from the admin, the device's public key and vault
//! id give an enrolled device.

use axum::extract::State;
use axum::Json;
use clinic_vault_proto::{genesis_hash, public_key_hex, EnrollAnswer, EnrollRequest, ErrorAnswer};

use crate::auth::SignedEnrollment;
use crate::error::ApiError;
use crate::store::{EnrollError, NewDevice};
use crate::tokens::token_hash;
use crate::AppState;

/// A lowercase hyphenated UUID.
pub fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|u| u.hyphenated().to_string() == text)
}

/// Enrolls the device that signed the request.
#[utoipa::path(
    post,
    path = "/v1/enroll",
    request_body = EnrollRequest,
    security(("device_signature" = [])),
    responses(
        (status = 200, body = EnrollAnswer),
        (status = 401, description = "unsigned, stale, replayed, or the token unknown, spent or expired", body = ErrorAnswer),
        (status = 409, description = "a device with this id exists", body = ErrorAnswer),
        (status = 400, body = ErrorAnswer),
        (status = 422, body = ErrorAnswer),
    )
)]
pub async fn enroll(
    State(state): State<AppState>,
    signed: SignedEnrollment,
) -> Result<Json<EnrollAnswer>, ApiError> {
    let request = signed.request;
    if !is_uuid(&request.vault_id) {
        return Err(ApiError::BadInput("vault_id"));
    }
    if !is_uuid(&request.device_id) {
        return Err(ApiError::BadInput("device_id"));
    }
    let device = NewDevice {
        genesis: genesis_hash(&request.vault_id),
        device_id: request.device_id,
        vault_id: request.vault_id,
        public_key: request.public_key,
    };
    let enrolled = state
        .store
        .enroll(&token_hash(&request.token), device, state.clock.now_us())
        .await
        .map_err(|e| match e {
            EnrollError::Refused(refusal) => ApiError::Enroll(refusal),
            EnrollError::Store(e) => ApiError::Store(e),
        })?;
    tracing::info!(device_id = %enrolled.device_id, "device enrolled");
    Ok(Json(EnrollAnswer {
        device_id: enrolled.device_id,
        workstation: enrolled.workstation,
        server_public_key: public_key_hex(&state.signing_key.verifying_key()),
    }))
}
