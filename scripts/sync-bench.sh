#!/usr/bin/env bash
# The workstation's sync benchmark (crates/sync/benches/drain.rs), in release: 100,000
# queued events drain to a real server on SQLite, then on PostgreSQL 15 (a private
# cluster with fsync on); 1 GiB of scans uploads beside plain TCP and plain HTTP over
# loopback measured in the same run; client and server memory sampled throughout; an
# unlock with 100,000 events waiting beside one with none (docs/BENCHMARKS.md,
# "Sync from the workstation").
# Usage: scripts/sync-bench.sh [--events N] [--blobs N] [--blob-mib N] [--backend sqlite|postgres|both]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  install_debian_packages postgresql-15
fi
uptime
cargo bench --locked -p clinic-vault-sync --bench drain -- "$@"
uptime
