//! The desk scanner through the CLI, on SANE's `test` backend: `scan devices` lists it,
//! `scan acquire` scans pages into one multi-page scan through a pipe (no file is
//! written anywhere but the vault), an admin is refused before the paper is scanned,
//! and a PC without a scanner or without SANE gets a clear code.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// A private SANE configuration that loads only the `test` backend (or none).
fn sane_config(v: &TestVault, backends: &str) -> PathBuf {
    let dir = v.tmp.path().join(format!("sane-{}", backends.len()));
    std::fs::create_dir_all(&dir).expect("sane dir");
    std::fs::write(dir.join("dll.conf"), backends).expect("dll.conf");
    dir
}

/// `who` runs `args` (`--json`) with `envs`, one clock step later, its temp dir a
/// fresh, private one (returned).
fn by_with(
    v: &mut TestVault,
    who: &Staff,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> (Run, PathBuf) {
    v.next_step();
    let code = v.code(&who.uri);
    let dir = v.dir_str().to_string();
    let tmp = v.tmp.path().join(format!("tmp-{}", v.now_secs));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mut full = vec![
        "--vault",
        dir.as_str(),
        "--user",
        who.name.as_str(),
        "--totp",
        code.as_str(),
        "--json",
    ];
    full.extend_from_slice(args);
    let envs_str: Vec<(String, String)> = envs
        .iter()
        .map(|(k, p)| (k.to_string(), p.to_str().expect("utf-8").to_string()))
        .chain([(
            "TMPDIR".to_string(),
            tmp.to_str().expect("utf-8").to_string(),
        )])
        .collect();
    let envs_ref: Vec<(&str, &str)> = envs_str
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = v.run_bytes(&full, format!("{}\n", who.password).as_bytes(), &envs_ref);
    (run, tmp)
}

/// The error code of a failed `--json` run whose stderr showed progress first: the
/// error is stderr's last line and stdout's last object.
fn failed_after_progress(run: &Run) -> String {
    assert_ne!(run.status, 0, "expected a failure: {run:?}");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("clinicvault: "), "{}", run.stderr);
    let lines = run.json_lines();
    let code = lines.last().expect("an error object")["error"]["code"]
        .as_str()
        .expect("a code")
        .to_string();
    assert!(last.ends_with(&format!("({code})")), "{}", run.stderr);
    code
}

fn patient(v: &mut TestVault, who: &Staff) -> String {
    v.by(
        who,
        &[
            "patient",
            "add",
            "--given",
            "Ana",
            "--family",
            "Silva",
            "--dob",
            "1971-05-06",
        ],
    )
    .ok()
    .json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[test]
fn the_test_scanner_is_listed_and_its_pages_become_one_scan_without_a_file() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let carl = v.staff("carl", "clinician");
    let id = patient(&mut v, &rita);
    let sane = sane_config(&v, "test\n");
    let env = [("SANE_CONFIG_DIR", sane.as_path())];

    let (listed, _) = by_with(&mut v, &rita, &["scan", "devices"], &env);
    let listed = listed.ok().json();
    let names: Vec<&str> = listed["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| d["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["test:0", "test:1"], "{listed}");

    let (run, tmp) = by_with(
        &mut v,
        &rita,
        &[
            "scan", "acquire", &id, "--device", "test:0", "--dpi", "100", "--pages", "3",
        ],
        &env,
    );
    let run = run.ok();
    let scan: Value = run.json();
    assert_eq!(scan["device"], "test:0");
    assert_eq!(scan["scan"]["kind"], "tiff", "{scan}");
    assert_eq!(scan["scan"]["pages"], 3, "{scan}");
    // The test backend's default area is 80 × 100 mm: at 100 dpi, 314 × 393 pixels.
    assert_eq!(scan["scan"]["width"], 314, "{scan}");
    assert_eq!(scan["scan"]["height"], 393, "{scan}");
    assert!(
        run.stderr.contains("Scanning page 3 of 3"),
        "{}",
        run.stderr
    );
    // Nothing went through a file: the process's temp dir stays empty.
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("tmp").collect();
    assert!(left.is_empty(), "files in TMPDIR: {left:?}");

    let scans = v.by(&carl, &["scan", "list", &id]).ok().json();
    let scans = scans["scans"].as_array().expect("scans");
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["imported_by"], "rita");
    let imports = v.audit_events(&["--action", "scan.import"]);
    assert!(imports
        .iter()
        .any(|e| e["event"]["outcome"] == "success" && e["event"]["patient_id"] == id.as_str()));
    assert_eq!(v.admin(&["scan", "verify"]).ok().json()["ok"], true);
}

