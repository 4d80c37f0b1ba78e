//! The `keyslots` file: everything unlock needs before the database is open. Each slot
//! holds an X25519 private key wrapped (AES-256-GCM) under Argon2id(password) and the
//! data key sealed to the slot's public key (HPKE). `vault.db` keeps the authoritative
//! copy; the file on disk is replaced atomically and checked against it at unlock.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{self, KdfParams, Sealed};
use crate::error::{Error, Result};
use crate::secrets::{DataKey, PrivateKey};

/// Newest `keyslots` format this build writes and reads.
pub(crate) const FORMAT: u32 = 1;
const DEK_INFO: &[u8] = b"clinic-vault/dek/v1";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyslotFile {
    pub format: u32,
    pub vault_id: String,
    pub generation: u64,
    /// Public key the pre-unlock journal is sealed to.
    #[serde(with = "crate::b64")]
    pub journal_public_key: Vec<u8>,
    pub slots: Vec<Slot>,
    /// SHA-256 (hex) of the file with this field empty: catches accidental damage that
    /// would otherwise look like a wrong password.
    #[serde(default)]
    pub checksum: String,
}

/// Who a slot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SlotKind {
    User,
    Recovery,
}

/// One way into the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Slot {
    pub slot_id: String,
    pub kind: SlotKind,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    #[serde(with = "crate::b64")]
    pub public_key: Vec<u8>,
    pub kdf: KdfParams,
    #[serde(with = "crate::b64")]
    pub salt: Vec<u8>,
    #[serde(with = "crate::b64")]
    pub wrapped_private_key: Vec<u8>,
    /// Set for a one-time-password slot: when it stops working (µs since the epoch).
    pub one_time_expires_us: Option<i64>,
    pub sealed_dek: Sealed,
    /// During a data-key rotation: the new key, sealed to the same public key.
    pub next_sealed_dek: Option<Sealed>,
}

/// Associated data binding a slot's ciphertexts to this vault, slot and user.
fn binding(
    vault_id: &str,
    slot_id: &str,
    kind: SlotKind,
    user_id: Option<&str>,
    what: &str,
) -> Vec<u8> {
    format!(
        "clinic-vault/slot/v{FORMAT}|{vault_id}|{slot_id}|{kind:?}|{}|{what}",
        user_id.unwrap_or("-")
    )
    .into_bytes()
}

impl Slot {
    fn bind(&self, vault_id: &str, what: &str) -> Vec<u8> {
        binding(
            vault_id,
            &self.slot_id,
            self.kind,
            self.user_id.as_deref(),
            what,
        )
    }

    /// Hash of everything that identifies the slot and guards its private key. The
    /// sealed data keys are left out: they change during a rotation and can only be
    /// produced by someone who holds the data key already.
    pub(crate) fn identity_hash(&self) -> [u8; 32] {
        let identity = serde_json::json!({
            "slot_id": self.slot_id,
            "kind": self.kind,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "public_key": crate::b64::encode(&self.public_key),
            "kdf": self.kdf,
            "salt": crate::b64::encode(&self.salt),
            "wrapped_private_key": crate::b64::encode(&self.wrapped_private_key),
            "one_time_expires_us": self.one_time_expires_us,
        });
        let canonical =
            clinic_vault_proto::canonical_json(&identity).expect("slot identity is canonical");
        Sha256::digest(canonical).into()
    }

    /// Derives the key-encryption key from `secret` and unwraps the private key;
    /// `None` means wrong secret (or a damaged slot, which looks the same).
    pub(crate) fn open_private_key(
        &self,
        vault_id: &str,
        secret: &[u8],
    ) -> Result<Option<PrivateKey>> {
        if !self.kdf.meets_floor() {
            return Err(Error::Corrupt(
                "a key slot's Argon2id parameters are below the floor (downgrade refused)".into(),
            ));
        }
        let kek = crypto::derive_kek(secret, &self.salt, &self.kdf)?;
        let Some(raw) =
            crypto::aead_open(&kek, &self.bind(vault_id, "key"), &self.wrapped_private_key)
        else {
            return Ok(None);
        };
        Ok(PrivateKey::from_slice(&raw))
    }

    /// Opens the current data key.
    pub(crate) fn open_dek(&self, vault_id: &str, key: &PrivateKey) -> Option<DataKey> {
        let raw = crypto::hpke_open(key, DEK_INFO, &self.bind(vault_id, "dek"), &self.sealed_dek)?;
        DataKey::from_slice(&raw)
    }

    /// Opens the data key being rotated in, if a rotation is under way.
    pub(crate) fn open_dek_next(&self, vault_id: &str, key: &PrivateKey) -> Option<DataKey> {
        let sealed = self.next_sealed_dek.as_ref()?;
        let raw = crypto::hpke_open(key, DEK_INFO, &self.bind(vault_id, "dek"), sealed)?;
        DataKey::from_slice(&raw)
    }

    /// Seals `dek` to this slot's public key.
    pub(crate) fn seal_dek(&self, vault_id: &str, dek: &DataKey) -> Result<Sealed> {
        crypto::hpke_seal(
            &self.public_key,
            DEK_INFO,
            &self.bind(vault_id, "dek"),
            dek.expose_bytes(),
        )
    }

