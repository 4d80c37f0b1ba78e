//! Quick unlock through core's API with the injected clock: arming and using a PIN, the
//! limits (three wrong PINs, also when racing; the window; suspend; account changes; a
//! rotated data key), fast switching between two users, the admin's settings, and a
//! search of this process's memory for the keys after a lock.

use std::sync::{Arc, Barrier};

use super::*;
use crate::audit::AuditFilter;
use crate::clock::Clock;
use crate::vault::tests::{Fixture, PW};
use crate::vault::{quick_unlock, CoreConfig};
use crate::{Error, Session};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const PIN: &str = "480137";
const BOB_PW: &str = "plum orbit violet candle 42";
const HOUR_US: i64 = 3_600_000_000;

fn pin(digits: &str) -> Pin {
    Pin::parse(digits.as_bytes()).expect("a valid PIN")
}

fn armed_session(f: &Fixture) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut alice = f.admin();
    alice.set_pin(pin(PIN))?;
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::Armed);
    Ok(())
}

fn unavailable(err: &Error) -> Option<Unavailable> {
    match err {
        Error::Quick(QuickError::Unavailable(why)) => Some(*why),
        _ => None,
    }
}

fn names(cfg: &CoreConfig) -> Vec<String> {
    cfg.quick
        .armed_users(cfg.clock.monotonic_us())
        .into_iter()
        .map(|u| u.user)
        .collect()
}

#[test]
fn a_pin_set_after_a_full_unlock_reopens_the_vault_after_an_idle_lock() -> TestResult {
    let f = Fixture::new();
    armed_session(&f)?;
    assert_eq!(names(&f.cfg), ["alice"]);
    // Not shaped like a PIN: refused without spending a guess.
    let err = quick_unlock(&f.root, "alice", b"12ab", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(
        f.cfg.quick.armed_users(f.clock.monotonic_us())[0].attempts_left,
        3
    );

    // No TOTP code: the PIN alone.
    let mut alice = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)?;
    assert_eq!(alice.whoami()?.user, "alice");
    assert!(names(&f.cfg).is_empty(), "used up until the next lock");
    // A PIN session holds no private key: what needs it asks for a full unlock.
    let err = alice
        .change_password(&crate::Password::from_str_copy(
            "another long passphrase 77",
        ))
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "full_unlock_required");
    let events = alice.audit_list(&AuditFilter {
        action: Some("user.quick_unlock".into()),
        ..AuditFilter::default()
    })?;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.outcome, "success");
    let pin_set = alice.audit_list(&AuditFilter {
        action: Some("user.pin_set".into()),
        ..AuditFilter::default()
    })?;
    assert_eq!(pin_set.len(), 1);

    // The PIN session re-arms at its own idle lock.
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::Armed);
    let alice = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)?;
    alice.lock()?;
    // A plain lock keeps nothing.
    assert!(names(&f.cfg).is_empty());
    let mut admin = f.admin();
    admin.audit_verify(None)?;
    Ok(())
}

#[test]
fn without_a_pin_or_with_quick_unlock_off_a_lock_keeps_nothing() -> TestResult {
    let f = Fixture::new();
    let alice = f.admin();
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::NoPin);
    assert!(names(&f.cfg).is_empty());

    let mut alice = f.admin();
    alice.set_pin(pin(PIN))?;
    let defaults = alice.quick_unlock_settings()?;
    assert_eq!(defaults, QuickUnlockSettings::default());
    assert!(defaults.allowed && !defaults.pin_required && defaults.window_secs == 12 * 3600);
    let off = QuickUnlockSettings {
        allowed: false,
        ..defaults
    };
    alice.set_quick_unlock_settings(&off)?;
    assert_eq!(alice.quick_unlock_settings()?, off);
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::TurnedOff);
    let mut alice = f.admin();
    assert_eq!(
        alice.set_pin(pin(PIN)).err().map(|e| e.code()),
        Some("quick_unlock_off")
    );
    let too_short = QuickUnlockSettings {
        window_secs: 60,
        ..defaults
    };
    let err = alice
        .set_quick_unlock_settings(&too_short)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "invalid_input");
    let updates = alice.audit_list(&AuditFilter {
        action: Some("settings.update".into()),
        ..AuditFilter::default()
    })?;
    let fields: Vec<&str> = updates
        .iter()
        .filter(|e| e.event.outcome == "success")
        .flat_map(|e| e.event.changed_fields.iter().map(String::as_str))
        .collect();
    assert_eq!(fields, ["quick_unlock_allowed"]);
    alice.lock()?;

    // Only an admin changes them.
    let bob_uri = f.add_user("bob", crate::Role::Clinician, BOB_PW);
    let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    let err = bob
        .set_quick_unlock_settings(&defaults)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "forbidden");
    Ok(())
}

