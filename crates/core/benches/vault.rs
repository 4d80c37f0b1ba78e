//! Vault benchmarks: Argon2id, unlock split into KDF and everything after it, vault
//! creation, data-key rotation per 100 MB, and the cost of `cipher_memory_security`.
//!
//! `cargo bench -p clinic-vault-core --features bench-support --bench vault [-- --quick]`
//! (scripts/bench.sh). Medians of several runs; the machine is noisy, so compare
//! figures from the same run.
#![allow(clippy::print_stdout, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_vault_core::crypto::{derive_kek, KdfParams};
use clinic_vault_core::db::DbSettings;
use clinic_vault_core::{
    init, totp, unlock_timed, Clock, CoreConfig, ManualClock, Password, Session,
};

const PASSWORD: &str = "correct horse battery staple orbit";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() as f64) * 0.95).ceil() as usize - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Bench {
    clock: Arc<ManualClock>,
    cfg: CoreConfig,
    dir: tempfile::TempDir,
    uri: String,
}

impl Bench {
    fn new(db: DbSettings) -> Bench {
        let clock = Arc::new(ManualClock::new(1_767_225_600_000_000));
        let mut cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
        cfg.db = db;
        let dir = tempfile::tempdir().expect("tempdir");
        let (outcome, session) = init(
            &dir.path().join("v"),
            "alice",
            &Password::from_str_copy(PASSWORD),
            &cfg,
        )
        .expect("init");
        session.lock().expect("lock");
        let uri = outcome.totp_uri.expose_secret().to_string();
        Bench {
            clock,
            cfg,
            dir,
            uri,
        }
    }

    fn unlock(&self) -> (Session, clinic_vault_core::UnlockTimings) {
        self.clock.advance_us(30_000_000);
        let code = totp::code_for_uri(&self.uri, self.clock.now_us() / 1_000_000).expect("code");
        unlock_timed(
            &self.dir.path().join("v"),
            "alice",
            &Password::from_str_copy(PASSWORD),
            &code,
            &self.cfg,
        )
        .expect("unlock")
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 9 };
    let rekey_mb: usize = if quick { 20 } else { 100 };

    println!(
        "# clinic-vault-core benchmarks ({} runs each, medians)",
        runs
    );

    let kdf: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            derive_kek(PASSWORD.as_bytes(), &[7u8; 16], &KdfParams::FLOOR).expect("kdf");
            t.elapsed()
        })
        .collect();
    println!(
        "argon2id 64 MiB / t=3 / p=4 ............ {}",
        ms(median(kdf))
    );

    let creation: Vec<Duration> = (0..runs.min(5))
        .map(|_| {
            let t = Instant::now();
            drop(Bench::new(DbSettings::default()));
            t.elapsed()
        })
        .collect();
    println!(
        "vault creation (2 slots) ................ {}",
        ms(median(creation))
    );

    // SQLCipher cannot turn memory security off again within a process once it is on,
    // so every "off" measurement runs first.
    for (label, mem_sec) in [("off", false), ("on", true)] {
        let bench = Bench::new(DbSettings {
            cipher_memory_security: mem_sec,
            ..DbSettings::default()
        });
        let mut kdf = Vec::new();
        let mut after = Vec::new();
        let mut before = Vec::new();
        let mut verify = Vec::new();
        for _ in 0..runs {
            let (mut session, timings) = bench.unlock();
            kdf.push(timings.kdf);
            after.push(timings.after_kdf);
            before.push(timings.before_kdf);
            let t = Instant::now();
            session.verify().expect("verify");
            verify.push(t.elapsed());
            session.lock().expect("lock");
        }
        println!(
            "unlock, cipher_memory_security={label:<3} ..... before kdf {} | kdf {} | after kdf median {} p95 {} | verify {}",
            ms(median(before)),
            ms(median(kdf)),
            ms(median(after.clone())),
            ms(p95(after)),
            ms(median(verify))
        );

        let (mut session, _) = bench.unlock();
        let t = Instant::now();
        session.bench_fill(rekey_mb * 1024 * 1024).expect("fill");
        let fill = t.elapsed();
        let t = Instant::now();
        session.verify().expect("verify");
        let verify = t.elapsed();
        let t = Instant::now();
        session.rekey().expect("rekey");
        let rekey = t.elapsed();
        session.lock().expect("lock");
        let per_100 = rekey.as_secs_f64() * 100.0 / rekey_mb as f64;
        println!(
            "{rekey_mb} MB vault, cipher_memory_security={label:<3}: fill {:.2} s | verify {:.2} s | rekey {:.2} s ({per_100:.2} s per 100 MB)",
            fill.as_secs_f64(),
            verify.as_secs_f64(),
            rekey.as_secs_f64()
        );
    }
}
