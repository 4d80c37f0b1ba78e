//! The limits over 127.0.0.1, through the server's own accept loop: a concurrent burst
//! from one address gets exactly its burst and 429s with `Retry-After`, and waiting that
//! long is enough; one device's burst does not limit another, requests forged in its
//! name do not spend its budget, and a request refused for its rate can be sent again
//! (its nonce was not spent); `X-Forwarded-For` counts only from a trusted proxy; an
//! oversize body is refused with 413 on each route (declared or chunked); a stalled
//! body ends in 408 and frees its connection, a handler an hour slow in 503 after the limit, and a connection
//! that never finishes its headers is closed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Barrier;

use crate::common::{fixture_with, send, send_tcp, serve_tcp, Now, TestDevice};

fn healthz() -> Request<Body> {
    Request::get("/healthz")
        .body(Body::empty())
        .expect("request")
}

/// Sends all `requests` at once (after a barrier) on connections of their own.
async fn burst(
    addr: std::net::SocketAddr,
    requests: Vec<Request<Body>>,
) -> Vec<(StatusCode, Option<String>)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|req| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let (status, headers, _) = send_tcp(addr, req).await;
                let retry = headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (status, retry)
            })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("task"));
    }
    out
}

fn count(results: &[(StatusCode, Option<String>)], status: StatusCode) -> usize {
    results.iter().filter(|(s, _)| *s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_from_one_address_gets_429_with_retry_after() {
    let fx = fixture_with(|s| {
        s.limits.ip_per_second = 2;
        s.limits.ip_burst = 5;
    })
    .await;
    let addr = serve_tcp(&fx, 5_000).await;
    let results = burst(addr, (0..20).map(|_| healthz()).collect()).await;
    assert_eq!(count(&results, StatusCode::OK), 5, "{results:?}");
    assert_eq!(count(&results, StatusCode::TOO_MANY_REQUESTS), 15);
    for (status, retry) in &results {
        if *status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(retry.as_deref(), Some("1"), "whole seconds, rounded up");
        }
    }
    // Just short of it: still refused; after it: allowed.
    fx.clock.advance(400_000);
    assert_eq!(
        send_tcp(addr, healthz()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    fx.clock.advance(600_000);
    let (status, _, _) = send_tcp(addr, healthz()).await;
    assert_eq!(status, StatusCode::OK, "Retry-After was long enough");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_devices_burst_does_not_limit_another() {
    let fx = fixture_with(|s| {
        s.limits.ip_per_second = 0;
        s.limits.device_per_second = 1;
        s.limits.device_burst = 3;
    })
    .await;
    let addr = serve_tcp(&fx, 5_000).await;
    let mut a = fx.enrolled(81).await;
    let mut b = fx.enrolled(82).await;
    let now = fx.clock.now();

    // Requests in a's name that do not verify spend none of a's budget.
    let mut forger = TestDevice::new(99);
    forger.device_id = a.device_id.clone();
    let forged: Vec<_> = (0..10)
        .map(|_| forger.signed("GET", "/v1/audit/head", vec![], now))
        .collect();
    let results = burst(addr, forged).await;
    assert_eq!(count(&results, StatusCode::UNAUTHORIZED), 10, "{results:?}");

    let nonces: Vec<String> = (0..10).map(|_| a.nonce()).collect();
    let request = |device: &TestDevice, nonce: &str| {
        device.signed_with("GET", "/v1/audit/head", vec![], now, nonce)
    };
    let results = burst(addr, nonces.iter().map(|n| request(&a, n)).collect()).await;
    assert_eq!(count(&results, StatusCode::OK), 3, "{results:?}");
    assert_eq!(count(&results, StatusCode::TOO_MANY_REQUESTS), 7);
    assert!(results
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .all(|(_, retry)| retry.as_deref() == Some("1")));

    // b, at the same instant, has its own budget.
    let b_requests = (0..3)
        .map(|_| b.signed("GET", "/v1/audit/head", vec![], now))
        .collect();
    let results = burst(addr, b_requests).await;
    assert_eq!(count(&results, StatusCode::OK), 3, "{results:?}");

    // A request refused for its rate spent no nonce: sent again a second later, each of
    // the 7 refused goes through, and each of the 3 taken is a replay.
    let (mut fresh, mut replayed) = (0, 0);
    for nonce in &nonces {
        fx.clock.advance(1_000_000);
        let (status, _, body) = send_tcp(addr, request(&a, nonce)).await;
        match status {
            StatusCode::OK => fresh += 1,
            StatusCode::UNAUTHORIZED if body["error"] == "replayed_request" => replayed += 1,
            other => panic!("{other} {body}"),
        }
    }
    assert_eq!((fresh, replayed), (7, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let fx = fixture_with(|s| {
        s.limits.ip_per_second = 1;
        s.limits.ip_burst = 2;
        s.tls.behind_tls_proxy = true;
        s.tls.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await;
    let addr = serve_tcp(&fx, 5_000).await;
    let from = |client: &str| {
        Request::get("/healthz")
            .header("x-forwarded-for", client)
            .body(Body::empty())
            .expect("request")
    };
    let mut statuses = Vec::new();
    for client in ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"] {
        statuses.push(send_tcp(addr, from(client)).await.0.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200]);
    // A client naming someone else in its own header is still counted as itself: the
    // proxy (here: the test) appends the address it saw.
    let (status, _, _) = send_tcp(addr, from("203.0.113.2, 203.0.113.1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn oversize_bodies_get_413_on_each_route() {
    let fx = fixture_with(|s| {
        s.limits.ip_per_second = 0;
        s.limits.admin_body_bytes = 1024;
    })
    .await;
    let addr = serve_tcp(&fx, 5_000).await;
    let mut device = fx.enrolled(83).await;
    let admin = fx.admin_token().await;
    let now = fx.clock.now();

    // Ingest (max_body_bytes: 256 KiB in the tests), declared.
    let big = vec![b' '; 300 * 1024];
    let (status, _, body) = send_tcp(
        addr,
        device.signed("POST", "/v1/audit/batches", big.clone(), now),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );
    // Ingest, chunked (no length declared): cut at the same size.
    let mut chunked = device.signed("POST", "/v1/audit/batches", big, now);
    *chunked.body_mut() = Body::new(Chunks { left: 300 });
    let (status, body) = send(&fx.app(), chunked).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );
    // A batch within the limit is taken.
    let events = device.next_events(5);
    let (status, _, body) = send_tcp(addr, device.batch_request(&events, now)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A blob over max_blob_bytes (64 KiB in the tests).
    let blob = vec![7u8; 70 * 1024];
    let uri = format!("/v1/blobs/{}", "ab".repeat(32));
    let (status, _, body) = send_tcp(addr, device.signed("PUT", &uri, blob, now)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );

    // The admin API: 1 KiB here.
    let revoke = |len: usize| {
        Request::post(format!("/v1/admin/devices/{}/revoke", "nobody"))
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::from(vec![b'x'; len]))
            .expect("request")
    };
    let (status, _, body) = send_tcp(addr, revoke(2048)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );
    let (status, _, _) = send_tcp(addr, revoke(16)).await;
    assert_ne!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a small body passes the limit"
    );
}

/// A body of `left` 1 KiB chunks that declares no length.
struct Chunks {
    left: usize,
}

impl http_body::Body for Chunks {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        self.left -= 1;
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(axum::body::Bytes::from(
            vec![b' '; 1024],
        )))))
    }
}

#[tokio::test]
async fn a_stalled_body_times_out_with_408_and_frees_its_connection() {
    let fx = fixture_with(|s| {
        s.limits.ip_per_second = 0;
        s.limits.request_timeout_ms = 400;
    })
    .await;
    let addr = serve_tcp(&fx, 5_000).await;
    let mut device = fx.enrolled(84).await;
    let signed = device.signed(
        "POST",
        "/v1/audit/batches",
        vec![b' '; 1000],
        fx.clock.now(),
    );
    let mut head = String::from(
        "POST /v1/audit/batches HTTP/1.1\r\nhost: localhost\r\ncontent-length: 1000\r\n",
    );
    for (name, value) in signed.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().expect("ascii")));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&[b' '; 10])
        .await
        .expect("10 of 1000 bytes");
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("answered and closed well before 20 s")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The server goes on serving.
    let (status, _, _) = send_tcp(addr, healthz()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_slow_handler_ends_in_503() {
    let fx = fixture_with(|s| s.limits.request_timeout_ms = 300).await;
    let app = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                "late"
            }),
        )
        .route("/fast", axum::routing::get(|| async { "soon" }))
        .layer(axum::middleware::from_fn_with_state(
            fx.state.clone(),
            clinic_vault_server::limits::timeout,
        ));
    let started = Instant::now();
    let (status, body) = send(&app, Request::get("/slow").body(Body::empty()).expect("r")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("handler_timeout"))
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "ended by the limit"
    );
    let (status, _) = send(&app, Request::get("/fast").body(Body::empty()).expect("r")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let fx = fixture_with(|_| {}).await;
    let addr = serve_tcp(&fx, 300).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n")
        .await
        .expect("half the headers");
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("closed well before 20 s");
    // Closed (maybe with a 408 first), never answered as a request.
    assert!(read.is_err() || !String::from_utf8_lossy(&answer).contains("200 OK"));
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn the_openapi_document_lists_the_limits_refusals() {
    let fx = fixture_with(|_| {}).await;
    let (status, doc) = send(
        &fx.app(),
        Request::get("/openapi.json")
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ingest = &doc["paths"]["/v1/audit/batches"]["post"]["responses"];
    assert!(
        ingest["429"]["headers"]["Retry-After"].is_object(),
        "{ingest}"
    );
    assert!(ingest["408"].is_object() && ingest["503"].is_object());
    assert!(doc["paths"]["/v1/admin/audit"]["get"]["responses"]["429"].is_object());
}
