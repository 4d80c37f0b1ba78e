#!/usr/bin/env bash
# schemathesis against the running server's /openapi.json, authenticated: device routes
# signed by an enrolled device (crates/server/tests/schemathesis/cv_hooks.py), admin routes
# with an admin token. Passes when no response is a 5xx and every response conforms to
# the document. Revocation is left out (it would revoke the signing device and leave
# the device routes nothing but 403s); the Rust tests cover it. Usage: scripts/server-schemathesis.sh [MAX_EXAMPLES]   (default 25)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
max_examples="${1:-25}"
venv="${CLINIC_VAULT_ST_VENV:-$HOME/.cache/clinic-vault/schemathesis-venv}"
if [ ! -x "$venv/bin/st" ]; then
  install_debian_packages python3-venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5" cryptography
fi
cargo build --locked -p clinic-vault-server --bin clinic-vault-server --quiet
server="$CARGO_TARGET_DIR/debug/clinic-vault-server"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export CLINIC_VAULT_SERVER_DATA_DIR="$work/data" CLINIC_VAULT_SERVER_LISTEN="127.0.0.1:$port"
export RUST_LOG=warn
# The rate limits stay on but far above what schemathesis sends from its one address and
# one device (it would otherwise meet 429s, which are documented but not what it tests);
# the time and body limits are the defaults. crates/server/tests/limits.rs tests them.
export CLINIC_VAULT_SERVER_LIMITS_IP_PER_SECOND=10000 CLINIC_VAULT_SERVER_LIMITS_IP_BURST=100000
export CLINIC_VAULT_SERVER_LIMITS_DEVICE_PER_SECOND=10000 CLINIC_VAULT_SERVER_LIMITS_DEVICE_BURST=100000
"$server" migrate >/dev/null
admin=$("$server" admin-token create --name schemathesis)
export CV_ENROLL_TOKEN=$("$server" enroll-token create --name schemathesis --ttl 1h)
export CV_BASE_URL="http://127.0.0.1:$port"
RUST_LOG=info "$server" serve 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 100); do grep -q '"listening"' "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"listening"' "$work/server.log" || { cat "$work/server.log" >&2; exit 1; }
# From the work directory, so schemathesis's own cache stays out of the repository.
(cd "$work" && PYTHONPATH="$ROOT/crates/server/tests/schemathesis" SCHEMATHESIS_HOOKS=cv_hooks \
  "$venv/bin/st" run "$CV_BASE_URL/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --header "Authorization: Bearer $admin" \
    --exclude-path-regex '/revoke$' \
    --max-examples "$max_examples" --seed 1 --no-color)
if grep -q '"level":"ERROR"' "$work/server.log"; then
  echo "the server logged errors:" >&2; grep '"level":"ERROR"' "$work/server.log" | head >&2; exit 1
fi
echo "schemathesis: passed"
