//! Sync from the workstation (issue 14) through `clinicvault device …` and `sync`,
//! against a real sync server in a child process: enrollment, what one cycle sends
//! (everything once, nothing twice), a server SIGKILLed again and again while 10,000
//! events and 50 scans go out, the workstation SIGKILLed during a sync, a server down
//! for the whole session, and the bad servers (garbage, revoked, lost data): each a
//! clear error, audited, with nothing dropped from the queue.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::common::server::Server;
use crate::common::*;

struct Desk {
    v: TestVault,
    /// A clinician: admins may not touch patients.
    clin: Staff,
    server: Server,
    _server_dir: tempfile::TempDir,
    patient: String,
}

fn desk() -> Desk {
    let mut v = TestVault::new();
    let server_dir = tempfile::tempdir().expect("server dir");
    let server = Server::start(server_dir.path());
    let clin = v.staff("carla", "clinician");
    let added = v
        .by(
            &clin,
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
        clin,
        server,
        _server_dir: server_dir,
        patient,
    }
}

impl Desk {
    fn enroll(&mut self) -> String {
        let token = self.server.enroll_token("Reception");
        let url = self.server.url();
        let out = self
            .v
            .admin(&["device", "enroll", "--server", &url, "--token", &token])
            .ok()
            .json();
        assert_eq!(out["workstation"], "Reception");
        out["device_id"].as_str().expect("device id").to_string()
    }

