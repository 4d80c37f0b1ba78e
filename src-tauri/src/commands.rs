//! The IPC commands: thin adapters that take the state, call one core function and map
//! the error. `ui/src/lib/ipc.ts` is their only caller; `command_names.rs` lists them.

use clinic_vault_core::audit::{AuditFilter, ListedEvent};
use clinic_vault_core::policy::{self, PolicyReport};
use clinic_vault_core::quick::{ArmedUser, QuickUnlockSettings};
use clinic_vault_core::records::{
    Consent, ConsentPurpose, HistoryEntry, NewPatient, NewPrescription, Note, Patient, PatientId,
    PatientRef, PatientUpdate, Prescription, SearchHit, SearchOptions, MAX_SEARCH_LIMIT,
};
use clinic_vault_core::settings::Settings;
use clinic_vault_core::vault::{UserSummary, VerifyReport};
use clinic_vault_core::{Password, Role, Session, ShownSecret, VaultProbe};
use serde::{Deserialize, Serialize};
use tauri::State;
use zeroize::Zeroizing;

use crate::autolock::LockReason;
use crate::error::{CmdResult, IpcError};
use crate::state::{AppState, EnrollmentKind};

/// A secret typed in the UI: zeroized when the command is done with it.
pub struct SecretArg(Zeroizing<String>);

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretArg(…)")
    }
}

impl<'de> Deserialize<'de> for SecretArg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| SecretArg(Zeroizing::new(s)))
    }
}

impl SecretArg {
    fn password(&self) -> Password {
        Password::from_str_copy(&self.0)
    }
}

/// Who is unlocked, and the limits the UI shows.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    user: String,
    role: Role,
    idle_lock_secs: u32,
    session_limit_secs: u32,
    /// For admins: enabled admins (the UI reminds until there are two).
    enabled_admins: Option<usize>,
    /// Whether the user set a PIN in this session (it is armed at the next lock).
    has_pin: bool,
    /// Whether this session was opened with a PIN (it holds no private key).
    pin_session: bool,
    /// The vault's quick-unlock settings (the UI asks for a PIN when one is required).
    quick_unlock: QuickUnlockSettings,
}

/// The start screen's facts.
#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    vault: &'static str,
    vault_dir: String,
    users: Vec<String>,
    session: Option<SessionInfo>,
    /// Who can unlock with their PIN now (listed first on the unlock screen).
    quick_users: Vec<ArmedUser>,
    pc_time_utc: String,
    version: &'static str,
    /// A sync server the run script started on this computer (its address), whose
    /// enrollment code the app holds; `None` otherwise.
    offered_server: Option<String>,
}

/// A TOTP enrollment, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct Enrollment {
    totp_uri: String,
    qr_svg: String,
    secret: String,
}

/// A new vault: the admin's session, their enrollment and the recovery key (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct CreatedVault {
    session: SessionInfo,
    enrollment: Enrollment,
    recovery_key: String,
}

/// An unlock, with an enrollment when a TOTP reset code was used.
#[derive(Debug, Clone, Serialize)]
pub struct UnlockResult {
    session: SessionInfo,
    enrollment: Option<Enrollment>,
}

/// A user just added or re-enabled.
#[derive(Debug, Clone, Serialize)]
pub struct AddedUserView {
    user: String,
    role: Role,
    one_time_password: String,
    expires_us: i64,
}

/// Audit filters as the UI sends them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    patient: Option<String>,
    since_us: Option<i64>,
    until_us: Option<i64>,
    limit: Option<u32>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl From<AuditQuery> for AuditFilter {
    fn from(q: AuditQuery) -> Self {
        AuditFilter {
            actor: non_empty(q.actor),
            action: non_empty(q.action),
            patient: non_empty(q.patient).map(PatientId::from),
            since_us: q.since_us,
            until_us: q.until_us,
            limit: Some(q.limit.unwrap_or(200).clamp(1, 5000)),
        }
    }
}

