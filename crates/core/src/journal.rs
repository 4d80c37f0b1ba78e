//! `prelock.journal`: failed and refused attempts made while the vault is locked, so they
//! reach the audit chain at the next unlock. One JSON line per attempt. The details (who
//! typed what user name, when, why it failed) are sealed with HPKE to the vault's journal
//! key, whose private half lives inside `vault.db`. What stays readable is what the
//! lockout rule needs before anything can be decrypted: the slot id, the second and
//! whether the attempt counted.
//!
//! An attempt is counted *before* its credential is checked: a `fail` line with a fresh
//! attempt id (`a`) is written first, under the writer lock and the account's attempt
//! lock, and an attempt that turns out not to count (right credentials but a clock
//! behind, an expired one-time password, a conflict) is taken back by a `void` line
//! naming that id. A success resets the counter when the journal is folded.
//!
//! What the journal proves: nothing about who wrote it. Before an unlock nothing secret
//! exists, so anyone who can write the vault directory can seal a line to the public
//! journal key, delete lines, or add `fail` lines. Folded lines are therefore recorded
//! as unauthenticated reports (`journal.attempt`), and the counter limits the app, not
//! someone who can write the directory (or copy `keyslots` and guess offline).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::crypto::{self, Sealed};
use crate::error::{Error, Result};
use crate::secrets::PrivateKey;

const INFO: &[u8] = b"clinic-vault/journal/v1";

/// Consecutive failures after which attempts are delayed.
pub const DELAY_AFTER_FAILURES: u32 = 5;
/// Consecutive failures after which only an admin or the recovery key helps.
pub const HARD_LOCK_AFTER_FAILURES: u32 = 20;
/// First delay, doubling with each further failure.
pub const FIRST_DELAY_SECS: i64 = 30;
/// Longest delay.
pub const MAX_DELAY_SECS: i64 = 15 * 60;

/// How a line affects the lockout counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LineKind {
    /// A failed attempt: counts.
    Fail,
    /// An attempt refused during a delay or lockout: journaled, not counted.
    Refused,
    /// An attempt that did not count for another reason (clock error).
    Noted,
    /// An admin or the recovery key cleared the counter.
    Clear,
    /// Takes back the `fail` line with the same attempt id: that attempt had the right
    /// credential and does not count.
    Void,
}

/// Longest line that is read; a longer one is unreadable (quarantined).
pub(crate) const MAX_LINE_BYTES: usize = 8 * 1024;
/// Most of the journal that is read; anything beyond is unreadable (quarantined).
pub(crate) const MAX_JOURNAL_BYTES: u64 = 4 * 1024 * 1024;
/// Past this size, lines that do not count (`noted`, `refused`) are no longer written,
/// so uncounted attempts (unknown user names, refusals) cannot push the counted ones
/// past [`MAX_JOURNAL_BYTES`]; `fail`, `void` and `clear` lines are always written
/// (they are bounded by the lockout itself).
pub(crate) const SOFT_CAP_BYTES: u64 = 1024 * 1024;

/// Whether a line of `kind` is still written to a journal of `size` bytes.
pub(crate) fn keeps(kind: LineKind, size: u64) -> bool {
    size < SOFT_CAP_BYTES || !matches!(kind, LineKind::Noted | LineKind::Refused)
}

/// Opens a journal file without following a link and without blocking on a FIFO, and
/// refuses anything that is not a regular file.
fn open_regular(options: &mut OpenOptions, path: &Path) -> std::io::Result<std::fs::File> {
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the journal is not a regular file",
        ));
    }
    Ok(file)
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Line {
    /// Slot the attempt was against, `-` for an unknown user name.
    pub slot: String,
    /// Unix seconds of the attempt.
    pub t: i64,
    pub k: LineKind,
    /// The attempt id of a `fail` line counted before its credential was checked, and
    /// of the `void` line that takes it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    /// Sealed [`Detail`]; absent on carried-over and clear lines.
    pub sealed: Option<Sealed>,
}

/// The sealed part of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Detail {
    /// Unique id, so a line is folded into the chain once even if a crash repeats the fold.
    pub id: String,
    pub time_us: i64,
    /// The user name as typed.
    pub user: String,
    /// `unlock`, `recovery` or `first_login`.
    pub attempt: String,
    /// The error code the attempt got.
    pub result: String,
}

