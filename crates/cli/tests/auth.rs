//! Authentication through the CLI: indistinguishable credential failures, the delay
//! after 5 failures and the lockout after 20, clearing it (admin or recovery key),
//! clock errors, wrong recovery keys and audited permission denials.

use serde_json::Value;

use crate::common::*;

const WRONG_PW: &str = "definitely not the password 1";
const NEW_ADMIN_PW: &str = "velvet tractor pinecone harbor 19";

/// The events of `action` in an `audit list` result.
fn of_action<'a>(events: &'a [Value], action: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"]["action"] == action)
        .collect()
}

fn outcome(e: &Value) -> &str {
    e["event"]["outcome"].as_str().expect("outcome")
}

/// Fails `n` unlocks of `user` with a wrong password (and a right code), the account
/// having `already` failures; waits out each delay through the clock first.
fn fail_unlocks(v: &mut TestVault, user: &str, uri: &str, n: u32, already: u32) {
    for i in already + 1..=already + n {
        if i > 5 {
            // The delay after failure i-1: 30 s doubling, at most 15 min.
            v.set_time(v.now_secs + (30i64 << (i - 6)).min(900));
        }
        let r = v.try_unlock(user, WRONG_PW, &v.code(uri));
        assert_eq!(r.error_code(), "bad_credentials", "failure {i}");
    }
}

#[test]
fn wrong_password_wrong_code_replayed_code_and_unknown_user_look_the_same() {
    let mut v = TestVault::new();
    let uri = v.admin_uri.clone();
    v.next_step();
    let wrong_pw = v.try_unlock(ADMIN, WRONG_PW, &v.code(&uri)).error();
    let wrong_code = v.try_unlock(ADMIN, ADMIN_PW, &v.wrong_code(&uri)).error();
    let unknown = v.try_unlock("mallory", ADMIN_PW, &v.code(&uri)).error();
    let code = v.code(&uri);
    v.try_unlock(ADMIN, ADMIN_PW, &code).ok();
    // The same code again in the same step: a replay.
    let replayed = v.try_unlock(ADMIN, ADMIN_PW, &code).error();
    // The previous step's code is within the ±1 window but not later than the last
    // accepted step: also a replay.
    v.next_step();
    let previous = clinic_vault_core::totp::code_for_uri(&uri, v.now_secs - 30).expect("code");
    let older = v.try_unlock(ADMIN, ADMIN_PW, &previous).error();
    for err in [&wrong_pw, &wrong_code, &unknown, &replayed, &older] {
        assert_eq!(err["code"], "bad_credentials", "{err}");
        assert_eq!(err["message"], wrong_pw["message"], "same message: {err}");
        assert!(err.get("retry_after_secs").is_none());
    }
    // Each success resets alice's count (the unknown name has no counter at all), so
    // none of this reached the delay.
    v.next_step();
    v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).ok();
    assert_eq!(v.user_entry(ADMIN)["failed_attempts"], 0);
}

