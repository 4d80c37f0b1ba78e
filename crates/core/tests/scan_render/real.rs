//! Where the real renderer is for the tests: `CLINICVAULT_RENDERER` when set
//! (scripts/test.sh builds it once, in release, and points there), else
//! `target/<profile>/clinic-vault-render` beside this test binary's `deps/`, else the
//! release build.

use std::path::PathBuf;

/// The real `clinic-vault-render`; panics with what to build when there is none.
pub fn renderer_path() -> PathBuf {
    if let Some(set) = std::env::var_os("CLINICVAULT_RENDERER") {
        let path = PathBuf::from(set);
        assert!(
            path.is_file(),
            "CLINICVAULT_RENDERER={} is not a file",
            path.display()
        );
        return path;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe
        .parent()
        .and_then(|deps| deps.parent())
        .and_then(|profile| Some((profile.to_path_buf(), profile.parent()?.to_path_buf())))
        .expect("target/<profile>/deps/");
    let (beside, release) = (
        target.0.join("clinic-vault-render"),
        target.1.join("release").join("clinic-vault-render"),
    );
    for path in [beside, release] {
        if path.is_file() {
            return path;
        }
    }
    panic!("no clinic-vault-render: run `cargo build --release -p clinic-vault-render` first");
}
