//! Helpers: a vault in a temp dir, a movable clock, the authenticator, and running the
//! real binary with stdin and `--json`.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const ADMIN: &str = "alice";
pub const ADMIN_PW: &str = "correct horse battery staple orbit";
/// 2026-01-01 00:00:00 UTC, on a 30-second boundary.
pub const T0_SECS: i64 = 1_767_225_600;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_clinicvault")
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout's JSON lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }
    /// The single JSON object on stdout.
    pub fn json(&self) -> Value {
        let lines = self.json_lines();
        assert_eq!(
            lines.len(),
            1,
            "expected one JSON line, got {:?} (stderr {:?})",
            self.stdout,
            self.stderr
        );
        lines.into_iter().next().expect("one line")
    }
    /// The error code of a failed `--json` run (also checks the one-line stderr).
    pub fn error_code(&self) -> String {
        assert_ne!(
            self.status, 0,
            "expected a failure, got stdout {:?}",
            self.stdout
        );
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "stderr must be one line: {:?}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self.json()["error"]["code"]
            .as_str()
            .expect("error code")
            .to_string()
    }
    pub fn ok(self) -> Self {
        assert_eq!(
            self.status, 0,
            "failed: stdout {:?} stderr {:?}",
            self.stdout, self.stderr
        );
        self
    }
}

fn output_to_run(out: Output) -> Run {
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A test vault: its directory, a clock file the binary reads, the admin's TOTP URI and
/// recovery key.
pub struct TestVault {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub clock: PathBuf,
    pub now_secs: i64,
    pub admin_uri: String,
    pub recovery_key: String,
}

impl TestVault {
    /// A fresh vault with admin `alice`, created at `T0_SECS`.
    pub fn new() -> TestVault {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("vault");
        let clock = tmp.path().join("clock");
        let mut v = TestVault {
            tmp,
            dir,
            clock,
            now_secs: T0_SECS,
            admin_uri: String::new(),
            recovery_key: String::new(),
        };
        v.set_time(T0_SECS);
        let dir = v.dir_str().to_string();
        let j = v
            .run(
                &["init", "--vault", &dir, "--admin", ADMIN, "--json"],
                &format!("{ADMIN_PW}\n"),
            )
            .ok()
            .json();
        v.admin_uri = j["totp_uri"].as_str().expect("uri").to_string();
        v.recovery_key = j["recovery_key"].as_str().expect("key").to_string();
        v
    }

    pub fn dir_str(&self) -> &str {
        self.dir.to_str().expect("utf-8 temp path")
    }

    pub fn set_time(&mut self, secs: i64) {
        self.now_secs = secs;
        std::fs::write(&self.clock, (i128::from(secs) * 1_000_000).to_string())
            .expect("clock file");
    }

    /// Moves to the next TOTP step (each unlock uses one up).
    pub fn next_step(&mut self) {
        self.set_time(self.now_secs + 30);
    }

    /// What the authenticator for `uri` shows now.
    pub fn code(&self, uri: &str) -> String {
        clinic_vault_core::totp::code_for_uri(uri, self.now_secs).expect("code")
    }

    /// Runs the binary with a text stdin.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        self.run_bytes(args, stdin.as_bytes(), &[])
    }

    /// Runs the binary with raw stdin bytes and extra environment.
    pub fn run_bytes(&self, args: &[&str], stdin: &[u8], envs: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env("CLINICVAULT_TEST_CLOCK_FILE", &self.clock)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn clinicvault");
        if let Some(mut s) = child.stdin.take() {
            // The child may exit before reading everything; that is fine.
            let _ = s.write_all(stdin);
        }
        output_to_run(child.wait_with_output().expect("wait"))
    }

    /// `--vault V --user U --totp CODE --json ARGS…` with `password` as the first stdin
    /// line and `more` after it. Advances the clock one step first.
    pub fn as_user(
        &mut self,
        user: &str,
        password: &str,
        uri: &str,
        args: &[&str],
        more: &str,
    ) -> Run {
        self.next_step();
        let code = self.code(uri);
        let dir = self.dir_str().to_string();
        let mut full = vec![
            "--vault",
            dir.as_str(),
            "--user",
            user,
            "--totp",
            code.as_str(),
            "--json",
        ];
        full.extend_from_slice(args);
        self.run(&full, &format!("{password}\n{more}"))
    }

    /// As the admin.
    pub fn admin(&mut self, args: &[&str]) -> Run {
        let uri = self.admin_uri.clone();
        self.as_user(ADMIN, ADMIN_PW, &uri, args, "")
    }

    /// A batch as the admin: `lines` after the password.
    pub fn admin_batch(&mut self, lines: &[&str]) -> Run {
        let uri = self.admin_uri.clone();
        let more = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        self.as_user(ADMIN, ADMIN_PW, &uri, &["batch"], &more)
    }

    /// Adds a user, runs their first login, returns their TOTP URI.
    pub fn add_user(&mut self, name: &str, role: &str, password: &str) -> String {
        let added = self
            .admin(&["user", "add", name, "--role", role])
            .ok()
            .json();
        let otp = added["one_time_password"]
            .as_str()
            .expect("otp")
            .to_string();
        let dir = self.dir_str().to_string();
        let out = self
            .run(
                &["--vault", &dir, "--user", name, "first-login", "--json"],
                &format!("{otp}\n{password}\n"),
            )
            .ok();
        out.json()["totp_uri"].as_str().expect("uri").to_string()
    }
}
