//! The storage port: one trait ([`Store`]) that every backend implements and that the
//! same test suite checks, with the rows it reads and writes. SQLite in a data directory
//! is the default ([`sqlite`]); PostgreSQL ([`postgres`]) serves several instances.

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use clinic_vault_proto::{AuditEvent, Hash32};
use serde::Serialize;

pub use crate::alerts::rules::Activity;
use crate::chain::{Prepared, Refusal};

/// Why the store could not answer. Its text is for the operator's log, never a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The PostgreSQL URL or pool settings are not valid.
    #[error("postgres settings: {0}")]
    PoolConfig(#[from] deadpool_postgres::CreatePoolError),
    /// A blocking task running a SQLite statement did not finish (it panicked).
    #[error("a storage task did not finish")]
    TaskLost,
    /// The schema is newer than this binary knows.
    #[error("the schema is at version {found}, newer than this server knows ({known})")]
    SchemaTooNew {
        /// The version the store holds.
        found: u32,
        /// The newest version this binary has a migration for.
        known: u32,
    },
    /// The schema is older than this binary needs: run `migrate`.
    #[error("the schema is at version {found}; this server needs {needed}: run migrate")]
    SchemaOutdated {
        /// The version the store holds.
        found: u32,
        /// The version this binary needs.
        needed: u32,
    },
    /// A stored value has the wrong shape.
    #[error("stored {what} is malformed")]
    Corrupt {
        /// Which value.
        what: &'static str,
    },
}

/// An enrolled workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Device {
    /// The device id its events carry.
    pub device_id: String,
    /// Its vault's id.
    pub vault_id: String,
    /// The workstation name the enrollment token was made for.
    pub workstation: String,
    /// Its Ed25519 public key, lowercase hex.
    pub public_key: String,
    /// When it enrolled, microseconds UTC.
    pub enrolled_us: i64,
    /// When it was revoked, if it was.
    pub revoked_us: Option<i64>,
    /// The highest sequence number held.
    pub head_seq: u64,
    /// The chain hash of that event (the genesis when none), lowercase hex.
    pub head_hash: String,
}

/// What a new device brings to its enrollment.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// The device id its events carry.
    pub device_id: String,
    /// Its vault's id.
    pub vault_id: String,
    /// Its public key, lowercase hex.
    pub public_key: String,
    /// `genesis_hash(vault_id)`: its head before any event.
    pub genesis: Hash32,
}

/// Why an enrollment was refused; nothing was stored and the token was not spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrollRefusal {
    /// No such token.
    #[error("the enrollment token is not known")]
    UnknownToken,
    /// The token was used already.
    #[error("the enrollment token was used already")]
    SpentToken,
    /// The token expired.
    #[error("the enrollment token expired")]
    ExpiredToken,
    /// A device with this id is enrolled under another key, or was revoked.
    #[error("a device with this id is enrolled already")]
    DeviceExists,
}

/// An enrollment token as a device asking again finds it (`again`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenState {
    /// `Some(by)` when it was spent (by that device id).
    pub used: Option<Option<String>>,
    /// Its time is up.
    pub expired: bool,
}

/// What an enrollment of a device id the store may know already comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Again {
    /// A new device: store it and spend the token.
    New,
    /// This device under this very key: answer with its registration again (spending
    /// the token if it is fresh). Its answer was lost (a dropped connection, a
    /// workstation that locked or crashed before storing it) and it asks again.
    Answer(Device),
}

/// Decides an enrollment (pure: both stores run it inside their transaction). A spent
/// token enrolls only the device that spent it, and only under the same key; a known
/// device id under another key, or a revoked one, is refused (`DeviceExists`) and the
/// token is not spent: nobody takes over an enrolled device, nor brings a revoked one
/// back.
pub(crate) fn again(
    known: Option<Device>,
    asked: &NewDevice,
    token: &TokenState,
) -> Result<Again, EnrollRefusal> {
    match (&token.used, &known) {
        (Some(by), Some(_)) if by.as_deref() == Some(asked.device_id.as_str()) => {}
        (Some(_), _) => return Err(EnrollRefusal::SpentToken),
        (None, _) if token.expired => return Err(EnrollRefusal::ExpiredToken),
        (None, _) => {}
    }
    match known {
        None => Ok(Again::New),
        Some(known)
            if known.public_key == asked.public_key
                && known.vault_id == asked.vault_id
                && known.revoked_us.is_none() =>
        {
            Ok(Again::Answer(known))
        }
        Some(_) => Err(EnrollRefusal::DeviceExists),
    }
}

/// An enrollment's outcome.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// Refused.
    #[error(transparent)]
    Refused(#[from] EnrollRefusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An ingest's outcome when it did not store the batch.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The batch does not continue the held chain.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for IngestError {
    fn from(e: rusqlite::Error) -> Self {
        IngestError::Store(e.into())
    }
}

