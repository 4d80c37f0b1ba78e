//! The SQL of the `users` table: every read and write of a user's row goes through here
//! (the session's gate, the entry paths, `init` and the account operations), with the
//! stored states as enums.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result, UserError};
use crate::ids::UserId;
use crate::perms::Role;

/// Back to a one-time password after an admin's reset: the new key pair cannot open
/// the old authenticator secret, so the first login enrolls a new one.
pub(crate) fn reset_password(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET password_state = 'one_time', totp_state = 'none', totp_sealed = NULL,
             totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Gives a user another role.
pub(crate) fn set_role(conn: &Connection, id: &str, role: Role) -> Result<()> {
    conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        [id, role.as_str()],
    )?;
    Ok(())
}

/// Where a user's password stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordState {
    /// Still the one-time password an admin handed over: first login comes next.
    OneTime,
    /// The user's own password.
    Set,
}

/// Where a user's authenticator (TOTP) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TotpState {
    /// None yet (a new user before first login).
    None,
    /// Issued, not yet confirmed by a code.
    Pending,
    /// Confirmed: unlock needs its codes.
    Confirmed,
    /// Reset by an admin: the next unlock needs a reset code, then enrolls anew.
    Reset,
}

macro_rules! stored_names {
    ($ty:ident, $what:literal, $($variant:ident = $name:literal),+) => {
        impl $ty {
            /// The stored (and displayed) name.
            pub fn as_str(self) -> &'static str {
                match self { $( $ty::$variant => $name, )+ }
            }

            pub(crate) fn parse(text: &str) -> Result<Self> {
                match text {
                    $( $name => Ok($ty::$variant), )+
                    _ => Err(Error::Corrupt(concat!("a stored ", $what, " is damaged").into())),
                }
            }
        }

        /// Pads like a string, so tables line up.
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

stored_names!(
    PasswordState,
    "password state",
    OneTime = "one_time",
    Set = "set"
);
stored_names!(
    TotpState,
    "TOTP state",
    None = "none",
    Pending = "pending",
    Confirmed = "confirmed",
    Reset = "reset"
);

fn stored_role(text: &str) -> Result<Role> {
    Role::parse(text).map_err(|_| Error::Corrupt("a stored role is damaged".into()))
}

/// A user's row as the entry paths need it.
pub(crate) struct UserRow {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub totp_state: TotpState,
    pub totp_sealed: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub totp_reset_hash: Option<Vec<u8>>,
    pub totp_reset_expires_us: Option<i64>,
}

/// The user whose `column` (`id` or `name`) is `value`.
pub(crate) fn load_user(conn: &Connection, column: &str, value: &str) -> Result<Option<UserRow>> {
    let sql = format!(
        "SELECT id, name, role, enabled, totp_state, totp_sealed, totp_last_step,
                totp_reset_hash, totp_reset_expires_us FROM users WHERE {column} = ?1"
    );
    let row = conn
        .query_row(&sql, [value], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })
        .optional()?;
    row.map(
        |(id, name, role, enabled, totp_state, totp_sealed, last, reset_hash, reset_exp)| {
            Ok(UserRow {
                id: id.into(),
                name,
                role: Role::parse(&role)
                    .map_err(|_| Error::Corrupt("a stored role is damaged".into()))?,
                enabled: enabled == 1,
                totp_state: TotpState::parse(&totp_state)?,
                totp_sealed,
                totp_last_step: last,
                totp_reset_hash: reset_hash,
                totp_reset_expires_us: reset_exp,
            })
        },
    )
    .transpose()
}

/// `(id, role, enabled)` of the user named `name`; `not_found` otherwise.
pub(crate) fn find_user(conn: &Connection, name: &str) -> Result<(UserId, Role, bool)> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT id, role, enabled FROM users WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, role, enabled) = row.ok_or_else(|| UserError::NotFound {
        name: name.to_string(),
    })?;
    let role = stored_role(&role)?;
    Ok((id.into(), role, enabled == 1))
}

/// A new row for `insert`.
pub(crate) struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub created_us: i64,
    /// The admin who added the account; `None` for the first admin.
    pub created_by: Option<&'a str>,
    pub password: PasswordState,
    pub totp: TotpState,
    pub totp_sealed: Option<&'a [u8]>,
}

/// Adds an enabled user.
pub(crate) fn insert(conn: &Connection, user: &NewUser<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO users (id, name, role, enabled, created_us, created_by, password_state, totp_state, totp_sealed)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8)",
        params![
            user.id,
            user.name,
            user.role.as_str(),
            user.created_us,
            user.created_by,
            user.password.as_str(),
            user.totp.as_str(),
            user.totp_sealed
        ],
    )?;
    Ok(())
}

/// Whether a user name is taken, ignoring ASCII case.
pub(crate) fn name_taken(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE lower(name) = lower(?1)",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// How many admins can unlock.
pub(crate) fn count_enabled_admins(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND enabled = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// `(role, enabled)` of a user, for the session's gate; `None` if the row is gone.
pub(crate) fn role_and_enabled(conn: &Connection, id: &str) -> Result<Option<(String, bool)>> {
    Ok(conn
        .query_row("SELECT role, enabled FROM users WHERE id = ?1", [id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? == 1))
        })
        .optional()?)
}

