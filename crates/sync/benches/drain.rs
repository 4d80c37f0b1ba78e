//! The workstation's sync benchmark (issue 14's targets): a vault with 100,000 queued
//! audit events drains to a real sync server (a child process: this binary re-executed,
//! serving over 127.0.0.1 with its default limits) on SQLite, then on PostgreSQL (a
//! private cluster, fsync on); then 1 GiB of scans (64 encrypted files of 16 MiB, queued
//! as an import would queue them) uploads, beside the loopback throughput of a plain TCP
//! copy measured in the same run; the resident memory of the client and of the server is
//! sampled every 50 ms throughout; and an unlock of a vault with 100,000 events waiting
//! is timed beside one with none. The longest time the cycle held the vault in one call
//! (what a command of the app could wait behind) is reported too.
//!
//! `cargo bench -p clinic-vault-sync --bench drain --locked -- [--events 100000]
//! [--blobs 64] [--blob-mib 16] [--backend sqlite|postgres|both]` (scripts/sync-bench.sh).

#[path = "../../server/tests/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clinic_vault_core::sync::plan::Plan;
use clinic_vault_core::{init, totp, unlock, Clock, CoreConfig, ManualClock, Password, Session};
use clinic_vault_server::cli::{Command as ServerCommand, EnrollCommand};
use clinic_vault_server::Settings;
use clinic_vault_sync::{CycleError, End, Target, Vault};

const PASSWORD: &str = "correct horse battery staple orbit";
const T0_US: i64 = 1_767_225_600_000_000;
const CHILD_ENV: &str = "CLINICVAULT_SYNC_BENCH_SERVER";

fn say(text: std::fmt::Arguments<'_>) {
    let _ = std::io::Write::write_fmt(&mut std::io::stdout().lock(), text);
    let _ = std::io::stdout().flush();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Resident memory of `pid` in MiB (`/proc/PID/status`, VmRSS).
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Samples the RSS of the client (this process) and the server every 50 ms.
struct MemorySampler {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(f64, f64)>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MemorySampler {
    fn start(server_pid: u32) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (s, out) = (stop.clone(), samples.clone());
        let me = std::process::id();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                out.lock().unwrap().push((rss_mib(me), rss_mib(server_pid)));
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        MemorySampler {
            stop,
            samples,
            thread: Some(thread),
        }
    }

    /// "client start → peak → end MiB; server start → peak → end MiB".
    fn finish(mut self) -> String {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let samples = self.samples.lock().unwrap();
        let line = |pick: fn(&(f64, f64)) -> f64| {
            let first = samples.first().map_or(0.0, pick);
            let last = samples.last().map_or(0.0, pick);
            let peak = samples.iter().map(pick).fold(0.0, f64::max);
            format!("{first:.0} → peak {peak:.0} → {last:.0} MiB")
        };
        format!(
            "client {}; server {} ({} samples)",
            line(|s| s.0),
            line(|s| s.1),
            samples.len()
        )
    }
}

/// The vault as the app's worker reaches it, timing each call (the longest is what a
/// command could have waited behind).
struct TimedVault<'a> {
    session: &'a mut Session,
    longest: Duration,
    calls: u64,
}

impl Vault for TimedVault<'_> {
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<R>,
    ) -> Result<R, CycleError> {
        let t = Instant::now();
        let out = f(self.session);
        self.longest = self.longest.max(t.elapsed());
        self.calls += 1;
        Ok(out?)
    }
}

/// A sync server child (this binary re-executed).
struct Server {
    child: Child,
    envs: Vec<(String, String)>,
    addr: SocketAddr,
}

