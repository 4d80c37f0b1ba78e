//! Architecture invariants checked on the manifests: the server never depends on core;
//! everything hashed, signed or sent comes from proto; the workspace builds no aws-lc.

fn manifest() -> String {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR");
    std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml")
}

#[test]
fn the_server_never_depends_on_core() {
    let manifest = manifest();
    assert!(
        !manifest.contains("clinic-vault-core"),
        "crates/server depends on clinic-vault-core"
    );
    assert!(
        manifest.contains("clinic-vault-proto"),
        "the server uses proto"
    );
    for shell in ["tauri", "clinic-vault-cli"] {
        assert!(
            !manifest.contains(shell),
            "crates/server depends on {shell}"
        );
    }
}

#[test]
fn the_workspace_builds_no_aws_lc() {
    // aws-lc-sys's C/cmake build cost minutes of every cold CI run; the S3 client uses
    // ring (object_store `aws-base` + `ring`, reqwest `rustls-no-provider`).
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR");
    let lock = std::fs::read_to_string(dir.join("../../Cargo.lock")).expect("Cargo.lock");
    for name in ["aws-lc-sys", "aws-lc-rs", "cmake"] {
        assert!(
            !lock.contains(&format!("name = \"{name}\"")),
            "Cargo.lock builds {name}"
        );
    }
}