    fn import(&mut self, n: u8) {
        let files: Vec<PathBuf> = (0..n)
            .map(|i| {
                let path = self.v.tmp.path().join(format!("rx-{i}.png"));
                std::fs::write(&path, images::png_with_metadata(48, 32, i)).expect("png");
                path
            })
            .collect();
        let mut args = vec!["scan".to_string(), "import".into(), self.patient.clone()];
        args.extend(files.iter().map(|p| p.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.v.by(&self.clin, &args).ok();
    }

    fn add_patient(&mut self, given: &str, family: &str) {
        let args = [
            "patient",
            "add",
            "--given",
            given,
            "--family",
            family,
            "--dob",
            "1985-12-10",
        ];
        self.v.by(&self.clin, &args).ok();
    }

    fn show(&mut self) -> Value {
        self.v.admin(&["device", "show"]).ok().json()
    }

    fn sync(&mut self) -> Run {
        self.v.admin(&["sync"])
    }

    /// The events of `action` in the local trail.
    fn events(&mut self, action: &str) -> Vec<Value> {
        self.v
            .admin(&["audit", "list", "--action", action])
            .ok()
            .json()["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn sync_ok(d: &mut Desk) -> Value {
    d.sync().ok().json()
}

/// The server holds exactly the local chain of `device`, once each, and the local
/// chain verifies. `sync` and `audit head` run under one unlock, so the head is the
/// one the sync saw (the unlock and lock of the session are events of their own).
fn assert_all_on_server(d: &mut Desk, device: &str) {
    let lines = d.v.admin_batch(&["sync", "audit head"]).ok().json_lines();
    assert_eq!(lines[0]["events_waiting"], 0, "{lines:?}");
    let head = lines[1]["seq"].as_i64().expect("seq");
    let (count, low, high) = d.server.events(device);
    assert_eq!(
        (count, low, high),
        (head, 1, head),
        "the server holds each event once"
    );
    assert_eq!(lines[1]["server_anchor"]["seq"], head);
    d.v.admin(&["audit", "verify"]).ok();
}

#[test]
fn an_enrolled_workstation_sends_everything_once_and_keeps_the_servers_receipt() {
    let mut d = desk();
    d.import(2);
    // Not enrolled: a clear refusal, nothing else.
    let refused = d.sync();
    assert_eq!(refused.error_code(), "not_enrolled");
    let device = d.enroll();
    let before = d.show();
    assert_eq!(before["scans_waiting"], 2);
    assert!(before["events_waiting"].as_u64().expect("n") > 3);

    let first = sync_ok(&mut d);
    assert_eq!(first["scans_sent"], 2);
    assert!(first["events_new"].as_u64().expect("n") > 3);
    assert_eq!(first["events_waiting"], 0);
    assert_eq!(first["scans_waiting"], 0);
    assert_eq!(d.server.blobs(&device), 2);

    // The events since (the unlocks, the reads) go next time; nothing goes twice.
    let second = sync_ok(&mut d);
    assert_eq!(second["scans_sent"], 0);
    assert_eq!(second["events_sent"], second["events_new"]);
    assert_all_on_server(&mut d, &device);

    // `audit head` shows the server's receipt beside the local head, and `audit
    // verify` checks it offline.
    let head = d.v.admin(&["audit", "head"]).ok().json();
    assert!(head["server_anchor"]["seq"].as_u64().expect("anchor") > 3);
    let shown = d.show();
    assert_eq!(shown["enrolled"], true);
    assert_eq!(shown["workstation"], "Reception");
    assert!(shown["last_success_us"].is_i64());
    assert!(shown["last_error"].is_null());
    assert_eq!(d.events("device.enroll").len(), 1);

    // A spent token is refused in plain words; the registration stays.
    let again = d.v.admin(&[
        "device",
        "enroll",
        "--code",
        &clinic_vault_proto::EnrollCode::new(&d.server.url(), "cvet_spent0000")
            .expect("code")
            .encode(),
    ]);
    assert_eq!(again.error_code(), "enroll_token_unknown");
    assert!(again.stderr.contains("copy it again"), "{}", again.stderr);
    assert_eq!(d.show()["device_id"], device.as_str());
}

#[test]
fn a_server_down_for_the_whole_session_loses_nothing_and_the_queue_drains_when_it_returns() {
    let mut d = desk();
    let device = d.enroll();
    sync_ok(&mut d);
    d.server.kill();
    d.import(3);
    let down = d.sync();
    assert_eq!(down.last_error_code(), "server_unreachable");
    assert!(
        down.stderr.contains("could not be reached"),
        "{}",
        down.stderr
    );
    // Work goes on: more patients while the server is away.
    d.add_patient("Ada", "Lovelace");
    let shown = d.show();
    assert_eq!(shown["scans_waiting"], 3);
    assert!(shown["events_waiting"].as_u64().expect("n") >= 5);
    assert_eq!(shown["last_error"]["code"], "server_unreachable");
    // The failure is in the trail once, however often it repeats.
    assert_eq!(d.sync().last_error_code(), "server_unreachable");
    assert_eq!(d.events("sync.error").len(), 1);

    d.server.restart();
    let back = sync_ok(&mut d);
    assert_eq!(back["scans_sent"], 3);
    assert_eq!(d.server.blobs(&device), 3);
    sync_ok(&mut d);
    assert_all_on_server(&mut d, &device);
    assert!(d.show()["last_error"].is_null());
}

#[test]
fn a_server_sigkilled_again_and_again_ends_with_10000_events_and_50_scans_each_once() {
    let mut d = desk();
    let device = d.enroll();
    d.v.by(&d.clin, &["dev", "seed", "--patients", "10000"])
        .ok();
    for _ in 0..5 {
        d.import(10);
    }
    assert!(d.show()["events_waiting"].as_u64().expect("n") >= 10_000);
    // The workstation syncs, cycle after cycle, in a thread of its own, until a cycle
    // gets everything through; meanwhile the server is SIGKILLed and restarted at odd
    // intervals.
    let Desk {
        v,
        clin,
        mut server,
        _server_dir,
        patient,
    } = d;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let syncer = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut v = v;
            let (mut failures, mut cycles) = (0, 0);
            loop {
                cycles += 1;
                assert!(cycles < 300, "no cycle got through");
                let run = v.admin(&["sync"]);
                if run.status == 0 {
                    let out = run.json();
                    if out["events_waiting"] == 0 && out["scans_waiting"] == 0 {
                        break;
                    }
                }
                failures += 1;
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (v, failures)
        })
    };
    let mut rng = Lcg(7);
    let mut kills = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(rng.range(150, 600)));
        server.restart();
        kills += 1;
    }
    let (v, failures) = syncer.join().expect("syncer");
    assert!(kills >= 3, "only {kills} kills");
    assert!(failures >= 1, "the kills never hit a sync");
    let mut d = Desk {
        v,
        clin,
        server,
        _server_dir,
        patient,
    };
    sync_ok(&mut d);
    assert_all_on_server(&mut d, &device);
    assert_eq!(d.server.blobs(&device), 50);
}