impl From<tokio_postgres::Error> for IngestError {
    fn from(e: tokio_postgres::Error) -> Self {
        IngestError::Store(e.into())
    }
}

impl From<tokio_postgres::Error> for EnrollError {
    fn from(e: tokio_postgres::Error) -> Self {
        EnrollError::Store(e.into())
    }
}

/// A device's head after an ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The highest sequence number now held.
    pub head_seq: u64,
    /// Its chain hash.
    pub head_hash: Hash32,
    /// How many events of the batch were new.
    pub n_stored: u64,
    /// The alerts its new events raised (stored in the same transaction).
    pub raised: Vec<Alert>,
}

/// An alert raised for the admin's review: a refused batch (its refusal's code, e.g.
/// `chain_fork`), or what a rule of `crate::alerts::rules` raised from stored events
/// (`failed_unlocks`, `alert_action`, `prelock_reports`) or from a silence
/// (`device_silent`). No PHI: user ids and action names as the events carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    /// Its id (ascending in the order raised).
    pub alert_id: i64,
    /// When it was raised, microseconds UTC.
    pub time_us: i64,
    /// The device it concerns.
    pub device_id: String,
    /// What it is, e.g. `chain_fork` or `failed_unlocks`.
    pub code: String,
    /// The sequence number it names, if any.
    pub seq: Option<u64>,
    /// The user the event names, if any.
    pub actor: Option<String>,
    /// The event's action, if any.
    pub action: Option<String>,
    /// The event's time, microseconds UTC, if any.
    pub event_time_us: Option<i64>,
    /// How many events it covers, if it counts them.
    pub n_events: Option<u64>,
    /// The admin token name that acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was acknowledged, microseconds UTC.
    pub acknowledged_us: Option<i64>,
}

/// An alert to record (its id and acknowledgement come from the store).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAlert {
    /// When, microseconds UTC.
    pub time_us: i64,
    /// The device it concerns.
    pub device_id: String,
    /// Its code.
    pub code: String,
    /// The sequence number it names, if any.
    pub seq: Option<u64>,
    /// The user the event names, if any.
    pub actor: Option<String>,
    /// The event's action, if any.
    pub action: Option<String>,
    /// The event's time, if any.
    pub event_time_us: Option<i64>,
    /// How many events it covers, if it counts them.
    pub n_events: Option<u64>,
}

impl NewAlert {
    /// A rule's alert about `device_id`, raised at `now_us`.
    pub fn of(raise: &crate::alerts::rules::Raise, device_id: &str, now_us: i64) -> NewAlert {
        NewAlert {
            time_us: now_us,
            device_id: device_id.to_owned(),
            code: raise.code.to_owned(),
            seq: raise.seq,
            actor: raise.actor.clone(),
            action: raise.action.clone(),
            event_time_us: raise.event_time_us,
            n_events: raise.n_events,
        }
    }

    /// The alert once stored with `alert_id`.
    pub fn stored(self, alert_id: i64) -> Alert {
        Alert {
            alert_id,
            time_us: self.time_us,
            device_id: self.device_id,
            code: self.code,
            seq: self.seq,
            actor: self.actor,
            action: self.action,
            event_time_us: self.event_time_us,
            n_events: self.n_events,
            acknowledged_by: None,
            acknowledged_us: None,
        }
    }
}

/// Filters of the alert list (all optional), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertQuery {
    /// Only acknowledged (`true`) or open (`false`) alerts.
    pub acknowledged: Option<bool>,
    /// Only this device's.
    pub device_id: Option<String>,
    /// Only this code.
    pub code: Option<String>,
    /// At most this many.
    pub limit: u32,
    /// Skip this many.
    pub offset: u64,
}

/// An alert claimed for delivery to the webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The alert.
    pub alert: Alert,
    /// Rounds of attempts that failed before.
    pub n_attempts: u32,
}

/// What acknowledging an alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    /// The alert, with who acknowledged it first and when.
    pub alert: Alert,
    /// Whether this call acknowledged it (`false`: it was already).
    pub now: bool,
}

/// Filters of the admin's audit search; every filter is optional, results come in
/// (time, device, seq) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this device's events.
    pub device_id: Option<String>,
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only events naming this patient.
    pub patient_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// Only events at or after this time.
    pub from_us: Option<i64>,
    /// Only events before this time.
    pub to_us: Option<i64>,
    /// At most this many (the API caps it).
    pub limit: u32,
    /// Skip this many.
    pub offset: u64,
}

/// An event as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredEvent {
    /// The event.
    #[schema(value_type = clinic_vault_proto::wire::openapi::AuditEventSchema)]
    pub event: AuditEvent,
    /// Its chain hash, lowercase hex.
    pub hash: String,
    /// When the server stored it.
    pub received_us: i64,
}

/// What removing a device's hold on a blob left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobRelease {
    /// Whether the device held it.
    pub was_held: bool,
    /// How many devices still hold it.
    pub n_remaining: u64,
}

