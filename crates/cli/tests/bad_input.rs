//! Bad input at the process boundary: absurd and non-UTF-8 passwords, malformed codes,
//! missing flags, missing, foreign or half-created vault directories, and `batch`
//! lines that are not commands. Each gets a clear code, one stderr line, and changes
//! nothing but the failure counter and journal.

use crate::common::*;

const NEW_ADMIN_PW: &str = "velvet tractor pinecone harbor 19";

#[test]
fn huge_and_non_utf8_passwords_at_unlock_are_counted_failures() {
    let mut v = TestVault::new();
    let bob_uri = v.add_user("bob", "clinician", BOB_PW);
    let before = snapshot(&v.dir);
    v.next_step();
    let code = v.code(&bob_uri);
    let huge = "x".repeat(10_000);
    let out = v.try_unlock("bob", &huge, &code);
    assert_eq!(out.error_code(), "bad_credentials");
    assert!(
        !out.stderr.contains(&huge[..100]) && out.stderr.len() < 200,
        "the input is not echoed"
    );
    let out = v.run_as("bob", &code, true, &["whoami"], &[0xff, 0xfe, b'\n']);
    assert_eq!(out.error_code(), "bad_credentials");
    // Over the policy's 256 characters but short enough to be checked: just wrong.
    assert_eq!(
        v.try_unlock("bob", &"y".repeat(300), &code).error_code(),
        "bad_credentials"
    );
    // No password at all on stdin.
    assert_eq!(
        v.run_as("bob", &code, true, &["whoami"], b"").error_code(),
        "invalid_input"
    );
    // Nothing but the journal changed.
    assert_eq!(snapshot(&v.dir), before);

    let bob = v.user_entry("bob");
    assert_eq!(bob["failed_attempts"], 3);
    let failures = v
        .audit_events(&["--user", "bob", "--action", "journal.attempt"])
        .into_iter()
        .filter(|e| e["event"]["outcome"] == "failure")
        .count();
    assert_eq!(failures, 3);
    // Bob is not locked out and still gets in.
    v.as_user("bob", BOB_PW, &bob_uri, &["whoami"], "").ok();

    // The same at first login, for the one-time password.
    let otp = v.add_user_otp("carol", "receptionist");
    let dir = v.dir_str().to_string();
    let out = v.run_bytes(
        &["--vault", &dir, "--user", "carol", "first-login", "--json"],
        b"\xff\xfe\ngood enough new passphrase 3\n",
        &[],
    );
    assert_eq!(out.error_code(), "bad_credentials");
    assert_eq!(
        v.first_login("carol", &huge, "good enough new passphrase 3")
            .error_code(),
        "bad_credentials"
    );
    // A non-UTF-8 or huge new password is refused as input; the one-time password
    // stays valid.
    let out = v.run_bytes(
        &["--vault", &dir, "--user", "carol", "first-login", "--json"],
        format!("{otp}\n\u{0}\u{1}\n").as_bytes(),
        &[],
    );
    assert_eq!(out.error_code(), "invalid_input");
    let mut stdin = format!("{otp}\n").into_bytes();
    stdin.extend_from_slice(&[0xc3, 0x28, b'\n']);
    let out = v.run_bytes(
        &["--vault", &dir, "--user", "carol", "first-login", "--json"],
        &stdin,
        &[],
    );
    assert_eq!(out.error_code(), "invalid_input");
    assert_eq!(
        v.first_login("carol", &otp, &huge).error_code(),
        "invalid_input"
    );
    v.first_login("carol", &otp, "good enough new passphrase 3")
        .ok();
}

#[test]
fn bad_passwords_and_names_at_init_create_no_vault() {
    let v = TestVault::uninit();
    let dir = v.dir_str().to_string();
    let init = |stdin: &[u8], admin: &str| {
        v.run_bytes(
            &["init", "--vault", &dir, "--admin", admin, "--json"],
            stdin,
            &[],
        )
    };
    let huge = format!("{}\n", "correct horse ".repeat(720));
    assert!(huge.len() > 10_000);
    let cases: Vec<(&[u8], &str)> = vec![
        (huge.as_bytes(), ADMIN),
        (&[0xff, 0xfe, b'\n'], ADMIN),
        (b"", ADMIN),
        (b"\n", ADMIN),
        (b"password1234\n", ADMIN),
        (b"alice the admin of orbit 77\n", ADMIN),
        (b"correct horse battery staple orbit\n", ""),
        (b"correct horse battery staple orbit\n", " alice"),
        (b"correct horse battery staple orbit\n", "-"),
        (b"correct horse battery staple orbit\n", "al\u{7}ice"),
    ];
    for (stdin, admin) in cases {
        let out = init(stdin, admin);
        assert_eq!(
            out.error_code(),
            "invalid_input",
            "{admin:?} {:?}",
            String::from_utf8_lossy(&stdin[..stdin.len().min(40)])
        );
        assert!(!v.dir.exists(), "no vault directory after {out:?}");
    }
    let created = init(b"correct horse battery staple orbit\n", ADMIN)
        .ok()
        .json();
    assert_eq!(created["user"], ADMIN);
    assert!(v.dir.join("keyslots").is_file());
}

