//! The server's integration tests, one binary: the storage suite (`storage`, and on a
//! private PostgreSQL cluster in `postgres`, started by `pg`), the API
//! in-process with `oneshot` (`api`, `blobs`; blobs also on S3 in `s3`), over 127.0.0.1 and through the binary
//! (`http`), the log without PHI (`logs`), the tidy checks of the manifest (`tidy`), the
//! SQLite upgrade from schema v1 (`upgrade`), blob PUT/DELETE races (`race`) and TLS to
//! S3 with ring as rustls' provider (`tls`); the admin page's security (`admin_web`)
//! and what it shows (`admin_pages`).

mod common;

mod admin_pages;
mod admin_store;
mod admin_web;
mod alerts_api;
mod alerts_store;
mod alerts_webhook;
mod api;
mod blobs;
mod crash;
mod http;
mod logs;
mod pg;
mod postgres;
mod race;
mod s3;
mod storage;
mod tidy;
mod tls;
mod upgrade;
