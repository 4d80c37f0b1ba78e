//! Prescription scans through the CLI: a receptionist and a clinician import, only the
//! clinician exports (never over a file, never into the vault), an admin verifies and
//! sets the limits; the stored bytes hold no metadata and no plaintext; refused files
//! are audited with their reason; a flipped byte is named by `scan verify`;
//! prescriptions link to their scans; a SIGKILL at every step of an import leaves no
//! half-scan, loses no committed scan and writes no plaintext.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::images::{self, contains, METADATA_MARKER};
use crate::common::*;

struct Desk {
    v: TestVault,
    rita: Staff,
    carl: Staff,
    patient: String,
}

fn desk() -> Desk {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let carl = v.staff("carl", "clinician");
    let added = v
        .by(
            &rita,
            &[
                "patient",
                "add",
                "--given",
                "Zoë",
                "--family",
                "Müller",
                "--dob",
                "1990-02-03",
            ],
        )
        .ok()
        .json();
    let patient = added["id"].as_str().expect("patient id").to_string();
    Desk {
        v,
        rita,
        carl,
        patient,
    }
}

/// Writes a test PNG outside the vault and returns its path.
fn png_file(d: &Desk, name: &str, seed: u8) -> PathBuf {
    let path = d.v.tmp.path().join(name);
    std::fs::write(&path, images::png_with_metadata(64, 32, seed)).expect("write png");
    path
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every file under `dir`, recursively, with its bytes.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).expect("read")));
            }
        }
    }
    out
}

/// The stored scan files (`scans/<hash>`), and what is left in staging.
fn scan_files(v: &TestVault) -> (Vec<String>, Vec<String>) {
    let names = |dir: PathBuf| -> Vec<String> {
        match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".staging")
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    (
        names(v.dir.join("scans")),
        names(v.dir.join("scans").join(".staging")),
    )
}

/// A run of pixels of a test PNG as the file stores them (stored deflate keeps rows
/// verbatim): found anywhere, it is plaintext.
fn plaintext_probe(seed: u8) -> Vec<u8> {
    images::pixels(64, 32, seed)[64 * 3..64 * 3 + 48].to_vec()
}

fn assert_no_plaintext(v: &TestVault, seeds: &[u8], when: &str) {
    for (path, bytes) in all_files(&v.dir) {
        assert!(
            !contains(&bytes, METADATA_MARKER),
            "{when}: metadata in {}",
            path.display()
        );
        for seed in seeds {
            assert!(
                !contains(&bytes, &plaintext_probe(*seed)),
                "{when}: plaintext pixels in {}",
                path.display()
            );
        }
    }
}

/// Hidden temp files an export could leave beside its target.
fn partials(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect()
}

fn events_of(v: &mut TestVault, action: &str) -> Vec<Value> {
    v.audit_events(&["--action", action])
}

