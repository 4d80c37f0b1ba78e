//! Authentication as extractors: [`SignedRequest`] (a request signed by an enrolled,
//! active device: headers, timestamp window, signature with `verify_strict`, the device's
//! rate limit, nonce spent once in the shared store), [`SignedEnrollment`] (signed by the key it enrolls) and
//! [`Admin`] (a bearer admin token, looked up by its hash). Handlers never check
//! credentials themselves.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use clinic_vault_proto::ed25519_dalek::VerifyingKey;
use clinic_vault_proto::signing::{
    is_lower_hex, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, NONCE_LEN,
};
use clinic_vault_proto::{parse_public_key, Body, EnrollRequest, RequestToSign};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::Device;
use crate::tokens::token_hash;
use crate::AppState;

/// The signature headers of a request.
#[derive(Debug, Clone)]
struct SignedHeaders {
    device_id: String,
    timestamp_us: i64,
    nonce: String,
    signature: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unsigned { header: name })
}

impl SignedHeaders {
    fn read(headers: &HeaderMap) -> Result<SignedHeaders, ApiError> {
        let device_id = header(headers, HEADER_DEVICE)?.to_owned();
        let timestamp_us =
            header(headers, HEADER_TIMESTAMP)?
                .parse()
                .map_err(|_| ApiError::Unsigned {
                    header: HEADER_TIMESTAMP,
                })?;
        let nonce = header(headers, HEADER_NONCE)?;
        if !is_lower_hex(nonce, 2 * NONCE_LEN) {
            return Err(ApiError::Unsigned {
                header: HEADER_NONCE,
            });
        }
        let signature = header(headers, HEADER_SIGNATURE)?;
        if !is_lower_hex(signature, 128) {
            return Err(ApiError::Unsigned {
                header: HEADER_SIGNATURE,
            });
        }
        Ok(SignedHeaders {
            device_id,
            timestamp_us,
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
        })
    }
}

/// What a signature covers besides the headers.
struct Target {
    method: String,
    path: String,
    query: String,
}

/// A body and its SHA-256, hashed once: the signature and a blob's address check both
/// take this hash.
struct HashedBody {
    bytes: Bytes,
    sha256: [u8; 32],
}

/// Bodies above this are hashed on a blocking thread (a 16 MiB scan takes ~10 ms),
/// not on the runtime's workers.
const HASH_INLINE_MAX: usize = 256 * 1024;

async fn hash_body(bytes: Bytes) -> Result<HashedBody, ApiError> {
    if bytes.len() <= HASH_INLINE_MAX {
        let sha256 = Sha256::digest(&bytes).into();
        return Ok(HashedBody { bytes, sha256 });
    }
    tokio::task::spawn_blocking(move || {
        let sha256 = Sha256::digest(&bytes).into();
        HashedBody { bytes, sha256 }
    })
    .await
    .map_err(|_| ApiError::Store(crate::store::StoreError::TaskLost))
}

/// Reads the headers, checks the window and reads the body (within the route's limit).
async fn read_signed(
    req: Request,
    state: &AppState,
) -> Result<(SignedHeaders, Target, HashedBody), ApiError> {
    let headers = SignedHeaders::read(req.headers())?;
    let now_us = state.clock.now_us();
    if headers.timestamp_us.abs_diff(now_us) > state.limits.window_us.unsigned_abs() {
        return Err(ApiError::StaleTimestamp);
    }
    let target = Target {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().unwrap_or("").to_owned(),
    };
    let body = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadBody("the body could not be read".into())
        }
    })?;
    Ok((headers, target, hash_body(body).await?))
}

/// Verifies the signature, then counts the request against the device's rate (when
/// `device_rate`: only a verified request spends a device's budget, and one over it
/// spends no nonce, so the same request may be sent again), then spends the nonce (only
/// a verified request can spend one).
async fn verify_and_spend(
    state: &AppState,
    key: &VerifyingKey,
    headers: &SignedHeaders,
    target: &Target,
    body_sha256: [u8; 32],
    device_rate: bool,
) -> Result<(), ApiError> {
    let to_sign = RequestToSign {
        method: &target.method,
        path: &target.path,
        query: &target.query,
        timestamp_us: headers.timestamp_us,
        nonce: &headers.nonce,
        body: Body::Sha256(body_sha256),
    };
    to_sign
        .verify(key, &headers.signature)
        .map_err(|_| ApiError::BadSignature)?;
    if device_rate {
        state
            .guard
            .check_device(&headers.device_id, state.clock.now_us())?;
    }
    let expires_us = headers.timestamp_us.saturating_add(state.limits.window_us);
    let fresh = state
        .store
        .spend_nonce(
            &headers.device_id,
            &headers.nonce,
            expires_us,
            state.clock.now_us(),
        )
        .await?;
    if fresh {
        Ok(())
    } else {
        Err(ApiError::Replayed)
    }
}

/// A request signed by an enrolled device that is not revoked.
#[derive(Debug)]
pub struct SignedRequest {
    /// The signing device.
    pub device: Device,
    /// The body, as signed.
    pub body: Bytes,
    /// The body's SHA-256 (computed here once, from the bytes received).
    pub body_sha256: [u8; 32],
}

impl FromRequest<AppState> for SignedRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (headers, target, body) = read_signed(req, state).await?;
        let device = state
            .store
            .device(&headers.device_id)
            .await?
            .ok_or(ApiError::UnknownDevice)?;
        if device.revoked_us.is_some() {
            return Err(ApiError::RevokedDevice);
        }
        let key = parse_public_key(&device.public_key).map_err(|_| ApiError::UnknownDevice)?;
        verify_and_spend(state, &key, &headers, &target, body.sha256, true).await?;
        Ok(SignedRequest {
            device,
            body: body.bytes,
            body_sha256: body.sha256,
        })
    }
}

/// An enrollment request signed by the key it enrolls, naming that device in its
/// headers.
#[derive(Debug)]
pub struct SignedEnrollment {
    /// The request.
    pub request: EnrollRequest,
}

impl FromRequest<AppState> for SignedEnrollment {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (headers, target, body) = read_signed(req, state).await?;
        let request: EnrollRequest = crate::api::parse_json(&body.bytes)?;
        if request.device_id != headers.device_id {
            return Err(ApiError::BadInput("device_id"));
        }
        let key =
            parse_public_key(&request.public_key).map_err(|_| ApiError::BadInput("public_key"))?;
        verify_and_spend(state, &key, &headers, &target, body.sha256, false).await?;
        Ok(SignedEnrollment { request })
    }
}

/// A request with a valid admin token (`Authorization: Bearer cvadmin_…`).
#[derive(Debug, Clone)]
pub struct Admin {
    /// The token's name.
    pub name: String,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::NotAdmin)?;
        let name = state
            .store
            .admin_by_token(&token_hash(token))
            .await?
            .ok_or(ApiError::NotAdmin)?;
        Ok(Admin { name })
    }
}
