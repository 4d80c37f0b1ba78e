//! Encrypted scan blobs behind `object_store`, addressed by the SHA-256 of their
//! content (`scans/ab/abcd…`): a local directory by default, any S3-compatible bucket by
//! configuration. The server never sees a key; it checks only that the bytes hash to
//! their address.
//!
//! A blob's hold rows (in the store) and its object change together only under the
//! blob's lock ([`Blobs::lock`]): without it a `DELETE` by the last holder could remove
//! the object right after a concurrent `PUT` had recorded its hold and found the object
//! present (`tests/race.rs` found exactly that). Within one process the lock is a
//! mutex per stripe of hashes; with a PostgreSQL store ([`Blobs::with_pg_lock`]) it is
//! also a transaction-scoped advisory lock on the hash, taken on a connection of its own
//! pool, so instances sharing one PostgreSQL and one bucket serialise with each other
//! (`tests/instances.rs` races two server processes). A lock dropped without
//! [`BlobLock::release`] closes its connection, which ends its transaction and so
//! frees the advisory lock: a lock never outlives its holder.

use std::sync::Arc;

use axum::body::Bytes;
use deadpool_postgres::{Pool, Runtime};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_postgres::NoTls;

use crate::store::StoreError;

/// The first key of the blob locks' advisory locks ("cb"; the second is from the hash).
/// Two-key advisory locks do not overlap the one-key migration lock.
const PG_LOCK_SPACE: i32 = 0x6362;

/// How many locks the hashes share (a hash's lock is chosen by its first bytes).
const N_LOCKS: usize = 64;

/// The blob store.
#[derive(Clone)]
pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
    locks: Arc<[Arc<Mutex<()>>]>,
    pg_locks: Option<Pool>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's URL may hold a password: only whether there is one shows.
        f.debug_struct("Blobs")
            .field("inner", &self.inner)
            .field("pg_locks", &self.pg_locks.is_some())
            .finish()
    }
}

/// Held while a blob's hold rows and object are read or changed together. Give it back
/// with [`BlobLock::release`]; dropped instead, it closes its PostgreSQL connection.
pub struct BlobLock {
    _guard: OwnedMutexGuard<()>,
    pg: Option<deadpool_postgres::Object>,
}

impl std::fmt::Debug for BlobLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobLock")
            .field("in_postgres", &self.pg.is_some())
            .finish()
    }
}

impl BlobLock {
    /// Ends the advisory lock's transaction (when there is one).
    pub async fn release(mut self) {
        if let Some(client) = self.pg.take() {
            if let Err(e) = client.batch_execute("COMMIT").await {
                tracing::warn!(error = %e, "blob lock release failed; closing its connection");
                drop(deadpool_postgres::Object::take(client));
            }
        }
    }
}

impl Drop for BlobLock {
    fn drop(&mut self) {
        if let Some(client) = self.pg.take() {
            // Out of the pool and closed: PostgreSQL ends the transaction and its lock.
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

fn location(hash: &str) -> Path {
    let prefix = hash.get(..2).unwrap_or("__");
    Path::from(format!("scans/{prefix}/{hash}"))
}

impl Blobs {
    /// Blobs in a local directory (created when missing), written durably.
    pub fn local(dir: &std::path::Path) -> Result<Blobs, object_store::Error> {
        std::fs::create_dir_all(dir).map_err(|source| object_store::Error::Generic {
            store: "local",
            source: Box::new(source),
        })?;
        // Synced (the file, then its directory) before a put returns: an upload is
        // acknowledged only once it would survive a power cut, as its hold row does.
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(Blobs::new(Arc::new(store)))
    }

    /// Blobs in an S3-compatible bucket (path-style requests, so any endpoint works).
    /// Installs ring as rustls' process default first when none is ([`crate::tls`]): the
    /// HTTPS client has no provider of its own.
    pub fn s3(settings: &crate::Settings) -> Result<Blobs, object_store::Error> {
        let _provider = crate::tls::install_crypto();
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.s3_bucket)
            .with_region(&settings.s3_region)
            .with_access_key_id(&settings.s3_access_key_id)
            .with_secret_access_key(&settings.s3_secret_access_key)
            .with_allow_http(settings.s3_allow_http)
            .with_virtual_hosted_style_request(false);
        if !settings.s3_endpoint.is_empty() {
            builder = builder.with_endpoint(&settings.s3_endpoint);
        }
        Ok(Blobs::new(Arc::new(builder.build()?)))
    }

    /// The blob store the settings name: S3 when a bucket is set, else the local
    /// directory.
    pub fn from_settings(settings: &crate::Settings) -> Result<Blobs, object_store::Error> {
        if settings.s3_bucket.is_empty() {
            Blobs::local(&settings.blob_dir())
        } else {
            Blobs::s3(settings)
        }
    }

    /// Blobs in any object store.
    pub fn new(inner: Arc<dyn ObjectStore>) -> Blobs {
        Blobs {
            inner,
            locks: (0..N_LOCKS).map(|_| Arc::new(Mutex::new(()))).collect(),
            pg_locks: None,
        }
    }

    /// Also serialises with the other instances on this PostgreSQL: each lock takes an
    /// advisory lock on a connection from a pool of at most `max_size` of its own.
    pub fn with_pg_lock(mut self, url: &str, max_size: usize) -> Result<Blobs, StoreError> {
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        config.pool = Some(deadpool_postgres::PoolConfig::new(max_size.max(1)));
        self.pg_locks = Some(config.create_pool(Some(Runtime::Tokio1), NoTls)?);
        Ok(self)
    }

    /// Waits for the lock of this hash (shared with the hashes of the same stripe, and
    /// across instances with those of the same first 32 bits); hold it across the
    /// store's hold rows and the object's change, then [`BlobLock::release`] it.
    pub async fn lock(&self, hash: &str) -> Result<BlobLock, StoreError> {
        let stripe = hash.bytes().take(8).fold(0usize, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        // In range whatever the hash: the index is reduced modulo the slice's length.
        let guard = self.locks[stripe % self.locks.len()]
            .clone()
            .lock_owned()
            .await;
        let mut lock = BlobLock {
            _guard: guard,
            pg: None,
        };
        if let Some(pool) = &self.pg_locks {
            let client = pool.get().await?;
            // From here on a failure drops the lock, which closes the connection.
            let key = hash
                .get(..8)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .unwrap_or(0) as i32;
            lock.pg = Some(client);
            if let Some(client) = &lock.pg {
                client.batch_execute("BEGIN").await?;
                client
                    .execute(
                        "SELECT pg_advisory_xact_lock($1, $2)",
                        &[&PG_LOCK_SPACE, &key],
                    )
                    .await?;
            }
        }
        Ok(lock)
    }

    /// Stores `bytes` under `hash` unless it is there already; `true` when written.
    pub async fn put(&self, hash: &str, bytes: Bytes) -> Result<bool, object_store::Error> {
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .inner
            .put_opts(&location(hash), PutPayload::from_bytes(bytes), options)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The stored size, when the blob is there.
    pub async fn size(&self, hash: &str) -> Result<Option<u64>, object_store::Error> {
        match self.inner.head(&location(hash)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The stored bytes, when the blob is there.
    pub async fn get(&self, hash: &str) -> Result<Option<Bytes>, object_store::Error> {
        match self.inner.get(&location(hash)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes the blob; a blob already gone is not an error.
    pub async fn delete(&self, hash: &str) -> Result<(), object_store::Error> {
        match self.inner.delete(&location(hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