#[test]
fn codes_of_the_wrong_shape_are_invalid_input_and_not_counted() {
    let mut v = TestVault::new();
    let before = snapshot(&v.dir);
    v.next_step();
    for code in [
        "12345",
        "1234567",
        "abcdef",
        "",
        "12 456",
        "１２３４５６",
        "123456789012345678901",
    ] {
        let err = v.try_unlock(ADMIN, ADMIN_PW, code).error();
        assert_eq!(err["code"], "invalid_input", "{code:?}: {err}");
        assert!(
            err["message"]
                .as_str()
                .expect("message")
                .contains("6 digits"),
            "{err}"
        );
    }
    // Refused before anything was looked up: not even a journal line.
    assert!(!v.dir.join("prelock.journal").exists());
    assert_eq!(snapshot(&v.dir), before);
    v.try_unlock(ADMIN, ADMIN_PW, &v.code(&v.admin_uri)).ok();
    assert_eq!(v.user_entry(ADMIN)["failed_attempts"], 0);
}

#[test]
fn missing_flags_and_unknown_commands_are_invalid_input() {
    let mut v = TestVault::new();
    v.next_step();
    let code = v.code(&v.admin_uri);
    let dir = v.dir_str().to_string();
    let before = snapshot(&v.dir);
    let pw = format!("{ADMIN_PW}\n");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--user", ADMIN, "--totp", &code, "--json", "whoami"],
        vec!["--vault", &dir, "--totp", &code, "--json", "whoami"],
        vec!["--vault", &dir, "--user", ADMIN, "--json", "whoami"],
        vec!["--vault", &dir, "--user", ADMIN, "--json", "batch"],
        vec!["--vault", &dir, "--user", ADMIN, "--json", "passwd"],
        vec!["--vault", &dir, "--json", "first-login"],
        vec!["--user", "bob", "--json", "first-login"],
        vec!["--vault", &dir, "--json", "recover"],
        vec!["--json", "recover", "--user", ADMIN],
        vec!["--json", "init", "--admin", ADMIN],
        vec!["--json", "init", "--vault", &dir],
        vec!["--json"],
        vec![
            "--vault",
            &dir,
            "--user",
            ADMIN,
            "--totp",
            &code,
            "--json",
            "frobnicate",
        ],
        vec![
            "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "user", "add", "bob",
        ],
        vec![
            "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "user", "add", "--role",
            "admin",
        ],
        vec![
            "--vault", &dir, "--user", ADMIN, "--totp", &code, "--json", "whoami", "--user", "bob",
        ],
        vec![
            "--vault",
            &dir,
            "--user",
            ADMIN,
            "--totp",
            &code,
            "--json",
            "--no-such-flag",
            "whoami",
        ],
    ];
    for args in &cases {
        let out = v.run(args, &pw);
        assert_eq!(out.error_code(), "invalid_input", "{args:?}");
        assert!(!out.stderr.contains("panicked"));
    }
    // Nothing happened to the vault.
    assert_eq!(snapshot(&v.dir), before);
    assert!(!v.dir.join("prelock.journal").exists());
    v.try_unlock(ADMIN, ADMIN_PW, &code).ok();
}

#[test]
fn a_vault_that_is_not_there_is_vault_not_found() {
    let v = TestVault::uninit();
    let missing = v.dir_str().to_string();
    let empty = v.tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let empty = empty.to_str().expect("utf-8").to_string();
    let file = v.tmp.path().join("a-file");
    std::fs::write(&file, b"not a vault").expect("write");
    let file = file.to_str().expect("utf-8").to_string();
    for dir in [&missing, &empty, &file] {
        let out = v.run(
            &[
                "--vault", dir, "--user", ADMIN, "--totp", "123456", "--json", "whoami",
            ],
            &format!("{ADMIN_PW}\n"),
        );
        let err = out.error();
        assert_eq!(err["code"], "vault_not_found", "{dir}");
        assert!(
            err["message"]
                .as_str()
                .expect("message")
                .contains(dir.as_str()),
            "{err}"
        );
        let out = v.run(
            &["--vault", dir, "--user", "bob", "first-login", "--json"],
            "AAAAA-AAAAA-AAAAA-AAAAA\ngood enough new passphrase 3\n",
        );
        assert_eq!(out.error_code(), "vault_not_found");
        let out = v.run(
            &["--vault", dir, "recover", "--user", ADMIN, "--json"],
            "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\ngood enough new passphrase 3\n",
        );
        assert_eq!(out.error_code(), "vault_not_found");
    }
    // Nothing was created while looking.
    assert!(!v.dir.exists());
    assert_eq!(std::fs::read_dir(&empty).expect("read").count(), 0);
}

