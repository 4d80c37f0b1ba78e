//! Freezes the sync protocol: each wire body's canonical text, a signed request's signed
//! text and signature, and a server-signed head receipt (`tests/golden/wire/`). The
//! outside auditor's `verify_request.py` (standard library plus `cryptography`) checks
//! the same files: the request signature, the batch's chain from its vault's genesis, and
//! the server's receipt of its head; and it refuses each of them edited.
//!
//! `UPDATE_GOLDEN=1 cargo test -p clinic-vault-proto --test wire` writes the files when
//! they are missing; it never overwrites one.

use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::{
    chain_hash, detail_digest, genesis_hash, public_key_hex, to_canonical, AuditEvent, BatchAnswer,
    BlobReceipt, Body, ChainedEvent, EnrollAnswer, EnrollRequest, ErrorAnswer, EventBatch,
    HeadReceipt, RequestToSign, SignedHead,
};
use serde_json::json;
use std::path::{Path, PathBuf};

const VAULT_ID: &str = "5b0c8a6e-1111-4222-8333-444455556666";
const DEVICE_ID: &str = "3f1d2c4b-0000-4000-8000-00000000d001";
const NONCE: &str = "8c1f0a2b3d4e5f60718293a4b5c6d7e8";
const TIMESTAMP_US: i64 = 1_732_000_010_000_000;

fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[0x11; 32])
}

fn server_key() -> SigningKey {
    SigningKey::from_bytes(&[0x22; 32])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text<T: serde::Serialize>(value: &T) -> String {
    String::from_utf8(to_canonical(value).expect("canonical")).expect("utf8")
}

fn event(seq: u64, action: &str, resource_type: &str) -> AuditEvent {
    AuditEvent {
        id: format!("01936f4e-7a00-7000-8000-0000000001{seq:02}"),
        time_us: 1_732_000_000_000_000 + seq as i64 * 1_000_000,
        device_id: DEVICE_ID.into(),
        seq,
        actor: "Zoë \"admin\"".into(),
        role: "admin".into(),
        action: action.into(),
        resource_type: resource_type.into(),
        resource_id: None,
        patient_id: None,
        outcome: "success".into(),
        changed_fields: vec![],
        format: None,
        detail_digest: None,
    }
}

/// Three events from the genesis: a v1 event, then two v2 events (one naming a patient).
fn batch() -> EventBatch {
    let mut first = event(1, "vault.create", "vault");
    first.actor = "-".into();
    first.role = "-".into();
    first.resource_id = Some(VAULT_ID.into());
    let mut second = event(2, "patient.update", "patient");
    second.patient_id = Some("01936f4e-7a00-7000-8000-0000000000a1".into());
    second.resource_id = second.patient_id.clone();
    second.changed_fields = vec!["phone".into(), "address".into()];
    second.set_v2(&detail_digest(&[5; 32], None, &[] as &[&str]).expect("digest"));
    let mut third = event(3, "user.lock", "user");
    third.set_v2(&detail_digest(&[6; 32], Some(&json!({"why": "idle"})), &["x"]).expect("d"));
    let mut prev = genesis_hash(VAULT_ID);
    let events = [first, second, third]
        .into_iter()
        .map(|event| {
            prev = chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
            ChainedEvent {
                event,
                hash: hex(&prev),
            }
        })
        .collect();
    EventBatch { events }
}

fn head(batch: &EventBatch) -> SignedHead {
    let last = batch.events.last().expect("events");
    HeadReceipt {
        device_id: DEVICE_ID.into(),
        vault_id: VAULT_ID.into(),
        seq: last.event.seq,
        hash: last.hash.clone(),
        server_time_us: TIMESTAMP_US + 1_500,
    }
    .sign(&server_key())
    .expect("sign")
}

fn request(body: &[u8]) -> RequestToSign<'_> {
    RequestToSign {
        method: "POST",
        path: "/v1/audit/batches",
        query: "",
        timestamp_us: TIMESTAMP_US,
        nonce: NONCE,
        body: Body::Bytes(body),
    }
}

/// The request file: one `name value` line per part the verifier needs.
fn request_file(body: &[u8]) -> String {
    let signature = request(body).sign(&device_key()).expect("sign");
    format!(
        "method POST\npath /v1/audit/batches\nquery \ntimestamp {TIMESTAMP_US}\nnonce {NONCE}\ndevice {DEVICE_ID}\nsignature {signature}\n"
    )
}