/// Appends one line with a sealed detail and fsyncs. The caller holds the writer lock.
pub(crate) fn append(
    path: &Path,
    journal_public_key: &[u8],
    slot: &str,
    kind: LineKind,
    attempt_id: Option<&str>,
    detail: &Detail,
) -> Result<()> {
    let plaintext = zeroize::Zeroizing::new(serde_json::to_vec(detail).expect("detail serializes"));
    let sealed = crypto::hpke_seal(journal_public_key, INFO, slot.as_bytes(), &plaintext)?;
    let line = Line {
        slot: slot.to_string(),
        t: crate::clock::us_to_secs(detail.time_us),
        k: kind,
        a: attempt_id.map(str::to_string),
        sealed: Some(sealed),
    };
    append_line(path, &line)
}

/// Appends one line and fsyncs, never through a symbolic link. The caller holds the
/// writer lock.
pub(crate) fn append_line(path: &Path, line: &Line) -> Result<()> {
    let mut text = serde_json::to_vec(line).expect("line serializes");
    text.push(b'\n');
    let mut file = open_regular(
        OpenOptions::new().append(true).create(true).mode(0o600),
        path,
    )
    .map_err(|e| Error::io("opening the journal", e))?;
    let size = file
        .metadata()
        .map_err(|e| Error::io("opening the journal", e))?
        .len();
    if !keeps(line.k, size) {
        return Ok(());
    }
    file.write_all(&text)
        .map_err(|e| Error::io("writing the journal", e))?;
    file.sync_all()
        .map_err(|e| Error::io("syncing the journal", e))?;
    Ok(())
}

/// The journal as read: parsed lines, and whether anything in it could not be parsed.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub lines: Vec<Line>,
    pub raw: Vec<u8>,
    pub n_unreadable: usize,
}

/// Reads the journal (never through a symbolic link); a missing file is an empty
/// journal. Lines longer than [`MAX_LINE_BYTES`] and anything past
/// [`MAX_JOURNAL_BYTES`] are counted as unreadable, so a planted giant file costs
/// neither memory nor an unlock.
pub(crate) fn read(path: &Path) -> Result<Journal> {
    use std::io::Read;
    let file = match open_regular(OpenOptions::new().read(true), path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Journal::default()),
        Err(e) => return Err(Error::io("reading the journal", e)),
    };
    let mut raw = Vec::new();
    let mut limited = file.take(MAX_JOURNAL_BYTES + 1);
    limited
        .read_to_end(&mut raw)
        .map_err(|e| Error::io("reading the journal", e))?;
    let mut journal = Journal::default();
    if raw.len() as u64 > MAX_JOURNAL_BYTES {
        raw.truncate(MAX_JOURNAL_BYTES as usize);
        journal.n_unreadable += 1;
    }
    for text in raw.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if text.len() > MAX_LINE_BYTES {
            journal.n_unreadable += 1;
            continue;
        }
        match serde_json::from_slice::<Line>(text) {
            Ok(line) => journal.lines.push(line),
            Err(_) => journal.n_unreadable += 1,
        }
    }
    journal.raw = raw;
    Ok(journal)
}

impl Journal {
    /// Attempt ids taken back by a `void` line.
    pub(crate) fn voided(&self) -> std::collections::HashSet<&str> {
        self.lines
            .iter()
            .filter(|l| l.k == LineKind::Void)
            .filter_map(|l| l.a.as_deref())
            .collect()
    }
}

/// Whether `line` counts as a failure, given the journal's voided attempt ids.
pub(crate) fn counts(line: &Line, voided: &std::collections::HashSet<&str>) -> bool {
    line.k == LineKind::Fail && !line.a.as_deref().is_some_and(|a| voided.contains(a))
}

/// Opens a line's sealed detail with the journal private key.
pub(crate) fn open_detail(key: &PrivateKey, line: &Line) -> Option<Detail> {
    let sealed = line.sealed.as_ref()?;
    let plain = crypto::hpke_open(key, INFO, line.slot.as_bytes(), sealed)?;
    serde_json::from_slice(&plain).ok()
}

/// Consecutive counted failures of a slot and the time of the last one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counter {
    pub n_failures: u32,
    pub last_failure_secs: i64,
}

