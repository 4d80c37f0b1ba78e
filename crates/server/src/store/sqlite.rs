//! The default store: one SQLite database (`server.db`) in the data directory, opened
//! unkeyed through the workspace's SQLCipher build, in WAL mode with `synchronous=FULL`
//! (the nonce spend alone commits without its own fsync: see `write_relaxed`).
//! Statements run on a blocking thread holding the one connection; each method is one
//! transaction (`BEGIN IMMEDIATE` for writes).

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use clinic_vault_proto::{genesis_hash, AuditEvent, Hash32};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{
    Alert, AuditQuery, BlobRelease, Device, EnrollError, EnrollRefusal, IngestError, Ingested,
    NewDevice, SchemaStatus, Store, StoreError, StoredEvent,
};
use crate::chain::{link, HeldChain, Prepared};
use crate::hex::hex;

/// The migrations, in order: version N is `MIGRATIONS[N - 1]` (public so that an
/// upgrade test can build a store at an earlier version).
pub const MIGRATIONS: &[&str] = &[
    include_str!("sql/sqlite_v1.sql"),
    include_str!("sql/sqlite_v2.sql"),
];

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T, E, F>(&self, body: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::TaskLost)?;
            body(&mut guard)
        })
        .await
        .map_err(|_| E::from(StoreError::TaskLost))?
    }

    async fn write<T, E, F>(&self, body: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let out = body(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(out)
        })
        .await
    }

    /// A write committed with `synchronous=NORMAL`: no fsync of its own. Only for the
    /// nonce spend that precedes every signed request: its WAL frames become durable
    /// with the next `FULL` commit (an fsync of the WAL covers every frame before it),
    /// and every request that changes anything commits that way after its nonce. A
    /// power loss can thus forget only the nonces of requests that changed nothing
    /// (reads and refusals); replaying one of those within the timestamp window changes
    /// nothing either. This saves one fsync per request (about 4 ms here).
    async fn write_relaxed<T, F>(&self, body: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            let out = (|| -> Result<T, StoreError> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = body(&tx)?;
                tx.commit()?;
                Ok(out)
            })();
            // Restored whatever happened: every other write stays `FULL`.
            let restored = conn.pragma_update(None, "synchronous", "FULL");
            let out = out?;
            restored?;
            Ok(out)
        })
        .await
    }
}

/// The page cache, in KiB. SQLite's default (2 MiB) is far below the indexes of a
/// million events: ingest then fell to a third of its speed (BENCHMARKS in the README).
pub const CACHE_KIB: i64 = 64 * 1024;

/// The WAL's length between automatic checkpoints, in pages (64 MiB at 4 KiB pages,
/// as core's vault). SQLite's default, 1,000 pages, checkpointed every few batches of
/// 1,000 events and wrote the same hot index pages back again each time.
pub const WAL_CHECKPOINT_PAGES: i64 = 16 * 1024;

/// The connection settings of the store: WAL, `synchronous=FULL` (a stored batch
/// survives power loss before it is acknowledged: the WAL is synced at every commit),
/// a busy timeout, a 64 MiB page cache, a checkpoint every 64 MiB of WAL.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
}

fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

fn hash_of(bytes: Vec<u8>, what: &'static str) -> Result<Hash32, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt { what })
}

fn device_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Device, Vec<u8>)> {
    Ok((
        Device {
            device_id: row.get(0)?,
            vault_id: row.get(1)?,
            workstation: row.get(2)?,
            public_key: row.get(3)?,
            enrolled_us: row.get(4)?,
            revoked_us: row.get(5)?,
            head_seq: row.get::<_, i64>(6)?.max(0) as u64,
            head_hash: String::new(),
        },
        row.get(7)?,
    ))
}

fn finish_device((mut device, hash): (Device, Vec<u8>)) -> Result<Device, StoreError> {
    device.head_hash = hex(&hash_of(hash, "device head")?);
    Ok(device)
}

const DEVICE_COLUMNS: &str = "device_id, vault_id, workstation, public_key, enrolled_us, \
                              revoked_us, head_seq, head_hash";

