//! The STREAM chunk construction: each chunk's nonce (prefix ‖ counter ‖ last flag), its
//! associated data (the whole header), and reads that fill a buffer or reach the end.

use std::io::{ErrorKind, Read};

use ring::aead::{Aad, LessSafeKey, Nonce};

use super::error::FormatError;
use super::header::{NONCE_LEN, NONCE_PREFIX_LEN, TAG_LEN};

/// Chunks a file may have: the counter is a u32, so chunk indices run 0..2^32 and no
/// nonce repeats under one scan key.
pub(super) const MAX_CHUNKS: u64 = 1 << 32;

/// Seals and opens the chunks of one file under its scan key.
pub(super) struct ChunkCipher<'h> {
    key: LessSafeKey,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    header: &'h [u8],
}

impl std::fmt::Debug for ChunkCipher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChunkCipher(<redacted>)")
    }
}

/// `prefix(7) ‖ u32 BE index ‖ flag` where the flag is 1 for the last chunk, else 0.
/// `None` for an index the counter cannot hold.
pub(super) fn chunk_nonce(
    prefix: &[u8; NONCE_PREFIX_LEN],
    index: u64,
    last: bool,
) -> Option<[u8; NONCE_LEN]> {
    let counter = u32::try_from(index).ok()?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..NONCE_PREFIX_LEN].copy_from_slice(prefix);
    nonce[NONCE_PREFIX_LEN..NONCE_LEN - 1].copy_from_slice(&counter.to_be_bytes());
    nonce[NONCE_LEN - 1] = u8::from(last);
    Some(nonce)
}

impl<'h> ChunkCipher<'h> {
    /// A cipher for the chunks that follow `header` (their associated data).
    pub(super) fn new(
        key: LessSafeKey,
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
        header: &'h [u8],
    ) -> Self {
        ChunkCipher {
            key,
            nonce_prefix,
            header,
        }
    }

    fn nonce(&self, index: u64, last: bool) -> Result<Nonce, FormatError> {
        chunk_nonce(&self.nonce_prefix, index, last)
            .map(Nonce::assume_unique_for_key)
            .ok_or(FormatError::TooManyChunks {
                max_chunks: MAX_CHUNKS,
            })
    }

    /// Encrypts `chunk` (plaintext followed by [`TAG_LEN`] spare bytes) in place: the
    /// ciphertext, then the tag.
    pub(super) fn seal(&self, index: u64, last: bool, chunk: &mut [u8]) -> Result<(), FormatError> {
        let body_len = chunk
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(FormatError::Cipher)?;
        let (body, tag_out) = chunk.split_at_mut(body_len);
        let tag = self
            .key
            .seal_in_place_separate_tag(self.nonce(index, last)?, Aad::from(self.header), body)
            .map_err(|_| FormatError::Cipher)?;
        tag_out.copy_from_slice(tag.as_ref());
        Ok(())
    }

    /// Authenticates and decrypts `chunk` (ciphertext ‖ tag) in place; the plaintext
    /// length on success. On failure the buffer's content is unspecified (ring zeroes it).
    pub(super) fn open(&self, index: u64, last: bool, chunk: &mut [u8]) -> Option<usize> {
        let nonce = self.nonce(index, last).ok()?;
        self.key
            .open_in_place(nonce, Aad::from(self.header), chunk)
            .ok()
            .map(|plain| plain.len())
    }
}

/// Reads until `buf` is full or the reader ends; how many bytes were read. Retries
/// interrupted reads; any other error is the caller's [`FormatError::Io`].
pub(super) fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, FormatError> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n.min(rest.len()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(FormatError::Io(e)),
        }
    }
    Ok(filled)
}
