//! Encrypted scan blobs behind `object_store`, addressed by the SHA-256 of their
//! content (`scans/ab/abcd…`): a local directory by default, any S3-compatible bucket by
//! configuration. The server never sees a key; it checks only that the bytes hash to
//! their address.
//!
//! A blob's hold rows (in the store) and its object change together only under the
//! blob's lock ([`Blobs::lock`]): without it a `DELETE` by the last holder could remove
//! the object right after a concurrent `PUT` had recorded its hold and found the object
//! present (`tests/race.rs` found exactly that). The lock is per process: instances
//! sharing one PostgreSQL and one bucket are not serialised with each other (part 2).

use std::sync::Arc;

use axum::body::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use tokio::sync::{Mutex, MutexGuard};

/// How many locks the hashes share (a hash's lock is chosen by its first bytes).
const N_LOCKS: usize = 64;

/// The blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
    locks: Arc<[Mutex<()>; N_LOCKS]>,
}

/// Held while a blob's hold rows and object are read or changed together.
#[derive(Debug)]
pub struct BlobLock<'a> {
    _guard: MutexGuard<'a, ()>,
}

fn location(hash: &str) -> Path {
    let prefix = hash.get(..2).unwrap_or("__");
    Path::from(format!("scans/{prefix}/{hash}"))
}

impl Blobs {
    /// Blobs in a local directory (created when missing).
    pub fn local(dir: &std::path::Path) -> Result<Blobs, object_store::Error> {
        std::fs::create_dir_all(dir).map_err(|source| object_store::Error::Generic {
            store: "local",
            source: Box::new(source),
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
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
            locks: Arc::new(std::array::from_fn(|_| Mutex::new(()))),
        }
    }

    /// Waits for the lock of this hash (shared with the hashes of the same stripe);
    /// hold it across the store's hold rows and the object's change.
    pub async fn lock(&self, hash: &str) -> BlobLock<'_> {
        let stripe = hash.bytes().take(8).fold(0usize, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        // In range whatever the hash: the index is reduced modulo the array's length.
        BlobLock {
            _guard: self.locks[stripe % N_LOCKS].lock().await,
        }
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