#[test]
fn five_failures_delay_attempts_and_refused_attempts_do_not_count() {
    let mut v = TestVault::new();
    let uri = v.admin_uri.clone();
    v.next_step();
    let t = v.now_secs;
    fail_unlocks(&mut v, ADMIN, &uri, 5, 0);
    // Refused without looking at the credentials, even the right ones.
    let refused = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
    assert_eq!(refused["code"], "locked_out");
    assert_eq!(refused["retry_after_secs"], 30);
    v.set_time(t + 10);
    let refused = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
    assert_eq!(refused["code"], "locked_out");
    assert_eq!(refused["retry_after_secs"], 20, "refusals do not extend it");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("20 s"),
        "{refused}"
    );
    // After the delay a failure counts again: the sixth doubles the delay.
    v.set_time(t + 30);
    let sixth = v.try_unlock(ADMIN, WRONG_PW, &v.code(&uri));
    assert_eq!(sixth.error_code(), "bad_credentials");
    let refused = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
    assert_eq!(refused["code"], "locked_out");
    assert_eq!(refused["retry_after_secs"], 60);
    // Once it has passed, the right credentials work.
    v.set_time(t + 90);
    let me = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).ok().json();
    assert_eq!(me["user"], ADMIN);

    // Every attempt made while locked reached the audit trail at that unlock.
    let events = v.audit_events(&[]);
    let unlocks = of_action(&events, "journal.attempt");
    let failures: Vec<_> = unlocks.iter().filter(|e| outcome(e) == "failure").collect();
    let denied: Vec<_> = unlocks.iter().filter(|e| outcome(e) == "denied").collect();
    assert_eq!(failures.len(), 6, "{unlocks:#?}");
    assert_eq!(denied.len(), 3, "{unlocks:#?}");
    for e in &failures {
        assert_eq!(e["event"]["actor"], ADMIN);
        assert_eq!(e["detail"]["result"], "bad_credentials");
        assert_eq!(e["detail"]["while"], "locked");
    }
    for e in &denied {
        assert_eq!(e["detail"]["result"], "locked_out");
    }
    // Failures keep their own time, not the time they were folded in.
    assert_eq!(failures[0]["event"]["time_us"], t * 1_000_000);
    let lockouts = of_action(&events, "journal.lockout");
    assert_eq!(lockouts.len(), 1, "{lockouts:#?}");
    assert_eq!(lockouts[0]["event"]["actor"], ADMIN);
    assert_eq!(lockouts[0]["detail"]["failures"], 5);
    assert_eq!(lockouts[0]["detail"]["until_cleared"], false);

    // The success reset the counter: one more failure does not delay anything.
    v.next_step();
    fail_unlocks(&mut v, ADMIN, &uri, 1, 0);
    v.admin(&["whoami"]).ok();
}

#[test]
fn twenty_failures_lock_the_account_until_an_admin_clears_it() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    v.next_step();
    fail_unlocks(&mut v, "bob", &bob_uri, 3, 0);
    // The counter survives from process to process (and through the admin's unlock).
    let bob = v.user_entry("bob");
    assert_eq!(bob["failed_attempts"], 3);
    assert_eq!(bob["locked_out"], false);
    v.next_step();
    fail_unlocks(&mut v, "bob", &bob_uri, 17, 3);

    // A day later the right credentials are still refused, with no retry time.
    v.set_time(v.now_secs + 86_400);
    let locked = v.try_unlock("bob", BOB_PW, &v.code(&bob_uri)).error();
    assert_eq!(locked["code"], "locked_out");
    assert!(locked.get("retry_after_secs").is_none(), "{locked}");
    assert!(
        locked["message"]
            .as_str()
            .expect("message")
            .contains("admin"),
        "{locked}"
    );
    let bob = v.user_entry("bob");
    assert_eq!(bob["failed_attempts"], 20);
    assert_eq!(bob["locked_out"], true);

    let cleared = v.admin(&["user", "unlock", "bob"]).ok().json();
    assert_eq!(cleared["cleared"], true);
    assert_eq!(v.user_entry("bob")["failed_attempts"], 0);
    let me = v
        .as_user("bob", BOB_PW, &bob_uri, &["whoami"], "")
        .ok()
        .json();
    assert_eq!(me["user"], "bob");

    let events = v.audit_events(&["--user", "bob"]);
    let lockouts = of_action(&events, "journal.lockout");
    let failures: Vec<u64> = lockouts
        .iter()
        .map(|e| e["detail"]["failures"].as_u64().expect("failures"))
        .collect();
    assert_eq!(failures, [5, 20]);
    assert_eq!(lockouts[1]["detail"]["until_cleared"], true);
    let unlock_failures = of_action(&events, "journal.attempt")
        .into_iter()
        .filter(|e| outcome(e) == "failure")
        .count();
    assert_eq!(unlock_failures, 20);
    let clears = v.audit_events(&["--action", "user.clear_lockout"]);
    assert_eq!(clears.len(), 1);
    assert_eq!(clears[0]["event"]["actor"], ADMIN);
    assert_eq!(clears[0]["event"]["resource_id"], "bob");
}

