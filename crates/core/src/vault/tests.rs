//! Vault life-cycle tests through core's API, with cheap Argon2id parameters (this
//! crate's unit tests only) and a manual clock.

use std::sync::Arc;

use super::*;
use crate::audit::AuditFilter;
use crate::clock::ManualClock;
use crate::journal;
use crate::settings::Settings;

pub(crate) const PW: &str = "correct horse battery staple orbit";
const T0_US: i64 = 1_767_225_600_000_000;

pub(crate) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) cfg: CoreConfig,
    pub(crate) admin_uri: String,
    pub(crate) recovery_key: String,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("vault");
        let clock = Arc::new(ManualClock::new(T0_US));
        let mut cfg = CoreConfig::new(clock.clone());
        cfg.kdf = KdfParams::CHEAP_FOR_TESTS;
        cfg.pin_kdf = KdfParams::CHEAP_FOR_TESTS;
        let (outcome, session) =
            init(&root, "alice", &Password::from_str_copy(PW), &cfg).expect("init");
        session.lock().expect("lock");
        Fixture {
            _tmp: tmp,
            root,
            clock,
            cfg,
            admin_uri: outcome.totp_uri.expose_secret().to_string(),
            recovery_key: outcome.recovery_key.expose_secret().to_string(),
        }
    }

    pub(crate) fn code(&self, uri: &str) -> String {
        totp::code_for_uri(uri, self.clock.now_us() / 1_000_000).expect("code")
    }

    pub(crate) fn unlock_as(&self, user: &str, pw: &str, uri: &str) -> Result<Session> {
        self.clock.advance_us(30_000_000);
        unlock(
            &self.root,
            user,
            &Password::from_str_copy(pw),
            &self.code(uri),
            &self.cfg,
        )
    }

    pub(crate) fn admin(&self) -> Session {
        self.unlock_as("alice", PW, &self.admin_uri)
            .expect("admin unlock")
    }

    pub(crate) fn add_user(&self, name: &str, role: Role, pw: &str) -> String {
        let mut admin = self.admin();
        let added = admin.add_user(name, role).expect("add");
        admin.lock().expect("lock");
        let otp = Password::from_str_copy(added.one_time_password.expose_secret());
        first_login(
            &self.root,
            name,
            &otp,
            &Password::from_str_copy(pw),
            &self.cfg,
        )
        .expect("first login")
        .totp_uri
        .expose_secret()
        .to_string()
    }
}

#[test]
fn unlock_works_once_per_code_and_wrong_secrets_look_alike() {
    let f = Fixture::new();
    f.clock.advance_us(30_000_000);
    let code = f.code(&f.admin_uri);
    let pw = Password::from_str_copy(PW);
    unlock(&f.root, "alice", &pw, &code, &f.cfg)
        .expect("first use")
        .lock()
        .expect("lock");
    let replay = unlock(&f.root, "alice", &pw, &code, &f.cfg)
        .err()
        .map(|e| e.code());
    assert_eq!(replay, Some("bad_credentials"));
    let wrong_pw = unlock(
        &f.root,
        "alice",
        &Password::from_str_copy("nope"),
        &code,
        &f.cfg,
    )
    .err()
    .map(|e| e.code());
    assert_eq!(wrong_pw, Some("bad_credentials"));
    let unknown = unlock(&f.root, "mallory", &pw, &code, &f.cfg)
        .err()
        .map(|e| e.code());
    assert_eq!(unknown, Some("bad_credentials"));
}

