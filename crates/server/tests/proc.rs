//! The server binary as a child process: started with its settings in the environment,
//! its JSON log read line by line (kept, so a test can wait for a message), killed when
//! dropped.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

pub struct ServerProcess {
    child: tokio::process::Child,
    log: Arc<Mutex<Vec<String>>>,
    pub addr: std::net::SocketAddr,
}

/// A free loopback port (the tests bind it, then let it go for the server).
pub fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// Runs one of the binary's commands to its end; its standard output.
pub fn command(envs: &[(String, String)], args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

impl ServerProcess {
    /// `serve` with `envs` on a free loopback port; returns once it logged `listening`.
    pub async fn start(envs: &[(String, String)]) -> ServerProcess {
        let addr = free_addr();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
            .arg("serve")
            .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("CLINIC_VAULT_SERVER_LISTEN", addr.to_string())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                kept.lock().expect("log").push(line);
            }
        });
        let server = ServerProcess { child, log, addr };
        server.wait_for_log("\"listening\"").await;
        server
    }

    /// Waits (up to 20 s) until a log line contains `needle`; the line.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        for _ in 0..400 {
            if let Some(line) = self
                .log
                .lock()
                .expect("log")
                .iter()
                .find(|l| l.contains(needle))
            {
                return line.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no log line with {needle} in:\n{}",
            self.log.lock().expect("log").join("\n")
        );
    }

    /// How many log lines contain `needle`.
    pub fn count_log(&self, needle: &str) -> usize {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Sends the process a signal by name (`HUP`).
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}
