//! Quick unlock: Argon2id for the PIN's key at candidate parameters, then, with the
//! parameters core uses (`quick::PIN_KDF`), arming at a lock, a quick unlock up to the
//! first search answered (the patient list), and a switch between two users (lock and
//! arm one, quick-unlock the other).
//!
//! `cargo bench -p clinic-vault-core --bench quick_unlock [-- --quick]`. Medians and
//! the slowest of several runs.
#![allow(clippy::print_stdout, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_vault_core::crypto::{derive_kek, KdfParams};
use clinic_vault_core::quick::{ArmOutcome, Pin, PIN_KDF};
use clinic_vault_core::records::SearchOptions;
use clinic_vault_core::{
    first_login, init, quick_unlock, totp, unlock, Clock, CoreConfig, ManualClock, Password, Role,
    Session,
};

const PASSWORD: &str = "correct horse battery staple orbit";
const BOB_PASSWORD: &str = "plum orbit violet candle 42";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn report(label: &str, runs: Vec<Duration>) {
    let max = runs.iter().max().copied().unwrap_or_default();
    println!(
        "{label:<58} median {:>9}  max {:>9}  (n={})",
        ms(median(runs.clone())),
        ms(max),
        runs.len()
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 3 } else { 9 };

    println!("Argon2id(PIN) alone:");
    for params in [
        KdfParams {
            m_kib: 64 * 1024,
            t: 3,
            p: 4,
        },
        KdfParams {
            m_kib: 96 * 1024,
            t: 3,
            p: 4,
        },
        KdfParams {
            m_kib: 128 * 1024,
            t: 3,
            p: 4,
        },
        KdfParams {
            m_kib: 192 * 1024,
            t: 2,
            p: 4,
        },
    ] {
        let runs = (0..n)
            .map(|_| {
                let started = Instant::now();
                derive_kek(b"480137", &[7u8; 16], &params).expect("kdf");
                started.elapsed()
            })
            .collect();
        report(
            &format!(
                "  m={} MiB t={} p={}",
                params.m_kib / 1024,
                params.t,
                params.p
            ),
            runs,
        );
    }

    let clock = Arc::new(ManualClock::new(1_767_225_600_000_000));
    let cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
    assert_eq!(cfg.pin_kdf, PIN_KDF);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("v");
    let (outcome, session) =
        init(&root, "alice", &Password::from_str_copy(PASSWORD), &cfg).expect("init");
    let alice_uri = outcome.totp_uri.expose_secret().to_string();
    let mut admin = session;
    let added = admin.add_user("bob", Role::Receptionist).expect("add bob");
    admin.lock().expect("lock");
    let bob_uri = first_login(
        &root,
        "bob",
        &Password::from_str_copy(added.one_time_password.expose_secret()),
        &Password::from_str_copy(BOB_PASSWORD),
        &cfg,
    )
    .expect("first login")
    .totp_uri
    .expose_secret()
    .to_string();
    let full_unlock = |user: &str, password: &str, uri: &str| -> Session {
        clock.advance_us(30_000_000);
        let code = totp::code_for_uri(uri, clock.now_us() / 1_000_000).expect("code");
        let mut s =
            unlock(&root, user, &Password::from_str_copy(password), &code, &cfg).expect("unlock");
        s.set_pin(Pin::parse(b"480137").expect("pin"))
            .expect("set pin");
        s
    };

    println!(
        "With PIN_KDF (m={} MiB t={} p={}):",
        PIN_KDF.m_kib / 1024,
        PIN_KDF.t,
        PIN_KDF.p
    );
    let mut arm_runs = Vec::new();
    let mut unlock_runs = Vec::new();
    let mut list_runs = Vec::new();
    let mut session = full_unlock("alice", PASSWORD, &alice_uri);
    for _ in 0..n {
        let started = Instant::now();
        assert_eq!(
            session.lock_and_arm("idle").expect("lock"),
            ArmOutcome::Armed
        );
        arm_runs.push(started.elapsed());
        let started = Instant::now();
        session = quick_unlock(&root, "alice", b"480137", &cfg).expect("quick unlock");
        unlock_runs.push(started.elapsed());
        session
            .search_patients("Smith", &SearchOptions::default())
            .expect("search");
        list_runs.push(started.elapsed());
    }
    report("  lock and arm (wrap the data key)", arm_runs);
    report("  quick unlock", unlock_runs);
    report("  quick unlock -> first patient search answered", list_runs);

    // Switching: alice is unlocked, bob armed; lock-and-arm one, quick-unlock the other.
    let bob = full_unlock("bob", BOB_PASSWORD, &bob_uri);
    assert_eq!(bob.lock_and_arm("idle").expect("lock"), ArmOutcome::Armed);
    let mut switch_runs = Vec::new();
    let mut current = ("alice", session);
    for _ in 0..n {
        let next = if current.0 == "alice" { "bob" } else { "alice" };
        let started = Instant::now();
        current.1.lock_and_arm("switch_user").expect("lock");
        let s = quick_unlock(&root, next, b"480137", &cfg).expect("switch");
        switch_runs.push(started.elapsed());
        current = (next, s);
    }
    report("  switch user (lock and arm + quick unlock)", switch_runs);
    current.1.lock().expect("lock");
}
