//! A test workstation for `scripts/server-browser.sh`: enrolls with a one-time token,
//! pushes signed batches of audit events over plain HTTP to a loopback server, then
//! sends one forked batch (refused, so the admin page has a chain refusal to show).
//! One event's user is a `<script>` tag, for the browser test's escaping check. Prints
//! the device id.
//!
//! `cargo run -p clinic-vault-server --example push_demo -- http://127.0.0.1:PORT TOKEN [N_BATCHES]`

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::signing::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use clinic_vault_proto::{
    chain_hash, genesis_hash, public_key_hex, to_canonical, AuditEvent, Body, ChainedEvent,
    EnrollRequest, EventBatch, RequestToSign,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rand::RngCore;

type Error = Box<dyn std::error::Error>;

/// Events per batch.
const BATCH: u64 = 40;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

struct Workstation {
    addr: String,
    key: SigningKey,
    device_id: String,
    vault_id: String,
}

impl Workstation {
    /// Sends one signed request; the status and the body.
    async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> Result<(u16, String), Error> {
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let nonce = hex(&nonce);
        let timestamp_us = now_us();
        let signature = RequestToSign {
            method,
            path,
            query: "",
            timestamp_us,
            nonce: &nonce,
            body: Body::Bytes(&body),
        }
        .sign(&self.key)?;
        let stream = tokio::net::TcpStream::connect(&self.addr).await?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.addr)
            .header("content-type", "application/json")
            .header(HEADER_DEVICE, &self.device_id)
            .header(HEADER_TIMESTAMP, timestamp_us.to_string())
            .header(HEADER_NONCE, &nonce)
            .header(HEADER_SIGNATURE, signature)
            .body(Full::new(Bytes::from(body)))?;
        let response = sender.send_request(req).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn event(&self, seq: u64, time_us: i64) -> AuditEvent {
        let (actor, action, patient) = match seq % 6 {
            0 => ("rita", "patient.view", true),
            1 => ("bob", "user.unlock", false),
            2 => ("rita", "patient.update", true),
            3 => ("bob", "patient.view", true),
            4 => ("rita", "user.lock", false),
            _ => ("admin", "user.unlock", false),
        };
        AuditEvent {
            id: uuid::Uuid::new_v4().to_string(),
            time_us,
            device_id: self.device_id.clone(),
            seq,
            actor: if seq == 7 {
                "<script>alert(\"x\")</script>"
            } else {
                actor
            }
            .into(),
            role: if actor == "admin" {
                "admin"
            } else {
                "clinician"
            }
            .into(),
            action: action.into(),
            resource_type: if patient { "patient" } else { "user" }.into(),
            resource_id: None,
            patient_id: patient.then(|| format!("01936f4e-7a00-7000-8000-0000000000a{}", seq % 3)),
            outcome: if seq % 9 == 4 { "failure" } else { "success" }.into(),
            changed_fields: vec![],
            format: None,
            detail_digest: None,
        }
    }
}

async fn run() -> Result<String, Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(base), Some(token)) = (args.first(), args.get(1)) else {
        return Err("usage: push_demo http://127.0.0.1:PORT ENROLL_TOKEN [N_BATCHES]".into());
    };
    let n_batches: u64 = args.get(2).map_or(Ok(3), |n| n.parse())?;
    let addr = base
        .strip_prefix("http://")
        .ok_or("the server URL must be http://127.0.0.1:PORT")?
        .trim_end_matches('/')
        .to_owned();
    let station = Workstation {
        addr,
        key: SigningKey::generate(&mut rand::rngs::OsRng),
        device_id: uuid::Uuid::new_v4().to_string(),
        vault_id: uuid::Uuid::new_v4().to_string(),
    };
    let enroll = to_canonical(&EnrollRequest {
        token: token.clone(),
        vault_id: station.vault_id.clone(),
        device_id: station.device_id.clone(),
        public_key: public_key_hex(&station.key.verifying_key()),
    })?;
    let (status, body) = station.send("POST", "/v1/enroll", enroll).await?;
    if status != 200 {
        return Err(format!("enrollment refused: {status} {body}").into());
    }
    let mut prev = genesis_hash(&station.vault_id);
    let mut sent: Vec<ChainedEvent> = Vec::new();
    // Events an hour apart, ending now, so that the trail spans a few days.
    let n_events = n_batches * BATCH;
    let start_us = now_us() - i64::try_from(n_events)? * 3_600_000_000;
    for batch_idx in 0..n_batches {
        let events: Vec<ChainedEvent> = (1..=BATCH)
            .map(|i| {
                let seq = batch_idx * BATCH + i;
                let event = station.event(
                    seq,
                    start_us + i64::try_from(seq).unwrap_or(0) * 3_600_000_000,
                );
                let canonical = event.canonical_bytes().unwrap_or_default();
                prev = chain_hash(&prev, &canonical);
                ChainedEvent {
                    event,
                    hash: hex(&prev),
                }
            })
            .collect();
        let body = to_canonical(&EventBatch {
            events: events.clone(),
        })?;
        let (status, answer) = station.send("POST", "/v1/audit/batches", body).await?;
        if status != 200 {
            return Err(format!("batch {batch_idx} refused: {status} {answer}").into());
        }
        sent.extend(events);
    }
    // A fork: the first event sent again with another outcome. The server refuses it
    // (409 chain_fork) and records the refusal.
    let mut forked = sent.iter().take(2).cloned().collect::<Vec<_>>();
    if let Some(first) = forked.first_mut() {
        first.event.outcome = "denied".into();
    }
    let body = to_canonical(&EventBatch { events: forked })?;
    let (status, answer) = station.send("POST", "/v1/audit/batches", body).await?;
    if status != 409 {
        return Err(format!("the forked batch was not refused: {status} {answer}").into());
    }
    Ok(station.device_id)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(device_id) => {
            let _ = writeln!(std::io::stdout(), "{device_id}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("push_demo: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
