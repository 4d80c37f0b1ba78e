//! The two Ed25519 signatures of the sync protocol: a device's signature over each HTTP
//! request it sends, and the server's signature over the head of a device's chain that it
//! holds (the receipt a device keeps to anchor its chain).
//!
//! A request is signed over this text, UTF-8, lines joined by `\n`, no trailing newline:
//!
//! ```text
//! clinic-vault/request/v1
//! METHOD            (upper case, as sent: POST)
//! PATH              (as sent, percent-encoding untouched: /v1/audit/batches)
//! QUERY             (as sent, without the `?`; empty when there is none)
//! TIMESTAMP         (the x-clinic-vault-timestamp header: integer microseconds UTC)
//! NONCE             (the x-clinic-vault-nonce header: 32 lowercase hex digits)
//! BODY_SHA256       (lowercase hex of SHA-256 of the body bytes; of "" when empty)
//! ```
//!
//! The signature travels as 128 lowercase hex digits in `x-clinic-vault-signature`, the
//! device id in `x-clinic-vault-device`. Verification is `verify_strict` (no
//! malleable signatures, no small-order keys). A head receipt is signed over
//! `"clinic-vault/head-receipt/v1" ‖ RFC 8785(receipt)`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{hex, parse_hex32};
use crate::wire::{to_canonical, EncodeError};

/// First line of a request's signed text.
pub const REQUEST_DOMAIN: &str = "clinic-vault/request/v1";
/// Prefix of a head receipt's signed bytes.
pub const HEAD_RECEIPT_DOMAIN: &[u8] = b"clinic-vault/head-receipt/v1";
/// Header naming the signing device.
pub const HEADER_DEVICE: &str = "x-clinic-vault-device";
/// Header with the request's time, integer microseconds since the Unix epoch (UTC).
pub const HEADER_TIMESTAMP: &str = "x-clinic-vault-timestamp";
/// Header with the request's nonce, 16 random bytes as 32 lowercase hex digits.
pub const HEADER_NONCE: &str = "x-clinic-vault-nonce";
/// Header with the signature, 64 bytes as 128 lowercase hex digits.
pub const HEADER_SIGNATURE: &str = "x-clinic-vault-signature";
/// Length of a nonce in bytes.
pub const NONCE_LEN: usize = 16;

/// Why a request or receipt cannot be signed or does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigningError {
    /// The method is not upper-case ASCII letters.
    #[error("the method must be upper-case ASCII letters")]
    BadMethod,
    /// The path does not start with `/` or holds a space or control character.
    #[error("the path must start with / and hold no space or control character")]
    BadPath,
    /// The query holds a space or control character.
    #[error("the query must hold no space or control character")]
    BadQuery,
    /// The nonce is not 32 lowercase hex digits.
    #[error("the nonce must be 32 lowercase hex digits")]
    BadNonce,
    /// The signature is not 128 lowercase hex digits.
    #[error("the signature must be 128 lowercase hex digits")]
    BadSignatureEncoding,
    /// The public key is not 64 lowercase hex digits of a valid, not small-order point.
    #[error("the public key must be 64 lowercase hex digits of a valid Ed25519 key")]
    BadPublicKey,
    /// The signature does not verify under the key.
    #[error("the signature does not verify")]
    SignatureMismatch,
    /// The receipt has no canonical form.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// The parts of an HTTP request that its signature covers.
#[derive(Debug, Clone, Copy)]
pub struct RequestToSign<'a> {
    /// `GET`, `PUT`, `POST`, `HEAD`, `DELETE`.
    pub method: &'a str,
    /// The path as sent.
    pub path: &'a str,
    /// The query as sent, without `?`; `""` when none.
    pub query: &'a str,
    /// The timestamp header's value.
    pub timestamp_us: i64,
    /// The nonce header's value.
    pub nonce: &'a str,
    /// The body, or its SHA-256 when the caller already has it.
    pub body: Body<'a>,
}

/// A request's body as its signature takes it. The signed text holds only the body's
/// SHA-256, so a caller that has already hashed the bytes (a scan, whose content
/// address is that hash; the server, which compares the same hash with the address)
/// passes the hash and the bytes are not hashed again. Whoever passes
/// [`Body::Sha256`] answers for it being the hash of the bytes sent or received.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// The body bytes, hashed here.
    Bytes(&'a [u8]),
    /// The SHA-256 of the body bytes, computed by the caller.
    Sha256([u8; 32]),
}

