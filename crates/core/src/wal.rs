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

/// A frame's checksum, continuing the log's chain from `running`: its first 8 bytes
/// (page number, commit size) and its page; the salts are not covered.
fn frame_checksum(frame: &[u8], big_endian: bool, running: (u32, u32)) -> (u32, u32) {
    let ck = checksum(&frame[..8], big_endian, running.0, running.1);
    checksum(&frame[FRAME_HEADER_LEN..], big_endian, ck.0, ck.1)
}

fn stored_checksum(frame: &[u8]) -> (u32, u32) {
    (word(frame, 16, true), word(frame, 20, true))
}

/// Whether a non-commit frame whose checksum fails was a commit frame before one byte
/// of its commit-size field was zeroed: a field differing in one byte makes the
/// checksum continue the chain. SQLite would drop that commit silently.
fn lost_commit_marker(frame: &[u8], big_endian: bool, running: (u32, u32)) -> bool {
    let mut probe = frame.to_vec();
    for byte in 4..8 {
        for value in 1..=u8::MAX {
            probe[byte] = value;
            if frame_checksum(&probe, big_endian, running) == stored_checksum(frame) {
                return true;
            }
        }
        probe[byte] = frame[byte];
    }
    false
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
            // Left over from before the WAL was restarted; SQLite ignores these. Such a
            // frame's checksum continues the old log's chain. One that continues this
            // log's chain is this log's frame with a damaged salt, where SQLite would
            // silently stop replaying.
            if stale_from.is_none()
                && broken_at.is_none()
                && frame_checksum(frame, big_endian, running) == stored_checksum(frame)
            {
                return Err(damaged(format!(
                    "frame {frame_idx}, page {}",
                    word(frame, 0, true)
                )));
            }
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
        let ck = frame_checksum(frame, big_endian, running);
        if ck != stored_checksum(frame) {
            if is_commit || lost_commit_marker(frame, big_endian, running) {
                return Err(damaged(format!("frame {frame_idx}, page {page}")));
            }
            broken_at = Some((frame_idx, page));
            continue;
        }
        running = ck;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real log: a plain SQLite database in WAL mode, read while its connection is
    /// open (closing would checkpoint it away). `restart_with` more transactions go in
    /// after a full checkpoint, which restarts the log over its old frames.
    fn real_wal(n_commits: usize, restart_with: usize) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE t (x BLOB);",
        )
        .expect("setup");
        for i in 0..n_commits {
            conn.execute("INSERT INTO t VALUES (randomblob(3000 + ?1))", [i as i64])
                .expect("insert");
        }
        if restart_with > 0 {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .expect("checkpoint");
            for _ in 0..restart_with {
                conn.execute("INSERT INTO t VALUES (1)", [])
                    .expect("insert");
            }
        }
        std::fs::read(path.with_extension("db-wal")).expect("wal")
    }

    fn frame_len(bytes: &[u8]) -> usize {
        FRAME_HEADER_LEN + word(bytes, 8, true) as usize
    }

    /// Start of the last frame whose commit-size field is set.
    fn last_commit_frame(bytes: &[u8]) -> usize {
        let len = frame_len(bytes);
        (0..(bytes.len() - HEADER_LEN) / len)
            .map(|i| HEADER_LEN + i * len)
            .rfind(|&at| word(bytes, at + 4, true) != 0)
            .expect("a commit frame")
    }

    #[test]
    fn an_intact_log_passes() {
        check_bytes(&real_wal(4, 0)).expect("intact");
    }

    #[test]
    fn frames_left_from_before_a_restart_are_ignored() {
        let bytes = real_wal(6, 1);
        let len = frame_len(&bytes);
        let n_frames = (bytes.len() - HEADER_LEN) / len;
        let salt = word(&bytes, 16, true);
        let n_stale = (0..n_frames)
            .filter(|i| word(&bytes, HEADER_LEN + i * len + 8, true) != salt)
            .count();
        assert!(n_stale > 0, "the restart left old frames behind");
        check_bytes(&bytes).expect("old frames are not damage");
    }

    #[test]
    fn any_bit_flipped_in_the_last_commit_frame_header_is_damage() {
        let bytes = real_wal(4, 0);
        let at = last_commit_frame(&bytes);
        for byte in 0..FRAME_HEADER_LEN {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[at + byte] ^= 1 << bit;
                assert!(
                    matches!(check_bytes(&damaged), Err(Error::Corrupt(_))),
                    "flip of bit {bit} in byte {byte} of the last commit frame"
                );
            }
        }
    }

    #[test]
    fn a_zeroed_commit_marker_is_damage() {
        let bytes = real_wal(4, 0);
        let at = last_commit_frame(&bytes);
        let mut damaged = bytes.clone();
        damaged[at + 4..at + 8].copy_from_slice(&[0; 4]);
        assert!(word(&bytes, at + 4, true) < 256, "a one-byte commit size");
        assert!(matches!(check_bytes(&damaged), Err(Error::Corrupt(_))));
    }
}