#[test]
fn a_receptionist_imports_only_a_clinician_exports_and_the_stored_bytes_hold_no_metadata() {
    let mut d = desk();
    let a = png_file(&d, "front.png", 1);
    let b = png_file(&d, "back.png", 2);
    let rita = d.rita.clone();
    let run = d.v.by(
        &rita,
        &["scan", "import", &d.patient, path_str(&a), path_str(&b)],
    );
    let run = run.ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "one object per file: {}", run.stdout);
    assert!(
        run.stderr.contains("[1/2]") && run.stderr.contains("[2/2]"),
        "{}",
        run.stderr
    );
    let ids: Vec<String> = lines
        .iter()
        .map(|l| l["scan"]["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(lines[0]["scan"]["kind"], "png");
    assert_eq!(
        lines[0]["scan"]["orientation"], 6,
        "EXIF orientation kept as metadata"
    );
    let removed = lines[0]["scan"]["removed"].as_array().expect("removed");
    assert!(!removed.is_empty(), "{removed:?}");

    // Text mode prints one id per line, and nothing else on stdout.
    let c = png_file(&d, "third.png", 3);
    d.v.next_step();
    let code = d.v.code(&rita.uri);
    let text =
        d.v.run_as(
            "rita",
            &code,
            false,
            &["scan", "import", &d.patient, path_str(&c)],
            format!("{}\n", rita.password).as_bytes(),
        )
        .ok();
    assert_eq!(text.stdout.trim().lines().count(), 1, "{}", text.stdout);
    assert_eq!(text.stdout.trim().len(), 36, "an id: {}", text.stdout);

    let (stored, staged) = scan_files(&d.v);
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert!(
        stored.iter().all(|n| n.len() == 64),
        "named by content hash: {stored:?}"
    );
    assert!(staged.is_empty(), "{staged:?}");
    assert_no_plaintext(&d.v, &[1, 2, 3], "after the imports");

    // The receptionist sees icons and may not decrypt; the clinician sees thumbnails.
    let listed = d.v.by(&rita, &["scan", "list", &d.patient]).ok().json();
    assert!(listed["scans"]
        .as_array()
        .expect("scans")
        .iter()
        .all(|s| s["preview"] == "icon"));
    let out = d.v.tmp.path().join("out.png");
    let denied = d.v.by(&rita, &["scan", "export", &ids[0], path_str(&out)]);
    assert_eq!(denied.error_code(), "forbidden");
    let carl = d.carl.clone();
    let listed = d.v.by(&carl, &["scan", "list", &d.patient]).ok().json();
    assert_eq!(listed["scans"].as_array().expect("scans").len(), 3);
    assert!(listed["scans"]
        .as_array()
        .expect("scans")
        .iter()
        .all(|s| s["preview"] == "thumbnail"));

    // The clinician exports: the stripped file, pixels byte for byte, no metadata.
    let done =
        d.v.by(&carl, &["scan", "export", &ids[0], path_str(&out)])
            .ok()
            .json();
    assert_eq!(
        done["bytes"],
        std::fs::metadata(&out).expect("exported").len()
    );
    let exported = std::fs::read(&out).expect("read export");
    let original = std::fs::read(&a).expect("read original");
    assert!(!contains(&exported, METADATA_MARKER));
    assert!(
        contains(&exported, &plaintext_probe(1)),
        "the pixels are kept"
    );
    assert!(exported.len() < original.len());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777,
        0o600,
        "an export is readable by its owner only"
    );

    // Never over a file, never into the vault, never for the admin.
    let again = d.v.by(&carl, &["scan", "export", &ids[0], path_str(&out)]);
    assert_eq!(again.error_code(), "would_overwrite");
    assert_eq!(std::fs::read(&out).expect("kept"), exported, "untouched");
    let inside = d.v.dir.join("scans").join("x.png");
    let refused =
        d.v.by(&carl, &["scan", "export", &ids[0], path_str(&inside)]);
    assert_eq!(refused.error_code(), "invalid_input");
    assert!(!inside.exists());
    let admin_out = d.v.tmp.path().join("admin.png");
    assert_eq!(
        d.v.admin(&["scan", "export", &ids[0], path_str(&admin_out)])
            .error_code(),
        "forbidden"
    );
    assert_eq!(
        d.v.admin(&["scan", "import", &d.patient, path_str(&a)])
            .error_code(),
        "forbidden"
    );
    assert_eq!(partials(d.v.tmp.path()), Vec::<String>::new());

    // The admin verifies every chunk.
    let report = d.v.admin(&["scan", "verify"]).ok().json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["report"]["n_checked"], 3);

    // Audit: who imported, exported, was refused.
    let imports = events_of(&mut d.v, "scan.import");
    assert_eq!(
        imports
            .iter()
            .filter(|e| e["event"]["outcome"] == "success" && e["event"]["actor"] == "rita")
            .count(),
        3
    );
    assert!(imports
        .iter()
        .all(|e| e["event"]["patient_id"] == d.patient.as_str()));
    let exports = events_of(&mut d.v, "scan.export");
    let outcomes: Vec<(String, String)> = exports
        .iter()
        .map(|e| {
            (
                e["event"]["actor"].as_str().expect("actor").to_string(),
                e["event"]["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect();
    assert!(
        outcomes.contains(&("rita".into(), "denied".into())),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&("carl".into(), "success".into())),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&("alice".into(), "denied".into())),
        "{outcomes:?}"
    );
    assert_eq!(events_of(&mut d.v, "scan.verify").len(), 1);
}

#[test]
fn refused_files_are_audited_with_their_reason_and_nothing_is_stored() {
    let mut d = desk();
    let dir = d.v.tmp.path().to_path_buf();
    let empty = dir.join("empty.jpg");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.join("letter.png");
    std::fs::write(&text, b"Dear doctor, this is not a picture at all.\n").expect("write");
    let png = images::png_with_metadata(64, 32, 9);
    let truncated = dir.join("cut.png");
    std::fs::write(&truncated, &png[..png.len() / 2]).expect("write");
    let good = png_file(&d, "good.png", 4);
    let rita = d.rita.clone();
    let run = d.v.by(
        &rita,
        &[
            "scan",
            "import",
            &d.patient,
            path_str(&empty),
            path_str(&text),
            path_str(&good),
            path_str(&truncated),
        ],
    );
    assert_eq!(run.status, 1, "some files failed: {run:?}");
    let lines = run.json_lines();
    assert_eq!(
        lines.len(),
        5,
        "one line per file, then the error: {}",
        run.stdout
    );
    assert_eq!(lines[4]["error"]["code"], "partial_failure");
    for idx in [0, 1, 3] {
        assert_eq!(
            lines[idx]["error"]["code"], "scan_refused",
            "{}",
            lines[idx]
        );
        let message = lines[idx]["error"]["message"].as_str().expect("message");
        assert!(message.starts_with("the file was refused: "), "{message}");
    }
    assert!(lines[2]["scan"]["id"].is_string(), "{}", lines[2]);
    assert!(run.stderr.contains("not imported"), "{}", run.stderr);
    assert!(
        run.stderr.contains("3 of 4 files were not imported"),
        "{}",
        run.stderr
    );
    let (stored, staged) = scan_files(&d.v);
    assert_eq!(
        (stored.len(), staged.len()),
        (1, 0),
        "{stored:?} {staged:?}"
    );

    let failures: Vec<Value> = events_of(&mut d.v, "scan.import")
        .into_iter()
        .filter(|e| e["event"]["outcome"] == "failure")
        .collect();
    assert_eq!(failures.len(), 3);
    for f in &failures {
        assert_eq!(f["detail"]["error"], "scan_refused", "{f}");
        assert!(f["detail"]["reason"].is_string(), "{f}");
        assert_eq!(f["event"]["patient_id"], d.patient.as_str());
        let detail = f["detail"].to_string();
        assert!(
            !detail.contains("Dear doctor"),
            "never the content: {detail}"
        );
    }

    // A file over the limit is refused without being read; a directory is not a file.
    d.v.admin(&["scan", "limits", "--max-file-mb", "1"]).ok();
    let big = dir.join("big.png");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(1_000_001).expect("sparse");
    let refused =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&big)]);
    assert_eq!(refused.error_code(), "scan_refused");
    let folder =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&dir)]);
    assert_eq!(folder.error_code(), "invalid_input");
    let last = events_of(&mut d.v, "scan.import");
    let last = last.last().expect("an event");
    assert_eq!(last["detail"]["reason"], "too_large", "{last}");
}

