//! `unlock`: password and TOTP (or a TOTP reset code) into a session.

use super::*;
use crate::users::{self, store::TotpState};

/// What a successful unlock does to the user's authenticator.
enum TotpChange {
    /// A code of this step was accepted (confirming a pending authenticator).
    Accept(i64),
    /// A reset code was accepted: this new sealed secret waits for its first code.
    Enroll {
        sealed: Vec<u8>,
        /// The reset code's hash as checked: the code is spent only if it is still the
        /// one on record.
        reset_hash: Vec<u8>,
    },
}

/// Unlocks `root` as `user` with password and TOTP code (or a TOTP reset code).
pub fn unlock(
    root: &std::path::Path,
    user: &str,
    password: &Password,
    code: &str,
    cfg: &CoreConfig,
) -> Result<Session> {
    unlock_timed(root, user, password, code, cfg).map(|(session, _)| session)
}

/// Where an unlock spent its time.
#[derive(Debug, Clone, Copy)]
pub struct UnlockTimings {
    /// Everything before the KDF: waiting for other attempts on the account, reading
    /// the key slots, the lockout check and counting the attempt (a journal fsync).
    pub before_kdf: std::time::Duration,
    /// Argon2id and unwrapping the private key.
    pub kdf: std::time::Duration,
    /// Everything after: unsealing the data key, opening and checking the database,
    /// loading the user, TOTP, the audit commit.
    pub after_kdf: std::time::Duration,
}