/// A schema's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The version the store holds (0: empty).
    pub current: u32,
    /// The version this binary needs.
    pub latest: u32,
}

/// Everything the server keeps outside the blob store. Each method is one transaction.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Applies the migrations this binary has and the store lacks, in order; refuses a
    /// schema newer than it knows. Returns the versions before and after.
    async fn migrate(&self) -> Result<(u32, u32), StoreError>;
    /// The schema's version and the one this binary needs.
    async fn schema_status(&self) -> Result<SchemaStatus, StoreError>;
    /// Stores an admin token's hash under a name.
    async fn create_admin_token(
        &self,
        name: &str,
        token_hash: &Hash32,
        now_us: i64,
    ) -> Result<(), StoreError>;
    /// The name of the admin token with this hash.
    async fn admin_by_token(&self, token_hash: &Hash32) -> Result<Option<String>, StoreError>;
    /// Stores a one-time enrollment token's hash for a workstation.
    async fn create_enroll_token(
        &self,
        workstation: &str,
        token_hash: &Hash32,
        expires_us: i64,
        now_us: i64,
    ) -> Result<(), StoreError>;
    /// Spends the token and enrolls the device, in one transaction.
    async fn enroll(
        &self,
        token_hash: &Hash32,
        device: NewDevice,
        now_us: i64,
    ) -> Result<Device, EnrollError>;
    /// One device.
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError>;
    /// Every device, by enrollment time.
    async fn devices(&self) -> Result<Vec<Device>, StoreError>;
    /// Revokes a device; `false` when there is no such active device.
    async fn revoke_device(&self, device_id: &str, now_us: i64) -> Result<bool, StoreError>;
    /// Records a nonce until `expires_us`; `false` when the device used it already.
    /// Prunes nonces that expired before `now_us`.
    async fn spend_nonce(
        &self,
        device_id: &str,
        nonce: &str,
        expires_us: i64,
        now_us: i64,
    ) -> Result<bool, StoreError>;
    /// Links the prepared batch to the held chain and stores its new events, in one
    /// transaction; a refusal stores nothing.
    async fn ingest(
        &self,
        device_id: &str,
        batch: Prepared,
        now_us: i64,
    ) -> Result<Ingested, IngestError>;
    /// Records an alert (a refusal) for review.
    async fn record_alert(&self, alert: &NewAlert) -> Result<Alert, StoreError>;
    /// Alerts, newest first.
    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>, StoreError>;
    /// Acknowledges an alert as `by` at `now_us`, once: a second call changes nothing
    /// and answers who did it first. `None`: no such alert.
    async fn acknowledge_alert(
        &self,
        alert_id: i64,
        by: &str,
        now_us: i64,
    ) -> Result<Option<Acknowledged>, StoreError>;
    /// Claims, oldest first, at most `limit` alerts queued for the webhook whose next
    /// attempt is due at `now_us`: each is due again only at `lease_until_us` (another
    /// instance skips it meanwhile; a crash leaves it to be retried then).
    async fn claim_deliveries(
        &self,
        now_us: i64,
        lease_until_us: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// The webhook took the alert: out of the queue.
    async fn delivered(&self, alert_id: i64) -> Result<(), StoreError>;
    /// A round of attempts failed: counted, the next at `next_attempt_us`.
    async fn delivery_failed(&self, alert_id: i64, next_attempt_us: i64) -> Result<(), StoreError>;
    /// What the silence rule needs of every device.
    async fn activity(&self) -> Result<Vec<Activity>, StoreError>;
    /// Raises a silence alert for a device last seen at `seen_us`, unless it was seen
    /// since or one was raised for this silence already (so that two instances raise
    /// it once). `None`: nothing raised.
    async fn raise_silence(
        &self,
        device_id: &str,
        seen_us: i64,
        now_us: i64,
    ) -> Result<Option<Alert>, StoreError>;
    /// Audit search.
    async fn search(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError>;
    /// When the server stored the device's newest held event (its last sync that
    /// brought something new); `None` when it holds none.
    async fn last_received_us(&self, device_id: &str) -> Result<Option<i64>, StoreError>;
    /// Every held chain hash of a device, ascending by seq (for verification).
    async fn chain_hashes(&self, device_id: &str) -> Result<Vec<(u64, Hash32)>, StoreError>;
    /// Records that a device holds a blob; `false` when it held it already.
    async fn hold_blob(
        &self,
        hash: &str,
        device_id: &str,
        size: u64,
        now_us: i64,
    ) -> Result<bool, StoreError>;
    /// The size of a blob this device holds.
    async fn held_blob(&self, hash: &str, device_id: &str) -> Result<Option<u64>, StoreError>;
    /// Drops a device's hold on a blob.
    async fn release_blob(&self, hash: &str, device_id: &str) -> Result<BlobRelease, StoreError>;
    /// Answers when the store is reachable.
    async fn ping(&self) -> Result<(), StoreError>;
}
