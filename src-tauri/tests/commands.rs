//! Command tests through the real IPC path (Tauri's mock runtime, the app's real
//! configuration and capabilities): arguments as the UI sends them, errors as
//! `{code, message}`, roles, auto-lock and the clipboard.

use std::sync::{Arc, Mutex};

use clinic_vault_app::autolock::LockReason;
use clinic_vault_app::state::{AppState, Clipboard, ExpiredEnrollment, ScannedPage, ShellEvent};
use clinic_vault_core::scans::acquire::RawPage;
use clinic_vault_core::{Clock, CoreConfig, ManualClock};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const T0_US: i64 = 1_767_225_600_000_000;
const PW: &str = "correct horse battery staple orbit";

#[derive(Default, Clone)]
struct FakeClipboard(Arc<Mutex<Option<String>>>);

impl Clipboard for FakeClipboard {
    fn set(&self, text: &str) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(text.to_string());
        Ok(())
    }
    fn get(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn clear(&self) {
        *self.0.lock().unwrap() = None;
    }
}

struct Harness {
    tmp: Arc<tempfile::TempDir>,
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    clock: Arc<ManualClock>,
    clipboard: FakeClipboard,
    locks: Arc<Mutex<Vec<LockReason>>>,
    expired: Arc<Mutex<Vec<ExpiredEnrollment>>>,
}

impl Harness {
    fn new() -> Harness {
        Harness::open(
            Arc::new(tempfile::tempdir().expect("tempdir")),
            Arc::new(ManualClock::new(T0_US)),
        )
    }

    /// The app started again on the same vault (its memory is gone), at the same time.
    fn restart(&self) -> Harness {
        let clock = Arc::new(ManualClock::new(self.clock.now_us()));
        Harness::open(self.tmp.clone(), clock)
    }

    fn open(tmp: Arc<tempfile::TempDir>, clock: Arc<ManualClock>) -> Harness {
        let clipboard = FakeClipboard::default();
        let state = AppState::new(
            tmp.path().join("vault"),
            CoreConfig::new(clock.clone()),
            Box::new(clipboard.clone()),
        );
        let locks = Arc::new(Mutex::new(Vec::new()));
        let expired = Arc::new(Mutex::new(Vec::new()));
        let (seen_locks, seen_expired) = (locks.clone(), expired.clone());
        state.set_notifier(Box::new(move |event| match event {
            ShellEvent::Locked(reason) => seen_locks.lock().unwrap().push(*reason),
            ShellEvent::EnrollmentExpired(e) => seen_expired.lock().unwrap().push(e.clone()),
        }));
        let app = clinic_vault_app::build_app(mock_builder())
            .manage(state)
            .build(clinic_vault_app::context())
            .expect("app");
        let window =
            WebviewWindowBuilder::new(&app, clinic_vault_app::MAIN_WINDOW, Default::default())
                .build()
                .expect("window");
        Harness {
            tmp,
            app,
            window,
            clock,
            clipboard,
            locks,
            expired,
        }
    }

