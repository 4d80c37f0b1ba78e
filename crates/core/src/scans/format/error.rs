//! `FormatError`: every way a scan file can fail to be written, read or authenticated.

use uuid::Uuid;

/// Why a scan file could not be encrypted, parsed, or decrypted.
///
/// The variants say where the file went wrong (the header, the key wrap, which chunk) so
/// an admin can tell damage from a wrong key; a shell shows staff only that the scan
/// could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file does not start with `CVSCAN`: it is not a scan file.
    #[error("not a scan file (bad magic)")]
    BadMagic,
    /// The header names a format version this build does not read.
    #[error("unsupported scan format version {version}")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The header's reserved flags byte is not zero (a later format's feature, or damage).
    #[error("unsupported scan header flags {flags:#04x}")]
    UnsupportedFlags {
        /// The flags byte found.
        flags: u8,
    },
    /// The chunk size is outside the range a reader accepts (4 KiB to 4 MiB).
    #[error("scan chunk size {chunk_size} is out of range")]
    BadChunkSize {
        /// The chunk size found (or asked for, when encrypting).
        chunk_size: u32,
    },
    /// The header names another scan than the one the caller expected.
    #[error("the file holds scan {found}, not scan {expected}")]
    WrongScan {
        /// The scan id the caller asked for.
        expected: Uuid,
        /// The scan id in the header.
        found: Uuid,
    },
    /// The header names another patient key than the one the caller holds.
    #[error("the file is wrapped by patient key {found}, not {expected}")]
    WrongKey {
        /// The patient key id the caller passed.
        expected: Uuid,
        /// The patient key id in the header.
        found: Uuid,
    },
    /// The wrapped scan key does not open: the patient key is wrong, or the wrap, the scan
    /// id or the key id in the header were changed.
    #[error("the scan key does not unwrap (wrong patient key or damaged header)")]
    KeyUnwrap,
    /// A chunk fails authentication: damaged, reordered, taken from another file, cut
    /// inside, or any header byte outside the key wrap was changed (the header is every
    /// chunk's associated data, so that fails chunk 0).
    #[error("chunk {index} at byte {offset} fails authentication")]
    BadChunk {
        /// The chunk's index, from 0.
        index: u64,
        /// The chunk's byte offset in the file.
        offset: u64,
    },
    /// An authenticated last chunk holds no plaintext although it is not chunk 0; a
    /// conforming writer never makes one (only an empty scan has an empty last chunk).
    #[error("chunk {index} at byte {offset} is an empty last chunk after other chunks")]
    EmptyLastChunk {
        /// The chunk's index.
        index: u64,
        /// The chunk's byte offset in the file.
        offset: u64,
    },
    /// The file ends before its last chunk (also inside the header, or at a chunk
    /// boundary: every chunk read so far authenticated, none was marked last).
    #[error("the file ends after {after_chunks} chunks without a last chunk")]
    Truncated {
        /// How many chunks authenticated before the end.
        after_chunks: u64,
    },
    /// Bytes follow an authenticated last chunk.
    #[error("trailing data after the last chunk, at byte {offset}")]
    TrailingData {
        /// Where the trailing bytes start.
        offset: u64,
    },
    /// The plaintext (or file) needs more chunks than the 32-bit chunk counter can number
    /// without repeating a nonce.
    #[error("more than {max_chunks} chunks")]
    TooManyChunks {
        /// The most chunks a file may have.
        max_chunks: u64,
    },
    /// The AES-GCM implementation refused a key or buffer this module built. It cannot
    /// happen for the sizes this format uses; it is reported rather than panicking.
    #[error("the cipher refused its input")]
    Cipher,
    /// Reading the input or writing the output failed.
    #[error("scan I/O failed: {0}")]
    Io(#[from] std::io::Error),
}