#[test]
fn a_workstation_sigkilled_during_a_sync_resumes_with_no_duplicate_and_no_gap() {
    let mut d = desk();
    let device = d.enroll();
    d.v.by(&d.clin, &["dev", "seed", "--patients", "5000"]).ok();
    d.import(5);
    let mut rng = Lcg(11);
    for round in 0..6 {
        d.v.next_step();
        let code = d.v.code(&d.v.admin_uri.clone());
        let dir = d.v.dir_str().to_string();
        let mut child = std::process::Command::new(bin())
            .args([
                "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "sync",
            ])
            .env("CLINICVAULT_TEST_CLOCK_FILE", &d.v.clock)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn sync");
        std::io::Write::write_all(
            child.stdin.as_mut().expect("stdin"),
            format!("{ADMIN_PW}\n").as_bytes(),
        )
        .expect("password");
        std::thread::sleep(Duration::from_millis(rng.range(300, 900)));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the server holds now is a prefix of the local chain, without gaps.
        let (count, low, high) = d.server.events(&device);
        assert!(
            count == 0 || (low, high) == (1, count),
            "round {round}: {count} {low} {high}"
        );
    }
    sync_ok(&mut d);
    sync_ok(&mut d);
    assert_all_on_server(&mut d, &device);
    assert_eq!(d.server.blobs(&device), 5);
}

#[test]
fn garbage_a_revoked_device_and_a_server_that_lost_data_are_each_a_clear_audited_error() {
    let mut d = desk();
    let device = d.enroll();
    sync_ok(&mut d);

    // Garbage: something else answers at the server's address.
    d.server.kill();
    let listener = std::net::TcpListener::bind(d.server.addr).expect("bind the port");
    let garbage = std::thread::spawn(move || {
        for stream in listener.incoming().take(1) {
            let mut stream = stream.expect("conn");
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 14\r\nconnection: close\r\n\r\n<html>hi</html",
            );
        }
    });
    d.import(1);
    let waiting = d.show();
    let run = d.sync();
    garbage.join().expect("garbage server");
    assert_eq!(run.last_error_code(), "server_garbage");
    assert!(
        run.stderr.contains("not the sync protocol"),
        "{}",
        run.stderr
    );
    assert_eq!(d.events("sync.error").len(), 1);
    let after = d.show();
    assert_eq!(after["scans_waiting"], waiting["scans_waiting"]);

    // The server comes back: everything goes. Keep a copy of its data as it is now.
    d.server.restart();
    sync_ok(&mut d);
    d.server.kill();
    let old = tempfile::tempdir().expect("copy");
    copy_dir(&d.server.data_dir, old.path());
    d.server.restart();
    d.add_patient("Ada", "Lovelace");
    sync_ok(&mut d);
    let anchored = d.v.admin(&["audit", "head"]).ok().json()["server_anchor"]["seq"]
        .as_i64()
        .expect("anchor");

    // The server lost data: restored from the older copy, it answers a lower head.
    d.server.kill();
    std::fs::remove_dir_all(&d.server.data_dir).expect("wipe");
    copy_dir(old.path(), &d.server.data_dir);
    d.server.restart();
    let behind = d.sync();
    assert_eq!(behind.last_error_code(), "server_behind");
    assert!(behind.stderr.contains("lost data"), "{}", behind.stderr);
    assert_eq!(d.events("sync.halt").len(), 1);
    assert!(d.server.events(&device).2 < anchored);
    // The anchor is not lowered by what the server says now.
    let head = d.v.admin(&["audit", "head"]).ok().json();
    assert_eq!(head["server_anchor"]["seq"].as_i64(), Some(anchored));

    // Revoked: the server's admin revoked the device.
    d.server.revoke(&device);
    let revoked = d.sync();
    assert_eq!(revoked.last_error_code(), "device_revoked");
    assert!(
        revoked.stderr.contains("revoked this workstation"),
        "{}",
        revoked.stderr
    );
    assert_eq!(d.events("sync.halt").len(), 2);
    assert!(d.show()["events_waiting"].as_u64().expect("n") > 0);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn a_wrong_tls_certificate_is_refused_in_plain_words_audited_and_nothing_is_dropped() {
    use crate::common::server::self_signed;
    let mut d = desk();
    let genuine = self_signed();
    let certs = tempfile::tempdir().expect("certs");
    d.server.use_tls(certs.path(), &genuine);
    d.server.restart();
    let ca = certs.path().join("clinic-ca.pem");
    std::fs::write(&ca, &genuine.0).expect("ca file");
    let ca = ca.display().to_string();
    let url = d.server.url();
    assert!(url.starts_with("https://localhost:"), "{url}");

    // The system's roots do not know the clinic's own certificate.
    let token = d.server.enroll_token("Reception");
    let refused =
        d.v.admin(&["device", "enroll", "--server", &url, "--token", &token]);
    assert_eq!(refused.error_code(), "tls_failed");
    assert!(
        refused.stderr.contains("certificate was not accepted"),
        "{}",
        refused.stderr
    );
    assert_eq!(d.show()["enrolled"], false);

    // With the clinic's CA file, enrollment (the token is still unspent: no request got
    // through) and sync work over TLS.
    let enrolled =
        d.v.admin(&[
            "device",
            "enroll",
            "--server",
            &url,
            "--token",
            &token,
            "--ca-file",
            &ca,
        ])
        .ok()
        .json();
    let device = enrolled["device_id"].as_str().expect("id").to_string();
    sync_ok(&mut d);

    // Another certificate at the server's address (a machine in the middle).
    let other_dir = tempfile::tempdir().expect("other");
    d.server.use_tls(other_dir.path(), &self_signed());
    d.server.restart();
    d.import(2);
    let wrong = d.sync();
    assert_eq!(wrong.last_error_code(), "tls_failed");
    assert!(
        wrong.stderr.contains("certificate was not accepted"),
        "{}",
        wrong.stderr
    );
    assert_eq!(d.sync().last_error_code(), "tls_failed");
    assert_eq!(d.events("sync.error").len(), 1);
    let shown = d.show();
    assert_eq!(shown["scans_waiting"], 2);
    assert_eq!(shown["last_error"]["code"], "tls_failed");
    assert_eq!(d.server.blobs(&device), 0);

    // The genuine certificate back: everything goes, once.
    d.server.use_tls(certs.path(), &genuine);
    d.server.restart();
    let back = sync_ok(&mut d);
    assert_eq!(back["scans_sent"], 2);
    assert_all_on_server(&mut d, &device);
    assert_eq!(d.server.blobs(&device), 2);
}

