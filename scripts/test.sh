#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: the UI's type check and unit
# tests, formatting, clippy with warnings denied, docs with warnings denied, all Rust
# tests (core, CLI, the sync server on SQLite and a private PostgreSQL, the app's commands
# on Tauri's mock runtime), schemathesis against the server, the server's admin page in
# Debian's Chromium, a short fuzz run of the scan
# importer when nightly Rust is there, the end-to-end tests of
# the real app in a WebKit window under Xvfb, the release build with its .deb, and the
# check that release builds carry no test hooks.
source "$(dirname "$0")/lib.sh"
install_debian_packages "${E2E_DEB_PACKAGES[@]}" "${TEST_DEB_PACKAGES[@]}"
setup
require_python_cryptography
require_postgres
require_tauri_driver
start=$(date +%s)
STAGES_T0=$start
log=$(mktemp); trap 'rm -f "$log"' EXIT

stage "UI: build, type check, unit tests"
build_ui
(cd ui && npm run --silent check)
(cd ui && NO_COLOR=1 npx vitest run 2>&1) | tee -a "$log"

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

stage "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

stage "cargo test"
# The PDF renderer, in release only (build_renderer): its own tests run on that build,
# and every other test finds it through CLINICVAULT_RENDERER. Building hayro in one
# profile instead of two saves minutes of a cold run.
build_renderer
cargo test --release -p clinic-vault-render --locked 2>&1 | tee -a "$log"
# With the CLI's `dev` feature, so that `dev seed` is tested too (release builds lack it:
# check-release-hooks.sh).
cargo test --workspace --exclude clinic-vault-render --locked --features clinic-vault-cli/dev 2>&1 | tee -a "$log"

stage "sync server: schemathesis against /openapi.json (authenticated)"
bash scripts/server-schemathesis.sh 2>&1 | tail -12

stage "sync server: the admin review page in Chromium"
bash scripts/server-browser.sh 2>&1 | tee -a "$log"

stage "scan importer: a short fuzz run (when the nightly toolchain is present)"
FUZZ_QUICK_BUILD=1 CARGO_TARGET_DIR="$HOME/.cache/clinic-vault/fuzz-target" bash scripts/fuzz.sh 30 2>&1 | tail -4

stage "end-to-end: the real app in WebKit under Xvfb"
bash scripts/e2e.sh 2>&1 | tee -a "$log"

stage "release build and .deb bundle"
stage_renderer
tauri_cli build --bundles deb --ci 2>&1 | grep -E 'Finished|Bundling|deb' || true
bash scripts/check-release-hooks.sh 2>&1 | tee -a "$log"

stage "all checks passed in $(( $(date +%s) - start )) s"
# One closing line for the whole run: Vitest, every cargo test binary, the end-to-end
# suite and the release checks.
awk '/^ *Tests +[0-9]/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^test result:/ { p += $4; f += $6 }
     /^e2e:/ { p += $2; f += $4 }
     /^browser:/ { p += $2; f += $4 }
     /^release-hooks:/ { p += $2; f += $4 }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$log"
