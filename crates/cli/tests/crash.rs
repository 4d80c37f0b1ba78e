//! The crash test (issue 2, "Bad input and faults"): children are SIGKILLed at seeded
//! points while they write (user changes, password change, data-key rotation, first
//! login, `init`), both by the crash hook of the `test-hooks` feature
//! (`CLINICVAULT_TEST_CRASH_AT=N` kills the process at the N-th crash point it reaches)
//! and from the parent, right after reading the k-th acknowledged line of a `batch`.
//! After every kill the vault must reopen for the admin, `verify` must pass and every
//! acknowledged change (exit 0 and printed, or a batch line that was read) must be there.
//! Everything is chosen by fixed-seed generators, so a failure replays exactly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::*;

const SIGKILL: i32 = 9;
/// Kills by the crash hook, over the two vaults the test drives in parallel.
const HOOK_KILLS: u32 = 200;
/// Kills from the parent side, over both vaults.
const PARENT_KILLS: u32 = 40;

/// Knuth's MMIX linear congruential generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: [&str; 16] = [
    "amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kestrel", "lagoon", "marble", "nectar", "onyx", "quartz",
];

/// A password the policy accepts (five random tokens).
fn new_password(rng: &mut Rng) -> String {
    let mut words: Vec<String> = (0..4)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize].to_string())
        .collect();
    words.push((100 + rng.below(900)).to_string());
    words.join(" ")
}

/// One finished (or killed) child.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    #[allow(dead_code)] // shown in failure messages
    stderr: String,
    /// The crash point that fired, from `CLINICVAULT_TEST_CRASH_LOG`.
    point: Option<String>,
}

impl Ran {
    fn killed(&self) -> bool {
        self.signal == Some(SIGKILL)
    }
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
    /// The complete JSON lines on stdout.
    fn lines(&self) -> Vec<Value> {
        complete_lines(&self.stdout)
    }
    fn error_code(&self) -> Option<String> {
        self.lines()
            .last()
            .and_then(|l| l["error"]["code"].as_str().map(str::to_string))
    }
}

fn complete_lines(stdout: &str) -> Vec<Value> {
    let mut lines: Vec<&str> = stdout.split_inclusive('\n').collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// A user as `user list` shows it (counters left out).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UserState {
    role: String,
    enabled: bool,
    password: String,
    totp: String,
}

impl UserState {
    fn fresh(role: &str) -> Self {
        UserState {
            role: role.to_string(),
            enabled: true,
            password: "one_time".into(),
            totp: "none".into(),
        }
    }
}

/// What a check must find: `None` for a user whose state is unknown (the command in
/// flight when the child died may or may not have committed).
type Expect = BTreeMap<String, Option<UserState>>;

/// An admin command inside a batch.
#[derive(Debug, Clone)]
enum Cmd {
    Add(String, &'static str),
    Disable(String),
    Enable(String),
    ResetTotp(String),
    Rotate,
    Rekey,
}

impl Cmd {
    fn line(&self) -> String {
        match self {
            Cmd::Add(name, role) => format!("user add {name} --role {role}"),
            Cmd::Disable(name) => format!("user disable {name}"),
            Cmd::Enable(name) => format!("user enable {name}"),
            Cmd::ResetTotp(name) => format!("user reset-totp {name}"),
            Cmd::Rotate => "recovery-key rotate".into(),
            Cmd::Rekey => "vault rekey".into(),
        }
    }