    fn call_in(
        &self,
        window: &WebviewWindow<MockRuntime>,
        cmd: &str,
        args: Value,
    ) -> Result<Value, Value> {
        call_window(window, cmd, args)
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call_in(&self.window, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err_code(&self, cmd: &str, args: Value) -> String {
        let err = self.call(cmd, args).expect_err(cmd);
        err["code"].as_str().expect("code").to_string()
    }

    fn code(&self, uri: &str) -> String {
        clinic_vault_core::totp::code_for_uri(uri, self.clock.now_us() / 1_000_000).expect("code")
    }

    fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    /// What the auto-lock thread does every half second.
    fn tick(&self) -> Option<ShellEvent> {
        self.state().check_timers()
    }

    /// Creates the vault as `alice` and confirms her authenticator; returns her URI.
    fn create(&self) -> String {
        let created = self.ok("create_vault", json!({"admin": "alice", "password": PW}));
        let uri = created["enrollment"]["totp_uri"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(created["enrollment"]["qr_svg"]
            .as_str()
            .unwrap()
            .starts_with("<svg"));
        assert!(!created["recovery_key"].as_str().unwrap().is_empty());
        assert_eq!(created["session"]["role"], "admin");
        assert_eq!(created["session"]["enabled_admins"], 1);
        self.ok("confirm_totp", json!({"code": self.code(&uri)}));
        uri
    }

    /// Adds a user as the unlocked admin and completes their first login.
    fn add_user(&self, name: &str, role: &str, pw: &str) -> String {
        let added = self.ok("add_user", json!({"name": name, "role": role}));
        let otp = added["one_time_password"].as_str().unwrap().to_string();
        let enrollment = self.ok(
            "first_login",
            json!({"user": name, "oneTimePassword": otp, "newPassword": pw}),
        );
        let uri = enrollment["totp_uri"].as_str().unwrap().to_string();
        self.clock.advance_us(30_000_000);
        let info = self.ok("finish_enrollment", json!({"code": self.code(&uri)}));
        assert_eq!(info["user"], name);
        uri
    }

    fn unlock(&self, user: &str, pw: &str, uri: &str) -> Value {
        self.clock.advance_us(30_000_000);
        self.ok(
            "unlock",
            json!({"user": user, "password": pw, "code": self.code(uri)}),
        )
    }
}

/// One IPC call in `window`, as the page makes it (for calls from several threads).
fn call_window(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json"))
}

#[test]
fn first_run_then_unlock_with_errors_as_code_and_message() {
    let h = Harness::new();
    let status = h.ok("app_status", json!({}));
    assert_eq!(status["vault"], "none");
    assert_eq!(status["session"], Value::Null);

    let weak = h.ok(
        "check_password",
        json!({"user": "alice", "password": "alice12345678"}),
    );
    assert_eq!(weak["acceptable"], false);
    assert!(!weak["problems"].as_array().unwrap().is_empty());

    let uri = h.create();
    assert_eq!(
        h.err_code("create_vault", json!({"admin": "bob", "password": PW})),
        "conflict"
    );
    h.ok("lock", json!({}));
    assert_eq!(*h.locks.lock().unwrap(), [LockReason::Manual]);

    let status = h.ok("app_status", json!({}));
    assert_eq!(status["vault"], "present");
    assert_eq!(status["users"], json!(["alice"]));

    h.clock.advance_us(30_000_000);
    let err = h
        .call(
            "unlock",
            json!({"user": "alice", "password": "wrong password here", "code": "000000"}),
        )
        .expect_err("wrong password");
    assert_eq!(err["code"], "bad_credentials");
    assert!(err["message"].as_str().unwrap().ends_with('.'));

    let unlocked = h.unlock("alice", PW, &uri);
    assert_eq!(unlocked["session"]["user"], "alice");
    assert_eq!(unlocked["session"]["idle_lock_secs"], 300);
    assert_eq!(unlocked["enrollment"], Value::Null);
}

#[test]
fn five_wrong_codes_give_locked_out_with_a_countdown() {
    let h = Harness::new();
    h.create();
    h.ok("lock", json!({}));
    let mut last = Value::Null;
    for _ in 0..6 {
        last = h
            .call(
                "unlock",
                json!({"user": "alice", "password": PW, "code": "000000"}),
            )
            .expect_err("wrong code");
    }
    assert_eq!(last["code"], "locked_out");
    assert!(last["retry_after_secs"].as_u64().unwrap() > 0);
}

#[test]
fn a_clock_error_reports_the_pcs_time() {
    let h = Harness::new();
    let uri = h.create();
    h.ok("lock", json!({}));
    h.clock.set_us(T0_US - 3600 * 1_000_000);
    let err = h
        .call(
            "unlock",
            json!({"user": "alice", "password": PW, "code": h.code(&uri)}),
        )
        .expect_err("clock behind");
    assert_eq!(err["code"], "clock_error");
    assert_eq!(err["pc_time_utc"], "2025-12-31T23:00:00Z");
}

#[test]
fn patient_work_and_the_role_matrix_through_ipc() {
    let h = Harness::new();
    h.create();
    let clin_uri = h.add_user(
        "carol",
        "clinician",
        "another long passphrase for the clinician",
    );
    let patient = json!({"given": "Zebediah", "family": "Quintrell", "dob": "1984-03-07",
        "sex": null, "phone": "+447700900123", "email": null, "address": null});
    let added = h.ok("add_patient", json!({"patient": patient, "force": false}));
    let id = added["id"].as_str().unwrap().to_string();
    assert_eq!(
        h.err_code("add_patient", json!({"patient": patient, "force": false})),
        "conflict"
    );

    let bad = json!({"given": "A", "family": "B", "dob": "1984-02-30", "sex": null,
        "phone": null, "email": null, "address": null});
    assert_eq!(
        h.err_code("add_patient", json!({"patient": bad, "force": false})),
        "invalid_input"
    );

    let hits = h.ok(
        "search_patients",
        json!({"query": "quin", "includeArchived": false, "limit": 20}),
    );
    assert_eq!(hits[0]["patient"]["id"], id.as_str());
    let note = h.ok(
        "add_note",
        json!({"patientId": id, "text": "Allergic to penicillin"}),
    );
    h.ok(
        "add_addendum",
        json!({"noteId": note["id"], "text": "Confirmed by GP letter"}),
    );
    assert_eq!(
        h.ok("list_notes", json!({"patientId": id}))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let updated = h.ok(
        "update_patient",
        json!({"id": id, "update": {"phone": "+447700900999"}}),
    );
    assert_eq!(updated["version"], 2);
    h.ok(
        "grant_consent",
        json!({"patientId": id, "purpose": "reminders", "givenBy": null}),
    );
    assert_eq!(
        h.ok("list_consents", json!({"patientId": id}))[0]["status"],
        "granted"
    );
    h.ok("lock", json!({}));

    // A normal unlock of the new clinician, picked from the unlock screen's list.
    let status = h.ok("app_status", json!({}));
    assert_eq!(status["users"], json!(["alice", "carol"]));
    let unlocked = h.unlock(
        "carol",
        "another long passphrase for the clinician",
        &clin_uri,
    );
    assert_eq!(unlocked["session"]["role"], "clinician");
    assert_eq!(unlocked["session"]["enabled_admins"], Value::Null);
    assert_eq!(
        h.ok("list_notes", json!({"patientId": id}))
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_receptionist_is_refused_clinical_content_and_admin_work() {
    let h = Harness::new();
    h.create();
    h.add_user("rita", "receptionist", "front desk passphrase that is long");
    let patient = json!({"given": "Ada", "family": "Lovelace", "dob": "1815-12-10",
        "sex": null, "phone": null, "email": null, "address": null});
    // 1815 is refused by core (DOB must be 1900 or later): pick a valid one.
    assert_eq!(
        h.err_code("add_patient", json!({"patient": patient, "force": false})),
        "invalid_input"
    );
    let patient = json!({"given": "Ada", "family": "Lovelace", "dob": "1990-12-10",
        "sex": null, "phone": null, "email": null, "address": null});
    let id = h.ok("add_patient", json!({"patient": patient, "force": false}))["id"].clone();
    assert_eq!(
        h.err_code("list_notes", json!({"patientId": id})),
        "forbidden"
    );
    assert_eq!(
        h.err_code("add_note", json!({"patientId": id, "text": "x"})),
        "forbidden"
    );
    assert_eq!(h.err_code("list_users", json!({})), "forbidden");
    assert_eq!(h.err_code("audit_list", json!({"query": {}})), "forbidden");
    assert_eq!(
        h.err_code(
            "set_settings",
            json!({"settings": {"idle_lock_secs": 600, "session_limit_secs": 3600}})
        ),
        "forbidden"
    );
}

#[test]
fn idle_and_session_limits_lock_and_every_command_then_says_locked() {
    let h = Harness::new();
    let uri = h.create();
    h.clock.advance_us(299 * 1_000_000);
    h.ok("report_activity", json!({}));
    h.clock.advance_us(299 * 1_000_000);
    assert_eq!(h.tick(), None, "input postponed the idle lock");
    h.clock.advance_us(1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    assert_eq!(*h.locks.lock().unwrap(), [LockReason::Idle]);
    assert_eq!(
        h.err_code(
            "search_patients",
            json!({"query": "ab", "includeArchived": false})
        ),
        "locked"
    );
    assert_eq!(h.err_code("session_info", json!({})), "locked");

    // Admin shortens the idle lock; the running session follows at once.
    h.unlock("alice", PW, &uri);
    let locks = h.ok("audit_list", json!({"query": {"action": "user.lock"}}));
    assert_eq!(
        locks.as_array().unwrap().last().unwrap()["detail"]["reason"],
        "idle"
    );
    // The reminder count is not an audited read: no user list was recorded.
    assert_eq!(h.ok("session_info", json!({}))["enabled_admins"], 1);
    let lists = h.ok("audit_list", json!({"query": {"action": "user.list"}}));
    assert_eq!(lists, json!([]));
    let saved = h.ok(
        "set_settings",
        json!({"settings": {"idle_lock_secs": 60, "session_limit_secs": 3600}}),
    );
    assert_eq!(saved["idle_lock_secs"], 60);
    h.clock.advance_us(60 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));

    // The absolute limit wins over activity.
    h.unlock("alice", PW, &uri);
    for _ in 0..70 {
        h.clock.advance_us(59 * 1_000_000);
        h.ok("report_activity", json!({}));
        if h.tick().is_some() {
            break;
        }
    }
    assert_eq!(
        h.locks.lock().unwrap().last(),
        Some(&LockReason::SessionLimit)
    );
}

#[test]
fn locking_clears_the_clipboard_only_if_it_still_holds_what_the_app_copied() {
    let h = Harness::new();
    let uri = h.create();
    h.ok("copy_text", json!({"text": "MRN-0001"}));
    assert_eq!(h.clipboard.get().as_deref(), Some("MRN-0001"));
    h.ok("lock", json!({}));
    assert_eq!(h.clipboard.get(), None, "cleared at lock");

    h.unlock("alice", PW, &uri);
    h.ok("copy_text", json!({"text": "MRN-0002"}));
    h.clipboard
        .set("something the user copied elsewhere")
        .unwrap();
    h.ok("lock", json!({}));
    assert_eq!(
        h.clipboard.get().as_deref(),
        Some("something the user copied elsewhere")
    );
    assert_eq!(h.err_code("copy_text", json!({"text": "x"})), "locked");

    // During a first login's enrollment the setup key may be copied; cancelling clears it.
    h.unlock("alice", PW, &uri);
    let added = h.ok("add_user", json!({"name": "dana", "role": "clinician"}));
    h.ok("lock", json!({}));
    let enrollment = h.ok(
        "first_login",
        json!({"user": "dana", "oneTimePassword": added["one_time_password"],
               "newPassword": "yet another long passphrase here"}),
    );
    h.ok("copy_text", json!({"text": enrollment["secret"]}));
    assert_eq!(
        h.clipboard.get().as_ref(),
        enrollment["secret"].as_str().map(str::to_string).as_ref()
    );
    h.ok("cancel_enrollment", json!({}));
    assert_eq!(h.clipboard.get(), None);
    assert_eq!(
        h.err_code("finish_enrollment", json!({"code": "123456"})),
        "invalid_input"
    );
}

#[test]
fn only_the_main_window_may_call_the_apps_commands() {
    let h = Harness::new();
    let other = WebviewWindowBuilder::new(&h.app, "other", Default::default())
        .build()
        .expect("window");
    let refused = h
        .call_in(&other, "app_status", json!({}))
        .expect_err("no capability");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    h.ok("app_status", json!({}));
}

#[test]
fn navigation_stays_inside_the_app() {
    use clinic_vault_app::is_app_url;
    let ok = |u: &str| is_app_url(&u.parse().unwrap());
    assert!(ok("tauri://localhost/index.html"));
    assert!(ok("http://tauri.localhost/"));
    assert!(!ok("https://example.com/"));
    assert!(!ok("http://tauri.localhost.evil.example/"));
    assert!(!ok("file:///etc/passwd"));
    assert!(!ok("data:text/html,<script>alert(1)</script>"));
}

#[test]
fn a_reset_code_unlocks_into_a_new_enrollment_and_the_recovery_key_recovers_the_admin() {
    let h = Harness::new();
    let created = h.ok("create_vault", json!({"admin": "alice", "password": PW}));
    let recovery_key = created["recovery_key"].as_str().unwrap().to_string();
    let uri = created["enrollment"]["totp_uri"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("confirm_totp", json!({"code": h.code(&uri)}));
    let bob_pw = "a receptionist passphrase that is long";
    h.add_user("bob", "receptionist", bob_pw);
    h.ok("lock", json!({}));

    // The admin resets Bob's authenticator; Bob unlocks with password + reset code.
    h.unlock("alice", PW, &uri);
    let reset_code = h.ok("reset_totp", json!({"name": "bob"}));
    h.ok("lock", json!({}));
    let unlocked = h.ok(
        "unlock",
        json!({"user": "bob", "password": bob_pw, "code": reset_code}),
    );
    let new_uri = unlocked["enrollment"]["totp_uri"]
        .as_str()
        .expect("enrollment")
        .to_string();
    assert!(unlocked["enrollment"]["qr_svg"]
        .as_str()
        .unwrap()
        .starts_with("<svg"));
    assert_eq!(
        h.err_code("confirm_totp", json!({"code": "000000"})),
        "bad_credentials"
    );
    h.ok("confirm_totp", json!({"code": h.code(&new_uri)}));
    h.ok("lock", json!({}));
    h.unlock("bob", bob_pw, &new_uri);
    h.ok("lock", json!({}));

    // The admin lost everything: the recovery key gives a new password and authenticator.
    let new_pw = "a brand new admin passphrase here";
    let enrollment = h.ok(
        "recover_admin",
        json!({"admin": "alice", "recoveryKey": recovery_key, "newPassword": new_pw}),
    );
    let admin_uri = enrollment["totp_uri"].as_str().unwrap().to_string();
    h.clock.advance_us(30_000_000);
    assert_eq!(
        h.err_code("finish_enrollment", json!({"code": "000000"})),
        "bad_credentials"
    );
    // A wrong code keeps the enrollment waiting; the right one unlocks.
    let info = h.ok("finish_enrollment", json!({"code": h.code(&admin_uri)}));
    assert_eq!(info["user"], "alice");
    h.ok("lock", json!({}));
    h.unlock("alice", new_pw, &admin_uri);
}

const SEC: i64 = 1_000_000;

#[test]
fn setting_the_wall_clock_back_cannot_keep_a_session_alive() {
    let h = Harness::new();
    h.create();
    // Someone sets the PC's clock back after every few minutes: with elapsed time taken
    // from the wall clock the session never went idle. Elapsed time goes on.
    h.clock.advance_us(240 * SEC);
    assert_eq!(h.tick(), None);
    h.clock.set_us(T0_US);
    h.clock.advance_us(59 * SEC);
    assert_eq!(h.tick(), None);
    h.clock.advance_us(SEC);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    assert_eq!(*h.locks.lock().unwrap(), [LockReason::Idle]);
    assert_eq!(h.err_code("session_info", json!({})), "locked");
}

#[test]
fn the_session_limit_holds_while_the_wall_clock_is_set_back_again_and_again() {
    let h = Harness::new();
    h.create();
    let mut elapsed = 0;
    while elapsed < 12 * 3600 * SEC {
        h.clock.advance_us(240 * SEC);
        elapsed += 240 * SEC;
        h.clock.set_us(T0_US);
        h.ok("report_activity", json!({}));
        if let Some(event) = h.tick() {
            assert_eq!(event, ShellEvent::Locked(LockReason::SessionLimit));
            break;
        }
    }
    assert_eq!(elapsed, 12 * 3600 * SEC, "locked exactly at the limit");
    assert_eq!(*h.locks.lock().unwrap(), [LockReason::SessionLimit]);
}

#[test]
fn a_wall_clock_set_back_or_forward_does_not_lock_early() {
    let h = Harness::new();
    let uri = h.create();
    // An hour back: the old rule locked at once; now five minutes of elapsed time do.
    h.clock.advance_us(-3600 * SEC);
    assert_eq!(h.tick(), None);
    h.clock.advance_us(299 * SEC);
    assert_eq!(h.tick(), None);
    h.clock.advance_us(SEC);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));

    // Two days ahead right after an unlock: nothing is due yet.
    h.clock.set_us(T0_US + 600 * SEC);
    h.unlock("alice", PW, &uri);
    h.clock.set_us(T0_US + 48 * 3600 * SEC);
    assert_eq!(h.tick(), None);
    h.ok("session_info", json!({}));
    h.clock.advance_us(300 * SEC);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
}

#[test]
fn an_unattended_first_login_page_expires_and_a_late_code_is_refused() {
    let h = Harness::new();
    h.create();
    let added = h.ok("add_user", json!({"name": "dana", "role": "clinician"}));
    h.ok("lock", json!({}));
    let dana_pw = "yet another long passphrase here";
    let enrollment = h.ok(
        "first_login",
        json!({"user": "dana", "oneTimePassword": added["one_time_password"],
               "newPassword": dana_pw}),
    );
    let uri = enrollment["totp_uri"].as_str().unwrap().to_string();
    h.ok("copy_text", json!({"text": enrollment["secret"]}));

    // Input on the setup page extends its deadline like the idle timer.
    h.clock.advance_us(299 * SEC);
    assert_eq!(h.tick(), None);
    h.ok("report_activity", json!({}));
    h.clock.advance_us(299 * SEC);
    assert_eq!(h.tick(), None, "activity extended the deadline");
    h.clock.advance_us(SEC);
    let Some(ShellEvent::EnrollmentExpired(expired)) = h.tick() else {
        panic!("the enrollment should have expired");
    };
    assert_eq!(expired.idle_lock_secs, 300);
    assert!(
        expired
            .message
            .starts_with("The setup page was closed after 5 minutes without activity."),
        "{}",
        expired.message
    );
    let event = serde_json::to_value(&expired).unwrap();
    assert_eq!(event["kind"], "first_login");
    assert_eq!(event["user"], "dana");
    assert_eq!(*h.expired.lock().unwrap(), std::slice::from_ref(&expired));
    assert_eq!(h.clipboard.get(), None, "the setup key left the clipboard");
    assert_eq!(h.tick(), None, "expires once");

    // The password waiting in Rust is gone: the right code no longer opens a session.
    h.clock.advance_us(30 * SEC);
    let late = h
        .call("finish_enrollment", json!({"code": h.code(&uri)}))
        .expect_err("expired");
    assert_eq!(late["code"], "enrollment_expired");
    assert_eq!(late["message"], expired.message.as_str());
    assert!(!h.state().is_unlocked());
    assert_eq!(
        h.err_code("copy_text", json!({"text": enrollment["secret"]})),
        "locked"
    );
    // What the message says holds: the new password and the authenticator unlock.
    let unlocked = h.unlock("dana", dana_pw, &uri);
    assert_eq!(unlocked["session"]["user"], "dana");
}

#[test]
fn a_recovery_page_gets_the_idle_timeout_the_app_knows_and_a_code_after_it_is_refused() {
    let h = Harness::new();
    let created = h.ok("create_vault", json!({"admin": "alice", "password": PW}));
    let recovery_key = created["recovery_key"].as_str().unwrap().to_string();
    let uri = created["enrollment"]["totp_uri"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("confirm_totp", json!({"code": h.code(&uri)}));
    h.ok(
        "set_settings",
        json!({"settings": {"idle_lock_secs": 60, "session_limit_secs": 3600}}),
    );
    h.ok("lock", json!({}));

    let new_pw = "a brand new admin passphrase here";
    let enrollment = h.ok(
        "recover_admin",
        json!({"admin": "alice", "recoveryKey": recovery_key, "newPassword": new_pw}),
    );
    let admin_uri = enrollment["totp_uri"].as_str().unwrap().to_string();
    // A code typed after the deadline, before the auto-lock thread noticed: refused, and
    // the page is told to close.
    h.clock.advance_us(60 * SEC);
    let late = h
        .call("finish_enrollment", json!({"code": h.code(&admin_uri)}))
        .expect_err("expired");
    assert_eq!(late["code"], "enrollment_expired");
    assert_eq!(
        late["message"],
        "The setup page was closed after 1 minute without activity; start again with the recovery key."
    );
    let expired = h.expired.lock().unwrap().clone();
    assert_eq!(expired.len(), 1);
    assert_eq!(
        serde_json::to_value(&expired[0]).unwrap()["kind"],
        "recovery"
    );
    assert!(!h.state().is_unlocked());

    // Starting again works, and a desktop lock on the setup page closes it too.
    h.clock.advance_us(30 * SEC);
    h.ok(
        "recover_admin",
        json!({"admin": "alice", "recoveryKey": recovery_key, "newPassword": new_pw}),
    );
    assert!(!h.state().lock(LockReason::OsLock));
    assert_eq!(h.locks.lock().unwrap().last(), Some(&LockReason::OsLock));
    assert_eq!(
        h.err_code("finish_enrollment", json!({"code": "123456"})),
        "invalid_input"
    );
}

#[test]
fn before_any_unlock_an_enrollment_gets_the_default_idle_timeout() {
    let h = Harness::new();
    let created = h.ok("create_vault", json!({"admin": "alice", "password": PW}));
    let recovery_key = created["recovery_key"].as_str().unwrap().to_string();
    let uri = created["enrollment"]["totp_uri"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("confirm_totp", json!({"code": h.code(&uri)}));
    h.ok(
        "set_settings",
        json!({"settings": {"idle_lock_secs": 60, "session_limit_secs": 3600}}),
    );
    h.ok("lock", json!({}));

    // A fresh start of the app on the same vault knows no setting yet.
    h.clock.advance_us(30 * SEC);
    let fresh = h.restart();
    fresh.ok(
        "recover_admin",
        json!({"admin": "alice", "recoveryKey": recovery_key,
               "newPassword": "a brand new admin passphrase here"}),
    );
    fresh.clock.advance_us(299 * SEC);
    assert_eq!(fresh.tick(), None);
    fresh.clock.advance_us(SEC);
    assert!(matches!(
        fresh.tick(),
        Some(ShellEvent::EnrollmentExpired(ExpiredEnrollment {
            idle_lock_secs: 300,
            ..
        }))
    ));
}

#[test]
fn the_recovery_screen_accepts_a_clock_that_ran_ahead_only_when_asked() {
    let h = Harness::new();
    let created = h.ok("create_vault", json!({"admin": "alice", "password": PW}));
    let recovery_key = created["recovery_key"].as_str().unwrap().to_string();
    let uri = created["enrollment"]["totp_uri"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("confirm_totp", json!({"code": h.code(&uri)}));
    // The clock ran two days ahead while the admin worked, then was corrected.
    h.clock.set_us(T0_US + 2 * 86_400 * 1_000_000);
    h.ok("lock", json!({}));
    h.unlock("alice", PW, &uri);
    h.ok("lock", json!({}));
    h.clock.set_us(T0_US + 60 * 1_000_000);
    let args = |accept: Option<bool>| {
        let mut a = json!({"admin": "alice", "recoveryKey": recovery_key, "newPassword": "a brand new admin passphrase here"});
        if let Some(accept) = accept {
            a["acceptClock"] = json!(accept);
        }
        a
    };
    assert_eq!(h.err_code("recover_admin", args(None)), "clock_error");
    assert_eq!(
        h.err_code("recover_admin", args(Some(false))),
        "clock_error"
    );
    let enrollment = h.ok("recover_admin", args(Some(true)));
    let admin_uri = enrollment["totp_uri"].as_str().unwrap().to_string();
    h.clock.advance_us(30_000_000);
    let info = h.ok("finish_enrollment", json!({"code": h.code(&admin_uri)}));
    assert_eq!(info["user"], "alice");
}

/// A small PNG from core's importer corpus.
fn corpus_png() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/core/tests/scan_corpus/good/palette-transparency.png"),
    )
    .expect("corpus png")
}

#[test]
fn scans_through_ipc_and_the_scheme_answer_only_the_unlocked_session_and_its_role() {
    let h = Harness::new();
    let admin_uri = h.create();
    let carl_uri = h.add_user(
        "carl",
        "clinician",
        "another long passphrase for the clinician",
    );
    h.unlock("alice", PW, &admin_uri);
    // Each first login leaves its user's session open: rita is at the desk now.
    let rita_uri = h.add_user(
        "rita",
        "receptionist",
        "a long passphrase for the receptionist",
    );
    let patient = json!({"given": "Zoe", "family": "Scanner", "dob": "1990-01-02",
        "sex": null, "phone": null, "email": null, "address": null});
    let id = h.ok("add_patient", json!({"patient": patient, "force": false}))["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The desk uploads a file's bytes to the upload scheme with the run's key; a wrong
    // or missing key, a missing patient, or a method other than POST is refused.
    let state = h.state();
    let key: String = serde_json::from_value(h.ok("scan_upload_key", json!({}))).unwrap();
    assert_eq!(key.len(), 64);
    let upload = |key: Option<&str>, patient: Option<&str>, body: Vec<u8>| {
        let mut request = tauri::http::Request::builder()
            .method("POST")
            .uri("cvupload://localhost/scan");
        if let Some(key) = key {
            request = request.header("upload-key", key);
        }
        if let Some(patient) = patient {
            request = request.header("patient-id", patient);
        }
        let answer = clinic_vault_app::scans::upload(&state, request.body(body).unwrap());
        assert_eq!(answer.headers()["access-control-allow-origin"], "*");
        let json: Value = serde_json::from_slice(answer.body()).unwrap_or(Value::Null);
        (answer.status().as_u16(), json)
    };
    let (status, imported) = upload(Some(&key), Some(&id), corpus_png());
    assert_eq!(status, 200, "{imported}");
    let scan_id = imported["id"].as_str().unwrap().to_string();
    assert_eq!(imported["preview"], "icon");
    let wrong_key = "0".repeat(64);
    for (key, patient) in [
        (None, Some(id.as_str())),
        (Some(wrong_key.as_str()), Some(&id)),
    ] {
        let (status, err) = upload(key, patient, corpus_png());
        assert_eq!(status, 403);
        assert_eq!(err["code"], "invalid_input");
    }
    let (status, err) = upload(Some(&key), None, corpus_png());
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_input")));
    let (status, refused) = upload(Some(&key), Some(&id), b"plain text".to_vec());
    assert_eq!(status, 422);
    assert_eq!(refused["code"], "scan_refused");
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .starts_with("The file was refused"));
    let (status, err) = upload(Some(&key), Some("no-such-patient"), corpus_png());
    assert_eq!((status, err["code"].as_str()), (404, Some("not_found")));
    // The page's preflight is answered; nothing but a POST to /scan is served.
    let other = |method: &str, uri: &str| {
        let request = tauri::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("upload-key", &key)
            .header("patient-id", &id)
            .body(corpus_png())
            .unwrap();
        clinic_vault_app::scans::upload(&state, request)
            .status()
            .as_u16()
    };
    assert_eq!(other("OPTIONS", "cvupload://localhost/scan"), 204);
    assert_eq!(other("GET", "cvupload://localhost/scan"), 404);
    assert_eq!(other("POST", "cvupload://localhost/thumb"), 404);
    assert_eq!(
        h.ok("list_scans", json!({"patientId": id}))
            .as_array()
            .unwrap()
            .len(),
        1,
        "only the one accepted upload is stored"
    );

    // A receptionist sees that it exists, not what it shows.
    let respond = |path: &str| clinic_vault_app::scans::respond(&state, path);
    assert_eq!(respond(&format!("/thumb/{scan_id}")).status(), 403);
    assert_eq!(
        h.err_code("open_scan", json!({"scanId": scan_id})),
        "forbidden"
    );
    assert_eq!(respond(&format!("/page/{scan_id}/1/0")).status(), 404);

    // A clinician gets the thumbnail, opens the scan, and gets its page from memory.
    h.unlock(
        "carl",
        "another long passphrase for the clinician",
        &carl_uri,
    );
    let listed = h.ok("list_scans", json!({"patientId": id}));
    assert_eq!(listed[0]["preview"], "thumbnail");
    let thumb = respond(&format!("/thumb/{scan_id}"));
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert_eq!(thumb.headers()["cache-control"], "no-store");
    assert!(thumb.body().starts_with(&[0xff, 0xd8]));
    assert_eq!(
        respond(&format!("/page/{scan_id}/1/0")).status(),
        404,
        "not open yet"
    );
    let opened = h.ok("open_scan", json!({"scanId": scan_id}));
    assert_eq!(opened["pages"], 1);
    let n = opened["opening"].as_u64().unwrap();
    let page_of = |opening: u64, page: u32| format!("/page/{scan_id}/{opening}/{page}");
    let page = respond(&page_of(n, 0));
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "image/png");
    assert!(page.body().starts_with(b"\x89PNG"));
    assert_eq!(respond(&page_of(n, 1)).status(), 404);
    assert_eq!(
        respond(&page_of(n + 1, 0)).status(),
        404,
        "another opening's URL"
    );
    assert_eq!(respond(&format!("/page/other/{n}/0")).status(), 404);
    assert_eq!(respond("/nothing").status(), 404);

    // A clinician saves a copy of the open scan: the stripped file as stored, in the
    // export folder, never over another file (the second copy gets its own name).
    let exports = h.tmp.path().join("exports");
    std::fs::create_dir(&exports).expect("exports folder");
    state.set_export_dir(exports.clone());
    let first = h.ok("export_scan", json!({"scanId": scan_id, "opening": n}));
    let second = h.ok("export_scan", json!({"scanId": scan_id, "opening": n}));
    let (p1, p2) = (
        first["path"].as_str().unwrap().to_string(),
        second["path"].as_str().unwrap().to_string(),
    );
    assert!(
        p1.starts_with(exports.to_str().unwrap()) && p1.ends_with(".png"),
        "{p1}"
    );
    assert!(p2.ends_with("-2.png"), "{p2}");
    assert_eq!(std::fs::read(&p1).expect("the copy"), page.body().to_vec());
    assert_eq!(
        std::fs::read(&p2).expect("the second copy"),
        page.body().to_vec()
    );
    assert_eq!(first["bytes"], page.body().len());
    assert_eq!(
        h.err_code("export_scan", json!({"scanId": scan_id, "opening": n + 1})),
        "invalid_input",
        "only the scan open in the viewer"
    );
    assert_eq!(std::fs::read_dir(&exports).unwrap().count(), 2);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p1).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }
    let name = std::path::Path::new(&p1)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        name.starts_with("scan-2026-01-01-") && !name.contains("Zoe") && !name.contains("Scanner"),
        "{name}: the date, part of the id, never the patient"
    );
    // At most EXPORTS_PER_SESSION copies per session; the next unlock may save more.
    for _ in 2..clinic_vault_app::state::EXPORTS_PER_SESSION {
        h.ok("export_scan", json!({"scanId": scan_id, "opening": n}));
    }
    let capped = h
        .call("export_scan", json!({"scanId": scan_id, "opening": n}))
        .expect_err("over the cap");
    assert_eq!(capped["code"], "invalid_input");
    assert!(capped["message"]
        .as_str()
        .unwrap()
        .contains("lock and unlock again"));
    assert_eq!(
        std::fs::read_dir(&exports).unwrap().count(),
        clinic_vault_app::state::EXPORTS_PER_SESSION as usize
    );

    // Locking closes the viewer: nothing is served, and after the next unlock the scan
    // is not open either.
    h.ok("lock", json!({}));
    assert_eq!(respond(&page_of(n, 0)).status(), 401);
    assert_eq!(respond(&format!("/thumb/{scan_id}")).status(), 401);
    assert_eq!(h.err_code("list_scans", json!({"patientId": id})), "locked");
    let (status, err) = upload(Some(&key), Some(&id), corpus_png());
    assert_eq!((status, err["code"].as_str()), (401, Some("locked")));
    h.unlock(
        "carl",
        "another long passphrase for the clinician",
        &carl_uri,
    );
    assert_eq!(
        respond(&page_of(n, 0)).status(),
        404,
        "not open after the unlock"
    );
    let again = h.ok("open_scan", json!({"scanId": scan_id}))["opening"]
        .as_u64()
        .unwrap();
    assert!(again > n, "a new opening, new URLs");
    assert_eq!(respond(&page_of(again, 0)).status(), 200);
    assert_eq!(
        respond(&page_of(n, 0)).status(),
        404,
        "the old opening's URL"
    );
    h.ok("close_scan", json!({}));
    assert_eq!(respond(&page_of(again, 0)).status(), 404, "closed");

    // Switching user drops what the previous one had open.
    let last = h.ok("open_scan", json!({"scanId": scan_id}))["opening"]
        .as_u64()
        .unwrap();
    assert_eq!(respond(&page_of(last, 0)).status(), 200);
    h.unlock("rita", "a long passphrase for the receptionist", &rita_uri);
    assert_eq!(respond(&page_of(last, 0)).status(), 404);

    // A page scanned in one session lands only in that session, and not after a discard.
    let page = || ScannedPage {
        page: RawPage {
            width: 2,
            height: 1,
            channels: 1,
            pixels: vec![0, 255],
        },
        preview: zeroize::Zeroizing::new(vec![0xff, 0xd8]),
        size: 100,
    };
    let (_, rita_epoch) = state.with_session_epoch(|_| Ok(())).expect("epoch");
    let discards = state.discards();
    h.ok("lock", json!({}));
    h.unlock("rita", "a long passphrase for the receptionist", &rita_uri);
    let late = state
        .add_acquired((rita_epoch, discards), &id, 300, page(), 1_000, 10)
        .expect_err("a page from before the lock");
    assert_eq!(late.code, "locked");
    // Pages taken for import in one session are not imported by the next one.
    assert_eq!(
        state
            .with_session_at(rita_epoch, |_| Ok(()))
            .expect_err("an old session")
            .code,
        "locked"
    );
    let (_, now) = state.with_session_epoch(|_| Ok(())).expect("epoch");
    assert_eq!(
        state.add_acquired((now, discards), &id, 300, page(), 1_000, 10),
        Ok(1)
    );
    assert_eq!(respond(&format!("/acquired/{id}/0")).status(), 200);
    let too_big = state
        .add_acquired(
            (now, discards),
            &id,
            300,
            ScannedPage {
                size: 950,
                ..page()
            },
            1_000,
            10,
        )
        .expect_err("over the size limit");
    assert_eq!(too_big.code, "invalid_input");
    h.ok("discard_acquired", json!({}));
    assert_eq!(respond(&format!("/acquired/{id}/0")).status(), 404);
    let discarded = state
        .add_acquired((now, discards), &id, 300, page(), 1_000, 10)
        .expect_err("a page from before the discard");
    assert_eq!(discarded.code, "invalid_input");

    // Every view and thumbnail is in the audit trail; every copy saved is one export,
    // and a name already taken cost no failed attempt.
    h.unlock("alice", PW, &admin_uri);
    let exported = h.ok("audit_list", json!({"query": {"action": "scan.export"}}));
    let exported: Vec<&str> = exported
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        exported,
        vec!["success"; clinic_vault_app::state::EXPORTS_PER_SESSION as usize]
    );
    let views = h.ok("audit_list", json!({"query": {"action": "scan.view"}}));
    let outcomes: Vec<&str> = views
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 3);
    assert_eq!(
        outcomes.iter().filter(|o| **o == "denied").count(),
        1,
        "rita's"
    );
    let denied = h.ok("audit_list", json!({"query": {"action": "scan.thumbnail"}}));
    assert!(denied
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event"]["outcome"] == "denied"));
}

/// `import_acquired` as the page sends it, from any thread.
fn import_acquired_in(window: &WebviewWindow<MockRuntime>, patient: &str) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: "import_acquired".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({ "patientId": patient })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json"))
}

