//! The server's settings: built-in defaults, then a TOML file, then
//! `CLINIC_VAULT_SERVER_…` environment variables, each layer overriding the one before.
//! The database URL's password is a secret: `Debug` and the log show it redacted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The environment variables' prefix.
pub const ENV_PREFIX: &str = "CLINIC_VAULT_SERVER_";

/// An example settings file with every key at its default.
pub const EXAMPLE: &str = include_str!("../server.example.toml");

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The settings file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The settings file is not valid TOML for these settings.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// An environment variable does not hold a valid value.
    #[error("{name}: {value:?} is not a valid value")]
    Env {
        /// The variable.
        name: String,
        /// Its value (never a secret's: those are not parsed).
        value: String,
    },
    /// An environment variable that no setting has.
    #[error("{name} is not a setting")]
    UnknownEnv {
        /// The variable.
        name: String,
    },
}

/// Every setting.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where to listen. Plain HTTP is refused on anything but loopback.
    pub listen: SocketAddr,
    /// The data directory: the SQLite store, the local blob store, the signing key.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (a secret: it may hold a password); empty: the SQLite store in
    /// the data directory.
    pub database_url: String,
    /// The most PostgreSQL connections one instance opens.
    pub database_pool_size: u32,
    /// The local blob directory; empty: `DATA_DIR/blobs`.
    pub blob_dir: PathBuf,
    /// An S3-compatible endpoint URL (`https://s3.example.net`); empty: AWS's for the region.
    pub s3_endpoint: String,
    /// The S3 bucket for blobs; empty: blobs in the local blob directory.
    pub s3_bucket: String,
    /// The S3 region.
    pub s3_region: String,
    /// The S3 access key id.
    pub s3_access_key_id: String,
    /// The S3 secret access key (a secret: never shown).
    pub s3_secret_access_key: String,
    /// Allow a plain-HTTP S3 endpoint (a local test server).
    pub s3_allow_http: bool,
    /// The server's signing key file; empty: `DATA_DIR/signing.key`.
    pub signing_key_file: PathBuf,
    /// The largest blob accepted, in bytes.
    pub max_blob_bytes: u64,
    /// The largest JSON body accepted, in bytes.
    pub max_body_bytes: u64,
    /// The most events one batch may hold.
    pub max_batch_events: u32,
    /// How far a request's timestamp may be from the server's clock, in seconds; nonces
    /// are kept this long past their timestamp.
    pub timestamp_window_secs: u32,
    /// The URL workstations reach this server at (`https://vault.clinic.example`), put
    /// into the enrollment codes the admin page makes; empty: the page makes none.
    pub public_url: String,
    /// An admin page session ends after this many seconds without a request.
    pub admin_session_idle_secs: u32,
    /// An admin page session ends this many seconds after its login, however busy.
    pub admin_session_max_secs: u32,
    /// The `[alerts]` section (`CLINIC_VAULT_SERVER_ALERTS_…`).
    pub alerts: crate::alerts::AlertSettings,
    /// TLS and the proxy in front (`[tls]`).
    pub tls: crate::tls::TlsSettings,
    /// Rate, time and body limits (`[limits]`).
    pub limits: crate::limits::LimitSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: PathBuf::from("clinic-vault-server-data"),
            database_url: String::new(),
            database_pool_size: 16,
            blob_dir: PathBuf::new(),
            signing_key_file: PathBuf::new(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_allow_http: false,
            max_blob_bytes: 64 << 20,
            max_body_bytes: 8 << 20,
            max_batch_events: 1_000,
            timestamp_window_secs: 300,
            public_url: String::new(),
            admin_session_idle_secs: 900,
            admin_session_max_secs: 28_800,
            alerts: crate::alerts::AlertSettings::default(),
            tls: crate::tls::TlsSettings::default(),
            limits: crate::limits::LimitSettings::default(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_pool_size", &self.database_pool_size)
            .field("blob_dir", &self.blob_dir)
            .field("signing_key_file", &self.signing_key_file)
            .field("s3_endpoint", &redact_url(&self.s3_endpoint))
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field(
                "s3_secret_access_key",
                &if self.s3_secret_access_key.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("s3_allow_http", &self.s3_allow_http)
            .field("max_blob_bytes", &self.max_blob_bytes)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_batch_events", &self.max_batch_events)
            .field("timestamp_window_secs", &self.timestamp_window_secs)
            .field("public_url", &self.public_url)
            .field("admin_session_idle_secs", &self.admin_session_idle_secs)
            .field("admin_session_max_secs", &self.admin_session_max_secs)
            .field("alerts", &self.alerts)
            .field("tls", &self.tls)
            .field("limits", &self.limits)
            .finish()
    }
}

/// A URL with its password (`user:PASSWORD@`) and any `password=` parameter replaced
/// by `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(start) = lower.find("password=") {
        let value_start = start + "password=".len();
        let value_end = out[value_start..]
            .find(['&', ' '])
            .map_or(out.len(), |i| value_start + i);
        out.replace_range(value_start..value_end, "***");
    }
    out
}

