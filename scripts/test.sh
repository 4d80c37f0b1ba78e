#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: the UI's type check and unit
# tests, formatting, clippy with warnings denied, docs with warnings denied, all Rust
# tests (core, CLI, the sync server on SQLite and a private PostgreSQL, the app's commands
# on Tauri's mock runtime), schemathesis against the server, a short fuzz run of the scan
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
log=$(mktemp); trap 'rm -f "$log"' EXIT

echo "== UI: build, type check, unit tests"
build_ui
(cd ui && npm run --silent check)
(cd ui && NO_COLOR=1 npx vitest run 2>&1) | tee -a "$log"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

echo "== cargo test"
# Core's PDF tests run the renderer from target/debug (they never build it themselves).
cargo build -p clinic-vault-render --locked
# With the CLI's `dev` feature, so that `dev seed` is tested too (release builds lack it:
# check-release-hooks.sh).
cargo test --workspace --locked --features clinic-vault-cli/dev 2>&1 | tee -a "$log"

echo "== sync server: schemathesis against /openapi.json (authenticated)"
bash scripts/server-schemathesis.sh 2>&1 | tail -12

echo "== scan importer: a short fuzz run (when the nightly toolchain is present)"
CARGO_TARGET_DIR="$HOME/.cache/clinic-vault/fuzz-target" bash scripts/fuzz.sh 30 2>&1 | tail -4

echo "== end-to-end: the real app in WebKit under Xvfb"
bash scripts/e2e.sh 2>&1 | tee -a "$log"

echo "== release build and .deb bundle"
stage_renderer
tauri_cli build --bundles deb --ci 2>&1 | grep -E 'Finished|Bundling|deb' || true
bash scripts/check-release-hooks.sh 2>&1 | tee -a "$log"

echo "== all checks passed in $(( $(date +%s) - start )) s"
# One closing line for the whole run: Vitest, every cargo test binary, the end-to-end
# suite and the release checks.
awk '/^ *Tests +[0-9]/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^test result:/ { p += $4; f += $6 }
     /^e2e:/ { p += $2; f += $4 }
     /^release-hooks:/ { p += $2; f += $4 }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$log"
