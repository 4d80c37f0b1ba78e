//! The audit trail as an outside auditor sees it through the CLI: `audit list --json`
//! carries everything needed to recompute the chain and, with the local salt, detail
//! and search hits, each v2 event's detail digest; `audit head` and
//! `audit verify --expect-head`; the list filters.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

/// The fields every (v2) event carries, exactly: what the chain hash covers.
const CANONICAL_FIELDS: [&str; 14] = [
    "action",
    "actor",
    "changed_fields",
    "detail_digest",
    "device_id",
    "format",
    "id",
    "outcome",
    "patient_id",
    "resource_id",
    "resource_type",
    "role",
    "seq",
    "time_us",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert_eq!(text.len() % 2, 0, "{text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn events_of(listed: &Value) -> Vec<Value> {
    listed["events"].as_array().expect("events").clone()
}

fn seqs(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect()
}

/// A vault with some history: a clinician added and logged in, a denial, a failure.
fn vault_with_history() -> (TestVault, String) {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    v.as_user("bob", BOB_PW, &bob_uri, &["whoami"], "").ok();
    let denied = v.as_user("bob", BOB_PW, &bob_uri, &["audit", "list"], "");
    assert_eq!(denied.error_code(), "forbidden");
    v.next_step();
    let failed = v.try_unlock("bob", "not bobs password at all 1", &v.code(&bob_uri));
    assert_eq!(failed.error_code(), "bad_credentials");
    v.admin_batch(&["user add \"Zoë Ann\" --role receptionist"])
        .ok();
    (v, bob_uri)
}

#[test]
fn audit_list_lets_an_outsider_recompute_the_chain() {
    let (mut v, _) = vault_with_history();
    let out = v.admin_batch(&["whoami", "audit list", "audit head"]).ok();
    let lines = out.json_lines();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    let vault_id = lines[0]["vault_id"].as_str().expect("vault_id");
    let events = events_of(&lines[1]);
    assert!(events.len() >= 20, "{} events", events.len());

    // Genesis: SHA-256("clinic-vault/audit/v1" ‖ vault id), as the design states.
    let genesis: [u8; 32] = Sha256::new()
        .chain_update(b"clinic-vault/audit/v1")
        .chain_update(vault_id.as_bytes())
        .finalize()
        .into();
    assert_eq!(genesis, clinic_vault_proto::genesis_hash(vault_id));

    let device_id = events[0]["event"]["device_id"].clone();
    let mut prev = genesis.to_vec();
    let mut ids = std::collections::HashSet::new();
    for (i, listed) in events.iter().enumerate() {
        let seq = listed["seq"].as_u64().expect("seq");
        assert_eq!(seq, i as u64 + 1, "sequence numbers start at 1, no gaps");
        let event = &listed["event"];
        let mut fields: Vec<&str> = event
            .as_object()
            .expect("event object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, CANONICAL_FIELDS, "event {seq}");
        assert_eq!(event["seq"], seq);
        assert_eq!(event["device_id"], device_id, "one device");
        assert!(ids.insert(event["id"].as_str().expect("id").to_string()));
        assert!(event["time_us"].is_i64(), "integer microseconds: {event}");
        assert!(
            ["success", "failure", "denied"].contains(&event["outcome"].as_str().expect("outcome")),
            "{event}"
        );
        assert_eq!(listed["prev_hash"], hex(&prev), "event {seq} links back");

        // The hash from the listed fields alone (RFC 8785 of the JSON object)...
        let canonical = clinic_vault_proto::canonical_json(event).expect("canonical");
        let hash: [u8; 32] = Sha256::new()
            .chain_update(&prev)
            .chain_update(&canonical)
            .finalize()
            .into();
        assert_eq!(listed["hash"], hex(&hash), "event {seq}");
        // ...equals the proto crate's rule over the typed event.
        let typed: clinic_vault_proto::AuditEvent =
            serde_json::from_value(event.clone()).expect("typed event");
        assert_eq!(typed.canonical_bytes().expect("canonical"), canonical);
        assert_eq!(
            clinic_vault_proto::chain_hash(&prev.clone().try_into().expect("32 bytes"), &canonical),
            hash
        );
        prev = unhex(listed["hash"].as_str().expect("hash"));

        // The digest from the local side alone: SHA-256("clinic-vault/audit-detail/v2" ‖
        // salt ‖ JCS({"detail": …, "search_hits": […]})), the hits sorted.
        assert_eq!(event["format"], 2, "event {seq}");
        let mut hits: Vec<&str> = listed["search_hits"]
            .as_array()
            .map(|a| a.iter().map(|h| h.as_str().expect("id")).collect())
            .unwrap_or_default();
        hits.sort_unstable();
        let body = clinic_vault_proto::canonical_json(&serde_json::json!({
            "detail": listed.get("detail").cloned().unwrap_or(Value::Null),
            "search_hits": hits,
        }))
        .expect("canonical");
        let digest = Sha256::new()
            .chain_update(b"clinic-vault/audit-detail/v2")
            .chain_update(unhex(listed["salt"].as_str().expect("a salt")))
            .chain_update(&body)
            .finalize();
        assert_eq!(event["detail_digest"], hex(&digest), "event {seq}");
    }

    // The first events record the vault's creation.
    let first: Vec<&str> = events[..3]
        .iter()
        .map(|e| e["event"]["action"].as_str().expect("action"))
        .collect();
    assert_eq!(first, ["vault.create", "user.add", "recovery_key.create"]);
    // The history is there with the right outcomes.
    let has = |action: &str, actor: &str, outcome: &str| {
        events.iter().any(|e| {
            e["event"]["action"] == action
                && e["event"]["actor"] == actor
                && e["event"]["outcome"] == outcome
        })
    };
    assert!(has("user.add", ADMIN, "success"));
    assert!(has("user.first_login", "bob", "success"));
    assert!(has("user.totp_confirm", "bob", "success"));
    assert!(has("audit.list", "bob", "denied"));
    assert!(has("journal.attempt", "bob", "failure"));
    assert!(has("user.lock", "bob", "success"));
    let zoe = events
        .iter()
        .find(|e| e["event"]["resource_id"] == "Zoë Ann")
        .expect("Zoë Ann's user.add");
    assert_eq!(
        zoe["event"]["changed_fields"],
        serde_json::json!(["role", "enabled"])
    );

    // `audit head` is the last event's SEQ:HASH.
    let last = events.last().expect("events");
    let head = &lines[2];
    assert_eq!(head["seq"], last["seq"]);
    assert_eq!(head["hash"], last["hash"]);
    assert_eq!(
        head["head"],
        format!("{}:{}", last["seq"], last["hash"].as_str().expect("hash"))
    );

    // Without --json, `audit head` prints just SEQ:HASH.
    v.next_step();
    let code = v.code(&v.admin_uri);
    let text = v
        .run_as(
            ADMIN,
            &code,
            false,
            &["audit", "head"],
            format!("{ADMIN_PW}\n").as_bytes(),
        )
        .ok();
    let line = text.stdout.trim_end();
    let (seq, hash) = line.split_once(':').expect("SEQ:HASH");
    assert!(seq.parse::<u64>().expect("seq") > last["seq"].as_u64().expect("seq"));
    assert!(
        hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{line}"
    );
}

#[test]
fn audit_verify_checks_an_anchored_head() {
    let (mut v, _) = vault_with_history();
    let anchor = v.admin(&["audit", "head"]).ok().json();
    let head = anchor["head"].as_str().expect("head").to_string();
    let anchor_seq = anchor["seq"].as_u64().expect("seq");
    // More history after the anchor.
    v.add_user_otp("carol", "clinician");

    let ok = v
        .admin(&["audit", "verify", "--expect-head", &head])
        .ok()
        .json();
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["anchored_at"], anchor_seq);
    let n_events = ok["n_events"].as_u64().expect("n_events");
    assert!(n_events > anchor_seq);
    assert!(ok["head"]
        .as_str()
        .expect("head")
        .starts_with(&format!("{n_events}:")));
    // Hex case does not matter.
    v.admin(&["audit", "verify", "--expect-head", &head.to_uppercase()])
        .ok();
    // Plain verify with no anchor.
    assert_eq!(v.admin(&["audit", "verify"]).ok().json()["ok"], true);

    // A head that this chain never had: corrupt, naming the position.
    let (seq, hash) = head.split_once(':').expect("SEQ:HASH");
    let last = hash.chars().last().expect("hex digit");
    let flipped = format!(
        "{seq}:{}{}",
        &hash[..63],
        if last == '0' { '1' } else { '0' }
    );
    let bad = v.admin(&["audit", "verify", "--expect-head", &flipped]);
    let err = bad.error();
    assert_eq!(err["code"], "corrupt");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains(&format!("event {anchor_seq}")),
        "{err}"
    );
    // The same hash claimed at another position.
    let moved = format!("{}:{hash}", anchor_seq - 1);
    assert_eq!(
        v.admin(&["audit", "verify", "--expect-head", &moved])
            .error_code(),
        "corrupt"
    );
    // A head beyond the chain's end: events were cut off.
    let beyond = format!("{}:{hash}", n_events + 100);
    let err = v
        .admin(&["audit", "verify", "--expect-head", &beyond])
        .error();
    assert_eq!(err["code"], "corrupt");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("deleted"),
        "{err}"
    );

    // Malformed heads are refused before anything is checked.
    for malformed in [
        "abc",
        "12",
        "12:xyz",
        ":00",
        &format!("x:{hash}"),
        &format!("{seq}:{}", &hash[..63]),
        &format!("{seq}:{hash}00"),
        &format!("-1:{hash}"),
    ] {
        let err = v
            .admin(&["audit", "verify", "--expect-head", malformed])
            .error();
        assert_eq!(err["code"], "invalid_input", "{malformed}: {err}");
    }
    // The chain itself is still fine.
    v.admin(&["audit", "verify", "--expect-head", &head]).ok();
}