/// A grey page of the desk scanner, `n` its shade.
fn scanned_page(n: u8) -> ScannedPage {
    ScannedPage {
        page: RawPage {
            width: 64,
            height: 48,
            channels: 1,
            pixels: vec![n; 64 * 48],
        },
        preview: zeroize::Zeroizing::new(vec![0xff, 0xd8]),
        size: 100,
    }
}

/// How many scanned pages wait for `patient` (their previews are numbered from 0).
fn waiting_pages(state: &AppState, patient: &str) -> usize {
    (0..)
        .take_while(|n| state.acquired_preview(patient, *n).is_some())
        .count()
}

#[test]
fn racing_imports_of_the_scanned_pages_import_them_once_and_lose_no_page() {
    let h = Harness::new();
    let admin_uri = h.create();
    h.unlock("alice", PW, &admin_uri);
    // The first login leaves rita's session open: she is at the desk.
    h.add_user(
        "rita",
        "receptionist",
        "a long passphrase for the receptionist",
    );
    let patient = json!({"given": "Ada", "family": "Desk", "dob": "1990-01-02",
        "sex": null, "phone": null, "email": null, "address": null});
    let id = h.ok("add_patient", json!({"patient": patient, "force": false}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let state = h.state();
    let window = &h.window;

    // Four clicks on "Import" at once: one scan of the three pages, three clear refusals.
    const ROUNDS: usize = 12;
    for round in 0..ROUNDS {
        let (_, epoch) = state.with_session_epoch(|_| Ok(())).expect("epoch");
        let discards = state.discards();
        for n in 0..3 {
            state
                .add_acquired((epoch, discards), &id, 300, scanned_page(n), 1 << 30, 100)
                .expect("a page");
        }
        let barrier = std::sync::Barrier::new(4);
        let results: Vec<Result<Value, Value>> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        import_acquired_in(window, &id)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("thread"))
                .collect()
        });
        let imported: Vec<&Value> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(imported.len(), 1, "round {round}: {results:?}");
        assert_eq!(imported[0]["pages"], 3, "round {round}");
        for refused in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(refused["code"], "invalid_input", "round {round}: {refused}");
        }
        assert_eq!(waiting_pages(&state, &id), 0, "round {round}");
    }
    let listed = h.ok("list_scans", json!({"patientId": id}));
    assert_eq!(listed.as_array().unwrap().len(), ROUNDS);

    // A page scanned while the import runs is neither imported twice nor lost: it is
    // in the scan, or it waits for the next one.
    let mut imported_pages = 0;
    let mut scans = ROUNDS;
    for round in 0..ROUNDS {
        let (_, epoch) = state.with_session_epoch(|_| Ok(())).expect("epoch");
        let discards = state.discards();
        for n in 0..2 {
            state
                .add_acquired((epoch, discards), &id, 300, scanned_page(n), 1 << 30, 100)
                .expect("a page");
        }
        let barrier = std::sync::Barrier::new(2);
        let (import, added) = std::thread::scope(|s| {
            let import = s.spawn(|| {
                barrier.wait();
                import_acquired_in(window, &id)
            });
            let add = s.spawn(|| {
                barrier.wait();
                state.add_acquired((epoch, discards), &id, 300, scanned_page(9), 1 << 30, 100)
            });
            (import.join().expect("import"), add.join().expect("add"))
        });
        added.expect("the page lands");
        let pages = import.expect("the import")["pages"].as_u64().unwrap() as usize;
        assert!(pages == 2 || pages == 3, "round {round}: {pages} pages");
        imported_pages += pages;
        scans += 1;
        let waiting = waiting_pages(&state, &id);
        assert_eq!(pages + waiting, 3, "round {round}: every page once");
        state.discard_acquired();
    }
    assert!(imported_pages >= 2 * ROUNDS);
    let listed = h.ok("list_scans", json!({"patientId": id}));
    assert_eq!(listed.as_array().unwrap().len(), scans);

    // Pages taken for an import that then fails come back in front of a page scanned
    // meanwhile (step by step, then raced below).
    {
        let (_, epoch) = state.with_session_epoch(|_| Ok(())).expect("epoch");
        let discards = state.discards();
        for n in [1, 2] {
            state
                .add_acquired((epoch, discards), &id, 300, scanned_page(n), 1 << 30, 100)
                .expect("a page");
        }
        let (taken, at, discards) = state.take_acquired(&id).expect("taken");
        state
            .add_acquired((epoch, discards), &id, 300, scanned_page(3), 1 << 30, 100)
            .expect("a page scanned meanwhile");
        state.return_acquired(taken, at, discards);
        let (back, _, _) = state.take_acquired(&id).expect("all three");
        let shades: Vec<u8> = back.pages.iter().map(|p| p.pixels[0]).collect();
        assert_eq!(shades, [1, 2, 3], "in scanning order");
        // After a discard, pages taken before it do not come back.
        state.discard_acquired();
        state.return_acquired(back, at, discards);
        assert_eq!(waiting_pages(&state, &id), 0);
    }

    // An import that fails (here: a colour page among grey ones) gives its pages back,
    // in front of a page scanned meanwhile: none is lost.
    for round in 0..ROUNDS {
        let (_, epoch) = state.with_session_epoch(|_| Ok(())).expect("epoch");
        let discards = state.discards();
        let colour = ScannedPage {
            page: RawPage {
                width: 64,
                height: 48,
                channels: 3,
                pixels: vec![7; 64 * 48 * 3],
            },
            ..scanned_page(0)
        };
        for page in [colour, scanned_page(1)] {
            state
                .add_acquired((epoch, discards), &id, 300, page, 1 << 30, 100)
                .expect("a page");
        }
        let barrier = std::sync::Barrier::new(2);
        let (import, added) = std::thread::scope(|s| {
            let import = s.spawn(|| {
                barrier.wait();
                import_acquired_in(window, &id)
            });
            let add = s.spawn(|| {
                barrier.wait();
                state.add_acquired((epoch, discards), &id, 300, scanned_page(9), 1 << 30, 100)
            });
            (import.join().expect("import"), add.join().expect("add"))
        });
        added.expect("the page lands");
        import.expect_err("mixed pages are not one scan");
        assert_eq!(
            waiting_pages(&state, &id),
            3,
            "round {round}: every page kept"
        );
        state.discard_acquired();
    }
    let listed = h.ok("list_scans", json!({"patientId": id}));
    assert_eq!(listed.as_array().unwrap().len(), scans, "nothing imported");
}