impl Body<'_> {
    /// The SHA-256 of the body.
    pub fn sha256(&self) -> [u8; 32] {
        match self {
            Body::Bytes(bytes) => Sha256::digest(bytes).into(),
            Body::Sha256(hash) => *hash,
        }
    }
}

fn plain(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() || c.is_whitespace())
}

impl RequestToSign<'_> {
    /// The text the signature covers (module docs), or why a part is not acceptable.
    pub fn message(&self) -> Result<Vec<u8>, SigningError> {
        if self.method.is_empty() || !self.method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(SigningError::BadMethod);
        }
        if !self.path.starts_with('/') || !plain(self.path) {
            return Err(SigningError::BadPath);
        }
        if !plain(self.query) {
            return Err(SigningError::BadQuery);
        }
        if !is_lower_hex(self.nonce, 2 * NONCE_LEN) {
            return Err(SigningError::BadNonce);
        }
        let body_hash = hex(&self.body.sha256());
        Ok(format!(
            "{REQUEST_DOMAIN}\n{}\n{}\n{}\n{}\n{}\n{body_hash}",
            self.method, self.path, self.query, self.timestamp_us, self.nonce
        )
        .into_bytes())
    }

    /// The signature header's value.
    pub fn sign(&self, key: &SigningKey) -> Result<String, SigningError> {
        Ok(hex(&key.sign(&self.message()?).to_bytes()))
    }

    /// Checks `signature_hex` (the header's value) with `verify_strict`.
    pub fn verify(&self, key: &VerifyingKey, signature_hex: &str) -> Result<(), SigningError> {
        let signature = parse_signature(signature_hex)?;
        key.verify_strict(&self.message()?, &signature)
            .map_err(|_| SigningError::SignatureMismatch)
    }
}

/// `len` lowercase hex digits.
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn parse_signature(text: &str) -> Result<Signature, SigningError> {
    if !is_lower_hex(text, 128) {
        return Err(SigningError::BadSignatureEncoding);
    }
    let (high, low) = text.split_at(64);
    let (high, low) = (
        parse_hex32(high).ok_or(SigningError::BadSignatureEncoding)?,
        parse_hex32(low).ok_or(SigningError::BadSignatureEncoding)?,
    );
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&high);
    bytes[32..].copy_from_slice(&low);
    Ok(Signature::from_bytes(&bytes))
}

/// A public key from its 64 lowercase hex digits; small-order (weak) keys are refused.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, SigningError> {
    let bytes = parse_hex32(text).ok_or(SigningError::BadPublicKey)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| SigningError::BadPublicKey)?;
    if key.is_weak() {
        return Err(SigningError::BadPublicKey);
    }
    Ok(key)
}

/// A public key's 64 lowercase hex digits.
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

/// What the server holds of one device's chain when it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeadReceipt {
    /// The device whose chain it is.
    pub device_id: String,
    /// The vault whose genesis the chain starts from.
    pub vault_id: String,
    /// The highest sequence number held (0: none yet).
    pub seq: u64,
    /// The chain hash of event `seq` (the genesis hash when `seq` is 0), lowercase hex.
    pub hash: String,
    /// When the server signed, integer microseconds UTC.
    pub server_time_us: i64,
}

/// A head receipt with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedHead {
    /// What is signed.
    pub receipt: HeadReceipt,
    /// Ed25519 over `HEAD_RECEIPT_DOMAIN ‖ RFC 8785(receipt)`, 128 lowercase hex digits.
    pub signature: String,
}

impl HeadReceipt {
    /// The signed bytes.
    pub fn message(&self) -> Result<Vec<u8>, SigningError> {
        let mut out = HEAD_RECEIPT_DOMAIN.to_vec();
        out.extend(to_canonical(self)?);
        Ok(out)
    }

    /// Signs the receipt with the server's key.
    pub fn sign(self, key: &SigningKey) -> Result<SignedHead, SigningError> {
        let signature = hex(&key.sign(&self.message()?).to_bytes());
        Ok(SignedHead {
            receipt: self,
            signature,
        })
    }
}

impl SignedHead {
    /// Checks the server's signature with `verify_strict`.
    pub fn verify(&self, server_key: &VerifyingKey) -> Result<(), SigningError> {
        let signature = parse_signature(&self.signature)?;
        server_key
            .verify_strict(&self.receipt.message()?, &signature)
            .map_err(|_| SigningError::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &[u8]) -> RequestToSign<'_> {
        RequestToSign {
            method: "POST",
            path: "/v1/audit/batches",
            query: "",
            timestamp_us: 1_732_000_000_000_000,
            nonce: "00112233445566778899aabbccddeeff",
            body: Body::Bytes(body),
        }
    }

