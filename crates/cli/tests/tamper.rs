//! Tampering with the vault's files while it is closed: `keyslots` truncated, flipped,
//! rewritten with a fresh checksum, rolled back, swapped or deleted; garbage in
//! `prelock.journal`; flipped bytes in `vault.db` and a `vault.db` from another vault.
//! Each gives a clear code, and restoring the good file is all it takes to get back
//! in: nothing but the failure counter and the journal changed.

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::*;

const NEW_ADMIN_PW: &str = "velvet tractor pinecone harbor 19";
const PAGE: usize = 4096;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn keyslots_json(v: &TestVault) -> Value {
    serde_json::from_slice(&read(&v.dir.join("keyslots"))).expect("keyslots is JSON")
}

/// The file as someone who knows the format would write it: with its checksum
/// recomputed (SHA-256 of the RFC 8785 form with an empty checksum).
fn resealed(mut file: Value) -> Vec<u8> {
    file["checksum"] = json!("");
    let canonical = clinic_vault_proto::canonical_json(&file).expect("canonical");
    let sum: String = Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    file["checksum"] = json!(sum);
    let mut bytes = serde_json::to_vec_pretty(&file).expect("serialize");
    bytes.push(b'\n');
    bytes
}

fn slot_index(file: &Value, user: &str) -> usize {
    file["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .position(|s| s["user_name"] == user)
        .unwrap_or_else(|| panic!("no slot for {user}"))
}

/// The admin's unlock attempt (`whoami`) at a fresh step, with this password.
fn admin_attempt(v: &mut TestVault, password: &str) -> Run {
    v.next_step();
    let uri = v.admin_uri.clone();
    v.try_unlock(ADMIN, password, &v.code(&uri))
}

fn message(err: &Value) -> &str {
    err["message"].as_str().expect("message")
}

#[test]
fn a_truncated_or_flipped_keyslots_file_is_corrupt_and_restoring_it_is_enough() {
    let mut v = TestVault::new();
    v.add_user("bob", "clinician", BOB_PW);
    let path = v.dir.join("keyslots");
    let good = read(&path);
    let before = snapshot(&v.dir);

    let mut damaged: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("half".into(), good[..good.len() / 2].to_vec()),
        ("last byte cut".into(), good[..good.len() - 2].to_vec()),
        ("trailing junk".into(), [good.as_slice(), b"{}"].concat()),
    ];
    // A character of alice's wrapped private key, changed to another base64 digit.
    let text = String::from_utf8(good.clone()).expect("utf-8");
    let wrapped = keyslots_json(&v)["slots"][slot_index(&keyslots_json(&v), ADMIN)]
        ["wrapped_private_key"]
        .as_str()
        .expect("wrapped key")
        .to_string();
    let at = text.find(&wrapped).expect("key in file") + 10;
    let mut edited = good.clone();
    edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
    damaged.push(("wrapped key edited".into(), edited));
    // Bit flips at seeded offsets.
    let mut rng = Lcg(0x6b65_7973_6c6f_7473);
    for _ in 0..12 {
        let offset = rng.range(0, good.len() as u64) as usize;
        let mask = 1u8 << rng.range(0, 7);
        let mut flipped = good.clone();
        flipped[offset] ^= mask;
        damaged.push((format!("bit {mask:#x} at {offset}"), flipped));
    }
    for (what, bytes) in &damaged {
        write(&path, bytes);
        let err = admin_attempt(&mut v, ADMIN_PW).error();
        assert_eq!(err["code"], "corrupt", "{what}: {err}");
        assert!(message(&err).contains("keyslots"), "{what}: {err}");
    }
    // Refused before any credential was looked at: no failure was even journaled.
    assert!(!v.dir.join("prelock.journal").exists());
    write(&path, &good);
    assert_eq!(snapshot(&v.dir), before);
    v.admin(&["whoami"]).ok();
}