#[test]
fn limits_are_shown_to_all_and_changed_by_the_admin_only() {
    let mut d = desk();
    let rita = d.rita.clone();
    let shown = d.v.by(&rita, &["scan", "limits"]).ok().json();
    assert_eq!(
        shown,
        serde_json::json!({
            "max_file_bytes": 50_000_000, "max_megapixels": 100, "max_side_px": 20_000, "max_pages": 200,
        })
    );
    assert_eq!(
        d.v.by(&rita, &["scan", "limits", "--max-pages", "5"])
            .error_code(),
        "forbidden"
    );
    let changed =
        d.v.admin(&["scan", "limits", "--max-side-px", "100", "--max-pages", "5"])
            .ok()
            .json();
    assert_eq!(changed["max_side_px"], 100);
    assert_eq!(
        d.v.admin(&["scan", "limits", "--max-pages", "0"])
            .error_code(),
        "invalid_input"
    );
    // A 128-pixel-wide page is now refused, by its header.
    let wide = d.v.tmp.path().join("wide.png");
    std::fs::write(&wide, images::png_with_metadata(128, 8, 5)).expect("write");
    let refused =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&wide)]);
    assert_eq!(refused.error_code(), "scan_refused");
    let updates = events_of(&mut d.v, "settings.update");
    let fields = &updates
        .iter()
        .rfind(|e| e["event"]["outcome"] == "success")
        .expect("the change")["event"]["changed_fields"];
    assert_eq!(
        *fields,
        serde_json::json!(["scan_max_side_px", "scan_max_pages"])
    );
}

