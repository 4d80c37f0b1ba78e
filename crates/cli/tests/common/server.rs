//! A real sync server for the sync tests, in a child process that can be SIGKILLed: the
//! test binary itself, re-executed to run only [`serve_child`], which serves with the
//! settings in its environment (`clinic_vault_server::cli::run`). Enrollment tokens and
//! revocations run in-process against the same store, as the server's CLI would.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clinic_vault_server::cli::{Command as ServerCommand, DeviceCommand, EnrollCommand};
use clinic_vault_server::Settings;

const CHILD_ENV: &str = "CLINICVAULT_TEST_SERVER_CHILD";

/// A free loopback address (bound, then let go for the server).
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// The child's entry point: serves until killed when the environment says this process
/// is the server child; a no-op in the normal test run.
#[test]
fn serve_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let _provider = clinic_vault_server::tls::install_crypto();
    let settings = Settings::load(None, std::env::vars()).expect("server settings");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(clinic_vault_server::cli::run(
        ServerCommand::Serve,
        &settings,
        &mut std::io::sink(),
    ));
    eprintln!("server child ended: {result:?}");
    std::process::exit(1);
}

/// A sync server on SQLite in `data_dir`, at a fixed loopback address across restarts.
pub struct Server {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    child: Option<Child>,
    /// The certificate and key files (PEM) when it speaks TLS.
    tls: Option<(PathBuf, PathBuf)>,
}

/// A self-signed certificate for `localhost`, as PEM: (certificate, key).
pub fn self_signed() -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("rcgen");
    (made.cert.pem(), made.key_pair.serialize_pem())
}

impl Server {
    /// Starts a server on a free port with its data in `data_dir`.
    pub fn start(data_dir: &Path) -> Server {
        let mut server = Server {
            data_dir: data_dir.to_path_buf(),
            addr: free_addr(),
            child: None,
            tls: None,
        };
        server.restart();
        server
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn url(&self) -> String {
        match self.tls {
            None => format!("http://{}", self.addr),
            Some(_) => format!("https://localhost:{}", self.addr.port()),
        }
    }

    /// From now on (after a restart) TLS with this certificate and key (PEM), kept in
    /// `dir`.
    pub fn use_tls(&mut self, dir: &Path, (cert, key): &(String, String)) {
        let (cert_file, key_file) = (dir.join("server-cert.pem"), dir.join("server-key.pem"));
        std::fs::write(&cert_file, cert).expect("cert");
        std::fs::write(&key_file, key).expect("key");
        self.tls = Some((cert_file, key_file));
    }

    fn envs(&self) -> Vec<(String, String)> {
        vec![
            (
                "CLINIC_VAULT_SERVER_DATA_DIR".into(),
                self.data_dir.display().to_string(),
            ),
            ("CLINIC_VAULT_SERVER_LISTEN".into(), self.addr.to_string()),
        ]
        .into_iter()
        .chain(self.tls.iter().flat_map(|(cert, key)| {
            [
                (
                    "CLINIC_VAULT_SERVER_TLS_CERT_FILE".to_string(),
                    cert.display().to_string(),
                ),
                (
                    "CLINIC_VAULT_SERVER_TLS_KEY_FILE".to_string(),
                    key.display().to_string(),
                ),
            ]
        }))
        .collect()
    }

    /// (Re)starts the child and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "common::server::serve_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .envs(self.envs())
            .env(CHILD_ENV, "1")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server child");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("the server child exited: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, and wait for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn settings(&self) -> Settings {
        Settings::load(None, self.envs()).expect("settings")
    }

    fn command(&self, command: ServerCommand) -> String {
        let mut out = Vec::new();
        let settings = self.settings();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime
            .block_on(clinic_vault_server::cli::run(command, &settings, &mut out))
            .expect("server command");
        String::from_utf8(out).expect("utf-8").trim().to_string()
    }

    /// A one-time enrollment token for `workstation`.
    pub fn enroll_token(&self, workstation: &str) -> String {
        self.command(ServerCommand::EnrollToken(EnrollCommand::Create {
            name: workstation.into(),
            ttl: "1h".into(),
            code: false,
        }))
    }

    /// Revokes a device.
    pub fn revoke(&self, device_id: &str) {
        self.command(ServerCommand::Device(DeviceCommand::Revoke {
            id: device_id.into(),
        }));
    }

    fn store(&self) -> rusqlite::Connection {
        let path = std::fs::read_dir(&self.data_dir)
            .expect("data dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "db" || x == "sqlite"))
            .expect("the server's SQLite store");
        rusqlite::Connection::open(path).expect("open the server's store")
    }

    /// One number from the server's store.
    pub fn query_i64(&self, sql: &str) -> i64 {
        self.store()
            .query_row(sql, [], |r| r.get(0))
            .expect("server query")
    }

    /// The events the server holds for `device_id`: (count, lowest, highest seq).
    pub fn events(&self, device_id: &str) -> (i64, i64, i64) {
        self.store()
            .query_row(
                "SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0)
                   FROM audit_events WHERE device_id = ?1",
                [device_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("server events")
    }

    /// The blobs `device_id` holds on the server.
    pub fn blobs(&self, device_id: &str) -> i64 {
        self.store()
            .query_row(
                "SELECT count(*) FROM blob_holds WHERE device_id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .expect("server blobs")
    }

    /// Alerts raised under `code`.
    pub fn alerts(&self, code: &str) -> i64 {
        self.store()
            .query_row("SELECT count(*) FROM alerts WHERE kind = ?1", [code], |r| {
                r.get(0)
            })
            .expect("server alerts")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