#[test]
fn init_refuses_a_foreign_directory_and_an_existing_vault() {
    let v = TestVault::uninit();
    let dir = v.dir_str().to_string();
    std::fs::create_dir(&v.dir).expect("mkdir");
    std::fs::write(v.dir.join("notes.txt"), b"patient list, do not delete").expect("write");
    let pw = format!("{ADMIN_PW}\n");
    let out = v.run(&["init", "--vault", &dir, "--admin", ADMIN, "--json"], &pw);
    let err = out.error();
    assert_eq!(err["code"], "conflict");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("notes.txt"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(v.dir.join("notes.txt")).expect("still there"),
        b"patient list, do not delete"
    );
    assert_eq!(std::fs::read_dir(&v.dir).expect("read").count(), 1);

    // A file where the directory should be.
    let file = v.tmp.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let out = v.run(
        &[
            "init",
            "--vault",
            file.to_str().expect("utf-8"),
            "--admin",
            ADMIN,
            "--json",
        ],
        &pw,
    );
    assert_eq!(out.error_code(), "conflict");

    // Init over an existing vault: conflict, and the vault is untouched.
    let mut v = TestVault::new();
    let dir = v.dir_str().to_string();
    let before = snapshot(&v.dir);
    let out = v.run(
        &["init", "--vault", &dir, "--admin", "mallory", "--json"],
        &format!("{NEW_ADMIN_PW}\n"),
    );
    let err = out.error();
    assert_eq!(err["code"], "conflict");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("already"),
        "{err}"
    );
    assert_eq!(snapshot(&v.dir), before);
    v.admin(&["whoami"]).ok();
}

#[test]
fn a_half_created_vault_is_reported_and_init_finishes_the_job() {
    let mut v = TestVault::uninit();
    let dir = v.dir_str().to_string();
    let log = v.tmp.path().join("crash.log");
    let log_str = log.to_str().expect("utf-8").to_string();
    // Killed right after the database committed, before `keyslots` was written.
    let crashed = v.run_bytes(
        &["init", "--vault", &dir, "--admin", ADMIN, "--json"],
        format!("{ADMIN_PW}\n").as_bytes(),
        &[
            ("CLINICVAULT_TEST_CRASH_AT", "4"),
            ("CLINICVAULT_TEST_CRASH_LOG", &log_str),
        ],
    );
    assert_ne!(crashed.status, 0);
    assert_eq!(
        std::fs::read_to_string(&log).expect("crash log"),
        "init.db_committed"
    );
    assert!(v.dir.join("vault.db").is_file());
    assert!(!v.dir.join("keyslots").exists());

    let err = v.try_unlock(ADMIN, ADMIN_PW, "123456").error();
    assert_eq!(err["code"], "corrupt");
    let message = err["message"].as_str().expect("message");
    assert!(message.contains("half-created"), "{message}");
    assert!(message.contains("init"), "{message}");
    assert_eq!(
        v.first_login(ADMIN, "AAAAA-AAAAA-AAAAA-AAAAA", NEW_ADMIN_PW)
            .error_code(),
        "corrupt"
    );
    assert_eq!(
        v.recover(
            ADMIN,
            &clinic_vault_core::crockford::new_recovery_key(),
            NEW_ADMIN_PW
        )
        .error_code(),
        "corrupt"
    );

    // Running init again cleans up and creates the vault.
    let created = v
        .run(
            &["init", "--vault", &dir, "--admin", ADMIN, "--json"],
            &format!("{ADMIN_PW}\n"),
        )
        .ok()
        .json();
    v.admin_uri = created["totp_uri"].as_str().expect("uri").to_string();
    v.recovery_key = created["recovery_key"].as_str().expect("key").to_string();
    let me = v.admin(&["whoami"]).ok().json();
    assert_eq!(me["vault_id"], created["vault_id"]);
    assert_eq!(v.admin(&["verify"]).ok().json()["ok"], true);
    // The chain starts afresh: nothing of the abandoned attempt is in it.
    let events = v.audit_events(&[]);
    assert_eq!(events[0]["event"]["action"], "vault.create");
    assert_eq!(
        events
            .iter()
            .filter(|e| e["event"]["action"] == "vault.create")
            .count(),
        1
    );
}