#[test]
fn a_flipped_byte_anywhere_in_a_stored_scan_is_named_by_scan_verify() {
    let mut d = desk();
    let a = png_file(&d, "a.png", 6);
    let rita = d.rita.clone();
    let id =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&a)])
            .ok()
            .json()["scan"]["id"]
            .as_str()
            .expect("id")
            .to_string();
    let (stored, _) = scan_files(&d.v);
    let file = d.v.dir.join("scans").join(&stored[0]);
    let pristine = std::fs::read(&file).expect("read");
    let carl = d.carl.clone();
    for pos in [
        0,
        7,
        20,
        60,
        100,
        pristine.len() / 2,
        pristine.len() - 17,
        pristine.len() - 1,
    ] {
        let mut bytes = pristine.clone();
        bytes[pos] ^= 0x20;
        std::fs::write(&file, &bytes).expect("tamper");
        let run = d.v.admin(&["scan", "verify"]);
        assert_eq!(run.status, 1, "byte {pos}: {run:?}");
        let report = run.json_lines();
        assert_eq!(report[0]["ok"], false, "byte {pos}");
        assert_eq!(report[0]["report"]["damaged"][0]["scan_id"], id.as_str());
        assert!(run.stderr.contains(&id), "names the scan: {}", run.stderr);
        let one = d.v.admin(&["scan", "verify", &id]);
        assert_eq!(one.status, 1, "byte {pos}");
        // Nothing is exported from a damaged scan, and nothing is left behind.
        let out = d.v.tmp.path().join(format!("out-{pos}.png"));
        let refused = d.v.by(&carl, &["scan", "export", &id, path_str(&out)]);
        assert_eq!(refused.error_code(), "scan_damaged", "byte {pos}");
        assert!(!out.exists(), "byte {pos}");
        assert_eq!(partials(d.v.tmp.path()), Vec::<String>::new(), "byte {pos}");
    }
    // A chunk's position is named.
    let mut bytes = pristine.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, &bytes).expect("tamper");
    let report = d.v.admin(&["scan", "verify"]).json_lines();
    assert_eq!(
        report[0]["report"]["damaged"][0]["problem"]["problem"],
        "bad_chunk"
    );
    // Truncated, and missing.
    std::fs::write(&file, &pristine[..pristine.len() - 5]).expect("cut");
    let run = d.v.admin(&["scan", "verify"]);
    assert_eq!(run.status, 1, "{run:?}");
    let cut = run.json_lines();
    // A cut inside the last chunk fails that chunk's tag; a cut at a chunk boundary
    // would be `truncated` (the format tests cover both).
    assert_eq!(
        cut[0]["report"]["damaged"][0]["problem"]["problem"],
        "bad_chunk"
    );
    // `verify` (the whole vault) checks the scan files too, and fails on the damaged one.
    let whole = d.v.admin(&["verify"]);
    assert_eq!(whole.status, 1, "{whole:?}");
    let whole = whole.json_lines();
    assert_eq!(whole[0]["ok"], false);
    assert_eq!(whole[0]["scans"]["damaged"][0]["scan_id"], id.as_str());
    std::fs::remove_file(&file).expect("remove");
    let gone = d.v.admin(&["scan", "verify"]).json_lines();
    assert_eq!(
        gone[0]["report"]["damaged"][0]["problem"]["problem"],
        "missing"
    );
    std::fs::write(&file, &pristine).expect("restore");
    d.v.admin(&["scan", "verify"]).ok();
    let whole = d.v.admin(&["verify"]).ok().json();
    assert_eq!(whole["ok"], true);
    assert_eq!(whole["scans"]["n_checked"], 1);
    let verifies = events_of(&mut d.v, "scan.verify");
    assert!(verifies
        .iter()
        .any(|e| e["event"]["outcome"] == "failure"
            && e["detail"]["damaged"][0]["scan"] == id.as_str()));
}

