#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: formatting, clippy with
# warnings denied, docs with warnings denied, all tests, and the check that release
# builds carry no test hooks.
source "$(dirname "$0")/lib.sh"
setup
start=$(date +%s)

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

echo "== cargo test"
log=$(mktemp); trap 'rm -f "$log"' EXIT
# With the CLI's `dev` feature, so that `dev seed` is tested too (release builds lack it:
# check-release-hooks.sh).
cargo test --workspace --locked --features clinic-vault-cli/dev 2>&1 | tee "$log"

echo "== release build carries no test hooks"
bash scripts/check-release-hooks.sh 2>&1 | tee -a "$log"

echo "== all checks passed in $(( $(date +%s) - start )) s"
# One closing line for the whole run: every cargo test binary plus the hook check.
awk '/^test result:/ { p += $4; f += $6 }
     /^release-hooks:/ { p += $2; f += $4 }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$log"
