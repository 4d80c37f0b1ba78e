//! Decryption: the checks of docs/formats/scan-v1.md ("What a decryptor checks") in
//! their order, a chunk's plaintext released only after it authenticated, and the end of
//! the file classified (last chunk, truncation, trailing bytes), in two chunk buffers.

use std::io::{Read, Write};

use ring::digest::{Context, SHA256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::FormatError;
use super::header::{Header, HEADER_LEN, TAG_LEN};
use super::keys::{unwrap_scan_key, PatientKey};
use super::seal::digest_array;
use super::stream::{read_full, ChunkCipher};
use super::Opened;

/// Where a chunk is and what the reader saw after it.
struct Chunk {
    index: u64,
    offset: u64,
    /// Whether at least one byte follows the chunk's full length.
    more: bool,
}

/// Reads the file, checks it, and writes each chunk's plaintext to `out` once that chunk
/// authenticated. `max_chunks` is [`super::stream::MAX_CHUNKS`] except in tests.
pub(super) fn open_stream<R: Read, W: Write>(
    key: &PatientKey,
    key_id: Uuid,
    scan_id: Uuid,
    file: &mut R,
    out: &mut W,
    max_chunks: u64,
) -> Result<Opened, FormatError> {
    let mut head = [0u8; HEADER_LEN];
    let n_head = read_full(file, &mut head)?;
    let header = Header::parse(head.get(..n_head).unwrap_or(&head))?;
    if header.scan_id != scan_id {
        return Err(FormatError::WrongScan {
            expected: scan_id,
            found: header.scan_id,
        });
    }
    if header.key_id != key_id {
        return Err(FormatError::WrongKey {
            expected: key_id,
            found: header.key_id,
        });
    }
    let scan_key = unwrap_scan_key(key, &header)?;
    let cipher = ChunkCipher::new(scan_key.cipher()?, header.nonce_prefix, &header.raw);
    let mut hash = Context::new(&SHA256);
    hash.update(&header.raw);

    // `sealed` holds a full chunk (ciphertext ‖ tag) plus one byte read ahead; `work` is
    // where a copy of it is opened, so that `sealed` stays intact when a chunk fails and
    // the failure is then classified (ring zeroes a buffer it could not open).
    let chunk_size = header.chunk_size;
    let cs = usize::try_from(chunk_size).map_err(|_| FormatError::BadChunkSize { chunk_size })?;
    let full = cs + TAG_LEN;
    let mut sealed = vec![0u8; full + 1];
    let mut work = Zeroizing::new(vec![0u8; full]);
    let mut n_carried = 0;
    let mut index: u64 = 0;
    let mut offset = HEADER_LEN as u64;
    let mut plain_len: u64 = 0;
    loop {
        let want = sealed.get_mut(n_carried..).ok_or(FormatError::Cipher)?;
        let n_filled = n_carried + read_full(file, want)?;
        if n_filled < TAG_LEN {
            // Not even a tag: the file ends without a last chunk.
            return Err(FormatError::Truncated {
                after_chunks: index,
            });
        }
        if index >= max_chunks {
            return Err(FormatError::TooManyChunks { max_chunks });
        }
        let chunk = Chunk {
            index,
            offset,
            more: n_filled > full,
        };
        let body = sealed
            .get(..n_filled.min(full))
            .ok_or(FormatError::Cipher)?;
        hash.update(body);
        // By position, a chunk followed by more bytes is not the last one.
        let last = !chunk.more;
        let Some(n_plain) = open_copy(&cipher, &chunk, last, body, &mut work) else {
            return Err(classify_failure(&cipher, &chunk, body, &mut work));
        };
        if last && n_plain == 0 && index > 0 {
            return Err(FormatError::EmptyLastChunk { index, offset });
        }
        out.write_all(work.get(..n_plain).ok_or(FormatError::Cipher)?)?;
        plain_len += n_plain as u64;
        offset += body.len() as u64;
        index += 1;
        if last {
            break;
        }
        // The byte read ahead starts the next chunk.
        let carried = sealed.get(full).copied().ok_or(FormatError::Cipher)?;
        let first = sealed.first_mut().ok_or(FormatError::Cipher)?;
        *first = carried;
        n_carried = 1;
    }
    out.flush()?;
    Ok(Opened {
        content_hash: digest_array(hash),
        file_len: offset,
        plain_len,
        n_chunks: index,
    })
}

/// Opens a copy of `body` in `work` as chunk `chunk.index` with the given last flag.
fn open_copy(
    cipher: &ChunkCipher<'_>,
    chunk: &Chunk,
    last: bool,
    body: &[u8],
    work: &mut [u8],
) -> Option<usize> {
    let work = work.get_mut(..body.len())?;
    work.copy_from_slice(body);
    cipher.open(chunk.index, last, work)
}

/// Names why a chunk failed. It is tried under the other flag, and an empty chunk 0 is
/// looked for at its start, so a cut at a chunk boundary reads as
/// [`FormatError::Truncated`] and bytes after a full-size or empty last chunk as
/// [`FormatError::TrailingData`]; everything else is [`FormatError::BadChunk`]. (Bytes
/// appended after a shorter last chunk also give `BadChunk`: where that chunk ends is
/// not written anywhere a reader could trust.)
fn classify_failure(
    cipher: &ChunkCipher<'_>,
    chunk: &Chunk,
    body: &[u8],
    work: &mut [u8],
) -> FormatError {
    let full_len = work.len();
    if body.len() == full_len {
        if chunk.more {
            if open_copy(cipher, chunk, true, body, work).is_some() {
                return FormatError::TrailingData {
                    offset: chunk.offset + full_len as u64,
                };
            }
        } else if open_copy(cipher, chunk, false, body, work).is_some() {
            return FormatError::Truncated {
                after_chunks: chunk.index + 1,
            };
        }
    }
    if chunk.index == 0 && body.len() > TAG_LEN {
        if let Some(empty) = body.get(..TAG_LEN) {
            if open_copy(cipher, chunk, true, empty, work).is_some() {
                return FormatError::TrailingData {
                    offset: chunk.offset + TAG_LEN as u64,
                };
            }
        }
    }
    FormatError::BadChunk {
        index: chunk.index,
        offset: chunk.offset,
    }
}