#[test]
fn a_prescription_links_to_its_scans_and_both_directions_list_them() {
    let mut d = desk();
    let a = png_file(&d, "rx.png", 7);
    let rita = d.rita.clone();
    let scan =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&a)])
            .ok()
            .json()["scan"]["id"]
            .as_str()
            .expect("id")
            .to_string();
    let carl = d.carl.clone();
    let rx =
        d.v.by(
            &carl,
            &[
                "rx",
                "add",
                &d.patient,
                "--drug",
                "Amoxicillin",
                "--strength",
                "500 mg",
                "--dose",
                "1 capsule",
                "--frequency",
                "3 times daily",
                "--scan",
                &scan,
            ],
        )
        .ok()
        .json();
    assert_eq!(rx["scans"], serde_json::json!([scan]));
    let rx_id = rx["id"].as_str().expect("rx id").to_string();
    let listed = d.v.by(&carl, &["rx", "list", &d.patient]).ok().json();
    assert_eq!(
        listed["prescriptions"][0]["scans"],
        serde_json::json!([scan])
    );
    let scans = d.v.by(&rita, &["scan", "list", &d.patient]).ok().json();
    assert_eq!(
        scans["scans"][0]["prescriptions"],
        serde_json::json!([rx_id])
    );

    // A scan of another patient, or none at all, is refused and adds no prescription.
    let other =
        d.v.by(
            &rita,
            &[
                "patient",
                "add",
                "--given",
                "Jan",
                "--family",
                "Kowalski",
                "--dob",
                "1985-06-07",
            ],
        )
        .ok()
        .json()["id"]
            .as_str()
            .expect("id")
            .to_string();
    for (patient, bad, code) in [
        (other.as_str(), scan.as_str(), "invalid_input"),
        (
            d.patient.as_str(),
            "01900000-0000-7000-8000-000000000000",
            "not_found",
        ),
    ] {
        let refused = d.v.by(
            &carl,
            &[
                "rx",
                "add",
                patient,
                "--drug",
                "X",
                "--strength",
                "1 mg",
                "--dose",
                "1",
                "--frequency",
                "daily",
                "--scan",
                bad,
            ],
        );
        assert_eq!(refused.error_code(), code);
    }
    let listed = d.v.by(&carl, &["rx", "list", &other]).ok().json();
    assert_eq!(listed["prescriptions"], serde_json::json!([]));
}

