//! The ingest benchmark (DESIGN §8, issue 12): signed batches of 1,000 events through the
//! real router in-process (signature, JSON, the chain checks, the store transaction, the
//! signed receipt), against a bare bulk insert of the same rows into the same store in
//! the same run; and the process's resident memory sampled every 100,000 events.
//!
//! `cargo bench -p clinic-vault-server --bench ingest -- [--events N] [--backend sqlite|postgres|both]`
//! (default: 1,000,000 events, both backends; PostgreSQL on a private cluster like the
//! tests'). Only the server's side is timed: each batch's request is built and signed
//! before its clock starts.

// The tests' cluster harness; the benchmark uses only the durable start.
#[path = "../tests/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::signing::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use clinic_vault_proto::{
    chain_hash, genesis_hash, public_key_hex, to_canonical, AuditEvent, ChainedEvent,
    EnrollRequest, EventBatch, Hash32, RequestToSign,
};
use clinic_vault_server::tokens::{new_token, token_hash, ENROLL_PREFIX};
use clinic_vault_server::{app, Clock, Settings, SystemClock};
use tower::ServiceExt;

const BATCH: u64 = 1_000;
const VAULT_ID: &str = "5b0c8a6e-1111-4222-8333-444455556666";
const DEVICE_ID: &str = "3f1d2c4b-0000-4000-8000-00000000d001";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The resident set and its peak, in MiB, from /proc/self/status.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Client {
    key: SigningKey,
    prev: Hash32,
    next_seq: u64,
    n_requests: u64,
}

impl Client {
    fn event(seq: u64) -> AuditEvent {
        AuditEvent {
            id: format!("01936f4e-7a00-7000-8000-{seq:012}"),
            time_us: 1_732_000_000_000_000 + seq as i64 * 1_000,
            device_id: DEVICE_ID.into(),
            seq,
            actor: ["rita", "bob", "zoe"][(seq % 3) as usize].into(),
            role: "clinician".into(),
            action: "patient.view".into(),
            resource_type: "patient".into(),
            resource_id: Some(format!("01936f4e-7a00-7000-8000-{:012}", seq % 5_000)),
            patient_id: Some(format!("01936f4e-7a00-7000-8000-{:012}", seq % 5_000)),
            outcome: "success".into(),
            changed_fields: vec![],
            format: Some(2),
            detail_digest: Some(hex(&[(seq % 251) as u8; 32])),
        }
    }

    fn next_events(&mut self, n: u64) -> Vec<ChainedEvent> {
        (0..n)
            .map(|_| {
                let event = Client::event(self.next_seq);
                self.next_seq += 1;
                self.prev = chain_hash(&self.prev, &event.canonical_bytes().expect("canonical"));
                ChainedEvent {
                    event,
                    hash: hex(&self.prev),
                }
            })
            .collect()
    }

    fn signed(&mut self, path: &str, body: Vec<u8>) -> axum::http::Request<Body> {
        self.n_requests += 1;
        let nonce = format!("{:032x}", self.n_requests);
        let timestamp_us = SystemClock.now_us();
        let signature = RequestToSign {
            method: "POST",
            path,
            query: "",
            timestamp_us,
            nonce: &nonce,
            body: clinic_vault_proto::Body::Bytes(&body),
        }
        .sign(&self.key)
        .expect("sign");
        axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header(HEADER_DEVICE, DEVICE_ID)
            .header(HEADER_TIMESTAMP, timestamp_us.to_string())
            .header(HEADER_NONCE, nonce)
            .header(HEADER_SIGNATURE, signature)
            .body(Body::from(body))
            .expect("request")
    }
}

struct Figures {
    ingest: Duration,
    bare: Duration,
    memory: Vec<(u64, f64)>,
}

