//! The frozen scan-v1 vectors in `crates/core/tests/golden/scan-v1/`: our encryption
//! reproduces every file byte for byte, decrypts it, a second AES-GCM implementation
//! (RustCrypto's `aes-gcm`) opens it from the layout alone, and so does the Python
//! decryptor `decrypt_scan.py` (`cryptography`'s `AESGCM`).
//!
//! `UPDATE_GOLDEN=1` rewrites the files; do that only for a new format version, never
//! to make a failing test pass.

use std::path::PathBuf;
use std::process::Command;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde_json::json;

use super::*;

const GOLDEN_CHUNK: u32 = 65_536;
const RULE: &str = "byte i = (31 * i + 7) mod 251";

/// Bytes start, start+1, … (the fixed "random" values of the vectors).
fn counting<const N: usize>(start: u8) -> [u8; N] {
    std::array::from_fn(|i| start.wrapping_add(i as u8))
}

fn golden_patient_key() -> [u8; 32] {
    counting(0x00)
}

fn golden_key_id() -> Uuid {
    Uuid::from_u128(0x5f0c_3a1e_8b2d_4c6f_9a7e_1d2c_3b4a_5f60)
}

struct Vector {
    name: &'static str,
    scan_id: Uuid,
    seed: u8,
    plain: Vec<u8>,
}

impl Vector {
    fn randomness(&self) -> Randomness {
        Randomness {
            scan_key: counting(self.seed),
            nonce_prefix: counting(self.seed.wrapping_add(0x80)),
            wrap_nonce: counting(self.seed.wrapping_add(0x90)),
        }
    }
}

fn vectors() -> Vec<Vector> {
    let scan = |n: u128| Uuid::from_u128(0x0197_0000_0000_7000_8000_0000_0000_0000 | n);
    vec![
        Vector {
            name: "empty",
            scan_id: scan(1),
            seed: 0x20,
            plain: Vec::new(),
        },
        Vector {
            name: "five-bytes",
            scan_id: scan(2),
            seed: 0x40,
            plain: b"Hello".to_vec(),
        },
        Vector {
            name: "two-and-a-half-chunks",
            scan_id: scan(3),
            seed: 0x60,
            plain: plaintext(5 * GOLDEN_CHUNK as usize / 2),
        },
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn golden_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
        .join("tests/golden/scan-v1")
}

/// Encrypts every vector; the files and the `vectors.json` text.
fn make() -> (Vec<(String, Vec<u8>)>, String) {
    let key = PatientKey::from_bytes(golden_patient_key());
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for v in vectors() {
        let rnd = v.randomness();
        let mut file = Vec::new();
        let sealed = encrypt_with(
            &key,
            golden_key_id(),
            v.scan_id,
            GOLDEN_CHUNK,
            &rnd,
            v.plain.as_slice(),
            &mut file,
        )
        .expect("encrypt a golden vector");
        let header = Header::parse(&file).expect("its header");
        let mut entry = json!({
            "name": v.name,
            "file": format!("{}.cvscan", v.name),
            "scan_id": v.scan_id.to_string(),
            "scan_key": hex(&rnd.scan_key),
            "nonce_prefix": hex(&rnd.nonce_prefix),
            "wrap_nonce": hex(&rnd.wrap_nonce),
            "wrapped_key": hex(&header.wrapped_key),
            "plaintext_len": v.plain.len(),
            "plaintext_sha256": hex(&sha256(&v.plain)),
            "n_chunks": sealed.n_chunks,
            "file_len": sealed.file_len,
            "content_sha256": hex(&sealed.content_hash),
        });
        if v.plain.len() <= 64 {
            entry["plaintext_hex"] = json!(hex(&v.plain));
        } else {
            entry["plaintext_rule"] = json!(RULE);
        }
        entries.push(entry);
        files.push((format!("{}.cvscan", v.name), file));
    }
    let doc = json!({
        "format": "scan-v1",
        "spec": "docs/formats/scan-v1.md",
        "patient_key": hex(&golden_patient_key()),
        "key_id": golden_key_id().to_string(),
        "chunk_size": GOLDEN_CHUNK,
        "vectors": entries,
    });
    let text = serde_json::to_string_pretty(&doc).expect("json") + "\n";
    (files, text)
}

#[test]
fn our_encryption_reproduces_the_golden_files_byte_for_byte() {
    let dir = golden_dir();
    let (files, json_text) = make();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).expect("write golden file");
        }
        std::fs::write(dir.join("vectors.json"), &json_text).expect("write vectors.json");
    }
    let stored = std::fs::read_to_string(dir.join("vectors.json")).expect("vectors.json");
    assert_eq!(
        stored, json_text,
        "vectors.json changed: the scan-v1 format moved"
    );
    for (name, bytes) in &files {
        let stored = std::fs::read(dir.join(name)).expect("golden file");
        assert!(
            stored == *bytes,
            "{name} differs from what this build writes: the scan-v1 format moved"
        );
    }
}