// ------------------------------------------------------------------ quick unlock (issue 18)

const BOB_PW: &str = "a long passphrase for the receptionist";
const BOB_PIN: &str = "482915";
const ALICE_PIN: &str = "730146";

fn quick_users(h: &Harness) -> Vec<(String, u64)> {
    h.ok("app_status", json!({}))["quick_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user"].as_str().unwrap().to_string(),
                u["attempts_left"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// alice (admin) and bob (receptionist, unlocked after his first login, with a PIN).
fn with_bob_pin() -> (Harness, String, String) {
    let h = Harness::new();
    let alice = h.create();
    let bob = h.add_user("bob", "receptionist", BOB_PW);
    let info = h.ok("set_pin", json!({"pin": BOB_PIN}));
    assert_eq!(info["user"], "bob");
    assert_eq!(info["has_pin"], true);
    assert_eq!(info["pin_session"], false);
    (h, alice, bob)
}

#[test]
fn a_pin_reopens_the_session_after_an_idle_lock_without_a_code() {
    let (h, _alice, _bob) = with_bob_pin();
    // Rules as the desk reads them, with the field to point at.
    for bad in ["12345", "111111", "123456", "987654", "12a456"] {
        let err = h.call("set_pin", json!({"pin": bad})).expect_err(bad);
        assert_eq!(err["code"], "invalid_input", "{bad}");
        assert_eq!(err["field"], "pin", "{bad}");
    }
    assert_eq!(quick_users(&h), [], "nothing is armed while unlocked");

    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    assert_eq!(
        h.err_code(
            "search_patients",
            json!({"query": "ab", "includeArchived": false})
        ),
        "locked"
    );

    let wrong = h
        .call("quick_unlock", json!({"user": "bob", "pin": "000001"}))
        .expect_err("wrong PIN");
    assert_eq!(wrong["code"], "bad_pin");
    assert_eq!(wrong["message"], "Wrong PIN: 2 attempts left.");
    assert_eq!(quick_users(&h), [("bob".to_string(), 2)]);
    // Not shaped like a PIN: refused without spending a guess.
    assert_eq!(
        h.err_code("quick_unlock", json!({"user": "bob", "pin": "12"})),
        "invalid_input"
    );
    assert_eq!(quick_users(&h), [("bob".to_string(), 2)]);

    let info = h.ok("quick_unlock", json!({"user": "bob", "pin": BOB_PIN}));
    assert_eq!(info["user"], "bob");
    assert_eq!(info["pin_session"], true);
    assert_eq!(info["has_pin"], true, "the PIN arms again at the next lock");
    assert_eq!(quick_users(&h), [], "used up by the unlock");
    h.ok(
        "search_patients",
        json!({"query": "ab", "includeArchived": false}),
    );

    // Stepping away with Lock keeps it; the attempts start again at 3.
    h.ok("lock", json!({}));
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
}

#[test]
fn three_wrong_pins_wipe_it_even_when_eight_attempts_race() {
    let (h, _alice, bob_uri) = with_bob_pin();
    h.ok("lock", json!({}));
    let window = &h.window;
    let barrier = std::sync::Barrier::new(8);
    let answers: Vec<String> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let pin = format!("90{n}417");
                    let err =
                        call_window(window, "quick_unlock", json!({"user": "bob", "pin": pin}))
                            .expect_err("a wrong PIN");
                    err["code"].as_str().unwrap().to_string()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let wrong = answers.iter().filter(|c| *c == "bad_pin").count();
    assert_eq!(wrong, 3, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|c| c == "bad_pin" || c == "quick_unlock_unavailable"),
        "{answers:?}"
    );
    assert_eq!(quick_users(&h), []);
    // Even the right PIN does nothing now; the password and code still work.
    assert_eq!(
        h.err_code("quick_unlock", json!({"user": "bob", "pin": BOB_PIN})),
        "quick_unlock_unavailable"
    );
    assert_eq!(h.unlock("bob", BOB_PW, &bob_uri)["session"]["user"], "bob");
}

#[test]
fn two_users_switch_back_and_forth_each_with_their_own_pin() {
    let (h, alice_uri, _bob) = with_bob_pin();
    // "Switch user" in the page: the lock says so in the trail, and bob's PIN is kept.
    h.ok("lock", json!({"reason": "switch_user"}));
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    // alice unlocks fully: bob is locked, his PIN kept.
    let info = h.unlock("alice", PW, &alice_uri);
    assert_eq!(info["session"]["user"], "alice");
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    h.ok("set_pin", json!({"pin": ALICE_PIN}));
    for round in 0..3 {
        // Switching to bob locks alice, keeping her PIN.
        let bob = h.ok("quick_unlock", json!({"user": "bob", "pin": BOB_PIN}));
        assert_eq!(bob["user"], "bob", "round {round}");
        assert_eq!(bob["role"], "receptionist");
        assert_eq!(quick_users(&h), [("alice".to_string(), 3)], "round {round}");
        // bob answers to his own role: no admin work.
        assert_eq!(h.err_code("list_users", json!({})), "forbidden");
        let alice = h.ok("quick_unlock", json!({"user": "alice", "pin": ALICE_PIN}));
        assert_eq!(alice["user"], "alice", "round {round}");
        assert_eq!(alice["pin_session"], true);
        assert_eq!(quick_users(&h), [("bob".to_string(), 3)], "round {round}");
    }
    // Every switch is in the trail: bob's and alice's quick unlocks, each lock's reason.
    let quick = h.ok(
        "audit_list",
        json!({"query": {"action": "user.quick_unlock"}}),
    );
    assert_eq!(quick.as_array().unwrap().len(), 6);
    let locks = h.ok("audit_list", json!({"query": {"action": "user.lock"}}));
    let switches = locks
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"]["reason"] == "switch_user")
        .count();
    assert_eq!(switches, 7, "six PIN switches and the page's own");
    // A PIN session holds no private key: what needs it asks for a full unlock.
    assert_eq!(
        h.err_code("confirm_totp", json!({"code": "000000"})),
        "full_unlock_required"
    );
}

#[test]
fn suspend_exit_require_password_and_the_session_limit_wipe_pins() {
    let (h, alice_uri, bob_uri) = with_bob_pin();
    h.ok("lock", json!({}));
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    // The PC goes to sleep while nobody is unlocked: every PIN goes.
    h.state().lock(LockReason::Suspend);
    assert_eq!(quick_users(&h), []);
    // The unlock screen is told, so it stops offering the PIN.
    assert_eq!(h.locks.lock().unwrap().last(), Some(&LockReason::Suspend));
    // Nothing left to wipe: no event.
    let before = h.locks.lock().unwrap().len();
    h.state().lock(LockReason::Suspend);
    assert_eq!(h.locks.lock().unwrap().len(), before);

    h.unlock("bob", BOB_PW, &bob_uri);
    h.ok("set_pin", json!({"pin": BOB_PIN}));
    h.ok("lock_require_password", json!({}));
    assert_eq!(quick_users(&h), []);
    assert_eq!(
        *h.locks.lock().unwrap().last().unwrap(),
        LockReason::RequirePassword
    );

    h.unlock("bob", BOB_PW, &bob_uri);
    h.ok("set_pin", json!({"pin": BOB_PIN}));
    h.unlock("alice", PW, &alice_uri);
    h.ok("set_pin", json!({"pin": ALICE_PIN}));
    h.ok("lock", json!({}));
    assert_eq!(quick_users(&h).len(), 2);
    h.state().lock(LockReason::Exit);
    assert_eq!(quick_users(&h), []);

    // The session limit counts from the last full unlock, through PIN unlocks.
    h.unlock("alice", PW, &alice_uri);
    h.ok(
        "set_settings",
        json!({"settings": {"idle_lock_secs": 300, "session_limit_secs": 3600}}),
    );
    h.ok("set_pin", json!({"pin": ALICE_PIN}));
    for _ in 0..11 {
        h.clock.advance_us(300 * 1_000_000);
        assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
        h.ok("quick_unlock", json!({"user": "alice", "pin": ALICE_PIN}));
    }
    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::SessionLimit)));
    assert_eq!(quick_users(&h), [], "the limit asks for the password");
}

