//! The accept loop: HTTP/1.1 over TCP, or over TLS with the certificate in force at each
//! connection's handshake ([`TlsReloader::current`]), each request carrying its TCP peer
//! ([`Peer`]) for the per-address limits. A connection must finish its handshake and send
//! each request's headers within the header timeout. On shutdown the listener closes, open
//! connections finish their requests in flight (up to [`DRAIN`]) and end.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::limits::Peer;
use crate::tls::TlsReloader;

/// How long open connections get to finish once shutdown begins.
pub const DRAIN: Duration = Duration::from_secs(30);

/// How the loop treats each connection.
#[derive(Debug, Clone)]
pub struct ConnOptions {
    /// TLS, when configured.
    pub tls: Option<Arc<TlsReloader>>,
    /// The time a connection has for its TLS handshake and for each request's headers.
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ConnOptions,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _nodelay = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(Peer(peer));
                req
            });
        let service = TowerToHyperService::new(service);
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_timeout);
        let watcher = graceful.watcher();
        let acceptor = options
            .tls
            .as_ref()
            .map(|tls| tokio_rustls::TlsAcceptor::from(tls.current()));
        let header_timeout = options.header_timeout;
        tokio::spawn(async move {
            match acceptor {
                Some(acceptor) => {
                    let stream =
                        match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(e)) => {
                                tracing::info!(error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::info!("TLS handshake timed out");
                                return;
                            }
                        };
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let _ended = watcher.watch(conn).await;
                }
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let _ended = watcher.watch(conn).await;
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain time; closing them");
    }
}