    /// Crash points the command passes when it completes: an audited operation hits
    /// `audit.appended` and `op.committed`; a key-slot change adds the four points of
    /// publishing; a rekey is two slot changes around the two `PRAGMA rekey` points.
    fn points(&self) -> u64 {
        match self {
            Cmd::ResetTotp(_) => 2,
            Cmd::Rekey => 14,
            _ => 6,
        }
    }
}

/// Crash points of an unlock (its event and commit; more when it folds journal lines)
/// and of the final lock: the seeded target is drawn from a little more than the
/// total, so most runs die and a few complete.
const UNLOCK_POINTS: u64 = 2;
const LOCK_POINTS: u64 = 1;

#[derive(Debug, Default)]
struct Stats {
    hook_kills: u32,
    parent_kills: u32,
    completed: u32,
    points: BTreeMap<String, u32>,
    kills_by_workload: BTreeMap<&'static str, u32>,
    recoveries_checked: u32,
    logins_checked: u32,
    secs_by_workload: BTreeMap<&'static str, f64>,
}

/// One vault and everything the test knows about it for certain.
struct Driver {
    v: TestVault,
    rng: Rng,
    log: PathBuf,
    /// Admin passwords that may work, the likeliest first (two only after a killed
    /// `passwd`).
    admin_pws: Vec<String>,
    admin_uri: String,
    /// Users as the last check observed them.
    users: BTreeMap<String, UserState>,
    /// One-time passwords known to be valid.
    otps: BTreeMap<String, String>,
    /// Users with a known password and confirmed authenticator.
    logins: BTreeMap<String, (String, String)>,
    /// The recovery key, while it is known.
    recovery: Option<String>,
    n_names: u32,
    stats: Stats,
}

impl Driver {
    fn new(seed: u64) -> Driver {
        let v = TestVault::new();
        let log = v.tmp.path().join("crash.log");
        let mut d = Driver {
            admin_uri: v.admin_uri.clone(),
            recovery: Some(v.recovery_key.clone()),
            v,
            rng: Rng(seed),
            log,
            admin_pws: vec![ADMIN_PW.to_string()],
            users: BTreeMap::new(),
            otps: BTreeMap::new(),
            logins: BTreeMap::new(),
            n_names: 0,
            stats: Stats::default(),
        };
        // The baseline: whatever the new vault holds (its admin).
        let mut expect = Expect::new();
        expect.insert(ADMIN.to_string(), None);
        d.check(expect, None);
        d
    }

    fn dir(&self) -> String {
        self.v.dir_str().to_string()
    }

    fn command(&self, args: &[String], crash_at: Option<u64>) -> Command {
        let _ = std::fs::remove_file(&self.log);
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env("CLINICVAULT_TEST_CLOCK_FILE", &self.v.clock)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(n) = crash_at {
            cmd.env("CLINICVAULT_TEST_CRASH_AT", n.to_string())
                .env("CLINICVAULT_TEST_CRASH_LOG", &self.log);
        }
        cmd
    }

