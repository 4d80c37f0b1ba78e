//! The attacks a security review confirmed (issue 9), each run as the attacker would:
//! parallel processes racing one check, a forged pre-unlock journal, a clock that
//! jumped, planted links in the vault directory, escape codes in stored text.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::Value;

use crate::common::*;

fn unlock_job(v: &TestVault, user: &str, password: &str, code: &str) -> (Vec<String>, String) {
    (
        [
            "--vault",
            v.dir_str(),
            "--user",
            user,
            "--totp",
            code,
            "--json",
            "whoami",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        format!("{password}\n"),
    )
}

fn first_login_job(v: &TestVault, user: &str, otp: &str, new_pw: &str) -> (Vec<String>, String) {
    (
        [
            "--vault",
            v.dir_str(),
            "--user",
            user,
            "first-login",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        format!("{otp}\n{new_pw}\n"),
    )
}

fn recover_job(v: &TestVault, user: &str, key: &str, new_pw: &str) -> (Vec<String>, String) {
    (
        ["--vault", v.dir_str(), "recover", "--user", user, "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        format!("{key}\n{new_pw}\n"),
    )
}

fn keyslots(v: &TestVault) -> Value {
    serde_json::from_slice(&std::fs::read(v.dir.join("keyslots")).expect("keyslots")).expect("json")
}

fn user_slots(v: &TestVault, user: &str) -> usize {
    keyslots(v)["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|s| s["user_name"] == user)
        .count()
}

// --- 1. Parallel attempts and the lockout ------------------------------------------

#[test]
fn thirty_parallel_wrong_passwords_reach_argon2id_at_most_five_times_and_twenty_in_all() {
    let mut v = TestVault::new();
    v.add_user("bob", "clinician", BOB_PW);
    v.next_step();
    let code = v.code(&v.admin_uri);
    let jobs: Vec<_> = (0..30)
        .map(|i| unlock_job(&v, "bob", &format!("wrong password {i}"), &code))
        .collect();
    let got = codes(&race(&v, &jobs));
    assert_eq!(count(&got, "bad_credentials"), 5, "{got:?}");
    assert_eq!(count(&got, "locked_out"), 25, "{got:?}");

    // Each delay lets exactly one more attempt through, however many race for it,
    // until the hard lock at twenty.
    let mut checked = 5;
    for _ in 0..20 {
        v.set_time(v.now_secs + 16 * 60);
        let jobs: Vec<_> = (0..6)
            .map(|i| unlock_job(&v, "bob", &format!("wrong again {i}"), &code))
            .collect();
        let got = codes(&race(&v, &jobs));
        checked += count(&got, "bad_credentials");
        assert!(count(&got, "bad_credentials") <= 1, "{got:?}");
    }
    assert_eq!(checked, 20);
    let bob = v.user_entry("bob");
    assert_eq!(bob["failed_attempts"], 20, "{bob}");
    assert_eq!(bob["locked_out"], true, "{bob}");
}

#[test]
fn parallel_first_logins_recoveries_and_reset_codes_share_the_same_limit() {
    let mut v = TestVault::new();
    // First login: well-formed wrong one-time passwords.
    v.add_user_otp("carol", "receptionist");
    let jobs: Vec<_> = (0..20)
        .map(|_| {
            let otp = clinic_vault_core::crockford::new_one_time_code();
            first_login_job(&v, "carol", &otp, BOB_PW)
        })
        .collect();
    let got = codes(&race(&v, &jobs));
    assert_eq!(count(&got, "bad_credentials"), 5, "{got:?}");
    assert_eq!(count(&got, "locked_out"), 15, "{got:?}");

    // Recovery: well-formed keys (right check group) that are not the vault's.
    let jobs: Vec<_> = (0..20)
        .map(|_| {
            let key = clinic_vault_core::crockford::new_recovery_key();
            recover_job(&v, ADMIN, &key, "a brand new admin password 77")
        })
        .collect();
    let got = codes(&race(&v, &jobs));
    assert_eq!(count(&got, "bad_credentials"), 5, "{got:?}");
    assert_eq!(count(&got, "locked_out"), 15, "{got:?}");

    // TOTP reset codes: the right password with wrong reset codes.
    v.add_user("dan", "clinician", BOB_PW);
    v.admin(&["user", "reset-totp", "dan"]).ok();
    v.next_step();
    let jobs: Vec<_> = (0..20)
        .map(|_| {
            let wrong = clinic_vault_core::crockford::new_one_time_code();
            unlock_job(&v, "dan", BOB_PW, &wrong)
        })
        .collect();
    let got = codes(&race(&v, &jobs));
    assert_eq!(count(&got, "bad_credentials"), 5, "{got:?}");
    assert_eq!(count(&got, "locked_out"), 15, "{got:?}");
}

// --- 2. One TOTP code, two unlocks -------------------------------------------------

#[test]
fn one_code_unlocks_once_however_many_race_with_it() {
    let mut v = TestVault::new();
    let uri = v.add_user("bob", "clinician", BOB_PW);
    for round in 0..10 {
        v.next_step();
        let code = v.code(&uri);
        let jobs: Vec<_> = (0..3)
            .map(|_| unlock_job(&v, "bob", BOB_PW, &code))
            .collect();
        let got = codes(&race(&v, &jobs));
        assert_eq!(count(&got, "ok"), 1, "round {round}: {got:?}");
        assert_eq!(count(&got, "bad_credentials"), 2, "round {round}: {got:?}");
    }
    // The losers' failures count: the last round left two.
    assert_eq!(v.user_entry("bob")["failed_attempts"], 2);
}

// --- 3. One one-time password, two first logins ------------------------------------

#[test]
fn one_one_time_password_gives_one_first_login_and_one_slot() {
    let mut v = TestVault::new();
    for round in 0..3 {
        let name = format!("new{round}");
        let otp = v.add_user_otp(&name, "receptionist");
        let jobs: Vec<_> = ["first password one 11", "second password two 22"]
            .iter()
            .map(|pw| first_login_job(&v, &name, &otp, pw))
            .collect();
        let runs = race(&v, &jobs);
        let got = codes(&runs);
        assert_eq!(count(&got, "ok"), 1, "round {round}: {got:?}");
        assert_eq!(user_slots(&v, &name), 1, "round {round}");
        // The winner's password and authenticator work; the slot is the only one.
        let winner = got.iter().position(|c| c == "ok").expect("a winner");
        let uri = runs[winner].json()["totp_uri"]
            .as_str()
            .expect("uri")
            .to_string();
        let pw = ["first password one 11", "second password two 22"][winner];
        v.next_step();
        v.try_unlock(&name, pw, &v.code(&uri)).ok();
    }
}

#[test]
fn a_reset_code_is_spent_once_and_parallel_recoveries_leave_one_slot() {
    let mut v = TestVault::new();
    v.add_user("dan", "clinician", BOB_PW);
    let reset = v.admin(&["user", "reset-totp", "dan"]).ok().json()["reset_code"]
        .as_str()
        .expect("reset code")
        .to_string();
    v.next_step();
    let jobs: Vec<_> = (0..3)
        .map(|_| unlock_job(&v, "dan", BOB_PW, &reset))
        .collect();
    let got = codes(&race(&v, &jobs));
    assert_eq!(count(&got, "ok"), 1, "{got:?}");

    let key = v.recovery_key.clone();
    let jobs: Vec<_> = ["recovered password one 11", "recovered password two 22"]
        .iter()
        .map(|pw| recover_job(&v, ADMIN, &key, pw))
        .collect();
    let runs = race(&v, &jobs);
    let got = codes(&runs);
    assert!(count(&got, "ok") >= 1, "{got:?}");
    assert_eq!(user_slots(&v, ADMIN), 1);
    // Recoveries one after the other: the last one's credentials are the admin's.
    let unlocked = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == 0)
        .any(|(i, r)| {
            let uri = r.json()["totp_uri"].as_str().expect("uri").to_string();
            let pw = ["recovered password one 11", "recovered password two 22"][i];
            v.try_unlock(
                ADMIN,
                pw,
                &clinic_vault_core::totp::code_for_uri(&uri, v.now_secs).expect("code"),
            )
            .status
                == 0
        });
    assert!(unlocked);
}

// --- 4, 5. The pre-unlock journal is unauthenticated --------------------------------

/// Seals a journal line the way anyone who can write the vault directory can: to the
/// public key in `keyslots`, with nothing secret.
fn forge_line(v: &TestVault, slot: &str, kind: &str, detail: &Value) -> String {
    use hpke::{
        aead::AesGcm256, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem, OpModeS,
        Serializable,
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let pk_bytes = b64
        .decode(
            keyslots(v)["journal_public_key"]
                .as_str()
                .expect("journal key"),
        )
        .expect("b64");
    let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&pk_bytes).expect("key");
    let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
        &OpModeS::Base,
        &pk,
        b"clinic-vault/journal/v1",
        detail.to_string().as_bytes(),
        slot.as_bytes(),
        &mut rand::rngs::OsRng,
    )
    .expect("seal");
    serde_json::json!({
        "slot": slot,
        "t": 1,
        "k": kind,
        "sealed": { "enc": b64.encode(enc.to_bytes()), "ct": b64.encode(ct) },
    })
    .to_string()
}

fn append_journal(v: &TestVault, lines: &[String]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(v.dir.join("prelock.journal"))
        .expect("journal");
    for l in lines {
        writeln!(f, "{l}").expect("write");
    }
}

fn admin_slot(v: &TestVault) -> String {
    keyslots(v)["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["user_name"] == ADMIN)
        .expect("admin slot")["slot_id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[test]
fn a_forged_journal_line_is_recorded_as_an_unauthenticated_report_in_bounds() {
    let mut v = TestVault::new();
    v.admin(&["whoami"]).ok();
    let slot = admin_slot(&v);
    let far_future = 9_000_000_000_000_000i64; // above 2^53 µs
    let lines = vec![
        // A forger's story: "bob" failed, at a time of their choosing.
        forge_line(
            &v,
            &slot,
            "fail",
            &serde_json::json!({"id": "0190aaaa-0000-7000-8000-000000000001", "time_us": 1_000_000, "user": "bob", "attempt": "unlock", "result": "bad_credentials"}),
        ),
        // A time above 2^53 µs, and a user name that is no user name.
        forge_line(
            &v,
            &slot,
            "fail",
            &serde_json::json!({"id": "0190aaaa-0000-7000-8000-000000000002", "time_us": far_future, "user": "\u{1b}]0;pwned\u{7}", "attempt": "unlock", "result": "bad_credentials"}),
        ),
        // Malformed: an unknown attempt kind, an oversized result.
        forge_line(
            &v,
            &slot,
            "fail",
            &serde_json::json!({"id": "0190aaaa-0000-7000-8000-000000000003", "time_us": 5, "user": "bob", "attempt": "admin_override", "result": "ok"}),
        ),
        forge_line(
            &v,
            &slot,
            "fail",
            &serde_json::json!({"id": "0190aaaa-0000-7000-8000-000000000004", "time_us": 5, "user": "bob", "attempt": "unlock", "result": "x".repeat(500)}),
        ),
        format!(
            "{{\"slot\":\"{}\",\"t\":1,\"k\":\"fail\",\"sealed\":null,\"pad\":\"{}\"}}",
            slot,
            "y".repeat(20_000)
        ),
    ];
    append_journal(&v, &lines);
    // Nothing in the journal can stop an unlock.
    let before = v.now_secs;
    v.admin(&["whoami"]).ok();
    let events = v.audit_events(&["--action", "journal.attempt"]);
    assert_eq!(events.len(), 2, "{events:#?}");
    let latest_seen_us = i128::from(before) * 1_000_000;
    let unlock_us = i128::from(v.now_secs - 30) * 1_000_000; // audit_events moved one step
    for e in &events {
        let t = i128::from(e["event"]["time_us"].as_i64().expect("time"));
        assert!(t >= latest_seen_us && t <= unlock_us + 30_000_000, "{e}");
        assert_eq!(e["event"]["role"], "-");
        assert_eq!(e["detail"]["origin"], "prelock_journal", "{e}");
    }
    assert_eq!(events[0]["event"]["actor"], "bob");
    assert_eq!(
        events[1]["event"]["actor"], "-",
        "an invalid name is recorded as unknown"
    );
    assert!(events[1]["detail"]["reported_time_us"].is_string());
    let quarantined = v.audit_events(&["--action", "journal.quarantine"]);
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0]["detail"]["malformed_lines"], 2);
    assert_eq!(quarantined[0]["detail"]["unreadable_lines"], 1);
    // No forged line became an ordinary unlock event.
    let unlock_failures: Vec<Value> = v
        .audit_events(&["--action", "user.unlock"])
        .into_iter()
        .filter(|e| e["event"]["outcome"] != "success")
        .collect();
    assert!(unlock_failures.is_empty(), "{unlock_failures:#?}");
    v.admin(&["audit", "verify"]).ok();
}

#[test]
fn forged_lines_cannot_make_first_login_or_recovery_fail() {
    let mut v = TestVault::new();
    let otp = v.add_user_otp("erin", "receptionist");
    let slot = admin_slot(&v);
    let line = forge_line(
        &v,
        &slot,
        "refused",
        &serde_json::json!({"id": "1", "time_us": i64::MAX, "user": "x", "attempt": "recovery", "result": "locked_out"}),
    );
    append_journal(&v, &[line.clone(), "{not json".into()]);
    v.first_login("erin", &otp, BOB_PW).ok();
    append_journal(&v, &[line]);
    v.recover(
        ADMIN,
        &v.recovery_key.clone(),
        "a brand new admin password 77",
    )
    .ok();
}

// --- 6. A clock that jumped ahead ----------------------------------------------------

#[test]
fn a_clock_that_ran_ahead_is_accepted_with_the_recovery_key_and_nobody_stays_locked_out() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let honest = v.now_secs;
    // Two days ahead: bob unlocks (his last TOTP step moves ahead), fails five times
    // (a delay dated ahead), and the vault's latest time seen moves ahead.
    v.set_time(honest + 2 * 86_400);
    v.next_step();
    v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).ok();
    for i in 0..5 {
        v.try_unlock("bob", &format!("wrong {i}"), "000000");
    }
    // Corrected: everyone is refused with a clock error, which says what to do.
    v.set_time(honest + 60);
    let err = v
        .try_unlock(ADMIN, ADMIN_PW, &v.code(&v.admin_uri.clone()))
        .error();
    assert_eq!(err["code"], "clock_error");
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("recover --accept-clock"));
    // Without the flag the recovery key does not move the clock either.
    let new_pw = "a brand new admin password 77";
    assert_eq!(
        v.recover(ADMIN, &v.recovery_key.clone(), new_pw)
            .error_code(),
        "clock_error"
    );
    let dir = v.dir_str().to_string();
    let out = v
        .run(
            &[
                "--vault",
                &dir,
                "recover",
                "--user",
                ADMIN,
                "--accept-clock",
                "--json",
            ],
            &format!("{}\n{new_pw}\n", v.recovery_key),
        )
        .ok()
        .json();
    v.admin_uri = out["totp_uri"].as_str().expect("uri").to_string();
    v.next_step();
    // bob's TOTP step and his delay, both set during the jump, hold nobody back.
    v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).ok();
    let accepted: Vec<Value> = {
        v.next_step();
        let code = v.code(&v.admin_uri.clone());
        let run = v.run_as(
            ADMIN,
            &code,
            true,
            &["audit", "list", "--action", "vault.clock_accept"],
            format!("{new_pw}\n").as_bytes(),
        );
        run.ok().json()["events"]
            .as_array()
            .expect("events")
            .clone()
    };
    assert_eq!(accepted.len(), 1);
    let detail = &accepted[0]["detail"];
    assert_eq!(detail["pc_time_us"], (honest + 60) * 1_000_000);
    assert!(detail["latest_seen_us"].as_i64().expect("latest") > (honest + 86_400) * 1_000_000);
}