    /// Re-wraps this slot's private key under a new secret (password change).
    pub(crate) fn rewrap(
        &mut self,
        vault_id: &str,
        key: &PrivateKey,
        secret: &[u8],
        kdf: KdfParams,
    ) -> Result<()> {
        let salt: [u8; 16] = crypto::random_array();
        let kek = crypto::derive_kek(secret, &salt, &kdf)?;
        self.kdf = kdf;
        self.salt = salt.to_vec();
        self.wrapped_private_key =
            crypto::aead_seal(&kek, &self.bind(vault_id, "key"), key.expose_bytes());
        Ok(())
    }
}

/// What a new slot is for.
pub(crate) struct NewSlot<'a> {
    pub kind: SlotKind,
    pub user_id: Option<&'a str>,
    pub user_name: Option<&'a str>,
    pub one_time_expires_us: Option<i64>,
}

/// A new slot with a fresh key pair, its private key wrapped under `secret`.
pub(crate) fn new_slot(
    vault_id: &str,
    spec: NewSlot<'_>,
    secret: &[u8],
    kdf: KdfParams,
    dek: &DataKey,
) -> Result<(Slot, PrivateKey)> {
    let (private_key, public_key) = crypto::generate_keypair();
    let mut slot = Slot {
        slot_id: uuid::Uuid::new_v4().to_string(),
        kind: spec.kind,
        user_id: spec.user_id.map(str::to_string),
        user_name: spec.user_name.map(str::to_string),
        public_key: public_key.to_vec(),
        kdf,
        salt: Vec::new(),
        wrapped_private_key: Vec::new(),
        one_time_expires_us: spec.one_time_expires_us,
        sealed_dek: Sealed {
            enc: Vec::new(),
            ct: Vec::new(),
        },
        next_sealed_dek: None,
    };
    slot.rewrap(vault_id, &private_key, secret, kdf)?;
    slot.sealed_dek = slot.seal_dek(vault_id, dek)?;
    Ok((slot, private_key))
}

impl KeyslotFile {
    /// Serialized form, as written to disk and kept in `vault.db`.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut sealed = self.clone();
        sealed.checksum = self.computed_checksum();
        let mut bytes = serde_json::to_vec_pretty(&sealed).expect("keyslots serialize");
        bytes.push(b'\n');
        bytes
    }

    fn computed_checksum(&self) -> String {
        let mut body = self.clone();
        body.checksum = String::new();
        let value = serde_json::to_value(&body).expect("keyslots serialize");
        let canonical = clinic_vault_proto::canonical_json(&value).expect("keyslots are canonical");
        Sha256::digest(canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Equality of content, ignoring the stored checksum.
    pub(crate) fn same_content(&self, other: &KeyslotFile) -> bool {
        let (mut a, mut b) = (self.clone(), other.clone());
        a.checksum.clear();
        b.checksum.clear();
        a == b
    }

    /// Parses the file's bytes; damage is `corrupt`, a newer format `vault_too_new`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            format: u32,
        }
        let version: Version = serde_json::from_slice(bytes)
            .map_err(|_| Error::Corrupt("the keyslots file is damaged (not readable)".into()))?;
        if version.format > FORMAT {
            return Err(Error::VaultTooNew {
                found: version.format,
                supported: FORMAT,
            });
        }
        let file: KeyslotFile = serde_json::from_slice(bytes).map_err(|_| {
            Error::Corrupt("the keyslots file is damaged (unexpected content)".into())
        })?;
        if file.checksum != file.computed_checksum() {
            return Err(Error::Corrupt(
                "the keyslots file is damaged (checksum mismatch)".into(),
            ));
        }
        Ok(file)
    }

    /// The enabled slot of a user, by name.
    pub(crate) fn user_slot(&self, name: &str) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| s.kind == SlotKind::User && s.user_name.as_deref() == Some(name))
    }

    /// The recovery slot.
    pub(crate) fn recovery_slot(&self) -> Option<&Slot> {
        self.slots.iter().find(|s| s.kind == SlotKind::Recovery)
    }
}

/// Largest `keyslots` file that is read (a real one holds a few KiB per user).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and parses `keyslots`, never through a symbolic link.
pub(crate) fn read(path: &Path) -> Result<KeyslotFile> {
    use std::io::Read;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Corrupt("the keyslots file is missing".into()),
            _ if e.raw_os_error() == Some(libc::ELOOP) => Error::Corrupt(
                "the keyslots file is a symbolic link; a vault's files must be regular files"
                    .into(),
            ),
            _ => Error::io("reading keyslots", e),
        })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading keyslots", e))?;
    KeyslotFile::from_bytes(&bytes)
}

/// Removes what a crash between creating and renaming a temp file left behind. The
/// caller holds the writer lock, so no other writer's temp file is in flight.
fn remove_stale_temp_files(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if n.starts_with(&prefix) && n.ends_with(".tmp") {
            // `remove_file` on a link removes the link, never its target.
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Replaces `path` atomically: temp file, fsync, rename, directory fsync. The caller
/// holds the vault's writer lock.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal("keyslots path has no directory".into()))?;
    // A fresh random name, created exclusively and never through a link: nothing planted
    // in the directory can redirect the write. `rename` replaces the name itself, so a
    // link planted at `path` is replaced, not followed.
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Internal("keyslots path has no file name".into()))?;
    remove_stale_temp_files(dir, name);
    let suffix: [u8; 12] = crypto::random_array();
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(|e| Error::io("writing keyslots", e))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| {
            crate::crashpoint::hit("keyslots.tmp_written");
            file.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io("replacing keyslots", e));
    }
    crate::crashpoint::hit("keyslots.renamed");
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing the vault directory", e))?;
    Ok(())
}