#[test]
fn the_window_since_the_password_unlock_ends_the_pin() {
    let (h, alice_uri, bob_uri) = with_bob_pin();
    h.unlock("alice", PW, &alice_uri);
    let saved = h.ok(
        "set_quick_unlock_settings",
        json!({"settings": {"allowed": true, "pin_required": true, "window_secs": 900}}),
    );
    assert_eq!(saved["window_secs"], 900);
    assert_eq!(
        h.ok("session_info", json!({}))["quick_unlock"]["pin_required"],
        true
    );
    assert_eq!(
        h.err_code(
            "set_quick_unlock_settings",
            json!({"settings": {"allowed": true, "pin_required": false, "window_secs": 60}})
        ),
        "invalid_input"
    );
    h.unlock("bob", BOB_PW, &bob_uri);
    assert_eq!(
        h.ok("session_info", json!({}))["quick_unlock"]["window_secs"],
        900
    );
    h.ok("set_pin", json!({"pin": BOB_PIN}));
    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    h.ok("quick_unlock", json!({"user": "bob", "pin": BOB_PIN}));
    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    assert_eq!(quick_users(&h).len(), 1);
    // 15 minutes after his password unlock the PIN is gone.
    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(quick_users(&h), []);
    assert_eq!(
        h.err_code("quick_unlock", json!({"user": "bob", "pin": BOB_PIN})),
        "quick_unlock_unavailable"
    );

    // Turned off: a PIN cannot be set, and nothing arms.
    h.unlock("alice", PW, &alice_uri);
    h.ok(
        "set_quick_unlock_settings",
        json!({"settings": {"allowed": false, "pin_required": false, "window_secs": 900}}),
    );
    assert_eq!(
        h.err_code("set_pin", json!({"pin": ALICE_PIN})),
        "quick_unlock_off"
    );
}

