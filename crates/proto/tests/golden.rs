//! Freezes the audit encoding and chain rule: if any of these bytes change, every
//! stored chain and every outside verifier breaks, so the change must be deliberate.
//! v1 (`events.canonical.txt`, `chain.txt`) is frozen as it was first written; v2 adds
//! its own files (`events.v2.canonical.txt`, `details.v2.jsonl`, `chain.v2.txt`), and
//! `verify_chain.py` recomputes both from the files alone.

use clinic_vault_proto::{
    canonical_json, chain_hash, detail_digest, genesis_hash, AuditEvent, SeqList, SALT_LEN,
};
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", manifest_dir().display());
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
        .trim_end_matches('\n')
        .to_string()
}

fn sample_events() -> Vec<AuditEvent> {
    vec![
        AuditEvent {
            id: "01936f4e-7a00-7000-8000-000000000001".into(),
            time_us: 1_732_000_000_000_000,
            device_id: "3f1d2c4b-0000-4000-8000-00000000d001".into(),
            seq: 1,
            actor: "-".into(),
            role: "-".into(),
            action: "vault.create".into(),
            resource_type: "vault".into(),
            resource_id: Some("5b0c8a6e-1111-4222-8333-444455556666".into()),
            patient_id: None,
            outcome: "success".into(),
            changed_fields: vec![],
            format: None,
            detail_digest: None,
        },
        AuditEvent {
            id: "01936f4e-7a00-7000-8000-000000000002".into(),
            time_us: 1_732_000_000_123_456,
            device_id: "3f1d2c4b-0000-4000-8000-00000000d001".into(),
            seq: 2,
            actor: "Zoë \"admin\"".into(),
            role: "admin".into(),
            action: "user.add".into(),
            resource_type: "user".into(),
            resource_id: Some("renée\n".into()),
            patient_id: None,
            outcome: "success".into(),
            changed_fields: vec!["role".into(), "enabled".into()],
            format: None,
            detail_digest: None,
        },
    ]
}

#[test]
fn canonical_encoding_matches_golden() {
    let lines: Vec<String> = sample_events()
        .iter()
        .map(|e| String::from_utf8(e.canonical_bytes().expect("canonical")).expect("utf8"))
        .collect();
    assert_eq!(lines.join("\n"), golden("events.canonical.txt"));
}

#[test]
fn chain_hashes_match_golden() {
    let vault_id = "5b0c8a6e-1111-4222-8333-444455556666";
    let mut prev = genesis_hash(vault_id);
    let mut lines = vec![format!("genesis {}", hex(&prev))];
    for event in sample_events() {
        prev = chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
        lines.push(format!("{} {}", event.seq, hex(&prev)));
    }
    assert_eq!(lines.join("\n"), golden("chain.txt"));
}

/// What a v2 event keeps on the workstation: the salt, the detail and the search hits
/// (as recorded: unsorted, with a duplicate).
struct Local {
    salt: [u8; SALT_LEN],
    detail: Option<Value>,
    search_hits: Vec<String>,
}

fn salt_for(seq: u64) -> [u8; SALT_LEN] {
    std::array::from_fn(|i| (seq as usize * SALT_LEN + i) as u8)
}

const PATIENT_A: &str = "01936f4e-7a00-7000-8000-0000000000a1";
const PATIENT_B: &str = "01936f4e-7a00-7000-8000-0000000000b2";

/// v2 events that continue the v1 samples' chain (seq 3 onwards), with their local side:
/// a search with hits, a failed unlock whose detail has members that sort differently by
/// UTF-16 code units than by code points, an event with nothing local, and a redaction
/// naming the search.
fn sample_v2() -> Vec<(AuditEvent, Local)> {
    let base = |seq: u64, actor: &str, role: &str, action: &str, resource_type: &str| AuditEvent {
        id: format!("01936f4e-7a00-7000-8000-00000000000{seq}"),
        time_us: 1_732_000_000_000_000 + seq as i64 * 1_000_000,
        device_id: "3f1d2c4b-0000-4000-8000-00000000d001".into(),
        seq,
        actor: actor.into(),
        role: role.into(),
        action: action.into(),
        resource_type: resource_type.into(),
        resource_id: None,
        patient_id: None,
        outcome: "success".into(),
        changed_fields: vec![],
        format: None,
        detail_digest: None,
    };
    let search = base(3, "rita", "receptionist", "patient.search", "patient");
    let mut unlock = base(4, "bob", "-", "user.unlock", "user");
    unlock.resource_id = Some("bob".into());
    unlock.outcome = "failure".into();
    let lock = base(5, "Zoë \"admin\"", "admin", "user.lock", "user");
    let mut redact = base(6, "Zoë \"admin\"", "admin", "audit.redact", "audit");
    redact.resource_id = Some(SeqList::from_seqs(&[3]).expect("one").to_string());
    let locals = [
        (
            Some(json!({ "query": "Mül\u{1}ler\n", "results": [PATIENT_B, PATIENT_A] })),
            vec![PATIENT_B, PATIENT_A, PATIENT_B],
        ),
        (
            Some(
                json!({ "result": "bad_credentials", "while": "locked", "\u{ff61}": 1, "\u{10000}": 2 }),
            ),
            vec![],
        ),
        (None, vec![]),
        (Some(json!({ "reason": "erasure" })), vec![]),
    ];
    [search, unlock, lock, redact]
        .into_iter()
        .zip(locals)
        .map(|(mut event, (detail, hits))| {
            let local = Local {
                salt: salt_for(event.seq),
                detail,
                search_hits: hits.into_iter().map(String::from).collect(),
            };
            let digest = detail_digest(&local.salt, local.detail.as_ref(), &local.search_hits)
                .expect("canonical");
            event.set_v2(&digest);
            (event, local)
        })
        .collect()
}

