//! The scan-v1 encrypted file format (docs/formats/scan-v1.md): one self-contained file
//! per scan, at rest and in transit. A versioned header carries a random per-scan key
//! wrapped by the patient's key; the body is chunked AES-256-GCM in the STREAM
//! construction (nonce prefix ‖ chunk counter ‖ last-chunk flag, the header as every
//! chunk's associated data), so truncation, reordering and chunks moved between files
//! fail; the SHA-256 of the whole file is the scan's content address. Memory stays at
//! one or two chunk buffers whatever the size.
//!
//! Erasing a patient destroys their [`PatientKey`], which makes every copy of their scan
//! files unreadable (crypto-shredding).
#![allow(missing_debug_implementations)]

mod error;
mod header;
mod keys;
mod open;
mod seal;
mod stream;
#[cfg(test)]
mod tests;

use std::io::{Read, Write};

use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use error::FormatError;
pub use header::{
    read_header, Header, CHUNK_SIZE, HEADER_LEN, MAGIC, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, VERSION,
};
pub use keys::PatientKey;

use stream::MAX_CHUNKS;

/// What [`encrypt`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 of the whole file (header and chunks): the scan's content address.
    pub content_hash: [u8; 32],
    /// Bytes written.
    pub file_len: u64,
    /// Plaintext bytes read.
    pub plain_len: u64,
    /// Chunks written (at least 1: an empty scan is one empty last chunk).
    pub n_chunks: u64,
}

/// What [`decrypt`] or [`verify`] read from a file that checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// Plaintext bytes the file holds.
    pub plain_len: u64,
    /// SHA-256 of the whole file as read: compare it with the recorded content address.
    pub content_hash: [u8; 32],
    /// Chunks read.
    pub n_chunks: u64,
    /// Bytes read.
    pub file_len: u64,
}

/// Encrypts `plain` as scan `scan_id` under the patient key `key` (whose id is
/// `key_id`), writing the file to `out` in [`CHUNK_SIZE`] chunks with a fresh scan key
/// and nonces. On an error, whatever reached `out` is not a usable file.
pub fn encrypt<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    mut plain: R,
    mut out: W,
) -> Result<Sealed, FormatError> {
    let randomness = Randomness::generate();
    seal::seal_stream(
        key,
        key_id,
        scan_id,
        CHUNK_SIZE,
        &randomness,
        &mut plain,
        &mut out,
        MAX_CHUNKS,
    )
}

/// [`encrypt`] without the SHA-256 content address: the format's own cost (header, key
/// wrap, STREAM nonces, AES-256-GCM of every chunk, writing), for the benchmark that
/// compares it with `openssl speed`. Returns the bytes written. A file made this way has
/// no recorded content address, so nothing in the vault can use it.
#[doc(hidden)]
pub fn encrypt_unhashed<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    mut plain: R,
    mut out: W,
) -> Result<u64, FormatError> {
    let randomness = Randomness::generate();
    let written = seal::seal_stream_into(
        key,
        key_id,
        scan_id,
        CHUNK_SIZE,
        &randomness,
        &mut plain,
        &mut out,
        MAX_CHUNKS,
        &mut seal::NoHash,
    )?;
    Ok(written.file_len)
}

/// Checks and decrypts a scan file, writing the plaintext to `out`.
///
/// Each chunk's plaintext is written only after that chunk authenticated, but a cut
/// file is known only at its end: **treat everything written to `out` as unusable
/// unless this returns `Ok`** (write to a temporary file and rename it on `Ok` only;
/// delete it otherwise). `scan_id` and `key_id` are what the caller's records say the
/// file holds and is wrapped by; a header naming others is refused before any
/// decryption. Compare [`Opened::content_hash`] with the recorded content address.
pub fn decrypt<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    mut file: R,
    mut out: W,
) -> Result<Opened, FormatError> {
    open::open_stream(key, key_id, scan_id, &mut file, &mut out, MAX_CHUNKS)
}

/// Checks a scan file completely, as [`decrypt`] does, and discards the plaintext.
pub fn verify<R: Read>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    mut file: R,
) -> Result<Opened, FormatError> {
    open::open_stream(
        key,
        key_id,
        scan_id,
        &mut file,
        &mut std::io::sink(),
        MAX_CHUNKS,
    )
}

/// The random values of one file, taken explicitly so that golden files can be made
/// reproducibly. Production code uses [`encrypt`], which draws them from the operating
/// system. Zeroized on drop (it holds the scan key).
#[doc(hidden)]
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Randomness {
    /// The per-scan AES-256 key.
    pub scan_key: [u8; 32],
    /// The 7-byte prefix of every chunk nonce.
    pub nonce_prefix: [u8; 7],
    /// The nonce of the scan key's wrap.
    pub wrap_nonce: [u8; 12],
}

impl Randomness {
    fn generate() -> Self {
        Randomness {
            scan_key: crate::crypto::random_array(),
            nonce_prefix: crate::crypto::random_array(),
            wrap_nonce: crate::crypto::random_array(),
        }
    }
}

/// [`encrypt`] with a chosen chunk size and chosen randomness: for golden files and
/// tests only. Reusing a `Randomness` for two plaintexts reuses nonces under one key,
/// which breaks AES-GCM; never do that outside tests.
#[doc(hidden)]
pub fn encrypt_with<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    chunk_size: u32,
    randomness: &Randomness,
    mut plain: R,
    mut out: W,
) -> Result<Sealed, FormatError> {
    seal::seal_stream(
        key, key_id, scan_id, chunk_size, randomness, &mut plain, &mut out, MAX_CHUNKS,
    )
}