/// Builds the enrollment view of an `otpauth://` URI: the QR as SVG and the secret.
pub fn enrollment(uri: &ShownSecret) -> CmdResult<Enrollment> {
    let uri = uri.expose_secret();
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| IpcError::internal(format!("Could not draw the QR code: {e}.")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration: the markup is placed inside the HTML page.
    let qr_svg = match svg.find("<svg") {
        Some(at) => svg[at..].to_string(),
        None => svg,
    };
    let secret = uri
        .split(['?', '&'])
        .find_map(|part| part.strip_prefix("secret="))
        .unwrap_or_default()
        .to_string();
    Ok(Enrollment {
        totp_uri: uri.to_string(),
        qr_svg,
        secret,
    })
}

fn describe(
    session: &mut Session,
    settings: Settings,
    quick: QuickUnlockSettings,
) -> clinic_vault_core::Result<SessionInfo> {
    let enabled_admins = if session.role() == Role::Admin {
        Some(session.enabled_admin_count()?)
    } else {
        None
    };
    Ok(SessionInfo {
        user: session.user_name().to_string(),
        role: session.role(),
        idle_lock_secs: settings.idle_lock_secs,
        session_limit_secs: settings.session_limit_secs,
        enabled_admins,
        has_pin: session.has_pin(),
        pin_session: session.opened_with_pin(),
        quick_unlock: quick,
    })
}

/// What the UI shows of the unlocked session.
fn describe_active(state: &AppState, a: &mut crate::state::Active) -> CmdResult<SessionInfo> {
    describe(&mut a.session, a.timers.settings, a.quick).map_err(|e| state.core_err(e))
}

/// Installs a fresh session with its settings and returns what the UI shows; `since` is
/// the state's epoch read before the unlock began (a lock meanwhile refuses it).
fn start_session(state: &AppState, mut session: Session, since: u64) -> CmdResult<SessionInfo> {
    let settings = session.settings().map_err(|e| state.core_err(e))?;
    let quick = session
        .quick_unlock_settings()
        .map_err(|e| state.core_err(e))?;
    let info = describe(&mut session, settings, quick).map_err(|e| state.core_err(e))?;
    state.install(session, settings, quick, since)?;
    Ok(info)
}

// ------------------------------------------------------------------ before unlock

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let probe = clinic_vault_core::probe(&state.vault_dir).map_err(|e| state.core_err(e))?;
    let session = if state.is_unlocked() {
        state.with_active(|a| describe_active(&state, a)).ok()
    } else {
        None
    };
    let (vault, users) = match probe {
        VaultProbe::Missing => ("none", Vec::new()),
        VaultProbe::Present { users } => ("present", users),
    };
    Ok(AppStatus {
        vault,
        vault_dir: state.vault_dir.display().to_string(),
        users,
        session,
        quick_users: state.armed_users(),
        pc_time_utc: crate::error::iso_utc(state.now_us()),
        version: env!("CARGO_PKG_VERSION"),
        offered_server: state.sync.offered_server(),
    })
}

#[tauri::command(async)]
pub fn check_password(user: String, password: SecretArg) -> PolicyReport {
    policy::assess(&user, &password.0)
}

#[tauri::command(async)]
pub fn create_vault(
    state: State<'_, AppState>,
    admin: String,
    password: SecretArg,
) -> CmdResult<CreatedVault> {
    if let VaultProbe::Present { .. } =
        clinic_vault_core::probe(&state.vault_dir).map_err(|e| state.core_err(e))?
    {
        return Err(IpcError {
            code: "conflict",
            message: "A vault already exists on this PC.".into(),
            retry_after_secs: None,
            pc_time_utc: None,
            field: None,
        });
    }
    let since = state.epoch();
    let (outcome, session) =
        clinic_vault_core::init(&state.vault_dir, &admin, &password.password(), &state.cfg)
            .map_err(|e| state.core_err(e))?;
    let enrollment = enrollment(&outcome.totp_uri)?;
    let session = start_session(&state, session, since)?;
    Ok(CreatedVault {
        session,
        enrollment,
        recovery_key: outcome.recovery_key.expose_secret().to_string(),
    })
}

#[tauri::command(async)]
pub fn confirm_totp(state: State<'_, AppState>, code: String) -> CmdResult<SessionInfo> {
    state.with_active(|a| {
        a.session
            .confirm_totp(&code)
            .map_err(|e| state.core_err(e))?;
        describe_active(&state, a)
    })
}

