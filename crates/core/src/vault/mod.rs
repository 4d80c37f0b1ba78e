//! The vault directory and its life cycle: create (`init`), enter (`unlock`,
//! `first_login`, `recover`) and the unlocked [`Session`]. DESIGN §3 is the specification.

mod enter;
pub mod error;
pub(crate) mod kernel;
#[cfg(test)]
mod kernel_tests;
mod keystate;
pub(crate) mod session;
#[cfg(test)]
pub(crate) mod tests;
mod verify;

use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::audit::NewEvent;
use crate::clock::Clock;
use crate::crypto::{self, KdfParams};
use crate::db::{self, DbSettings};
use crate::error::{Error, Result, VaultError};
use crate::ids::UserId;
use crate::invalid::{Invalid, Rule};
use crate::keyslots::{self, KeyslotFile, NewSlot, SlotKind};
use crate::lockfile::SessionLock;
use crate::perms::Role;
use crate::secrets::{DataKey, Password, ShownSecret, TotpSecret};
use crate::users::store::{PasswordState, TotpState};
use crate::users::{self, seal_totp};
use crate::{crockford, policy, totp};
use clinic_vault_proto::Action;
use kernel::{ChainIds, Effect, Writer};

pub use crate::users::{
    validate_user_name, AddedUser, Disabled, UserSummary, WhoAmI, ONE_TIME_VALIDITY_US,
};
pub use enter::{
    first_login, quick_unlock, recover, recover_with, unlock, unlock_timed, FirstLogin,
    RecoverOptions, Recovered, UnlockTimings,
};
pub use session::Session;
pub use verify::VerifyReport;

/// How far behind the latest time seen the clock may be before unlock refuses.
pub const CLOCK_TOLERANCE_US: i64 = 2 * totp::STEP_SECS * 1_000_000;

/// The most a session may move the latest time seen past its unlock time: its longest
/// life (the largest session limit) and the clock tolerance. Within that, only the time
/// elapsed on the monotonic clock since the unlock counts.
pub(crate) const MAX_SEEN_STEP_US: i64 =
    *crate::settings::SESSION_LIMIT_RANGE.end() as i64 * 1_000_000 + CLOCK_TOLERANCE_US;

/// Everything core needs from its shell, passed explicitly.
#[derive(Clone)]
pub struct CoreConfig {
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Argon2id parameters for new slots (never below [`KdfParams::FLOOR`]).
    pub kdf: KdfParams,
    /// Database connection settings.
    pub db: DbSettings,
    /// Argon2id parameters for the PIN's key at quick unlock ([`crate::quick::PIN_KDF`]).
    pub pin_kdf: KdfParams,
    /// The users armed for quick unlock in this process (shared by clones).
    pub quick: Arc<crate::quick::Registry>,
}

impl std::fmt::Debug for CoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreConfig")
            .field("kdf", &self.kdf)
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl CoreConfig {
    /// Defaults: the Argon2id floor and default database settings.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        CoreConfig {
            clock,
            kdf: KdfParams::FLOOR,
            db: DbSettings::default(),
            pin_kdf: crate::quick::PIN_KDF,
            quick: Arc::new(crate::quick::Registry::default()),
        }
    }
}

/// The files of a vault directory.
#[derive(Debug, Clone)]
pub(crate) struct VaultPaths {
    root: PathBuf,
}

/// Files that only a vault (possibly half-created) puts in its directory.
const VAULT_FILES: &[&str] = &[
    "vault.db",
    "vault.db-wal",
    "vault.db-shm",
    "vault.db-journal",
    "keyslots",
    "keyslots.tmp",
    "prelock.journal",
    "prelock.tmp",
    "vault.lock",
    INIT_MARKER,
];

/// Present from the start of `init` until its keyslots file is in place: a database
/// found beside it is a half-created vault's, which the next `init` may remove. A
/// database without it is never removed (its keyslots file may only be lost).
const INIT_MARKER: &str = "init.incomplete";

/// A vault's own file, or the temp file of one of its atomic writes.
fn is_vault_file(name: &str) -> bool {
    VAULT_FILES.contains(&name)
        || (name.ends_with(".tmp")
            && (name.starts_with(".keyslots.") || name.starts_with(".prelock.journal.")))
}

