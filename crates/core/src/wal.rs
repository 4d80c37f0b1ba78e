//! Validation of `vault.db-wal` before SQLite sees it. SQLite silently stops replaying a
//! WAL at the first frame whose checksum fails, which would turn a flipped byte into
//! lost, acknowledged writes. Here such a frame is `corrupt` instead. A frame cut short
//! by a crash mid-write (the file ends inside it) is normal and ignored, as SQLite does.

use std::path::Path;

use crate::error::{Error, Result};

const HEADER_LEN: usize = 32;
const FRAME_HEADER_LEN: usize = 24;

fn word(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let w: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
    if big_endian {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    }
}

/// SQLite's WAL checksum, continued from `(s0, s1)`.
fn checksum(data: &[u8], big_endian: bool, mut s0: u32, mut s1: u32) -> (u32, u32) {
    for chunk in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(chunk, 0, big_endian)).wrapping_add(s1);
        s1 = s1.wrapping_add(word(chunk, 4, big_endian)).wrapping_add(s0);
    }
    (s0, s1)
}

/// Checks the WAL at `path` (absent or empty is fine).
pub(crate) fn check(path: &Path) -> Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("reading the WAL", e)),
    };
    check_bytes(&bytes)
}

fn damaged(what: String) -> Error {
    Error::Corrupt(format!("the vault's write-ahead log is damaged ({what})"))
}

pub(crate) fn check_bytes(bytes: &[u8]) -> Result<()> {
    if bytes.len() < HEADER_LEN {
        // SQLite writes the header in one piece before any frame; a shorter file holds
        // no committed data.
        return Ok(());
    }
    let magic = u32::from_be_bytes(bytes[0..4].try_into().expect("4 bytes"));
    if magic != 0x377f0682 && magic != 0x377f0683 {
        return Err(damaged("bad header".into()));
    }
    let big_endian = magic & 1 == 1;
    let header_ck = checksum(&bytes[..24], big_endian, 0, 0);
    if header_ck != (word(bytes, 24, true), word(bytes, 28, true)) {
        return Err(damaged("header checksum".into()));
    }
    let page_size = word(bytes, 8, true) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(damaged("page size".into()));
    }
    let salts = (word(bytes, 16, true), word(bytes, 20, true));
    let frame_len = FRAME_HEADER_LEN + page_size;
    let n_full_frames = (bytes.len() - HEADER_LEN) / frame_len;
    let mut running = header_ck;
    let mut stale_from: Option<usize> = None;
    // The first frame whose checksum fails. It is damage only if a commit follows it (or
    // it is a commit): SQLite rewrites frames of the open transaction in place and fixes
    // their checksums at commit, so a crash may leave bad checksums after the last commit.
    let mut broken_at: Option<(usize, u32)> = None;
    for frame_idx in 0..n_full_frames {
        let start = HEADER_LEN + frame_idx * frame_len;
        let frame = &bytes[start..start + frame_len];
        let frame_salts = (word(frame, 8, true), word(frame, 12, true));
        if frame_salts != salts {
            // Left over from before the WAL was restarted; SQLite ignores these.
            stale_from.get_or_insert(frame_idx);
            continue;
        }
        if let Some(stale_idx) = stale_from {
            return Err(damaged(format!(
                "frame {stale_idx} does not belong to the log"
            )));
        }
        let page = word(frame, 0, true);
        let is_commit = word(frame, 4, true) != 0;
        if let Some((bad_idx, bad_page)) = broken_at {
            if is_commit {
                return Err(damaged(format!("frame {bad_idx}, page {bad_page}")));
            }
            continue;
        }
        let ck = checksum(&frame[..8], big_endian, running.0, running.1);
        let ck = checksum(&frame[FRAME_HEADER_LEN..], big_endian, ck.0, ck.1);
        if ck != (word(frame, 16, true), word(frame, 20, true)) {
            if is_commit {
                return Err(damaged(format!("frame {frame_idx}, page {page}")));
            }
            broken_at = Some((frame_idx, page));
            continue;
        }
        running = ck;
    }
    Ok(())
}