#[test]
fn an_admin_resets_a_password_and_changes_a_role_and_either_wipes_the_pin() {
    let (h, alice_uri, bob_uri) = with_bob_pin();
    // bob steps away with his PIN; alice changes his role.
    h.unlock("alice", PW, &alice_uri);
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    assert_eq!(
        h.err_code("change_role", json!({"name": "alice", "role": "clinician"})),
        "conflict"
    );
    assert_eq!(
        h.ok("change_role", json!({"name": "bob", "role": "clinician"})),
        "receptionist"
    );
    assert_eq!(quick_users(&h), [], "a role change wipes his PIN");
    let users = h.ok("list_users", json!({}));
    let bob = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "bob")
        .unwrap();
    assert_eq!(bob["role"], "clinician");
    let changes = h.ok(
        "audit_list",
        json!({"query": {"action": "user.role_change"}}),
    );
    // The refusal on alice's own account is in the trail too, as a failure.
    let done: Vec<&Value> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["outcome"] == "success")
        .collect();
    assert_eq!(done.len(), 1, "{changes}");
    assert_eq!(done[0]["event"]["resource_id"], "bob");
    assert_eq!(
        done[0]["detail"],
        json!({"from": "receptionist", "to": "clinician", "level": "alert"})
    );

    // bob arms again, as a clinician; then alice resets his forgotten password.
    let info = h.unlock("bob", BOB_PW, &bob_uri);
    assert_eq!(info["session"]["role"], "clinician");
    h.ok("set_pin", json!({"pin": BOB_PIN}));
    h.unlock("alice", PW, &alice_uri);
    assert_eq!(quick_users(&h).len(), 1);
    let reset = h.ok("reset_password", json!({"name": "bob"}));
    assert_eq!(reset["user"], "bob");
    let otp = reset["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(quick_users(&h), [], "a password reset wipes his PIN");
    let resets = h.ok(
        "audit_list",
        json!({"query": {"action": "user.reset_password"}}),
    );
    assert_eq!(resets[0]["detail"]["level"], "alert");
    // The old password opens nothing; the one-time password starts a first login.
    h.clock.advance_us(30_000_000);
    assert_eq!(
        h.err_code(
            "unlock",
            json!({"user": "bob", "password": BOB_PW, "code": h.code(&bob_uri)})
        ),
        "bad_credentials"
    );
    let enrollment = h.ok(
        "first_login",
        json!({"user": "bob", "oneTimePassword": otp, "newPassword": "another long passphrase, new this week"}),
    );
    let uri = enrollment["totp_uri"].as_str().unwrap().to_string();
    h.clock.advance_us(30_000_000);
    assert_eq!(
        h.ok("finish_enrollment", json!({"code": h.code(&uri)}))["role"],
        "clinician"
    );
    // Disabling him (as alice) wipes a PIN he set again.
    h.ok("set_pin", json!({"pin": BOB_PIN}));
    h.unlock("alice", PW, &alice_uri);
    assert_eq!(quick_users(&h).len(), 1);
    h.ok("disable_user", json!({"name": "bob"}));
    assert_eq!(quick_users(&h), []);
}