#[test]
fn turning_quick_unlock_off_wipes_what_is_armed() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", crate::Role::Clinician, BOB_PW);
    let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    bob.set_pin(pin("902114"))?;
    assert_eq!(bob.lock_and_arm("os_lock")?, ArmOutcome::Armed);
    let mut admin = f.admin();
    let off = QuickUnlockSettings {
        allowed: false,
        ..QuickUnlockSettings::default()
    };
    admin.set_quick_unlock_settings(&off)?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::NotArmed));
    Ok(())
}

#[test]
fn three_wrong_pins_wipe_the_wrapped_key_and_the_failures_reach_the_audit_trail() -> TestResult {
    let f = Fixture::new();
    armed_session(&f)?;
    for left in [2u8, 1, 0] {
        let err = quick_unlock(&f.root, "alice", b"111222", &f.cfg)
            .err()
            .ok_or("accepted")?;
        assert!(
            matches!(err, Error::Quick(QuickError::WrongPin { attempts_left }) if attempts_left == left),
            "{err:?}"
        );
    }
    // The right PIN no longer helps.
    let err = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::NotArmed));
    assert!(names(&f.cfg).is_empty());

    // The full unlock folds the journaled failures into the chain; they do not count
    // against the password's lockout.
    let mut admin = f.admin();
    let reports = admin.audit_list(&AuditFilter {
        action: Some("journal.attempt".into()),
        ..AuditFilter::default()
    })?;
    let quick: Vec<_> = reports
        .iter()
        .filter(|e| {
            e.detail
                .as_ref()
                .is_some_and(|d| d.to_string().contains("quick_unlock"))
        })
        .collect();
    assert_eq!(quick.len(), 3, "{reports:?}");
    let users = admin.list_users()?;
    assert_eq!(users[0].failed_attempts, 0);
    admin.audit_verify(None)?;
    Ok(())
}

#[test]
fn racing_attempts_never_make_more_than_three_guesses() -> TestResult {
    let f = Fixture::new();
    armed_session(&f)?;
    let n_threads = 8;
    let barrier = Arc::new(Barrier::new(n_threads));
    let results: Vec<std::result::Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_threads)
            .map(|idx| {
                let barrier = barrier.clone();
                let (root, cfg) = (&f.root, &f.cfg);
                scope.spawn(move || {
                    let guess = format!("5{idx}0{idx}29");
                    barrier.wait();
                    quick_unlock(root, "alice", guess.as_bytes(), cfg)
                        .map(drop)
                        .map_err(|e| e.code().to_string())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("panicked".into())))
            .collect()
    });
    let n_guessed = results
        .iter()
        .filter(|r| r.as_ref().err().map(String::as_str) == Some("bad_pin"))
        .count();
    let n_refused = results
        .iter()
        .filter(|r| r.as_ref().err().map(String::as_str) == Some("quick_unlock_unavailable"))
        .count();
    assert_eq!((n_guessed, n_refused), (3, n_threads - 3), "{results:?}");
    let err = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "quick_unlock_unavailable");
    Ok(())
}

#[test]
fn the_window_counts_from_the_last_full_unlock_not_from_a_pin_unlock() -> TestResult {
    let f = Fixture::new();
    armed_session(&f)?;
    f.clock.advance_us(11 * HOUR_US);
    let alice = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)?;
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::Armed);
    f.clock.advance_us(HOUR_US + 1);
    let err = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::WindowExpired));
    // Wiped: the next try finds nothing, and the list offers nobody.
    assert!(names(&f.cfg).is_empty());
    // A session past its window does not arm at all.
    let mut alice = f.admin();
    alice.set_pin(pin(PIN))?;
    f.clock.advance_elapsed_us(12 * HOUR_US);
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::WindowOver);
    Ok(())
}