#[test]
fn a_sigkill_at_every_step_of_an_import_leaves_no_half_scan_and_loses_no_committed_scan() {
    let mut points = Vec::new();
    for at in 1..=40u32 {
        let mut d = desk();
        let a = png_file(&d, "a.png", 8);
        let rita = d.rita.clone();
        d.v.next_step();
        let code = d.v.code(&rita.uri);
        let dir = d.v.dir_str().to_string();
        let log = d.v.tmp.path().join("crash.log");
        let (at_text, log_text) = (at.to_string(), path_str(&log).to_string());
        let run = d.v.run_bytes(
            &[
                "--vault",
                &dir,
                "--user",
                "rita",
                "--totp",
                &code,
                "--json",
                "scan",
                "import",
                &d.patient,
                path_str(&a),
            ],
            format!("{}\n", rita.password).as_bytes(),
            &[
                ("CLINICVAULT_TEST_CRASH_AT", &at_text),
                ("CLINICVAULT_TEST_CRASH_LOG", &log_text),
            ],
        );
        let killed_at = std::fs::read_to_string(&log).ok();
        assert_no_plaintext(&d.v, &[8], &format!("killed at {killed_at:?}"));
        if killed_at.is_none() {
            run.ok();
            assert!(
                points.iter().any(|p| p == "scan.staged"),
                "every step was reached: {points:?}"
            );
            eprintln!("import killed at {points:?}, then completed");
            return;
        }
        let point = killed_at.expect("point");
        assert_eq!(run.status, -1, "killed at {point}: {run:?}");
        // The next operation settles staging: the scan is there with its file, or
        // neither is.
        let listed = d.v.by(&rita, &["scan", "list", &d.patient]).ok().json();
        let n_listed = listed["scans"].as_array().expect("scans").len();
        let (stored, staged) = scan_files(&d.v);
        assert!(staged.is_empty(), "killed at {point}: {staged:?}");
        assert_eq!(stored.len(), n_listed, "killed at {point}: {stored:?}");
        // The sync outbox holds the upload of exactly the scan that committed.
        let keys = clinic_vault_core::test_hooks::KeyHolder::open(&d.v.dir, ADMIN, ADMIN_PW)
            .expect("the admin's key");
        let queued = keys
            .query_i64("SELECT count(*) FROM sync_blobs WHERE op = 'upload'")
            .expect("queued");
        assert_eq!(queued as usize, n_listed, "killed at {point}");
        for name in &stored {
            let n = keys
                .query_i64(&format!(
                    "SELECT count(*) FROM sync_blobs WHERE content_hash = '{name}'"
                ))
                .expect("queued");
            assert_eq!(n, 1, "killed at {point}: {name} queued once");
        }
        // The permission check's unit commits before the file is read; the import's
        // own unit commits after its file was staged.
        let staged_before = points.iter().any(|p| p == "scan.staged");
        let committed = (point == "op.committed" && staged_before)
            || point == "scan.renamed"
            || points.iter().any(|p| p == "scan.renamed");
        if committed {
            assert_eq!(
                n_listed, 1,
                "a committed scan is never lost (killed at {point})"
            );
        }
        if n_listed == 1 {
            let report = d.v.admin(&["scan", "verify"]).ok().json();
            assert_eq!(report["report"]["n_checked"], 1, "killed at {point}");
        }
        assert_no_plaintext(&d.v, &[8], &format!("after settling a kill at {point}"));
        points.push(point);
    }
    panic!("the import never completed: {points:?}");
}

