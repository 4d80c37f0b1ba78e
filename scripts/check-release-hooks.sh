#!/usr/bin/env bash
# The test clock and crash points exist only with core's `test-hooks` feature, which
# only the CLI's dev-dependency enables. Build the release binary and prove it has
# neither: their environment variable names must not appear in it, and setting them
# must change nothing. Nor has it the CLI's `dev` feature (`dev seed`).
# The same for the desktop app, and its .deb must be complete.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo build --release --locked -p clinic-vault-cli --bin clinicvault --quiet
bin="$CARGO_TARGET_DIR/release/clinicvault"
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $*" >&2; fi; }

no_hook_strings() { ! grep -a -q -e CLINICVAULT_TEST_CLOCK_FILE -e CLINICVAULT_TEST_CRASH_AT "$bin"; }
check no_hook_strings

# With the hooks' variables set, a release binary still runs on the system clock and
# never kills itself: init succeeds and the vault's creation time is now, not 1970.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo 0 > "$tmp/clock"
hooks_inert() {
  printf 'correct horse battery staple orbit\n' \
    | CLINICVAULT_TEST_CLOCK_FILE="$tmp/clock" CLINICVAULT_TEST_CRASH_AT=1 \
      "$bin" init --vault "$tmp/v" --admin alice --json >"$tmp/out" 2>"$tmp/err"
}
check hooks_inert

# Unlocking with a code for the real time, while the hook's clock file says 1970, works
# only if the release binary ignores the file.
clock_ignored() {
  local code
  code=$(python3 - "$tmp/out" <<'PY'
import base64, hashlib, hmac, json, struct, sys, time, urllib.parse
uri = json.load(open(sys.argv[1]))["totp_uri"]
s = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
key = base64.b32decode(s + "=" * (-len(s) % 8))
h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
) || return 1
  printf 'correct horse battery staple orbit\n' \
    | CLINICVAULT_TEST_CLOCK_FILE="$tmp/clock" "$bin" --vault "$tmp/v" --user alice --totp "$code" --json whoami \
    | grep -q '"role":"admin"'
}
check clock_ignored

# `dev seed` (the CLI's `dev` feature, synthetic patients) is not in a release build:
# there it is an unknown command, refused as invalid_input before any unlock.
no_dev_seed() {
  local rc=0
  "$bin" --vault "$tmp/v" --json dev seed --patients 1 </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq 2 ] && grep -q '"code":"invalid_input"' "$tmp/out" \
    && grep -q "unrecognized subcommand 'dev'" "$tmp/out"
}
check no_dev_seed

# The desktop app's release build (scripts/test.sh builds it with `tauri build --bundles
# deb` first): no test clock in the binary, and the .deb carries the app.
app="$CARGO_TARGET_DIR/release/clinic-vault"
app_has_no_hooks() { [ -x "$app" ] && ! grep -a -q -e CLINICVAULT_TEST_CLOCK_FILE -e CLINICVAULT_TEST_CRASH_AT "$app"; }
check app_has_no_hooks
deb_is_complete() {
  local deb
  deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || { echo "no .deb under $CARGO_TARGET_DIR/release/bundle/deb" >&2; return 1; }
  dpkg-deb -c "$deb" >"$tmp/deb.list" && dpkg-deb -f "$deb" Depends >"$tmp/deb.deps" || return 1
  grep -Eq '(^| |/)usr/bin/clinic-vault$' "$tmp/deb.list" \
    && grep -Eq '(^| |/)usr/bin/clinic-vault-render$' "$tmp/deb.list" \
    && grep -q 'sane-utils' "$tmp/deb.deps" \
    && grep -q 'usr/share/applications/.*\.desktop$' "$tmp/deb.list" \
    && grep -q 'libwebkit2gtk-4.1-0' "$tmp/deb.deps"
}
check deb_is_complete
echo "release-hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