#[test]
fn a_keyslots_file_rewritten_with_a_fresh_checksum_is_still_caught() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let path = v.dir.join("keyslots");
    let good = read(&path);
    let file = keyslots_json(&v);
    let alice = slot_index(&file, ADMIN);
    let bob = slot_index(&file, "bob");

    // Control: resealing the unchanged content gives a file that works.
    write(&path, &resealed(file.clone()));
    admin_attempt(&mut v, ADMIN_PW).ok();
    write(&path, &good);

    // Argon2id parameters lowered (a downgrade): refused before deriving anything.
    let mut cheap = file.clone();
    cheap["slots"][alice]["kdf"] = json!({ "m_kib": 8, "t": 1, "p": 1 });
    write(&path, &resealed(cheap));
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("floor"), "{err}");

    // Alice's slot relabelled as bob's (and bob's as alice's): alice's password, typed
    // as bob, opens a key, but the file is not what the database records.
    let mut relabelled = file.clone();
    relabelled["slots"][alice]["user_name"] = json!("bob");
    relabelled["slots"][bob]["user_name"] = json!(ADMIN);
    write(&path, &resealed(relabelled));
    v.next_step();
    let err = v.try_unlock("bob", ADMIN_PW, &v.code(&v.admin_uri)).error();
    assert_eq!(err["code"], "corrupt", "{err}");
    assert!(message(&err).contains("records"), "{err}");
    // Bob's own password no longer matches the slot filed under his name.
    assert_eq!(
        v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).error_code(),
        "bad_credentials"
    );

    // The recovery slot removed.
    let mut no_recovery = file.clone();
    no_recovery["slots"]
        .as_array_mut()
        .expect("slots")
        .retain(|s| s["kind"] != "recovery");
    write(&path, &resealed(no_recovery));
    let key = v.recovery_key.clone();
    let err = v.recover(ADMIN, &key, NEW_ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("recovery"), "{err}");

    // Restoring the file is all it takes.
    write(&path, &good);
    v.admin(&["whoami"]).ok();
    v.as_user("bob", BOB_PW, &bob_uri, &["whoami"], "").ok();
    assert_eq!(read(&path), good, "nothing rewrote the key slots");
}

#[test]
fn a_slot_or_a_keyslots_file_from_another_vault_is_refused() {
    let mut v = TestVault::new();
    // The other vault has an admin of the same name and password.
    let other = TestVault::new();
    let path = v.dir.join("keyslots");
    let good = read(&path);
    let before = snapshot(&v.dir);
    let foreign = keyslots_json(&other);

    // The whole file: it unseals the other vault's data key, which does not open
    // this database.
    write(&path, &read(&other.dir.join("keyslots")));
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("another"), "{err}");

    // Just alice's slot, pasted in naively: the checksum catches it.
    let mut file = keyslots_json_from(&good);
    let alice = slot_index(&file, ADMIN);
    file["slots"][alice] = foreign["slots"][slot_index(&foreign, ADMIN)].clone();
    let mut naive = serde_json::to_vec_pretty(&file).expect("json");
    naive.push(b'\n');
    write(&path, &naive);
    assert_eq!(admin_attempt(&mut v, ADMIN_PW).error_code(), "corrupt");

    // With the checksum recomputed: the slot is bound to the other vault's id, so
    // even the right password does not open it here. That is a failed attempt.
    write(&path, &resealed(file));
    assert_eq!(
        admin_attempt(&mut v, ADMIN_PW).error_code(),
        "bad_credentials"
    );

    write(&path, &good);
    assert_eq!(snapshot(&v.dir), before);
    v.admin(&["whoami"]).ok();
    assert_eq!(v.admin(&["verify"]).ok().json()["ok"], true);
}

fn keyslots_json_from(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("keyslots is JSON")
}

