//! The README's CLI tour, end to end.

use crate::common::*;

#[test]
fn init_unlock_add_user_first_login_and_audit() {
    let mut v = TestVault::new();
    let me = v.admin(&["whoami"]).ok().json();
    assert_eq!(me["user"], ADMIN);
    assert_eq!(me["role"], "admin");
    let bob_uri = v.add_user("bob", "clinician", "plum orbit violet candle 42");
    let bob = v
        .as_user(
            "bob",
            "plum orbit violet candle 42",
            &bob_uri,
            &["whoami"],
            "",
        )
        .ok()
        .json();
    assert_eq!(bob["role"], "clinician");
    let verified = v.admin(&["audit", "verify"]).ok().json();
    assert_eq!(verified["ok"], true);
    let head = v.admin(&["audit", "head"]).ok().json();
    assert!(head["seq"].as_u64().expect("seq") >= 8);
}
