//! The one error every handler returns: a status, a stable code and a neutral sentence
//! (`ErrorAnswer`), logged without PHI. Storage failures show the client only
//! `internal`; their detail goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clinic_vault_proto::ErrorAnswer;

use crate::chain::Refusal;
use crate::store::{EnrollRefusal, StoreError};

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A signature header is missing or malformed.
    #[error("the request is not signed ({header} missing or malformed)")]
    Unsigned {
        /// The header at fault.
        header: &'static str,
    },
    /// The timestamp is outside the window.
    #[error("the request's timestamp is outside the accepted window")]
    StaleTimestamp,
    /// The signing device is not enrolled.
    #[error("the device is not enrolled")]
    UnknownDevice,
    /// The signing device was revoked.
    #[error("the device was revoked")]
    RevokedDevice,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The nonce was used already.
    #[error("the request was sent before (its nonce is spent)")]
    Replayed,
    /// No or an unknown admin token.
    #[error("an admin token is needed")]
    NotAdmin,
    /// The body is larger than the route accepts.
    #[error("the body is too large")]
    TooLarge,
    /// Over a rate limit (per client address or per device).
    #[error("too many requests: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request would be allowed (sent as `Retry-After`).
        retry_after_secs: u64,
    },
    /// The request's body had not all arrived within the request time limit.
    #[error("the request was not received in time")]
    ClientTimeout,
    /// The request was not answered within the request time limit.
    #[error("the request took too long; it may or may not have been applied: retry")]
    HandlerTimeout,
    /// The body is not the JSON the route expects.
    #[error("the body is not valid: {0}")]
    BadBody(String),
    /// A query parameter or path segment is not valid.
    #[error("{0} is not valid")]
    BadInput(&'static str),
    /// An enrollment was refused.
    #[error(transparent)]
    Enroll(#[from] EnrollRefusal),
    /// A batch was refused.
    #[error(transparent)]
    Batch(#[from] Refusal),
    /// The uploaded blob does not hash to its address.
    #[error("the blob does not hash to its address")]
    BlobHashMismatch,
    /// No such resource.
    #[error("not found")]
    NotFound,
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
    /// The blob store failed.
    #[error("blob storage failed")]
    Blobs(#[from] object_store::Error),
    /// Signing a receipt failed.
    #[error("signing failed")]
    Signing(#[from] clinic_vault_proto::SigningError),
}

impl ApiError {
    /// The status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unsigned { .. } => (StatusCode::UNAUTHORIZED, "unsigned_request"),
            ApiError::StaleTimestamp => (StatusCode::UNAUTHORIZED, "stale_timestamp"),
            ApiError::UnknownDevice => (StatusCode::UNAUTHORIZED, "unknown_device"),
            ApiError::RevokedDevice => (StatusCode::FORBIDDEN, "device_revoked"),
            ApiError::BadSignature => (StatusCode::UNAUTHORIZED, "bad_signature"),
            ApiError::Replayed => (StatusCode::UNAUTHORIZED, "replayed_request"),
            ApiError::NotAdmin => (StatusCode::UNAUTHORIZED, "admin_token_needed"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::ClientTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::HandlerTimeout => (StatusCode::SERVICE_UNAVAILABLE, "handler_timeout"),
            ApiError::BadBody(_) => (StatusCode::UNPROCESSABLE_ENTITY, "malformed_body"),
            ApiError::BadInput(_) => (StatusCode::BAD_REQUEST, "bad_input"),
            ApiError::Enroll(refusal) => match refusal {
                EnrollRefusal::UnknownToken => (StatusCode::UNAUTHORIZED, "enroll_token_unknown"),
                EnrollRefusal::SpentToken => (StatusCode::UNAUTHORIZED, "enroll_token_spent"),
                EnrollRefusal::ExpiredToken => (StatusCode::UNAUTHORIZED, "enroll_token_expired"),
                EnrollRefusal::DeviceExists => (StatusCode::CONFLICT, "device_exists"),
            },
            ApiError::Batch(refusal) => {
                let status = match refusal {
                    Refusal::Gap { .. } | Refusal::Fork { .. } => StatusCode::CONFLICT,
                    Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, refusal.code())
            }
            ApiError::BlobHashMismatch => (StatusCode::UNPROCESSABLE_ENTITY, "blob_hash_mismatch"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Store(_) | ApiError::Blobs(_) | ApiError::Signing(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let seq = match &self {
            ApiError::Batch(refusal) => refusal.seq(),
            _ => None,
        };
        match &self {
            ApiError::Store(_) => crate::metrics::storage_error("store"),
            ApiError::Blobs(_) => crate::metrics::storage_error("blobs"),
            _ => {}
        }
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let message = if matches!(self, ApiError::HandlerTimeout) {
            tracing::warn!(code, "request timed out");
            self.to_string()
        } else if status.is_server_error() {
            // The detail (a database message) is for the operator only.
            tracing::error!(code, detail = %self, "request failed");
            "the server could not complete the request".to_owned()
        } else {
            tracing::info!(code, status = status.as_u16(), seq, "request refused");
            self.to_string()
        };
        let body = ErrorAnswer {
            error: code.to_owned(),
            message,
            seq,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}
