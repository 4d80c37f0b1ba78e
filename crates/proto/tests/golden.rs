//! Freezes the audit encoding and chain rule: if any of these bytes change, every
//! stored chain and every outside verifier breaks, so the change must be deliberate.

use clinic_vault_proto::{chain_hash, genesis_hash, AuditEvent};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
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

#[test]
fn python_verifier_agrees_when_available() {
    // The golden chain was also produced by tests/golden/verify_chain.py, a dozen lines
    // of standard-library Python an outside auditor can read; run it when python3 exists.
    let script = format!(
        "{}/tests/golden/verify_chain.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let Ok(output) = std::process::Command::new("python3").arg(&script).output() else {
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        golden("chain.txt")
    );
}
