//! The scan keys: a patient's key (kept in `vault.db`, destroyed when the patient is
//! erased), the random per-scan key, and the AES-256-GCM wrap of one under the other.
#![allow(missing_debug_implementations)]

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::FormatError;
use super::header::{Header, NONCE_LEN, WRAPPED_KEY_LEN};

/// The domain-separation label at the start of the key wrap's associated data.
pub(super) const WRAP_LABEL: &[u8] = b"clinic-vault/scan-key/v1";

/// A patient's 256-bit key: it wraps the key of every scan of that patient. Zeroized on
/// drop; not `Clone`, `Debug`, `Display` or `Serialize` (asserted in tests).
pub struct PatientKey(Zeroizing<[u8; 32]>);

impl PatientKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        PatientKey(Zeroizing::new(crate::crypto::random_array()))
    }

    /// Takes a stored key. The array is moved in; a caller that kept its own copy (for
    /// example a buffer read from the database) zeroizes that copy itself.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PatientKey(Zeroizing::new(bytes))
    }

    /// The raw key, to store it in `vault.db`. Named so that every use stands out in
    /// review.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

/// One scan's random 256-bit content key. Zeroized on drop; never leaves this module
/// except wrapped.
pub(super) struct ScanKey(Zeroizing<[u8; 32]>);

impl ScanKey {
    /// Takes the key bytes (fresh randomness, or an unwrapped key).
    pub(super) fn from_bytes(bytes: [u8; 32]) -> Self {
        ScanKey(Zeroizing::new(bytes))
    }

    /// The AES-256-GCM key for this scan's chunks.
    ///
    /// ring keeps its expanded key schedule without zeroizing it on drop; the raw key
    /// here is zeroized. (aes-gcm as used elsewhere in core does not zeroize its schedule
    /// either: its `zeroize` feature is off.)
    pub(super) fn cipher(&self) -> Result<LessSafeKey, FormatError> {
        aes_key(&self.0)
    }
}

/// An AES-256-GCM key from 32 bytes.
fn aes_key(bytes: &[u8; 32]) -> Result<LessSafeKey, FormatError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| FormatError::Cipher)
}

/// `"clinic-vault/scan-key/v1" ‖ scan id ‖ patient key id`: the wrap opens only for the
/// scan and patient key the header names.
fn wrap_aad(scan_id: Uuid, key_id: Uuid) -> [u8; 24 + 16 + 16] {
    let mut aad = [0u8; 24 + 16 + 16];
    aad[..24].copy_from_slice(WRAP_LABEL);
    aad[24..40].copy_from_slice(scan_id.as_bytes());
    aad[40..].copy_from_slice(key_id.as_bytes());
    aad
}

/// AES-256-GCM(patient key, nonce, scan key, AAD): the 32-byte ciphertext, then the tag.
pub(super) fn wrap_scan_key(
    patient: &PatientKey,
    scan_id: Uuid,
    key_id: Uuid,
    nonce: [u8; NONCE_LEN],
    scan_key: &ScanKey,
) -> Result<[u8; WRAPPED_KEY_LEN], FormatError> {
    let cipher = aes_key(&patient.0)?;
    let mut out = [0u8; WRAPPED_KEY_LEN];
    let (body, tag_out) = out.split_at_mut(32);
    body.copy_from_slice(scan_key.0.as_ref());
    let tag = cipher
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(wrap_aad(scan_id, key_id)),
            body,
        )
        .map_err(|_| FormatError::Cipher)?;
    tag_out.copy_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens the header's wrapped scan key with the patient's key, or
/// [`FormatError::KeyUnwrap`].
pub(super) fn unwrap_scan_key(
    patient: &PatientKey,
    header: &Header,
) -> Result<ScanKey, FormatError> {
    let cipher = aes_key(&patient.0)?;
    let mut buf = Zeroizing::new(header.wrapped_key);
    let plain = cipher
        .open_in_place(
            Nonce::assume_unique_for_key(header.wrap_nonce),
            Aad::from(wrap_aad(header.scan_id, header.key_id)),
            buf.as_mut(),
        )
        .map_err(|_| FormatError::KeyUnwrap)?;
    let mut key = ScanKey(Zeroizing::new([0u8; 32]));
    if plain.len() != key.0.len() {
        return Err(FormatError::KeyUnwrap);
    }
    key.0.copy_from_slice(plain);
    Ok(key)
}