impl Server {
    fn start(data_dir: &Path, database_url: &str) -> Server {
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let mut envs = vec![
            (
                "CLINIC_VAULT_SERVER_DATA_DIR".to_string(),
                data_dir.display().to_string(),
            ),
            // The server's default limits (10 requests/s per device, bursts of 60).
            ("CLINIC_VAULT_SERVER_LISTEN".to_string(), addr.to_string()),
        ];
        if !database_url.is_empty() {
            envs.push((
                "CLINIC_VAULT_SERVER_DATABASE_URL".to_string(),
                database_url.to_string(),
            ));
        }
        let child = Command::new(std::env::current_exe().expect("bench binary"))
            .envs(envs.iter().cloned())
            .env(CHILD_ENV, "1")
            .env(
                "RUST_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "error".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the server");
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "no server");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, envs, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn enroll_code(&self) -> String {
        let settings = Settings::load(None, self.envs.clone()).expect("settings");
        let mut out = Vec::new();
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(clinic_vault_server::cli::run(
                ServerCommand::EnrollToken(EnrollCommand::Create {
                    name: "Bench desk".into(),
                    ttl: "1h".into(),
                    code: false,
                }),
                &settings,
                &mut out,
            ))
            .expect("token");
        String::from_utf8(out).expect("utf-8").trim().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_child() -> ! {
    let _provider = clinic_vault_server::tls::install_crypto();
    let settings = Settings::load(None, std::env::vars()).expect("server settings");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(clinic_vault_server::cli::run(
        ServerCommand::Serve,
        &settings,
        &mut std::io::sink(),
    ));
    eprintln!("bench server ended: {result:?}");
    std::process::exit(1);
}

struct Desk {
    dir: PathBuf,
    cfg: CoreConfig,
    clock: Arc<ManualClock>,
    uri: String,
}

impl Desk {
    fn new(dir: &Path) -> Desk {
        let clock = Arc::new(ManualClock::new(T0_US));
        let cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
        let (outcome, session) = init(
            &dir.join("v"),
            "alice",
            &Password::from_str_copy(PASSWORD),
            &cfg,
        )
        .expect("init");
        session.lock().expect("lock");
        Desk {
            dir: dir.join("v"),
            cfg,
            clock,
            uri: outcome.totp_uri.expose_secret().to_string(),
        }
    }

    fn unlock(&self) -> Session {
        self.clock.advance_us(30_000_000);
        let code = totp::code_for_uri(&self.uri, self.clock.now_us() / 1_000_000).expect("code");
        unlock(
            &self.dir,
            "alice",
            &Password::from_str_copy(PASSWORD),
            &code,
            &self.cfg,
        )
        .expect("unlock")
    }

    /// Median unlock time over `runs` (ms).
    fn unlock_ms(&self, runs: usize) -> f64 {
        median(
            (0..runs)
                .map(|_| {
                    self.clock.advance_us(30_000_000);
                    let code = totp::code_for_uri(&self.uri, self.clock.now_us() / 1_000_000)
                        .expect("code");
                    let t = Instant::now();
                    let s = unlock(
                        &self.dir,
                        "alice",
                        &Password::from_str_copy(PASSWORD),
                        &code,
                        &self.cfg,
                    )
                    .expect("unlock");
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    s.lock().expect("lock");
                    ms
                })
                .collect(),
        )
    }
}

/// Runs cycles until everything is on the server (a retry is waited out as the worker
/// would). Returns the cycles' summed report figures and the longest vault call.
fn drain(session: &mut Session) -> (u64, u64, u64, Duration, u64) {
    let mut plan = Plan::default();
    let mut vault = TimedVault {
        session,
        longest: Duration::ZERO,
        calls: 0,
    };
    let (mut events, mut scans, mut bytes) = (0, 0, 0);
    loop {
        let report =
            clinic_vault_sync::run_cycle(&mut vault, &mut plan, &mut |_| {}).expect("cycle");
        events += report.events_sent;
        scans += report.scans_sent;
        bytes += report.scan_bytes;
        match report.end {
            End::Synced => break,
            End::Retry { code, wait, .. } => {
                say(format_args!("  (retry: {code}, waiting {wait:?})\n"));
                std::thread::sleep(wait);
            }
            End::Halted { code, message, .. } => panic!("halted: {code}: {message}"),
        }
    }
    (events, scans, bytes, vault.longest, vault.calls)
}

/// MiB/s of a plain TCP copy of `total` bytes over 127.0.0.1 (64 KiB writes).
fn loopback_mib_s(total: usize) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0usize;
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        got
    });
    let chunk = vec![0x5au8; 1 << 16];
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut sent = 0;
    while sent < total {
        s.write_all(&chunk).expect("write");
        sent += chunk.len();
    }
    drop(s);
    let got = reader.join().expect("reader");
    assert_eq!(got, sent);
    sent as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64()
}

/// MiB/s of `n` HTTP PUTs of `size` bytes each through ureq (the client sync uses) to a
/// minimal HTTP/1.1 sink over 127.0.0.1 that reads each body and answers 200: the
/// transport alone, without signing, hashing or storage.
fn http_sink_mib_s(n: usize, size: usize) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = std::io::BufReader::new(conn);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if std::io::BufRead::read_line(&mut conn, &mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; length];
                    if conn.read_exact(&mut body).is_err() {
                        return;
                    }
                    let _ = conn
                        .get_mut()
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
                }
            });
        }
    });
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let body = vec![0xa5u8; size];
    let t = Instant::now();
    for _ in 0..n {
        agent
            .put(&format!("http://{addr}/sink"))
            .send(&body[..])
            .expect("put");
    }
    (n * size) as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64()
}