#[test]
fn no_scanner_no_sane_and_a_role_that_may_not_import_each_get_a_clear_code() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let id = patient(&mut v, &rita);
    let none = sane_config(&v, "");
    let env = [("SANE_CONFIG_DIR", none.as_path())];

    // No scanner attached: `devices` says so and succeeds; `acquire` is `no_scanner`.
    let (listed, _) = by_with(&mut v, &rita, &["scan", "devices"], &env);
    assert_eq!(listed.ok().json()["devices"], serde_json::json!([]));
    let (run, _) = by_with(&mut v, &rita, &["scan", "acquire", &id], &env);
    assert_eq!(failed_after_progress(&run), "no_scanner", "{run:?}");
    assert!(run.stderr.contains("switched on"), "{}", run.stderr);

    // SANE not installed.
    let missing = v.tmp.path().join("no-such-scanimage");
    let env = [("CLINICVAULT_SCANIMAGE", missing.as_path())];
    let (run, _) = by_with(&mut v, &rita, &["scan", "devices"], &env);
    assert_eq!(run.error_code(), "scanner_unavailable", "{run:?}");
    assert!(run.stderr.contains("sane-utils"), "{}", run.stderr);

    // A device that is not there.
    let sane = sane_config(&v, "test\n");
    let env = [("SANE_CONFIG_DIR", sane.as_path())];
    let (run, _) = by_with(
        &mut v,
        &rita,
        &["scan", "acquire", &id, "--device", "test:9"],
        &env,
    );
    assert_eq!(failed_after_progress(&run), "no_scanner", "{run:?}");

    // Bad options are refused before anything runs.
    for bad in [["--dpi", "5"], ["--mode", "sepia"], ["--pages", "0"]] {
        let mut args = vec!["scan", "acquire", id.as_str()];
        args.extend_from_slice(&bad);
        let (run, _) = by_with(&mut v, &rita, &args, &env);
        assert_eq!(run.error_code(), "invalid_input", "{bad:?}: {run:?}");
    }

    // An admin may not import: refused, and audited, before the scanner runs (a
    // stand-in scanimage would leave a mark).
    let mark = v.tmp.path().join("scanner-ran");
    let fake = v.tmp.path().join("fake-scanimage");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", mark.display()),
    )
    .expect("fake");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let admin = Staff {
        name: ADMIN.to_string(),
        password: ADMIN_PW.to_string(),
        uri: v.admin_uri.clone(),
    };
    let env = [("CLINICVAULT_SCANIMAGE", fake.as_path())];
    let (run, _) = by_with(
        &mut v,
        &admin,
        &["scan", "acquire", &id, "--device", "test:0"],
        &env,
    );
    assert_eq!(run.error_code(), "forbidden", "{run:?}");
    assert!(
        !mark.exists(),
        "the scanner ran for a role that may not import"
    );
    // The stand-in fails: its failure is the scanner's, named.
    let (run, _) = by_with(
        &mut v,
        &rita,
        &["scan", "acquire", &id, "--device", "test:0"],
        &env,
    );
    assert_eq!(failed_after_progress(&run), "scanner_failed", "{run:?}");
    assert!(mark.exists());
}

#[test]
fn paper_past_the_size_limit_stops_the_scan_before_the_next_page() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let id = patient(&mut v, &rita);
    v.admin(&["scan", "limits", "--max-file-mb", "5"]).ok();
    // A stand-in scanner whose pages are noise (3 MB each, as large compressed), each
    // run leaving a line in `runs`.
    let runs = v.tmp.path().join("runs");
    let fake = v.tmp.path().join("noisy-scanimage");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho run >> '{}'\nprintf 'P6\\n1000 1000\\n255\\n'\nexec head -c 3000000 /dev/urandom\n",
            runs.display()
        ),
    )
    .expect("fake");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let env = [("CLINICVAULT_SCANIMAGE", fake.as_path())];
    let (run, _) = by_with(
        &mut v,
        &rita,
        &[
            "scan", "acquire", &id, "--device", "fake:0", "--dpi", "100", "--pages", "3",
        ],
        &env,
    );
    assert_eq!(failed_after_progress(&run), "invalid_input", "{run:?}");
    assert!(run.stderr.contains("over the 5 MB limit"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was imported"),
        "{}",
        run.stderr
    );
    let scanned = std::fs::read_to_string(&runs)
        .expect("runs")
        .lines()
        .count();
    assert_eq!(scanned, 2, "the third page was not scanned");
    let scans = v.by(&rita, &["scan", "list", &id]).ok().json();
    assert_eq!(scans["scans"], serde_json::json!([]));
}