#[test]
fn batch_takes_quoted_arguments_and_prints_one_json_object_per_command() {
    let mut v = TestVault::new();
    let out = v
        .admin_batch(&[
            "whoami",
            "user add \"Zoë Ann\" --role receptionist",
            "",
            "   ",
            "user add 'Ann Lee' --role clinician",
            "user add Ann\\ Marie --role clinician",
            "user list",
            "audit head",
        ])
        .ok();
    let lines = out.json_lines();
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    for line in &lines {
        assert!(line.is_object(), "{line}");
    }
    assert_eq!(lines[0]["user"], ADMIN);
    assert_eq!(lines[1]["user"], "Zoë Ann");
    assert_eq!(lines[1]["role"], "receptionist");
    assert_eq!(lines[2]["user"], "Ann Lee");
    assert_eq!(lines[3]["user"], "Ann Marie");
    let names: Vec<&str> = lines[4]["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Ann Lee", "Ann Marie", "Zoë Ann", ADMIN]);
    assert!(lines[5]["head"].is_string());

    // The name with a space and a diaeresis works everywhere.
    let otp = lines[1]["one_time_password"].as_str().expect("otp");
    let uri = v
        .first_login("Zoë Ann", otp, "good enough new passphrase 3")
        .ok()
        .json()["totp_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    assert!(uri.contains("Zo%C3%AB%20Ann"), "{uri}");
    let me = v
        .as_user(
            "Zoë Ann",
            "good enough new passphrase 3",
            &uri,
            &["whoami"],
            "",
        )
        .ok()
        .json();
    assert_eq!(me["user"], "Zoë Ann");

    // Without --json, one text result per command.
    v.next_step();
    let code = v.code(&v.admin_uri);
    let text = v
        .run_as(
            ADMIN,
            &code,
            false,
            &["batch"],
            format!("{ADMIN_PW}\nwhoami\naudit head\n").as_bytes(),
        )
        .ok();
    let text_lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(text_lines.len(), 2, "{}", text.stdout);
    assert!(
        text_lines[0].starts_with("alice (admin)"),
        "{}",
        text.stdout
    );
    assert!(text_lines[1].contains(':'), "{}", text.stdout);
}

#[test]
fn batch_stops_at_the_first_bad_line() {
    let mut v = TestVault::new();
    let bad_lines: &[&str] = &[
        "frobnicate --now",
        "passwd",
        "batch",
        "init --vault /tmp/elsewhere --admin eve",
        "first-login",
        "recover --user alice",
        "user add \"unbalanced --role clinician",
        "user add bob --role",
        "--json whoami",
    ];
    for bad in bad_lines {
        let out = v.admin_batch(&[
            "whoami",
            bad,
            "user add carol --role clinician",
            "velvet tractor pinecone harbor 19",
        ]);
        assert_eq!(out.last_error_code(), "invalid_input", "{bad}");
        let lines = out.json_lines();
        assert_eq!(lines.len(), 2, "{bad}: {}", out.stdout);
        assert_eq!(lines[0]["user"], ADMIN, "the line before ran");
    }
    // None of the lines after a bad one ran: no carol, and `passwd` changed nothing.
    let users = v.admin(&["user", "list"]).ok().json();
    assert_eq!(users["users"].as_array().expect("users").len(), 1);
    assert!(!std::path::Path::new("/tmp/elsewhere/keyslots").exists());

    // A command that fails stops the batch the same way, with its own code.
    let out = v.admin_batch(&[
        "user add bob --role clinician",
        "user add bob --role clinician",
        "user add carol --role clinician",
    ]);
    assert_eq!(out.last_error_code(), "conflict");
    assert_eq!(out.json_lines().len(), 2);
    let users = v.admin(&["user", "list"]).ok().json();
    assert_eq!(users["users"].as_array().expect("users").len(), 2);

    // A line that is not UTF-8.
    v.next_step();
    let code = v.code(&v.admin_uri);
    let mut stdin = format!("{ADMIN_PW}\nwhoami\n").into_bytes();
    stdin.extend_from_slice(
        b"user add \xff\xfe --role clinician\nuser add carol --role clinician\n",
    );
    let out = v.run_as(ADMIN, &code, true, &["batch"], &stdin);
    assert_eq!(out.last_error_code(), "invalid_input");
    assert_eq!(out.json_lines().len(), 2);
    let users = v.admin(&["user", "list"]).ok().json();
    assert_eq!(users["users"].as_array().expect("users").len(), 2);
}
