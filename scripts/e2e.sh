#!/usr/bin/env bash
# End-to-end tests of the desktop app: the real binary (built with the test clock hook),
# driven through tauri-driver + WebKitWebDriver by WebdriverIO, headless under Xvfb, with
# a private D-Bus system bus where python-dbusmock plays logind (OS lock, suspend) and a
# private session bus (single-instance plugin). Every file the app could write (HOME,
# XDG dirs, TMPDIR, the vault) lives in one temporary root, scanned for patient names at
# the end. Screenshots of every screen go to target/e2e-screenshots/.
#
# Usage: scripts/e2e.sh
#   E2E_APP=/path/to/clinic-vault   use this binary (must have the test-hooks feature)
#                                   instead of building one
#   E2E_SERVER=/path/to/clinic-vault-server  the sync spec's server (default: a debug build)
#   E2E_KEEP=1                      keep the temporary root (its path is printed)
#   E2E_ONLY=<regex>                run only the tests whose name matches (node --test)
#   E2E_CMD="<command>"             run this command (in tests/e2e/) inside the harness
#                                   instead of the tests (scripts/app-bench.sh does)
#   E2E_SYSTEM_CLOCK=1              no test clock file: the app runs on the system clock
# Prints `e2e: N passed, M failed` last; exits non-zero when anything failed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# ------------------------------------------------------------------ inside Xvfb
if [ "${1:-}" = "--inside-xvfb" ]; then
  : "${E2E_ROOT:?}" "${E2E_APP:?}"
  pids=()
  cleanup_inside() {
    # Newest first: tauri-driver (and the app it started), dbusmock, the buses.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      kill "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done
  }
  trap cleanup_inside EXIT

  logs="$E2E_ROOT/logs"
  run="$XDG_RUNTIME_DIR"

  # Two private buses: one plays the system bus (logind lives there), one the session bus.
  start_bus() { # name
    cat > "$run/$1-bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$run/$1-bus.socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$run/$1-bus.conf" --nofork --nopidfile >"$logs/$1-bus.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -S "$run/$1-bus.socket" ] && return 0; sleep 0.05; done
    echo "the private $1 bus did not start" >&2; return 1
  }
  start_bus system
  start_bus session
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$run/system-bus.socket"
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$run/session-bus.socket"

  # logind, mocked: a session for this desktop (GetSessionByPID answers it, as real
  # logind would for the app's PID) and another user's session.
  /usr/bin/python3 -m dbusmock --template logind >"$logs/dbusmock.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.freedesktop.login1 2>/dev/null \
      | grep -q true && break
    sleep 0.1
  done
  mock() { # object-path method args...
    local path=$1 method=$2; shift 2
    gdbus call --system --dest org.freedesktop.login1 --object-path "$path" \
      --method "org.freedesktop.DBus.Mock.$method" "$@" >/dev/null
  }
  mock /org/freedesktop/login1 AddSession e2e seat0 "$(id -u)" e2e-user true
  mock /org/freedesktop/login1 AddSession other seat0 4242 someone-else false
  mock /org/freedesktop/login1 AddMethod org.freedesktop.login1.Manager GetSessionByPID u o \
    'ret = "/org/freedesktop/login1/session/e2e"'
  export E2E_LOGIND_SESSION=/org/freedesktop/login1/session/e2e
  export E2E_LOGIND_OTHER_SESSION=/org/freedesktop/login1/session/other

  # tauri-driver on free ports; it starts WebKitWebDriver, which starts the app with
  # this environment.
  read -r E2E_PORT E2E_NATIVE_PORT < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  export E2E_PORT E2E_NATIVE_PORT
  tauri-driver --port "$E2E_PORT" --native-port "$E2E_NATIVE_PORT" \
    --native-driver /usr/bin/WebKitWebDriver >"$logs/tauri-driver.log" 2>&1 &
  pids+=($!)
  port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  for _ in $(seq 200); do
    port_open "$E2E_PORT" && port_open "$E2E_NATIVE_PORT" && break
    sleep 0.05
  done
  if ! port_open "$E2E_PORT" || ! port_open "$E2E_NATIVE_PORT"; then
    echo "tauri-driver did not start:" >&2
    cat "$logs/tauri-driver.log" >&2 || true
    exit 1
  fi

  cd "$E2E_REPO/tests/e2e"
  # For debugging: run a command of your own in this environment instead of the tests.
  if [ -n "${E2E_CMD:-}" ]; then bash -c "$E2E_CMD"; exit $?; fi
  only=()
  [ -n "${E2E_ONLY:-}" ] && only=(--test-name-pattern "$E2E_ONLY")
  set +e
  node --test --test-concurrency=1 "${only[@]}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$E2E_ROOT/results.tap" \
    specs/
  status=$?
  set -e
  exit "$status"
fi