/// MiB/s of writing `n` new files of `size` bytes into `dir` as the server's local blob
/// store writes each scan: a staging file written in one call and synced, linked to its
/// name, the staging name removed, the directory synced. What the disk allows a server
/// that keeps what it acknowledges, whatever the network.
fn disk_mib_s(dir: &Path, n: usize, size: usize) -> f64 {
    std::fs::create_dir_all(dir).expect("disk dir");
    let mut body = vec![0u8; size];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut body);
    let t = Instant::now();
    for i in 0..n {
        let staging = dir.join(format!("blob{i}#1"));
        let mut file = std::fs::File::create(&staging).expect("create");
        file.write_all(&body).expect("write");
        file.sync_all().expect("sync");
        drop(file);
        std::fs::hard_link(&staging, dir.join(format!("blob{i}"))).expect("link");
        std::fs::remove_file(&staging).expect("unlink");
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .expect("sync dir");
    }
    let rate = (n * size) as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64();
    std::fs::remove_dir_all(dir).expect("clean disk dir");
    rate
}

fn run(label: &str, database_url: &str, n_events: usize, n_blobs: usize, blob_mib: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&tmp.path().join("server"), database_url);
    let desk = Desk::new(&tmp.path().join("desk"));
    let mut session = desk.unlock();
    let t = Instant::now();
    session
        .bench_append(n_events, 1_000, false)
        .expect("append");
    say(format_args!(
        "{label}: {n_events} events appended in {:.1} s\n",
        t.elapsed().as_secs_f64()
    ));
    let target = Target::from_parts(&server.url(), &server.enroll_code()).expect("target");
    clinic_vault_sync::enroll(&mut &mut session, &target, None).expect("enroll");
    let waiting = session.sync_outbox().expect("outbox").events_waiting();

    let memory = MemorySampler::start(server.child.id());
    let t = Instant::now();
    let (events, _, _, longest, calls) = drain(&mut session);
    let secs = t.elapsed().as_secs_f64();
    say(format_args!(
        "{label}: {waiting} queued events drained in {secs:.2} s ({:.0} events/s; {events} sent), longest vault call {:.1} ms of {calls}; memory {}\n",
        events as f64 / secs,
        longest.as_secs_f64() * 1000.0,
        memory.finish()
    ));
    assert_eq!(session.sync_outbox().expect("outbox").events_waiting(), 0);

    if n_blobs > 0 {
        let mut data = vec![0u8; blob_mib << 20];
        for i in 0..n_blobs {
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut data);
            data[0] = i as u8;
            session.bench_queue_upload(&data).expect("queue");
        }
        drop(data);
        let total = n_blobs * (blob_mib << 20);
        let loopback = loopback_mib_s(total);
        let http = http_sink_mib_s(n_blobs, blob_mib << 20);
        let disk = disk_mib_s(&tmp.path().join("disk"), n_blobs, blob_mib << 20);
        let memory = MemorySampler::start(server.child.id());
        let t = Instant::now();
        let (_, scans, bytes, longest, _) = drain(&mut session);
        let secs = t.elapsed().as_secs_f64();
        let rate = bytes as f64 / (1 << 20) as f64 / secs;
        say(format_args!(
            "{label}: {scans} scans, {:.0} MiB uploaded in {secs:.2} s = {rate:.0} MiB/s; over loopback in the same run: plain TCP {loopback:.0} MiB/s (ratio {:.2}), plain HTTP PUTs to a sink {http:.0} MiB/s (ratio {:.2}); the same files written and synced to this disk {disk:.0} MiB/s (ratio {:.2}); longest vault call {:.1} ms; memory {}\n",
            bytes as f64 / (1 << 20) as f64,
            rate / loopback,
            rate / http,
            rate / disk,
            longest.as_secs_f64() * 1000.0,
            memory.finish()
        ));
    }
    session.lock().expect("lock");
}

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        serve_child();
    }
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let n_events: usize = value("--events")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let n_blobs: usize = value("--blobs").and_then(|v| v.parse().ok()).unwrap_or(64);
    let blob_mib: usize = value("--blob-mib")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let backend = value("--backend").unwrap_or_else(|| "both".into());
    say(format_args!(
        "# sync drain: {n_events} events, {n_blobs} x {blob_mib} MiB scans (release build)\n"
    ));

    // Unlock with everything waiting versus nothing (the same KDF, the same machine).
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = Desk::new(&tmp.path().join("empty"));
    let queued = Desk::new(&tmp.path().join("queued"));
    let mut filling = queued.unlock();
    filling
        .bench_append(n_events, 1_000, false)
        .expect("append");
    filling.lock().expect("lock");
    let (none_ms, full_ms) = (empty.unlock_ms(5), queued.unlock_ms(5));
    say(format_args!(
        "unlock: {none_ms:.0} ms with no event waiting, {full_ms:.0} ms with {n_events} waiting (median of 5; ratio {:.2})\n",
        full_ms / none_ms
    ));

    if backend == "sqlite" || backend == "both" {
        run("sqlite", "", n_events, n_blobs, blob_mib);
    }
    if backend == "postgres" || backend == "both" {
        let cluster = pg::PgCluster::start_with_fsync(true);
        run("postgres", &cluster.url, n_events, 0, blob_mib);
    }
}
