//! `first_login` (a new user's one-time password becomes their own password and
//! authenticator) and `recover` (the recovery key gives an admin both anew).

use super::*;

/// The result of a first login.
#[derive(Debug)]
pub struct FirstLogin {
    /// The user's new `otpauth://` URI; the first successful unlock confirms it.
    pub totp_uri: ShownSecret,
}

/// Replaces a new user's one-time password with their own and enrolls their TOTP. The
/// account gets a fresh key pair, so whoever saw the one-time password learns nothing
/// that still works.
pub fn first_login(
    root: &std::path::Path,
    user: &str,
    one_time_password: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
) -> Result<FirstLogin> {
    let paths = VaultPaths::existing(root)?;
    let probe = keyslots::read(&paths.keyslots())?;
    let Some(probe_slot) = probe.user_slot(user) else {
        let attempt = Attempt::new(&paths, &probe, user, "first_login", cfg.clock.now_us());
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    // Input that cannot be a one-time password is refused without counting: nothing
    // was guessed and no Argon2id was spent on it.
    let typed =
        typed_secret(one_time_password).and_then(|t| crockford::normalize_one_time_code(&t));
    let Some(otp) = typed else {
        let attempt = Attempt::new(&paths, &probe, user, "first_login", cfg.clock.now_us());
        return Err(attempt.note(&probe_slot.slot_id, Error::bad_credentials()));
    };
    let account = probe_slot
        .user_id
        .clone()
        .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?;
    let _serial = serialize_attempts(&paths, &account)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt::new(&paths, &file, user, "first_login", now_us);
    let Some(slot) = file.user_slot(user) else {
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    let ticket = attempt.begin(&slot.slot_id)?;
    let counted = || -> Result<FirstLogin> {
        let Some(key) = slot.open_private_key(&file.vault_id, otp.as_bytes())? else {
            return Err(Error::bad_credentials());
        };
        match slot.one_time_expires_us {
            None => return Err(Error::bad_credentials()),
            Some(expires) if now_us >= expires => {
                return Err(AuthError::OneTimePasswordExpired {
                    expired_us: expires,
                }
                .into())
            }
            Some(_) => {}
        }
        let name = validate_user_name(user)?;
        let new_secret = policy::check_new(&name, new_password.expose_bytes())?;
        let _lock = SessionLock::acquire_shared(&paths.lock())?;
        let OpenVault {
            mut conn,
            dek,
            used_next_key,
            ..
        } = open_vault(&paths, &file, slot, &key, cfg)?;
        check_clock(&conn, now_us)?;
        let user_id: UserId = slot
            .user_id
            .clone()
            .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?
            .into();
        let row = load_user(&conn, "id", &user_id)?.ok_or_else(|| {
            Error::Corrupt("a key slot names a user the vault does not know".into())
        })?;
        let (new_slot, sealed, totp_uri) =
            fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
        let old_slot_id = slot.slot_id.clone();
        let (actor, role) = (row.name.clone(), row.role.as_str());
        let apply: Apply<'_> = Box::new(move |tx, slots| {
            // The one-time password is spent once: the slot it opened must still be there.
            if !slots.slots.iter().any(|s| s.slot_id == old_slot_id) {
                return Err(AuthError::ChangedMeanwhile.into());
            }
            slots.slots.retain(|s| s.slot_id != old_slot_id);
            slots.slots.push(new_slot);
            crate::users::store::set_own_password(tx, &user_id, &sealed)?;
            Ok(vec![
                NewEvent::new(&actor, role, Action::UserFirstLogin)
                    .resource(&actor)
                    .fields(&["password"]),
                NewEvent::new(&actor, role, Action::UserTotpEnroll).resource(&actor),
            ])
        });
        finish(
            &mut conn,
            &paths,
            &file,
            used_next_key,
            now_us,
            (&row.name, row.role.as_str()),
            &[&slot.slot_id],
            &ticket.id,
            false,
            apply,
        )?;
        Ok(FirstLogin { totp_uri })
    };
    counted().map_err(|e| ticket.settle(e))
}

