//! S3: the blob suites against `s3s-fs`, a real S3-compatible server (it checks SigV4
//! signatures) run in-process on 127.0.0.1, through `object_store`'s S3 client.

use axum::http::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

use clinic_vault_server::{Blobs, Settings};

use crate::common::{fixture, send, Now};

const BUCKET: &str = "clinic-scans";
const ACCESS_KEY: &str = "test-access-key";
const SECRET_KEY: &str = "test-secret-key-0123456789";

/// An S3 server on a loopback port, serving a bucket in a temporary directory.
pub struct S3Server {
    pub endpoint: String,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start() -> S3Server {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket");
    let fs = s3s_fs::FileSystem::new(dir.path()).expect("s3s-fs");
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let _closed = ConnBuilder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    S3Server {
        endpoint,
        _dir: dir,
        task,
    }
}

/// Settings for the blob store on this server, with the right secret.
pub fn settings(server: &S3Server) -> Settings {
    s3_settings(server, SECRET_KEY)
}

fn s3_settings(server: &S3Server, secret: &str) -> Settings {
    Settings {
        s3_endpoint: server.endpoint.clone(),
        s3_bucket: BUCKET.into(),
        s3_access_key_id: ACCESS_KEY.into(),
        s3_secret_access_key: secret.into(),
        s3_allow_http: true,
        ..Settings::default()
    }
}

#[tokio::test]
async fn s3_blobs_pass_the_store_suite() {
    let server = start().await;
    let blobs = Blobs::from_settings(&s3_settings(&server, SECRET_KEY)).expect("s3");
    crate::blobs::store_suite(&blobs).await;
}

#[tokio::test]
async fn s3_blobs_pass_the_api_suite() {
    let server = start().await;
    let mut fx = fixture().await;
    fx.state.blobs = Blobs::from_settings(&s3_settings(&server, SECRET_KEY)).expect("s3");
    crate::blobs::api_suite(fx).await;
}

#[tokio::test]
async fn a_wrong_s3_secret_is_a_server_error_without_detail() {
    let server = start().await;
    let mut fx = fixture().await;
    fx.state.blobs = Blobs::from_settings(&s3_settings(&server, "wrong-secret")).expect("s3");
    let app = fx.app();
    let mut device = fx.enrolled(61).await;
    let content = b"scan".to_vec();
    let uri = format!(
        "/v1/blobs/{}",
        crate::common::hex(&<sha2::Sha256 as sha2::Digest>::digest(&content))
    );
    let (status, answer) = send(&app, device.signed("PUT", &uri, content, fx.clock.now())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("internal"))
    );
    assert!(!answer.to_string().contains("wrong-secret"), "{answer}");
}
