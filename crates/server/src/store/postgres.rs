//! The PostgreSQL store (`tokio-postgres` through a `deadpool-postgres` pool), for
//! several server instances on one database: the same tables as SQLite's, each method
//! one transaction. Ingest and enrollment lock their device or token row (`FOR UPDATE`),
//! so two instances serialize on the same chain; migrations run under an advisory lock.

use async_trait::async_trait;
use clinic_vault_proto::{genesis_hash, AuditEvent, Hash32};
use deadpool_postgres::{Pool, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

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
    include_str!("sql/postgres_v1.sql"),
    include_str!("sql/postgres_v2.sql"),
];

/// The advisory lock migrations hold (any fixed number; "cv" in ASCII).
const MIGRATION_LOCK: i64 = 0x6376;

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the pool's size is shown.
        f.debug_struct("PgStore")
            .field("max_size", &self.pool.status().max_size)
            .finish()
    }
}

impl PgStore {
    /// A pool of at most `max_size` connections to `url` (no connection is made yet).
    pub fn connect(url: &str, max_size: usize) -> Result<PgStore, StoreError> {
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        config.pool = Some(deadpool_postgres::PoolConfig::new(max_size.max(1)));
        let pool = config.create_pool(Some(Runtime::Tokio1), NoTls)?;
        Ok(PgStore { pool })
    }
}

fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

fn unsigned(value: i64) -> u64 {
    value.max(0) as u64
}

fn signed(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt { what: "sequence" })
}

fn hash_of(bytes: Vec<u8>, what: &'static str) -> Result<Hash32, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt { what })
}

const ALERT_COLUMNS: &str = "alert_id, time_us, device_id, kind, seq, actor, action, \
                             event_time_us, n_events, acknowledged_by, acknowledged_us";

fn alert_of(row: &Row) -> Result<Alert, StoreError> {
    Ok(Alert {
        alert_id: row.try_get(0)?,
        time_us: row.try_get(1)?,
        device_id: row.try_get(2)?,
        code: row.try_get(3)?,
        seq: row.try_get::<_, Option<i64>>(4)?.map(unsigned),
        actor: row.try_get(5)?,
        action: row.try_get(6)?,
        event_time_us: row.try_get(7)?,
        n_events: row.try_get::<_, Option<i64>>(8)?.map(unsigned),
        acknowledged_by: row.try_get(9)?,
        acknowledged_us: row.try_get(10)?,
    })
}

async fn insert_alert(
    client: &impl deadpool_postgres::GenericClient,
    alert: NewAlert,
) -> Result<Alert, StoreError> {
    let seq = alert.seq.map(signed).transpose()?;
    let n_events = alert.n_events.map(signed).transpose()?;
    let statement = client
        .prepare_cached(
            "INSERT INTO alerts (time_us, device_id, kind, seq, actor, action, event_time_us, \
             n_events) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING alert_id",
        )
        .await?;
    let row = client
        .query_one(
            &statement,
            &[
                &alert.time_us,
                &alert.device_id,
                &alert.code,
                &seq,
                &alert.actor,
                &alert.action,
                &alert.event_time_us,
                &n_events,
            ],
        )
        .await?;
    let alert_id: i64 = row.try_get(0)?;
    let queue = client
        .prepare_cached(
            "INSERT INTO webhook_queue (alert_id, n_attempts, next_attempt_us) VALUES ($1, 0, $2)",
        )
        .await?;
    client.execute(&queue, &[&alert_id, &alert.time_us]).await?;
    Ok(alert.stored(alert_id))
}