async fn run(
    settings: Settings,
    n_events: u64,
    bare: impl std::future::Future<Output = Duration>,
) -> Figures {
    let state = clinic_vault_server::serve::state(&settings, Arc::new(SystemClock))
        .await
        .expect("state");
    let token = new_token(ENROLL_PREFIX);
    let now = SystemClock.now_us();
    state
        .store
        .create_enroll_token("bench", &token_hash(&token), now + 3_600_000_000, now)
        .await
        .expect("token");
    let router = app(state);
    let mut client = Client {
        key: SigningKey::from_bytes(&[7; 32]),
        prev: genesis_hash(VAULT_ID),
        next_seq: 1,
        n_requests: 0,
    };
    let enroll = to_canonical(&EnrollRequest {
        token,
        vault_id: VAULT_ID.into(),
        device_id: DEVICE_ID.into(),
        public_key: public_key_hex(&client.key.verifying_key()),
    })
    .expect("canonical");
    let response = router
        .clone()
        .oneshot(client.signed("/v1/enroll", enroll))
        .await
        .expect("enroll");
    assert_eq!(response.status(), 200);

    let mut ingest = Duration::ZERO;
    let mut memory = vec![(0, memory_mib().0)];
    while client.next_seq <= n_events {
        let events = client.next_events(BATCH.min(n_events + 1 - client.next_seq));
        let body = to_canonical(&EventBatch { events }).expect("canonical");
        let req = client.signed("/v1/audit/batches", body);
        let started = Instant::now();
        let response = router.clone().oneshot(req).await.expect("infallible");
        ingest += started.elapsed();
        assert_eq!(response.status(), 200, "batch refused");
        let n_done = client.next_seq - 1;
        if n_done % 100_000 == 0 {
            memory.push((n_done, memory_mib().0));
        }
    }
    Figures {
        ingest,
        bare: bare.await,
        memory,
    }
}

/// The bare baseline on SQLite: the same rows (the server's columns, canonical text and
/// hash) in a fresh database of the same schema and pragmas, 1,000 per transaction.
async fn bare_sqlite(dir: std::path::PathBuf, n_events: u64) -> Duration {
    tokio::task::spawn_blocking(move || {
        let path = dir.join("bare.db");
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        clinic_vault_server::store::sqlite::configure(&conn).expect("pragmas");
        // The store's schema at its current version: every migration, in order.
        for sql in clinic_vault_server::store::sqlite::MIGRATIONS {
            conn.execute_batch(sql).expect("schema");
        }
        let mut client = Client { key: SigningKey::from_bytes(&[7; 32]), prev: genesis_hash(VAULT_ID), next_seq: 1, n_requests: 0 };
        let mut elapsed = Duration::ZERO;
        while client.next_seq <= n_events {
            let events = client.next_events(BATCH.min(n_events + 1 - client.next_seq));
            let rows: Vec<(AuditEvent, String, Vec<u8>)> = events
                .into_iter()
                .map(|c| {
                    let canonical = String::from_utf8(c.event.canonical_bytes().expect("c")).expect("utf8");
                    let hash = c.claimed_hash().expect("hash").to_vec();
                    (c.event, canonical, hash)
                })
                .collect();
            let started = Instant::now();
            let tx = conn.transaction().expect("tx");
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO audit_events (device_id, seq, event_id, time_us, actor, action, \
                         patient_id, outcome, canonical, hash, received_us) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )
                    .expect("prepare");
                for (event, canonical, hash) in &rows {
                    insert
                        .execute(rusqlite::params![
                            event.device_id, event.seq as i64, event.id, event.time_us, event.actor,
                            event.action, event.patient_id, event.outcome, canonical, hash, 0i64
                        ])
                        .expect("insert");
                }
            }
            tx.commit().expect("commit");
            elapsed += started.elapsed();
        }
        elapsed
    })
    .await
    .expect("bare run")
}

/// One batch's rows, column by column.
#[derive(Default)]
struct Columns {
    seq: Vec<i64>,
    id: Vec<String>,
    time_us: Vec<i64>,
    actor: Vec<String>,
    action: Vec<String>,
    patient_id: Vec<Option<String>>,
    outcome: Vec<String>,
    canonical: Vec<String>,
    hash: Vec<Vec<u8>>,
}

