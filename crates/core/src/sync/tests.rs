//! The vault's side of sync: the outbox, receipts, the status row and enrollment.

use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::{public_key_hex, EnrollAnswer, HeadReceipt};

use super::plan::LocalAt;
use super::{BlobKind, CycleEnd, Device};
use crate::audit::AuditFilter;
use crate::records::tests::corpus_png;
use crate::records::NewPatient;
use crate::vault::tests::{Fixture, PW};
use crate::{Role, Session};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const SERVER_SECRET: [u8; 32] = [7; 32];

fn enrolled(admin: &mut Session) -> crate::Result<Device> {
    enrolled_with(admin, &SERVER_SECRET)
}

fn enrolled_with(admin: &mut Session, server_secret: &[u8; 32]) -> crate::Result<Device> {
    let pending = admin.sync_begin_enroll()?;
    let server = SigningKey::from_bytes(server_secret);
    let answer = EnrollAnswer {
        device_id: pending.device_id().to_string(),
        workstation: "Reception 1".into(),
        server_public_key: public_key_hex(&server.verifying_key()),
    };
    admin.sync_finish_enroll(pending, "http://127.0.0.1:9", None, &answer)
}

fn receipt(
    device: &Device,
    seq: u64,
    hash: &str,
    key: &[u8; 32],
) -> clinic_vault_proto::SignedHead {
    HeadReceipt {
        device_id: device.device_id.clone(),
        vault_id: device.vault_id.clone(),
        seq,
        hash: hash.to_string(),
        server_time_us: 1,
    }
    .sign(&SigningKey::from_bytes(key))
    .expect("sign")
}

fn actions(s: &mut Session, action: &str) -> usize {
    s.audit_list(&AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    })
    .expect("list")
    .iter()
    .filter(|e| e.event.outcome == "success" || e.event.actor == "-")
    .count()
}

#[test]
fn the_event_queue_is_the_chain_past_the_receipt_and_a_receipt_must_be_the_servers_and_ours(
) -> TestResult {
    let f = Fixture::new();
    let mut admin = f.admin();
    assert!(admin.sync_device()?.is_none());
    let device = enrolled(&mut admin)?;
    assert_eq!(actions(&mut admin, "device.enroll"), 1);
    let stored = admin.sync_device()?.expect("enrolled");
    assert_eq!(stored.workstation, "Reception 1");
    assert_eq!(stored.public_key_hex(), device.public_key_hex());

    let outbox = admin.sync_outbox()?;
    assert!(outbox.head_seq > 3);
    assert_eq!(outbox.events_waiting(), outbox.head_seq);
    let events = admin.sync_events(1, outbox.head_seq)?;
    assert_eq!(events.len() as u64, outbox.head_seq);
    assert_eq!(
        events.last().map(|e| e.hash.as_str()),
        Some(outbox.head_hash.as_str())
    );
    assert_eq!(
        admin.sync_local_at(outbox.head_seq, &outbox.head_hash)?,
        LocalAt::Same
    );
    assert_eq!(admin.sync_local_at(2, &outbox.head_hash)?, LocalAt::Differs);
    assert_eq!(
        admin.sync_local_at(outbox.head_seq + 5, &outbox.head_hash)?,
        LocalAt::Missing
    );

    // Signed by another key, for another device, or for a head we do not hold: refused.
    let wrong_key = receipt(&device, 2, &events[1].hash, &[8; 32]);
    assert_eq!(
        admin
            .sync_store_receipt(&device, &wrong_key)
            .map_err(|e| e.code())
            .err(),
        Some("bad_receipt")
    );
    let mut other = receipt(&device, 2, &events[1].hash, &SERVER_SECRET);
    other.receipt.device_id = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        admin
            .sync_store_receipt(&device, &other)
            .map_err(|e| e.code())
            .err(),
        Some("bad_receipt")
    );
    let forked = receipt(&device, 2, &events[0].hash, &SERVER_SECRET);
    assert_eq!(
        admin
            .sync_store_receipt(&device, &forked)
            .map_err(|e| e.code())
            .err(),
        Some("chain_diverged")
    );

    let good = receipt(&device, 3, &events[2].hash, &SERVER_SECRET);
    admin.sync_store_receipt(&device, &good)?;
    assert_eq!(admin.sync_outbox()?.queue().anchored_seq, 3);
    // A lower head never replaces a higher anchor.
    admin.sync_store_receipt(
        &device,
        &receipt(&device, 2, &events[1].hash, &SERVER_SECRET),
    )?;
    assert_eq!(admin.sync_outbox()?.queue().anchored_seq, 3);
    let report = admin.audit_verify(None)?;
    assert_eq!(report.server_receipts.len(), 1);
    assert_eq!(report.server_receipts[0].seq, 3);
    assert_eq!(admin.audit_anchor()?.map(|a| a.seq), Some(3));
    admin.lock()?;
    Ok(())
}