/// What the rules need for a batch's new events, read in the ingest transaction.
async fn rule_state(
    tx: &deadpool_postgres::Transaction<'_>,
    device_id: &str,
    events: &[&AuditEvent],
) -> Result<RuleState, StoreError> {
    let mut state = RuleState::default();
    let Some((actors, earliest)) = rules::failure_scope(events) else {
        return Ok(state);
    };
    let from = earliest.saturating_sub(rules::FAILED_UNLOCK_WINDOW_US);
    let rows = tx
        .query(
            "SELECT actor, time_us, seq FROM audit_events WHERE actor = ANY($1) \
             AND time_us >= $2 AND device_id = $3 \
             AND action IN ('user.unlock', 'journal.attempt') AND outcome = 'failure'",
            &[&actors, &from, &device_id],
        )
        .await?;
    for row in rows {
        state.prior_failures.push(Failure {
            actor: row.try_get(0)?,
            time_us: row.try_get(1)?,
            seq: unsigned(row.try_get(2)?),
        });
    }
    let rows = tx
        .query(
            "SELECT actor, MAX(event_time_us) FROM alerts WHERE device_id = $1 AND kind = $2 \
             AND actor = ANY($3) GROUP BY actor",
            &[&device_id, &code::FAILED_UNLOCKS, &actors],
        )
        .await?;
    for row in rows {
        if let Some(last) = row.try_get::<_, Option<i64>>(1)? {
            state.last_raised_us.insert(row.try_get(0)?, last);
        }
    }
    Ok(state)
}

const DEVICE_COLUMNS: &str = "device_id, vault_id, workstation, public_key, enrolled_us, \
                              revoked_us, head_seq, head_hash";

fn device_of(row: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        device_id: row.try_get(0)?,
        vault_id: row.try_get(1)?,
        workstation: row.try_get(2)?,
        public_key: row.try_get(3)?,
        enrolled_us: row.try_get(4)?,
        revoked_us: row.try_get(5)?,
        head_seq: unsigned(row.try_get(6)?),
        head_hash: hex(&hash_of(row.try_get(7)?, "device head")?),
    })
}

