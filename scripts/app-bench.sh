#!/usr/bin/env bash
# Desktop app figures: cold start to the unlock screen, unlock to the patient list,
# opening a patient, and the memory of the app + its WebKit processes after opening 50
# patients. Runs in the e2e harness (Xvfb, private D-Bus, tauri-driver; see e2e.sh) on
# a vault seeded with the CLI's `dev seed`. Writes target/app-bench.json too.
#
# Usage: scripts/app-bench.sh
#   E2E_APP=/path/to/clinic-vault   measure this binary (e.g. a release build) instead of
#                                   building the debug test-hooks one; set BENCH_BUILD to
#                                   describe it in the output
#   BENCH_CLI=/path/to/clinicvault  a CLI built with --features dev (else built here)
#   BENCH_PATIENTS=50 BENCH_COLD_RUNS=3
source "$(dirname "$0")/lib.sh"
if [ -z "${BENCH_CLI:-}" ]; then
  require_rust
  echo "== building the CLI with dev seed"
  (cd "$ROOT" && cargo build --locked -p clinic-vault-cli --features dev --quiet)
  BENCH_CLI="$CARGO_TARGET_DIR/debug/clinicvault"
fi
export BENCH_CLI
# The system clock: the bench measures the app as it runs, and the CLI (no test clock)
# writes the vault first.
E2E_CMD="node bench/app-bench.mjs" E2E_SYSTEM_CLOCK=1 exec bash "$ROOT/scripts/e2e.sh"
