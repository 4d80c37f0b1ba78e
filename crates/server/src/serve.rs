//! Starting the server from its settings: the loopback rule for plain HTTP, the TLS
//! certificate, opening the store (migrated forward), the blob store and the signing key,
//! then serving ([`crate::listen`]) until SIGTERM or Ctrl-C, reloading the certificate
//! on SIGHUP.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::keys::{load_or_create, KeyError};
use crate::limits::Guard;
use crate::listen::ConnOptions;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::tls::{TlsReloader, TlsSettings};
use crate::{app, AppState, Blobs, Clock, Limits, Settings};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Plain HTTP was asked for on an address that is not loopback.
    #[error("refusing to listen in plain HTTP on {0}: only loopback addresses (127.0.0.1, ::1) are allowed without TLS; set [tls] cert_file and key_file, or [tls] behind_tls_proxy = true when a TLS proxy in front of this server terminates TLS")]
    PlainHttpNotLoopback(SocketAddr),
    /// The TLS certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// The data directory could not be created.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signing key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The blob store could not be opened.
    #[error("blob store: {0}")]
    Blobs(#[from] object_store::Error),
    /// Listening failed.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Plain HTTP only on loopback, unless TLS is configured or a TLS proxy is in front.
pub fn check_listen(addr: SocketAddr, tls: &TlsSettings) -> Result<(), StartError> {
    if addr.ip().is_loopback() || tls.enabled() || tls.behind_tls_proxy {
        Ok(())
    } else {
        Err(StartError::PlainHttpNotLoopback(addr))
    }
}

fn data_dir(settings: &Settings) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    let path = &settings.data_dir;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| StartError::DataDir {
            path: path.clone(),
            source,
        })
}

/// Opens the store the settings name (not migrated): PostgreSQL when a database URL is
/// set, else SQLite in the data directory.
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, StartError> {
    data_dir(settings)?;
    if !settings.database_url.is_empty() {
        let store = PgStore::connect(&settings.database_url, settings.database_pool_size as usize)?;
        return Ok(Arc::new(store));
    }
    let path = settings.data_dir.join("server.db");
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
        .await
        .map_err(|_| StoreError::TaskLost)??;
    Ok(Arc::new(store))
}

/// The state a server runs with: the store (migrated forward), the blob store (local or
/// S3) and the signing key (created when missing).
pub async fn state(settings: &Settings, clock: Arc<dyn Clock>) -> Result<AppState, StartError> {
    let store = open_store(settings).await?;
    let (from, to) = store.migrate().await?;
    if from != to {
        tracing::info!(from, to, "schema migrated");
    }
    let mut blobs = Blobs::from_settings(settings)?;
    if !settings.database_url.is_empty() {
        blobs = blobs.with_pg_lock(&settings.database_url, settings.database_pool_size as usize)?;
    }
    let signing_key = load_or_create(&settings.signing_key_file())?;
    Ok(AppState {
        store,
        blobs,
        clock,
        admin_web: crate::web::AdminWeb::new(settings, &signing_key),
        signing_key: Arc::new(signing_key),
        limits: Limits::from_settings(settings),
        guard: Guard::new(&settings.limits, &settings.tls),
    })
}

/// Serves until SIGTERM or Ctrl-C. Logs `listening` with the bound address first.
pub async fn serve(settings: &Settings, clock: Arc<dyn Clock>) -> Result<(), StartError> {
    check_listen(settings.listen, &settings.tls)?;
    let tls = TlsReloader::from_settings(&settings.tls)?.map(Arc::new);
    let state = state(settings, clock).await?;
    let listen = |source| StartError::Listen {
        addr: settings.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(listen)?;
    let addr = listener.local_addr().map_err(listen)?;
    if let Some(tls) = &tls {
        let tls = tls.clone();
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(listen)?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match tls.reload() {
                    Ok(()) => tracing::info!("TLS certificate reloaded"),
                    Err(e) => tracing::error!(
                        error = %e,
                        "TLS certificate not reloaded; the previous one stays in force"
                    ),
                }
            }
        });
    }
    tracing::info!(addr = %addr, tls = tls.is_some(), settings = ?settings, "listening");
    let options = ConnOptions {
        tls,
        header_timeout: std::time::Duration::from_millis(settings.limits.header_timeout_ms.max(1)),
    };
    crate::listen::serve(listener, app(state), options, shutdown()).await;
    Ok(())
}

async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        let plain = TlsSettings::default();
        for ok in ["127.0.0.1:1", "[::1]:1", "127.9.9.9:0"] {
            assert!(
                check_listen(ok.parse().expect("addr"), &plain).is_ok(),
                "{ok}"
            );
        }
        for refused in ["0.0.0.0:1", "[::]:1", "192.168.1.5:8787"] {
            let refusal = check_listen(refused.parse().expect("addr"), &plain);
            assert!(
                matches!(refusal, Err(StartError::PlainHttpNotLoopback(_))),
                "{refused}"
            );
            let message = refusal.map_err(|e| e.to_string()).err().unwrap_or_default();
            assert!(message.contains("behind_tls_proxy"), "{message}");
        }
        let proxied = TlsSettings {
            behind_tls_proxy: true,
            ..TlsSettings::default()
        };
        let with_tls = TlsSettings {
            cert_file: "/etc/cv/cert.pem".into(),
            key_file: "/etc/cv/key.pem".into(),
            ..TlsSettings::default()
        };
        for allowed in [&proxied, &with_tls] {
            assert!(check_listen("0.0.0.0:443".parse().expect("addr"), allowed).is_ok());
        }
    }
}