/// The result of using the recovery key.
#[derive(Debug)]
pub struct Recovered {
    /// The admin's new `otpauth://` URI.
    pub totp_uri: ShownSecret,
    /// When the PC's clock was accepted as correct: the latest time the vault had seen
    /// before (µs since the epoch).
    pub clock_accepted_from_us: Option<i64>,
}

/// Choices of a recovery beyond the credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecoverOptions {
    /// When the PC's clock is behind the latest time the vault has seen (a clock that
    /// had jumped ahead was corrected), accept the PC's time as correct: audited with
    /// both times, and every per-user time set during the jump is brought back.
    pub accept_clock: bool,
}

/// Uses the recovery key to give `admin` a new password and TOTP, clearing lockouts.
pub fn recover(
    root: &std::path::Path,
    admin: &str,
    recovery_key: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
) -> Result<Recovered> {
    recover_with(
        root,
        admin,
        recovery_key,
        new_password,
        cfg,
        RecoverOptions::default(),
    )
}

/// [`recover`] with [`RecoverOptions`].
pub fn recover_with(
    root: &std::path::Path,
    admin: &str,
    recovery_key: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
    options: RecoverOptions,
) -> Result<Recovered> {
    let paths = VaultPaths::existing(root)?;
    let probe = keyslots::read(&paths.keyslots())?;
    let probe_slot = probe
        .recovery_slot()
        .ok_or_else(|| Error::Corrupt("the keyslots file has no recovery slot".into()))?;
    // Input that cannot be a recovery key (its shape, its check group) is refused
    // without counting: a typo must not use up the recovery slot's attempts, and
    // nobody can lock the slot with junk.
    let data = match typed_secret(recovery_key).map(|t| crockford::normalize_recovery_key(&t)) {
        Some(Ok(data)) => data,
        refused => {
            let err = match refused {
                Some(Err(crockford::RecoveryKeyFormatError::Check)) => AuthError::RecoveryKeyTypo,
                _ => AuthError::NotARecoveryKey,
            };
            let attempt = Attempt::new(&paths, &probe, admin, "recovery", cfg.clock.now_us());
            return Err(attempt.note(&probe_slot.slot_id, err.into()));
        }
    };
    let _serial = serialize_attempts(&paths, "recovery")?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt::new(&paths, &file, admin, "recovery", now_us);
    let slot = file
        .recovery_slot()
        .ok_or_else(|| Error::Corrupt("the keyslots file has no recovery slot".into()))?;
    let ticket = attempt.begin(&slot.slot_id)?;
    let counted = || -> Result<Recovered> {
        let Some(key) = slot.open_private_key(&file.vault_id, data.as_bytes())? else {
            return Err(Error::bad_credentials());
        };
        let name = validate_user_name(admin)?;
        let new_secret = policy::check_new(&name, new_password.expose_bytes())?;
        let _lock = SessionLock::acquire_shared(&paths.lock())?;
        let OpenVault {
            mut conn,
            dek,
            used_next_key,
            ..
        } = open_vault(&paths, &file, slot, &key, cfg)?;
        let clock_accepted_from_us = match check_clock(&conn, now_us) {
            Ok(()) => None,
            Err(Error::Auth(AuthError::ClockBehind { latest_seen_us, .. }))
                if options.accept_clock =>
            {
                Some(latest_seen_us)
            }
            Err(e) => return Err(e),
        };
        let row = load_user(&conn, "name", &name)?
            .ok_or_else(|| AuthError::UnknownUser { user: name.clone() })?;
        if row.role != Role::Admin {
            return Err(AuthError::RecoveryNeedsAdmin {
                user: name,
                role: row.role,
            }
            .into());
        }
        if !row.enabled {
            // A disabled admin stays disabled: re-enabling is an admin's alert-level
            // `user.enable`, never a side effect of the recovery key.
            let actor = row.name.clone();
            let refuse: Apply<'_> = Box::new(move |_tx, _slots| {
                Ok(vec![NewEvent::new(&actor, "admin", Action::RecoveryUse)
                    .resource(&actor)
                    .outcome(clinic_vault_proto::Outcome::Denied)
                    .detail(
                        serde_json::json!({ "error": "forbidden", "reason": "account_disabled" }),
                    )])
            });
            finish(
                &mut conn,
                &paths,
                &file,
                used_next_key,
                now_us,
                (&row.name, "admin"),
                &[&slot.slot_id],
                &ticket.id,
                false,
                refuse,
            )?;
            // The refusal and this attempt's end are in the chain already.
            ticket.committed.set(true);
            return Err(Denied::AccountDisabled.into());
        }
        let (new_slot, sealed, totp_uri) =
            fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
        let old_slot_id = file.user_slot(&row.name).map(|s| s.slot_id.clone());
        let mut reset: Vec<&str> = vec![&slot.slot_id];
        if let Some(old) = old_slot_id.as_deref() {
            reset.push(old);
        }
        let (user_id, actor) = (row.id.clone(), row.name.clone());
        let expected_old = old_slot_id.clone();
        let apply: Apply<'_> = Box::new(move |tx, slots| {
            // The admin's credentials this recovery replaces must still be the ones on
            // record: two recoveries (or a first login) at once leave one winner.
            let current = slots
                .slots
                .iter()
                .find(|s| {
                    s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str())
                })
                .map(|s| s.slot_id.clone());
            if current != expected_old {
                return Err(AuthError::ChangedMeanwhile.into());
            }
            slots.slots.retain(|s| {
                !(s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str()))
            });
            slots.slots.push(new_slot);
            crate::users::store::set_own_password(tx, &user_id, &sealed)?;
            let mut events = Vec::new();
            if let Some(latest_seen_us) = clock_accepted_from_us {
                events.push(accept_clock(tx, slots, &actor, latest_seen_us, now_us)?);
            }
            events.extend([
                NewEvent::new(&actor, "admin", Action::RecoveryUse).resource(&actor),
                NewEvent::new(&actor, "admin", Action::UserPasswordChange)
                    .resource(&actor)
                    .fields(&["password"])
                    .detail(serde_json::json!({ "via": "recovery_key" })),
                NewEvent::new(&actor, "admin", Action::UserTotpEnroll).resource(&actor),
                NewEvent::new(&actor, "admin", Action::UserClearLockout).resource(&actor),
            ]);
            Ok(events)
        });
        finish(
            &mut conn,
            &paths,
            &file,
            used_next_key,
            now_us,
            (&row.name, "admin"),
            &reset,
            &ticket.id,
            clock_accepted_from_us.is_some(),
            apply,
        )?;
        Ok(Recovered {
            totp_uri,
            clock_accepted_from_us,
        })
    };
    counted().map_err(|e| ticket.settle(e))
}

/// The PC's clock accepted as correct (inside the recovery's unit): every per-user time
/// that ran ahead with the clock is brought back to now, so nobody stays locked out by
/// the jump. Lockout delays need nothing here: the lockout rule never dates a failure
/// later than now.
fn accept_clock(
    tx: &Connection,
    slots: &mut KeyslotFile,
    actor: &str,
    latest_seen_us: i64,
    now_us: i64,
) -> Result<NewEvent> {
    let n_users = crate::users::store::bring_back_times(tx, now_us)?;
    let latest_otp = now_us.saturating_add(crate::users::ONE_TIME_VALIDITY_US);
    let mut n_one_time = 0u32;
    for slot in &mut slots.slots {
        if slot.one_time_expires_us.is_some_and(|e| e > latest_otp) {
            slot.one_time_expires_us = Some(latest_otp);
            n_one_time += 1;
        }
    }
    Ok(NewEvent::new(actor, "admin", Action::VaultClockAccept)
        .resource(slots.vault_id.clone())
        .detail(serde_json::json!({
            "pc_time_us": now_us,
            "latest_seen_us": latest_seen_us,
            "users_brought_back": n_users,
            "one_time_passwords_shortened": n_one_time,
        })))
}