/// The counter of `slot` as the journal tells it.
pub(crate) fn counter(journal: &Journal, slot: &str) -> Counter {
    let voided = journal.voided();
    let mut c = Counter::default();
    for line in journal.lines.iter().filter(|l| l.slot == slot) {
        match line.k {
            LineKind::Fail if counts(line, &voided) => {
                c.n_failures = c.n_failures.saturating_add(1);
                c.last_failure_secs = c.last_failure_secs.max(line.t);
            }
            LineKind::Clear => c = Counter::default(),
            LineKind::Fail | LineKind::Refused | LineKind::Noted | LineKind::Void => {}
        }
    }
    c
}

/// Whether a slot may try now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lockout {
    Free,
    /// Attempts refused for this many more seconds.
    Delayed {
        retry_after_secs: u64,
    },
    /// Attempts refused until an admin or the recovery key clears the counter.
    Locked,
}

/// The brute-force rule of DESIGN §3, as a pure function. A last failure dated after
/// now (written while the clock ran ahead, or forged) counts as now: setting the clock
/// back never shortens a delay, and a delay never exceeds its own length from now. The
/// next successful entry's fold dates the carried-over failures no later than its own
/// time, so a corrected clock frees them once the delay has run.
pub(crate) fn lockout(c: Counter, now_secs: i64) -> Lockout {
    if c.n_failures >= HARD_LOCK_AFTER_FAILURES {
        return Lockout::Locked;
    }
    if c.n_failures < DELAY_AFTER_FAILURES {
        return Lockout::Free;
    }
    let doublings = (c.n_failures - DELAY_AFTER_FAILURES).min(16);
    let delay = (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS);
    let until = c.last_failure_secs.min(now_secs).saturating_add(delay);
    if now_secs < until {
        Lockout::Delayed {
            retry_after_secs: (until - now_secs) as u64,
        }
    } else {
        Lockout::Free
    }
}