    /// Runs the binary to its end (or its death).
    fn run(&self, args: &[String], stdin: &str, crash_at: Option<u64>) -> Ran {
        let mut child = self
            .command(args, crash_at)
            .spawn()
            .expect("spawn clinicvault");
        if let Some(mut s) = child.stdin.take() {
            let _ = s.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("wait");
        Ran {
            code: out.status.code(),
            signal: out.status.signal(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            point: std::fs::read_to_string(&self.log).ok(),
        }
    }

    /// `--vault V --user U --totp CODE --json` at the next TOTP step.
    fn session(&mut self, user: &str, uri: &str) -> Vec<String> {
        self.v.next_step();
        let code = self.v.code(uri);
        let dir = self.dir();
        ["--vault", &dir, "--user", user, "--totp", &code, "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Runs `tail` as the admin, trying each candidate password until one is accepted
    /// (a rejected one is `bad_credentials` before any crash point is reached).
    fn admin(&mut self, tail: &[&str], more: &str, crash_at: Option<u64>) -> Ran {
        let n = self.admin_pws.len();
        for i in 0..n {
            let pw = self.admin_pws[i].clone();
            let uri = self.admin_uri.clone();
            let mut args = self.session(ADMIN, &uri);
            args.extend(tail.iter().map(|s| s.to_string()));
            let ran = self.run(&args, &format!("{pw}\n{more}"), crash_at);
            if i + 1 < n && ran.error_code().as_deref() == Some("bad_credentials") {
                continue;
            }
            let pw = self.admin_pws.remove(i);
            self.admin_pws.insert(0, pw);
            return ran;
        }
        unreachable!("at least one candidate password")
    }

    fn count_kill(&mut self, workload: &'static str, ran: &Ran) {
        assert!(
            ran.killed(),
            "{workload}: expected a kill or success, got {ran:?}"
        );
        self.stats.hook_kills += 1;
        *self.stats.kills_by_workload.entry(workload).or_default() += 1;
        let point = ran
            .point
            .clone()
            .unwrap_or_else(|| panic!("{workload}: killed, but no crash point logged"));
        *self.stats.points.entry(point).or_default() += 1;
    }

    fn expect_now(&self) -> Expect {
        self.users
            .iter()
            .map(|(n, s)| (n.clone(), Some(s.clone())))
            .collect()
    }

    /// The check after every kill: the admin unlocks, `verify` passes and `user list`
    /// shows every acknowledged change. Then the observed state becomes the baseline.
    fn check(&mut self, expect: Expect, context: Option<&Ran>) {
        let ran = self.admin(&["batch"], "verify\nuser list\n", None);
        assert!(
            ran.ok(),
            "after {context:?}\nthe vault must reopen and verify, got {ran:?}"
        );
        let lines = ran.lines();
        assert_eq!(lines.len(), 2, "{ran:?}");
        assert_eq!(lines[0]["ok"], true, "verify: {ran:?}");
        let mut observed = BTreeMap::new();
        for u in lines[1]["users"].as_array().expect("users") {
            observed.insert(
                u["name"].as_str().expect("name").to_string(),
                UserState {
                    role: u["role"].as_str().expect("role").to_string(),
                    enabled: u["enabled"].as_bool().expect("enabled"),
                    password: u["password"].as_str().expect("password").to_string(),
                    totp: u["totp"].as_str().expect("totp").to_string(),
                },
            );
        }
        for (name, want) in &expect {
            if let Some(want) = want {
                assert_eq!(
                    observed.get(name),
                    Some(want),
                    "an acknowledged change to {name} is lost, after {context:?}"
                );
            }
        }
        for name in observed.keys() {
            assert!(
                expect.contains_key(name),
                "user {name} appeared without a command adding it, after {context:?}"
            );
        }
        self.adopt(observed);
        // Now and then, an earlier acknowledged first login still works.
        if !self.logins.is_empty() && self.rng.below(8) == 0 {
            let idx = self.rng.below(self.logins.len() as u64) as usize;
            let (name, (pw, uri)) = self
                .logins
                .iter()
                .nth(idx)
                .map(|(n, l)| (n.clone(), l.clone()))
                .expect("index in range");
            self.whoami_as(&name, &pw, &uri);
        }
    }

    fn whoami_as(&mut self, name: &str, pw: &str, uri: &str) {
        let mut args = self.session(name, uri);
        args.push("whoami".into());
        let ran = self.run(&args, &format!("{pw}\n"), None);
        assert!(ran.ok(), "{name} must still unlock: {ran:?}");
        assert_eq!(ran.lines()[0]["user"], name);
        self.stats.logins_checked += 1;
    }

    /// Takes `users` as the new baseline and forgets secrets that no longer apply.
    fn adopt(&mut self, users: BTreeMap<String, UserState>) {
        self.users = users;
        let users = &self.users;
        self.otps.retain(|n, _| {
            users
                .get(n)
                .is_some_and(|u| u.enabled && u.password == "one_time")
        });
        self.logins.retain(|n, _| {
            users
                .get(n)
                .is_some_and(|u| u.enabled && u.password == "set" && u.totp != "reset")
        });
    }

    /// The salt of the admin's key slot in the `keyslots` file.
    fn admin_salt(&self) -> String {
        let bytes = std::fs::read(self.v.dir.join("keyslots")).expect("keyslots");
        let file: Value = serde_json::from_slice(&bytes).expect("keyslots JSON");
        file["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .find(|s| s["kind"] == "user" && s["user_name"] == ADMIN)
            .and_then(|s| s["salt"].as_str())
            .expect("the admin's slot")
            .to_string()
    }

    fn fresh_name(&mut self) -> String {
        self.n_names += 1;
        format!("u{:03}", self.n_names)
    }

    /// `n` admin commands that are valid one after the other.
    fn choose_cmds(&mut self, n: u64) -> Vec<Cmd> {
        let mut work = self.users.clone();
        let mut cmds = Vec::new();
        for _ in 0..n {
            let pick = |work: &BTreeMap<String, UserState>,
                        rng: &mut Rng,
                        ok: &dyn Fn(&UserState) -> bool| {
                let names: Vec<&String> = work
                    .iter()
                    .filter(|(n, u)| n.as_str() != ADMIN && ok(u))
                    .map(|(n, _)| n)
                    .collect();
                (!names.is_empty()).then(|| names[rng.below(names.len() as u64) as usize].clone())
            };
            let r = self.rng.below(100);
            let cmd = if r < 25 {
                None
            } else if r < 45 {
                pick(&work, &mut self.rng, &|u| u.enabled).map(Cmd::Disable)
            } else if r < 60 {
                pick(&work, &mut self.rng, &|u| !u.enabled).map(Cmd::Enable)
            } else if r < 78 {
                pick(&work, &mut self.rng, &|u| u.enabled && u.password == "set")
                    .map(Cmd::ResetTotp)
            } else if r < 92 {
                Some(Cmd::Rotate)
            } else {
                Some(Cmd::Rekey)
            };
            let cmd = cmd.unwrap_or_else(|| {
                let role =
                    ["receptionist", "clinician", "clinician", "admin"][self.rng.below(4) as usize];
                Cmd::Add(self.fresh_name(), role)
            });
            match &cmd {
                Cmd::Add(name, role) => {
                    work.insert(name.clone(), UserState::fresh(role));
                }
                Cmd::Disable(name) => work.get_mut(name).expect("user").enabled = false,
                Cmd::Enable(name) => {
                    let role = work[name].role.clone();
                    work.insert(name.clone(), UserState::fresh(&role));
                }
                Cmd::ResetTotp(name) => work.get_mut(name).expect("user").totp = "reset".into(),
                Cmd::Rotate | Cmd::Rekey => {}
            }
            cmds.push(cmd);
        }
        cmds
    }

    /// Records an acknowledged command and its printed result. Returns whether it
    /// printed a recovery key.
    fn acknowledged(&mut self, expect: &mut Expect, cmd: &Cmd, out: &Value) -> bool {
        assert!(out.get("error").is_none(), "{cmd:?} failed: {out}");
        let state = |expect: &mut Expect, name: &str| -> UserState {
            expect
                .get(name)
                .cloned()
                .flatten()
                .unwrap_or_else(|| panic!("{name} is known before {cmd:?}"))
        };
        match cmd {
            Cmd::Add(name, role) => {
                assert_eq!(out["user"], name.as_str());
                let otp = out["one_time_password"].as_str().expect("otp");
                expect.insert(name.clone(), Some(UserState::fresh(role)));
                self.otps.insert(name.clone(), otp.to_string());
            }
            Cmd::Disable(name) => {
                assert_eq!(out["enabled"], false);
                let mut s = state(expect, name);
                s.enabled = false;
                expect.insert(name.clone(), Some(s));
                self.otps.remove(name);
                self.logins.remove(name);
            }
            Cmd::Enable(name) => {
                let otp = out["one_time_password"].as_str().expect("otp");
                let s = state(expect, name);
                expect.insert(name.clone(), Some(UserState::fresh(&s.role)));
                self.otps.insert(name.clone(), otp.to_string());
                self.logins.remove(name);
            }
            Cmd::ResetTotp(name) => {
                assert!(out["reset_code"].is_string(), "{out}");
                let mut s = state(expect, name);
                s.totp = "reset".into();
                expect.insert(name.clone(), Some(s));
                self.logins.remove(name);
            }
            Cmd::Rotate => {
                let key = out["recovery_key"].as_str().expect("recovery key");
                self.recovery = Some(key.to_string());
                return true;
            }
            Cmd::Rekey => assert_eq!(out["rekeyed"], true),
        }
        false
    }

    /// The command that was running when the child died: its effect is unknown.
    fn in_flight(&mut self, expect: &mut Expect, cmd: &Cmd) {
        match cmd {
            Cmd::Add(name, _) | Cmd::Disable(name) | Cmd::Enable(name) | Cmd::ResetTotp(name) => {
                expect.insert(name.clone(), None);
                self.otps.remove(name);
                self.logins.remove(name);
            }
            Cmd::Rotate => self.recovery = None,
            Cmd::Rekey => {}
        }
    }

    /// After a batch ended (completed or killed) with `lines` read: expectations from
    /// what was acknowledged, the check, and a recovery-key test if one was printed.
    fn settle_batch(&mut self, cmds: &[Cmd], lines: &[Value], ran: &Ran) {
        let mut expect = self.expect_now();
        let mut printed_key = false;
        for (cmd, out) in cmds.iter().zip(lines) {
            printed_key |= self.acknowledged(&mut expect, cmd, out);
        }
        if let Some(cmd) = cmds.get(lines.len()) {
            self.in_flight(&mut expect, cmd);
        }
        if ran.ok() {
            // Nothing is in doubt: the next check covers it.
            self.adopt(
                expect
                    .into_iter()
                    .map(|(n, s)| (n, s.expect("known")))
                    .collect(),
            );
        } else {
            self.check(expect, Some(ran));
            // A printed recovery key works (not every time: `recover` costs two
            // Argon2id derivations).
            if printed_key && self.recovery.is_some() && self.rng.below(3) == 0 {
                self.check_recovery_key();
            }
        }
    }

    /// The last printed recovery key still works: `recover` gives the admin a new
    /// password and authenticator.
    fn check_recovery_key(&mut self) {
        let key = self.recovery.clone().expect("known recovery key");
        let pw = new_password(&mut self.rng);
        self.v.next_step();
        let dir = self.dir();
        let args: Vec<String> = ["--vault", &dir, "recover", "--user", ADMIN, "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ran = self.run(&args, &format!("{key}\n{pw}\n"), None);
        assert!(ran.ok(), "the printed recovery key must work: {ran:?}");
        self.admin_uri = ran.lines()[0]["totp_uri"]
            .as_str()
            .expect("uri")
            .to_string();
        self.admin_pws = vec![pw];
        self.stats.recoveries_checked += 1;
    }

    /// A batch of user and key changes as the admin, killed at a seeded crash point.
    fn batch_workload(&mut self) {
        let n = 1 + self.rng.below(4);
        let cmds = self.choose_cmds(n);
        let total = UNLOCK_POINTS + LOCK_POINTS + cmds.iter().map(Cmd::points).sum::<u64>();
        let at = 1 + self.rng.below(total + 1);
        let more: String = cmds.iter().map(|c| c.line() + "\n").collect();
        let ran = self.admin(&["batch"], &more, Some(at));
        let lines = ran.lines();
        if ran.ok() {
            assert_eq!(lines.len(), cmds.len(), "{ran:?}");
            self.stats.completed += 1;
        } else {
            self.count_kill("batch", &ran);
        }
        self.settle_batch(&cmds, &lines, &ran);
    }

    /// `vault rekey` alone, killed at a seeded crash point.
    fn rekey_workload(&mut self) {
        let cmds = [Cmd::Rekey];
        let total = UNLOCK_POINTS + LOCK_POINTS + Cmd::Rekey.points();
        // Half the time aim near the two `PRAGMA rekey` points (after the unlock's
        // points and the six of the first slot change).
        let at = if self.rng.below(2) == 0 {
            UNLOCK_POINTS + 6 + self.rng.below(4)
        } else {
            1 + self.rng.below(total + 1)
        };
        let ran = self.admin(&["vault", "rekey"], "", Some(at));
        let lines = ran.lines();
        if ran.ok() {
            self.stats.completed += 1;
        } else {
            self.count_kill("rekey", &ran);
        }
        self.settle_batch(&cmds, &lines, &ran);
    }

    /// The admin's `passwd`, killed at a seeded crash point. Unless it exited 0 and
    /// printed, either password may be the one now in force.
    fn passwd_workload(&mut self) {
        let new = new_password(&mut self.rng);
        let at = 1 + self.rng.below(UNLOCK_POINTS + LOCK_POINTS + 6 + 1);
        assert_eq!(self.admin_pws.len(), 1);
        let old = self.admin_pws[0].clone();
        let old_salt = self.admin_salt();
        let ran = self.admin(&["passwd"], &format!("{new}\n"), Some(at));
        if ran.ok() {
            assert_eq!(ran.lines()[0]["password_changed"], true, "{ran:?}");
            self.stats.completed += 1;
            self.admin_pws = vec![new];
            return;
        }
        self.count_kill("passwd", &ran);
        // Not acknowledged: either password may work; `admin` tries both.
        self.admin_pws.push(new.clone());
        self.check(self.expect_now(), Some(&ran));
        // The check's unlock published whatever the database recorded, so the
        // admin's slot in `keyslots` now tells which password is in force (the slot is
        // re-wrapped under a fresh salt by a password change).
        self.admin_pws = vec![if self.admin_salt() == old_salt {
            old
        } else {
            new
        }];
    }

    /// A new user's first login, killed at a seeded crash point.
    fn first_login_workload(&mut self) -> bool {
        if self.otps.is_empty() {
            return false;
        }
        let idx = self.rng.below(self.otps.len() as u64) as usize;
        let (name, otp) = self
            .otps
            .iter()
            .nth(idx)
            .map(|(n, o)| (n.clone(), o.clone()))
            .expect("index in range");
        let pw = new_password(&mut self.rng);
        let at = 1 + self.rng.below(8);
        let dir = self.dir();
        let args: Vec<String> = ["--vault", &dir, "--user", &name, "first-login", "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ran = self.run(&args, &format!("{otp}\n{pw}\n"), Some(at));
        let mut expect = self.expect_now();
        if !ran.ok() {
            self.count_kill("first-login", &ran);
            expect.insert(name.clone(), None);
            self.check(expect, Some(&ran));
            return true;
        }
        self.stats.completed += 1;
        let uri = ran.lines()[0]["totp_uri"]
            .as_str()
            .expect("uri")
            .to_string();
        let mut s = self.users[&name].clone();
        s.password = "set".into();
        s.totp = "pending".into();
        expect.insert(name.clone(), Some(s));
        self.adopt(
            expect
                .into_iter()
                .map(|(n, s)| (n, s.expect("known")))
                .collect(),
        );
        // The acknowledged login works: the user unlocks (confirming the authenticator).
        self.whoami_as(&name, &pw, &uri);
        self.users.get_mut(&name).expect("user").totp = "confirmed".into();
        self.logins.insert(name, (pw, uri));
        true
    }

    /// A batch read line by line; the parent SIGKILLs the child right after the k-th
    /// acknowledged line.
    fn parent_kill_workload(&mut self) {
        let n = 3 + self.rng.below(5);
        let cmds = self.choose_cmds(n);
        let k = 1 + self.rng.below(n - 1) as usize;
        assert_eq!(self.admin_pws.len(), 1);
        let uri = self.admin_uri.clone();
        let mut args = self.session(ADMIN, &uri);
        args.push("batch".into());
        let mut child: Child = self.command(&args, None).spawn().expect("spawn");
        let stdin: String = std::iter::once(self.admin_pws[0].clone())
            .chain(cmds.iter().map(Cmd::line))
            .map(|l| l + "\n")
            .collect();
        // A child that fails early closes its stdin; the checks below report why.
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut read = String::new();
        let mut n_read = 0;
        while n_read < k {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read") == 0 {
                break;
            }
            read.push_str(&line);
            n_read += 1;
        }
        let _ = child.kill();
        // Whatever the child printed before it died was acknowledged too.
        stdout.read_to_string(&mut read).expect("read");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read");
        let status = child.wait().expect("wait");
        let ran = Ran {
            code: status.code(),
            signal: status.signal(),
            stdout: read,
            stderr,
            point: None,
        };
        let lines = ran.lines();
        assert!(lines.len() >= n_read, "{ran:?}");
        if ran.killed() {
            self.stats.parent_kills += 1;
        } else {
            assert!(ran.ok(), "{ran:?}");
            assert_eq!(lines.len(), cmds.len(), "{ran:?}");
            self.stats.completed += 1;
        }
        self.settle_batch(&cmds, &lines, &ran);
    }
}

/// `init` killed at each of its crash points in turn, until one run gets through:
/// nothing was acknowledged unless it printed; a half-created vault is cleaned up by the
/// next `init`, which then works.
fn init_kills(stats: &mut Stats) {
    for at in 1..=20u64 {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("vault");
        let dir_s = dir.to_str().expect("utf-8").to_string();
        let clock = tmp.path().join("clock");
        let log = tmp.path().join("crash.log");
        std::fs::write(&clock, (i128::from(T0_SECS) * 1_000_000).to_string()).expect("clock");
        let run = |crash: bool| {
            let mut cmd = Command::new(bin());
            cmd.args(["init", "--vault", &dir_s, "--admin", ADMIN, "--json"])
                .env("CLINICVAULT_TEST_CLOCK_FILE", &clock)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if crash {
                cmd.env("CLINICVAULT_TEST_CRASH_AT", at.to_string())
                    .env("CLINICVAULT_TEST_CRASH_LOG", &log);
            }
            let mut child = cmd.spawn().expect("spawn");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("{ADMIN_PW}\n").as_bytes())
                .expect("stdin");
            child.wait_with_output().expect("wait")
        };
        let out = run(true);
        if out.status.success() {
            assert!(at > 4, "init has at least four crash points");
            return;
        }
        assert_eq!(out.status.signal(), Some(SIGKILL), "init at {at}: {out:?}");
        stats.hook_kills += 1;
        *stats.kills_by_workload.entry("init").or_default() += 1;
        let point = std::fs::read_to_string(&log).expect("crash log");
        *stats.points.entry(point.clone()).or_default() += 1;
        let printed = complete_lines(&String::from_utf8_lossy(&out.stdout));
        let creds = if let Some(j) = printed.first() {
            // Printed before the final lock: the vault exists and opens.
            Some(j.clone())
        } else {
            let again = run(false);
            let lines = complete_lines(&String::from_utf8_lossy(&again.stdout));
            if again.status.success() {
                Some(lines[0].clone())
            } else {
                // Killed once `keyslots` was in place: a complete vault whose secrets
                // were never shown; init must not overwrite it.
                assert_eq!(
                    lines[0]["error"]["code"], "conflict",
                    "init after a kill at {point}: {again:?}"
                );
                assert!(dir.join("keyslots").is_file());
                None
            }
        };
        if let Some(j) = creds {
            let uri = j["totp_uri"].as_str().expect("uri");
            let now = T0_SECS + 30;
            std::fs::write(&clock, (i128::from(now) * 1_000_000).to_string()).expect("clock");
            let code = clinic_vault_core::totp::code_for_uri(uri, now).expect("code");
            let mut cmd = Command::new(bin());
            cmd.args([
                "--vault", &dir_s, "--user", ADMIN, "--totp", &code, "--json", "verify",
            ])
            .env("CLINICVAULT_TEST_CLOCK_FILE", &clock)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            let mut child = cmd.spawn().expect("spawn");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("{ADMIN_PW}\n").as_bytes())
                .expect("stdin");
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "vault after init killed at {point}: {out:?}"
            );
        }
    }
    panic!("init never completed");
}

/// One vault's share of the test: workloads chosen by `seed` until `hook_kills` kills by
/// the crash hook and `parent_kills` from the parent side.
fn drive(seed: u64, hook_kills: u32, parent_kills: u32) -> Stats {
    let mut d = Driver::new(seed);
    let mut n_workloads = 0;
    while d.stats.hook_kills < hook_kills || d.stats.parent_kills < parent_kills {
        n_workloads += 1;
        assert!(
            n_workloads < 2 * (hook_kills + parent_kills),
            "too few kills: {:?}",
            d.stats
        );
        let r = d.rng.below(100);
        let t = std::time::Instant::now();
        let name = if d.stats.parent_kills < parent_kills
            && (r < 15 || d.stats.hook_kills >= hook_kills)
        {
            d.parent_kill_workload();
            "parent-kill"
        } else if r < 55 {
            d.batch_workload();
            "batch"
        } else if r < 68 {
            d.passwd_workload();
            "passwd"
        } else if r < 85 {
            if d.first_login_workload() {
                "first-login"
            } else {
                d.batch_workload();
                "batch"
            }
        } else {
            d.rekey_workload();
            "rekey"
        };
        *d.stats.secs_by_workload.entry(name).or_default() += t.elapsed().as_secs_f64();
    }
    if d.recovery.is_some() {
        d.check_recovery_key();
    }
    d.stats
}

#[test]
fn vault_survives_sigkill_at_seeded_points() {
    let started = std::time::Instant::now();
    // Two vaults in parallel, each with its own seed.
    let second = std::thread::spawn(|| {
        let mut stats = drive(0x5eed_b0b0_cafe_0002, HOOK_KILLS / 2 - 4, PARENT_KILLS / 2);
        init_kills(&mut stats);
        stats
    });
    let mut stats = drive(0x5eed_c0de_0000_0001, HOOK_KILLS / 2, PARENT_KILLS / 2);
    let other = second.join().expect("second vault");
    for (p, n) in other.points {
        *stats.points.entry(p).or_default() += n;
    }
    for (w, n) in other.kills_by_workload {
        *stats.kills_by_workload.entry(w).or_default() += n;
    }
    stats.hook_kills += other.hook_kills;
    stats.parent_kills += other.parent_kills;
    stats.completed += other.completed;
    stats.recoveries_checked += other.recoveries_checked;
    stats.logins_checked += other.logins_checked;
    for (w, t) in other.secs_by_workload {
        *stats.secs_by_workload.entry(w).or_default() += t;
    }
    let total = stats.hook_kills + stats.parent_kills;
    eprintln!(
        "crash test: {total} kills ({} at crash points, {} from the parent), {} runs completed, {} distinct points {:?}, kills by workload {:?}, {} recovery keys and {} user logins re-checked, seconds by workload {:?}, {:.1} s",
        stats.hook_kills,
        stats.parent_kills,
        stats.completed,
        stats.points.len(),
        stats.points,
        stats.kills_by_workload,
        stats.recoveries_checked,
        stats.logins_checked,
        stats.secs_by_workload,
        started.elapsed().as_secs_f64()
    );
    assert!(total >= 200, "{total} kills");
    assert!(
        stats.hook_kills >= HOOK_KILLS,
        "{} crash-point kills",
        stats.hook_kills
    );
    assert!(stats.parent_kills >= PARENT_KILLS);
    for point in [
        "audit.appended",
        "op.committed",
        "keystate.before_file",
        "keystate.before_promote",
        "keyslots.tmp_written",
        "keyslots.renamed",
        "enter.committed",
        "rekey.before_pragma",
        "rekey.after_pragma",
        "init.db_committed",
    ] {
        assert!(
            stats.points.contains_key(point),
            "{point} never fired: {:?}",
            stats.points
        );
    }
}
