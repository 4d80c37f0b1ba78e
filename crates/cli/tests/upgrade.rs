//! Upgrading a vault that the previous version wrote (`fixtures/schema2`: schema 2,
//! every audit event v1; see its README). The first unlock runs the migration to
//! schema 3. Old events keep their bytes and hashes and verify as v1 against the head
//! the old version reported; new events are v2 and their hash covers their local detail
//! and search hits, so a key holder deleting a new event's detail is caught; "who saw
//! this record" spans both. A SIGKILL inside the migration leaves schema 2, and the next
//! unlock completes it.

use serde_json::Value;
use sha2::{Digest, Sha256};

use clinic_vault_core::test_hooks::KeyHolder;

use crate::common::*;

/// The schema this build writes (the last migration in core's `db.rs`).
const CURRENT_SCHEMA: i64 = clinic_vault_core::db::SCHEMA_VERSION as i64;

/// A fixture vault written by an earlier version (see each one's README).
#[derive(Debug, Clone, Copy)]
enum Fixture {
    /// Schema 2, every event v1 (commit 149375a).
    Schema2,
    /// Schema 3, every event v2 (commit a5e69a6), before scans.
    Schema3,
    /// Schema 4, with two scans (commit 4c6e526), before screen renditions.
    Schema4,
    /// Schema 5, with two scans (commit f4574bb), before the sync outbox.
    Schema5,
}

impl Fixture {
    fn dir(self) -> std::path::PathBuf {
        manifest_dir().join(match self {
            Fixture::Schema2 => "tests/fixtures/schema2",
            Fixture::Schema3 => "tests/fixtures/schema3",
            Fixture::Schema4 => "tests/fixtures/schema4",
            Fixture::Schema5 => "tests/fixtures/schema5",
        })
    }
    fn schema(self) -> i64 {
        match self {
            Fixture::Schema2 => 2,
            Fixture::Schema3 => 3,
            Fixture::Schema4 => 4,
            Fixture::Schema5 => 5,
        }
    }
}

fn read_json(name: &str) -> Value {
    read_fixture_json(Fixture::Schema2, name)
}

fn read_fixture_json(fixture: Fixture, name: &str) -> Value {
    let path = fixture.dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// A copy of the fixture vault in a temp dir, the clock just after the fixture's end,
/// and its test-only secrets.
fn fixture_copy() -> (TestVault, Value) {
    copy_of(Fixture::Schema2)
}

fn copy_of(fixture: Fixture) -> (TestVault, Value) {
    use std::os::unix::fs::PermissionsExt;
    let secrets = read_fixture_json(fixture, "secrets.json");
    let mut v = TestVault::uninit();
    std::fs::create_dir(&v.dir).expect("vault dir");
    std::fs::set_permissions(&v.dir, std::fs::Permissions::from_mode(0o700)).expect("0700");
    for name in ["vault.db", "keyslots", "prelock.journal"] {
        let to = v.dir.join(name);
        std::fs::copy(fixture.dir().join("vault").join(name), &to).expect("copy fixture");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("0600");
    }
    // Schema 4 and later: the encrypted scan files.
    let scans = fixture.dir().join("vault").join("scans");
    if scans.is_dir() {
        let to = v.dir.join("scans");
        std::fs::create_dir(&to).expect("scans dir");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o700)).expect("0700");
        // Git keeps no empty directory: the staging one is made as the vault had it.
        std::fs::create_dir(to.join(".staging")).expect("staging dir");
        std::fs::set_permissions(to.join(".staging"), std::fs::Permissions::from_mode(0o700))
            .expect("0700");
        for entry in std::fs::read_dir(&scans).expect("fixture scans") {
            let entry = entry.expect("entry");
            if !entry.file_type().expect("type").is_file() {
                continue;
            }
            let file = to.join(entry.file_name());
            std::fs::copy(entry.path(), &file).expect("copy scan");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("0600");
        }
    }
    v.admin_uri = secrets["admin"]["totp_uri"].as_str().expect("uri").into();
    v.recovery_key = secrets["recovery_key"].as_str().expect("key").into();
    v.set_time(secrets["clock_end_secs"].as_i64().expect("clock"));
    (v, secrets)
}