// --- 9, 10. Recovery ----------------------------------------------------------------

#[test]
fn recovery_refuses_a_disabled_admin_and_disabling_an_admin_reminds_to_rotate() {
    let mut v = TestVault::new();
    v.add_user("zoe", "admin", BOB_PW);
    let out = v.admin(&["user", "disable", "zoe"]).ok().json();
    assert_eq!(out["rotate_recovery_key"], true);
    let err = v
        .recover(
            "zoe",
            &v.recovery_key.clone(),
            "velvet tractor pinecone harbor 19",
        )
        .error_code();
    assert_eq!(err, "forbidden");
    assert_eq!(v.user_entry("zoe")["enabled"], false);
    let events = v.audit_events(&["--action", "recovery.use"]);
    // Recorded once, in the chain: not reported again through the journal.
    let reports = v.audit_events(&["--action", "journal.attempt"]);
    assert!(
        reports.iter().all(|e| e["detail"]["result"] != "forbidden"),
        "{reports:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"]["outcome"] == "denied" && e["event"]["actor"] == "zoe"),
        "{events:#?}"
    );
}

#[test]
fn malformed_recovery_keys_do_not_count_and_an_admin_clears_the_recovery_counter() {
    let mut v = TestVault::new();
    for junk in ["nope", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "0000000000"] {
        for _ in 0..3 {
            let code = v
                .recover(ADMIN, junk, "a brand new admin password 77")
                .error_code();
            assert_eq!(code, "invalid_input");
        }
    }
    // Nine malformed keys later, wrong but well-formed keys are checked normally:
    // five, then one more after the first delay (the next delay is a minute).
    let wrong = || clinic_vault_core::crockford::new_recovery_key();
    for _ in 0..5 {
        assert_eq!(
            v.recover(ADMIN, &wrong(), "a brand new admin password 77")
                .error_code(),
            "bad_credentials"
        );
    }
    v.set_time(v.now_secs + 31);
    assert_eq!(
        v.recover(ADMIN, &wrong(), "a brand new admin password 77")
            .error_code(),
        "bad_credentials"
    );
    let key = v.recovery_key.clone();
    assert_eq!(
        v.recover(ADMIN, &key, "a brand new admin password 77")
            .error_code(),
        "locked_out"
    );
    // Half a minute later the slot is still delayed; an admin clears it.
    let cleared = v.admin(&["recovery-key", "clear-lockout"]);
    let out = cleared.ok().json();
    assert_eq!(out["recovery_key_lockout_cleared"], true);
    let events = v.audit_events(&["--action", "recovery_key.clear_lockout"]);
    assert_eq!(events.len(), 1);
    v.recover(ADMIN, &key, "a brand new admin password 77").ok();
}