#[test]
fn lockout_delays_then_allows_and_failures_reach_the_audit_trail() {
    let f = Fixture::new();
    f.clock.advance_us(30_000_000);
    for _ in 0..5 {
        let code = f.code(&f.admin_uri);
        let err = unlock(
            &f.root,
            "alice",
            &Password::from_str_copy("wrong password"),
            &code,
            &f.cfg,
        )
        .err();
        assert_eq!(err.map(|e| e.code()), Some("bad_credentials"));
    }
    let code = f.code(&f.admin_uri);
    let refused = unlock(
        &f.root,
        "alice",
        &Password::from_str_copy(PW),
        &code,
        &f.cfg,
    )
    .expect_err("refused");
    assert_eq!(refused.code(), "locked_out");
    assert_eq!(refused.retry_after_secs(), Some(30));
    let mut admin = f
        .unlock_as("alice", PW, &f.admin_uri)
        .expect("after the delay");
    let failures = admin
        .audit_list(&AuditFilter {
            action: Some("journal.attempt".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    let outcomes: Vec<&str> = failures.iter().map(|e| e.event.outcome.as_str()).collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "failure").count(),
        5,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == "denied").count(),
        1,
        "{outcomes:?}"
    );
    let lockouts = admin
        .audit_list(&AuditFilter {
            action: Some("journal.lockout".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(lockouts.len(), 1);
    admin.audit_verify(None).expect("chain intact");
}

#[test]
fn disabled_user_loses_the_session_and_the_slot() {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", Role::Admin, "plum orbit violet candle 42");
    let mut bob = f
        .unlock_as("bob", "plum orbit violet candle 42", &bob_uri)
        .expect("bob unlocks");
    let mut admin = f.admin();
    admin.disable_user("bob").expect("disable");
    let err = bob
        .add_user("carol", Role::Receptionist)
        .expect_err("refused");
    assert_eq!(err.code(), "forbidden");
    drop(bob);
    let denied = admin
        .audit_list(&AuditFilter {
            actor: Some("bob".into()),
            action: Some("user.add".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(
        denied.last().map(|e| e.event.outcome.as_str()),
        Some("denied")
    );
    admin.lock().expect("lock");
    let again = f
        .unlock_as("bob", "plum orbit violet candle 42", &bob_uri)
        .err()
        .map(|e| e.code());
    assert_eq!(again, Some("bad_credentials"));
}

#[test]
fn role_matrix_is_enforced_and_denials_are_audited() {
    let f = Fixture::new();
    let uri = f.add_user("rita", Role::Receptionist, "plum orbit violet candle 42");
    let mut rita = f
        .unlock_as("rita", "plum orbit violet candle 42", &uri)
        .expect("unlock");
    assert_eq!(
        rita.audit_list(&AuditFilter::default())
            .err()
            .map(|e| e.code()),
        Some("forbidden")
    );
    assert_eq!(rita.rekey().err().map(|e| e.code()), Some("forbidden"));
    assert_eq!(rita.whoami().expect("whoami").role, Role::Receptionist);
    rita.lock().expect("lock");
    let mut admin = f.admin();
    let denied = admin
        .audit_list(&AuditFilter {
            actor: Some("rita".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert!(denied
        .iter()
        .any(|e| e.event.action == "audit.list" && e.event.outcome == "denied"));
    assert!(denied
        .iter()
        .any(|e| e.event.action == "vault.rekey_begin" && e.event.outcome == "denied"));
}

#[test]
fn rekey_replaces_the_data_key_and_every_slot_still_opens() {
    let f = Fixture::new();
    let uri = f.add_user("bob", Role::Clinician, "plum orbit violet candle 42");
    let mut admin = f.admin();
    let old_key = DataKey::from_slice(admin.p.dek.expose_bytes()).expect("32 bytes");
    admin.rekey().expect("rekey");
    admin.lock().expect("lock");
    let opened = db::open(&f.root.join("vault.db"), &old_key, DbSettings::default()).expect("open");
    assert!(
        matches!(opened, db::Opened::WrongKey),
        "the old key must no longer open the database"
    );
    f.unlock_as("bob", "plum orbit violet candle 42", &uri)
        .expect("bob still unlocks")
        .lock()
        .expect("lock");
    let recovered = recover(
        &f.root,
        "alice",
        &Password::from_str_copy(&f.recovery_key),
        &Password::from_str_copy("new admin passphrase quartz 77"),
        &f.cfg,
    )
    .expect("recovery slot still opens");
    let mut admin = f
        .unlock_as(
            "alice",
            "new admin passphrase quartz 77",
            recovered.totp_uri.expose_secret(),
        )
        .expect("unlock");
    admin.verify().expect("verify");
    let slots = keyslots::read(&f.root.join("keyslots")).expect("read");
    assert!(slots.slots.iter().all(|s| s.next_sealed_dek.is_none()));
}

#[test]
fn rolled_back_keyslots_are_refused() {
    let f = Fixture::new();
    let before = fs::read(f.root.join("keyslots")).expect("read");
    let mut admin = f.admin();
    admin
        .change_password(&Password::from_str_copy("a brand new passphrase 2026"))
        .expect("passwd");
    admin.lock().expect("lock");
    fs::write(f.root.join("keyslots"), &before).expect("roll back");
    let err = f.unlock_as("alice", PW, &f.admin_uri).expect_err("refused");
    assert_eq!(err.code(), "corrupt", "{err}");
}

#[test]
fn an_edited_audit_event_is_located() {
    let f = Fixture::new();
    let mut admin = f.admin();
    admin.add_user("bob", Role::Clinician).expect("add");
    let head = admin.audit_head().expect("head");
    admin
        .p
        .conn
        .execute(
            "UPDATE audit_events SET outcome = 'failure' WHERE seq = 4",
            [],
        )
        .expect("tamper");
    let err = admin.audit_verify(None).expect_err("detected");
    assert!(err.to_string().contains("event 4"), "{err}");
    admin
        .p
        .conn
        .execute(
            "UPDATE audit_events SET outcome = 'success' WHERE seq = 4",
            [],
        )
        .expect("restore");
    admin
        .p
        .conn
        .execute_batch(
            "DELETE FROM audit_detail WHERE seq > 3; DELETE FROM audit_salts WHERE seq > 3;
             DELETE FROM audit_events WHERE seq > 3",
        )
        .expect("cut the tail");
    let anchored = admin
        .audit_verify(Some(&format!("{}:{}", head.0, head.1)))
        .expect_err("cut detected");
    assert_eq!(anchored.code(), "corrupt");
}

#[test]
fn clock_going_back_is_a_clock_error_not_a_failure() {
    let f = Fixture::new();
    f.admin().lock().expect("lock");
    f.clock.advance_us(-10 * 60 * 1_000_000);
    let code = f.code(&f.admin_uri);
    let err = unlock(
        &f.root,
        "alice",
        &Password::from_str_copy(PW),
        &code,
        &f.cfg,
    )
    .expect_err("refused");
    assert_eq!(err.code(), "clock_error");
    // Counted before the check, then taken back: the right credentials do not count.
    let journal = journal::read(&f.root.join("prelock.journal")).expect("journal");
    assert!(journal.lines.iter().any(|l| l.k == journal::LineKind::Void));
    for line in &journal.lines {
        assert_eq!(journal::counter(&journal, &line.slot).n_failures, 0);
    }
}

#[test]
fn an_operation_whose_audit_write_fails_changes_nothing() {
    let f = Fixture::new();
    let mut admin = f.admin();
    admin
        .p
        .conn
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_events
             BEGIN SELECT RAISE(ABORT, 'audit storage unavailable'); END;",
        )
        .expect("trigger");
    let slots_before = fs::read(f.root.join("keyslots")).expect("read");
    assert!(admin.add_user("bob", Role::Clinician).is_err());
    admin
        .p
        .conn
        .execute_batch("DROP TRIGGER refuse_audit")
        .expect("drop trigger");
    let users = admin.list_users().expect("list");
    assert!(
        users.iter().all(|u| u.name != "bob"),
        "the user must not exist without its event"
    );
    assert_eq!(
        fs::read(f.root.join("keyslots")).expect("read"),
        slots_before
    );
    let state = keystate::load(&admin.p.conn).expect("state");
    assert!(state.pending.is_none());
}

#[test]
fn probe_names_the_users_without_unlocking_and_never_offers_a_new_vault_over_damage() {
    let fx = Fixture::new();
    assert_eq!(
        probe(&fx.root).expect("probe"),
        VaultProbe::Present {
            users: vec!["alice".to_string()]
        }
    );
    fx.add_user("bob", Role::Clinician, "a different long passphrase here");
    match probe(&fx.root).expect("probe") {
        VaultProbe::Present { users } => assert_eq!(users, ["alice", "bob"]),
        other => panic!("unexpected {other:?}"),
    }
    let empty = fx.root.parent().expect("parent").join("nothing-here");
    assert_eq!(probe(&empty).expect("probe"), VaultProbe::Missing);
    // A database without its keyslots file is damage, not a first run.
    std::fs::remove_file(fx.root.join("keyslots")).expect("remove");
    assert_eq!(probe(&fx.root).expect_err("damaged").code(), "corrupt");
}

#[test]
fn settings_default_validate_persist_and_only_an_admin_changes_them() {
    let fx = Fixture::new();
    let bob_uri = fx.add_user(
        "bob",
        Role::Receptionist,
        "a different long passphrase here",
    );
    let mut admin = fx.admin();
    assert_eq!(admin.settings().expect("read"), Settings::default());
    assert_eq!(Settings::default().idle_lock_secs, 300);
    assert_eq!(Settings::default().session_limit_secs, 12 * 3600);
    let too_short = Settings {
        idle_lock_secs: 30,
        ..Settings::default()
    };
    assert_eq!(
        admin.set_settings(&too_short).expect_err("range").code(),
        "invalid_input"
    );
    let new = Settings {
        idle_lock_secs: 600,
        session_limit_secs: 8 * 3600,
    };
    admin.set_settings(&new).expect("set");
    admin.lock().expect("lock");

    let mut bob = fx
        .unlock_as("bob", "a different long passphrase here", &bob_uri)
        .expect("bob");
    assert_eq!(bob.settings().expect("read"), new);
    assert_eq!(
        bob.set_settings(&Settings::default())
            .expect_err("denied")
            .code(),
        "forbidden"
    );
    bob.lock().expect("lock");

    let mut admin = fx.admin();
    let events = admin
        .audit_list(&AuditFilter {
            action: Some("settings.update".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(
        events.len(),
        3,
        "one refused value, one change and one denial"
    );
    assert_eq!(events[0].event.outcome, "failure");
    assert!(events[0].event.changed_fields.is_empty());
    assert_eq!(
        events[1].event.changed_fields,
        ["idle_lock_secs", "session_limit_secs"]
    );
    assert_eq!(events[2].event.outcome, "denied");
}

#[test]
fn audit_list_filters_by_time() {
    let fx = Fixture::new();
    let mut admin = fx.admin();
    let all = admin.audit_list(&AuditFilter::default()).expect("all");
    // Creation happened at T0, this unlock 30 s later.
    let mid = all.last().expect("events").event.time_us;
    assert!(all[0].event.time_us < mid);
    let before = admin
        .audit_list(&AuditFilter {
            until_us: Some(mid),
            ..AuditFilter::default()
        })
        .expect("before");
    let after = admin
        .audit_list(&AuditFilter {
            since_us: Some(mid),
            ..AuditFilter::default()
        })
        .expect("after");
    assert!(!before.is_empty() && !after.is_empty());
    assert!(before.iter().all(|e| e.event.time_us < mid));
    assert!(after.iter().all(|e| e.event.time_us >= mid));
}

#[test]
fn one_operation_moves_the_latest_time_seen_only_by_the_time_really_elapsed() {
    let f = Fixture::new();
    let mut admin = f.admin();
    let unlocked_us = f.clock.now_us();
    let latest = |s: &Session| -> i64 {
        crate::db::meta(s.connection(), "latest_seen_us")
            .expect("meta")
            .parse()
            .expect("number")
    };
    // The wall clock jumps two days ahead while the session is open; an hour passes.
    f.clock.advance_us(3_600_000_000);
    f.clock.set_us(unlocked_us + 2 * 86_400 * 1_000_000);
    admin.whoami().expect("whoami");
    assert_eq!(
        latest(&admin),
        unlocked_us + 3_600_000_000 + super::CLOCK_TOLERANCE_US
    );
    // However long a session runs, at most its longest life counts.
    f.clock.advance_elapsed_us(30 * 86_400 * 1_000_000);
    admin.whoami().expect("whoami");
    assert_eq!(latest(&admin), unlocked_us + super::MAX_SEEN_STEP_US);
    // With a right clock the time moves as usual.
    admin.lock().expect("lock");
    f.clock
        .set_us(unlocked_us + super::MAX_SEEN_STEP_US + 60_000_000);
    let mut admin = f.admin();
    let reopened = f.clock.now_us();
    f.clock.advance_us(600_000_000);
    admin.whoami().expect("whoami");
    assert_eq!(latest(&admin), reopened + 600_000_000);
}

#[test]
fn uncounted_lines_cannot_push_counted_failures_out_of_reach() {
    let f = Fixture::new();
    let path = f.root.join("prelock.journal");
    // What unknown user names and refusals would write, far past the journal's read cap.
    let filler = journal::Line {
        slot: "-".into(),
        t: 1,
        k: journal::LineKind::Noted,
        a: Some("x".repeat(7000)),
        sealed: None,
    };
    for _ in 0..700 {
        journal::append_line(&path, &filler).expect("append");
    }
    assert!(std::fs::metadata(&path).expect("journal").len() < journal::MAX_JOURNAL_BYTES);
    f.clock.advance_us(30_000_000);
    for _ in 0..5 {
        let err = unlock(
            &f.root,
            "alice",
            &Password::from_str_copy("wrong password"),
            &f.code(&f.admin_uri),
            &f.cfg,
        )
        .expect_err("wrong");
        assert_eq!(err.code(), "bad_credentials");
    }
    let err = unlock(
        &f.root,
        "alice",
        &Password::from_str_copy(PW),
        &f.code(&f.admin_uri),
        &f.cfg,
    )
    .expect_err("delayed");
    assert_eq!(err.code(), "locked_out");
}

#[test]
fn another_accounts_success_leaves_an_attempt_in_flight_alone() {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", Role::Clinician, "plum orbit violet candle 42");
    let _ = bob_uri;
    let keyslots = crate::keyslots::read(&f.root.join("keyslots")).expect("keyslots");
    let bob = keyslots.user_slot("bob").expect("bob's slot");
    let bob_account = bob.user_id.clone().expect("id");
    let path = f.root.join("prelock.journal");
    // bob's attempt has counted itself and is checking his password...
    let in_flight = crate::lockfile::AttemptLock::acquire(&f.root.join("vault.lock"), &bob_account)
        .expect("bob's attempt lock");
    let line = |k, a: &str| journal::Line {
        slot: bob.slot_id.clone(),
        t: f.clock.now_us() / 1_000_000,
        k,
        a: Some(a.to_string()),
        sealed: None,
    };
    journal::append_line(&path, &line(journal::LineKind::Fail, "bob-attempt")).expect("append");
    // ...when alice unlocks and folds the journal.
    f.admin().lock().expect("lock");
    let kept = journal::read(&path).expect("journal");
    assert!(
        kept.lines
            .iter()
            .any(|l| l.a.as_deref() == Some("bob-attempt")),
        "bob's line keeps its attempt id: {kept:?}"
    );
    // bob had the right password after all (say, a clock error): his attempt is taken back.
    journal::append_line(&path, &line(journal::LineKind::Void, "bob-attempt")).expect("append");
    drop(in_flight);
    let j = journal::read(&path).expect("journal");
    assert_eq!(journal::counter(&j, &bob.slot_id).n_failures, 0);
}