fn staff(secrets: &Value, name: &str) -> Staff {
    Staff {
        name: name.into(),
        password: secrets["staff"][name]["password"]
            .as_str()
            .expect("pw")
            .into(),
        uri: secrets["staff"][name]["totp_uri"]
            .as_str()
            .expect("uri")
            .into(),
    }
}

fn key_holder(v: &TestVault) -> KeyHolder {
    KeyHolder::open(&v.dir, ADMIN, ADMIN_PW).expect("the admin's password opens the data key")
}

fn schema_version(v: &TestVault) -> i64 {
    key_holder(v)
        .query_i64("PRAGMA user_version")
        .expect("user_version")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// What an outside auditor given the local side recomputes for a v2 event.
fn recomputed_digest(listed: &Value) -> String {
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
    hex(&Sha256::new()
        .chain_update(b"clinic-vault/audit-detail/v2")
        .chain_update(unhex(
            listed["salt"].as_str().expect("a v2 event has a salt"),
        ))
        .chain_update(&body)
        .finalize())
}

fn is_v2(listed: &Value) -> bool {
    listed["event"]["format"] == 2
}

#[test]
fn a_vault_of_the_previous_version_upgrades_and_keeps_its_chain() {
    let (mut v, secrets) = fixture_copy();
    assert_eq!(schema_version(&v), 2, "the fixture is the previous schema");
    let old_head = secrets["head"]["head"].as_str().expect("head").to_string();
    let out = v
        .admin_batch(&[
            &format!("audit verify --expect-head {old_head}"),
            "audit list",
            "verify",
        ])
        .ok();
    assert_eq!(
        schema_version(&v),
        CURRENT_SCHEMA,
        "the first unlock migrated"
    );
    let lines = out.json_lines();
    let report = &lines[0];
    assert_eq!(report["anchored_at"], secrets["head"]["seq"]);
    let events = lines[1]["events"].as_array().expect("events").clone();
    assert_eq!(lines[2]["audit"]["n_events"], events.len());

    // The old events: exactly as the old version listed and hashed them, all v1, all
    // before the first v2 event.
    let old = read_json("audit-list.json");
    let old = old.as_array().expect("old listing");
    assert_eq!(old.len() as u64, secrets["n_events"].as_u64().expect("n"));
    for (before, now) in old.iter().zip(&events) {
        // The listing now also shows each event's search hits; nothing else is new.
        let mut now = now.clone();
        let hits = now.as_object_mut().expect("object").remove("search_hits");
        assert_eq!(
            *before, now,
            "event {} changed in the upgrade",
            before["seq"]
        );
        if let Some(hits) = hits {
            assert_eq!(
                hits, before["detail"]["results"],
                "event {}: the hits index survived",
                before["seq"]
            );
        }
    }
    let n_v1 = events.iter().take_while(|e| !is_v2(e)).count();
    assert!(n_v1 > old.len(), "the old listing's own lock is v1 too");
    assert!(events[n_v1..].iter().all(is_v2), "v1 never follows v2");
    assert_eq!(report["n_v1_events"], n_v1);
    assert_eq!(
        report["n_v2_events"],
        report["n_events"].as_u64().expect("n") - n_v1 as u64
    );
    assert_eq!(report["n_redacted"], 0);
    assert_eq!(
        events[..n_v1]
            .iter()
            .filter(|e| e.get("detail").is_some())
            .count() as u64,
        secrets["n_details"].as_u64().expect("n"),
        "every old detail is still there"
    );

    // The text report says how much of the chain predates the v2 format.
    v.next_step();
    let code = v.code(&v.admin_uri);
    let text = v
        .run_as(
            ADMIN,
            &code,
            false,
            &["audit", "verify"],
            format!("{ADMIN_PW}\n").as_bytes(),
        )
        .ok();
    assert!(
        text.stdout.contains(&format!(
            "({n_v1} written before format v2, whose local detail is not covered)"
        )),
        "{}",
        text.stdout
    );

    // The first new events fold rita's failed unlocks that waited in the journal.
    let folded: Vec<&Value> = events[n_v1..]
        .iter()
        .filter(|e| e["event"]["actor"] == "rita" && e["event"]["outcome"] == "failure")
        .collect();
    assert_eq!(folded.len(), 2, "{folded:?}");
    for e in events[n_v1..].iter() {
        assert_eq!(
            e["event"]["detail_digest"],
            recomputed_digest(e),
            "event {}",
            e["seq"]
        );
        assert!(
            e["event"].get("salt").is_none(),
            "the salt is never in the event"
        );
    }
    // Folded by the new version: unauthenticated journal reports.
    assert_eq!(folded[0]["event"]["action"], "journal.attempt");
    assert_eq!(
        folded[0]["detail"],
        serde_json::json!({
            "attempt": "unlock",
            "origin": "prelock_journal",
            "result": "bad_credentials",
            "while": "locked",
        })
    );

    // Who saw Jan: the old version's searches and a new one, v1 and v2 alike.
    let jan = secrets["patients"]["jan"]
        .as_str()
        .expect("jan")
        .to_string();
    let rita = staff(&secrets, "rita");
    let found = v
        .batch_by(&rita, &["patient search kowalski".into()])
        .ok()
        .json();
    assert_eq!(found["results"][0]["patient"]["id"], jan.as_str());
    let seen = v.audit_events(&["--patient", &jan]);
    let searches: Vec<&Value> = seen
        .iter()
        .filter(|e| e["event"]["action"] == "patient.search")
        .collect();
    assert_eq!(
        searches.iter().filter(|e| !is_v2(e)).count(),
        2,
        "{searches:?}"
    );
    let new_search = searches.iter().find(|e| is_v2(e)).expect("the new search");
    assert_eq!(new_search["search_hits"], serde_json::json!([jan]));
    let new_seq = new_search["seq"].as_u64().expect("seq");

    // A key holder deletes the new search's detail: found, naming the event. Deleting an
    // old search's detail is not: v1 events never covered theirs.
    let old_search = searches.iter().find(|e| !is_v2(e)).expect("an old search");
    key_holder(&v)
        .execute(&format!(
            "DELETE FROM audit_detail WHERE seq = {}",
            old_search["seq"]
        ))
        .expect("tamper");
    v.admin(&["audit", "verify"]).ok();
    key_holder(&v)
        .execute(&format!("DELETE FROM audit_detail WHERE seq = {new_seq}"))
        .expect("tamper");
    for check in [&["audit", "verify"][..], &["verify"][..]] {
        let err = v.admin(check).error();
        assert_eq!(err["code"], "corrupt", "{check:?}: {err}");
        let message = err["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("event {new_seq}:")) && message.contains("local detail"),
            "{check:?}: {message}"
        );
    }
}

#[test]
fn a_schema_3_vault_upgrades_to_scans_and_keeps_its_v2_chain_byte_for_byte() {
    let (mut v, secrets) = copy_of(Fixture::Schema3);
    assert_eq!(schema_version(&v), 3, "the fixture is the previous schema");
    let old_head = secrets["head"]["head"].as_str().expect("head").to_string();
    let out = v
        .admin_batch(&[
            &format!("audit verify --expect-head {old_head}"),
            "audit list",
            "verify",
            "scan verify",
        ])
        .ok();
    assert_eq!(
        schema_version(&v),
        CURRENT_SCHEMA,
        "the first unlock migrated"
    );
    let lines = out.json_lines();
    assert_eq!(lines[0]["anchored_at"], secrets["head"]["seq"]);
    assert_eq!(lines[0]["n_v1_events"], 0);
    let events = lines[1]["events"].as_array().expect("events").clone();
    let old = read_fixture_json(Fixture::Schema3, "audit-list.json");
    let old = old.as_array().expect("old listing");
    assert_eq!(old.len() as u64, secrets["n_events"].as_u64().expect("n"));
    for (before, now) in old.iter().zip(&events) {
        assert_eq!(
            *before, *now,
            "event {} changed in the upgrade",
            before["seq"]
        );
    }
    assert_eq!(lines[3]["report"]["n_checked"], 0, "no scans yet");

    // The upgraded vault takes scans: rita imports one for Jan, carl exports it.
    let rita = staff(&secrets, "rita");
    let carl = staff(&secrets, "carl");
    let jan = secrets["patients"]["jan"]
        .as_str()
        .expect("jan")
        .to_string();
    let png = v.tmp.path().join("referral.png");
    std::fs::write(&png, crate::common::images::png_with_metadata(40, 20, 11)).expect("png");
    let imported = v
        .by(
            &rita,
            &["scan", "import", &jan, png.to_str().expect("utf-8")],
        )
        .ok()
        .json();
    let scan = imported["scan"]["id"].as_str().expect("id").to_string();
    let out = v.tmp.path().join("referral-out.png");
    v.by(
        &carl,
        &["scan", "export", &scan, out.to_str().expect("utf-8")],
    )
    .ok();
    assert!(out.is_file());
    let after = v
        .admin_batch(&[
            &format!("audit verify --expect-head {old_head}"),
            "scan verify",
        ])
        .ok()
        .json_lines();
    assert_eq!(after[1]["report"]["n_checked"], 1);
}

#[test]
fn a_schema_4_vault_upgrades_to_screen_renditions_and_keeps_its_scans_and_chain() {
    let (mut v, secrets) = copy_of(Fixture::Schema4);
    assert_eq!(schema_version(&v), 4, "the fixture is the previous schema");
    let old_head = secrets["head"]["head"].as_str().expect("head").to_string();
    let out = v
        .admin_batch(&[
            &format!("audit verify --expect-head {old_head}"),
            "audit list",
            "verify",
            "scan verify",
        ])
        .ok();
    assert_eq!(
        schema_version(&v),
        CURRENT_SCHEMA,
        "the first unlock migrated"
    );
    let lines = out.json_lines();
    let events = lines[1]["events"].as_array().expect("events").clone();
    let old = read_fixture_json(Fixture::Schema4, "audit-list.json");
    let old = old.as_array().expect("old listing");
    assert_eq!(old.len() as u64, secrets["n_events"].as_u64().expect("n"));
    for (before, now) in old.iter().zip(&events) {
        assert_eq!(
            *before, *now,
            "event {} changed in the upgrade",
            before["seq"]
        );
    }
    assert_eq!(lines[3]["report"]["n_checked"], 2, "both scans verify");

    // The scans imported before read back byte for byte; they have no rendition.
    let carl = staff(&secrets, "carl");
    for name in ["large", "small"] {
        let scan = &secrets["scans"][name];
        let out = v.tmp.path().join(format!("{name}.png"));
        v.by(
            &carl,
            &[
                "scan",
                "export",
                scan["id"].as_str().expect("id"),
                out.to_str().expect("utf-8"),
            ],
        )
        .ok();
        let bytes = std::fs::read(&out).expect("exported");
        assert_eq!(
            hex(&Sha256::digest(&bytes)),
            scan["sha256"],
            "{name} changed"
        );
    }
    let renditions = |v: &TestVault| {
        key_holder(v)
            .query_i64("SELECT count(*) FROM scan_screens")
            .expect("count")
    };
    assert_eq!(renditions(&v), 0, "the migration makes none");

    // A large photo imported now gets its rendition, halved to fit a screen.
    let jan = secrets["patients"]["jan"]
        .as_str()
        .expect("jan")
        .to_string();
    let png = v.tmp.path().join("photo.png");
    std::fs::write(
        &png,
        crate::common::images::png_with_metadata(2600, 1800, 5),
    )
    .expect("png");
    v.by(
        &carl,
        &["scan", "import", &jan, png.to_str().expect("utf-8")],
    )
    .ok();
    assert_eq!(renditions(&v), 1);
    assert_eq!(
        key_holder(&v)
            .query_i64("SELECT width * 10000 + height FROM scan_screens")
            .expect("size"),
        1300 * 10000 + 900
    );
}

#[test]
fn a_schema_5_vault_upgrades_to_the_sync_outbox_with_its_scans_queued_and_its_chain_kept() {
    let (mut v, secrets) = copy_of(Fixture::Schema5);
    assert_eq!(schema_version(&v), 5, "the fixture is the previous schema");
    let old_head = secrets["head"]["head"].as_str().expect("head").to_string();
    let out = v
        .admin_batch(&[
            &format!("audit verify --expect-head {old_head}"),
            "audit list",
            "scan verify",
        ])
        .ok();
    assert_eq!(
        schema_version(&v),
        CURRENT_SCHEMA,
        "the first unlock migrated"
    );
    let lines = out.json_lines();
    let events = lines[1]["events"].as_array().expect("events").clone();
    let old = read_fixture_json(Fixture::Schema5, "audit-list.json");
    let old = old.as_array().expect("old listing");
    assert_eq!(old.len() as u64, secrets["n_events"].as_u64().expect("n"));
    for (before, now) in old.iter().zip(&events) {
        assert_eq!(
            *before, *now,
            "event {} changed in the upgrade",
            before["seq"]
        );
    }
    assert_eq!(lines[2]["report"]["n_checked"], 2, "both scans verify");
    // Both scans wait for their first upload, in import order, under their file names;
    // the workstation is not enrolled and holds no receipt.
    let keys = key_holder(&v);
    assert_eq!(
        keys.query_i64("SELECT count(*) FROM sync_blobs WHERE op = 'upload'")
            .expect("n"),
        2
    );
    assert_eq!(
        keys.query_i64(
            "SELECT count(*) FROM sync_blobs b JOIN scans s ON s.content_hash = b.content_hash"
        )
        .expect("n"),
        2
    );
    // Each stored file is queued once, under its name, the older import first.
    let mut files = 0;
    for entry in std::fs::read_dir(std::path::Path::new(v.dir_str()).join("scans")).expect("scans")
    {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('.') {
            continue;
        }
        files += 1;
        assert_eq!(
            keys.query_i64(&format!(
                "SELECT count(*) FROM sync_blobs WHERE content_hash = '{name}'"
            ))
            .expect("n"),
            1,
            "{name} is queued once"
        );
    }
    assert_eq!(files, 2);
    assert_eq!(
        keys.query_i64(
            "SELECT count(*) FROM sync_blobs b JOIN scans s ON s.content_hash = b.content_hash
              WHERE b.pk = (SELECT min(pk) FROM sync_blobs) AND s.imported_us = (SELECT min(imported_us) FROM scans)"
        )
        .expect("n"),
        1,
        "the older import is first"
    );
    assert_eq!(
        keys.query_i64("SELECT count(*) FROM sync_device")
            .expect("n"),
        0
    );
    assert_eq!(
        keys.query_i64("SELECT count(*) FROM sync_receipts")
            .expect("n"),
        0
    );
    assert_eq!(
        keys.query_i64("SELECT count(*) FROM sync_status")
            .expect("n"),
        1
    );
}

#[test]
fn a_sigkill_inside_the_outbox_migration_leaves_schema_5_and_the_next_unlock_completes_it() {
    sigkill_inside_the_migrations(Fixture::Schema5);
}

#[test]
fn a_sigkill_inside_the_screen_migration_leaves_schema_4_and_the_next_unlock_completes_it() {
    sigkill_inside_the_migrations(Fixture::Schema4);
}

#[test]
fn a_sigkill_inside_the_migration_leaves_the_old_schema_and_the_next_unlock_completes_it() {
    sigkill_inside_the_migrations(Fixture::Schema2);
}

#[test]
fn a_sigkill_inside_the_scans_migration_leaves_schema_3_and_the_next_unlock_completes_it() {
    sigkill_inside_the_migrations(Fixture::Schema3);
}

/// Kills the first unlock of `fixture` at its 1st, 2nd, … crash point, each time on a
/// fresh copy, until one run gets through. Each migration is one transaction that
/// passes `migrate.applied`: a kill there leaves the schema before it, and the next
/// unlock migrates (and folds the journal) exactly once.
fn sigkill_inside_the_migrations(fixture: Fixture) {
    let old_head = read_fixture_json(fixture, "secrets.json")["head"]["head"]
        .as_str()
        .expect("head")
        .to_string();
    let n_migrations = (CURRENT_SCHEMA - fixture.schema()) as usize;
    let mut points: Vec<String> = Vec::new();
    for at in 1..=16u32 {
        let (mut v, _) = copy_of(fixture);
        let log = v.tmp.path().join("crash.log");
        v.next_step();
        let code = v.code(&v.admin_uri);
        let dir = v.dir_str().to_string();
        let at_text = at.to_string();
        let log_text = log.to_str().expect("utf-8").to_string();
        let run = v.run_bytes(
            &[
                "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "verify",
            ],
            format!("{ADMIN_PW}\n").as_bytes(),
            &[
                ("CLINICVAULT_TEST_CRASH_AT", &at_text),
                ("CLINICVAULT_TEST_CRASH_LOG", &log_text),
            ],
        );
        if run.status == 0 {
            assert!(at > 2, "the migration and the unlock have crash points");
            assert_eq!(
                points
                    .iter()
                    .take_while(|p| *p == "migrate.applied")
                    .count(),
                n_migrations,
                "the first crash points are one inside each migration: {points:?}"
            );
            eprintln!("upgrade killed at {points:?}, then completed");
            return;
        }
        let point = std::fs::read_to_string(&log).expect("killed at a crash point");
        assert_eq!(run.status, -1, "killed by SIGKILL at {point}: {run:?}");
        // Inside a migration's transaction: nothing of it is left, the earlier ones are.
        let n_applied_before = points.iter().filter(|p| *p == "migrate.applied").count();
        let expected_version = if point == "migrate.applied" {
            fixture.schema() + n_applied_before as i64
        } else {
            CURRENT_SCHEMA
        };
        assert_eq!(
            schema_version(&v),
            expected_version,
            "after a kill at {point}"
        );

        let out = v
            .admin_batch(&[
                &format!("audit verify --expect-head {old_head}"),
                "verify",
                "audit list --user rita --action journal.attempt",
            ])
            .ok();
        assert_eq!(
            schema_version(&v),
            CURRENT_SCHEMA,
            "after a kill at {point}"
        );
        let lines = out.json_lines();
        assert!(
            lines[0]["n_v2_events"].as_u64().expect("n") > 0,
            "{}",
            lines[0]
        );
        assert_eq!(lines[1]["audit"]["n_events"], lines[0]["n_events"]);
        // rita's journaled failures were folded exactly once.
        let folded = lines[2]["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| is_v2(e) && e["event"]["outcome"] == "failure")
            .count();
        // The schema-2 fixture folded its earlier failures as v1 events; the schema-3
        // fixture's are v2 already, so they count too.
        let expected_folded = 2 + match fixture {
            Fixture::Schema2 => 0,
            Fixture::Schema3 | Fixture::Schema4 | Fixture::Schema5 => {
                read_fixture_json(fixture, "audit-list.json")
                    .as_array()
                    .expect("old listing")
                    .iter()
                    .filter(|e| {
                        e["event"]["actor"] == "rita"
                            && e["event"]["action"] == "journal.attempt"
                            && e["event"]["outcome"] == "failure"
                    })
                    .count()
            }
        };
        assert_eq!(folded, expected_folded, "after a kill at {point}");
        points.push(point);
    }
    panic!("the unlock never completed: {points:?}");
}

/// The package's directory, read when the test runs (cargo sets it), never the one
/// baked in at compile time: a persistent target directory shared by clones at other
/// paths may hold a binary compiled in another clone.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
}
