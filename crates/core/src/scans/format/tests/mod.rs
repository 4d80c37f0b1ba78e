//! Tests of the scan-v1 format: round trips at the sizes around chunk boundaries
//! (`roundtrip.rs`), every kind of damage a reader must refuse (`tamper.rs`), and the
//! golden files with their independent Python decryptor (`golden.rs`).

mod golden;
mod roundtrip;
mod tamper;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::header::TAG_LEN;
use super::*;

/// The smallest chunk size: small files with several chunks keep the tests fast.
const CS: u32 = MIN_CHUNK_SIZE;
const CSU: usize = CS as usize;
/// Bytes of a full chunk in the file.
const FULL: usize = CSU + TAG_LEN;

fn patient_key() -> PatientKey {
    PatientKey::from_bytes([0x42; 32])
}

fn key_id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00aa)
}

fn scan_id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)
}

fn randomness(seed: u8) -> Randomness {
    Randomness {
        scan_key: [seed; 32],
        nonce_prefix: [seed.wrapping_add(1); 7],
        wrap_nonce: [seed.wrapping_add(2); 12],
    }
}

/// Deterministic plaintext: byte i is (31·i + 7) mod 251, as the golden vectors use.
fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

/// Encrypts with fixed randomness and chunk size `cs`.
fn seal_with(plain: &[u8], cs: u32, seed: u8, scan: Uuid) -> (Vec<u8>, Sealed) {
    let mut file = Vec::new();
    let sealed = encrypt_with(
        &patient_key(),
        key_id(),
        scan,
        cs,
        &randomness(seed),
        plain,
        &mut file,
    )
    .expect("encrypt");
    (file, sealed)
}

/// A file of [`CS`]-byte chunks.
fn seal(plain: &[u8]) -> Vec<u8> {
    seal_with(plain, CS, 1, scan_id()).0
}

/// Decrypts with the fixture's key and ids.
fn open(file: &[u8]) -> Result<(Vec<u8>, Opened), FormatError> {
    let mut out = Vec::new();
    let opened = decrypt(&patient_key(), key_id(), scan_id(), file, &mut out)?;
    Ok((out, opened))
}

/// SHA-256 by the `sha2` crate, independent of ring's.
fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Where chunk `index` of a [`CS`]-chunked file starts.
fn chunk_offset(index: usize) -> usize {
    HEADER_LEN + index * FULL
}

/// The chunks of a [`CS`]-chunked file, as byte ranges.
fn chunks(file: &[u8]) -> Vec<std::ops::Range<usize>> {
    (HEADER_LEN..file.len())
        .step_by(FULL)
        .map(|start| start..(start + FULL).min(file.len()))
        .collect()
}

mod traits {
    use static_assertions::assert_not_impl_any;

    use super::super::keys::ScanKey;
    use super::super::{PatientKey, Randomness};

    assert_not_impl_any!(PatientKey: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(ScanKey: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(Randomness: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    static_assertions::assert_impl_all!(Randomness: zeroize::ZeroizeOnDrop);
}