#[tauri::command(async)]
pub fn unlock(
    state: State<'_, AppState>,
    user: String,
    password: SecretArg,
    code: String,
) -> CmdResult<UnlockResult> {
    let since = state.lock_before_unlock(LockReason::Manual);
    let mut session = clinic_vault_core::unlock(
        &state.vault_dir,
        &user,
        &password.password(),
        &code,
        &state.cfg,
    )
    .map_err(|e| state.core_err(e))?;
    let enrollment = session
        .take_enrolled_totp_uri()
        .map(|uri| enrollment(&uri))
        .transpose()?;
    let session = start_session(&state, session, since)?;
    Ok(UnlockResult {
        session,
        enrollment,
    })
}

#[tauri::command(async)]
pub fn first_login(
    state: State<'_, AppState>,
    user: String,
    one_time_password: SecretArg,
    new_password: SecretArg,
) -> CmdResult<Enrollment> {
    state.lock(LockReason::Manual);
    let new = new_password.password();
    let done = clinic_vault_core::first_login(
        &state.vault_dir,
        &user,
        &one_time_password.password(),
        &new,
        &state.cfg,
    )
    .map_err(|e| state.core_err(e))?;
    state.begin_enrollment(user, new, EnrollmentKind::FirstLogin);
    enrollment(&done.totp_uri)
}

#[tauri::command(async)]
pub fn recover_admin(
    state: State<'_, AppState>,
    admin: String,
    recovery_key: SecretArg,
    new_password: SecretArg,
    accept_clock: Option<bool>,
) -> CmdResult<Enrollment> {
    state.lock(LockReason::Manual);
    let new = new_password.password();
    let options = clinic_vault_core::RecoverOptions {
        accept_clock: accept_clock.unwrap_or(false),
    };
    let done = clinic_vault_core::recover_with(
        &state.vault_dir,
        &admin,
        &recovery_key.password(),
        &new,
        &state.cfg,
        options,
    )
    .map_err(|e| state.core_err(e))?;
    state.begin_enrollment(admin, new, EnrollmentKind::Recovery);
    enrollment(&done.totp_uri)
}

#[tauri::command(async)]
pub fn finish_enrollment(state: State<'_, AppState>, code: String) -> CmdResult<SessionInfo> {
    let pending = state.take_pending()?;
    let since = state.epoch();
    match clinic_vault_core::unlock(
        &state.vault_dir,
        &pending.user,
        &pending.password,
        &code,
        &state.cfg,
    ) {
        Ok(session) => start_session(&state, session, since),
        Err(e) => {
            let err = state.core_err(e);
            // A wrong code may be retried; anything else ends the enrollment.
            if err.code == "bad_credentials" {
                state.return_pending(pending);
            }
            Err(err)
        }
    }
}

#[tauri::command(async)]
pub fn cancel_enrollment(state: State<'_, AppState>) {
    state.cancel_pending();
}

/// Locks ("step away": a PIN the user set stays armed); `reason: "switch_user"` when
/// the page is making way for another user, so the trail says so.
#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>, reason: Option<String>) {
    let reason = match reason.as_deref() {
        Some("switch_user") => LockReason::SwitchUser,
        _ => LockReason::Manual,
    };
    state.lock(reason);
}

/// "Lock and require password": locks and wipes this user's PIN.
#[tauri::command(async)]
pub fn lock_require_password(state: State<'_, AppState>) {
    state.lock(LockReason::RequirePassword);
}

/// Sets (or replaces) the unlocked user's PIN for quick unlock after their next lock.
#[tauri::command(async)]
pub fn set_pin(state: State<'_, AppState>, pin: SecretArg) -> CmdResult<SessionInfo> {
    let pin = clinic_vault_core::quick::Pin::parse(pin.0.as_bytes())
        .map_err(|e| state.core_err(e.into()))?;
    state.with_active(|a| {
        a.session.set_pin(pin).map_err(|e| state.core_err(e))?;
        describe_active(&state, a)
    })
}

/// Unlocks `user` with their PIN (a switch when someone else is unlocked: they are
/// locked first, keeping their own PIN armed).
#[tauri::command(async)]
pub fn quick_unlock(
    state: State<'_, AppState>,
    user: String,
    pin: SecretArg,
) -> CmdResult<SessionInfo> {
    let (session, since) = state
        .quick_unlock(&user, pin.0.as_bytes())
        .map_err(|e| state.core_err(e))?;
    start_session(&state, session, since)
}