/// Parses an environment variable's value.
pub(crate) fn parse_env<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, SettingsError> {
    value.parse().map_err(|_| SettingsError::Env {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}

impl Settings {
    /// Defaults, then `file` when given, then the `CLINIC_VAULT_SERVER_…` variables among
    /// `env` (the caller passes `std::env::vars()`; tests pass their own).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| SettingsError::Toml {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?
            }
            None => Settings::default(),
        };
        for (name, value) in env {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if key == "CONFIG" {
                continue;
            }
            settings.set_from_env(&name, key, value)?;
        }
        Ok(settings)
    }

    fn set_from_env(&mut self, name: &str, key: &str, value: String) -> Result<(), SettingsError> {
        use crate::settings::parse_env as parse;
        if let Some(tls_key) = key.strip_prefix("TLS_") {
            return self.tls.set_from_env(name, tls_key, value);
        }
        if let Some(limits_key) = key.strip_prefix("LIMITS_") {
            return self.limits.set_from_env(name, limits_key, value);
        }
        match key {
            "LISTEN" => self.listen = parse(name, &value)?,
            "DATA_DIR" => self.data_dir = PathBuf::from(value),
            "DATABASE_URL" => self.database_url = value,
            "DATABASE_POOL_SIZE" => self.database_pool_size = parse(name, &value)?,
            "BLOB_DIR" => self.blob_dir = PathBuf::from(value),
            "S3_ENDPOINT" => self.s3_endpoint = value,
            "S3_BUCKET" => self.s3_bucket = value,
            "S3_REGION" => self.s3_region = value,
            "S3_ACCESS_KEY_ID" => self.s3_access_key_id = value,
            "S3_SECRET_ACCESS_KEY" => self.s3_secret_access_key = value,
            "S3_ALLOW_HTTP" => self.s3_allow_http = parse(name, &value)?,
            "SIGNING_KEY_FILE" => self.signing_key_file = PathBuf::from(value),
            "MAX_BLOB_BYTES" => self.max_blob_bytes = parse(name, &value)?,
            "MAX_BODY_BYTES" => self.max_body_bytes = parse(name, &value)?,
            "MAX_BATCH_EVENTS" => self.max_batch_events = parse(name, &value)?,
            "TIMESTAMP_WINDOW_SECS" => self.timestamp_window_secs = parse(name, &value)?,
            "PUBLIC_URL" => self.public_url = value,
            "ADMIN_SESSION_IDLE_SECS" => self.admin_session_idle_secs = parse(name, &value)?,
            "ADMIN_SESSION_MAX_SECS" => self.admin_session_max_secs = parse(name, &value)?,
            _ if key.starts_with("ALERTS_") => self
                .alerts
                .set_from_env(&key["ALERTS_".len()..], &value)
                .map_err(|e| match e {
                    crate::alerts::AlertSettingsError::NotSeconds => SettingsError::Env {
                        name: name.to_owned(),
                        value: value.clone(),
                    },
                    crate::alerts::AlertSettingsError::Unknown => SettingsError::UnknownEnv {
                        name: name.to_owned(),
                    },
                })?,
            _ => {
                return Err(SettingsError::UnknownEnv {
                    name: name.to_owned(),
                })
            }
        }
        Ok(())
    }

    /// The local blob directory.
    pub fn blob_dir(&self) -> PathBuf {
        if self.blob_dir.as_os_str().is_empty() {
            self.data_dir.join("blobs")
        } else {
            self.blob_dir.clone()
        }
    }

    /// The signing key file.
    pub fn signing_key_file(&self) -> PathBuf {
        if self.signing_key_file.as_os_str().is_empty() {
            self.data_dir.join("signing.key")
        } else {
            self.signing_key_file.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn layers_override_in_order() -> Result<(), SettingsError> {
        let dir = tempfile::tempdir().map_err(|source| SettingsError::Read {
            path: PathBuf::new(),
            source,
        })?;
        let file = dir.path().join("server.toml");
        std::fs::write(&file, "max_blob_bytes = 1000\nmax_batch_events = 7\n").map_err(
            |source| SettingsError::Read {
                path: file.clone(),
                source,
            },
        )?;
        let settings = Settings::load(
            Some(&file),
            env(&[
                ("CLINIC_VAULT_SERVER_MAX_BATCH_EVENTS", "9"),
                ("CLINIC_VAULT_SERVER_CONFIG", "ignored"),
                ("HOME", "/elsewhere"),
            ]),
        )?;
        assert_eq!(settings.max_blob_bytes, 1000, "from the file");
        assert_eq!(settings.max_batch_events, 9, "the environment wins");
        assert_eq!(settings.timestamp_window_secs, 300, "the default stays");
        Ok(())
    }

    #[test]
    fn the_example_file_holds_the_defaults() -> Result<(), toml::de::Error> {
        let example: Settings = toml::from_str(EXAMPLE)?;
        assert_eq!(example, Settings::default());
        Ok(())
    }

    #[test]
    fn the_tls_and_limits_sections_from_a_file_and_the_environment() -> Result<(), SettingsError> {
        let dir = tempfile::tempdir().map_err(|source| SettingsError::Read {
            path: PathBuf::new(),
            source,
        })?;
        let file = dir.path().join("server.toml");
        std::fs::write(
            &file,
            "[tls]\ncert_file = \"/etc/cv/cert.pem\"\nkey_file = \"/etc/cv/key.pem\"\n\
             [limits]\nip_per_second = 7\n",
        )
        .map_err(|source| SettingsError::Read {
            path: file.clone(),
            source,
        })?;
        let settings = Settings::load(
            Some(&file),
            env(&[
                ("CLINIC_VAULT_SERVER_TLS_BEHIND_TLS_PROXY", "true"),
                ("CLINIC_VAULT_SERVER_TLS_TRUSTED_PROXIES", "10.0.0.2, ::1"),
                ("CLINIC_VAULT_SERVER_LIMITS_DEVICE_BURST", "3"),
            ]),
        )?;
        assert_eq!(settings.tls.cert_file, PathBuf::from("/etc/cv/cert.pem"));
        assert!(settings.tls.behind_tls_proxy);
        assert_eq!(settings.tls.trusted_proxies.len(), 2);
        assert_eq!(settings.limits.ip_per_second, 7);
        assert_eq!(settings.limits.device_burst, 3);
        assert_eq!(
            settings.limits.request_timeout_ms,
            crate::limits::LimitSettings::default().request_timeout_ms
        );
        let unknown = Settings::load(None, env(&[("CLINIC_VAULT_SERVER_LIMITS_NOPE", "1")]));
        assert!(matches!(unknown, Err(SettingsError::UnknownEnv { .. })));
        let bad = Settings::load(
            None,
            env(&[("CLINIC_VAULT_SERVER_TLS_TRUSTED_PROXIES", "10.0.0.2,proxy")]),
        );
        assert!(matches!(bad, Err(SettingsError::Env { .. })), "{bad:?}");
        Ok(())
    }

    #[test]
    fn bad_values_and_unknown_names_are_refused() {
        let bad = Settings::load(None, env(&[("CLINIC_VAULT_SERVER_LISTEN", "nowhere")]));
        assert!(matches!(bad, Err(SettingsError::Env { .. })), "{bad:?}");
        let unknown = Settings::load(None, env(&[("CLINIC_VAULT_SERVER_LISTN", "x")]));
        assert!(matches!(unknown, Err(SettingsError::UnknownEnv { .. })));
    }

    #[test]
    fn the_database_password_never_shows() -> Result<(), SettingsError> {
        let settings = Settings::load(
            None,
            env(&[(
                "CLINIC_VAULT_SERVER_DATABASE_URL",
                "postgres://vault:s3cret@db:5432/vault?sslmode=disable",
            )]),
        )?;
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let with_s3 = Settings::load(
            None,
            env(&[("CLINIC_VAULT_SERVER_S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")]),
        )?;
        let shown_s3 = format!("{with_s3:?}");
        assert!(!shown_s3.contains("wJalrXUtnFEMI"), "{shown_s3}");
        assert!(
            shown.contains("postgres://vault:***@db:5432/vault"),
            "{shown}"
        );
        Ok(())
    }

    #[test]
    fn passwords_in_urls_never_show() {
        assert_eq!(
            redact_url("postgres://vault:s3cret@db:5432/vault?sslmode=disable"),
            "postgres://vault:***@db:5432/vault?sslmode=disable"
        );
        assert_eq!(
            redact_url("host=db user=v password=hunter2 dbname=x"),
            "host=db user=v password=*** dbname=x"
        );
        assert_eq!(redact_url("postgres://db/vault"), "postgres://db/vault");
    }
}
