//! User management through the CLI: add, list, disable, enable, reset-totp, one-time
//! password expiry, passwd and recovery-key rotation, as an admin scripting
//! `clinicvault` would see them.

use crate::common::*;

const CAROL_PW: &str = "saffron glacier tuba meadow 77";
const NEW_ADMIN_PW: &str = "velvet tractor pinecone harbor 19";

#[test]
fn user_add_prints_a_one_time_password_and_list_follows_the_account() {
    let mut v = TestVault::new();
    let added = v
        .admin(&["user", "add", "bob", "--role", "clinician"])
        .ok()
        .json();
    assert_eq!(added["user"], "bob");
    assert_eq!(added["role"], "clinician");
    let otp = added["one_time_password"].as_str().expect("otp");
    assert!(
        is_crockford_groups(otp, 4),
        "one-time password must be 4 groups of 5 Crockford characters: {otp}"
    );
    // Valid for 72 hours from now.
    let expires_us = added["expires_us"].as_i64().expect("expires_us");
    assert_eq!(expires_us, (v.now_secs + 72 * 3600) * 1_000_000);
    assert!(added["expires_at"].as_str().expect("expires_at").len() >= 19);

    // A second user gets a different one-time password.
    let other = v.add_user_otp("dora", "receptionist");
    assert_ne!(other, otp);

    let bob = v.user_entry("bob");
    assert_eq!(bob["role"], "clinician");
    assert_eq!(bob["enabled"], true);
    assert_eq!(bob["password"], "one_time");
    assert_eq!(bob["totp"], "none");
    assert_eq!(bob["failed_attempts"], 0);
    assert_eq!(bob["locked_out"], false);

    // Before first-login the one-time password does not unlock a session: typed as
    // shown or in its raw form, the CLI points to first-login.
    v.next_step();
    let shown = v.try_unlock("bob", otp, "123456");
    assert_eq!(shown.error_code(), "invalid_input");
    assert!(shown.stderr.contains("first-login"), "{}", shown.stderr);
    let early = v.try_unlock("bob", &otp.replace('-', ""), "123456");
    assert_eq!(early.error_code(), "invalid_input");
    assert!(early.stderr.contains("first-login"), "{}", early.stderr);

    let uri = v.first_login("bob", otp, BOB_PW).ok().json()["totp_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let bob = v.user_entry("bob");
    assert_eq!(bob["password"], "set");
    assert_eq!(bob["totp"], "pending");

    // The first unlock confirms the authenticator.
    v.as_user("bob", BOB_PW, &uri, &["whoami"], "").ok();
    assert_eq!(v.user_entry("bob")["totp"], "confirmed");

    let users = v.admin(&["user", "list"]).ok().json();
    let names: Vec<&str> = users["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alice", "bob", "dora"]);

    // The one-time password is single-use: a second first-login with it fails.
    let again = v.first_login("bob", otp, "another fine passphrase 88");
    assert_eq!(again.error_code(), "bad_credentials");
}

#[test]
fn disabled_user_cannot_unlock_and_admins_cannot_lock_themselves_out() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let carol_uri = v.add_user("carol", "admin", CAROL_PW);
    v.as_user("carol", CAROL_PW, &carol_uri, &["whoami"], "")
        .ok();

    let disabled = v.admin(&["user", "disable", "bob"]).ok().json();
    assert_eq!(disabled["enabled"], false);
    let bob = v.as_user("bob", BOB_PW, &bob_uri, &["whoami"], "");
    assert_eq!(bob.error_code(), "bad_credentials");
    assert_eq!(v.user_entry("bob")["enabled"], false);

    // Disabling twice is a conflict, not a silent success.
    assert_eq!(
        v.admin(&["user", "disable", "bob"]).error_code(),
        "conflict"
    );

    // An admin cannot disable their own account.
    let own = v.admin(&["user", "disable", ADMIN]);
    assert_eq!(own.error_code(), "conflict");
    assert!(own.stderr.contains("own account"), "{}", own.stderr);

    // The other admin can be disabled while one enabled admin remains...
    v.admin(&["user", "disable", "carol"]).ok();
    let carol = v.as_user("carol", CAROL_PW, &carol_uri, &["whoami"], "");
    assert_eq!(carol.error_code(), "bad_credentials");
    // ...and the last enabled admin (alice) still cannot be disabled by anyone:
    // the only one who could try is alice herself.
    assert_eq!(
        v.admin(&["user", "disable", ADMIN]).error_code(),
        "conflict"
    );
    assert_eq!(v.user_entry(ADMIN)["enabled"], true);

    // Each disable is in the audit trail, and so is each refused request (as a
    // failure), which changed nothing.
    let events = v.audit_events(&["--action", "user.disable"]);
    let outcomes: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["event"]["resource_id"].as_str().unwrap_or(""),
                e["event"]["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("bob", "success"),
            ("bob", "failure"),
            ("alice", "failure"),
            ("carol", "success"),
            ("alice", "failure"),
        ]
    );
}