#[tauri::command(async)]
pub fn report_activity(state: State<'_, AppState>) {
    state.input();
}

#[tauri::command(async)]
pub fn session_info(state: State<'_, AppState>) -> CmdResult<SessionInfo> {
    state.with_active(|a| describe_active(&state, a))
}

#[tauri::command(async)]
pub fn copy_text(state: State<'_, AppState>, text: String) -> CmdResult<()> {
    state.copy(&text)
}

// ------------------------------------------------------------------ patients

#[tauri::command(async)]
pub fn search_patients(
    state: State<'_, AppState>,
    query: String,
    include_archived: bool,
    limit: Option<u32>,
) -> CmdResult<Vec<SearchHit>> {
    let options = SearchOptions {
        limit: limit.unwrap_or(50).clamp(1, MAX_SEARCH_LIMIT),
        include_archived,
    };
    state.with_session(|s| s.search_patients(&query, &options))
}

#[tauri::command(async)]
pub fn show_patient(state: State<'_, AppState>, id: String) -> CmdResult<Patient> {
    state.with_session(|s| s.show_patient(&id))
}

#[tauri::command(async)]
pub fn add_patient(
    state: State<'_, AppState>,
    patient: NewPatient,
    force: bool,
) -> CmdResult<PatientRef> {
    state.with_session(|s| s.add_patient(&patient, force))
}

#[tauri::command(async)]
pub fn update_patient(
    state: State<'_, AppState>,
    id: String,
    update: PatientUpdate,
) -> CmdResult<Patient> {
    state.with_session(|s| s.update_patient(&id, &update).map(|(patient, _)| patient))
}

#[tauri::command(async)]
pub fn archive_patient(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    state.with_session(|s| s.archive_patient(&id))
}

#[tauri::command(async)]
pub fn patient_history(state: State<'_, AppState>, id: String) -> CmdResult<Vec<HistoryEntry>> {
    state.with_session(|s| s.patient_history(&id))
}

#[tauri::command(async)]
pub fn list_consents(state: State<'_, AppState>, patient_id: String) -> CmdResult<Vec<Consent>> {
    state.with_session(|s| s.list_consents(&patient_id))
}

#[tauri::command(async)]
pub fn grant_consent(
    state: State<'_, AppState>,
    patient_id: String,
    purpose: ConsentPurpose,
    given_by: Option<String>,
) -> CmdResult<Consent> {
    let given_by = non_empty(given_by);
    state.with_session(|s| s.grant_consent(&patient_id, purpose, given_by.as_deref()))
}

#[tauri::command(async)]
pub fn withdraw_consent(
    state: State<'_, AppState>,
    patient_id: String,
    purpose: ConsentPurpose,
) -> CmdResult<Consent> {
    state.with_session(|s| s.withdraw_consent(&patient_id, purpose))
}

#[tauri::command(async)]
pub fn list_notes(state: State<'_, AppState>, patient_id: String) -> CmdResult<Vec<Note>> {
    state.with_session(|s| s.list_notes(&patient_id))
}

#[tauri::command(async)]
pub fn add_note(state: State<'_, AppState>, patient_id: String, text: String) -> CmdResult<Note> {
    state.with_session(|s| s.add_note(&patient_id, &text))
}

#[tauri::command(async)]
pub fn add_addendum(state: State<'_, AppState>, note_id: String, text: String) -> CmdResult<Note> {
    state.with_session(|s| s.add_addendum(&note_id, &text))
}

#[tauri::command(async)]
pub fn void_note(state: State<'_, AppState>, note_id: String, reason: String) -> CmdResult<()> {
    state.with_session(|s| s.void_note(&note_id, &reason))
}

#[tauri::command(async)]
pub fn list_prescriptions(
    state: State<'_, AppState>,
    patient_id: String,
) -> CmdResult<Vec<Prescription>> {
    state.with_session(|s| s.list_prescriptions(&patient_id))
}

#[tauri::command(async)]
pub fn add_prescription(
    state: State<'_, AppState>,
    patient_id: String,
    rx: NewPrescription,
) -> CmdResult<Prescription> {
    state.with_session(|s| s.add_prescription(&patient_id, &rx))
}