/// The files a vault opens by fixed name (its temp files have random names).
const OPENED_FILES: &[&str] = &[
    "vault.db",
    "vault.db-wal",
    "vault.db-shm",
    "vault.db-journal",
    "keyslots",
    "prelock.journal",
    "vault.lock",
    INIT_MARKER,
];

/// A vault's fixed files must be regular files: a symbolic link planted in the
/// directory could make a write land elsewhere, or a read come from elsewhere.
fn refuse_links(root: &Path) -> Result<()> {
    for name in OPENED_FILES {
        let path = root.join(name);
        if let Ok(meta) = fs::symlink_metadata(&path) {
            if !meta.file_type().is_file() {
                return Err(VaultError::NotARegularFile(path).into());
            }
        }
    }
    Ok(())
}

impl VaultPaths {
    pub(crate) fn new(root: &Path) -> Self {
        VaultPaths {
            root: root.to_path_buf(),
        }
    }
    pub(crate) fn db(&self) -> PathBuf {
        self.root.join("vault.db")
    }
    pub(crate) fn keyslots(&self) -> PathBuf {
        self.root.join("keyslots")
    }
    pub(crate) fn journal(&self) -> PathBuf {
        self.root.join("prelock.journal")
    }
    pub(crate) fn lock(&self) -> PathBuf {
        self.root.join("vault.lock")
    }
    pub(crate) fn init_marker(&self) -> PathBuf {
        self.root.join(INIT_MARKER)
    }
    /// The encrypted scan files, one per scan, named by content hash.
    pub(crate) fn scans(&self) -> PathBuf {
        self.root.join("scans")
    }
    /// Scan files written by a unit that has not committed yet (or never will).
    pub(crate) fn scans_staging(&self) -> PathBuf {
        self.root.join("scans").join(".staging")
    }
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The paths of an existing, complete vault; `vault_not_found` otherwise.
    pub(crate) fn existing(root: &Path) -> Result<Self> {
        let paths = VaultPaths::new(root);
        if !root.is_dir() {
            return Err(Error::VaultNotFound(root.to_path_buf()));
        }
        refuse_links(root)?;
        let interrupted_init = paths.init_marker().is_file();
        match (paths.db().is_file(), paths.keyslots().is_file()) {
            (true, true) => {
                if interrupted_init {
                    // `init` stopped between writing keyslots and removing the marker:
                    // the vault is complete. Best effort; the next open tries again.
                    let _ = fs::remove_file(paths.init_marker());
                }
                Ok(paths)
            }
            (false, false) => Err(Error::VaultNotFound(root.to_path_buf())),
            (true, false) => Err(VaultError::KeyslotsMissing {
                path: root.to_path_buf(),
                interrupted_init,
            }
            .into()),
            (false, true) => Err(VaultError::DatabaseMissing(root.to_path_buf()).into()),
        }
    }
}

/// What a vault directory holds, read without any secret: for an unlock screen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VaultProbe {
    /// No vault here yet.
    Missing,
    /// A vault whose key slots name these users (enabled accounts), sorted.
    Present {
        /// User names that can unlock.
        users: Vec<String>,
    },
}

/// Looks at `root` without unlocking: is there a vault, and who can unlock it? The user
/// names come from the key slots file, which stores them in the clear (DESIGN §3).
pub fn probe(root: &Path) -> Result<VaultProbe> {
    let paths = match VaultPaths::existing(root) {
        Ok(paths) => paths,
        Err(Error::VaultNotFound(_)) => return Ok(VaultProbe::Missing),
        // A database without keyslots may be a lost keyslots file: never offer to
        // create a vault over it; the caller shows the error.
        Err(other) => return Err(other),
    };
    let file = keyslots::read(&paths.keyslots())?;
    let mut users: Vec<String> = file
        .slots
        .iter()
        .filter(|s| s.kind == SlotKind::User)
        .filter_map(|s| s.user_name.clone())
        .collect();
    users.sort();
    users.dedup();
    Ok(VaultProbe::Present { users })
}

/// What `init` hands back once: show it, then drop it.
#[derive(Debug)]
pub struct InitOutcome {
    /// The new vault's id.
    pub vault_id: String,
    /// The admin's user name.
    pub user: String,
    /// The admin's `otpauth://` URI.
    pub totp_uri: ShownSecret,
    /// The recovery key, shown once.
    pub recovery_key: ShownSecret,
}