#[test]
fn enable_issues_a_new_one_time_password_and_the_old_one_stops_working() {
    let mut v = TestVault::new();
    let first_otp = v.add_user_otp("bob", "clinician");
    v.first_login("bob", &first_otp, BOB_PW).ok();

    // Enabling an enabled user is a conflict.
    assert_eq!(v.admin(&["user", "enable", "bob"]).error_code(), "conflict");
    v.admin(&["user", "disable", "bob"]).ok();
    let enabled = v.admin(&["user", "enable", "bob"]).ok().json();
    assert_eq!(enabled["user"], "bob");
    assert_eq!(enabled["role"], "clinician");
    let new_otp = enabled["one_time_password"].as_str().expect("otp");
    assert!(is_crockford_groups(new_otp, 4), "{new_otp}");
    assert_ne!(new_otp, first_otp);
    let bob = v.user_entry("bob");
    assert_eq!(bob["enabled"], true);
    assert_eq!(bob["password"], "one_time");

    // Neither the first one-time password nor bob's old password gets in.
    assert_eq!(
        v.first_login("bob", &first_otp, "another fine passphrase 88")
            .error_code(),
        "bad_credentials"
    );
    assert_eq!(
        v.first_login("bob", BOB_PW, "another fine passphrase 88")
            .error_code(),
        "bad_credentials"
    );

    // The new one works, and bob then unlocks with his new authenticator.
    let new_pw = "another fine passphrase 88";
    let uri = v.first_login("bob", new_otp, new_pw).ok().json()["totp_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    let me = v.as_user("bob", new_pw, &uri, &["whoami"], "").ok().json();
    assert_eq!(me["user"], "bob");
    assert_eq!(me["role"], "clinician");
}

#[test]
fn reset_totp_enrolls_a_new_authenticator_and_retires_the_old_one() {
    let mut v = TestVault::new();
    let old_uri = v.add_user("bob", "clinician", BOB_PW);
    v.as_user("bob", BOB_PW, &old_uri, &["whoami"], "").ok();

    let reset = v.admin(&["user", "reset-totp", "bob"]).ok().json();
    assert_eq!(reset["user"], "bob");
    let reset_code = reset["reset_code"]
        .as_str()
        .expect("reset code")
        .to_string();
    assert!(is_crockford_groups(&reset_code, 4), "{reset_code}");
    assert_eq!(v.user_entry("bob")["totp"], "reset");

    // The old authenticator no longer gets in, even with the right password.
    let old = v.as_user("bob", BOB_PW, &old_uri, &["whoami"], "");
    assert_eq!(old.error_code(), "bad_credentials");

    // Password + reset code (as --totp) unlocks and enrolls a new authenticator.
    v.next_step();
    let out = v.try_unlock("bob", BOB_PW, &reset_code).ok().json();
    assert_eq!(out["user"], "bob");
    let new_uri = out["enrolled_totp_uri"]
        .as_str()
        .expect("enrolled_totp_uri")
        .to_string();
    assert!(new_uri.starts_with("otpauth://totp/"), "{new_uri}");
    assert_ne!(new_uri, old_uri);
    assert_eq!(v.user_entry("bob")["totp"], "pending");

    // The reset code is single-use.
    v.next_step();
    assert_eq!(
        v.try_unlock("bob", BOB_PW, &reset_code).error_code(),
        "bad_credentials"
    );

    // A code from the old URI fails; one from the new URI works.
    v.next_step();
    while v.code(&old_uri) == v.code(&new_uri) {
        v.next_step();
    }
    let old_code = v.code(&old_uri);
    assert_eq!(
        v.try_unlock("bob", BOB_PW, &old_code).error_code(),
        "bad_credentials"
    );
    let me = v.try_unlock("bob", BOB_PW, &v.code(&new_uri)).ok().json();
    assert_eq!(me["user"], "bob");
    assert!(
        me.get("enrolled_totp_uri").is_none(),
        "the URI is shown only once"
    );
    assert_eq!(v.user_entry("bob")["totp"], "confirmed");

    // The trail shows the reset, the enrollment and its confirmation.
    let actions: Vec<String> = v
        .audit_events(&["--user", "bob"])
        .iter()
        .map(|e| e["event"]["action"].as_str().expect("action").to_string())
        .collect();
    for wanted in ["user.totp_enroll", "user.totp_confirm"] {
        assert!(actions.iter().any(|a| a == wanted), "{wanted}: {actions:?}");
    }
    assert_eq!(v.audit_events(&["--action", "user.reset_totp"]).len(), 1);
}

#[test]
fn reset_totp_needs_an_account_that_has_logged_in() {
    let mut v = TestVault::new();
    v.add_user_otp("bob", "clinician");
    assert_eq!(
        v.admin(&["user", "reset-totp", "bob"]).error_code(),
        "conflict"
    );
}

#[test]
fn one_time_password_expires_after_72_hours() {
    let mut v = TestVault::new();
    let otp = v.add_user_otp("bob", "clinician");
    let otp2 = v.add_user_otp("dora", "receptionist");
    // Just inside the window it still works.
    v.set_time(v.now_secs + 72 * 3600 - 60);
    v.first_login("dora", &otp2, "another fine passphrase 88")
        .ok();
    v.set_time(v.now_secs + 3600);
    let late = v.first_login("bob", &otp, BOB_PW);
    assert_eq!(late.error_code(), "bad_credentials");
    assert!(late.stderr.contains("expired"), "{}", late.stderr);
    assert_eq!(v.user_entry("bob")["password"], "one_time");
}

#[test]
fn duplicate_unknown_and_malformed_requests_get_clear_codes() {
    let mut v = TestVault::new();
    v.add_user_otp("bob", "clinician");
    let dup = v.admin(&["user", "add", "bob", "--role", "receptionist"]);
    assert_eq!(dup.error_code(), "conflict");
    // Names are unique regardless of case.
    assert_eq!(
        v.admin(&["user", "add", "BOB", "--role", "receptionist"])
            .error_code(),
        "conflict"
    );
    assert_eq!(
        v.admin(&["user", "add", "carol", "--role", "doctor"])
            .error_code(),
        "invalid_input"
    );
    for cmd in [
        ["user", "disable", "nobody"],
        ["user", "enable", "nobody"],
        ["user", "reset-totp", "nobody"],
        ["user", "unlock", "nobody"],
    ] {
        let out = v.admin(&cmd);
        assert_eq!(out.error_code(), "not_found", "{cmd:?}");
        assert!(out.stderr.contains("nobody"), "{}", out.stderr);
    }
    // Nothing was added by the failed requests.
    let users = v.admin(&["user", "list"]).ok().json();
    assert_eq!(users["users"].as_array().expect("users").len(), 2);
    assert_eq!(v.user_entry("bob")["role"], "clinician");
}

#[test]
fn passwd_changes_the_password_and_refuses_a_weak_one() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let uri = v.admin_uri.clone();
    // A weak new password is refused and nothing changes.
    for weak in ["password1234", "short", "alice-is-the-admin-here-42"] {
        let out = v.as_user(ADMIN, ADMIN_PW, &uri, &["passwd"], &format!("{weak}\n"));
        assert_eq!(out.error_code(), "invalid_input", "{weak}");
    }
    v.admin(&["whoami"]).ok();

    let changed = v
        .as_user(
            ADMIN,
            ADMIN_PW,
            &uri,
            &["passwd"],
            &format!("{NEW_ADMIN_PW}\n"),
        )
        .ok()
        .json();
    assert_eq!(changed["password_changed"], true);
    let old = v.as_user(ADMIN, ADMIN_PW, &uri, &["whoami"], "");
    assert_eq!(old.error_code(), "bad_credentials");
    let me = v
        .as_user(ADMIN, NEW_ADMIN_PW, &uri, &["whoami"], "")
        .ok()
        .json();
    assert_eq!(me["user"], ADMIN);

    // A user changes their own password too, and a wrong current one changes nothing.
    let wrong = v.as_user(
        "bob",
        "not bobs password at all 1",
        &bob_uri,
        &["passwd"],
        "another fine passphrase 88\n",
    );
    assert_eq!(wrong.error_code(), "bad_credentials");
    v.as_user(
        "bob",
        BOB_PW,
        &bob_uri,
        &["passwd"],
        "another fine passphrase 88\n",
    )
    .ok();
    v.as_user(
        "bob",
        "another fine passphrase 88",
        &bob_uri,
        &["whoami"],
        "",
    )
    .ok();
}