// --- 11. A denied rekey is refused before the exclusive lock ------------------------

#[test]
fn a_clinician_asking_for_a_rekey_is_denied_and_audited_even_with_another_session_open() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    // Another session holds the vault open: a batch waiting on its stdin.
    v.next_step();
    let code = v.code(&v.admin_uri.clone());
    let mut holder = Command::new(bin())
        .args([
            "--vault",
            v.dir_str(),
            "--user",
            ADMIN,
            "--totp",
            &code,
            "--json",
            "batch",
        ])
        .env("CLINICVAULT_TEST_CLOCK_FILE", &v.clock)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = holder.stdin.take().expect("stdin");
    writeln!(stdin, "{ADMIN_PW}").expect("pw");
    writeln!(stdin, "whoami").expect("line");
    stdin.flush().expect("flush");
    // Wait until it has unlocked (its first result line).
    let mut stdout = std::io::BufReader::new(holder.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("read");
    assert!(first.contains("alice"), "{first}");
    v.next_step();
    let code = v.code(&bob_uri);
    let run = v.run_as(
        "bob",
        &code,
        true,
        &["vault", "rekey"],
        format!("{BOB_PW}\n").as_bytes(),
    );
    assert_eq!(run.error_code(), "forbidden");
    drop(stdin);
    holder.wait().expect("holder exits");
    let events = v.audit_events(&["--action", "vault.rekey_begin"]);
    assert!(
        events
            .iter()
            .any(|e| e["event"]["actor"] == "bob" && e["event"]["outcome"] == "denied"),
        "{events:#?}"
    );
}