/// A user as `user list` needs it.
pub(crate) struct ListedUser {
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub password: PasswordState,
    pub totp: TotpState,
}

/// Every user, by name.
pub(crate) fn list(conn: &Connection) -> Result<Vec<ListedUser>> {
    let mut stmt = conn.prepare(
        "SELECT name, role, enabled, password_state, totp_state FROM users ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (name, role, enabled, password, totp) = row?;
        Ok(ListedUser {
            name,
            role: stored_role(&role)?,
            enabled: enabled == 1,
            password: PasswordState::parse(&password)?,
            totp: TotpState::parse(&totp)?,
        })
    })
    .collect()
}

/// Disables an account (its key slot is removed by the caller).
pub(crate) fn disable(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("UPDATE users SET enabled = 0 WHERE id = ?1", [id])?;
    Ok(())
}

/// Enables an account again, back to a one-time password and no authenticator.
pub(crate) fn reenable(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET enabled = 1, password_state = 'one_time', totp_state = 'none', totp_sealed = NULL,
             totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Where a user's password stands.
pub(crate) fn password_state(conn: &Connection, id: &str) -> Result<PasswordState> {
    let state: String = conn.query_row(
        "SELECT password_state FROM users WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    PasswordState::parse(&state)
}

/// An admin's TOTP reset: the next unlock needs the code whose hash this is.
pub(crate) fn start_totp_reset(
    conn: &Connection,
    id: &str,
    code_hash: &[u8],
    expires_us: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE users SET totp_state = 'reset', totp_reset_hash = ?1, totp_reset_expires_us = ?2 WHERE id = ?3",
        params![code_hash, expires_us, id],
    )?;
    Ok(())
}

/// `(state, sealed secret, last accepted step)` of a user's authenticator.
pub(crate) fn totp_of(
    conn: &Connection,
    id: &str,
) -> Result<(TotpState, Option<Vec<u8>>, Option<i64>)> {
    let (state, sealed, last): (String, Option<Vec<u8>>, Option<i64>) = conn.query_row(
        "SELECT totp_state, totp_sealed, totp_last_step FROM users WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok((TotpState::parse(&state)?, sealed, last))
}

/// A code of time step `step` was accepted: the authenticator is confirmed and no code
/// of that step or earlier works again.
/// Accepts a code of `step` for the authenticator `sealed` (the one the code was
/// checked against): `false` when a code of this or a later step was accepted meanwhile
/// or the authenticator changed, so the same code never unlocks twice.
pub(crate) fn accept_totp_step(
    conn: &Connection,
    id: &str,
    sealed: &[u8],
    step: i64,
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE users SET totp_state = 'confirmed', totp_last_step = ?1
             WHERE id = ?2 AND totp_state IN ('pending', 'confirmed') AND totp_sealed = ?3
               AND (totp_last_step IS NULL OR totp_last_step < ?1)",
        params![step, id, sealed],
    )?;
    Ok(changed == 1)
}

/// Spends the reset code whose hash is `reset_hash` and enrolls `sealed`, pending its
/// first code: `false` when that code is no longer the one on record (spent meanwhile).
pub(crate) fn enroll_totp_from_reset(
    conn: &Connection,
    id: &str,
    reset_hash: &[u8],
    sealed: &[u8],
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE users SET totp_state = 'pending', totp_sealed = ?1, totp_last_step = NULL,
             totp_reset_hash = NULL, totp_reset_expires_us = NULL
             WHERE id = ?2 AND totp_state = 'reset' AND totp_reset_hash = ?3",
        params![sealed, id, reset_hash],
    )?;
    Ok(changed == 1)
}

/// First login or recovery: the user's own password (and enabled, after recovery) and a
/// new authenticator pending its first code.
pub(crate) fn set_own_password(conn: &Connection, id: &str, sealed_totp: &[u8]) -> Result<()> {
    conn.execute(
        "UPDATE users SET enabled = 1, password_state = 'set', totp_state = 'pending', totp_sealed = ?1,
             totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?2",
        params![sealed_totp, id],
    )?;
    Ok(())
}

/// After the PC's clock was accepted as correct at `now_us`: times that ran ahead with
/// the clock come back. A last accepted TOTP step in the future is forgotten (else
/// every code until then is refused as a replay), and a reset code lives at most its
/// usual validity from now. Returns how many users changed.
pub(crate) fn bring_back_times(conn: &Connection, now_us: i64) -> Result<u32> {
    let now_step = crate::totp::step_at(crate::clock::us_to_secs(now_us));
    let latest_reset = now_us.saturating_add(super::ONE_TIME_VALIDITY_US);
    let n = conn.execute(
        "UPDATE users SET
             totp_last_step = CASE WHEN totp_last_step > ?1 THEN NULL ELSE totp_last_step END,
             totp_reset_expires_us = MIN(totp_reset_expires_us, ?2)
         WHERE totp_last_step > ?1 OR totp_reset_expires_us > ?2",
        params![now_step, latest_reset],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
