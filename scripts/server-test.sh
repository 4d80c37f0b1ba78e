#!/usr/bin/env bash
# Everything the sync server (crates/server) and the wire protocol (crates/proto) need in
# CI: the packages they use, then their tests (the storage suite on SQLite and on a
# private PostgreSQL 15 cluster, the API in-process and over 127.0.0.1, the binary's
# commands, the outside auditor's Python verifiers, the SIGKILL test), then schemathesis
# against the running binary's OpenAPI document.
# scripts/test.sh calls it; it also runs alone: bash scripts/server-test.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

# A C toolchain and OpenSSL for SQLCipher; python3 and its `cryptography` package for
# crates/proto/tests/golden/wire/verify_request.py (Ed25519 as an outside auditor checks it).
install_debian_packages build-essential pkg-config libssl-dev python3
require_python_cryptography() {
  python3 -c 'import cryptography' 2>/dev/null && return 0
  install_debian_packages python3-cryptography || true
  python3 -c 'import cryptography' 2>/dev/null && return 0
  python3 -m pip install --quiet --break-system-packages cryptography
}
require_python_cryptography

# PostgreSQL 15 for the storage suite's second run and the two-instance test: the tests
# start a private cluster with initdb/pg_ctl on 127.0.0.1 (crates/server/tests/pg.rs) and
# stop it; they find the binaries on the PATH or under /usr/lib/postgresql/*/bin.
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  install_debian_packages postgresql-15
fi

echo "== server: proto and server tests"
# The whole output, so that test.sh's closing count sees every `test result:` line.
cargo test --locked -p clinic-vault-proto -p clinic-vault-server 2>&1

echo "== server: schemathesis against /openapi.json (authenticated)"
bash "$ROOT/scripts/server-schemathesis.sh" 2>&1 | tail -12

echo "== server checks passed in $(( $(date +%s) - start )) s"