// --- 12, 13. Files that must never be lost or redirected ----------------------------

#[test]
fn init_never_deletes_a_database_whose_keyslots_file_is_missing() {
    let mut v = TestVault::new();
    v.admin(&["whoami"]).ok();
    let db = std::fs::read(v.dir.join("vault.db")).expect("db");
    std::fs::rename(v.dir.join("keyslots"), v.tmp.path().join("keyslots.backup")).expect("mv");
    let err = v.try_unlock(ADMIN, ADMIN_PW, "123456").error();
    assert_eq!(err["code"], "corrupt");
    let message = err["message"].as_str().expect("message");
    assert!(
        message.contains("restore keyslots from a backup"),
        "{message}"
    );
    assert!(!message.contains("run init again"), "{message}");
    let dir = v.dir_str().to_string();
    let refused = v.run(
        &["init", "--vault", &dir, "--admin", ADMIN, "--json"],
        &format!("{ADMIN_PW}\n"),
    );
    assert_eq!(refused.error_code(), "conflict");
    let message = refused.json()["error"]["message"]
        .as_str()
        .expect("m")
        .to_string();
    assert!(
        message.contains("vault.db") && message.contains("restore keyslots"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(v.dir.join("vault.db")).expect("db"),
        db,
        "untouched"
    );
    // Restored from the backup, the vault opens again.
    std::fs::rename(v.tmp.path().join("keyslots.backup"), v.dir.join("keyslots")).expect("mv");
    v.admin(&["whoami"]).ok();
}

#[test]
fn a_planted_symlink_never_redirects_a_write_and_a_linked_vault_is_refused() {
    let mut v = TestVault::new();
    let victim = v.tmp.path().join("victim.txt");
    std::fs::write(&victim, b"precious").expect("victim");
    // The old fixed temp names, and the journal, as links to the victim.
    for name in ["keyslots.tmp", ".keyslots.tmp", "prelock.tmp"] {
        std::os::unix::fs::symlink(&victim, v.dir.join(name)).expect("symlink");
    }
    v.add_user("bob", "clinician", BOB_PW);
    v.try_unlock("bob", "wrong", "000000");
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    let meta = std::fs::symlink_metadata(v.dir.join("keyslots")).expect("keyslots");
    assert!(meta.file_type().is_file(), "keyslots stays a regular file");
    // A journal that is a link is refused, never followed.
    std::fs::remove_file(v.dir.join("prelock.journal")).ok();
    std::os::unix::fs::symlink(&victim, v.dir.join("prelock.journal")).expect("symlink");
    let err = v.try_unlock(ADMIN, ADMIN_PW, "000000").error();
    assert_eq!(err["code"], "corrupt", "{err}");
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    std::fs::remove_file(v.dir.join("prelock.journal")).expect("rm");
    // keyslots itself as a link.
    let real = v.tmp.path().join("keyslots.real");
    std::fs::rename(v.dir.join("keyslots"), &real).expect("mv");
    std::os::unix::fs::symlink(&real, v.dir.join("keyslots")).expect("symlink");
    assert_eq!(
        v.try_unlock(ADMIN, ADMIN_PW, "000000").error_code(),
        "corrupt"
    );
}

// --- 15. Terminal escapes -------------------------------------------------------------

#[test]
fn text_output_never_carries_raw_control_characters() {
    let mut v = TestVault::new();
    // A crafted user name at a failed unlock, and a note holding \r and escapes.
    let crafted = "x\u{1b}[2K\r\u{1b}]0;owned\u{7}";
    v.try_unlock(crafted, "whatever", "000000");
    let clin = v.staff("cleo", "clinician");
    let p = v
        .by(
            &clin,
            &[
                "patient",
                "add",
                "--family",
                "Doe",
                "--given",
                "Jane",
                "--dob",
                "1980-01-02",
            ],
        )
        .ok()
        .json();
    let id = p["id"].as_str().expect("id").to_string();
    // Notes may hold line breaks and \r (which rewrites the line on a terminal).
    v.by(
        &clin,
        &[
            "note",
            "add",
            &id,
            "--text",
            "ok\rforged line: admin approved",
        ],
    )
    .ok();
    v.next_step();
    let code = v.code(&clin.uri);
    let notes = v.run_as(
        &clin.name,
        &code,
        false,
        &["note", "list", &id],
        format!("{}\n", clin.password).as_bytes(),
    );
    assert_eq!(notes.status, 0, "{notes:?}");
    v.next_step();
    let code = v.code(&v.admin_uri.clone());
    let listed = v.run_as(
        ADMIN,
        &code,
        false,
        &["audit", "list"],
        format!("{ADMIN_PW}\n").as_bytes(),
    );
    assert_eq!(listed.status, 0, "{listed:?}");
    assert!(
        notes.stdout.contains("ok\\rforged line"),
        "{}",
        notes.stdout
    );
    for out in [&notes.stdout, &listed.stdout, &notes.stderr, &listed.stderr] {
        let raw: Vec<char> = out
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(raw.is_empty(), "raw control characters {raw:?} in {out}");
    }
    // The crafted name never reached the audit trail: it is no user name.
    assert!(!listed.stdout.contains("owned"), "{}", listed.stdout);
    let reports = v.audit_events(&["--action", "journal.attempt"]);
    assert!(
        reports.iter().any(|e| e["event"]["actor"] == "-"),
        "{reports:#?}"
    );
}

// --- Found in review: a crash after the commit, two inits at once -----------------

#[test]
fn a_success_killed_after_its_commit_is_never_reported_as_a_failed_attempt() {
    for n in 1..20 {
        let mut v = TestVault::new();
        v.next_step();
        let code = v.code(&v.admin_uri.clone());
        let log = v.tmp.path().join("crash.log");
        let log_s = log.to_str().expect("utf-8").to_string();
        let n_s = n.to_string();
        let killed = v.run_bytes(
            &[
                "--vault",
                v.dir_str(),
                "--user",
                ADMIN,
                "--totp",
                &code,
                "--json",
                "whoami",
            ],
            format!("{ADMIN_PW}\n").as_bytes(),
            &[
                ("CLINICVAULT_TEST_CRASH_AT", &n_s),
                ("CLINICVAULT_TEST_CRASH_LOG", &log_s),
            ],
        );
        assert_ne!(killed.status, 0, "the unlock passes its crash point {n}");
        if std::fs::read_to_string(&log).expect("log") != "enter.committed" {
            continue;
        }
        // The unlock committed; its counted line stayed in the journal (no rewrite).
        let reports = v.audit_events(&["--action", "journal.attempt"]);
        assert!(reports.is_empty(), "{reports:#?}");
        assert_eq!(v.user_entry(ADMIN)["failed_attempts"], 0);
        return;
    }
    panic!("the unlock never reached enter.committed");
}

#[test]
fn two_inits_at_once_leave_one_working_vault() {
    for round in 0..3 {
        let v = TestVault::uninit();
        let dir = v.dir_str().to_string();
        let job = |pw: &str| {
            (
                ["init", "--vault", dir.as_str(), "--admin", ADMIN, "--json"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
                format!("{pw}\n"),
            )
        };
        let runs = race(
            &v,
            &[
                job("first admin password one 11"),
                job("second admin password two 22"),
            ],
        );
        let ok: Vec<usize> = (0..2).filter(|i| runs[*i].status == 0).collect();
        assert_eq!(ok.len(), 1, "round {round}: {runs:?}");
        let winner = ok[0];
        assert_eq!(runs[1 - winner].error_code(), "conflict", "round {round}");
        let uri = runs[winner].json()["totp_uri"]
            .as_str()
            .expect("uri")
            .to_string();
        let pw = [
            "first admin password one 11",
            "second admin password two 22",
        ][winner];
        let code = clinic_vault_core::totp::code_for_uri(&uri, v.now_secs + 30).expect("code");
        let mut v = v;
        v.set_time(v.now_secs + 30);
        v.try_unlock(ADMIN, pw, &code).ok();
    }
}