#[test]
fn a_rolled_back_keyslots_file_is_refused() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let path = v.dir.join("keyslots");
    let old = read(&path);
    let uri = v.admin_uri.clone();
    v.as_user(
        ADMIN,
        ADMIN_PW,
        &uri,
        &["passwd"],
        &format!("{NEW_ADMIN_PW}\n"),
    )
    .ok();
    let new = read(&path);
    assert_ne!(old, new);

    // The copy from before the password change: the old password opens its slot,
    // but the database records the new slot.
    write(&path, &old);
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("rolled back"), "{err}");
    // The new password does not open the old slot: an ordinary failure.
    assert_eq!(
        admin_attempt(&mut v, NEW_ADMIN_PW).error_code(),
        "bad_credentials"
    );
    write(&path, &new);
    let me = admin_attempt(&mut v, NEW_ADMIN_PW).ok().json();
    assert_eq!(me["user"], ADMIN);

    // A disabled user's slot brought back from an older copy does not get them in.
    let with_bob = read(&path);
    v.as_user(ADMIN, NEW_ADMIN_PW, &uri, &["user", "disable", "bob"], "")
        .ok();
    let without_bob = read(&path);
    write(&path, &with_bob);
    v.next_step();
    let err = v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).error();
    assert_eq!(err["code"], "corrupt", "{err}");
    write(&path, &without_bob);
    assert_eq!(
        v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).error_code(),
        "bad_credentials"
    );

    // A copy that is merely behind (it lacks a user added since) holds nothing the
    // database does not record: alice gets in and the file is brought up to date.
    let behind = read(&path);
    let added = v
        .as_user(
            ADMIN,
            NEW_ADMIN_PW,
            &uri,
            &["user", "add", "carol", "--role", "receptionist"],
            "",
        )
        .ok()
        .json();
    let current = read(&path);
    write(&path, &behind);
    admin_attempt(&mut v, NEW_ADMIN_PW).ok();
    assert_eq!(
        read(&path),
        current,
        "rolled forward to what the vault records"
    );
    let otp = added["one_time_password"].as_str().expect("otp");
    v.first_login("carol", otp, "good enough new passphrase 3")
        .ok();
}

#[test]
fn missing_keyslots_or_database_is_corrupt_and_restoring_it_is_enough() {
    let mut v = TestVault::new();
    let slots = v.dir.join("keyslots");
    let db = v.dir.join("vault.db");
    let good = read(&slots);
    let before = snapshot(&v.dir);

    std::fs::remove_file(&slots).expect("rm keyslots");
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("keyslots"), "{err}");
    let key = v.recovery_key.clone();
    assert_eq!(v.recover(ADMIN, &key, NEW_ADMIN_PW).error_code(), "corrupt");
    write(&slots, &good);

    let db_bytes = read(&db);
    std::fs::remove_file(&db).expect("rm vault.db");
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("vault.db"), "{err}");
    write(&db, &db_bytes);

    assert_eq!(snapshot(&v.dir), before);
    v.admin(&["whoami"]).ok();
}

#[test]
fn garbage_in_the_journal_is_quarantined_and_never_blocks_an_unlock() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    v.next_step();
    let failed = v.try_unlock("bob", "not bobs password at all 1", &v.code(&bob_uri));
    assert_eq!(failed.error_code(), "bad_credentials");
    let journal = v.dir.join("prelock.journal");
    let mut bytes = read(&journal);
    assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
    bytes.extend_from_slice(b"garbage\n");
    bytes.extend_from_slice(b"\xff\xfe\x00\x01\n");
    bytes.extend_from_slice(
        br#"{"slot":"-","t":0,"k":"noted","sealed":{"enc":"AAAA","ct":"AAAA"}}"#,
    );
    bytes.push(b'\n');
    bytes.extend_from_slice(br#"{"slot":"abc","t":1"#);
    write(&journal, &bytes);

    let events = v.audit_events(&[]);
    let quarantined: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"]["action"] == "journal.quarantine")
        .collect();
    assert_eq!(quarantined.len(), 1, "{quarantined:#?}");
    assert_eq!(quarantined[0]["event"]["outcome"], "failure");
    assert_eq!(quarantined[0]["detail"]["unreadable_lines"], 3);
    assert_eq!(quarantined[0]["detail"]["unopenable_lines"], 1);
    // The genuine line was still folded in.
    assert!(events
        .iter()
        .any(|e| e["event"]["action"] == "journal.attempt"
            && e["event"]["actor"] == "bob"
            && e["event"]["outcome"] == "failure"));
    // Bob's counter survived the clean-up.
    assert_eq!(v.user_entry("bob")["failed_attempts"], 1);
    // The garbage is gone from the journal: no second quarantine.
    assert_eq!(v.audit_events(&["--action", "journal.quarantine"]).len(), 1);

    // A journal that is nothing but noise.
    write(&journal, &[0xde, 0xad, 0xbe, 0xef]);
    v.admin(&["whoami"]).ok();
    assert_eq!(v.audit_events(&["--action", "journal.quarantine"]).len(), 2);
    v.as_user("bob", BOB_PW, &bob_uri, &["whoami"], "").ok();
}