/// The bare baseline on PostgreSQL: the same rows into a copy of the events table, one
/// `INSERT … SELECT FROM UNNEST` per 1,000 in its own transaction.
async fn bare_postgres(url: String, n_events: u64) -> Duration {
    let (client_pg, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client_pg
        .batch_execute("CREATE TABLE bare_events (LIKE audit_events INCLUDING ALL)")
        .await
        .expect("table");
    let mut client = Client {
        key: SigningKey::from_bytes(&[7; 32]),
        prev: genesis_hash(VAULT_ID),
        next_seq: 1,
        n_requests: 0,
    };
    let mut elapsed = Duration::ZERO;
    while client.next_seq <= n_events {
        let events = client.next_events(BATCH.min(n_events + 1 - client.next_seq));
        let mut columns = Columns::default();
        for c in events {
            columns.seq.push(c.event.seq as i64);
            columns.hash.push(c.claimed_hash().expect("hash").to_vec());
            columns
                .canonical
                .push(String::from_utf8(c.event.canonical_bytes().expect("c")).expect("utf8"));
            columns.id.push(c.event.id);
            columns.time_us.push(c.event.time_us);
            columns.actor.push(c.event.actor);
            columns.action.push(c.event.action);
            columns.patient_id.push(c.event.patient_id);
            columns.outcome.push(c.event.outcome);
        }
        let started = Instant::now();
        client_pg.batch_execute("BEGIN").await.expect("begin");
        client_pg
            .execute(
                "INSERT INTO bare_events (device_id, seq, event_id, time_us, actor, action, patient_id, \
                 outcome, canonical, hash, received_us) SELECT $1::text, *, 0::bigint FROM UNNEST($2::bigint[], \
                 $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[])",
                &[&DEVICE_ID, &columns.seq, &columns.id, &columns.time_us, &columns.actor, &columns.action, &columns.patient_id, &columns.outcome, &columns.canonical, &columns.hash],
            )
            .await
            .expect("insert");
        client_pg.batch_execute("COMMIT").await.expect("commit");
        elapsed += started.elapsed();
    }
    elapsed
}

fn report(backend: &str, n_events: u64, figures: &Figures) {
    let rate = |d: Duration| n_events as f64 / d.as_secs_f64();
    let memory: Vec<String> = figures
        .memory
        .iter()
        .map(|(n, mib)| format!("{}k:{mib:.0}", n / 1_000))
        .collect();
    let after_warmup: Vec<f64> = figures
        .memory
        .iter()
        .filter(|(n, _)| *n >= 100_000)
        .map(|(_, m)| *m)
        .collect();
    let (low, high) = after_warmup
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &m| (lo.min(m), hi.max(m)));
    let mut out = std::io::stderr().lock();
    let _ = std::io::Write::write_fmt(
        &mut out,
        format_args!(
            "{backend}: {n_events} events in batches of {BATCH}: ingest {:.0} events/s ({:.2} s), bare bulk insert {:.0} events/s ({:.2} s), ratio {:.2}\n{backend}: RSS MiB by events ingested {}; after 100k: {:.0}–{:.0} MiB; peak {:.0} MiB\n",
            rate(figures.ingest),
            figures.ingest.as_secs_f64(),
            rate(figures.bare),
            figures.bare.as_secs_f64(),
            rate(figures.ingest) / rate(figures.bare),
            memory.join(" "),
            if after_warmup.is_empty() { 0.0 } else { low },
            high,
            memory_mib().1,
        ),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n_events: u64 = value("--events")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let backend = value("--backend").unwrap_or_else(|| "both".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if backend == "sqlite" || backend == "both" {
            let dir = tempfile::tempdir().expect("tempdir");
            let settings = Settings {
                data_dir: dir.path().join("data"),
                max_body_bytes: 16 << 20,
                ..Settings::default()
            };
            let figures = run(
                settings,
                n_events,
                bare_sqlite(dir.path().to_owned(), n_events),
            )
            .await;
            report("sqlite", n_events, &figures);
        }
        if backend == "postgres" || backend == "both" {
            // fsync on, as a deployment runs it (the tests turn it off).
            let cluster = pg::PgCluster::start_with_fsync(true);
            let dir = tempfile::tempdir().expect("tempdir");
            let settings = Settings {
                data_dir: dir.path().join("data"),
                database_url: cluster.url.clone(),
                max_body_bytes: 16 << 20,
                ..Settings::default()
            };
            let figures = run(
                settings,
                n_events,
                bare_postgres(cluster.url.clone(), n_events),
            )
            .await;
            report("postgres", n_events, &figures);
        }
    });
}
