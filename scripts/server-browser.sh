#!/usr/bin/env bash
# The sync server's admin review page (/admin/) in a real browser: Debian's Chromium
# driven by playwright-core (crates/server/web-tests). Builds the server and its test
# workstation (examples/push_demo.rs), starts the server on 127.0.0.1 with a temporary
# data directory, makes an admin token, enrolls the workstation, which pushes signed
# batches and one forked (refused) batch, then runs the browser test: log in, search and
# page, the device and its chain status, an alert acknowledged (and the chain status
# following), an enrollment code shown once, CSRF-less and
# cross-origin POSTs refused, revoke, log out. Last, the enrollment code's token
# enrolls a second workstation. Stops everything it started.
# Usage: bash scripts/server-browser.sh   (CV_BROWSER_KEEP=1 keeps the work directory
# with the screenshots and the server's log)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

install_debian_packages chromium fonts-dejavu-core
require_node
cargo build --locked -p clinic-vault-server --bin clinic-vault-server --example push_demo --quiet
server="$CARGO_TARGET_DIR/debug/clinic-vault-server"
demo="$CARGO_TARGET_DIR/debug/examples/push_demo"
tests="$ROOT/crates/server/web-tests"
npm_deps "$tests"

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "${CV_BROWSER_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
public_url="https://vault.clinic.example"
export CLINIC_VAULT_SERVER_DATA_DIR="$work/data" CLINIC_VAULT_SERVER_LISTEN="127.0.0.1:$port"
export CLINIC_VAULT_SERVER_PUBLIC_URL="$public_url"
export RUST_LOG=warn
"$server" migrate >/dev/null
admin=$("$server" admin-token create --name browser-test)
enroll=$("$server" enroll-token create --name "Browser test workstation" --ttl 1h)
RUST_LOG=info "$server" serve 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 100); do grep -q '"listening"' "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"listening"' "$work/server.log" || { cat "$work/server.log" >&2; exit 1; }
base="http://127.0.0.1:$port"
device=$("$demo" "$base" "$enroll" 3)
echo "== browser: workstation $device pushed 120 events and one forked batch"

echo "== browser: Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), playwright-core $(node -p 'require("'"$tests"'/node_modules/playwright-core/package.json").version')"
browser_start=$(date +%s)
(cd "$tests" && CV_BASE_URL="$base" CV_ADMIN_TOKEN="$admin" CV_DEVICE_ID="$device" \
  CV_PUBLIC_URL="$public_url" CV_OUT_DIR="$work" \
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$work/results.tap" admin.test.mjs)
echo "== browser: the test took $(( $(date +%s) - browser_start )) s; screenshots in $work/*.png"

# The code the browser was shown enrolls a workstation (the public URL is a stand-in,
# so the second workstation talks to the loopback address).
second=$("$demo" "$base" "$(cat "$work/enroll-token.txt")" 1)
echo "== browser: the enrollment code's token enrolled $second"
if grep -q '"level":"ERROR"' "$work/server.log"; then
  echo "the server logged errors:" >&2; grep '"level":"ERROR"' "$work/server.log" | head >&2; exit 1
fi
# One line for scripts/test.sh's closing count.
echo "browser: $(awk '/^# pass /{print $3}' "$work/results.tap") passed, $(awk '/^# fail /{print $3}' "$work/results.tap") failed"
echo "== browser checks passed in $(( $(date +%s) - start )) s"