async fn version(client: &impl deadpool_postgres::GenericClient) -> Result<u32, StoreError> {
    let exists: Option<String> = client
        .query_one("SELECT to_regclass('clinic_vault_schema')::text", &[])
        .await?
        .try_get(0)?;
    if exists.is_none() {
        return Ok(0);
    }
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM clinic_vault_schema",
            &[],
        )
        .await?;
    Ok(u32::try_from(row.try_get::<_, i32>(0)?).unwrap_or(0))
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> Result<(u32, u32), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS clinic_vault_schema (version INTEGER NOT NULL)",
        )
        .await?;
        let found = version(&tx).await?;
        if found > latest() {
            return Err(StoreError::SchemaTooNew {
                found,
                known: latest(),
            });
        }
        for (idx, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(sql).await?;
            let applied = i32::try_from(idx + 1).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO clinic_vault_schema (version) VALUES ($1)",
                &[&applied],
            )
            .await?;
        }
        tx.commit().await?;
        Ok((found, latest()))
    }

    async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let client = self.pool.get().await?;
        Ok(SchemaStatus {
            current: version(&client).await?,
            latest: latest(),
        })
    }

    async fn create_admin_token(
        &self,
        name: &str,
        token_hash: &Hash32,
        now_us: i64,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO admin_tokens (token_hash, name, created_us) VALUES ($1, $2, $3)",
                &[&token_hash.as_slice(), &name, &now_us],
            )
            .await?;
        Ok(())
    }

    async fn admin_by_token(&self, token_hash: &Hash32) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT name FROM admin_tokens WHERE token_hash = $1",
                &[&token_hash.as_slice()],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn create_enroll_token(
        &self,
        workstation: &str,
        token_hash: &Hash32,
        expires_us: i64,
        now_us: i64,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO enroll_tokens (token_hash, workstation, created_us, expires_us) \
                 VALUES ($1, $2, $3, $4)",
                &[&token_hash.as_slice(), &workstation, &now_us, &expires_us],
            )
            .await?;
        Ok(())
    }

    async fn enroll(
        &self,
        token_hash: &Hash32,
        device: NewDevice,
        now_us: i64,
    ) -> Result<Device, EnrollError> {
        let mut client = self.pool.get().await.map_err(StoreError::from)?;
        let tx = client.transaction().await?;
        let token = tx
            .query_opt(
                "SELECT workstation, expires_us, used_us, device_id FROM enroll_tokens \
                 WHERE token_hash = $1 FOR UPDATE",
                &[&token_hash.as_slice()],
            )
            .await?
            .ok_or(EnrollRefusal::UnknownToken)?;
        let workstation: String = token.try_get(0)?;
        let expires_us: i64 = token.try_get(1)?;
        let used_us: Option<i64> = token.try_get(2)?;
        let used_by: Option<String> = token.try_get(3)?;
        let token = TokenState {
            used: used_us.map(|_| used_by),
            expired: now_us >= expires_us,
        };
        let spend = "UPDATE enroll_tokens SET used_us = $1, device_id = $2 WHERE token_hash = $3";
        // Twice at most: a device inserted by a concurrent enrollment is decided again.
        for _ in 0..2 {
            let known = tx
                .query_opt(
                    &format!(
                        "SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = $1 FOR UPDATE"
                    ),
                    &[&device.device_id],
                )
                .await?
                .as_ref()
                .map(device_of)
                .transpose()?;
            if let Again::Answer(known) = again(known, &device, &token)? {
                if token.used.is_none() {
                    tx.execute(spend, &[&now_us, &device.device_id, &token_hash.as_slice()])
                        .await?;
                }
                tx.commit().await?;
                return Ok(known);
            }
            let inserted = tx
                .execute(
                    "INSERT INTO devices (device_id, vault_id, workstation, public_key, \
                     enrolled_us, head_seq, head_hash) VALUES ($1, $2, $3, $4, $5, 0, $6) \
                     ON CONFLICT (device_id) DO NOTHING",
                    &[
                        &device.device_id,
                        &device.vault_id,
                        &workstation,
                        &device.public_key,
                        &now_us,
                        &device.genesis.as_slice(),
                    ],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            tx.execute(spend, &[&now_us, &device.device_id, &token_hash.as_slice()])
                .await?;
            tx.commit().await?;
            return Ok(Device {
                device_id: device.device_id,
                vault_id: device.vault_id,
                workstation,
                public_key: device.public_key,
                enrolled_us: now_us,
                revoked_us: None,
                head_seq: 0,
                head_hash: hex(&device.genesis),
            });
        }
        Err(EnrollRefusal::DeviceExists.into())
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = $1"),
                &[&device_id],
            )
            .await?;
        row.as_ref().map(device_of).transpose()
    }

    async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_us, device_id"),
                &[],
            )
            .await?;
        rows.iter().map(device_of).collect()
    }

    async fn revoke_device(&self, device_id: &str, now_us: i64) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                "UPDATE devices SET revoked_us = $1 WHERE device_id = $2 AND revoked_us IS NULL",
                &[&now_us, &device_id],
            )
            .await?
            == 1)
    }

    async fn spend_nonce(
        &self,
        device_id: &str,
        nonce: &str,
        expires_us: i64,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        // One transaction without its own WAL flush (`synchronous_commit` off for it
        // alone): its WAL records become durable with the next synchronous commit of any
        // session (PostgreSQL flushes its WAL in order), and every request that changes
        // anything commits synchronously after its nonce. A crash can forget only the
        // nonces of requests that changed nothing; see the README's threat notes.
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute("SET LOCAL synchronous_commit TO OFF")
            .await?;
        let prune = tx
            .prepare_cached("DELETE FROM nonces WHERE expires_us < $1")
            .await?;
        tx.execute(&prune, &[&now_us]).await?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO nonces (device_id, nonce, expires_us) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        let spent = tx
            .execute(&insert, &[&device_id, &nonce, &expires_us])
            .await?
            == 1;
        tx.commit().await?;
        Ok(spent)
    }

    async fn ingest(
        &self,
        device_id: &str,
        batch: Prepared,
        now_us: i64,
    ) -> Result<Ingested, IngestError> {
        let mut client = self.pool.get().await.map_err(StoreError::from)?;
        let tx = client.transaction().await?;
        let ingested = ingest_in(&tx, device_id, &batch, now_us).await?;
        tx.commit().await?;
        Ok(ingested)
    }

    async fn record_alert(&self, alert: &NewAlert) -> Result<Alert, StoreError> {
        let client = self.pool.get().await?;
        insert_alert(&client, alert.clone()).await
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>, StoreError> {
        let client = self.pool.get().await?;
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        match query.acknowledged {
            Some(true) => clauses.push("acknowledged_us IS NOT NULL".into()),
            Some(false) => clauses.push("acknowledged_us IS NULL".into()),
            None => {}
        }
        if let Some(device_id) = &query.device_id {
            values.push(Box::new(device_id.clone()));
            clauses.push(format!("device_id = ${}", values.len()));
        }
        if let Some(code) = &query.code {
            values.push(Box::new(code.clone()));
            clauses.push(format!("kind = ${}", values.len()));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        values.push(Box::new(i64::from(query.limit)));
        let limit = values.len();
        values.push(Box::new(i64::try_from(query.offset).unwrap_or(i64::MAX)));
        let offset = values.len();
        let params: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect();
        let rows = client
            .query(
                &format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts {filter} ORDER BY alert_id DESC \
                     LIMIT ${limit} OFFSET ${offset}"
                ),
                &params,
            )
            .await?;
        rows.iter().map(alert_of).collect()
    }

    async fn acknowledge_alert(
        &self,
        alert_id: i64,
        by: &str,
        now_us: i64,
    ) -> Result<Option<Acknowledged>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Under READ COMMITTED the second of two racing updates waits for the first,
        // then finds the row acknowledged and updates nothing.
        let now = tx
            .execute(
                "UPDATE alerts SET acknowledged_by = $1, acknowledged_us = $2 \
                 WHERE alert_id = $3 AND acknowledged_us IS NULL",
                &[&by, &now_us, &alert_id],
            )
            .await?
            == 1;
        let row = tx
            .query_opt(
                &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = $1"),
                &[&alert_id],
            )
            .await?;
        let alert = row.as_ref().map(alert_of).transpose()?;
        tx.commit().await?;
        Ok(alert.map(|alert| Acknowledged { alert, now }))
    }

    async fn claim_deliveries(
        &self,
        now_us: i64,
        lease_until_us: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let client = self.pool.get().await?;
        // One statement: rows another instance is claiming are skipped, not waited for.
        let rows = client
            .query(
                "UPDATE webhook_queue SET next_attempt_us = $2 WHERE alert_id IN ( \
                 SELECT alert_id FROM webhook_queue WHERE next_attempt_us <= $1 \
                 ORDER BY alert_id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING alert_id, n_attempts",
                &[&now_us, &lease_until_us, &i64::from(limit)],
            )
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let alert_id: i64 = row.try_get(0)?;
            let n_attempts: i32 = row.try_get(1)?;
            let alert = client
                .query_one(
                    &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = $1"),
                    &[&alert_id],
                )
                .await?;
            claimed.push(Delivery {
                alert: alert_of(&alert)?,
                n_attempts: u32::try_from(n_attempts).unwrap_or(0),
            });
        }
        claimed.sort_by_key(|d| d.alert.alert_id);
        Ok(claimed)
    }

    async fn delivered(&self, alert_id: i64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM webhook_queue WHERE alert_id = $1",
                &[&alert_id],
            )
            .await?;
        Ok(())
    }

    async fn delivery_failed(&self, alert_id: i64, next_attempt_us: i64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE webhook_queue SET n_attempts = n_attempts + 1, next_attempt_us = $1 \
                 WHERE alert_id = $2",
                &[&next_attempt_us, &alert_id],
            )
            .await?;
        Ok(())
    }

    async fn activity(&self) -> Result<Vec<Activity>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT device_id, COALESCE(last_seen_us, enrolled_us), silence_alerted_for_us, \
                 revoked_us IS NOT NULL FROM devices ORDER BY enrolled_us, device_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Activity {
                    device_id: row.try_get(0)?,
                    last_seen_us: row.try_get(1)?,
                    silence_raised_for_us: row.try_get(2)?,
                    revoked: row.try_get(3)?,
                })
            })
            .collect()
    }

    async fn raise_silence(
        &self,
        device_id: &str,
        seen_us: i64,
        now_us: i64,
    ) -> Result<Option<Alert>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The row lock serializes two instances: the second re-reads the row after the
        // first commits and no longer matches.
        let marked = tx
            .execute(
                "UPDATE devices SET silence_alerted_for_us = $1 WHERE device_id = $2 \
                 AND revoked_us IS NULL AND COALESCE(last_seen_us, enrolled_us) = $1 \
                 AND silence_alerted_for_us IS DISTINCT FROM $1",
                &[&seen_us, &device_id],
            )
            .await?;
        if marked == 0 {
            return Ok(None);
        }
        let alert = insert_alert(
            &tx,
            NewAlert {
                time_us: now_us,
                device_id: device_id.to_owned(),
                code: code::DEVICE_SILENT.to_owned(),
                event_time_us: Some(seen_us),
                ..NewAlert::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(alert))
    }

    async fn search(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let client = self.pool.get().await?;
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let text_filters = [
            ("device_id", &query.device_id),
            ("actor", &query.actor),
            ("patient_id", &query.patient_id),
            ("action", &query.action),
            ("outcome", &query.outcome),
        ];
        for (column, value) in text_filters {
            if let Some(value) = value {
                values.push(Box::new(value.clone()));
                clauses.push(format!("{column} = ${}", values.len()));
            }
        }
        if let Some(from_us) = query.from_us {
            values.push(Box::new(from_us));
            clauses.push(format!("time_us >= ${}", values.len()));
        }
        if let Some(to_us) = query.to_us {
            values.push(Box::new(to_us));
            clauses.push(format!("time_us < ${}", values.len()));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        values.push(Box::new(i64::from(query.limit)));
        values.push(Box::new(i64::try_from(query.offset).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT canonical, hash, received_us FROM audit_events {filter} \
             ORDER BY time_us, device_id, seq LIMIT ${} OFFSET ${}",
            values.len() - 1,
            values.len()
        );
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let rows = client.query(&sql, &params).await?;
        rows.iter()
            .map(|row| {
                let canonical: String = row.try_get(0)?;
                let event: AuditEvent = serde_json::from_str(&canonical)
                    .map_err(|_| StoreError::Corrupt { what: "event" })?;
                Ok(StoredEvent {
                    event,
                    hash: hex(&hash_of(row.try_get(1)?, "event hash")?),
                    received_us: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn last_received_us(&self, device_id: &str) -> Result<Option<i64>, StoreError> {
        let client = self.pool.get().await?;
        // The (device_id, seq) key: the newest seq is the last one stored.
        let row = client
            .query_opt(
                "SELECT received_us FROM audit_events WHERE device_id = $1 \
                 ORDER BY seq DESC LIMIT 1",
                &[&device_id],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }
    async fn chain_hashes(&self, device_id: &str) -> Result<Vec<(u64, Hash32)>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, hash FROM audit_events WHERE device_id = $1 ORDER BY seq",
                &[&device_id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    unsigned(row.try_get(0)?),
                    hash_of(row.try_get(1)?, "event hash")?,
                ))
            })
            .collect()
    }

    async fn hold_blob(
        &self,
        hash: &str,
        device_id: &str,
        size: u64,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                "INSERT INTO blob_holds (hash, device_id, size, created_us) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&hash, &device_id, &signed(size)?, &now_us],
            )
            .await?
            == 1)
    }

    async fn held_blob(&self, hash: &str, device_id: &str) -> Result<Option<u64>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT size FROM blob_holds WHERE hash = $1 AND device_id = $2",
                &[&hash, &device_id],
            )
            .await?;
        Ok(row
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()?
            .map(unsigned))
    }

    async fn release_blob(&self, hash: &str, device_id: &str) -> Result<BlobRelease, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let was_held = tx
            .execute(
                "DELETE FROM blob_holds WHERE hash = $1 AND device_id = $2",
                &[&hash, &device_id],
            )
            .await?
            == 1;
        let n_remaining: i64 = tx
            .query_one("SELECT count(*) FROM blob_holds WHERE hash = $1", &[&hash])
            .await?
            .try_get(0)?;
        tx.commit().await?;
        Ok(BlobRelease {
            was_held,
            n_remaining: unsigned(n_remaining),
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client.query_one("SELECT 1", &[]).await?;
        Ok(())
    }
}

