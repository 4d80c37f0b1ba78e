//! `quick_unlock`: a PIN into a session, through the same audited entry path as a full
//! unlock (the journal folded, `user.quick_unlock` recorded in the final unit), with no
//! TOTP code. Only the data key wrapped at the lock is used: the account is re-read
//! (still enabled, same role, same key slot), the database must open with that key
//! (a rotated key does not), and the session holds no private key. Failures while
//! locked are journaled (`noted`, `quick_unlock`) and folded into the chain at the next
//! entry, like every pre-unlock attempt; they do not count against the password's
//! lockout, which the in-memory limit of three guesses replaces.

use super::*;
use crate::quick::{Armed, LockedBytes, Pin, QuickError, Unavailable};

/// Unlocks `root` as `user` with the PIN they set before their session locked.
pub fn quick_unlock(
    root: &std::path::Path,
    user: &str,
    typed_pin: &[u8],
    cfg: &CoreConfig,
) -> Result<Session> {
    let paths = VaultPaths::existing(root)?;
    // Not shaped like a PIN: no guess is spent.
    let pin = Pin::parse_attempt(typed_pin)?;
    let Some(entry) = cfg.quick.entry_named(user) else {
        return Err(QuickError::Unavailable(Unavailable::NotArmed).into());
    };
    // Held until the attempt ends: attempts on this user run one at a time.
    let mut held = entry.lock();
    let result = attempt(&paths, &mut held, user, &pin, cfg);
    if held.is_none() {
        drop(held);
        cfg.quick.remove_if_same(&entry);
    }
    result
}

fn attempt(
    paths: &VaultPaths,
    held: &mut Option<Armed>,
    user: &str,
    pin: &Pin,
    cfg: &CoreConfig,
) -> Result<Session> {
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let journal = Attempt::new(paths, &file, user, "quick_unlock", now_us);
    let Some(armed) = held.as_mut() else {
        return Err(QuickError::Unavailable(Unavailable::NotArmed).into());
    };
    let wipe = |held: &mut Option<Armed>, slot_id: &str, why: Unavailable| -> Error {
        *held = None;
        journal.note(slot_id, QuickError::Unavailable(why).into())
    };
    if armed.vault_id != file.vault_id {
        return Err(QuickError::Unavailable(Unavailable::NotArmed).into());
    }
    let slot = file
        .user_slot(user)
        .filter(|s| s.user_id.as_deref() == Some(armed.user_id.as_str()))
        .filter(|s| s.one_time_expires_us.is_none());
    let Some(slot) = slot else {
        return Err(wipe(held, NOBODY, Unavailable::AccountChanged));
    };
    if cfg.clock.monotonic_us() >= armed.deadline_mono_us {
        return Err(wipe(held, &slot.slot_id, Unavailable::WindowExpired));
    }
    // The guess is counted before the PIN is checked.
    armed.wrong_left = armed.wrong_left.saturating_sub(1);
    let Some(dek) = armed.unwrap(pin)? else {
        let attempts_left = armed.wrong_left;
        if attempts_left == 0 {
            *held = None;
        }
        return Err(journal.note(&slot.slot_id, QuickError::WrongPin { attempts_left }.into()));
    };
    // A right PIN is not a wrong guess.
    armed.wrong_left += 1;
    match open_with_key(paths, armed, dek, pin, now_us, cfg) {
        Ok(session) => {
            *held = None;
            Ok(session)
        }
        Err(Error::Quick(QuickError::Unavailable(why))) => Err(wipe(held, &slot.slot_id, why)),
        Err(err) if err.code() == "corrupt" => {
            *held = None;
            Err(journal.note(&slot.slot_id, err))
        }
        // Busy, a clock behind, an I/O error: the PIN stays usable.
        Err(err) => Err(journal.note(&slot.slot_id, err)),
    }
}

fn open_with_key(
    paths: &VaultPaths,
    armed: &Armed,
    dek: DataKey,
    pin: &Pin,
    now_us: i64,
    cfg: &CoreConfig,
) -> Result<Session> {
    let changed = || Error::from(QuickError::Unavailable(Unavailable::AccountChanged));
    let _serial = serialize_attempts(paths, armed.user_id.as_str())?;
    let file = keyslots::read(&paths.keyslots())?;
    let slot = file
        .user_slot(&armed.user_name)
        .filter(|s| s.user_id.as_deref() == Some(armed.user_id.as_str()))
        .filter(|s| s.one_time_expires_us.is_none())
        .ok_or_else(changed)?;
    let lock = SessionLock::acquire_shared(&paths.lock())?;
    let mut conn = match db::open(&paths.db(), &dek, cfg.db)? {
        Opened::Ok(conn) => conn,
        Opened::WrongKey => return Err(QuickError::Unavailable(Unavailable::DataKeyRotated).into()),
    };
    let state = keystate::load(&conn).map_err(|e| name_bad_pages(paths, Some(&dek), cfg, e))?;
    state.check_file(&file)?;
    if !state.records(slot) {
        return Err(Error::Corrupt(
            "this key slot is not the one the vault recorded (swapped or rolled back keyslots file)".into(),
        ));
    }
    let row = load_user(&conn, "id", &armed.user_id)?.ok_or_else(changed)?;
    if !row.enabled || row.role != armed.role {
        return Err(changed());
    }
    check_clock(&conn, now_us)?;
    let (name, role) = (row.name.clone(), row.role);
    let apply: Apply<'_> = Box::new(move |_tx, _slots| {
        Ok(vec![NewEvent::new(
            &name,
            role.as_str(),
            Action::UserQuickUnlock,
        )
        .resource(&name)])
    });
    // A PIN proves nothing about the password: the slot's failure counter is kept.
    let own_attempt = uuid::Uuid::now_v7().to_string();
    finish(
        &mut conn,
        paths,
        &file,
        false,
        now_us,
        (&row.name, row.role.as_str()),
        &[],
        &own_attempt,
        false,
        apply,
    )
    .map_err(|e| name_bad_pages(paths, Some(&dek), cfg, e))?;
    let vault_id = db::meta(&conn, "vault_id")?;
    let device_id = db::meta(&conn, "device_id")?;
    let pin = LockedBytes::new(pin.expose_digits())?;
    Ok(Session::new(SessionParts {
        paths: paths.clone(),
        conn,
        dek,
        private_key: None,
        pin: Some(pin),
        full_unlock_us: armed.full_unlock_us,
        full_unlock_mono_us: armed.full_unlock_mono_us,
        user_id: armed.user_id.clone(),
        user_name: row.name,
        role: row.role,
        vault_id,
        device_id,
        cfg: cfg.clone(),
        lock,
        enrolled_totp_uri: None,
        unlocked_us: now_us,
        unlocked_mono_us: cfg.clock.monotonic_us(),
    }))
}
