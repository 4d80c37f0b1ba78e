//! A private PostgreSQL cluster for one test: `initdb` into a temporary directory, then
//! `pg_ctl start` on 127.0.0.1 at a free port (as the `postgres` account when the tests
//! run as root, which PostgreSQL refuses), stopped when dropped. The binaries come from
//! `CLINIC_VAULT_PG_BIN`, else `initdb` on the PATH, else Debian's
//! `/usr/lib/postgresql/<version>/bin` (`apt-get install postgresql-15`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub url: String,
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CLINIC_VAULT_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| d.join("initdb").is_file()) {
        return Ok(dir);
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "no PostgreSQL: install postgresql-15 (scripts/server-test.sh does)".to_string()
        })?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").is_file())
        .collect();
    debian.sort();
    debian
        .pop()
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".to_string())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as `postgres` when root.
fn run(program: &Path, args: &[&str]) -> Result<(), String> {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let output = command
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

impl PgCluster {
    /// A cluster with `fsync=off` (tests: nothing survives them anyway).
    pub fn start() -> PgCluster {
        PgCluster::start_with_fsync(false)
    }

    /// A cluster with fsync on or off.
    pub fn start_with_fsync(fsync: bool) -> PgCluster {
        PgCluster::try_start(fsync).unwrap_or_else(|e| panic!("a private PostgreSQL cluster: {e}"))
    }

    fn try_start(fsync: bool) -> Result<PgCluster, String> {
        let bin = bin_dir()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        if is_root() {
            let chown = Command::new("chown")
                .args(["postgres:", &dir.path().display().to_string()])
                .status()
                .map_err(|e| e.to_string())?;
            if !chown.success() {
                return Err("chown to postgres failed (is there a postgres account?)".into());
            }
        }
        let data = dir.path().join("data");
        let data_arg = data.display().to_string();
        run(
            &bin.join("initdb"),
            &[
                "-D",
                &data_arg,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=100",
            dir.path().display(),
            if fsync { "on" } else { "off" }
        );
        let log = dir.path().join("postgres.log").display().to_string();
        run(
            &bin.join("pg_ctl"),
            &[
                "-D", &data_arg, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )?;
        Ok(PgCluster {
            dir,
            bin,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        })
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _stopped = run(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }
}
