//! Patient-record benchmarks with the seeded synthetic generator: bulk insert (1,000
//! per transaction, with audit events), single `add_patient`, and search p50/p95 with
//! and without its audit write, against a plain-SQLite baseline (the same schema and
//! queries on an unkeyed database opened by the same SQLCipher build).
//!
//! `scripts/bench.sh` runs it; `-- --patients N` sets the size (default 100,000;
//! `--patients 1000000` for the large run), `--quick` uses 20,000.
#![allow(clippy::print_stdout, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_vault_core::bench_support::PlainDb;
use clinic_vault_core::records::{NewPatient, SearchOptions};
use clinic_vault_core::synthetic::{Generator, SyntheticPatient};
use clinic_vault_core::{
    first_login, init, totp, unlock, Clock, CoreConfig, ManualClock, Password, Role, Session,
};

const ADMIN_PW: &str = "correct horse battery staple orbit";
const CLERK_PW: &str = "plum orbit violet candle 42";
const T0_US: i64 = 1_767_225_600_000_000;

fn to_new(p: SyntheticPatient) -> NewPatient {
    NewPatient {
        given: p.given,
        family: p.family,
        dob: p.dob,
        sex: p.sex,
        phone: p.phone,
        email: p.email,
        address: p.address,
    }
}

fn percentile(samples: &mut [Duration], pct: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64) * pct).ceil() as usize;
    samples[idx.clamp(1, samples.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A vault with a receptionist unlocked.
fn receptionist_session(
    dir: &std::path::Path,
    memory_security: bool,
) -> (Session, Arc<ManualClock>, CoreConfig) {
    let clock = Arc::new(ManualClock::new(T0_US));
    let mut cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
    cfg.db.cipher_memory_security = memory_security;
    let (outcome, mut admin) = init(
        &dir.join("v"),
        "alice",
        &Password::from_str_copy(ADMIN_PW),
        &cfg,
    )
    .expect("init");
    let added = admin.add_user("rita", Role::Receptionist).expect("add");
    admin.lock().expect("lock");
    drop(outcome);
    let done = first_login(
        &dir.join("v"),
        "rita",
        &Password::from_str_copy(added.one_time_password.expose_secret()),
        &Password::from_str_copy(CLERK_PW),
        &cfg,
    )
    .expect("first login");
    clock.advance_us(30_000_000);
    let code = totp::code_for_uri(done.totp_uri.expose_secret(), clock.now_us() / 1_000_000)
        .expect("code");
    let session = unlock(
        &dir.join("v"),
        "rita",
        &Password::from_str_copy(CLERK_PW),
        &code,
        &cfg,
    )
    .expect("unlock");
    (session, clock, cfg)
}

/// What a receptionist types: text, or the MRN of the patient at an insertion index
/// (each database numbers its own MRNs).
enum Query {
    Text(String),
    Mrn(usize),
}

impl Query {
    fn resolve<'a>(&'a self, mrns: &'a [String]) -> &'a str {
        match self {
            Query::Text(text) => text,
            Query::Mrn(idx) => &mrns[*idx],
        }
    }
}

/// Queries a receptionist would type, drawn from the generated patients.
fn queries(patients: &[NewPatient], n: usize) -> Vec<Query> {
    let mut gen = Generator::new(99);
    let mut out = Vec::with_capacity(n);
    let mut pick =
        |len: usize| (gen.patient().dob.bytes().map(usize::from).sum::<usize>() * 7919) % len;
    for query_idx in 0..n {
        let p = &patients[pick(patients.len())];
        let prefix = |name: &str, n_chars: usize| {
            name.split_whitespace()
                .next()
                .unwrap_or(name)
                .chars()
                .take(n_chars)
                .collect::<String>()
        };
        let q = match query_idx % 6 {
            0 => prefix(&p.family, 2),
            1 => prefix(&p.family, 4),
            2 => prefix(&p.given, 3),
            3 => {
                out.push(Query::Mrn(pick(patients.len())));
                continue;
            }
            4 => p.dob.clone(),
            _ => p
                .phone
                .as_deref()
                .map(|ph| ph[ph.len() - 4..].to_string())
                .unwrap_or_else(|| prefix(&p.family, 3)),
        };
        // Shorter than the search accepts once folded (王, or "O'" of O'Brien):
        // search the date of birth instead, as a receptionist would.
        out.push(Query::Text(
            if clinic_vault_core::records::fold::fold(&q).chars().count() < 2 {
                p.dob.clone()
            } else {
                q
            },
        ));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let n_patients: usize = args
        .iter()
        .position(|a| a == "--patients")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 20_000 } else { 100_000 });
    let n_queries = if quick { 300 } else { 1_000 };
    println!("# patient-record benchmarks: {n_patients} synthetic patients (seed 42), {n_queries} queries");

    let patients: Vec<NewPatient> = Generator::new(42).take(n_patients).map(to_new).collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut session, _clock, _cfg) = receptionist_session(
        tmp.path(),
        !args.iter().any(|a| a == "--no-memory-security"),
    );

    let started = Instant::now();
    let mut mrns = Vec::with_capacity(n_patients);
    for chunk in patients.chunks(1_000) {
        mrns.extend(
            session
                .add_patients(chunk, true)
                .expect("bulk insert")
                .into_iter()
                .map(|r| r.mrn),
        );
    }
    let bulk = started.elapsed();
    println!(
        "bulk insert, vault (1,000 per transaction, with audit events) .. {:.2} s ({:.0} patients/s)",
        bulk.as_secs_f64(),
        n_patients as f64 / bulk.as_secs_f64()
    );

    let single_patients: Vec<NewPatient> = Generator::new(7).take(200).map(to_new).collect();
    let mut singles: Vec<Duration> = single_patients
        .iter()
        .map(|p| {
            let t = Instant::now();
            session.add_patient(p, true).expect("add");
            t.elapsed()
        })
        .collect();
    println!(
        "single patient add (own transaction, synchronous=FULL) ....... p50 {} p95 {}",
        ms(percentile(&mut singles, 0.50)),
        ms(percentile(&mut singles, 0.95))
    );

    let plain_dir = tempfile::tempdir().expect("tempdir");
    let mut plain = PlainDb::create(&plain_dir.path().join("plain.db")).expect("plain db");
    let started = Instant::now();
    let mut plain_mrns = Vec::with_capacity(n_patients);
    for chunk in patients.chunks(1_000) {
        plain_mrns.extend(
            plain
                .insert(chunk, T0_US)
                .expect("plain insert")
                .into_iter()
                .map(|r| r.mrn),
        );
    }
    println!(
        "bulk insert, plain SQLite baseline (no audit) ............... {:.2} s",
        started.elapsed().as_secs_f64()
    );
    plain.insert(&single_patients, T0_US).expect("plain insert");

    let qs = queries(&patients, n_queries);
    let opts = SearchOptions::default();
    let time_all = |mrns: &[String], f: &mut dyn FnMut(&str) -> usize| -> (Vec<Duration>, usize) {
        let mut samples = Vec::with_capacity(qs.len());
        let mut n_hits = 0;
        for q in &qs {
            let q = q.resolve(mrns);
            let t = Instant::now();
            n_hits += f(q);
            samples.push(t.elapsed());
        }
        (samples, n_hits)
    };
    // Warm both caches the same way before measuring.
    for q in qs.iter().take(50) {
        let _ = session.bench_search_without_audit(q.resolve(&mrns), &opts);
        let _ = plain.search(q.resolve(&plain_mrns), &opts);
    }
    let (mut with_audit, hits_a) = time_all(&mrns, &mut |q| {
        session.search_patients(q, &opts).expect("search").len()
    });
    let (mut without_audit, hits_b) = time_all(&mrns, &mut |q| {
        session
            .bench_search_without_audit(q, &opts)
            .expect("search")
            .len()
    });
    let (mut baseline, hits_c) = time_all(&plain_mrns, &mut |q| {
        plain.search(q, &opts).expect("search").len()
    });
    assert_eq!(
        hits_a, hits_b,
        "same results with and without the audit write"
    );
    assert_eq!(hits_b, hits_c, "same results in the vault and the baseline");
    let (p50_a, p95_a) = (
        percentile(&mut with_audit, 0.5),
        percentile(&mut with_audit, 0.95),
    );
    let (p50_b, p95_b) = (
        percentile(&mut without_audit, 0.5),
        percentile(&mut without_audit, 0.95),
    );
    let (p50_c, p95_c) = (
        percentile(&mut baseline, 0.5),
        percentile(&mut baseline, 0.95),
    );
    println!(
        "search, vault, with audit write ............................. p50 {} p95 {}",
        ms(p50_a),
        ms(p95_a)
    );
    println!(
        "search, vault, without audit write .......................... p50 {} p95 {}",
        ms(p50_b),
        ms(p95_b)
    );
    println!(
        "search, plain SQLite baseline ............................... p50 {} p95 {}",
        ms(p50_c),
        ms(p95_c)
    );
    println!(
        "ratio vault/baseline (without audit) ........................ p50 {:.2}x p95 {:.2}x  ({} results over {} queries)",
        p50_b.as_secs_f64() / p50_c.as_secs_f64(),
        p95_b.as_secs_f64() / p95_c.as_secs_f64(),
        hits_a,
        qs.len()
    );
    session.lock().expect("lock");
}