#[test]
fn the_recovery_key_clears_a_locked_out_admin() {
    let mut v = TestVault::new();
    let uri = v.admin_uri.clone();
    v.next_step();
    fail_unlocks(&mut v, ADMIN, &uri, 20, 0);
    v.set_time(v.now_secs + 3600);
    let locked = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
    assert_eq!(locked["code"], "locked_out");
    assert!(locked.get("retry_after_secs").is_none(), "{locked}");

    let key = v.recovery_key.clone();
    let recovered = v.recover(ADMIN, &key, NEW_ADMIN_PW).ok().json();
    assert_eq!(recovered["user"], ADMIN);
    let new_uri = recovered["totp_uri"]
        .as_str()
        .expect("totp_uri")
        .to_string();
    assert!(new_uri.starts_with("otpauth://totp/"), "{new_uri}");
    v.admin_uri = new_uri.clone();
    let me = v
        .as_user(ADMIN, NEW_ADMIN_PW, &new_uri, &["whoami"], "")
        .ok()
        .json();
    assert_eq!(me["user"], ADMIN);
    let entry = {
        let listed = v
            .as_user(ADMIN, NEW_ADMIN_PW, &new_uri, &["user", "list"], "")
            .ok()
            .json();
        listed["users"][0].clone()
    };
    assert_eq!(entry["name"], ADMIN);
    assert_eq!(entry["failed_attempts"], 0);
    assert_eq!(entry["locked_out"], false);

    let listed = v
        .as_user(ADMIN, NEW_ADMIN_PW, &new_uri, &["audit", "list"], "")
        .ok()
        .json();
    let events = listed["events"].as_array().expect("events").clone();
    let uses = of_action(&events, "recovery.use");
    assert_eq!(uses.len(), 1);
    assert_eq!(outcome(uses[0]), "success");
    assert_eq!(of_action(&events, "user.clear_lockout").len(), 1);
    let lockouts = of_action(&events, "journal.lockout");
    assert_eq!(lockouts.len(), 2, "{lockouts:#?}");
    assert_eq!(lockouts[1]["detail"]["failures"], 20);
}

#[test]
fn a_clock_behind_the_vault_is_clock_error_and_not_a_failure() {
    let mut v = TestVault::new();
    let uri = v.admin_uri.clone();
    v.admin(&["whoami"]).ok();
    let t = v.now_secs;
    // More than two steps (60 s) behind the latest time the vault has seen.
    v.set_time(t - 90);
    for _ in 0..6 {
        let err = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
        assert_eq!(err["code"], "clock_error", "{err}");
        let message = err["message"].as_str().expect("message");
        assert!(message.contains("clock"), "{message}");
        // It shows the PC's time, so the admin can see what is wrong.
        assert!(message.contains("2025-12-31 23:"), "{message}");
    }
    // Far behind, too: a PC whose clock was reset to the epoch.
    v.set_time(86_400);
    let err = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).error();
    assert_eq!(err["code"], "clock_error");
    let key = v.recovery_key.clone();
    assert_eq!(
        v.recover(ADMIN, &key, NEW_ADMIN_PW).error_code(),
        "clock_error"
    );
    // Eight refusals and no lockout: they were not counted.
    v.set_time(t + 30);
    let me = v.try_unlock(ADMIN, ADMIN_PW, &v.code(&uri)).ok().json();
    assert_eq!(me["user"], ADMIN);
    let events = v.audit_events(&["--action", "journal.attempt"]);
    let clock_errors = events
        .iter()
        .filter(|e| e["detail"]["result"] == "clock_error" && e["detail"]["attempt"] == "unlock")
        .count();
    assert_eq!(clock_errors, 7);
    // The recovery attempt changed nothing: the old password still works (above).
    assert_eq!(v.user_entry(ADMIN)["failed_attempts"], 0);
}