#[test]
fn a_sigkill_during_an_export_leaves_nothing_at_the_target_and_nothing_unaudited() {
    let mut d = desk();
    let a = png_file(&d, "a.png", 10);
    let rita = d.rita.clone();
    let scan =
        d.v.by(&rita, &["scan", "import", &d.patient, path_str(&a)])
            .ok()
            .json()["scan"]["id"]
            .as_str()
            .expect("id")
            .to_string();
    let carl = d.carl.clone();
    let out_dir = d.v.tmp.path().join("exports");
    std::fs::create_dir(&out_dir).expect("dir");
    let mut points: Vec<String> = Vec::new();
    for at in 1..=40u32 {
        let out = out_dir.join(format!("out-{at}.png"));
        d.v.next_step();
        let code = d.v.code(&carl.uri);
        let dir = d.v.dir_str().to_string();
        let log = d.v.tmp.path().join(format!("crash-{at}.log"));
        let (at_text, log_text) = (at.to_string(), path_str(&log).to_string());
        let run = d.v.run_bytes(
            &[
                "--vault",
                &dir,
                "--user",
                "carl",
                "--totp",
                &code,
                "--json",
                "scan",
                "export",
                &scan,
                path_str(&out),
            ],
            format!("{}\n", carl.password).as_bytes(),
            &[
                ("CLINICVAULT_TEST_CRASH_AT", &at_text),
                ("CLINICVAULT_TEST_CRASH_LOG", &log_text),
            ],
        );
        let killed_at = std::fs::read_to_string(&log).ok();
        assert_eq!(
            partials(&out_dir),
            Vec::<String>::new(),
            "killed at {killed_at:?}"
        );
        let Some(point) = killed_at else {
            run.ok();
            assert!(out.is_file());
            assert!(
                points.iter().any(|p| p == "scan.export_written"),
                "every step was reached: {points:?}"
            );
            return;
        };
        assert_eq!(run.status, -1, "killed at {point}: {run:?}");
        // A kill inside the unlock leaves a counted attempt; clear it for the next round.
        d.v.admin(&["user", "unlock", "carl"]).ok();
        let published = out.exists();
        if published {
            // A file at the target name only ever follows its committed event.
            let exports = events_of(&mut d.v, "scan.export");
            assert!(
                exports.iter().any(|e| e["event"]["outcome"] == "success"),
                "killed at {point}: a file without its event"
            );
        }
        points.push(point);
    }
    panic!("the export never completed: {points:?}");
}

#[test]
fn a_linked_staging_directory_is_never_followed() {
    let mut d = desk();
    let elsewhere = d.v.tmp.path().join("documents");
    std::fs::create_dir(&elsewhere).expect("dir");
    std::fs::write(elsewhere.join("letter.txt"), b"keep me").expect("write");
    std::fs::create_dir(d.v.dir.join("scans")).expect("scans");
    std::os::unix::fs::symlink(&elsewhere, d.v.dir.join("scans").join(".staging")).expect("link");
    // Every unit settles staging; none follows the link.
    let rita = d.rita.clone();
    d.v.by(&rita, &["scan", "list", &d.patient]).ok();
    assert_eq!(
        std::fs::read(elsewhere.join("letter.txt")).expect("still there"),
        b"keep me"
    );
    let a = png_file(&d, "a.png", 12);
    let refused = d.v.by(&rita, &["scan", "import", &d.patient, path_str(&a)]);
    assert_ne!(
        refused.status, 0,
        "an import refuses a linked staging directory"
    );
    assert_eq!(std::fs::read_dir(&elsewhere).expect("dir").count(), 1);
}