#[test]
fn audit_verify_checks_a_stored_receipt_offline() -> TestResult {
    let f = Fixture::new();
    let mut admin = f.admin();
    let device = enrolled(&mut admin)?;
    let head = admin.sync_outbox()?;
    admin.sync_store_receipt(
        &device,
        &receipt(&device, head.head_seq, &head.head_hash, &SERVER_SECRET),
    )?;
    admin.audit_verify(None)?;
    // A receipt edited in place (its signature no longer covers it) is found.
    admin
        .connection()
        .execute("UPDATE sync_receipts SET receipt = replace(receipt, '\"server_time_us\":1', '\"server_time_us\":2')", [])?;
    let err = admin.audit_verify(None).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("signature does not verify")),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn failures_are_audited_once_per_new_code_and_a_success_clears_them() -> TestResult {
    let f = Fixture::new();
    let mut admin = f.admin();
    enrolled(&mut admin)?;
    let fail = |code: &str, halted: bool| CycleEnd::Failed {
        code: code.into(),
        message: format!("{code} happened"),
        halted,
    };
    for _ in 0..3 {
        admin.sync_record(&fail("unreachable", false))?;
    }
    assert_eq!(actions(&mut admin, "sync.error"), 1);
    let outbox = admin.sync_outbox()?;
    assert_eq!(
        outbox.last_error.map(|e| e.code),
        Some("unreachable".to_string())
    );
    admin.sync_record(&fail("server_behind", true))?;
    admin.sync_record(&fail("server_behind", true))?;
    assert_eq!(actions(&mut admin, "sync.halt"), 1);
    admin.sync_record(&CycleEnd::Synced)?;
    let outbox = admin.sync_outbox()?;
    assert!(outbox.last_error.is_none());
    assert!(outbox.last_success_us.is_some());
    admin.sync_record(&fail("unreachable", false))?;
    assert_eq!(
        actions(&mut admin, "sync.error"),
        2,
        "after a success it is new again"
    );
    Ok(())
}

#[test]
fn only_an_admin_enrolls_or_forgets_and_forgetting_keeps_the_queue() -> TestResult {
    let f = Fixture::new();
    let uri = f.add_user("rita", Role::Receptionist, "plum orbit violet candle 42");
    let mut rita = f.unlock_as("rita", "plum orbit violet candle 42", &uri)?;
    assert_eq!(
        rita.sync_begin_enroll().err().map(|e| e.code()),
        Some("forbidden")
    );
    assert_eq!(
        rita.sync_forget().err().map(|e| e.code()),
        Some("forbidden")
    );
    rita.lock()?;
    let mut admin = f.admin();
    assert_eq!(
        admin.sync_forget().err().map(|e| e.code()),
        Some("not_enrolled")
    );
    enrolled(&mut admin)?;
    let before = admin.sync_outbox()?.head_seq;
    admin.sync_forget()?;
    assert!(admin.sync_device()?.is_none());
    // rita's denial and the refusal while not enrolled are recorded too, as such.
    assert_eq!(actions(&mut admin, "device.forget"), 1);
    assert_eq!(actions(&mut admin, "device.enroll"), 1);
    assert!(
        admin.sync_outbox()?.head_seq > before,
        "nothing was dropped"
    );
    let _ = PW;
    Ok(())
}