#[test]
fn suspend_and_lock_and_require_password_wipe() -> TestResult {
    let f = Fixture::new();
    armed_session(&f)?;
    f.cfg.quick.wipe_all();
    let err = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::NotArmed));

    armed_session(&f)?;
    let alice = quick_unlock(&f.root, "alice", PIN.as_bytes(), &f.cfg)?;
    alice.lock_requiring_password()?;
    assert!(names(&f.cfg).is_empty());
    Ok(())
}

fn arm_bob(f: &Fixture, bob_uri: &str) -> TestResult {
    let mut bob = f.unlock_as("bob", BOB_PW, bob_uri)?;
    bob.set_pin(pin("902114"))?;
    assert_eq!(bob.lock_and_arm("idle")?, ArmOutcome::Armed);
    Ok(())
}

/// Another process (the CLI, another app) on the same vault: its own registry.
fn elsewhere(f: &Fixture) -> CoreConfig {
    let mut cfg = f.cfg.clone();
    cfg.quick = Arc::new(Registry::default());
    cfg
}

#[test]
fn disabling_the_user_wipes_here_and_is_noticed_when_done_elsewhere() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", crate::Role::Clinician, BOB_PW);
    arm_bob(&f, &bob_uri)?;
    let mut admin = f.admin();
    admin.disable_user("bob")?;
    assert!(names(&f.cfg).is_empty());
    admin.lock()?;

    // Re-enabled, first login again, armed; then disabled by another process.
    let mut admin = f.admin();
    let added = admin.enable_user("bob")?;
    admin.lock()?;
    let otp = crate::Password::from_str_copy(added.one_time_password.expose_secret());
    let bob_uri = crate::first_login(
        &f.root,
        "bob",
        &otp,
        &crate::Password::from_str_copy(BOB_PW),
        &f.cfg,
    )?
    .totp_uri
    .expose_secret()
    .to_string();
    arm_bob(&f, &bob_uri)?;
    let other = elsewhere(&f);
    let mut admin = crate::unlock(
        &f.root,
        "alice",
        &crate::Password::from_str_copy(PW),
        &{
            f.clock.advance_us(30_000_000);
            f.code(&f.admin_uri)
        },
        &other,
    )?;
    admin.disable_user("bob")?;
    admin.lock()?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::AccountChanged));
    assert!(names(&f.cfg).is_empty());
    Ok(())
}

#[test]
fn a_rotated_data_key_invalidates_the_pin_here_and_elsewhere() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", crate::Role::Clinician, BOB_PW);
    arm_bob(&f, &bob_uri)?;
    let mut admin = f.admin();
    admin.rekey()?;
    admin.lock()?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::NotArmed));

    arm_bob(&f, &bob_uri)?;
    let other = elsewhere(&f);
    f.clock.advance_us(30_000_000);
    let code = f.code(&f.admin_uri);
    let mut admin = crate::unlock(
        &f.root,
        "alice",
        &crate::Password::from_str_copy(PW),
        &code,
        &other,
    )?;
    admin.rekey()?;
    admin.lock()?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(unavailable(&err), Some(Unavailable::DataKeyRotated));
    assert!(names(&f.cfg).is_empty());
    // The full unlock still works, with the new key.
    let bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    bob.lock()?;
    Ok(())
}

#[test]
fn two_users_switch_back_and_forth_with_their_own_pins() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", crate::Role::Receptionist, BOB_PW);
    armed_session(&f)?;
    arm_bob(&f, &bob_uri)?;
    assert_eq!(names(&f.cfg), ["alice", "bob"]);
    // Each user's PIN opens only their own session.
    let err = quick_unlock(&f.root, "bob", PIN.as_bytes(), &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "bad_pin");
    let mut current: Session = quick_unlock(&f.root, "bob", b"902114", &f.cfg)?;
    for (user, digits) in [("alice", PIN), ("bob", "902114"), ("alice", PIN)] {
        assert_eq!(current.lock_and_arm("switch_user")?, ArmOutcome::Armed);
        current = quick_unlock(&f.root, user, digits.as_bytes(), &f.cfg)?;
        assert_eq!(current.whoami()?.user, user);
    }
    assert_eq!(current.role(), crate::Role::Admin);
    current.lock()?;
    Ok(())
}