/// A job for [`race`]: `who` runs `args` with a code of the current step.
fn job(v: &TestVault, who: &Staff, args: &[&str]) -> (Vec<String>, String) {
    let mut all: Vec<String> = [
        "--vault",
        v.dir_str(),
        "--user",
        &who.name,
        "--totp",
        &v.code(&who.uri),
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    (all, format!("{}\n", who.password))
}

#[test]
fn imports_racing_from_four_processes_all_land_once_and_the_vault_verifies() {
    let mut d = desk();
    let rita2 = d.v.staff("rita2", "receptionist");
    let carl2 = d.v.staff("carl2", "clinician");
    let staff = [d.rita.clone(), d.carl.clone(), rita2, carl2];
    let files: Vec<Vec<PathBuf>> = (0..4u8)
        .map(|i| {
            (0..3u8)
                .map(|j| png_file(&d, &format!("race-{i}-{j}.png"), 40 + i * 3 + j))
                .collect()
        })
        .collect();
    d.v.next_step();
    let jobs: Vec<_> = staff
        .iter()
        .zip(&files)
        .map(|(who, paths)| {
            let mut args = vec!["scan", "import", d.patient.as_str()];
            args.extend(paths.iter().map(|p| path_str(p)));
            job(&d.v, who, &args)
        })
        .collect();
    let runs = race(&d.v, &jobs);
    let mut ids = std::collections::BTreeSet::new();
    for run in &runs {
        assert_eq!(run.status, 0, "every racing import succeeds: {run:?}");
        for line in run.json_lines() {
            ids.insert(line["scan"]["id"].as_str().expect("id").to_string());
        }
    }
    assert_eq!(ids.len(), 12, "twelve distinct scans");

    let carl = d.carl.clone();
    let listed = d.v.by(&carl, &["scan", "list", &d.patient]).ok().json();
    let listed: std::collections::BTreeSet<String> = listed["scans"]
        .as_array()
        .expect("scans")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(listed, ids, "each listed exactly once");
    let (stored, staged) = scan_files(&d.v);
    assert_eq!(stored.len(), 12, "one file per scan: {stored:?}");
    assert_eq!(staged, Vec::<String>::new(), "nothing left in staging");
    let report = d.v.admin(&["scan", "verify"]).ok().json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["report"]["n_checked"], 12, "{report}");
    assert_eq!(d.v.admin(&["audit", "verify"]).ok().json()["ok"], true);
    let imports = events_of(&mut d.v, "scan.import");
    let succeeded = imports
        .iter()
        .filter(|e| e["event"]["outcome"] == "success")
        .count();
    assert_eq!(succeeded, 12, "one import event per scan");
    assert_no_plaintext(&d.v, &(40..52).collect::<Vec<u8>>(), "after the race");
}

#[test]
fn two_exports_racing_to_one_name_write_one_file_and_the_audit_says_which() {
    let mut d = desk();
    let carl2 = d.v.staff("carl2", "clinician");
    let rita = d.rita.clone();
    let a = png_file(&d, "a.png", 60);
    let b = png_file(&d, "b.png", 61);
    let ids: Vec<String> =
        d.v.by(
            &rita,
            &["scan", "import", &d.patient, path_str(&a), path_str(&b)],
        )
        .ok()
        .json_lines()
        .iter()
        .map(|l| l["scan"]["id"].as_str().expect("id").to_string())
        .collect();
    let out_dir = d.v.tmp.path().join("race-exports");
    std::fs::create_dir(&out_dir).expect("dir");
    let rounds = 4;
    for round in 0..rounds {
        let out = out_dir.join(format!("out-{round}.png"));
        d.v.next_step();
        // Two clinicians, two different scans, one name.
        let jobs = vec![
            job(&d.v, &d.carl, &["scan", "export", &ids[0], path_str(&out)]),
            job(&d.v, &carl2, &["scan", "export", &ids[1], path_str(&out)]),
        ];
        let runs = race(&d.v, &jobs);
        let got = codes(&runs);
        assert_eq!(count(&got, "ok"), 1, "round {round}: {got:?} {runs:?}");
        assert_eq!(count(&got, "would_overwrite"), 1, "round {round}: {got:?}");
        let winner = if got[0] == "ok" { &a } else { &b };
        let written = std::fs::read(&out).expect("the winner's file");
        let original = std::fs::read(winner).expect("original");
        assert!(written.len() < original.len(), "the stripped file");
        assert!(!contains(&written, METADATA_MARKER));
        assert_eq!(partials(&out_dir), Vec::<String>::new());
    }
    let exports = events_of(&mut d.v, "scan.export");
    let outcome = |o: &str| {
        exports
            .iter()
            .filter(|e| e["event"]["outcome"] == o)
            .count()
    };
    assert_eq!(outcome("success"), rounds, "one success per file written");
    assert_eq!(
        outcome("failure"),
        rounds,
        "the loser's failure is recorded"
    );
}
