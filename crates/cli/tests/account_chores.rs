//! `user reset-password NAME` and `user role NAME ROLE`: what an admin sees (text and
//! `--json`), what the user then can and cannot do, and their alert-level events.

use crate::common::*;

const NEW_PW: &str = "quiet harbour lantern maple 91";

#[test]
fn reset_password_prints_a_one_time_password_and_the_old_password_stops_working() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let reset = v.admin(&["user", "reset-password", "bob"]).ok().json();
    assert_eq!(reset["user"], "bob");
    assert_eq!(reset["role"], "clinician");
    let otp = reset["one_time_password"]
        .as_str()
        .expect("otp")
        .to_string();
    assert!(is_crockford_groups(&otp, 4), "{otp}");
    assert_eq!(
        reset["expires_us"].as_i64(),
        Some((v.now_secs + 72 * 3600) * 1_000_000)
    );
    assert_eq!(v.user_entry("bob")["password"], "one_time");

    v.next_step();
    let old = v.try_unlock("bob", BOB_PW, &v.code(&bob_uri));
    assert_eq!(old.error_code(), "bad_credentials");
    let uri = v.first_login("bob", &otp, NEW_PW).ok().json()["totp_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    let who = v.as_user("bob", NEW_PW, &uri, &["whoami"], "").ok().json();
    assert_eq!(who["user"], "bob");
    assert_eq!(who["role"], "clinician");

    let events = v.audit_events(&["--action", "user.reset_password"]);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"]["resource_id"], "bob");
    assert_eq!(events[0]["event"]["outcome"], "success");
    assert_eq!(events[0]["detail"]["level"], "alert");
}

#[test]
fn reset_password_in_text_says_what_happens_next_and_refuses_the_admins_own() {
    let mut v = TestVault::new();
    v.add_user("bob", "receptionist", BOB_PW);
    v.next_step();
    let uri = v.admin_uri.clone();
    let code = v.code(&uri);
    let dir = v.dir_str().to_string();
    let text = v
        .run(
            &[
                "--vault",
                &dir,
                "--user",
                ADMIN,
                "--totp",
                &code,
                "user",
                "reset-password",
                "bob",
            ],
            &format!("{ADMIN_PW}\n"),
        )
        .ok();
    assert!(
        text.stdout
            .contains("Password reset for bob (receptionist)"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("first-login"), "{}", text.stdout);
    assert!(
        text.stdout.contains("old password no longer works"),
        "{}",
        text.stdout
    );

    let own = v.admin(&["user", "reset-password", ADMIN]);
    assert_eq!(own.error_code(), "conflict");
    let nobody = v.admin(&["user", "reset-password", "nobody"]);
    assert_eq!(nobody.error_code(), "not_found");
}

#[test]
fn role_change_applies_at_the_users_next_command_and_is_alert_level() {
    let mut v = TestVault::new();
    let bob = v.staff("bob", "admin");
    v.by(&bob, &["user", "list"]).ok();
    let changed = v
        .admin(&["user", "role", "bob", "receptionist"])
        .ok()
        .json();
    assert_eq!(changed["user"], "bob");
    assert_eq!(changed["role"], "receptionist");
    assert_eq!(changed["previous_role"], "admin");
    assert_eq!(v.user_entry("bob")["role"], "receptionist");
    let refused = v.by(&bob, &["user", "list"]);
    assert_eq!(refused.error_code(), "forbidden");

    let events = v.audit_events(&["--action", "user.role_change"]);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["from"], "admin");
    assert_eq!(events[0]["detail"]["to"], "receptionist");
    assert_eq!(events[0]["detail"]["level"], "alert");

    // Refusals: the same role, an unknown role, the admin's own, a non-admin asking.
    assert_eq!(
        v.admin(&["user", "role", "bob", "receptionist"])
            .error_code(),
        "conflict"
    );
    assert_eq!(
        v.admin(&["user", "role", "bob", "superuser"]).error_code(),
        "invalid_input"
    );
    assert_eq!(
        v.admin(&["user", "role", ADMIN, "clinician"]).error_code(),
        "conflict"
    );
    assert_eq!(
        v.by(&bob, &["user", "role", ADMIN, "clinician"])
            .error_code(),
        "forbidden"
    );
}