/// Every golden file, by name.
fn golden_files() -> Vec<(&'static str, String)> {
    let batch = batch();
    let body = text(&batch);
    let signed_text =
        String::from_utf8(request(body.as_bytes()).message().expect("message")).expect("utf8");
    vec![
        (
            "enroll_request.json",
            text(&EnrollRequest {
                token: "cvenroll_4y7qk2m9x3w8r6t1v5b0n2c7d4f8g3h6".into(),
                vault_id: VAULT_ID.into(),
                device_id: DEVICE_ID.into(),
                public_key: public_key_hex(&device_key().verifying_key()),
            }),
        ),
        (
            "enroll_answer.json",
            text(&EnrollAnswer {
                device_id: DEVICE_ID.into(),
                workstation: "Reception 1".into(),
                server_public_key: public_key_hex(&server_key().verifying_key()),
            }),
        ),
        ("event_batch.json", body.clone()),
        (
            "batch_answer.json",
            text(&BatchAnswer {
                held_seq: 3,
                n_stored: 3,
                head: head(&batch),
            }),
        ),
        (
            "blob_receipt.json",
            text(&BlobReceipt {
                hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
                size: 0,
                stored: true,
            }),
        ),
        (
            "error_answer.json",
            text(&ErrorAnswer {
                error: "chain_gap".into(),
                message: "the batch does not continue from the held head".into(),
                seq: Some(5),
            }),
        ),
        ("request.txt", request_file(body.as_bytes())),
        ("request.signed.txt", signed_text),
    ]
}

fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
}

fn golden_dir() -> PathBuf {
    manifest_dir().join("tests/golden/wire")
}

#[test]
fn wire_formats_match_golden() -> Result<(), String> {
    let dir = golden_dir();
    for (name, expected) in golden_files() {
        let path = dir.join(name);
        if !path.exists() && std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            std::fs::write(&path, &expected).map_err(|e| e.to_string())?;
        }
        let actual = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
        assert_eq!(actual, expected, "{name} changed");
    }
    Ok(())
}

#[test]
fn the_golden_receipt_and_request_verify_in_rust() -> Result<(), String> {
    let batch = batch();
    let body = text(&batch);
    let signature = request(body.as_bytes())
        .sign(&device_key())
        .map_err(|e| e.to_string())?;
    request(body.as_bytes())
        .verify(&device_key().verifying_key(), &signature)
        .map_err(|e| e.to_string())?;
    head(&batch)
        .verify(&server_key().verifying_key())
        .map_err(|e| e.to_string())?;
    // What the server parses is what was signed: the batch round-trips.
    let parsed: EventBatch = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    assert_eq!(parsed, batch);
    Ok(())
}

/// Runs the verifier over `dir`; `None` when python3 is missing.
fn run_verifier(dir: &Path) -> Option<std::process::Output> {
    std::process::Command::new("python3")
        .arg(golden_dir().join("verify_request.py"))
        .arg(dir)
        .output()
        .ok()
}

#[test]
fn python_verifier_accepts_the_golden_files() -> Result<(), String> {
    let Some(output) = run_verifier(&golden_dir()) else {
        return Ok(());
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "verify_request.py failed (it needs `pip install cryptography`): {stderr}"
    );
    let batch = batch();
    let mut expected = vec!["request signature ok".to_string()];
    expected.extend(
        batch
            .events
            .iter()
            .map(|e| format!("{} {}", e.event.seq, e.hash)),
    );
    expected.push(format!(
        "head 3 {} signed by the server",
        batch.events[2].hash
    ));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        expected.join("\n")
    );
    Ok(())
}

#[test]
fn python_verifier_refuses_each_edit() -> Result<(), String> {
    let files = golden_files();
    let original = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let batch_text = original("event_batch.json");
    // An edited event, re-signed by the device: the signature holds, the chain does not.
    let edited_batch = batch_text.replacen("\"phone\"", "\"email\"", 1);
    let chain_skip = {
        let mut b = batch();
        b.events.remove(1);
        text(&b)
    };
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("event_batch.json", edited_batch.clone())],
            "request: signature does not verify",
        ),
        (
            vec![
                ("request.txt", request_file(edited_batch.as_bytes())),
                ("event_batch.json", edited_batch),
            ],
            "event 2: hash does not match",
        ),
        (
            vec![
                ("request.txt", request_file(chain_skip.as_bytes())),
                ("event_batch.json", chain_skip),
            ],
            "event 3: expected seq 2",
        ),
        (
            vec![(
                "request.txt",
                original("request.txt").replace(NONCE, "8c1f0a2b3d4e5f60718293a4b5c6d7e9"),
            )],
            "request: signature does not verify",
        ),
        (
            vec![(
                "batch_answer.json",
                original("batch_answer.json").replace(
                    "\"server_time_us\":1732000010001500",
                    "\"server_time_us\":1732000010001501",
                ),
            )],
            "head: server: signature does not verify",
        ),
    ];
    for (case_idx, (edits, expected)) in cases.into_iter().enumerate() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        for (name, content) in &files {
            let content = edits
                .iter()
                .find(|(n, _)| n == name)
                .map_or(content, |(_, c)| c);
            std::fs::write(dir.path().join(name), content).map_err(|e| e.to_string())?;
        }
        let Some(output) = run_verifier(dir.path()) else {
            return Ok(());
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "case {case_idx} went unnoticed");
        assert!(stderr.contains(expected), "case {case_idx}: {stderr}");
    }
    Ok(())
}
