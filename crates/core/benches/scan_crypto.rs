//! Scan-crypto benchmark: the scan-v1 format's AES-256-GCM chunk sealing alone, its
//! SHA-256 alone, the format's encryption without the hash (`encrypt_unhashed`), the whole `encrypt` (AES-GCM plus the SHA-256 content address) and
//! `decrypt`, over 256 MiB in memory (`--quick`: 32 MiB), against `openssl speed -evp
//! aes-256-gcm` and `-evp sha256` (16 KiB blocks), which it runs itself; and RustCrypto's
//! `aes-gcm` 0.10 sealing the same chunks, the alternative that was measured and not taken.
//!
//! `cargo bench -p clinic-vault-core --bench scan_crypto [-- --quick]` (scripts/bench.sh).
//!
//! `openssl speed` divides by the user CPU time it consumed, so on a machine shared with
//! other work its figures do not fall when it is descheduled. The ratios here therefore
//! use this thread's CPU time too (`CLOCK_THREAD_CPUTIME_ID`); wall-clock rates are
//! printed beside them. Medians of several runs.
#![allow(clippy::print_stdout, missing_docs)]

use std::process::Command;
use std::time::Instant;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use clinic_vault_core::scans::format::{
    decrypt, encrypt, encrypt_unhashed, PatientKey, CHUNK_SIZE,
};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use uuid::Uuid;

const GB: f64 = 1e9;

fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Runs `f` `runs` times over `bytes` bytes; median (CPU GB/s, wall GB/s).
fn rate(runs: usize, bytes: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut cpu = Vec::with_capacity(runs);
    let mut wall = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (c0, w0) = (thread_cpu_seconds(), Instant::now());
        f();
        cpu.push(bytes as f64 / (thread_cpu_seconds() - c0) / GB);
        wall.push(bytes as f64 / w0.elapsed().as_secs_f64() / GB);
    }
    (median(cpu), median(wall))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `openssl speed -evp ALG -bytes 16384 -seconds 2`: GB/s, or `None` without openssl.