/// Replaces the journal atomically with `lines` (used after folding, or to clear a
/// counter). The caller holds the writer lock.
pub(crate) fn rewrite(path: &Path, lines: &[Line]) -> Result<()> {
    if lines.is_empty() {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("removing the journal", e)),
        };
    }
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(&serde_json::to_vec(line).expect("line serializes"));
        bytes.push(b'\n');
    }
    crate::keyslots::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(n: u32, t: i64) -> Journal {
        let line = Line {
            slot: "s".into(),
            t,
            k: LineKind::Fail,
            a: None,
            sealed: None,
        };
        Journal {
            lines: vec![line; n as usize],
            ..Journal::default()
        }
    }

    #[test]
    fn delay_starts_at_five_doubles_and_caps() {
        let t = 1_000_000;
        assert_eq!(lockout(counter(&fails(4, t), "s"), t), Lockout::Free);
        assert_eq!(
            lockout(counter(&fails(5, t), "s"), t),
            Lockout::Delayed {
                retry_after_secs: 30
            }
        );
        assert_eq!(lockout(counter(&fails(5, t), "s"), t + 30), Lockout::Free);
        assert_eq!(
            lockout(counter(&fails(6, t), "s"), t + 1),
            Lockout::Delayed {
                retry_after_secs: 59
            }
        );
        assert_eq!(
            lockout(counter(&fails(9, t), "s"), t),
            Lockout::Delayed {
                retry_after_secs: 480
            }
        );
        assert_eq!(
            lockout(counter(&fails(10, t), "s"), t),
            Lockout::Delayed {
                retry_after_secs: 900
            }
        );
        assert_eq!(
            lockout(counter(&fails(19, t), "s"), t),
            Lockout::Delayed {
                retry_after_secs: 900
            }
        );
        assert_eq!(
            lockout(counter(&fails(20, t), "s"), t + 86_400),
            Lockout::Locked
        );
    }

    #[test]
    fn refused_attempts_do_not_count_and_clear_resets() {
        let mut j = fails(4, 10);
        j.lines.push(Line {
            slot: "s".into(),
            t: 11,
            k: LineKind::Refused,
            a: None,
            sealed: None,
        });
        assert_eq!(counter(&j, "s").n_failures, 4);
        assert_eq!(counter(&j, "other").n_failures, 0);
        j.lines.push(Line {
            slot: "s".into(),
            t: 12,
            k: LineKind::Clear,
            a: None,
            sealed: None,
        });
        assert_eq!(counter(&j, "s"), Counter::default());
    }

    #[test]
    fn a_void_line_takes_back_exactly_its_attempt() {
        let line = |k, a: Option<&str>| Line {
            slot: "s".into(),
            t: 10,
            k,
            a: a.map(str::to_string),
            sealed: None,
        };
        let j = Journal {
            lines: vec![
                line(LineKind::Fail, Some("x")),
                line(LineKind::Fail, Some("y")),
                line(LineKind::Fail, None),
                line(LineKind::Void, Some("x")),
                line(LineKind::Void, Some("unknown")),
            ],
            ..Journal::default()
        };
        assert_eq!(counter(&j, "s").n_failures, 2);
    }

    #[test]
    fn a_failure_dated_in_the_future_delays_from_now_and_never_overflows() {
        let now = 1_000_000;
        let mut j = fails(5, now + 2 * 86_400);
        assert_eq!(
            lockout(counter(&j, "s"), now),
            Lockout::Delayed {
                retry_after_secs: 30
            }
        );
        j = fails(6, i64::MAX);
        assert_eq!(
            lockout(counter(&j, "s"), now + 60),
            Lockout::Delayed {
                retry_after_secs: 60
            }
        );
    }

    #[test]
    fn oversized_lines_and_files_are_unreadable_not_loaded() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("prelock.journal");
        let ok = serde_json::to_string(&Line {
            slot: "s".into(),
            t: 1,
            k: LineKind::Fail,
            a: None,
            sealed: None,
        })
        .expect("json");
        let long = format!(
            "{{\"slot\":\"{}\",\"t\":1,\"k\":\"fail\",\"sealed\":null}}",
            "x".repeat(MAX_LINE_BYTES)
        );
        std::fs::write(&path, format!("{ok}\n{long}\n{ok}\n")).map_err(|e| Error::io("w", e))?;
        let j = read(&path)?;
        assert_eq!((j.lines.len(), j.n_unreadable), (2, 1));
        let big = format!("{ok}\n").repeat((MAX_JOURNAL_BYTES as usize / ok.len()) + 10);
        std::fs::write(&path, big).map_err(|e| Error::io("w", e))?;
        let j = read(&path)?;
        assert!(j.raw.len() as u64 <= MAX_JOURNAL_BYTES);
        assert!(j.n_unreadable >= 1);
        Ok(())
    }

    #[test]
    fn the_journal_is_never_read_or_appended_through_a_link() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"precious").map_err(|e| Error::io("w", e))?;
        let path = dir.path().join("prelock.journal");
        std::os::unix::fs::symlink(&target, &path).map_err(|e| Error::io("symlink", e))?;
        let line = Line {
            slot: "s".into(),
            t: 1,
            k: LineKind::Clear,
            a: None,
            sealed: None,
        };
        assert!(append_line(&path, &line).is_err());
        assert!(read(&path).is_err());
        assert_eq!(
            std::fs::read(&target).map_err(|e| Error::io("r", e))?,
            b"precious"
        );
        Ok(())
    }

    #[test]
    fn past_the_soft_cap_only_counted_lines_are_written() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("prelock.journal");
        let line = |k| Line {
            slot: "s".into(),
            t: 1,
            k,
            a: Some("x".repeat(200)),
            sealed: None,
        };
        while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) < SOFT_CAP_BYTES {
            append_line(&path, &line(LineKind::Noted))?;
        }
        let size = std::fs::metadata(&path)
            .map_err(|e| Error::io("m", e))?
            .len();
        append_line(&path, &line(LineKind::Noted))?;
        append_line(&path, &line(LineKind::Refused))?;
        assert_eq!(
            std::fs::metadata(&path)
                .map_err(|e| Error::io("m", e))?
                .len(),
            size
        );
        append_line(&path, &line(LineKind::Fail))?;
        let j = read(&path)?;
        assert_eq!(j.lines.last().map(|l| l.k), Some(LineKind::Fail));
        assert_eq!(counter(&j, "s").n_failures, 1);
        Ok(())
    }

    #[test]
    fn a_fifo_in_place_of_the_journal_is_refused_without_blocking() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("prelock.journal");
        let c = std::ffi::CString::new(path.to_str().expect("utf-8")).expect("c");
        // SAFETY: mkfifo on a path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(read(&path).is_err());
        let line = Line {
            slot: "s".into(),
            t: 1,
            k: LineKind::Fail,
            a: None,
            sealed: None,
        };
        assert!(append_line(&path, &line).is_err());
        Ok(())
    }
}
