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
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt {
        paths: &paths,
        file: &file,
        typed_user: user,
        kind: "first_login",
        now_us,
    };
    let Some(slot) = file.user_slot(user) else {
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    attempt.check_lockout(&slot.slot_id)?;
    let typed =
        typed_secret(one_time_password).and_then(|t| crockford::normalize_one_time_code(&t));
    let Some(otp) = typed else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    let Some(key) = slot.open_private_key(&file.vault_id, otp.as_bytes())? else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    match slot.one_time_expires_us {
        None => return Err(attempt.fail(&slot.slot_id, Error::bad_credentials())),
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
    check_clock(&conn, now_us).map_err(|e| attempt.note(&slot.slot_id, e))?;
    let user_id: UserId = slot
        .user_id
        .clone()
        .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?
        .into();
    let row = load_user(&conn, "id", &user_id)?
        .ok_or_else(|| Error::Corrupt("a key slot names a user the vault does not know".into()))?;
    let (new_slot, sealed, totp_uri) =
        fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
    let old_slot_id = slot.slot_id.clone();
    let (actor, role) = (row.name.clone(), row.role.as_str());
    let apply: Apply<'_> = Box::new(move |tx, slots| {
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
        apply,
    )?;
    Ok(FirstLogin { totp_uri })
}

/// The result of using the recovery key.
#[derive(Debug)]
pub struct Recovered {
    /// The admin's new `otpauth://` URI.
    pub totp_uri: ShownSecret,
}

/// Uses the recovery key to give `admin` a new password and TOTP, clearing lockouts.
pub fn recover(
    root: &std::path::Path,
    admin: &str,
    recovery_key: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
) -> Result<Recovered> {
    let paths = VaultPaths::existing(root)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt {
        paths: &paths,
        file: &file,
        typed_user: admin,
        kind: "recovery",
        now_us,
    };
    let slot = file
        .recovery_slot()
        .ok_or_else(|| Error::Corrupt("the keyslots file has no recovery slot".into()))?;
    attempt.check_lockout(&slot.slot_id)?;
    let data = match typed_secret(recovery_key).map(|t| crockford::normalize_recovery_key(&t)) {
        Some(Ok(data)) => data,
        Some(Err(crockford::RecoveryKeyFormatError::Check)) => {
            return Err(attempt.fail(&slot.slot_id, AuthError::RecoveryKeyTypo.into()))
        }
        _ => return Err(attempt.fail(&slot.slot_id, AuthError::NotARecoveryKey.into())),
    };
    let Some(key) = slot.open_private_key(&file.vault_id, data.as_bytes())? else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
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
    check_clock(&conn, now_us).map_err(|e| attempt.note(&slot.slot_id, e))?;
    let row = load_user(&conn, "name", &name)?
        .ok_or_else(|| AuthError::UnknownUser { user: name.clone() })?;
    if row.role != Role::Admin {
        return Err(AuthError::RecoveryNeedsAdmin {
            user: name,
            role: row.role,
        }
        .into());
    }
    let (new_slot, sealed, totp_uri) =
        fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
    let old_slot_id = file.user_slot(&row.name).map(|s| s.slot_id.clone());
    let mut reset: Vec<&str> = vec![&slot.slot_id];
    if let Some(old) = old_slot_id.as_deref() {
        reset.push(old);
    }
    let (user_id, actor) = (row.id.clone(), row.name.clone());
    let apply: Apply<'_> = Box::new(move |tx, slots| {
        slots.slots.retain(|s| {
            !(s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str()))
        });
        slots.slots.push(new_slot);
        crate::users::store::set_own_password(tx, &user_id, &sealed)?;
        Ok(vec![
            NewEvent::new(&actor, "admin", Action::RecoveryUse).resource(&actor),
            NewEvent::new(&actor, "admin", Action::UserPasswordChange)
                .resource(&actor)
                .fields(&["password"])
                .detail(serde_json::json!({ "via": "recovery_key" })),
            NewEvent::new(&actor, "admin", Action::UserTotpEnroll).resource(&actor),
            NewEvent::new(&actor, "admin", Action::UserClearLockout).resource(&actor),
        ])
    });
    finish(
        &mut conn,
        &paths,
        &file,
        used_next_key,
        now_us,
        (&row.name, "admin"),
        &reset,
        apply,
    )?;
    Ok(Recovered { totp_uri })
}