/// The entries of an existing directory `init` may use: refused when a vault is there
/// or something that is not a vault's.
fn vault_entries(root: &Path) -> Result<Vec<String>> {
    if !root.is_dir() {
        return Err(VaultError::NotADirectory(root.to_path_buf()).into());
    }
    let entries: Vec<String> = fs::read_dir(root)
        .map_err(|e| Error::io("reading the vault directory", e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    if entries.iter().any(|e| e == "keyslots") {
        return Err(VaultError::AlreadyExists(root.to_path_buf()).into());
    }
    if let Some(foreign) = entries.iter().find(|e| !is_vault_file(e)) {
        return Err(VaultError::NotEmpty {
            path: root.to_path_buf(),
            entry: foreign.clone(),
        }
        .into());
    }
    Ok(entries)
}

/// Readies the directory for a new vault; the caller holds the writer lock.
fn prepare_directory(root: &Path) -> Result<()> {
    if root.exists() {
        let entries = vault_entries(root)?;
        refuse_links(root)?;
        // A database (or its WAL) with content is removed only when this vault's own
        // init marker says it is a half-created vault's: otherwise it may be a real
        // vault whose keyslots file was lost, and only a backup of that file helps.
        if !root.join(INIT_MARKER).is_file() {
            let mut with_content: Vec<String> = ["vault.db", "vault.db-wal", "vault.db-journal"]
                .iter()
                .filter(|name| fs::symlink_metadata(root.join(name)).is_ok_and(|m| m.len() > 0))
                .map(|name| name.to_string())
                .collect();
            if !with_content.is_empty() {
                with_content.sort();
                return Err(VaultError::WouldOverwrite {
                    path: root.to_path_buf(),
                    files: with_content,
                }
                .into());
            }
        }
        // Only leftovers of an init that never finished: without a keyslots file the
        // data key they were written under is gone, so nothing in them can be read.
        for name in entries
            .iter()
            .filter(|e| e.as_str() != "vault.lock" && e.as_str() != INIT_MARKER)
        {
            fs::remove_file(root.join(name))
                .map_err(|e| Error::io("removing a half-created vault", e))?;
        }
    } else {
        fs::create_dir_all(root).map_err(|e| Error::io("creating the vault directory", e))?;
    }
    fs::set_permissions(root, fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io("restricting the vault directory", e))?;
    // The marker goes first and is made durable before any database file exists.
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(root.join(INIT_MARKER))
    {
        Ok(marker) => marker
            .sync_all()
            .map_err(|e| Error::io("writing the init marker", e))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("writing the init marker", e)),
    }
    fs::File::open(root)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing the vault directory", e))?;
    Ok(())
}

/// Creates a vault in `root` (new or empty, or holding only a half-created vault) with
/// `admin` as its first user. Returns what must be shown once and the admin's session.
pub fn init(
    root: &Path,
    admin: &str,
    password: &Password,
    cfg: &CoreConfig,
) -> Result<(InitOutcome, Session)> {
    let admin = validate_user_name(admin)?;
    let normalized = policy::check_new(&admin, password.expose_bytes())?;
    if !cfg.kdf.meets_floor() {
        return Err(Invalid::new("kdf", Rule::BelowKdfFloor).into());
    }
    // The writer lock first, so two inits at once cannot clear each other's files.
    if !root.exists() {
        fs::create_dir_all(root).map_err(|e| Error::io("creating the vault directory", e))?;
        fs::set_permissions(root, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("restricting the vault directory", e))?;
    }
    // Checked before the lock file is created in it, and again under the lock.
    vault_entries(root)?;
    let paths = VaultPaths::new(root);
    let writer = Writer::acquire(&paths)?;
    prepare_directory(root)?;
    let now_us = cfg.clock.now_us();
    let vault_id = uuid::Uuid::new_v4().to_string();
    let device_id = uuid::Uuid::new_v4().to_string();
    let user_id = UserId::generate();
    let dek = DataKey::generate();
    let (journal_key, journal_public) = crypto::generate_keypair();

    let (admin_slot, admin_key) = keyslots::new_slot(
        &vault_id,
        NewSlot {
            kind: SlotKind::User,
            user_id: Some(user_id.as_str()),
            user_name: Some(&admin),
            one_time_expires_us: None,
        },
        normalized.as_bytes(),
        cfg.kdf,
        &dek,
    )?;
    let recovery_key = crockford::new_recovery_key();
    let recovery_data =
        crockford::normalize_recovery_key(&recovery_key).expect("fresh key is well-formed");
    let (recovery_slot, _) = keyslots::new_slot(
        &vault_id,
        NewSlot {
            kind: SlotKind::Recovery,
            user_id: None,
            user_name: None,
            one_time_expires_us: None,
        },
        recovery_data.as_bytes(),
        cfg.kdf,
        &dek,
    )?;
    let secret = TotpSecret::generate();
    let totp_sealed = seal_totp(&admin_slot.public_key, &user_id, &secret)?;
    let totp_uri = totp::otpauth_uri(secret.expose_bytes(), &admin);
    let file = KeyslotFile {
        format: keyslots::FORMAT,
        vault_id: vault_id.clone(),
        generation: 1,
        journal_public_key: journal_public.to_vec(),
        slots: vec![admin_slot, recovery_slot],
        checksum: String::new(),
    };

    let mut conn = db::create(&paths.db(), &dek, cfg.db)?;
    // Through a descriptor opened without following links, never by name.
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(paths.db())
        .and_then(|f| f.set_permissions(fs::Permissions::from_mode(0o600)))
        .map_err(|e| Error::io("restricting vault.db", e))?;
    let ids = ChainIds {
        vault_id: &vault_id,
        device_id: &device_id,
    };
    writer.unit(&mut conn, ids, now_us, Some("init.db_committed"), |unit| {
        for (key, value) in [
            ("vault_id", vault_id.clone()),
            ("device_id", device_id.clone()),
            ("created_us", now_us.to_string()),
            ("latest_seen_us", now_us.to_string()),
        ] {
            db::set_meta(unit.tx, key, &value)?;
        }
        let journal_key_text =
            zeroize::Zeroizing::new(crate::b64::encode(journal_key.expose_bytes()));
        db::set_meta(unit.tx, "journal_private_key", &journal_key_text)?;
        users::store::insert(
            unit.tx,
            &users::store::NewUser {
                id: &user_id,
                name: &admin,
                role: Role::Admin,
                created_us: now_us,
                created_by: None,
                password: PasswordState::Set,
                totp: TotpState::Pending,
                totp_sealed: Some(&totp_sealed),
            },
        )?;
        unit.tx.execute(
            "INSERT INTO keyslots_state (id, generation, content) VALUES (1, ?1, ?2)",
            rusqlite::params![file.generation as i64, file.to_bytes()],
        )?;
        unit.record(NewEvent::new(&admin, "admin", Action::VaultCreate).resource(&vault_id));
        unit.record(
            NewEvent::new(&admin, "admin", Action::UserAdd)
                .resource(&admin)
                .fields(&["role", "enabled"]),
        );
        unit.record(NewEvent::new(&admin, "admin", Action::RecoveryKeyCreate).resource(&vault_id));
        // The keyslots file is written last: until it exists the directory is a
        // half-created vault that the next init cleans up.
        unit.after_commit(Effect::CreateKeySlotsFile(file.to_bytes()));
        Ok(())
    })?;
    drop(writer);

    let lock = SessionLock::acquire_shared(&paths.lock())?;
    let session = Session::new(session::SessionParts {
        paths,
        conn,
        dek,
        private_key: Some(admin_key),
        pin: None,
        full_unlock_us: now_us,
        full_unlock_mono_us: cfg.clock.monotonic_us(),
        user_id,
        user_name: admin.clone(),
        role: Role::Admin,
        vault_id: vault_id.clone(),
        device_id,
        cfg: cfg.clone(),
        lock,
        enrolled_totp_uri: None,
        unlocked_us: now_us,
        unlocked_mono_us: cfg.clock.monotonic_us(),
    });
    Ok((
        InitOutcome {
            vault_id,
            user: admin,
            totp_uri: ShownSecret::new(totp_uri),
            recovery_key: ShownSecret::new(recovery_key),
        },
        session,
    ))
}