fn canonical_line(value: &Value) -> String {
    String::from_utf8(canonical_json(value).expect("canonical")).expect("utf8")
}

#[test]
fn python_verifier_agrees_when_available() {
    // The golden chains were also produced by tests/golden/verify_chain.py, a page of
    // standard-library Python an outside auditor can read; run it when python3 exists.
    let Some(stdout) = run_python_verifier(&golden_dir()) else {
        return;
    };
    assert_eq!(stdout.trim_end(), golden("chain.v2.txt"));
}

fn golden_dir() -> std::path::PathBuf {
    manifest_dir().join("tests/golden")
}

/// The verifier's stdout over the golden files in `dir`; `None` without python3.
/// Panics when the verifier fails.
fn run_python_verifier(dir: &std::path::Path) -> Option<String> {
    let output = python_verifier(dir)?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn python_verifier(dir: &std::path::Path) -> Option<std::process::Output> {
    std::process::Command::new("python3")
        .arg(golden_dir().join("verify_chain.py"))
        .arg(dir)
        .output()
        .ok()
}

#[test]
fn v2_canonical_encoding_matches_golden() {
    let lines: Vec<String> = sample_v2()
        .iter()
        .map(|(e, _)| String::from_utf8(e.canonical_bytes().expect("canonical")).expect("utf8"))
        .collect();
    assert_eq!(lines.join("\n"), golden("events.v2.canonical.txt"));
}

#[test]
fn v2_local_detail_matches_golden() {
    // The workstation's side, from which an auditor given the detail recomputes each
    // digest: one RFC 8785 line per event.
    let lines: Vec<String> = sample_v2()
        .iter()
        .map(|(e, local)| {
            canonical_line(&json!({
                "seq": e.seq,
                "salt": hex(&local.salt),
                "detail": local.detail,
                "search_hits": local.search_hits,
            }))
        })
        .collect();
    assert_eq!(lines.join("\n"), golden("details.v2.jsonl"));
}

#[test]
fn v2_chain_continues_the_v1_chain_and_matches_golden() {
    let vault_id = "5b0c8a6e-1111-4222-8333-444455556666";
    let mut prev = genesis_hash(vault_id);
    let mut lines = vec![format!("genesis {}", hex(&prev))];
    let v1 = sample_events();
    let v2: Vec<AuditEvent> = sample_v2().into_iter().map(|(e, _)| e).collect();
    for event in v1.iter().chain(&v2) {
        prev = chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
        lines.push(format!("{} {}", event.seq, hex(&prev)));
    }
    let text = lines.join("\n");
    assert!(
        text.starts_with(&golden("chain.txt")),
        "the v1 events keep their hashes"
    );
    assert_eq!(text, golden("chain.v2.txt"));
}

#[test]
fn python_verifier_refuses_a_changed_detail_or_salt() {
    // The same files with one detail edited, then with one salt edited: the digest the
    // chain covers no longer matches, and the verifier says which event.
    let details = golden("details.v2.jsonl");
    let edits = [
        details.replacen("\"results\":[", "\"results\":[\"someone else\",", 1),
        details.replacen(&hex(&salt_for(5)), &hex(&salt_for(7)), 1),
    ];
    for (edit_idx, edited) in edits.iter().enumerate() {
        assert_ne!(*edited, details, "edit {edit_idx} applies");
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["events.canonical.txt", "events.v2.canonical.txt"] {
            std::fs::copy(golden_dir().join(name), dir.path().join(name)).expect("copy");
        }
        std::fs::write(dir.path().join("details.v2.jsonl"), edited).expect("write");
        let Some(output) = python_verifier(dir.path()) else {
            return;
        };
        assert!(!output.status.success(), "edit {edit_idx} went unnoticed");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let seq = if edit_idx == 0 { 3 } else { 5 };
        assert!(
            stderr.contains(&format!("event {seq}: detail digest")),
            "{stderr}"
        );
    }
}

/// The package's directory, read when the test runs (cargo sets it), never the one
/// baked in at compile time: a persistent target directory shared by clones at other
/// paths may hold a binary compiled in another clone.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
}
