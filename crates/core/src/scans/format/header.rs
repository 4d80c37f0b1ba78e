//! The scan-v1 header: its fixed 111-byte layout, how it is built, and the checks a
//! reader makes before it trusts any field (docs/formats/scan-v1.md, "Header").

use std::io::Read;

use uuid::Uuid;

use super::error::FormatError;
use super::stream::read_full;

/// `CVSCAN`, the first six bytes of every scan file.
pub const MAGIC: [u8; 6] = *b"CVSCAN";
/// The format version this module writes and reads.
pub const VERSION: u8 = 1;
/// Plaintext bytes per chunk that [`super::encrypt`] writes.
pub const CHUNK_SIZE: u32 = 65_536;
/// The smallest chunk size a reader accepts.
pub const MIN_CHUNK_SIZE: u32 = 4 * 1024;
/// The largest chunk size a reader accepts (bounds the reader's buffers).
pub const MAX_CHUNK_SIZE: u32 = 4 * 1024 * 1024;
/// Bytes in the header.
pub const HEADER_LEN: usize = 111;
/// Bytes in the nonce prefix.
pub(super) const NONCE_PREFIX_LEN: usize = 7;
/// Bytes in an AES-GCM nonce.
pub(super) const NONCE_LEN: usize = 12;
/// Bytes in an AES-GCM tag.
pub(super) const TAG_LEN: usize = 16;
/// Bytes in the wrapped scan key: the 32-byte key encrypted, then its tag.
pub(super) const WRAPPED_KEY_LEN: usize = 32 + TAG_LEN;

// Field offsets (docs/formats/scan-v1.md's table).
const OFF_VERSION: usize = 6;
const OFF_FLAGS: usize = 7;
const OFF_CHUNK_SIZE: usize = 8;
const OFF_SCAN_ID: usize = 12;
const OFF_KEY_ID: usize = 28;
const OFF_NONCE_PREFIX: usize = 44;
const OFF_WRAP_NONCE: usize = 51;
const OFF_WRAPPED_KEY: usize = 63;

/// A parsed scan header. The public fields are what a caller needs to pick the right
/// patient key; the rest (nonce prefix, wrapped key) stays inside this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The format version (always [`VERSION`] for a header that parsed).
    pub version: u8,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// The scan this file holds.
    pub scan_id: Uuid,
    /// The patient key that wraps the scan key.
    pub key_id: Uuid,
    pub(super) nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub(super) wrap_nonce: [u8; NONCE_LEN],
    pub(super) wrapped_key: [u8; WRAPPED_KEY_LEN],
    /// The header exactly as written or read: every chunk's associated data.
    pub(super) raw: [u8; HEADER_LEN],
}

impl Header {
    /// Lays out a version-1 header from its fields.
    pub(super) fn build(
        chunk_size: u32,
        scan_id: Uuid,
        key_id: Uuid,
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
        wrap_nonce: [u8; NONCE_LEN],
        wrapped_key: [u8; WRAPPED_KEY_LEN],
    ) -> Header {
        let mut raw = [0u8; HEADER_LEN];
        raw[..OFF_VERSION].copy_from_slice(&MAGIC);
        raw[OFF_VERSION] = VERSION;
        raw[OFF_FLAGS] = 0;
        raw[OFF_CHUNK_SIZE..OFF_SCAN_ID].copy_from_slice(&chunk_size.to_be_bytes());
        raw[OFF_SCAN_ID..OFF_KEY_ID].copy_from_slice(scan_id.as_bytes());
        raw[OFF_KEY_ID..OFF_NONCE_PREFIX].copy_from_slice(key_id.as_bytes());
        raw[OFF_NONCE_PREFIX..OFF_WRAP_NONCE].copy_from_slice(&nonce_prefix);
        raw[OFF_WRAP_NONCE..OFF_WRAPPED_KEY].copy_from_slice(&wrap_nonce);
        raw[OFF_WRAPPED_KEY..].copy_from_slice(&wrapped_key);
        Header {
            version: VERSION,
            chunk_size,
            scan_id,
            key_id,
            nonce_prefix,
            wrap_nonce,
            wrapped_key,
            raw,
        }
    }

    /// Parses the start of a scan file. `bytes` may be shorter than a header (a cut
    /// file): the fields that are there are checked in order (magic, version, flags,
    /// chunk size) before the shortness is reported as [`FormatError::Truncated`], so a
    /// short file that is not a scan file is still called one that is not. Bytes after
    /// [`HEADER_LEN`] are ignored. The scan id and key id are not checked here.
    pub fn parse(bytes: &[u8]) -> Result<Header, FormatError> {
        let magic_len = bytes.len().min(MAGIC.len());
        if bytes.get(..magic_len) != MAGIC.get(..magic_len) {
            return Err(FormatError::BadMagic);
        }
        if let Some(&version) = bytes.get(OFF_VERSION) {
            if version != VERSION {
                return Err(FormatError::UnsupportedVersion { version });
            }
        }
        if let Some(&flags) = bytes.get(OFF_FLAGS) {
            if flags != 0 {
                return Err(FormatError::UnsupportedFlags { flags });
            }
        }
        if let Some(field) = bytes.get(OFF_CHUNK_SIZE..OFF_SCAN_ID) {
            check_chunk_size(u32::from_be_bytes(array(field)?))?;
        }
        let raw: [u8; HEADER_LEN] = match bytes.get(..HEADER_LEN) {
            Some(head) => array(head)?,
            None => return Err(FormatError::Truncated { after_chunks: 0 }),
        };
        Ok(Header {
            version: raw[OFF_VERSION],
            chunk_size: u32::from_be_bytes(array(&raw[OFF_CHUNK_SIZE..OFF_SCAN_ID])?),
            scan_id: Uuid::from_bytes(array(&raw[OFF_SCAN_ID..OFF_KEY_ID])?),
            key_id: Uuid::from_bytes(array(&raw[OFF_KEY_ID..OFF_NONCE_PREFIX])?),
            nonce_prefix: array(&raw[OFF_NONCE_PREFIX..OFF_WRAP_NONCE])?,
            wrap_nonce: array(&raw[OFF_WRAP_NONCE..OFF_WRAPPED_KEY])?,
            wrapped_key: array(&raw[OFF_WRAPPED_KEY..])?,
            raw,
        })
    }
}

/// Reads and parses exactly the header from the start of `file`, leaving the reader at
/// the first chunk. Use it to learn which patient key a file needs
/// ([`Header::key_id`]) before calling [`super::decrypt`].
pub fn read_header<R: Read>(mut file: R) -> Result<Header, FormatError> {
    let mut buf = [0u8; HEADER_LEN];
    let n_read = read_full(&mut file, &mut buf)?;
    Header::parse(buf.get(..n_read).unwrap_or(&buf))
}

/// Refuses a chunk size outside [`MIN_CHUNK_SIZE`]`..=`[`MAX_CHUNK_SIZE`].
pub(super) fn check_chunk_size(chunk_size: u32) -> Result<(), FormatError> {
    if (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        Ok(())
    } else {
        Err(FormatError::BadChunkSize { chunk_size })
    }
}

/// A fixed-size copy of a slice whose length the layout constants already fix; a
/// mismatch would be this module's bug, reported as a truncated header, never a panic.
fn array<const N: usize>(slice: &[u8]) -> Result<[u8; N], FormatError> {
    slice
        .try_into()
        .map_err(|_| FormatError::Truncated { after_chunks: 0 })
}