#[test]
fn files_dropped_on_the_window_import_by_token_only_in_the_session_they_were_dropped_in() {
    let h = Harness::new();
    let admin_uri = h.create();
    h.unlock("alice", PW, &admin_uri);
    let rita_uri = h.add_user(
        "rita",
        "receptionist",
        "a long passphrase for the receptionist",
    );
    let patient = json!({"given": "Ada", "family": "Dropped", "dob": "1990-01-02",
        "sex": null, "phone": null, "email": null, "address": null});
    let id = h.ok("add_patient", json!({"patient": patient, "force": false}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("rx-scan.png");
    std::fs::write(&png, corpus_png()).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a scan").unwrap();
    let state = h.state();

    // A relative path is no drop at all; two files are one drop with their names.
    assert_eq!(state.drop_files(&["rx.png".into()], 1.0, 2.0), None);
    let dropped = state
        .drop_files(&[png.clone(), text.clone()], 120.0, 240.0)
        .expect("a drop while unlocked");
    assert_eq!(dropped.names, ["rx-scan.png", "notes.txt"]);
    assert_eq!((dropped.x, dropped.y), (120.0, 240.0));
    let token = dropped.token.clone();

    assert_eq!(
        h.err_code(
            "import_dropped",
            json!({"token": "0".repeat(32), "index": 0, "patientId": id})
        ),
        "invalid_input",
        "another token imports nothing"
    );
    assert_eq!(
        h.err_code(
            "import_dropped",
            json!({"token": token, "index": 2, "patientId": id})
        ),
        "invalid_input"
    );
    let scan = h.ok(
        "import_dropped",
        json!({"token": token, "index": 0, "patientId": id}),
    );
    assert_eq!(scan["kind"], "png");
    let refused = h
        .call(
            "import_dropped",
            json!({"token": token, "index": 1, "patientId": id}),
        )
        .expect_err("a text file");
    assert_ne!(refused["code"], "internal", "{refused}");
    assert_eq!(
        h.ok("list_scans", json!({"patientId": id}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    h.ok("forget_dropped", json!({}));
    assert_eq!(
        h.err_code(
            "import_dropped",
            json!({"token": token, "index": 0, "patientId": id})
        ),
        "invalid_input",
        "forgotten"
    );

    // A drop made in one session is not imported in the next one (a lock in between).
    let dropped = state
        .drop_files(std::slice::from_ref(&png), 0.0, 0.0)
        .expect("a drop");
    h.ok("lock", json!({}));
    assert_eq!(
        state.drop_files(std::slice::from_ref(&png), 0.0, 0.0),
        None,
        "locked: no drop"
    );
    h.unlock("rita", "a long passphrase for the receptionist", &rita_uri);
    assert_eq!(
        h.err_code(
            "import_dropped",
            json!({"token": dropped.token, "index": 0, "patientId": id})
        ),
        "invalid_input"
    );
}

#[test]
fn a_suspend_while_an_unlock_runs_leaves_the_vault_locked() {
    let (h, _alice, bob_uri) = with_bob_pin();
    let state = h.state();
    let window = &h.window;
    for round in 0..4 {
        let quick = round % 2 == 1;
        if quick {
            // Arm bob's PIN: a password unlock, the PIN, a lock.
            h.unlock("bob", BOB_PW, &bob_uri);
            h.ok("set_pin", json!({"pin": BOB_PIN}));
            h.ok("lock", json!({}));
        }
        h.clock.advance_us(30_000_000);
        let code = h.code(&bob_uri);
        let before = state.epoch();
        let answer = std::thread::scope(|s| {
            let unlocking = s.spawn(|| {
                if quick {
                    call_window(
                        window,
                        "quick_unlock",
                        json!({"user": "bob", "pin": BOB_PIN}),
                    )
                } else {
                    call_window(
                        window,
                        "unlock",
                        json!({"user": "bob", "password": BOB_PW, "code": code}),
                    )
                }
            });
            // Once the unlock has begun (its first lock moved the epoch), the PC sleeps
            // while its key derivation runs.
            while state.epoch() == before {
                std::thread::yield_now();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            state.lock(LockReason::Suspend);
            unlocking.join().expect("thread")
        });
        assert!(
            !state.is_unlocked(),
            "round {round}: unlocked after the suspend: {answer:?}"
        );
        if let Err(err) = &answer {
            assert_eq!(err["code"], "locked", "round {round}: {err}");
        }
    }
}

#[test]
fn the_session_limit_and_a_late_lock_and_require_password_leave_no_pin() {
    let (h, alice_uri, _bob) = with_bob_pin();
    // "Lock and require password" a moment after the idle lock armed the PIN: wiped.
    h.clock.advance_us(300 * 1_000_000);
    assert_eq!(h.tick(), Some(ShellEvent::Locked(LockReason::Idle)));
    assert_eq!(quick_users(&h), [("bob".to_string(), 3)]);
    h.ok("lock_require_password", json!({}));
    assert_eq!(quick_users(&h), []);

    // A PIN armed just inside the session limit does not open a session past it.
    h.unlock("alice", PW, &alice_uri);
    h.ok(
        "set_settings",
        json!({"settings": {"idle_lock_secs": 3600, "session_limit_secs": 3600}}),
    );
    h.ok("set_pin", json!({"pin": ALICE_PIN}));
    h.clock.advance_us(3_590 * 1_000_000);
    h.ok("lock", json!({}));
    assert_eq!(quick_users(&h), [("alice".to_string(), 3)]);
    h.clock.advance_us(20 * 1_000_000);
    let refused = h
        .call("quick_unlock", json!({"user": "alice", "pin": ALICE_PIN}))
        .expect_err("past the limit");
    assert_eq!(refused["code"], "quick_unlock_unavailable", "{refused}");
    assert!(!h.state().is_unlocked());
    assert_eq!(quick_users(&h), []);

    // A lock past the limit (before the watchdog's tick) keeps no PIN either.
    h.unlock("alice", PW, &alice_uri);
    h.ok("set_pin", json!({"pin": ALICE_PIN}));
    h.clock.advance_us(3_605 * 1_000_000);
    h.ok("lock", json!({}));
    assert_eq!(quick_users(&h), []);
}

// ------------------------------------------------------------------------------ sync

mod common;

use common::server::Server;

/// A TCP gate in front of a server: connections wait, unanswered, until it opens.
struct Gate {
    addr: std::net::SocketAddr,
    open: Arc<(Mutex<bool>, std::sync::Condvar)>,
}

impl Gate {
    fn new(to: std::net::SocketAddr) -> Gate {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let open = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let gate = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let gate = gate.clone();
                std::thread::spawn(move || {
                    let (lock, cv) = &*gate;
                    let _open = cv.wait_while(lock.lock().unwrap(), |open| !*open).unwrap();
                    drop(_open);
                    let server = std::net::TcpStream::connect(to).expect("server");
                    let (mut c_in, mut s_out) =
                        (client.try_clone().unwrap(), server.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c_in, &mut s_out);
                        let _ = s_out.shutdown(std::net::Shutdown::Write);
                    });
                    let (mut s_in, mut c_out) = (server, client);
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                    let _ = c_out.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Gate { addr, open }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn open(&self) {
        let (lock, cv) = &*self.open;
        *lock.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// Polls `sync_status` until `done` holds (the worker runs on its own thread).
fn wait_for_status(h: &Harness, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let status = h.ok("sync_status", json!({}));
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "waited for {what}: {status}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn the_sync_worker_enrolls_drains_goes_offline_and_drains_again() {
    let h = Harness::new();
    h.create();
    let statuses = Arc::new(Mutex::new(Vec::<Value>::new()));
    let seen = statuses.clone();
    h.state().sync.set_notifier(Box::new(move |s| {
        seen.lock().unwrap().push(serde_json::to_value(s).unwrap());
    }));
    clinic_vault_app::sync::spawn(h.app.handle().clone()).expect("worker");

    let status = h.ok("sync_status", json!({}));
    assert_eq!(status["state"], "not_enrolled", "{status}");
    assert_eq!(status["server_url"], Value::Null);
    assert_eq!(status["device_id"].as_str().unwrap().len(), 36, "{status}");
    let head = status["local_head"]["seq"].as_u64().unwrap();
    assert!(head > 0 && status["events_waiting"] == head, "{status}");
    assert_eq!(h.ok("app_status", json!({}))["offered_server"], Value::Null);

    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(&tmp.path().join("server"));
    // A code that is not one is refused in words; nothing is offered here.
    let bad = h.call(
        "enroll_device",
        json!({"req": {"code": "cvenroll1:nonsense"}}),
    );
    assert_eq!(
        bad.as_ref().unwrap_err()["code"],
        "invalid_input",
        "{bad:?}"
    );
    let said = bad.as_ref().unwrap_err()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        said.starts_with("This enrollment code cannot be used: ") && said.ends_with("admin page."),
        "{said}"
    );
    let none = h
        .call("enroll_device", json!({"req": {"offered": true}}))
        .unwrap_err();
    assert_eq!(none["code"], "invalid_input");
    assert!(
        none["message"]
            .as_str()
            .unwrap()
            .contains("enrollment code"),
        "{none}"
    );

    let token = server.enroll_token("Reception 1");
    let enrolled = h.ok(
        "enroll_device",
        json!({"req": {"url": server.url(), "token": token}}),
    );
    assert_eq!(enrolled["server_url"], server.url(), "{enrolled}");
    assert_eq!(enrolled["workstation"], "Reception 1");
    let device = enrolled["device_id"].as_str().unwrap().to_string();
    // Another workstation is refused the spent token, in the server's words.
    let other = Harness::new();
    other.create();
    let again = other
        .call(
            "enroll_device",
            json!({"req": {"url": server.url(), "token": token}}),
        )
        .unwrap_err();
    assert_eq!(again["code"], "enroll_token_spent", "{again}");
    assert!(
        again["message"].as_str().unwrap().contains("used already"),
        "{again}"
    );

    let synced = wait_for_status(&h, "synced", |s| {
        s["state"] == "synced" && s["events_waiting"] == 0
    });
    let head = synced["local_head"]["seq"].as_u64().unwrap();
    assert_eq!(synced["anchor"]["seq"], head, "{synced}");
    assert_eq!(synced["anchor"]["hash"], synced["local_head"]["hash"]);
    assert!(synced["last_success_us"].is_i64(), "{synced}");
    assert_eq!(server.events(&device), (head as i64, 1, head as i64));
    {
        let seen = statuses.lock().unwrap();
        assert!(seen.iter().any(|s| s["state"] == "syncing"), "{seen:?}");
    }

    // Work done since is sent on the worker's next look, without a kick.
    h.ok("add_user", json!({"name": "bob", "role": "receptionist"}));
    let sent = wait_for_status(&h, "the new events sent", |s| {
        s["state"] == "synced"
            && s["events_waiting"] == 0
            && s["local_head"]["seq"].as_u64() > Some(head)
    });
    let head = sent["local_head"]["seq"].as_u64().unwrap();
    assert_eq!(server.events(&device).2, head as i64);

    // The server goes away: the work goes on, the status says offline and when it
    // tries again; nothing is dropped.
    server.kill();
    h.ok("add_user", json!({"name": "carol", "role": "clinician"}));
    h.ok("sync_now", json!({}));
    let offline = wait_for_status(&h, "offline", |s| s["state"] == "offline");
    assert!(offline["events_waiting"].as_u64().unwrap() > 0, "{offline}");
    assert!(offline["next_attempt_us"].is_i64(), "{offline}");
    assert_eq!(
        offline["last_error"]["code"], "server_unreachable",
        "{offline}"
    );
    assert!(offline["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains("could not be reached"));
    assert_eq!(offline["anchor"]["seq"], head);

    server.restart();
    h.ok("sync_now", json!({}));
    let back = wait_for_status(&h, "synced again", |s| {
        s["state"] == "synced" && s["events_waiting"] == 0
    });
    assert_eq!(back["last_error"], Value::Null, "{back}");
    let head = back["local_head"]["seq"].as_u64().unwrap();
    assert_eq!(server.events(&device), (head as i64, 1, head as i64));

    // Forgetting stops it; what is queued stays.
    let forgotten = h.ok("forget_server", json!({}));
    assert_eq!(forgotten["state"], "not_enrolled", "{forgotten}");
    // No server, no receipt to count from: every event waits for the next one.
    assert_eq!(forgotten["anchor"], Value::Null);
    assert_eq!(
        forgotten["events_waiting"].as_u64(),
        Some(head + 1),
        "{forgotten}"
    );
    let forgotten_again = h.call("forget_server", json!({})).unwrap_err();
    assert_eq!(forgotten_again["code"], "not_enrolled", "{forgotten_again}");
    server.kill();
}

#[test]
fn only_admins_enroll_or_forget_and_a_locked_app_tells_nothing() {
    let h = Harness::new();
    let alice = h.create();
    let pw_bob = "a long passphrase for the front desk";
    let bob = h.add_user("bob", "receptionist", pw_bob);
    let _ = alice;
    h.unlock("bob", pw_bob, &bob);
    let status = h.ok("sync_status", json!({}));
    assert_eq!(status["state"], "not_enrolled");
    h.ok("sync_now", json!({}));
    let denied = h
        .call(
            "enroll_device",
            json!({"req": {"url": "http://127.0.0.1:9", "token": "x"}}),
        )
        .unwrap_err();
    assert_eq!(denied["code"], "forbidden", "{denied}");
    assert_eq!(h.err_code("forget_server", json!({})), "forbidden");
    h.ok("lock", json!({}));
    for cmd in ["sync_status", "sync_now", "forget_server"] {
        assert_eq!(h.err_code(cmd, json!({})), "locked", "{cmd}");
    }
    assert_eq!(
        h.err_code("enroll_device", json!({"req": {"offered": true}})),
        "locked"
    );
}

#[test]
fn an_enrollment_begun_in_one_session_never_lands_in_the_next_and_asked_again_gets_its_registration(
) {
    let h = Harness::new();
    let alice = h.create();
    let pw_dora = "administers the clinic's computers well";
    let dora = h.add_user("dora", "admin", pw_dora);
    h.unlock("alice", PW, &alice);
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("server"));

    // Alice's enrollment waits on the network while the app locks and Dora unlocks.
    let gate = Gate::new(server.addr);
    let token = server.enroll_token("Room 2");
    let window = h.window.clone();
    let (url, sent) = (gate.url(), token.clone());
    let pending = std::thread::spawn(move || {
        call_window(
            &window,
            "enroll_device",
            json!({"req": {"url": url, "token": sent}}),
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    h.ok("lock", json!({}));
    h.unlock("dora", pw_dora, &dora);
    gate.open();
    let answer = pending.join().unwrap().unwrap_err();
    assert_eq!(answer["code"], "locked", "{answer}");
    let status = h.ok("sync_status", json!({}));
    assert_eq!(status["state"], "not_enrolled", "{status}");
    // The server took it, though. Asked again with the same token (the same derived
    // key), it answers with that registration instead of refusing the device as taken.
    let again = h.ok(
        "enroll_device",
        json!({"req": {"url": server.url(), "token": token}}),
    );
    assert_eq!(again["workstation"], "Room 2", "{again}");
    assert_eq!(server.query_i64("SELECT count(*) FROM devices"), 1);

    // Two windows racing a fresh token: both are answered with the one registration.
    let token = server.enroll_token("Room 3");
    let barrier = std::sync::Barrier::new(2);
    let window = &h.window;
    let answers: Vec<Result<Value, Value>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    call_window(
                        window,
                        "enroll_device",
                        json!({"req": {"url": server.url(), "token": token}}),
                    )
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let ok: Vec<&Value> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(ok.len(), 2, "{answers:?}");
    assert_eq!(ok[0]["device_id"], ok[1]["device_id"]);
    // The server keeps the name of the first registration.
    assert_eq!(ok[0]["workstation"], "Room 2", "{answers:?}");
    assert_eq!(server.query_i64("SELECT count(*) FROM devices"), 1);
}

#[test]
fn the_server_the_run_script_offers_is_named_in_app_status_and_enrolls_in_one_call() {
    let h = Harness::new();
    h.create();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("server"));
    let code = clinic_vault_proto::EnrollCode::new(&server.url(), &server.enroll_token("Desk"))
        .unwrap()
        .encode();
    assert!(h.state().sync.offer("cvenroll1:not-a-code").is_err());
    h.state().sync.offer(&code).expect("a code");
    assert_eq!(
        h.ok("app_status", json!({}))["offered_server"],
        server.url()
    );
    let enrolled = h.ok("enroll_device", json!({"req": {"offered": true}}));
    assert_eq!(enrolled["server_url"], server.url(), "{enrolled}");
    assert_eq!(enrolled["workstation"], "Desk");
    // The code never reaches the page: only its address does.
    let status = h.ok("app_status", json!({})).to_string();
    assert!(
        !status.contains(&code) && !status.contains("cvenroll_"),
        "{status}"
    );
}

#[test]
fn a_lock_in_the_middle_of_a_long_drain_stops_it_and_the_next_session_finishes_it_without_gap_or_duplicate(
) {
    let h = Harness::new();
    let alice = h.create();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("server"));
    let enrolled = h.ok(
        "enroll_device",
        json!({"req": {"url": server.url(), "token": server.enroll_token("Desk")}}),
    );
    let device = enrolled["device_id"].as_str().unwrap().to_string();
    h.state()
        .with_session(|s| s.bench_append(30_000, 1_000, false))
        .expect("events");
    clinic_vault_app::sync::spawn(h.app.handle().clone()).expect("worker");
    // Lock once the server holds some but not all of them.
    let started = std::time::Instant::now();
    loop {
        let (held, _, _) = server.events(&device);
        if held > 1_000 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    h.ok("lock", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (held_at_lock, _, _) = server.events(&device);
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    assert_eq!(
        server.events(&device).0,
        held_at_lock,
        "nothing is sent while the vault is locked"
    );
    h.unlock("alice", PW, &alice);
    let done = wait_for_status(&h, "drained after the unlock", |s| {
        s["state"] == "synced" && s["events_waiting"] == 0
    });
    let head = done["local_head"]["seq"].as_i64().unwrap();
    assert!(held_at_lock < head, "the lock came before the end");
    assert_eq!(server.events(&device), (head, 1, head));
}