/// The encrypted scan files in the vault (named by their content hash).
fn scan_files(d: &Desk) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(d.v.dir.join("scans"))
        .expect("scans dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_damaged_or_missing_scan_file_halts_in_plain_words_while_the_scan_beside_it_still_goes() {
    let mut d = desk();
    let device = d.enroll();
    sync_ok(&mut d);
    // Two scans, so both are in flight together whichever of them is damaged.
    d.import(2);
    let files = scan_files(&d);
    assert_eq!(files.len(), 2, "{files:?}");
    let damaged = &files[1];
    let original = std::fs::read(damaged).expect("read scan");
    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x01;
    std::fs::write(damaged, &flipped).expect("damage");

    let run = d.sync();
    assert_eq!(run.last_error_code(), "scan_file_damaged");
    assert!(
        run.stderr.contains("does not match its name"),
        "{}",
        run.stderr
    );
    assert_eq!(d.events("sync.halt").len(), 1);
    // The other scan went and left the queue; the damaged one stays queued, unsent.
    assert_eq!(d.server.blobs(&device), 1);
    assert_eq!(d.show()["scans_waiting"], 1);

    // Missing (moved away by hand): the same, named as missing.
    std::fs::remove_file(damaged).expect("remove");
    let run = d.sync();
    assert_eq!(run.last_error_code(), "scan_file_missing");
    assert_eq!(d.show()["scans_waiting"], 1);
    assert_eq!(d.server.blobs(&device), 1);

    // Put back as it was: it goes, once, and the whole trail is on the server.
    std::fs::write(damaged, &original).expect("restore");
    let back = sync_ok(&mut d);
    assert_eq!(back["scans_sent"], 1);
    assert_eq!(d.server.blobs(&device), 2);
    assert_all_on_server(&mut d, &device);
}