#[tauri::command(async)]
pub fn void_prescription(
    state: State<'_, AppState>,
    rx_id: String,
    reason: String,
) -> CmdResult<()> {
    state.with_session(|s| s.void_prescription(&rx_id, &reason))
}

// ------------------------------------------------------------------ admin

fn added(a: clinic_vault_core::vault::AddedUser) -> AddedUserView {
    AddedUserView {
        user: a.user,
        role: a.role,
        one_time_password: a.one_time_password.expose_secret().to_string(),
        expires_us: a.expires_us,
    }
}

#[tauri::command(async)]
pub fn list_users(state: State<'_, AppState>) -> CmdResult<Vec<UserSummary>> {
    state.with_session(|s| s.list_users())
}

#[tauri::command(async)]
pub fn add_user(state: State<'_, AppState>, name: String, role: Role) -> CmdResult<AddedUserView> {
    state.with_session(|s| s.add_user(&name, role).map(added))
}

#[tauri::command(async)]
pub fn disable_user(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<clinic_vault_core::vault::Disabled> {
    state.with_session(|s| s.disable_user(&name))
}

#[tauri::command(async)]
pub fn enable_user(state: State<'_, AppState>, name: String) -> CmdResult<AddedUserView> {
    state.with_session(|s| s.enable_user(&name).map(added))
}

#[tauri::command(async)]
pub fn reset_totp(state: State<'_, AppState>, name: String) -> CmdResult<String> {
    state.with_session(|s| s.reset_totp(&name).map(|c| c.expose_secret().to_string()))
}

#[tauri::command(async)]
pub fn reset_password(state: State<'_, AppState>, name: String) -> CmdResult<AddedUserView> {
    state.with_session(|s| s.reset_password(&name).map(added))
}

#[tauri::command(async)]
pub fn change_role(state: State<'_, AppState>, name: String, role: Role) -> CmdResult<Role> {
    state.with_session(|s| s.change_role(&name, role))
}

#[tauri::command(async)]
pub fn clear_lockout(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.with_session(|s| s.clear_lockout(&name))
}

#[tauri::command(async)]
pub fn rotate_data_key(state: State<'_, AppState>) -> CmdResult<()> {
    state.with_session(|s| s.rekey())
}

#[tauri::command(async)]
pub fn rotate_recovery_key(state: State<'_, AppState>) -> CmdResult<String> {
    state.with_session(|s| {
        s.rotate_recovery_key()
            .map(|k| k.expose_secret().to_string())
    })
}

#[tauri::command(async)]
pub fn clear_recovery_lockout(state: State<'_, AppState>) -> CmdResult<()> {
    state.with_session(|s| s.clear_recovery_lockout())
}

#[tauri::command(async)]
pub fn audit_list(state: State<'_, AppState>, query: AuditQuery) -> CmdResult<Vec<ListedEvent>> {
    let filter = AuditFilter::from(query);
    state.with_session(|s| s.audit_list(&filter))
}

#[tauri::command(async)]
pub fn verify_vault(state: State<'_, AppState>) -> CmdResult<VerifyReport> {
    state.with_session(|s| s.verify())
}

#[tauri::command(async)]
pub fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    state.with_session(|s| s.settings())
}

#[tauri::command(async)]
pub fn set_settings(state: State<'_, AppState>, settings: Settings) -> CmdResult<Settings> {
    state.with_active(|a| {
        let saved = a
            .session
            .set_settings(&settings)
            .map_err(|e| state.core_err(e))?;
        // The running session follows the new limits at once.
        a.timers.settings = saved;
        Ok(saved)
    })
}

#[tauri::command(async)]
pub fn get_quick_unlock_settings(state: State<'_, AppState>) -> CmdResult<QuickUnlockSettings> {
    state.with_session(|s| s.quick_unlock_settings())
}

#[tauri::command(async)]
pub fn set_quick_unlock_settings(
    state: State<'_, AppState>,
    settings: QuickUnlockSettings,
) -> CmdResult<QuickUnlockSettings> {
    state.with_active(|a| {
        let saved = a
            .session
            .set_quick_unlock_settings(&settings)
            .map_err(|e| state.core_err(e))?;
        a.quick = saved;
        Ok(saved)
    })
}