async fn ingest_in(
    tx: &deadpool_postgres::Transaction<'_>,
    device_id: &str,
    batch: &Prepared,
    now_us: i64,
) -> Result<Ingested, IngestError> {
    // The device row is locked for the transaction: batches of one device, on any
    // instance, link to its chain one at a time.
    let row = tx
        .query_one(
            "SELECT vault_id, head_seq, head_hash FROM devices WHERE device_id = $1 FOR UPDATE",
            &[&device_id],
        )
        .await?;
    let vault_id: String = row.try_get(0)?;
    let head_seq = unsigned(row.try_get(1)?);
    let head_hash = hash_of(row.try_get(2)?, "device head")?;
    let seen = "UPDATE devices SET last_seen_us = $1 WHERE device_id = $2";
    let (Some(first_seq), Some(last_seq)) = (batch.first_seq(), batch.last_seq()) else {
        tx.execute(seen, &[&now_us, &device_id]).await?;
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
        let row = tx
            .query_one(
                "SELECT hash FROM audit_events WHERE device_id = $1 AND seq = $2",
                &[&device_id, &signed(first_seq - 1)?],
            )
            .await?;
        held.before_first = hash_of(row.try_get(0)?, "event hash")?;
    }
    if first_seq <= head_seq {
        let rows = tx
            .query(
                "SELECT hash FROM audit_events WHERE device_id = $1 AND seq BETWEEN $2 AND $3 \
                 ORDER BY seq",
                &[
                    &device_id,
                    &signed(first_seq)?,
                    &signed(last_seq.min(head_seq))?,
                ],
            )
            .await?;
        for row in rows {
            held.overlap.push(hash_of(row.try_get(0)?, "event hash")?);
        }
    }
    let first_new = link(batch, &held)?;
    let new_events = batch.events.get(first_new..).unwrap_or_default();
    let Some(last) = new_events.last() else {
        tx.execute(seen, &[&now_us, &device_id]).await?;
        return Ok(Ingested {
            head_seq,
            head_hash,
            n_stored: 0,
            raised: Vec::new(),
        });
    };
    // Read before the new events are inserted: only what earlier batches stored.
    let events: Vec<&AuditEvent> = new_events.iter().map(|p| &p.chained.event).collect();
    let state = rule_state(tx, device_id, &events).await?;
    // One statement for the whole batch: the columns as arrays, unnested.
    let mut seqs = Vec::with_capacity(new_events.len());
    let (mut ids, mut times, mut actors, mut actions) = (vec![], vec![], vec![], vec![]);
    let (mut patients, mut outcomes, mut canonicals, mut hashes) = (vec![], vec![], vec![], vec![]);
    for prepared in new_events {
        let event = &prepared.chained.event;
        seqs.push(signed(event.seq)?);
        ids.push(event.id.as_str());
        times.push(event.time_us);
        actors.push(event.actor.as_str());
        actions.push(event.action.as_str());
        patients.push(event.patient_id.as_deref());
        outcomes.push(event.outcome.as_str());
        canonicals.push(prepared.canonical.as_str());
        hashes.push(prepared.hash.as_slice());
    }
    tx.execute(
        "INSERT INTO audit_events (device_id, seq, event_id, time_us, actor, action, \
         patient_id, outcome, canonical, hash, received_us) \
         SELECT $1::text, *, $11::bigint FROM UNNEST($2::bigint[], $3::text[], $4::bigint[], $5::text[], \
         $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[])",
        &[
            &device_id,
            &seqs,
            &ids,
            &times,
            &actors,
            &actions,
            &patients,
            &outcomes,
            &canonicals,
            &hashes,
            &now_us,
        ],
    )
    .await?;
    let new_head = last.chained.event.seq;
    tx.execute(
        "UPDATE devices SET head_seq = $1, head_hash = $2, last_seen_us = $3 \
         WHERE device_id = $4",
        &[
            &signed(new_head)?,
            &last.hash.as_slice(),
            &now_us,
            &device_id,
        ],
    )
    .await?;
    let mut raised = Vec::new();
    for raise in rules::raise(&events, &state) {
        raised.push(insert_alert(tx, NewAlert::of(&raise, device_id, now_us)).await?);
    }
    Ok(Ingested {
        head_seq: new_head,
        head_hash: last.hash,
        n_stored: new_events.len() as u64,
        raised,
    })
}
