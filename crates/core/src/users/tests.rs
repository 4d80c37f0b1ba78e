//! The admin's account chores: a password reset and a role change, each alert-level,
//! each taking effect at once (the old password opens nothing; the user's running
//! session answers to the new role from its next call; a PIN of theirs is wiped).

use crate::audit::AuditFilter;
use crate::quick::{ArmOutcome, Pin, QuickError, Unavailable};
use crate::vault::tests::Fixture;
use crate::{first_login, quick_unlock, Error, Password, Role};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const BOB_PW: &str = "plum orbit violet candle 42";

fn alert_event(
    admin: &mut crate::Session,
    action: &str,
) -> std::result::Result<crate::ListedEvent, Box<dyn std::error::Error>> {
    let events = admin.audit_list(&AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    })?;
    Ok(events.into_iter().last().ok_or("no event")?)
}

#[test]
fn a_reset_password_replaces_the_slot_and_the_first_login_sets_a_new_one() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", Role::Clinician, BOB_PW);
    let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    bob.set_pin(Pin::parse(b"902114")?)?;
    assert_eq!(bob.lock_and_arm("idle")?, ArmOutcome::Armed);

    let mut admin = f.admin();
    let reset = admin.reset_password("bob")?;
    assert_eq!(reset.user, "bob");
    assert_eq!(reset.role, Role::Clinician);
    let event = alert_event(&mut admin, "user.reset_password")?;
    assert_eq!(event.event.outcome, "success");
    assert_eq!(event.event.resource_id.as_deref(), Some("bob"));
    assert_eq!(event.event.changed_fields, ["password", "totp"]);
    assert_eq!(
        clinic_vault_proto::Action::UserResetPassword.level(),
        clinic_vault_proto::AlertLevel::Alert
    );
    // Their own password cannot be reset this way.
    let err = admin.reset_password("alice").err().ok_or("accepted")?;
    assert_eq!(err.code(), "conflict");
    admin.lock()?;

    // The old password opens nothing, the PIN is gone, the one-time password must be
    // replaced at the first login.
    let err = f
        .unlock_as("bob", BOB_PW, &bob_uri)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "bad_credentials");
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert!(matches!(
        err,
        Error::Quick(QuickError::Unavailable(Unavailable::NotArmed))
    ));
    let otp = Password::from_str_copy(reset.one_time_password.expose_secret());
    let err = f.unlock_as("bob", reset.one_time_password.expose_secret(), &bob_uri);
    assert_eq!(err.err().map(|e| e.code()), Some("invalid_input"));
    let new_pw = "quiet harbour lantern maple 91";
    let uri = first_login(
        &f.root,
        "bob",
        &otp,
        &Password::from_str_copy(new_pw),
        &f.cfg,
    )?
    .totp_uri
    .expose_secret()
    .to_string();
    let mut bob = f.unlock_as("bob", new_pw, &uri)?;
    assert_eq!(bob.whoami()?.role, Role::Clinician);
    Ok(())
}

#[test]
fn a_role_change_takes_effect_in_the_running_session_at_its_next_call() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", Role::Admin, BOB_PW);
    let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    assert!(bob.list_users().is_ok());
    let mut admin = f.admin();
    assert_eq!(admin.change_role("bob", Role::Receptionist)?, Role::Admin);
    // Bob's session, opened as an admin, is refused what a receptionist may not do.
    let err = bob.list_users().err().ok_or("accepted")?;
    assert_eq!(err.code(), "forbidden");
    assert_eq!(bob.role(), Role::Receptionist);
    drop(bob);
    let event = alert_event(&mut admin, "user.role_change")?;
    assert_eq!(event.event.changed_fields, ["role"]);
    let detail = event.detail.ok_or("no detail")?;
    assert_eq!(detail["from"], "admin");
    assert_eq!(detail["to"], "receptionist");
    assert_eq!(
        clinic_vault_proto::Action::UserRoleChange.level(),
        clinic_vault_proto::AlertLevel::Alert
    );
    for (name, role) in [
        ("bob", Role::Receptionist),
        ("alice", Role::Clinician),
        ("nobody", Role::Clinician),
    ] {
        let err = admin.change_role(name, role).err().ok_or("accepted")?;
        assert_eq!(
            err.code(),
            if name == "nobody" {
                "not_found"
            } else {
                "conflict"
            }
        );
    }
    admin.lock()?;
    // Only an admin changes roles.
    let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
    let err = bob
        .change_role("alice", Role::Clinician)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "forbidden");
    Ok(())
}

#[test]
fn a_role_change_wipes_the_pin_here_and_is_noticed_when_done_elsewhere() -> TestResult {
    let f = Fixture::new();
    let bob_uri = f.add_user("bob", Role::Clinician, BOB_PW);
    let arm = || -> TestResult {
        let mut bob = f.unlock_as("bob", BOB_PW, &bob_uri)?;
        bob.set_pin(Pin::parse(b"902114")?)?;
        assert_eq!(bob.lock_and_arm("idle")?, ArmOutcome::Armed);
        Ok(())
    };
    arm()?;
    let mut admin = f.admin();
    admin.change_role("bob", Role::Receptionist)?;
    admin.lock()?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert!(matches!(
        err,
        Error::Quick(QuickError::Unavailable(Unavailable::NotArmed))
    ));

    arm()?;
    let mut other = f.cfg.clone();
    other.quick = std::sync::Arc::new(crate::quick::Registry::default());
    f.clock.advance_us(30_000_000);
    let code = f.code(&f.admin_uri);
    let mut admin = crate::unlock(
        &f.root,
        "alice",
        &Password::from_str_copy(crate::vault::tests::PW),
        &code,
        &other,
    )?;
    admin.change_role("bob", Role::Clinician)?;
    admin.lock()?;
    let err = quick_unlock(&f.root, "bob", b"902114", &f.cfg)
        .err()
        .ok_or("accepted")?;
    assert!(matches!(
        err,
        Error::Quick(QuickError::Unavailable(Unavailable::AccountChanged))
    ));
    Ok(())
}
