//! Damage at rest (issue 2, "Bad input and faults"): a byte flipped at seeded offsets in
//! the write-ahead log, and in `vault.db`'s pages. A flip inside a committed WAL frame
//! gives `corrupt` at the next unlock, before anything is written (SQLite itself would
//! stop replaying at the bad frame and silently drop acknowledged commits); a flip in a
//! `vault.db` page gives `corrupt` from the unlock that reads it or from `verify`, which
//! names the page. A failed attempt leaves the damaged files exactly as they were.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

/// Knuth's MMIX linear congruential generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Files a failed unlock must leave byte for byte as they were (the journal and the
/// lock file may change: failed attempts are counted there).
const GUARDED: [&str; 4] = ["vault.db", "vault.db-wal", "vault.db-shm", "keyslots"];
/// SQLCipher 4's page size (the default, which the vault keeps).
const DB_PAGE: usize = 4096;

fn files(dir: &Path) -> BTreeMap<&'static str, Option<Vec<u8>>> {
    GUARDED
        .iter()
        .map(|name| (*name, std::fs::read(dir.join(name)).ok()))
        .collect()
}

/// Replaces the vault directory's content with a saved copy.
fn restore(saved: &Path, dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove vault");
    }
    copy_dir(saved, dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

fn flip(path: &Path, offset: usize, mask: u8) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset] ^= mask;
    std::fs::write(path, bytes).expect("write");
}

