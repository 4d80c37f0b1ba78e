//! Audit-append benchmarks: events per second through the kernel (every operation
//! appends), in units of 1,000 events (the append's own cost) and one event per
//! committed unit (what an operation pays, `synchronous=FULL`), with and without a
//! search's local detail and hits; then `audit verify` over the chain they made.
//!
//! `cargo bench -p clinic-vault-core --features bench-support --bench audit [-- --quick]`
//! (scripts/bench.sh). Medians of several runs; compare figures from the same run.
#![allow(clippy::print_stdout, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_vault_core::{init, totp, unlock, Clock, CoreConfig, ManualClock, Password, Session};

const PASSWORD: &str = "correct horse battery staple orbit";
const T0_US: i64 = 1_767_225_600_000_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, pct: f64) -> Duration {
    v.sort();
    let idx = ((v.len() as f64) * pct).ceil() as usize;
    v[idx.clamp(1, v.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A fresh vault with its admin unlocked (a receptionist's search events are recorded
/// under the admin here: the append does not look at the role).
fn admin_session(dir: &std::path::Path) -> Session {
    let clock = Arc::new(ManualClock::new(T0_US));
    let cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
    let (outcome, session) = init(
        &dir.join("v"),
        "alice",
        &Password::from_str_copy(PASSWORD),
        &cfg,
    )
    .expect("init");
    session.lock().expect("lock");
    clock.advance_us(30_000_000);
    let code = totp::code_for_uri(outcome.totp_uri.expose_secret(), clock.now_us() / 1_000_000)
        .expect("code");
    unlock(
        &dir.join("v"),
        "alice",
        &Password::from_str_copy(PASSWORD),
        &code,
        &cfg,
    )
    .expect("unlock")
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 7 };
    let n_batched = if quick { 5_000 } else { 20_000 };
    let n_single = if quick { 100 } else { 300 };
    println!("# audit-append benchmarks ({runs} runs each, medians)");

    for (label, search_shaped) in [("bare event", false), ("search-shaped event", true)] {
        let rates: Vec<f64> = (0..runs)
            .map(|_| {
                let tmp = tempfile::tempdir().expect("tempdir");
                let mut session = admin_session(tmp.path());
                let t = Instant::now();
                session
                    .bench_append(n_batched, 1_000, search_shaped)
                    .expect("append");
                n_batched as f64 / t.elapsed().as_secs_f64()
            })
            .collect();
        println!(
            "{label:<20} {n_batched} in units of 1,000 ........ {:.0} events/s",
            median(rates)
        );
    }

    for (label, search_shaped) in [("bare event", false), ("search-shaped event", true)] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut session = admin_session(tmp.path());
        let mut per_unit = Vec::with_capacity(n_single);
        let started = Instant::now();
        for _ in 0..n_single {
            let t = Instant::now();
            session.bench_append(1, 1, search_shaped).expect("append");
            per_unit.push(t.elapsed());
        }
        let rate = n_single as f64 / started.elapsed().as_secs_f64();
        println!(
            "{label:<20} one per committed unit ({n_single}) .. {rate:.0} events/s, p50 {} p95 {}",
            ms(percentile(per_unit.clone(), 0.50)),
            ms(percentile(per_unit, 0.95))
        );
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let mut session = admin_session(tmp.path());
    session
        .bench_append(n_batched, 1_000, true)
        .expect("append");
    let verify: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let report = session.audit_verify(None).expect("verify");
            report.n_events as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "audit verify over {n_batched}+ search-shaped events .... {:.0} events/s",
        median(verify)
    );
}
