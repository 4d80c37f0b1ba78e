#!/usr/bin/env bash
# The sync server's load benchmark (crates/server/benches/load.rs), in release: 50 devices
# each sending a signed 100-event batch once a second to one instance on SQLite, then to
# two instances on one PostgreSQL 15 (a private cluster with fsync on), then an admin
# search over 1,000,000 events; prints latency percentiles, errors and the load average
# before and after each part (docs/BENCHMARKS.md, "Sync server: load").
# Usage: scripts/server-bench.sh [--seconds N] [--devices N] [--backend sqlite|postgres|both|none] [--search-events N]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  install_debian_packages postgresql-15
fi
uptime
cargo bench --locked -p clinic-vault-server --bench load -- "$@"
uptime