/// Runs the admin's `verify` against a damaged `vault.db`; returns the error.
fn verify_damaged(v: &mut TestVault, what: &str) -> Value {
    let out = v.admin(&["verify"]);
    assert_ne!(
        out.status, 0,
        "{what}: verify passed on a damaged file: {}",
        out.stdout
    );
    let err = out.error();
    assert_eq!(err["code"], "corrupt", "{what}: {err}");
    err
}

fn restore_db(v: &TestVault, good: &[u8]) {
    write(&v.dir.join("vault.db"), good);
    for leftover in ["vault.db-wal", "vault.db-shm"] {
        let _ = std::fs::remove_file(v.dir.join(leftover));
    }
}

#[test]
fn flipped_bytes_in_vault_db_are_corrupt_and_verify_names_the_page() {
    let mut v = TestVault::new();
    v.add_user("bob", "clinician", BOB_PW);
    v.admin_batch(&[
        "user add carol --role receptionist",
        "user add dave --role admin",
        "recovery-key rotate",
    ])
    .ok();
    assert!(!v.dir.join("vault.db-wal").exists(), "the vault is closed");
    let good = read(&v.dir.join("vault.db"));
    assert_eq!(good.len() % PAGE, 0);
    let n_pages = good.len() / PAGE;
    assert!(n_pages >= 4, "{n_pages} pages");

    let mut rng = Lcg(0x7661_756c_742e_6462);
    let mut found_by_verify = 0;
    for round in 0..16 {
        let offset = rng.range(PAGE as u64, good.len() as u64) as usize;
        let mask = 1u8 << rng.range(0, 8);
        let page = offset / PAGE + 1;
        let what = format!("round {round}: bit {mask:#x} at {offset} (page {page})");
        let mut damaged = good.clone();
        damaged[offset] ^= mask;
        restore_db(&v, &damaged);
        let err = verify_damaged(&mut v, &what);
        let msg = message(&err);
        // Whether unlock already met the page or verify found it, the message names
        // it, so the admin knows what to restore even when no session can start.
        assert!(msg.contains(&format!("page {page}")), "{what}: {msg}");
        if msg.contains("page check") {
            found_by_verify += 1;
        }
        restore_db(&v, &good);
    }
    // Some flips hit pages that unlock never reads: only verify finds those.
    assert!(found_by_verify > 0, "no flip was left for verify to find");

    // Page 1 (the header and schema root): unlock itself says so.
    let mut damaged = good.clone();
    damaged[PAGE / 2] ^= 0x10;
    restore_db(&v, &damaged);
    let err = verify_damaged(&mut v, "page 1");
    assert!(message(&err).contains("page 1"), "{err}");

    restore_db(&v, &good);
    assert_eq!(v.admin(&["verify"]).ok().json()["ok"], true);
}

#[test]
fn a_vault_db_from_another_vault_is_corrupt() {
    let mut v = TestVault::new();
    let other = TestVault::new();
    let db = v.dir.join("vault.db");
    let good = read(&db);
    let before = snapshot(&v.dir);
    restore_db(&v, &read(&other.dir.join("vault.db")));
    let err = admin_attempt(&mut v, ADMIN_PW).error();
    assert_eq!(err["code"], "corrupt");
    assert!(message(&err).contains("page 1"), "{err}");
    // Not a failed attempt: the password was right.
    restore_db(&v, &good);
    assert_eq!(snapshot(&v.dir), before);
    assert_eq!(v.user_entry(ADMIN)["failed_attempts"], 0);
    assert_eq!(v.admin(&["verify"]).ok().json()["ok"], true);
}
