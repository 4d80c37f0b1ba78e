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
    again, Acknowledged, Activity, Again, Alert, AlertQuery, AuditQuery, BlobRelease, Delivery,
    Device, EnrollError, EnrollRefusal, IngestError, Ingested, NewAlert, NewDevice, SchemaStatus,
    Store, StoreError, StoredEvent, TokenState,
};
use crate::alerts::rules::{self, code, Failure, RuleState};
use crate::chain::{link, HeldChain, Prepared};
use crate::hex::hex;

/// The migrations, in order: version N is `MIGRATIONS[N - 1]` (public so that an
/// upgrade test can build a store at an earlier version).
pub const MIGRATIONS: &[&str] = &[
    include_str!("sql/sqlite_v1.sql"),
    include_str!("sql/sqlite_v2.sql"),
    include_str!("sql/sqlite_v3.sql"),
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

const ALERT_COLUMNS: &str = "alert_id, time_us, device_id, kind, seq, actor, action, \
                             event_time_us, n_events, acknowledged_by, acknowledged_us";

fn alert_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Alert> {
    Ok(Alert {
        alert_id: row.get(0)?,
        time_us: row.get(1)?,
        device_id: row.get(2)?,
        code: row.get(3)?,
        seq: row.get::<_, Option<i64>>(4)?.map(|s| s.max(0) as u64),
        actor: row.get(5)?,
        action: row.get(6)?,
        event_time_us: row.get(7)?,
        n_events: row.get::<_, Option<i64>>(8)?.map(|n| n.max(0) as u64),
        acknowledged_by: row.get(9)?,
        acknowledged_us: row.get(10)?,
    })
}

fn insert_alert(tx: &rusqlite::Transaction<'_>, alert: NewAlert) -> Result<Alert, StoreError> {
    let alert_id: i64 = tx
        .prepare_cached(
            "INSERT INTO alerts (time_us, device_id, kind, seq, actor, action, event_time_us, \
             n_events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING alert_id",
        )?
        .query_row(
            params![
                alert.time_us,
                alert.device_id,
                alert.code,
                alert.seq.map(seq_param).transpose()?,
                alert.actor,
                alert.action,
                alert.event_time_us,
                alert.n_events.map(seq_param).transpose()?
            ],
            |row| row.get(0),
        )?;
    tx.prepare_cached(
        "INSERT INTO webhook_queue (alert_id, n_attempts, next_attempt_us) VALUES (?1, 0, ?2)",
    )?
    .execute(params![alert_id, alert.time_us])?;
    Ok(alert.stored(alert_id))
}

/// What the rules need for a batch's new events, read in the ingest transaction.
fn rule_state(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    events: &[&AuditEvent],
) -> Result<RuleState, StoreError> {
    let mut state = RuleState::default();
    let Some((actors, earliest)) = rules::failure_scope(events) else {
        return Ok(state);
    };
    let mut failures = tx.prepare_cached(
        "SELECT time_us, seq FROM audit_events WHERE actor = ?1 AND time_us >= ?2 \
         AND device_id = ?3 AND action IN ('user.unlock', 'journal.attempt') \
         AND outcome = 'failure'",
    )?;
    let mut raised = tx.prepare_cached(
        "SELECT MAX(event_time_us) FROM alerts WHERE device_id = ?1 AND kind = ?2 \
         AND actor = ?3",
    )?;
    let from = earliest.saturating_sub(rules::FAILED_UNLOCK_WINDOW_US);
    for actor in actors {
        let rows = failures.query_map(params![actor, from, device_id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (time_us, seq) = row?;
            state.prior_failures.push(Failure {
                actor: actor.clone(),
                time_us,
                seq: seq.max(0) as u64,
            });
        }
        let last: Option<i64> = raised
            .query_row(params![device_id, code::FAILED_UNLOCKS, actor], |row| {
                row.get(0)
            })?;
        if let Some(last) = last {
            state.last_raised_us.insert(actor, last);
        }
    }
    Ok(state)
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
            let token: Option<(String, i64, Option<i64>, Option<String>)> = tx
                .query_row(
                    "SELECT workstation, expires_us, used_us, device_id FROM enroll_tokens \
                     WHERE token_hash = ?1",
                    [&token_hash],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()
                .map_err(StoreError::from)?;
            let (workstation, expires_us, used_us, used_by) =
                token.ok_or(EnrollRefusal::UnknownToken)?;
            let known = tx
                .query_row(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"),
                    [&device.device_id],
                    device_row,
                )
                .optional()
                .map_err(StoreError::from)?
                .map(finish_device)
                .transpose()?;
            let token = TokenState {
                used: used_us.map(|_| used_by),
                expired: now_us >= expires_us,
            };
            match again(known, &device, &token)? {
                Again::Answer(known) => {
                    if token.used.is_none() {
                        tx.execute(
                            "UPDATE enroll_tokens SET used_us = ?1, device_id = ?2 \
                             WHERE token_hash = ?3",
                            params![now_us, device.device_id, token_hash],
                        )
                        .map_err(StoreError::from)?;
                    }
                    return Ok(known);
                }
                Again::New => {}
            }
            tx.execute(
                "INSERT INTO devices (device_id, vault_id, workstation, public_key, \
                 enrolled_us, head_seq, head_hash) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
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

    async fn record_alert(&self, alert: &NewAlert) -> Result<Alert, StoreError> {
        let alert = alert.clone();
        self.write(move |tx| insert_alert(tx, alert)).await
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>, StoreError> {
        let query = query.clone();
        self.run(move |conn| {
            let mut clauses: Vec<&str> = Vec::new();
            let mut values: Vec<Value> = Vec::new();
            match query.acknowledged {
                Some(true) => clauses.push("acknowledged_us IS NOT NULL"),
                Some(false) => clauses.push("acknowledged_us IS NULL"),
                None => {}
            }
            if let Some(device_id) = &query.device_id {
                clauses.push("device_id = ?");
                values.push(Value::Text(device_id.clone()));
            }
            if let Some(code) = &query.code {
                clauses.push("kind = ?");
                values.push(Value::Text(code.clone()));
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
                "SELECT {ALERT_COLUMNS} FROM alerts {filter} ORDER BY alert_id DESC \
                 LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values), alert_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn acknowledge_alert(
        &self,
        alert_id: i64,
        by: &str,
        now_us: i64,
    ) -> Result<Option<Acknowledged>, StoreError> {
        let by = by.to_owned();
        self.write(move |tx| {
            let now = tx.execute(
                "UPDATE alerts SET acknowledged_by = ?1, acknowledged_us = ?2 \
                 WHERE alert_id = ?3 AND acknowledged_us IS NULL",
                params![by, now_us, alert_id],
            )? == 1;
            let alert = tx
                .query_row(
                    &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = ?1"),
                    [alert_id],
                    alert_row,
                )
                .optional()?;
            Ok(alert.map(|alert| Acknowledged { alert, now }))
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        now_us: i64,
        lease_until_us: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.write(move |tx| {
            let columns = ALERT_COLUMNS
                .split(", ")
                .map(|c| format!("a.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = tx.prepare(&format!(
                "SELECT {columns}, q.n_attempts FROM webhook_queue q \
                 JOIN alerts a ON a.alert_id = q.alert_id \
                 WHERE q.next_attempt_us <= ?1 ORDER BY q.alert_id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![now_us, i64::from(limit)], |row| {
                Ok(Delivery {
                    alert: alert_row(row)?,
                    n_attempts: row.get::<_, i64>(11)?.clamp(0, i64::from(u32::MAX)) as u32,
                })
            })?;
            let claimed: Vec<Delivery> = rows.collect::<Result<_, _>>()?;
            let mut lease =
                tx.prepare("UPDATE webhook_queue SET next_attempt_us = ?1 WHERE alert_id = ?2")?;
            for delivery in &claimed {
                lease.execute(params![lease_until_us, delivery.alert.alert_id])?;
            }
            Ok(claimed)
        })
        .await
    }

    async fn delivered(&self, alert_id: i64) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.execute("DELETE FROM webhook_queue WHERE alert_id = ?1", [alert_id])?;
            Ok(())
        })
        .await
    }

    async fn delivery_failed(&self, alert_id: i64, next_attempt_us: i64) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE webhook_queue SET n_attempts = n_attempts + 1, next_attempt_us = ?1 \
                 WHERE alert_id = ?2",
                params![next_attempt_us, alert_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn activity(&self) -> Result<Vec<Activity>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT device_id, COALESCE(last_seen_us, enrolled_us), silence_alerted_for_us, \
                 revoked_us IS NOT NULL FROM devices ORDER BY enrolled_us, device_id",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok(Activity {
                    device_id: row.get(0)?,
                    last_seen_us: row.get(1)?,
                    silence_raised_for_us: row.get(2)?,
                    revoked: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn raise_silence(
        &self,
        device_id: &str,
        seen_us: i64,
        now_us: i64,
    ) -> Result<Option<Alert>, StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |tx| {
            let marked = tx.execute(
                "UPDATE devices SET silence_alerted_for_us = ?1 WHERE device_id = ?2 \
                 AND revoked_us IS NULL AND COALESCE(last_seen_us, enrolled_us) = ?1 \
                 AND silence_alerted_for_us IS NOT ?1",
                params![seen_us, device_id],
            )?;
            if marked == 0 {
                return Ok(None);
            }
            insert_alert(
                tx,
                NewAlert {
                    time_us: now_us,
                    device_id,
                    code: code::DEVICE_SILENT.to_owned(),
                    event_time_us: Some(seen_us),
                    ..NewAlert::default()
                },
            )
            .map(Some)
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
    let seen = |tx: &rusqlite::Transaction<'_>| -> Result<(), IngestError> {
        tx.prepare_cached("UPDATE devices SET last_seen_us = ?1 WHERE device_id = ?2")?
            .execute(params![now_us, device_id])?;
        Ok(())
    };
    let (Some(first_seq), Some(last_seq)) = (batch.first_seq(), batch.last_seq()) else {
        seen(tx)?;
        return Ok(Ingested {
            head_seq,
            head_hash,
            n_stored: 0,
            raised: Vec::new(),
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
        seen(tx)?;
        return Ok(Ingested {
            head_seq,
            head_hash,
            n_stored: 0,
            raised: Vec::new(),
        });
    };
    // The rules' state is read before the new events are inserted: it holds only what
    // earlier batches stored.
    let events: Vec<&AuditEvent> = new_events.iter().map(|p| &p.chained.event).collect();
    let state = rule_state(tx, device_id, &events)?;
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
    tx.prepare_cached(
        "UPDATE devices SET head_seq = ?1, head_hash = ?2, last_seen_us = ?3 \
         WHERE device_id = ?4",
    )?
    .execute(params![
        seq_param(new_head)?,
        last.hash.to_vec(),
        now_us,
        device_id
    ])?;
    let mut raised = Vec::new();
    for raise in rules::raise(&events, &state) {
        raised.push(insert_alert(tx, NewAlert::of(&raise, device_id, now_us))?);
    }
    Ok(Ingested {
        head_seq: new_head,
        head_hash: last.hash,
        n_stored: new_events.len() as u64,
        raised,
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
