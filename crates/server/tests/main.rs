//! The server's integration tests, one binary: the storage suite (`storage`, and on a
//! private PostgreSQL cluster in `postgres`, started by `pg`), the API
//! in-process with `oneshot` (`api`, `blobs`; blobs also on S3 in `s3`), over 127.0.0.1 and through the binary
//! (`http`), the log without PHI (`logs`), the tidy checks of the manifest (`tidy`), the
//! SQLite upgrade from schema v1 (`upgrade`), blob PUT/DELETE races (`race`) and TLS to
//! S3 with ring as rustls' provider (`tls`); the admin page's security (`admin_web`)
//! and what it shows (`admin_pages`); HTTPS from the binary with a SIGHUP reload
//! (`https`), the rate, time and body limits (`limits`), and two server processes on one
//! PostgreSQL and one S3 endpoint (`instances`, with the binary run by `proc`).

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
mod https;
mod instances;
mod limits;
mod logs;
mod pg;
mod postgres;
mod proc;
mod race;
mod s3;
mod storage;
mod tidy;
mod tls;
mod upgrade;