#[test]
fn scans_queue_uploads_with_their_rows() -> TestResult {
    let f = Fixture::new();
    let uri = f.add_user("carl", Role::Clinician, "quartz meadow lantern 1987");
    let mut carl = f.unlock_as("carl", "quartz meadow lantern 1987", &uri)?;
    let p = carl.add_patient(
        &NewPatient {
            given: "Jan".into(),
            family: "Novak".into(),
            dob: "1980-02-03".into(),
            ..NewPatient::default()
        },
        false,
    )?;
    assert_eq!(carl.sync_outbox()?.blobs_waiting, 0);
    let scan = carl.import_scan(&p.id, &corpus_png())?;
    let _ = scan;
    let op = carl.sync_next_blob()?.expect("queued");
    assert_eq!(op.kind, BlobKind::Upload);
    assert!(
        carl.sync_blob_file(&op.content_hash).is_file(),
        "the file is in place"
    );
    // A refused import queues nothing.
    assert!(carl.import_scan(&p.id, b"not a scan").is_err());
    assert_eq!(carl.sync_outbox()?.blobs_waiting, 1);
    carl.sync_blob_done(op.pk)?;
    assert_eq!(carl.sync_outbox()?.blobs_waiting, 0);
    assert!(carl.sync_next_blob()?.is_none());
    carl.lock()?;
    Ok(())
}

#[test]
fn enrolling_with_a_new_server_queues_every_scan_again_and_the_same_server_does_not() -> TestResult
{
    let f = Fixture::new();
    let uri = f.add_user("carl", Role::Clinician, "quartz meadow lantern 1987");
    let mut carl = f.unlock_as("carl", "quartz meadow lantern 1987", &uri)?;
    let p = carl.add_patient(
        &NewPatient {
            given: "Ada".into(),
            family: "Lovel".into(),
            dob: "1970-12-10".into(),
            ..NewPatient::default()
        },
        false,
    )?;
    carl.import_scan(&p.id, &corpus_png())?;
    carl.lock()?;
    let mut admin = f.admin();
    let device = enrolled(&mut admin)?;
    assert_eq!(
        admin.sync_outbox()?.blobs_waiting,
        1,
        "the import queued it"
    );
    let op = admin.sync_next_blob()?.expect("queued");
    admin.sync_blob_done(op.pk)?;
    let head = admin.sync_outbox()?;
    admin.sync_store_receipt(
        &device,
        &receipt(&device, head.head_seq, &head.head_hash, &SERVER_SECRET),
    )?;
    // Forgotten and enrolled again with the same server: it holds the scan already.
    admin.sync_forget()?;
    enrolled(&mut admin)?;
    assert_eq!(admin.sync_outbox()?.blobs_waiting, 0);
    // Another server holds nothing of this vault.
    enrolled_with(&mut admin, &[9; 32])?;
    let again = admin.sync_next_blob()?.expect("queued again");
    assert_eq!(again.content_hash, op.content_hash);
    assert_eq!(admin.sync_outbox()?.blobs_waiting, 1);
    assert_eq!(
        admin.sync_outbox()?.queue().anchored_seq,
        0,
        "no receipt from it yet"
    );
    admin.lock()?;
    Ok(())
}

#[test]
fn an_enrollment_asked_again_brings_the_same_key_and_only_this_vault_derives_it() -> TestResult {
    let f = Fixture::new();
    let mut admin = f.admin();
    let key = |s: &mut Session| -> crate::Result<String> {
        Ok(s.sync_begin_enroll()?.request("t").public_key)
    };
    let first = key(&mut admin)?;
    admin.lock()?;
    let mut admin = f.admin();
    assert_eq!(
        key(&mut admin)?,
        first,
        "a later session asks with the same key"
    );
    let other = Fixture::new();
    assert_ne!(
        key(&mut other.admin())?,
        first,
        "another vault derives another"
    );
    admin.rekey()?;
    assert_ne!(key(&mut admin)?, first, "a new data key derives a new one");
    Ok(())
}