/// Whether `message` names page `page` (not merely a page whose number starts so).
fn names_page(message: &str, page: usize) -> bool {
    let needle = format!("page {page}");
    message.match_indices(&needle).any(|(at, _)| {
        !message[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// What SQLite will replay from a WAL: its frames up to the last commit frame of the
/// valid prefix (frames carrying the header's salts, with an unbroken checksum chain).
#[derive(Debug)]
struct WalLayout {
    page_size: usize,
    n_frames: usize,
    n_committed_frames: usize,
    n_commits: usize,
}

impl WalLayout {
    fn frame_len(&self) -> usize {
        24 + self.page_size
    }
}

fn parse_wal(bytes: &[u8]) -> WalLayout {
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let magic = be(0);
    assert!(magic == 0x377f_0682 || magic == 0x377f_0683, "WAL magic");
    let big_endian = magic & 1 == 1;
    let word = |b: &[u8], at: usize| {
        let w: [u8; 4] = b[at..at + 4].try_into().expect("4 bytes");
        if big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    // SQLite's WAL checksum, continued from `(s0, s1)`.
    let checksum = |data: &[u8], (mut s0, mut s1): (u32, u32)| {
        for c in data.chunks_exact(8) {
            s0 = s0.wrapping_add(word(c, 0)).wrapping_add(s1);
            s1 = s1.wrapping_add(word(c, 4)).wrapping_add(s0);
        }
        (s0, s1)
    };
    let mut running = checksum(&bytes[..24], (0, 0));
    assert_eq!(running, (be(24), be(28)), "WAL header checksum");
    let page_size = be(8) as usize;
    let salts = (be(16), be(20));
    let frame_len = 24 + page_size;
    let n_frames = (bytes.len() - 32) / frame_len;
    let (mut n_committed_frames, mut n_commits) = (0, 0);
    for idx in 0..n_frames {
        let f = &bytes[32 + idx * frame_len..32 + (idx + 1) * frame_len];
        let fw = |at: usize| u32::from_be_bytes(f[at..at + 4].try_into().expect("4 bytes"));
        if (fw(8), fw(12)) != salts {
            break;
        }
        let ck = checksum(&f[24..], checksum(&f[..8], running));
        if ck != (fw(16), fw(20)) {
            break;
        }
        running = ck;
        if fw(4) != 0 {
            n_committed_frames = idx + 1;
            n_commits += 1;
        }
    }
    WalLayout {
        page_size,
        n_frames,
        n_committed_frames,
        n_commits,
    }
}

/// `batch` as the admin with the crash hook set to `at`; returns the point that fired.
fn admin_batch_killed_at(v: &mut TestVault, lines: &[&str], at: u64) -> Option<String> {
    let log = v.tmp.path().join("crash.log");
    let _ = std::fs::remove_file(&log);
    v.next_step();
    let code = v.code(&v.admin_uri.clone());
    let dir = v.dir_str().to_string();
    let stdin: String = std::iter::once(ADMIN_PW)
        .chain(lines.iter().copied())
        .map(|l| format!("{l}\n"))
        .collect();
    let at = at.to_string();
    let log_s = log.to_str().expect("utf-8").to_string();
    let run = v.run_bytes(
        &[
            "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "batch",
        ],
        stdin.as_bytes(),
        &[
            ("CLINICVAULT_TEST_CRASH_AT", at.as_str()),
            ("CLINICVAULT_TEST_CRASH_LOG", log_s.as_str()),
        ],
    );
    let point = std::fs::read_to_string(&log).ok();
    if point.is_none() {
        run.ok();
    }
    point
}

fn user_names(v: &mut TestVault) -> Vec<String> {
    v.admin(&["user", "list"]).ok().json()["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn flipped_bytes_in_the_wal_and_in_pages_are_corrupt() {
    let mut rng = Rng(0x3a1_da3a_6e00_0001);
    let mut v = TestVault::new();
    v.admin_batch(&[
        "user add bob --role clinician",
        "user add carol --role receptionist",
        "user add dave --role admin",
    ])
    .ok();
    let wal_path = v.dir.join("vault.db-wal");
    assert!(!wal_path.exists(), "a clean exit removes the WAL");

    // Leave a WAL behind: kill a batch at the commit of a later operation, so the WAL
    // holds the unlock's commit and several operations' commits.
    let saved = v.tmp.path().join("saved");
    copy_dir(&v.dir, &saved);
    let lines = [
        "user add erin --role clinician",
        "whoami",
        "user disable carol",
        "whoami",
        "whoami",
        "whoami",
        "whoami",
    ];
    let mut at = 10 + rng.below(6);
    loop {
        restore(&saved, &v.dir);
        match admin_batch_killed_at(&mut v, &lines, at).as_deref() {
            Some("op.committed") => break,
            Some(_) => at += 1,
            None => panic!("the batch ended before an op.committed at or after {at}"),
        }
    }
    let wal = std::fs::read(&wal_path).expect("a killed writer leaves its WAL");
    let layout = parse_wal(&wal);
    assert!(layout.n_commits >= 3, "{layout:?}");
    let pristine = v.tmp.path().join("pristine");
    copy_dir(&v.dir, &pristine);

    // Seeded flips anywhere in the committed frames, plus every byte of the first and
    // the last committed frame's header (page number, commit size, salts, checksums).
    let committed_len = layout.n_committed_frames * layout.frame_len();
    let last = 32 + (layout.n_committed_frames - 1) * layout.frame_len();
    let mut offsets: Vec<usize> = (0..24)
        .map(|_| 32 + rng.below(committed_len as u64) as usize)
        .collect();
    offsets.extend((0..24).map(|i| 32 + i));
    offsets.extend((0..24).map(|i| last + i));
    for offset in offsets {
        restore(&pristine, &v.dir);
        let mask = 1u8 << rng.below(8);
        flip(&wal_path, offset, mask);
        let before = files(&v.dir);
        let run = v.admin(&["whoami"]);
        let frame = (offset - 32) / layout.frame_len();
        let within = (offset - 32) % layout.frame_len();
        assert_ne!(
            run.status, 0,
            "flip {mask:#04x} at WAL offset {offset} (frame {frame} byte {within}) went unnoticed ({layout:?})"
        );
        assert_eq!(
            run.error_code(),
            "corrupt",
            "flip {mask:#04x} at WAL offset {offset} (frame {frame} byte {within}): {run:?}"
        );
        assert!(run.stderr.contains("write-ahead log"), "{run:?}");
        assert!(
            files(&v.dir) == before,
            "the failed unlock changed the vault's files (flip at WAL offset {offset})"
        );
    }

    // Flips after the last commit frame (frames of a transaction that never committed,
    // or left over from before the WAL restarted) are ignored by SQLite: the vault
    // opens, or refuses as `corrupt`; it never loses what was committed.
    let tail_start = 32 + committed_len;
    for _ in 0..4 {
        if wal.len() <= tail_start {
            break;
        }
        restore(&pristine, &v.dir);
        let offset = tail_start + rng.below((wal.len() - tail_start) as u64) as usize;
        flip(&wal_path, offset, 1u8 << rng.below(8));
        let run = v.admin(&["whoami"]);
        if run.status != 0 {
            assert_eq!(run.error_code(), "corrupt", "{run:?}");
        }
    }

    // Undamaged, the WAL replays: the acknowledged user is there.
    restore(&pristine, &v.dir);
    assert!(user_names(&mut v).contains(&"erin".to_string()));
    v.admin(&["verify"]).ok();
    assert!(!wal_path.exists(), "a clean exit removes the WAL");

    // Pages of `vault.db` (no WAL): seeded offsets, plus page 1's first and last bytes
    // and the last page.
    let db_path = v.dir.join("vault.db");
    restore(&v.dir, &pristine);
    let db_len = std::fs::metadata(&db_path).expect("vault.db").len() as usize;
    assert_eq!(db_len % DB_PAGE, 0);
    let mut offsets: Vec<usize> = (0..24).map(|_| rng.below(db_len as u64) as usize).collect();
    offsets.extend([0, 17, DB_PAGE - 1, db_len - 1]);
    let (mut at_unlock, mut at_verify) = (0, 0);
    for offset in offsets {
        restore(&pristine, &v.dir);
        flip(&db_path, offset, 1u8 << rng.below(8));
        let page = offset / DB_PAGE + 1;
        let before = files(&v.dir);
        let run = v.admin_batch(&["verify"]);
        let what = format!("flip at vault.db offset {offset} (page {page}): {run:?}");
        assert_eq!(run.error_code(), "corrupt", "{what}");
        let message = run.json()["error"]["message"]
            .as_str()
            .expect("message")
            .to_string();
        assert!(names_page(&message, page), "{what}");
        if message.contains("failed its page check") {
            // The unlock did not read the page (a free page, say); `verify` did.
            at_verify += 1;
        } else {
            at_unlock += 1;
            let after = files(&v.dir);
            let changed: Vec<_> = GUARDED
                .iter()
                .filter(|f| after[*f] != before[*f])
                .map(|f| {
                    (
                        f,
                        before[f].as_ref().map(Vec::len),
                        after[f].as_ref().map(Vec::len),
                    )
                })
                .collect();
            assert!(
                changed.is_empty(),
                "the failed unlock changed {changed:?}: {what}"
            );
        }
    }
    eprintln!(
        "WAL of {} frames ({} committed, {} commits) refused at every flip; vault.db flips: {at_unlock} refused at unlock, {at_verify} found by verify",
        layout.n_frames, layout.n_committed_frames, layout.n_commits
    );
    assert!(at_verify > 0 && at_unlock > 0);
}
