//! Encryption: a plaintext stream in, a scan file out, in one chunk buffer whatever the
//! size, with the SHA-256 content address computed over the bytes as they are written.

use std::io::{Read, Write};

use ring::digest::{Context, SHA256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::FormatError;
use super::header::{check_chunk_size, Header, HEADER_LEN, TAG_LEN};
use super::keys::{wrap_scan_key, PatientKey, ScanKey};
use super::stream::{read_full, ChunkCipher};
use super::{Randomness, Sealed};

/// What is computed over the file's bytes as they are written: the SHA-256 content
/// address ([`Context`]), or nothing ([`NoHash`], for the benchmark of the format's
/// encryption on its own).
pub(super) trait ContentHash {
    /// Adds bytes written to the file.
    fn update(&mut self, bytes: &[u8]);
}

impl ContentHash for Context {
    fn update(&mut self, bytes: &[u8]) {
        Context::update(self, bytes);
    }
}

/// No hash: [`super::encrypt_unhashed`] only.
pub(super) struct NoHash;

impl ContentHash for NoHash {
    fn update(&mut self, _bytes: &[u8]) {}
}

/// What [`seal_stream_into`] wrote.
pub(super) struct Written {
    pub(super) file_len: u64,
    pub(super) plain_len: u64,
    pub(super) n_chunks: u64,
}

/// Writes the header and every chunk of `plain` to `out`, with the SHA-256 content
/// address. `max_chunks` is [`super::stream::MAX_CHUNKS`] except in tests of the limit.
#[allow(clippy::too_many_arguments)]
pub(super) fn seal_stream<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    chunk_size: u32,
    randomness: &Randomness,
    plain: &mut R,
    out: &mut W,
    max_chunks: u64,
) -> Result<Sealed, FormatError> {
    let mut hash = Context::new(&SHA256);
    let written = seal_stream_into(
        key, key_id, scan_id, chunk_size, randomness, plain, out, max_chunks, &mut hash,
    )?;
    Ok(Sealed {
        content_hash: digest_array(hash),
        file_len: written.file_len,
        plain_len: written.plain_len,
        n_chunks: written.n_chunks,
    })
}

/// [`seal_stream`] with the hash of the caller's choice.
#[allow(clippy::too_many_arguments)]
pub(super) fn seal_stream_into<R: Read, W: Write, H: ContentHash>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    chunk_size: u32,
    randomness: &Randomness,
    plain: &mut R,
    out: &mut W,
    max_chunks: u64,
    hash: &mut H,
) -> Result<Written, FormatError> {
    check_chunk_size(chunk_size)?;
    let scan_key = ScanKey::from_bytes(randomness.scan_key);
    let wrapped = wrap_scan_key(key, scan_id, key_id, randomness.wrap_nonce, &scan_key)?;
    let header = Header::build(
        chunk_size,
        scan_id,
        key_id,
        randomness.nonce_prefix,
        randomness.wrap_nonce,
        wrapped,
    );
    let cipher = ChunkCipher::new(scan_key.cipher()?, randomness.nonce_prefix, &header.raw);

    out.write_all(&header.raw)?;
    hash.update(&header.raw);

    // One buffer: a chunk's plaintext, room for its tag, and one byte read ahead to
    // learn whether more plaintext follows (that decides the last-chunk flag). It
    // holds plaintext, so it is zeroized when dropped.
    let cs = usize::try_from(chunk_size).map_err(|_| FormatError::BadChunkSize { chunk_size })?;
    let mut buf = Zeroizing::new(vec![0u8; cs + TAG_LEN + 1]);
    let mut n_carried = 0;
    let mut index: u64 = 0;
    let mut plain_len: u64 = 0;
    let mut file_len = HEADER_LEN as u64;
    loop {
        let want = buf.get_mut(n_carried..=cs).ok_or(FormatError::Cipher)?;
        let n_filled = n_carried + read_full(plain, want)?;
        let last = n_filled <= cs;
        let body_len = n_filled.min(cs);
        let lookahead = if last { None } else { buf.get(cs).copied() };
        if index >= max_chunks {
            return Err(FormatError::TooManyChunks { max_chunks });
        }
        let chunk = buf
            .get_mut(..body_len + TAG_LEN)
            .ok_or(FormatError::Cipher)?;
        cipher.seal(index, last, chunk)?;
        out.write_all(chunk)?;
        hash.update(chunk);
        plain_len += body_len as u64;
        file_len += chunk.len() as u64;
        index += 1;
        if last {
            break;
        }
        // The byte read ahead starts the next chunk.
        let first = buf.first_mut().ok_or(FormatError::Cipher)?;
        *first = lookahead.ok_or(FormatError::Cipher)?;
        n_carried = 1;
    }
    out.flush()?;
    Ok(Written {
        file_len,
        plain_len,
        n_chunks: index,
    })
}

/// The finished SHA-256 as an array.
pub(super) fn digest_array(hash: Context) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.finish().as_ref());
    out
}