#[test]
fn the_golden_files_decrypt() -> Result<(), FormatError> {
    let key = PatientKey::from_bytes(golden_patient_key());
    for v in vectors() {
        let file = std::fs::read(golden_dir().join(format!("{}.cvscan", v.name)))?;
        let mut out = Vec::new();
        let opened = decrypt(&key, golden_key_id(), v.scan_id, file.as_slice(), &mut out)?;
        assert_eq!(out, v.plain, "{}", v.name);
        assert_eq!(opened.content_hash, sha256(&file));
    }
    Ok(())
}

/// Decrypts a scan-v1 file from its documented layout with RustCrypto's AES-GCM,
/// sharing no code with the module under test.
fn independent_decrypt(file: &[u8], patient_key: &[u8; 32]) -> Option<Vec<u8>> {
    let field = |a: usize, b: usize| file.get(a..b);
    if field(0, 8)? != b"CVSCAN\x01\x00" {
        return None;
    }
    let chunk_size = u32::from_be_bytes(field(8, 12)?.try_into().ok()?) as usize;
    let mut wrap_aad = b"clinic-vault/scan-key/v1".to_vec();
    wrap_aad.extend_from_slice(field(12, 44)?);
    let wrap = Aes256Gcm::new_from_slice(patient_key).ok()?;
    let scan_key = wrap
        .decrypt(
            Nonce::from_slice(field(51, 63)?),
            Payload {
                msg: field(63, 111)?,
                aad: &wrap_aad,
            },
        )
        .ok()?;
    let cipher = Aes256Gcm::new_from_slice(&scan_key).ok()?;
    let (header, body) = file.split_at(111);
    let mut plain = Vec::new();
    let chunks: Vec<&[u8]> = body.chunks(chunk_size + 16).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut nonce = field(44, 51)?.to_vec();
        nonce.extend_from_slice(&(i as u32).to_be_bytes());
        nonce.push(u8::from(i + 1 == chunks.len()));
        plain.extend(
            cipher
                .decrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: chunk,
                        aad: header,
                    },
                )
                .ok()?,
        );
    }
    Some(plain)
}

#[test]
fn a_second_aes_gcm_implementation_opens_the_golden_files() {
    for v in vectors() {
        let file =
            std::fs::read(golden_dir().join(format!("{}.cvscan", v.name))).expect("golden file");
        let plain = independent_decrypt(&file, &golden_patient_key());
        assert_eq!(plain.as_deref(), Some(v.plain.as_slice()), "{}", v.name);
    }
}

#[test]
fn the_python_decryptor_opens_the_golden_files_from_the_spec() {
    let dir = golden_dir();
    let output = Command::new("python3")
        .arg(dir.join("decrypt_scan.py"))
        .arg(&dir)
        .output()
        .expect("python3 must be installed to run the scan-v1 golden check");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        output.status.success(),
        "decrypt_scan.py failed ({}):\n{}{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    let stdout = text(&output.stdout);
    assert_eq!(stdout.matches(": ok").count(), vectors().len(), "{stdout}");
}