    #[test]
    fn every_part_is_covered() -> Result<(), SigningError> {
        let key = SigningKey::from_bytes(&[9; 32]);
        let public = key.verifying_key();
        let signature = request(b"{}").sign(&key)?;
        request(b"{}").verify(&public, &signature)?;
        let variants = [
            RequestToSign {
                method: "PUT",
                ..request(b"{}")
            },
            RequestToSign {
                path: "/v1/audit/batches/",
                ..request(b"{}")
            },
            RequestToSign {
                query: "a=1",
                ..request(b"{}")
            },
            RequestToSign {
                timestamp_us: 1_732_000_000_000_001,
                ..request(b"{}")
            },
            RequestToSign {
                nonce: "00112233445566778899aabbccddeef0",
                ..request(b"{}")
            },
            request(b"{ }"),
        ];
        for (variant_idx, variant) in variants.iter().enumerate() {
            assert_eq!(
                variant.verify(&public, &signature),
                Err(SigningError::SignatureMismatch),
                "variant {variant_idx}"
            );
        }
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert_eq!(
            request(b"{}").verify(&other, &signature),
            Err(SigningError::SignatureMismatch)
        );
        Ok(())
    }

    #[test]
    fn a_body_given_by_its_hash_signs_as_its_bytes() -> Result<(), SigningError> {
        let key = SigningKey::from_bytes(&[9; 32]);
        let public = key.verifying_key();
        let body = b"the scan's encrypted bytes";
        let by_hash = RequestToSign {
            body: Body::Sha256(Sha256::digest(body).into()),
            ..request(b"")
        };
        assert_eq!(by_hash.message()?, request(body).message()?);
        by_hash.verify(&public, &request(body).sign(&key)?)?;
        request(body).verify(&public, &by_hash.sign(&key)?)?;
        let other = RequestToSign {
            body: Body::Sha256(Sha256::digest(b"other bytes").into()),
            ..request(b"")
        };
        assert_eq!(
            other.verify(&public, &request(body).sign(&key)?),
            Err(SigningError::SignatureMismatch)
        );
        Ok(())
    }

    #[test]
    fn ambiguous_parts_are_refused() {
        let bad = [
            (
                RequestToSign {
                    method: "post",
                    ..request(b"")
                },
                SigningError::BadMethod,
            ),
            (
                RequestToSign {
                    path: "/v1\n/x",
                    ..request(b"")
                },
                SigningError::BadPath,
            ),
            (
                RequestToSign {
                    path: "v1",
                    ..request(b"")
                },
                SigningError::BadPath,
            ),
            (
                RequestToSign {
                    query: "a=1\nb",
                    ..request(b"")
                },
                SigningError::BadQuery,
            ),
            (
                RequestToSign {
                    nonce: "00112233445566778899AABBCCDDEEFF",
                    ..request(b"")
                },
                SigningError::BadNonce,
            ),
        ];
        for (req, expected) in bad {
            assert_eq!(req.message(), Err(expected));
        }
    }

    #[test]
    fn signatures_and_keys_parse_strictly() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let public = key.verifying_key();
        assert_eq!(parse_public_key(&public_key_hex(&public)), Ok(public));
        assert_eq!(
            parse_public_key(&public_key_hex(&public).to_uppercase()),
            Err(SigningError::BadPublicKey)
        );
        // The identity point is a small-order key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            parse_public_key(&hex(&identity)),
            Err(SigningError::BadPublicKey)
        );
        assert_eq!(
            request(b"").verify(&public, "00"),
            Err(SigningError::BadSignatureEncoding)
        );
    }

    #[test]
    fn a_receipt_verifies_only_as_signed() -> Result<(), SigningError> {
        let server = SigningKey::from_bytes(&[3; 32]);
        let signed = HeadReceipt {
            device_id: "d".into(),
            vault_id: "v".into(),
            seq: 7,
            hash: "ab".repeat(32),
            server_time_us: 5,
        }
        .sign(&server)?;
        signed.verify(&server.verifying_key())?;
        let mut moved = signed.clone();
        moved.receipt.seq = 8;
        assert_eq!(
            moved.verify(&server.verifying_key()),
            Err(SigningError::SignatureMismatch)
        );
        Ok(())
    }
}