# ------------------------------------------------------------------ outside
source "$HERE/lib.sh"
start=$(date +%s)
# gdbus (libglib2.0-bin, in E2E_DEB_PACKAGES) drives the fake logind.
install_debian_packages "${E2E_DEB_PACKAGES[@]}"
require_node
require_tauri_driver
if [ -z "${E2E_APP:-}" ]; then
  install_debian_packages "${DEB_PACKAGES[@]}"
  require_rust
  echo "== building the UI and the app (test-hooks)"
  build_ui
  # The UI is embedded at compile time: make sure a UI-only change is picked up.
  touch "$ROOT/src-tauri/src/lib.rs"
  (cd "$ROOT" && cargo build --locked -p clinic-vault --features test-hooks --quiet)
  E2E_APP="$CARGO_TARGET_DIR/debug/clinic-vault"
fi
# The sandboxed PDF renderer, built once in release (the build the .deb ships; the
# tests use the same one): the app finds it through CLINICVAULT_RENDERER.
if [ -z "${CLINICVAULT_RENDERER:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked -p clinic-vault-render --quiet)
  export CLINICVAULT_RENDERER="$CARGO_TARGET_DIR/release/clinic-vault-render"
fi
# The sync spec's server (its own child, on a free loopback port).
if [ -z "${E2E_SERVER:-}" ]; then
  (cd "$ROOT" && cargo build --locked -p clinic-vault-server --quiet)
  E2E_SERVER="$CARGO_TARGET_DIR/debug/clinic-vault-server"
fi
[ -x "$E2E_APP" ] || { echo "no app binary at $E2E_APP" >&2; exit 1; }
npm_deps "$ROOT/tests/e2e"

# One temporary root for everything the app may write.
E2E_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/clinic-vault-e2e.XXXXXX")"
cleanup() {
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept the temporary root $E2E_ROOT"; else rm -rf "$E2E_ROOT"; fi
}
trap cleanup EXIT
mkdir -p "$E2E_ROOT"/{home,data,cache,config,runtime,tmp,logs,sane}
# The desk scanner: SANE's test backend only (a virtual flatbed), never a real device.
echo test > "$E2E_ROOT/sane/dll.conf"
chmod 700 "$E2E_ROOT/runtime"
shots="$ROOT/target/e2e-screenshots"
rm -rf "$shots"; mkdir -p "$shots"

echo "== running ${E2E_CMD:-the end-to-end tests} (temporary root $E2E_ROOT)"
export E2E_ROOT E2E_APP E2E_SERVER E2E_REPO="$ROOT" E2E_SCREENSHOTS="$shots"
if [ "${E2E_SYSTEM_CLOCK:-0}" = 1 ]; then
  unset CLINICVAULT_TEST_CLOCK_FILE
else
  export CLINICVAULT_TEST_CLOCK_FILE="$E2E_ROOT/clock"
  # Start the test clock at the real time (microseconds); the tests move it forward.
  echo "$(( $(date +%s) * 1000000 ))" > "$CLINICVAULT_TEST_CLOCK_FILE"
fi
unset CLINICVAULT_VAULT_DIR CLINICVAULT_EXPORT_DIR XDG_SESSION_ID DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS
log="$E2E_ROOT/logs/run.log"
set +e
env HOME="$E2E_ROOT/home" XDG_DATA_HOME="$E2E_ROOT/data" XDG_CACHE_HOME="$E2E_ROOT/cache" \
  XDG_CONFIG_HOME="$E2E_ROOT/config" XDG_RUNTIME_DIR="$E2E_ROOT/runtime" \
  XDG_STATE_HOME="$E2E_ROOT/data/state" TMPDIR="$E2E_ROOT/tmp" SANE_CONFIG_DIR="$E2E_ROOT/sane" \
  NO_AT_BRIDGE=1 GDK_BACKEND=x11 LIBGL_ALWAYS_SOFTWARE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
  xvfb-run -a -s '-screen 0 1280x800x24' bash "$HERE/e2e.sh" --inside-xvfb </dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ -n "${E2E_CMD:-}" ]; then
  [ "$status" -eq 0 ] || cp -r "$E2E_ROOT/logs" "$ROOT/target/e2e-logs" 2>/dev/null || true
  exit "$status"
fi

passed=0; failed=0
if [ -f "$E2E_ROOT/results.tap" ]; then
  passed=$(awk '/^# pass /{print $3}' "$E2E_ROOT/results.tap" | tail -1)
  # A test cancelled because the suite's setup failed counts as failed.
  failed=$(awk '/^# fail /{f=$3} /^# cancelled /{c=$3} END{print f+c}' "$E2E_ROOT/results.tap")
  passed=${passed:-0}; failed=${failed:-0}
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# Keep the logs next to the screenshots for a failed run.
if [ "$failed" -ne 0 ]; then cp -r "$E2E_ROOT/logs" "$ROOT/target/e2e-logs" 2>/dev/null || true; fi
echo "== end-to-end: screenshots in ${shots#"$ROOT"/}, $(( $(date +%s) - start )) s"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