fn openssl_speed(alg: &str, label: &str) -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-evp", alg, "-bytes", "16384", "-seconds", "2"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.starts_with(label))?;
    let kbytes: f64 = line
        .split_whitespace()
        .last()?
        .trim_end_matches('k')
        .parse()
        .ok()?;
    Some(kbytes * 1000.0 / GB)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 5 };
    let size: usize = if quick { 32 << 20 } else { 256 << 20 };
    println!(
        "# scan-v1 crypto ({} MiB in memory, {runs} runs each, medians; GB = 10^9 bytes)",
        size >> 20
    );
    let plain: Vec<u8> = (0..size).map(|i| (i * 31 + 7) as u8).collect();
    let key = PatientKey::generate();
    let (key_id, scan_id) = (Uuid::new_v4(), Uuid::new_v4());

    // AES-256-GCM alone, as the format seals chunks: 64 KiB in place, header as AAD.
    let cipher =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).expect("AES-256-GCM key"));
    let header = [0u8; 111];
    let mut chunk = vec![0u8; CHUNK_SIZE as usize];
    let (aes_cpu, aes_wall) = rate(runs, size, || {
        for i in 0..size / chunk.len() {
            let mut nonce = [0u8; 12];
            nonce[7..11].copy_from_slice(&(i as u32).to_be_bytes());
            let tag = cipher
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&header),
                    &mut chunk,
                )
                .expect("seal");
            std::hint::black_box(tag.as_ref()[0]);
        }
    });

    // The same with RustCrypto's aes-gcm 0.10 (the crate core's key slots use), for
    // the record of why the format uses ring.
    let rust_crypto = aes_gcm::Aes256Gcm::new_from_slice(&[7u8; 32]).expect("AES-256-GCM key");
    let (rc_cpu, rc_wall) = rate(runs, size, || {
        for i in 0..size / chunk.len() {
            let mut nonce = [0u8; 12];
            nonce[7..11].copy_from_slice(&(i as u32).to_be_bytes());
            let tag = rust_crypto
                .encrypt_in_place_detached((&nonce).into(), &header, &mut chunk)
                .expect("seal");
            std::hint::black_box(tag[0]);
        }
    });

    // SHA-256 alone (ring's, as the content address uses it), in 64 KiB updates.
    let (sha_cpu, sha_wall) = rate(runs, size, || {
        let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
        for piece in plain.chunks(CHUNK_SIZE as usize) {
            hash.update(piece);
        }
        std::hint::black_box(hash.finish());
    });

    // The format's encryption on its own (header, key wrap, STREAM nonces, every
    // chunk sealed and written), through the same code as `encrypt`, without the hash.
    let (fmt_cpu, fmt_wall) = rate(runs, size, || {
        let written = encrypt_unhashed(&key, key_id, scan_id, plain.as_slice(), std::io::sink())
            .expect("encrypt");
        std::hint::black_box(written);
    });

    // Both directions read from memory and write to a sink, so neither pays for
    // writing hundreds of MiB to fresh memory (openssl's figure is in place, too).
    let (enc_cpu, enc_wall) = rate(runs, size, || {
        let sealed =
            encrypt(&key, key_id, scan_id, plain.as_slice(), std::io::sink()).expect("encrypt");
        std::hint::black_box(sealed);
    });
    let mut file = Vec::with_capacity(size + size / 1000 + 1024);
    encrypt(&key, key_id, scan_id, plain.as_slice(), &mut file).expect("encrypt");
    let (dec_cpu, dec_wall) = rate(runs, size, || {
        let opened =
            decrypt(&key, key_id, scan_id, file.as_slice(), std::io::sink()).expect("decrypt");
        assert_eq!(opened.plain_len, size as u64);
    });

    let ossl_aes = openssl_speed("aes-256-gcm", "AES-256-GCM");
    let ossl_sha = openssl_speed("sha256", "sha256");
    let show =
        |v: Option<f64>| v.map_or("n/a (no openssl)".to_string(), |v| format!("{v:.2} GB/s"));
    let ratio = |ours: f64, theirs: Option<f64>| {
        theirs.map_or("n/a".to_string(), |t| format!("{:.2}x", ours / t))
    };
    let combined = match (ossl_aes, ossl_sha) {
        (Some(a), Some(s)) => Some(1.0 / (1.0 / a + 1.0 / s)),
        _ => None,
    };
    println!("our AES-256-GCM chunk seal .... {aes_cpu:.2} GB/s CPU ({aes_wall:.2} wall)");
    println!("openssl aes-256-gcm 16 KiB .... {}", show(ossl_aes));
    println!(
        "  ratio ....................... {}",
        ratio(aes_cpu, ossl_aes)
    );
    println!("our format encrypt, no hash ... {fmt_cpu:.2} GB/s CPU ({fmt_wall:.2} wall)");
    println!(
        "  ratio to openssl aes ........ {}",
        ratio(fmt_cpu, ossl_aes)
    );
    println!("aes-gcm 0.10 chunk seal ....... {rc_cpu:.2} GB/s CPU ({rc_wall:.2} wall), not used");
    println!(
        "  ratio to openssl ............ {}",
        ratio(rc_cpu, ossl_aes)
    );
    println!("our SHA-256 ................... {sha_cpu:.2} GB/s CPU ({sha_wall:.2} wall)");
    println!("openssl sha256 16 KiB ......... {}", show(ossl_sha));
    println!(
        "  ratio ....................... {}",
        ratio(sha_cpu, ossl_sha)
    );
    println!("our encrypt (AES-GCM + SHA-256) {enc_cpu:.2} GB/s CPU ({enc_wall:.2} wall)");
    println!("openssl combined 1/(1/a+1/s) .. {}", show(combined));
    println!(
        "  ratio ....................... {}",
        ratio(enc_cpu, combined)
    );
    println!("our decrypt (SHA-256 + AES-GCM) {dec_cpu:.2} GB/s CPU ({dec_wall:.2} wall)");
    println!(
        "  ratio to openssl combined ... {}",
        ratio(dec_cpu, combined)
    );
}
