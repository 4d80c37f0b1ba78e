//! Helpers: a vault in a temp dir, a movable clock, the authenticator, and running the
//! real binary with stdin and `--json`.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub mod images;
pub mod server;

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
        let mut v = TestVault::uninit();
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

// ---------------------------------------------------------------------------------
// Helpers for the users, auth, audit, bad-input and tamper tests.
// ---------------------------------------------------------------------------------

/// A strong password for test users other than the admin.
pub const BOB_PW: &str = "plum orbit violet candle 42";

impl Run {
    /// The error code of a failed `--json` run whose stdout may hold earlier results
    /// (a batch): the last JSON line is the error. Also checks the one-line stderr.
    pub fn last_error_code(&self) -> String {
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
        let lines = self.json_lines();
        let last = lines.last().expect("an error object on stdout");
        last["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error object: {last}"))
            .to_string()
    }

    /// The `{"error":{…}}` object of a failed `--json` run (after `error_code` checks).
    pub fn error(&self) -> Value {
        let _ = self.error_code();
        self.json()["error"].clone()
    }
}

/// Whether `s` is `n` groups of five Crockford base32 characters joined by hyphens.
pub fn is_crockford_groups(s: &str, n: usize) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == n
        && groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| ALPHABET.contains(c)))
}

/// A small deterministic generator for seeded fault offsets (Knuth's MMIX LCG).
#[derive(Debug, Clone)]
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
    /// A value in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }
}

/// The vault's files except `prelock.journal` and `vault.lock` (which failed attempts
/// may legitimately touch), by name.
pub fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read vault dir")
        .map(|e| e.expect("dir entry"))
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "prelock.journal" && n != "vault.lock")
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).expect("read vault file");
            (n, bytes)
        })
        .collect()
}

impl TestVault {
    /// A temp dir and clock but no vault yet (`dir` does not exist).
    pub fn uninit() -> TestVault {
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
        v
    }

    /// `--vault V --user U --totp CODE [--json] ARGS…` with raw stdin, at the current
    /// time (the clock is not moved).
    pub fn run_as(&self, user: &str, code: &str, json: bool, args: &[&str], stdin: &[u8]) -> Run {
        let dir = self.dir_str().to_string();
        let mut full = vec!["--vault", dir.as_str(), "--user", user, "--totp", code];
        if json {
            full.push("--json");
        }
        full.extend_from_slice(args);
        self.run_bytes(&full, stdin, &[])
    }

    /// An unlock attempt (`whoami`) with this password and code, at the current time.
    pub fn try_unlock(&self, user: &str, password: &str, code: &str) -> Run {
        self.run_as(
            user,
            code,
            true,
            &["whoami"],
            format!("{password}\n").as_bytes(),
        )
    }

    /// `first-login` for `user` with the one-time password and a new password.
    pub fn first_login(&self, user: &str, one_time: &str, new_password: &str) -> Run {
        let dir = self.dir_str().to_string();
        self.run(
            &["--vault", &dir, "--user", user, "first-login", "--json"],
            &format!("{one_time}\n{new_password}\n"),
        )
    }

    /// `recover --user USER` with a recovery key and a new password.
    pub fn recover(&self, user: &str, key: &str, new_password: &str) -> Run {
        let dir = self.dir_str().to_string();
        self.run(
            &["--vault", &dir, "recover", "--user", user, "--json"],
            &format!("{key}\n{new_password}\n"),
        )
    }

    /// Adds a user as the admin and returns their one-time password.
    pub fn add_user_otp(&mut self, name: &str, role: &str) -> String {
        let added = self
            .admin(&["user", "add", name, "--role", role])
            .ok()
            .json();
        added["one_time_password"]
            .as_str()
            .expect("otp")
            .to_string()
    }

    /// The admin's `audit list --json ARGS…`: the events.
    pub fn audit_events(&mut self, args: &[&str]) -> Vec<Value> {
        let mut full = vec!["audit", "list"];
        full.extend_from_slice(args);
        let listed = self.admin(&full).ok().json();
        listed["events"].as_array().expect("events").clone()
    }

    /// The admin's `user list --json`: the entry for `name`.
    pub fn user_entry(&mut self, name: &str) -> Value {
        let listed = self.admin(&["user", "list"]).ok().json();
        listed["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed: {listed}"))
            .clone()
    }
}

impl TestVault {
    /// A 6-digit code that matches none of the steps the vault accepts now (±1).
    pub fn wrong_code(&self, uri: &str) -> String {
        let near: Vec<String> = [-30, 0, 30]
            .iter()
            .map(|d| clinic_vault_core::totp::code_for_uri(uri, self.now_secs + d).expect("code"))
            .collect();
        let mut n: u32 = self.code(uri).parse().expect("digits");
        loop {
            n = (n + 1) % 1_000_000;
            let candidate = format!("{n:06}");
            if !near.contains(&candidate) {
                return candidate;
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Helpers for the patient-record tests (records_cli, roles_cli).
// ---------------------------------------------------------------------------------

/// Quotes one word for a `batch` line (POSIX shell rules, as `shell_words` splits them).
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// A `batch` line from words, each quoted.
pub fn line(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A staff member who has done their first login.
#[derive(Debug, Clone)]
pub struct Staff {
    pub name: String,
    pub password: String,
    pub uri: String,
}

impl TestVault {
    /// Adds `name` with `role` and runs their first login with `BOB_PW`.
    pub fn staff(&mut self, name: &str, role: &str) -> Staff {
        let uri = self.add_user(name, role, BOB_PW);
        Staff {
            name: name.to_string(),
            password: BOB_PW.to_string(),
            uri,
        }
    }

    /// One command as `who` (`--json`).
    pub fn by(&mut self, who: &Staff, args: &[&str]) -> Run {
        self.as_user(&who.name, &who.password, &who.uri, args, "")
    }

    /// A `batch` as `who` (`--json`): one unlock, `lines` in order.
    pub fn batch_by(&mut self, who: &Staff, lines: &[String]) -> Run {
        let more = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        self.as_user(&who.name, &who.password, &who.uri, &["batch"], &more)
    }

    /// The admin's results for several `audit list` lines under one unlock: the events
    /// of each line.
    pub fn audit_batch(&mut self, lines: &[String]) -> Vec<Vec<Value>> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        self.admin_batch(&lines)
            .ok()
            .json_lines()
            .into_iter()
            .map(|j| j["events"].as_array().expect("events").clone())
            .collect()
    }
}

/// Starts every job (arguments, stdin) as its own process before waiting for any: they
/// really race.
pub fn race(v: &TestVault, jobs: &[(Vec<String>, String)]) -> Vec<Run> {
    let children: Vec<_> = jobs
        .iter()
        .map(|(args, stdin)| {
            let mut child = std::process::Command::new(bin())
                .args(args)
                .env("CLINICVAULT_TEST_CLOCK_FILE", &v.clock)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn");
            let mut pipe = child.stdin.take().expect("stdin");
            let _ = std::io::Write::write_all(&mut pipe, stdin.as_bytes());
            drop(pipe);
            child
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            Run {
                status: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .collect()
}

/// Each run's outcome: `ok` or its error code.
pub fn codes(runs: &[Run]) -> Vec<String> {
    runs.iter()
        .map(|r| {
            if r.status == 0 {
                "ok".to_string()
            } else {
                r.error_code()
            }
        })
        .collect()
}

/// How many of `codes` are `code`.
pub fn count(codes: &[String], code: &str) -> usize {
    codes.iter().filter(|c| *c == code).count()
}