#[test]
fn wrong_recovery_keys_are_refused_and_only_well_formed_ones_count_toward_a_lockout() {
    let mut v = TestVault::new();
    let key = v.recovery_key.clone();
    let foreign = clinic_vault_core::crockford::new_recovery_key();
    assert_eq!(
        v.recover(ADMIN, &foreign, NEW_ADMIN_PW).error_code(),
        "bad_credentials"
    );
    // One character changed: the check group catches the typo.
    let mut chars: Vec<char> = key.chars().collect();
    chars[2] = if chars[2] == '7' { '8' } else { '7' };
    let typo: String = chars.into_iter().collect();
    let err = v.recover(ADMIN, &typo, NEW_ADMIN_PW).error();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().expect("message").contains("typo"),
        "{err}"
    );
    assert_eq!(
        v.recover(ADMIN, "hello", NEW_ADMIN_PW).error_code(),
        "invalid_input"
    );
    assert_eq!(
        v.recover(ADMIN, &"7".repeat(10_000), NEW_ADMIN_PW)
            .error_code(),
        "invalid_input"
    );
    // The typo and the malformed keys did not count: four more wrong keys make five.
    for _ in 0..4 {
        let foreign = clinic_vault_core::crockford::new_recovery_key();
        assert_eq!(
            v.recover(ADMIN, &foreign, NEW_ADMIN_PW).error_code(),
            "bad_credentials"
        );
    }
    // Five wrong keys: even the right one waits.
    let refused = v.recover(ADMIN, &key, NEW_ADMIN_PW).error();
    assert_eq!(refused["code"], "locked_out");
    assert_eq!(refused["retry_after_secs"], 30);
    // The admin's own account is not affected.
    v.admin(&["whoami"]).ok();

    v.set_time(v.now_secs + 30);
    let recovered = v.recover(ADMIN, &key, NEW_ADMIN_PW).ok().json();
    let uri = recovered["totp_uri"].as_str().expect("uri").to_string();
    v.admin_uri = uri.clone();
    let listed = v
        .as_user(
            ADMIN,
            NEW_ADMIN_PW,
            &uri,
            &["batch"],
            "audit list --action recovery.use\naudit list --action journal.attempt\n",
        )
        .ok()
        .json_lines();
    let outcomes = |line: &serde_json::Value| -> Vec<String> {
        line["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| outcome(e).to_string())
            .collect()
    };
    assert_eq!(outcomes(&listed[0]), ["success"]);
    // The attempts made while locked, as the journal reports them: the five wrong
    // keys, the refused one, and the three malformed ones (noted, never counted).
    let reported = outcomes(&listed[1]);
    assert_eq!(
        reported.iter().filter(|o| *o == "failure").count(),
        8,
        "{reported:?}"
    );
    assert_eq!(
        reported.iter().filter(|o| *o == "denied").count(),
        1,
        "{reported:?}"
    );
}

#[test]
fn a_clinician_is_forbidden_admin_commands_and_each_denial_is_audited() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let dora_uri = v.add_user("dora", "receptionist", "saffron glacier tuba meadow 77");
    let denied: &[&[&str]] = &[
        &["user", "add", "eve", "--role", "admin"],
        &["user", "list"],
        &["audit", "list"],
        &["audit", "head"],
        &["recovery-key", "rotate"],
        &["vault", "rekey"],
        &["verify"],
    ];
    for args in denied {
        let out = v.as_user("bob", BOB_PW, &bob_uri, args, "");
        assert_eq!(out.error_code(), "forbidden", "{args:?}");
        assert!(out.stderr.contains("clinician"), "{}", out.stderr);
    }
    let out = v.as_user(
        "dora",
        "saffron glacier tuba meadow 77",
        &dora_uri,
        &["user", "disable", "bob"],
        "",
    );
    assert_eq!(out.error_code(), "forbidden");
    // Nothing was done on their behalf.
    let users = v.admin(&["user", "list"]).ok().json();
    assert_eq!(users["users"].as_array().expect("users").len(), 3);
    assert_eq!(v.user_entry("bob")["enabled"], true);

    let events = v.audit_events(&["--user", "bob"]);
    let bob_denied: Vec<(String, String)> = events
        .iter()
        .filter(|e| outcome(e) == "denied")
        .map(|e| {
            (
                e["event"]["action"].as_str().expect("action").to_string(),
                e["event"]["role"].as_str().expect("role").to_string(),
            )
        })
        .collect();
    let actions: Vec<&str> = bob_denied.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.list",
            "audit.list",
            "audit.head",
            "recovery_key.rotate",
            "vault.rekey_begin",
            "vault.verify"
        ]
    );
    assert!(bob_denied.iter().all(|(_, role)| role == "clinician"));
    let add = events
        .iter()
        .find(|e| e["event"]["action"] == "user.add")
        .expect("user.add");
    assert_eq!(add["event"]["resource_id"], "eve");
    let dora = v.audit_events(&["--user", "dora", "--action", "user.disable"]);
    assert_eq!(dora.len(), 1);
    assert_eq!(outcome(&dora[0]), "denied");
    assert_eq!(dora[0]["event"]["resource_id"], "bob");
}
