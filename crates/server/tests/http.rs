//! Over 127.0.0.1: the router served on a real socket and driven by a hyper client, and
//! the binary's commands (migrate, tokens, devices, check, the loopback rule).

use std::process::Command;

use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::common::{fixture, Now, TestDevice};

#[tokio::test]
async fn the_api_over_loopback() {
    let fx = fixture().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = fx.app();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut device = TestDevice::new(21);
    let token = fx.enroll_token("Room 7", 3_600_000_000).await;
    let mut requests = vec![device.enroll_request(&token, fx.clock.now())];
    let events = device.next_events(50);
    requests.push(device.batch_request(&events, fx.clock.now()));
    let mut statuses = Vec::new();
    for req in requests {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        let (parts, body) = req.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let mut req = hyper::Request::from_parts(parts, Full::new(bytes));
        req.headers_mut()
            .insert("host", addr.to_string().parse().expect("host"));
        let response = sender.send_request(req).await.expect("response");
        statuses.push(response.status().as_u16());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert!(!body.is_empty());
    }
    assert_eq!(statuses, [200, 200]);
    let held = fx
        .state
        .store
        .device(&device.device_id)
        .await
        .expect("q")
        .expect("device");
    assert_eq!(held.head_seq, 50);
    server.abort();
}

fn binary(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .args(args)
        .env("CLINIC_VAULT_SERVER_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = binary(dir.path(), &["admin-token", "create", "--name", "it"]);
    assert!(!before.status.success(), "refused before migrate");
    assert!(String::from_utf8_lossy(&before.stderr).contains("run `clinic-vault-server migrate`"));
    let check = binary(dir.path(), &["check"]);
    assert!(!check.status.success());
    assert_eq!(
        stdout(&binary(dir.path(), &["migrate"])).trim(),
        "schema version 0 -> 3"
    );
    assert_eq!(
        stdout(&binary(dir.path(), &["migrate"])).trim(),
        "schema version 3 -> 3"
    );
    assert!(stdout(&binary(dir.path(), &["check"])).starts_with("ok: storage reachable"));
    let admin = stdout(&binary(
        dir.path(),
        &["admin-token", "create", "--name", "it"],
    ));
    assert!(
        admin.trim().starts_with("cvadmin_") && admin.trim().len() == 40,
        "{admin}"
    );
    let enroll = stdout(&binary(
        dir.path(),
        &[
            "enroll-token",
            "create",
            "--name",
            "Reception 1",
            "--ttl",
            "30m",
        ],
    ));
    assert!(enroll.trim().starts_with("cvenroll_"), "{enroll}");
    // `--code` prints what a workstation pastes, and needs the public URL first.
    let no_url = binary(
        dir.path(),
        &["enroll-token", "create", "--name", "Room 4", "--code"],
    );
    assert!(!no_url.status.success());
    assert!(
        String::from_utf8_lossy(&no_url.stderr).contains("CLINIC_VAULT_SERVER_PUBLIC_URL"),
        "{}",
        String::from_utf8_lossy(&no_url.stderr)
    );
    let coded = Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .args(["enroll-token", "create", "--name", "Room 4", "--code"])
        .env("CLINIC_VAULT_SERVER_DATA_DIR", dir.path().join("data"))
        .env(
            "CLINIC_VAULT_SERVER_PUBLIC_URL",
            "https://sync.clinic.example",
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    let code = clinic_vault_proto::EnrollCode::parse(stdout(&coded).trim()).expect("a code");
    assert_eq!(code.url(), "https://sync.clinic.example");
    assert!(code.token().starts_with("cvenroll_"), "{}", code.token());
    let bad_ttl = binary(
        dir.path(),
        &["enroll-token", "create", "--name", "R", "--ttl", "soon"],
    );
    assert!(!bad_ttl.status.success());
    assert_eq!(stdout(&binary(dir.path(), &["device", "list"])), "");
    let revoke = binary(dir.path(), &["device", "revoke", "nobody"]);
    assert!(!revoke.status.success());
    assert!(String::from_utf8_lossy(&revoke.stderr).contains("no active device nobody"));
    // The token is stored only as its hash.
    let db = std::fs::read(dir.path().join("data/server.db")).expect("db");
    let needle = admin.trim().as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle),
        "the admin token is stored in clear"
    );
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .arg("serve")
        .env("CLINIC_VAULT_SERVER_DATA_DIR", dir.path().join("data"))
        .env("CLINIC_VAULT_SERVER_LISTEN", "0.0.0.0:0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen in plain HTTP on 0.0.0.0:0")
            && stderr.contains("behind_tls_proxy = true"),
        "{stderr}"
    );
}