#[test]
fn recovery_key_rotation_retires_the_old_key() {
    let mut v = TestVault::new();
    let old_key = v.recovery_key.clone();
    assert!(is_crockford_groups(&old_key, 6), "{old_key}");
    let rotated = v.admin(&["recovery-key", "rotate"]).ok().json();
    let new_key = rotated["recovery_key"]
        .as_str()
        .expect("recovery key")
        .to_string();
    assert!(is_crockford_groups(&new_key, 6), "{new_key}");
    assert_ne!(new_key, old_key);

    let old = v.recover(ADMIN, &old_key, NEW_ADMIN_PW);
    assert_eq!(old.error_code(), "bad_credentials");
    // Nothing changed: alice still has her password and authenticator.
    v.admin(&["whoami"]).ok();

    let recovered = v.recover(ADMIN, &new_key, NEW_ADMIN_PW).ok().json();
    let uri = recovered["totp_uri"]
        .as_str()
        .expect("totp_uri")
        .to_string();
    assert_ne!(uri, v.admin_uri);
    let old_uri = v.admin_uri.clone();
    assert_eq!(
        v.as_user(ADMIN, ADMIN_PW, &uri, &["whoami"], "")
            .error_code(),
        "bad_credentials"
    );
    v.next_step();
    while v.code(&old_uri) == v.code(&uri) {
        v.next_step();
    }
    assert_eq!(
        v.try_unlock(ADMIN, NEW_ADMIN_PW, &v.code(&old_uri))
            .error_code(),
        "bad_credentials"
    );
    v.admin_uri = uri.clone();
    let me = v
        .as_user(ADMIN, NEW_ADMIN_PW, &uri, &["whoami"], "")
        .ok()
        .json();
    assert_eq!(me["user"], ADMIN);
    let uses = v.as_user(
        ADMIN,
        NEW_ADMIN_PW,
        &uri,
        &["audit", "list", "--action", "recovery.use"],
        "",
    );
    let events = uses.ok().json()["events"]
        .as_array()
        .expect("events")
        .clone();
    let outcomes: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["success"]);
    // The old key's failed use came through the journal, as an unauthenticated report.
    let reports = v
        .as_user(
            ADMIN,
            NEW_ADMIN_PW,
            &uri,
            &["audit", "list", "--action", "journal.attempt"],
            "",
        )
        .ok()
        .json()["events"]
        .as_array()
        .expect("events")
        .clone();
    assert!(reports
        .iter()
        .any(|e| e["detail"]["attempt"] == "recovery" && e["event"]["outcome"] == "failure"));
}