/// [`unlock`], also reporting where the time went (for benchmarks and diagnostics).
pub fn unlock_timed(
    root: &std::path::Path,
    user: &str,
    password: &Password,
    code: &str,
    cfg: &CoreConfig,
) -> Result<(Session, UnlockTimings)> {
    let started = std::time::Instant::now();
    let paths = VaultPaths::existing(root)?;
    let code = parse_code(code)?;
    let probe = keyslots::read(&paths.keyslots())?;
    let Some(account) = probe.user_slot(user).and_then(|s| s.user_id.clone()) else {
        let attempt = Attempt::new(&paths, &probe, user, "unlock", cfg.clock.now_us());
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    // From here to the final commit no other attempt on this account runs; the file is
    // read again now that it cannot change under an attempt of its own.
    let _serial = serialize_attempts(&paths, &account)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt::new(&paths, &file, user, "unlock", now_us);
    let Some(slot) = file.user_slot(user) else {
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    let ticket = attempt.begin(&slot.slot_id)?;
    counted_unlock(
        &paths, &file, slot, &ticket, now_us, password, code, cfg, started,
    )
    .map_err(|e| ticket.settle(e))
}

/// The rest of an unlock, after the attempt was counted: a wrong credential returns
/// `bad_credentials` (and stays counted); anything else the ticket takes back.
// Each argument is a distinct fact about this attempt.
#[allow(clippy::too_many_arguments)]
fn counted_unlock(
    paths: &VaultPaths,
    file: &KeyslotFile,
    slot: &Slot,
    ticket: &Ticket<'_>,
    now_us: i64,
    password: &Password,
    code: Code,
    cfg: &CoreConfig,
    started: std::time::Instant,
) -> Result<(Session, UnlockTimings)> {
    let user = slot.user_name.as_deref().unwrap_or_default();
    let Some(mut secret) = typed_secret(password) else {
        return Err(Error::bad_credentials());
    };
    if slot.one_time_expires_us.is_some() {
        // A new user typing their one-time password here (as shown, with hyphens)
        // should learn to run first-login, not see a wrong-password error.
        if let Some(code) = crockford::normalize_one_time_code(&secret) {
            secret = code;
        }
    }
    let kdf_started = std::time::Instant::now();
    let before_kdf = kdf_started - started;
    let Some(key) = slot.open_private_key(&file.vault_id, secret.as_bytes())? else {
        return Err(Error::bad_credentials());
    };
    let kdf = kdf_started.elapsed();
    let after_started = std::time::Instant::now();
    if slot.one_time_expires_us.is_some() {
        return Err(AuthError::StillOneTimePassword {
            user: user.to_string(),
        }
        .into());
    }
    let lock = SessionLock::acquire_shared(&paths.lock())?;
    let mut opened = open_vault(paths, file, slot, &key, cfg)
        .map_err(|e| name_bad_pages(paths, None, cfg, e))?;
    let user_id: UserId = slot
        .user_id
        .clone()
        .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?
        .into();
    let checked = (|| {
        let conn = &mut opened.conn;
        let Some(row) = load_user(conn, "id", &user_id)? else {
            return Err(Error::Corrupt(
                "a key slot names a user the vault does not know".into(),
            ));
        };
        if !row.enabled {
            return Err(Error::bad_credentials());
        }
        check_clock(conn, now_us)?;
        let now_step = totp::step_at(crate::clock::us_to_secs(now_us));
        let mut enrolled_uri = None;
        let mut extra_events = Vec::new();
        let change = match (&code, row.totp_state) {
            (Code::Totp(code), TotpState::Pending | TotpState::Confirmed) => {
                let sealed = row
                    .totp_sealed
                    .as_deref()
                    .ok_or_else(|| Error::Corrupt("a TOTP secret is missing".into()))?;
                let secret = open_totp(&key, &row.id, sealed)?;
                let Some(step) =
                    totp::matching_step(secret.expose_bytes(), code, now_step, row.totp_last_step)
                else {
                    return Err(Error::bad_credentials());
                };
                if row.totp_state == TotpState::Pending {
                    extra_events.push(
                        NewEvent::new(&row.name, row.role.as_str(), Action::UserTotpConfirm)
                            .resource(&row.name),
                    );
                }
                TotpChange::Accept(step)
            }
            (Code::Reset(code), TotpState::Reset) => {
                let expected = row.totp_reset_hash.as_deref().unwrap_or_default();
                let matches: bool = reset_code_hash(code).ct_eq(expected).into();
                if !matches {
                    return Err(Error::bad_credentials());
                }
                if row.totp_reset_expires_us.is_none_or(|exp| now_us >= exp) {
                    return Err(AuthError::ResetCodeExpired.into());
                }
                let secret = TotpSecret::generate();
                let public_key = crate::crypto::public_key_of(&key)?;
                enrolled_uri = Some(ShownSecret::new(totp::otpauth_uri(
                    secret.expose_bytes(),
                    &row.name,
                )));
                extra_events.push(
                    NewEvent::new(&row.name, row.role.as_str(), Action::UserTotpEnroll)
                        .resource(&row.name),
                );
                TotpChange::Enroll {
                    sealed: seal_totp(&public_key, &row.id, &secret)?,
                    reset_hash: expected.to_vec(),
                }
            }
            _ => return Err(Error::bad_credentials()),
        };
        let checked_sealed = row.totp_sealed.clone();
        let (name, role, apply_user_id) = (row.name.clone(), row.role, user_id.clone());
        let apply: Apply<'_> = Box::new(move |tx, _slots| {
            // Checked and advanced in one conditional update each: a code (or a reset
            // code) is accepted once, whatever else ran meanwhile.
            match change {
                TotpChange::Accept(step) => {
                    let secret = checked_sealed.as_deref().unwrap_or_default();
                    if !users::store::accept_totp_step(tx, &apply_user_id, secret, step)? {
                        // A replayed code counts; an authenticator an admin replaced
                        // meanwhile does not (the code was right for the old one).
                        let (_, now_sealed, _) = users::store::totp_of(tx, &apply_user_id)?;
                        if now_sealed.as_deref() != Some(secret) {
                            return Err(AuthError::ChangedMeanwhile.into());
                        }
                        return Err(Error::bad_credentials());
                    }
                }
                TotpChange::Enroll { sealed, reset_hash } => {
                    if !users::store::enroll_totp_from_reset(
                        tx,
                        &apply_user_id,
                        &reset_hash,
                        &sealed,
                    )? {
                        return Err(AuthError::ChangedMeanwhile.into());
                    }
                }
            }
            let mut events =
                vec![NewEvent::new(&name, role.as_str(), Action::UserUnlock).resource(&name)];
            events.extend(extra_events);
            Ok(events)
        });
        finish(
            conn,
            paths,
            file,
            opened.used_next_key,
            now_us,
            (&row.name, row.role.as_str()),
            &[&slot.slot_id],
            &ticket.id,
            false,
            apply,
        )?;
        Ok((row, enrolled_uri))
    })();
    let (row, enrolled_uri) =
        checked.map_err(|e| name_bad_pages(paths, Some(&opened.dek), cfg, e))?;
    let vault_id = db::meta(&opened.conn, "vault_id")?;
    let device_id = db::meta(&opened.conn, "device_id")?;
    // A full unlock replaces whatever a PIN could have opened for this user.
    cfg.quick.wipe_user(user_id.as_str());
    let session = Session::new(SessionParts {
        paths: paths.clone(),
        conn: opened.conn,
        dek: opened.dek,
        private_key: Some(key),
        pin: None,
        full_unlock_us: now_us,
        full_unlock_mono_us: cfg.clock.monotonic_us(),
        user_id,
        user_name: row.name,
        role: row.role,
        vault_id,
        device_id,
        cfg: cfg.clone(),
        lock,
        enrolled_totp_uri: enrolled_uri,
        unlocked_us: now_us,
        unlocked_mono_us: cfg.clock.monotonic_us(),
    });
    Ok((
        session,
        UnlockTimings {
            kdf,
            after_kdf: after_started.elapsed(),
            before_kdf,
        },
    ))
}