fn seq_param(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::Corrupt { what: "sequence" })
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(u32, u32), StoreError> {
        self.run(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found = version(&tx)?;
            if found > latest() {
                return Err(StoreError::SchemaTooNew {
                    found,
                    known: latest(),
                });
            }
            for sql in MIGRATIONS.iter().skip(found as usize) {
                tx.execute_batch(sql)?;
            }
            tx.pragma_update(None, "user_version", latest())?;
            tx.commit()?;
            Ok((found, latest()))
        })
        .await
    }

    async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        self.run(|conn| {
            Ok(SchemaStatus {
                current: version(conn)?,
                latest: latest(),
            })
        })
        .await
    }

    async fn create_admin_token(
        &self,
        name: &str,
        token_hash: &Hash32,
        now_us: i64,
    ) -> Result<(), StoreError> {
        let (name, token_hash) = (name.to_owned(), token_hash.to_vec());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO admin_tokens (token_hash, name, created_us) VALUES (?1, ?2, ?3)",
                params![token_hash, name, now_us],
            )?;
            Ok(())
        })
        .await
    }

    async fn admin_by_token(&self, token_hash: &Hash32) -> Result<Option<String>, StoreError> {
        let token_hash = token_hash.to_vec();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT name FROM admin_tokens WHERE token_hash = ?1",
                    [token_hash],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn create_enroll_token(
        &self,
        workstation: &str,
        token_hash: &Hash32,
        expires_us: i64,
        now_us: i64,
    ) -> Result<(), StoreError> {
        let (workstation, token_hash) = (workstation.to_owned(), token_hash.to_vec());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO enroll_tokens (token_hash, workstation, created_us, expires_us) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, workstation, now_us, expires_us],
            )?;
            Ok(())
        })
        .await
    }

    async fn enroll(
        &self,
        token_hash: &Hash32,
        device: NewDevice,
        now_us: i64,
    ) -> Result<Device, EnrollError> {
        let token_hash = token_hash.to_vec();
        self.write(move |tx| {
            let token: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT workstation, expires_us, used_us FROM enroll_tokens \
                     WHERE token_hash = ?1",
                    [&token_hash],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(StoreError::from)?;
            let (workstation, expires_us, used_us) = token.ok_or(EnrollRefusal::UnknownToken)?;
            if used_us.is_some() {
                return Err(EnrollRefusal::SpentToken.into());
            }
            if now_us >= expires_us {
                return Err(EnrollRefusal::ExpiredToken.into());
            }
            let inserted = tx
                .execute(
                    "INSERT INTO devices (device_id, vault_id, workstation, public_key, \
                     enrolled_us, head_seq, head_hash) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6) \
                     ON CONFLICT (device_id) DO NOTHING",
                    params![
                        device.device_id,
                        device.vault_id,
                        workstation,
                        device.public_key,
                        now_us,
                        device.genesis.to_vec()
                    ],
                )
                .map_err(StoreError::from)?;
            if inserted == 0 {
                return Err(EnrollRefusal::DeviceExists.into());
            }
            tx.execute(
                "UPDATE enroll_tokens SET used_us = ?1, device_id = ?2 WHERE token_hash = ?3",
                params![now_us, device.device_id, token_hash],
            )
            .map_err(StoreError::from)?;
            Ok(Device {
                device_id: device.device_id,
                vault_id: device.vault_id,
                workstation,
                public_key: device.public_key,
                enrolled_us: now_us,
                revoked_us: None,
                head_seq: 0,
                head_hash: hex(&device.genesis),
            })
        })
        .await
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let device_id = device_id.to_owned();
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"),
                [device_id],
                device_row,
            )
            .optional()?
            .map(finish_device)
            .transpose()
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_us, device_id"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            rows.map(|row| finish_device(row?)).collect()
        })
        .await
    }

    async fn revoke_device(&self, device_id: &str, now_us: i64) -> Result<bool, StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |tx| {
            Ok(tx.execute(
                "UPDATE devices SET revoked_us = ?1 WHERE device_id = ?2 AND revoked_us IS NULL",
                params![now_us, device_id],
            )? == 1)
        })
        .await
    }

    async fn spend_nonce(
        &self,
        device_id: &str,
        nonce: &str,
        expires_us: i64,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let (device_id, nonce) = (device_id.to_owned(), nonce.to_owned());
        self.write_relaxed(move |tx| {
            tx.prepare_cached("DELETE FROM nonces WHERE expires_us < ?1")?
                .execute([now_us])?;
            Ok(tx
                .prepare_cached(
                    "INSERT INTO nonces (device_id, nonce, expires_us) VALUES (?1, ?2, ?3) \
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![device_id, nonce, expires_us])?
                == 1)
        })
        .await
    }

    async fn ingest(
        &self,
        device_id: &str,
        batch: Prepared,
        now_us: i64,
    ) -> Result<Ingested, IngestError> {
        let device_id = device_id.to_owned();
        self.write(move |tx| ingest_in(tx, &device_id, &batch, now_us))
            .await
    }

    async fn record_alert(&self, alert: &Alert) -> Result<(), StoreError> {
        let alert = alert.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO alerts (time_us, device_id, kind, seq) VALUES (?1, ?2, ?3, ?4)",
                params![
                    alert.time_us,
                    alert.device_id,
                    alert.kind,
                    alert.seq.map(seq_param).transpose()?
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn alerts(&self) -> Result<Vec<Alert>, StoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT time_us, device_id, kind, seq FROM alerts ORDER BY alert_id")?;
            let rows = stmt.query_map([], |row| {
                Ok(Alert {
                    time_us: row.get(0)?,
                    device_id: row.get(1)?,
                    kind: row.get(2)?,
                    seq: row.get::<_, Option<i64>>(3)?.map(|s| s.max(0) as u64),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn search(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let query = query.clone();
        self.run(move |conn| search_in(conn, &query)).await
    }

    async fn last_received_us(&self, device_id: &str) -> Result<Option<i64>, StoreError> {
        let device_id = device_id.to_owned();
        self.run(move |conn| {
            // The (device_id, seq) index: the newest seq is the last one stored.
            Ok(conn
                .query_row(
                    "SELECT received_us FROM audit_events WHERE device_id = ?1 \
                     ORDER BY seq DESC LIMIT 1",
                    [device_id],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }
    async fn chain_hashes(&self, device_id: &str) -> Result<Vec<(u64, Hash32)>, StoreError> {
        let device_id = device_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare("SELECT seq, hash FROM audit_events WHERE device_id = ?1 ORDER BY seq")?;
            let rows = stmt.query_map([device_id], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
            })?;
            rows.map(|row| {
                let (seq, hash) = row?;
                Ok((seq.max(0) as u64, hash_of(hash, "event hash")?))
            })
            .collect()
        })
        .await
    }

    async fn hold_blob(
        &self,
        hash: &str,
        device_id: &str,
        size: u64,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let (hash, device_id) = (hash.to_owned(), device_id.to_owned());
        self.write(move |tx| {
            Ok(tx.execute(
                "INSERT INTO blob_holds (hash, device_id, size, created_us) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![hash, device_id, seq_param(size)?, now_us],
            )? == 1)
        })
        .await
    }

    async fn held_blob(&self, hash: &str, device_id: &str) -> Result<Option<u64>, StoreError> {
        let (hash, device_id) = (hash.to_owned(), device_id.to_owned());
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT size FROM blob_holds WHERE hash = ?1 AND device_id = ?2",
                    [hash, device_id],
                    |row| row.get::<_, i64>(0),
                )
                .optional()?
                .map(|size| size.max(0) as u64))
        })
        .await
    }

    async fn release_blob(&self, hash: &str, device_id: &str) -> Result<BlobRelease, StoreError> {
        let (hash, device_id) = (hash.to_owned(), device_id.to_owned());
        self.write(move |tx| {
            let was_held = tx.execute(
                "DELETE FROM blob_holds WHERE hash = ?1 AND device_id = ?2",
                [&hash, &device_id],
            )? == 1;
            let n_remaining: i64 = tx.query_row(
                "SELECT count(*) FROM blob_holds WHERE hash = ?1",
                [&hash],
                |row| row.get(0),
            )?;
            Ok(BlobRelease {
                was_held,
                n_remaining: n_remaining.max(0) as u64,
            })
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }
}

fn ingest_in(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    batch: &Prepared,
    now_us: i64,
) -> Result<Ingested, IngestError> {
    let (vault_id, head_seq, head_hash): (String, i64, Vec<u8>) = tx
        .prepare_cached("SELECT vault_id, head_seq, head_hash FROM devices WHERE device_id = ?1")?
        .query_row([device_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    let head_seq = head_seq.max(0) as u64;
    let head_hash = hash_of(head_hash, "device head")?;
    let (Some(first_seq), Some(last_seq)) = (batch.first_seq(), batch.last_seq()) else {
        return Ok(Ingested {
            head_seq,
            head_hash,
            n_stored: 0,
        });
    };
    let mut held = HeldChain {
        head_seq,
        before_first: genesis_hash(&vault_id),
        overlap: Vec::new(),
    };
    if first_seq <= head_seq + 1 && first_seq > 1 {
        let hash: Vec<u8> = tx
            .prepare_cached("SELECT hash FROM audit_events WHERE device_id = ?1 AND seq = ?2")?
            .query_row(params![device_id, seq_param(first_seq - 1)?], |row| {
                row.get(0)
            })?;
        held.before_first = hash_of(hash, "event hash")?;
    }
    if first_seq <= head_seq {
        let mut stmt = tx.prepare_cached(
            "SELECT hash FROM audit_events WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3 \
             ORDER BY seq",
        )?;
        let rows = stmt.query_map(
            params![
                device_id,
                seq_param(first_seq)?,
                seq_param(last_seq.min(head_seq))?
            ],
            |row| row.get::<_, Vec<u8>>(0),
        )?;
        for row in rows {
            held.overlap.push(hash_of(row?, "event hash")?);
        }
    }
    let first_new = link(batch, &held)?;
    let new_events = batch.events.get(first_new..).unwrap_or_default();
    let Some(last) = new_events.last() else {
        return Ok(Ingested {
            head_seq,
            head_hash,
            n_stored: 0,
        });
    };
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit_events (device_id, seq, event_id, time_us, actor, action, \
         patient_id, outcome, canonical, hash, received_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for prepared in new_events {
        let event = &prepared.chained.event;
        insert.execute(params![
            device_id,
            seq_param(event.seq)?,
            event.id,
            event.time_us,
            event.actor,
            event.action,
            event.patient_id,
            event.outcome,
            prepared.canonical,
            prepared.hash.to_vec(),
            now_us
        ])?;
    }
    let new_head = last.chained.event.seq;
    tx.prepare_cached("UPDATE devices SET head_seq = ?1, head_hash = ?2 WHERE device_id = ?3")?
        .execute(params![seq_param(new_head)?, last.hash.to_vec(), device_id])?;
    Ok(Ingested {
        head_seq: new_head,
        head_hash: last.hash,
        n_stored: new_events.len() as u64,
    })
}

fn search_in(conn: &Connection, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let text_filters = [
        ("device_id = ?", &query.device_id),
        ("actor = ?", &query.actor),
        ("patient_id = ?", &query.patient_id),
        ("action = ?", &query.action),
        ("outcome = ?", &query.outcome),
    ];
    for (clause, value) in text_filters {
        if let Some(value) = value {
            clauses.push(clause);
            values.push(Value::Text(value.clone()));
        }
    }
    if let Some(from_us) = query.from_us {
        clauses.push("time_us >= ?");
        values.push(Value::Integer(from_us));
    }
    if let Some(to_us) = query.to_us {
        clauses.push("time_us < ?");
        values.push(Value::Integer(to_us));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    values.push(Value::Integer(i64::from(query.limit)));
    values.push(Value::Integer(
        i64::try_from(query.offset).unwrap_or(i64::MAX),
    ));
    let mut stmt = conn.prepare(&format!(
        "SELECT canonical, hash, received_us FROM audit_events {filter} \
         ORDER BY time_us, device_id, seq LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Vec<u8>>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (canonical, hash, received_us) = row?;
        let event: AuditEvent =
            serde_json::from_str(&canonical).map_err(|_| StoreError::Corrupt { what: "event" })?;
        Ok(StoredEvent {
            event,
            hash: hex(&hash_of(hash, "event hash")?),
            received_us,
        })
    })
    .collect()
}