#[test]
fn audit_list_filters_by_user_action_and_limit() {
    let (mut v, _) = vault_with_history();
    let out = v
        .admin_batch(&[
            "audit list",
            "audit list --user bob",
            "audit list --action user.unlock",
            "audit list --limit 3",
            "audit list --user alice --action user.lock --limit 2",
            "audit list --limit 0",
            "audit list --user nobody-here",
        ])
        .ok();
    let lines = out.json_lines();
    assert_eq!(lines.len(), 7, "{}", out.stdout);
    let all = events_of(&lines[0]);
    let pick = |f: &dyn Fn(&Value) -> bool| -> Vec<u64> {
        seqs(&all.iter().filter(|e| f(e)).cloned().collect::<Vec<_>>())
    };

    let by_bob = events_of(&lines[1]);
    assert!(!by_bob.is_empty());
    assert_eq!(seqs(&by_bob), pick(&|e| e["event"]["actor"] == "bob"));

    let unlocks = events_of(&lines[2]);
    assert!(unlocks.len() >= 4);
    assert_eq!(
        seqs(&unlocks),
        pick(&|e| e["event"]["action"] == "user.unlock")
    );

    let last3 = events_of(&lines[3]);
    assert_eq!(seqs(&last3), seqs(&all[all.len() - 3..]));
    // The listing is complete: hashes and events as in the full list.
    assert_eq!(last3[2], all[all.len() - 1]);

    let combined = seqs(&events_of(&lines[4]));
    let expected = pick(&|e| e["event"]["actor"] == ADMIN && e["event"]["action"] == "user.lock");
    assert_eq!(combined, expected[expected.len() - 2..]);

    assert!(events_of(&lines[5]).is_empty());
    assert!(events_of(&lines[6]).is_empty());

    // The same filters outside a batch (`--user` after `audit list` is the filter,
    // `--user` before the command the one unlocking).
    let direct = v.audit_events(&["--user", "bob"]);
    assert_eq!(seqs(&direct), seqs(&by_bob));
    let direct = v.audit_events(&["--action", "user.add", "--limit", "1"]);
    assert_eq!(direct.len(), 1);
    assert_eq!(direct[0]["event"]["resource_id"], "Zoë Ann");
    assert_eq!(
        v.admin(&["audit", "list", "--limit", "many"]).error_code(),
        "invalid_input"
    );
}
