#!/usr/bin/env bash
# Runs the scan importer's fuzz target for a short time when nightly Rust is there.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
# Skips, with one line saying why, when the nightly toolchain or cargo-fuzz is missing.
# Crashes land in crates/core/fuzz/artifacts/import/: copy each into
# crates/core/tests/scan_corpus/crashes/ so `cargo test` replays it on stable for ever.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: SKIPPED (no nightly toolchain; rustup toolchain install nightly)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  if ! cargo install cargo-fuzz --locked; then
    echo "fuzz: SKIPPED (cargo-fuzz is not installed and could not be installed)"
    exit 0
  fi
fi
cd "$root/crates/core/fuzz"
# Fuzz a copy of the committed corpus, so the inputs it adds do not land in the checkout.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp corpus/import/* "$work/"
# FUZZ_QUICK_BUILD=1 (CI's short smoke run): the fuzz workspace's dev profile (opt-level 1)
# without AddressSanitizer, a quicker cold build than the optimised ASan build that
# longer runs keep using. cargo-fuzz turns debug assertions on for any build without -O;
# as before, they stay on (RUSTFLAGS would rebuild everything for no gain here).
build=()
if [ "${FUZZ_QUICK_BUILD:-0}" = 1 ]; then build=(--dev --sanitizer none); fi
cargo +nightly fuzz run "${build[@]}" import "$work" -- -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=3072 -timeout=20
