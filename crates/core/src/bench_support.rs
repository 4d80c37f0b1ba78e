//! Hooks for the benchmarks only (feature `bench-support`, never in a release build):
//! the same record schema and search on an unkeyed database opened by the same SQLCipher
//! build (the plain-SQLite baseline), and a search without its audit write.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::db;
use crate::error::Result;
use crate::records::store::{self, WriteCtx};
use crate::records::{NewPatient, PatientRef, SearchHit, SearchOptions};
use crate::vault::Session;

/// An unkeyed database with the vault's schema.
#[derive(Debug)]
pub struct PlainDb {
    conn: Connection,
}

impl PlainDb {
    /// Creates `path` unencrypted, with the same pragmas and migrations as a vault.
    pub fn create(path: &Path) -> Result<PlainDb> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        db::configure_and_migrate(
            &conn,
            db::DbSettings {
                cipher_memory_security: false,
                ..db::DbSettings::default()
            },
        )?;
        db::set_meta(&conn, "device_id", "00000000-plain-baseline")?;
        Ok(PlainDb { conn })
    }

    /// Inserts patients in one transaction, as `Session::add_patients` does (without the
    /// audit events, which the baseline has no chain for).
    pub fn insert(&mut self, patients: &[NewPatient], now_us: i64) -> Result<Vec<PatientRef>> {
        let tx = self.conn.transaction()?;
        let ctx = WriteCtx {
            conn: &tx,
            actor: "bench",
            now_us,
            device_id: "00000000-plain-baseline",
        };
        let refs = store::insert_patients(&ctx, patients, true)?;
        tx.commit()?;
        Ok(refs)
    }

    /// The same search the vault runs.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<SearchHit>> {
        store::search(&self.conn, query, options)
    }
}

impl Session {
    /// Appends `n_bytes` of random filler to a scratch table, in transactions of about
    /// 1 MiB, so rotation and page checks can be measured on a vault of a given size.
    /// Unaudited on purpose: this feature never reaches a release build.
    pub fn bench_fill(&mut self, n_bytes: usize) -> Result<()> {
        let conn = self.bench_connection();
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
        )?;
        let mut written = 0;
        while written < n_bytes {
            let tx = conn.transaction()?;
            for _ in 0..256 {
                let chunk: [u8; 4096] = crate::crypto::random_array();
                tx.execute(
                    "INSERT INTO bench_filler (data) VALUES (?1)",
                    [chunk.as_slice()],
                )?;
                written += chunk.len();
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// The search of `search_patients` without its audit event, to measure the write.
    pub fn bench_search_without_audit(
        &mut self,
        query: &str,
        options: &SearchOptions,
    ) -> Result<Vec<SearchHit>> {
        store::search(self.bench_connection(), query, options)
    }
}

impl Session {
    /// Appends `n_events` events by the unlocked user through the kernel, `per_unit` to
    /// each unit of work (one `BEGIN IMMEDIATE` … commit with `synchronous=FULL`).
    /// Search-shaped events carry what a search's does (the query and three patient ids
    /// in the local detail, three search hits); bare ones carry nothing local.
    pub fn bench_append(
        &mut self,
        n_events: usize,
        per_unit: usize,
        search_shaped: bool,
    ) -> Result<()> {
        use crate::audit::NewEvent;
        use crate::vault::kernel::{ChainIds, Writer};
        use clinic_vault_proto::Action;

        let hits: Vec<String> = (0..3)
            .map(|n| format!("01936f4e-7a00-7000-8000-00000000000{n}"))
            .collect();
        let now_us = self.p.cfg.clock.now_us();
        let p = &mut self.p;
        let ids = ChainIds {
            vault_id: &p.vault_id,
            device_id: &p.device_id,
        };
        let mut left = n_events;
        while left > 0 {
            let n = left.min(per_unit.max(1));
            left -= n;
            Writer::acquire(&p.paths)?.unit(&mut p.conn, ids, now_us, None, |unit| {
                for _ in 0..n {
                    let mut event =
                        NewEvent::new(&p.user_name, p.role.as_str(), Action::PatientSearch);
                    if search_shaped {
                        event.detail = Some(serde_json::json!({ "query": "mül", "results": hits }));
                        event.search_hits = hits.clone();
                    }
                    unit.record(event);
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

impl Session {
    /// Queues `bytes` for upload as if an import had stored them as an encrypted scan
    /// file (under its SHA-256 in the vault's scans folder, one row in `sync_blobs`), so
    /// the sync benchmark can send a gigabyte without importing one. Unaudited on
    /// purpose: this feature never reaches a release build.
    pub fn bench_queue_upload(&mut self, bytes: &[u8]) -> Result<String> {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let dir = self.paths().scans();
        std::fs::create_dir_all(&dir)
            .map_err(|e| crate::error::Error::io("the scans folder", e))?;
        std::fs::write(dir.join(&hash), bytes)
            .map_err(|e| crate::error::Error::io("a queued scan", e))?;
        self.bench_connection().execute(
            "INSERT INTO sync_blobs (op, content_hash, queued_us) VALUES ('upload', ?1, 0)",
            [&hash],
        )?;
        Ok(hash)
    }
}
